//! The studio's job queue (see `xuancai_store::JobStore`).

use xuancai_store::{JobKind, JobRecord, JobState, Result, StoreError};

use crate::db::{Db, FromRow, Row, query};
use crate::{JobStore, SqlStore};

/// A row of `jobs`, by column name.
#[derive(Debug)]
pub struct JobRow {
    id: Vec<u8>,
    user_id: Vec<u8>,
    kind: String,
    params: Vec<u8>,
    state: String,
    progress: i64,
    attempts: i64,
    max_attempts: i64,
    run_after: i64,
    locked_by: Option<String>,
    locked_until: Option<i64>,
    result: Option<Vec<u8>>,
    error_code: Option<String>,
    error_message: Option<String>,
    created_at: i64,
    updated_at: i64,
}

impl FromRow for JobRow {
    fn from_row<DB: Db>(row: &Row<'_, DB>) -> sqlx::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            user_id: row.get("user_id")?,
            kind: row.get("kind")?,
            params: row.get("params")?,
            state: row.get("state")?,
            progress: row.get("progress")?,
            attempts: row.get("attempts")?,
            max_attempts: row.get("max_attempts")?,
            run_after: row.get("run_after")?,
            locked_by: row.get("locked_by")?,
            locked_until: row.get("locked_until")?,
            result: row.get("result")?,
            error_code: row.get("error_code")?,
            error_message: row.get("error_message")?,
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
        })
    }
}

impl JobRow {
    /// The columns every job query returns.
    pub const COLUMNS: &str = "id, user_id, kind, params, state, progress, attempts, max_attempts, run_after, \
        locked_by, locked_until, result, error_code, error_message, created_at, updated_at";

