//! The command-line surface, as clap derive types and nothing else: no I/O, no environment
//! reads. `settings.rs` turns these into a resolved `Settings` before any work starts.
//!
//! Names follow `shared/CLI.md`, which users script against: add freely, rename nothing.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const AFTER_HELP: &str = "\
Examples:
  leadctl --sandbox create --email jane@example.com --first-name Jane
  leadctl create --channel a1b2c3d4-e5f6-7890-abcd-ef1234567890 --email jane@example.com
  leadctl create --json leads.ndjson -o id
  leadctl sandbox serve --latency-ms 50
  leadctl config list

The API key is read from LEADCTL_API_KEY, LEADCTL_API_KEY_FILE or the config profile,
never from a flag. Exit codes: 0 ok, 2 usage, 3 configuration, 4 auth (401),
5 permission (403), 6 invalid input (400/404), 7 network/server, 8 partial, 130 Ctrl-C.";

/// Create sales leads in KeenPartner from the command line.
#[derive(Debug, Parser)]
#[command(name = "leadctl", version, after_help = AFTER_HELP, max_term_width = 100)]
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

    /// When to use colour [env: NO_COLOR disables it] [default: auto]
    #[arg(long, global = true, value_enum, value_name = "WHEN")]
    pub color: Option<ColorChoice>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Human-readable table (default)
    Table,
    /// The API objects as JSON (an array when there are several)
    Json,
    /// One JSON object per line
    Ndjson,
    /// Comma-separated values with a header row
    Csv,
    /// Only the id, one per line
    Id,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create one lead from flags, or several from JSON (fires reward triggers and webhooks)
    #[command(after_help = CREATE_HELP)]
    Create(CreateArgs),

    /// Run the built-in emulator of the KeenPartner API
    #[command(subcommand)]
    Sandbox(SandboxCommand),

    /// Show and change the config file: profiles, API keys, and where each setting comes from
    #[command(subcommand, after_help = CONFIG_HELP)]
    Config(ConfigCommand),

    /// Print a shell completion script
    #[command(
        after_help = "Example:\n  leadctl completions bash > ~/.local/share/bash-completion/completions/leadctl"
    )]
    Completions {
        /// The shell to generate the script for
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

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

/// `leadctl config ...`: see CLI.md. KEY is checked at run time (not by clap) so that an unknown
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

    /// Print a key's value as stored in the profile (api_key masked)
    #[command(after_help = "Example:\n  leadctl config get channel --profile staging")]
    Get {
        /// One of api_key, api_url, channel, timeout, concurrency, output, ca_bundle
        #[arg(value_name = "KEY")]
        key: String,
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
    pub fn is_empty(&self) -> bool {
        self.pairs().next().is_none()
    }

    /// The fields that were given, by their API name.
    pub fn pairs(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            ("email", &self.email),
            ("first_name", &self.first_name),
            ("last_name", &self.last_name),
            ("phone", &self.phone),
            ("company_name", &self.company),
            ("source", &self.source),
            ("employee", &self.employee),
            ("notes", &self.notes),
            ("business_id", &self.business_id),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.as_deref().map(|v| (name, v)))
    }
}

#[derive(Debug, Clone, Default, Args)]
pub struct CreateArgs {
    /// The channel to create the lead in [env: LEADCTL_CHANNEL, else the profile's channel]
    #[arg(long, value_name = "UUID")]
    pub channel: Option<String>,

    /// Read leads in the API's field names from FILE (`-` = stdin): one object, an array, or one
    /// object per line; for a single object, flags override its fields
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// Send `lead_external` instead: no API key is sent; the channel must have its public API enabled
    #[arg(long)]
    pub public: bool,

    /// Validate and print the exact request body(ies) as JSON on stdout; send nothing
    #[arg(long)]
    pub dry_run: bool,

    #[command(flatten)]
    pub fields: LeadFieldArgs,

    /// A custom property; KEY is a property definition UUID or its name on the channel (repeatable)
    #[arg(long = "property", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub properties: Vec<(String, String)>,
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

    /// Seed for the fault injection, for repeatable runs
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// Keep the data in FILE across restarts (written atomically)
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
}

fn parse_key_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!("expected KEY=VALUE, got {s:?}")),
    }
}

fn parse_probability(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(format!("expected a probability between 0 and 1, got {s:?}")),
    }
}

fn parse_seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(t) if t > 0.0 && t.is_finite() && t <= 86_400.0 => Ok(t),
        _ => Err(format!(
            "expected a number of seconds greater than 0, got {s:?}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn key_value_pairs() {
        assert_eq!(parse_key_value("a=b=c"), Ok(("a".into(), "b=c".into())));
        assert_eq!(
            parse_key_value("Deal size="),
            Ok(("Deal size".into(), String::new()))
        );
        assert!(parse_key_value("novalue").is_err());
        assert!(parse_key_value("=x").is_err());
    }

    #[test]
    fn probabilities_and_seconds() {
        assert_eq!(parse_probability("0.05"), Ok(0.05));
        assert!(parse_probability("1.5").is_err());
        assert!(parse_seconds("0").is_err());
        assert_eq!(parse_seconds("0.5"), Ok(0.5));
    }
}
