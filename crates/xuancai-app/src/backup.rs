//! Backups and restores (issue 23 item 6): the database and every blob, as
//! stored (blobs stay sealed under their owners' data keys), into a folder;
//! and back, into an empty database and blob store. The master key is not
//! in a backup: without it a backup cannot be read (docs/OPERATIONS.md).
//!
//! Erasure must survive a restore: an account erased after the backup was
//! taken must not come back. Every erasure leaves an entry in the erasure
//! log, kept in the blob store beside (not inside) the database and named
//! by a keyed hash of the account id, so it holds nothing that identifies
//! anyone without the master key ([`log_erasure`]). A restore copies the
//! backup's blobs into the target store, which keeps the log entries it
//! already has, then erases every restored account the log names
//! ([`replay_erasures`]).

use std::path::{Path, PathBuf};

use xuancai_domain::UserId;
use xuancai_store::Store;

use crate::App;
use crate::crypto::MacUse;
use crate::startup::{Connect, StartupError};
use crate::store::Backend;

/// Where the erasure log's entries live in the blob store.
pub const ERASURE_LOG: &str = "erasures/";

/// The manifest of a backup folder.
const MANIFEST: &str = "backup.json";

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(transparent)]
    Startup(#[from] StartupError),
    #[error("{0}")]
    Refused(String),
    #[error("{what}: {why}")]
    Failed { what: String, why: String },
}

fn failed(what: impl Into<String>, why: impl std::fmt::Display) -> BackupError {
    BackupError::Failed {
        what: what.into(),
        why: why.to_string(),
    }
}

/// What a backup or a restore did.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Report {
    /// `sqlite` or `postgres`.
    pub database: String,
    pub blobs: usize,
    pub bytes: u64,
    /// Restore: accounts erased again because the erasure log names them.
    #[serde(default)]
    pub erased_again: usize,
    /// When the backup was taken (ms since the epoch).
    pub taken_at: i64,
}

/// The erasure log's entry for `user`.
fn erasure_key<S>(state: &App<S>, user: &UserId) -> String {
    let tag: String = state
        .keys
        .mac(MacUse::ErasureLog, &user.to_string())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{ERASURE_LOG}{tag}")
}

/// Record that `user` was erased (after the erasure committed). A failure
/// is logged, not returned: the erasure itself stands.
pub async fn log_erasure<S: Store>(state: &App<S>, user: &UserId, at: i64) {
    let day = xuancai_domain::Date::from_unix_ms(at, 0).to_string();
    if let Err(e) = state
        .blobs
        .put_raw(&erasure_key(state, user), day.as_bytes())
        .await
    {
        tracing::error!(error = %e, "the erasure log could not be written; a restore may bring the account back");
    }
}

/// The SQLite file a configuration uses, if it uses SQLite.
fn sqlite_path(config: &crate::Config) -> Option<PathBuf> {
    match config.database_url.as_deref() {
        None => Some(config.data_dir.join("xuancai.db")),
        Some(u) => u
            .strip_prefix("sqlite://")
            .map(|p| PathBuf::from(p.split('?').next().unwrap_or(p))),
    }
}

/// Run a PostgreSQL client tool to its end, off the async threads.
async fn run(mut cmd: std::process::Command, what: &str) -> Result<(), BackupError> {
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .map_err(|e| failed(what, e))?
        .map_err(|e| failed(what, e))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(failed(what, String::from_utf8_lossy(&out.stderr).trim()))
    }
}

