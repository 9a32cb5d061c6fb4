//! The arguments of each subcommand, as clap derive types (their doc comments are the `--help`
//! text). No I/O; values are checked by the parsers in `parse.rs`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::parse::{
    parse_delimiter, parse_encoding, parse_key_value, parse_probability, parse_rate, parse_shard,
};
use crate::api::models::LeadFields;

mod apply;
mod ci;
mod ledger;
mod purchases;
pub use apply::ApplyArgs;
pub use ci::CiArgs;
mod query;
pub use ledger::{
    LedgerAdoptArgs, LedgerCommand, LedgerCopyArgs, LedgerFilterArgs, LedgerForgetArgs,
    LedgerImportArgs, LedgerRunsArgs, LedgerRunsCommand,
};
pub use purchases::{PurchaseArgs, PurchaseImportArgs, PurchasesCommand};
pub use query::QueryArgs;

/// `leadctl config ...`: see doc/cli.md. KEY is checked at run time (not by clap) so that an unknown
/// key is a configuration error (exit 3) that lists the valid ones.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the config file's path (LEADCTL_CONFIG, else the platform config directory)
    #[command(after_help = "Example:\n  $EDITOR \"$(leadctl config path)\"")]
    Path,

    /// Show the active profile's effective settings, each with where it came from (flag,
    /// environment, key file, config file or default), and the other profiles; keys are masked
    #[command(after_help = "\
Examples:
  leadctl config list
  LEADCTL_PROFILE=staging leadctl config list -o json | jq .settings.api_url")]
    List,

    /// Print a key's value as stored in the profile (api_key and a ledger URL's password masked)
    #[command(after_help = "Example:\n  leadctl config get channel --profile staging")]
    Get {
        /// One of api_key, api_url, channel, timeout, concurrency, output, ca_bundle
        #[arg(value_name = "KEY")]
        key: String,
        /// Print a ledger URL's password as stored (api_key stays masked: set-key replaces it)
        #[arg(long)]
        show_secret: bool,
    },

    /// Set a key in the profile, creating the profile and the file when needed (api_key: use set-key)
    #[command(after_help = "\
Examples:
  leadctl config set channel a1b2c3d4-e5f6-7890-abcd-ef1234567890
  leadctl config set --profile staging timeout 60
  leadctl config set ca_bundle /etc/ssl/corporate-root.pem")]
    Set {
        /// One of api_url, channel, timeout, concurrency, output, ca_bundle
        #[arg(value_name = "KEY")]
        key: String,
        /// The value; checked before anything is written
        #[arg(value_name = "VALUE", allow_hyphen_values = true)]
        value: String,
    },

    /// Remove a key from the profile
    #[command(after_help = "Example:\n  leadctl config unset --profile staging api_url")]
    Unset {
        /// One of api_key, api_url, channel, timeout, concurrency, output, ca_bundle
        #[arg(value_name = "KEY")]
        key: String,
    },

    /// Make a profile the default (sets default_profile; LEADCTL_PROFILE and -p still win)
    #[command(
        after_help = "Examples:\n  leadctl config use staging\n  leadctl config use --profile staging"
    )]
    Use {
        /// The profile; it must exist in the file [default: the --profile value]
        #[arg(value_name = "PROFILE")]
        name: Option<String>,
    },

    /// Store an API key in the profile: read from stdin, or prompted for without echo on a
    /// terminal, so it never lands in shell history. Must be a KeenPartner key (a UUID)
    #[command(after_help = "\
Examples:
  leadctl config set-key                         # prompts, input hidden
  leadctl config set-key --profile ci < /run/secrets/keenpartner_key
  pass show keenpartner/prod | leadctl config set-key --profile prod

Exit codes: 3 when the config file is invalid, 6 when what was read is not a UUID.")]
    SetKey,
}

/// Lead fields shared by `create` (and later `leads update`).
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Lead fields")]
pub struct LeadFieldArgs {
    /// The lead's email address
    #[arg(long, value_name = "EMAIL")]
    pub email: Option<String>,
    /// First name
    #[arg(long, value_name = "NAME")]
    pub first_name: Option<String>,
    /// Last name
    #[arg(long, value_name = "NAME")]
    pub last_name: Option<String>,
    /// Phone number
    #[arg(long, value_name = "PHONE")]
    pub phone: Option<String>,
    /// Company name (the API's company_name)
    #[arg(long, value_name = "NAME")]
    pub company: Option<String>,
    /// Where the lead came from, e.g. "Website" or "Referral"
    #[arg(long, value_name = "TEXT")]
    pub source: Option<String>,
    /// Employee at the referring company
    #[arg(long, value_name = "NAME")]
    pub employee: Option<String>,
    /// Free-text notes
    #[arg(long, value_name = "TEXT")]
    pub notes: Option<String>,
    /// Your external or CRM id for the lead
    #[arg(long, value_name = "ID")]
    pub business_id: Option<String>,
}

