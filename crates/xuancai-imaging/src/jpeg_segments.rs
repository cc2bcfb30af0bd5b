//! The JPEG marker segments before the scan, as `metadata` (location
//! stripping) and `xuancai-aigc` (the AIGC XMP) read and rewrite them.

use crate::Result;
use crate::metadata::corrupt;

/// One marker segment of a JPEG before its first scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JpegSegment {
    pub marker: u8,
    /// The whole segment (marker, length, payload) in the file.
    pub bytes: std::ops::Range<usize>,
    /// Its payload (after the length).
    pub payload: std::ops::Range<usize>,
}

/// The marker segments of a JPEG up to its first scan (SOS), and where the
/// scan starts; fill bytes are skipped.
pub fn jpeg_segments(bytes: &[u8]) -> Result<(Vec<JpegSegment>, usize)> {
    if bytes.get(0..2) != Some(&[0xFF, 0xD8]) {
        return Err(corrupt("not a JPEG"));
    }
    let mut out = Vec::new();
    let mut i = 2;
    while i + 4 <= bytes.len() {
        if bytes[i] != 0xFF {
            return Err(corrupt("JPEG segment without a marker"));
        }
        let marker = bytes[i + 1];
        if marker == 0xFF {
            i += 1;
            continue;
        }
        if marker == 0xDA {
            return Ok((out, i));
        }
        let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        let end = i + 2 + len;
        if len < 2 || end > bytes.len() {
            return Err(corrupt("JPEG segment runs past the end"));
        }
        out.push(JpegSegment {
            marker,
            bytes: i..end,
            payload: i + 4..end,
        });
        i = end;
    }
    Ok((out, i.min(bytes.len())))
}

/// Where the primary image of a JPEG ends: just after its EOI marker,
/// found by walking the scans (entropy-coded data and the marker segments
/// between progressive scans), never by searching for the bytes alone.
/// Whatever follows is trailing data — phones append MPF secondary images
/// there (depth maps, gain maps, a second photo), each with its own EXIF.
/// `None` when the file ends before its EOI.
pub fn primary_end(bytes: &[u8], scan: usize) -> Option<usize> {
    let mut i = scan;
    loop {
        // At a marker: EOI ends the image; a segment is skipped by length.
        if *bytes.get(i)? != 0xFF {
            return None;
        }
        let marker = *bytes.get(i + 1)?;
        match marker {
            0xD9 => return Some(i + 2),
            0xFF => {
                i += 1;
                continue;
            }
            0xD0..=0xD7 | 0x01 => i += 2,
            _ => {
                let len = usize::from(u16::from_be_bytes([*bytes.get(i + 2)?, *bytes.get(i + 3)?]));
                i = i.checked_add(2 + len).filter(|_| len >= 2)?;
            }
        }
        // Entropy-coded data after SOS (or after a restart marker): a 0xFF
        // is followed by 0x00 (stuffing) unless it starts the next marker.
        if marker == 0xDA || (0xD0..=0xD7).contains(&marker) {
            loop {
                let b = *bytes.get(i)?;
                if b == 0xFF {
                    let next = *bytes.get(i + 1)?;
                    if next != 0x00 {
                        break;
                    }
                    i += 2;
                } else {
                    i += 1;
                }
            }
        }
    }
}

/// Whether a marker segment is the MPF index (APP2 `MPF\0`) that points at
/// appended images.
pub(crate) fn is_mpf(marker: u8, payload: &[u8]) -> bool {
    marker == 0xE2 && payload.starts_with(b"MPF\0")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::samples::{exif_block, insert_exif};
    use crate::metadata::{photo_info, strip_location};

    fn plain_jpeg(seed: u8) -> Vec<u8> {
        let img = image::RgbImage::from_fn(40, 30, |x, y| {
            image::Rgb([(x as u8).wrapping_mul(seed), (y as u8).wrapping_mul(7), 255])
        });
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(&img)
            .unwrap_or_else(|e| panic!("{e}"));
        out
    }

    #[test]
    fn img1_location_in_an_appended_mpf_image_is_removed_too() -> Result<()> {
        // A phone's file: the primary photo (with GPS and an MPF index),
        // then a second JPEG after its EOI with a GPS block of its own.
        let mpf = [&[0xFF, 0xE2, 0x00, 0x0A][..], b"MPF\0", &[0x4D, 0x4D, 0x00, 0x2A]].concat();
        let primary = insert_exif(&plain_jpeg(3), &exif_block(true));
        let primary = [&primary[..2], &mpf, &primary[2..]].concat();
        let secondary = insert_exif(&plain_jpeg(5), &exif_block(false));
        assert!(photo_info(&secondary).has_location);
        let file = [primary.as_slice(), secondary.as_slice()].concat();
        let (_, scan) = jpeg_segments(&file)?;
        assert_eq!(
            primary_end(&file, scan),
            Some(primary.len()),
            "EOI of the primary found"
        );

        let out = strip_location(&file)?;
        assert!(out.removed);
        assert!(!photo_info(&out.bytes).has_location);
        // Nothing of the second image or its index remains.
        assert!(
            out.bytes.len() < primary.len(),
            "{} vs {}",
            out.bytes.len(),
            primary.len()
        );
        assert!(
            !out.bytes.windows(4).any(|w| w == b"MPF\0"),
            "the MPF index is dropped"
        );
        assert_eq!(
            out.bytes.windows(2).filter(|w| w == &[0xFF, 0xD8]).count(),
            1,
            "one image"
        );
        for v in [2712u32, 1750] {
            assert!(!out.bytes.windows(4).any(|w| w == v.to_be_bytes()), "{v}");
        }
        // The photo itself decodes as before.
        let limits = crate::decode::DecodeLimits::default();
        assert_eq!(
            crate::decode::decode(&out.bytes, &limits)?.image,
            crate::decode::decode(&file, &limits)?.image
        );
        Ok(())
    }

    #[test]
    fn a_truncated_or_hostile_scan_has_no_end_and_never_panics() {
        let jpeg = plain_jpeg(3);
        let Ok((_, scan)) = jpeg_segments(&jpeg) else {
            panic!("a valid JPEG")
        };
        for cut in [scan, scan + 1, scan + 4, jpeg.len() - 2, jpeg.len() - 1] {
            assert_eq!(primary_end(&jpeg[..cut], scan), None, "cut at {cut}");
        }
        assert_eq!(primary_end(&[0xFF, 0xDA, 0x00, 0x00], 0), None);
        assert_eq!(primary_end(&[0xFF, 0xC4, 0xFF, 0xFF], 0), None);
    }
}
