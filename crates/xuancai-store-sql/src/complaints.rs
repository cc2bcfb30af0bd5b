//! Complaints (see `xuancai_store::ComplaintStore`).

use crate::db::{Db, FromRow, Row, query};
use xuancai_domain::privacy::ComplaintStatus;

use crate::{ComplaintRecord, ComplaintStore, SqlStore};

/// A row of `complaints`, by column name.
#[derive(Debug)]
pub struct ComplaintRow {
    id: Vec<u8>,
    topic: String,
    status: String,
    body_ciphertext: Vec<u8>,
    resolution: Option<String>,
    received_at: i64,
    deadline_at: i64,
    updated_at: i64,
}

impl FromRow for ComplaintRow {
    fn from_row<DB: Db>(row: &Row<'_, DB>) -> sqlx::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            topic: row.get("topic")?,
            status: row.get("status")?,
            body_ciphertext: row.get("body_ciphertext")?,
            resolution: row.get("resolution")?,
            received_at: row.get("received_at")?,
            deadline_at: row.get("deadline_at")?,
            updated_at: row.get("updated_at")?,
        })
    }
}

impl TryFrom<ComplaintRow> for ComplaintRecord {
    type Error = crate::StoreError;

    fn try_from(r: ComplaintRow) -> crate::Result<Self> {
        Ok(ComplaintRecord {
            id: r.id,
            topic: r.topic,
            status: ComplaintStatus::parse(&r.status)
                .map_err(|_| crate::StoreError::Corrupt(format!("complaint status {:?}", r.status)))?,
            body_ciphertext: r.body_ciphertext,
            resolution: r.resolution,
            received_at: r.received_at,
            deadline_at: r.deadline_at,
            updated_at: r.updated_at,
        })
    }
}

impl<DB: Db> ComplaintStore for SqlStore<DB> {
    async fn add_complaint(&self, c: &crate::ComplaintRecord) -> crate::Result<()> {
        query(
            "INSERT INTO complaints \
             (id, topic, status, body_ciphertext, resolution, received_at, deadline_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(c.id.as_slice())
        .bind(&c.topic)
        .bind(c.status.as_str())
        .bind(c.body_ciphertext.as_slice())
        .bind(c.resolution.as_deref())
        .bind(c.received_at)
        .bind(c.deadline_at)
        .bind(c.updated_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn complaints(
        &self,
        status: ComplaintStatus,
        limit: u32,
    ) -> crate::Result<Vec<crate::ComplaintRecord>> {
        let rows: Vec<ComplaintRow> = query(
            "SELECT id, topic, status, body_ciphertext, resolution, received_at, deadline_at, updated_at \
             FROM complaints WHERE status = $1 ORDER BY deadline_at, received_at LIMIT $2",
        )
        .bind(status.as_str())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(ComplaintRecord::try_from).collect()
    }

    async fn answer_complaint(&self, id: &[u8], resolution: &str, at: crate::Millis) -> crate::Result<bool> {
        let r = query(
            "UPDATE complaints SET status = $2, resolution = $3, updated_at = $4 \
             WHERE id = $1 AND status = $5",
        )
        .bind(id)
        .bind(ComplaintStatus::Answered.as_str())
        .bind(resolution)
        .bind(at)
        .bind(ComplaintStatus::Open.as_str())
        .execute(&self.pool)
        .await?;
        Ok(r == 1)
    }

    async fn purge_complaints(&self, before: crate::Millis) -> crate::Result<u64> {
        let r = query("DELETE FROM complaints WHERE status <> 'open' AND updated_at < $1")
            .bind(before)
            .execute(&self.pool)
            .await?;
        Ok(r)
    }
}
