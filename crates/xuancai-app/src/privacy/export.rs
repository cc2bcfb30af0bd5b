//! The export of a user's personal information: a ZIP with
//! `index.md` (a guide to read it by), `personal-data.json` with one section
//! per category of the privacy inventory (`export_sections`), and the
//! original media — photos, works, sticker packs, the avatar — built by the
//! maintenance jobs for a verified export request. Schema: docs/EXPORT.md.
//!
//! An archive is a copy of the user's data, so it does not outlive its use
//! (issue 19 item 9): it is deleted when its download window
//! ([`DOWNLOAD_WINDOW_DAYS`]) ends, and at once when the user's data is
//! deleted (a photo purged, a deletion request carried out) —
//! [`discard_archives`]. Both go through the blob clean-up queue, so they
//! survive restarts.

use std::io::Write as _;

use xuancai_domain::UserId;
use xuancai_store::Store;

use super::requests::hex;
use crate::App;
use crate::error::AppError;

pub fn export_key(user: &UserId, id: &[u8; 16]) -> String {
    crate::keys::export(user, &hex(id))
}

/// How long a built export can be downloaded.
pub const DOWNLOAD_WINDOW_DAYS: i64 = 7;

/// The user's data changed by a deletion: every export archive built before
/// it would hand back what was deleted, so all of them go now.
pub async fn discard_archives<S: Store>(state: &App<S>, user: &UserId) -> Result<(), AppError> {
    state
        .store
        .schedule_gc(&crate::keys::exports(user), state.now())
        .await?;
    Ok(())
}

/// Build an export request's ZIP: `personal-data.json` with every
/// record about the user, decrypted, and `photos/ID.EXT` originals. Moves
/// the request verified → in progress → done; idempotent.
/// The built export `id` of `user`: not found unless it is theirs;
/// `export_not_ready` while it is being built.
pub async fn download<S: Store>(state: &App<S>, user: &UserId, id: &[u8; 16]) -> Result<Vec<u8>, AppError> {
    let r = state
        .store
        .request(id)
        .await?
        .filter(|r| r.user == *user && r.kind == "export")
        .ok_or(AppError::NotFound)?;
    if r.status != "done" {
        return Err(AppError::Conflict {
            code: "export_not_ready",
            message: "the export is still being prepared".into(),
        });
    }
    let key = state.data_key(user).await?;
    match state.blobs.get(&export_key(user, id), &key).await {
        Ok(zip) => Ok(zip),
        Err(crate::blobs::BlobError::NotFound) => Err(AppError::Conflict {
            code: "export_expired",
            message: format!(
                "an export can be downloaded for {DOWNLOAD_WINDOW_DAYS} days, and not after data in it \
                 was deleted; request a new one"
            ),
        }),
        Err(e) => Err(e.into()),
    }
}

pub async fn build_export<S: Store>(state: &App<S>, id: &[u8; 16]) {
    let now = state.now();
    match state
        .store
        .move_request(id, "verified", "in_progress", None, now)
        .await
    {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => {
            tracing::error!(error = %e, "export: starting failed");
            return;
        }
    }
    let result = async {
        let r = state.store.request(id).await?.ok_or(AppError::NotFound)?;
        let zip = export_zip(state, &r.user).await?;
        let key = state.data_key(&r.user).await?;
        let blob = export_key(&r.user, id);
        // Queued before it exists: deleted when the window ends, whatever happens.
        state
            .store
            .schedule_gc(&blob, state.now() + DOWNLOAD_WINDOW_DAYS * 86_400_000)
            .await?;
        state.blobs.put(&blob, &zip, &key).await?;
        Ok::<_, AppError>(zip.len())
    }
    .await;
    match result {
        Ok(bytes) => {
            let note = format!("export ready ({bytes} bytes)");
            if let Err(e) = state
                .store
                .move_request(id, "in_progress", "done", Some(&note), state.now())
                .await
            {
                tracing::error!(error = %e, "export: finishing failed");
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "export failed; will retry");
            let _ = state
                .store
                .move_request(id, "in_progress", "verified", None, state.now())
                .await;
        }
    }
}

pub async fn export_zip<S: Store>(state: &App<S>, user: &UserId) -> Result<Vec<u8>, AppError> {
    let g = super::export_sections::gather(state, user).await?;
    let (data, index) = super::export_sections::documents(&g);
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("index.md".into(), index.into_bytes()),
        (
            "personal-data.json".into(),
            serde_json::to_vec_pretty(&data).map_err(|e| AppError::Internal(e.to_string()))?,
        ),
    ];
    let key = &g.key;
    for p in &g.photos {
        let bytes = state
            .blobs
            .get(&crate::photos::Variant::Original.key(p), key)
            .await?;
        files.push((format!("photos/{}", photo_file(p)), bytes));
    }
    for w in &g.works {
        let bytes = state
            .blobs
            .get(&crate::keys::work_image(user, &w.id), key)
            .await?;
        files.push((
            format!("works/{}.{}", w.id, super::export_sections::ext(&w.mime)),
            bytes,
        ));
    }
    for j in g
        .jobs
        .iter()
        .filter(|j| j.kind == "pack" && j.state.as_str() == "done")
    {
        match state.blobs.get(&crate::keys::pack(user, &j.id), key).await {
            Ok(b) => files.push((format!("packs/{}.zip", j.id), b)),
            Err(crate::blobs::BlobError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
    if let Some(v) = &g.profile.avatar_version
        && let Ok(b) = state.blobs.get(&crate::keys::avatar(user, v), key).await
    {
        files.push(("avatar.webp".into(), b));
    }
    tokio::task::spawn_blocking(move || zip_files(&files))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
}

pub fn photo_file(p: &xuancai_store::PhotoRecord) -> String {
    let ext = match p.mime.as_str() {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/webp" => "webp",
        "image/gif" => "gif",
        _ => "bin",
    };
    format!("{}.{ext}", p.id)
}

pub fn zip_files(files: &[(String, Vec<u8>)]) -> Result<Vec<u8>, AppError> {
    let err = |e: &dyn std::fmt::Display| AppError::Internal(format!("zip: {e}"));
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(false);
    for (name, bytes) in files {
        w.start_file(name.as_str(), opts).map_err(|e| err(&e))?;
        w.write_all(bytes).map_err(|e| err(&e))?;
    }
    Ok(w.finish().map_err(|e| err(&e))?.into_inner())
}
