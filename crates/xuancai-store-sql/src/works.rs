//! Works, comments and blessings (see `xuancai_store::WorksStore`).

use xuancai_domain::{BlessingId, CommentId, WorkId};
use xuancai_store::{BlessingRecord, CommentRecord, Result, StoreError, Visibility, WorkRecord};

use crate::db::{Db, FromRow, Row, query};
use crate::privacy_rows::id16;
use crate::{SqlStore, WorksStore};

/// A `works` row, by column name.
#[derive(Debug)]
pub struct WorkRow {
    id: Vec<u8>,
    owner_id: Vec<u8>,
    title_ciphertext: Option<Vec<u8>>,
    visibility: String,
    link_version: i64,
    mime: String,
    width: i64,
    height: i64,
    created_at: i64,
    updated_at: i64,
}

impl FromRow for WorkRow {
    fn from_row<DB: Db>(row: &Row<'_, DB>) -> sqlx::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            owner_id: row.get("owner_id")?,
            title_ciphertext: row.get("title_ciphertext")?,
            visibility: row.get("visibility")?,
            link_version: row.get("link_version")?,
            mime: row.get("mime")?,
            width: row.get("width")?,
            height: row.get("height")?,
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
        })
    }
}

#[doc(hidden)]
pub const WORK_COLUMNS: &str =
    "id, owner_id, title_ciphertext, visibility, link_version, mime, width, height, created_at, updated_at";

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("work {what}"))
}

#[doc(hidden)]
pub fn work_record(r: WorkRow) -> Result<WorkRecord> {
    Ok(WorkRecord {
        id: WorkId::from_bytes(id16(r.id, "work")?),
        owner: crate::user_id(r.owner_id)?,
        title_ciphertext: r.title_ciphertext.ok_or_else(|| corrupt("title not sealed"))?,
        visibility: Visibility::parse(&r.visibility).ok_or_else(|| corrupt("visibility"))?,
        link_version: r.link_version,
        mime: r.mime,
        width: u32::try_from(r.width).map_err(|_| corrupt("width"))?,
        height: u32::try_from(r.height).map_err(|_| corrupt("height"))?,
        created_at: r.created_at,
        updated_at: r.updated_at,
    })
}

#[doc(hidden)]
/// A `comments` row, by column name.
#[derive(Debug)]
pub struct CommentRow {
    id: Vec<u8>,
    work_id: Vec<u8>,
    author_id: Vec<u8>,
    text_ciphertext: Option<Vec<u8>>,
    created_at: i64,
}

impl FromRow for CommentRow {
    fn from_row<DB: Db>(row: &Row<'_, DB>) -> sqlx::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            work_id: row.get("work_id")?,
            author_id: row.get("author_id")?,
            text_ciphertext: row.get("text_ciphertext")?,
            created_at: row.get("created_at")?,
        })
    }
}

pub fn comment_record(r: CommentRow) -> Result<CommentRecord> {
    Ok(CommentRecord {
        id: CommentId::from_bytes(id16(r.id, "comment")?),
        work: WorkId::from_bytes(id16(r.work_id, "work")?),
        author: crate::user_id(r.author_id)?,
        text_ciphertext: r
            .text_ciphertext
            .ok_or_else(|| StoreError::Corrupt("comment text not sealed".into()))?,
        created_at: r.created_at,
    })
}

/// A `blessings` row, by column name.
#[derive(Debug)]
pub struct BlessingRow {
    id: Vec<u8>,
    sender_id: Vec<u8>,
    recipient_id: Vec<u8>,
    work_id: Option<Vec<u8>>,
    template: Option<String>,
    message_ciphertext: Option<Vec<u8>>,
    share_hash: Vec<u8>,
    created_at: i64,
}

impl FromRow for BlessingRow {
    fn from_row<DB: Db>(row: &Row<'_, DB>) -> sqlx::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            sender_id: row.get("sender_id")?,
            recipient_id: row.get("recipient_id")?,
            work_id: row.get("work_id")?,
            template: row.get("template")?,
            message_ciphertext: row.get("message_ciphertext")?,
            share_hash: row.get("share_hash")?,
            created_at: row.get("created_at")?,
        })
    }
}

