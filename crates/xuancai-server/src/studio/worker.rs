//! Workers on the database job queue.
//!
//! Each of `studio.workers` slots claims one job at a time (so at most that
//! many photos are in memory at once), renews its lease every third of the
//! lease with the job's progress, and completes or fails the job. A process
//! that dies mid-job leaves the lease to run out; the next claim takes the
//! job again. The result photo's id is derived from the job's id, so a job
//! whose result was stored before the crash completes without running
//! twice, and a job that keeps killing its worker fails with `worker_lost`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tracing::Instrument;
use xuancai_domain::PhotoId;
use xuancai_imaging::compose::{Background, ShadowOptions};
use xuancai_imaging::decode::{self, DecodeLimits};
use xuancai_imaging::encode::OutputFormat;
use xuancai_store::{JobFailure, JobRecord, Store};
use xuancai_vision::{CutoutOptions, Segmentation};

use super::spec::{BackgroundChoice, Job, JobRequest};
use crate::crypto::DataKey;
use crate::error::ApiError;
use crate::routes::AppState;
use crate::routes::photos::{Variant, add_photo};

/// Why a job failed, with a stable code; `retry` when another attempt may
/// succeed (storage or engine trouble), not when the input is at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobError {
    pub code: String,
    pub message: String,
    pub retry: bool,
}

impl JobError {
    pub fn internal(message: impl Into<String>) -> Self {
        Self {
            code: "internal".into(),
            message: message.into(),
            retry: true,
        }
    }

    pub fn permanent(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            retry: false,
        }
    }

    fn from_code(code: &str, message: String) -> Self {
        let retry = matches!(
            code,
            "model_unavailable" | "runtime_unavailable" | "inference_failed" | "internal" | "io_error"
        );
        Self {
            code: code.into(),
            message,
            retry,
        }
    }
}

impl From<xuancai_vision::VisionError> for JobError {
    fn from(e: xuancai_vision::VisionError) -> Self {
        Self::from_code(e.code(), e.to_string())
    }
}

impl From<xuancai_stickers::StickerError> for JobError {
    fn from(e: xuancai_stickers::StickerError) -> Self {
        Self::from_code(e.code(), e.to_string())
    }
}

impl From<xuancai_imaging::ImagingError> for JobError {
    fn from(e: xuancai_imaging::ImagingError) -> Self {
        Self::from_code(e.code(), e.to_string())
    }
}

impl From<ApiError> for JobError {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::Internal(cause) => Self::internal(cause),
            other => Self::permanent(other.status_and_code().1, other.to_string()),
        }
    }
}

impl From<xuancai_store::StoreError> for JobError {
    fn from(e: xuancai_store::StoreError) -> Self {
        Self::internal(e.to_string())
    }
}

impl From<crate::blobs::BlobError> for JobError {
    fn from(e: crate::blobs::BlobError) -> Self {
        Self::internal(e.to_string())
    }
}

/// What a finished job produced (stored as JSON with the job).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobResult {
    /// The new photo in the user's library.
    pub photo: String,
    /// `png`, `jpeg`, `webp` or `gif`.
    pub format: String,
    /// The segmentation model the cutout chose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// What the sticker export changed to meet the platform's rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Start this process's workers (none when `studio.workers` is 0).
pub fn spawn<S: Store>(state: &Arc<AppState<S>>) -> Vec<tokio::task::JoinHandle<()>> {
    let tag: String = crate::crypto::random::<4>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    (0..state.config.studio.workers)
        .map(|slot| {
            let name = format!("{}-{tag}-{slot}", std::process::id());
            tokio::spawn(run_slot(state.clone(), name))
        })
        .collect()
}

async fn run_slot<S: Store>(state: Arc<AppState<S>>, name: String) {
    let poll = Duration::from_millis(state.config.studio.poll_ms.max(10));
    loop {
        match run_next(&state, &name).await {
            Ok(true) => continue,
            Ok(false) => {}
            Err(e) => tracing::error!(error = %e, worker = %name, "job queue unavailable"),
        }
        tokio::select! {
            () = state.job_wake.notified() => {},
            () = tokio::time::sleep(poll) => {},
        }
    }
}

