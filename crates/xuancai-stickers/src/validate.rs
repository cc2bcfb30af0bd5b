//! Reading and checking sticker files (IMG-4, issue 22 item 9a): a reader
//! that measures a file (format, size, frames, durations, bytes; WebM by
//! its elements) and a validator that reports every rule of a platform a
//! file breaks — Signal's APNG, Telegram's video, WhatsApp's 16 px margin
//! in every frame included. The rules themselves are `preset::Rules`.

use std::io::Cursor;

use image::{AnimationDecoder, ImageDecoder};
use serde::Serialize;
use xuancai_imaging::decode::{self, DecodeLimits, SourceFormat};

use crate::anim::FrameLimits;
use crate::error::{Result, StickerError};
use crate::preset::{Canvas, Platform};

/// What a sticker file is, measured from its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Info {
    pub format: &'static str,
    pub width: u32,
    pub height: u32,
    pub frames: usize,
    /// Each frame's delay as the file states it (no browser adjustment).
    pub delays_ms: Vec<u32>,
    pub duration_ms: u64,
    pub bytes: u64,
    /// A video's codec (`V_VP9`), and its audio tracks; images: none and 0.
    pub codec: Option<String>,
    pub audio_tracks: usize,
}

impl Info {
    /// Whether the file moves: several frames, or a video (a video
    /// sticker is a moving sticker even with one frame).
    pub fn animated(&self) -> bool {
        self.frames > 1 || self.format == "webm"
    }
}

/// Measure a WebM video sticker from its elements.
fn inspect_webm(bytes: &[u8], limits: &DecodeLimits) -> Result<Info> {
    let w = crate::webm::read(bytes)?;
    let pixels = u64::from(w.width) * u64::from(w.height);
    if pixels > limits.max_pixels {
        return Err(xuancai_imaging::ImagingError::TooManyPixels {
            width: w.width,
            height: w.height,
            pixels,
            limit: limits.max_pixels,
        }
        .into());
    }
    let times = &w.frame_times_ms;
    let end = w
        .duration_ms
        .map(|d| d.round() as i64)
        .unwrap_or_else(|| times.last().copied().unwrap_or(0));
    let delays_ms = times
        .iter()
        .enumerate()
        .map(|(i, &t)| {
            let next = times.get(i + 1).copied().unwrap_or(end.max(t));
            u32::try_from((next - t).max(0)).unwrap_or(u32::MAX)
        })
        .collect::<Vec<_>>();
    Ok(Info {
        format: "webm",
        width: w.width,
        height: w.height,
        frames: times.len(),
        duration_ms: u64::try_from(end.max(0)).unwrap_or(0),
        delays_ms,
        bytes: bytes.len() as u64,
        codec: Some(w.codec),
        audio_tracks: w.audio_tracks,
    })
}

fn raw_delays<'a>(frames: image::Frames<'a>, limits: &FrameLimits) -> Result<Vec<u32>> {
    let mut out = Vec::new();
    for f in frames {
        let f = f.map_err(|e| xuancai_imaging::ImagingError::Corrupt(e.to_string()))?;
        if out.len() >= limits.max_frames {
            return Err(StickerError::TooManyFrames(format!(
                "more than {} frames",
                limits.max_frames
            )));
        }
        let (n, d) = f.delay().numer_denom_ms();
        out.push(n.checked_div(d).unwrap_or(0));
    }
    Ok(out)
}

