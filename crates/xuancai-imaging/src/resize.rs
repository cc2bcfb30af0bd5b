//! Resizing through `fast_image_resize` (SIMD convolution), with a resizer
//! reused per thread.

use std::cell::RefCell;

use fast_image_resize::images::{TypedImage, TypedImageRef};
use fast_image_resize::pixels::{U8x3, U8x4};
use fast_image_resize::{FilterType, PixelTrait, ResizeAlg, ResizeOptions, Resizer};
use image::RgbaImage;

use crate::error::{ImagingError, Result};

thread_local! {
    static RESIZER: RefCell<Resizer> = RefCell::new(Resizer::new());
}

/// Quality/speed trade-off of a resize.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    /// Bilinear convolution: model inputs and working copies.
    Bilinear,
    /// Lanczos3: output images people look at.
    Lanczos3,
    /// Catmull-Rom (bicubic): the last downscale of a photo decoded with
    /// DCT scaling, always under 2x: as sharp to the eye as Lanczos3 there,
    /// with half its taps (docs/BENCHMARKS.md, "Upload → thumbnail").
    CatmullRom,
}

impl Filter {
    fn kind(self) -> FilterType {
        match self {
            Self::Bilinear => FilterType::Bilinear,
            Self::Lanczos3 => FilterType::Lanczos3,
            Self::CatmullRom => FilterType::CatmullRom,
        }
    }
}

/// Resize RGBA. `premultiply` weights colours by alpha while filtering (set it
/// for images with transparency, clear it for opaque photos: faster).
pub fn resize_rgba(
    src: &RgbaImage,
    width: u32,
    height: u32,
    filter: Filter,
    premultiply: bool,
) -> Result<RgbaImage> {
    if width == 0 || height == 0 {
        return Err(ImagingError::InvalidParameter(format!(
            "resize to {width}x{height}"
        )));
    }
    if (width, height) == src.dimensions() {
        return Ok(src.clone());
    }
    let alg = ResizeAlg::Convolution(filter.kind());
    let opts = ResizeOptions::new().resize_alg(alg).use_alpha(premultiply);
    let mut dst = RgbaImage::new(width, height);
    resize_typed::<U8x4>(src.dimensions(), src.as_raw(), (width, height), &mut dst, &opts)?;
    Ok(dst)
}

/// Resize opaque RGB (photo thumbnails and previews).
pub fn resize_rgb(src: &image::RgbImage, width: u32, height: u32, filter: Filter) -> Result<image::RgbImage> {
    if width == 0 || height == 0 {
        return Err(ImagingError::InvalidParameter(format!(
            "resize to {width}x{height}"
        )));
    }
    if (width, height) == src.dimensions() {
        return Ok(src.clone());
    }
    let opts = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(filter.kind()));
    let mut dst = image::RgbImage::new(width, height);
    resize_typed::<U8x3>(src.dimensions(), src.as_raw(), (width, height), &mut dst, &opts)?;
    Ok(dst)
}

/// Resize interleaved 8-bit pixels of type `P` from `src` into `dst`.
///
/// Typed on purpose: `Resizer::resize` dispatches over all thirteen pixel
/// types at run time, which compiled the SIMD convolutions of every one of
/// them into this crate (and again into its tests), about 60% of its machine
/// code and a minute and a half of each CI build.
fn resize_typed<P: PixelTrait>(
    (sw, sh): (u32, u32),
    src: &[u8],
    (dw, dh): (u32, u32),
    dst: &mut [u8],
    opts: &ResizeOptions,
) -> Result<()> {
    let bad = |e: &dyn std::fmt::Display| ImagingError::InvalidParameter(format!("resize buffer: {e}"));
    let src = TypedImageRef::<P>::from_buffer(sw, sh, src).map_err(|e| bad(&e))?;
    let mut dst = TypedImage::<P>::from_buffer(dw, dh, dst).map_err(|e| bad(&e))?;
    RESIZER
        .with(|r| r.borrow_mut().resize_typed(&src, &mut dst, opts))
        .map_err(|e| ImagingError::InvalidParameter(e.to_string()))
}

/// The size that fits `(w, h)` inside a `max_side` square, keeping the aspect
/// ratio and never enlarging.
pub fn fit_within(w: u32, h: u32, max_side: u32) -> (u32, u32) {
    let side = w.max(h);
    if side <= max_side {
        return (w, h);
    }
    let s = f64::from(max_side) / f64::from(side);
    (
        ((f64::from(w) * s).round() as u32).max(1),
        ((f64::from(h) * s).round() as u32).max(1),
    )
}

/// Scale `src` to cover `(width, height)` and centre-crop the overflow.
pub fn cover(src: &RgbaImage, width: u32, height: u32) -> Result<RgbaImage> {
    let s = (f64::from(width) / f64::from(src.width())).max(f64::from(height) / f64::from(src.height()));
    let sw = ((f64::from(src.width()) * s).ceil() as u32).max(width);
    let sh = ((f64::from(src.height()) * s).ceil() as u32).max(height);
    let scaled = resize_rgba(src, sw, sh, Filter::Lanczos3, true)?;
    let (x, y) = ((sw - width) / 2, (sh - height) / 2);
    Ok(image::imageops::crop_imm(&scaled, x, y, width, height).to_image())
}
