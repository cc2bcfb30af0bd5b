//! Encoders with byte budgets: each searches its quality knob (WebP quality,
//! GIF palette size) and, for animations, the frame rate, for the best
//! output under the limit — never a single attempt that fits by luck.

use std::borrow::Cow;

use image::RgbaImage;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, ImageEncoder};

use crate::anim::Frame;
use crate::error::{Result, StickerError};
use crate::webp;

/// An encoded sticker and the setting that produced it.
#[derive(Debug, Clone, PartialEq)]
pub struct Encoded {
    pub bytes: Vec<u8>,
    /// `webp`, `gif`, `png` (APNG too) or `webm`.
    pub format: &'static str,
    /// The knob the search settled on, e.g. `lossless`, `quality 71`, `64 colours`.
    pub setting: String,
    pub frames: usize,
    /// What the encoder changed to meet the rules (frames merged, …).
    pub notes: Vec<String>,
}

/// Highest integer in `lo..=hi` for which the attempt fits, with fitting
/// monotone (true up to some point); `None` when even `lo` does not fit.
/// `hi` is tried first, so an input that fits at the best setting costs one
/// encode; otherwise a binary search (about log2(hi − lo) more).
fn search_highest<T>(
    lo: u32,
    hi: u32,
    mut attempt: impl FnMut(u32) -> Result<(bool, T)>,
) -> Result<Option<(u32, T)>> {
    let (fits, top) = attempt(hi)?;
    if fits {
        return Ok(Some((hi, top)));
    }
    if hi == lo {
        return Ok(None);
    }
    let (fits, bottom) = attempt(lo)?;
    if !fits {
        return Ok(None);
    }
    let mut best = (lo, bottom);
    // Invariant: `a` fits, `b` does not.
    let (mut a, mut b) = (lo, hi);
    while b - a > 1 {
        let mid = a + (b - a) / 2;
        let (fits, out) = attempt(mid)?;
        if fits {
            best = (mid, out);
            a = mid;
        } else {
            b = mid;
        }
    }
    Ok(Some(best))
}

/// A still WebP under `limit` bytes: the highest lossy quality (0–95, alpha
/// kept losslessly) that fits. Lossless is tried first only for small
/// images (icons), where it is cheap and often smaller.
pub fn webp_still(img: &RgbaImage, limit: u64) -> Result<Encoded> {
    let mut smallest = u64::MAX;
    if u64::from(img.width()) * u64::from(img.height()) <= 128 * 128 {
        let lossless = webp::encode_still(img, None)?;
        if lossless.len() as u64 <= limit {
            return Ok(Encoded {
                bytes: lossless,
                format: "webp",
                setting: "lossless".into(),
                frames: 1,
                notes: vec![],
            });
        }
        smallest = lossless.len() as u64;
    }
    let found = search_highest(0, 95, |q| {
        let b = webp::encode_still(img, Some(q as f32))?;
        smallest = smallest.min(b.len() as u64);
        Ok((b.len() as u64 <= limit, b))
    })?;
    match found {
        Some((q, bytes)) => Ok(Encoded {
            bytes,
            format: "webp",
            setting: format!("quality {q}"),
            frames: 1,
            notes: vec![],
        }),
        None => Err(StickerError::TooLarge {
            what: "WebP sticker",
            limit,
            best: smallest,
        }),
    }
}

/// Every other frame, each kept frame showing for the pair's time (the
/// total duration is kept).
pub fn halve_frames(frames: &[Frame]) -> Vec<Frame> {
    frames
        .chunks(2)
        .map(|pair| Frame {
            image: pair[0].image.clone(),
            delay_ms: pair.iter().map(|f| f.delay_ms).sum(),
        })
        .collect()
}