    fn record(self) -> Result<JobRecord> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("job {what}"));
        Ok(JobRecord {
            id: xuancai_domain::JobId::from_bytes(crate::privacy_rows::id16(self.id, "job")?),
            user: crate::user_id(self.user_id)?,
            kind: JobKind::parse(&self.kind).ok_or_else(|| corrupt("kind"))?,
            params: self.params,
            state: JobState::parse(&self.state).ok_or_else(|| corrupt("state"))?,
            progress: u8::try_from(self.progress.clamp(0, 100)).map_err(|_| corrupt("progress"))?,
            attempts: u32::try_from(self.attempts).map_err(|_| corrupt("attempts"))?,
            max_attempts: u32::try_from(self.max_attempts).map_err(|_| corrupt("max_attempts"))?,
            run_after: self.run_after,
            locked_by: self.locked_by,
            locked_until: self.locked_until,
            result: self.result,
            error_code: self.error_code,
            error_message: self.error_message,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// How many jobs of a kind are in a state, and the oldest one's age.
#[derive(Debug)]
pub struct QueueRow {
    kind: String,
    state: String,
    count: i64,
    oldest: i64,
}

impl FromRow for QueueRow {
    fn from_row<DB: Db>(row: &Row<'_, DB>) -> sqlx::Result<Self> {
        Ok(Self {
            kind: row.get("kind")?,
            state: row.get("state")?,
            count: row.get("count")?,
            oldest: row.get("oldest")?,
        })
    }
}

impl<DB: Db> JobStore for SqlStore<DB> {
    async fn enqueue(&self, j: &crate::NewJob) -> crate::Result<()> {
        query(
            "INSERT INTO jobs (id, user_id, kind, params, state, progress, attempts, max_attempts, run_after, \
             created_at, updated_at, faces) VALUES ($1, $2, $3, $4, 'queued', 0, 0, $5, $6, $6, $6, $7)",
        )
        .bind(j.id.as_bytes().as_slice())
        .bind(j.user.as_bytes().as_slice())
        .bind(j.kind.as_str())
        .bind(&j.params)
        .bind(i64::from(j.max_attempts))
        .bind(j.created_at)
        .bind(j.faces)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn claim(
        &self,
        worker: &str,
        now: crate::Millis,
        lease_ms: i64,
    ) -> crate::Result<Option<crate::JobRecord>> {
        let sql = format!(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = $1, locked_until = $2, \
             updated_at = $3 WHERE id = (SELECT id FROM jobs WHERE (state = 'queued' AND run_after <= $3) \
             OR (state = 'running' AND locked_until < $3) ORDER BY run_after, created_at LIMIT 1{}) RETURNING {}",
            DB::SKIP_LOCKED,
            JobRow::COLUMNS
        );
        let row: Option<JobRow> = query(&sql)
            .bind(worker)
            .bind(now.saturating_add(lease_ms))
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        row.map(JobRow::record).transpose()
    }

    async fn heartbeat(
        &self,
        id: &crate::JobId,
        worker: &str,
        progress: u8,
        now: crate::Millis,
        lease_ms: i64,
    ) -> crate::Result<bool> {
        let r = query(
            "UPDATE jobs SET progress = $1, locked_until = $2, updated_at = $3 \
             WHERE id = $4 AND state = 'running' AND locked_by = $5",
        )
        .bind(i64::from(progress.min(100)))
        .bind(now.saturating_add(lease_ms))
        .bind(now)
        .bind(id.as_bytes().as_slice())
        .bind(worker)
        .execute(&self.pool)
        .await?;
        Ok(r == 1)
    }

    async fn complete(
        &self,
        id: &crate::JobId,
        worker: &str,
        result: &[u8],
        now: crate::Millis,
    ) -> crate::Result<bool> {
        let r = query(
            "UPDATE jobs SET state = 'done', progress = 100, result = $1, locked_by = NULL, locked_until = NULL, \
             error_code = NULL, error_message = NULL, updated_at = $2 \
             WHERE id = $3 AND state = 'running' AND locked_by = $4",
        )
        .bind(result)
        .bind(now)
        .bind(id.as_bytes().as_slice())
        .bind(worker)
        .execute(&self.pool)
        .await?;
        Ok(r == 1)
    }

    async fn fail(
        &self,
        id: &crate::JobId,
        worker: &str,
        f: &crate::JobFailure<'_>,
        now: crate::Millis,
    ) -> crate::Result<bool> {
        // Back to the queue while attempts remain and a retry time is given.
        let r = query(
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
        .await?;
        Ok(r == 1)
    }

    async fn cancel_face_jobs(
        &self,
        user: &crate::UserId,
        f: &crate::JobFailure<'_>,
        now: crate::Millis,
    ) -> crate::Result<u64> {
        let r = query(
            "UPDATE jobs SET state = 'failed', error_code = $1, error_message = $2, locked_by = NULL, \
             locked_until = NULL, updated_at = $3 \
             WHERE user_id = $4 AND faces AND state IN ('queued', 'running')",
        )
        .bind(f.code)
        .bind(f.message)
        .bind(now)
        .bind(user.as_bytes().as_slice())
        .execute(&self.pool)
        .await?;
        Ok(r)
    }

    async fn job(&self, user: &crate::UserId, id: &crate::JobId) -> crate::Result<Option<crate::JobRecord>> {
        let sql = format!(
            "SELECT {} FROM jobs WHERE id = $1 AND user_id = $2",
            JobRow::COLUMNS
        );
        let row: Option<JobRow> = query(&sql)
            .bind(id.as_bytes().as_slice())
            .bind(user.as_bytes().as_slice())
            .fetch_optional(&self.pool)
            .await?;
        row.map(JobRow::record).transpose()
    }

    async fn user_jobs(&self, user: &crate::UserId, limit: u32) -> crate::Result<Vec<crate::JobRecord>> {
        let sql = format!(
            "SELECT {} FROM jobs WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
            JobRow::COLUMNS
        );
        let rows: Vec<JobRow> = query(&sql)
            .bind(user.as_bytes().as_slice())
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(JobRow::record).collect()
    }

    async fn delete_job(&self, user: &crate::UserId, id: &crate::JobId) -> crate::Result<bool> {
        let n = query("DELETE FROM jobs WHERE id = $1 AND user_id = $2 AND state IN ('done', 'failed')")
            .bind(id.as_bytes().as_slice())
            .bind(user.as_bytes().as_slice())
            .execute(&self.pool)
            .await?;
        Ok(n == 1)
    }

    async fn pending_jobs(&self, user: &crate::UserId) -> crate::Result<u64> {
        query("SELECT COUNT(*) FROM jobs WHERE user_id = $1 AND state IN ('queued', 'running')")
            .bind(user.as_bytes().as_slice())
            .fetch_count(&self.pool)
            .await
    }

    async fn count_jobs(&self, state: crate::JobState) -> crate::Result<u64> {
        query("SELECT COUNT(*) FROM jobs WHERE state = $1")
            .bind(state.as_str())
            .fetch_count(&self.pool)
            .await
    }

    async fn queue_stats(&self) -> crate::Result<Vec<crate::QueueStat>> {
        let rows: Vec<QueueRow> = query(
            "SELECT kind, state, COUNT(*) AS count, MIN(created_at) AS oldest FROM jobs \
             WHERE state IN ('queued', 'running') GROUP BY kind, state ORDER BY kind, state",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(crate::QueueStat {
                    state: crate::JobState::parse(&r.state)
                        .ok_or_else(|| crate::StoreError::Corrupt(format!("job state {:?}", r.state)))?,
                    kind: JobKind::parse(&r.kind)
                        .ok_or_else(|| crate::StoreError::Corrupt(format!("job kind {:?}", r.kind)))?,
                    count: u64::try_from(r.count).unwrap_or(0),
                    oldest_created_at: r.oldest,
                })
            })
            .collect()
    }

    async fn take_lease(
        &self,
        name: &str,
        holder: &str,
        now: crate::Millis,
        until: crate::Millis,
    ) -> crate::Result<bool> {
        // The update's condition is checked on the row itself, under its
        // lock, so of two nodes asking at once only one matches.
        let done = query(
            "INSERT INTO leases (name, holder, until) VALUES ($1, $2, $4) \
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until \
             WHERE leases.until < $3 OR leases.holder = excluded.holder",
        )
        .bind(name)
        .bind(holder)
        .bind(now)
        .bind(until)
        .execute(&self.pool)
        .await?;
        Ok(done == 1)
    }

    async fn release_lease(&self, name: &str, holder: &str) -> crate::Result<()> {
        query("DELETE FROM leases WHERE name = $1 AND holder = $2")
            .bind(name)
            .bind(holder)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
