//! `leadctl import FILE`: CSV or workbook rows to leads, exactly once through the ledger.
//!
//! The engine takes plain [`Options`] and [`Services`] (never clap types): `prepare` opens the
//! input, detects what it is (a CSV's encoding and delimiter, a workbook's sheet) and maps the
//! header and chooses the run's row mapper (`flow::RowKind`: lead rows or purchase rows); `check`
//! validates every row of a file before anything is sent; `session` sends through the engine's
//! pipeline (the reader in `send` hands each row to its mapper, which decides it: a lead's through
//! `lead::bulk`; a worker sends it in `worker`) and ends the run through `deliver::ending`, told
//! through the collector (`collect::Watch`: results, settling, the account in `summary`'s words).
//! A regular file is read again for each pass,
//! so memory does not grow with its size; a stream (stdin, a pipe, a FIFO) is read once and its
//! rows are checked as they arrive.

pub mod check;
pub mod collect;
pub mod columns;
pub mod flow;
pub mod lead_file;
pub mod lead_plan;
pub mod mapping;
pub mod order;
pub mod plan;
pub mod plan_out;
pub mod prepare;
pub mod progress;
pub mod purchase;
pub mod query;
pub mod read;
pub mod report;
pub mod send;
pub mod session;
pub mod settle;
pub mod status;
pub mod summary;
pub mod validate;
pub mod worker;

use std::path::PathBuf;

use anyhow::Result;

use crate::api::ApiClient;
use crate::error::Failure;
use crate::identity::KeyKind;
use crate::ledger::{Ledger, Location};
use crate::log::Log;
use crate::output::Output;
use crate::output::OutputFormat;
use read::Source;

pub use crate::output::fmt_count;
pub use lead_file::{read_leads, LeadFile, LeadRow, LeadsRead};

/// What a bulk run of rows asked for (`import`, `purchases import`), checked and plain: where the
/// rows come from and how they are read, how they are sent, what is said of them. What a lead
/// import asks besides is [`Leads`]; a purchases import's own is `purchase::Options`.
#[derive(Debug, Clone)]
pub struct Options {
    /// The file (`-` = stdin); unused when `query` is given.
    pub input: PathBuf,
    /// `--query SQL --from URL`: rows from a database instead of a file.
    pub query: Option<query::Query>,
    /// `--map COLUMN=FIELD`.
    pub map: Vec<(String, String)>,
    pub ignore_unknown: bool,
    pub skip_invalid: bool,
    pub dry_run: bool,
    pub encoding: Option<String>,
    pub delimiter: Option<u8>,
    /// `--sheet NAME|N`: the workbook sheet to read.
    pub sheet: Option<String>,
    /// `--header-row N`: the 1-based row holding the column names (below a title block).
    pub header_row: Option<u64>,
    /// `--concurrency auto|N`.
    pub concurrency: crate::deliver::setting::Concurrency,
    /// `--max-concurrency`: the most `auto` goes to.
    pub max_concurrency: usize,
    pub rate: Option<f64>,
    pub shard: Option<(u64, u64)>,
    pub max_errors: Option<u64>,
    pub retry_unknown: bool,
    pub retry_failed: bool,
    pub errors: Option<PathBuf>,
    pub format: OutputFormat,
    /// The command line that runs this import again (shown to resume).
    pub resume: String,
    /// `--max-create`, `--max-changes` (else the mapping file's, then the profile's).
    pub limits: crate::plan::Limits,
    /// `--plan-out FILE` (with `--dry-run`): where to save the plan (`plan_out`).
    pub plan_out: Option<PathBuf>,
    /// A lead import's own options; None for rows that are not leads (purchases).
    pub leads: Option<Leads>,
}

/// What a lead import asks for besides a bulk run's [`Options`].
#[derive(Debug, Clone)]
pub struct Leads {
    /// `--set FIELD=VALUE`: a constant for every row.
    pub set: Vec<(String, String)>,
    /// `--mapping FILE.toml`, read and checked (its key is merged into `key` by the command).
    pub mapping: Option<mapping::file::MappingFile>,
    /// `--save-mapping FILE.toml`: where to write the mapping this run used.
    pub save_mapping: Option<PathBuf>,
    /// How number property values are read: `--decimal-separator`, else the profile's; `None`:
    /// only values with one reading are accepted (`crate::number`).
    pub decimal_separator: Option<crate::number::DecimalSeparator>,
    pub update: bool,
    /// `--clear-empty`: an emptied cell clears the field (`write.rs`).
    pub clear_empty: bool,
    pub key: Option<KeyKind>,
    /// `--reconcile`: only settle what earlier runs left unknown.
    pub reconcile: bool,
    /// A ledger new to a channel with a full newest-leads window: stop, go on or ask.
    pub fresh: crate::lead::known::Fresh,
}

