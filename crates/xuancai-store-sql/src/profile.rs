//! Profiles, password hashes, the coin ledger and counted events (ACC-3, ACC-5, ACC-8).

use xuancai_store::{LedgerEntry, ProfileRecord, Result, StoreError};

use crate::db::{Db, FromRow, Row, query};
use crate::{ProfileStore, SqlStore, user_id};

/// A user's profile columns, by name.
#[derive(Debug)]
pub struct ProfileRow {
    nickname_ciphertext: Option<Vec<u8>>,
    birth_date_ciphertext: Option<Vec<u8>>,
    avatar_version: Option<String>,
    password_hash: Option<String>,
    coin_balance: i64,
    coin_balance_ciphertext: Option<Vec<u8>>,
}

impl FromRow for ProfileRow {
    fn from_row<DB: Db>(row: &Row<'_, DB>) -> sqlx::Result<Self> {
        Ok(Self {
            nickname_ciphertext: row.get("nickname_ciphertext")?,
            birth_date_ciphertext: row.get("birth_date_ciphertext")?,
            avatar_version: row.get("avatar_version")?,
            password_hash: row.get("password_hash")?,
            coin_balance: row.get("coin_balance")?,
            coin_balance_ciphertext: row.get("coin_balance_ciphertext")?,
        })
    }
}

impl From<ProfileRow> for ProfileRecord {
    fn from(r: ProfileRow) -> Self {
        ProfileRecord {
            nickname_ciphertext: r.nickname_ciphertext,
            birth_date_ciphertext: r.birth_date_ciphertext,
            avatar_version: r.avatar_version,
            password_hash: r.password_hash,
            coin_balance: r.coin_balance,
            coin_balance_ciphertext: r.coin_balance_ciphertext,
        }
    }
}

/// A `coin_ledger` row, by column name.
#[derive(Debug)]
pub struct LedgerRow {
    id: Vec<u8>,
    user_id: Vec<u8>,
    delta: i64,
    reason: String,
    reference: String,
    created_at: i64,
    entry_ciphertext: Option<Vec<u8>>,
}

impl FromRow for LedgerRow {
    fn from_row<DB: Db>(row: &Row<'_, DB>) -> sqlx::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            user_id: row.get("user_id")?,
            delta: row.get("delta")?,
            reason: row.get("reason")?,
            reference: row.get("reference")?,
            created_at: row.get("created_at")?,
            entry_ciphertext: row.get("entry_ciphertext")?,
        })
    }
}

impl TryFrom<LedgerRow> for LedgerEntry {
    type Error = StoreError;

    fn try_from(r: LedgerRow) -> Result<Self> {
        Ok(LedgerEntry {
            id: crate::privacy_rows::id16(r.id, "ledger")?,
            user: user_id(r.user_id)?,
            delta: r.delta,
            reason: r.reason,
            reference: r.reference,
            created_at: r.created_at,
            sealed: r.entry_ciphertext,
        })
    }
}

