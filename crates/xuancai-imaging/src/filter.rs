//! Float planes and the O(1)-per-pixel box mean that the matting code builds on.

use rayon::prelude::*;

/// A single-channel f32 image, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Plane {
    pub width: usize,
    pub height: usize,
    pub data: Vec<f32>,
}

impl Plane {
    pub fn new(width: usize, height: usize) -> Self {
        Self {
            width,
            height,
            data: vec![0.0; width * height],
        }
    }

    pub fn from_fn(width: usize, height: usize, f: impl Fn(usize, usize) -> f32) -> Self {
        let mut data = Vec::with_capacity(width * height);
        for y in 0..height {
            for x in 0..width {
                data.push(f(x, y));
            }
        }
        Self { width, height, data }
    }

    /// Elementwise combination of two planes of the same size.
    pub fn zip(&self, other: &Plane, f: impl Fn(f32, f32) -> f32 + Sync) -> Plane {
        debug_assert_eq!(self.data.len(), other.data.len());
        Plane {
            width: self.width,
            height: self.height,
            data: self
                .data
                .par_iter()
                .zip(other.data.par_iter())
                .map(|(&a, &b)| f(a, b))
                .collect(),
        }
    }

    /// Mean over the (2r+1)² window around each pixel, the window clipped at
    /// the borders (each output divides by the number of pixels it covered).
    pub fn box_mean(&self, r: usize) -> Plane {
        box_mean(&self.data, self.width, self.height, r)
    }

    /// Bilinear resampling (pixel centres aligned, edges clamped).
    pub fn resize_bilinear(&self, width: usize, height: usize) -> Plane {
        let xs = Taps::new(self.width, width);
        let ys = Taps::new(self.height, height);
        let mut out = vec![0.0f32; width * height];
        out.par_chunks_mut(width.max(1)).enumerate().for_each(|(y, row)| {
            let (y0, y1, wy) = ys.at(y);
            let r0 = &self.data[y0 * self.width..(y0 + 1) * self.width];
            let r1 = &self.data[y1 * self.width..(y1 + 1) * self.width];
            for (x, o) in row.iter_mut().enumerate() {
                let (x0, x1, wx) = xs.at(x);
                let top = r0[x0] + (r0[x1] - r0[x0]) * wx;
                let bot = r1[x0] + (r1[x1] - r1[x0]) * wx;
                *o = top + (bot - top) * wy;
            }
        });
        Plane {
            width,
            height,
            data: out,
        }
    }
}

/// Precomputed bilinear taps along one axis: for each destination index, the
/// two source indices and the weight of the second.
#[derive(Debug, Clone)]
pub struct Taps {
    taps: Vec<(u32, u32, f32)>,
}

impl Taps {
    pub fn new(src: usize, dst: usize) -> Self {
        let scale = src as f64 / dst.max(1) as f64;
        let last = src.saturating_sub(1);
        let taps = (0..dst)
            .map(|i| {
                let s = ((i as f64 + 0.5) * scale - 0.5).clamp(0.0, last as f64);
                let i0 = s.floor() as usize;
                let i1 = (i0 + 1).min(last);
                (i0 as u32, i1 as u32, (s - i0 as f64) as f32)
            })
            .collect();
        Self { taps }
    }

    #[inline]
    pub fn at(&self, i: usize) -> (usize, usize, f32) {
        let (a, b, w) = self.taps[i];
        (a as usize, b as usize, w)
    }
}

