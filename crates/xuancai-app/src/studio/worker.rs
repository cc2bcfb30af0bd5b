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
use xuancai_store::{JobFailure, JobRecord, Store};

use super::spec::JobRequest;
use crate::App;
use crate::crypto::DataKey;
use crate::error::AppError;
use xuancai_store::SealedColumn;

/// How soon after a step its progress reaches the store (and the user).
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

/// A running job's progress in percent, written to the store by the
/// heartbeat soon after it changes.
#[derive(Debug)]
pub struct Progress {
    value: AtomicU8,
    changed: tokio::sync::Notify,
}

impl Progress {
    pub fn new(percent: u8) -> Self {
        Self {
            value: AtomicU8::new(percent),
            changed: tokio::sync::Notify::new(),
        }
    }

    /// A step is done: `percent` of the job.
    pub fn set(&self, percent: u8) {
        self.value.store(percent.min(100), Ordering::Relaxed);
        self.changed.notify_one();
    }

    pub fn get(&self) -> u8 {
        self.value.load(Ordering::Relaxed)
    }
}

/// Where a pack job is after `done` of its `of` stickers: 10 % to 85 %,
/// sticker by sticker (the ZIP takes it on from there).
pub fn pack_progress(done: usize, of: usize) -> u8 {
    let share = done.min(of) * 75 / of.max(1);
    u8::try_from(10 + share).unwrap_or(85)
}

/// What a running job is doing, told from its progress (issue 22 item 6):
/// the steps are the worker's own (`progress.set` in `run`), so the client
/// can say "制作第 2/3 张" rather than a bare percentage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// Reading the photos.
    Reading,
    /// The model and the drawing (a cutout, a swap, a sticker).
    Working,
    /// A pack: sticker `number` of `of` (from 1).
    Sticker { number: usize, of: usize },
    /// Encoding and storing the result (a pack: the ZIP).
    Storing,
}

