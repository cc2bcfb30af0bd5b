//! Mask refinement and foreground colour estimation.
//!
//! A segmentation model gives a coarse subject probability at its own
//! resolution. [`refine`] turns it into a full-resolution alpha matte that
//! follows the photo's own edges, and estimates the subject's true colour in
//! the semi-transparent fringe so hair and edges do not carry the old
//! background's colour (despill):
//!
//! 1. At a working resolution (longest side about 1024 px) a colour guided
//!    filter (He, Sun & Tang, 2013) fits, per pixel, a local linear model
//!    `alpha = a · I + b` of the mask against the photo's colours.
//! 2. The fitted coefficients are smooth, so they are upsampled bilinearly and
//!    applied to the full-resolution pixels (the "fast guided filter",
//!    He & Sun 2015): edges come from the full-resolution photo.
//! 3. Foreground and background colours are estimated by two passes of blur
//!    fusion (Forte & Pitié, 2021) at half the working resolution; the final
//!    correction `F = F̄ + α (I − α F̄ − (1 − α) B̄)` is applied at full
//!    resolution, and only to the fringe pixels (0 < α < 1).
//! 4. Where the model was unsure and the local foreground and background
//!    colours differ, alpha is also solved from the compositing equation
//!    `I = α F̄ + (1 − α) B̄` (the pixel projected onto the line from B̄ to F̄)
//!    and blended in: this recovers detail finer than the model's
//!    resolution, such as strands of hair. It acts only in a thin band
//!    around the model's edge (its 50 % contour, [`EDGE_BAND`] of the
//!    model's pixels either side): elsewhere an unsure model's alpha would follow the
//!    photo's texture (faces and clothes showing through, issue 21 item 2).
//! 5. Where the model calls a pixel foreground with confidence
//!    ([`CONFIDENT_FOREGROUND`]), alpha never drops below full.

use image::RgbaImage;
use rayon::prelude::*;

use crate::error::{ImagingError, Result};
use crate::filter::{Plane, Taps};

/// Tuning of [`refine`]. The defaults suit both shipped models.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatteOptions {
    /// Guided-filter radius at the working resolution; `None` picks
    /// `work_side / 128` (8 px at 1024).
    pub radius: Option<usize>,
    /// Guided-filter regularisation (colour values in 0..1).
    pub eps: f32,
    /// Estimate the foreground colour in the fringe (despill).
    pub despill: bool,
    /// Alpha below `lo` becomes 0 and above `hi` becomes 1; between, it is
    /// stretched linearly. Removes the guided filter's faint haze.
    pub lo: f32,
    pub hi: f32,
    /// Weight (0..1) of the colour-projection alpha where the model was unsure.
    pub projection: f32,
}

/// Squared RGB distance (colours in 0..1) between the local foreground and
/// background estimates at which the projection is fully trusted.
const PROJECTION_CONTRAST: f32 = 0.04;

/// Half-width of the band around the model's 50 % contour where the colour
/// projection may act, in the model's own pixels: how far its edge can be
/// off scales with its resolution (8 model pixels are 32 px at a 1024 px
/// working size for the 256² portrait model, 8 px for the 1024² general
/// model) — and never less than two guided-filter radii.
pub const EDGE_BAND: f32 = 8.0;

/// The model's probability above which a pixel is foreground for certain:
/// its alpha is full. Between 0.8 and this value the floor rises from 0.
pub const CONFIDENT_FOREGROUND: f32 = 0.9;

impl Default for MatteOptions {
    fn default() -> Self {
        Self {
            radius: None,
            eps: 1e-3,
            despill: true,
            lo: 0.04,
            hi: 0.96,
            projection: 1.0,
        }
    }
}

/// The photo's colour channels as planes in 0..1.
fn rgb_planes(img: &RgbaImage) -> [Plane; 3] {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let mut planes = [Plane::new(w, h), Plane::new(w, h), Plane::new(w, h)];
    let raw = img.as_raw();
    for c in 0..3 {
        planes[c]
            .data
            .par_iter_mut()
            .enumerate()
            .for_each(|(i, v)| *v = f32::from(raw[i * 4 + c]) / 255.0);
    }
    planes
}

