//! Safe decoding: format sniffing, byte and pixel limits checked before any
//! pixel is decoded, EXIF orientation applied, every input normalised to 8-bit
//! RGBA.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, RgbaImage};

use crate::error::{ImagingError, Result};

/// Limits applied before decoding (the decompression-bomb guard), and how
/// strict decoding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeLimits {
    /// Largest accepted file, in bytes.
    pub max_bytes: u64,
    /// Largest accepted width × height, read from the header before decoding.
    pub max_pixels: u64,
    /// Decode a file that ends before its image does, with the missing part
    /// filled by the decoder. Off by default: a truncated file is refused
    /// with `image_truncated` by every entry point.
    pub accept_truncated: bool,
}

impl Default for DecodeLimits {
    /// 50 megapixels and 200 MiB; truncated files refused.
    fn default() -> Self {
        Self {
            max_bytes: 200 * 1024 * 1024,
            max_pixels: 50_000_000,
            accept_truncated: false,
        }
    }
}

/// The formats we read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    Jpeg,
    Png,
    WebP,
    Gif,
    Bmp,
    Tiff,
}

impl SourceFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Jpeg => "jpeg",
            Self::Png => "png",
            Self::WebP => "webp",
            Self::Gif => "gif",
            Self::Bmp => "bmp",
            Self::Tiff => "tiff",
        }
    }

    fn from_image(f: ImageFormat) -> Option<Self> {
        Some(match f {
            ImageFormat::Jpeg => Self::Jpeg,
            ImageFormat::Png => Self::Png,
            ImageFormat::WebP => Self::WebP,
            ImageFormat::Gif => Self::Gif,
            ImageFormat::Bmp => Self::Bmp,
            ImageFormat::Tiff => Self::Tiff,
            _ => return None,
        })
    }
}

/// A decoded image, upright, as 8-bit RGBA.
#[derive(Debug)]
pub struct Decoded {
    pub image: RgbaImage,
    pub format: SourceFormat,
}

/// Identify the format from the bytes alone (never from a file name).
pub fn sniff(bytes: &[u8]) -> Result<SourceFormat> {
    if bytes.is_empty() {
        return Err(ImagingError::Empty);
    }
    image::guess_format(bytes)
        .ok()
        .and_then(SourceFormat::from_image)
        .ok_or(ImagingError::UnsupportedFormat)
}

/// Width and height as declared by the header, after EXIF orientation, without
/// decoding pixels.
pub fn probe(bytes: &[u8], limits: &DecodeLimits) -> Result<(u32, u32)> {
    let (decoder, _) = open(bytes, limits)?;
    let (w, h) = decoder.dimensions();
    Ok(w_h_oriented(w, h, decoder_orientation(decoder)))
}

fn w_h_oriented(w: u32, h: u32, o: image::metadata::Orientation) -> (u32, u32) {
    use image::metadata::Orientation::*;
    match o {
        Rotate90 | Rotate270 | Rotate90FlipH | Rotate270FlipH => (h, w),
        _ => (w, h),
    }
}

fn decoder_orientation(mut d: Box<dyn ImageDecoder + '_>) -> image::metadata::Orientation {
    d.orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms)
}

fn map_err(e: image::ImageError) -> ImagingError {
    match e {
        image::ImageError::Unsupported(u) => ImagingError::UnsupportedVariant(u.to_string()),
        image::ImageError::Limits(l) => ImagingError::Corrupt(format!("limit exceeded: {l}")),
        other => ImagingError::Corrupt(other.to_string()),
    }
}

