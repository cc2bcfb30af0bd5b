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
    /// The balance of rows written before coins were sealed (0 once sealed).
    pub coin_balance: i64,
    /// §11: the balance sealed under the user's data key.
    pub coin_balance_ciphertext: Option<Vec<u8>>,
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
///
/// §11: a sealed entry (`sealed` is `Some`) keeps its amount, reason and
/// reference inside the ciphertext; its plain columns hold `0`, `sealed` and
/// a keyed hash of the reference (the idempotency key). Entries written
/// before sealing have `sealed: None` and their plain values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    pub id: [u8; 16],
    pub user: UserId,
    pub delta: i64,
    /// Why: `check_in`, `spend:…`, … (`sealed` for sealed entries).
    pub reason: String,
    /// Idempotency key, unique per user.
    pub reference: String,
    pub created_at: Millis,
    pub sealed: Option<Vec<u8>>,
}

/// The balance a sealed append expects to find and the one it leaves
/// (compare-and-swap on the sealed balance).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BalanceSwap {
    /// The plain balance read (legacy rows; 0 once sealed).
    pub old_plain: i64,
    /// The sealed balance read (`None` before the first sealed append).
    pub old_sealed: Option<Vec<u8>>,
    /// The new balance, sealed.
    pub new_sealed: Vec<u8>,
}

/// What appending to the ledger did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appended {
    /// Written, and the balance moved.
    Done,
    /// An entry with this reference exists; nothing written.
    Duplicate,
    /// The balance changed since it was read; nothing written (read again).
    Stale,
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

    /// Append a sealed entry and swap the sealed balance, atomically: nothing
    /// is written when the reference exists or the balance is not `swap`'s old one.
    fn append_ledger(
        &self,
        entry: &LedgerEntry,
        swap: &BalanceSwap,
    ) -> impl Future<Output = Result<Appended>> + Send;
    /// Seal an entry written before sealing (its plain columns are cleared);
    /// false when it is gone or already sealed.
    fn reseal_ledger_entry(
        &self,
        id: &[u8; 16],
        reference: &str,
        sealed: &[u8],
    ) -> impl Future<Output = Result<bool>> + Send;
    /// CON-4, §11: the coins consent was withdrawn: delete the ledger and the
    /// balance. Returns how many entries went.
    fn forget_coins(&self, user: &UserId) -> impl Future<Output = Result<u64>> + Send;
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
