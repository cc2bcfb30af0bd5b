//! Complaints (see `xuancai_store::ComplaintStore`).

/// Implement `xuancai_store::ComplaintStore` for a type with a `pool` field.
#[macro_export]
macro_rules! impl_complaint_store {
    ($store:ty) => {
impl $crate::ComplaintStore for $store {
    async fn add_complaint(&self, c: &$crate::ComplaintRecord) -> $crate::Result<()> {
        $crate::sqlx::query(
            "INSERT INTO complaints \
             (id, topic, status, body_ciphertext, resolution, received_at, deadline_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(c.id.as_slice())
        .bind(&c.topic)
        .bind(&c.status)
        .bind(c.body_ciphertext.as_slice())
        .bind(c.resolution.as_deref())
        .bind(c.received_at)
        .bind(c.deadline_at)
        .bind(c.updated_at)
        .execute(&self.pool)
        .await
        .map_err($crate::backend)?;
        Ok(())
    }

    async fn complaints(&self, status: &str, limit: u32) -> $crate::Result<Vec<$crate::ComplaintRecord>> {
        let rows: Vec<(Vec<u8>, String, String, Vec<u8>, Option<String>, i64, i64, i64)> = $crate::sqlx::query_as(
            "SELECT id, topic, status, body_ciphertext, resolution, received_at, deadline_at, updated_at \
             FROM complaints WHERE status = $1 ORDER BY deadline_at, received_at LIMIT $2",
        )
        .bind(status)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err($crate::backend)?;
        Ok(rows
            .into_iter()
            .map(|r| $crate::ComplaintRecord {
                id: r.0,
                topic: r.1,
                status: r.2,
                body_ciphertext: r.3,
                resolution: r.4,
                received_at: r.5,
                deadline_at: r.6,
                updated_at: r.7,
            })
            .collect())
    }

    async fn answer_complaint(&self, id: &[u8], status: &str, resolution: &str, at: $crate::Millis) -> $crate::Result<bool> {
        let r = $crate::sqlx::query(
            "UPDATE complaints SET status = $2, resolution = $3, updated_at = $4 \
             WHERE id = $1 AND status = 'open'",
        )
        .bind(id)
        .bind(status)
        .bind(resolution)
        .bind(at)
        .execute(&self.pool)
        .await
        .map_err($crate::backend)?;
        Ok(r.rows_affected() == 1)
    }

    async fn purge_complaints(&self, before: $crate::Millis) -> $crate::Result<u64> {
        let r = $crate::sqlx::query("DELETE FROM complaints WHERE status <> 'open' AND updated_at < $1")
            .bind(before)
            .execute(&self.pool)
            .await
            .map_err($crate::backend)?;
        Ok(r.rows_affected())
    }
}
    };
}
