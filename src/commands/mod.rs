//! One module per subcommand, each with a `run` entry point that takes resolved settings and
//! writes data through the `Output` it is given; `dispatch` sends each command to its module.

use std::io::{IsTerminal, Read};

use anyhow::Result;

use crate::cli::{Cli, Command};
use crate::log::Log;
use crate::output::Output;
use crate::settings::{Env, Settings};

pub mod api;
pub mod apply;
pub mod channels;
pub mod completions;
pub mod config;
pub mod create;
pub mod help;
pub mod import;
pub mod leads;
pub mod ledger;
pub mod ledger_adopt;
pub mod ledger_check;
pub mod ledger_copy;
pub mod ledger_runs;
pub mod man;
pub mod properties;
pub mod purchases;
pub mod run_report;
pub mod sandbox;
pub mod template;

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
    if settings.output == crate::output::OutputFormat::Xlsx
        && !matches!(command, Command::Template(_))
    {
        return Err(
            crate::error::Failure::usage("-o xlsx is for `leadctl template`")
                .with_hint("the other commands print table, json, ndjson, csv or id")
                .into(),
        );
    }
    match command {
        Command::Template(args) => template::run(settings, args, out),
        Command::Create(args) => create::run(settings, (**args).clone(), out),
        Command::Import(args) => import::run(settings, args, out),
        Command::Apply(args) => apply::run(settings, args, out),
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
/// [`MAX_JSON_INPUT`]; a device (`/dev/zero`) or a directory is refused, and so is a workbook or
/// other binary file, saying what it is.
pub fn read_json_file(path: &std::path::Path) -> std::io::Result<String> {
    json_text(crate::fsutil::read_capped(
        path,
        MAX_JSON_INPUT,
        crate::fsutil::Accept::FileOrPipe,
        JSON_INPUT,
    )?)
}

/// All of stdin as a JSON input, within the same limit.
pub fn read_json_stdin() -> std::io::Result<String> {
    json_text(crate::fsutil::read_capped_from(
        std::io::stdin().lock(),
        MAX_JSON_INPUT,
        0,
        JSON_INPUT,
    )?)
}

/// The bytes of a JSON input as text; a workbook, a PDF, an archive... is refused by name
/// (never with an encoding hint).
fn json_text(bytes: Vec<u8>) -> std::io::Result<String> {
    use crate::import::read::sniff::{self, Sniffed};
    let refused = |text: String| std::io::Error::new(std::io::ErrorKind::InvalidData, text);
    match sniff::sniff(&bytes[..bytes.len().min(64 * 1024)]) {
        Sniffed::Text => {}
        Sniffed::Binary(r) => {
            return Err(refused(format!("it is {}, not JSON; {}", r.what, r.hint)))
        }
        Sniffed::Zip => {
            return Err(refused(
                match sniff::classify_zip(std::io::Cursor::new(&bytes[..])) {
                    Ok(kind) => format!(
                        "it is {}, not JSON; `leadctl import FILE` reads workbooks",
                        kind.describe()
                    ),
                    Err(r) => format!("it is {}, not JSON; {}", r.what, r.hint),
                },
            ))
        }
        Sniffed::Ole => {
            return Err(refused(
                "it is an OLE2 compound file (an .xls workbook or another older Office \
                 document), not JSON; `leadctl import FILE` reads .xls workbooks"
                    .to_string(),
            ))
        }
    }
    String::from_utf8(bytes).map_err(|_| refused("it is not valid UTF-8 text".to_string()))
}
