//! A job's result after the job (IMG-2..IMG-4; issue 22 items 3 and 5):
//! read it or its preview, save it to the library when the user asks
//! (IMG-1), delete it with its job, and reuse a cut-out for another
//! background without running the model again. Results live under the
//! owner's root (`keys::result`), so they go with the account (RET-2) and
//! are in the export (R-1, `privacy::export`).
//!
//! Nothing a job makes lands in the library by itself: the result is kept
//! under the job (`keys::result`), and [`save`] adds it as a photo — with a
//! name from the photo it was made from — only when the user asks. Saving
//! twice gives the same photo (its id is the job's).

use xuancai_domain::{JobId, PhotoId, UserId};
use xuancai_imaging::decode;
use xuancai_store::{JobKind, JobRecord, JobState, Store};

use super::spec::JobRequest;
use super::worker::open_request;
use crate::App;
use crate::error::AppError;
use crate::photos::{Added, add_photo, file_name};

/// Which of a result's files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultFile {
    /// The file at full resolution, as the job made it.
    Original,
    /// About 1440 px, WebP with the alpha kept.
    Preview,
}

/// A result's bytes and media type.
#[derive(Debug)]
pub struct ResultBytes {
    pub bytes: Vec<u8>,
    pub mime: &'static str,
    /// A download name: the source photo's, what was made, the real format
    /// (none for a preview: it is only shown, so the source photo is not
    /// looked up for it).
    pub file_name: Option<String>,
}

/// The owner's finished job that has an image result (not a pack).
async fn finished<S: Store>(state: &App<S>, user: &UserId, id: &JobId) -> Result<JobRecord, AppError> {
    let job = state.store.job(user, id).await?.ok_or(AppError::NotFound)?;
    if job.kind == JobKind::Pack {
        return Err(AppError::NotFound);
    }
    if job.state != JobState::Done {
        return Err(AppError::Conflict {
            code: "job_not_done",
            message: format!(
                "the job is {}: its result is there once it is done",
                job.state.as_str()
            ),
        });
    }
    Ok(job)
}

/// A result's format: an image's (`jpeg`, `png`, `webp`, `gif`) or `webm`
/// (a Telegram video sticker, issue 22 item 9a).
pub(crate) fn format_of(bytes: &[u8]) -> Option<&'static str> {
    if xuancai_stickers::webm::is_webm(bytes) {
        return Some("webm");
    }
    decode::sniff(bytes).ok().map(|f| f.as_str())
}

fn mime_of(bytes: &[u8]) -> &'static str {
    match format_of(bytes) {
        Some("jpeg") => "image/jpeg",
        Some("png") => "image/png",
        Some("webp") => "image/webp",
        Some("gif") => "image/gif",
        Some("webm") => "video/webm",
        _ => "application/octet-stream",
    }
}

/// What a job made, as words for file names (a sticker names its platform).
fn made(kind: JobKind, request: Option<&JobRequest>) -> String {
    match (kind, request) {
        (JobKind::Sticker, Some(JobRequest::Sticker(s))) => {
            format!("sticker-{}", s.platform.as_deref().unwrap_or("whatsapp"))
        }
        (JobKind::Cutout, _) => "cutout".into(),
        (JobKind::Sticker, _) => "sticker".into(),
        (JobKind::FaceSwap, _) => "face-swap".into(),
        (JobKind::Pack, _) => "pack".into(),
    }
}

/// `{source photo's name without extension}-{what}.{ext}` (the web app
/// names downloads the same way: a browser prefers this name); `xuancai-…` when
/// the source is gone or had no name.
async fn result_name<S: Store>(state: &App<S>, job: &JobRecord, mime: &str) -> Result<String, AppError> {
    let key = state.data_key(&job.user).await?;
    let request = open_request(job, &key).ok();
    let source = request
        .as_ref()
        .and_then(|r| r.subject().and_then(|p| PhotoId::parse(p).ok()));
    let mut stem = String::new();
    if let Some(id) = source
        && let Some(photo) = state.store.photo(&job.user, &id).await?
    {
        let name = file_name(&photo, &key).unwrap_or_default();
        let base = name.rsplit_once('.').map_or(name.as_str(), |(b, _)| b);
        stem = safe_stem(base);
    }
    if stem.is_empty() {
        stem = "xuancai".into();
    }
    Ok(format!(
        "{stem}-{}.{}",
        made(job.kind, request.as_ref()),
        crate::privacy::export_sections::ext(mime)
    ))
}

