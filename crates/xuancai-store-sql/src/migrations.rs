//! Migrations compiled into the binary, without sqlx's `migrate!` macro.
//!
//! The macro needs sqlx's `macros` feature, which builds both database
//! drivers and SQLite's C source a second time, for the compiler (about 45 s
//! of every CI build on two cores). Each backend lists its `migrations/`
//! files with `include_str!` instead, and its story test checks the list
//! against the folder. A migration's checksum is the SHA-384 of its text, as
//! the macro computed it, so databases migrated before keep working.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;

use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};
use xuancai_store::{Result, StoreError};

/// One migration file: its name (`0001_accounts.sql`) and its text.
pub type MigrationFile = (&'static str, &'static str);

/// Migrations embedded with `include_str!`, in any order.
#[derive(Debug, Clone, Copy)]
pub struct Embedded(pub &'static [MigrationFile]);

impl MigrationSource<'static> for Embedded {
    #[allow(clippy::type_complexity)]
    fn resolve(
        self,
    ) -> Pin<Box<dyn Future<Output = std::result::Result<Vec<Migration>, BoxDynError>> + Send>> {
        Box::pin(async move {
            let mut out = self
                .0
                .iter()
                .map(|&(name, sql)| migration(name, sql))
                .collect::<std::result::Result<Vec<_>, _>>()?;
            out.sort_by_key(|m| m.version);
            Ok(out)
        })
    }
}

/// Parse `NNNN_description.sql` the way sqlx reads a migrations folder.
fn migration(name: &'static str, sql: &'static str) -> std::result::Result<Migration, BoxDynError> {
    let (version, rest) = name
        .split_once('_')
        .filter(|(_, rest)| rest.ends_with(".sql"))
        .ok_or_else(|| format!("migration file {name:?} is not NNNN_description.sql"))?;
    let version: i64 = version
        .parse()
        .map_err(|_| format!("migration file {name:?}: no version number"))?;
    let description = rest.trim_end_matches(".sql").replace('_', " ");
    let no_tx = sql.starts_with("-- no-transaction");
    Ok(Migration::new(
        version,
        Cow::Owned(description),
        MigrationType::Simple,
        Cow::Borrowed(sql),
        no_tx,
    ))
}

/// What sqlx records in `_sqlx_migrations` for each file of a migrations
/// folder: the version and the SHA-384 of the text, in version order. The
/// backends' tests compare it with what opening a database recorded: the
/// embedded list is the whole folder, and the checksums are those sqlx's
/// `migrate!` macro recorded in databases made before this module.
pub fn folder_records(dir: &std::path::Path) -> std::io::Result<Vec<(i64, Vec<u8>)>> {
    use sha2::Digest;
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let Some(version) = name.split_once('_').and_then(|(v, _)| v.parse::<i64>().ok()) else {
            continue;
        };
        let sql = std::fs::read(&path)?;
        out.push((version, sha2::Sha384::digest(&sql).to_vec()));
    }
    out.sort();
    Ok(out)
}

/// The migrator for a backend's embedded files.
pub async fn migrator(files: &'static [MigrationFile]) -> Result<Migrator> {
    Migrator::new(Embedded(files))
        .await
        .map_err(|e| StoreError::Backend(e.to_string()))
}
