//! Touch-up brushes on a cut-out (issue 22 item 4), as remove.bg's erase and
//! restore: strokes painted at preview size, in fractions of the image, and
//! drawn here at full resolution with a soft one-pixel edge.
//!
//! Erase takes the subject away (alpha to 0); restore brings the photo back
//! (its own colours, fully opaque). A stroke is a round brush dragged along
//! its points, so a single point is a dot.

use image::RgbaImage;

use crate::error::{ImagingError, Result};

/// What a stroke does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Erase,
    Restore,
}

/// One stroke, in fractions of the image: `points` as `[x / width, y /
/// height]`, `width` (the brush's diameter) as a fraction of the longer side.
#[derive(Debug, Clone, PartialEq)]
pub struct Stroke {
    pub mode: Mode,
    pub width: f32,
    pub points: Vec<[f32; 2]>,
}

/// Apply `strokes` in order to `cut` (a cut-out with alpha), taking restored
/// pixels from `original` (the photo, the same size).
pub fn apply(cut: &mut RgbaImage, original: &RgbaImage, strokes: &[Stroke]) -> Result<()> {
    if cut.dimensions() != original.dimensions() {
        return Err(ImagingError::InvalidParameter(format!(
            "touch-up: the cut-out is {:?} and the photo {:?}",
            cut.dimensions(),
            original.dimensions()
        )));
    }
    let (w, h) = cut.dimensions();
    let long = w.max(h) as f32;
    for s in strokes {
        let r = (s.width * long / 2.0).max(0.5);
        let pts: Vec<(f32, f32)> = s
            .points
            .iter()
            .map(|p| (p[0] * w as f32, p[1] * h as f32))
            .collect();
        let segments: Vec<((f32, f32), (f32, f32))> = match pts.as_slice() {
            [] => continue,
            [one] => vec![(*one, *one)],
            many => many.windows(2).map(|p| (p[0], p[1])).collect(),
        };
        for (a, b) in segments {
            paint_segment(cut, original, a, b, r, s.mode);
        }
    }
    Ok(())
}

/// The capsule around segment `a`–`b` of radius `r`, with a one-pixel ramp.
fn paint_segment(
    cut: &mut RgbaImage,
    original: &RgbaImage,
    a: (f32, f32),
    b: (f32, f32),
    r: f32,
    mode: Mode,
) {
    let (w, h) = cut.dimensions();
    let x0 = (a.0.min(b.0) - r - 1.0).floor().max(0.0) as u32;
    let y0 = (a.1.min(b.1) - r - 1.0).floor().max(0.0) as u32;
    let x1 = ((a.0.max(b.0) + r + 1.0).ceil().max(0.0) as u32).min(w);
    let y1 = ((a.1.max(b.1) + r + 1.0).ceil().max(0.0) as u32).min(h);
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    for y in y0..y1 {
        for x in x0..x1 {
            let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
            let t = if len2 > 0.0 {
                (((px - a.0) * dx + (py - a.1) * dy) / len2).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let (cx, cy) = (a.0 + t * dx, a.1 + t * dy);
            let d = ((px - cx).powi(2) + (py - cy).powi(2)).sqrt();
            let cover = (r + 0.5 - d).clamp(0.0, 1.0);
            if cover <= 0.0 {
                continue;
            }
            let p = cut.get_pixel_mut(x, y);
            match mode {
                Mode::Erase => {
                    p.0[3] = (f32::from(p.0[3]) * (1.0 - cover)).round() as u8;
                }
                Mode::Restore => {
                    let o = original.get_pixel(x, y).0;
                    let old_a = f32::from(p.0[3]) / 255.0;
                    let new_a = old_a + (1.0 - old_a) * cover;
                    // Where the cut-out was clear its colours mean nothing:
                    // the photo's colours come back with the cover.
                    let denom = old_a * (1.0 - cover) + cover;
                    for (ch, &oc) in p.0.iter_mut().zip(o.iter()).take(3) {
                        let mixed = f32::from(*ch) * old_a * (1.0 - cover) + f32::from(oc) * cover;
                        *ch = if denom > 0.0 {
                            (mixed / denom).round() as u8
                        } else {
                            oc
                        };
                    }
                    p.0[3] = (new_a * 255.0).round() as u8;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgba;

    fn images() -> (RgbaImage, RgbaImage) {
        // A cut-out opaque on the left half, clear on the right.
        let cut = RgbaImage::from_fn(100, 50, |x, _| {
            if x < 50 {
                Rgba([10, 20, 30, 255])
            } else {
                Rgba([0, 0, 0, 0])
            }
        });
        let original = RgbaImage::from_pixel(100, 50, Rgba([200, 100, 50, 255]));
        (cut, original)
    }

    #[test]
    fn img2_erase_clears_the_subject_under_the_stroke_only() {
        let (mut cut, original) = images();
        let s = Stroke {
            mode: Mode::Erase,
            width: 0.1,
            points: vec![[0.1, 0.5], [0.3, 0.5]],
        };
        apply(&mut cut, &original, &[s]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(cut.get_pixel(20, 25).0[3], 0, "under the stroke");
        assert_eq!(cut.get_pixel(20, 5).0[3], 255, "above it (radius 5 px)");
        assert_eq!(cut.get_pixel(45, 25).0[3], 255, "past its end");
    }

    #[test]
    fn img2_restore_brings_back_the_photo_opaque() {
        let (mut cut, original) = images();
        let s = Stroke {
            mode: Mode::Restore,
            width: 0.1,
            points: vec![[0.8, 0.5]],
        };
        apply(&mut cut, &original, &[s]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(cut.get_pixel(80, 25).0, [200, 100, 50, 255], "a dot at (80, 25)");
        assert_eq!(cut.get_pixel(95, 25).0[3], 0, "outside the dot");
        assert_eq!(
            cut.get_pixel(20, 25).0,
            [10, 20, 30, 255],
            "the subject untouched"
        );
    }

    #[test]
    fn img2_a_stroke_is_drawn_at_any_resolution_in_the_same_place() {
        for scale in [1u32, 4] {
            let mut cut = RgbaImage::from_pixel(100 * scale, 50 * scale, Rgba([1, 1, 1, 255]));
            let original = cut.clone();
            let s = Stroke {
                mode: Mode::Erase,
                width: 0.05,
                points: vec![[0.5, 0.5]],
            };
            apply(&mut cut, &original, &[s]).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(cut.get_pixel(50 * scale, 25 * scale).0[3], 0);
            assert_eq!(cut.get_pixel(50 * scale, 25 * scale + 4 * scale).0[3], 255);
        }
    }

    #[test]
    fn a_photo_of_another_size_is_refused() {
        let (mut cut, _) = images();
        let other = RgbaImage::new(10, 10);
        assert!(apply(&mut cut, &other, &[]).is_err());
    }
}
