//! Integration tests of the sticker maker.
//!
//! One test binary for the crate (each binary links the whole stack).

#[allow(dead_code)]
mod common;
mod captions;
mod hostile;
mod packs;
mod presets;