/// A finished job's result file (the owner's only).
pub async fn read<S: Store>(
    state: &App<S>,
    user: &UserId,
    id: &JobId,
    file: ResultFile,
) -> Result<ResultBytes, AppError> {
    let job = finished(state, user, id).await?;
    let key = state.data_key(user).await?;
    let blob = match file {
        ResultFile::Original => crate::keys::result(user, id),
        ResultFile::Preview => crate::keys::result_preview(user, id),
    };
    let bytes = match state.blobs.get(&blob, &key).await {
        Ok(b) => b,
        // A job finished before results were kept with their jobs has its
        // result in the library (its `urls` name the photo), not here.
        Err(crate::blobs::BlobError::NotFound) => return Err(AppError::NotFound),
        Err(e) => return Err(e.into()),
    };
    let mime = mime_of(&bytes);
    let file_name = match file {
        ResultFile::Original => Some(result_name(state, &job, mime).await?),
        ResultFile::Preview => None,
    };
    Ok(ResultBytes {
        bytes,
        mime,
        file_name,
    })
}

/// A finished job's result that is a picture: the library and works hold
/// pictures, so a video (a Telegram sticker) is refused with
/// `result_not_a_picture` — it is downloaded instead.
pub async fn read_picture<S: Store>(
    state: &App<S>,
    user: &UserId,
    id: &JobId,
) -> Result<ResultBytes, AppError> {
    let result = read(state, user, id, ResultFile::Original).await?;
    if !result.mime.starts_with("image/") {
        return Err(AppError::Unprocessable {
            code: "result_not_a_picture",
            message: format!(
                "the result is {}, not a picture: download it instead",
                result.mime
            ),
        });
    }
    Ok(result)
}

/// Issue 22 item 5: add a finished job's result to the library, under a
/// name from the photo it was made from. Idempotent: the photo's id is the
/// job's, and saving again answers the photo saved before.
pub async fn save<S: Store>(state: &App<S>, user: &UserId, id: &JobId) -> Result<Added, AppError> {
    let result = read_picture(state, user, id).await?;
    let key = state.data_key(user).await?;
    add_photo(
        state,
        *user,
        &key,
        result.bytes,
        result.file_name,
        PhotoId::from_bytes(*id.as_bytes()),
    )
    .await
}

/// How a pack downloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackFormat {
    /// The platform's import layout, as made.
    Zip,
    /// A WhatsApp pack as a `.wastickers` file (issue 22 item 9).
    Wastickers,
}

/// A finished pack job's ZIP and its files (the owner's only).
async fn pack_of<S: Store>(
    state: &App<S>,
    user: &UserId,
    id: &JobId,
) -> Result<(JobRecord, Vec<u8>), AppError> {
    let job = state.store.job(user, id).await?.ok_or(AppError::NotFound)?;
    if job.kind != JobKind::Pack || job.state != JobState::Done {
        return Err(AppError::NotFound);
    }
    let key = state.data_key(user).await?;
    match state.blobs.get(&crate::keys::pack(user, id), &key).await {
        Ok(zip) => Ok((job, zip)),
        Err(crate::blobs::BlobError::NotFound) => Err(AppError::NotFound),
        Err(e) => Err(e.into()),
    }
}

fn pack_files(zip: &[u8]) -> Result<xuancai_stickers::pack::Files, AppError> {
    xuancai_stickers::pack::read_zip(zip).map_err(|e| AppError::Internal(format!("a stored pack: {e}")))
}

/// A pack's download: its ZIP, or a WhatsApp pack as `.wastickers`, named
/// after the pack.
pub async fn pack_download<S: Store>(
    state: &App<S>,
    user: &UserId,
    id: &JobId,
    format: PackFormat,
) -> Result<ResultBytes, AppError> {
    let (job, zip) = pack_of(state, user, id).await?;
    let key = state.data_key(user).await?;
    let name = match open_request(&job, &key) {
        Ok(JobRequest::Pack(p)) => safe_stem(&p.name),
        _ => String::new(),
    };
    let name = if name.is_empty() {
        format!("xuancai-pack-{id}")
    } else {
        name
    };
    match format {
        PackFormat::Zip => Ok(ResultBytes {
            bytes: zip,
            mime: "application/zip",
            file_name: Some(format!("{name}.zip")),
        }),
        PackFormat::Wastickers => {
            let files = pack_files(&zip)?;
            let out = xuancai_stickers::wastickers::wastickers(&files).map_err(|_| AppError::NotFound)?;
            let bytes =
                xuancai_stickers::pack::write_zip(&out).map_err(|e| AppError::Internal(e.to_string()))?;
            Ok(ResultBytes {
                bytes,
                mime: "application/octet-stream",
                file_name: Some(format!("{name}.wastickers")),
            })
        }
    }
}

