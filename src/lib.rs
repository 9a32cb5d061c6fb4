//! leadctl: create and manage sales leads in KeenPartner from the command line.
//!
//! `main.rs` parses the command line and calls [`main`]; this module resolves the settings, starts
//! the in-process sandbox for `--sandbox`, sends each command to its module, and prints the one
//! error message of a failed run.

pub mod api;
pub mod cli;
pub mod commands;
pub mod config;
pub mod error;
pub mod exit;
pub mod fsutil;
pub mod import;
pub mod log;
pub mod output;
pub mod progress;
pub mod sandbox;
pub mod secret;
pub mod settings;
pub mod time;

use std::ffi::OsString;
use std::io::{IsTerminal, Read};
use std::process::ExitCode;

use anyhow::Result;
use clap::{CommandFactory, FromArgMatches};

use cli::{Cli, ColorChoice, Command};
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

/// Runs one command line to its exit code, printing the error (if any) on stderr.
pub fn main(cli: Cli) -> ExitCode {
    let env = Env::from_process();
    match run(&cli, &env) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if exit::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let log = fallback_log(&cli, &env);
            log.error(&format!("{e:#}"), exit::hint(&e).as_deref());
            ExitCode::from(exit::exit_code(&e))
        }
    }
}

/// The errors' logger, made from the flags alone: settings may be what failed.
fn fallback_log(cli: &Cli, env: &Env) -> Log {
    let color = settings::use_color(cli.global.color, env, std::io::stderr().is_terminal());
    Log::new(cli.global.quiet, cli.global.verbose, color)
}

pub fn run(cli: &Cli, env: &Env) -> Result<()> {
    // Commands that need neither settings nor the config file.
    match &cli.command {
        Command::Completions { shell } => {
            return commands::completions::run(*shell, &mut std::io::stdout().lock());
        }
        Command::Man => return commands::man::run(&mut std::io::stdout().lock()),
        Command::Help { topic } => {
            let color = settings::use_color(cli.global.color, env, std::io::stdout().is_terminal());
            return commands::help::run(topic, color, &mut std::io::stdout().lock());
        }
        Command::Sandbox(cmd) => return commands::sandbox::run(cmd, cli.global.quiet),
        // Config commands load (or only locate) the file themselves: `config path` must work
        // when the file is broken, and `config set` must work before any profile exists.
        Command::Config(cmd) => {
            return commands::config::run(
                cmd,
                commands::config::Ctx {
                    global: &cli.global,
                    env,
                    log: &fallback_log(cli, env),
                    out: Box::new(std::io::LineWriter::new(std::io::stdout())),
                    read_key: &mut read_key,
                },
            )
        }
        _ => {}
    }

    let config = config::load(config::path(env.get("LEADCTL_CONFIG")))?;
    let mut settings = Settings::resolve(&cli.global, env, &config)?;
    if let Some(warning) = config::permission_warning(&config) {
        settings.log().warn(&warning);
    }
    let _sandbox = if settings.sandbox {
        Some(start_sandbox(&mut settings)?)
    } else {
        None
    };
    if let Some(key) = &settings.api_key {
        if !key.value.looks_valid() {
            settings.log().warn(&format!(
                "the API key from {} does not look like a KeenPartner key (a UUID)",
                key.origin
            ));
        }
    }

    let mut out = Output::stdout(settings.output);
    match &cli.command {
        Command::Create(args) => commands::create::run(&settings, args.clone(), &mut out),
        Command::Import(args) => import::run(&settings, args, &mut out),
        Command::Channels(args) => commands::channels::run(&settings, args, &mut out),
        Command::Leads(cmd) => commands::leads::run(&settings, cmd, &mut out),
        Command::Purchases(cmd) => commands::purchases::run(&settings, cmd, &mut out),
        Command::Api(args) => commands::api::run(&settings, args, &mut out),
        Command::Completions { .. }
        | Command::Man
        | Command::Help { .. }
        | Command::Sandbox(_)
        | Command::Config(_) => Ok(()),
    }
}

/// The API key for `config set-key`: a no-echo prompt on a terminal, else all of stdin (never a
/// prompt when stdin is not a terminal, so CI jobs and pipes work).
fn read_key(prompt: &str) -> std::io::Result<String> {
    if std::io::stdin().is_terminal() {
        rpassword::prompt_password(prompt)
    } else {
        let mut text = String::new();
        // A key is 36 characters; 64 KiB is plenty for any file holding one.
        std::io::stdin()
            .lock()
            .take(64 * 1024)
            .read_to_string(&mut text)?;
        Ok(text)
    }
}

/// `--sandbox`: the emulator on an ephemeral loopback port for this one command.
fn start_sandbox(settings: &mut Settings) -> Result<sandbox::Sandbox> {
    let server = sandbox::Sandbox::start(sandbox::Options::ephemeral())?;
    settings.use_sandbox(server.url(), sandbox::API_KEY, sandbox::PRIMARY_CHANNEL_ID);
    settings.log().notice(&format!(
        "--sandbox: talking to the built-in emulator at {} (seeded key, channel \"Acme Referral \
         Program\" {}); nothing reaches KeenPartner and the data is gone when this command ends",
        server.url(),
        sandbox::PRIMARY_CHANNEL_ID
    ));
    settings.log().notice(
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
