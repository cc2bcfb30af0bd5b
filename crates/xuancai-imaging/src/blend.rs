//! Seamless blending of a patch into an image: region masks, feathering,
//! colour transfer and multi-band (Laplacian pyramid) blending — the last
//! steps of the face swap (IMG-3).
//!
//! The invariant the swap's tests check: a pixel whose feathered mask is 0
//! is left exactly as it was.

use crate::RgbaImage;
use crate::warp::{Patch, Region};

/// A float mask over a region, 0..1.
#[derive(Debug, Clone, PartialEq)]
pub struct Mask {
    pub region: Region,
    pub data: Vec<f32>,
}

/// 1 inside the polygon (pixel centres, even-odd rule), 0 outside.
pub fn polygon(region: Region, poly: &[[f32; 2]]) -> Mask {
    let (w, h) = (region.width as usize, region.height as usize);
    let mut data = vec![0.0f32; w * h];
    let n = poly.len();
    if n >= 3 {
        let mut xs = Vec::with_capacity(n);
        for py in 0..h {
            let y = py as f32 + region.y as f32 + 0.5;
            xs.clear();
            for i in 0..n {
                let (a, b) = (poly[i], poly[(i + 1) % n]);
                if (a[1] <= y) != (b[1] <= y) {
                    xs.push(a[0] + (y - a[1]) / (b[1] - a[1]) * (b[0] - a[0]));
                }
            }
            xs.sort_by(f32::total_cmp);
            for pair in xs.chunks_exact(2) {
                let from = (pair[0] - region.x as f32 - 0.5).ceil().max(0.0) as usize;
                let to = (pair[1] - region.x as f32 - 0.5).floor().min(w as f32 - 1.0);
                if to < 0.0 {
                    continue;
                }
                for px in from..=(to as usize) {
                    data[py * w + px] = 1.0;
                }
            }
        }
    }
    Mask { region, data }
}

/// Three box blurs of radius `r` (close to a Gaussian), edges clamped.
fn blur(data: &[f32], w: usize, h: usize, r: usize) -> Vec<f32> {
    let mut a = data.to_vec();
    if r == 0 || w == 0 || h == 0 {
        return a;
    }
    let mut b = vec![0.0f32; a.len()];
    let pass =
        |src: &[f32], dst: &mut [f32], len: usize, count: usize, idx: &dyn Fn(usize, usize) -> usize| {
            let norm = 1.0 / (2 * r + 1) as f32;
            for line in 0..count {
                let at = |i: i64| src[idx(line, i.clamp(0, len as i64 - 1) as usize)];
                let mut acc: f32 = (-(r as i64)..=r as i64).map(at).sum();
                for i in 0..len {
                    dst[idx(line, i)] = acc * norm;
                    acc += at(i as i64 + r as i64 + 1) - at(i as i64 - r as i64);
                }
            }
        };
    for _ in 0..3 {
        pass(&a, &mut b, w, h, &|line, i| line * w + i);
        pass(&b, &mut a, h, w, &|line, i| i * w + line);
    }
    a
}

/// Feather a hard mask inward by about `radius` pixels: 0 on and outside
/// the original edge, rising smoothly to 1 inside. Pixels invalid in
/// `valid` (when given) are forced to 0 before feathering.
pub fn feather(mask: &Mask, radius: f32, valid: Option<&[bool]>) -> Mask {
    let (w, h) = (mask.region.width as usize, mask.region.height as usize);
    let mut hard = mask.data.clone();
    if let Some(v) = valid {
        for (m, &ok) in hard.iter_mut().zip(v) {
            if !ok {
                *m = 0.0;
            }
        }
    }
    let r = (radius / 2.0).round().max(1.0) as usize;
    let soft = blur(&hard, w, h, r);
    let data = soft
        .iter()
        .zip(&hard)
        .map(|(&s, &m)| {
            if m < 0.5 {
                0.0
            } else {
                let t = ((s - 0.5) * 2.0).clamp(0.0, 1.0);
                t * t * (3.0 - 2.0 * t)
            }
        })
        .collect();
    Mask {
        region: mask.region,
        data,
    }
}

