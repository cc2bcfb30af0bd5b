//! IMG-2: refinement and despill on a synthetic composite with known alpha.
//! A foreground with a soft edge and thin semi-transparent strands ("hair")
//! is composited over a textured background; the refiner gets only a coarse,
//! blurred, low-resolution mask (what a model gives) and must recover the
//! alpha, and with despill the foreground colour in the fringe.

use image::{Rgba, RgbaImage};
use xuancai_imaging::filter::Plane;
use xuancai_imaging::matte::{MatteOptions, refine};

const W: usize = 480;
const H: usize = 360;

struct Scene {
    image: RgbaImage,
    alpha: Vec<f32>,
    fg: Vec<[f32; 3]>,
}

fn scene() -> Scene {
    let (cx, cy, r) = (240.0f32, 190.0f32, 120.0f32);
    let mut alpha = vec![0.0f32; W * H];
    let mut fg = vec![[0.0f32; 3]; W * H];
    let mut image = RgbaImage::new(W as u32, H as u32);
    for y in 0..H {
        for x in 0..W {
            let (fx, fy) = (x as f32, y as f32);
            let d = ((fx - cx).powi(2) + (fy - cy).powi(2)).sqrt();
            // A disc with a 10 px soft edge …
            let mut a = ((r - d) / 10.0 + 0.5).clamp(0.0, 1.0);
            // … and thin strands above it, half transparent.
            if fy < cy - r + 12.0
                && fy > cy - r - 50.0
                && ((fx - cx) as i32).rem_euclid(24) < 3
                && (fx - cx).abs() < 80.0
            {
                a = a.max(0.5);
            }
            let f = [0.95, 0.55 + 0.2 * (fy / H as f32), 0.2];
            // Background: saturated green/blue stripes with texture.
            let t = ((fx * 0.21).sin() * (fy * 0.13).cos() + 1.0) / 2.0;
            let b = [0.05, 0.45 + 0.4 * t, 0.9 - 0.5 * t];
            let i = y * W + x;
            alpha[i] = a;
            fg[i] = f;
            let px = [0, 1, 2].map(|c| ((a * f[c] + (1.0 - a) * b[c]) * 255.0).round() as u8);
            image.put_pixel(x as u32, y as u32, Rgba([px[0], px[1], px[2], 255]));
        }
    }
    Scene { image, alpha, fg }
}

/// What a model would give: the true alpha at 1/6 resolution, blurred.
fn coarse_mask(alpha: &[f32]) -> Plane {
    let p = Plane {
        width: W,
        height: H,
        data: alpha.to_vec(),
    };
    p.resize_bilinear(W / 6, H / 6).box_mean(2)
}

struct Errors {
    alpha_mae: f64,
    fringe_colour: f64,
}

fn measure(despill: bool) -> Errors {
    let s = scene();
    let opts = MatteOptions {
        despill,
        ..MatteOptions::default()
    };
    let out = refine(&s.image, &s.image, &coarse_mask(&s.alpha), &opts).unwrap_or_else(|e| panic!("{e}"));
    let mut alpha_err = 0.0f64;
    let (mut fringe_err, mut fringe_n) = (0.0f64, 0usize);
    for (i, p) in out.pixels().enumerate() {
        let a = f64::from(p.0[3]) / 255.0;
        alpha_err += (a - f64::from(s.alpha[i])).abs();
        if s.alpha[i] > 0.15 && s.alpha[i] < 0.85 && a > 0.05 {
            for c in 0..3 {
                fringe_err += (f64::from(p.0[c]) / 255.0 - f64::from(s.fg[i][c])).abs();
            }
            fringe_n += 3;
        }
    }
    Errors {
        alpha_mae: alpha_err / (W * H) as f64,
        fringe_colour: fringe_err / fringe_n.max(1) as f64,
    }
}

#[test]
fn img2_alpha_is_recovered_from_a_coarse_mask() {
    let e = measure(true);
    eprintln!("alpha MAE {:.4}", e.alpha_mae);
    assert!(e.alpha_mae < 0.01, "alpha mean absolute error {:.4}", e.alpha_mae);
}

