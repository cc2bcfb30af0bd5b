//! Push tokens, the inbox and the broadcast queue (see
//! `xuancai_store::NotifyStore`).

use xuancai_store::{BroadcastRecord, Result, StoreError};

/// The columns of a broadcast, in [`BroadcastRow`]'s order.
pub const BROADCAST_COLUMNS: &str = "id, kind, title, body, created_by, created_at, cursor, delivered, pushed, skipped, lease_until, finished_at";

/// A `broadcasts` row, mapped by column name.
#[derive(Debug)]
pub struct BroadcastRow {
    id: Vec<u8>,
    kind: String,
    title: String,
    body: String,
    created_by: Option<Vec<u8>>,
    created_at: i64,
    cursor: Option<Vec<u8>>,
    delivered: i64,
    pushed: i64,
    skipped: i64,
    lease_until: i64,
    finished_at: Option<i64>,
}

// By hand rather than `#[derive(sqlx::FromRow)]`: the derive needs sqlx's
// `macros` feature, which compiles both database drivers and SQLite's C
// source a second time for the compiler (about 45 s of every CI build).
impl<'r, R: sqlx::Row> sqlx::FromRow<'r, R> for BroadcastRow
where
    &'r str: sqlx::ColumnIndex<R>,
    Vec<u8>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    fn from_row(row: &'r R) -> sqlx::Result<Self> {
        Ok(Self {
            id: row.try_get("id")?,
            kind: row.try_get("kind")?,
            title: row.try_get("title")?,
            body: row.try_get("body")?,
            created_by: row.try_get("created_by")?,
            created_at: row.try_get("created_at")?,
            cursor: row.try_get("cursor")?,
            delivered: row.try_get("delivered")?,
            pushed: row.try_get("pushed")?,
            skipped: row.try_get("skipped")?,
            lease_until: row.try_get("lease_until")?,
            finished_at: row.try_get("finished_at")?,
        })
    }
}

impl TryFrom<BroadcastRow> for BroadcastRecord {
    type Error = StoreError;

    fn try_from(r: BroadcastRow) -> Result<Self> {
        let count =
            |n: i64| u64::try_from(n).map_err(|_| StoreError::Corrupt("negative broadcast count".into()));
        Ok(Self {
            id: crate::privacy_rows::id16(r.id, "broadcast")?,
            kind: r.kind,
            title: r.title,
            body: r.body,
            created_by: r.created_by.map(crate::user_id).transpose()?,
            created_at: r.created_at,
            cursor: r.cursor.map(crate::user_id).transpose()?,
            delivered: count(r.delivered)?,
            pushed: count(r.pushed)?,
            skipped: count(r.skipped)?,
            lease_until: r.lease_until,
            finished_at: r.finished_at,
        })
    }
}

