//! `leadctl sandbox serve`: runs the emulator in the foreground until Ctrl-C or SIGTERM.
//!
//! Prints the banner (or, with `-q`, only its first line `listening on http://ADDR`, which
//! scripts and tests wait for), then one line per request, and a one-line summary at the end
//! (the last two not with `-q`).
//! All of it goes to stderr: this command has no data output.

use std::io::{self, Write};
use std::sync::mpsc;

use anyhow::{Context, Result};

use crate::cli::{SandboxCommand, ServeArgs};
use crate::sandbox::{Options, Sandbox};

pub fn run(cmd: &SandboxCommand, quiet: bool) -> Result<()> {
    match cmd {
        SandboxCommand::Serve(args) => serve(args, quiet),
    }
}

fn serve(args: &ServeArgs, quiet: bool) -> Result<()> {
    let mut opts = Options::from_args(args);
    opts.log_requests = !quiet;
    let mut sandbox = Sandbox::start(opts)?;

    // Installed before the banner, so a signal sent as soon as the address is printed is
    // already a clean stop. SIGTERM and SIGHUP too (ctrlc's `termination` feature).
    let (tx, stop) = mpsc::sync_channel::<()>(1);
    ctrlc::set_handler(move || {
        let _ = tx.try_send(());
    })
    .context("cannot install the Ctrl-C handler")?;

    {
        let mut err = io::stderr().lock();
        let banner = sandbox.banner();
        let text = if quiet {
            banner.lines().next().unwrap_or_default()
        } else {
            &banner
        };
        writeln!(err, "{}", text.trim_end())?;
        err.flush()?;
    } // the lock is released here: request log lines need stderr too

    // Err only if the handler (and its sender) is gone, which never happens; stop either way.
    let _ = stop.recv();
    sandbox.shutdown()?;
    if quiet {
        return Ok(());
    }
    let stats = sandbox.stats();
    let state = args
        .state
        .as_ref()
        .map(|p| format!(", state saved to {}", p.display()))
        .unwrap_or_default();
    writeln!(
        io::stderr().lock(),
        "sandbox stopped: requests {} (dropped {}), leads {}, purchases {}{state}",
        stats["requests"]["total"],
        stats["dropped"],
        stats["leads"],
        stats["purchases"],
    )?;
    Ok(())
}
