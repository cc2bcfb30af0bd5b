//! Compositing a cutout onto a new background, soft drop shadows, blur and
//! cropping to the subject.

use image::{Rgba, RgbaImage};
use rayon::prelude::*;

use crate::error::{ImagingError, Result};
use crate::filter::Plane;
use crate::resize::{Filter, cover, fit_within, resize_rgba};

/// What goes behind the subject.
#[derive(Debug, Clone)]
pub enum Background {
    /// Keep transparency.
    Transparent,
    /// A solid colour (its alpha is honoured).
    Color([u8; 4]),
    /// An image, scaled to cover the frame and centre-cropped.
    Image(RgbaImage),
    /// The original photo, blurred with this radius in pixels.
    Blur(f32),
}

/// A rectangle in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

/// Parse `#rgb`, `#rrggbb`, `#rrggbbaa` (with or without `#`) or a few names.
pub fn parse_color(s: &str) -> Result<[u8; 4]> {
    let named = match s.to_ascii_lowercase().as_str() {
        "white" => Some([255, 255, 255, 255]),
        "black" => Some([0, 0, 0, 255]),
        "red" => Some([255, 0, 0, 255]),
        "green" => Some([0, 128, 0, 255]),
        "blue" => Some([0, 0, 255, 255]),
        "transparent" => Some([0, 0, 0, 0]),
        _ => None,
    };
    if let Some(c) = named {
        return Ok(c);
    }
    let hex = s.trim_start_matches('#');
    let bad = || ImagingError::InvalidParameter(format!("colour {s:?}: use #rrggbb, #rrggbbaa or a name"));
    let digit = |i: usize| {
        hex.get(i..i + 1)
            .and_then(|d| u8::from_str_radix(d, 16).ok())
            .ok_or_else(bad)
    };
    let byte = |i: usize| -> Result<u8> { Ok(digit(i)? * 16 + digit(i + 1)?) };
    match hex.len() {
        3 => Ok([digit(0)? * 17, digit(1)? * 17, digit(2)? * 17, 255]),
        6 => Ok([byte(0)?, byte(2)?, byte(4)?, 255]),
        8 => Ok([byte(0)?, byte(2)?, byte(4)?, byte(6)?]),
        _ => Err(bad()),
    }
}

/// Blur an image with (approximately Gaussian) radius `radius`: the work is
/// done on a downscaled copy, which a blur makes invisible, then scaled back.
pub fn blur(src: &RgbaImage, radius: f32) -> Result<RgbaImage> {
    if !(radius.is_finite() && radius > 0.0) {
        return Err(ImagingError::InvalidParameter(format!("blur radius {radius}")));
    }
    let (w, h) = src.dimensions();
    let factor = (radius / 6.0).max(1.0);
    let (sw, sh) = (
        ((w as f32 / factor).round() as u32).max(1),
        ((h as f32 / factor).round() as u32).max(1),
    );
    let small = resize_rgba(src, sw, sh, Filter::Bilinear, false)?;
    let r = ((radius / factor) / 1.7).round().max(1.0) as usize;
    let mut planes: Vec<Plane> = (0..4)
        .map(|c| Plane {
            width: sw as usize,
            height: sh as usize,
            data: small.pixels().map(|p| f32::from(p.0[c])).collect(),
        })
        .collect();
    planes.par_iter_mut().for_each(|p| {
        for _ in 0..3 {
            *p = p.box_mean(r);
        }
    });
    let mut out = RgbaImage::new(sw, sh);
    for (i, px) in out.pixels_mut().enumerate() {
        *px = Rgba([0, 1, 2, 3].map(|c| planes[c].data[i].round().clamp(0.0, 255.0) as u8));
    }
    resize_rgba(&out, w, h, Filter::Bilinear, false)
}

/// Source-over of a straight-alpha `fg` onto an opaque or transparent `bg` of
/// the same size.
pub fn over(fg: &RgbaImage, bg: &RgbaImage) -> Result<RgbaImage> {
    if fg.dimensions() != bg.dimensions() {
        return Err(ImagingError::InvalidParameter(
            "composite of different sizes".into(),
        ));
    }
    let mut out = bg.clone();
    blend_into(fg, &mut out);
    Ok(out)
}

