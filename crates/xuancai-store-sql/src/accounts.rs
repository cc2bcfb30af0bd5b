//! Accounts, one-time codes, send limits and sessions (see `xuancai_store::AccountStore`).

use crate::db::{Db, FromRow, Row, query};
use crate::{AccountStore, Result, SqlStore, UserRecord, user_id};

/// A row of `users`, by column name.
#[derive(Debug)]
pub struct UserRow {
    id: Vec<u8>,
    phone_hmac: Vec<u8>,
    phone_ciphertext: Vec<u8>,
    wrapped_data_key: Vec<u8>,
    created_at: i64,
}

impl FromRow for UserRow {
    fn from_row<DB: Db>(row: &Row<'_, DB>) -> sqlx::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            phone_hmac: row.get("phone_hmac")?,
            phone_ciphertext: row.get("phone_ciphertext")?,
            wrapped_data_key: row.get("wrapped_data_key")?,
            created_at: row.get("created_at")?,
        })
    }
}

/// An account's id and wrapped data key (the start-up re-wrap).
#[derive(Debug)]
pub struct WrappedKeyRow {
    id: Vec<u8>,
    wrapped_data_key: Vec<u8>,
}

impl FromRow for WrappedKeyRow {
    fn from_row<DB: Db>(row: &Row<'_, DB>) -> sqlx::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            wrapped_data_key: row.get("wrapped_data_key")?,
        })
    }
}

/// A code's hash and its tries so far, this one counted.
#[derive(Debug)]
pub struct ClaimedTry {
    code_hash: Vec<u8>,
    attempts: i64,
}

impl FromRow for ClaimedTry {
    fn from_row<DB: Db>(row: &Row<'_, DB>) -> sqlx::Result<Self> {
        Ok(Self {
            code_hash: row.get("code_hash")?,
            attempts: row.get("attempts")?,
        })
    }
}

/// The sends to a number in the last minute and day, and from an address in the last day.
#[derive(Debug)]
pub struct SendCounts {
    minute: i64,
    day: i64,
    ip_day: i64,
}

impl FromRow for SendCounts {
    fn from_row<DB: Db>(row: &Row<'_, DB>) -> sqlx::Result<Self> {
        Ok(Self {
            minute: row.get("minute")?,
            day: row.get("day")?,
            ip_day: row.get("ip_day")?,
        })
    }
}

/// When a session began and when it ends.
#[derive(Debug)]
pub struct SessionSpan {
    created_at: i64,
    expires_at: i64,
}

impl FromRow for SessionSpan {
    fn from_row<DB: Db>(row: &Row<'_, DB>) -> sqlx::Result<Self> {
        Ok(Self {
            created_at: row.get("created_at")?,
            expires_at: row.get("expires_at")?,
        })
    }
}

impl UserRow {
    pub const COLUMNS: &str = "id, phone_hmac, phone_ciphertext, wrapped_data_key, created_at";

    fn record(self) -> Result<UserRecord> {
        Ok(UserRecord {
            id: user_id(self.id)?,
            phone_hmac: self.phone_hmac,
            phone_ciphertext: self.phone_ciphertext,
            wrapped_data_key: self.wrapped_data_key,
            created_at: self.created_at,
        })
    }
}

