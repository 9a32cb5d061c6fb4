//! One module per subcommand, each with a `run` entry point that takes resolved settings and
//! writes data through the `Output` it is given; `dispatch` sends each command to its module.

use std::io::{IsTerminal, Read};

use anyhow::Result;

use crate::cli::{Cli, Command};
use crate::log::Log;
use crate::output::Output;
use crate::settings::{Env, Settings};

pub mod api;
pub mod channels;
pub mod completions;
pub mod config;
pub mod create;
pub mod help;
pub mod import;
pub mod leads;
pub mod ledger;
pub mod ledger_adopt;
pub mod ledger_copy;
pub mod man;
pub mod properties;
pub mod purchases;
pub mod sandbox;

/// The commands that need neither settings nor the config file; `None` for the others.
pub fn run_without_settings(cli: &Cli, env: &Env, log: &Log) -> Option<Result<()>> {
    Some(match &cli.command {
        Command::Completions { shell } => completions::run(*shell, &mut std::io::stdout().lock()),
        Command::Man => man::run(&mut std::io::stdout().lock()),
        Command::Help { topic } => {
            let color =
                crate::settings::use_color(cli.global.color, env, std::io::stdout().is_terminal());
            help::run(topic, color, &mut std::io::stdout().lock())
        }
        Command::Sandbox(cmd) => sandbox::run(cmd, cli.global.quiet),
        // Config commands load (or only locate) the file themselves: `config path` must work
        // when the file is broken, and `config set` must work before any profile exists.
        Command::Config(cmd) => config::run(
            cmd,
            config::Ctx {
                global: &cli.global,
                env,
                log,
                out: Box::new(std::io::LineWriter::new(std::io::stdout())),
                read_key: &mut read_key,
            },
        ),
        _ => return None,
    })
}

/// Sends a command that needs settings to its module.
pub fn dispatch(command: &Command, settings: &Settings, out: &mut Output) -> Result<()> {
    match command {
        Command::Create(args) => create::run(settings, args.clone(), out),
        Command::Import(args) => import::run(settings, args, out),
        Command::Channels(args) => channels::run(settings, args, out),
        Command::Leads(cmd) => leads::run(settings, cmd, out),
        Command::Purchases(cmd) => purchases::run(settings, cmd, out),
        Command::Ledger(cmd) => ledger::run(settings, cmd, out),
        Command::Api(args) => api::run(settings, args, out),
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

/// The most a JSON input (`create --json`, `api --input`) may hold: far more than any batch of
/// leads, far less than what would exhaust memory.
pub const MAX_JSON_INPUT: u64 = 256 * 1024 * 1024;

const JSON_INPUT: &str = "a JSON input (split a larger batch into several files)";

/// A JSON input file: a regular file, or a pipe (`<(...)`, `/dev/stdin`), at most
/// [`MAX_JSON_INPUT`]; a device (`/dev/zero`) or a directory is refused.
pub fn read_json_file(path: &std::path::Path) -> std::io::Result<String> {
    crate::fsutil::read_capped_string(
        path,
        MAX_JSON_INPUT,
        crate::fsutil::Accept::FileOrPipe,
        JSON_INPUT,
    )
}

/// All of stdin as a JSON input, within the same limit.
pub fn read_json_stdin() -> std::io::Result<String> {
    let bytes =
        crate::fsutil::read_capped_from(std::io::stdin().lock(), MAX_JSON_INPUT, 0, JSON_INPUT)?;
    String::from_utf8(bytes).map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "it is not valid UTF-8 text",
        )
    })
}
