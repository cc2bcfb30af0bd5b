//! Xuancai's storage on PostgreSQL, for scale: several server processes may
//! share one database. Implements the `xuancai-store` traits; its migrations
//! live in `migrations/` and are applied at start.

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use xuancai_store::{Result, StoreError};

mod accounts;

#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// What serialises the code sends of `reserve_send` (ACC-1): a table lock that conflicts with itself (readers are not blocked).
    pub(crate) const SEND_LOCK: Option<&'static str> =
        Some("LOCK TABLE code_sends IN SHARE ROW EXCLUSIVE MODE");

    /// Connect and migrate. `schema`, when given, becomes the search path
    /// (tests give each run its own schema).
    pub async fn open(url: &str, schema: Option<&str>) -> Result<Self> {
        let mut opts = PgConnectOptions::from_str(url).map_err(|e| StoreError::Backend(e.to_string()))?;
        if let Some(s) = schema {
            opts = opts.options([("search_path", s)]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .connect_with(opts)
            .await
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        Ok(Self { pool })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}
