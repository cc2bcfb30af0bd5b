//! The vision layer's one error type.

use xuancai_imaging::ImagingError;

/// Errors from model assets, the inference runtime and the cutout pipeline.
#[derive(Debug, thiserror::Error)]
pub enum VisionError {
    /// A model file is not in the asset cache (not fetched, or skipped by choice).
    #[error("model `{model}` is not available: {reason}")]
    ModelUnavailable { model: &'static str, reason: String },
    /// The inference runtime could not be loaded.
    #[error("the inference runtime is not available: {0}")]
    RuntimeUnavailable(String),
    /// The runtime failed while loading or running a model.
    #[error("inference failed: {0}")]
    Inference(String),
    /// A model returned something of an unexpected shape.
    #[error("model `{model}` returned an unexpected output: {detail}")]
    BadModelOutput { model: &'static str, detail: String },
    /// The face an edit names is not in the photo.
    #[error("{wanted} was not found (the photo has {found} face(s))")]
    FaceNotFound { wanted: String, found: usize },
    /// The content-safety check refused an image (issue 21 item 7).
    #[error("the {what} was refused by the content-safety check (score {score:.3}, threshold {threshold})")]
    ContentRefused {
        what: &'static str,
        score: f32,
        threshold: f32,
    },
    /// Pixel-level failure (bad input image, bad parameter, encoding).
    #[error(transparent)]
    Imaging(#[from] ImagingError),
}

impl VisionError {
    /// A stable, machine-readable code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::ModelUnavailable { .. } => "model_unavailable",
            Self::RuntimeUnavailable(_) => "runtime_unavailable",
            Self::Inference(_) => "inference_failed",
            Self::BadModelOutput { .. } => "model_output_invalid",
            Self::FaceNotFound { .. } => "face_not_found",
            Self::ContentRefused { .. } => "content_refused",
            Self::Imaging(e) => e.code(),
        }
    }
}

pub type Result<T, E = VisionError> = std::result::Result<T, E>;
