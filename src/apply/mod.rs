//! `leadctl apply PLAN`: a saved plan's writes (`saved_plan`), and nothing else, delivered
//! exactly once through the engine (`deliver::deliver`: claim → send → record) and the ledger.
//! The plan is another source of works: each write's key, values and exact body come from the
//! file, and the ledger decides whether it still applies (what the plan expected of its key:
//! absent, or the failed/unknown entry a retry takes over). A write whose key moved on since (a
//! run created it meanwhile, or this plan was applied before) is not sent and is named. The
//! inputs are never read again: rows added to them after planning are not sent; a query the plan
//! was made from is not run again (its database is not even reached).
//!
//! Writes are sent through the engine's pipeline (`deliver::pipeline`, as an import's: its gate
//! `--concurrency`, `--rate`), a row's writes in order by one worker (a create, then its lead's
//! move), and the run ends as an import's (`deliver::ending`): Ctrl-C stops taking writes, lets
//! those in flight finish and record, and ends with the account (`account`, exit 130).

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Result;

use crate::deliver::claim::Place;
use crate::deliver::ending::{self, Ending};
use crate::deliver::gate::{self, Gate};
use crate::error::Failure;
use crate::lead::known::{Fresh, Known};
use crate::lead::window::NewestLeads;
use crate::ledger::{Ledger, Location};
use crate::log::Log;
use crate::output::Output;
use crate::plan::Counts as PlanCounts;
use crate::plan::Limits;
use crate::report::{Input, Recorder};
use crate::saved_plan::SavedPlan;

use account::{Tally, Telling};
use applying::Applying;
use send::{groups, send_all};

mod account;
mod applying;
mod send;
mod write;

/// What `apply` is asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    pub plan: PathBuf,
    /// A ledger new to a channel whose newest-leads window is full: stop, ask or go on
    /// (`--new-ledger`), as an import.
    pub fresh: Fresh,
    /// `--max-create` / `--max-changes`: checked against the plan's writes before the first.
    pub limits: Limits,
    /// Requests in flight and how fast (`--concurrency`, `--max-concurrency`, `--rate`), as an
    /// import's.
    pub gate: gate::Options,
}

/// What the command hands an apply besides its options.
pub struct Parts<'a> {
    pub log: &'a Log,
    /// `Ok` when an API key is set, else the failure that says how to set one.
    pub key: Result<(), crate::error::Failure>,
    /// Builds the sending client (patient with 429s).
    pub client: &'a dyn Fn() -> Result<crate::api::ApiClient>,
    pub api_url: String,
    /// The ledger (None: `--no-ledger`, which an apply refuses).
    pub ledger: Option<Location>,
    /// Hears how the run ended (counts, writes needing attention): the run report.
    pub recorder: Option<Arc<Recorder>>,
}

