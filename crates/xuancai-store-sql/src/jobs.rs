//! The studio's job queue (see `xuancai_store::JobStore`).

use xuancai_store::{JobRecord, JobState, Result, StoreError};

/// The columns every job query returns, in [`JobRow`]'s order.
#[macro_export]
#[doc(hidden)]
macro_rules! job_columns {
    () => {
        "id, user_id, kind, params, state, progress, attempts, max_attempts, run_after, locked_by, \
         locked_until, result, error_code, error_message, created_at, updated_at"
    };
}

#[doc(hidden)]
pub type JobRow = (
    Vec<u8>,
    Vec<u8>,
    String,
    Vec<u8>,
    String,
    i64,
    i64,
    i64,
    i64,
    Option<String>,
    Option<i64>,
    Option<Vec<u8>>,
    Option<String>,
    Option<String>,
    i64,
    i64,
);

#[doc(hidden)]
pub fn job_record(r: JobRow) -> Result<JobRecord> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("job {what}"));
    Ok(JobRecord {
        id: xuancai_domain::JobId::from_bytes(crate::privacy::id16(r.0, "job")?),
        user: crate::user_id(r.1)?,
        kind: r.2,
        params: r.3,
        state: JobState::parse(&r.4).ok_or_else(|| corrupt("state"))?,
        progress: u8::try_from(r.5.clamp(0, 100)).map_err(|_| corrupt("progress"))?,
        attempts: u32::try_from(r.6).map_err(|_| corrupt("attempts"))?,
        max_attempts: u32::try_from(r.7).map_err(|_| corrupt("max_attempts"))?,
        run_after: r.8,
        locked_by: r.9,
        locked_until: r.10,
        result: r.11,
        error_code: r.12,
        error_message: r.13,
        created_at: r.14,
        updated_at: r.15,
    })
}

