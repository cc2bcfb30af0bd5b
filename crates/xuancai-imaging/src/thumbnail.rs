//! Renditions of uploaded photos: a preview (about 1440 px, JPEG) and a
//! thumbnail (about 250 px, WebP), made with shrink-on-load so that a 12 MP
//! photo is never fully decoded, and fast encoders (SIMD JPEG, libwebp).

use image::{RgbImage, RgbaImage};

use crate::decode::{DecodeLimits, SourceFormat, decode_rgb_to_fit, decode_to_fit, sniff};
use crate::error::{ImagingError, Result};
use crate::resize::{Filter, fit_within, resize_rgb, resize_rgba};

/// Longest side of a preview.
pub const PREVIEW_SIDE: u32 = 1440;
/// Longest side of a thumbnail.
pub const THUMB_SIDE: u32 = 250;

/// An encoded rendition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendition {
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Both renditions of a photo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renditions {
    /// JPEG, quality 85.
    pub preview: Rendition,
    /// WebP (lossy), quality 75.
    pub thumbnail: Rendition,
}

/// Make the preview and the thumbnail from an encoded photo (upright, EXIF
/// orientation applied). JPEGs take an RGB path end to end; images that may
/// have transparency keep it in the WebP thumbnail (the JPEG preview is
/// flattened onto white).
pub fn renditions(bytes: &[u8], limits: &DecodeLimits) -> Result<Renditions> {
    if sniff(bytes)? == SourceFormat::Jpeg {
        let preview = decode_rgb_to_fit(bytes, limits, PREVIEW_SIDE)?;
        let (tw, th) = fit_within(preview.width(), preview.height(), THUMB_SIDE);
        let thumb = resize_rgb(&preview, tw, th, Filter::Lanczos3)?;
        return Ok(Renditions {
            preview: Rendition {
                bytes: encode_jpeg_rgb(&preview, 85)?,
                width: preview.width(),
                height: preview.height(),
            },
            thumbnail: Rendition {
                bytes: encode_webp_rgb(&thumb, 75.0)?,
                width: tw,
                height: th,
            },
        });
    }
    let preview = decode_to_fit(bytes, limits, PREVIEW_SIDE)?.image;
    let (tw, th) = fit_within(preview.width(), preview.height(), THUMB_SIDE);
    let thumb = if (tw, th) == preview.dimensions() {
        preview.clone()
    } else {
        resize_rgba(&preview, tw, th, Filter::Lanczos3, true)?
    };
    Ok(Renditions {
        preview: Rendition {
            bytes: encode_jpeg(&preview, 85)?,
            width: preview.width(),
            height: preview.height(),
        },
        thumbnail: Rendition {
            bytes: encode_webp(&thumb, 75.0)?,
            width: tw,
            height: th,
        },
    })
}

/// A preview that keeps transparency (a studio result shown and composed in
/// the browser, issue 22 item 3): the size of a photo's preview, lossy WebP
/// with its alpha kept exactly (libwebp compresses alpha losslessly).
pub fn preview_with_alpha(bytes: &[u8], limits: &DecodeLimits) -> Result<Rendition> {
    preview_of_rgba(decode_to_fit(bytes, limits, PREVIEW_SIDE)?.image)
}

/// [`preview_with_alpha`] of decoded pixels (a video's frame), shrunk to
/// the preview's size when larger.
pub fn preview_of_rgba(img: RgbaImage) -> Result<Rendition> {
    let (w, h) = img.dimensions();
    let img = if w.max(h) > PREVIEW_SIDE {
        let (nw, nh) = fit_within(w, h, PREVIEW_SIDE);
        resize_rgba(&img, nw, nh, Filter::Lanczos3, true)?
    } else {
        img
    };
    Ok(Rendition {
        bytes: encode_webp(&img, 85.0)?,
        width: img.width(),
        height: img.height(),
    })
}

