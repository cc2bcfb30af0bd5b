//! Profiles, password hashes, the coin ledger and counted events (ACC-3, ACC-5, ACC-8).

use xuancai_store::{LedgerEntry, ProfileRecord, Result, StoreError};

use crate::user_id;

pub type ProfileRow = (
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    Option<String>,
    Option<String>,
    i64,
    Option<Vec<u8>>,
);

pub fn profile_record(r: ProfileRow) -> ProfileRecord {
    ProfileRecord {
        nickname_ciphertext: r.0,
        birth_date_ciphertext: r.1,
        avatar_version: r.2,
        password_hash: r.3,
        coin_balance: r.4,
        coin_balance_ciphertext: r.5,
    }
}

pub type LedgerRow = (Vec<u8>, Vec<u8>, i64, String, String, i64, Option<Vec<u8>>);

pub fn ledger_entry(r: LedgerRow) -> Result<LedgerEntry> {
    Ok(LedgerEntry {
        id: r
            .0
            .try_into()
            .map_err(|_| StoreError::Corrupt("ledger id is not 16 bytes".into()))?,
        user: user_id(r.1)?,
        delta: r.2,
        reason: r.3,
        reference: r.4,
        created_at: r.5,
        sealed: r.6,
    })
}

/// Implement `ProfileStore` for a type with a `pool` field.
#[macro_export]
macro_rules! impl_profile_store {
    ($store:ty) => {
impl $crate::ProfileStore for $store {
    async fn profile(&self, user: &$crate::UserId) -> $crate::Result<Option<$crate::ProfileRecord>> {
        let row: Option<$crate::profile::ProfileRow> = $crate::sqlx::query_as(
            "SELECT nickname_ciphertext, birth_date_ciphertext, avatar_version, password_hash, coin_balance, \
             coin_balance_ciphertext \
             FROM users WHERE id = $1",
        )
        .bind(user.as_bytes().as_slice())
        .fetch_optional(&self.pool)
        .await
        .map_err($crate::backend)?;
        Ok(row.map($crate::profile::profile_record))
    }

    async fn set_profile_field(
        &self,
        user: &$crate::UserId,
        field: $crate::ProfileField,
        value: Option<$crate::FieldValue>,
    ) -> $crate::Result<bool> {
        let sql = format!("UPDATE users SET {} = $2 WHERE id = $1", field.column());
        let q = $crate::sqlx::query(&sql).bind(user.as_bytes().as_slice());
        let q = match (field, value) {
            ($crate::ProfileField::Nickname | $crate::ProfileField::BirthDate, Some($crate::FieldValue::Bytes(b))) => {
                q.bind(Some(b))
            }
            ($crate::ProfileField::Nickname | $crate::ProfileField::BirthDate, None) => q.bind(None::<Vec<u8>>),
            ($crate::ProfileField::Avatar | $crate::ProfileField::PasswordHash, Some($crate::FieldValue::Text(t))) => {
                q.bind(Some(t))
            }
            ($crate::ProfileField::Avatar | $crate::ProfileField::PasswordHash, None) => q.bind(None::<String>),
            (f, Some(_)) => {
                return Err($crate::StoreError::Backend(format!("wrong value type for {}", f.column())));
            }
        };
        let r = q.execute(&self.pool).await.map_err($crate::backend)?;
        Ok(r.rows_affected() > 0)
    }

    async fn append_ledger(
        &self,
        e: &$crate::LedgerEntry,
        swap: &$crate::BalanceSwap,
    ) -> $crate::Result<$crate::Appended> {
        let mut tx = self.pool.begin().await.map_err($crate::backend)?;
        let inserted = $crate::sqlx::query(
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
        .execute(&mut *tx)
        .await
        .map_err($crate::backend)?;
        if inserted.rows_affected() == 0 {
            return Ok($crate::Appended::Duplicate);
        }
        let moved = $crate::sqlx::query(
            "UPDATE users SET coin_balance_ciphertext = $2, coin_balance = 0 \
             WHERE id = $1 AND coin_balance = $3 AND coin_balance_ciphertext IS NOT DISTINCT FROM $4",
        )
        .bind(e.user.as_bytes().as_slice())
        .bind(swap.new_sealed.as_slice())
        .bind(swap.old_plain)
        .bind(swap.old_sealed.as_deref())
        .execute(&mut *tx)
        .await
        .map_err($crate::backend)?;
        if moved.rows_affected() == 0 {
            tx.rollback().await.map_err($crate::backend)?;
            return Ok($crate::Appended::Stale);
        }
        tx.commit().await.map_err($crate::backend)?;
        Ok($crate::Appended::Done)
    }

    async fn reseal_ledger_entry(&self, id: &[u8; 16], reference: &str, sealed: &[u8]) -> $crate::Result<bool> {
        let r = $crate::sqlx::query(
            "UPDATE coin_ledger SET delta = 0, reason = 'sealed', reference = $2, entry_ciphertext = $3 \
             WHERE id = $1 AND entry_ciphertext IS NULL",
        )
        .bind(id.as_slice())
        .bind(reference)
        .bind(sealed)
        .execute(&self.pool)
        .await
        .map_err($crate::backend)?;
        Ok(r.rows_affected() > 0)
    }

    async fn forget_coins(&self, user: &$crate::UserId) -> $crate::Result<u64> {
        let mut tx = self.pool.begin().await.map_err($crate::backend)?;
        let gone = $crate::sqlx::query("DELETE FROM coin_ledger WHERE user_id = $1")
            .bind(user.as_bytes().as_slice())
            .execute(&mut *tx)
            .await
            .map_err($crate::backend)?
            .rows_affected();
        $crate::sqlx::query("UPDATE users SET coin_balance = 0, coin_balance_ciphertext = NULL WHERE id = $1")
            .bind(user.as_bytes().as_slice())
            .execute(&mut *tx)
            .await
            .map_err($crate::backend)?;
        tx.commit().await.map_err($crate::backend)?;
        Ok(gone)
    }

    async fn ledger(
        &self,
        user: &$crate::UserId,
        after: Option<$crate::Cursor>,
        limit: u32,
    ) -> $crate::Result<Vec<$crate::LedgerEntry>> {
        let (at, id) = $crate::photos::cursor_bounds(after);
        let rows: Vec<$crate::profile::LedgerRow> = $crate::sqlx::query_as(
            "SELECT id, user_id, delta, reason, reference, created_at, entry_ciphertext FROM coin_ledger WHERE user_id = $1 \
             AND (created_at < $2 OR (created_at = $2 AND id < $3)) ORDER BY created_at DESC, id DESC LIMIT $4",
        )
        .bind(user.as_bytes().as_slice())
        .bind(at)
        .bind(id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err($crate::backend)?;
        rows.into_iter().map($crate::profile::ledger_entry).collect()
    }

    async fn record_event(&self, kind: &str, key: &[u8], at: $crate::Millis) -> $crate::Result<()> {
        $crate::sqlx::query("INSERT INTO events (kind, key, at) VALUES ($1, $2, $3)")
            .bind(kind)
            .bind(key)
            .bind(at)
            .execute(&self.pool)
            .await
            .map_err($crate::backend)?;
        Ok(())
    }

    async fn count_events(&self, kind: &str, key: &[u8], since: $crate::Millis) -> $crate::Result<u64> {
        let (n,): (i64,) = $crate::sqlx::query_as("SELECT COUNT(*) FROM events WHERE kind = $1 AND key = $2 AND at >= $3")
            .bind(kind)
            .bind(key)
            .bind(since)
            .fetch_one(&self.pool)
            .await
            .map_err($crate::backend)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn clear_events(&self, kind: &str, key: &[u8]) -> $crate::Result<()> {
        $crate::sqlx::query("DELETE FROM events WHERE kind = $1 AND key = $2")
            .bind(kind)
            .bind(key)
            .execute(&self.pool)
            .await
            .map_err($crate::backend)?;
        Ok(())
    }
}
    };
}

/// Implement every `xuancai-store` trait for a type with a `pool` field.
#[macro_export]
macro_rules! impl_store {
    ($store:ty) => {
        $crate::impl_account_store!($store);
        $crate::impl_photo_store!($store);
        $crate::impl_profile_store!($store);
        $crate::impl_privacy_store!($store);
        $crate::impl_notify_store!($store);
        $crate::impl_template_store!($store);
        $crate::impl_works_store!($store);
        $crate::impl_complaint_store!($store);
        $crate::impl_sealing_store!($store);
    };
}
