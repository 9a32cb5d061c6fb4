//! The `leadctl` binary: parse the command line, run it, exit with the code of CLI.md.
//! Errors are printed by `leadctl::main` as one line plus a hint, never as a backtrace.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = leadctl::cli::Cli::parse();
    leadctl::main(cli)
}