fn open<'a>(bytes: &'a [u8], limits: &DecodeLimits) -> Result<(Box<dyn ImageDecoder + 'a>, SourceFormat)> {
    if bytes.len() as u64 > limits.max_bytes {
        return Err(ImagingError::FileTooLarge {
            size: bytes.len() as u64,
            limit: limits.max_bytes,
        });
    }
    let format = sniff(bytes)?;
    let mut reader = ImageReader::new(Cursor::new(bytes));
    reader.set_format(match format {
        SourceFormat::Jpeg => ImageFormat::Jpeg,
        SourceFormat::Png => ImageFormat::Png,
        SourceFormat::WebP => ImageFormat::WebP,
        SourceFormat::Gif => ImageFormat::Gif,
        SourceFormat::Bmp => ImageFormat::Bmp,
        SourceFormat::Tiff => ImageFormat::Tiff,
    });
    let whole = limits.accept_truncated || crate::completeness::is_complete(bytes, format);
    // A file cut short in its headers fails here; say why.
    let decoder = reader.into_decoder().map_err(|e| match whole {
        true => map_err(e),
        false => ImagingError::Truncated(format.as_str()),
    })?;
    let mut decoder: Box<dyn ImageDecoder + 'a> = Box::new(decoder);
    let (w, h) = decoder.dimensions();
    if w == 0 || h == 0 {
        return Err(ImagingError::ZeroSize { width: w, height: h });
    }
    let pixels = u64::from(w) * u64::from(h);
    if pixels > limits.max_pixels {
        return Err(ImagingError::TooManyPixels {
            width: w,
            height: h,
            pixels,
            limit: limits.max_pixels,
        });
    }
    // A second guard inside the decoders: no allocation beyond what the
    // accepted pixel count needs (16-bit RGBA, with slack for codec buffers).
    let mut img_limits = image::Limits::default();
    img_limits.max_image_width = Some(w);
    img_limits.max_image_height = Some(h);
    img_limits.max_alloc = Some(pixels.saturating_mul(8).saturating_add(64 << 20));
    decoder.set_limits(img_limits).map_err(map_err)?;
    // Every entry point (probe, decode, decode_to_fit, decode_rgb_to_fit)
    // opens through here, so none decodes a file with its end missing.
    if !whole {
        return Err(ImagingError::Truncated(format.as_str()));
    }
    Ok((decoder, format))
}

/// Decode an image from memory: limits first (and the file's completeness),
/// then pixels, then EXIF
/// orientation. Greyscale, 16-bit, palette and float inputs become 8-bit RGBA;
/// animated GIF and WebP give their first frame.
pub fn decode(bytes: &[u8], limits: &DecodeLimits) -> Result<Decoded> {
    let (mut decoder, format) = open(bytes, limits)?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(map_err)?;
    img.apply_orientation(orientation);
    let image = match img {
        DynamicImage::ImageRgba8(i) => i,
        other => other.to_rgba8(),
    };
    Ok(Decoded { image, format })
}

/// Decode an image no larger than needed to fit a `max_side` square
/// (thumbnails, previews, model inputs): JPEGs are decoded with DCT scaling
/// (shrink-on-load at 1/2, 1/4 or 1/8, so a 12 MP photo is never fully
/// decoded for a 250 px thumbnail), then resized with Lanczos3 to fit. Limits
/// and EXIF orientation are applied as in [`decode`]. Other formats, and
/// 16-bit or CMYK JPEGs, take the full decode and are resized.
pub fn decode_to_fit(bytes: &[u8], limits: &DecodeLimits, max_side: u32) -> Result<Decoded> {
    if max_side == 0 {
        return Err(ImagingError::InvalidParameter("max_side must be positive".into()));
    }
    let format = sniff(bytes)?;
    if format == SourceFormat::Jpeg {
        // Limits first (header only), through the same path as `decode`.
        probe(bytes, limits)?;
        let scaled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| jpeg_scaled(bytes, max_side)))
            .map_err(|_| ImagingError::Corrupt("the JPEG decoder failed".into()))??;
        if let Some(image) = scaled {
            return Ok(Decoded {
                image: fit(image, max_side)?,
                format,
            });
        }
    }
    let full = decode(bytes, limits)?;
    Ok(Decoded {
        image: fit(full.image, max_side)?,
        format: full.format,
    })
}

fn fit(image: RgbaImage, max_side: u32) -> Result<RgbaImage> {
    let (w, h) = crate::resize::fit_within(image.width(), image.height(), max_side);
    if (w, h) == image.dimensions() {
        return Ok(image);
    }
    crate::resize::resize_rgba(&image, w, h, crate::resize::Filter::Lanczos3, false)
}

/// A DCT-scaled JPEG decode before colour expansion: `(width, height,
/// pixels as RGB24 or L8, grey?, EXIF orientation)`.
type ScaledJpeg = (u32, u32, Vec<u8>, bool, Option<image::metadata::Orientation>);