fn lease_ms<S>(state: &AppState<S>) -> i64 {
    state.config.studio.lease_secs.max(1) * 1000
}

/// Claim and run one job; `false` when none was due.
pub async fn run_next<S: Store>(
    state: &AppState<S>,
    worker: &str,
) -> Result<bool, xuancai_store::StoreError> {
    let Some(job) = state.store.claim(worker, state.now(), lease_ms(state)).await? else {
        return Ok(false);
    };
    work(state, worker, job).await?;
    Ok(true)
}

async fn work<S: Store>(
    state: &AppState<S>,
    worker: &str,
    job: JobRecord,
) -> Result<(), xuancai_store::StoreError> {
    let span = tracing::info_span!("job", id = %job.id, kind = %job.kind, attempt = job.attempts);
    work_in_span(state, worker, job).instrument(span).await
}

async fn work_in_span<S: Store>(
    state: &AppState<S>,
    worker: &str,
    job: JobRecord,
) -> Result<(), xuancai_store::StoreError> {
    if job.attempts > job.max_attempts {
        let message = format!("the job stopped its worker {} times", job.attempts - 1);
        tracing::error!(%message, "giving up on the job");
        let failure = JobFailure {
            code: "worker_lost",
            message: &message,
            retry_at: None,
        };
        state.store.fail(&job.id, worker, &failure, state.now()).await?;
        return Ok(());
    }
    let progress = Arc::new(AtomicU8::new(5));
    let lease = lease_ms(state);
    let beat = Duration::from_millis(u64::try_from(lease / 3).unwrap_or(1000).max(10));
    let heartbeat = async {
        loop {
            tokio::time::sleep(beat).await;
            let p = progress.load(Ordering::Relaxed);
            match state
                .store
                .heartbeat(&job.id, worker, p, state.now(), lease)
                .await
            {
                Ok(true) => {}
                Ok(false) => return,
                Err(e) => tracing::warn!(error = %e, "heartbeat failed; retrying"),
            }
        }
    };
    let outcome = tokio::select! {
        r = execute(state, &job, &progress) => r,
        () = heartbeat => {
            tracing::warn!("lost the job's lease; another worker has it");
            return Ok(());
        }
    };
    let now = state.now();
    match outcome {
        Ok(result) => {
            let json =
                serde_json::to_vec(&result).map_err(|e| xuancai_store::StoreError::Backend(e.to_string()))?;
            if state.store.complete(&job.id, worker, &json, now).await? {
                tracing::info!(photo = %result.photo, "job done");
            }
        }
        Err(e) => {
            let backoff = 10_000_i64.saturating_mul(1 << job.attempts.min(6)).min(600_000);
            let retry_at = e.retry.then_some(now + backoff);
            tracing::warn!(code = %e.code, message = %e.message, retry = e.retry, "job attempt failed");
            let failure = JobFailure {
                code: &e.code,
                message: &e.message,
                retry_at,
            };
            state.store.fail(&job.id, worker, &failure, now).await?;
        }
    }
    Ok(())
}

/// The stored request of a job, opened and parsed.
pub fn open_request(job: &JobRecord, key: &DataKey) -> Result<JobRequest, JobError> {
    let plain = key
        .decrypt(&job.params)
        .map_err(|_| JobError::permanent("job_corrupt", "the job's parameters do not decrypt"))?;
    serde_json::from_slice(&plain).map_err(|e| JobError::permanent("job_corrupt", e.to_string()))
}

fn model_name(m: Segmentation) -> String {
    match m {
        Segmentation::Portrait => "portrait".into(),
        Segmentation::General => "general".into(),
    }
}