/// Sticker `n` (from 1) of a finished pack, for the grid preview before the
/// download (issue 22 item 9).
pub async fn pack_sticker<S: Store>(
    state: &App<S>,
    user: &UserId,
    id: &JobId,
    n: usize,
) -> Result<ResultBytes, AppError> {
    let (_, zip) = pack_of(state, user, id).await?;
    let files = pack_files(&zip)?;
    let stickers = xuancai_stickers::wastickers::stickers(&files);
    let (name, bytes) = n
        .checked_sub(1)
        .and_then(|i| stickers.get(i))
        .ok_or(AppError::NotFound)?;
    Ok(ResultBytes {
        bytes: bytes.to_vec(),
        mime: xuancai_stickers::wastickers::media_type(name),
        file_name: Some(name.rsplit('/').next().unwrap_or(name).to_string()),
    })
}

/// A name as a file name: no path or control characters, at most 80.
fn safe_stem(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_control() || "\\/:*?\"<>|".contains(c) {
                '_'
            } else {
                c
            }
        })
        .take(80)
        .collect::<String>()
        .trim()
        .to_string()
}

/// Delete a finished or failed job and everything it made (its result and
/// preview, or a pack's ZIP): the blobs are queued for deletion (due now)
/// before the row goes, so a crash between leaves nothing behind. A photo
/// saved from it stays in the library, as any photo. A queued or running
/// job is refused (`job_not_done`).
pub async fn delete<S: Store>(state: &App<S>, user: &UserId, id: &JobId) -> Result<(), AppError> {
    let job = state.store.job(user, id).await?.ok_or(AppError::NotFound)?;
    if !job.state.is_final() {
        return Err(AppError::Conflict {
            code: "job_not_done",
            message: format!("the job is {}: delete it once it has ended", job.state.as_str()),
        });
    }
    let now = state.now();
    for prefix in [crate::keys::result_prefix(user, id), crate::keys::pack(user, id)] {
        state.store.schedule_gc(&prefix, now).await?;
    }
    if !state.store.delete_job(user, id).await? {
        return Err(AppError::NotFound);
    }
    tracing::info!(job = %id, "job deleted with its result");
    Ok(())
}

/// What an earlier cut-out is reused for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reuse {
    /// Issue 22 item 3: another background (and touch-ups) drawn at full
    /// resolution: the cut-out must be plain — transparent, uncropped, no
    /// shadow, no touch-up (the subject's colours and alpha at the photo's
    /// size).
    Recompose,
    /// Issue 22 item 4: a sticker of the subject as the user left it —
    /// transparent and without a shadow; touch-ups and a crop are what it
    /// is for.
    Sticker,
}

/// Whether the cut-out of the earlier job `from` may be reused for `what`
/// without running the model again: the owner's finished cutout of the
/// same photo, meeting [`Reuse`]'s rules.
pub async fn check_reusable<S: Store>(
    state: &App<S>,
    user: &UserId,
    from: &JobId,
    photo: &PhotoId,
    what: Reuse,
) -> Result<(), AppError> {
    let job = state
        .store
        .job(user, from)
        .await?
        .ok_or_else(|| not_reusable(from, "is not yours or is gone"))?;
    if job.kind != JobKind::Cutout || job.state != JobState::Done {
        return Err(not_reusable(from, "is not a finished cutout"));
    }
    let key = state.data_key(user).await?;
    let Ok(JobRequest::Cutout(c)) = open_request(&job, &key) else {
        return Err(not_reusable(from, "is not a cutout"));
    };
    if PhotoId::parse(&c.photo).ok().as_ref() != Some(photo) {
        return Err(not_reusable(from, "cut out another photo"));
    }
    let plain = match what {
        Reuse::Recompose => {
            !(c.background.is_some() || c.crop || c.shadow || c.from.is_some() || c.edit.is_some())
        }
        Reuse::Sticker => c.background.is_none() && !c.shadow,
    };
    if !plain {
        return Err(not_reusable(
            from,
            match what {
                Reuse::Recompose => "was not a plain transparent cutout",
                Reuse::Sticker => "has a background or a shadow",
            },
        ));
    }
    Ok(())
}

fn not_reusable(from: &JobId, why: &str) -> AppError {
    AppError::Unprocessable {
        code: "cutout_not_reusable",
        message: format!("the job {from} {why}: cut the photo out again without `from`"),
    }
}

/// The cut-out of `from` (checked by [`check_reusable`]), as stored.
pub async fn reusable_cut<S: Store>(
    state: &App<S>,
    user: &UserId,
    from: &JobId,
    photo: &PhotoId,
    what: Reuse,
) -> Result<Vec<u8>, AppError> {
    check_reusable(state, user, from, photo, what).await?;
    let key = state.data_key(user).await?;
    match state.blobs.get(&crate::keys::result(user, from), &key).await {
        Ok(b) => Ok(b),
        Err(crate::blobs::BlobError::NotFound) => Err(not_reusable(from, "has no stored result")),
        Err(e) => Err(e.into()),
    }
}