impl<DB: Db> AccountStore for SqlStore<DB> {
    async fn insert_user(&self, u: &crate::UserRecord) -> crate::Result<()> {
        query(
            "INSERT INTO users (id, phone_hmac, phone_ciphertext, wrapped_data_key, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(u.id.as_bytes().as_slice())
        .bind(&u.phone_hmac)
        .bind(&u.phone_ciphertext)
        .bind(&u.wrapped_data_key)
        .bind(u.created_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn user_by_phone(&self, phone_hmac: &[u8]) -> crate::Result<Option<crate::UserRecord>> {
        let sql = format!("SELECT {} FROM users WHERE phone_hmac = $1", UserRow::COLUMNS);
        let row: Option<UserRow> = query(&sql).bind(phone_hmac).fetch_optional(&self.pool).await?;
        row.map(UserRow::record).transpose()
    }

    async fn user_by_id(&self, id: &crate::UserId) -> crate::Result<Option<crate::UserRecord>> {
        let sql = format!("SELECT {} FROM users WHERE id = $1", UserRow::COLUMNS);
        let row: Option<UserRow> = query(&sql)
            .bind(id.as_bytes().as_slice())
            .fetch_optional(&self.pool)
            .await?;
        row.map(UserRow::record).transpose()
    }

    async fn wrapped_keys_of_len(
        &self,
        wrapped_len: u32,
        after: Option<crate::UserId>,
        limit: u32,
    ) -> crate::Result<Vec<(crate::UserId, Vec<u8>)>> {
        let rows: Vec<WrappedKeyRow> = query(
            "SELECT id, wrapped_data_key FROM users \
             WHERE length(wrapped_data_key) = $1 AND id > $2 ORDER BY id LIMIT $3",
        )
        .bind(i64::from(wrapped_len))
        .bind(after.map_or_else(Vec::new, |u| u.as_bytes().to_vec()))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| Ok((crate::user_id(r.id)?, r.wrapped_data_key)))
            .collect()
    }

    async fn wrapped_keys(
        &self,
        after: Option<crate::UserId>,
        limit: u32,
    ) -> crate::Result<Vec<(crate::UserId, Vec<u8>)>> {
        let rows: Vec<WrappedKeyRow> =
            query("SELECT id, wrapped_data_key FROM users WHERE id > $1 ORDER BY id LIMIT $2")
                .bind(after.map_or_else(Vec::new, |u| u.as_bytes().to_vec()))
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter()
            .map(|r| Ok((crate::user_id(r.id)?, r.wrapped_data_key)))
            .collect()
    }

    async fn service_key(&self, name: &str) -> crate::Result<Option<Vec<u8>>> {
        query("SELECT wrapped FROM service_keys WHERE name = $1")
            .bind(name)
            .fetch_scalar(&self.pool)
            .await
    }

    async fn init_service_key(&self, name: &str, wrapped: &[u8]) -> crate::Result<bool> {
        let n =
            query("INSERT INTO service_keys (name, wrapped) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
                .bind(name)
                .bind(wrapped)
                .execute(&self.pool)
                .await?;
        Ok(n == 1)
    }

    async fn swap_service_key(&self, name: &str, old: &[u8], new: &[u8]) -> crate::Result<bool> {
        let n = query("UPDATE service_keys SET wrapped = $3 WHERE name = $1 AND wrapped = $2")
            .bind(name)
            .bind(old)
            .bind(new)
            .execute(&self.pool)
            .await?;
        Ok(n == 1)
    }

    async fn rewrap_data_key(&self, user: &crate::UserId, old: &[u8], new: &[u8]) -> crate::Result<bool> {
        let done = query("UPDATE users SET wrapped_data_key = $3 WHERE id = $1 AND wrapped_data_key = $2")
            .bind(user.as_bytes().as_slice())
            .bind(old)
            .bind(new)
            .execute(&self.pool)
            .await?;
        Ok(done == 1)
    }

    async fn put_code(
        &self,
        phone_hmac: &[u8],
        purpose: crate::CodePurpose,
        code_hash: &[u8],
        expires_at: crate::Millis,
    ) -> crate::Result<()> {
        query(
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
        .await?;
        Ok(())
    }

    async fn check_code(
        &self,
        phone_hmac: &[u8],
        purpose: crate::CodePurpose,
        code_hash: &[u8],
        now: crate::Millis,
        max_attempts: u32,
    ) -> crate::Result<crate::CodeCheck> {
        let max = i64::from(max_attempts);
        // Claim a try first, in one statement (SQLite has one writer at a
        // time; PostgreSQL re-checks the WHERE on the locked row): only a
        // claimed try is judged, so at most `max` guesses are judged per
        // code however many arrive at once.
        let claimed: Option<ClaimedTry> = query(
            "UPDATE one_time_codes SET attempts = attempts + 1 \
             WHERE phone_hmac = $1 AND purpose = $2 AND expires_at > $3 AND attempts < $4 \
             RETURNING code_hash, CAST(attempts AS BIGINT) AS attempts",
        )
        .bind(phone_hmac)
        .bind(purpose.key())
        .bind(now)
        .bind(max)
        .fetch_optional(&self.pool)
        .await?;
        if let Some(ClaimedTry {
            code_hash: stored,
            attempts,
        }) = claimed
        {
            if crate::constant_time_eq(&stored, code_hash) {
                // The right code is consumed by exactly one DELETE.
                let consumed = query(
                    "DELETE FROM one_time_codes WHERE phone_hmac = $1 AND purpose = $2 AND code_hash = $3",
                )
                .bind(phone_hmac)
                .bind(purpose.key())
                .bind(code_hash)
                .execute(&self.pool)
                .await?;
                return Ok(if consumed == 1 {
                    crate::CodeCheck::Accepted
                } else {
                    crate::CodeCheck::Missing
                });
            }
            return Ok(crate::CodeCheck::Rejected {
                remaining: u32::try_from(max - attempts).unwrap_or(0),
            });
        }
        let discarded: Option<i64> =
            query("DELETE FROM one_time_codes WHERE phone_hmac = $1 AND purpose = $2 RETURNING expires_at")
                .bind(phone_hmac)
                .bind(purpose.key())
                .fetch_scalar(&self.pool)
                .await?;
        Ok(match discarded {
            None => crate::CodeCheck::Missing,
            Some(expires_at) if expires_at <= now => crate::CodeCheck::Expired,
            Some(_) => crate::CodeCheck::Exhausted,
        })
    }

    async fn reserve_send(
        &self,
        phone_hmac: &[u8],
        ip: &str,
        at: crate::Millis,
        limits: crate::SendLimits,
    ) -> crate::Result<bool> {
        let mut tx = self.pool.begin().await.map_err(crate::backend)?;
        // Serialise the sends: PostgreSQL locks the table (readers go on);
        // on SQLite the INSERT below takes the one writer's lock first.
        if let Some(lock) = DB::SEND_LOCK {
            query(lock).execute(&mut tx).await?;
        }
        query("INSERT INTO code_sends (phone_hmac, ip, sent_at) VALUES ($1, $2, $3)")
            .bind(phone_hmac)
            .bind(ip)
            .bind(at)
            .execute(&mut tx)
            .await?;
        let sends: Option<SendCounts> = query(
            "SELECT \
               (SELECT COUNT(*) FROM code_sends WHERE phone_hmac = $1 AND sent_at >= $3) AS minute, \
               (SELECT COUNT(*) FROM code_sends WHERE phone_hmac = $1 AND sent_at >= $4) AS day, \
               (SELECT COUNT(*) FROM code_sends WHERE ip = $2 AND sent_at >= $4) AS ip_day",
        )
        .bind(phone_hmac)
        .bind(ip)
        .bind(at - 60_000)
        .bind(at - 86_400_000)
        .fetch_optional(&mut tx)
        .await?;
        let SendCounts { minute, day, ip_day } =
            sends.ok_or_else(|| crate::StoreError::Backend("the send counts returned no row".into()))?;
        let within = |n: i64, limit: u64| u64::try_from(n).unwrap_or(u64::MAX) <= limit;
        if within(minute, limits.per_phone_minute)
            && within(day, limits.per_phone_day)
            && within(ip_day, limits.per_ip_day)
        {
            tx.commit().await.map_err(crate::backend)?;
            Ok(true)
        } else {
            tx.rollback().await.map_err(crate::backend)?;
            Ok(false)
        }
    }

    async fn create_session(
        &self,
        token_hash: &[u8],
        user: &crate::UserId,
        created_at: crate::Millis,
        expires_at: crate::Millis,
    ) -> crate::Result<()> {
        query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(token_hash)
            .bind(user.as_bytes().as_slice())
            .bind(created_at)
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn session_user(
        &self,
        token_hash: &[u8],
        now: crate::Millis,
    ) -> crate::Result<Option<crate::UserId>> {
        let row: Option<Vec<u8>> =
            query("SELECT user_id FROM sessions WHERE token_hash = $1 AND expires_at > $2")
                .bind(token_hash)
                .bind(now)
                .fetch_scalar(&self.pool)
                .await?;
        row.map(crate::user_id).transpose()
    }

    async fn delete_session(&self, token_hash: &[u8]) -> crate::Result<()> {
        query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn delete_user_sessions(&self, user: &crate::UserId) -> crate::Result<u64> {
        let r = query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user.as_bytes().as_slice())
            .execute(&self.pool)
            .await?;
        Ok(r)
    }

    async fn sessions_of(&self, user: &crate::UserId) -> crate::Result<Vec<(i64, i64)>> {
        let rows: Vec<SessionSpan> =
            query("SELECT created_at, expires_at FROM sessions WHERE user_id = $1 ORDER BY created_at")
                .bind(user.as_bytes().as_slice())
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|r| (r.created_at, r.expires_at)).collect())
    }
}
