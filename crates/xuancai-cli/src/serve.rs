//! `xuancai serve`, `worker`, `jobs run-once`, `backup`, `restore`: the
//! server's configuration from its layers, then the process.

use std::process::ExitCode;

use xuancai_app::Config;
use xuancai_server::Application;

use crate::cli::ServeArgs;

/// The configuration: defaults, then the file, then the environment, then
/// the flags (`xuancai_app::settings::load`).
pub fn config(args: &ServeArgs) -> anyhow::Result<Config> {
    let settings = xuancai_app::settings::load(args.config.as_deref(), args)?;
    Ok(Config::from_settings(settings)?)
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

/// `xuancai keys rotate`: prints the report as JSON; exit 1 while a data
/// key opens with neither master key or the run did not finish.
pub fn rotate_keys(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let config = config(&args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let report = runtime.block_on(xuancai_app::startup::rotate_keys(&config))?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(
        if report.finished && report.unreadable.is_empty() && report.changed == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        },
    )
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
