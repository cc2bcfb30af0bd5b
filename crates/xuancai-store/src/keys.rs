//! The blob key layout: every key of a user's blobs is built here and
//! nowhere else, so that erasure (RET-2), crypto-shredding and the export
//! can rely on one rule — everything of a user lives under [`user_root`].
//!
//! ```text
//! u/{user}/                      the user's root (erased with the account)
//! u/{user}/p/{photo}/original    a photo: the file as uploaded (location stripped)
//! u/{user}/p/{photo}/preview.jpg                 its preview
//! u/{user}/p/{photo}/thumbnail.webp              its thumbnail
//! u/{user}/works/{work}/image    a work's image
//! u/{user}/avatar/{version}.webp the avatar
//! u/{user}/exports/{request}.zip an export (R-1)
//! u/{user}/packs/{job}.zip       a sticker pack job's ZIP
//! u/{user}/results/{job}/result        another job's result (kept out of the library until saved)
//! u/{user}/results/{job}/preview.webp  its preview (alpha kept)
//! ```

use xuancai_domain::{JobId, PhotoId, UserId, WorkId};

/// Everything of `user`: erasing the account deletes this prefix.
pub fn user_root(user: &UserId) -> String {
    format!("u/{user}/")
}

/// A photo's blobs.
pub fn photo_prefix(owner: &UserId, id: &PhotoId) -> String {
    format!("u/{owner}/p/{id}/")
}

/// A photo's original, as stored.
pub fn photo_original(owner: &UserId, id: &PhotoId) -> String {
    format!("{}original", photo_prefix(owner, id))
}

/// A photo's preview (JPEG).
pub fn photo_preview(owner: &UserId, id: &PhotoId) -> String {
    format!("{}preview.jpg", photo_prefix(owner, id))
}

/// A photo's thumbnail (WebP).
pub fn photo_thumbnail(owner: &UserId, id: &PhotoId) -> String {
    format!("{}thumbnail.webp", photo_prefix(owner, id))
}

/// A work's blobs.
pub fn work_prefix(owner: &UserId, id: &WorkId) -> String {
    format!("u/{owner}/works/{id}/")
}

/// A work's image.
pub fn work_image(owner: &UserId, id: &WorkId) -> String {
    format!("{}image", work_prefix(owner, id))
}

/// An avatar version.
pub fn avatar(user: &UserId, version: &str) -> String {
    format!("u/{user}/avatar/{version}.webp")
}

/// An export request's ZIP (`request` is the request id in hex).
pub fn export(user: &UserId, request_hex: &str) -> String {
    format!("u/{user}/exports/{request_hex}.zip")
}

/// Every export ZIP of a user (a prefix).
pub fn exports(user: &UserId) -> String {
    format!("u/{user}/exports")
}

/// A sticker pack job's ZIP.
pub fn pack(user: &UserId, job: &JobId) -> String {
    format!("u/{user}/packs/{job}.zip")
}

/// A job's result blobs (a folder: deleting the job deletes it).
pub fn result_prefix(user: &UserId, job: &JobId) -> String {
    format!("u/{user}/results/{job}/")
}

/// A job's result image (every kind but packs): the job's, not the
/// library's, until the user saves it (issue 22 item 5).
pub fn result(user: &UserId, job: &JobId) -> String {
    format!("{}result", result_prefix(user, job))
}

/// A job result's preview (WebP with alpha, the size of a photo's preview).
pub fn result_preview(user: &UserId, job: &JobId) -> String {
    format!("{}preview.webp", result_prefix(user, job))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ret2_every_key_of_a_user_is_under_the_users_root() {
        let u = UserId::generate();
        let root = user_root(&u);
        let p = PhotoId::generate();
        let w = WorkId::generate();
        for key in [
            photo_prefix(&u, &p),
            photo_original(&u, &p),
            photo_preview(&u, &p),
            photo_thumbnail(&u, &p),
            work_prefix(&u, &w),
            work_image(&u, &w),
            avatar(&u, "v1"),
            export(&u, "00ff"),
            pack(&u, &JobId::generate()),
            result(&u, &JobId::generate()),
            result_preview(&u, &JobId::generate()),
        ] {
            assert!(key.starts_with(&root), "{key} is under {root}");
        }
    }
}
