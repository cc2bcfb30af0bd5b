//! Photo metadata: what a photo says about itself (capture time, camera),
//! and removing where it was taken.
//!
//! [`strip_location`] rewrites a file so that no location survives — the EXIF
//! GPS directory is emptied in place (its entries and the values they point
//! to are zeroed), IPTC blocks are dropped, and XMP packets are dropped when
//! they name a place (GPS, city, country, a location) — while the pixels,
//! the orientation and every other tag stay byte for byte. XMP without a
//! place is kept: it carries the AI-content label (GB 45438-2025 `AIGC`),
//! which a platform must not remove, and a file without a location comes
//! out byte-identical, so its C2PA credentials stay valid. It never decodes
//! pixels, so it costs a copy of the file.

use std::io::Cursor;

use crate::decode::{SourceFormat, sniff};
use crate::error::{ImagingError, Result};

/// What [`strip_location`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stripped {
    /// The file without location data.
    pub bytes: Vec<u8>,
    /// Whether anything was removed.
    pub removed: bool,
}

/// Descriptive metadata worth keeping with a photo.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PhotoInfo {
    /// EXIF `DateTimeOriginal` as written (`2024:05:01 12:00:00`).
    pub taken_at: Option<String>,
    /// Camera make and model.
    pub camera: Option<String>,
    /// Whether the file carries a GPS position.
    pub has_location: bool,
}

const GPS_IFD_TAG: u16 = 0x8825;

