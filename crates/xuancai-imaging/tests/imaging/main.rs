//! Integration tests of the imaging crate.
//!
//! One test binary for the crate (each binary links the whole stack).

mod decode_robustness;
mod matte_synthetic;
