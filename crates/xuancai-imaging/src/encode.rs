//! Encoding outputs: PNG (fast compression), lossless WebP, JPEG; 8-bit grey
//! PNG for masks.

use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::codecs::webp::WebPEncoder;
use image::{ExtendedColorType, GrayImage, ImageEncoder, RgbaImage};

use crate::error::{ImagingError, Result};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Png,
    WebP,
    Jpeg,
}

impl OutputFormat {
    /// From a name or file extension (`png`, `webp`, `jpg`, `jpeg`).
    pub fn parse(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "png" => Ok(Self::Png),
            "webp" => Ok(Self::WebP),
            "jpg" | "jpeg" => Ok(Self::Jpeg),
            other => Err(ImagingError::InvalidParameter(format!(
                "output format {other:?}: use png, webp or jpg"
            ))),
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::WebP => "webp",
            Self::Jpeg => "jpg",
        }
    }
}

fn enc_err(e: image::ImageError) -> ImagingError {
    ImagingError::Encode(e.to_string())
}

/// Encode RGBA. JPEG has no alpha: it is refused unless every pixel is opaque.
pub fn encode_rgba(img: &RgbaImage, format: OutputFormat) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(img.as_raw().len() / 4);
    let (w, h) = img.dimensions();
    match format {
        OutputFormat::Png => {
            PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Adaptive)
                .write_image(img.as_raw(), w, h, ExtendedColorType::Rgba8)
                .map_err(enc_err)?
        }
        OutputFormat::WebP => WebPEncoder::new_lossless(&mut out)
            .write_image(img.as_raw(), w, h, ExtendedColorType::Rgba8)
            .map_err(enc_err)?,
        OutputFormat::Jpeg => {
            if img.pixels().any(|p| p.0[3] != 255) {
                return Err(ImagingError::InvalidParameter(
                    "JPEG cannot keep transparency: choose a background or PNG/WebP".into(),
                ));
            }
            // The SIMD encoder: 1080p in ~15 ms where `image`'s took ~87
            // (bench/swap.sh, docs/BENCHMARKS.md).
            return crate::thumbnail::encode_jpeg(img, 90);
        }
    }
    Ok(out)
}

/// Encode an 8-bit grey mask (PNG or lossless WebP; JPEG would blur it).
pub fn encode_mask(mask: &GrayImage, format: OutputFormat) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let (w, h) = mask.dimensions();
    match format {
        OutputFormat::Png => {
            PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Adaptive)
                .write_image(mask.as_raw(), w, h, ExtendedColorType::L8)
                .map_err(enc_err)?
        }
        OutputFormat::WebP => {
            let rgba = image::DynamicImage::ImageLuma8(mask.clone()).to_rgba8();
            WebPEncoder::new_lossless(&mut out)
                .write_image(rgba.as_raw(), w, h, ExtendedColorType::Rgba8)
                .map_err(enc_err)?
        }
        OutputFormat::Jpeg => {
            return Err(ImagingError::InvalidParameter(
                "masks are written as PNG or WebP".into(),
            ));
        }
    }
    Ok(out)
}

/// The alpha channel as a grey mask.
pub fn alpha_mask(img: &RgbaImage) -> GrayImage {
    let (w, h) = img.dimensions();
    GrayImage::from_fn(w, h, |x, y| image::Luma([img.get_pixel(x, y).0[3]]))
}