/// A count as a database integer (counts never reach `i64::MAX`).
pub fn db_count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Implement `xuancai_store::NotifyStore` for a type with a `pool` field.
#[macro_export]
macro_rules! impl_notify_store {
    ($store:ty) => {
impl $crate::NotifyStore for $store {
    async fn put_push_token(&self, t: &$crate::PushToken, token_hash: &[u8]) -> $crate::Result<()> {
        $crate::sqlx::query(
            "INSERT INTO push_tokens (id, user_id, provider, token_hash, token_ciphertext, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (user_id, token_hash) DO NOTHING",
        )
        .bind(t.id.as_slice())
        .bind(t.user.as_bytes().as_slice())
        .bind(&t.provider)
        .bind(token_hash)
        .bind(&t.token_ciphertext)
        .bind(t.created_at)
        .execute(&self.pool)
        .await
        .map_err($crate::backend)?;
        Ok(())
    }

    async fn push_tokens(&self, user: &$crate::UserId) -> $crate::Result<Vec<$crate::PushToken>> {
        let rows: Vec<(Vec<u8>, Vec<u8>, String, Vec<u8>, i64)> = $crate::sqlx::query_as(
            "SELECT id, user_id, provider, token_ciphertext, created_at FROM push_tokens WHERE user_id = $1 ORDER BY created_at, id",
        )
        .bind(user.as_bytes().as_slice())
        .fetch_all(&self.pool)
        .await
        .map_err($crate::backend)?;
        rows.into_iter()
            .map(|r| {
                Ok($crate::PushToken {
                    id: $crate::privacy::id16(r.0, "push token")?,
                    user: $crate::user_id(r.1)?,
                    provider: r.2,
                    token_ciphertext: r.3,
                    created_at: r.4,
                })
            })
            .collect()
    }

    async fn trim_push_tokens(&self, user: &$crate::UserId, keep: u32) -> $crate::Result<u64> {
        let r = $crate::sqlx::query(
            "DELETE FROM push_tokens \
             WHERE user_id = $1 \
               AND id NOT IN ( \
                   SELECT id FROM push_tokens WHERE user_id = $1 \
                   ORDER BY created_at DESC, id DESC LIMIT $2 \
               )",
        )
        .bind(user.as_bytes().as_slice())
        .bind(i64::from(keep))
        .execute(&self.pool)
        .await
        .map_err($crate::backend)?;
        Ok(r.rows_affected())
    }

    async fn push_failed(&self, id: &[u8; 16], limit: u32) -> $crate::Result<u32> {
        let failures: Option<(i64,)> = $crate::sqlx::query_as(
            "UPDATE push_tokens SET failures = failures + 1 WHERE id = $1 RETURNING failures",
        )
        .bind(id.as_slice())
        .fetch_optional(&self.pool)
        .await
        .map_err($crate::backend)?;
        let failures = failures.map_or(0, |(n,)| u32::try_from(n).unwrap_or(u32::MAX));
        if failures >= limit {
            <Self as $crate::NotifyStore>::delete_push_token(self, id).await?;
        }
        Ok(failures)
    }

    async fn push_succeeded(&self, id: &[u8; 16]) -> $crate::Result<()> {
        $crate::sqlx::query("UPDATE push_tokens SET failures = 0 WHERE id = $1")
            .bind(id.as_slice())
            .execute(&self.pool)
            .await
            .map_err($crate::backend)?;
        Ok(())
    }

    async fn delete_push_token(&self, id: &[u8; 16]) -> $crate::Result<()> {
        $crate::sqlx::query("DELETE FROM push_tokens WHERE id = $1")
            .bind(id.as_slice())
            .execute(&self.pool)
            .await
            .map_err($crate::backend)?;
        Ok(())
    }

    async fn delete_push_tokens(&self, user: &$crate::UserId) -> $crate::Result<u64> {
        let r = $crate::sqlx::query("DELETE FROM push_tokens WHERE user_id = $1")
            .bind(user.as_bytes().as_slice())
            .execute(&self.pool)
            .await
            .map_err($crate::backend)?;
        Ok(r.rows_affected())
    }

    async fn deliver(&self, i: &$crate::InboxItem) -> $crate::Result<()> {
        $crate::sqlx::query(
            "INSERT INTO inbox (id, user_id, kind, title, body, at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(i.id.as_slice())
        .bind(i.user.as_bytes().as_slice())
        .bind(&i.kind)
        .bind(&i.title)
        .bind(&i.body)
        .bind(i.at)
        .execute(&self.pool)
        .await
        .map_err($crate::backend)?;
        Ok(())
    }

    async fn inbox(&self, user: &$crate::UserId, limit: u32) -> $crate::Result<Vec<$crate::InboxItem>> {
        let rows: Vec<(Vec<u8>, Vec<u8>, String, String, String, i64)> = $crate::sqlx::query_as(
            "SELECT id, user_id, kind, title, body, at FROM inbox WHERE user_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
        )
        .bind(user.as_bytes().as_slice())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err($crate::backend)?;
        rows.into_iter()
            .map(|r| {
                Ok($crate::InboxItem {
                    id: $crate::privacy::id16(r.0, "inbox item")?,
                    user: $crate::user_id(r.1)?,
                    kind: r.2,
                    title: r.3,
                    body: r.4,
                    at: r.5,
                })
            })
            .collect()
    }

    async fn create_broadcast(&self, b: &$crate::BroadcastRecord) -> $crate::Result<()> {
        $crate::sqlx::query(
            "INSERT INTO broadcasts (id, kind, title, body, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(b.id.as_slice())
        .bind(&b.kind)
        .bind(&b.title)
        .bind(&b.body)
        .bind(b.created_by.map(|u| u.as_bytes().to_vec()))
        .bind(b.created_at)
        .execute(&self.pool)
        .await
        .map_err($crate::backend)?;
        Ok(())
    }

    async fn broadcast(&self, id: &[u8; 16]) -> $crate::Result<Option<$crate::BroadcastRecord>> {
        let sql = format!("SELECT {} FROM broadcasts WHERE id = $1", $crate::notify::BROADCAST_COLUMNS);
        let row: Option<$crate::notify::BroadcastRow> = $crate::sqlx::query_as(&sql)
            .bind(id.as_slice())
            .fetch_optional(&self.pool)
            .await
            .map_err($crate::backend)?;
        row.map($crate::BroadcastRecord::try_from).transpose()
    }

    async fn claim_broadcast(
        &self,
        now: $crate::Millis,
        until: $crate::Millis,
    ) -> $crate::Result<Option<$crate::BroadcastRecord>> {
        // The outer condition is checked again on the row itself, so of two
        // nodes claiming at once only one update matches.
        let sql = format!(
            "UPDATE broadcasts SET lease_until = $1 \
             WHERE id = ( \
                 SELECT id FROM broadcasts WHERE finished_at IS NULL AND lease_until < $2 \
                 ORDER BY created_at, id LIMIT 1 \
             ) \
               AND finished_at IS NULL AND lease_until < $2 \
             RETURNING {}",
            $crate::notify::BROADCAST_COLUMNS
        );
        let row: Option<$crate::notify::BroadcastRow> = $crate::sqlx::query_as(&sql)
            .bind(until)
            .bind(now)
            .fetch_optional(&self.pool)
            .await
            .map_err($crate::backend)?;
        row.map($crate::BroadcastRecord::try_from).transpose()
    }

    async fn advance_broadcast(
        &self,
        id: &[u8; 16],
        held: $crate::Millis,
        page: &$crate::BroadcastPage,
        until: $crate::Millis,
        finished_at: Option<$crate::Millis>,
    ) -> $crate::Result<bool> {
        let r = $crate::sqlx::query(
            "UPDATE broadcasts \
             SET cursor = CASE WHEN $8 IS NULL THEN COALESCE($3, cursor) END, \
                 delivered = delivered + $4, pushed = pushed + $5, skipped = skipped + $6, \
                 lease_until = $7, finished_at = $8 \
             WHERE id = $1 AND lease_until = $2 AND finished_at IS NULL",
        )
        .bind(id.as_slice())
        .bind(held)
        .bind(page.cursor.map(|u| u.as_bytes().to_vec()))
        .bind($crate::notify::db_count(page.delivered))
        .bind($crate::notify::db_count(page.pushed))
        .bind($crate::notify::db_count(page.skipped))
        .bind(until)
        .bind(finished_at)
        .execute(&self.pool)
        .await
        .map_err($crate::backend)?;
        Ok(r.rows_affected() == 1)
    }
}
    };
}
