//! The `xuancai` command's integration tests: it runs the built binary.
//!
//! One test binary for the crate (each binary links the whole stack).

mod cli;
#[allow(dead_code)]
mod common;
mod crash;
mod faces_cli;
mod safety_cli;
mod stickers_cli;
mod supply_chain;
mod tls;
