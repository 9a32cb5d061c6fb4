//! `leadctl help [TOPIC | COMMAND...]`: the help topics (`environment`, `exit-codes`,
//! `columns`, whose text is the import's own alias table), or a
//! command's long help, exactly as `leadctl COMMAND --help` prints it.
//!
//! clap's generated `help` subcommand is turned off on the top-level command (see `cli.rs`) so
//! that topics and commands share one `help`. The topics' contents live here, as data, and the
//! man page (`commands::man`) renders the same data: one source for both.

use std::fmt::Write as _;
use std::io::Write;

use anyhow::Result;
use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::Failure;

/// A help topic: its name, a one-line summary, and the text.
pub struct Topic {
    pub name: &'static str,
    pub summary: &'static str,
}

pub const TOPICS: &[Topic] = &[
    Topic {
        name: "environment",
        summary: "Every environment variable leadctl reads, and the precedence rule",
    },
    Topic {
        name: "exit-codes",
        summary: "What each exit status means, for scripts and CI jobs",
    },
    Topic {
        name: "columns",
        summary: "The column names import recognises for each lead field",
    },
];

/// The precedence rule, said once for the topic and the man page.
pub const PRECEDENCE: &str =
    "Precedence, for every setting: command-line flag > environment variable > profile in the \
config file > built-in default. `leadctl config list` shows each effective value and where it \
came from. Set-but-empty variables count as unset.";

