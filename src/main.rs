//! The `provaudit` binary: parse the command line, run, map the result to an exit code.
//!
//! Everything else lives in the library (`provaudit::run`), so that integration tests and
//! benchmarks use exactly the code the binary runs.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = provaudit::cli::Cli::parse();
    match provaudit::run(cli) {
        Ok(code) => code,
        Err(err) => {
            // A closed pipe (`provaudit report ... | head`) is not an error worth reporting.
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("provaudit: {}", provaudit::error_message(&err));
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