/// Read capture time, camera and whether a location is present. Files
/// without EXIF give the default.
pub fn photo_info(bytes: &[u8]) -> PhotoInfo {
    let Ok(exif) = exif::Reader::new().read_from_container(&mut Cursor::new(bytes)) else {
        return PhotoInfo::default();
    };
    let text = |tag| {
        exif.get_field(tag, exif::In::PRIMARY)
            .map(|f| f.display_value().to_string().trim_matches('"').trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let camera = match (text(exif::Tag::Make), text(exif::Tag::Model)) {
        (Some(make), Some(model)) if model.starts_with(&make) => Some(model),
        (Some(make), Some(model)) => Some(format!("{make} {model}")),
        (a, b) => a.or(b),
    };
    PhotoInfo {
        taken_at: text(exif::Tag::DateTimeOriginal).or_else(|| text(exif::Tag::DateTime)),
        camera,
        has_location: exif.fields().any(|f| {
            matches!(
                f.tag,
                exif::Tag::GPSLatitude | exif::Tag::GPSLongitude | exif::Tag::GPSAltitude
            )
        }),
    }
}

/// Remove location data (GPS, XMP, IPTC) from a JPEG, PNG, WebP or TIFF
/// file; GIF and BMP carry none and come back unchanged.
pub fn strip_location(bytes: &[u8]) -> Result<Stripped> {
    match sniff(bytes)? {
        SourceFormat::Jpeg => strip_jpeg(bytes),
        SourceFormat::Png => strip_png(bytes),
        SourceFormat::WebP => strip_webp(bytes),
        SourceFormat::Tiff => {
            let mut out = bytes.to_vec();
            let removed = empty_gps_ifd(&mut out);
            Ok(Stripped { bytes: out, removed })
        }
        SourceFormat::Gif | SourceFormat::Bmp => Ok(Stripped {
            bytes: bytes.to_vec(),
            removed: false,
        }),
    }
}

pub(crate) fn corrupt(what: &str) -> ImagingError {
    ImagingError::Corrupt(format!("metadata: {what}"))
}

/// A TIFF structure (an EXIF block is one): find IFD0's GPS pointer and
/// empty the directory it points to. Returns whether a location was there.
/// Out-of-range offsets are ignored (the block is left as it is).
fn empty_gps_ifd(tiff: &mut [u8]) -> bool {
    let le = match tiff.get(0..2) {
        Some(b"II") => true,
        Some(b"MM") => false,
        _ => return false,
    };
    let u16_at = |t: &[u8], o: usize| -> Option<u16> {
        let b: [u8; 2] = t.get(o..o + 2)?.try_into().ok()?;
        Some(if le {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        })
    };
    let u32_at = |t: &[u8], o: usize| -> Option<u32> {
        let b: [u8; 4] = t.get(o..o + 4)?.try_into().ok()?;
        Some(if le {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    };
    let Some(ifd0) = u32_at(tiff, 4).map(|v| v as usize) else {
        return false;
    };
    let Some(n) = u16_at(tiff, ifd0) else {
        return false;
    };
    let gps = (0..usize::from(n)).find_map(|i| {
        let e = ifd0 + 2 + i * 12;
        (u16_at(tiff, e)? == GPS_IFD_TAG)
            .then(|| u32_at(tiff, e + 8))
            .flatten()
    });
    let Some(gps) = gps.map(|v| v as usize) else {
        return false;
    };
    let Some(count) = u16_at(tiff, gps) else {
        return false;
    };
    let entries_end = gps + 2 + usize::from(count) * 12;
    if entries_end + 4 > tiff.len() {
        return false;
    }
    let mut removed = false;
    // Zero out-of-line values first (rationals for latitude, longitude, …).
    for i in 0..usize::from(count) {
        let e = gps + 2 + i * 12;
        let (Some(kind), Some(n)) = (u16_at(tiff, e + 2), u32_at(tiff, e + 4)) else {
            continue;
        };
        let unit = match kind {
            1 | 2 | 6 | 7 => 1,
            3 | 8 => 2,
            4 | 9 | 11 => 4,
            5 | 10 | 12 => 8,
            _ => 0,
        };
        let size = unit * n as usize;
        if size > 4
            && let Some(off) = u32_at(tiff, e + 8).map(|v| v as usize)
            && let Some(value) = tiff.get_mut(off..off.saturating_add(size))
        {
            value.fill(0);
        }
        removed = true;
    }
    // An empty directory: count 0, no next directory.
    tiff[gps..entries_end + 4].fill(0);
    removed
}

const EXIF_HEADER: &[u8] = b"Exif\0\0";
const XMP_HEADERS: [&[u8]; 2] = [
    b"http://ns.adobe.com/xap/1.0/\0",
    b"http://ns.adobe.com/xmp/extension/\0",
];

pub use crate::jpeg_segments::{JpegSegment, jpeg_segments};

/// Whether an XMP packet names a place: GPS data or an IPTC/Photoshop
/// location field (`…:City`, `…:Location`, …).
fn xmp_has_location(packet: &[u8]) -> bool {
    const PLACES: [&[u8]; 9] = [
        b"GPS",
        b":Location",
        b":Sublocation",
        b":City",
        b":State",
        b":ProvinceState",
        b":Country",
        b":CountryName",
        b":CountryCode",
    ];
    PLACES.iter().any(|p| packet.windows(p.len()).any(|w| w == *p))
}

fn strip_jpeg(bytes: &[u8]) -> Result<Stripped> {
    let (segments, scan) = jpeg_segments(bytes)?;
    let is_xmp =
        |marker: u8, payload: &[u8]| marker == 0xE1 && XMP_HEADERS.iter().any(|h| payload.starts_with(h));
    // An extended packet may be split over segments: if any names a place, all go.
    let drop_xmp = segments.iter().any(|seg| {
        let payload = &bytes[seg.payload.clone()];
        is_xmp(seg.marker, payload) && xmp_has_location(payload)
    });
    // Appended images (MPF) carry their own EXIF, GPS included: the file
    // keeps only its primary image, and the index that pointed at the rest.
    let end = crate::jpeg_segments::primary_end(bytes, scan).unwrap_or(bytes.len());
    let trailing = &bytes[end..];
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..2]);
    let mut removed = !trailing.is_empty() && photo_info(trailing).has_location;
    for seg in segments {
        let payload = &bytes[seg.payload.clone()];
        let xmp = drop_xmp && is_xmp(seg.marker, payload);
        let iptc = seg.marker == 0xED;
        let mpf = !trailing.is_empty() && crate::jpeg_segments::is_mpf(seg.marker, payload);
        if mpf {
            continue;
        }
        if xmp || iptc {
            removed = true;
        } else if seg.marker == 0xE1 && payload.starts_with(EXIF_HEADER) {
            let start = out.len();
            out.extend_from_slice(&bytes[seg.bytes]);
            removed |= empty_gps_ifd(&mut out[start + 4 + EXIF_HEADER.len()..]);
        } else {
            out.extend_from_slice(&bytes[seg.bytes]);
        }
    }
    out.extend_from_slice(&bytes[scan..end]);
    Ok(Stripped { bytes: out, removed })
}

fn strip_png(bytes: &[u8]) -> Result<Stripped> {
    const SIG: usize = 8;
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(bytes.get(..SIG).ok_or_else(|| corrupt("short PNG"))?);
    let mut removed = false;
    let mut i = SIG;
    while i + 12 <= bytes.len() {
        let len = u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]) as usize;
        let end = i
            .checked_add(12)
            .and_then(|v| v.checked_add(len))
            .filter(|&e| e <= bytes.len())
            .ok_or_else(|| corrupt("PNG chunk runs past the end"))?;
        let kind = &bytes[i + 4..i + 8];
        let data = &bytes[i + 8..i + 8 + len];
        let text = matches!(kind, b"tEXt" | b"zTXt" | b"iTXt");
        // Compressed text cannot be searched: dropped as before.
        let compressed = kind == b"zTXt" || (kind == b"iTXt" && data.get(18) == Some(&1));
        let metadata_text = text
            && ((data.starts_with(b"XML:com.adobe.xmp\0") && (compressed || xmp_has_location(data)))
                || data.starts_with(b"Raw profile type"));
        if metadata_text {
            removed = true;
        } else if kind == b"eXIf" {
            let mut chunk = bytes[i..end].to_vec();
            if empty_gps_ifd(&mut chunk[8..8 + len]) {
                removed = true;
                let crc = crc32fast::hash(&chunk[4..8 + len]);
                chunk[8 + len..].copy_from_slice(&crc.to_be_bytes());
            }
            out.extend_from_slice(&chunk);
        } else {
            out.extend_from_slice(&bytes[i..end]);
        }
        i = end;
        if kind == b"IEND" {
            break;
        }
    }
    Ok(Stripped { bytes: out, removed })
}

