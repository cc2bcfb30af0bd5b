//! The imaging layer's one error type.

/// Everything that can go wrong while decoding, processing or encoding an image.
///
/// Each variant has a stable machine-readable [`code`](ImagingError::code) that
/// the CLI prints and the server's error mapping will reuse.
#[derive(Debug, thiserror::Error)]
pub enum ImagingError {
    /// The bytes are empty.
    #[error("the file is empty")]
    Empty,
    /// The bytes are not an image format we read.
    #[error("not a supported image format (JPEG, PNG, WebP, GIF, BMP, TIFF)")]
    UnsupportedFormat,
    /// The file is larger than the configured byte limit.
    #[error("the file is {size} bytes, over the limit of {limit}")]
    FileTooLarge { size: u64, limit: u64 },
    /// The declared dimensions exceed the pixel limit (decompression-bomb guard);
    /// refused before the pixels are decoded.
    #[error("the image is {width}x{height} ({pixels} pixels), over the limit of {limit} pixels")]
    TooManyPixels {
        width: u32,
        height: u32,
        pixels: u64,
        limit: u64,
    },
    /// The image declares a zero width or height.
    #[error("the image has no pixels ({width}x{height})")]
    ZeroSize { width: u32, height: u32 },
    /// The file ends before its image does (cut short in transfer).
    #[error("the image file is truncated: it ends before its {0} image data does")]
    Truncated(&'static str),
    /// The image data is corrupt.
    #[error("the image data is corrupt: {0}")]
    Corrupt(String),
    /// The format is known but this particular variant is not supported.
    #[error("unsupported image variant: {0}")]
    UnsupportedVariant(String),
    /// A processing parameter is out of range.
    #[error("invalid parameter: {0}")]
    InvalidParameter(String),
    /// A font file could not be parsed.
    #[error("the font could not be read: {0}")]
    Font(String),
    /// The text has a character the font cannot draw.
    #[error("the font has no glyph for {0:?}")]
    GlyphMissing(char),
    /// Encoding the output failed.
    #[error("could not encode the output: {0}")]
    Encode(String),
}

impl ImagingError {
    /// A stable, machine-readable code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "image_empty",
            Self::UnsupportedFormat => "image_unsupported_format",
            Self::FileTooLarge { .. } => "image_file_too_large",
            Self::TooManyPixels { .. } => "image_too_many_pixels",
            Self::ZeroSize { .. } => "image_zero_size",
            Self::Truncated(_) => "image_truncated",
            Self::Corrupt(_) => "image_corrupt",
            Self::UnsupportedVariant(_) => "image_unsupported_variant",
            Self::InvalidParameter(_) => "invalid_parameter",
            Self::Font(_) => "font_invalid",
            Self::GlyphMissing(_) => "glyph_missing",
            Self::Encode(_) => "image_encode_failed",
        }
    }
}

pub type Result<T, E = ImagingError> = std::result::Result<T, E>;