/// Search a quality knob for the animation, halving the frame rate while
/// even the lowest setting is too big.
fn fit_animation(
    frames: &[Frame],
    limit: u64,
    what: &'static str,
    (lo, hi): (u32, u32),
    encode: impl Fn(&[Frame], u32) -> Result<Vec<u8>>,
    describe: impl Fn(u32) -> String,
    format: &'static str,
) -> Result<Encoded> {
    let mut current: Cow<'_, [Frame]> = Cow::Borrowed(frames);
    let mut notes = Vec::new();
    let mut smallest = u64::MAX;
    loop {
        let found = search_highest(lo, hi, |k| {
            let b = encode(&current, k)?;
            smallest = smallest.min(b.len() as u64);
            Ok((b.len() as u64 <= limit, b))
        })?;
        if let Some((k, bytes)) = found {
            return Ok(Encoded {
                bytes,
                format,
                setting: describe(k),
                frames: current.len(),
                notes,
            });
        }
        if current.len() <= 2 {
            return Err(StickerError::TooLarge {
                what,
                limit,
                best: smallest,
            });
        }
        let fewer = halve_frames(&current);
        notes.push(format!(
            "frame rate halved: {} → {} frames",
            current.len(),
            fewer.len()
        ));
        current = Cow::Owned(fewer);
    }
}

/// An animated WebP under `limit` bytes.
pub fn webp_animation(frames: &[Frame], limit: u64) -> Result<Encoded> {
    fit_animation(
        frames,
        limit,
        "animated WebP sticker",
        (5, 90),
        |f, q| webp::encode_animation(f, Some(q as f32)),
        |q| format!("quality {q}"),
        "webp",
    )
}

/// An animated PNG under `limit` bytes (Signal): the largest shared
/// palette of at least 64 colours that fits, halving the frame rate while
/// none does; only when two frames at 64 colours are still too big, fewer
/// colours (a photo in 16 colours looks worse than a slower animation).
pub fn apng(frames: &[Frame], limit: u64) -> Result<Encoded> {
    let fit = |lowest: u32| {
        fit_animation(
            frames,
            limit,
            "animated PNG sticker",
            (lowest, GIF_COLOURS.len() as u32 - 1),
            |f, k| crate::apng::encode(f, GIF_COLOURS[k as usize]),
            |k| format!("{} colours", GIF_COLOURS[k as usize]),
            "png",
        )
    };
    match fit(2) {
        Err(StickerError::TooLarge { .. }) => fit(0),
        other => other,
    }
}

/// VP9 quantizers tried for video stickers: the knob `k` is `60 - q`, so a
/// higher knob is better quality.
const VP9_WORST_Q: u32 = 60;
const VP9_BEST_Q: u32 = 8;

/// A WebM VP9 video (with alpha) under `limit` bytes (Telegram's video
/// stickers): the best fixed quantizer that fits, then fewer frames.
pub fn webm(frames: &[Frame], limit: u64, vp9: &crate::vp9::Vp9) -> Result<Encoded> {
    fit_animation(
        frames,
        limit,
        "WebM video sticker",
        (0, VP9_WORST_Q - VP9_BEST_Q),
        |f, k| {
            let list: Vec<(&RgbaImage, u32)> = f.iter().map(|f| (&f.image, f.delay_ms)).collect();
            let coded = vp9.encode(&list, VP9_WORST_Q - k)?;
            let dims = f.first().map_or((0, 0), |f| f.image.dimensions());
            let total = f.iter().map(|f| u64::from(f.delay_ms)).sum();
            Ok(crate::webm::mux(&coded, dims, total))
        },
        |k| format!("quantizer {}", VP9_WORST_Q - k),
        "webm",
    )
}

/// Palette sizes for GIF, smallest first: the search keeps the largest that fits.
const GIF_COLOURS: [u16; 5] = [16, 32, 64, 128, 256];

/// A GIF (still or animated) under `limit` bytes: the largest palette that
/// fits, then fewer frames.
pub fn gif(frames: &[Frame], limit: u64) -> Result<Encoded> {
    fit_animation(
        frames,
        limit,
        "GIF sticker",
        (0, GIF_COLOURS.len() as u32 - 1),
        |f, k| encode_gif(f, GIF_COLOURS[k as usize]),
        |k| format!("{} colours", GIF_COLOURS[k as usize]),
        "gif",
    )
}

fn gif_err(e: impl std::fmt::Display) -> StickerError {
    xuancai_imaging::ImagingError::Encode(format!("GIF: {e}")).into()
}

