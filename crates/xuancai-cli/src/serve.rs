//! `xuancai serve`: flags and `XUANCAI_…` variables onto the server's config.

use std::process::ExitCode;

use anyhow::Context;
use xuancai_app::Config;
use xuancai_app::config::Secret;
use xuancai_server::Application;

use crate::cli::ServeArgs;

/// Defaults, then the file, then environment and flags (clap has already
/// merged those two, flags winning).
pub fn config(args: &ServeArgs) -> anyhow::Result<Config> {
    let mut config = Config::default();
    if let Some(path) = &args.config {
        config.apply_file(path)?;
    }
    if let Some(v) = args.listen {
        config.listen = v;
    }
    if let Some(v) = &args.data_dir {
        config.data_dir = v.clone();
    }
    if args.database_url.is_some() {
        config.database_url = args.database_url.clone();
    }
    if args.blob_url.is_some() {
        config.blob_url = args.blob_url.clone();
    }
    if let Some(hex) = &args.master_key {
        config.master_key = Some(Secret::from_hex(hex).context("the master key must be 64 hex digits")?);
    }
    config.dev_mode |= args.dev;
    config.secure_cookies |= args.secure_cookies;
    if let Some(t) = args.metrics_token.as_ref().filter(|t| !t.is_empty()) {
        config.metrics_token = Some(Secret::new(t.clone().into_bytes()));
    }
    if args.tls_cert.is_some() {
        config.tls_cert = args.tls_cert.clone();
        config.tls_key = args.tls_key.clone();
    }
    if let Some(mb) = args.max_upload_mb {
        config.max_upload_bytes = mb.saturating_mul(1024 * 1024);
    }
    if let Some(days) = args.trash_days {
        config.trash_retention_secs = i64::from(days) * 86_400;
    }
    if !args.operators.is_empty() {
        config.operators = args.operators.iter().map(|p| p.trim().to_string()).collect();
    }
    if let Some(n) = args.workers {
        config.studio.workers = n;
    }
    if let Some(n) = args.studio_threads {
        config.studio.threads = n.max(1);
    }
    if args.shutdown_date.is_some() {
        config.shutdown_date = args.shutdown_date.clone();
    }
    Ok(config)
}

pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let config = config(&args)?;
    tracing::info!(?config, "starting");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let listen = config.listen;
    runtime.block_on(async {
        let app = Application::build(config).await?;
        eprintln!(
            "xuancai: listening on {}://{}:{}",
            app.scheme(),
            listen.ip(),
            app.port()
        );
        app.run_until_stopped().await?;
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `xuancai worker`: the same configuration as `serve`; the studio's
/// workers (at least one) and the periodic jobs, built without the HTTP
/// layer: no port is bound.
pub fn run_worker(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let mut config = config(&args)?;
    config.studio.workers = config.studio.workers.max(1);
    tracing::info!(?config, "starting workers");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        eprintln!("xuancai: worker running; Ctrl-C stops it");
        xuancai_app::startup::run_workers(&config, xuancai_outbound::connect).await
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `xuancai jobs run-once`: every maintenance job once, from the same
/// configuration as `serve`, without the HTTP layer (no port is bound, so a
/// running server is not disturbed); prints the report.
/// `xuancai backup --to DIR`: prints what it wrote as JSON.
pub fn backup(args: crate::cli::BackupArgs) -> anyhow::Result<ExitCode> {
    let config = config(&args.serve)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let report = runtime.block_on(xuancai_app::backup::backup(
        &config,
        xuancai_outbound::connect,
        &args.to,
    ))?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(ExitCode::SUCCESS)
}

/// `xuancai restore --from DIR`: prints what it restored as JSON.
pub fn restore(args: crate::cli::RestoreArgs) -> anyhow::Result<ExitCode> {
    let config = config(&args.serve)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let report = runtime.block_on(xuancai_app::backup::restore(
        &config,
        xuancai_outbound::connect,
        &args.from,
    ))?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(ExitCode::SUCCESS)
}

pub fn run_jobs_once(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let config = config(&args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let report = runtime.block_on(xuancai_app::startup::run_jobs_once(
        &config,
        xuancai_outbound::connect,
    ))?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(ExitCode::SUCCESS)
}
