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

use xuancai_domain::UserId;
use xuancai_domain::privacy::{RequestKind, RequestMove, RequestStatus};
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

/// The built export `id` of `user`, streamed from the store: not
/// found unless it is theirs; `export_not_ready` while it is being built;
/// `export_expired` after its window or a deletion.
pub async fn download<S: Store>(
    state: &App<S>,
    user: &UserId,
    id: &[u8; 16],
) -> Result<crate::blobs::PlainStream, AppError> {
    let r = state
        .store
        .request(id)
        .await?
        .filter(|r| r.user == *user && r.kind == RequestKind::Export)
        .ok_or(AppError::NotFound)?;
    if r.status != RequestStatus::Done {
        return Err(AppError::Conflict {
            code: "export_not_ready",
            message: "the export is still being prepared".into(),
        });
    }
    let key = state.data_key(user).await?;
    match state.blobs.get_stream(&export_key(user, id), &key).await {
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

/// Build an export request's ZIP: `personal-data.json` with every
/// record about the user, decrypted, and `photos/ID.EXT` originals. Moves
/// the request verified → in progress → done; idempotent.
pub async fn build_export<S: Store>(state: &App<S>, id: &[u8; 16]) {
    let now = state.now();
    match state.store.move_request(id, RequestMove::START, None, now).await {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => {
            tracing::error!(error = %e, "export: starting failed");
            return;
        }
    }
    let result = async {
        let r = state.store.request(id).await?.ok_or(AppError::NotFound)?;
        let blob = export_key(&r.user, id);
        // Queued before it exists: deleted when the window ends, whatever happens.
        state
            .store
            .schedule_gc(&blob, state.now() + DOWNLOAD_WINDOW_DAYS * 86_400_000)
            .await?;
        write_export(state, &r.user, &blob).await
    }
    .await;
    match result {
        Ok(bytes) => {
            let note = format!("export ready ({bytes} bytes)");
            if let Err(e) = state
                .store
                .move_request(id, RequestMove::FINISH, Some(&note), state.now())
                .await
            {
                tracing::error!(error = %e, "export: finishing failed");
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "export failed; will retry");
            let _ = state
                .store
                .move_request(id, RequestMove::REQUEUE, None, state.now())
                .await;
        }
    }
}

/// The ZIP's bytes written so far, taken by the sealed upload after each
/// step (the ZIP is written in stored mode, so a step costs a copy).
#[derive(Debug, Default, Clone)]
struct Spool(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Spool {
    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }
}

impl std::io::Write for Spool {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A ZIP written straight into a sealed, streamed blob (issue 19 item 9):
/// one source piece in memory at a time, never the archive.
struct ExportWriter {
    zip: zip::ZipWriter<zip::write::StreamWriter<Spool>>,
    spool: Spool,
    out: crate::blobs::SealedUpload,
    written: u64,
}

fn zip_error(e: &dyn std::fmt::Display) -> AppError {
    AppError::Internal(format!("zip: {e}"))
}

impl ExportWriter {
    fn options() -> zip::write::SimpleFileOptions {
        zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .large_file(true)
    }

    async fn drain(&mut self) -> Result<(), AppError> {
        let bytes = self.spool.take();
        self.written += bytes.len() as u64;
        self.out.write(&bytes).await?;
        Ok(())
    }

    async fn file(&mut self, name: &str, bytes: &[u8]) -> Result<(), AppError> {
        self.zip
            .start_file(name, Self::options())
            .map_err(|e| zip_error(&e))?;
        std::io::Write::write_all(&mut self.zip, bytes).map_err(|e| zip_error(&e))?;
        self.drain().await
    }

    /// A blob copied into the archive piece by piece; false when it is gone.
    async fn blob<S: Store>(
        &mut self,
        state: &App<S>,
        name: &str,
        key: &str,
        data_key: &crate::crypto::DataKey,
    ) -> Result<bool, AppError> {
        use futures_util::TryStreamExt as _;
        let mut pieces = match state.blobs.get_stream(key, data_key).await {
            Ok(p) => p,
            Err(crate::blobs::BlobError::NotFound) => return Ok(false),
            Err(e) => return Err(e.into()),
        };
        self.zip
            .start_file(name, Self::options())
            .map_err(|e| zip_error(&e))?;
        while let Some(piece) = pieces.try_next().await? {
            std::io::Write::write_all(&mut self.zip, &piece).map_err(|e| zip_error(&e))?;
            self.drain().await?;
        }
        Ok(true)
    }

    async fn finish(mut self) -> Result<u64, AppError> {
        let zip = std::mem::replace(&mut self.zip, zip::ZipWriter::new_stream(Spool::default()));
        zip.finish().map_err(|e| zip_error(&e))?;
        self.drain().await?;
        self.out.finish().await?;
        Ok(self.written)
    }
}

/// Write `user`'s export to the blob `blob`; returns the archive's size.
/// On failure nothing is left under `blob`.
pub async fn write_export<S: Store>(state: &App<S>, user: &UserId, blob: &str) -> Result<u64, AppError> {
    let g = super::export_sections::gather(state, user).await?;
    let spool = Spool::default();
    let mut w = ExportWriter {
        zip: zip::ZipWriter::new_stream(spool.clone()),
        spool,
        out: state.blobs.put_stream(blob, &g.key).await?,
        written: 0,
    };
    match fill(state, &g, &mut w).await {
        Ok(()) => w.finish().await,
        Err(e) => {
            w.out.abort().await;
            Err(e)
        }
    }
}

async fn fill<S: Store>(
    state: &App<S>,
    g: &super::export_sections::Gathered,
    w: &mut ExportWriter,
) -> Result<(), AppError> {
    let (data, index) = super::export_sections::documents(g);
    w.file("index.md", index.as_bytes()).await?;
    let json = serde_json::to_vec_pretty(&data).map_err(|e| AppError::Internal(e.to_string()))?;
    w.file("personal-data.json", &json).await?;
    let (user, key) = (&g.user, &g.key);
    for p in &g.photos {
        let name = format!("photos/{}", photo_file(p));
        if !w
            .blob(state, &name, &crate::photos::Variant::Original.key(p), key)
            .await?
        {
            return Err(AppError::Internal(format!(
                "export: the original of {} is missing",
                p.id
            )));
        }
    }
    for work in &g.works {
        let name = format!("works/{}.{}", work.id, super::export_sections::ext(&work.mime));
        if !w
            .blob(state, &name, &crate::keys::work_image(user, &work.id), key)
            .await?
        {
            return Err(AppError::Internal(format!(
                "export: the image of {} is missing",
                work.id
            )));
        }
    }
    for j in g
        .jobs
        .iter()
        .filter(|j| j.kind == xuancai_store::JobKind::Pack && j.state == xuancai_store::JobState::Done)
    {
        w.blob(
            state,
            &format!("packs/{}.zip", j.id),
            &crate::keys::pack(user, &j.id),
            key,
        )
        .await?;
    }
    // Issue 22 item 5: results kept with their jobs, saved or not.
    for j in g
        .jobs
        .iter()
        .filter(|j| j.kind != xuancai_store::JobKind::Pack && j.state == xuancai_store::JobState::Done)
    {
        let format = j
            .result
            .as_deref()
            .and_then(|r| serde_json::from_slice::<crate::studio::worker::JobResult>(r).ok())
            .map(|r| r.format)
            .unwrap_or_default();
        let ext = if format == "jpeg" { "jpg" } else { format.as_str() };
        w.blob(
            state,
            &format!("results/{}.{ext}", j.id),
            &crate::keys::result(user, &j.id),
            key,
        )
        .await?;
    }
    if let Some(v) = &g.profile.avatar_version {
        w.blob(state, "avatar.webp", &crate::keys::avatar(user, v), key)
            .await?;
    }
    Ok(())
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