pub fn run(opts: &Options, services: &Parts<'_>, out: &mut Output) -> Result<()> {
    let log = services.log;
    let plan = SavedPlan::load(&opts.plan)?;
    services.key.clone()?;
    let Some(location) = &services.ledger else {
        return Err(Failure::usage(
            "apply needs the ledger: it is how a plan is applied exactly once",
        )
        .with_hint("drop --no-ledger (or name the ledger the plan was made with: --ledger)")
        .into());
    };
    let here = location.to_string();
    if let Some(then) = plan.ledger.as_ref().filter(|then| **then != here) {
        return Err(Failure::config(format!(
            "{} was planned with the ledger {then}, and this run's ledger is {here}: a plan is \
             applied through the ledger it was decided against; nothing was sent",
            opts.plan.display(),
        ))
        .with_hint(format!("apply it with --ledger {then} (or LEADCTL_LEDGER)"))
        .into());
    }
    let ledger = Arc::new(Ledger::open(location)?);
    // The run's history is recorded through it after the run (one open a run).
    if let Some(r) = &services.recorder {
        r.keep_ledger(ledger.clone());
    }
    let stop = Arc::new(AtomicBool::new(false));
    let client = (services.client)()?.with_cancel(stop.clone());
    let channel = plan
        .writes
        .iter()
        .find(|w| w.action == "create_lead")
        .map(|w| w.channel.as_str());
    // Resolved, not remembered: a plan refused here leaves the ledger as it was.
    let scope = crate::deliver::scope::resolve(
        Some(&ledger),
        &client,
        &services.api_url,
        channel,
        log,
        false,
    )?;
    if scope != plan.api_url {
        return Err(Failure::config(format!(
            "{} was planned against {}, and this run's API URL is {scope}: a plan applies only \
             to the server it was made against; nothing was sent",
            opts.plan.display(),
            plan.api_url
        ))
        .with_hint(
            "apply it with the API URL it was made with (--api-url, LEADCTL_API_URL or the \
             profile), or make a new plan against this server with --dry-run --plan-out",
        )
        .into());
    }
    warn_changed_inputs(&plan, log);
    let planned = PlanCounts {
        create: count(&plan, &["create_lead"]),
        update: count(&plan, &["update_lead"]),
        moves: count(&plan, &["update_status", "update_status_id"]),
        purchases: count(&plan, &["create_purchase"]),
        ..PlanCounts::default()
    };
    planned.check(&opts.limits)?;

    let label = label(&plan);
    let place = Place {
        ledger: Some(&ledger),
        scope_url: &scope,
        input: &label,
    };
    let interrupted = ending::on_ctrl_c(&stop, "writes");
    let started = Instant::now();
    // The channels' newest leads, read once each before their first create, as an import does:
    // a lead another tool created since the plan is not created again.
    let known = Known::new(opts.fresh, false);
    let warn = |text: &str| log.warn(text);
    let gate = Gate::new(opts.gate, gate::remembered(Some(&ledger), &scope));
    let ctx = Applying {
        place,
        ledger: &ledger,
        client: &client,
        known: &known,
        warn: &warn,
        label: &label,
        gate: &gate,
        stop: &stop,
    };
    let groups = groups(&plan.writes);
    // The end of the run is the engine's (as an import's): the ledger's last records, the
    // gate's limit remembered, the run report's record; the account is the apply's own.
    let end = Ending {
        ledger: Some(&ledger),
        client: &client,
        scope_url: &scope,
        gate: &gate,
        interrupted: &interrupted,
        // An apply settles none of its writes (it holds none for settling).
        finder: &NewestLeads,
        recorder: services.recorder.as_deref(),
        log,
        started,
    };
    let tally = Tally::new(Telling {
        out,
        log,
        recorder: services.recorder.as_deref(),
        stop: &stop,
        plan: &opts.plan,
        ledger: ledger.location().to_string(),
        total: plan.writes.len() as u64,
    });
    let mut watching = end.watching(tally);
    let flushed = send_all(&ctx, &plan.writes, &groups, &mut watching);
    end.end(watching, flushed)
}

fn count(plan: &SavedPlan, actions: &[&str]) -> u64 {
    plan.writes
        .iter()
        .filter(|w| actions.contains(&w.action.as_str()))
        .count() as u64
}

/// What the ledger records as these writes' input: the planned file and the plan (so a second
/// apply of the same plan is told from another run).
fn label(plan: &SavedPlan) -> String {
    let input = match (&plan.query, plan.inputs.first()) {
        (Some(q), _) => q.name(),
        (None, Some(i)) => i.name.clone(),
        (None, None) => "input".to_string(),
    };
    let id = plan.checksum.get(..12).unwrap_or(&plan.checksum);
    format!("{input} (plan {id})")
}

/// Says so when an input changed since the plan was made: its new rows are not sent.
fn warn_changed_inputs(plan: &SavedPlan, log: &crate::log::Log) {
    for i in &plan.inputs {
        let Some(then) = &i.sha256 else { continue };
        let now = Input::of(Path::new(&i.path));
        if now.sha256.as_ref().is_some_and(|s| s != then) {
            log.warn(&format!(
                "{} changed since the plan was made (its SHA-256 differs); apply sends only the \
                 plan's writes and never reads it again: import it (or plan it again) for its \
                 changes",
                i.path
            ));
        }
    }
}
