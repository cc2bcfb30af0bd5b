//! The sticker look: trim to the subject, fit it on a square canvas, a white
//! outline that follows the alpha (an exact Euclidean distance transform,
//! anti-aliased), and an optional soft shadow.

use image::{Rgba, RgbaImage};
use xuancai_imaging::compose::{self, ShadowOptions};
use xuancai_imaging::resize::{self, Filter};

use crate::error::Result;

/// Alpha at or above this counts as the subject when trimming and outlining.
const SOLID: u8 = 128;

/// The 1-D squared distance transform of Felzenszwalb & Huttenlocher
/// ("Distance Transforms of Sampled Functions", 2012): `f` holds 0 at feature
/// points and a large value elsewhere; it is replaced by the squared distance
/// to the nearest feature point along the line.
fn dt_1d(f: &mut [f32], v: &mut [usize], z: &mut [f32], d: &mut [f32]) {
    let n = f.len();
    if n == 0 {
        return;
    }
    let mut k = 0usize;
    v[0] = 0;
    z[0] = f32::NEG_INFINITY;
    z[1] = f32::INFINITY;
    for q in 1..n {
        let qf = q as f32;
        loop {
            let p = v[k];
            let pf = p as f32;
            let s = ((f[q] + qf * qf) - (f[p] + pf * pf)) / (2.0 * qf - 2.0 * pf);
            if s <= z[k] && k > 0 {
                k -= 1;
                continue;
            }
            if s <= z[k] {
                // k == 0: the new parabola dominates from the start.
                v[0] = q;
                z[0] = f32::NEG_INFINITY;
                z[1] = f32::INFINITY;
            } else {
                k += 1;
                v[k] = q;
                z[k] = s;
                z[k + 1] = f32::INFINITY;
            }
            break;
        }
    }
    k = 0;
    for (q, out) in d.iter_mut().enumerate().take(n) {
        let qf = q as f32;
        while z[k + 1] < qf {
            k += 1;
        }
        let p = v[k] as f32;
        *out = (qf - p) * (qf - p) + f[v[k]];
    }
    f.copy_from_slice(&d[..n]);
}

/// Squared Euclidean distance from every pixel to the nearest pixel whose
/// alpha is at least [`SOLID`] (0 on the subject). Row-major, `w * h`.
pub fn distance_squared(img: &RgbaImage) -> Vec<f32> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    const FAR: f32 = 1e12;
    let mut grid: Vec<f32> = img
        .pixels()
        .map(|p| if p.0[3] >= SOLID { 0.0 } else { FAR })
        .collect();
    let n = w.max(h);
    let (mut v, mut z, mut d, mut col) = (vec![0usize; n], vec![0f32; n + 1], vec![0f32; n], vec![0f32; h]);
    for x in 0..w {
        for y in 0..h {
            col[y] = grid[y * w + x];
        }
        dt_1d(&mut col, &mut v, &mut z, &mut d);
        for y in 0..h {
            grid[y * w + x] = col[y];
        }
    }
    for row in grid.chunks_mut(w.max(1)) {
        dt_1d(row, &mut v, &mut z, &mut d);
    }
    grid
}

/// Put a solid `colour` outline of `width` pixels around the subject (and
/// fill its holes narrower than the outline), anti-aliased, under the
/// subject's own pixels. The frame size is kept: leave room with [`fit`].
pub fn outline(img: &RgbaImage, width: f32, colour: [u8; 4]) -> RgbaImage {
    if width <= 0.0 {
        return img.clone();
    }
    let dist = distance_squared(img);
    let mut out = RgbaImage::new(img.width(), img.height());
    for ((o, src), d2) in out.pixels_mut().zip(img.pixels()).zip(&dist) {
        let cover = (width + 0.5 - d2.sqrt()).clamp(0.0, 1.0);
        let a = cover * f32::from(colour[3]) / 255.0;
        // `src` over the outline colour (straight alpha).
        let sa = f32::from(src.0[3]) / 255.0;
        let oa = sa + a * (1.0 - sa);
        if oa <= 0.0 {
            continue;
        }
        let mut px = [0u8; 4];
        for i in 0..3 {
            let v = (f32::from(src.0[i]) * sa + f32::from(colour[i]) * a * (1.0 - sa)) / oa;
            px[i] = v.round().clamp(0.0, 255.0) as u8;
        }
        px[3] = (oa * 255.0).round() as u8;
        *o = Rgba(px);
    }
    out
}