fn strip_webp(bytes: &[u8]) -> Result<Stripped> {
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WEBP" {
        return Err(corrupt("not a WebP"));
    }
    let mut out = bytes[..12].to_vec();
    let mut removed = false;
    let mut xmp_dropped = false;
    let mut i = 12;
    while i + 8 <= bytes.len() {
        let kind = &bytes[i..i + 4];
        let len = u32::from_le_bytes([bytes[i + 4], bytes[i + 5], bytes[i + 6], bytes[i + 7]]) as usize;
        let padded = len + (len & 1);
        let end = (i + 8)
            .checked_add(padded)
            .filter(|&e| e <= bytes.len())
            .ok_or_else(|| corrupt("WebP chunk runs past the end"))?;
        if kind == b"XMP " && xmp_has_location(&bytes[i + 8..i + 8 + len]) {
            removed = true;
            xmp_dropped = true;
        } else if kind == b"EXIF" {
            let start = out.len();
            out.extend_from_slice(&bytes[i..end]);
            let body = &mut out[start + 8..start + 8 + len];
            let skip = if body.starts_with(EXIF_HEADER) {
                EXIF_HEADER.len()
            } else {
                0
            };
            removed |= empty_gps_ifd(&mut body[skip..]);
        } else {
            out.extend_from_slice(&bytes[i..end]);
        }
        i = end;
    }
    // The VP8X header says which metadata chunks follow: clear the XMP bit.
    if xmp_dropped && out.len() >= 21 && &out[12..16] == b"VP8X" {
        out[20] &= !0x04;
    }
    let riff = u32::try_from(out.len() - 8).map_err(|_| corrupt("WebP too large"))?;
    out[4..8].copy_from_slice(&riff.to_le_bytes());
    Ok(Stripped { bytes: out, removed })
}

