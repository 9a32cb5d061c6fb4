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
//! move); Ctrl-C stops taking writes, lets those in flight finish and record, and ends with the
//! account (exit 130).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::deliver::claim::Place;
use crate::deliver::gate::{self, Gate};
use crate::deliver::setting::Concurrency;
use crate::deliver::Counts;
use crate::error::{Failure, Kind};
use crate::lead::known::{Fresh, Known};
use crate::ledger::{Ledger, Location};
use crate::log::Log;
use crate::output::results::ResultPrinter;
use crate::output::Output;
use crate::plan::Counts as PlanCounts;
use crate::plan::Limits;
use crate::report::{Input, Recorder};
use crate::saved_plan::SavedPlan;

use applying::Applying;
use send::{groups, send_all, Done};
use write::Fate;

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
    /// Requests in flight (`--concurrency auto|N`, within `--max-concurrency`), as an import.
    pub concurrency: Concurrency,
    pub max_concurrency: usize,
    /// `--rate`: at most this many requests a second.
    pub rate: Option<f64>,
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

/// How a run of a plan went.
#[derive(Debug, Default)]
struct Tally {
    counts: Counts,
    /// Not sent: their key moved on since the plan was made (another run).
    stale: u64,
    /// Not sent: this plan was applied before.
    done: u64,
    sent: u64,
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
    let ledger = Ledger::open(location)?;
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
    let interrupted = Arc::new(AtomicBool::new(false));
    crate::exit::stop_on_ctrl_c(stop.clone(), interrupted.clone(), "writes");
    let started = Instant::now();
    // The channels' newest leads, read once each before their first create, as an import does:
    // a lead another tool created since the plan is not created again.
    let known = Known::new(opts.fresh, false);
    let warn = |text: &str| log.warn(text);
    let gate = Gate::new(
        gate::Options {
            concurrency: opts.concurrency,
            max_concurrency: opts.max_concurrency,
            rate: opts.rate,
        },
        gate::remembered(Some(&ledger), &scope),
    );
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
    let mut tally = Tally::default();
    let mut printer = ResultPrinter::new();
    let mut fatal: Option<anyhow::Error> = None;
    let mut write_error: Option<anyhow::Error> = None;
    let mut account = |done: Done, tally: &mut Tally| {
        for (r, fate) in done.results {
            match fate {
                Fate::Stale => tally.stale += 1,
                Fate::Done => tally.done += 1,
                Fate::Sent => tally.sent += 1,
                Fate::Held => {}
            }
            tally.counts.add(r.outcome);
            if let (Some(rec), true) = (&services.recorder, r.outcome.needs_action()) {
                rec.attention(crate::report::Attention {
                    row: r.row,
                    key: r.key.clone(),
                    outcome: r.outcome.as_str().to_string(),
                    message: r.error.clone().unwrap_or_default(),
                });
            }
            if write_error.is_none() {
                if let Err(e) = printer.print(out, &r) {
                    // Nothing more is taken; what is in flight finishes and is recorded.
                    stop.store(true, Ordering::SeqCst);
                    write_error = Some(e.into());
                }
            }
        }
        if let Some(e) = done.stop {
            stop.store(true, Ordering::SeqCst);
            fatal.get_or_insert(e);
        }
    };
    let flushed = send_all(&ctx, &plan.writes, &groups, |done| {
        account(done, &mut tally)
    });
    if let Some(e) = write_error {
        return Err(e);
    }
    printer.finish(out)?;
    if let Some(Err(e)) = flushed {
        log.warn(&format!("the ledger's last records were not written: {e}"));
    }
    gate.remember(Some(&ledger), &scope, &|text| log.warn(text));
    let was_interrupted = interrupted.load(Ordering::SeqCst);
    let total = plan.writes.len() as u64;
    let how = if was_interrupted {
        "interrupted"
    } else if fatal.is_some() {
        "stopped"
    } else {
        "finished"
    };
    // How the concurrency went, when writes were sent (as an import says it).
    let concurrency = gate.summary();
    let mut text = summary_text(&tally, total, started.elapsed(), how);
    if let Some(c) = &concurrency {
        text.push_str(&format!("\n  {c}"));
    }
    log.notice(&format!("{text}\n  ledger: {}", ledger.location()));
    if let Some(rec) = &services.recorder {
        let mut end = ending(&tally, total, started.elapsed(), was_interrupted);
        end.concurrency = concurrency;
        rec.ending(end);
    }
    if was_interrupted {
        return Err(Failure::new(
            Kind::Interrupted,
            format!(
                "interrupted: {} of {total} planned write(s)",
                tally.counts.describe()
            ),
        )
        .with_hint(format!(
            "run `leadctl apply {}` to send the rest (what was sent is not sent again)",
            opts.plan.display()
        ))
        .into());
    }
    outcome(&tally, total, fatal, &opts.plan)
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

/// `how`: finished, stopped, interrupted.
fn summary_text(t: &Tally, total: u64, elapsed: Duration, how: &str) -> String {
    let mut text = format!(
        "apply {how} in {:.1}s: {} of {total} planned write(s)",
        elapsed.as_secs_f64(),
        t.counts.describe()
    );
    let reached = t.counts.done();
    if total > reached {
        text.push_str(&format!(", {} not reached", total - reached));
    }
    if t.stale > 0 {
        text.push_str(&format!(
            "\n  {} stale: done by another run since the plan was made (not sent)",
            t.stale
        ));
    }
    if t.done > 0 {
        text.push_str(&format!(
            "\n  {} done before: this plan was applied earlier (not sent again)",
            t.done
        ));
    }
    text
}

fn ending(t: &Tally, total: u64, elapsed: Duration, interrupted: bool) -> crate::report::Ending {
    let c = &t.counts;
    let counts = crate::report::OUTCOMES
        .iter()
        .map(|name| {
            let n = match *name {
                "created" => c.created,
                "updated" => c.updated,
                "moved" => c.moved,
                "skipped" => c.skipped,
                "changed" => c.changed,
                "duplicate" => c.duplicate,
                "failed" => c.failed,
                "unknown" => c.unknown,
                "invalid" => c.invalid,
                _ => c.not_sent,
            };
            (name.to_string(), n)
        })
        .collect();
    crate::report::Ending {
        counts,
        not_reached: total.saturating_sub(c.done()),
        sent: t.sent,
        elapsed_secs: elapsed.as_secs_f64(),
        concurrency: None,
        errors_file: None,
        interrupted,
    }
}

/// The run's result: a stop, writes left open (exit 8), or success.
fn outcome(t: &Tally, total: u64, fatal: Option<anyhow::Error>, plan: &Path) -> Result<()> {
    let c = &t.counts;
    if let Some(e) = fatal {
        return Err(e.context(format!(
            "the apply stopped after {} of {total} planned write(s)",
            c.describe()
        )));
    }
    let open = c.failed + c.unknown + c.not_sent;
    if open > 0 {
        let mut steps = Vec::new();
        if c.not_sent > 0 {
            steps.push(format!(
                "apply {} again to send the {} write(s) not sent",
                plan.display(),
                c.not_sent
            ));
        }
        if c.unknown > 0 {
            steps.push(format!(
                "check the {} unknown write(s) in KeenPartner (they may exist; applying the plan \
                 again does not send them)",
                c.unknown
            ));
        }
        if c.failed > 0 {
            steps.push(format!(
                "fix the {} failed row(s) and import them (applying the plan again does not send \
                 them)",
                c.failed
            ));
        }
        return Err(Failure::new(
            Kind::Partial,
            format!("{open} of {total} planned write(s) were not created"),
        )
        .with_hint(steps.join("; "))
        .into());
    }
    Ok(())
}
