//! The `leadctl` binary: parse the command line, run it, exit with the code of doc/cli.md.
//! Errors are printed by `leadctl::main` as one line plus a hint, never as a backtrace.

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = leadctl::parse_args();
    leadctl::main(cli)
}
