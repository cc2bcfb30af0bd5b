//! Frame sequences: reading animated GIF, WebP and APNG inputs (with frame
//! limits, the animation-bomb guard), still images as one frame, and the
//! geometry of the built-in effects.

use std::io::Cursor;

use image::{AnimationDecoder, Delay, ImageDecoder, Rgba, RgbaImage};
use serde::{Deserialize, Serialize};
use xuancai_imaging::decode::{self, DecodeLimits, SourceFormat};
use xuancai_imaging::resize::{self, Filter};

use crate::error::{Result, StickerError};

/// One frame and how long it shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub image: RgbaImage,
    pub delay_ms: u32,
}

/// A still image (one frame) or an animation. All frames have one size.
#[derive(Debug, Clone, PartialEq)]
pub struct Animation {
    pub frames: Vec<Frame>,
}

impl Animation {
    pub fn still(image: RgbaImage) -> Self {
        Self {
            frames: vec![Frame { image, delay_ms: 0 }],
        }
    }

    pub fn is_animated(&self) -> bool {
        self.frames.len() > 1
    }

    pub fn duration_ms(&self) -> u64 {
        self.frames.iter().map(|f| u64::from(f.delay_ms)).sum()
    }

    pub fn dimensions(&self) -> (u32, u32) {
        self.frames.first().map_or((0, 0), |f| f.image.dimensions())
    }

    /// Apply `f` to every frame's pixels.
    pub fn try_map(self, f: impl Fn(RgbaImage) -> Result<RgbaImage> + Sync) -> Result<Self> {
        use rayon::prelude::*;
        let frames = self
            .frames
            .into_par_iter()
            .map(|fr| {
                Ok(Frame {
                    image: f(fr.image)?,
                    delay_ms: fr.delay_ms,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self { frames })
    }
}

/// How much animation an input may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameLimits {
    pub max_frames: usize,
    /// Frames × width × height.
    pub max_total_pixels: u64,
}

impl Default for FrameLimits {
    /// 300 frames and 300 megapixels in all (1.2 GB decoded at most).
    fn default() -> Self {
        Self {
            max_frames: 300,
            max_total_pixels: 300_000_000,
        }
    }
}

/// Browsers show GIF frames with delays under 20 ms for 100 ms; so do we.
fn delay_ms(d: Delay) -> u32 {
    let (n, den) = d.numer_denom_ms();
    let ms = n.checked_div(den).unwrap_or(0);
    if ms < 20 { 100 } else { ms }
}

fn collect<'a>(frames: image::Frames<'a>, (w, h): (u32, u32), limits: &FrameLimits) -> Result<Animation> {
    let per_frame = u64::from(w) * u64::from(h);
    let mut out = Vec::new();
    for f in frames {
        let f = f.map_err(|e| xuancai_imaging::ImagingError::Corrupt(e.to_string()))?;
        if out.len() + 1 > limits.max_frames {
            return Err(StickerError::TooManyFrames(format!(
                "more than {} frames",
                limits.max_frames
            )));
        }
        if per_frame * (out.len() as u64 + 1) > limits.max_total_pixels {
            return Err(StickerError::TooManyFrames(format!(
                "more than {} pixels in all its frames",
                limits.max_total_pixels
            )));
        }
        let delay = delay_ms(f.delay());
        out.push(Frame {
            image: f.into_buffer(),
            delay_ms: delay,
        });
    }
    if out.is_empty() {
        return Err(xuancai_imaging::ImagingError::Corrupt("no frames".into()).into());
    }
    Ok(Animation { frames: out })
}

fn corrupt(e: image::ImageError) -> StickerError {
    xuancai_imaging::ImagingError::Corrupt(e.to_string()).into()
}

/// Read an image: animated GIF, WebP and APNG keep their frames; anything
/// else (and a one-frame animation) is a still, upright as its EXIF says.
/// The header's dimensions are checked against `limits` before decoding.
/// Frames are shrunk to fit `max_side` (stills on load, as JPEG allows):
/// a 512 px sticker needs no 12 MP matte.
pub fn decode(bytes: &[u8], limits: &DecodeLimits, frames: &FrameLimits, max_side: u32) -> Result<Animation> {
    let format = decode::sniff(bytes)?;
    let dims = decode::probe(bytes, limits)?;
    let anim = match format {
        SourceFormat::Gif => {
            let d = image::codecs::gif::GifDecoder::new(Cursor::new(bytes)).map_err(corrupt)?;
            Some(collect(d.into_frames(), dims, frames)?)
        }
        SourceFormat::WebP => {
            let d = image::codecs::webp::WebPDecoder::new(Cursor::new(bytes)).map_err(corrupt)?;
            if d.has_animation() {
                Some(collect(d.into_frames(), dims, frames)?)
            } else {
                None
            }
        }
        SourceFormat::Png => {
            let d = image::codecs::png::PngDecoder::new(Cursor::new(bytes)).map_err(corrupt)?;
            if d.is_apng().map_err(corrupt)? {
                let (w, h) = d.dimensions();
                Some(collect(d.apng().map_err(corrupt)?.into_frames(), (w, h), frames)?)
            } else {
                None
            }
        }
        _ => None,
    };
    match anim {
        Some(a) if a.is_animated() => {
            let (w, h) = a.dimensions();
            if w.max(h) <= max_side {
                return Ok(a);
            }
            let (nw, nh) = resize::fit_within(w, h, max_side);
            a.try_map(|img| Ok(resize::resize_rgba(&img, nw, nh, Filter::Lanczos3, true)?))
        }
        _ => Ok(Animation::still(
            decode::decode_to_fit(bytes, limits, max_side)?.image,
        )),
    }
}

/// The built-in animation effects for still stickers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Effect {
    /// A quick side-to-side shake.
    Shake,
    /// Zoom in and out.
    Pulse,
    /// The caption appears character by character, then holds.
    Typewriter,
    /// The caption flashes on and off.
    Flash,
}

