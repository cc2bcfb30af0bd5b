//! Salient-subject segmentation models: their input layouts, normalisation
//! and output decoding.

use xuancai_imaging::RgbaImage;
use xuancai_imaging::filter::Plane;
use xuancai_imaging::resize::{Filter, resize_rgba};

use crate::assets::ModelId;
use crate::engine::{Model, Tensor};
use crate::error::{Result, VisionError};

/// Steepness of the logistic that sharpens the portrait model's probability.
pub const PORTRAIT_SHARPNESS: f32 = 12.0;

/// A segmentation model and its contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segmentation {
    /// MediaPipe selfie segmentation: NHWC 1×256×256×3 in 0..1 →
    /// 1×256×256×1 person probability.
    Portrait,
    /// ISNet general-use: NCHW 1×3×1024×1024, `(v − 128) / 256` →
    /// `output` 1×1×1024×1024 subject probability.
    General,
}

impl Segmentation {
    pub fn model_id(self) -> ModelId {
        match self {
            Self::Portrait => ModelId::Portrait,
            Self::General => ModelId::General,
        }
    }

    pub fn input_side(self) -> u32 {
        match self {
            Self::Portrait => 256,
            Self::General => 1024,
        }
    }

    /// Build the model's input tensor from an image (any size; it is
    /// stretched to the square input, as the models were trained).
    pub fn input(self, img: &RgbaImage) -> Result<Tensor> {
        let side = self.input_side();
        let sq = resize_rgba(img, side, side, Filter::Bilinear, false)?;
        let n = (side * side) as usize;
        let raw = sq.as_raw();
        Ok(match self {
            Self::Portrait => {
                let mut data = Vec::with_capacity(n * 3);
                for px in raw.chunks_exact(4) {
                    data.extend(px[..3].iter().map(|&v| f32::from(v) / 255.0));
                }
                Tensor {
                    shape: vec![1, side as usize, side as usize, 3],
                    data,
                }
            }
            Self::General => {
                let mut data = vec![0.0f32; n * 3];
                for (i, px) in raw.chunks_exact(4).enumerate() {
                    for c in 0..3 {
                        data[c * n + i] = (f32::from(px[c]) - 128.0) / 256.0;
                    }
                }
                Tensor {
                    shape: vec![1, 3, side as usize, side as usize],
                    data,
                }
            }
        })
    }

    /// Decode the first output into a probability plane in 0..1.
    pub fn output(self, outputs: Vec<Tensor>) -> Result<Plane> {
        let side = self.input_side() as usize;
        let out = outputs.into_iter().next().ok_or(VisionError::BadModelOutput {
            model: self.model_id().as_str(),
            detail: "no output".into(),
        })?;
        if out.data.len() != side * side {
            return Err(VisionError::BadModelOutput {
                model: self.model_id().as_str(),
                detail: format!("shape {:?}", out.shape),
            });
        }
        let mut data = out.data;
        if self == Self::General {
            // ISNet's sigmoid output is not calibrated to reach 1; normalise
            // by its range, as the reference implementations do.
            let (lo, hi) = data
                .iter()
                .fold((f32::MAX, f32::MIN), |(l, h), &v| (l.min(v), h.max(v)));
            let span = (hi - lo).max(1e-6);
            for v in &mut data {
                *v = (*v - lo) / span;
            }
        } else {
            // The selfie model's probability is soft at the border (it was made
            // for video calls at 256 px); sharpen it around 0.5 so the guided
            // filter takes the edge from the photo instead of spreading a haze.
            for v in &mut data {
                *v = 1.0 / (1.0 + (-PORTRAIT_SHARPNESS * (v.clamp(0.0, 1.0) - 0.5)).exp());
            }
        }
        Ok(Plane {
            width: side,
            height: side,
            data,
        })
    }

    /// Run the whole model on an image.
    pub fn predict(self, model: &dyn Model, img: &RgbaImage) -> Result<Plane> {
        let input = self.input(img)?;
        self.output(model.run(&input)?)
    }

    /// As [`Segmentation::predict`], giving the run's memory back after it.
    pub fn predict_then_release(self, model: &dyn Model, img: &RgbaImage) -> Result<Plane> {
        let input = self.input(img)?;
        self.output(model.run_then_release(&input)?)
    }
}

/// The share of the frame the mask calls subject (probability over 0.5).
pub fn coverage(mask: &Plane) -> f32 {
    if mask.data.is_empty() {
        return 0.0;
    }
    mask.data.iter().filter(|&&v| v > 0.5).count() as f32 / mask.data.len() as f32
}
