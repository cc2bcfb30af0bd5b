//! The cutout pipeline (IMG-2): decode → working copy → subject mask →
//! edge-aware refinement with despill → background, shadow, crop → encode.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use xuancai_imaging::compose::{self, Background, Rect, ShadowOptions};
use xuancai_imaging::decode::{self, DecodeLimits};
use xuancai_imaging::encode::{self, OutputFormat};
use xuancai_imaging::matte::{self, MatteOptions};
use xuancai_imaging::resize::{Filter, fit_within, resize_rgba};
use xuancai_imaging::{GrayImage, RgbaImage};

use crate::assets::{AssetDir, ModelId};
use crate::engine::{Engine, Model};
use crate::error::{Result, VisionError};
use crate::faces;
use crate::segment::{Segmentation, coverage};

/// Which model finds the subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelChoice {
    /// The documented rule (docs/MODELS.md): `portrait` only for what it is
    /// made for — one person close to the camera — and `general` for
    /// everything else, groups and small faces included. A photo is a
    /// portrait when face detection (the same detector as `xuancai faces`,
    /// scores at least [`AUTO_FACE_SCORE`]) finds exactly one face, that face
    /// is at least [`AUTO_FACE_HEIGHT`] of the frame's height, and the
    /// portrait model calls at least [`AUTO_PERSON_COVERAGE`] of the frame a
    /// person. When `general` is not installed, `portrait` serves all.
    Auto,
    Portrait,
    General,
}

/// Which weights the `general` model runs (issue 21 item 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GeneralWeights {
    /// The static int8 graph: 2–3× faster on one thread, IoU ≥ 0.97
    /// against fp32 on every test photo (docs/BENCHMARKS.md).
    #[default]
    Int8,
    /// The fp32 graph the int8 one is measured against.
    Fp32,
}

impl GeneralWeights {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "int8" => Some(Self::Int8),
            "fp32" => Some(Self::Fp32),
            _ => None,
        }
    }

    /// The model file these weights are.
    pub fn model_id(self) -> ModelId {
        match self {
            Self::Int8 => ModelId::General,
            Self::Fp32 => ModelId::GeneralFp32,
        }
    }
}

/// `auto`: the share of the frame the portrait model must call a person.
pub const AUTO_PERSON_COVERAGE: f32 = 0.05;
/// `auto`: the face score that counts a face. Measured on the test photos:
/// faces score 0.66–0.94, a cat and a coffee cup at most 0.11.
pub const AUTO_FACE_SCORE: f32 = 0.6;
/// `auto`: the share of the frame's height the one face must have for a
/// portrait (a head-and-shoulders photo has 0.15 and more; the astronaut,
/// half-length, 0.19).
pub const AUTO_FACE_HEIGHT: f32 = 0.1;

impl ModelChoice {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "auto" => Some(Self::Auto),
            "portrait" => Some(Self::Portrait),
            "general" => Some(Self::General),
            _ => None,
        }
    }
}

/// Everything a cutout can do.
#[derive(Debug, Clone)]
pub struct CutoutOptions {
    pub model: ModelChoice,
    pub background: Background,
    /// Crop to the subject with this margin in pixels.
    pub crop_margin: Option<u32>,
    pub shadow: Option<ShadowOptions>,
    /// Return the 8-bit matte instead of the cutout.
    pub mask_only: bool,
    pub matte: MatteOptions,
    /// Longest side of the working copy used for the mask and refinement.
    pub work_side: u32,
}

impl Default for CutoutOptions {
    fn default() -> Self {
        Self {
            model: ModelChoice::Auto,
            background: Background::Transparent,
            crop_margin: None,
            shadow: None,
            mask_only: false,
            matte: MatteOptions::default(),
            work_side: 1024,
        }
    }
}

/// Milliseconds per stage.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Timings {
    pub decode_ms: f64,
    pub prepare_ms: f64,
    pub mask_ms: f64,
    pub refine_ms: f64,
    pub compose_ms: f64,
    pub encode_ms: f64,
}

/// The pixels a cutout produced.
#[derive(Debug, Clone)]
pub enum CutoutImage {
    Rgba(RgbaImage),
    Mask(GrayImage),
}

impl CutoutImage {
    pub fn dimensions(&self) -> (u32, u32) {
        match self {
            Self::Rgba(i) => i.dimensions(),
            Self::Mask(m) => m.dimensions(),
        }
    }
}

