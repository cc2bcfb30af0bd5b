//! Xuancai's storage on SQLite: one file, no other service — the embedded
//! default. Opens the pool for `xuancai-store-sql`'s [`SqlStore`] (which
//! implements the `xuancai-store` traits); its migrations live in
//! `migrations/` and are applied at start.

use std::str::FromStr;
use std::time::Duration;

use sqlx::Sqlite;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use xuancai_store::{Result, StoreError};
use xuancai_store_sql::SqlStore;

/// Every file of `migrations/`, compiled in (the story test checks the list
/// against the folder).
pub const MIGRATIONS: &[xuancai_store_sql::migrations::MigrationFile] = &[
    (
        "0001_accounts.sql",
        include_str!("../migrations/0001_accounts.sql"),
    ),
    (
        "0002_photos_profiles.sql",
        include_str!("../migrations/0002_photos_profiles.sql"),
    ),
    ("0003_privacy.sql", include_str!("../migrations/0003_privacy.sql")),
    ("0004_notify.sql", include_str!("../migrations/0004_notify.sql")),
    ("0005_jobs.sql", include_str!("../migrations/0005_jobs.sql")),
    ("0006_works.sql", include_str!("../migrations/0006_works.sql")),
    (
        "0007_code_purposes.sql",
        include_str!("../migrations/0007_code_purposes.sql"),
    ),
    (
        "0008_minors_and_erasure.sql",
        include_str!("../migrations/0008_minors_and_erasure.sql"),
    ),
    (
        "0009_portrait_jobs.sql",
        include_str!("../migrations/0009_portrait_jobs.sql"),
    ),
    (
        "0010_deletion_scope.sql",
        include_str!("../migrations/0010_deletion_scope.sql"),
    ),
    (
        "0011_push_failures.sql",
        include_str!("../migrations/0011_push_failures.sql"),
    ),
    (
        "0012_complaints.sql",
        include_str!("../migrations/0012_complaints.sql"),
    ),
    (
        "0013_sealed_coins.sql",
        include_str!("../migrations/0013_sealed_coins.sql"),
    ),
    (
        "0014_broadcasts.sql",
        include_str!("../migrations/0014_broadcasts.sql"),
    ),
    (
        "0015_bound_ciphertexts.sql",
        include_str!("../migrations/0015_bound_ciphertexts.sql"),
    ),
    ("0016_leases.sql", include_str!("../migrations/0016_leases.sql")),
    (
        "0017_service_keys.sql",
        include_str!("../migrations/0017_service_keys.sql"),
    ),
];

/// Xuancai's storage on a SQLite database: the shared SQL of
/// `xuancai-store-sql` on a SQLite pool.
pub type SqliteStore = SqlStore<Sqlite>;

/// Open (creating it if needed) and migrate a SQLite database (WAL mode,
/// foreign keys on, a busy timeout so that concurrent writers wait instead
/// of failing). `url` is `sqlite://PATH` or `sqlite::memory:`.
pub async fn open(url: &str) -> Result<SqliteStore> {
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
    SqlStore::migrated(pool, MIGRATIONS).await
}

/// A consistent copy of the whole database in a new file (`VACUUM INTO`),
/// taken while the database is in use (issue 23 item 6).
pub async fn snapshot_into(store: &SqliteStore, path: &std::path::Path) -> Result<()> {
    let path = path
        .to_str()
        .ok_or_else(|| StoreError::Backend(format!("{} is not UTF-8", path.display())))?;
    sqlx::query("VACUUM INTO $1")
        .bind(path)
        .execute(store.pool())
        .await
        .map_err(|e| StoreError::Backend(e.to_string()))?;
    Ok(())
}
