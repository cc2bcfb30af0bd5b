//! Xuancai's imaging core.
//!
//! This crate owns everything done to pixels without a model: safe decoding
//! ([`decode`]: format sniffing, byte and pixel limits checked before any
//! pixel is decoded, EXIF orientation), resizing ([`resize`], SIMD through
//! `fast_image_resize`), matting ([`matte`]: guided-filter refinement of a
//! coarse mask and foreground colour estimation), compositing ([`compose`]:
//! backgrounds, blur, shadows, crops), encoding ([`encode`]), photo
//! renditions ([`thumbnail`]: shrink-on-load previews and thumbnails),
//! metadata ([`metadata`]: capture time, camera, location stripping), text
//! ([`text`]: OpenType glyphs, outlines), overlays ([`draw`]) and the face
//! swap's pixel work ([`warp`]: piecewise-affine warps; [`blend`]: masks,
//! feathering, colour transfer, multi-band blending).
//!
//! It depends on no web framework, database or ML runtime, so the CLI, the
//! server and the ML code can all use it. Every failure is an
//! [`ImagingError`] with a stable [`code`](ImagingError::code); no input can
//! make it panic.

pub mod blend;
pub mod brush;
mod completeness;
pub mod compose;
pub mod decode;
pub mod draw;
pub mod encode;
pub mod error;
pub mod filter;
mod jpeg_segments;
pub mod matte;
pub mod metadata;
pub mod resize;
pub mod text;
pub mod thumbnail;
pub mod warp;

pub use error::{ImagingError, Result};
pub use image::{GrayImage, RgbaImage};
