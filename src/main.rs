// TEMPORARY shim on the `sandbox` branch so the integration tests can drive
// `leadctl sandbox serve`; the real main.rs (from the main branch) replaces it at merge.
use std::process::ExitCode;

use clap::Parser;
use leadctl::cli::{Cli, Command};

#[allow(clippy::print_stderr)]
fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Sandbox(cmd) => leadctl::commands::sandbox::run(cmd, cli.global.quiet),
        _ => Err(anyhow::anyhow!("not implemented on the sandbox branch")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("leadctl: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
