//! Xuancai's domain types.
//!
//! Parse, don't validate: each type here has private fields and is built only
//! through `parse` (or a generator), so a value that exists is a valid one.
//! [`PhoneNumber`] (E.164, mainland China rules for +86, masked in `Debug`
//! and logs — ACC-1), [`UserId`] (opaque, random, non-sequential — ACC-2),
//! [`OneTimeCode`] (six digits from the OS's CSPRNG — ACC-1), [`PhotoId`]
//! and [`AlbumId`], and the profile values [`Nickname`], [`BirthDate`]
//! (ACC-5) and [`Password`] (ACC-3); [`privacy`] holds the privacy inventory
//! (purposes, categories, retention, processors) and the rules derived from it.
//!
//! This crate depends on no web framework, database or image code.

mod code;
mod id;
mod message;
mod phone;
pub mod privacy;
mod profile;

pub use code::{CodePurpose, OneTimeCode};
pub use id::{AlbumId, BlessingId, CommentId, JobId, PhotoId, UserId, WorkId};
pub use message::{Message, MessageKind};
pub use phone::PhoneNumber;
pub use profile::{BirthDate, Date, Nickname, Password};

/// Why a value was refused. Each variant has a stable [`code`](DomainError::code).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("not a valid phone number: {0}")]
    InvalidPhone(&'static str),
    #[error("not a valid user id")]
    InvalidUserId,
    #[error("a code is six digits")]
    InvalidCode,
    #[error("not a valid photo id")]
    InvalidPhotoId,
    #[error("not a valid album id")]
    InvalidAlbumId,
    #[error("not a valid job id")]
    InvalidJobId,
    #[error("not a valid work id")]
    InvalidWorkId,
    #[error("not a valid comment id")]
    InvalidCommentId,
    #[error("not a valid blessing id")]
    InvalidBlessingId,
    #[error("not a valid nickname: {0}")]
    InvalidNickname(&'static str),
    #[error("a date is written YYYY-MM-DD")]
    InvalidDate,
    #[error("not a valid birth date: {0}")]
    InvalidBirthDate(&'static str),
    #[error("the password is too weak: {0}")]
    WeakPassword(&'static str),
    #[error("not a processing purpose this service declares")]
    InvalidPurpose,
    #[error("not a document this service publishes")]
    InvalidDocument,
    #[error("not a kind of request: export, correction, deletion, withdrawal, cancellation or complaint")]
    InvalidRequestKind,
    #[error("not a request status")]
    InvalidRequestStatus,
    #[error("a request that is {from} cannot become {to}")]
    InvalidRequestTransition { from: &'static str, to: &'static str },
    #[error("not a valid complaint: {0}")]
    InvalidComplaint(&'static str),
    #[error("a message's kind is service or marketing")]
    InvalidMessageKind,
    #[error("not a valid message: {0}")]
    InvalidMessage(&'static str),
}

impl DomainError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidPhone(_) => "invalid_phone",
            Self::InvalidUserId => "invalid_user_id",
            Self::InvalidCode => "invalid_code",
            Self::InvalidPhotoId => "invalid_photo_id",
            Self::InvalidAlbumId => "invalid_album_id",
            Self::InvalidJobId => "invalid_job_id",
            Self::InvalidWorkId => "invalid_work_id",
            Self::InvalidCommentId => "invalid_comment_id",
            Self::InvalidBlessingId => "invalid_blessing_id",
            Self::InvalidNickname(_) => "invalid_nickname",
            Self::InvalidDate => "invalid_date",
            Self::InvalidBirthDate(_) => "invalid_birth_date",
            Self::WeakPassword(_) => "weak_password",
            Self::InvalidPurpose => "invalid_purpose",
            Self::InvalidDocument => "invalid_document",
            Self::InvalidRequestKind => "invalid_request_kind",
            Self::InvalidRequestStatus => "invalid_request_status",
            Self::InvalidRequestTransition { .. } => "invalid_transition",
            Self::InvalidComplaint(_) => "invalid_complaint",
            Self::InvalidMessageKind => "invalid_message_kind",
            Self::InvalidMessage(_) => "invalid_message",
        }
    }
}

/// Fill `buf` from the operating system's CSPRNG.
pub(crate) fn random_bytes(buf: &mut [u8]) {
    // getrandom fails only if the OS has no entropy source at all, in which
    // case nothing secure can be done: stop rather than issue weak secrets.
    if let Err(e) = getrandom::fill(buf) {
        panic!("the operating system's random number generator failed: {e}");
    }
}
