//! Rendering a [`Template`] into frames: layers in order, text laid out once
//! per slot, cut-out layers trimmed to the union of the subject over all
//! frames (so an animated subject does not jump), and the effects.

use std::collections::BTreeMap;

use image::{Rgba, RgbaImage};
use rayon::prelude::*;
use xuancai_imaging::compose::{self, Rect, parse_color};
use xuancai_imaging::resize;
use xuancai_imaging::text::Font;

use crate::anim::{self, Animation, Effect, Frame};
use crate::caption::{self, BoxPx, Layout, TextStyle};
use crate::error::{Result, StickerError};
use crate::outline;
use crate::template::{Fit, Layer, Shape, Template, to_px};

/// What a template is rendered from.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// The photo (one frame, or an animation).
    pub photo: &'a Animation,
    /// The photo cut out, frame for frame (needed by cut-out layers).
    pub cutout: Option<&'a Animation>,
    /// Text for the slots; missing slots use the template's default.
    pub texts: &'a BTreeMap<String, String>,
}

/// A layer prepared once and drawn on every frame.
enum Prepared {
    /// One image per source frame, placed at (x, y).
    Images { images: Vec<RgbaImage>, x: i64, y: i64 },
    Text {
        layout: Layout,
        style: TextStyle,
        at: BoxPx,
    },
}

fn bbox_union(a: Option<Rect>, b: Option<Rect>) -> Option<Rect> {
    match (a, b) {
        (Some(a), Some(b)) => {
            let (x0, y0) = (a.x.min(b.x), a.y.min(b.y));
            let (x1, y1) = (
                (a.x + a.width).max(b.x + b.width),
                (a.y + a.height).max(b.y + b.height),
            );
            Some(Rect {
                x: x0,
                y: y0,
                width: x1 - x0,
                height: y1 - y0,
            })
        }
        (a, None) => a,
        (None, b) => b,
    }
}

fn box_px(b: BoxPx) -> (i64, i64, u32, u32) {
    (
        b.x.round() as i64,
        b.y.round() as i64,
        (b.w.round() as u32).max(1),
        (b.h.round() as u32).max(1),
    )
}