/// Implement `xuancai_store::JobStore` for a type with a `pool` field.
/// `$lock` is appended to the claim's inner `SELECT`: PostgreSQL passes
/// `" FOR UPDATE SKIP LOCKED"` so concurrent claims skip each other's rows;
/// SQLite passes `""` (its single writer makes the one statement atomic).
#[macro_export]
macro_rules! impl_job_store {
    ($store:ty, $lock:literal) => {
impl $crate::JobStore for $store {
    async fn enqueue(&self, j: &$crate::NewJob) -> $crate::Result<()> {
        $crate::sqlx::query(
            "INSERT INTO jobs (id, user_id, kind, params, state, progress, attempts, max_attempts, run_after, \
             created_at, updated_at, faces) VALUES ($1, $2, $3, $4, 'queued', 0, 0, $5, $6, $6, $6, $7)",
        )
        .bind(j.id.as_bytes().as_slice())
        .bind(j.user.as_bytes().as_slice())
        .bind(&j.kind)
        .bind(&j.params)
        .bind(i64::from(j.max_attempts))
        .bind(j.created_at)
        .bind(j.faces)
        .execute(&self.pool)
        .await
        .map_err($crate::backend)?;
        Ok(())
    }

    async fn claim(&self, worker: &str, now: $crate::Millis, lease_ms: i64) -> $crate::Result<Option<$crate::JobRecord>> {
        let row: Option<$crate::jobs::JobRow> = $crate::sqlx::query_as(concat!(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = $1, locked_until = $2, \
             updated_at = $3 WHERE id = (SELECT id FROM jobs WHERE (state = 'queued' AND run_after <= $3) \
             OR (state = 'running' AND locked_until < $3) ORDER BY run_after, created_at LIMIT 1",
            $lock,
            ") RETURNING ",
            $crate::job_columns!()
        ))
        .bind(worker)
        .bind(now.saturating_add(lease_ms))
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err($crate::backend)?;
        row.map($crate::jobs::job_record).transpose()
    }

    async fn heartbeat(
        &self,
        id: &$crate::JobId,
        worker: &str,
        progress: u8,
        now: $crate::Millis,
        lease_ms: i64,
    ) -> $crate::Result<bool> {
        let r = $crate::sqlx::query(
            "UPDATE jobs SET progress = $1, locked_until = $2, updated_at = $3 \
             WHERE id = $4 AND state = 'running' AND locked_by = $5",
        )
        .bind(i64::from(progress.min(100)))
        .bind(now.saturating_add(lease_ms))
        .bind(now)
        .bind(id.as_bytes().as_slice())
        .bind(worker)
        .execute(&self.pool)
        .await
        .map_err($crate::backend)?;
        Ok(r.rows_affected() == 1)
    }

    async fn complete(&self, id: &$crate::JobId, worker: &str, result: &[u8], now: $crate::Millis) -> $crate::Result<bool> {
        let r = $crate::sqlx::query(
            "UPDATE jobs SET state = 'done', progress = 100, result = $1, locked_by = NULL, locked_until = NULL, \
             error_code = NULL, error_message = NULL, updated_at = $2 \
             WHERE id = $3 AND state = 'running' AND locked_by = $4",
        )
        .bind(result)
        .bind(now)
        .bind(id.as_bytes().as_slice())
        .bind(worker)
        .execute(&self.pool)
        .await
        .map_err($crate::backend)?;
        Ok(r.rows_affected() == 1)
    }

    async fn fail(
        &self,
        id: &$crate::JobId,
        worker: &str,
        f: &$crate::JobFailure<'_>,
        now: $crate::Millis,
    ) -> $crate::Result<bool> {
        // Back to the queue while attempts remain and a retry time is given.
        let r = $crate::sqlx::query(
            "UPDATE jobs SET \
               state = CASE WHEN CAST($1 AS BIGINT) >= 0 AND attempts < max_attempts THEN 'queued' ELSE 'failed' END, \
               run_after = CASE WHEN CAST($1 AS BIGINT) >= 0 AND attempts < max_attempts THEN CAST($1 AS BIGINT) ELSE run_after END, \
               error_code = $2, error_message = $3, locked_by = NULL, locked_until = NULL, updated_at = $4 \
             WHERE id = $5 AND state = 'running' AND locked_by = $6",
        )
        .bind(f.retry_at.unwrap_or(-1))
        .bind(f.code)
        .bind(f.message)
        .bind(now)
        .bind(id.as_bytes().as_slice())
        .bind(worker)
        .execute(&self.pool)
        .await
        .map_err($crate::backend)?;
        Ok(r.rows_affected() == 1)
    }

    async fn cancel_face_jobs(
        &self,
        user: &$crate::UserId,
        f: &$crate::JobFailure<'_>,
        now: $crate::Millis,
    ) -> $crate::Result<u64> {
        let r = $crate::sqlx::query(
            "UPDATE jobs SET state = 'failed', error_code = $1, error_message = $2, locked_by = NULL, \
             locked_until = NULL, updated_at = $3 \
             WHERE user_id = $4 AND faces AND state IN ('queued', 'running')",
        )
        .bind(f.code)
        .bind(f.message)
        .bind(now)
        .bind(user.as_bytes().as_slice())
        .execute(&self.pool)
        .await
        .map_err($crate::backend)?;
        Ok(r.rows_affected())
    }

    async fn job(&self, user: &$crate::UserId, id: &$crate::JobId) -> $crate::Result<Option<$crate::JobRecord>> {
        let row: Option<$crate::jobs::JobRow> =
            $crate::sqlx::query_as(concat!("SELECT ", $crate::job_columns!(), " FROM jobs WHERE id = $1 AND user_id = $2"))
                .bind(id.as_bytes().as_slice())
                .bind(user.as_bytes().as_slice())
                .fetch_optional(&self.pool)
                .await
                .map_err($crate::backend)?;
        row.map($crate::jobs::job_record).transpose()
    }

    async fn user_jobs(&self, user: &$crate::UserId, limit: u32) -> $crate::Result<Vec<$crate::JobRecord>> {
        let rows: Vec<$crate::jobs::JobRow> = $crate::sqlx::query_as(concat!(
            "SELECT ",
            $crate::job_columns!(),
            " FROM jobs WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
        ))
        .bind(user.as_bytes().as_slice())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err($crate::backend)?;
        rows.into_iter().map($crate::jobs::job_record).collect()
    }

    async fn pending_jobs(&self, user: &$crate::UserId) -> $crate::Result<u64> {
        let n: (i64,) = $crate::sqlx::query_as(
            "SELECT COUNT(*) FROM jobs WHERE user_id = $1 AND state IN ('queued', 'running')",
        )
        .bind(user.as_bytes().as_slice())
        .fetch_one(&self.pool)
        .await
        .map_err($crate::backend)?;
        Ok(u64::try_from(n.0).unwrap_or(0))
    }

    async fn count_jobs(&self, state: $crate::JobState) -> $crate::Result<u64> {
        let n: (i64,) = $crate::sqlx::query_as("SELECT COUNT(*) FROM jobs WHERE state = $1")
            .bind(state.as_str())
            .fetch_one(&self.pool)
            .await
            .map_err($crate::backend)?;
        Ok(u64::try_from(n.0).unwrap_or(0))
    }

    async fn queue_stats(&self) -> $crate::Result<Vec<$crate::QueueStat>> {
        let rows: Vec<(String, String, i64, i64)> = $crate::sqlx::query_as(
            "SELECT kind, state, COUNT(*), MIN(created_at) FROM jobs \
             WHERE state IN ('queued', 'running') GROUP BY kind, state ORDER BY kind, state",
        )
        .fetch_all(&self.pool)
        .await
        .map_err($crate::backend)?;
        rows.into_iter()
            .map(|(kind, state, count, oldest)| {
                Ok($crate::QueueStat {
                    kind,
                    state: $crate::JobState::parse(&state)
                        .ok_or_else(|| $crate::StoreError::Corrupt(format!("job state {state:?}")))?,
                    count: u64::try_from(count).unwrap_or(0),
                    oldest_created_at: oldest,
                })
            })
            .collect()
    }

    async fn take_lease(
        &self,
        name: &str,
        holder: &str,
        now: $crate::Millis,
        until: $crate::Millis,
    ) -> $crate::Result<bool> {
        // The update's condition is checked on the row itself, under its
        // lock, so of two nodes asking at once only one matches.
        let done = $crate::sqlx::query(
            "INSERT INTO leases (name, holder, until) VALUES ($1, $2, $4) \
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until \
             WHERE leases.until < $3 OR leases.holder = excluded.holder",
        )
        .bind(name)
        .bind(holder)
        .bind(now)
        .bind(until)
        .execute(&self.pool)
        .await
        .map_err($crate::backend)?;
        Ok(done.rows_affected() == 1)
    }

    async fn release_lease(&self, name: &str, holder: &str) -> $crate::Result<()> {
        $crate::sqlx::query("DELETE FROM leases WHERE name = $1 AND holder = $2")
            .bind(name)
            .bind(holder)
            .execute(&self.pool)
            .await
            .map_err($crate::backend)?;
        Ok(())
    }
}
    };
}
