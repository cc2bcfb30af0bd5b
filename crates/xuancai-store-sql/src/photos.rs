//! Photos, albums and the blob garbage queue (IMG-1).

use xuancai_domain::{AlbumId, PhotoId};
use xuancai_store::{AlbumRecord, Cursor, PhotoFilter, PhotoRecord, Result, StoreError};

use crate::db::{Db, FromRow, Row, query};
use crate::{BlobGc, PhotoStore, SqlStore, user_id};

pub const PHOTO_COLUMNS: &str = "id, user_id, content_hash, mime, width, height, bytes, meta_ciphertext, \
     created_at, favourite, archived, trashed_at";

/// A `photos` row, by column name.
#[derive(Debug)]
pub struct PhotoRow {
    id: Vec<u8>,
    user_id: Vec<u8>,
    content_hash: Vec<u8>,
    mime: String,
    width: i64,
    height: i64,
    bytes: i64,
    meta_ciphertext: Vec<u8>,
    created_at: i64,
    favourite: bool,
    archived: bool,
    trashed_at: Option<i64>,
}

impl FromRow for PhotoRow {
    fn from_row<DB: Db>(row: &Row<'_, DB>) -> sqlx::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            user_id: row.get("user_id")?,
            content_hash: row.get("content_hash")?,
            mime: row.get("mime")?,
            width: row.get("width")?,
            height: row.get("height")?,
            bytes: row.get("bytes")?,
            meta_ciphertext: row.get("meta_ciphertext")?,
            created_at: row.get("created_at")?,
            favourite: row.get("favourite")?,
            archived: row.get("archived")?,
            trashed_at: row.get("trashed_at")?,
        })
    }
}

fn id16(bytes: Vec<u8>, what: &str) -> Result<[u8; 16]> {
    bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt(format!("{what} id is not 16 bytes")))
}

pub fn photo_id(bytes: Vec<u8>) -> Result<PhotoId> {
    Ok(PhotoId::from_bytes(id16(bytes, "photo")?))
}

pub fn album_id(bytes: Vec<u8>) -> Result<AlbumId> {
    Ok(AlbumId::from_bytes(id16(bytes, "album")?))
}

pub fn photo_record(r: PhotoRow) -> Result<PhotoRecord> {
    let dim = |v: i64| u32::try_from(v).map_err(|_| StoreError::Corrupt("photo dimension".into()));
    Ok(PhotoRecord {
        id: photo_id(r.id)?,
        owner: user_id(r.user_id)?,
        content_hash: r.content_hash,
        mime: r.mime,
        width: dim(r.width)?,
        height: dim(r.height)?,
        bytes: r.bytes,
        meta_ciphertext: r.meta_ciphertext,
        created_at: r.created_at,
        favourite: r.favourite,
        archived: r.archived,
        trashed_at: r.trashed_at,
    })
}

pub fn photos(rows: Vec<PhotoRow>) -> Result<Vec<PhotoRecord>> {
    rows.into_iter().map(photo_record).collect()
}

/// The `WHERE` clause of a listing (fixed text, never user input).
pub fn filter_clause(f: PhotoFilter) -> &'static str {
    match f {
        PhotoFilter::Library => "archived = FALSE AND trashed_at IS NULL",
        PhotoFilter::Favourites => "favourite = TRUE AND trashed_at IS NULL",
        PhotoFilter::Archived => "archived = TRUE AND trashed_at IS NULL",
        PhotoFilter::Trash => "trashed_at IS NOT NULL",
    }
}

/// `(at, id)` to bind for "strictly after the cursor", newest first; no
/// cursor means "from the top".
pub fn cursor_bounds(after: Option<Cursor>) -> (i64, Vec<u8>) {
    match after {
        Some(c) => (c.at, c.id.to_vec()),
        None => (i64::MAX, vec![0xff; 17]),
    }
}