/// See [`Plane::box_mean`].
pub fn box_mean(src: &[f32], w: usize, h: usize, r: usize) -> Plane {
    if w == 0 || h == 0 {
        return Plane::new(w, h);
    }
    // Horizontal pass, rows in parallel.
    let mut tmp = vec![0.0f32; w * h];
    tmp.par_chunks_mut(w).enumerate().for_each(|(y, out)| {
        let row = &src[y * w..(y + 1) * w];
        let mut acc = 0.0f64;
        for &v in &row[..=r.min(w - 1)] {
            acc += f64::from(v);
        }
        for (x, o) in out.iter_mut().enumerate() {
            let lo = x.saturating_sub(r);
            let hi = (x + r).min(w - 1);
            *o = (acc / (hi - lo + 1) as f64) as f32;
            if x + r + 1 < w {
                acc += f64::from(row[x + r + 1]);
            }
            if x >= r {
                acc -= f64::from(row[x - r]);
            }
        }
    });
    // Vertical pass with a running column sum, in column strips so both cores work.
    let mut out = vec![0.0f32; w * h];
    let strips = rayon::current_num_threads().max(1);
    let strip_w = w.div_ceil(strips).max(64);
    let mut columns: Vec<(usize, Vec<f32>)> = (0..w).step_by(strip_w).map(|x0| (x0, Vec::new())).collect();
    columns.par_iter_mut().for_each(|(x0, buf)| {
        let x0 = *x0;
        let sw = strip_w.min(w - x0);
        buf.resize(sw * h, 0.0);
        let mut col = vec![0.0f64; sw];
        for yy in 0..=r.min(h - 1) {
            let row = &tmp[yy * w + x0..yy * w + x0 + sw];
            for (c, &v) in col.iter_mut().zip(row) {
                *c += f64::from(v);
            }
        }
        for y in 0..h {
            let lo = y.saturating_sub(r);
            let hi = (y + r).min(h - 1);
            let inv = 1.0 / (hi - lo + 1) as f64;
            for (o, &c) in buf[y * sw..(y + 1) * sw].iter_mut().zip(&col) {
                *o = (c * inv) as f32;
            }
            if y + r + 1 < h {
                let add = &tmp[(y + r + 1) * w + x0..(y + r + 1) * w + x0 + sw];
                for (c, &v) in col.iter_mut().zip(add) {
                    *c += f64::from(v);
                }
            }
            if y >= r {
                let sub = &tmp[(y - r) * w + x0..(y - r) * w + x0 + sw];
                for (c, &v) in col.iter_mut().zip(sub) {
                    *c -= f64::from(v);
                }
            }
        }
    });
    for (x0, buf) in &columns {
        let sw = buf.len() / h;
        for y in 0..h {
            out[y * w + x0..y * w + x0 + sw].copy_from_slice(&buf[y * sw..(y + 1) * sw]);
        }
    }
    Plane {
        width: w,
        height: h,
        data: out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(p: &Plane, r: usize) -> Plane {
        Plane::from_fn(p.width, p.height, |x, y| {
            let (mut s, mut n) = (0.0f64, 0.0f64);
            for yy in y.saturating_sub(r)..=(y + r).min(p.height - 1) {
                for xx in x.saturating_sub(r)..=(x + r).min(p.width - 1) {
                    s += f64::from(p.data[yy * p.width + xx]);
                    n += 1.0;
                }
            }
            (s / n) as f32
        })
    }

    #[test]
    fn box_mean_matches_naive_sum() {
        for &(w, h, r) in &[(1, 1, 3), (7, 5, 1), (130, 70, 4), (9, 200, 12)] {
            let p = Plane::from_fn(w, h, |x, y| ((x * 31 + y * 17) % 13) as f32 / 13.0);
            let a = p.box_mean(r);
            let b = naive(&p, r);
            for (u, v) in a.data.iter().zip(&b.data) {
                assert!((u - v).abs() < 1e-5, "{w}x{h} r{r}: {u} vs {v}");
            }
        }
    }

    #[test]
    fn bilinear_keeps_constants_and_corners() {
        let p = Plane::from_fn(4, 3, |_, _| 0.25);
        let q = p.resize_bilinear(17, 11);
        assert!(q.data.iter().all(|&v| (v - 0.25).abs() < 1e-6));
        let g = Plane::from_fn(2, 1, |x, _| x as f32);
        let u = g.resize_bilinear(4, 1);
        assert_eq!(u.data, vec![0.0, 0.25, 0.75, 1.0]);
    }
}