#[test]
fn img2_despill_removes_the_old_background_colour_from_the_fringe() {
    let with = measure(true);
    let without = measure(false);
    eprintln!(
        "fringe colour error: despill {:.4}, none {:.4}",
        with.fringe_colour, without.fringe_colour
    );
    assert!(
        with.fringe_colour < 0.08,
        "fringe colour error with despill {:.4}",
        with.fringe_colour
    );
    assert!(
        with.fringe_colour < 0.5 * without.fringe_colour,
        "despill {:.4} vs none {:.4}",
        with.fringe_colour,
        without.fringe_colour
    );
}

#[test]
fn refine_rejects_empty_inputs_with_a_typed_error() {
    let s = scene();
    let empty = Plane::new(0, 0);
    let err = refine(&s.image, &s.image, &empty, &MatteOptions::default()).expect_err("empty mask");
    assert_eq!(err.code(), "invalid_parameter");
}

#[test]
fn img2_refinement_beats_a_plain_bilinear_upscale() {
    let s = scene();
    let coarse = coarse_mask(&s.alpha);
    let up = coarse.resize_bilinear(W, H);
    let bilinear: f64 = up
        .data
        .iter()
        .zip(&s.alpha)
        .map(|(a, b)| f64::from((a - b).abs()))
        .sum::<f64>()
        / (W * H) as f64;
    let refined = measure(true).alpha_mae;
    eprintln!("alpha MAE: bilinear {bilinear:.4}, refined {refined:.4}");
    assert!(
        refined < 0.3 * bilinear,
        "refined {refined:.4} vs bilinear {bilinear:.4}"
    );
}

/// A textured, high-contrast foreground (a red and black checkerboard) over
/// a plain grey background, and the model's mask: `inside` over the
/// rectangle, soft at its edge, as a model gives it at a quarter of the
/// resolution. Returns the refined alpha and whether a pixel is at least
/// `margin` pixels inside the rectangle.
fn textured_cutout(inside: f32, margin: usize) -> (Vec<u8>, impl Fn(usize, usize) -> bool) {
    let (x0, x1, y0, y1) = (120usize, 360usize, 90usize, 270usize);
    let in_rect = move |x: usize, y: usize| (x0..x1).contains(&x) && (y0..y1).contains(&y);
    let image = RgbaImage::from_fn(W as u32, H as u32, |x, y| {
        let (x, y) = (x as usize, y as usize);
        if !in_rect(x, y) {
            Rgba([216, 216, 216, 255])
        } else if (x / 6 + y / 6) % 2 == 0 {
            Rgba([230, 25, 25, 255])
        } else {
            Rgba([12, 12, 12, 255])
        }
    });
    let full = Plane {
        width: W,
        height: H,
        data: (0..W * H)
            .map(|i| if in_rect(i % W, i / W) { inside } else { 0.0 })
            .collect(),
    };
    let coarse = full.resize_bilinear(W / 4, H / 4).box_mean(2);
    let out = refine(&image, &image, &coarse, &MatteOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let alpha = out.pixels().map(|p| p.0[3]).collect();
    let deep = move |x: usize, y: usize| {
        (x0 + margin..x1 - margin).contains(&x) && (y0 + margin..y1 - margin).contains(&y)
    };
    (alpha, deep)
}

/// Issue 21 item 2: where the model calls the subject foreground with
/// confidence, alpha is full — the photo's texture does not show through.
#[test]
fn img2_confident_foreground_keeps_full_alpha_over_any_texture() {
    let (alpha, deep) = textured_cutout(0.97, 48);
    let lowest = (0..W * H).filter(|&i| deep(i % W, i / W)).map(|i| alpha[i]).min();
    assert_eq!(lowest, Some(255), "alpha dropped inside the confident foreground");
}

/// Issue 21 item 2: where the model is unsure but its mask is flat (no edge
/// near), the colour projection must not turn the photo's texture into
/// alpha: alpha is as even as the model's answer.
#[test]
fn img2_an_unsure_model_does_not_write_texture_into_alpha() {
    let (alpha, deep) = textured_cutout(0.7, 48);
    let inner: Vec<u8> = (0..W * H)
        .filter(|&i| deep(i % W, i / W))
        .map(|i| alpha[i])
        .collect();
    let (lo, hi) = (
        inner.iter().copied().min().unwrap_or(0),
        inner.iter().copied().max().unwrap_or(0),
    );
    assert!(
        hi - lo <= 3,
        "alpha follows the texture inside the subject: {lo}..{hi}"
    );
}