/// Encode frames as a looping GIF with a `colours`-entry palette per frame
/// (one entry kept for transparency: GIF alpha is on or off, cut at 50 %).
pub fn encode_gif(frames: &[Frame], colours: u16) -> Result<Vec<u8>> {
    let first = frames.first().ok_or_else(|| gif_err("no frames"))?;
    let (w, h) = first.image.dimensions();
    let (w16, h16) = (
        u16::try_from(w).map_err(|_| gif_err("wider than 65535"))?,
        u16::try_from(h).map_err(|_| gif_err("taller than 65535"))?,
    );
    let mut out = Vec::new();
    {
        let mut enc = gif::Encoder::new(&mut out, w16, h16, &[]).map_err(gif_err)?;
        if frames.len() > 1 {
            enc.set_repeat(gif::Repeat::Infinite).map_err(gif_err)?;
        }
        for f in frames {
            let opaque: Vec<u8> = f
                .image
                .pixels()
                .filter(|p| p.0[3] >= 128)
                .flat_map(|p| [p.0[0], p.0[1], p.0[2], 255])
                .collect();
            let n = usize::from(colours.clamp(4, 256)) - 1;
            let quant = (opaque.len() >= 4).then(|| color_quant::NeuQuant::new(10, n, &opaque));
            let transparent = n as u8;
            let mut palette = quant
                .as_ref()
                .map_or_else(|| vec![0; n * 3], |q| q.color_map_rgb());
            palette.extend_from_slice(&[0, 0, 0]);
            let indices: Vec<u8> = f
                .image
                .pixels()
                .map(|p| match (&quant, p.0[3] >= 128) {
                    (Some(q), true) => q.index_of(&[p.0[0], p.0[1], p.0[2], 255]) as u8,
                    _ => transparent,
                })
                .collect();
            let frame = gif::Frame {
                width: w16,
                height: h16,
                buffer: Cow::Owned(indices),
                palette: Some(palette),
                transparent: Some(transparent),
                delay: u16::try_from(f.delay_ms.div_ceil(10).max(2)).unwrap_or(u16::MAX),
                dispose: gif::DisposalMethod::Background,
                ..gif::Frame::default()
            };
            enc.write_frame(&frame).map_err(gif_err)?;
        }
    }
    Ok(out)
}

/// A PNG, compressed hard, refused when over `limit` bytes.
pub fn png(img: &RgbaImage, limit: u64, what: &'static str) -> Result<Encoded> {
    let mut bytes = Vec::new();
    PngEncoder::new_with_quality(&mut bytes, CompressionType::Best, FilterType::Adaptive)
        .write_image(img.as_raw(), img.width(), img.height(), ExtendedColorType::Rgba8)
        .map_err(|e| xuancai_imaging::ImagingError::Encode(e.to_string()))?;
    if bytes.len() as u64 > limit {
        return Err(StickerError::TooLarge {
            what,
            limit,
            best: bytes.len() as u64,
        });
    }
    Ok(Encoded {
        bytes,
        format: "png",
        setting: "lossless".into(),
        frames: 1,
        notes: vec![],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_finds_the_highest_fitting_value() {
        for limit in [0, 1, 50, 71, 94, 95] {
            let mut tries = 0;
            let r = search_highest(0, 95, |q| {
                tries += 1;
                Ok((q <= limit, q))
            });
            assert_eq!(r.ok().flatten(), Some((limit, limit)));
            assert!(tries <= 9, "{tries} tries");
        }
        let none = search_highest(0, 95, |q| Ok((q > 1000, q))).ok().flatten();
        assert_eq!(none, None);
    }

    #[test]
    fn halving_keeps_the_duration() {
        let f = |d| Frame {
            image: RgbaImage::new(2, 2),
            delay_ms: d,
        };
        let frames = vec![f(40), f(60), f(80)];
        let half = halve_frames(&frames);
        assert_eq!(half.len(), 2);
        assert_eq!(half.iter().map(|f| f.delay_ms).sum::<u32>(), 180);
    }
}
