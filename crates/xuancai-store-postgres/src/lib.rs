//! Xuancai's storage on PostgreSQL, for scale: several server processes may
//! share one database. Opens the pool for `xuancai-store-sql`'s [`SqlStore`]
//! (which implements the `xuancai-store` traits); its migrations
//! live in `migrations/` and are applied at start.

use std::str::FromStr;

use sqlx::Postgres;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
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

/// Xuancai's storage on PostgreSQL: the shared SQL of `xuancai-store-sql`
/// on a PostgreSQL pool.
pub type PostgresStore = SqlStore<Postgres>;

/// Connect and migrate. `schema`, when given, becomes the search path
/// (tests give each run its own schema).
pub async fn open(url: &str, schema: Option<&str>) -> Result<PostgresStore> {
    let mut opts = PgConnectOptions::from_str(url).map_err(|e| StoreError::Backend(e.to_string()))?;
    if let Some(s) = schema {
        opts = opts.options([("search_path", s)]);
    }
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .connect_with(opts)
        .await
        .map_err(|e| StoreError::Backend(e.to_string()))?;
    SqlStore::migrated(pool, MIGRATIONS).await
}
