//! Xuancai's storage on SQLite: one file, no other service — the embedded
//! default. Implements the `xuancai-store` traits; its migrations live in
//! `migrations/` and are applied at start.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use xuancai_store::{Result, StoreError};

mod accounts;

/// A SQLite database (WAL mode, foreign keys on, a busy timeout so that
/// concurrent writers wait instead of failing).
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// What serialises the code sends of `reserve_send` (ACC-1): the INSERT that opens the transaction takes the one writer's lock.
    pub(crate) const SEND_LOCK: Option<&'static str> = None;

    /// Open (creating it if needed) and migrate. `url` is `sqlite://PATH` or
    /// `sqlite::memory:`.
    pub async fn open(url: &str) -> Result<Self> {
        let opts = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Backend(e.to_string()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            // RET-2: deleted rows are overwritten, not left in free pages.
            .pragma("secure_delete", "on")
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(opts)
            .await
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        Ok(Self { pool })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}
