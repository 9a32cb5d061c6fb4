//! The command-line surface, as clap derive types and nothing else: no I/O, no environment
//! reads. Here: the global options and the command list; each subcommand's arguments are in
//! `args.rs`, the value parsers in `parse.rs`. `settings` turns these into a resolved
//! `Settings` before any work starts.
//!
//! Names follow the CLI contract (doc/cli.md), which users script against: add freely, rename
//! nothing.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::output::OutputFormat;
use parse::parse_seconds;

mod args;
pub mod parse;

pub use args::{
    ApiArgs, ApplyArgs, ChannelsArgs, ChannelsCommand, CiArgs, ConfigCommand, CreateArgs,
    ImportArgs, LeadFieldArgs, LeadUpdateArgs, LeadsCommand, LedgerAdoptArgs, LedgerCommand,
    LedgerCopyArgs, LedgerFilterArgs, LedgerForgetArgs, LedgerImportArgs, LedgerRunsArgs,
    LedgerRunsCommand, PurchaseArgs, PurchaseImportArgs, PurchasesCommand, QueryArgs,
    SandboxCommand, ServeArgs, TemplateArgs,
};

const AFTER_HELP: &str = "\
Examples:
  leadctl --sandbox create --email jane@example.com --first-name Jane
  leadctl create --channel a1b2c3d4-e5f6-7890-abcd-ef1234567890 --email jane@example.com
  leadctl create --json leads.ndjson -o id
  leadctl --sandbox import examples/leads.csv
  leadctl import leads.csv --shard 2/3
  leadctl leads list -o json | jq -r '.[].email'
  leadctl sandbox serve --latency-ms 50
  leadctl config list

More help: leadctl help COMMAND, leadctl help environment, leadctl help exit-codes, leadctl man.

The API key is read from LEADCTL_API_KEY, LEADCTL_API_KEY_FILE or the config profile,
never from a flag. Exit codes: 0 ok, 2 usage, 3 configuration, 4 auth (401),
5 permission (403), 6 invalid input (400/404), 7 network/server, 8 partial, 130 Ctrl-C.";

/// Create sales leads in KeenPartner from the command line.
#[derive(Debug, Parser)]
//
// clap's generated `help` subcommand is off: `Command::Help` serves both the help topics and
// `leadctl help COMMAND...` (commands::help). Help text wraps to the terminal, at most 100
// columns (COLUMNS overrides the terminal's width; the help snapshots set it).
#[command(
    name = "leadctl",
    version,
    after_help = AFTER_HELP,
    max_term_width = 100,
    disable_help_subcommand = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Options accepted before or after any subcommand.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Config profile to use [env: LEADCTL_PROFILE] (default: the config's default_profile, else "default")
    #[arg(short = 'p', long, global = true, value_name = "NAME")]
    pub profile: Option<String>,

    /// API endpoint [env: LEADCTL_API_URL] [default: https://data.keenpartner.com/functions/v1/keen-api]
    #[arg(long, global = true, value_name = "URL")]
    pub api_url: Option<String>,

    /// Extra PEM root certificates, added to the system's (TLS-intercepting proxies) [env: LEADCTL_CA_BUNDLE]
    #[arg(long, global = true, value_name = "FILE")]
    pub ca_bundle: Option<PathBuf>,

    /// Run against the built-in emulator of the API, started for this one command; needs no key or
    /// config [env: LEADCTL_SANDBOX=1]
    #[arg(long, global = true)]
    pub sandbox: bool,

    /// Where leadctl remembers the leads it created, so each is created once: a SQLite file, or
    /// a postgres:// URL many machines share [env: LEADCTL_LEDGER, else the profile's ledger,
    /// else ledger.sqlite3 in the data directory; in memory with --sandbox]
    #[arg(
        long,
        global = true,
        value_name = "PATH|URL",
        conflicts_with = "no_ledger"
    )]
    pub ledger: Option<PathBuf>,

    /// Remember nothing: leads created by earlier runs are created again
    #[arg(long, global = true)]
    pub no_ledger: bool,

    /// Output format for data on stdout [env: LEADCTL_OUTPUT] [default: table]
    #[arg(short = 'o', long, global = true, value_enum, value_name = "FORMAT")]
    pub output: Option<OutputFormat>,

    /// Per-request timeout in seconds [default: 30]
    #[arg(long, global = true, value_name = "SECS", value_parser = parse_seconds)]
    pub timeout: Option<f64>,

    /// Print less on stderr: no progress, notices or retry announcements (errors still print)
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print more on stderr; -v logs every request and response with the API key redacted
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// When to use colour on stdout and stderr [env: NO_COLOR turns it off, CLICOLOR_FORCE on]
    /// [default: auto]
    #[arg(long, global = true, value_enum, value_name = "WHEN")]
    pub color: Option<ColorChoice>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Only on a terminal, unless NO_COLOR is set (off) or CLICOLOR_FORCE is (on)
    Auto,
    /// Always, even into a pipe or a file
    Always,
    /// Never
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create one lead from flags, or several from JSON (fires reward triggers and webhooks)
    #[command(after_help = CREATE_HELP)]
    Create(Box<CreateArgs>),

    /// Create leads from the rows of a CSV file or workbook (fires reward triggers and webhooks
    /// per lead)
    #[command(after_help = IMPORT_HELP)]
    Import(Box<ImportArgs>),

    /// Write an empty file to start an import from: a header row with every lead field and the
    /// channel's properties
    #[command(after_help = TEMPLATE_HELP)]
    Template(TemplateArgs),

    /// List the channels your key can access, or show one with its properties and statuses
    #[command(after_help = "\
