//! Xuancai's storage contract.
//!
//! The server stores through [`AccountStore`], [`PhotoStore`], [`BlobGc`]
//! [`ProfileStore`], [`PrivacyStore`], [`NotifyStore`], the studio's [`JobStore`] and the contact channel's [`ComplaintStore`] (together: [`Store`]); each backend crate (`xuancai-store-sqlite`,
//! `xuancai-store-postgres`) implements it with its own migrations folder,
//! and runs the same [`story`] test. Nothing here knows SQL, HTTP or images.
//!
//! Several server processes may share one database, so every piece of
//! account state — users, one-time codes, send counters for rate limits,
//! sessions — lives here, never only in a process (ACC-1, ACC-4).
//! Secrets are stored only as hashes: one-time codes and session tokens by
//! their SHA-256, phone numbers by a keyed hash (HMAC) for lookup plus a
//! ciphertext under the user's own data key (SEC-4).

use std::future::Future;

use xuancai_domain::{CodePurpose, UserId};

mod complaints;
mod jobs;
pub mod keys;
mod notify;
mod photos;
mod privacy;
mod profile;
pub mod sealing;
#[cfg(feature = "story")]
pub mod story;
#[cfg(feature = "story")]
pub mod story_jobs;
#[cfg(feature = "story")]
mod story_keys;
#[cfg(feature = "story")]
pub mod story_notify;
#[cfg(feature = "story")]
pub mod story_privacy;
#[cfg(feature = "story")]
pub mod story_races;
mod templates;
mod works;

pub use complaints::{ComplaintRecord, ComplaintStore};
pub use jobs::{JobFailure, JobKind, JobRecord, JobState, JobStore, NewJob, QueueStat};
pub use notify::{BroadcastPage, BroadcastRecord, InboxItem, NotifyStore, PushToken};
pub use photos::{AlbumRecord, BlobGc, Cursor, PhotoFilter, PhotoPatch, PhotoRecord, PhotoStore};
pub use privacy::{
    AccountState, AuditRecord, CancellationRequest, ConsentRecord, DisclosureRecord, DocumentRecord,
    HoldRecord, PrivacyStore, RequestRecord, Subject, UsageEvent,
};
pub use profile::{
    Appended, BalanceSwap, FieldValue, LedgerEntry, ProfileField, ProfileRecord, ProfileStore,
};
pub use sealing::{Resealed, SEAL_VERSION, SealedCell, SealedColumn, SealingStore};
pub use templates::TemplateStore;
pub use works::{Authored, BlessingRecord, CommentRecord, Visibility, WorkRecord, WorksStore};

/// Milliseconds since the Unix epoch. The caller's clock decides "now", so
/// tests can move time.
pub type Millis = i64;

/// Storage failures, normalised at the boundary.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique key is taken (e.g. the phone number is bound to another account).
    #[error("already exists")]
    Conflict,
    /// The row to change does not exist or is not the caller's.
    #[error("not found")]
    NotFound,
    /// The database is unreachable or failed; the cause is kept for the log.
    #[error("storage failed: {0}")]
    Backend(String),
    /// The stored data does not parse (a bug or tampering).
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// An account as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: UserId,
    /// HMAC-SHA256 of the E.164 number under the server's lookup key.
    pub phone_hmac: Vec<u8>,
    /// The number, encrypted with the user's data key.
    pub phone_ciphertext: Vec<u8>,
    /// The user's data key, wrapped by the master key (crypto-shredding: drop it and the data is gone).
    pub wrapped_data_key: Vec<u8>,
    pub created_at: Millis,
}

/// The outcome of presenting a one-time code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    /// Right code, in time: it is consumed (single use).
    Accepted,
    /// Wrong code; this many tries remain.
    Rejected { remaining: u32 },
    /// No code is pending for this number (never sent, used, or discarded).
    Missing,
    /// The code expired; it is discarded.
    Expired,
    /// Too many wrong tries; the code is discarded.
    Exhausted,
}

/// The limits on sending one-time codes (ACC-1): per number per minute and
/// per day, per IP per day. [`AccountStore::reserve_send`] enforces them
/// atomically.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendLimits {
    pub per_phone_minute: u64,
    pub per_phone_day: u64,
    pub per_ip_day: u64,
}