#[doc(hidden)]
/// R-8, ACC-6: what a cancelled account made is hidden at once, before
/// erasure deletes it: works, their images and the feed entry go with an
/// owner that is not live, comments with their author, blessings with their
/// sender.
pub const LIVE_OWNER: &str = "owner_id IN (SELECT id FROM users WHERE cancelled_at IS NULL)";
pub const LIVE_AUTHOR: &str = "author_id IN (SELECT id FROM users WHERE cancelled_at IS NULL)";
pub const LIVE_SENDER: &str = "sender_id IN (SELECT id FROM users WHERE cancelled_at IS NULL)";

pub const BLESSING_COLUMNS: &str =
    "id, sender_id, recipient_id, work_id, template, message_ciphertext, share_hash, created_at";

#[doc(hidden)]
pub fn blessing_record(r: BlessingRow) -> Result<BlessingRecord> {
    Ok(BlessingRecord {
        id: BlessingId::from_bytes(id16(r.id, "blessing")?),
        sender: crate::user_id(r.sender_id)?,
        recipient: crate::user_id(r.recipient_id)?,
        work: r
            .work_id
            .map(|w| id16(w, "work").map(WorkId::from_bytes))
            .transpose()?,
        template: r.template,
        message_ciphertext: r
            .message_ciphertext
            .ok_or_else(|| StoreError::Corrupt("blessing message not sealed".into()))?,
        share_hash: r.share_hash,
        created_at: r.created_at,
    })
}

impl<DB: Db> WorksStore for SqlStore<DB> {
    async fn authored_since(
        &self,
        user: &crate::UserId,
        what: crate::Authored,
        since: crate::Millis,
    ) -> crate::Result<u64> {
        let sql = match what {
            crate::Authored::Works => "SELECT COUNT(*) FROM works WHERE owner_id = $1 AND created_at >= $2",
            crate::Authored::Comments => {
                "SELECT COUNT(*) FROM comments WHERE author_id = $1 AND created_at >= $2"
            }
            crate::Authored::Blessings => {
                "SELECT COUNT(*) FROM blessings WHERE sender_id = $1 AND created_at >= $2"
            }
        };
        query(sql)
            .bind(user.as_bytes().as_slice())
            .bind(since)
            .fetch_count(&self.pool)
            .await
    }

    async fn insert_work(&self, w: &crate::WorkRecord, blob_prefix: &str) -> crate::Result<()> {
        let mut tx = self.pool.begin().await.map_err(crate::backend)?;
        query(
            "INSERT INTO works (id, owner_id, title_ciphertext, visibility, link_version, mime, width, height, created_at, updated_at, title) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '')",
        )
        .bind(w.id.as_bytes().as_slice())
        .bind(w.owner.as_bytes().as_slice())
        .bind(&w.title_ciphertext)
        .bind(w.visibility.as_str())
        .bind(w.link_version)
        .bind(&w.mime)
        .bind(i64::from(w.width))
        .bind(i64::from(w.height))
        .bind(w.created_at)
        .bind(w.updated_at)
        .execute(&mut tx)
        .await?;
        query("DELETE FROM blob_gc WHERE prefix = $1")
            .bind(blob_prefix)
            .execute(&mut tx)
            .await?;
        tx.commit().await.map_err(crate::backend)
    }

    async fn work(&self, id: &crate::WorkId) -> crate::Result<Option<crate::WorkRecord>> {
        let row: Option<WorkRow> = query(&format!(
            "SELECT {} FROM works WHERE id = $1 AND {}",
            WORK_COLUMNS, LIVE_OWNER
        ))
        .bind(id.as_bytes().as_slice())
        .fetch_optional(&self.pool)
        .await?;
        row.map(work_record).transpose()
    }

    async fn update_work(
        &self,
        owner: &crate::UserId,
        id: &crate::WorkId,
        title_ciphertext: &[u8],
        visibility: crate::Visibility,
        link_version: i64,
        now: crate::Millis,
    ) -> crate::Result<Option<crate::WorkRecord>> {
        let row: Option<WorkRow> = query(&format!(
            "UPDATE works SET title_ciphertext = $1, visibility = $2, link_version = $3, updated_at = $4 \
             WHERE id = $5 AND owner_id = $6 RETURNING {}",
            WORK_COLUMNS
        ))
        .bind(title_ciphertext)
        .bind(visibility.as_str())
        .bind(link_version)
        .bind(now)
        .bind(id.as_bytes().as_slice())
        .bind(owner.as_bytes().as_slice())
        .fetch_optional(&self.pool)
        .await?;
        row.map(work_record).transpose()
    }