async fn execute<S: Store>(
    state: &AppState<S>,
    job: &JobRecord,
    progress: &AtomicU8,
) -> Result<JobResult, JobError> {
    let key = state.data_key(&job.user).await?;
    let request = open_request(job, &key)?;
    let parsed = request.parse()?;
    // The result's id comes from the job's: a retry after a crash finds it.
    let result_id = PhotoId::from_bytes(*job.id.as_bytes());
    if let Some(done) = state.store.photo(&job.user, &result_id).await? {
        tracing::info!("the result was stored by an earlier attempt");
        return Ok(JobResult {
            photo: done.id.to_string(),
            format: done.mime.trim_start_matches("image/").to_string(),
            model: None,
            notes: vec!["stored by an earlier attempt".into()],
        });
    }
    let source = match &parsed {
        Job::Cutout { photo, .. } | Job::Sticker { photo, .. } => *photo,
    };
    let bytes = read_photo(state, job, &key, &source).await?;
    progress.store(20, Ordering::Relaxed);
    let limits = DecodeLimits {
        max_bytes: state.config.max_upload_bytes,
        max_pixels: state.config.max_upload_pixels,
    };
    let engines = state.engines.clone();
    let made = match parsed {
        Job::Cutout {
            background,
            model,
            crop,
            shadow,
            ..
        } => {
            let background = match background {
                BackgroundChoice::Transparent => Background::Transparent,
                BackgroundChoice::Color(c) => Background::Color(c),
                BackgroundChoice::Blur(r) => Background::Blur(r),
                BackgroundChoice::Photo(id) => {
                    let bg = read_photo(state, job, &key, &id).await?;
                    let l = limits;
                    let image = tokio::task::spawn_blocking(move || decode::decode(&bg, &l))
                        .await
                        .map_err(|e| JobError::internal(e.to_string()))??;
                    Background::Image(image.image)
                }
            };
            let format = if matches!(background, Background::Transparent) {
                OutputFormat::Png
            } else {
                OutputFormat::Jpeg
            };
            tokio::task::spawn_blocking(move || {
                let studio = engines.studio()?;
                let opts = CutoutOptions {
                    model,
                    background,
                    crop_margin: crop.then_some(16),
                    shadow: shadow.then(ShadowOptions::default),
                    ..CutoutOptions::default()
                };
                let (data, cut) = studio.cutout_bytes(&bytes, &limits, &opts, format)?;
                Ok::<_, JobError>((
                    data,
                    if format == OutputFormat::Png {
                        "png"
                    } else {
                        "jpeg"
                    },
                    Some(model_name(cut.model)),
                    Vec::new(),
                ))
            })
            .await
            .map_err(|e| JobError::internal(e.to_string()))??
        }
        Job::Sticker {
            platform,
            template,
            texts,
            model,
            ..
        } => tokio::task::spawn_blocking(move || {
            let maker = engines.maker()?;
            let made = maker.make(&bytes, &template, &texts, platform, model)?;
            let e = made.export;
            let mut notes = e.notes;
            notes.extend(e.sticker.notes);
            Ok::<_, JobError>((
                e.sticker.bytes,
                e.sticker.format,
                made.model.map(model_name),
                notes,
            ))
        })
        .await
        .map_err(|e| JobError::internal(e.to_string()))??,
    };
    progress.store(85, Ordering::Relaxed);
    let (data, format, model, notes) = made;
    let name = format!(
        "{}-{}.{}",
        job.kind,
        source,
        if format == "jpeg" { "jpg" } else { format }
    );
    let added = add_photo(state, job.user, &key, data, Some(name), result_id).await?;
    state.fault_point("job-after-result");
    Ok(JobResult {
        photo: added.photo.id.to_string(),
        format: format.to_string(),
        model,
        notes,
    })
}

/// A photo's original bytes, if the job's owner still has it.
async fn read_photo<S: Store>(
    state: &AppState<S>,
    job: &JobRecord,
    key: &DataKey,
    id: &PhotoId,
) -> Result<Vec<u8>, JobError> {
    let photo = state
        .store
        .photo(&job.user, id)
        .await?
        .ok_or_else(|| JobError::permanent("photo_not_found", format!("the photo {id} is gone")))?;
    Ok(state.blobs.get(&Variant::Original.key(&photo), key).await?)
}
