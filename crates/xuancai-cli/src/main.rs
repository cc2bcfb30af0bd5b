//! The `xuancai` command. Thin: parse arguments, run, turn the outcome into an
//! exit code. The work lives in the library crates.

use std::process::ExitCode;

use clap::Parser;

mod check;
mod cli;
mod cutout;
mod faces;
mod models;
mod output;
mod serve;
mod stickers;
mod swap;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("XUANCAI_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    match cli::run(args) {
        Ok(code) => code,
        Err(e) => {
            // The engines' typed errors carry a stable code; print it as the
            // per-file answers do.
            let code = e.chain().find_map(|c| {
                c.downcast_ref::<xuancai_imaging::ImagingError>()
                    .map(xuancai_imaging::ImagingError::code)
                    .or_else(|| c.downcast_ref::<xuancai_vision::VisionError>().map(|v| v.code()))
            });
            match code {
                Some(code) => eprintln!("xuancai: error: {e:#} [{code}]"),
                None => eprintln!("xuancai: error: {e:#}"),
            }
            ExitCode::from(2)
        }
    }
}