/// Guided-filter coefficients `(a_r, a_g, a_b, b)` per working-resolution pixel.
fn guided_coefficients(i: &[Plane; 3], p: &Plane, r: usize, eps: f32) -> Vec<[f32; 4]> {
    let n = p.data.len();
    // The 13 local means the colour guided filter needs, computed in parallel.
    let products: Vec<Plane> = (0..13usize)
        .into_par_iter()
        .map(|k| {
            let src = match k {
                0..=2 => i[k].clone(),
                3 => p.clone(),
                4..=6 => i[k - 4].zip(p, |a, b| a * b),
                7 => i[0].zip(&i[0], |a, b| a * b),
                8 => i[0].zip(&i[1], |a, b| a * b),
                9 => i[0].zip(&i[2], |a, b| a * b),
                10 => i[1].zip(&i[1], |a, b| a * b),
                11 => i[1].zip(&i[2], |a, b| a * b),
                _ => i[2].zip(&i[2], |a, b| a * b),
            };
            src.box_mean(r)
        })
        .collect();
    let m = |k: usize, j: usize| products[k].data[j];
    let ab: Vec<[f32; 4]> = (0..n)
        .into_par_iter()
        .map(|j| {
            let (mr, mg, mb, mp) = (m(0, j), m(1, j), m(2, j), m(3, j));
            let cov = [m(4, j) - mr * mp, m(5, j) - mg * mp, m(6, j) - mb * mp];
            let rr = m(7, j) - mr * mr + eps;
            let rg = m(8, j) - mr * mg;
            let rb = m(9, j) - mr * mb;
            let gg = m(10, j) - mg * mg + eps;
            let gb = m(11, j) - mg * mb;
            let bb = m(12, j) - mb * mb + eps;
            // Inverse of the symmetric 3×3 covariance by cofactors.
            let c00 = gg * bb - gb * gb;
            let c01 = gb * rb - rg * bb;
            let c02 = rg * gb - gg * rb;
            let c11 = rr * bb - rb * rb;
            let c12 = rb * rg - rr * gb;
            let c22 = rr * gg - rg * rg;
            let det = rr * c00 + rg * c01 + rb * c02;
            let inv = if det.abs() > 1e-12 { 1.0 / det } else { 0.0 };
            let a0 = (c00 * cov[0] + c01 * cov[1] + c02 * cov[2]) * inv;
            let a1 = (c01 * cov[0] + c11 * cov[1] + c12 * cov[2]) * inv;
            let a2 = (c02 * cov[0] + c12 * cov[1] + c22 * cov[2]) * inv;
            [a0, a1, a2, mp - a0 * mr - a1 * mg - a2 * mb]
        })
        .collect();
    // Average the coefficients over the window (the filter's second step).
    let w = p.width;
    let h = p.height;
    let smoothed: Vec<Plane> = (0..4usize)
        .into_par_iter()
        .map(|c| {
            let plane = Plane {
                width: w,
                height: h,
                data: ab.iter().map(|v| v[c]).collect(),
            };
            plane.box_mean(r)
        })
        .collect();
    (0..n)
        .map(|j| {
            [
                smoothed[0].data[j],
                smoothed[1].data[j],
                smoothed[2].data[j],
                smoothed[3].data[j],
            ]
        })
        .collect()
}

/// 0..1 to 0..255, rounded (without `f32::round`, a libm call on baseline x86-64).
#[inline]
fn to_u8(v: f32) -> u8 {
    (v * 255.0 + 0.5) as u8
}

#[inline]
fn stretch(q: f32, lo: f32, hi: f32) -> f32 {
    ((q - lo) / (hi - lo)).clamp(0.0, 1.0)
}

/// One pass of blur fusion: returns (F̂, F̄, B̄) — the corrected foreground and
/// the blurred foreground and background estimates.
fn blur_fusion(
    img: &[Plane; 3],
    f: &[Plane; 3],
    b: &[Plane; 3],
    alpha: &Plane,
    r: usize,
) -> ([Plane; 3], [Plane; 3], [Plane; 3]) {
    let ba = alpha.box_mean(r);
    let per_channel: Vec<(Plane, Plane, Plane)> = (0..3usize)
        .into_par_iter()
        .map(|c| {
            let bfa = f[c].zip(alpha, |v, a| v * a).box_mean(r);
            let bf = bfa.zip(&ba, |v, a| v / (a + 1e-5));
            let bba = b[c].zip(alpha, |v, a| v * (1.0 - a)).box_mean(r);
            let bb = bba.zip(&ba, |v, a| v / (1.0 - a + 1e-5));
            let mut out = Plane::new(alpha.width, alpha.height);
            for (j, o) in out.data.iter_mut().enumerate() {
                let a = alpha.data[j];
                *o = (bf.data[j] + a * (img[c].data[j] - a * bf.data[j] - (1.0 - a) * bb.data[j]))
                    .clamp(0.0, 1.0);
            }
            (out, bf, bb)
        })
        .collect();
    let mut it = per_channel.into_iter();
    let mut take = || it.next().unwrap_or_else(|| unreachable!("three channels"));
    let (f0, bf0, bb0) = take();
    let (f1, bf1, bb1) = take();
    let (f2, bf2, bb2) = take();
    ([f0, f1, f2], [bf0, bf1, bf2], [bb0, bb1, bb2])
}

