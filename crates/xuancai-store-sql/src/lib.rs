//! The SQL of Xuancai's storage, written once for SQLite and PostgreSQL.
//!
//! [`SqlStore`] implements every `xuancai-store` trait in ordinary
//! generic code over [`Db`] (see [`db`]): both databases take `$1`-style
//! parameters, so each statement is written once, and rows are mapped to
//! named structs by column name (`sqlx::FromRow`). The backend crates
//! (`xuancai-store-sqlite`, `xuancai-store-postgres`) open the pool and
//! keep their own migrations, where the column types differ.

pub mod accounts;
pub mod complaints;
pub mod db;
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

pub use db::Db;
pub use sqlx;

use xuancai_domain::UserId;
pub(crate) use xuancai_domain::{AlbumId, BlessingId, CodePurpose, CommentId, Date, JobId, PhotoId, WorkId};
pub(crate) use xuancai_store::*;
use xuancai_store::{Result, StoreError};

/// Xuancai's storage on one database: every `xuancai-store` trait, on the
/// pool of a database the backend crate opened and migrated.
#[derive(Debug)]
pub struct SqlStore<DB: sqlx::Database> {
    pool: sqlx::Pool<DB>,
}

impl<DB: sqlx::Database> Clone for SqlStore<DB> {
    fn clone(&self) -> Self {
        Self {
            pool: self.pool.clone(),
        }
    }
}

impl<DB: Db> SqlStore<DB> {
    /// The store on an open, migrated pool.
    pub fn new(pool: sqlx::Pool<DB>) -> Self {
        Self { pool }
    }

    pub fn pool(&self) -> &sqlx::Pool<DB> {
        &self.pool
    }
}

impl<DB: Db> SqlStore<DB>
where
    DB::Connection: sqlx::migrate::Migrate,
{
    /// Bring the pool's database up to date with the backend's migrations
    /// (`files`, compiled in), then make the store on it.
    pub async fn migrated(pool: sqlx::Pool<DB>, files: &'static [migrations::MigrationFile]) -> Result<Self> {
        migrations::migrator(files)
            .await?
            .run(&pool)
            .await
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        Ok(Self::new(pool))
    }
}

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
