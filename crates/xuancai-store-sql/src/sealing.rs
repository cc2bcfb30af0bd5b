//! Where each sealed column lives (see `xuancai_store::SealingStore`), and
//! the start-up pass's queries over it.

use xuancai_store::SealedColumn;

use crate::db::{Db, FromRow, Row, query};
use crate::{SealingStore, SqlStore};

/// A sealed column's place in the schema. Every name here is a constant of
/// this file, never input, so the queries built from them are fixed text.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct Place {
    pub table: &'static str,
    /// The row's id column.
    pub id: &'static str,
    /// The column naming the owner whose data key seals the value.
    pub owner: &'static str,
    /// Where the ciphertext is.
    pub sealed: &'static str,
    /// Where the value was in plaintext before `SEAL_VERSION` 2, if it was.
    pub plaintext: Option<&'static str>,
}

#[doc(hidden)]
pub const fn place(column: SealedColumn) -> Place {
    const fn sealed(table: &'static str, owner: &'static str, sealed: &'static str) -> Place {
        Place {
            table,
            id: "id",
            owner,
            sealed,
            plaintext: None,
        }
    }
    match column {
        SealedColumn::UserPhone => sealed("users", "id", "phone_ciphertext"),
        SealedColumn::UserNickname => sealed("users", "id", "nickname_ciphertext"),
        SealedColumn::UserBirthDate => sealed("users", "id", "birth_date_ciphertext"),
        SealedColumn::UserGuardianPhone => sealed("users", "id", "guardian_phone_ciphertext"),
        SealedColumn::PhotoMeta => sealed("photos", "user_id", "meta_ciphertext"),
        SealedColumn::AlbumName => sealed("albums", "user_id", "name_ciphertext"),
        SealedColumn::RequestDetail => sealed("rights_requests", "user_id", "detail_ciphertext"),
        SealedColumn::RequestScope => sealed("rights_requests", "user_id", "scope_ciphertext"),
        SealedColumn::UsageDevice => sealed("usage_events", "user_id", "device_ciphertext"),
        SealedColumn::PushToken => sealed("push_tokens", "user_id", "token_ciphertext"),
        SealedColumn::JobParams => sealed("jobs", "user_id", "params"),
        SealedColumn::WorkTitle => Place {
            plaintext: Some("title"),
            ..sealed("works", "owner_id", "title_ciphertext")
        },
        SealedColumn::CommentText => Place {
            plaintext: Some("text"),
            ..sealed("comments", "author_id", "text_ciphertext")
        },
        SealedColumn::BlessingMessage => Place {
            plaintext: Some("message"),
            ..sealed("blessings", "sender_id", "message_ciphertext")
        },
    }
}

impl Place {
    /// The owner's cells in the old format: (row id, value) of every
    /// ciphertext, or of every plaintext not sealed yet.
    #[doc(hidden)]
    pub fn select_legacy(&self) -> String {
        let Place {
            table,
            id,
            owner,
            sealed,
            plaintext,
        } = *self;
        match plaintext {
            Some(plain) => format!(
                "SELECT {id} AS row_id, {plain} AS cell FROM {table} WHERE {owner} = $1 AND {sealed} IS NULL ORDER BY {id}"
            ),
            None => format!(
                "SELECT {id} AS row_id, {sealed} AS cell FROM {table} WHERE {owner} = $1 AND {sealed} IS NOT NULL ORDER BY {id}"
            ),
        }
    }

    /// Replace one cell if it still holds what was read ($1 new bytes, $2
    /// the row id, $3 the old value, $4 the owner).
    #[doc(hidden)]
    pub fn update_if_unchanged(&self) -> String {
        let Place {
            table,
            id,
            owner,
            sealed,
            plaintext,
        } = *self;
        match plaintext {
            Some(plain) => format!(
                "UPDATE {table} SET {sealed} = $1, {plain} = '' \
                 WHERE {id} = $2 AND {plain} = $3 AND {owner} = $4 AND {sealed} IS NULL"
            ),
            None => {
                format!("UPDATE {table} SET {sealed} = $1 WHERE {id} = $2 AND {sealed} = $3 AND {owner} = $4")
            }
        }
    }
}

