//! The SQL shared by Xuancai's SQLite and PostgreSQL backends.
//!
//! Both databases accept `$1`-style numbered parameters, so the queries are
//! written once, in [`impl_store!`] (accounts, photos and albums, profiles
//! and the coin ledger), which each backend expands for its own store type (a struct with a `pool` field). The
//! migrations stay per backend, where the column types differ.

pub mod complaints;
pub mod jobs;
pub mod migrations;
pub mod notify;
pub mod photos;
pub mod privacy;
pub mod privacy_rows;
pub mod profile;
pub mod sealing;
pub mod templates;
pub mod works;

#[doc(hidden)]
pub use sqlx;
#[doc(hidden)]
pub use xuancai_domain::{AlbumId, BlessingId, CommentId, Date, JobId, PhotoId, UserId, WorkId};
#[doc(hidden)]
pub use xuancai_store::TemplateStore;
#[doc(hidden)]
pub use xuancai_store::{
    AccountState, AuditRecord, ConsentRecord, DisclosureRecord, DocumentRecord, HoldRecord, PrivacyStore,
    RequestRecord, Subject, UsageEvent,
};
#[doc(hidden)]
pub use xuancai_store::{
    AccountStore, AlbumRecord, Appended, BalanceSwap, BlobGc, CodeCheck, Cursor, FieldValue, LedgerEntry,
    Millis, PhotoFilter, PhotoPatch, PhotoRecord, PhotoStore, ProfileField, ProfileRecord, ProfileStore,
    Result, SendLimits, StoreError, UserRecord,
};
#[doc(hidden)]
pub use xuancai_store::{Authored, BlessingRecord, CommentRecord, Visibility, WorkRecord, WorksStore};
#[doc(hidden)]
pub use xuancai_store::{BroadcastPage, BroadcastRecord, InboxItem, NotifyStore, PushToken};
#[doc(hidden)]
pub use xuancai_store::{ComplaintRecord, ComplaintStore};
#[doc(hidden)]
pub use xuancai_store::{JobFailure, JobRecord, JobState, JobStore, NewJob, QueueStat};
#[doc(hidden)]
pub use xuancai_store::{Resealed, SEAL_VERSION, SealedCell, SealedColumn, SealingStore};

#[doc(hidden)]
pub use xuancai_domain::CodePurpose;

/// Compare two secrets' hashes in time independent of where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn backend(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict,
        _ => StoreError::Backend(e.to_string()),
    }
}

pub fn user_id(bytes: Vec<u8>) -> Result<UserId> {
    let b: [u8; 16] = bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt("user id is not 16 bytes".into()))?;
    Ok(UserId::from_bytes(b))
}

pub type UserRow = (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>, i64);

pub fn user_record(r: UserRow) -> Result<UserRecord> {
    Ok(UserRecord {
        id: user_id(r.0)?,
        phone_hmac: r.1,
        phone_ciphertext: r.2,
        wrapped_data_key: r.3,
        created_at: r.4,
    })
}

