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
