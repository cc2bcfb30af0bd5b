//! Platform presets: each messenger's rules as data, a reader that measures
//! a file (format, size, frames, durations, bytes), a validator that reports
//! every rule a file breaks, and the export that meets them.

use std::io::Cursor;

use image::{AnimationDecoder, ImageDecoder};
use serde::Serialize;
use xuancai_imaging::decode::{self, DecodeLimits, SourceFormat};
use xuancai_imaging::resize::{self, Filter};

use crate::anim::{Animation, Frame, FrameLimits};
use crate::encode::{self, Encoded};
use crate::error::{Result, StickerError};

const KB: u64 = 1024;

/// The platforms we make stickers for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    WhatsApp,
    Telegram,
    Signal,
    WeChat,
}

/// How a sticker's size is constrained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Canvas {
    /// Exactly this width and height.
    Exact(u32, u32),
    /// One side exactly this, the other at most this.
    OneSide(u32),
}

/// One platform's rules, as published by the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rules {
    pub platform: Platform,
    pub canvas: Canvas,
    /// Formats accepted for still stickers (`webp`, `png`, `gif`).
    pub still_formats: &'static [&'static str],
    /// Formats accepted for animated stickers; empty: no animated stickers
    /// in these formats.
    pub animated_formats: &'static [&'static str],
    pub still_max_bytes: u64,
    pub animated_max_bytes: u64,
    pub min_frame_ms: u32,
    pub max_duration_ms: u64,
    /// Stickers per pack.
    pub pack_min: usize,
    pub pack_max: usize,
    /// Whether a pack must be all still or all animated.
    pub pack_uniform: bool,
    /// The pack's tray icon: size, format, byte limit.
    pub tray: Option<(u32, &'static str, u64)>,
    /// Each sticker's thumbnail: size and format.
    pub thumbnail: Option<(u32, &'static str)>,
    /// The side stickers are made at.
    pub side: u32,
    /// Transparent pixels kept clear at every edge, in every frame
    /// (WhatsApp's 16 px); 0: none.
    pub margin: u32,
    /// Frames per second at most (Telegram's video stickers: 30); 0: any.
    pub max_fps: u32,
}

impl Rules {
    /// The bytes an export aims under: animated stickers keep 5 % clear
    /// of the limit, so an importer that counts differently (or a label
    /// added later) does not tip them over.
    pub fn target_bytes(&self, animated: bool) -> u64 {
        if animated {
            self.animated_max_bytes - self.animated_max_bytes / 20
        } else {
            self.still_max_bytes
        }
    }
}

impl Platform {
    pub const ALL: [Platform; 4] = [Self::WhatsApp, Self::Telegram, Self::Signal, Self::WeChat];

    pub fn parse(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "whatsapp" => Ok(Self::WhatsApp),
            "telegram" => Ok(Self::Telegram),
            "signal" => Ok(Self::Signal),
            "wechat" | "weixin" => Ok(Self::WeChat),
            other => Err(xuancai_imaging::ImagingError::InvalidParameter(format!(
                "preset {other:?}: use whatsapp, telegram, signal or wechat"
            ))
            .into()),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::WhatsApp => "whatsapp",
            Self::Telegram => "telegram",
            Self::Signal => "signal",
            Self::WeChat => "wechat",
        }
    }

    /// The rules (sources: WhatsApp's sticker sample app and its
    /// `StickerPackValidator`; Telegram's @Stickers bot; Signal's sticker
    /// creator; WeChat's sticker platform (表情开放平台)).
    pub fn rules(self) -> Rules {
        match self {
            Self::WhatsApp => Rules {
                platform: self,
                canvas: Canvas::Exact(512, 512),
                still_formats: &["webp"],
                animated_formats: &["webp"],
                still_max_bytes: 100 * KB,
                animated_max_bytes: 500 * KB,
                min_frame_ms: 8,
                max_duration_ms: 10_000,
                pack_min: 3,
                pack_max: 30,
                pack_uniform: true,
                tray: Some((96, "png", 50 * KB)),
                thumbnail: None,
                side: 512,
                margin: 16,
                max_fps: 0,
            },
            Self::Telegram => Rules {
                platform: self,
                canvas: Canvas::OneSide(512),
                still_formats: &["png", "webp"],
                // Telegram's moving stickers are video: WebM VP9, at most
                // 256 KB, 3 s and 30 frames a second, no sound (the
                // @Stickers bot's rules for /newvideo).
                animated_formats: &["webm"],
                still_max_bytes: 512 * KB,
                animated_max_bytes: 256 * KB,
                min_frame_ms: 0,
                max_duration_ms: 3_000,
                pack_min: 1,
                pack_max: 120,
                pack_uniform: true,
                tray: None,
                thumbnail: None,
                side: 512,
                margin: 0,
                max_fps: 30,
            },
            Self::Signal => Rules {
                platform: self,
                canvas: Canvas::Exact(512, 512),
                still_formats: &["png", "webp"],
                // Signal keeps animation only for APNG: its sticker creator
                // redraws any other animated file as a still.
                animated_formats: &["png"],
                still_max_bytes: 300_000,
                animated_max_bytes: 300_000,
                min_frame_ms: 0,
                max_duration_ms: u64::MAX,
                pack_min: 1,
                pack_max: 200,
                pack_uniform: false,
                tray: None,
                thumbnail: None,
                side: 512,
                margin: 0,
                max_fps: 0,
            },
            Self::WeChat => Rules {
                platform: self,
                canvas: Canvas::Exact(240, 240),
                still_formats: &["gif"],
                animated_formats: &["gif"],
                still_max_bytes: 500 * KB,
                animated_max_bytes: 500 * KB,
                min_frame_ms: 0,
                max_duration_ms: u64::MAX,
                pack_min: 1,
                pack_max: 24,
                pack_uniform: false,
                tray: None,
                thumbnail: Some((120, "png")),
                side: 240,
                margin: 0,
                max_fps: 0,
            },
        }
    }
}

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

