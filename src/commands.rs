//! (in progress)
#![allow(missing_docs)]
use std::process::ExitCode;
/// Runs the command line.
pub fn run(cli: crate::cli::Cli) -> anyhow::Result<ExitCode> {
    let _ = cli;
    todo!()
}
