//! leadctl: create and manage sales leads in KeenPartner from the command line.
//!
//! `main.rs` parses the command line and calls [`main`]: parse → `Settings` →
//! `commands::dispatch` → `exit::report`. This module resolves the settings, starts the
//! in-process sandbox for `--sandbox`, and hands the command over; `exit::report` prints the one
//! error message of a failed run and decides the exit code.
//!
//! Modules depend downwards only: `lib` → `commands` (one module per subcommand: arguments and
//! settings in, plain options to the domain, printing) → `settings` (which reads `cli`'s global
//! options) and the domain: `import` (file → rows → works), `lead` (what a lead may say and its
//! works), `deliver` (exactly once, for any write), `ledger`, `api` (the client), `config`,
//! `output`, `sandbox`, `exit` → the leaves `error`, `log`, `time`, `fsutil`, `secret`, `number`,
//! `fold`, which use nothing else of the crate. `cli` holds clap types only and calls down into
//! the domain's parsers. `doc/architecture.md` draws the picture.

pub mod api;
pub mod apply;
pub mod cli;
pub mod commands;
pub mod config;
pub mod date;
pub mod deliver;
pub mod error;
pub mod exit;
pub mod fold;
pub mod fsutil;
pub mod identity;
pub mod import;
pub mod lead;
pub mod ledger;
pub mod log;
pub mod number;
pub mod output;
pub mod pg;
pub mod purchase;
pub mod report;
pub mod sandbox;
pub mod saved_plan;
pub mod secret;
pub mod settings;
pub mod time;

use std::ffi::OsString;
use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::Result;
use clap::{CommandFactory, FromArgMatches};

use cli::{Cli, ColorChoice};
use log::Log;
use output::Output;
use settings::{Env, Settings};

/// Parses the process's command line. clap prints `--help`, `--version` and usage errors (exit 2)
/// itself; their colour follows `--color`, else `NO_COLOR`/`CLICOLOR_FORCE` and the terminal.
pub fn parse_args() -> Cli {
    let args: Vec<OsString> = std::env::args_os().collect();
    let color = match color_flag(&args) {
        Some(ColorChoice::Always) => clap::ColorChoice::Always,
        Some(ColorChoice::Never) => clap::ColorChoice::Never,
        _ => clap::ColorChoice::Auto,
    };
    let matches = Cli::command().color(color).get_matches_from(args);
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

/// The last `--color WHEN` / `--color=WHEN` before a `--`, read ahead of clap so that clap's
/// own output (help, usage errors) can follow it. An invalid value is left for clap to report.
fn color_flag(args: &[OsString]) -> Option<ColorChoice> {
    let mut choice = None;
    let mut args = args.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(arg) = args.next() {
        let value = match arg.as_ref() {
            "--" => break,
            "--color" => args.next().map(|v| v.into_owned()),
            a => a.strip_prefix("--color=").map(str::to_string),
        };
        if let Some(value) = value {
            choice = <ColorChoice as clap::ValueEnum>::from_str(&value, false)
                .ok()
                .or(choice);
        }
    }
    choice
}

/// Runs one command line to its exit code: parse (done by the caller) → settings → the
/// command → `exit::report`, the one place that prints the final error and picks the code.
pub fn main(cli: Cli) -> ExitCode {
    let env = Env::from_process();
    let result = run(&cli, &env);
    exit::report(result, &fallback_log(&cli, &env))
}

/// The errors' logger, made from the flags alone: settings may be what failed.
fn fallback_log(cli: &Cli, env: &Env) -> Log {
    let color = settings::use_color(cli.global.color, env, std::io::stderr().is_terminal());
    Log::new(cli.global.quiet, cli.global.verbose, color)
}

/// Commands that need no settings run as they are; the others get the resolved `Settings` (and,
/// with `--sandbox`, an emulator that lives as long as the command).
pub fn run(cli: &Cli, env: &Env) -> Result<()> {
    if let Some(done) = commands::run_without_settings(cli, env, &fallback_log(cli, env)) {
        return done;
    }
    let config = config::load(config::path(env.get("LEADCTL_CONFIG")))?;
    let mut settings = Settings::resolve(&cli.global, env, &config)?;
    let log = settings.log();
    if let Some(warning) = config::permission_warning(&config) {
        log.warn(&warning);
    }
    if let Some(warning) = settings::command_line_password_warning(&cli.global) {
        log.warn(&warning);
    }
    if let Some(ledger::Location::Postgres(t)) = &settings.ledger {
        if let Some(warning) = ledger::postgres::auth::opt_down_warning(t) {
            log.warn(&warning);
        }
    }
    if let Some(settings::Sourced {
        origin: settings::Origin::KeyFile(path),
        ..
    }) = &settings.api_key
    {
        if let Some(warning) = config::key_file_permission_warning(path) {
            log.warn(&warning);
        }
    }
    let _sandbox = if settings.sandbox {
        Some(start_sandbox(&mut settings, &log)?)
    } else {
        None
    };
    if let Some(key) = &settings.api_key {
        if !key.value.looks_valid() {
            log.warn(&format!(
                "the API key from {} does not look like a KeenPartner key (a UUID)",
                key.origin
            ));
        }
    }
    let mut out = Output::stdout(settings.output);
    let result = commands::dispatch(&cli.command, &settings, &mut out);
    if out.was_cut() {
        log.notice(
            "the table was cut to fit the terminal; `-o json` or `-o csv` shows every field whole",
        );
    }
    result
}

/// `--sandbox`: the emulator on an ephemeral loopback port for this one command.
fn start_sandbox(settings: &mut Settings, log: &Log) -> Result<sandbox::Sandbox> {
    let server = sandbox::Sandbox::start(sandbox::Options::ephemeral())?;
    settings.use_sandbox(server.url(), sandbox::API_KEY, sandbox::PRIMARY_CHANNEL_ID);
    log.notice(&format!(
        "--sandbox: talking to the built-in emulator at {} (seeded key, channel \"Acme Referral \
         Program\" {}); nothing reaches KeenPartner and the data is gone when this command ends",
        server.url(),
        sandbox::PRIMARY_CHANNEL_ID
    ));
    log.notice(
        "to use the real API, drop --sandbox and set LEADCTL_API_KEY (a key from Settings > API \
         keys in the KeenPartner app); `leadctl sandbox serve` keeps an emulator running",
    );
    Ok(server)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flag(args: &[&str]) -> Option<ColorChoice> {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        color_flag(&args)
    }

    #[test]
    fn the_color_flag_is_read_ahead_of_clap() {
        assert_eq!(flag(&["leadctl", "create", "--help"]), None);
        assert_eq!(
            flag(&["leadctl", "--color", "never", "--help"]),
            Some(ColorChoice::Never)
        );
        assert_eq!(
            flag(&["leadctl", "x", "--color=always", "--color", "bogus"]),
            Some(ColorChoice::Always)
        );
        assert_eq!(flag(&["leadctl", "--", "--color=always"]), None);
    }
}