/// Every environment variable leadctl reads (a test checks that every `LEADCTL_*` name in the
/// source is here).
pub const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "LEADCTL_API_KEY",
        "The API key (Settings > API keys in the KeenPartner app). Beats LEADCTL_API_KEY_FILE and \
         the profile's api_key. There is no flag for the key: keys never go on a command line.",
    ),
    (
        "LEADCTL_API_KEY_FILE",
        "A file holding the API key, e.g. a Docker or Kubernetes secret mounted as a file; \
         surrounding whitespace is ignored. Used when LEADCTL_API_KEY is unset; beats the \
         profile's api_key. An unreadable or empty file is exit 3.",
    ),
    (
        "LEADCTL_API_URL",
        "The API endpoint, as --api-url. Default: \
         https://data.keenpartner.com/functions/v1/keen-api. Plain http:// only to loopback hosts.",
    ),
    (
        "LEADCTL_CHANNEL",
        "The channel (its id, or its title, looked up with get_channels) for create, import and \
         leads list when --channel is not given; beats the profile's channel.",
    ),
    (
        "LEADCTL_DECIMAL_SEPARATOR",
        "The decimal separator of number property values for create and import, , or . (as \
         --decimal-separator); beats the profile's decimal_separator. Without either, a value \
         that reads differently under the two (50.000) is invalid.",
    ),
    (
        "LEADCTL_PROFILE",
        "The config profile, as -p/--profile; beats the file's default_profile.",
    ),
    (
        "LEADCTL_CONFIG",
        "The config file to use instead of config.toml in the platform config directory \
         ($XDG_CONFIG_HOME/leadctl, else ~/.config/leadctl on Linux; ~/Library/Application \
         Support/leadctl on macOS). `leadctl config path` prints the file in use.",
    ),
    (
        "LEADCTL_OUTPUT",
        "The output format, as -o/--output: table, json, ndjson, csv or id. An invalid value is \
         exit 3.",
    ),
    (
        "LEADCTL_CA_BUNDLE",
        "A PEM file of extra root certificates, as --ca-bundle, added to the system's \
         (TLS-intercepting corporate proxies).",
    ),
    (
        "LEADCTL_SANDBOX",
        "Any value but 0 (or empty) does what --sandbox does: the command runs against the \
         built-in emulator, with no key or config needed.",
    ),
    (
        "LEADCTL_LEDGER",
        "The ledger, as --ledger: where leadctl remembers every lead it created, so each is \
         created once across files, re-exports and runs: a SQLite file (default: ledger.sqlite3 \
         in the data directory, $XDG_DATA_HOME/leadctl/ on Linux; in memory with --sandbox) or \
         a postgres://USER@HOST:PORT/DATABASE?sslmode=verify-full URL that many machines share.",
    ),
    (
        "LEADCTL_LEDGER_PASSWORD_FILE",
        "A file holding the password of a PostgreSQL ledger whose URL has none (its first line; \
         beats PGPASSWORD). The password never appears in any output.",
    ),
    (
        "LEADCTL_LEDGER_LOCK_WAIT",
        "How long, in seconds, to wait for a SQLite ledger's write lock held by another writer \
         (default 60); the wait is said every 5 s with who may hold the lock, and past it the \
         run stops with exit 3, nothing more sent. For a PostgreSQL ledger: how long a call may \
         go unanswered (said every 5 s; past it exit 7), and its statement and lock timeouts.",
    ),
    (
        "LEADCTL_SOURCE_PASSWORD_FILE",
        "A file holding the password of the PostgreSQL database `import --query ... --from URL` \
         reads, when the URL has none (beats PGPASSWORD). Never shown.",
    ),
    (
        "LEADCTL_TEST_NOT_LOOPBACK",
        "Test-only, not for use: a host named here counts as not loopback, so the PostgreSQL \
         password rule (no cleartext or MD5 password without a verified certificate) can be \
         tested against a scripted server on 127.0.0.1.",
    ),
    (
        "PGPASSWORD, PGUSER",
        "A PostgreSQL ledger's (or --from database's) password and user when neither the URL \
         nor LEADCTL_LEDGER_PASSWORD_FILE (LEADCTL_SOURCE_PASSWORD_FILE) gives them (as libpq \
         reads them).",
    ),
    (
        "LEADCTL_REPORT",
        "The run report's file, as --report of import, create and purchases import: one JSON \
         document (doc/report.schema.json) written when the run ends, also when it fails or is \
         interrupted.",
    ),
    (
        "GITHUB_ACTIONS, GITHUB_STEP_SUMMARY, GITHUB_OUTPUT",
        "Set by GitHub Actions: with GITHUB_ACTIONS=true, import, create and purchases import \
         append a job summary to GITHUB_STEP_SUMMARY, print annotations (::error, ::warning) \
         for the rows needing attention and write step outputs (created=, failed=, report=, \
         ...) to GITHUB_OUTPUT; --no-ci-annotations turns it off.",
    ),
    (
        "HOSTNAME, COMPUTERNAME",
        "This machine's name for the run history, where the system does not say it.",
    ),
    (
        "LEADCTL_CHECK_CACHE",
        "How long, in seconds, `create` reuses what it learned of a server: the channels' \
         definitions and that the ledger and the server agree (default 600; 0 turns the cache \
         off). Kept per API URL and key in the data directory (checks/, named by a hash: never \
         the key itself); doc/ledger.md.",
    ),
    (
        "LEADCTL_WINDOW_CACHE",
        "How long, in seconds, `create` reuses the newest leads of a channel an earlier `create` \
         read, for a key the ledger has never seen (default 5; 0 reads them before every \
         create). A script's loop of creates then reads them once in a while, not once a lead; a \
         lead with the same key made outside this ledger in those seconds is not recognised. \
         Never used while the channel has a key whose outcome is unknown; doc/ledger.md.",
    ),
    (
        "LEADCTL_RETRY_BASE_MS",
        "A testing knob: the first back-off step between retries, in milliseconds (default \
         250), so test suites and CI jobs that exercise failures need not wait for production \
         back-offs. Not for normal use.",
    ),
    (
        "LEADCTL_TEST_CLOCK_OFFSET",
        "A testing knob: seconds added to this process's clock, so tests can run a machine \
         whose clock is off (a claim's and a heartbeat's age are measured on the ledger's clock: \
         PostgreSQL's, or this machine's for a file). Not for normal use.",
    ),
    (
        "NO_COLOR",
        "Any non-empty value turns colour off, unless --color always. Also honoured by the help \
         and usage-error output.",
    ),
    (
        "CLICOLOR_FORCE",
        "Any value but 0 turns colour on even when the output is not a terminal, unless \
         --color never or NO_COLOR.",
    ),
    (
        "HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY",
        "Proxies (lower-case names too), honoured for every request to the API. Loopback \
         addresses (the sandbox, local tests) never go through a proxy.",
    ),
    (
        "SSL_CERT_FILE, SSL_CERT_DIR",
        "On Linux, where the system's root certificates are read from (the default is the OS \
         store, e.g. /etc/ssl/certs).",
    ),
    (
        "XDG_CONFIG_HOME, HOME",
        "Where the config file is looked for when LEADCTL_CONFIG is unset.",
    ),
    (
        "COLUMNS",
        "The width --help text is wrapped to (at most 100 columns).",
    ),
];