/// Back up the database and every blob into `to` (a folder that must not
/// exist; written beside it and renamed when complete).
pub async fn backup(config: &crate::Config, connect: Connect, to: &Path) -> Result<Report, BackupError> {
    if to.exists() {
        return Err(BackupError::Refused(format!("{} exists already", to.display())));
    }
    let partial = to.with_extension("partial");
    let _ = std::fs::remove_dir_all(&partial);
    std::fs::create_dir_all(partial.join("blobs")).map_err(|e| failed(partial.display().to_string(), e))?;
    let (backend, parts) = crate::startup::open(config, connect).await?;
    let app = parts.with_store(backend);
    let mut report = Report {
        taken_at: app.now(),
        ..Report::default()
    };
    // The database first: every blob its rows name was written before them.
    match &app.store {
        Backend::Sqlite(s) => {
            report.database = "sqlite".into();
            xuancai_store_sqlite::snapshot_into(s, &partial.join("xuancai.db"))
                .await
                .map_err(|e| failed("the SQLite snapshot", e))?;
        }
        Backend::Postgres(_) => {
            report.database = "postgres".into();
            let url = config.database_url.as_deref().unwrap_or_default();
            let mut dump = std::process::Command::new("pg_dump");
            dump.arg("--format=custom")
                .arg("--file")
                .arg(partial.join("database.dump"))
                .arg(url);
            run(dump, "pg_dump").await?;
        }
    }
    for key in app.blobs.list("").await.map_err(|e| failed("listing blobs", e))? {
        let bytes = app.blobs.raw(&key).await.map_err(|e| failed(&key, e))?;
        let path = partial.join("blobs").join(&key);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| failed(dir.display().to_string(), e))?;
        }
        std::fs::write(&path, &bytes).map_err(|e| failed(path.display().to_string(), e))?;
        report.blobs += 1;
        report.bytes += bytes.len() as u64;
    }
    let manifest = serde_json::to_vec_pretty(&report).map_err(|e| failed(MANIFEST, e))?;
    std::fs::write(partial.join(MANIFEST), manifest).map_err(|e| failed(MANIFEST, e))?;
    std::fs::rename(&partial, to).map_err(|e| failed(to.display().to_string(), e))?;
    tracing::info!(?report, "backup written");
    Ok(report)
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            files_under(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// Restore the backup in `from` into the empty database and blob store the
/// configuration names, then replay the erasure log.
pub async fn restore(config: &crate::Config, connect: Connect, from: &Path) -> Result<Report, BackupError> {
    let manifest = std::fs::read(from.join(MANIFEST))
        .map_err(|e| failed(from.join(MANIFEST).display().to_string(), e))?;
    let mut report: Report = serde_json::from_slice(&manifest).map_err(|e| failed(MANIFEST, e))?;
    match (report.database.as_str(), sqlite_path(config)) {
        ("sqlite", Some(target)) => {
            if target.exists() {
                return Err(BackupError::Refused(format!(
                    "{} exists: restore into an empty data dir",
                    target.display()
                )));
            }
            if let Some(dir) = target.parent() {
                std::fs::create_dir_all(dir).map_err(|e| failed(dir.display().to_string(), e))?;
            }
            let partial = target.with_extension("restoring");
            std::fs::copy(from.join("xuancai.db"), &partial)
                .map_err(|e| failed("copying the database", e))?;
            std::fs::rename(&partial, &target).map_err(|e| failed(target.display().to_string(), e))?;
        }
        ("postgres", None) => {
            let url = config.database_url.as_deref().unwrap_or_default();
            // One transaction, stopping at the first error: a database that
            // is not empty refuses it, and nothing is half restored.
            let mut load = std::process::Command::new("pg_restore");
            load.args([
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
            ])
            .arg("--dbname")
            .arg(url)
            .arg(from.join("database.dump"));
            run(load, "pg_restore").await?;
        }
        (kind, _) => {
            return Err(BackupError::Refused(format!(
                "a {kind} backup restores into a {kind} database; the configuration names another"
            )));
        }
    }
    let (backend, parts) = crate::startup::open(config, connect).await?;
    let app = parts.with_store(backend);
    let mut files = Vec::new();
    let blobs_dir = from.join("blobs");
    if blobs_dir.exists() {
        files_under(&blobs_dir, &mut files).map_err(|e| failed("reading the backup's blobs", e))?;
    }
    report.blobs = 0;
    report.bytes = 0;
    for path in files {
        let key = path
            .strip_prefix(&blobs_dir)
            .map_err(|e| failed(path.display().to_string(), e))?
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let bytes = std::fs::read(&path).map_err(|e| failed(path.display().to_string(), e))?;
        app.blobs
            .put_raw(&key, &bytes)
            .await
            .map_err(|e| failed(&key, e))?;
        report.blobs += 1;
        report.bytes += bytes.len() as u64;
    }
    report.erased_again = replay_erasures(&app).await?;
    tracing::info!(?report, "backup restored");
    Ok(report)
}

/// Erase every account the erasure log names (restored from a backup taken
/// before its erasure); their blobs go at once. How many.
pub async fn replay_erasures<S: Store>(app: &App<S>) -> Result<usize, BackupError> {
    let logged: std::collections::HashSet<String> = app
        .blobs
        .list(ERASURE_LOG)
        .await
        .map_err(|e| failed("reading the erasure log", e))?
        .into_iter()
        .collect();
    if logged.is_empty() {
        return Ok(0);
    }
    let now = app.now();
    let mut erased = 0;
    let mut after = None;
    loop {
        let page = app
            .store
            .user_ids(after, 500)
            .await
            .map_err(|e| failed("listing accounts", e))?;
        let Some(last) = page.last().copied() else { break };
        for user in &page {
            if logged.contains(&erasure_key(app, user)) {
                let root = crate::keys::user_root(user);
                if app
                    .store
                    .erase_account(user, &root, now)
                    .await
                    .map_err(|e| failed("erasure", e))?
                {
                    erased += 1;
                    tracing::info!("an account erased after the backup was erased again");
                }
            }
        }
        after = Some(last);
    }
    crate::maintenance::collect_garbage(app, now).await;
    Ok(erased)
}