/// A finished cutout and how it was made.
#[derive(Debug, Clone)]
pub struct Cutout {
    pub image: CutoutImage,
    pub model: Segmentation,
    /// The subject's box in the output frame (before any crop: in the input frame).
    pub subject: Option<Rect>,
    pub timings: Timings,
}

/// Hand the memory the model's activations used back to the system before
/// the full-resolution stages allocate theirs. With glibc, freed large blocks
/// otherwise stay in the heap and the next stage's buffers come on top: for a
/// 24 MP photo with the general model this keeps the peak near 750 MiB
/// instead of 900–1000 (docs/BENCHMARKS.md).
fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free heap pages to the system.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Photos larger than this give the model's memory back after its run.
pub const RELEASE_ABOVE_PIXELS: u64 = 16_000_000;

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// A loaded, reusable, thread-safe cutout service. Models load on first use
/// and stay loaded; one `Studio` serves a whole batch or a whole server.
#[derive(Debug)]
pub struct Studio {
    assets: AssetDir,
    engine: Box<dyn Engine>,
    models: Mutex<HashMap<ModelId, Arc<dyn Model>>>,
    general: GeneralWeights,
}

impl Studio {
    pub fn new(assets: AssetDir, engine: Box<dyn Engine>) -> Self {
        Self {
            assets,
            engine,
            models: Mutex::new(HashMap::new()),
            general: GeneralWeights::default(),
        }
    }

    /// Run `general` with these weights (int8 unless told).
    pub fn with_general_weights(mut self, weights: GeneralWeights) -> Self {
        self.general = weights;
        self
    }

    /// ONNX Runtime from the asset cache, `threads` intra-op threads per model.
    #[cfg(feature = "onnxruntime")]
    pub fn with_onnxruntime(assets: AssetDir, threads: usize) -> Result<Self> {
        let lib = assets.onnxruntime_library()?;
        let engine = crate::engine::onnxruntime::OrtEngine::new(&lib, threads)?;
        Ok(Self::new(assets, Box::new(engine)))
    }

    pub fn assets(&self) -> &AssetDir {
        &self.assets
    }

    pub fn engine_name(&self) -> String {
        self.engine.name()
    }

    /// Whether a model's file is installed.
    pub fn available(&self, id: ModelId) -> bool {
        self.assets.model(id).is_ok()
    }

    /// The loaded model (loading it on first use).
    pub fn model(&self, id: ModelId) -> Result<Arc<dyn Model>> {
        let lock = || {
            self.models
                .lock()
                .map_err(|_| VisionError::Inference("model cache poisoned".into()))
        };
        if let Some(m) = lock()?.get(&id) {
            return Ok(Arc::clone(m));
        }
        let path = self.assets.model(id)?;
        let loaded: Arc<dyn Model> = Arc::from(self.engine.load(&path)?);
        // Parsing the model file leaves large freed buffers behind.
        release_free_memory();
        Ok(Arc::clone(lock()?.entry(id).or_insert(loaded)))
    }

    /// The subject probability for `work` (the working copy), by the chosen model.
    pub fn mask(
        &self,
        work: &RgbaImage,
        choice: ModelChoice,
    ) -> Result<(Segmentation, xuancai_imaging::filter::Plane)> {
        self.mask_of(work, choice, false)
    }

    /// `release`: give the general model's run memory back afterwards (a
    /// large photo's full-resolution stages come next).
    fn mask_of(
        &self,
        work: &RgbaImage,
        choice: ModelChoice,
        release: bool,
    ) -> Result<(Segmentation, xuancai_imaging::filter::Plane)> {
        match choice {
            ModelChoice::Portrait => {
                let m = self.model(ModelId::Portrait)?;
                Ok((Segmentation::Portrait, Segmentation::Portrait.predict(&*m, work)?))
            }
            ModelChoice::General => {
                let m = self.model(self.general.model_id())?;
                let mask = if release {
                    Segmentation::General.predict_then_release(&*m, work)?
                } else {
                    Segmentation::General.predict(&*m, work)?
                };
                Ok((Segmentation::General, mask))
            }
            ModelChoice::Auto => {
                if !self.available(self.general.model_id()) {
                    return self.mask_of(work, ModelChoice::Portrait, release);
                }
                if self.is_portrait(work)? {
                    let pm = self.model(ModelId::Portrait)?;
                    let p = Segmentation::Portrait.predict(&*pm, work)?;
                    if coverage(&p) >= AUTO_PERSON_COVERAGE {
                        return Ok((Segmentation::Portrait, p));
                    }
                }
                self.mask_of(work, ModelChoice::General, release)
            }
        }
    }