impl Leads {
    /// A run whose rows are not leads: no lead option asked for.
    pub const NONE: Leads = Leads {
        set: Vec::new(),
        mapping: None,
        save_mapping: None,
        decimal_separator: None,
        update: false,
        clear_empty: false,
        key: None,
        reconcile: false,
        fresh: crate::lead::known::Fresh::Go,
    };
}

impl Options {
    /// The lead options ([`Leads::NONE`] for rows that are not leads).
    pub fn leads(&self) -> &Leads {
        static NONE: Leads = Leads::NONE;
        self.leads.as_ref().unwrap_or(&NONE)
    }

    /// What decides the mapping besides the names: the mapping file's, then the flags'.
    pub fn rules(&self) -> mapping::Rules {
        let leads = self.leads();
        let mut rules = leads
            .mapping
            .as_ref()
            .map(|m| m.rules.clone())
            .unwrap_or_default();
        rules.add_flags(&self.map, &leads.set);
        rules
    }
}

/// What the engine gets from outside: the logger, the default channel, the client and the
/// ledger's place.
pub struct Services<'a> {
    pub log: &'a Log,
    /// The default channel and where it came from, or why there is none.
    pub channel: Result<(String, String), Failure>,
    /// `Ok` when an API key is set, else the failure that says how to set one.
    pub key: Result<(), Failure>,
    /// Builds a client (reading) or the sending client (patient with 429s).
    pub client: &'a (dyn Fn(bool) -> Result<ApiClient> + Sync),
    pub api_url: String,
    /// `None` with `--no-ledger`.
    pub ledger: Option<Location>,
    /// Hears how the run ended (counts, rows needing attention, timings): the run report.
    pub recorder: Option<std::sync::Arc<crate::report::Recorder>>,
}

impl Services<'_> {
    /// The ledger for this run, or none (`--no-ledger`, said as a warning).
    pub fn open_ledger(&self) -> Result<Option<Ledger>, Failure> {
        match &self.ledger {
            Some(location) => Ledger::open(location).map(Some),
            None => {
                self.log.warn(
                    "--no-ledger: nothing is remembered, so leads created by earlier runs are created \
                     again, and an interrupted run cannot be resumed without duplicates",
                );
                Ok(None)
            }
        }
    }
}

pub fn run(opts: &Options, services: &Services<'_>, out: &mut Output) -> Result<()> {
    let source = source(opts, services)?;
    let (prepared, rows) = prepare::prepare(opts, services, source, true)?;
    session::run(opts, services, &prepared, rows, out)
}

/// Where the rows come from: the query's result (run now, spilled), else the file or stream.
pub fn source(opts: &Options, services: &Services<'_>) -> Result<Source> {
    let Some(q) = &opts.query else {
        return Ok(Source::from_arg(&opts.input));
    };
    let since = match q.uses_last_success() {
        true => Some(last_success(q, services)?),
        false => None,
    };
    let spilled = query::run(q, since.as_ref(), services.log)?;
    Ok(Source::Query(std::sync::Arc::new(spilled)))
}

/// What `{{last_success}}` is bound to: the start of the last run of the same query that
/// exited 0 (the ledger's run history), else `--since`, else the Unix epoch.
fn last_success(q: &query::Query, services: &Services<'_>) -> Result<query::Since> {
    if let Some(location) = &services.ledger {
        // Only the run history is read: the run's own open checks the entries before sending.
        let ledger = crate::ledger::Ledger::open_unchecked(location)?;
        if let Some(t) = ledger.last_success(&q.history)? {
            let at = t
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
            return Ok(query::Since {
                at,
                why: "the start of the last successful run of this query".into(),
            });
        }
    }
    let first = if services.ledger.is_some() {
        "no earlier successful run of this query in the ledger"
    } else {
        "--no-ledger keeps no run history"
    };
    Ok(match q.since {
        Some(at) => query::Since {
            at,
            why: format!("--since: {first}"),
        },
        None => query::Since {
            at: 0,
            why: format!("the Unix epoch: {first}, and no --since"),
        },
    })
}