/// Sample metadata for tests here and in other crates (feature
/// `test-support`): real EXIF written by `kamadak-exif`.
#[cfg(any(test, feature = "test-support"))]
pub mod samples {
    use std::io::Cursor;

    use exif::{Field, In, Rational, Tag, Value};

    /// An EXIF block with an orientation, a camera and a GPS position.
    pub fn exif_block(little_endian: bool) -> Vec<u8> {
        let fields = [
            Field {
                tag: Tag::Orientation,
                ifd_num: In::PRIMARY,
                value: Value::Short(vec![6]),
            },
            Field {
                tag: Tag::Model,
                ifd_num: In::PRIMARY,
                value: Value::Ascii(vec![b"Xuancai Cam".to_vec()]),
            },
            Field {
                tag: Tag::DateTimeOriginal,
                ifd_num: In::PRIMARY,
                value: Value::Ascii(vec![b"2024:05:01 12:34:56".to_vec()]),
            },
            Field {
                tag: Tag::GPSLatitudeRef,
                ifd_num: In::PRIMARY,
                value: Value::Ascii(vec![b"N".to_vec()]),
            },
            Field {
                tag: Tag::GPSLatitude,
                ifd_num: In::PRIMARY,
                value: Value::Rational(vec![
                    Rational { num: 39, denom: 1 },
                    Rational { num: 54, denom: 1 },
                    Rational {
                        num: 2712,
                        denom: 100,
                    },
                ]),
            },
            Field {
                tag: Tag::GPSLongitude,
                ifd_num: In::PRIMARY,
                value: Value::Rational(vec![
                    Rational { num: 116, denom: 1 },
                    Rational { num: 23, denom: 1 },
                    Rational {
                        num: 1750,
                        denom: 100,
                    },
                ]),
            },
        ];
        let mut w = exif::experimental::Writer::new();
        for f in &fields {
            w.push_field(f);
        }
        let mut buf = Cursor::new(Vec::new());
        w.write(&mut buf, little_endian).unwrap_or_else(|e| panic!("{e}"));
        buf.into_inner()
    }

    /// Put an EXIF block into a JPEG as its first APP1 segment.
    pub fn insert_exif(jpeg: &[u8], exif: &[u8]) -> Vec<u8> {
        let payload = [b"Exif\0\0".as_slice(), exif].concat();
        let mut out = jpeg[..2.min(jpeg.len())].to_vec();
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&u16::try_from(payload.len() + 2).unwrap_or(u16::MAX).to_be_bytes());
        out.extend_from_slice(&payload);
        out.extend_from_slice(jpeg.get(2..).unwrap_or_default());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::samples::exif_block;
    use super::*;