/// Match the mean and spread of `patch`'s colours to `target`'s over the
/// pixels where `weight` > 0.5 (Reinhard's transfer, per channel, the
/// spread ratio kept within 0.6–1.6 so a dark source cannot be blown out).
pub fn match_colours(patch: &mut Patch, target: &Patch, weight: &Mask) {
    let mut s = [[0.0f64; 2]; 3];
    let mut t = [[0.0f64; 2]; 3];
    let mut n = 0.0f64;
    for i in 0..patch.rgb.len() {
        if weight.data[i] > 0.5 && patch.valid[i] {
            n += 1.0;
            for c in 0..3 {
                let (a, b) = (f64::from(patch.rgb[i][c]), f64::from(target.rgb[i][c]));
                s[c][0] += a;
                s[c][1] += a * a;
                t[c][0] += b;
                t[c][1] += b * b;
            }
        }
    }
    if n < 16.0 {
        return;
    }
    let stats = |v: [f64; 2]| {
        let mean = v[0] / n;
        (mean, (v[1] / n - mean * mean).max(1e-6).sqrt())
    };
    for c in 0..3 {
        let ((ms, ss), (mt, st)) = (stats(s[c]), stats(t[c]));
        let k = (st / ss).clamp(0.6, 1.6);
        for (p, &ok) in patch.rgb.iter_mut().zip(&patch.valid) {
            if ok {
                p[c] = ((f64::from(p[c]) - ms) * k + mt) as f32;
            }
        }
    }
}

/// One plane per channel, for the pyramid.
type Planes = [Vec<f32>; 3];

fn down(p: &[f32], w: usize, h: usize) -> (Vec<f32>, usize, usize) {
    let (nw, nh) = (w.div_ceil(2), h.div_ceil(2));
    let k = [1.0, 4.0, 6.0, 4.0, 1.0];
    let at = |x: i64, y: i64| p[(y.clamp(0, h as i64 - 1) as usize) * w + x.clamp(0, w as i64 - 1) as usize];
    let mut out = vec![0.0; nw * nh];
    for y in 0..nh {
        for x in 0..nw {
            let mut acc = 0.0;
            for (j, kj) in k.iter().enumerate() {
                for (i, ki) in k.iter().enumerate() {
                    acc += kj * ki * at(2 * x as i64 + i as i64 - 2, 2 * y as i64 + j as i64 - 2);
                }
            }
            out[y * nw + x] = acc / 256.0;
        }
    }
    (out, nw, nh)
}

fn up(p: &[f32], w: usize, h: usize, tw: usize, th: usize) -> Vec<f32> {
    let mut out = vec![0.0; tw * th];
    for y in 0..th {
        let fy = ((y as f32 + 0.5) / 2.0 - 0.5).clamp(0.0, (h - 1) as f32);
        let (y0, ty) = (fy.floor() as usize, fy.fract());
        let y1 = (y0 + 1).min(h - 1);
        for x in 0..tw {
            let fx = ((x as f32 + 0.5) / 2.0 - 0.5).clamp(0.0, (w - 1) as f32);
            let (x0, tx) = (fx.floor() as usize, fx.fract());
            let x1 = (x0 + 1).min(w - 1);
            let top = p[y0 * w + x0] * (1.0 - tx) + p[y0 * w + x1] * tx;
            let bottom = p[y1 * w + x0] * (1.0 - tx) + p[y1 * w + x1] * tx;
            out[y * tw + x] = top * (1.0 - ty) + bottom * ty;
        }
    }
    out
}

fn planes(p: &Patch) -> Planes {
    let mut out: Planes = [Vec::new(), Vec::new(), Vec::new()];
    for (c, plane) in out.iter_mut().enumerate() {
        *plane = p.rgb.iter().map(|v| v[c]).collect();
    }
    out
}

/// Multi-band blend of two equally sized planes with the mask's Gaussian
/// pyramid as weights: low frequencies mix over a wide band, fine detail
/// over a narrow one, so no seam shows.
fn multiband(a: &[f32], b: &[f32], m: &[f32], w: usize, h: usize, levels: usize) -> Vec<f32> {
    if levels == 0 || w < 4 || h < 4 {
        return a
            .iter()
            .zip(b)
            .zip(m)
            .map(|((&a, &b), &m)| a * m + b * (1.0 - m))
            .collect();
    }
    let (a2, nw, nh) = down(a, w, h);
    let (b2, _, _) = down(b, w, h);
    let (m2, _, _) = down(m, w, h);
    let coarse = multiband(&a2, &b2, &m2, nw, nh, levels - 1);
    let (ua, ub, uc) = (
        up(&a2, nw, nh, w, h),
        up(&b2, nw, nh, w, h),
        up(&coarse, nw, nh, w, h),
    );
    (0..w * h)
        .map(|i| {
            let (la, lb) = (a[i] - ua[i], b[i] - ub[i]);
            uc[i] + la * m[i] + lb * (1.0 - m[i])
        })
        .collect()
}