/// A sealed column's cell still in its legacy form: text in the clear.
#[derive(Debug)]
pub struct TextCell {
    row_id: Vec<u8>,
    cell: String,
}

impl FromRow for TextCell {
    fn from_row<DB: Db>(row: &Row<'_, DB>) -> sqlx::Result<Self> {
        Ok(Self {
            row_id: row.get("row_id")?,
            cell: row.get("cell")?,
        })
    }
}

/// A sealed column's cell still in its legacy form: bytes sealed unbound.
#[derive(Debug)]
pub struct ByteCell {
    row_id: Vec<u8>,
    cell: Vec<u8>,
}

impl FromRow for ByteCell {
    fn from_row<DB: Db>(row: &Row<'_, DB>) -> sqlx::Result<Self> {
        Ok(Self {
            row_id: row.get("row_id")?,
            cell: row.get("cell")?,
        })
    }
}

impl<DB: Db> SealingStore for SqlStore<DB> {
    async fn accounts_to_reseal(
        &self,
        after: Option<crate::UserId>,
        limit: u32,
    ) -> crate::Result<Vec<crate::UserId>> {
        let rows: Vec<Vec<u8>> =
            query("SELECT id FROM users WHERE seal_version < $1 AND id > $2 ORDER BY id LIMIT $3")
                .bind(crate::SEAL_VERSION)
                .bind(after.map_or_else(Vec::new, |u| u.as_bytes().to_vec()))
                .bind(i64::from(limit))
                .fetch_column(&self.pool)
                .await?;
        rows.into_iter().map(crate::user_id).collect()
    }

    async fn legacy_cells(&self, user: &crate::UserId) -> crate::Result<Vec<crate::SealedCell>> {
        let mut cells = Vec::new();
        for column in crate::SealedColumn::ALL {
            let place = place(column);
            let sql = place.select_legacy();
            let rows: Vec<ByteCell> = if place.plaintext.is_some() {
                let rows: Vec<TextCell> = query(&sql)
                    .bind(user.as_bytes().as_slice())
                    .fetch_all(&self.pool)
                    .await?;
                rows.into_iter()
                    .map(|t| ByteCell {
                        row_id: t.row_id,
                        cell: t.cell.into_bytes(),
                    })
                    .collect()
            } else {
                query(&sql)
                    .bind(user.as_bytes().as_slice())
                    .fetch_all(&self.pool)
                    .await?
            };
            cells.extend(rows.into_iter().map(|c| crate::SealedCell {
                column,
                row: c.row_id,
                bytes: c.cell,
            }));
        }
        Ok(cells)
    }

    async fn reseal(
        &self,
        user: &crate::UserId,
        cells: &[(crate::SealedCell, Vec<u8>)],
    ) -> crate::Result<crate::Resealed> {
        let mut tx = self.pool.begin().await.map_err(crate::backend)?;
        let marked = query("UPDATE users SET seal_version = $2 WHERE id = $1 AND seal_version < $2")
            .bind(user.as_bytes().as_slice())
            .bind(crate::SEAL_VERSION)
            .execute(&mut tx)
            .await?;
        if marked != 1 {
            return Ok(crate::Resealed::AlreadyBound);
        }
        for (cell, new) in cells {
            let place = place(cell.column);
            let sql = place.update_if_unchanged();
            let update = query(&sql).bind(new.as_slice()).bind(cell.row.as_slice());
            let update = if place.plaintext.is_some() {
                let text = String::from_utf8(cell.bytes.clone())
                    .map_err(|_| crate::StoreError::Corrupt(format!("{} is not text", cell.column.name())))?;
                update.bind(text)
            } else {
                update.bind(cell.bytes.as_slice())
            };
            let done = update.bind(user.as_bytes().as_slice()).execute(&mut tx).await?;
            if done != 1 {
                return Ok(crate::Resealed::Changed);
            }
        }
        tx.commit().await.map_err(crate::backend)?;
        Ok(crate::Resealed::Done)
    }
}