/// Implement `xuancai_store::AccountStore` for a type with a `pool` field.
#[macro_export]
macro_rules! impl_account_store {
    ($store:ty) => {
impl $crate::AccountStore for $store {
    async fn insert_user(&self, u: &$crate::UserRecord) -> $crate::Result<()> {
        $crate::sqlx::query(
            "INSERT INTO users (id, phone_hmac, phone_ciphertext, wrapped_data_key, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(u.id.as_bytes().as_slice())
        .bind(&u.phone_hmac)
        .bind(&u.phone_ciphertext)
        .bind(&u.wrapped_data_key)
        .bind(u.created_at)
        .execute(&self.pool)
        .await
        .map_err($crate::backend)?;
        Ok(())
    }

    async fn user_by_phone(&self, phone_hmac: &[u8]) -> $crate::Result<Option<$crate::UserRecord>> {
        let row: Option<$crate::UserRow> = $crate::sqlx::query_as(
            "SELECT id, phone_hmac, phone_ciphertext, wrapped_data_key, created_at FROM users WHERE phone_hmac = $1",
        )
        .bind(phone_hmac)
        .fetch_optional(&self.pool)
        .await
        .map_err($crate::backend)?;
        row.map($crate::user_record).transpose()
    }

    async fn user_by_id(&self, id: &$crate::UserId) -> $crate::Result<Option<$crate::UserRecord>> {
        let row: Option<$crate::UserRow> = $crate::sqlx::query_as(
            "SELECT id, phone_hmac, phone_ciphertext, wrapped_data_key, created_at FROM users WHERE id = $1",
        )
        .bind(id.as_bytes().as_slice())
        .fetch_optional(&self.pool)
        .await
        .map_err($crate::backend)?;
        row.map($crate::user_record).transpose()
    }

    async fn wrapped_keys_of_len(
        &self,
        wrapped_len: u32,
        after: Option<$crate::UserId>,
        limit: u32,
    ) -> $crate::Result<Vec<($crate::UserId, Vec<u8>)>> {
        let rows: Vec<(Vec<u8>, Vec<u8>)> = $crate::sqlx::query_as(
            "SELECT id, wrapped_data_key FROM users \
             WHERE length(wrapped_data_key) = $1 AND id > $2 ORDER BY id LIMIT $3",
        )
        .bind(i64::from(wrapped_len))
        .bind(after.map_or_else(Vec::new, |u| u.as_bytes().to_vec()))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err($crate::backend)?;
        rows.into_iter()
            .map(|(id, key)| Ok(($crate::user_id(id)?, key)))
            .collect()
    }

    async fn rewrap_data_key(&self, user: &$crate::UserId, old: &[u8], new: &[u8]) -> $crate::Result<bool> {
        let done = $crate::sqlx::query(
            "UPDATE users SET wrapped_data_key = $3 WHERE id = $1 AND wrapped_data_key = $2",
        )
        .bind(user.as_bytes().as_slice())
        .bind(old)
        .bind(new)
        .execute(&self.pool)
        .await
        .map_err($crate::backend)?;
        Ok(done.rows_affected() == 1)
    }

    async fn put_code(
        &self,
        phone_hmac: &[u8],
        purpose: $crate::CodePurpose,
        code_hash: &[u8],
        expires_at: $crate::Millis,
    ) -> $crate::Result<()> {
        $crate::sqlx::query(
            "INSERT INTO one_time_codes (phone_hmac, purpose, code_hash, expires_at, attempts) \
             VALUES ($1, $2, $3, $4, 0) \
             ON CONFLICT (phone_hmac, purpose) DO UPDATE SET code_hash = excluded.code_hash, \
             expires_at = excluded.expires_at, attempts = 0",
        )
        .bind(phone_hmac)
        .bind(purpose.key())
        .bind(code_hash)
        .bind(expires_at)
        .execute(&self.pool)
        .await
        .map_err($crate::backend)?;
        Ok(())
    }

    async fn check_code(
        &self,
        phone_hmac: &[u8],
        purpose: $crate::CodePurpose,
        code_hash: &[u8],
        now: $crate::Millis,
        max_attempts: u32,
    ) -> $crate::Result<$crate::CodeCheck> {
        let max = i64::from(max_attempts);
        // Claim a try first, in one statement (SQLite has one writer at a
        // time; PostgreSQL re-checks the WHERE on the locked row): only a
        // claimed try is judged, so at most `max` guesses are judged per
        // code however many arrive at once.
        let claimed: Option<(Vec<u8>, i64)> = $crate::sqlx::query_as(
            "UPDATE one_time_codes SET attempts = attempts + 1 \
             WHERE phone_hmac = $1 AND purpose = $2 AND expires_at > $3 AND attempts < $4 \
             RETURNING code_hash, CAST(attempts AS BIGINT)",
        )
        .bind(phone_hmac)
        .bind(purpose.key())
        .bind(now)
        .bind(max)
        .fetch_optional(&self.pool)
        .await
        .map_err($crate::backend)?;
        if let Some((stored, attempts)) = claimed {
            if $crate::constant_time_eq(&stored, code_hash) {
                // The right code is consumed by exactly one DELETE.
                let consumed = $crate::sqlx::query(
                    "DELETE FROM one_time_codes WHERE phone_hmac = $1 AND purpose = $2 AND code_hash = $3",
                )
                .bind(phone_hmac)
                .bind(purpose.key())
                .bind(code_hash)
                .execute(&self.pool)
                .await
                .map_err($crate::backend)?;
                return Ok(if consumed.rows_affected() == 1 {
                    $crate::CodeCheck::Accepted
                } else {
                    $crate::CodeCheck::Missing
                });
            }
            return Ok($crate::CodeCheck::Rejected {
                remaining: u32::try_from(max - attempts).unwrap_or(0),
            });
        }
        let discarded: Option<(i64,)> = $crate::sqlx::query_as(
            "DELETE FROM one_time_codes WHERE phone_hmac = $1 AND purpose = $2 RETURNING expires_at",
        )
        .bind(phone_hmac)
        .bind(purpose.key())
        .fetch_optional(&self.pool)
        .await
        .map_err($crate::backend)?;
        Ok(match discarded {
            None => $crate::CodeCheck::Missing,
            Some((expires_at,)) if expires_at <= now => $crate::CodeCheck::Expired,
            Some(_) => $crate::CodeCheck::Exhausted,
        })
    }

    async fn reserve_send(
        &self,
        phone_hmac: &[u8],
        ip: &str,
        at: $crate::Millis,
        limits: $crate::SendLimits,
    ) -> $crate::Result<bool> {
        let mut tx = self.pool.begin().await.map_err($crate::backend)?;
        // Serialise the sends: PostgreSQL locks the table (readers go on);
        // on SQLite the INSERT below takes the one writer's lock first.
        if let Some(lock) = <$store>::SEND_LOCK {
            $crate::sqlx::query(lock).execute(&mut *tx).await.map_err($crate::backend)?;
        }
        $crate::sqlx::query("INSERT INTO code_sends (phone_hmac, ip, sent_at) VALUES ($1, $2, $3)")
            .bind(phone_hmac)
            .bind(ip)
            .bind(at)
            .execute(&mut *tx)
            .await
            .map_err($crate::backend)?;
        let (minute, day, ip_day): (i64, i64, i64) = $crate::sqlx::query_as(
            "SELECT \
               (SELECT COUNT(*) FROM code_sends WHERE phone_hmac = $1 AND sent_at >= $3), \
               (SELECT COUNT(*) FROM code_sends WHERE phone_hmac = $1 AND sent_at >= $4), \
               (SELECT COUNT(*) FROM code_sends WHERE ip = $2 AND sent_at >= $4)",
        )
        .bind(phone_hmac)
        .bind(ip)
        .bind(at - 60_000)
        .bind(at - 86_400_000)
        .fetch_one(&mut *tx)
        .await
        .map_err($crate::backend)?;
        let within = |n: i64, limit: u64| u64::try_from(n).unwrap_or(u64::MAX) <= limit;
        if within(minute, limits.per_phone_minute)
            && within(day, limits.per_phone_day)
            && within(ip_day, limits.per_ip_day)
        {
            tx.commit().await.map_err($crate::backend)?;
            Ok(true)
        } else {
            tx.rollback().await.map_err($crate::backend)?;
            Ok(false)
        }
    }

    async fn create_session(
        &self,
        token_hash: &[u8],
        user: &$crate::UserId,
        created_at: $crate::Millis,
        expires_at: $crate::Millis,
    ) -> $crate::Result<()> {
        $crate::sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(user.as_bytes().as_slice())
        .bind(created_at)
        .bind(expires_at)
        .execute(&self.pool)
        .await
        .map_err($crate::backend)?;
        Ok(())
    }

    async fn session_user(&self, token_hash: &[u8], now: $crate::Millis) -> $crate::Result<Option<$crate::UserId>> {
        let row: Option<(Vec<u8>,)> =
            $crate::sqlx::query_as("SELECT user_id FROM sessions WHERE token_hash = $1 AND expires_at > $2")
                .bind(token_hash)
                .bind(now)
                .fetch_optional(&self.pool)
                .await
                .map_err($crate::backend)?;
        row.map(|(id,)| $crate::user_id(id)).transpose()
    }

    async fn delete_session(&self, token_hash: &[u8]) -> $crate::Result<()> {
        $crate::sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await
            .map_err($crate::backend)?;
        Ok(())
    }

    async fn delete_user_sessions(&self, user: &$crate::UserId) -> $crate::Result<u64> {
        let r = $crate::sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user.as_bytes().as_slice())
            .execute(&self.pool)
            .await
            .map_err($crate::backend)?;
        Ok(r.rows_affected())
    }

    async fn sessions_of(&self, user: &$crate::UserId) -> $crate::Result<Vec<(i64, i64)>> {
        $crate::sqlx::query_as(
            "SELECT created_at, expires_at FROM sessions WHERE user_id = $1 ORDER BY created_at",
        )
        .bind(user.as_bytes().as_slice())
        .fetch_all(&self.pool)
        .await
        .map_err($crate::backend)
    }
}
    };
}