    fn jpeg_with(exif: &[u8], xmp: bool) -> Vec<u8> {
        let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 4, y as u8 * 5, 128]));
        let mut plain = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 90)
            .encode_image(&img)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut out = plain[..2].to_vec();
        let mut seg = |marker: u8, payload: &[u8]| {
            out.extend_from_slice(&[0xFF, marker]);
            out.extend_from_slice(&u16::try_from(payload.len() + 2).unwrap_or(0).to_be_bytes());
            out.extend_from_slice(payload);
        };
        seg(0xE1, &[EXIF_HEADER, exif].concat());
        if xmp {
            seg(
                0xE1,
                &[
                    XMP_HEADERS[0],
                    b"<x:xmpmeta><exif:GPSLatitude>39,54.45N</exif:GPSLatitude></x:xmpmeta>",
                ]
                .concat(),
            );
        }
        out.extend_from_slice(&plain[2..]);
        out
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn xmp_without_a_place_is_kept_byte_for_byte() -> Result<()> {
        // The AI-content label (GB 45438-2025) lives in XMP; a file with no
        // location comes out unchanged, so its C2PA hash still matches.
        let label = b"<x:xmpmeta><rdf:Description xmlns:TC260=\"http://www.tc260.org.cn/ns/AIGC/1.0/\">\
<TC260:AIGC>{\"Label\":\"1\"}</TC260:AIGC></rdf:Description></x:xmpmeta>";
        let img = image::RgbImage::from_fn(16, 16, |x, y| image::Rgb([x as u8 * 9, y as u8 * 9, 60]));
        let mut plain = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 90)
            .encode_image(&img)
            .map_err(|e| ImagingError::Encode(e.to_string()))?;
        let payload = [XMP_HEADERS[0], label.as_slice()].concat();
        let mut jpeg = plain[..2].to_vec();
        jpeg.extend_from_slice(&[0xFF, 0xE1]);
        jpeg.extend_from_slice(&u16::try_from(payload.len() + 2).unwrap_or(0).to_be_bytes());
        jpeg.extend_from_slice(&payload);
        jpeg.extend_from_slice(&plain[2..]);
        let out = strip_location(&jpeg)?;
        assert!(!out.removed);
        assert_eq!(out.bytes, jpeg, "unchanged");
        // With a place in the same packet, the packet goes.
        let placed = [label.as_slice(), b"<photoshop:City>Beijing</photoshop:City>"].concat();
        assert!(xmp_has_location(&placed) && !xmp_has_location(label));
        Ok(())
    }

    #[test]
    fn img1_jpeg_location_is_removed_and_the_rest_kept() -> Result<()> {
        for le in [true, false] {
            let src = jpeg_with(&exif_block(le), true);
            let before = photo_info(&src);
            assert!(before.has_location);
            assert_eq!(before.camera.as_deref(), Some("Xuancai Cam"));
            let out = strip_location(&src)?;
            assert!(out.removed);
            let after = photo_info(&out.bytes);
            assert!(!after.has_location, "GPS gone");
            assert_eq!(after.taken_at.as_deref(), Some("2024-05-01 12:34:56"));
            assert_eq!(after.camera.as_deref(), Some("Xuancai Cam"));
            assert!(!contains(&out.bytes, b"GPSLatitude"), "XMP gone");
            // The rationals 2712/100 and 1750/100 are nowhere in the file.
            for v in [2712u32, 1750] {
                let b = if le { v.to_le_bytes() } else { v.to_be_bytes() };
                assert!(!contains(&out.bytes, &b), "{v}");
            }
            // Pixels and orientation unchanged.
            let d0 = crate::decode::decode(&src, &crate::decode::DecodeLimits::default())?;
            let d1 = crate::decode::decode(&out.bytes, &crate::decode::DecodeLimits::default())?;
            assert_eq!(d0.image.dimensions(), (48, 64), "orientation 6 applied");
            assert_eq!(d0.image, d1.image);
            // Idempotent.
            let again = strip_location(&out.bytes)?;
            assert!(!again.removed);
            assert_eq!(again.bytes, out.bytes);
        }
        Ok(())
    }

    #[test]
    fn img1_png_and_webp_exif_lose_the_location() -> Result<()> {
        let img = image::RgbaImage::from_pixel(8, 8, image::Rgba([1, 2, 3, 255]));
        let exif = exif_block(true);
        // PNG with an eXIf chunk before IDAT.
        let mut png = Vec::new();
        image::codecs::png::PngEncoder::new(&mut png)
            .write_image(img.as_raw(), 8, 8, image::ExtendedColorType::Rgba8)
            .map_err(|e| ImagingError::Encode(e.to_string()))?;
        let ihdr_end = 8 + 12 + 13;
        let mut chunk = (exif.len() as u32).to_be_bytes().to_vec();
        chunk.extend_from_slice(b"eXIf");
        chunk.extend_from_slice(&exif);
        chunk.extend_from_slice(&crc32fast::hash(&chunk[4..]).to_be_bytes());
        let png = [&png[..ihdr_end], &chunk, &png[ihdr_end..]].concat();
        assert!(photo_info(&png).has_location);
        let out = strip_location(&png)?;
        assert!(out.removed && !photo_info(&out.bytes).has_location);
        let decoded = crate::decode::decode(&out.bytes, &crate::decode::DecodeLimits::default())?;
        assert_eq!(decoded.image, img, "CRC fixed, pixels kept");

        // WebP: VP8X + image + EXIF + XMP.
        let mut lossless = Vec::new();
        image::codecs::webp::WebPEncoder::new_lossless(&mut lossless)
            .write_image(img.as_raw(), 8, 8, image::ExtendedColorType::Rgba8)
            .map_err(|e| ImagingError::Encode(e.to_string()))?;
        let vp8l = &lossless[12..];
        let riff_chunk = |kind: &[u8], body: &[u8]| {
            let mut c = kind.to_vec();
            c.extend_from_slice(&(body.len() as u32).to_le_bytes());
            c.extend_from_slice(body);
            if body.len() % 2 == 1 {
                c.push(0);
            }
            c
        };
        let mut vp8x = vec![0x08 | 0x04 | 0x10, 0, 0, 0];
        vp8x.extend_from_slice(&[7, 0, 0, 7, 0, 0]);
        let body = [
            riff_chunk(b"VP8X", &vp8x),
            vp8l.to_vec(),
            riff_chunk(b"EXIF", &exif),
            riff_chunk(b"XMP ", b"<exif:GPSLatitude>1</exif:GPSLatitude>"),
        ]
        .concat();
        let mut webp = b"RIFF".to_vec();
        webp.extend_from_slice(&((body.len() + 4) as u32).to_le_bytes());
        webp.extend_from_slice(b"WEBP");
        webp.extend_from_slice(&body);
        let out = strip_location(&webp)?;
        assert!(out.removed);
        assert!(!contains(&out.bytes, b"GPSLatitude"));
        let riff = u32::from_le_bytes([out.bytes[4], out.bytes[5], out.bytes[6], out.bytes[7]]) as usize;
        assert_eq!(riff + 8, out.bytes.len());
        let decoded = crate::decode::decode(&out.bytes, &crate::decode::DecodeLimits::default())?;
        assert_eq!(decoded.image, img);
        Ok(())
    }

    #[test]
    fn hostile_metadata_is_an_error_or_a_no_op_never_a_panic() {
        let src = jpeg_with(&exif_block(true), false);
        for cut in [3, 10, 30, 100, src.len() / 2] {
            let _ = strip_location(&src[..cut]);
        }
        let mut bad = src.clone();
        // Point the GPS IFD far outside the block.
        if let Some(p) = bad.windows(2).position(|w| w == [0x25, 0x88]) {
            bad[p + 8..p + 12].copy_from_slice(&u32::MAX.to_le_bytes());
        }
        let _ = strip_location(&bad);
        assert!(strip_location(b"GIF89a....").is_ok_and(|s| !s.removed));
    }

    use image::ImageEncoder;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn never_panics_on_mutations(pos in 0usize..4000, val: u8) {
            let mut src = jpeg_with(&exif_block(pos % 2 == 0), true);
            let p = pos % src.len();
            src[p] = val;
            let _ = strip_location(&src);
            let _ = photo_info(&src);
        }
    }
}