impl LeadFieldArgs {
    /// The fields that were given, under their API names (`--company` is `company_name`).
    pub fn to_fields(&self) -> LeadFields {
        LeadFields {
            email: self.email.clone(),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            phone: self.phone.clone(),
            company_name: self.company.clone(),
            source: self.source.clone(),
            employee: self.employee.clone(),
            notes: self.notes.clone(),
            business_id: self.business_id.clone(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.to_fields().is_empty()
    }
}

#[derive(Debug, Clone, Default, Args)]
pub struct CreateArgs {
    /// The channel to create the lead in: its id or title [env: LEADCTL_CHANNEL, else the
    /// profile's channel]
    #[arg(long, value_name = "CHANNEL")]
    pub channel: Option<String>,

    /// Read leads in the API's field names from FILE (`-` = stdin): one object, an array, or one
    /// object per line; for a single object, flags override its fields
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// Send `lead_external` instead: no API key is sent; the channel must have its public API enabled
    #[arg(long)]
    pub public: bool,

    /// Plan and send nothing: each lead decided against the ledger and the channel's newest
    /// leads (read, never written); the body of each request that would be sent as JSON on
    /// stdout, the leads left alone and the counts on stderr
    #[arg(long)]
    pub dry_run: bool,

    /// With --dry-run: save the plan to FILE (JSON, doc/plan.md) for `leadctl apply FILE`,
    /// which sends exactly its writes, once
    #[arg(long, value_name = "FILE", requires = "dry_run")]
    pub plan_out: Option<PathBuf>,

    /// Create another lead even when the ledger says this one's key was created already
    #[arg(long, conflicts_with = "update")]
    pub force: bool,

    /// For a lead created earlier whose fields changed since: send update_lead with the changed
    /// fields (no rewards fire) instead of only printing the existing lead. Only the fields
    /// given are sent
    #[arg(long)]
    pub update: bool,

    /// With --update: clear a field given empty (--phone "", --property Region=, a JSON "" or
    /// null); by default an empty value is left as it is on the server (and never sent in a create)
    #[arg(long, requires = "update")]
    pub clear_empty: bool,

    /// Send a lead an earlier run sent without a reliable answer (it may exist already)
    #[arg(long)]
    pub retry_unknown: bool,

    /// What identifies a lead within its channel [default: business_id, else email, else a hash
    /// of all its fields]
    #[arg(long, value_name = "KIND", value_parser = super::parse::parse_key_kind)]
    pub key: Option<crate::ledger::KeyKind>,

    #[command(flatten)]
    pub fields: LeadFieldArgs,

    /// A custom property; KEY is a property definition UUID or its name on the channel (repeatable)
    #[arg(long = "property", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub properties: Vec<(String, String)>,

    /// The decimal separator of number property values: , (1.234,50) or . (1,234.50) [default:
    /// the profile's decimal_separator; without one, values that read differently under the two
    /// are refused]
    #[arg(long, value_name = ",|.", value_parser = super::parse::parse_decimal_separator)]
    pub decimal_separator: Option<crate::number::DecimalSeparator>,

    #[command(flatten)]
    pub ci: CiArgs,
}

#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// The CSV file or workbook (.xlsx, .xlsm, .xlsb, .xls, .ods; `-` = stdin); a header row is
    /// required. Not with --query
    #[arg(
        value_name = "FILE",
        required_unless_present_any = ["query", "query_file"],
        conflicts_with_all = ["query", "query_file"]
    )]
    pub file: Option<PathBuf>,

    #[command(flatten)]
    pub source: QueryArgs,

    /// The channel for rows without a channel_id column: its id or title [env: LEADCTL_CHANNEL,
    /// else the profile's]
    #[arg(long, value_name = "CHANNEL")]
    pub channel: Option<String>,

    /// Map a column to a field: email, first_name, ..., channel_id, property:NAME_OR_UUID, ignore
    /// (repeatable)
    #[arg(long, value_name = "COLUMN=FIELD", value_parser = parse_key_value)]
    pub map: Vec<(String, String)>,

    /// Give every row a value: a lead field or property:NAME (repeatable); a column's value wins
    /// unless its cell is empty
    #[arg(long = "set", value_name = "FIELD=VALUE", value_parser = parse_key_value)]
    pub set: Vec<(String, String)>,

    /// Read a saved mapping (columns, ignored columns, constants, value maps, key, decimal
    /// separator, header row, [fields.NAME] write rules); options on the command line win over it
    #[arg(long, value_name = "FILE.toml")]
    pub mapping: Option<PathBuf>,

    /// Write the mapping this run used, for --mapping next time
    #[arg(long, value_name = "FILE.toml")]
    pub save_mapping: Option<PathBuf>,

    /// Leave columns that map to nothing out instead of stopping
    #[arg(long)]
    pub ignore_unknown: bool,

    /// Send the valid rows and report the invalid ones instead of stopping
    #[arg(long)]
    pub skip_invalid: bool,

    /// Plan the run and send nothing: each row decided against the ledger and the channel's
    /// newest leads (read, never written), the planned writes counted; -o ndjson prints each
    /// write's request body and each left-alone row's result
    #[arg(long)]
    pub dry_run: bool,

    /// With --dry-run: save the plan to FILE (JSON, doc/plan.md) for `leadctl apply FILE`,
    /// which sends exactly its writes, once
    #[arg(long, value_name = "FILE", requires = "dry_run")]
    pub plan_out: Option<std::path::PathBuf>,

    /// Go on although this ledger has never seen a channel whose newest-leads window is full
    /// (100 leads: older ones cannot be checked, so leads created elsewhere may be created
    /// again); without it such a run stops before the first create (exit 3), or asks on a
    /// terminal
    #[arg(long)]
    pub new_ledger: bool,

    /// The file's encoding, e.g. utf-8, utf-16le, windows-1252, latin1 [default: detected]
    #[arg(long, value_name = "NAME", value_parser = parse_encoding)]
    pub encoding: Option<String>,

    /// The delimiter: one character, or tab, comma, semicolon, pipe [default: detected]
    #[arg(long, value_name = "CHAR", value_parser = parse_delimiter)]
    pub delimiter: Option<u8>,

    /// The decimal separator of number property values: , (1.234,50) or . (1,234.50) [default:
    /// the profile's decimal_separator; without one, values that read differently under the two
    /// are invalid]
    #[arg(long, value_name = ",|.", value_parser = super::parse::parse_decimal_separator)]
    pub decimal_separator: Option<crate::number::DecimalSeparator>,

    /// The workbook's sheet: its name or its position (1 = the first) [default: the only sheet
    /// with data]
    #[arg(long, value_name = "NAME|N")]
    pub sheet: Option<String>,

    /// The row holding the column names, when a title block sits above it (1 = the first row)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub header_row: Option<u64>,

    #[command(flatten)]
    pub sending: SendingArgs,

    /// Replaced by the ledger (--ledger PATH, --no-ledger); kept to say so
    #[arg(long, value_name = "PATH", hide = true)]
    pub journal: Option<PathBuf>,

    /// Replaced by --no-ledger; kept to say so
    #[arg(long, hide = true)]
    pub no_journal: bool,

    /// What identifies a lead within its channel [default: business_id, else email, else a hash
    /// of all its fields; profile key `key`]; a row without the forced key is invalid
    #[arg(long, value_name = "KIND", value_parser = super::parse::parse_key_kind, help_heading = "Resuming")]
    pub key: Option<crate::ledger::KeyKind>,

    /// For leads created earlier whose fields changed since: send update_lead with the changed
    /// fields (no rewards fire) instead of reporting them as `changed`. Only what the file gives
    /// is sent: a column the file lacks is never blanked
    #[arg(long, conflicts_with = "reconcile", help_heading = "Resuming")]
    pub update: bool,

    /// With --update: clear a field on the server where its cell is empty (by default an
    /// emptied cell is left as it is on the server and counted in the summary)
    #[arg(long, requires = "update", help_heading = "Resuming")]
    pub clear_empty: bool,

    /// Re-send rows an earlier run sent without a reliable answer (they may exist already)
    #[arg(long, help_heading = "Resuming")]
    pub retry_unknown: bool,

    /// Re-send rows the server refused in an earlier run
    #[arg(long, help_heading = "Resuming")]
    pub retry_failed: bool,

    /// Only settle unknown rows: look them up among the channel's newest leads; send nothing
    #[arg(long, conflicts_with = "dry_run", help_heading = "Resuming")]
    pub reconcile: bool,

    /// Where to write the rows that were not created [default: FILE.errors.csv]
    #[arg(long, value_name = "PATH", help_heading = "Resuming")]
    pub errors: Option<PathBuf>,

    #[command(flatten)]
    pub ci: CiArgs,
}

