//! `xuancai serve`: flags and `XUANCAI_…` variables onto the server's config.

use std::process::ExitCode;

use anyhow::Context;
use xuancai_server::config::Secret;
use xuancai_server::{Application, Config};

use crate::cli::ServeArgs;

pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let master_key = match &args.master_key {
        Some(hex) => Some(Secret::from_hex(hex).context("the master key must be 64 hex digits")?),
        None => None,
    };
    let config = Config {
        listen: args.listen,
        data_dir: args.data_dir,
        database_url: args.database_url,
        master_key,
        dev_mode: args.dev,
        secure_cookies: args.secure_cookies,
        ..Config::default()
    };
    tracing::info!(?config, "starting");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let app = Application::build(config).await?;
        eprintln!("xuancai: listening on http://{}:{}", args.listen.ip(), app.port());
        app.run_until_stopped().await?;
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}