Examples:
  leadctl channels
  leadctl channels -o json | jq '.[].id'
  leadctl channels show 'Acme Referral Program'
  leadctl channels show a1b2c3d4-e5f6-7890-abcd-ef1234567890")]
    Channels(ChannelsArgs),

    /// List, read, update and move leads through statuses
    #[command(
        subcommand,
        after_help = "\
Examples:
  leadctl leads list --channel a1b2c3d4-e5f6-7890-abcd-ef1234567890 -o id | head -5
  leadctl leads get 9b2f6c1e-3d4a-4b5c-8d7e-1f2a3b4c5d6e -o json
  leadctl leads status 9b2f6c1e-3d4a-4b5c-8d7e-1f2a3b4c5d6e Qualified"
    )]
    Leads(LeadsCommand),

    /// Record purchases on leads (fires purchase reward triggers)
    #[command(
        subcommand,
        after_help = "Example:\n  leadctl purchases create --lead 9b2f6c1e-3d4a-4b5c-8d7e-1f2a3b4c5d6e --amount 1250.50 --product 'Pro plan'"
    )]
    Purchases(PurchasesCommand),

    /// Execute a plan saved by `--dry-run --plan-out PLAN` (import, purchases import, create):
    /// exactly its writes, each once (fires reward triggers and webhooks per write)
    #[command(after_help = APPLY_HELP)]
    Apply(ApplyArgs),

    /// Send any API action, raw, with leadctl's key handling, errors and output (like `gh api`)
    #[command(after_help = API_HELP)]
    Api(ApiArgs),

    /// Inspect and manage the ledger: every lead leadctl created, so each is created once
    #[command(
        subcommand,
        after_help = "\
The ledger keys each lead by channel and identity (business id, else email, else a hash of its
fields) under the API URL. `import` and `create` consult it before every create.

A ledger new to a channel whose newest-leads window is full (get_leads shows 100 leads, so older
ones cannot be checked) stops `import` before its first create (exit 3; a terminal asks): share
the team's ledger (--ledger postgres://..., or `ledger copy` it), `ledger adopt` an export of the
channel's leads, or pass --new-ledger to accept that leads created elsewhere may be created again.