impl Effect {
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "shake" => Ok(Self::Shake),
            "pulse" | "zoom" => Ok(Self::Pulse),
            "typewriter" => Ok(Self::Typewriter),
            "flash" => Ok(Self::Flash),
            other => Err(xuancai_imaging::ImagingError::InvalidParameter(format!(
                "animation effect {other:?}: use shake, pulse, typewriter or flash"
            ))
            .into()),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Shake => "shake",
            Self::Pulse => "pulse",
            Self::Typewriter => "typewriter",
            Self::Flash => "flash",
        }
    }
}

/// Offset of frame `i` of `n` in a shake of `amplitude` pixels.
pub fn shake_offset(i: usize, n: usize, amplitude: f32) -> (f32, f32) {
    let t = i as f32 / n.max(1) as f32 * std::f32::consts::TAU * 2.0;
    (t.sin() * amplitude, (t * 0.5).sin() * amplitude * 0.3)
}

/// Scale of frame `i` of `n` in a pulse peaking at `1 + depth`.
pub fn pulse_scale(i: usize, n: usize, depth: f32) -> f32 {
    let t = i as f32 / n.max(1) as f32 * std::f32::consts::TAU;
    1.0 + depth * (1.0 - t.cos()) / 2.0
}

/// `img` scaled about its centre by `scale` and moved by `(dx, dy)`, on a
/// transparent canvas of the same size.
pub fn transform(img: &RgbaImage, scale: f32, (dx, dy): (f32, f32)) -> Result<RgbaImage> {
    let (w, h) = img.dimensions();
    let (sw, sh) = (
        ((w as f32 * scale).round() as u32).max(1),
        ((h as f32 * scale).round() as u32).max(1),
    );
    let scaled = if (sw, sh) == (w, h) {
        img.clone()
    } else {
        resize::resize_rgba(img, sw, sh, Filter::Bilinear, true)?
    };
    let mut out = RgbaImage::from_pixel(w, h, Rgba([0, 0, 0, 0]));
    let ox = ((w as f32 - sw as f32) / 2.0 + dx).round() as i64;
    let oy = ((h as f32 - sh as f32) / 2.0 + dy).round() as i64;
    image::imageops::replace(&mut out, &scaled, ox, oy);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn effects_parse_and_start_at_rest() {
        assert_eq!(Effect::parse("zoom").ok(), Some(Effect::Pulse));
        assert!(Effect::parse("spin").is_err());
        assert!((pulse_scale(0, 12, 0.1) - 1.0).abs() < 1e-6);
        assert!((pulse_scale(6, 12, 0.1) - 1.1).abs() < 1e-6);
        let (dx, dy) = shake_offset(0, 12, 10.0);
        assert!(dx.abs() < 1e-6 && dy.abs() < 1e-6);
    }

    #[test]
    fn short_gif_delays_show_as_browsers_show_them() {
        assert_eq!(delay_ms(Delay::from_numer_denom_ms(0, 1)), 100);
        assert_eq!(delay_ms(Delay::from_numer_denom_ms(40, 1)), 40);
    }
}