/// Measure a sticker file. Dimensions are read from the header and checked
/// against `limits` before any frame is decoded.
pub fn inspect(bytes: &[u8], limits: &DecodeLimits) -> Result<Info> {
    if crate::webm::is_webm(bytes) {
        return inspect_webm(bytes, limits);
    }
    let format = decode::sniff(bytes)?;
    let (width, height) = decode::probe(bytes, limits)?;
    let fl = FrameLimits::default();
    let corrupt =
        |e: image::ImageError| StickerError::from(xuancai_imaging::ImagingError::Corrupt(e.to_string()));
    let delays = match format {
        SourceFormat::Gif => raw_delays(
            image::codecs::gif::GifDecoder::new(Cursor::new(bytes))
                .map_err(corrupt)?
                .into_frames(),
            &fl,
        )?,
        SourceFormat::WebP => {
            let d = image::codecs::webp::WebPDecoder::new(Cursor::new(bytes)).map_err(corrupt)?;
            if d.has_animation() {
                raw_delays(d.into_frames(), &fl)?
            } else {
                vec![0]
            }
        }
        SourceFormat::Png => {
            let d = image::codecs::png::PngDecoder::new(Cursor::new(bytes)).map_err(corrupt)?;
            if d.is_apng().map_err(corrupt)? {
                raw_delays(d.apng().map_err(corrupt)?.into_frames(), &fl)?
            } else {
                let _ = d.dimensions();
                vec![0]
            }
        }
        _ => vec![0],
    };
    let frames = delays.len();
    Ok(Info {
        format: format.as_str(),
        width,
        height,
        frames,
        duration_ms: if frames > 1 {
            delays.iter().map(|&d| u64::from(d)).sum()
        } else {
            0
        },
        delays_ms: if frames > 1 { delays } else { vec![] },
        bytes: bytes.len() as u64,
        codec: None,
        audio_tracks: 0,
    })
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// Stable rule code, e.g. `dimensions`, `bytes`, `format`.
    pub rule: &'static str,
    /// The file it concerns (packs), or empty.
    pub file: String,
    pub message: String,
}

fn v(rule: &'static str, file: &str, message: String) -> Violation {
    Violation {
        rule,
        file: file.to_string(),
        message,
    }
}

/// Every rule of `platform` that a sticker file breaks (empty: it passes).
pub fn validate_sticker(bytes: &[u8], platform: Platform, file: &str) -> Vec<Violation> {
    let r = platform.rules();
    let info = match inspect(bytes, &DecodeLimits::default()) {
        Ok(i) => i,
        Err(e) => return vec![v("unreadable", file, format!("not a readable image: {e}"))],
    };
    let mut out = Vec::new();
    let p = platform.name();
    match r.canvas {
        Canvas::Exact(w, h) if (info.width, info.height) != (w, h) => out.push(v(
            "dimensions",
            file,
            format!("{p} stickers are {w}×{h}; this is {}×{}", info.width, info.height),
        )),
        Canvas::OneSide(s) if !(info.width.max(info.height) == s && info.width.min(info.height) <= s) => out
            .push(v(
                "dimensions",
                file,
                format!(
                    "{p} stickers have one side of exactly {s} px and the other at most {s}; this is {}×{}",
                    info.width, info.height
                ),
            )),
        _ => {}
    }
    let (formats, limit) = if info.animated() {
        (r.animated_formats, r.animated_max_bytes)
    } else {
        (r.still_formats, r.still_max_bytes)
    };
    let kind = if info.animated() { "animated" } else { "still" };
    if formats.is_empty() {
        out.push(v(
            "animation",
            file,
            format!("{p} takes no animated stickers as PNG, WebP or GIF"),
        ));
    } else if platform == Platform::Signal && info.animated() && info.format != "png" {
        out.push(v(
            "format",
            file,
            format!(
                "signal keeps animated stickers moving only as APNG (its sticker creator redraws an animated {} as a still)",
                info.format
            ),
        ));
    } else if !formats.contains(&info.format) {
        out.push(v(
            "format",
            file,
            format!(
                "{p} {kind} stickers are {}; this is {}",
                formats.join(" or "),
                info.format
            ),
        ));
    }
    if !formats.is_empty() && info.bytes > limit {
        out.push(v(
            "bytes",
            file,
            format!(
                "{p} {kind} stickers are at most {limit} bytes; this is {}",
                info.bytes
            ),
        ));
    }
    if info.animated() {
        if let Some(d) = info.delays_ms.iter().find(|&&d| d < r.min_frame_ms) {
            out.push(v(
                "frame_duration",
                file,
                format!(
                    "{p} frames show for at least {} ms; one shows for {d} ms",
                    r.min_frame_ms
                ),
            ));
        }
        // 30 fps allows 33 ms frames (times are whole milliseconds).
        if r.max_fps > 0
            && let Some(d) = info
                .delays_ms
                .iter()
                .find(|&&d| d > 0 && 1000 * 2 / d > 2 * r.max_fps + 1)
        {
            out.push(v(
                "frame_rate",
                file,
                format!(
                    "{p} plays at most {} frames a second; one frame shows for {d} ms",
                    r.max_fps
                ),
            ));
        }
        if info.duration_ms > r.max_duration_ms {
            out.push(v(
                "duration",
                file,
                format!(
                    "{p} animations last at most {} ms; this lasts {} ms",
                    r.max_duration_ms, info.duration_ms
                ),
            ));
        }
    }
    if info.format == "webm" {
        if info.codec.as_deref() != Some("V_VP9") {
            out.push(v(
                "codec",
                file,
                format!(
                    "{p} video stickers are VP9; this is {}",
                    info.codec.as_deref().unwrap_or("unknown")
                ),
            ));
        }
        if info.audio_tracks > 0 {
            out.push(v("audio", file, format!("{p} video stickers have no sound")));
        }
    }
    if r.margin > 0 && info.format != "webm" {
        out.extend(margin_violation(bytes, r.margin, file));
    }
    out
}