/// Accounts, one-time codes and sessions (ACC-1, ACC-2, ACC-4).
pub trait AccountStore: Send + Sync {
    /// Create an account; [`StoreError::Conflict`] if the phone number is bound already.
    fn insert_user(&self, user: &UserRecord) -> impl Future<Output = Result<()>> + Send;
    fn user_by_phone(&self, phone_hmac: &[u8]) -> impl Future<Output = Result<Option<UserRecord>>> + Send;
    fn user_by_id(&self, id: &UserId) -> impl Future<Output = Result<Option<UserRecord>>> + Send;
    /// Accounts after `after` (by id) whose wrapped data key is
    /// `wrapped_len` bytes long, at most `limit`: the start-up re-wrap finds
    /// keys still in an old format by their length.
    fn wrapped_keys_of_len(
        &self,
        wrapped_len: u32,
        after: Option<UserId>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<(UserId, Vec<u8>)>>> + Send;
    /// Every account's wrapped data key, by id after `after`, at most
    /// `limit` (a master-key rotation's pages).
    fn wrapped_keys(
        &self,
        after: Option<UserId>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<(UserId, Vec<u8>)>>> + Send;
    /// A key the service keeps wrapped in the database (issue 23 item 5).
    fn service_key(&self, name: &str) -> impl Future<Output = Result<Option<Vec<u8>>>> + Send;
    /// Store `wrapped` as `name` unless there is one; whether it was stored
    /// (of two processes starting at once, one writes it).
    fn init_service_key(&self, name: &str, wrapped: &[u8]) -> impl Future<Output = Result<bool>> + Send;
    /// Replace `name` if it is still `old` (compare and swap).
    fn swap_service_key(
        &self,
        name: &str,
        old: &[u8],
        new: &[u8],
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Replace `user`'s wrapped data key if it is still `old` (compare and
    /// swap: two processes re-wrapping at once write one of them); whether
    /// it was replaced.
    fn rewrap_data_key(
        &self,
        user: &UserId,
        old: &[u8],
        new: &[u8],
    ) -> impl Future<Output = Result<bool>> + Send;

    /// Store the pending code for a number and purpose, replacing any
    /// earlier one for the same purpose (and its try count). Codes of other
    /// purposes are not touched.
    fn put_code(
        &self,
        phone_hmac: &[u8],
        purpose: CodePurpose,
        code_hash: &[u8],
        expires_at: Millis,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Check a code for a number and purpose. The try is counted before the
    /// code is compared, in one atomic statement, so under any concurrency
    /// at most `max_attempts` guesses are judged per code; a right code is
    /// consumed exactly once; an expired or exhausted code is discarded.
    fn check_code(
        &self,
        phone_hmac: &[u8],
        purpose: CodePurpose,
        code_hash: &[u8],
        now: Millis,
        max_attempts: u32,
    ) -> impl Future<Output = Result<CodeCheck>> + Send;

    /// Record a send to `phone_hmac` from `ip` at `at` if, with it, no limit
    /// is exceeded; `false` (and nothing recorded) otherwise. Atomic: under
    /// any concurrency no more sends are recorded than the limits allow.
    fn reserve_send(
        &self,
        phone_hmac: &[u8],
        ip: &str,
        at: Millis,
        limits: SendLimits,
    ) -> impl Future<Output = Result<bool>> + Send;

    fn create_session(
        &self,
        token_hash: &[u8],
        user: &UserId,
        created_at: Millis,
        expires_at: Millis,
    ) -> impl Future<Output = Result<()>> + Send;
    /// The session's user, if the session exists and has not expired.
    fn session_user(
        &self,
        token_hash: &[u8],
        now: Millis,
    ) -> impl Future<Output = Result<Option<UserId>>> + Send;
    fn delete_session(&self, token_hash: &[u8]) -> impl Future<Output = Result<()>> + Send;
    /// Revoke every session of a user (cancellation, password change); returns how many.
    fn delete_user_sessions(&self, user: &UserId) -> impl Future<Output = Result<u64>> + Send;
    /// the user's sessions as (created, expires), oldest first (never the token).
    fn sessions_of(&self, user: &UserId) -> impl Future<Output = Result<Vec<(Millis, Millis)>>> + Send;
}

/// Everything the server stores through, in one bound.
pub trait Store:
    AccountStore
    + PhotoStore
    + BlobGc
    + ProfileStore
    + PrivacyStore
    + NotifyStore
    + JobStore
    + TemplateStore
    + WorksStore
    + ComplaintStore
    + SealingStore
    + Clone
    + 'static
{
}

impl<
    T: AccountStore
        + PhotoStore
        + BlobGc
        + ProfileStore
        + PrivacyStore
        + NotifyStore
        + JobStore
        + TemplateStore
        + WorksStore
        + ComplaintStore
        + SealingStore
        + Clone
        + 'static,
> Store for T
{
}