Examples:
  leadctl ledger status
  leadctl ledger list --state unknown -o csv
  leadctl ledger adopt existing-leads.csv     # leads made before leadctl: never created again
  leadctl ledger forget --channel a1b2c3d4-e5f6-7890-abcd-ef1234567890 --state failed
  leadctl ledger export > ledger.ndjson && leadctl --ledger other.sqlite3 ledger import ledger.ndjson"
    )]
    Ledger(LedgerCommand),

    /// Run the built-in emulator of the KeenPartner API
    #[command(
        subcommand,
        after_help = "\
Examples:
  leadctl sandbox serve
  leadctl --sandbox create --email jane@example.com    # a one-off emulator for one command"
    )]
    Sandbox(SandboxCommand),

    /// Show and change the config file: profiles, API keys, and where each setting comes from
    #[command(subcommand, after_help = CONFIG_HELP)]
    Config(ConfigCommand),

    /// Print a shell completion script
    #[command(after_help = COMPLETIONS_HELP)]
    Completions {
        /// The shell to generate the script for
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },

    /// Print the manual page (roff), generated from this same command-line definition
    #[command(after_help = "\
Examples:
  leadctl man | man -l -
  leadctl man > ~/.local/share/man/man1/leadctl.1    # then: man leadctl")]
    Man,

    /// Show a help topic (environment, exit-codes, columns) or a command's help
    #[command(after_help = "\
Topics:
  environment  Every environment variable leadctl reads, and the precedence rule
  exit-codes   What each exit status means, for scripts and CI jobs
  columns      The column names import recognises for each lead field

Examples:
  leadctl help environment
  leadctl help exit-codes
  leadctl help leads list      # the same as: leadctl leads list --help")]
    Help {
        /// A topic (environment, exit-codes, columns) or a command, e.g. `import` or `leads list`
        #[arg(value_name = "TOPIC|COMMAND")]
        topic: Vec<String>,
    },
}

const COMPLETIONS_HELP: &str = "\
Examples:
  leadctl completions bash > ~/.local/share/bash-completion/completions/leadctl
  leadctl completions zsh > ~/.zfunc/_leadctl     # with fpath+=(~/.zfunc) before compinit
  leadctl completions fish > ~/.config/fish/completions/leadctl.fish
  leadctl completions powershell >> $PROFILE
  leadctl completions elvish > ~/.config/elvish/lib/leadctl.elv   # then: use leadctl

The same scripts are in the source tree's completions/ directory.";

const CREATE_HELP: &str = "\
Every lead created fires the channel's `new_lead` reward triggers, its webhook and an in-app
notification (with --public: the reward triggers only). A create is retried automatically only
when the server provably did not process it (connection refused, 429, platform boot errors);
after a timeout or a 5xx the outcome is reported as unknown and never retried silently.

Examples:
  leadctl create --channel a1b2c3d4-e5f6-7890-abcd-ef1234567890 \\
      --email jane@example.com --first-name Jane --last-name Smith --property 'Deal size=50000'
  leadctl create --json lead.json --email override@example.com
  cat leads.ndjson | leadctl create --json - -o id
  leadctl create --public --channel UUID --email visitor@example.com
  leadctl create --dry-run --email jane@example.com";

const CONFIG_HELP: &str = "\
Every subcommand works on the active profile: -p/--profile, else LEADCTL_PROFILE, else the
file's default_profile, else \"default\". Keys: api_key (only through set-key), api_url, channel,
timeout, concurrency, output, ca_bundle. The file is written with mode 0600, atomically, keeping
its comments and order; LEADCTL_CONFIG names another file.

Examples:
  leadctl config set-key --profile staging < staging.key
  leadctl config set --profile staging api_url https://staging.example/functions/v1/keen-api
  leadctl config use staging
  leadctl config list -o json";

const TEMPLATE_HELP: &str = "\
The columns are the lead fields (Email, First Name, ..., Business ID) and then the channel's custom
properties by name, so `leadctl import` maps every one of them. In an .xlsx the lead fields are
text cells (leading zeros and long phone numbers stay as typed) and a select property whose
definition lists its options gets a drop-down (its options on a hidden sheet, which import passes
over). A CSV file, or CSV through a pipe or a redirect, starts with a BOM, so Excel opens it as
UTF-8 (on a terminal it has none).

Examples:
  leadctl template --channel 'Acme Referral Program' -o xlsx leads.xlsx
  leadctl template > leads.csv                       # the default channel, as CSV
  leadctl template --channel a1b2c3d4-e5f6-7890-abcd-ef1234567890 leads.csv";