/// The first frame whose visible pixels come nearer than `margin` to an
/// edge, as a violation.
fn margin_violation(bytes: &[u8], margin: u32, file: &str) -> Option<Violation> {
    let frames =
        crate::anim::decode(bytes, &DecodeLimits::default(), &FrameLimits::default(), u32::MAX).ok()?;
    frames.frames.iter().enumerate().find_map(|(i, f)| {
        let (w, h) = f.image.dimensions();
        let (x0, y0, x1, y1) = visible_box(&f.image)?;
        let nearest = x0.min(y0).min(w - 1 - x1).min(h - 1 - y1);
        (nearest < margin).then(|| {
            v(
                "margin",
                file,
                format!(
                    "keep {margin} px clear at every edge; frame {} comes within {nearest} px",
                    i + 1
                ),
            )
        })
    })
}

/// The smallest box holding every visible pixel: (left, top, right, bottom), inclusive.
pub fn visible_box(img: &image::RgbaImage) -> Option<(u32, u32, u32, u32)> {
    let mut b: Option<(u32, u32, u32, u32)> = None;
    for (x, y, p) in img.enumerate_pixels() {
        if p.0[3] > 0 {
            b = Some(match b {
                None => (x, y, x, y),
                Some((l, t, r, bt)) => (l.min(x), t.min(y), r.max(x), bt.max(y)),
            });
        }
    }
    b
}

/// Every rule a tray icon or thumbnail breaks.
pub fn validate_icon(
    bytes: &[u8],
    side: u32,
    format: &'static str,
    limit: Option<u64>,
    file: &str,
) -> Vec<Violation> {
    let info = match inspect(bytes, &DecodeLimits::default()) {
        Ok(i) => i,
        Err(e) => return vec![v("unreadable", file, format!("not a readable image: {e}"))],
    };
    let mut out = Vec::new();
    if (info.width, info.height) != (side, side) {
        out.push(v(
            "icon_dimensions",
            file,
            format!("must be {side}×{side}; is {}×{}", info.width, info.height),
        ));
    }
    if info.format != format || info.animated() {
        out.push(v(
            "icon_format",
            file,
            format!("must be a still {format}; is {}", info.format),
        ));
    }
    if let Some(l) = limit.filter(|&l| info.bytes > l) {
        out.push(v(
            "icon_bytes",
            file,
            format!("must be at most {l} bytes; is {}", info.bytes),
        ));
    }
    out
}