impl Step {
    /// The step of a running job of `kind` at `progress` %, for a pack of
    /// `stickers` photos.
    pub fn of(kind: xuancai_store::JobKind, progress: u8, stickers: usize) -> Self {
        match kind {
            xuancai_store::JobKind::Pack => {
                if progress < 10 {
                    Self::Reading
                } else if progress >= 85 {
                    Self::Storing
                } else {
                    let of = stickers.max(1);
                    let done = (1..=of).take_while(|&d| pack_progress(d, of) <= progress).count();
                    Self::Sticker {
                        number: (done + 1).min(of),
                        of,
                    }
                }
            }
            _ if progress < 20 => Self::Reading,
            _ if progress >= 85 => Self::Storing,
            _ => Self::Working,
        }
    }
}

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

    /// Trouble another attempt may mend (a processor that is down).
    pub fn retryable(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
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
            "model_unavailable"
                | "runtime_unavailable"
                | "inference_failed"
                | "internal"
                | "io_error"
                | "processor_unavailable"
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

impl From<AppError> for JobError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Internal(cause) => Self::internal(cause),
            other => Self::permanent(other.code(), other.to_string()),
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct JobResult {
    /// The new photo in the user's library (every kind but packs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo: Option<String>,
    /// `png`, `jpeg`, `webp`, `gif` or, for a pack, `zip`.
    pub format: String,
    /// A pack: the ZIP's size; it downloads from the job's `download` URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// A pack: how many stickers it holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stickers: Option<usize>,
    /// A face swap: the target's faces replaced (left to right from 0), and
    /// that the result carries the AI-content labels (IMG-3).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faces: Vec<usize>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ai_labelled: bool,
    /// The processor the photo was sent to (IMG-5), when not processed here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processor: Option<String>,
    /// The segmentation model the cutout chose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// What the sticker export changed to meet the platform's rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Start this process's workers (none when `studio.workers` is 0).
pub fn spawn<S: Store>(state: &Arc<App<S>>) -> Vec<tokio::task::JoinHandle<()>> {
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

async fn run_slot<S: Store>(state: Arc<App<S>>, name: String) {
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

fn lease_ms<S>(state: &App<S>) -> i64 {
    state.config.studio.lease_secs.max(1) * 1000
}

/// Claim and run one job; `false` when none was due.
pub async fn run_next<S: Store>(state: &App<S>, worker: &str) -> Result<bool, xuancai_store::StoreError> {
    let Some(job) = state.store.claim(worker, state.now(), lease_ms(state)).await? else {
        return Ok(false);
    };
    work(state, worker, job).await?;
    Ok(true)
}

async fn work<S: Store>(
    state: &App<S>,
    worker: &str,
    job: JobRecord,
) -> Result<(), xuancai_store::StoreError> {
    let span = tracing::info_span!("job", id = %job.id, kind = %job.kind, attempt = job.attempts);
    work_in_span(state, worker, job).instrument(span).await
}

async fn work_in_span<S: Store>(
    state: &App<S>,
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
    let progress = Arc::new(Progress::new(5));
    let lease = lease_ms(state);
    let beat = Duration::from_millis(u64::try_from(lease / 3).unwrap_or(1000).max(10));
    let heartbeat = async {
        loop {
            // Every third of the lease, and soon after each step (issue 22
            // item 6: the bar stood at 0 % for the whole first beat, 20 s).
            tokio::select! {
                () = tokio::time::sleep(beat) => {}
                () = progress.changed.notified() => tokio::time::sleep(PROGRESS_EVERY).await,
            }
            let p = progress.get();
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
    let started = std::time::Instant::now();
    let outcome = tokio::select! {
        r = super::run::execute(state, &job, &progress) => r,
        () = heartbeat => {
            tracing::warn!("lost the job's lease; another worker has it");
            return Ok(());
        }
    };
    let now = state.now();
    let metrics = crate::metrics::global();
    let result = match &outcome {
        Ok(_) => "done",
        Err(e) if e.retry => "retry",
        Err(_) => "failed",
    };
    metrics.count(
        "xuancai_jobs_finished_total",
        &[("kind", job.kind.as_str()), ("outcome", result)],
        1,
    );
    metrics.observe(
        "xuancai_job_duration_seconds",
        &[("kind", job.kind.as_str())],
        started.elapsed().as_secs_f64(),
    );
    match outcome {
        Ok(result) => {
            let json =
                serde_json::to_vec(&result).map_err(|e| xuancai_store::StoreError::Backend(e.to_string()))?;
            if state.store.complete(&job.id, worker, &json, now).await? {
                tracing::info!(photo = ?result.photo, "job done");
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
        .open(SealedColumn::JobParams, job.id.as_bytes(), &job.params)
        .map_err(|_| JobError::permanent("job_corrupt", "the job's parameters do not decrypt"))?;
    serde_json::from_slice(&plain).map_err(|e| JobError::permanent("job_corrupt", e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::{Step, pack_progress};
    use xuancai_store::JobKind;

    #[test]
    fn img4_a_packs_step_follows_the_workers_progress_sticker_by_sticker() {
        let steps: Vec<Step> = [
            5,
            pack_progress(0, 3),
            pack_progress(1, 3),
            pack_progress(2, 3),
            pack_progress(3, 3),
        ]
        .into_iter()
        .map(|p| Step::of(JobKind::Pack, p, 3))
        .collect();
        assert_eq!(
            steps,
            [
                Step::Reading,
                Step::Sticker { number: 1, of: 3 },
                Step::Sticker { number: 2, of: 3 },
                Step::Sticker { number: 3, of: 3 },
                Step::Storing,
            ]
        );
        assert_eq!(Step::of(JobKind::Cutout, 20, 0), Step::Working);
        assert_eq!(Step::of(JobKind::Cutout, 85, 0), Step::Storing);
        assert_eq!(
            Step::of(JobKind::Pack, 50, 0),
            Step::Sticker { number: 1, of: 1 },
            "no photos named: one"
        );
    }
}