    /// The face half of the `auto` rule: exactly one face, large in the
    /// frame. Several people (issue 21 item 1: the portrait model made faces
    /// half transparent and lost people in group photos) or only small faces
    /// go to `general`.
    fn is_portrait(&self, work: &RgbaImage) -> Result<bool> {
        let short = self.model(ModelId::FaceDetectionShort)?;
        let full = self.model(ModelId::FaceDetectionFull)?;
        let found = faces::detect::detect(
            faces::detect::Detectors {
                short: &*short,
                full: &*full,
            },
            work,
            &faces::DetectOptions {
                min_score: AUTO_FACE_SCORE,
                ..faces::DetectOptions::default()
            },
        )?;
        Ok(match found.as_slice() {
            [one] => one.height >= AUTO_FACE_HEIGHT * work.height() as f32,
            _ => false,
        })
    }

    /// Cut out the subject of a decoded image.
    pub fn cutout(&self, image: &RgbaImage, opts: &CutoutOptions) -> Result<Cutout> {
        let mut t = Timings::default();
        let start = Instant::now();
        let (ww, wh) = fit_within(image.width(), image.height(), opts.work_side.max(64));
        let work = resize_rgba(image, ww, wh, Filter::Bilinear, false)?;
        t.prepare_ms = ms(start);

        let start = Instant::now();
        // Above 16 MP the model's memory goes back before the full-resolution
        // stages (the 24 MP peak stays under 1 GB); below, the arena is kept
        // for the next photo's speed (docs/BENCHMARKS.md).
        let large = u64::from(image.width()) * u64::from(image.height()) > RELEASE_ABOVE_PIXELS;
        let (model, coarse) = self.mask_of(&work, opts.model, large)?;
        release_free_memory();
        t.mask_ms = ms(start);

        let start = Instant::now();
        let cut = matte::refine(image, &work, &coarse, &opts.matte)?;
        t.refine_ms = ms(start);

        let start = Instant::now();
        let (out, subject) = finish(image, cut, opts)?;
        t.compose_ms = ms(start);
        Ok(Cutout {
            image: out,
            model,
            subject,
            timings: t,
        })
    }

    /// Decode, cut out and encode in one call.
    pub fn cutout_bytes(
        &self,
        bytes: &[u8],
        limits: &DecodeLimits,
        opts: &CutoutOptions,
        format: OutputFormat,
    ) -> Result<(Vec<u8>, Cutout)> {
        let start = Instant::now();
        let decoded = decode::decode(bytes, limits)?;
        let decode_ms = ms(start);
        let mut cut = self.cutout(&decoded.image, opts)?;
        drop(decoded);
        let start = Instant::now();
        let data = match &cut.image {
            CutoutImage::Rgba(i) => encode::encode_rgba(i, format)?,
            CutoutImage::Mask(m) => encode::encode_mask(m, format)?,
        };
        cut.timings.decode_ms = decode_ms;
        cut.timings.encode_ms = ms(start);
        Ok((data, cut))
    }
}

/// From a cut-out (the image with the subject's alpha) to the output the
/// options ask for: the mask alone, or shadow and background, then the crop
/// to the subject. Shared by the local models and external processors (IMG-5).
pub fn finish(
    image: &RgbaImage,
    cut: RgbaImage,
    opts: &CutoutOptions,
) -> Result<(CutoutImage, Option<Rect>)> {
    let subject = compose::subject_box(&cut, 128);
    let mut out = if opts.mask_only {
        CutoutImage::Mask(encode::alpha_mask(&cut))
    } else {
        let mut img = cut;
        if let Some(shadow) = &opts.shadow {
            img = compose::drop_shadow(&img, shadow)?;
        }
        CutoutImage::Rgba(compose::composite(img, image, &opts.background)?)
    };
    if let (Some(margin), Some(r)) = (opts.crop_margin, subject) {
        let (w, h) = out.dimensions();
        let r = compose::expand(r, margin, w, h);
        out = match out {
            CutoutImage::Rgba(i) => CutoutImage::Rgba(compose::crop(&i, r)),
            CutoutImage::Mask(m) => {
                CutoutImage::Mask(image::imageops::crop_imm(&m, r.x, r.y, r.width, r.height).to_image())
            }
        };
    }
    Ok((out, subject))
}