/// Source-over of `fg` onto `bg` in place (same sizes).
fn blend_into(fg: &RgbaImage, bg: &mut RgbaImage) {
    let row = fg.width() as usize * 4;
    bg.par_chunks_mut(row).zip(fg.par_chunks(row)).for_each(|(o, f)| {
        for (o, f) in o.chunks_exact_mut(4).zip(f.chunks_exact(4)) {
            blend_px(o, f);
        }
    });
}

#[inline]
fn blend_px(o: &mut [u8], f: &[u8]) {
    let fa = u32::from(f[3]);
    if fa == 255 {
        o.copy_from_slice(f);
        return;
    }
    if fa == 0 {
        return;
    }
    let ba = u32::from(o[3]);
    // out_a = fa + ba (1 - fa), in 0..255²
    let oa = fa * 255 + ba * (255 - fa);
    if oa == 0 {
        o.copy_from_slice(&[0, 0, 0, 0]);
        return;
    }
    for c in 0..3 {
        let num = u32::from(f[c]) * fa * 255 + u32::from(o[c]) * ba * (255 - fa);
        o[c] = ((num + oa / 2) / oa) as u8;
    }
    o[3] = ((oa + 127) / 255) as u8;
}

/// Put `cutout` (straight alpha) in front of `background`; `original` is
/// needed for [`Background::Blur`].
pub fn composite(cutout: RgbaImage, original: &RgbaImage, background: &Background) -> Result<RgbaImage> {
    let (w, h) = cutout.dimensions();
    let mut bg = match background {
        Background::Transparent => return Ok(cutout),
        Background::Color(c) => RgbaImage::from_pixel(w, h, Rgba(*c)),
        Background::Image(img) => cover(img, w, h)?,
        Background::Blur(r) => blur(original, *r)?,
    };
    if bg.dimensions() != (w, h) {
        return Err(ImagingError::InvalidParameter("background size".into()));
    }
    blend_into(&cutout, &mut bg);
    Ok(bg)
}

/// Options of [`drop_shadow`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShadowOptions {
    /// Offset as a fraction of the shorter side.
    pub offset: (f32, f32),
    /// Blur radius as a fraction of the shorter side.
    pub softness: f32,
    /// Opacity 0..1.
    pub opacity: f32,
    pub color: [u8; 3],
}

impl Default for ShadowOptions {
    fn default() -> Self {
        Self {
            offset: (0.015, 0.02),
            softness: 0.02,
            opacity: 0.45,
            color: [0, 0, 0],
        }
    }
}

/// Add a soft drop shadow behind a straight-alpha cutout (the frame size is
/// kept; the shadow is clipped at the edges).
pub fn drop_shadow(cutout: &RgbaImage, opts: &ShadowOptions) -> Result<RgbaImage> {
    let (w, h) = cutout.dimensions();
    let short = w.min(h) as f32;
    let radius = (opts.softness * short).max(1.0);
    // Work on a small alpha plane: the shadow is blurry anyway.
    let (sw, sh) = fit_within(w, h, 512);
    let small = resize_rgba(cutout, sw, sh, Filter::Bilinear, false)?;
    let scale = sw as f32 / w as f32;
    let mut a = Plane {
        width: sw as usize,
        height: sh as usize,
        data: small.pixels().map(|p| f32::from(p.0[3]) / 255.0).collect(),
    };
    let r = ((radius * scale) / 1.7).round().max(1.0) as usize;
    for _ in 0..3 {
        a = a.box_mean(r);
    }
    let a = a.resize_bilinear(w as usize, h as usize);
    let (dx, dy) = (
        (opts.offset.0 * short).round() as i64,
        (opts.offset.1 * short).round() as i64,
    );
    let mut shadow = RgbaImage::new(w, h);
    for (x, y, px) in shadow.enumerate_pixels_mut() {
        let sx = i64::from(x) - dx;
        let sy = i64::from(y) - dy;
        if sx >= 0 && sy >= 0 && sx < i64::from(w) && sy < i64::from(h) {
            let v = a.data[sy as usize * w as usize + sx as usize] * opts.opacity;
            *px = Rgba([
                opts.color[0],
                opts.color[1],
                opts.color[2],
                (v * 255.0).round() as u8,
            ]);
        }
    }
    blend_into(cutout, &mut shadow);
    Ok(shadow)
}

