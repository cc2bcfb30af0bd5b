//! The implicit label of GB 45438-2025: an `AIGC` entry in the file's XMP
//! metadata (namespace `http://www.tc260.org.cn/ns/AIGC/1.0/`, prefix
//! `TC260`) whose value is a JSON object with the standard's seven fields.
//! Written as an XMP packet into PNG (`iTXt` `XML:com.adobe.xmp`), JPEG
//! (APP1 `http://ns.adobe.com/xap/1.0/`) and WebP (`XMP ` chunk, with the
//! extended `VP8X` header), and read back from them.

use serde::{Deserialize, Serialize};

use xuancai_imaging::metadata::jpeg_segments;

use crate::error::{AigcError, Result};

pub const NAMESPACE: &str = "http://www.tc260.org.cn/ns/AIGC/1.0/";
const JPEG_XMP: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
const PNG_XMP: &[u8] = b"XML:com.adobe.xmp\0";

/// The seven fields of the `AIGC` metadata entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct Aigc {
    /// "1": the content is AI-generated or synthesised.
    pub label: String,
    /// Who generated it (the service provider's name or code).
    pub content_producer: String,
    /// The producer's unique id for this content.
    #[serde(rename = "ProduceID")]
    pub produce_id: String,
    #[serde(default)]
    pub reserved_code1: String,
    /// Who spread it (a platform publishing it), when known.
    #[serde(default)]
    pub content_propagator: String,
    #[serde(default, rename = "PropagateID")]
    pub propagate_id: String,
    #[serde(default)]
    pub reserved_code2: String,
}

/// Image container formats a label can go into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    Png,
    Jpeg,
    WebP,
}

impl Container {
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(Self::WebP)
        } else {
            None
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::WebP => "image/webp",
        }
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The XMP packet carrying the label.
pub fn packet(aigc: &Aigc) -> String {
    let json = serde_json::to_string(aigc).unwrap_or_default();
    format!(
        "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\
<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\
<rdf:Description rdf:about=\"\" xmlns:TC260=\"{NAMESPACE}\"><TC260:AIGC>{}</TC260:AIGC></rdf:Description>\
</rdf:RDF></x:xmpmeta><?xpacket end=\"w\"?>",
        escape(&json)
    )
}

/// The `AIGC` entry in an XMP packet.
pub fn parse_packet(xmp: &str) -> Option<Aigc> {
    if !xmp.contains(NAMESPACE) {
        return None;
    }
    let start = xmp.find("<TC260:AIGC>")? + "<TC260:AIGC>".len();
    let end = start + xmp[start..].find("</TC260:AIGC>")?;
    serde_json::from_str(&unescape(&xmp[start..end])).ok()
}

/// Write the label into the file's metadata, replacing any XMP it had.
pub fn embed(bytes: &[u8], aigc: &Aigc) -> Result<Vec<u8>> {
    let xmp = packet(aigc);
    match Container::sniff(bytes).ok_or(AigcError::UnsupportedFormat)? {
        Container::Png => png_embed(bytes, &xmp),
        Container::Jpeg => jpeg_embed(bytes, &xmp),
        Container::WebP => webp_embed(bytes, &xmp),
    }
}

/// The XMP packet of a file, if it has one.
pub fn read_packet(bytes: &[u8]) -> Option<String> {
    let raw = match Container::sniff(bytes)? {
        Container::Png => png_chunks(bytes).ok()?.into_iter().find_map(|(kind, data)| {
            (kind == *b"iTXt" && data.starts_with(PNG_XMP)).then(|| itxt_text(data))?
        })?,
        Container::Jpeg => {
            let (segments, _) = jpeg_segments(bytes).ok()?;
            segments.into_iter().find_map(|seg| {
                let payload = &bytes[seg.payload];
                (seg.marker == 0xE1 && payload.starts_with(JPEG_XMP))
                    .then(|| payload[JPEG_XMP.len()..].to_vec())
            })?
        }
        Container::WebP => webp_chunks(bytes)
            .ok()?
            .into_iter()
            .find_map(|(kind, data)| (kind == *b"XMP ").then(|| data.to_vec()))?,
    };
    String::from_utf8(raw).ok()
}

/// The label a file carries, if any.
pub fn read(bytes: &[u8]) -> Option<Aigc> {
    parse_packet(&read_packet(bytes)?)
}