pub const ALBUM_SELECT: &str = "SELECT a.id, a.user_id, a.name_ciphertext, a.created_at, a.updated_at, \
     (SELECT COUNT(*) FROM album_photos ap JOIN photos p ON p.id = ap.photo_id \
        WHERE ap.album_id = a.id AND p.trashed_at IS NULL) AS photo_count, \
     (SELECT p.id FROM album_photos ap JOIN photos p ON p.id = ap.photo_id \
        WHERE ap.album_id = a.id AND p.trashed_at IS NULL ORDER BY p.created_at DESC, p.id DESC LIMIT 1) AS cover \
     FROM albums a";

/// An album with its photo count and cover ([`ALBUM_SELECT`]), by column name.
#[derive(Debug)]
pub struct AlbumRow {
    id: Vec<u8>,
    user_id: Vec<u8>,
    name_ciphertext: Vec<u8>,
    created_at: i64,
    updated_at: i64,
    photo_count: i64,
    cover: Option<Vec<u8>>,
}

impl FromRow for AlbumRow {
    fn from_row<DB: Db>(row: &Row<'_, DB>) -> sqlx::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            user_id: row.get("user_id")?,
            name_ciphertext: row.get("name_ciphertext")?,
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
            photo_count: row.get("photo_count")?,
            cover: row.get("cover")?,
        })
    }
}

pub fn album_record(r: AlbumRow) -> Result<AlbumRecord> {
    Ok(AlbumRecord {
        id: album_id(r.id)?,
        owner: user_id(r.user_id)?,
        name_ciphertext: r.name_ciphertext,
        created_at: r.created_at,
        updated_at: r.updated_at,
        photo_count: r.photo_count,
        cover: r.cover.map(photo_id).transpose()?,
    })
}

/// How many photos a user has and their bytes.
#[derive(Debug)]
pub struct PhotoTotals {
    n: i64,
    bytes: i64,
}

impl FromRow for PhotoTotals {
    fn from_row<DB: Db>(row: &Row<'_, DB>) -> sqlx::Result<Self> {
        Ok(Self {
            n: row.get("n")?,
            bytes: row.get("bytes")?,
        })
    }
}

/// A photo's owner and id.
#[derive(Debug)]
pub struct OwnedPhoto {
    user_id: Vec<u8>,
    id: Vec<u8>,
}

impl FromRow for OwnedPhoto {
    fn from_row<DB: Db>(row: &Row<'_, DB>) -> sqlx::Result<Self> {
        Ok(Self {
            user_id: row.get("user_id")?,
            id: row.get("id")?,
        })
    }
}

impl<DB: Db> PhotoStore for SqlStore<DB> {
    async fn photo_totals(&self, user: &crate::UserId) -> crate::Result<(u64, u64)> {
        let totals: Option<PhotoTotals> = query(
            "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(bytes), 0) AS BIGINT) AS bytes FROM photos WHERE user_id = $1",
        )
        .bind(user.as_bytes().as_slice())
        .fetch_optional(&self.pool)
        .await?;
        let PhotoTotals { n, bytes } = totals.unwrap_or(PhotoTotals { n: 0, bytes: 0 });
        Ok((u64::try_from(n).unwrap_or(0), u64::try_from(bytes).unwrap_or(0)))
    }

