//! Integration tests of cutout, faces and swap on real models.
//!
//! One test binary for the crate (each binary links the whole stack).

#[allow(dead_code)]
mod common;
mod cutout_photos;
mod faces;
mod swap;
