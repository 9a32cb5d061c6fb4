//! `leadctl ledger ...`'s arguments (doc/ledger.md).

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::cli::parse::parse_key_value;

#[derive(Debug, Clone, Subcommand)]
pub enum LedgerCommand {
    /// Print where the ledger is (--ledger, LEADCTL_LEDGER, the profile's ledger, or the default)
    #[command(
        after_help = "Example:\n  leadctl ledger path\n  leadctl --profile staging ledger path"
    )]
    Path,
    /// Count the ledger's leads, status moves and purchases by API URL, channel and state
    #[command(after_help = "Examples:\n  leadctl ledger status\n  leadctl ledger status -o json")]
    Status,
    /// List the ledger's keys (-o table, csv, json or ndjson)
    #[command(after_help = "\
Keys are of the current API URL unless --all-urls. A key is `business_id:…`, `email:…` or
`fields:…` (a hash of all the lead's fields).

`--state unknown` lists every key a run would report unknown: the claims (`sending`) of runs
that ended before their answer too.

Examples:
  leadctl ledger list --state unknown
  leadctl ledger list --channel a1b2c3d4-e5f6-7890-abcd-ef1234567890 -o csv > keys.csv")]
    List(LedgerFilterArgs),
    /// Forget keys, so that the next import or create sends them again (asks on a terminal)
    #[command(after_help = "\
For when the server no longer has the leads (a reset sandbox, another account behind the same
URL). A forgotten key whose lead is still among the channel's newest 100 is found there and not
created again.

Examples:
  leadctl ledger forget email:ann@example.com
  leadctl ledger forget --channel a1b2c3d4-e5f6-7890-abcd-ef1234567890 --yes")]
    Forget(LedgerForgetArgs),
    /// Mark the leads of a CSV that already exist in KeenPartner as created, so imports skip them
    #[command(after_help = "\
FILE is a CSV of existing leads, e.g. `leadctl leads list -o csv` or an export from the app; its
columns are mapped as `import` maps them (--map COLUMN=FIELD), unknown columns are left out, and
an `id` or `lead_id` column gives each lead's id.

Example:
  leadctl leads list --channel a1b2c3d4-e5f6-7890-abcd-ef1234567890 -o csv > existing.csv
  leadctl ledger adopt existing.csv --channel a1b2c3d4-e5f6-7890-abcd-ef1234567890")]
    Adopt(LedgerAdoptArgs),
    /// Write the ledger's keys as NDJSON (a backup, or to move it)
    #[command(after_help = "Example:\n  leadctl ledger export > ledger-backup.ndjson")]
    Export(LedgerFilterArgs),
    /// Read keys written by `ledger export` (NDJSON; `-` = stdin); existing keys are overwritten
    #[command(after_help = "\
Every line is checked before anything is written.

Example:
  leadctl --ledger /mnt/shared/ledger.sqlite3 ledger import ledger-backup.ndjson")]
    Import(LedgerImportArgs),
    /// List the runs recorded in the ledger, newest first, or show one (`runs show ID`)
    #[command(after_help = "\
Each import, create and purchases import records itself when it ends: start, end, host,
command, inputs, counts, exit code and its run report (the --report document). The newest 1000
runs are kept, none older than 90 days. On a shared PostgreSQL ledger every machine's runs show.

Examples:
  leadctl ledger runs
  leadctl ledger runs -n 5 -o json
  leadctl ledger runs show 3f2a9c1e")]
    Runs(LedgerRunsArgs),
    /// Copy every key of one ledger into another: a SQLite file to PostgreSQL, or back
    #[command(after_help = "\
FROM and TO are each a SQLite file or a postgres:// URL (its password from the URL,
LEADCTL_LEDGER_PASSWORD_FILE or PGPASSWORD). Keys of every API URL are copied; a key TO has
already is kept unless FROM's entry of it is newer. FROM is not changed.

Examples:
  leadctl ledger copy ~/.local/share/leadctl/ledger.sqlite3 postgres://leadctl@db.example/leads?sslmode=verify-full
  leadctl ledger copy postgres://leadctl@db.example/leads ledger-copy.sqlite3")]
    Copy(LedgerCopyArgs),
}

#[derive(Debug, Clone, Args)]
pub struct LedgerCopyArgs {
    /// The ledger to read: a SQLite file or a postgres:// URL
    #[arg(value_name = "FROM")]
    pub from: String,
    /// The ledger to write (created when absent): a SQLite file or a postgres:// URL
    #[arg(value_name = "TO")]
    pub to: String,
}

#[derive(Debug, Clone, Args)]
pub struct LedgerFilterArgs {
    /// Only this channel's keys (its id)
    #[arg(long, value_name = "UUID")]
    pub channel: Option<String>,
    /// Only keys in this state: sending, created, failed, unknown
    #[arg(long, value_name = "STATE", value_parser = crate::cli::parse::parse_ledger_state)]
    pub state: Option<crate::ledger::State>,
    /// Keys of every API URL, not only the current one's
    #[arg(long)]
    pub all_urls: bool,
}

#[derive(Debug, Clone, Args)]
pub struct LedgerForgetArgs {
    /// The keys to forget, as `ledger list` shows them (e.g. email:ann@example.com)
    #[arg(value_name = "KEY")]
    pub keys: Vec<String>,
    #[command(flatten)]
    pub filter: LedgerFilterArgs,
    /// Do not ask (needed when stdin is not a terminal)
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Debug, Clone, Args)]
pub struct LedgerAdoptArgs {
    /// A CSV file of leads that exist in KeenPartner
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The channel for rows without a channel_id column: its id or title [env: LEADCTL_CHANNEL,
    /// else the profile's]
    #[arg(long, value_name = "CHANNEL")]
    pub channel: Option<String>,
    /// Map a column to a field, as in `import` (repeatable)
    #[arg(long, value_name = "COLUMN=FIELD", value_parser = parse_key_value)]
    pub map: Vec<(String, String)>,

    /// What identifies a lead [default: business_id, else email, else a hash of all its fields]
    #[arg(long, value_name = "KIND", value_parser = crate::cli::parse::parse_key_kind)]
    pub key: Option<crate::ledger::KeyKind>,
}

#[derive(Debug, Clone, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct LedgerRunsArgs {
    /// How many runs to list (the newest)
    #[arg(short = 'n', long = "limit", value_name = "N", default_value_t = 20)]
    pub limit: u64,
    #[command(subcommand)]
    pub show: Option<LedgerRunsCommand>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum LedgerRunsCommand {
    /// Show one run's report (the document --report wrote), by its id or the id's first characters
    #[command(
        after_help = "Examples:\n  leadctl ledger runs show 3f2a9c1e\n  leadctl ledger runs show 3f2a9c1e | jq .counts"
    )]
    Show {
        /// The run's id (as `ledger runs` lists it) or a unique start of it
        id: String,
    },
}

#[derive(Debug, Clone, Args)]
pub struct LedgerImportArgs {
    /// An NDJSON file written by `ledger export` (`-` = stdin)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}