impl<DB: Db> ProfileStore for SqlStore<DB> {
    async fn profile(&self, user: &crate::UserId) -> crate::Result<Option<crate::ProfileRecord>> {
        let row: Option<ProfileRow> = query(
            "SELECT nickname_ciphertext, birth_date_ciphertext, avatar_version, password_hash, coin_balance, \
             coin_balance_ciphertext \
             FROM users WHERE id = $1",
        )
        .bind(user.as_bytes().as_slice())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(ProfileRecord::from))
    }

    async fn set_profile_field(
        &self,
        user: &crate::UserId,
        field: crate::ProfileField,
        value: Option<crate::FieldValue>,
    ) -> crate::Result<bool> {
        let sql = format!("UPDATE users SET {} = $2 WHERE id = $1", field.column());
        let q = query(&sql).bind(user.as_bytes().as_slice());
        let q = match (field, value) {
            (
                crate::ProfileField::Nickname | crate::ProfileField::BirthDate,
                Some(crate::FieldValue::Bytes(b)),
            ) => q.bind(Some(b)),
            (crate::ProfileField::Nickname | crate::ProfileField::BirthDate, None) => q.bind(None::<Vec<u8>>),
            (
                crate::ProfileField::Avatar | crate::ProfileField::PasswordHash,
                Some(crate::FieldValue::Text(t)),
            ) => q.bind(Some(t)),
            (crate::ProfileField::Avatar | crate::ProfileField::PasswordHash, None) => q.bind(None::<String>),
            (f, Some(_)) => {
                return Err(crate::StoreError::Backend(format!(
                    "wrong value type for {}",
                    f.column()
                )));
            }
        };
        let r = q.execute(&self.pool).await?;
        Ok(r > 0)
    }

    async fn append_ledger(
        &self,
        e: &crate::LedgerEntry,
        swap: &crate::BalanceSwap,
    ) -> crate::Result<crate::Appended> {
        let mut tx = self.pool.begin().await.map_err(crate::backend)?;
        let inserted = query(
            "INSERT INTO coin_ledger (id, user_id, delta, reason, reference, created_at, entry_ciphertext) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (user_id, reference) DO NOTHING",
        )
        .bind(e.id.as_slice())
        .bind(e.user.as_bytes().as_slice())
        .bind(e.delta)
        .bind(&e.reason)
        .bind(&e.reference)
        .bind(e.created_at)
        .bind(e.sealed.as_deref())
        .execute(&mut tx)
        .await?;
        if inserted == 0 {
            return Ok(crate::Appended::Duplicate);
        }
        let moved = query(
            "UPDATE users SET coin_balance_ciphertext = $2, coin_balance = 0 \
             WHERE id = $1 AND coin_balance = $3 AND coin_balance_ciphertext IS NOT DISTINCT FROM $4",
        )
        .bind(e.user.as_bytes().as_slice())
        .bind(swap.new_sealed.as_slice())
        .bind(swap.old_plain)
        .bind(swap.old_sealed.as_deref())
        .execute(&mut tx)
        .await?;
        if moved == 0 {
            tx.rollback().await.map_err(crate::backend)?;
            return Ok(crate::Appended::Stale);
        }
        tx.commit().await.map_err(crate::backend)?;
        Ok(crate::Appended::Done)
    }

    async fn reseal_ledger_entry(
        &self,
        id: &[u8; 16],
        reference: &str,
        sealed: &[u8],
    ) -> crate::Result<bool> {
        let r = query(
            "UPDATE coin_ledger SET delta = 0, reason = 'sealed', reference = $2, entry_ciphertext = $3 \
             WHERE id = $1 AND entry_ciphertext IS NULL",
        )
        .bind(id.as_slice())
        .bind(reference)
        .bind(sealed)
        .execute(&self.pool)
        .await?;
        Ok(r > 0)
    }

    async fn forget_coins(&self, user: &crate::UserId) -> crate::Result<u64> {
        let mut tx = self.pool.begin().await.map_err(crate::backend)?;
        let gone = query("DELETE FROM coin_ledger WHERE user_id = $1")
            .bind(user.as_bytes().as_slice())
            .execute(&mut tx)
            .await?;
        query("UPDATE users SET coin_balance = 0, coin_balance_ciphertext = NULL WHERE id = $1")
            .bind(user.as_bytes().as_slice())
            .execute(&mut tx)
            .await?;
        tx.commit().await.map_err(crate::backend)?;
        Ok(gone)
    }

    async fn ledger(
        &self,
        user: &crate::UserId,
        after: Option<crate::Cursor>,
        limit: u32,
    ) -> crate::Result<Vec<crate::LedgerEntry>> {
        let (at, id) = crate::photos::cursor_bounds(after);
        let rows: Vec<LedgerRow> = query(
            "SELECT id, user_id, delta, reason, reference, created_at, entry_ciphertext FROM coin_ledger WHERE user_id = $1 \
             AND (created_at < $2 OR (created_at = $2 AND id < $3)) ORDER BY created_at DESC, id DESC LIMIT $4",
        )
        .bind(user.as_bytes().as_slice())
        .bind(at)
        .bind(id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(LedgerEntry::try_from).collect()
    }

    async fn record_event(&self, kind: &str, key: &[u8], at: crate::Millis) -> crate::Result<()> {
        query("INSERT INTO events (kind, key, at) VALUES ($1, $2, $3)")
            .bind(kind)
            .bind(key)
            .bind(at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn count_events(&self, kind: &str, key: &[u8], since: crate::Millis) -> crate::Result<u64> {
        query("SELECT COUNT(*) FROM events WHERE kind = $1 AND key = $2 AND at >= $3")
            .bind(kind)
            .bind(key)
            .bind(since)
            .fetch_count(&self.pool)
            .await
    }

    async fn clear_events(&self, kind: &str, key: &[u8]) -> crate::Result<()> {
        query("DELETE FROM events WHERE kind = $1 AND key = $2")
            .bind(kind)
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