// --- PNG ---

fn png_chunks(bytes: &[u8]) -> Result<Vec<([u8; 4], &[u8])>> {
    let mut out = Vec::new();
    let mut i = 8;
    while i + 12 <= bytes.len() {
        let len = u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]) as usize;
        let end = i
            .checked_add(12 + len)
            .filter(|&e| e <= bytes.len())
            .ok_or(AigcError::Malformed("PNG chunk runs past the end"))?;
        let kind = [bytes[i + 4], bytes[i + 5], bytes[i + 6], bytes[i + 7]];
        out.push((kind, &bytes[i + 8..i + 8 + len]));
        i = end;
        if &kind == b"IEND" {
            break;
        }
    }
    Ok(out)
}

/// The text of an uncompressed iTXt chunk.
fn itxt_text(data: &[u8]) -> Option<Vec<u8>> {
    let mut rest = data.get(PNG_XMP.len()..)?;
    let (flag, _method) = (*rest.first()?, *rest.get(1)?);
    if flag != 0 {
        return None;
    }
    rest = &rest[2..];
    for _ in 0..2 {
        let nul = rest.iter().position(|&b| b == 0)?;
        rest = &rest[nul + 1..];
    }
    Some(rest.to_vec())
}

fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut c = Vec::with_capacity(data.len() + 12);
    c.extend_from_slice(&(data.len() as u32).to_be_bytes());
    c.extend_from_slice(kind);
    c.extend_from_slice(data);
    let crc = crc32(&c[4..]);
    c.extend_from_slice(&crc.to_be_bytes());
    c
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png_embed(bytes: &[u8], xmp: &str) -> Result<Vec<u8>> {
    let chunks = png_chunks(bytes)?;
    if chunks.first().map(|c| &c.0) != Some(b"IHDR") {
        return Err(AigcError::Malformed("PNG without IHDR"));
    }
    let mut itxt = PNG_XMP.to_vec();
    itxt.extend_from_slice(&[0, 0, 0, 0]); // uncompressed, no language, no translated keyword
    itxt.extend_from_slice(xmp.as_bytes());
    let mut out = bytes[..8].to_vec();
    for (i, (kind, data)) in chunks.iter().enumerate() {
        if kind == b"iTXt" && data.starts_with(PNG_XMP) {
            continue;
        }
        out.extend_from_slice(&png_chunk(kind, data));
        if i == 0 {
            out.extend_from_slice(&png_chunk(b"iTXt", &itxt));
        }
    }
    Ok(out)
}

// --- JPEG ---

fn jpeg_embed(bytes: &[u8], xmp: &str) -> Result<Vec<u8>> {
    let mut payload = JPEG_XMP.to_vec();
    payload.extend_from_slice(xmp.as_bytes());
    if payload.len() + 2 > usize::from(u16::MAX) {
        return Err(AigcError::Malformed("XMP packet too large for one JPEG segment"));
    }
    let mut segment = vec![0xFF, 0xE1];
    segment.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    segment.extend_from_slice(&payload);

    let (segments, scan) = jpeg_segments(bytes)?;
    if scan >= bytes.len() {
        return Err(AigcError::Malformed("JPEG without image data"));
    }
    let mut out = Vec::with_capacity(bytes.len() + segment.len());
    out.extend_from_slice(&bytes[..2]);
    let mut inserted = false;
    for seg in segments {
        // The XMP segment goes after JFIF/EXIF (APP0/APP1), before the rest.
        if !(inserted || seg.marker == 0xE0 || seg.marker == 0xE1) {
            out.extend_from_slice(&segment);
            inserted = true;
        }
        let old_xmp = seg.marker == 0xE1 && bytes[seg.payload.clone()].starts_with(JPEG_XMP);
        if !old_xmp {
            out.extend_from_slice(&bytes[seg.bytes]);
        }
    }
    if !inserted {
        out.extend_from_slice(&segment);
    }
    out.extend_from_slice(&bytes[scan..]);
    Ok(out)
}

// --- WebP ---

