//! Platform presets (IMG-4): each messenger's rules as data and the export
//! that meets them — the side, frame times, length, WhatsApp's 16 px margin
//! in every frame, and the encoder each platform keeps moving (issue 22
//! item 9a). Reading and checking files is [`crate::validate`], re-exported
//! here.

use serde::Serialize;
use xuancai_imaging::resize::{self, Filter};

use crate::anim::{Animation, Frame};
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

pub use crate::validate::{Info, Violation, inspect, validate_icon, validate_sticker, visible_box};

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