/// The exit statuses of doc/cli.md.
pub const EXIT_CODES: &[(u8, &str)] = &[
    (0, "success"),
    (
        1,
        "internal error (a bug in leadctl: please report it with the -v output)",
    ),
    (
        2,
        "usage error: unknown flag or command, bad flag value, unknown help topic",
    ),
    (
        3,
        "configuration: no API key, unreadable or invalid config file, no channel given, wrong \
         API URL, a redirect, a ledger new to a channel it cannot fully see (--new-ledger), a \
         saved plan applied against another API URL or ledger",
    ),
    (
        4,
        "authentication refused (401): the API key is wrong or revoked",
    ),
    (
        5,
        "permission refused (403): the key cannot reach that channel or lead",
    ),
    (
        6,
        "invalid input: bad JSON, CSV or field values, a plan over --max-create or \
         --max-changes, a file that is not a whole saved plan, or the server said 400 or 404",
    ),
    (
        7,
        "network or server: cannot connect, timeout, 5xx, still rate-limited after retries, or \
         an outcome that cannot be known (the lead may exist)",
    ),
    (
        8,
        "partial: a bulk run (import, create --json, apply) finished but some rows were not created \
         (failed, unknown or invalid); see the errors file and the summary",
    ),
    (
        130,
        "interrupted by Ctrl-C (or SIGTERM) after a clean stop: requests in flight finished and \
         their outcomes are in the ledger; re-run the same command to resume",
    ),
];

