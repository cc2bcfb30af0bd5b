//! Choosing the storage backend from the database URL.

use std::path::Path;

use xuancai_store::{Result, StoreError};
use xuancai_store_postgres::PostgresStore;
use xuancai_store_sqlite::SqliteStore;

/// The opened backend.
#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

/// `postgres://…` → PostgreSQL; `sqlite://…` or nothing → SQLite (default
/// `DATA_DIR/xuancai.db`).
pub async fn open(url: Option<&str>, data_dir: &Path) -> Result<Backend> {
    match url {
        Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => {
            Ok(Backend::Postgres(PostgresStore::open(u, None).await?))
        }
        Some(u) if u.starts_with("sqlite:") => Ok(Backend::Sqlite(SqliteStore::open(u).await?)),
        Some(other) => Err(StoreError::Backend(format!(
            "unsupported database URL {:?}: use sqlite://PATH or postgres://…",
            other.split(':').next().unwrap_or_default()
        ))),
        None => {
            let url = format!("sqlite://{}", data_dir.join("xuancai.db").display());
            Ok(Backend::Sqlite(SqliteStore::open(&url).await?))
        }
    }
}
