//! Encoding outputs: PNG (fast compression), WebP (lossy for opaque
//! images, lossless with alpha otherwise), JPEG; 8-bit grey PNG for masks.

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

/// The quality of lossy WebP outputs (libwebp's 0–100 scale; JPEG outputs
/// use 90 on theirs).
pub const WEBP_QUALITY: f32 = 90.0;

/// Encode RGBA. JPEG has no alpha: it is refused unless every pixel is
/// opaque. WebP is lossy without alpha when every pixel is opaque, lossless
/// with alpha otherwise.
pub fn encode_rgba(img: &RgbaImage, format: OutputFormat) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(img.as_raw().len() / 4);
    let (w, h) = img.dimensions();
    match format {
        OutputFormat::Png => {
            PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Adaptive)
                .write_image(img.as_raw(), w, h, ExtendedColorType::Rgba8)
                .map_err(enc_err)?
        }
        // An opaque result (a new background, a face swap) is a photo:
        // lossy WebP without alpha, as small as the JPEG; a cutout keeps its
        // exact alpha, lossless (issue 21 item 8: 1.18 MB where the JPEG
        // was 265 KB).
        OutputFormat::WebP if img.pixels().all(|p| p.0[3] == 255) => {
            let rgb = image::DynamicImage::ImageRgba8(img.clone()).into_rgb8();
            return crate::thumbnail::encode_webp_rgb(&rgb, WEBP_QUALITY);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A photo-like image: smooth gradients and some texture.
    fn photo(alpha: impl Fn(u32, u32) -> u8) -> RgbaImage {
        RgbaImage::from_fn(320, 240, |x, y| {
            let t = ((x * 7 + y * 13) % 17) as u8;
            image::Rgba([
                (x % 256) as u8 ^ t,
                (y % 256) as u8,
                ((x + y) / 3) as u8,
                alpha(x, y),
            ])
        })
    }

    #[test]
    fn an_opaque_webp_is_lossy_without_alpha_and_a_cutout_keeps_its_alpha() -> Result<()> {
        let opaque = encode_rgba(&photo(|_, _| 255), OutputFormat::WebP)?;
        assert_eq!(&opaque[12..16], b"VP8 ", "a lossy bitstream");
        assert!(!opaque.windows(4).any(|w| w == b"ALPH"), "no alpha channel");
        let lossless_size = {
            let mut out = Vec::new();
            WebPEncoder::new_lossless(&mut out)
                .write_image(photo(|_, _| 255).as_raw(), 320, 240, ExtendedColorType::Rgba8)
                .map_err(enc_err)?;
            out.len()
        };
        assert!(
            opaque.len() * 2 < lossless_size,
            "{} vs lossless {lossless_size}",
            opaque.len()
        );

        let cut = photo(|x, _| if x < 160 { 0 } else { 255 });
        let kept = encode_rgba(&cut, OutputFormat::WebP)?;
        assert_eq!(&kept[12..16], b"VP8L", "lossless, exact alpha");
        let back = image::load_from_memory(&kept).map_err(enc_err)?.to_rgba8();
        assert!(
            back.pixels().zip(cut.pixels()).all(|(a, b)| a.0[3] == b.0[3]),
            "alpha kept"
        );
        Ok(())
    }
}