/// DCT-scaled JPEG decode; `None` for variants left to the full decoder.
fn jpeg_scaled_raw(bytes: &[u8], max_side: u32) -> Result<Option<ScaledJpeg>> {
    use jpeg_decoder::{Decoder, PixelFormat};
    let corrupt = |e: jpeg_decoder::Error| ImagingError::Corrupt(e.to_string());
    let mut d = Decoder::new(Cursor::new(bytes));
    d.read_info().map_err(corrupt)?;
    let Some(info) = d.info() else {
        return Ok(None);
    };
    if !matches!(info.pixel_format, PixelFormat::L8 | PixelFormat::RGB24) {
        return Ok(None);
    }
    let (tw, th) = crate::resize::fit_within(u32::from(info.width), u32::from(info.height), max_side);
    let (w, h) = d
        .scale(
            u16::try_from(tw).unwrap_or(u16::MAX),
            u16::try_from(th).unwrap_or(u16::MAX),
        )
        .map_err(corrupt)?;
    let pixels = d.decode().map_err(corrupt)?;
    let (w, h) = (u32::from(w), u32::from(h));
    let grey = info.pixel_format == PixelFormat::L8;
    if pixels.len() < w as usize * h as usize * if grey { 1 } else { 3 } {
        return Err(ImagingError::Corrupt("short JPEG data".into()));
    }
    let orientation = d
        .exif_data()
        .and_then(image::metadata::Orientation::from_exif_chunk);
    Ok(Some((w, h, pixels, grey, orientation)))
}

fn scaled_guarded(bytes: &[u8], max_side: u32) -> Result<Option<ScaledJpeg>> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| jpeg_scaled_raw(bytes, max_side)))
        .map_err(|_| ImagingError::Corrupt("the JPEG decoder failed".into()))?
}

fn jpeg_scaled(bytes: &[u8], max_side: u32) -> Result<Option<RgbaImage>> {
    let Some((w, h, pixels, grey, orientation)) = jpeg_scaled_raw(bytes, max_side)? else {
        return Ok(None);
    };
    let n = w as usize * h as usize;
    let rgba: Vec<u8> = if grey {
        pixels[..n].iter().flat_map(|&v| [v, v, v, 255]).collect()
    } else {
        pixels[..n * 3]
            .chunks_exact(3)
            .flat_map(|p| [p[0], p[1], p[2], 255])
            .collect()
    };
    let mut img = DynamicImage::ImageRgba8(
        RgbaImage::from_raw(w, h, rgba).ok_or_else(|| ImagingError::Corrupt("JPEG size".into()))?,
    );
    if let Some(o) = orientation {
        img.apply_orientation(o);
    }
    Ok(Some(img.into_rgba8()))
}

/// Like [`decode_to_fit`], for opaque output (thumbnails and previews of
/// photos): JPEGs stay RGB from the decoder through the resize, which saves
/// the RGBA expansion; other formats are decoded as RGBA and flattened onto
/// white.
pub fn decode_rgb_to_fit(bytes: &[u8], limits: &DecodeLimits, max_side: u32) -> Result<image::RgbImage> {
    if max_side == 0 {
        return Err(ImagingError::InvalidParameter("max_side must be positive".into()));
    }
    if sniff(bytes)? == SourceFormat::Jpeg {
        probe(bytes, limits)?;
        if let Some((w, h, pixels, grey, orientation)) = scaled_guarded(bytes, max_side)? {
            let n = w as usize * h as usize;
            let rgb = if grey {
                pixels[..n].iter().flat_map(|&v| [v, v, v]).collect()
            } else {
                let mut p = pixels;
                p.truncate(n * 3);
                p
            };
            let img = image::RgbImage::from_raw(w, h, rgb)
                .ok_or_else(|| ImagingError::Corrupt("JPEG size".into()))?;
            let (fw, fh) = crate::resize::fit_within(w, h, max_side);
            // DCT scaling left less than 2x to go: Catmull-Rom suffices.
            let filter = crate::resize::Filter::CatmullRom;
            let mut img = DynamicImage::ImageRgb8(crate::resize::resize_rgb(&img, fw, fh, filter)?);
            if let Some(o) = orientation {
                img.apply_orientation(o);
            }
            return Ok(img.into_rgb8());
        }
    }
    let rgba = decode_to_fit(bytes, limits, max_side)?.image;
    Ok(crate::thumbnail::flatten(&rgba))
}
