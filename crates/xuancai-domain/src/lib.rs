//! Xuancai's domain types.
//!
//! Parse, don't validate: each type here has private fields and is built only
//! through `parse` (or a generator), so a value that exists is a valid one.
//! [`PhoneNumber`] (E.164, mainland China rules for +86, masked in `Debug`
//! and logs — ACC-1), [`UserId`] (opaque, random, non-sequential — ACC-2),
//! [`OneTimeCode`] (six digits from the OS's CSPRNG — ACC-1).
//!
//! This crate depends on no web framework, database or image code.

mod code;
mod phone;
mod user_id;

pub use code::OneTimeCode;
pub use phone::PhoneNumber;
pub use user_id::UserId;

/// Why a value was refused. Each variant has a stable [`code`](DomainError::code).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("not a valid phone number: {0}")]
    InvalidPhone(&'static str),
    #[error("not a valid user id")]
    InvalidUserId,
    #[error("a code is six digits")]
    InvalidCode,
}

impl DomainError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidPhone(_) => "invalid_phone",
            Self::InvalidUserId => "invalid_user_id",
            Self::InvalidCode => "invalid_code",
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
