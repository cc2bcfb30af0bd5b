//! The one store type the application runs on: [`Backend`], opened from the
//! database URL, is SQLite or PostgreSQL and implements every store trait by
//! calling the open backend (enum dispatch). The use cases and the HTTP layer
//! are compiled once, for `Backend`, not once per database (issue 18); the
//! SQL itself stays in `xuancai-store-sql`, and the story tests of
//! `xuancai-store` run it on both databases.

mod accounts;
mod photos;
mod privacy;
mod works;

use std::path::Path;

use xuancai_store::{Result, StoreError};
use xuancai_store_postgres::PostgresStore;
use xuancai_store_sqlite::SqliteStore;

/// Call the same method on whichever backend is open, and await it.
macro_rules! dispatch {
    ($self:ident, $s:ident => $call:expr) => {
        match $self {
            Backend::Sqlite($s) => $call.await,
            Backend::Postgres($s) => $call.await,
        }
    };
}
use dispatch;

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
            Ok(Backend::Postgres(xuancai_store_postgres::open(u, None).await?))
        }
        Some(u) if u.starts_with("sqlite:") => Ok(Backend::Sqlite(xuancai_store_sqlite::open(u).await?)),
        Some(other) => Err(StoreError::Backend(format!(
            "unsupported database URL {:?}: use sqlite://PATH or postgres://…",
            other.split(':').next().unwrap_or_default()
        ))),
        None => {
            let url = format!("sqlite://{}", data_dir.join("xuancai.db").display());
            Ok(Backend::Sqlite(xuancai_store_sqlite::open(&url).await?))
        }
    }
}