/// A finished sticker for a platform, with its thumbnail where the platform
/// wants one.
#[derive(Debug, Clone)]
pub struct Export {
    pub sticker: Encoded,
    pub thumbnail: Option<Vec<u8>>,
    /// What was changed to meet the rules, the encoder's notes included.
    pub notes: Vec<String>,
    /// The frames as encoded (at the platform's side, durations conformed):
    /// for tray icons and checks, without keeping a second copy.
    pub frames: Animation,
}

/// Bring frames to the platform's rules: the side (the caller composes at
/// [`Rules::side`]; other sizes are resized), frame durations, total length.
fn conform(anim: Animation, r: &Rules, notes: &mut Vec<String>) -> Result<Animation> {
    let side = r.side;
    let anim = if anim.dimensions() != (side, side) {
        anim.try_map(|img| Ok(resize::resize_rgba(&img, side, side, Filter::Lanczos3, true)?))?
    } else {
        anim
    };
    let anim = keep_margin(anim, r.margin, notes)?;
    if !anim.is_animated() {
        return Ok(anim);
    }
    let mut frames: Vec<Frame> = anim.frames;
    let fps_floor = if r.max_fps > 0 {
        1000u32.div_ceil(r.max_fps)
    } else {
        0
    };
    for f in &mut frames {
        f.delay_ms = f.delay_ms.max(r.min_frame_ms).max(fps_floor).max(20);
    }
    let mut total = 0u64;
    let before = frames.len();
    frames.retain(|f| {
        total += u64::from(f.delay_ms);
        total <= r.max_duration_ms
    });
    if frames.len() < before {
        notes.push(format!(
            "cut to the first {} ms ({} of {before} frames)",
            r.max_duration_ms,
            frames.len()
        ));
    }
    if frames.is_empty() {
        return Err(StickerError::NotSupported {
            preset: r.platform.name(),
            what: "an animation whose first frame is longer than the limit".into(),
        });
    }
    Ok(Animation { frames })
}