#[derive(Debug, Clone, Args)]
pub struct TemplateArgs {
    /// The channel whose properties become columns: its id or title [env: LEADCTL_CHANNEL, else
    /// the profile's channel]
    #[arg(long, value_name = "ID_OR_TITLE")]
    pub channel: Option<String>,

    /// Where to write it, never over an existing file [default: stdout]. `-o xlsx` (or a name
    /// ending in .xlsx) writes an Excel workbook; `-o csv` or any other name, a CSV
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ChannelsArgs {
    #[command(subcommand)]
    pub command: Option<ChannelsCommand>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum ChannelsCommand {
    /// Show one channel: metadata, property definitions (id, name, type), lead statuses in order
    #[command(after_help = "\
Examples:
  leadctl channels show 'Acme Referral Program'
  leadctl channels show a1b2c3d4-e5f6-7890-abcd-ef1234567890 -o json | jq '.property_definitions'")]
    Show {
        /// The channel's id, or its title (case-insensitive)
        #[arg(value_name = "ID_OR_TITLE")]
        channel: String,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum LeadsCommand {
    /// List a channel's newest leads (the API returns at most the newest 100)
    #[command(after_help = "\
Examples:
  leadctl leads list --channel a1b2c3d4-e5f6-7890-abcd-ef1234567890
  leadctl leads list --channel 'Acme Referral Program' -o csv > leads.csv
  leadctl leads list -o json | jq '.[] | select(.status == \"Qualified\") | .email'")]
    List {
        /// The channel: its id, or its title (case-insensitive) [env: LEADCTL_CHANNEL, else the
        /// profile's channel]
        #[arg(long, value_name = "CHANNEL")]
        channel: Option<String>,
    },

    /// Show one lead by its id, or by its integer id from the legacy system
    #[command(after_help = "\
Examples:
  leadctl leads get 9b2f6c1e-3d4a-4b5c-8d7e-1f2a3b4c5d6e
  leadctl leads get --legacy-id 100001 -o id")]
    #[command(group(clap::ArgGroup::new("which").required(true).args(["lead_id", "legacy_id"])))]
    Get {
        /// The lead's id (a UUID)
        #[arg(value_name = "LEAD_ID")]
        lead_id: Option<String>,
        /// The lead's integer id in the legacy (pre-2026) system
        #[arg(long, value_name = "N")]
        legacy_id: Option<i64>,
    },

    /// Change a lead's fields and custom properties (no rewards, webhooks or notifications fire)
    #[command(after_help = "\
Only the fields given are changed. --employee is sent as referring_employee, as update_lead
documents.

Examples:
  leadctl leads update 9b2f6c1e-3d4a-4b5c-8d7e-1f2a3b4c5d6e --phone +1-555-0100
  leadctl leads update 9b2f6c1e-3d4a-4b5c-8d7e-1f2a3b4c5d6e --property 'Deal size=80000'")]
    Update(Box<LeadUpdateArgs>),

    /// Move a lead to a status, by name or id (fires status-change reward triggers and webhooks)
    #[command(after_help = "\
STATUS is a status name on the lead's channel (update_status) or a status id (update_status_id);
`leadctl channels show CHANNEL` lists them. Each change fires the channel's status_change reward
triggers, its status webhook and an in-app notification.

Examples:
  leadctl leads status 9b2f6c1e-3d4a-4b5c-8d7e-1f2a3b4c5d6e Qualified
  leadctl leads status 9b2f6c1e-3d4a-4b5c-8d7e-1f2a3b4c5d6e 5f0e1d2c-3b4a-4958-8776-655443322110")]
    Status {
        /// The lead's id
        #[arg(value_name = "LEAD_ID")]
        lead_id: String,
        /// A status name (e.g. "Qualified") or a status id
        #[arg(value_name = "STATUS")]
        status: String,
    },
}

#[derive(Debug, Clone, Args)]
pub struct LeadUpdateArgs {
    /// The lead's id
    #[arg(value_name = "LEAD_ID")]
    pub lead_id: String,

    #[command(flatten)]
    pub fields: LeadFieldArgs,

    /// A custom property; KEY is a property definition UUID or its name on the lead's channel
    /// (repeatable)
    #[arg(long = "property", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub properties: Vec<(String, String)>,
}

#[derive(Debug, Clone, Args)]
pub struct ApiArgs {
    /// The action's name, e.g. get_channels
    #[arg(value_name = "ACTION")]
    pub action: String,
    /// A string field: KEY=VALUE (repeatable)
    #[arg(short = 'f', long = "field", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub fields: Vec<(String, String)>,
    /// A JSON field: KEY=JSON, e.g. -F legacy_id=42 or -F 'trigger_ids=["..."]' (repeatable)
    #[arg(short = 'F', long = "raw-field", value_name = "KEY=JSON", value_parser = parse_key_value)]
    pub raw_fields: Vec<(String, String)>,
    /// Read the body's fields from a JSON object in FILE (`-` = stdin)
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    /// Serve the emulator on a loopback address until Ctrl-C
    #[command(after_help = "\
Examples:
  leadctl sandbox serve
  leadctl sandbox serve --addr 127.0.0.1:9000 --latency-ms 50 --drop-rate 0.05 --seed 7
  leadctl sandbox serve --state sandbox.json      # keep the data across restarts

Then, in another shell:
  LEADCTL_API_URL=http://127.0.0.1:8787/functions/v1/keen-api \\
  LEADCTL_API_KEY=<the key printed at start> leadctl create --channel <UUID> --email a@b.example")]
    Serve(ServeArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on (loopback only)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8787")]
    pub addr: String,

    /// Delay every answer by N milliseconds
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub latency_ms: u64,

    /// Answer this fraction of requests with 500 before processing them
    #[arg(long, value_name = "P", default_value_t = 0.0, value_parser = parse_probability)]
    pub error_rate: f64,

    /// Answer 429 with Retry-After past N requests a second
    #[arg(long, value_name = "N")]
    pub rate_limit: Option<u32>,

    /// Process this fraction of requests, then close the connection without answering
    #[arg(long, value_name = "P", default_value_t = 0.0, value_parser = parse_probability)]
    pub drop_rate: f64,

    /// Answer this fraction with 503 and `sb-error-code: BOOT_ERROR`, unprocessed
    #[arg(long, value_name = "P", default_value_t = 0.0, value_parser = parse_probability)]
    pub boot_error_rate: f64,

    /// Process at most N requests at once; the rest wait their turn, so latency grows with load
    /// (--latency-ms is each one's service time)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub capacity: Option<u32>,

    /// Past N requests in flight (waiting or processing), answer 546 WORKER_LIMIT: 7 in 10 before
    /// processing, 3 in 10 after it (the lead is created anyway: an unknown outcome)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub overload_at: Option<u32>,

    /// Seed for the fault injection, for repeatable runs
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// Keep the data in FILE across restarts (written atomically)
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
}

/// How many requests a run has in flight and how fast (the engine's gate, `deliver::gate`): one
/// declaration for every command that sends in bulk (`import`, `purchases import`, `apply`).
#[derive(Debug, Clone, Args)]
pub struct GateArgs {
    /// Requests in flight at once: auto (adapts to the server's latency, 429s and overload
    /// answers) or a fixed number from 1 to 256 [default: the profile's concurrency, else auto]
    #[arg(long, value_name = "auto|N", value_parser = crate::deliver::setting::parse_arg, help_heading = "Sending")]
    pub concurrency: Option<crate::deliver::setting::Concurrency>,

    /// The most requests in flight: auto never goes past it, and a fixed --concurrency N above it
    /// is refused (exit 2) [default: 32; with a fixed --concurrency N, N]
    #[arg(long, value_name = "N", value_parser = crate::deliver::setting::parse_max, help_heading = "Sending")]
    pub max_concurrency: Option<usize>,

    /// At most N requests a second
    #[arg(long, value_name = "N", value_parser = parse_rate, help_heading = "Sending")]
    pub rate: Option<f64>,
}

/// How a bulk run (`import`, `purchases import`) sends: one declaration for both.
#[derive(Debug, Clone, Args)]
pub struct SendingArgs {
    #[command(flatten)]
    pub gate: GateArgs,

    /// Only rows where (row - 1) mod N == K - 1, so N machines can split one file
    #[arg(long, value_name = "K/N", value_parser = parse_shard, help_heading = "Sending")]
    pub shard: Option<(u64, u64)>,

    /// Stop sending after N rows failed (or got no reliable answer)
    #[arg(long, value_name = "N", help_heading = "Sending", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_errors: Option<u64>,

    /// Send nothing when the plan would create more than N leads (exit 6) [default: the mapping
    /// file's max_create (import), else the profile's]
    #[arg(long, value_name = "N", help_heading = "Sending", value_parser = clap::value_parser!(u64))]
    pub max_create: Option<u64>,

    /// Send nothing when the plan would make more than N changes: updates, status moves and
    /// purchases (exit 6) [default: the mapping file's max_changes (import), else the profile's]
    #[arg(long, value_name = "N", help_heading = "Sending", value_parser = clap::value_parser!(u64))]
    pub max_changes: Option<u64>,
}
