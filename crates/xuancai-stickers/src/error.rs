//! The sticker layer's one error type.

use xuancai_imaging::ImagingError;
use xuancai_vision::VisionError;

/// Everything that can go wrong while making, exporting or reading stickers.
/// Each variant has a stable machine-readable [`code`](StickerError::code).
#[derive(Debug, thiserror::Error)]
pub enum StickerError {
    #[error(transparent)]
    Imaging(#[from] ImagingError),
    #[error(transparent)]
    Vision(#[from] VisionError),
    /// A caption holds an emoji; the bundled font has no colour emoji.
    #[error(
        "emoji {0:?} cannot be drawn in a caption (the bundled font has no colour emoji); \
         put emoji in the pack's emoji tags instead"
    )]
    EmojiInCaption(char),
    /// The caption does not fit its box even at the smallest size.
    #[error("the caption does not fit its box even at {min_px} px: shorten it or enlarge the box")]
    CaptionTooLong { min_px: u32 },
    /// No encoder setting meets the platform's byte limit.
    #[error("could not get the {what} under {limit} bytes (smallest tried: {best} bytes)")]
    TooLarge {
        what: &'static str,
        limit: u64,
        best: u64,
    },
    /// The input has too many frames or frame pixels (animation-bomb guard).
    #[error("the animation has {0}, over the limit")]
    TooManyFrames(String),
    /// The preset cannot hold this kind of sticker.
    #[error("{preset} does not accept {what}")]
    NotSupported { preset: &'static str, what: String },
    /// An encoder this sticker needs is not installed (Telegram's video
    /// stickers need libvpx from the asset cache).
    #[error("the video encoder is unavailable: {0}; run `python3 tools/assets/fetch.py` (or `make setup`)")]
    EncoderUnavailable(String),
    /// The cutout found no subject to make a sticker of.
    #[error("no subject was found in the image: try another photo, or a template without a cut-out")]
    NoSubject,
    /// A template is malformed or unknown.
    #[error("template: {0}")]
    Template(String),
    /// A pack cannot be built or read.
    #[error("pack: {0}")]
    Pack(String),
    /// Reading or writing a file.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl StickerError {
    /// A stable, machine-readable code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Imaging(e) => e.code(),
            Self::Vision(e) => e.code(),
            Self::EmojiInCaption(_) => "caption_emoji_unsupported",
            Self::CaptionTooLong { .. } => "caption_too_long",
            Self::TooLarge { .. } => "sticker_too_large",
            Self::TooManyFrames(_) => "animation_too_large",
            Self::NotSupported { .. } => "preset_unsupported",
            Self::EncoderUnavailable(_) => "encoder_unavailable",
            Self::NoSubject => "sticker_no_subject",
            Self::Template(_) => "template_invalid",
            Self::Pack(_) => "pack_invalid",
            Self::Io { .. } => "io_error",
        }
    }

    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            context: context.into(),
            source,
        }
    }
}

pub type Result<T, E = StickerError> = std::result::Result<T, E>;