/// Refine a coarse mask into a full-resolution cutout.
///
/// * `image` — the full-resolution photo (its alpha is ignored);
/// * `work` — the same photo downscaled to the working resolution (the caller
///   usually has it already, from preparing the model input);
/// * `coarse` — the subject probability, at any resolution, values in 0..1.
///
/// Returns straight-alpha RGBA: alpha is the matte; colour is the estimated
/// foreground (with `despill`) or the photo's own colour; fully transparent
/// pixels are black.
pub fn refine(image: &RgbaImage, work: &RgbaImage, coarse: &Plane, opts: &MatteOptions) -> Result<RgbaImage> {
    let (ww, wh) = (work.width() as usize, work.height() as usize);
    if ww == 0 || wh == 0 || coarse.width == 0 || coarse.height == 0 {
        return Err(ImagingError::InvalidParameter("empty mask or image".into()));
    }
    if !(opts.lo < opts.hi && opts.eps > 0.0) {
        return Err(ImagingError::InvalidParameter("matte options".into()));
    }
    let side = ww.max(wh);
    let r = opts.radius.unwrap_or((side / 128).max(2));
    let guide = rgb_planes(work);
    let p = coarse.resize_bilinear(ww, wh);
    let coeffs = guided_coefficients(&guide, &p, r, opts.eps);
    // The band around the model's edge: pixels with both sides of its 50 %
    // contour within the band's half-width.
    let model_px = (ww as f32 / coarse.width as f32).max(wh as f32 / coarse.height as f32);
    let half_width = ((EDGE_BAND * model_px) as usize).max(2 * r);
    let near_edge = Plane {
        width: ww,
        height: wh,
        data: p.data.iter().map(|&v| if v >= 0.5 { 1.0 } else { 0.0 }).collect(),
    }
    .box_mean(half_width);

    // Foreground / background colour estimates at the working resolution,
    // and the weight of the colour-projection alpha (step 4 of the module doc).
    let alpha = Plane {
        width: ww,
        height: wh,
        data: coeffs
            .par_iter()
            .enumerate()
            .map(|(j, c)| {
                let q = c[0] * guide[0].data[j] + c[1] * guide[1].data[j] + c[2] * guide[2].data[j] + c[3];
                stretch(q, opts.lo, opts.hi)
            })
            .collect(),
    };
    // The colour estimates are smooth: compute them at half the working
    // resolution (a quarter of the work) and scale them back.
    let (hw, hh) = ((ww / 2).max(1), (wh / 2).max(1));
    let half = |pl: &Plane| pl.resize_bilinear(hw, hh);
    let guide_half = [half(&guide[0]), half(&guide[1]), half(&guide[2])];
    let alpha_half = half(&alpha);
    let hside = hw.max(hh);
    let r1 = (hside / 12).max(4);
    let r2 = (hside / 170).max(1);
    let (f1, _, b1) = blur_fusion(&guide_half, &guide_half, &guide_half, &alpha_half, r1);
    let (_, bf2, bb2) = blur_fusion(&guide_half, &f1, &b1, &alpha_half, r2);
    let up = |pl: &Plane| pl.resize_bilinear(ww, wh);
    let bf2 = [up(&bf2[0]), up(&bf2[1]), up(&bf2[2])];
    let bb2 = [up(&bb2[0]), up(&bb2[1]), up(&bb2[2])];
    // One table of everything the full-resolution pass interpolates:
    // guided coefficients (a_r, a_g, a_b, b), projection weight, F̄, B̄, p.
    let table: Vec<[f32; 12]> = (0..ww * wh)
        .into_par_iter()
        .map(|j| {
            let f = [bf2[0].data[j], bf2[1].data[j], bf2[2].data[j]];
            let b = [bb2[0].data[j], bb2[1].data[j], bb2[2].data[j]];
            // Where the model was unsure (p far from 0 and 1) and the local
            // foreground and background colours differ, trust the projection.
            let side_share = near_edge.data[j];
            let at_edge = side_share > 1e-4 && side_share < 1.0 - 1e-4;
            let band = if at_edge {
                ((1.0 - (2.0 * p.data[j] - 1.0).abs()) * 4.0).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let dist2: f32 = (0..3).map(|c| (f[c] - b[c]).powi(2)).sum();
            let confidence = (dist2 / PROJECTION_CONTRAST).clamp(0.0, 1.0);
            let c = coeffs[j];
            let weight = band * confidence * opts.projection;
            [
                c[0], c[1], c[2], c[3], weight, f[0], f[1], f[2], b[0], b[1], b[2], p.data[j],
            ]
        })
        .collect();
    drop((coeffs, near_edge));

    let (fw, fh) = (image.width() as usize, image.height() as usize);
    let xs = Taps::new(ww, fw);
    let ys = Taps::new(wh, fh);
    let mut out = RgbaImage::new(image.width(), image.height());
    let src = image.as_raw();
    let (lo, hi, despill) = (opts.lo, opts.hi, opts.despill);
    const ROWS: usize = 16;
    out.par_chunks_mut(fw * 4 * ROWS)
        .enumerate()
        .for_each(|(chunk, rows)| {
            let mut line = vec![[0.0f32; 12]; ww];
            for (dy, row) in rows.chunks_mut(fw * 4).enumerate() {
                let y = chunk * ROWS + dy;
                // Interpolate the table vertically once per output row …
                let (y0, y1, wy) = ys.at(y);
                let (t0, t1) = (&table[y0 * ww..(y0 + 1) * ww], &table[y1 * ww..(y1 + 1) * ww]);
                for ((l, a), b) in line.iter_mut().zip(t0).zip(t1) {
                    for k in 0..12 {
                        l[k] = a[k] + (b[k] - a[k]) * wy;
                    }
                }
                // … then horizontally per pixel, the colour estimates only
                // where they are needed (the uncertain band and the fringe).
                let srow = &src[y * fw * 4..(y + 1) * fw * 4];
                for (x, (o, px)) in row.chunks_exact_mut(4).zip(srow.chunks_exact(4)).enumerate() {
                    let (x0, x1, wx) = xs.at(x);
                    let (l0, l1) = (&line[x0], &line[x1]);
                    let lerp = |k: usize| l0[k] + (l1[k] - l0[k]) * wx;
                    let rgb = [
                        f32::from(px[0]) / 255.0,
                        f32::from(px[1]) / 255.0,
                        f32::from(px[2]) / 255.0,
                    ];
                    let mut q = lerp(0) * rgb[0] + lerp(1) * rgb[1] + lerp(2) * rgb[2] + lerp(3);
                    let weight = lerp(4);
                    let colours = || ([lerp(5), lerp(6), lerp(7)], [lerp(8), lerp(9), lerp(10)]);
                    let mut fbb = None;
                    if weight > 0.01 {
                        // Alpha from the compositing equation: project the pixel onto
                        // the line between the local background and foreground colours.
                        let (bf, bb) = colours();
                        let (mut num, mut den) = (0.0, 1e-4);
                        for c in 0..3 {
                            let d = bf[c] - bb[c];
                            num += (rgb[c] - bb[c]) * d;
                            den += d * d;
                        }
                        let projected = (num / den).clamp(0.0, 1.0);
                        q = weight * projected + (1.0 - weight) * q;
                        fbb = Some((bf, bb));
                    }
                    // Confident foreground keeps full alpha (step 5).
                    let floor = stretch(lerp(11), CONFIDENT_FOREGROUND - 0.1, CONFIDENT_FOREGROUND);
                    let a = stretch(q, lo, hi).max(floor);
                    if a <= 0.0 {
                        o.copy_from_slice(&[0, 0, 0, 0]);
                    } else if a >= 1.0 || !despill {
                        o[..3].copy_from_slice(&px[..3]);
                        o[3] = to_u8(a);
                    } else {
                        let (bf, bb) = fbb.unwrap_or_else(colours);
                        for c in 0..3 {
                            let f = (bf[c] + a * (rgb[c] - a * bf[c] - (1.0 - a) * bb[c])).clamp(0.0, 1.0);
                            o[c] = to_u8(f);
                        }
                        o[3] = to_u8(a);
                    }
                }
            }
        });
    Ok(out)
}