/// One JPEG thumbnail fitting a `max_side` square (the step compared with
/// libvips' `thumbnail` in the benchmarks).
pub fn thumbnail_jpeg(bytes: &[u8], limits: &DecodeLimits, max_side: u32, quality: u8) -> Result<Rendition> {
    let img = decode_rgb_to_fit(bytes, limits, max_side)?;
    Ok(Rendition {
        bytes: encode_jpeg_rgb(&img, quality)?,
        width: img.width(),
        height: img.height(),
    })
}

/// RGBA onto white.
pub fn flatten(img: &RgbaImage) -> RgbImage {
    let (w, h) = img.dimensions();
    let rgb: Vec<u8> = img
        .pixels()
        .flat_map(|p| {
            let [r, g, b, a] = p.0;
            if a == 255 {
                [r, g, b]
            } else {
                let over =
                    |c: u8| ((u32::from(c) * u32::from(a) + 255 * (255 - u32::from(a)) + 127) / 255) as u8;
                [over(r), over(g), over(b)]
            }
        })
        .collect();
    RgbImage::from_raw(w, h, rgb).unwrap_or_else(|| RgbImage::new(w, h))
}

/// Baseline JPEG with the SIMD encoder; alpha is flattened onto white.
pub fn encode_jpeg(img: &RgbaImage, quality: u8) -> Result<Vec<u8>> {
    encode_jpeg_rgb(&flatten(img), quality)
}

/// Baseline JPEG with the SIMD encoder.
pub fn encode_jpeg_rgb(img: &RgbImage, quality: u8) -> Result<Vec<u8>> {
    let (w, h) = img.dimensions();
    let too_big = || ImagingError::InvalidParameter("JPEG sides are at most 65535 pixels".into());
    let (w16, h16) = (
        u16::try_from(w).map_err(|_| too_big())?,
        u16::try_from(h).map_err(|_| too_big())?,
    );
    let mut out = Vec::with_capacity(img.as_raw().len() / 10);
    jpeg_encoder::Encoder::new(&mut out, quality)
        .encode(img.as_raw(), w16, h16, jpeg_encoder::ColorType::Rgb)
        .map_err(|e| ImagingError::Encode(e.to_string()))?;
    Ok(out)
}

/// Lossy WebP (libwebp) from RGB.
pub fn encode_webp_rgb(img: &RgbImage, quality: f32) -> Result<Vec<u8>> {
    let (w, h) = img.dimensions();
    if w == 0 || h == 0 || w > 16383 || h > 16383 {
        return Err(ImagingError::InvalidParameter(
            "WebP sides are 1 to 16383 pixels".into(),
        ));
    }
    webp_lossy(&webp::Encoder::from_rgb(img.as_raw(), w, h), quality)
}

/// libwebp at `method` 2 (of 0–6; its default is 4): for thumbnails of a
/// few hundred pixels it halves the time for files about 4 % larger at the
/// same quality (docs/BENCHMARKS.md). An encoder failure is an error, not a
/// panic (the crate's `encode` unwraps).
fn webp_lossy(enc: &webp::Encoder<'_>, quality: f32) -> Result<Vec<u8>> {
    let mut config =
        webp::WebPConfig::new().map_err(|()| ImagingError::Encode("WebP configuration".into()))?;
    config.quality = quality;
    config.method = 2;
    config.alpha_compression = 1;
    enc.encode_advanced(&config)
        .map(|m| m.to_vec())
        .map_err(|e| ImagingError::Encode(format!("WebP: {e:?}")))
}