fn webp_chunks(bytes: &[u8]) -> Result<Vec<([u8; 4], &[u8])>> {
    let mut out = Vec::new();
    let mut i = 12;
    while i + 8 <= bytes.len() {
        let kind = [bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]];
        let len = u32::from_le_bytes([bytes[i + 4], bytes[i + 5], bytes[i + 6], bytes[i + 7]]) as usize;
        let end = (i + 8)
            .checked_add(len)
            .filter(|&e| e <= bytes.len())
            .ok_or(AigcError::Malformed("WebP chunk runs past the end"))?;
        out.push((kind, &bytes[i + 8..end]));
        i = end + (len & 1);
    }
    Ok(out)
}

fn webp_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(kind);
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(data);
    if data.len() & 1 == 1 {
        out.push(0);
    }
}

/// Canvas size and alpha of a simple (VP8 / VP8L) WebP bitstream.
fn webp_canvas(kind: &[u8; 4], data: &[u8]) -> Result<(u32, u32, bool)> {
    match kind {
        b"VP8L" if data.len() >= 5 && data[0] == 0x2F => {
            let bits = u32::from_le_bytes([data[1], data[2], data[3], data[4]]);
            Ok((
                (bits & 0x3FFF) + 1,
                ((bits >> 14) & 0x3FFF) + 1,
                (bits >> 28) & 1 == 1,
            ))
        }
        b"VP8 " if data.len() >= 10 && data[3..6] == [0x9D, 0x01, 0x2A] => {
            let w = u32::from(u16::from_le_bytes([data[6], data[7]]) & 0x3FFF);
            let h = u32::from(u16::from_le_bytes([data[8], data[9]]) & 0x3FFF);
            Ok((w, h, false))
        }
        _ => Err(AigcError::Malformed("WebP without a recognised bitstream")),
    }
}

fn webp_embed(bytes: &[u8], xmp: &str) -> Result<Vec<u8>> {
    let chunks = webp_chunks(bytes)?;
    let mut out = b"RIFF\0\0\0\0WEBP".to_vec();
    match chunks.first() {
        Some(([b'V', b'P', b'8', b'X'], data)) => {
            let mut header = data.to_vec();
            if header.len() < 10 {
                return Err(AigcError::Malformed("short VP8X"));
            }
            header[0] |= 0x04;
            webp_chunk(&mut out, b"VP8X", &header);
            for (kind, data) in &chunks[1..] {
                if kind != b"XMP " {
                    webp_chunk(&mut out, kind, data);
                }
            }
        }
        Some((kind, data)) => {
            let (w, h, alpha) = webp_canvas(kind, data)?;
            let mut header = [0u8; 10];
            header[0] = 0x04 | if alpha { 0x10 } else { 0 };
            header[4..7].copy_from_slice(&(w - 1).to_le_bytes()[..3]);
            header[7..10].copy_from_slice(&(h - 1).to_le_bytes()[..3]);
            webp_chunk(&mut out, b"VP8X", &header);
            for (kind, data) in &chunks {
                if kind != b"XMP " {
                    webp_chunk(&mut out, kind, data);
                }
            }
        }
        None => return Err(AigcError::Malformed("empty WebP")),
    }
    webp_chunk(&mut out, b"XMP ", xmp.as_bytes());
    let riff = u32::try_from(out.len() - 8).map_err(|_| AigcError::Malformed("WebP too large"))?;
    out[4..8].copy_from_slice(&riff.to_le_bytes());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Aigc {
        Aigc {
            label: "1".into(),
            content_producer: "xuancai <test> & co".into(),
            produce_id: "abc".into(),
            ..Aigc::default()
        }
    }

    #[test]
    fn the_packet_round_trips_with_the_standard_field_names() {
        let p = packet(&sample());
        assert!(p.contains("&quot;ContentProducer&quot;") && p.contains("&quot;ProduceID&quot;"));
        assert!(p.contains("&quot;ReservedCode1&quot;") && p.contains("&quot;PropagateID&quot;"));
        assert_eq!(parse_packet(&p), Some(sample()));
    }

    #[test]
    fn a_standard_crc_is_computed() {
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
    }

    #[test]
    fn garbage_is_refused_not_panicked_on() {
        assert!(matches!(
            embed(b"hello", &sample()),
            Err(AigcError::UnsupportedFormat)
        ));
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0xFF, 0xFF];
        assert!(embed(&jpeg, &sample()).is_err());
        jpeg.truncate(3);
        let _ = embed(&jpeg, &sample());
        assert!(read(b"RIFF\x10\0\0\0WEBPVP8X\xff\xff\xff\xff").is_none());
    }
}