    async fn insert_photo(&self, p: &crate::PhotoRecord, pending_blobs: &str) -> crate::Result<()> {
        let mut tx = self.pool.begin().await.map_err(crate::backend)?;
        query(
            "INSERT INTO photos (id, user_id, content_hash, mime, width, height, bytes, meta_ciphertext, \
             created_at, favourite, archived, trashed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(p.id.as_bytes().as_slice())
        .bind(p.owner.as_bytes().as_slice())
        .bind(&p.content_hash)
        .bind(&p.mime)
        .bind(i64::from(p.width))
        .bind(i64::from(p.height))
        .bind(p.bytes)
        .bind(&p.meta_ciphertext)
        .bind(p.created_at)
        .bind(p.favourite)
        .bind(p.archived)
        .bind(p.trashed_at)
        .execute(&mut tx)
        .await?;
        query("DELETE FROM blob_gc WHERE prefix = $1")
            .bind(pending_blobs)
            .execute(&mut tx)
            .await?;
        tx.commit().await.map_err(crate::backend)
    }

    async fn photo(
        &self,
        owner: &crate::UserId,
        id: &crate::PhotoId,
    ) -> crate::Result<Option<crate::PhotoRecord>> {
        let sql = format!(
            "SELECT {} FROM photos WHERE user_id = $1 AND id = $2",
            PHOTO_COLUMNS
        );
        let row: Option<PhotoRow> = query(&sql)
            .bind(owner.as_bytes().as_slice())
            .bind(id.as_bytes().as_slice())
            .fetch_optional(&self.pool)
            .await?;
        row.map(photo_record).transpose()
    }

    async fn photo_by_hash(
        &self,
        owner: &crate::UserId,
        content_hash: &[u8],
    ) -> crate::Result<Option<crate::PhotoRecord>> {
        let sql = format!(
            "SELECT {} FROM photos WHERE user_id = $1 AND content_hash = $2",
            PHOTO_COLUMNS
        );
        let row: Option<PhotoRow> = query(&sql)
            .bind(owner.as_bytes().as_slice())
            .bind(content_hash)
            .fetch_optional(&self.pool)
            .await?;
        row.map(photo_record).transpose()
    }

    async fn list_photos(
        &self,
        owner: &crate::UserId,
        filter: crate::PhotoFilter,
        after: Option<crate::Cursor>,
        limit: u32,
    ) -> crate::Result<Vec<crate::PhotoRecord>> {
        let sql = format!(
            "SELECT {} FROM photos WHERE user_id = $1 AND {} AND (created_at < $2 OR (created_at = $2 AND id < $3)) \
             ORDER BY created_at DESC, id DESC LIMIT $4",
            PHOTO_COLUMNS,
            filter_clause(filter)
        );
        let (at, id) = cursor_bounds(after);
        let rows: Vec<PhotoRow> = query(&sql)
            .bind(owner.as_bytes().as_slice())
            .bind(at)
            .bind(id)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        photos(rows)
    }

    async fn update_photo(
        &self,
        owner: &crate::UserId,
        id: &crate::PhotoId,
        patch: crate::PhotoPatch,
    ) -> crate::Result<Option<crate::PhotoRecord>> {
        let r = query(
            "UPDATE photos SET favourite = COALESCE($3, favourite), archived = COALESCE($4, archived) \
             WHERE user_id = $1 AND id = $2",
        )
        .bind(owner.as_bytes().as_slice())
        .bind(id.as_bytes().as_slice())
        .bind(patch.favourite)
        .bind(patch.archived)
        .execute(&self.pool)
        .await?;
        if r == 0 {
            return Ok(None);
        }
        crate::PhotoStore::photo(self, owner, id).await
    }

    async fn set_trashed(
        &self,
        owner: &crate::UserId,
        id: &crate::PhotoId,
        at: Option<crate::Millis>,
    ) -> crate::Result<bool> {
        let r = query("UPDATE photos SET trashed_at = $3 WHERE user_id = $1 AND id = $2")
            .bind(owner.as_bytes().as_slice())
            .bind(id.as_bytes().as_slice())
            .bind(at)
            .execute(&self.pool)
            .await?;
        Ok(r > 0)
    }

    async fn purge_photo(
        &self,
        owner: &crate::UserId,
        id: &crate::PhotoId,
        now: crate::Millis,
    ) -> crate::Result<bool> {
        let mut tx = self.pool.begin().await.map_err(crate::backend)?;
        let r = query("DELETE FROM photos WHERE user_id = $1 AND id = $2")
            .bind(owner.as_bytes().as_slice())
            .bind(id.as_bytes().as_slice())
            .execute(&mut tx)
            .await?;
        if r == 0 {
            return Ok(false);
        }
        query(
            "INSERT INTO blob_gc (prefix, due_at) VALUES ($1, $2) ON CONFLICT (prefix) DO UPDATE SET due_at = excluded.due_at",
        )
        .bind(crate::PhotoRecord::blob_prefix(owner, id))
        .bind(now)
        .execute(&mut tx)
        .await?;
        tx.commit().await.map_err(crate::backend)?;
        Ok(true)
    }

    async fn trashed_before(
        &self,
        cutoff: crate::Millis,
        limit: u32,
    ) -> crate::Result<Vec<(crate::UserId, crate::PhotoId)>> {
        let rows: Vec<OwnedPhoto> = query(
            "SELECT user_id, id FROM photos WHERE trashed_at IS NOT NULL AND trashed_at < $1 ORDER BY trashed_at LIMIT $2",
        )
        .bind(cutoff)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| Ok((crate::user_id(r.user_id)?, photo_id(r.id)?)))
            .collect()
    }