const APPLY_HELP: &str = "\
A plan holds the API URL it was made against, the ledger, its inputs' checksums and each write
(its ledger key, the exact request body, the row it came from). apply sends nothing else: a
write whose key another run created since is skipped as stale, a plan applied twice sends
nothing the second time, a plan made against another API URL or ledger is refused (exit 3), and
rows added to the input after planning are not sent (the input is never read again). Results,
summary, --report and exit codes as import. Format and guarantees: doc/plan.md.

Examples:
  leadctl import day2.csv --dry-run --plan-out day2.plan.json
  jq '.writes | length' day2.plan.json        # review or gate
  leadctl apply day2.plan.json -o ndjson";

const IMPORT_HELP: &str = "\
The file is read and every row checked before the first lead is sent: encoding (UTF-8 with or
without a BOM, UTF-16 with a BOM, else Windows-1252), delimiter (, ; tab |), column mapping,
emails, UUIDs and property names. Any invalid row stops the import with every problem listed by
row and column, unless --skip-invalid. From stdin (FILE = -), rows are checked as they stream:
an invalid row stops the import there, and rows before it have been sent.

A workbook (.xlsx, .xlsm, .xlsb, .xls, .ods, recognised by its content) is read directly: its only
sheet with data, or --sheet NAME|N; the first non-empty row is the header, or --header-row N below
a title block. Cells read as shown: whole numbers without .0, text as typed (leading zeros kept),
dates as ISO 8601, formulas by their last computed value; an error cell (#N/A) makes its row
invalid, and problems name the sheet and cell (Leads!C12). Other binary files (a PDF, a zip,
gzip) are refused, saying what they are.

Columns map to lead fields by name, ignoring case, spaces and punctuation, with common aliases
(E-mail, Given Name, Surname, Organisation, Mobile, Lead Source, CRM ID, ...). A column named after
one of the channel's property definitions, or `property:NAME_OR_UUID`, becomes a custom property.
A channel_id column sets each row's channel. --map COLUMN=FIELD overrides, where FIELD is a lead
field, channel_id, property:NAME_OR_UUID or ignore.

From a database: --query SQL (or --query-file FILE) --from URL reads the rows of a read-only query
on PostgreSQL (postgres://...) or SQLite (sqlite:PATH) instead of a file; its column names are the
header, NULL is an empty cell, and everything above applies. {{last_success}} in the query is bound
(as a parameter) to the start of this query's last run that exited 0, else --since, else the epoch.

Every lead created fires the channel's new_lead reward triggers, its webhook and a notification.

Examples:
  leadctl import leads.csv --dry-run -o ndjson
  leadctl import export.csv --map 'Kundennummer=business_id' --map 'Intern=ignore'
  leadctl import leads.csv --encoding windows-1252 --delimiter ';'
  leadctl import report.xlsx --sheet Leads --header-row 4 --dry-run
  cat leads.csv | leadctl import - --channel a1b2c3d4-e5f6-7890-abcd-ef1234567890
  leadctl import --from postgres://crm@db/crm --query 'SELECT email, first_name FROM leads WHERE updated_at >= {{last_success}}'";

const API_HELP: &str = "\
The body is {\"action\": ACTION} plus the fields of --input (a JSON object), then each -f
(a string) and -F (a JSON value) in order. The key is sent as for any command (never for
lead_external). get_* actions and update_lead are retried like reads; every other action only
when the server provably did not process it. Actions that create leads, change statuses or record
purchases fire rewards, webhooks and notifications exactly as the dedicated commands do.

Output: the answer as JSON (-o json, and -o table); -o ndjson prints one line per item of a list
answer (get_leads, the channels of get_channels); -o csv one row per item, or for one lead or
purchase one row, nested values as JSON; -o id the ids (lead.id, purchase.id, or each item's).

Examples:
  leadctl api get_channels
  leadctl api get_leads -f channel_id=a1b2c3d4-e5f6-7890-abcd-ef1234567890
  leadctl api get_lead_by_legacy_id -F legacy_id=100001
  leadctl api update_lead -f lead_id=LEAD_ID -F 'properties=[{\"property_definitions_id\":\"UUID\",\"value\":\"1\"}]'
  echo '{\"lead_id\": \"LEAD_ID\"}' | leadctl api get_lead_by_id --input -";

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
