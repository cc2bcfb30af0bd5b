//! Photos, albums and the blob garbage queue (IMG-1).

use xuancai_domain::{AlbumId, PhotoId};
use xuancai_store::{AlbumRecord, Cursor, PhotoFilter, PhotoRecord, Result, StoreError};

use crate::user_id;

pub const PHOTO_COLUMNS: &str = "id, user_id, content_hash, mime, width, height, bytes, meta_ciphertext, \
     created_at, favourite, archived, trashed_at";

pub type PhotoRow = (
    Vec<u8>,
    Vec<u8>,
    Vec<u8>,
    String,
    i64,
    i64,
    i64,
    Vec<u8>,
    i64,
    bool,
    bool,
    Option<i64>,
);

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
        id: photo_id(r.0)?,
        owner: user_id(r.1)?,
        content_hash: r.2,
        mime: r.3,
        width: dim(r.4)?,
        height: dim(r.5)?,
        bytes: r.6,
        meta_ciphertext: r.7,
        created_at: r.8,
        favourite: r.9,
        archived: r.10,
        trashed_at: r.11,
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
        WHERE ap.album_id = a.id AND p.trashed_at IS NULL), \
     (SELECT p.id FROM album_photos ap JOIN photos p ON p.id = ap.photo_id \
        WHERE ap.album_id = a.id AND p.trashed_at IS NULL ORDER BY p.created_at DESC, p.id DESC LIMIT 1) \
     FROM albums a";

pub type AlbumRow = (Vec<u8>, Vec<u8>, Vec<u8>, i64, i64, i64, Option<Vec<u8>>);

pub fn album_record(r: AlbumRow) -> Result<AlbumRecord> {
    Ok(AlbumRecord {
        id: album_id(r.0)?,
        owner: user_id(r.1)?,
        name_ciphertext: r.2,
        created_at: r.3,
        updated_at: r.4,
        photo_count: r.5,
        cover: r.6.map(photo_id).transpose()?,
    })
}