    async fn insert_album(&self, a: &crate::AlbumRecord) -> crate::Result<()> {
        query(
            "INSERT INTO albums (id, user_id, name_ciphertext, created_at, updated_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(a.id.as_bytes().as_slice())
        .bind(a.owner.as_bytes().as_slice())
        .bind(&a.name_ciphertext)
        .bind(a.created_at)
        .bind(a.updated_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn album(
        &self,
        owner: &crate::UserId,
        id: &crate::AlbumId,
    ) -> crate::Result<Option<crate::AlbumRecord>> {
        let sql = format!("{} WHERE a.user_id = $1 AND a.id = $2", ALBUM_SELECT);
        let row: Option<AlbumRow> = query(&sql)
            .bind(owner.as_bytes().as_slice())
            .bind(id.as_bytes().as_slice())
            .fetch_optional(&self.pool)
            .await?;
        row.map(album_record).transpose()
    }

    async fn list_albums(
        &self,
        owner: &crate::UserId,
        after: Option<crate::Cursor>,
        limit: u32,
    ) -> crate::Result<Vec<crate::AlbumRecord>> {
        let sql = format!(
            "{} WHERE a.user_id = $1 AND (a.created_at < $2 OR (a.created_at = $2 AND a.id < $3)) \
             ORDER BY a.created_at DESC, a.id DESC LIMIT $4",
            ALBUM_SELECT
        );
        let (at, id) = cursor_bounds(after);
        let rows: Vec<AlbumRow> = query(&sql)
            .bind(owner.as_bytes().as_slice())
            .bind(at)
            .bind(id)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(album_record).collect()
    }

    async fn rename_album(
        &self,
        owner: &crate::UserId,
        id: &crate::AlbumId,
        name_ciphertext: &[u8],
        at: crate::Millis,
    ) -> crate::Result<bool> {
        let r =
            query("UPDATE albums SET name_ciphertext = $3, updated_at = $4 WHERE user_id = $1 AND id = $2")
                .bind(owner.as_bytes().as_slice())
                .bind(id.as_bytes().as_slice())
                .bind(name_ciphertext)
                .bind(at)
                .execute(&self.pool)
                .await?;
        Ok(r > 0)
    }

    async fn delete_album(&self, owner: &crate::UserId, id: &crate::AlbumId) -> crate::Result<bool> {
        let r = query("DELETE FROM albums WHERE user_id = $1 AND id = $2")
            .bind(owner.as_bytes().as_slice())
            .bind(id.as_bytes().as_slice())
            .execute(&self.pool)
            .await?;
        Ok(r > 0)
    }

    async fn add_to_album(
        &self,
        owner: &crate::UserId,
        album: &crate::AlbumId,
        photos: &[crate::PhotoId],
        at: crate::Millis,
    ) -> crate::Result<u64> {
        let mut tx = self.pool.begin().await.map_err(crate::backend)?;
        let owned: Option<Vec<u8>> = query("SELECT id FROM albums WHERE user_id = $1 AND id = $2")
            .bind(owner.as_bytes().as_slice())
            .bind(album.as_bytes().as_slice())
            .fetch_scalar(&mut tx)
            .await?;
        if owned.is_none() {
            return Err(crate::StoreError::NotFound);
        }
        let mut added = 0;
        for p in photos {
            let r = query(
                "INSERT INTO album_photos (album_id, photo_id, added_at) \
                 SELECT $1, id, $3 FROM photos WHERE id = $2 AND user_id = $4 ON CONFLICT DO NOTHING",
            )
            .bind(album.as_bytes().as_slice())
            .bind(p.as_bytes().as_slice())
            .bind(at)
            .bind(owner.as_bytes().as_slice())
            .execute(&mut tx)
            .await?;
            added += r;
        }
        if added > 0 {
            query("UPDATE albums SET updated_at = $2 WHERE id = $1")
                .bind(album.as_bytes().as_slice())
                .bind(at)
                .execute(&mut tx)
                .await?;
        }
        tx.commit().await.map_err(crate::backend)?;
        Ok(added)
    }

    async fn remove_from_album(
        &self,
        owner: &crate::UserId,
        album: &crate::AlbumId,
        photos: &[crate::PhotoId],
    ) -> crate::Result<u64> {
        let mut tx = self.pool.begin().await.map_err(crate::backend)?;
        let owned: Option<Vec<u8>> = query("SELECT id FROM albums WHERE user_id = $1 AND id = $2")
            .bind(owner.as_bytes().as_slice())
            .bind(album.as_bytes().as_slice())
            .fetch_scalar(&mut tx)
            .await?;
        if owned.is_none() {
            return Err(crate::StoreError::NotFound);
        }
        let mut removed = 0;
        for p in photos {
            let r = query("DELETE FROM album_photos WHERE album_id = $1 AND photo_id = $2")
                .bind(album.as_bytes().as_slice())
                .bind(p.as_bytes().as_slice())
                .execute(&mut tx)
                .await?;
            removed += r;
        }
        tx.commit().await.map_err(crate::backend)?;
        Ok(removed)
    }

    async fn album_photos(
        &self,
        owner: &crate::UserId,
        album: &crate::AlbumId,
        after: Option<crate::Cursor>,
        limit: u32,
    ) -> crate::Result<Vec<crate::PhotoRecord>> {
        let sql = format!(
            "SELECT {} FROM photos WHERE user_id = $1 AND trashed_at IS NULL \
             AND id IN (SELECT photo_id FROM album_photos WHERE album_id = $2) \
             AND (created_at < $3 OR (created_at = $3 AND id < $4)) ORDER BY created_at DESC, id DESC LIMIT $5",
            PHOTO_COLUMNS
        );
        let (at, id) = cursor_bounds(after);
        let rows: Vec<PhotoRow> = query(&sql)
            .bind(owner.as_bytes().as_slice())
            .bind(album.as_bytes().as_slice())
            .bind(at)
            .bind(id)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        photos(rows)
    }
}

impl<DB: Db> BlobGc for SqlStore<DB> {
    async fn schedule_gc(&self, prefix: &str, due_at: crate::Millis) -> crate::Result<()> {
        query(
            "INSERT INTO blob_gc (prefix, due_at) VALUES ($1, $2) ON CONFLICT (prefix) DO UPDATE SET due_at = excluded.due_at",
        )
        .bind(prefix)
        .bind(due_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn due_gc(&self, now: crate::Millis, limit: u32) -> crate::Result<Vec<String>> {
        query("SELECT prefix FROM blob_gc WHERE due_at <= $1 ORDER BY due_at LIMIT $2")
            .bind(now)
            .bind(i64::from(limit))
            .fetch_column(&self.pool)
            .await
    }

    async fn done_gc(&self, prefix: &str) -> crate::Result<()> {
        query("DELETE FROM blob_gc WHERE prefix = $1")
            .bind(prefix)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
