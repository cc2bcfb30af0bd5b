//! The studio's job queue (issue 7), kept in the database so that jobs
//! survive restarts and every process sharing the database can work on it.
//!
//! A job is claimed under a lease: the worker that holds it sends heartbeats
//! (with its progress) before the lease runs out; a job whose lease expired
//! (its worker died) is claimed again by the next worker. Only the lease
//! holder can complete or fail a job, so a job completes at most once even
//! when a presumed-dead worker wakes up late. Jobs go with their owner's
//! account (RET-2).

use std::future::Future;

use xuancai_domain::{JobId, UserId};

use crate::{Millis, Result};

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    /// Waiting for a worker (first time or after a failure with retries left).
    Queued,
    /// Claimed by a worker whose lease may still run.
    Running,
    Done,
    /// Failed for good: out of attempts, or an error that retrying cannot mend.
    Failed,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "queued" => Some(Self::Queued),
            "running" => Some(Self::Running),
            "done" => Some(Self::Done),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }

    /// Done or failed: nothing more will happen to it.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Done | Self::Failed)
    }
}

/// What a job does: one of the studio's kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    Cutout,
    Sticker,
    FaceSwap,
    Pack,
}

impl JobKind {
    pub const ALL: [Self; 4] = [Self::Cutout, Self::Sticker, Self::FaceSwap, Self::Pack];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cutout => "cutout",
            Self::Sticker => "sticker",
            Self::FaceSwap => "face_swap",
            Self::Pack => "pack",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl std::fmt::Display for JobKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A job to enqueue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    pub id: JobId,
    pub user: UserId,
    /// What to do: `cutout`, `sticker`, …
    pub kind: JobKind,
    /// The parameters, opaque here (the server seals them under the owner's data key).
    pub params: Vec<u8>,
    pub max_attempts: u32,
    pub created_at: Millis,
    /// CON-3: the job processes faces or portraits (cancelled when the face
    /// consent is withdrawn, CON-4).
    pub faces: bool,
}

/// A job as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRecord {
    pub id: JobId,
    pub user: UserId,
    pub kind: JobKind,
    pub params: Vec<u8>,
    pub state: JobState,
    /// 0–100.
    pub progress: u8,
    /// Claims so far (a claim after an expired lease counts).
    pub attempts: u32,
    pub max_attempts: u32,
    /// Not before this time (backoff after a failure).
    pub run_after: Millis,
    pub locked_by: Option<String>,
    pub locked_until: Option<Millis>,
    /// What a finished job produced, opaque here (JSON naming the result assets).
    pub result: Option<Vec<u8>>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// How a failed attempt ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobFailure<'a> {
    /// A stable error code (`image_corrupt`, `worker_lost`, …).
    pub code: &'a str,
    pub message: &'a str,
    /// Try again at this time, if attempts remain; `None` fails it for good.
    pub retry_at: Option<Millis>,
}

/// The job queue.
pub trait JobStore: Send + Sync {
    fn enqueue(&self, job: &NewJob) -> impl Future<Output = Result<()>> + Send;

    /// Claim the next due job — queued and due, or running with an expired
    /// lease — for `worker` until `now + lease_ms`, counting an attempt.
    /// Concurrent claims never return the same job.
    fn claim(
        &self,
        worker: &str,
        now: Millis,
        lease_ms: i64,
    ) -> impl Future<Output = Result<Option<JobRecord>>> + Send;

    /// Extend the lease and record progress; `false` if `worker` no longer
    /// holds the job (its lease expired and another worker took it).
    fn heartbeat(
        &self,
        id: &JobId,
        worker: &str,
        progress: u8,
        now: Millis,
        lease_ms: i64,
    ) -> impl Future<Output = Result<bool>> + Send;

    /// Finish the job with its result; `false` (and no change) unless
    /// `worker` holds it.
    fn complete(
        &self,
        id: &JobId,
        worker: &str,
        result: &[u8],
        now: Millis,
    ) -> impl Future<Output = Result<bool>> + Send;

    /// Record a failed attempt: back to the queue at `retry_at` while
    /// attempts remain, else failed for good. `false` unless `worker` holds it.
    fn fail(
        &self,
        id: &JobId,
        worker: &str,
        failure: &JobFailure<'_>,
        now: Millis,
    ) -> impl Future<Output = Result<bool>> + Send;

    /// Fail every queued or running job of the user that processes faces,
    /// of any kind, for good (a withdrawn face consent, CON-4): a worker
    /// still running one loses its lease at its next heartbeat and cannot
    /// complete it. Returns how many.
    fn cancel_face_jobs(
        &self,
        user: &UserId,
        failure: &JobFailure<'_>,
        now: Millis,
    ) -> impl Future<Output = Result<u64>> + Send;

    /// The owner's job (another user's reads as `None`).
    fn job(&self, user: &UserId, id: &JobId) -> impl Future<Output = Result<Option<JobRecord>>> + Send;

    /// The owner's jobs, newest first.
    fn user_jobs(&self, user: &UserId, limit: u32) -> impl Future<Output = Result<Vec<JobRecord>>> + Send;

    /// Delete the owner's job if it is finished or failed (never one that is
    /// queued or running); whether it was. Its blobs are the caller's to
    /// schedule for deletion.
    fn delete_job(&self, user: &UserId, id: &JobId) -> impl Future<Output = Result<bool>> + Send;

    /// How many of the user's jobs are queued or running (for the per-user cap).
    fn pending_jobs(&self, user: &UserId) -> impl Future<Output = Result<u64>> + Send;

    /// How many jobs are in a state (metrics, tests).
    fn count_jobs(&self, state: JobState) -> impl Future<Output = Result<u64>> + Send;

    /// Queued and running jobs by kind and state, with the oldest one's
    /// creation time (the operator's metrics, issue 23 item 4).
    fn queue_stats(&self) -> impl Future<Output = Result<Vec<QueueStat>>> + Send;

    /// Take the lease `name` for `holder` until `until` if it is free or
    /// expired at `now`, or renew it if `holder` has it (issue 23 item 2);
    /// whether `holder` holds it now. Of any number of nodes asking at
    /// once, one gets it.
    fn take_lease(
        &self,
        name: &str,
        holder: &str,
        now: Millis,
        until: Millis,
    ) -> impl Future<Output = Result<bool>> + Send;

    /// Give the lease back, if `holder` has it.
    fn release_lease(&self, name: &str, holder: &str) -> impl Future<Output = Result<()>> + Send;
}

/// Jobs of one kind in one state; see [`JobStore::queue_stats`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueStat {
    pub kind: JobKind,
    pub state: JobState,
    pub count: u64,
    pub oldest_created_at: Millis,
}
