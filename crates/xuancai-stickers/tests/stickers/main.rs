//! Integration tests of the sticker maker.
//!
//! One test binary for the crate (each binary links the whole stack).

mod captions;
#[allow(dead_code)]
mod common;
mod hostile;
mod packs;
mod platforms;
mod presets;
