//! Xuancai's vision crate: the models and what is done with them.
//!
//! It owns the asset manifest and cache ([`assets`]: which registry package
//! each model comes from, its checksum, where the fetched file lives), the
//! inference engine behind a small trait ([`engine`]: ONNX Runtime loaded at
//! run time through `ort`), the segmentation models' contracts
//! ([`segment`]), the cutout pipeline ([`cutout`], IMG-2) with its
//! reusable, thread-safe [`Studio`], faces ([`faces`]: detection, 468
//! landmarks, selectors), the landmark-driven face swap ([`swap`], IMG-3)
//! and the content-safety classifier with its policy ([`safety`]).
//!
//! It depends on the imaging core and never on a web framework or database.

pub mod assets;
pub mod cutout;
pub mod engine;
pub mod error;
pub mod faces;
pub mod safety;
pub mod segment;
pub mod swap;

pub use assets::{AssetDir, ModelId};
pub use cutout::{Cutout, CutoutImage, CutoutOptions, GeneralWeights, ModelChoice, Studio, Timings};
pub use error::{Result, VisionError};
pub use faces::{DetectOptions, Face, Selector};
pub use safety::{ContentPolicy, Verdict};
pub use segment::Segmentation;
pub use swap::{SwapOptions, SwapResult};