/// Shrink every frame alike, about the centre of what they show, so that
/// no visible pixel of any frame comes nearer than `margin` to an edge (a
/// shake's furthest frame included).
fn keep_margin(anim: Animation, margin: u32, notes: &mut Vec<String>) -> Result<Animation> {
    if margin == 0 {
        return Ok(anim);
    }
    let (w, h) = anim.dimensions();
    let boxes = anim.frames.iter().filter_map(|f| visible_box(&f.image));
    let Some((l, t, r, b)) = boxes.reduce(|a, b| (a.0.min(b.0), a.1.min(b.1), a.2.max(b.2), a.3.max(b.3)))
    else {
        return Ok(anim);
    };
    if l >= margin && t >= margin && r + margin < w && b + margin < h {
        return Ok(anim);
    }
    let (bw, bh) = (f64::from(r - l + 1), f64::from(b - t + 1));
    // Two pixels of slack a side: resampling spreads an edge by a pixel.
    let room = |side: u32| f64::from(side.saturating_sub(2 * margin + 4).max(1));
    let scale = (room(w) / bw).min(room(h) / bh).min(1.0);
    // Where the union box lands: centred when it must shrink, else moved
    // just enough to clear the edges.
    let place = |lo: u32, len: f64, side: u32| -> f64 {
        let (side, m) = (f64::from(side), f64::from(margin));
        if scale < 1.0 {
            (side - len * scale) / 2.0
        } else {
            f64::from(lo).clamp(m, (side - m - len).max(m))
        }
    };
    let (ox, oy) = (
        place(l, bw, w) - f64::from(l) * scale,
        place(t, bh, h) - f64::from(t) * scale,
    );
    let (sw, sh) = (
        ((f64::from(w) * scale).round() as u32).max(1),
        ((f64::from(h) * scale).round() as u32).max(1),
    );
    notes.push(format!(
        "kept {margin} px clear at the edges (scaled to {:.0} %)",
        scale * 100.0
    ));
    anim.try_map(|img| {
        let scaled = if scale < 1.0 {
            resize::resize_rgba(&img, sw, sh, Filter::Lanczos3, true)?
        } else {
            img
        };
        let mut out = image::RgbaImage::new(w, h);
        image::imageops::replace(&mut out, &scaled, ox.round() as i64, oy.round() as i64);
        Ok(out)
    })
}

/// The encoders that need a library from the asset cache.
#[derive(Debug, Clone, Default)]
pub struct Encoders {
    /// libvpx, for Telegram's video stickers.
    pub vp9: Option<std::sync::Arc<crate::vp9::Vp9>>,
    /// Why libvpx could not be loaded, when it was tried.
    pub vp9_unavailable: Option<String>,
}

/// Encode finished frames for `platform`, meeting its byte limits (no
/// video encoder: Telegram's moving stickers are refused).
pub fn export(anim: Animation, platform: Platform) -> Result<Export> {
    export_with(anim, platform, &Encoders::default())
}

/// Encode finished frames for `platform`, meeting its byte limits:
/// stills as WebP (WeChat GIF); moving stickers as animated WebP
/// (WhatsApp), APNG (Signal), WebM VP9 video (Telegram) or GIF (WeChat).
pub fn export_with(anim: Animation, platform: Platform, encoders: &Encoders) -> Result<Export> {
    let r = platform.rules();
    let mut notes = Vec::new();
    let anim = conform(anim, &r, &mut notes)?;
    let target = r.target_bytes(anim.is_animated());
    let sticker = match (platform, anim.is_animated()) {
        (Platform::Telegram, true) => {
            let vp9 = encoders
                .vp9
                .as_ref()
                .ok_or_else(|| match &encoders.vp9_unavailable {
                    Some(why) => StickerError::EncoderUnavailable(why.clone()),
                    None => StickerError::EncoderUnavailable(
                        "libvpx is not loaded (Telegram video stickers need it)".into(),
                    ),
                })?;
            encode::webm(&anim.frames, target, vp9)?
        }
        (Platform::Signal, true) => encode::apng(&anim.frames, target)?,
        (Platform::WeChat, _) => encode::gif(&anim.frames, target)?,
        (_, true) => encode::webp_animation(&anim.frames, target)?,
        (_, false) => encode::webp_still(&anim.frames[0].image, target)?,
    };
    let thumbnail = match r.thumbnail {
        Some((s, _)) => {
            let small = resize::resize_rgba(&anim.frames[0].image, s, s, Filter::Lanczos3, true)?;
            Some(encode::png(&small, u64::MAX, "thumbnail")?.bytes)
        }
        None => None,
    };
    notes.extend(sticker.notes.iter().cloned());
    Ok(Export {
        sticker,
        thumbnail,
        notes,
        frames: anim,
    })
}

/// The pack's tray icon from a sticker's first frame (WhatsApp: 96×96 PNG
/// under 50 KB).
pub fn tray_icon(first: &image::RgbaImage, platform: Platform) -> Result<Option<Vec<u8>>> {
    match platform.rules().tray {
        Some((side, _, limit)) => {
            let small = resize::resize_rgba(first, side, side, Filter::Lanczos3, true)?;
            Ok(Some(encode::png(&small, limit, "tray icon")?.bytes))
        }
        None => Ok(None),
    }
}
