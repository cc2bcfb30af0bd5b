//! Photos and albums (IMG-1), and the blob garbage queue that keeps blob
//! writes atomic (a blob is reachable only through a committed row).

use std::future::Future;

use xuancai_domain::{AlbumId, PhotoId, UserId};

use crate::{Millis, Result};

/// A photo as stored. Its bytes (original, preview, thumbnail) are blobs
/// under [`PhotoRecord::blob_prefix`], encrypted with the owner's data key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoRecord {
    pub id: PhotoId,
    pub owner: UserId,
    /// Keyed hash of the content, for per-user de-duplication.
    pub content_hash: Vec<u8>,
    /// The sniffed type of the original (`image/jpeg`, …).
    pub mime: String,
    pub width: u32,
    pub height: u32,
    /// Size of the stored original, bytes.
    pub bytes: i64,
    /// Encrypted JSON: file name, capture time, camera (SEC-4).
    pub meta_ciphertext: Vec<u8>,
    pub created_at: Millis,
    pub favourite: bool,
    pub archived: bool,
    /// When it went to the trash; purged a retention period later.
    pub trashed_at: Option<Millis>,
}

impl PhotoRecord {
    /// Where this photo's blobs live: `u/{owner}/p/{id}/`.
    pub fn blob_prefix(owner: &UserId, id: &PhotoId) -> String {
        crate::keys::photo_prefix(owner, id)
    }
}

/// Which photos a listing shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoFilter {
    /// Not archived, not trashed (the timeline).
    Library,
    /// Favourites that are not trashed.
    Favourites,
    /// Archived, not trashed.
    Archived,
    /// In the trash.
    Trash,
}

/// A position in a newest-first listing: the last item's time and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub at: Millis,
    pub id: [u8; 16],
}

/// An album as stored; its name is encrypted with the owner's data key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlbumRecord {
    pub id: AlbumId,
    pub owner: UserId,
    pub name_ciphertext: Vec<u8>,
    pub created_at: Millis,
    pub updated_at: Millis,
    /// Photos in the album that are not in the trash (filled on reads).
    pub photo_count: i64,
    /// The newest such photo (filled on reads).
    pub cover: Option<PhotoId>,
}

/// Changes to a photo's flags.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PhotoPatch {
    pub favourite: Option<bool>,
    pub archived: Option<bool>,
}

/// Photos, albums and their membership. Every call names the owner, and
/// rows of other users are invisible to it (SEC-6): a wrong owner reads as
/// "not found".
pub trait PhotoStore: Send + Sync {
    /// How many photos `user` stores (the trash included) and their bytes.
    fn photo_totals(&self, user: &UserId) -> impl Future<Output = Result<(u64, u64)>> + Send;
    /// Commit a photo row and, in the same transaction, drop the pending
    /// garbage entry for its blobs (which the caller scheduled before writing
    /// them). [`crate::StoreError::Conflict`] if the owner has this content already.
    fn insert_photo(
        &self,
        photo: &PhotoRecord,
        pending_blobs: &str,
    ) -> impl Future<Output = Result<()>> + Send;
    fn photo(&self, owner: &UserId, id: &PhotoId)
    -> impl Future<Output = Result<Option<PhotoRecord>>> + Send;
    fn photo_by_hash(
        &self,
        owner: &UserId,
        content_hash: &[u8],
    ) -> impl Future<Output = Result<Option<PhotoRecord>>> + Send;
    /// Newest first, strictly after `after`.
    fn list_photos(
        &self,
        owner: &UserId,
        filter: PhotoFilter,
        after: Option<Cursor>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<PhotoRecord>>> + Send;
    /// Returns the updated photo, or `None` when it is not the owner's.
    fn update_photo(
        &self,
        owner: &UserId,
        id: &PhotoId,
        patch: PhotoPatch,
    ) -> impl Future<Output = Result<Option<PhotoRecord>>> + Send;
    /// Move to the trash (`Some(at)`) or restore (`None`); false if not found.
    fn set_trashed(
        &self,
        owner: &UserId,
        id: &PhotoId,
        at: Option<Millis>,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Delete the row (and its album memberships) and, in the same
    /// transaction, queue its blobs for deletion. False if not found.
    fn purge_photo(
        &self,
        owner: &UserId,
        id: &PhotoId,
        now: Millis,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Photos trashed before `cutoff`, any owner (the purge job).
    fn trashed_before(
        &self,
        cutoff: Millis,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<(UserId, PhotoId)>>> + Send;

    fn insert_album(&self, album: &AlbumRecord) -> impl Future<Output = Result<()>> + Send;
    fn album(&self, owner: &UserId, id: &AlbumId)
    -> impl Future<Output = Result<Option<AlbumRecord>>> + Send;
    /// Newest first (by creation), strictly after `after`.
    fn list_albums(
        &self,
        owner: &UserId,
        after: Option<Cursor>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<AlbumRecord>>> + Send;
    fn rename_album(
        &self,
        owner: &UserId,
        id: &AlbumId,
        name_ciphertext: &[u8],
        at: Millis,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Delete the album; its photos stay in the library.
    fn delete_album(&self, owner: &UserId, id: &AlbumId) -> impl Future<Output = Result<bool>> + Send;
    /// Add the owner's photos to the owner's album; others' ids are skipped.
    /// Returns how many were newly added.
    fn add_to_album(
        &self,
        owner: &UserId,
        album: &AlbumId,
        photos: &[PhotoId],
        at: Millis,
    ) -> impl Future<Output = Result<u64>> + Send;
    fn remove_from_album(
        &self,
        owner: &UserId,
        album: &AlbumId,
        photos: &[PhotoId],
    ) -> impl Future<Output = Result<u64>> + Send;
    /// The album's photos that are not in the trash, newest first.
    fn album_photos(
        &self,
        owner: &UserId,
        album: &AlbumId,
        after: Option<Cursor>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<PhotoRecord>>> + Send;
}

/// Blob prefixes waiting to be deleted: written before an upload's blobs
/// (due later, in case the process dies before the row commits) and when a
/// row is purged (due now). A job drains it; it survives restarts.
pub trait BlobGc: Send + Sync {
    fn schedule_gc(&self, prefix: &str, due_at: Millis) -> impl Future<Output = Result<()>> + Send;
    fn due_gc(&self, now: Millis, limit: u32) -> impl Future<Output = Result<Vec<String>>> + Send;
    fn done_gc(&self, prefix: &str) -> impl Future<Output = Result<()>> + Send;
}
