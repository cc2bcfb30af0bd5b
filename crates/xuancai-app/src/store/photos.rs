//! [`Backend`] dispatch for photos, albums, blob collection and templates: each method calls the same
//! method of the open backend (see the trait for what it does).

use xuancai_domain::{AlbumId, PhotoId, UserId};
use xuancai_store::*;

use super::{Backend, dispatch};

impl PhotoStore for Backend {
    async fn photo_totals(&self, user: &UserId) -> Result<(u64, u64)> {
        dispatch!(self, s => s.photo_totals(user))
    }

    async fn insert_photo(&self, photo: &PhotoRecord, pending_blobs: &str) -> Result<()> {
        dispatch!(self, s => s.insert_photo(photo, pending_blobs))
    }

    async fn photo(&self, owner: &UserId, id: &PhotoId) -> Result<Option<PhotoRecord>> {
        dispatch!(self, s => s.photo(owner, id))
    }

    async fn photo_by_hash(&self, owner: &UserId, content_hash: &[u8]) -> Result<Option<PhotoRecord>> {
        dispatch!(self, s => s.photo_by_hash(owner, content_hash))
    }

    async fn list_photos(
        &self,
        owner: &UserId,
        filter: PhotoFilter,
        after: Option<Cursor>,
        limit: u32,
    ) -> Result<Vec<PhotoRecord>> {
        dispatch!(self, s => s.list_photos(owner, filter, after, limit))
    }

    async fn update_photo(
        &self,
        owner: &UserId,
        id: &PhotoId,
        patch: PhotoPatch,
    ) -> Result<Option<PhotoRecord>> {
        dispatch!(self, s => s.update_photo(owner, id, patch))
    }

    async fn set_trashed(&self, owner: &UserId, id: &PhotoId, at: Option<Millis>) -> Result<bool> {
        dispatch!(self, s => s.set_trashed(owner, id, at))
    }

    async fn purge_photo(&self, owner: &UserId, id: &PhotoId, now: Millis) -> Result<bool> {
        dispatch!(self, s => s.purge_photo(owner, id, now))
    }

    async fn trashed_before(&self, cutoff: Millis, limit: u32) -> Result<Vec<(UserId, PhotoId)>> {
        dispatch!(self, s => s.trashed_before(cutoff, limit))
    }

    async fn insert_album(&self, album: &AlbumRecord) -> Result<()> {
        dispatch!(self, s => s.insert_album(album))
    }

    async fn album(&self, owner: &UserId, id: &AlbumId) -> Result<Option<AlbumRecord>> {
        dispatch!(self, s => s.album(owner, id))
    }

    async fn list_albums(
        &self,
        owner: &UserId,
        after: Option<Cursor>,
        limit: u32,
    ) -> Result<Vec<AlbumRecord>> {
        dispatch!(self, s => s.list_albums(owner, after, limit))
    }

    async fn rename_album(
        &self,
        owner: &UserId,
        id: &AlbumId,
        name_ciphertext: &[u8],
        at: Millis,
    ) -> Result<bool> {
        dispatch!(self, s => s.rename_album(owner, id, name_ciphertext, at))
    }

    async fn delete_album(&self, owner: &UserId, id: &AlbumId) -> Result<bool> {
        dispatch!(self, s => s.delete_album(owner, id))
    }

    async fn add_to_album(
        &self,
        owner: &UserId,
        album: &AlbumId,
        photos: &[PhotoId],
        at: Millis,
    ) -> Result<u64> {
        dispatch!(self, s => s.add_to_album(owner, album, photos, at))
    }

    async fn remove_from_album(&self, owner: &UserId, album: &AlbumId, photos: &[PhotoId]) -> Result<u64> {
        dispatch!(self, s => s.remove_from_album(owner, album, photos))
    }

    async fn album_photos(
        &self,
        owner: &UserId,
        album: &AlbumId,
        after: Option<Cursor>,
        limit: u32,
    ) -> Result<Vec<PhotoRecord>> {
        dispatch!(self, s => s.album_photos(owner, album, after, limit))
    }
}

impl BlobGc for Backend {
    async fn schedule_gc(&self, prefix: &str, due_at: Millis) -> Result<()> {
        dispatch!(self, s => s.schedule_gc(prefix, due_at))
    }

    async fn due_gc(&self, now: Millis, limit: u32) -> Result<Vec<String>> {
        dispatch!(self, s => s.due_gc(now, limit))
    }

    async fn done_gc(&self, prefix: &str) -> Result<()> {
        dispatch!(self, s => s.done_gc(prefix))
    }
}

impl TemplateStore for Backend {
    async fn record_template_use(&self, template: &str, user: Option<&UserId>, at: Millis) -> Result<()> {
        dispatch!(self, s => s.record_template_use(template, user, at))
    }

    async fn template_popularity(&self) -> Result<Vec<(String, u64)>> {
        dispatch!(self, s => s.template_popularity())
    }

    async fn user_template_use(&self, user: &UserId) -> Result<Vec<(String, u64)>> {
        dispatch!(self, s => s.user_template_use(user))
    }

    async fn delete_template_use(&self, user: &UserId) -> Result<u64> {
        dispatch!(self, s => s.delete_template_use(user))
    }
}
