//! Profiles (ACC-5), password hashes (ACC-3), the coin ledger (ACC-8) and
//! counted events for rate limits.

use std::future::Future;

use xuancai_domain::UserId;

use crate::{Cursor, Millis, Result};

/// A user's profile as stored: personal values are ciphertexts under the
/// user's data key (SEC-4).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileRecord {
    pub nickname_ciphertext: Option<Vec<u8>>,
    pub birth_date_ciphertext: Option<Vec<u8>>,
    /// A version tag of the avatar blob, if there is one.
    pub avatar_version: Option<String>,
    /// Argon2id PHC string, if a password is set.
    pub password_hash: Option<String>,
    pub coin_balance: i64,
}

/// One profile column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileField {
    Nickname,
    BirthDate,
    Avatar,
    PasswordHash,
}

impl ProfileField {
    /// The column, for backends (a fixed name, never user input).
    pub fn column(self) -> &'static str {
        match self {
            Self::Nickname => "nickname_ciphertext",
            Self::BirthDate => "birth_date_ciphertext",
            Self::Avatar => "avatar_version",
            Self::PasswordHash => "password_hash",
        }
    }
}

/// A profile value: bytes for ciphertext columns, text for the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    Bytes(Vec<u8>),
    Text(String),
}

/// One line of the coin ledger (append-only, ACC-8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    pub id: [u8; 16],
    pub user: UserId,
    pub delta: i64,
    /// Why: `check_in`, `spend:…`, …
    pub reason: String,
    /// Idempotency key, unique per user (e.g. `check_in:2026-11-29`).
    pub reference: String,
    pub created_at: Millis,
}

/// What appending to the ledger did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appended {
    /// Written; the new balance.
    Done { balance: i64 },
    /// An entry with this reference exists; nothing written.
    Duplicate,
    /// The balance would go below zero; nothing written.
    Insufficient { balance: i64 },
}

pub trait ProfileStore: Send + Sync {
    /// `None` when the user does not exist.
    fn profile(&self, user: &UserId) -> impl Future<Output = Result<Option<ProfileRecord>>> + Send;
    /// Set (or with `None` clear) one column; false when the user does not exist.
    fn set_profile_field(
        &self,
        user: &UserId,
        field: ProfileField,
        value: Option<FieldValue>,
    ) -> impl Future<Output = Result<bool>> + Send;

    /// Append to the ledger and move the balance, atomically.
    fn append_ledger(&self, entry: &LedgerEntry) -> impl Future<Output = Result<Appended>> + Send;
    /// Newest first, strictly after `after`.
    fn ledger(
        &self,
        user: &UserId,
        after: Option<Cursor>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<LedgerEntry>>> + Send;

    /// Count an event (e.g. a failed password) for a key.
    fn record_event(&self, kind: &str, key: &[u8], at: Millis) -> impl Future<Output = Result<()>> + Send;
    fn count_events(&self, kind: &str, key: &[u8], since: Millis)
    -> impl Future<Output = Result<u64>> + Send;
    /// Forget every event of a kind for a key (e.g. the owner proved the number).
    fn clear_events(&self, kind: &str, key: &[u8]) -> impl Future<Output = Result<()>> + Send;
}