/// The bounding box of pixels whose alpha is at least `threshold`.
pub fn subject_box(img: &RgbaImage, threshold: u8) -> Option<Rect> {
    let (w, h) = img.dimensions();
    let row_bounds: Vec<Option<(u32, u32)>> = img
        .par_chunks(w as usize * 4)
        .map(|row| {
            let first = row.chunks_exact(4).position(|p| p[3] >= threshold)?;
            let last = row.chunks_exact(4).rposition(|p| p[3] >= threshold)?;
            Some((first as u32, last as u32))
        })
        .collect();
    let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0u32, 0u32);
    for (y, b) in row_bounds.iter().enumerate() {
        if let Some((a, b)) = b {
            x0 = x0.min(*a);
            x1 = x1.max(*b);
            y0 = y0.min(y as u32);
            y1 = y1.max(y as u32);
        }
    }
    (x0 <= x1 && y0 <= y1 && x1 < w && y1 < h).then(|| Rect {
        x: x0,
        y: y0,
        width: x1 - x0 + 1,
        height: y1 - y0 + 1,
    })
}

/// Grow `r` by `margin` on every side, clipped to `(w, h)`.
pub fn expand(r: Rect, margin: u32, w: u32, h: u32) -> Rect {
    let x = r.x.saturating_sub(margin);
    let y = r.y.saturating_sub(margin);
    let x1 = (r.x + r.width + margin).min(w);
    let y1 = (r.y + r.height + margin).min(h);
    Rect {
        x,
        y,
        width: x1 - x,
        height: y1 - y,
    }
}

/// Crop to a rectangle.
pub fn crop(img: &RgbaImage, r: Rect) -> RgbaImage {
    image::imageops::crop_imm(img, r.x, r.y, r.width, r.height).to_image()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_parse() -> Result<()> {
        assert_eq!(parse_color("#fff")?, [255, 255, 255, 255]);
        assert_eq!(parse_color("00ff0080")?, [0, 255, 0, 128]);
        assert_eq!(parse_color("White")?, [255, 255, 255, 255]);
        assert!(parse_color("#12").is_err());
        assert!(parse_color("#gg0000").is_err());
        Ok(())
    }

    #[test]
    fn over_is_exact_at_the_extremes_and_blends_between() -> Result<()> {
        let bg = RgbaImage::from_pixel(2, 1, Rgba([0, 0, 255, 255]));
        let mut fg = RgbaImage::new(2, 1);
        fg.put_pixel(0, 0, Rgba([255, 0, 0, 255]));
        fg.put_pixel(1, 0, Rgba([255, 0, 0, 128]));
        let out = over(&fg, &bg)?;
        assert_eq!(out.get_pixel(0, 0).0, [255, 0, 0, 255]);
        let p = out.get_pixel(1, 0).0;
        assert_eq!(p[3], 255);
        assert!(
            (i32::from(p[0]) - 128).abs() <= 1 && (i32::from(p[2]) - 127).abs() <= 1,
            "{p:?}"
        );
        Ok(())
    }

    #[test]
    fn subject_box_and_margin() {
        let mut img = RgbaImage::new(10, 8);
        img.put_pixel(3, 2, Rgba([1, 1, 1, 255]));
        img.put_pixel(6, 5, Rgba([1, 1, 1, 200]));
        let b = subject_box(&img, 128).expect("subject");
        assert_eq!(
            b,
            Rect {
                x: 3,
                y: 2,
                width: 4,
                height: 4
            }
        );
        assert_eq!(
            expand(b, 5, 10, 8),
            Rect {
                x: 0,
                y: 0,
                width: 10,
                height: 8
            }
        );
        assert!(subject_box(&RgbaImage::new(3, 3), 1).is_none());
    }
}
