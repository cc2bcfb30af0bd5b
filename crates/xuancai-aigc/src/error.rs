//! The labelling layer's one error type.

use xuancai_imaging::ImagingError;

#[derive(Debug, thiserror::Error)]
pub enum AigcError {
    /// The file is not a PNG, JPEG or WebP (the formats labels are written to).
    #[error("labels can be written to PNG, JPEG and WebP only")]
    UnsupportedFormat,
    /// The file's structure is broken where the label goes.
    #[error("the file is malformed: {0}")]
    Malformed(&'static str),
    /// Signing or reading the C2PA manifest failed.
    #[error("content credentials failed: {0}")]
    Manifest(String),
    #[error(transparent)]
    Imaging(#[from] ImagingError),
}

impl AigcError {
    /// A stable, machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnsupportedFormat => "label_format_unsupported",
            Self::Malformed(_) => "image_corrupt",
            Self::Manifest(_) => "content_credentials_failed",
            Self::Imaging(e) => e.code(),
        }
    }
}

pub type Result<T, E = AigcError> = std::result::Result<T, E>;