/// Lossy WebP (libwebp), keeping alpha.
pub fn encode_webp(img: &RgbaImage, quality: f32) -> Result<Vec<u8>> {
    let (w, h) = img.dimensions();
    if w == 0 || h == 0 || w > 16383 || h > 16383 {
        return Err(ImagingError::InvalidParameter(
            "WebP sides are 1 to 16383 pixels".into(),
        ));
    }
    webp_lossy(&webp::Encoder::from_rgba(img.as_raw(), w, h), quality)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{SourceFormat, decode, sniff};

    fn photo(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(&img)
            .unwrap_or_else(|e| panic!("{e}"));
        out
    }

    fn psnr(a: &RgbImage, b: &RgbImage) -> f64 {
        let n = a.as_raw().len() as f64;
        let mse = a
            .as_raw()
            .iter()
            .zip(b.as_raw())
            .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
            .sum::<f64>()
            / n;
        10.0 * (255.0 * 255.0 / mse.max(1e-9)).log10()
    }

    /// The preview's last resize (under 2x, after DCT scaling) is
    /// Catmull-Rom for speed: it must stay as close to Lanczos3 as the eye
    /// can tell on a detailed photo, and a cheaper filter must not pass.
    #[test]
    fn img1_preview_filter_keeps_the_detail_of_lanczos3() -> Result<()> {
        // Fine texture (a hash of the position) over edges and gradients.
        let img = RgbImage::from_fn(2400, 1800, |x, y| {
            let h =
                (x.wrapping_mul(374_761_393) ^ y.wrapping_mul(668_265_263)).wrapping_mul(1_274_126_177) >> 26;
            let edge = if (x / 40 + y / 40) % 2 == 0 { 60 } else { 0 };
            let v = |c: u32| ((c + h + edge) % 256) as u8;
            image::Rgb([v(x / 10), v(y / 10), v((x + y) / 20)])
        });
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 92)
            .encode_image(&img)
            .unwrap_or_else(|e| panic!("{e}"));
        let ours = decode_rgb_to_fit(&jpeg, &DecodeLimits::default(), PREVIEW_SIDE)?;
        let full = decode_rgb_to_fit(&jpeg, &DecodeLimits::default(), 2400)?;
        let (w, h) = ours.dimensions();
        let lanczos = resize_rgb(&full, w, h, Filter::Lanczos3)?;
        let bilinear = resize_rgb(&full, w, h, Filter::Bilinear)?;
        let (near, cheap) = (psnr(&ours, &lanczos), psnr(&bilinear, &lanczos));
        // Per-pixel noise is the worst case for a filter change: 38.0 dB
        // here, bilinear 31.2 dB.
        assert!(near >= 36.0, "Catmull-Rom vs Lanczos3: {near:.1} dB");
        assert!(
            cheap < 34.0,
            "the test tells a cheaper filter apart: bilinear {cheap:.1} dB"
        );
        Ok(())
    }

    #[test]
    fn img1_renditions_fit_their_boxes_and_decode() -> Result<()> {
        let r = renditions(&photo(4000, 3000), &DecodeLimits::default())?;
        assert_eq!((r.preview.width, r.preview.height), (1440, 1080));
        assert_eq!((r.thumbnail.width, r.thumbnail.height), (250, 188));
        assert_eq!(sniff(&r.preview.bytes)?, SourceFormat::Jpeg);
        assert_eq!(sniff(&r.thumbnail.bytes)?, SourceFormat::WebP);
        let t = decode(&r.thumbnail.bytes, &DecodeLimits::default())?;
        assert_eq!(t.image.dimensions(), (250, 188));
        // Colours survive: the blue channel is a constant 90.
        let mean_b = t.image.pixels().map(|p| f64::from(p.0[2])).sum::<f64>() / f64::from(250 * 188);
        assert!((mean_b - 90.0).abs() < 6.0, "{mean_b}");
        assert!(
            r.thumbnail.bytes.len() < 30_000,
            "lossy thumbnail {} bytes",
            r.thumbnail.bytes.len()
        );
        Ok(())
    }

    #[test]
    fn small_photos_are_not_enlarged_and_alpha_is_flattened() -> Result<()> {
        let img = image::RgbaImage::from_pixel(100, 50, image::Rgba([0, 0, 0, 0]));
        let mut png = Vec::new();
        image::ImageEncoder::write_image(
            image::codecs::png::PngEncoder::new(&mut png),
            img.as_raw(),
            100,
            50,
            image::ExtendedColorType::Rgba8,
        )
        .map_err(|e| ImagingError::Encode(e.to_string()))?;
        let r = renditions(&png, &DecodeLimits::default())?;
        assert_eq!((r.preview.width, r.thumbnail.width), (100, 100));
        let p = decode(&r.preview.bytes, &DecodeLimits::default())?;
        assert!(
            p.image.pixels().all(|px| px.0[0] > 245),
            "transparent becomes white"
        );
        Ok(())
    }
}