/// Blend `patch` into `img` inside `mask` (same region): multi-band
/// blending, then limited to the mask's support so that every pixel with
/// mask 0 keeps its exact value.
pub fn blend_into(img: &mut RgbaImage, patch: &Patch, mask: &Mask) {
    let r = patch.region;
    let (w, h) = (r.width as usize, r.height as usize);
    if w == 0 || h == 0 {
        return;
    }
    let target = Patch::from_image(img, r);
    let (pa, pb) = (planes(patch), planes(&target));
    let levels = ((w.min(h) as f32).log2() as usize).saturating_sub(3).min(5);
    let mixed: Vec<Vec<f32>> = (0..3)
        .map(|c| multiband(&pa[c], &pb[c], &mask.data, w, h, levels))
        .collect();
    for y in 0..h {
        for x in 0..w {
            let i = y * w + x;
            let m = mask.data[i];
            if m <= 0.0 {
                continue;
            }
            // The blend's coarse bands reach past the mask; fade them out
            // over the mask's outer rim so the edge stays exact and smooth.
            let s = (m * 4.0).min(1.0);
            let px = img.get_pixel_mut(r.x + x as u32, r.y + y as u32);
            for ((out, plane), t) in px.0.iter_mut().zip(&mixed).zip(target.rgb[i]) {
                *out = (t + s * (plane[i] - t)).round().clamp(0.0, 255.0) as u8;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(w: u32, h: u32) -> Region {
        Region {
            x: 0,
            y: 0,
            width: w,
            height: h,
        }
    }

    #[test]
    fn a_polygon_fills_its_inside_only() {
        let m = polygon(region(10, 10), &[[2.0, 2.0], [8.0, 2.0], [8.0, 8.0], [2.0, 8.0]]);
        assert_eq!(m.data[5 * 10 + 5], 1.0);
        assert_eq!(m.data[0], 0.0);
        assert_eq!(m.data.iter().filter(|&&v| v > 0.0).count(), 36);
    }

    #[test]
    fn feathering_stays_inside_and_reaches_one() {
        let m = polygon(
            region(60, 60),
            &[[5.0, 5.0], [55.0, 5.0], [55.0, 55.0], [5.0, 55.0]],
        );
        let f = feather(&m, 8.0, None);
        assert!(f.data.iter().zip(&m.data).all(|(&f, &m)| m > 0.0 || f == 0.0));
        assert_eq!(f.data[30 * 60 + 30], 1.0);
        assert!(f.data[30 * 60 + 6] < 0.5);
    }

    #[test]
    fn blending_leaves_pixels_outside_the_mask_exactly() {
        let mut img = RgbaImage::from_fn(64, 64, |x, y| {
            image::Rgba([(x * 3) as u8, (y * 3) as u8, 90, 255])
        });
        let before = img.clone();
        let r = region(64, 64);
        let patch = Patch {
            region: r,
            rgb: vec![[250.0, 10.0, 10.0]; 64 * 64],
            valid: vec![true; 64 * 64],
        };
        let hard = polygon(r, &[[16.0, 16.0], [48.0, 16.0], [48.0, 48.0], [16.0, 48.0]]);
        let mask = feather(&hard, 6.0, None);
        blend_into(&mut img, &patch, &mask);
        for (i, (a, b)) in img.pixels().zip(before.pixels()).enumerate() {
            if mask.data[i] == 0.0 {
                assert_eq!(a, b);
            }
        }
        assert!(img.get_pixel(32, 32).0[0] > 200);
    }

    #[test]
    fn colour_transfer_moves_the_mean() {
        let r = region(8, 8);
        let mut p = Patch {
            region: r,
            rgb: (0..64).map(|i| [100.0 + (i % 8) as f32, 50.0, 50.0]).collect(),
            valid: vec![true; 64],
        };
        let t = Patch {
            region: r,
            rgb: (0..64).map(|i| [200.0 + (i % 8) as f32, 60.0, 40.0]).collect(),
            valid: vec![true; 64],
        };
        let m = Mask {
            region: r,
            data: vec![1.0; 64],
        };
        match_colours(&mut p, &t, &m);
        let mean: f32 = p.rgb.iter().map(|v| v[0]).sum::<f32>() / 64.0;
        assert!((mean - 203.5).abs() < 0.5, "{mean}");
    }
}
