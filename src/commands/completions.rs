//! `leadctl completions SHELL`: the completion script, generated from the clap definition.

use std::io::Write;

use anyhow::Result;
use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;

pub fn run(shell: Shell, out: &mut dyn Write) -> Result<()> {
    out.write_all(&script(shell))?;
    out.flush()?;
    Ok(())
}

/// The script for one shell, as bytes (also what the staleness test compares).
pub fn script(shell: Shell) -> Vec<u8> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "leadctl", &mut buf);
    buf
}
