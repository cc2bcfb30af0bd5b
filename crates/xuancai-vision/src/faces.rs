//! Face presence with BlazeFace full range (MediaPipe, Apache-2.0): the
//! image letterboxed to 192×192, values in −1..1, one score per anchor of a
//! 48×48 grid (sigmoid of the classifier output). The `auto` cutout rule uses
//! it; full detection with boxes and landmarks builds on it.

use xuancai_imaging::RgbaImage;
use xuancai_imaging::resize::{Filter, fit_within, resize_rgba};

use crate::engine::{Model, Tensor};
use crate::error::{Result, VisionError};

pub const FULL_RANGE_SIDE: u32 = 192;

/// The letterboxed input tensor (NHWC 1×192×192×3 in −1..1).
pub fn full_range_input(img: &RgbaImage) -> Result<Tensor> {
    let side = FULL_RANGE_SIDE;
    let (w, h) = fit_within(img.width(), img.height(), side);
    let (w, h) = if img.width().max(img.height()) < side {
        let s = f64::from(side) / f64::from(img.width().max(img.height()));
        (
            ((f64::from(img.width()) * s).round() as u32).clamp(1, side),
            ((f64::from(img.height()) * s).round() as u32).clamp(1, side),
        )
    } else {
        (w, h)
    };
    let small = resize_rgba(img, w, h, Filter::Bilinear, false)?;
    let (ox, oy) = ((side - w) / 2, (side - h) / 2);
    let n = side as usize;
    // Letterbox padding is black, i.e. −1.
    let mut data = vec![-1.0f32; n * n * 3];
    for (x, y, p) in small.enumerate_pixels() {
        let i = ((y + oy) as usize * n + (x + ox) as usize) * 3;
        for c in 0..3 {
            data[i + c] = f32::from(p.0[c]) / 127.5 - 1.0;
        }
    }
    Ok(Tensor {
        shape: vec![1, n, n, 3],
        data,
    })
}

/// The highest face score in the image (0..1).
pub fn max_face_score(model: &dyn Model, img: &RgbaImage) -> Result<f32> {
    let outputs = model.run(&full_range_input(img)?)?;
    let scores = outputs.get(1).ok_or(VisionError::BadModelOutput {
        model: "face_detection_full",
        detail: "no classifier output".into(),
    })?;
    Ok(scores
        .data
        .iter()
        .map(|&v| 1.0 / (1.0 + (-v.clamp(-100.0, 100.0)).exp()))
        .fold(0.0, f32::max))
}
