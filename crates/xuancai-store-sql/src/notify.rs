//! Push tokens, the inbox and the broadcast queue (see
//! `xuancai_store::NotifyStore`).

use xuancai_store::{BroadcastRecord, InboxItem, PushToken, Result, StoreError};

use crate::db::{Db, FromRow, Row, query};
use crate::privacy_rows::id16;
use crate::{NotifyStore, SqlStore, user_id};

/// A `push_tokens` row.
#[derive(Debug)]
pub struct PushTokenRow {
    id: Vec<u8>,
    user_id: Vec<u8>,
    provider: String,
    token_ciphertext: Vec<u8>,
    created_at: i64,
}

impl FromRow for PushTokenRow {
    fn from_row<DB: Db>(row: &Row<'_, DB>) -> sqlx::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            user_id: row.get("user_id")?,
            provider: row.get("provider")?,
            token_ciphertext: row.get("token_ciphertext")?,
            created_at: row.get("created_at")?,
        })
    }
}

impl TryFrom<PushTokenRow> for PushToken {
    type Error = StoreError;

    fn try_from(r: PushTokenRow) -> Result<Self> {
        Ok(PushToken {
            id: id16(r.id, "push token")?,
            user: user_id(r.user_id)?,
            provider: r.provider,
            token_ciphertext: r.token_ciphertext,
            created_at: r.created_at,
        })
    }
}

/// An `inbox` row.
#[derive(Debug)]
pub struct InboxRow {
    id: Vec<u8>,
    user_id: Vec<u8>,
    kind: String,
    title: String,
    body: String,
    at: i64,
}

impl FromRow for InboxRow {
    fn from_row<DB: Db>(row: &Row<'_, DB>) -> sqlx::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            user_id: row.get("user_id")?,
            kind: row.get("kind")?,
            title: row.get("title")?,
            body: row.get("body")?,
            at: row.get("at")?,
        })
    }
}

impl TryFrom<InboxRow> for InboxItem {
    type Error = StoreError;

    fn try_from(r: InboxRow) -> Result<Self> {
        Ok(InboxItem {
            id: id16(r.id, "inbox item")?,
            user: user_id(r.user_id)?,
            kind: r.kind,
            title: r.title,
            body: r.body,
            at: r.at,
        })
    }
}

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

impl FromRow for BroadcastRow {
    fn from_row<DB: Db>(row: &Row<'_, DB>) -> sqlx::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            kind: row.get("kind")?,
            title: row.get("title")?,
            body: row.get("body")?,
            created_by: row.get("created_by")?,
            created_at: row.get("created_at")?,
            cursor: row.get("cursor")?,
            delivered: row.get("delivered")?,
            pushed: row.get("pushed")?,
            skipped: row.get("skipped")?,
            lease_until: row.get("lease_until")?,
            finished_at: row.get("finished_at")?,
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

impl<DB: Db> NotifyStore for SqlStore<DB> {
    async fn put_push_token(&self, t: &crate::PushToken, token_hash: &[u8]) -> crate::Result<()> {
        query(
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
        .await?;
        Ok(())
    }

    async fn push_tokens(&self, user: &crate::UserId) -> crate::Result<Vec<crate::PushToken>> {
        let rows: Vec<PushTokenRow> = query(
            "SELECT id, user_id, provider, token_ciphertext, created_at FROM push_tokens WHERE user_id = $1 ORDER BY created_at, id",
        )
        .bind(user.as_bytes().as_slice())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(PushToken::try_from).collect()
    }

    async fn trim_push_tokens(&self, user: &crate::UserId, keep: u32) -> crate::Result<u64> {
        let r = query(
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
        .await?;
        Ok(r)
    }

    async fn push_failed(&self, id: &[u8; 16], limit: u32) -> crate::Result<u32> {
        let failures: Option<i64> =
            query("UPDATE push_tokens SET failures = failures + 1 WHERE id = $1 RETURNING failures")
                .bind(id.as_slice())
                .fetch_scalar(&self.pool)
                .await?;
        let failures = failures.map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX));
        if failures >= limit {
            <Self as crate::NotifyStore>::delete_push_token(self, id).await?;
        }
        Ok(failures)
    }

    async fn push_succeeded(&self, id: &[u8; 16]) -> crate::Result<()> {
        query("UPDATE push_tokens SET failures = 0 WHERE id = $1")
            .bind(id.as_slice())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn delete_push_token(&self, id: &[u8; 16]) -> crate::Result<()> {
        query("DELETE FROM push_tokens WHERE id = $1")
            .bind(id.as_slice())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn delete_push_tokens(&self, user: &crate::UserId) -> crate::Result<u64> {
        let r = query("DELETE FROM push_tokens WHERE user_id = $1")
            .bind(user.as_bytes().as_slice())
            .execute(&self.pool)
            .await?;
        Ok(r)
    }

    async fn deliver(&self, i: &crate::InboxItem) -> crate::Result<()> {
        query(
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
        .await?;
        Ok(())
    }

    async fn inbox(&self, user: &crate::UserId, limit: u32) -> crate::Result<Vec<crate::InboxItem>> {
        let rows: Vec<InboxRow> = query(
            "SELECT id, user_id, kind, title, body, at FROM inbox WHERE user_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
        )
        .bind(user.as_bytes().as_slice())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(InboxItem::try_from).collect()
    }

    async fn create_broadcast(&self, b: &crate::BroadcastRecord) -> crate::Result<()> {
        query(
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
        .await?;
        Ok(())
    }

    async fn broadcast(&self, id: &[u8; 16]) -> crate::Result<Option<crate::BroadcastRecord>> {
        let sql = format!(
            "SELECT {} FROM broadcasts WHERE id = $1",
            crate::notify::BROADCAST_COLUMNS
        );
        let row: Option<crate::notify::BroadcastRow> =
            query(&sql).bind(id.as_slice()).fetch_optional(&self.pool).await?;
        row.map(crate::BroadcastRecord::try_from).transpose()
    }

    async fn claim_broadcast(
        &self,
        now: crate::Millis,
        until: crate::Millis,
    ) -> crate::Result<Option<crate::BroadcastRecord>> {
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
            crate::notify::BROADCAST_COLUMNS
        );
        let row: Option<crate::notify::BroadcastRow> = query(&sql)
            .bind(until)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        row.map(crate::BroadcastRecord::try_from).transpose()
    }

    async fn advance_broadcast(
        &self,
        id: &[u8; 16],
        held: crate::Millis,
        page: &crate::BroadcastPage,
        until: crate::Millis,
        finished_at: Option<crate::Millis>,
    ) -> crate::Result<bool> {
        let r = query(
            "UPDATE broadcasts \
             SET cursor = CASE WHEN $8 IS NULL THEN COALESCE($3, cursor) END, \
                 delivered = delivered + $4, pushed = pushed + $5, skipped = skipped + $6, \
                 lease_until = $7, finished_at = $8 \
             WHERE id = $1 AND lease_until = $2 AND finished_at IS NULL",
        )
        .bind(id.as_slice())
        .bind(held)
        .bind(page.cursor.map(|u| u.as_bytes().to_vec()))
        .bind(crate::notify::db_count(page.delivered))
        .bind(crate::notify::db_count(page.pushed))
        .bind(crate::notify::db_count(page.skipped))
        .bind(until)
        .bind(finished_at)
        .execute(&self.pool)
        .await?;
        Ok(r == 1)
    }
}
