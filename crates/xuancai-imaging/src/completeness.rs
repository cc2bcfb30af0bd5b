//! Whether a file holds its whole image: the structure of each format is
//! walked to its end marker, so a file cut short in transfer is refused
//! (`image_truncated`) instead of being decoded with its missing part
//! filled in grey, as lenient decoders do.
//!
//! Only structure is read (segment lengths, chunk lengths, block sizes);
//! no pixel is decoded, and the walk is linear in the file's size.

use crate::decode::SourceFormat;
use crate::jpeg_segments::primary_end;

/// Whether `bytes`, already sniffed as `format`, run to the format's end.
/// `true` for a structure that is wrong rather than short where that can be
/// told (the decoder then reports it as `image_corrupt`).
pub(crate) fn is_complete(bytes: &[u8], format: SourceFormat) -> bool {
    match format {
        SourceFormat::Jpeg => jpeg(bytes),
        SourceFormat::Png => png(bytes),
        SourceFormat::WebP => webp(bytes),
        SourceFormat::Gif => gif(bytes).unwrap_or(false),
        SourceFormat::Bmp => bmp(bytes),
        // TIFF keeps its strips anywhere in the file; the decoder reads
        // them by offset and fails on one past the end.
        SourceFormat::Tiff => true,
    }
}

/// The segments after SOI, then the primary image's scans, run to an EOI
/// marker.
fn jpeg(bytes: &[u8]) -> bool {
    primary_end(bytes, 2).is_some()
}

/// The chunks, each by its length, run to IEND.
fn png(bytes: &[u8]) -> bool {
    let mut i: usize = 8;
    loop {
        let Some(head) = bytes.get(i..i + 8) else {
            return false;
        };
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let Some(end) = i.checked_add(12).and_then(|v| v.checked_add(len)) else {
            return false;
        };
        if end > bytes.len() {
            return false;
        }
        if &head[4..8] == b"IEND" {
            return true;
        }
        i = end;
    }
}

/// The RIFF container holds as many bytes as its header declares.
fn webp(bytes: &[u8]) -> bool {
    match bytes.get(4..8) {
        Some(s) => {
            let size = u64::from(u32::from_le_bytes([s[0], s[1], s[2], s[3]]));
            bytes.len() as u64 >= 8 + size
        }
        None => false,
    }
}

/// The file holds as many bytes as its header declares.
fn bmp(bytes: &[u8]) -> bool {
    match bytes.get(2..6) {
        Some(s) => {
            let size = u64::from(u32::from_le_bytes([s[0], s[1], s[2], s[3]]));
            // Some writers leave the size 0; the decoder checks those.
            size == 0 || bytes.len() as u64 >= size
        }
        None => false,
    }
}

/// The blocks (extensions, images and their data sub-blocks) run to the
/// trailer; `None` when the file ends first.
fn gif(bytes: &[u8]) -> Option<bool> {
    let colour_table = |flags: u8| {
        if flags & 0x80 != 0 {
            3usize << ((flags & 7) + 1)
        } else {
            0
        }
    };
    let mut i = 13 + colour_table(*bytes.get(10)?);
    let sub_blocks = |mut i: usize| -> Option<usize> {
        loop {
            let n = usize::from(*bytes.get(i)?);
            i += 1;
            if n == 0 {
                return Some(i);
            }
            i += n;
        }
    };
    loop {
        match *bytes.get(i)? {
            0x3B => return Some(true),
            0x21 => {
                bytes.get(i + 1)?;
                i = sub_blocks(i + 2)?;
            }
            0x2C => {
                let flags = *bytes.get(i + 9)?;
                // Descriptor, local colour table, LZW code size, data.
                i = sub_blocks(i + 10 + colour_table(flags) + 1)?;
            }
            // Not a block: the decoder says what is wrong.
            _ => return Some(true),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageFormat, RgbaImage};

    fn encoded(format: ImageFormat) -> Vec<u8> {
        let img = RgbaImage::from_fn(64, 48, |x, y| {
            image::Rgba([(x * 4) as u8, (y * 5) as u8, ((x ^ y) * 3) as u8, 255])
        });
        let mut out = std::io::Cursor::new(Vec::new());
        let img = image::DynamicImage::ImageRgba8(img);
        let img = if format == ImageFormat::Jpeg || format == ImageFormat::Bmp {
            image::DynamicImage::ImageRgb8(img.to_rgb8())
        } else {
            img
        };
        img.write_to(&mut out, format)
            .unwrap_or_else(|e| panic!("{format:?}: {e}"));
        out.into_inner()
    }

    #[test]
    fn every_format_whole_is_complete_and_every_cut_is_not() {
        for (format, source) in [
            (ImageFormat::Jpeg, SourceFormat::Jpeg),
            (ImageFormat::Png, SourceFormat::Png),
            (ImageFormat::WebP, SourceFormat::WebP),
            (ImageFormat::Gif, SourceFormat::Gif),
            (ImageFormat::Bmp, SourceFormat::Bmp),
        ] {
            let bytes = encoded(format);
            assert!(is_complete(&bytes, source), "{format:?} whole");
            // Trailing bytes after the end are not truncation.
            let padded = [bytes.as_slice(), &[0u8; 7]].concat();
            assert!(is_complete(&padded, source), "{format:?} with trailing bytes");
            for cut in [bytes.len() / 2, bytes.len() - 1, 20] {
                assert!(!is_complete(&bytes[..cut], source), "{format:?} cut at {cut}");
            }
        }
    }
}