/// Implement `PhotoStore` and `BlobGc` for a type with a `pool` field.
#[macro_export]
macro_rules! impl_photo_store {
    ($store:ty) => {
impl $crate::PhotoStore for $store {
    async fn photo_totals(&self, user: &$crate::UserId) -> $crate::Result<(u64, u64)> {
        let (n, bytes): (i64, i64) = $crate::sqlx::query_as(
            "SELECT COUNT(*), CAST(COALESCE(SUM(bytes), 0) AS BIGINT) FROM photos WHERE user_id = $1",
        )
        .bind(user.as_bytes().as_slice())
        .fetch_one(&self.pool)
        .await
        .map_err($crate::backend)?;
        Ok((u64::try_from(n).unwrap_or(0), u64::try_from(bytes).unwrap_or(0)))
    }

    async fn insert_photo(&self, p: &$crate::PhotoRecord, pending_blobs: &str) -> $crate::Result<()> {
        let mut tx = self.pool.begin().await.map_err($crate::backend)?;
        $crate::sqlx::query(
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
        .execute(&mut *tx)
        .await
        .map_err($crate::backend)?;
        $crate::sqlx::query("DELETE FROM blob_gc WHERE prefix = $1")
            .bind(pending_blobs)
            .execute(&mut *tx)
            .await
            .map_err($crate::backend)?;
        tx.commit().await.map_err($crate::backend)
    }

    async fn photo(&self, owner: &$crate::UserId, id: &$crate::PhotoId) -> $crate::Result<Option<$crate::PhotoRecord>> {
        let sql = format!("SELECT {} FROM photos WHERE user_id = $1 AND id = $2", $crate::photos::PHOTO_COLUMNS);
        let row: Option<$crate::photos::PhotoRow> = $crate::sqlx::query_as(&sql)
            .bind(owner.as_bytes().as_slice())
            .bind(id.as_bytes().as_slice())
            .fetch_optional(&self.pool)
            .await
            .map_err($crate::backend)?;
        row.map($crate::photos::photo_record).transpose()
    }

    async fn photo_by_hash(&self, owner: &$crate::UserId, content_hash: &[u8]) -> $crate::Result<Option<$crate::PhotoRecord>> {
        let sql = format!(
            "SELECT {} FROM photos WHERE user_id = $1 AND content_hash = $2",
            $crate::photos::PHOTO_COLUMNS
        );
        let row: Option<$crate::photos::PhotoRow> = $crate::sqlx::query_as(&sql)
            .bind(owner.as_bytes().as_slice())
            .bind(content_hash)
            .fetch_optional(&self.pool)
            .await
            .map_err($crate::backend)?;
        row.map($crate::photos::photo_record).transpose()
    }

    async fn list_photos(
        &self,
        owner: &$crate::UserId,
        filter: $crate::PhotoFilter,
        after: Option<$crate::Cursor>,
        limit: u32,
    ) -> $crate::Result<Vec<$crate::PhotoRecord>> {
        let sql = format!(
            "SELECT {} FROM photos WHERE user_id = $1 AND {} AND (created_at < $2 OR (created_at = $2 AND id < $3)) \
             ORDER BY created_at DESC, id DESC LIMIT $4",
            $crate::photos::PHOTO_COLUMNS,
            $crate::photos::filter_clause(filter)
        );
        let (at, id) = $crate::photos::cursor_bounds(after);
        let rows: Vec<$crate::photos::PhotoRow> = $crate::sqlx::query_as(&sql)
            .bind(owner.as_bytes().as_slice())
            .bind(at)
            .bind(id)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err($crate::backend)?;
        $crate::photos::photos(rows)
    }

    async fn update_photo(
        &self,
        owner: &$crate::UserId,
        id: &$crate::PhotoId,
        patch: $crate::PhotoPatch,
    ) -> $crate::Result<Option<$crate::PhotoRecord>> {
        let r = $crate::sqlx::query(
            "UPDATE photos SET favourite = COALESCE($3, favourite), archived = COALESCE($4, archived) \
             WHERE user_id = $1 AND id = $2",
        )
        .bind(owner.as_bytes().as_slice())
        .bind(id.as_bytes().as_slice())
        .bind(patch.favourite)
        .bind(patch.archived)
        .execute(&self.pool)
        .await
        .map_err($crate::backend)?;
        if r.rows_affected() == 0 {
            return Ok(None);
        }
        $crate::PhotoStore::photo(self, owner, id).await
    }

    async fn set_trashed(&self, owner: &$crate::UserId, id: &$crate::PhotoId, at: Option<$crate::Millis>) -> $crate::Result<bool> {
        let r = $crate::sqlx::query("UPDATE photos SET trashed_at = $3 WHERE user_id = $1 AND id = $2")
            .bind(owner.as_bytes().as_slice())
            .bind(id.as_bytes().as_slice())
            .bind(at)
            .execute(&self.pool)
            .await
            .map_err($crate::backend)?;
        Ok(r.rows_affected() > 0)
    }

    async fn purge_photo(&self, owner: &$crate::UserId, id: &$crate::PhotoId, now: $crate::Millis) -> $crate::Result<bool> {
        let mut tx = self.pool.begin().await.map_err($crate::backend)?;
        let r = $crate::sqlx::query("DELETE FROM photos WHERE user_id = $1 AND id = $2")
            .bind(owner.as_bytes().as_slice())
            .bind(id.as_bytes().as_slice())
            .execute(&mut *tx)
            .await
            .map_err($crate::backend)?;
        if r.rows_affected() == 0 {
            return Ok(false);
        }
        $crate::sqlx::query(
            "INSERT INTO blob_gc (prefix, due_at) VALUES ($1, $2) ON CONFLICT (prefix) DO UPDATE SET due_at = excluded.due_at",
        )
        .bind($crate::PhotoRecord::blob_prefix(owner, id))
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err($crate::backend)?;
        tx.commit().await.map_err($crate::backend)?;
        Ok(true)
    }

    async fn trashed_before(&self, cutoff: $crate::Millis, limit: u32) -> $crate::Result<Vec<($crate::UserId, $crate::PhotoId)>> {
        let rows: Vec<(Vec<u8>, Vec<u8>)> = $crate::sqlx::query_as(
            "SELECT user_id, id FROM photos WHERE trashed_at IS NOT NULL AND trashed_at < $1 ORDER BY trashed_at LIMIT $2",
        )
        .bind(cutoff)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err($crate::backend)?;
        rows.into_iter()
            .map(|(u, p)| Ok(($crate::user_id(u)?, $crate::photos::photo_id(p)?)))
            .collect()
    }

    async fn insert_album(&self, a: &$crate::AlbumRecord) -> $crate::Result<()> {
        $crate::sqlx::query(
            "INSERT INTO albums (id, user_id, name_ciphertext, created_at, updated_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(a.id.as_bytes().as_slice())
        .bind(a.owner.as_bytes().as_slice())
        .bind(&a.name_ciphertext)
        .bind(a.created_at)
        .bind(a.updated_at)
        .execute(&self.pool)
        .await
        .map_err($crate::backend)?;
        Ok(())
    }

    async fn album(&self, owner: &$crate::UserId, id: &$crate::AlbumId) -> $crate::Result<Option<$crate::AlbumRecord>> {
        let sql = format!("{} WHERE a.user_id = $1 AND a.id = $2", $crate::photos::ALBUM_SELECT);
        let row: Option<$crate::photos::AlbumRow> = $crate::sqlx::query_as(&sql)
            .bind(owner.as_bytes().as_slice())
            .bind(id.as_bytes().as_slice())
            .fetch_optional(&self.pool)
            .await
            .map_err($crate::backend)?;
        row.map($crate::photos::album_record).transpose()
    }

    async fn list_albums(
        &self,
        owner: &$crate::UserId,
        after: Option<$crate::Cursor>,
        limit: u32,
    ) -> $crate::Result<Vec<$crate::AlbumRecord>> {
        let sql = format!(
            "{} WHERE a.user_id = $1 AND (a.created_at < $2 OR (a.created_at = $2 AND a.id < $3)) \
             ORDER BY a.created_at DESC, a.id DESC LIMIT $4",
            $crate::photos::ALBUM_SELECT
        );
        let (at, id) = $crate::photos::cursor_bounds(after);
        let rows: Vec<$crate::photos::AlbumRow> = $crate::sqlx::query_as(&sql)
            .bind(owner.as_bytes().as_slice())
            .bind(at)
            .bind(id)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err($crate::backend)?;
        rows.into_iter().map($crate::photos::album_record).collect()
    }

    async fn rename_album(
        &self,
        owner: &$crate::UserId,
        id: &$crate::AlbumId,
        name_ciphertext: &[u8],
        at: $crate::Millis,
    ) -> $crate::Result<bool> {
        let r = $crate::sqlx::query("UPDATE albums SET name_ciphertext = $3, updated_at = $4 WHERE user_id = $1 AND id = $2")
            .bind(owner.as_bytes().as_slice())
            .bind(id.as_bytes().as_slice())
            .bind(name_ciphertext)
            .bind(at)
            .execute(&self.pool)
            .await
            .map_err($crate::backend)?;
        Ok(r.rows_affected() > 0)
    }

    async fn delete_album(&self, owner: &$crate::UserId, id: &$crate::AlbumId) -> $crate::Result<bool> {
        let r = $crate::sqlx::query("DELETE FROM albums WHERE user_id = $1 AND id = $2")
            .bind(owner.as_bytes().as_slice())
            .bind(id.as_bytes().as_slice())
            .execute(&self.pool)
            .await
            .map_err($crate::backend)?;
        Ok(r.rows_affected() > 0)
    }

    async fn add_to_album(
        &self,
        owner: &$crate::UserId,
        album: &$crate::AlbumId,
        photos: &[$crate::PhotoId],
        at: $crate::Millis,
    ) -> $crate::Result<u64> {
        let mut tx = self.pool.begin().await.map_err($crate::backend)?;
        let owned: Option<(Vec<u8>,)> = $crate::sqlx::query_as("SELECT id FROM albums WHERE user_id = $1 AND id = $2")
            .bind(owner.as_bytes().as_slice())
            .bind(album.as_bytes().as_slice())
            .fetch_optional(&mut *tx)
            .await
            .map_err($crate::backend)?;
        if owned.is_none() {
            return Err($crate::StoreError::NotFound);
        }
        let mut added = 0;
        for p in photos {
            let r = $crate::sqlx::query(
                "INSERT INTO album_photos (album_id, photo_id, added_at) \
                 SELECT $1, id, $3 FROM photos WHERE id = $2 AND user_id = $4 ON CONFLICT DO NOTHING",
            )
            .bind(album.as_bytes().as_slice())
            .bind(p.as_bytes().as_slice())
            .bind(at)
            .bind(owner.as_bytes().as_slice())
            .execute(&mut *tx)
            .await
            .map_err($crate::backend)?;
            added += r.rows_affected();
        }
        if added > 0 {
            $crate::sqlx::query("UPDATE albums SET updated_at = $2 WHERE id = $1")
                .bind(album.as_bytes().as_slice())
                .bind(at)
                .execute(&mut *tx)
                .await
                .map_err($crate::backend)?;
        }
        tx.commit().await.map_err($crate::backend)?;
        Ok(added)
    }

    async fn remove_from_album(
        &self,
        owner: &$crate::UserId,
        album: &$crate::AlbumId,
        photos: &[$crate::PhotoId],
    ) -> $crate::Result<u64> {
        let mut tx = self.pool.begin().await.map_err($crate::backend)?;
        let owned: Option<(Vec<u8>,)> = $crate::sqlx::query_as("SELECT id FROM albums WHERE user_id = $1 AND id = $2")
            .bind(owner.as_bytes().as_slice())
            .bind(album.as_bytes().as_slice())
            .fetch_optional(&mut *tx)
            .await
            .map_err($crate::backend)?;
        if owned.is_none() {
            return Err($crate::StoreError::NotFound);
        }
        let mut removed = 0;
        for p in photos {
            let r = $crate::sqlx::query("DELETE FROM album_photos WHERE album_id = $1 AND photo_id = $2")
                .bind(album.as_bytes().as_slice())
                .bind(p.as_bytes().as_slice())
                .execute(&mut *tx)
                .await
                .map_err($crate::backend)?;
            removed += r.rows_affected();
        }
        tx.commit().await.map_err($crate::backend)?;
        Ok(removed)
    }

    async fn album_photos(
        &self,
        owner: &$crate::UserId,
        album: &$crate::AlbumId,
        after: Option<$crate::Cursor>,
        limit: u32,
    ) -> $crate::Result<Vec<$crate::PhotoRecord>> {
        let sql = format!(
            "SELECT {} FROM photos WHERE user_id = $1 AND trashed_at IS NULL \
             AND id IN (SELECT photo_id FROM album_photos WHERE album_id = $2) \
             AND (created_at < $3 OR (created_at = $3 AND id < $4)) ORDER BY created_at DESC, id DESC LIMIT $5",
            $crate::photos::PHOTO_COLUMNS
        );
        let (at, id) = $crate::photos::cursor_bounds(after);
        let rows: Vec<$crate::photos::PhotoRow> = $crate::sqlx::query_as(&sql)
            .bind(owner.as_bytes().as_slice())
            .bind(album.as_bytes().as_slice())
            .bind(at)
            .bind(id)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err($crate::backend)?;
        $crate::photos::photos(rows)
    }
}

impl $crate::BlobGc for $store {
    async fn schedule_gc(&self, prefix: &str, due_at: $crate::Millis) -> $crate::Result<()> {
        $crate::sqlx::query(
            "INSERT INTO blob_gc (prefix, due_at) VALUES ($1, $2) ON CONFLICT (prefix) DO UPDATE SET due_at = excluded.due_at",
        )
        .bind(prefix)
        .bind(due_at)
        .execute(&self.pool)
        .await
        .map_err($crate::backend)?;
        Ok(())
    }

    async fn due_gc(&self, now: $crate::Millis, limit: u32) -> $crate::Result<Vec<String>> {
        let rows: Vec<(String,)> =
            $crate::sqlx::query_as("SELECT prefix FROM blob_gc WHERE due_at <= $1 ORDER BY due_at LIMIT $2")
                .bind(now)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err($crate::backend)?;
        Ok(rows.into_iter().map(|(p,)| p).collect())
    }

    async fn done_gc(&self, prefix: &str) -> $crate::Result<()> {
        $crate::sqlx::query("DELETE FROM blob_gc WHERE prefix = $1")
            .bind(prefix)
            .execute(&self.pool)
            .await
            .map_err($crate::backend)?;
        Ok(())
    }
}
    };
}
