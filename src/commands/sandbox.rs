//! `leadctl sandbox serve`: runs the emulator in the foreground until Ctrl-C or SIGTERM.
//!
//! Prints the banner (or, with `-q`, only its first line `listening on http://ADDR`, which
//! scripts and tests wait for), then one line per request, and a one-line summary at the end
//! (the last two not with `-q`; the summary counts the 546 answers with `--overload-at`).
//! All of it goes to stderr: this command has no data output.

use std::io::{self, Write};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result};

use crate::cli::{SandboxCommand, ServeArgs};
use crate::sandbox::{Options, Sandbox};

pub fn run(cmd: &SandboxCommand, quiet: bool) -> Result<()> {
    match cmd {
        SandboxCommand::Serve(args) => serve(args, quiet),
    }
}

/// `sandbox serve`'s flags as the emulator's plain options; requests are logged unless `quiet`.
/// The only place that knows both the clap type and the sandbox.
fn options(args: &ServeArgs, quiet: bool) -> Options {
    Options {
        addr: args.addr.clone(),
        latency: Duration::from_millis(args.latency_ms),
        error_rate: args.error_rate,
        rate_limit: args.rate_limit,
        drop_rate: args.drop_rate,
        boot_error_rate: args.boot_error_rate,
        capacity: args.capacity.map(to_usize),
        overload_at: args.overload_at.map(to_usize),
        seed: args.seed,
        state: args.state.clone(),
        log_requests: !quiet,
    }
}

/// A count from the command line (u32) as the emulator's usize (saturating on 16-bit targets).
fn to_usize(n: u32) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

fn serve(args: &ServeArgs, quiet: bool) -> Result<()> {
    let mut sandbox = Sandbox::start(options(args, quiet))?;

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
    // Only with --overload-at, so the usual line stays as it was.
    let overloaded = if args.overload_at.is_some() {
        format!(
            ", 546 WORKER_LIMIT {} before and {} after processing",
            stats["overloaded"]["before"], stats["overloaded"]["after"]
        )
    } else {
        String::new()
    };
    writeln!(
        io::stderr().lock(),
        "sandbox stopped: requests {} (dropped {}{overloaded}), leads {}, purchases {}{state}",
        stats["requests"]["total"],
        stats["dropped"],
        stats["leads"],
        stats["purchases"],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_from_serve_args() {
        let args = ServeArgs {
            addr: "127.0.0.1:9000".into(),
            latency_ms: 20,
            error_rate: 0.05,
            rate_limit: Some(10),
            drop_rate: 0.0,
            boot_error_rate: 0.5,
            capacity: None,
            overload_at: None,
            seed: Some(3),
            state: None,
        };
        let o = options(&args, false);
        assert_eq!(o.latency, Duration::from_millis(20));
        assert_eq!(
            o.describe_faults(),
            "latency 20 ms, 5% answered 500 unprocessed, rate limit 10 requests/s (429, Retry-After: 1), \
             50% answered 503 BOOT_ERROR unprocessed, seed 3"
        );
        assert!(o.log_requests);
        assert!(!options(&args, true).log_requests);
        let loaded = options(
            &ServeArgs {
                capacity: Some(20),
                overload_at: Some(30),
                ..args
            },
            true,
        );
        assert_eq!((loaded.capacity, loaded.overload_at), (Some(20), Some(30)));
    }
}
