//! Resizing through `fast_image_resize` (SIMD convolution), with a resizer
//! reused per thread.

use std::cell::RefCell;

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
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
    let src_view = ImageRef::new(src.width(), src.height(), src.as_raw(), PixelType::U8x4)
        .map_err(|e| ImagingError::InvalidParameter(e.to_string()))?;
    let mut dst = Image::new(width, height, PixelType::U8x4);
    let alg = ResizeAlg::Convolution(match filter {
        Filter::Bilinear => FilterType::Bilinear,
        Filter::Lanczos3 => FilterType::Lanczos3,
    });
    let opts = ResizeOptions::new().resize_alg(alg).use_alpha(premultiply);
    RESIZER
        .with(|r| r.borrow_mut().resize(&src_view, &mut dst, &opts))
        .map_err(|e| ImagingError::InvalidParameter(e.to_string()))?;
    RgbaImage::from_raw(width, height, dst.into_vec())
        .ok_or_else(|| ImagingError::InvalidParameter("resize buffer".into()))
}

/// Resize opaque RGB with Lanczos3 (photo thumbnails and previews).
pub fn resize_rgb(src: &image::RgbImage, width: u32, height: u32) -> Result<image::RgbImage> {
    if width == 0 || height == 0 {
        return Err(ImagingError::InvalidParameter(format!(
            "resize to {width}x{height}"
        )));
    }
    if (width, height) == src.dimensions() {
        return Ok(src.clone());
    }
    let src_view = ImageRef::new(src.width(), src.height(), src.as_raw(), PixelType::U8x3)
        .map_err(|e| ImagingError::InvalidParameter(e.to_string()))?;
    let mut dst = Image::new(width, height, PixelType::U8x3);
    let opts = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    RESIZER
        .with(|r| r.borrow_mut().resize(&src_view, &mut dst, &opts))
        .map_err(|e| ImagingError::InvalidParameter(e.to_string()))?;
    image::RgbImage::from_raw(width, height, dst.into_vec())
        .ok_or_else(|| ImagingError::InvalidParameter("resize buffer".into()))
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