/// Crop to the pixels whose alpha is at least [`SOLID`]/16 (faint fringe
/// included). `None` when the image has no subject at all.
pub fn trim(img: &RgbaImage) -> Option<RgbaImage> {
    let r = compose::subject_box(img, SOLID / 16)?;
    Some(compose::crop(img, r))
}

/// Scale `img` to fit inside `inner_w × inner_h` (keeping its aspect ratio,
/// never upscaling beyond 4×) and centre it in a transparent `w × h` canvas,
/// with its box's top-left at `(x0, y0)`.
pub fn fit(
    img: &RgbaImage,
    (w, h): (u32, u32),
    (x0, y0, inner_w, inner_h): (u32, u32, u32, u32),
) -> Result<RgbaImage> {
    let (iw, ih) = img.dimensions();
    let scale = (inner_w as f32 / iw as f32)
        .min(inner_h as f32 / ih as f32)
        .min(4.0);
    let (sw, sh) = (
        ((iw as f32 * scale).round() as u32).clamp(1, inner_w.max(1)),
        ((ih as f32 * scale).round() as u32).clamp(1, inner_h.max(1)),
    );
    let small = resize::resize_rgba(img, sw, sh, Filter::Lanczos3, true)?;
    let mut canvas = RgbaImage::new(w, h);
    let (ox, oy) = (
        x0 + (inner_w.saturating_sub(sw)) / 2,
        y0 + (inner_h.saturating_sub(sh)) / 2,
    );
    image::imageops::overlay(&mut canvas, &small, i64::from(ox), i64::from(oy));
    Ok(canvas)
}

/// A soft shadow under the sticker (offset down-right, 35 % black).
pub fn shadow(img: &RgbaImage) -> Result<RgbaImage> {
    Ok(compose::drop_shadow(
        img,
        &ShadowOptions {
            offset: (0.012, 0.018),
            softness: 0.015,
            opacity: 0.35,
            color: [0, 0, 0],
        },
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn brute(img: &RgbaImage) -> Vec<f32> {
        let (w, h) = img.dimensions();
        let solid: Vec<(f32, f32)> = img
            .enumerate_pixels()
            .filter(|(_, _, p)| p.0[3] >= SOLID)
            .map(|(x, y, _)| (x as f32, y as f32))
            .collect();
        (0..h)
            .flat_map(|y| (0..w).map(move |x| (x as f32, y as f32)))
            .map(|(x, y)| {
                solid
                    .iter()
                    .map(|(sx, sy)| (sx - x).powi(2) + (sy - y).powi(2))
                    .fold(1e12f32, f32::min)
            })
            .collect()
    }

    proptest! {
        #[test]
        fn distance_transform_is_exact(w in 1u32..24, h in 1u32..24, seeds in proptest::collection::vec((0u32..24, 0u32..24), 0..6)) {
            let mut img = RgbaImage::new(w, h);
            for (x, y) in seeds {
                if x < w && y < h {
                    img.put_pixel(x, y, Rgba([0, 0, 0, 255]));
                }
            }
            let fast = distance_squared(&img);
            let slow = brute(&img);
            for (a, b) in fast.iter().zip(&slow) {
                prop_assert!((a - b).abs() < 1e-3 || (*a > 1e11 && *b > 1e11), "{a} vs {b}");
            }
        }
    }

    #[test]
    fn outline_has_the_asked_width_and_keeps_the_subject() {
        let mut img = RgbaImage::new(64, 64);
        for y in 24..40 {
            for x in 24..40 {
                img.put_pixel(x, y, Rgba([200, 10, 10, 255]));
            }
        }
        let out = outline(&img, 8.0, [255, 255, 255, 255]);
        // The subject is untouched.
        assert_eq!(out.get_pixel(30, 30).0, [200, 10, 10, 255]);
        // 7 px to the left of the subject: white; 8 px: the anti-aliased
        // edge; 9 px: empty.
        assert_eq!(out.get_pixel(17, 30).0, [255, 255, 255, 255]);
        assert_eq!(out.get_pixel(16, 30).0[3], 128);
        assert_eq!(out.get_pixel(15, 30).0[3], 0);
        // The corner is rounded: (24-6, 24-6) is 8.5 px away diagonally.
        assert!(out.get_pixel(17, 17).0[3] < 255);
    }
}