pub fn run(topic: &[String], color: bool, out: &mut dyn Write) -> Result<()> {
    let text = text_for(topic, color)?;
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// What `leadctl help TOPIC...` prints, or a usage error (exit 2) for an unknown topic.
pub fn text_for(topic: &[String], color: bool) -> Result<String> {
    let words: Vec<&str> = topic.iter().map(String::as_str).collect();
    match words.as_slice() {
        [] => {
            let mut text = render(&mut built(), color);
            text.push_str("\nHelp topics (leadctl help TOPIC):\n");
            for t in TOPICS {
                let _ = writeln!(text, "  {:<13}{}", t.name, t.summary);
            }
            Ok(text)
        }
        ["environment" | "env"] => Ok(environment_text()),
        ["exit-codes" | "exit-status"] => Ok(exit_codes_text()),
        ["columns" | "column"] => Ok(crate::import::mapping::aliases::help_text()),
        path => {
            let mut cmd = built();
            // Checked with shared borrows first, then walked again mutably to render.
            let mut parent = &cmd;
            for (i, word) in path.iter().enumerate() {
                match parent.find_subcommand(word) {
                    Some(sub) => parent = sub,
                    None => {
                        let where_ = if i == 0 {
                            String::new()
                        } else {
                            format!(" of `leadctl {}`", path[..i].join(" "))
                        };
                        return Err(unknown(word, &where_, parent).into());
                    }
                }
            }
            let mut current = &mut cmd;
            for word in path {
                current = current
                    .find_subcommand_mut(word)
                    .expect("the path was checked above");
            }
            Ok(render(current, color))
        }
    }
}

/// The command definition with bin names set, as clap's own `--help` sees it.
fn built() -> clap::Command {
    let mut cmd = Cli::command();
    cmd.build();
    cmd
}

fn render(cmd: &mut clap::Command, color: bool) -> String {
    let help = cmd.render_long_help();
    if color {
        help.ansi().to_string()
    } else {
        help.to_string()
    }
}

fn unknown(word: &str, where_: &str, parent: &clap::Command) -> Failure {
    let commands: Vec<&str> = parent
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .map(clap::Command::get_name)
        .collect();
    let topics: Vec<&str> = TOPICS.iter().map(|t| t.name).collect();
    let mut message = format!("no help topic or command {word:?}{where_}");
    if where_.is_empty() {
        let _ = write!(message, "; topics: {}", topics.join(", "));
    }
    let _ = write!(message, "; commands: {}", commands.join(", "));
    Failure::usage(message)
        .with_hint("`leadctl help` lists everything; `leadctl COMMAND --help` shows one command")
}

/// Wraps `text` to `width` columns, every line starting with `indent`.
fn wrap(text: &str, indent: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::from(indent);
    for word in text.split_whitespace() {
        if line.len() > indent.len() && line.len() + 1 + word.len() > width {
            out.push_str(line.trim_end());
            out.push('\n');
            line = String::from(indent);
        }
        if line.len() > indent.len() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if line.len() > indent.len() {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

pub fn environment_text() -> String {
    let mut text = String::from("Environment variables read by leadctl\n\n");
    text.push_str(&wrap(PRECEDENCE, "", 80));
    text.push('\n');
    for (name, about) in ENVIRONMENT {
        let _ = writeln!(text, "{name}");
        text.push_str(&wrap(about, "    ", 80));
    }
    text.push_str(
        "\nExample:\n  LEADCTL_API_KEY_FILE=/run/secrets/keenpartner_key LEADCTL_OUTPUT=ndjson \\\n      \
         leadctl import leads.csv --channel a1b2c3d4-e5f6-7890-abcd-ef1234567890\n",
    );
    text
}

pub fn exit_codes_text() -> String {
    let mut text = String::from("Exit codes of leadctl\n\n");
    for (code, meaning) in EXIT_CODES {
        let first = format!("{code:>5}  ");
        let body = wrap(meaning, &" ".repeat(first.len()), 80);
        text.push_str(&first);
        text.push_str(body.trim_start());
    }
    text.push_str(
        "\nNothing is retried silently: exit 7 after a create may mean the lead exists (the \
         message says\nso); `leadctl import` records such rows as unknown and settles them with \
         --reconcile.\n\nExample:\n  leadctl import leads.csv || case $? in 8) echo \"some rows \
         failed: see leads.csv.errors.csv\";; *) exit 1;; esac\n",
    );
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn topics_and_commands() {
        assert!(text_for(&words("environment"), false)
            .unwrap()
            .contains("LEADCTL_API_KEY_FILE"));
        let codes = text_for(&words("exit-codes"), false).unwrap();
        assert!(codes.contains("  130  interrupted"), "{codes}");
        let list = text_for(&words("leads list"), false).unwrap();
        assert!(list.starts_with("List a channel's newest leads"), "{list}");
        assert!(list.contains("Usage: leadctl leads list"), "{list}");
    }

    #[test]
    fn unknown_topics_are_usage_errors_listing_the_choices() {
        let err = text_for(&words("enviroment"), false).unwrap_err();
        assert_eq!(crate::exit::exit_code(&err), 2);
        let msg = err.to_string();
        assert!(
            msg.contains("topics: environment, exit-codes, columns"),
            "{msg}"
        );
        assert!(msg.contains("create"), "{msg}");
        let err = text_for(&words("leads lst"), false).unwrap_err();
        assert!(err.to_string().contains("of `leadctl leads`"), "{err}");
    }

    #[test]
    fn wrapping() {
        assert_eq!(wrap("a b c", "  ", 5), "  a b\n  c\n");
    }
}