fn prepare_photo(photo: &Animation, b: BoxPx, fit: Fit) -> Result<Prepared> {
    let (x, y, w, h) = box_px(b);
    let images = photo
        .frames
        .par_iter()
        .map(|f| -> Result<RgbaImage> {
            Ok(match fit {
                Fit::Cover => resize::cover(&f.image, w, h)?,
                Fit::Contain => outline::fit(&f.image, (w, h), (0, 0, w, h))?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Prepared::Images { images, x, y })
}

fn prepare_cutout(cut: &Animation, b: BoxPx, width: f32, colour: [u8; 4], shadow: bool) -> Result<Prepared> {
    // Trim every frame to the union of the subject's boxes.
    let union = cut
        .frames
        .iter()
        .map(|f| compose::subject_box(&f.image, 8))
        .fold(None, bbox_union)
        .ok_or(StickerError::NoSubject)?;
    let (x, y, w, h) = box_px(b);
    // Room for the outline inside the box.
    let pad = width.ceil() as u32 + u32::from(shadow) * (w.min(h) / 40);
    let (iw, ih) = (w.saturating_sub(2 * pad).max(1), h.saturating_sub(2 * pad).max(1));
    let images = cut
        .frames
        .par_iter()
        .map(|f| -> Result<RgbaImage> {
            let trimmed = compose::crop(&f.image, union);
            let placed = outline::fit(&trimmed, (w, h), (pad, pad, iw, ih))?;
            let lined = outline::outline(&placed, width, colour);
            if shadow {
                outline::shadow(&lined)
            } else {
                Ok(lined)
            }
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Prepared::Images { images, x, y })
}

/// Signed inside test for a shape in the unit square (0..1, 0..1).
fn inside(shape: Shape, u: f32, v: f32) -> bool {
    match shape {
        Shape::Rect => (0.0..=1.0).contains(&u) && (0.0..=1.0).contains(&v),
        Shape::Circle => (u - 0.5).powi(2) + (v - 0.5).powi(2) <= 0.25,
        Shape::Heart => {
            // (x² + y² − 1)³ − x² y³ ≤ 0 on x ∈ [−1.2, 1.2], y ∈ [−1, 1.25].
            let x = (u - 0.5) * 2.4;
            let y = (0.55 - v) * 2.25;
            (x * x + y * y - 1.0).powi(3) - x * x * y.powi(3) <= 0.0
        }
        Shape::Star => {
            // A five-pointed star: even-odd test against its ten vertices.
            let pts: Vec<(f32, f32)> = (0..10)
                .map(|i| {
                    let r = if i % 2 == 0 { 0.5 } else { 0.2 };
                    let a = -std::f32::consts::FRAC_PI_2 + i as f32 * std::f32::consts::PI / 5.0;
                    (0.5 + r * a.cos(), 0.53 + r * a.sin())
                })
                .collect();
            let mut inside = false;
            for i in 0..10 {
                let (xi, yi) = pts[i];
                let (xj, yj) = pts[(i + 9) % 10];
                if (yi > v) != (yj > v) && u < (xj - xi) * (v - yi) / (yj - yi) + xi {
                    inside = !inside;
                }
            }
            inside
        }
    }
}

/// A shape rasterised with 4×4 supersampling.
fn shape_image(shape: Shape, w: u32, h: u32, colour: [u8; 4]) -> RgbaImage {
    RgbaImage::from_fn(w, h, |x, y| {
        let mut hits = 0u32;
        for sy in 0..4 {
            for sx in 0..4 {
                let u = (x as f32 + (sx as f32 + 0.5) / 4.0) / w as f32;
                let v = (y as f32 + (sy as f32 + 0.5) / 4.0) / h as f32;
                hits += u32::from(inside(shape, u, v));
            }
        }
        let a = (u32::from(colour[3]) * hits / 16) as u8;
        Rgba([colour[0], colour[1], colour[2], a])
    })
}

fn scaled_style(style: &TextStyle, scale: f32) -> TextStyle {
    TextStyle {
        max_px: (style.max_px * scale).max(1.0),
        min_px: (style.min_px * scale)
            .max(1.0)
            .min((style.max_px * scale).max(1.0)),
        ..style.clone()
    }
}

/// How the text shows on one frame.
#[derive(Debug, Clone, Copy)]
enum TextShown {
    All,
    Hidden,
    First(usize),
}

/// Render `t` at `side` × `side` pixels.
pub fn render(t: &Template, font: &Font, side: u32, inputs: Inputs<'_>) -> Result<Animation> {
    t.check()?;
    if side == 0 || side > 4096 {
        return Err(StickerError::Template(format!("side {side} must be 1–4096")));
    }
    let scale = side as f32 / t.size;
    let effect = t.animation.map(|a| a.effect);
    if effect.is_some() && inputs.photo.is_animated() {
        return Err(StickerError::NotSupported {
            preset: "effects",
            what: "an animated input (effects animate still images)".into(),
        });
    }
    let mut layers = Vec::with_capacity(t.layers.len());
    let mut text_chars = 0usize;
    for layer in &t.layers {
        let b = to_px(layer.at(), scale);
        layers.push(match layer {
            Layer::Photo { fit, .. } => prepare_photo(inputs.photo, b, *fit)?,
            Layer::Cutout {
                outline,
                outline_color,
                shadow,
                ..
            } => {
                let cut = inputs.cutout.ok_or_else(|| {
                    StickerError::Template(format!("template {:?} needs the cut-out subject", t.name))
                })?;
                prepare_cutout(cut, b, outline * scale, parse_color(outline_color)?, *shadow)?
            }
            Layer::Text {
                slot, default, style, ..
            } => {
                let text = inputs
                    .texts
                    .get(slot)
                    .map_or(default.as_str(), String::as_str)
                    .trim();
                if text.is_empty() {
                    continue;
                }
                let style = scaled_style(style, scale);
                let layout = caption::fit(font, text, &style, b)?;
                text_chars += text.chars().filter(|c| !c.is_whitespace()).count();
                Prepared::Text { layout, style, at: b }
            }
            Layer::Shape { shape, color, .. } => {
                let (x, y, w, h) = box_px(b);
                Prepared::Images {
                    images: vec![shape_image(*shape, w, h, parse_color(color)?)],
                    x,
                    y,
                }
            }
        });
    }
    let background = parse_color(&t.background)?;

    // The frame plan: (source frame, text shown, transform, delay).
    type Step = (usize, TextShown, f32, (f32, f32), u32);
    let plan: Vec<Step> = match effect {
        None => inputs
            .photo
            .frames
            .iter()
            .enumerate()
            .map(|(i, f)| (i, TextShown::All, 1.0, (0.0, 0.0), f.delay_ms))
            .collect(),
        Some(Effect::Shake) => (0..12)
            .map(|i| {
                (
                    0,
                    TextShown::All,
                    1.0,
                    anim::shake_offset(i, 12, side as f32 * 0.025),
                    60,
                )
            })
            .collect(),
        Some(Effect::Pulse) => (0..12)
            .map(|i| {
                (
                    0,
                    TextShown::All,
                    anim::pulse_scale(i, 12, 0.08) / 1.08,
                    (0.0, 0.0),
                    70,
                )
            })
            .collect(),
        Some(Effect::Typewriter) => {
            if text_chars == 0 {
                return Err(StickerError::Template(
                    "the typewriter effect needs a caption".into(),
                ));
            }
            let step = text_chars.div_ceil(40);
            let mut p: Vec<Step> = (0..text_chars.div_ceil(step))
                .map(|i| (0, TextShown::First(i * step), 1.0, (0.0, 0.0), 110))
                .collect();
            p.push((0, TextShown::All, 1.0, (0.0, 0.0), 1500));
            p
        }
        Some(Effect::Flash) => {
            if text_chars == 0 {
                return Err(StickerError::Template("the flash effect needs a caption".into()));
            }
            (0..6)
                .map(|i| {
                    (
                        0,
                        if i % 2 == 0 {
                            TextShown::All
                        } else {
                            TextShown::Hidden
                        },
                        1.0,
                        (0.0, 0.0),
                        250,
                    )
                })
                .collect()
        }
    };
    let frames = plan
        .par_iter()
        .map(|&(src, shown, s, offset, delay)| -> Result<Frame> {
            let mut img = RgbaImage::new(side, side);
            for l in &layers {
                match l {
                    Prepared::Images { images, x, y } => {
                        let im = &images[src.min(images.len() - 1)];
                        image::imageops::overlay(&mut img, im, *x, *y);
                    }
                    Prepared::Text { layout, style, at } => {
                        let visible = match shown {
                            TextShown::All => None,
                            TextShown::Hidden => continue,
                            TextShown::First(n) => Some(n),
                        };
                        caption::draw(&mut img, font, layout, style, *at, visible)?;
                    }
                }
            }
            if s != 1.0 || offset != (0.0, 0.0) {
                img = anim::transform(&img, s, offset)?;
            }
            let mut canvas = RgbaImage::from_pixel(side, side, Rgba(background));
            image::imageops::overlay(&mut canvas, &img, 0, 0);
            Ok(Frame {
                image: canvas,
                delay_ms: delay,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Animation { frames })
}
