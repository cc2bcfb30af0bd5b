//! Every column that holds personal data sealed under an account's data key
//! (SEC-4), named once, so that each ciphertext can be bound to its owner,
//! its column and its row (issue 19 item 16), and so that the start-up pass
//! that re-seals rows written before binding walks all of them.
//!
//! A row's ciphertext opens only with the associated data of the place it
//! was written to: moved to another row, another column or another account,
//! it does not open. The store only moves bytes; the application seals and
//! opens them (`xuancai_app::crypto`).

use std::future::Future;

use xuancai_domain::UserId;

use crate::Result;

/// The sealing format every account's rows are in once the start-up pass
/// has run: each ciphertext bound to (column, owner, row); comment text,
/// blessing messages and work titles sealed too. Accounts created from now
/// on start in it.
pub const SEAL_VERSION: i64 = 2;

/// A column holding data sealed under its owner's data key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SealedColumn {
    /// `users.phone_ciphertext` (row: the user).
    UserPhone,
    /// `users.nickname_ciphertext` (row: the user).
    UserNickname,
    /// `users.birth_date_ciphertext` (row: the user).
    UserBirthDate,
    /// `users.guardian_phone_ciphertext` (row: the user).
    UserGuardianPhone,
    /// `photos.meta_ciphertext` (row: the photo).
    PhotoMeta,
    /// `albums.name_ciphertext` (row: the album).
    AlbumName,
    /// `rights_requests.detail_ciphertext` (row: the request).
    RequestDetail,
    /// `rights_requests.scope_ciphertext` (row: the request).
    RequestScope,
    /// `usage_events.device_ciphertext` (row: the event).
    UsageDevice,
    /// `push_tokens.token_ciphertext` (row: the token's row).
    PushToken,
    /// `jobs.params` (row: the job).
    JobParams,
    /// `works.title_ciphertext` (row: the work); plaintext `title` before.
    WorkTitle,
    /// `comments.text_ciphertext` (row: the comment; owner: its author).
    CommentText,
    /// `blessings.message_ciphertext` (row: the blessing; owner: its sender).
    BlessingMessage,
}

impl SealedColumn {
    pub const ALL: [Self; 14] = [
        Self::UserPhone,
        Self::UserNickname,
        Self::UserBirthDate,
        Self::UserGuardianPhone,
        Self::PhotoMeta,
        Self::AlbumName,
        Self::RequestDetail,
        Self::RequestScope,
        Self::UsageDevice,
        Self::PushToken,
        Self::JobParams,
        Self::WorkTitle,
        Self::CommentText,
        Self::BlessingMessage,
    ];

    /// `table.column`: part of the associated data, so it never changes.
    pub const fn name(self) -> &'static str {
        match self {
            Self::UserPhone => "users.phone_ciphertext",
            Self::UserNickname => "users.nickname_ciphertext",
            Self::UserBirthDate => "users.birth_date_ciphertext",
            Self::UserGuardianPhone => "users.guardian_phone_ciphertext",
            Self::PhotoMeta => "photos.meta_ciphertext",
            Self::AlbumName => "albums.name_ciphertext",
            Self::RequestDetail => "rights_requests.detail_ciphertext",
            Self::RequestScope => "rights_requests.scope_ciphertext",
            Self::UsageDevice => "usage_events.device_ciphertext",
            Self::PushToken => "push_tokens.token_ciphertext",
            Self::JobParams => "jobs.params",
            Self::WorkTitle => "works.title_ciphertext",
            Self::CommentText => "comments.text_ciphertext",
            Self::BlessingMessage => "blessings.message_ciphertext",
        }
    }

    /// Columns that held plaintext before [`SEAL_VERSION`] 2: their legacy
    /// cells carry the text itself, to be sealed, not re-sealed.
    pub const fn was_plaintext(self) -> bool {
        matches!(self, Self::WorkTitle | Self::CommentText | Self::BlessingMessage)
    }
}

/// One sealed value of an account in the format before [`SEAL_VERSION`]:
/// where it is and its stored bytes (for a [`SealedColumn::was_plaintext`]
/// column, the UTF-8 text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedCell {
    pub column: SealedColumn,
    /// The row's id (the user's id for the `users` columns).
    pub row: Vec<u8>,
    pub bytes: Vec<u8>,
}

/// The start-up pass over rows sealed before binding (issue 19 item 16).
pub trait SealingStore: Send + Sync {
    /// Accounts still in a format before [`SEAL_VERSION`], after `after`
    /// (by id), at most `limit`.
    fn accounts_to_reseal(
        &self,
        after: Option<UserId>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<UserId>>> + Send;
    /// Every cell `user` owns in a column of [`SealedColumn::ALL`] that is
    /// not sealed in the current format: the account's own columns, its
    /// photos, albums, requests, events, push tokens, jobs and works, the
    /// comments it wrote and the blessings it sent.
    fn legacy_cells(&self, user: &UserId) -> impl Future<Output = Result<Vec<SealedCell>>> + Send;
    /// In one transaction: write each cell's new bytes where the cell still
    /// holds what [`Self::legacy_cells`] read (compare and swap; a plaintext
    /// column is emptied and its ciphertext column set), and mark the
    /// account [`SEAL_VERSION`]. Nothing is written unless it is
    /// [`Resealed::Done`].
    fn reseal(
        &self,
        user: &UserId,
        cells: &[(SealedCell, Vec<u8>)],
    ) -> impl Future<Output = Result<Resealed>> + Send;
}

/// What [`SealingStore::reseal`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resealed {
    /// Every cell written, the account marked.
    Done,
    /// The account is marked already (another process did it) or gone.
    AlreadyBound,
    /// A cell changed since it was read: read again.
    Changed,
}