    async fn delete_work(
        &self,
        owner: &crate::UserId,
        id: &crate::WorkId,
        blob_prefix: &str,
        now: crate::Millis,
    ) -> crate::Result<bool> {
        let mut tx = self.pool.begin().await.map_err(crate::backend)?;
        // Comments go with the work (ON DELETE CASCADE); blessings keep their
        // message and lose the work (ON DELETE SET NULL).
        let r = query("DELETE FROM works WHERE id = $1 AND owner_id = $2")
            .bind(id.as_bytes().as_slice())
            .bind(owner.as_bytes().as_slice())
            .execute(&mut tx)
            .await?;
        if r == 0 {
            return Ok(false);
        }
        query(
            "INSERT INTO blob_gc (prefix, due_at) VALUES ($1, $2) ON CONFLICT (prefix) DO UPDATE SET due_at = excluded.due_at",
        )
        .bind(blob_prefix)
        .bind(now)
        .execute(&mut tx)
        .await?;
        tx.commit().await.map_err(crate::backend)?;
        Ok(true)
    }

    async fn public_works(
        &self,
        before: Option<crate::Millis>,
        limit: u32,
    ) -> crate::Result<Vec<crate::WorkRecord>> {
        let rows: Vec<WorkRow> = query(&format!(
            "SELECT {} FROM works WHERE visibility = 'public' AND created_at < $1 AND {} \
             ORDER BY created_at DESC, id DESC LIMIT $2",
            WORK_COLUMNS, LIVE_OWNER
        ))
        .bind(before.unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(work_record).collect()
    }

    async fn user_works(
        &self,
        owner: &crate::UserId,
        all: bool,
        limit: u32,
    ) -> crate::Result<Vec<crate::WorkRecord>> {
        let rows: Vec<WorkRow> = query(&format!(
            "SELECT {} FROM works WHERE owner_id = $1 AND ($2 OR visibility = 'public') AND {} \
             ORDER BY created_at DESC, id DESC LIMIT $3",
            WORK_COLUMNS, LIVE_OWNER
        ))
        .bind(owner.as_bytes().as_slice())
        .bind(all)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(work_record).collect()
    }

    async fn add_comment(&self, c: &crate::CommentRecord) -> crate::Result<()> {
        query("INSERT INTO comments (id, work_id, author_id, text_ciphertext, created_at, text) VALUES ($1, $2, $3, $4, $5, '')")
            .bind(c.id.as_bytes().as_slice())
            .bind(c.work.as_bytes().as_slice())
            .bind(c.author.as_bytes().as_slice())
            .bind(&c.text_ciphertext)
            .bind(c.created_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn comments(&self, work: &crate::WorkId, limit: u32) -> crate::Result<Vec<crate::CommentRecord>> {
        let rows: Vec<CommentRow> = query(&format!(
            "SELECT id, work_id, author_id, text_ciphertext, created_at FROM comments WHERE work_id = $1 AND {} \
             ORDER BY created_at, id LIMIT $2",
            LIVE_AUTHOR
        ))
        .bind(work.as_bytes().as_slice())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(comment_record).collect()
    }

    async fn comment(
        &self,
        work: &crate::WorkId,
        id: &crate::CommentId,
    ) -> crate::Result<Option<crate::CommentRecord>> {
        let row: Option<CommentRow> = query(
            "SELECT id, work_id, author_id, text_ciphertext, created_at FROM comments WHERE work_id = $1 AND id = $2",
        )
        .bind(work.as_bytes().as_slice())
        .bind(id.as_bytes().as_slice())
        .fetch_optional(&self.pool)
        .await?;
        row.map(comment_record).transpose()
    }

    async fn delete_comment(&self, id: &crate::CommentId) -> crate::Result<bool> {
        let r = query("DELETE FROM comments WHERE id = $1")
            .bind(id.as_bytes().as_slice())
            .execute(&self.pool)
            .await?;
        Ok(r == 1)
    }

    async fn count_comments_since(&self, author: &crate::UserId, since: crate::Millis) -> crate::Result<u64> {
        query("SELECT COUNT(*) FROM comments WHERE author_id = $1 AND created_at >= $2")
            .bind(author.as_bytes().as_slice())
            .bind(since)
            .fetch_count(&self.pool)
            .await
    }

    async fn report_comment(
        &self,
        id: &crate::CommentId,
        reporter: &crate::UserId,
        reason: &str,
        at: crate::Millis,
    ) -> crate::Result<()> {
        query(
            "INSERT INTO comment_reports (comment_id, reporter_id, reason, at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (comment_id, reporter_id) DO NOTHING",
        )
        .bind(id.as_bytes().as_slice())
        .bind(reporter.as_bytes().as_slice())
        .bind(reason)
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn add_blessing(&self, b: &crate::BlessingRecord) -> crate::Result<()> {
        query(&format!(
            "INSERT INTO blessings ({}, message) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '')",
            BLESSING_COLUMNS
        ))
        .bind(b.id.as_bytes().as_slice())
        .bind(b.sender.as_bytes().as_slice())
        .bind(b.recipient.as_bytes().as_slice())
        .bind(b.work.as_ref().map(|w| w.as_bytes().to_vec()))
        .bind(&b.template)
        .bind(&b.message_ciphertext)
        .bind(&b.share_hash)
        .bind(b.created_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn blessings_received(
        &self,
        recipient: &crate::UserId,
        limit: u32,
    ) -> crate::Result<Vec<crate::BlessingRecord>> {
        let rows: Vec<BlessingRow> = query(&format!(
            "SELECT {} FROM blessings WHERE recipient_id = $1 AND {} ORDER BY created_at DESC, id DESC LIMIT $2",
            BLESSING_COLUMNS,
            LIVE_SENDER
        ))
        .bind(recipient.as_bytes().as_slice())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(blessing_record).collect()
    }

    async fn blessings_sent(
        &self,
        sender: &crate::UserId,
        limit: u32,
    ) -> crate::Result<Vec<crate::BlessingRecord>> {
        let rows: Vec<BlessingRow> = query(&format!(
            "SELECT {} FROM blessings WHERE sender_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
            BLESSING_COLUMNS
        ))
        .bind(sender.as_bytes().as_slice())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(blessing_record).collect()
    }

    async fn comments_by(
        &self,
        author: &crate::UserId,
        limit: u32,
    ) -> crate::Result<Vec<crate::CommentRecord>> {
        let rows: Vec<CommentRow> = query(
            "SELECT id, work_id, author_id, text_ciphertext, created_at FROM comments WHERE author_id = $1 \
             ORDER BY created_at DESC, id DESC LIMIT $2",
        )
        .bind(author.as_bytes().as_slice())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(comment_record).collect()
    }

    async fn comments_on_works_of(
        &self,
        owner: &crate::UserId,
        limit: u32,
    ) -> crate::Result<Vec<crate::CommentRecord>> {
        let rows: Vec<CommentRow> = query(&format!(
            "SELECT id, work_id, author_id, text_ciphertext, created_at FROM comments \
             WHERE work_id IN (SELECT id FROM works WHERE owner_id = $1) AND author_id <> $1 AND {} \
             ORDER BY created_at DESC, id DESC LIMIT $2",
            LIVE_AUTHOR
        ))
        .bind(owner.as_bytes().as_slice())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(comment_record).collect()
    }

    async fn blessing(
        &self,
        recipient: &crate::UserId,
        id: &crate::BlessingId,
    ) -> crate::Result<Option<crate::BlessingRecord>> {
        let row: Option<BlessingRow> = query(&format!(
            "SELECT {} FROM blessings WHERE id = $1 AND recipient_id = $2 AND {}",
            BLESSING_COLUMNS, LIVE_SENDER
        ))
        .bind(id.as_bytes().as_slice())
        .bind(recipient.as_bytes().as_slice())
        .fetch_optional(&self.pool)
        .await?;
        row.map(blessing_record).transpose()
    }

    async fn blessing_by_share(&self, share_hash: &[u8]) -> crate::Result<Option<crate::BlessingRecord>> {
        let row: Option<BlessingRow> = query(&format!(
            "SELECT {} FROM blessings WHERE share_hash = $1 AND {}",
            BLESSING_COLUMNS, LIVE_SENDER
        ))
        .bind(share_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(blessing_record).transpose()
    }
}
