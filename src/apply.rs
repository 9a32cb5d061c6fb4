//! `leadctl apply PLAN`: a saved plan's writes (`saved_plan`), and nothing else, delivered
//! exactly once through the engine (`deliver::deliver`: claim → send → record) and the ledger.
//! The plan is another source of works: each write's key, values and exact body come from the
//! file, and the ledger decides whether it still applies (what the plan expected of its key:
//! absent, or the failed/unknown entry a retry takes over). A write whose key moved on since (a
//! run created it meanwhile, or this plan was applied before) is not sent and is named. The
//! inputs are never read again: rows added to them after planning are not sent; a query the plan
//! was made from is not run again (its database is not even reached).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::api::{ApiClient, ApiError, CallStats};
use crate::deliver::claim::Place;
use crate::deliver::{deliver, Attempt, Delivered, Outcome, Target, Work};
use crate::error::{Failure, Kind};
use crate::import::plan::{Counts as PlanCounts, Limits};
use crate::import::report::{Counts, ResultPrinter, RowResult};
use crate::import::Services;
use crate::lead::known::{Fresh, Known};
use crate::ledger::{identity, now_secs, Entry, Ledger, Op, State};
use crate::output::Output;
use crate::report::Input;
use crate::saved_plan::{SavedPlan, Write};

/// What `apply` is asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    pub plan: PathBuf,
    /// A ledger new to a channel whose newest-leads window is full: stop, ask or go on
    /// (`--new-ledger`), as an import.
    pub fresh: Fresh,
    /// `--max-create` / `--max-changes`: checked against the plan's writes before the first.
    pub limits: Limits,
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

pub fn run(opts: &Options, services: &Services<'_>, out: &mut Output) -> Result<()> {
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
    let here = services.ledger.as_ref().map(ToString::to_string);
    if let Some(then) = plan
        .ledger
        .as_ref()
        .filter(|then| here.as_ref() != Some(*then))
    {
        return Err(Failure::config(format!(
            "{} was planned with the ledger {then}, and this run's ledger is {}: a plan is \
             applied through the ledger it was decided against; nothing was sent",
            opts.plan.display(),
            here.as_deref().unwrap_or("none")
        ))
        .with_hint(format!("apply it with --ledger {then} (or LEADCTL_LEDGER)"))
        .into());
    }
    let ledger = Ledger::open(location)?;
    let client = (services.client)(true)?;
    let channel = plan
        .writes
        .iter()
        .find(|w| w.action == "create_lead")
        .map(|w| w.channel.as_str());
    // Resolved, not remembered: a plan refused here leaves the ledger as it was.
    let scope = crate::import::server::scope(
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
        create: count(&plan, "create_lead"),
        purchases: count(&plan, "create_purchase"),
        ..PlanCounts::default()
    };
    planned.check(&opts.limits)?;

    let label = label(&plan);
    let place = Place {
        ledger: Some(&ledger),
        scope_url: &scope,
        input: &label,
    };
    let started = Instant::now();
    let mut tally = Tally::default();
    let mut printer = ResultPrinter::new();
    let mut fatal: Option<anyhow::Error> = None;
    // The channels' newest leads, read once each before their first create, as an import does:
    // a lead another tool created since the plan is not created again.
    let known = Known::new(opts.fresh, false);
    let warn = |text: &str| log.warn(text);
    let server = Server {
        client: &client,
        known: &known,
        warn: &warn,
    };
    for w in &plan.writes {
        let (result, stop) = match apply_one(&place, &ledger, &server, w, &label) {
            Ok(r) => r,
            Err(e) => {
                fatal = Some(e);
                break;
            }
        };
        match result.1 {
            Fate::Stale => tally.stale += 1,
            Fate::Done => tally.done += 1,
            Fate::Sent => tally.sent += 1,
        }
        let r = result.0;
        tally.counts.add(r.outcome);
        if let (Some(rec), true) = (&services.recorder, r.outcome.needs_action()) {
            rec.attention(crate::report::Attention {
                row: r.row,
                key: r.key.clone(),
                outcome: r.outcome.as_str().to_string(),
                message: r.error.clone().unwrap_or_default(),
            });
        }
        printer.print(out, &r)?;
        if let Some(e) = stop {
            fatal = Some(e);
            break;
        }
    }
    printer.finish(out)?;
    if let Err(e) = ledger.flush() {
        log.warn(&format!("the ledger's last records were not written: {e}"));
    }
    let total = plan.writes.len() as u64;
    let text = summary_text(&tally, total, started.elapsed(), fatal.is_some());
    log.notice(&format!("{text}\n  ledger: {}", ledger.location()));
    if let Some(rec) = &services.recorder {
        rec.ending(ending(&tally, total, started.elapsed()));
    }
    outcome(&tally, total, fatal, &opts.plan)
}

/// What became of one write.
enum Fate {
    Sent,
    /// Its key moved on since the plan (another run).
    Stale,
    /// This plan was applied before.
    Done,
}

/// Delivers one write if the ledger still says what the plan expected; a second value is an
/// error that stops the run after this write (every further one would meet the same).
#[allow(clippy::type_complexity)]
fn apply_one(
    place: &Place<'_>,
    ledger: &Ledger,
    server: &Server<'_>,
    w: &Write,
    label: &str,
) -> Result<((RowResult, Fate), Option<anyhow::Error>)> {
    let client = server.client;
    let expect = w
        .expect
        .claim()
        .map_err(|why| Failure::input(format!("row {}: {why}", w.row)))?;
    let current = ledger.get(place.scope_url, &w.channel, &w.key)?;
    // Written by this plan (an earlier apply): done, whatever it came to.
    let ours = current
        .as_ref()
        .is_some_and(|e| e.input.as_deref() == Some(label));
    if ours || !w.expect.holds(current.as_ref()) {
        return Ok((moved_on(w, current.as_ref(), label), None));
    }
    if let Some(found) = on_server(place, ledger, server, w, expect.is_none())? {
        return Ok((found, None));
    }
    let work = Planned {
        w,
        fields: w.request_fields(),
    };
    let at = Attempt {
        row: w.row,
        expect,
        previous: current.as_ref(),
        later: false,
    };
    let delivered = deliver(place, &work, at, |work, may_retry| {
        work.send(client, &|_: Instant, _: Duration| {}, may_retry)
            .0
    });
    let a = match delivered {
        Delivered::Taken(e) => return Ok((moved_on(w, Some(&e), label), None)),
        Delivered::Unclaimed(f) => return Err(f.into()),
        // The claim could not be renewed before a retry: released, and the apply stops.
        Delivered::Unrenewed => {
            return Ok((
                (
                    result(
                        w,
                        Outcome::NotSent,
                        None,
                        Some("not sent again: the ledger could not renew its claim".into()),
                    ),
                    Fate::Sent,
                ),
                Some(
                    Failure::config(
                        "the ledger could not be written before a retry, so the apply stopped",
                    )
                    .into(),
                ),
            ))
        }
        Delivered::Sent(a) => a,
    };
    let id = a
        .answer
        .as_ref()
        .and_then(|x| work.id_of(x))
        .map(str::to_string);
    let stop = a.stops.then(|| {
        let e: anyhow::Error = match a.error {
            Some(e) => e.into(),
            None => anyhow::anyhow!("the server stopped the apply"),
        };
        e
    });
    if let Err(f) = a.recorded {
        return Ok((
            (
                result(w, Outcome::Unknown, id, Some(f.message.clone())),
                Fate::Sent,
            ),
            Some(f.into()),
        ));
    }
    Ok(((result(w, a.outcome, id, a.note), Fate::Sent), stop))
}

/// The server's side of an apply: the client and the channels' newest leads.
struct Server<'a> {
    client: &'a ApiClient,
    known: &'a Known,
    warn: &'a dyn Fn(&str),
}

/// A lead create whose lead is among its channel's newest leads on the server (another tool or
/// a machine without this ledger created it since the plan): recorded as created (`via`
/// server, as an import records it) and not sent. Only for a key the ledger does not hold.
fn on_server(
    place: &Place<'_>,
    ledger: &Ledger,
    server: &Server<'_>,
    w: &Write,
    absent: bool,
) -> Result<Option<(RowResult, Fate)>> {
    if w.action != "create_lead" || !absent {
        return Ok(None);
    }
    server.known.ensure(
        &w.channel,
        server.client,
        ledger,
        place.scope_url,
        server.warn,
    )?;
    let text = |name: &str| w.fields.get(name).and_then(|v| v.as_str());
    let mut keys = vec![w.key.clone()];
    keys.extend(
        identity::server_keys(text("business_id"), text("email"))
            .into_iter()
            .filter(|k| *k != w.key),
    );
    let Some(id) = server.known.lead_with(&w.channel, &keys) else {
        return Ok(None);
    };
    let claim = crate::deliver::claim::sending(
        place,
        crate::deliver::claim::Claim {
            channel: &w.channel,
            key: &w.key,
            hash: &w.hash,
            fields: &w.fields,
            lead_id: Some(&id),
            row: w.row,
            previous: None,
        },
    );
    ledger.apply(Op::PutIfAbsent(Entry {
        state: State::Created,
        via: Some("server".into()),
        sent_at: None,
        answered_at: Some(now_secs()),
        ..claim
    }))?;
    let note = format!(
        "stale: exists on the server as {id} (found among the channel's newest leads, created \
         since the plan was made); not sent"
    );
    Ok(Some((
        result(w, Outcome::Skipped, Some(id), Some(note)),
        Fate::Stale,
    )))
}

/// A write not sent because its key is no longer what the plan expected: done by this plan
/// before (its outcome then), or stale (another run moved it on).
fn moved_on(w: &Write, current: Option<&Entry>, label: &str) -> (RowResult, Fate) {
    let Some(e) = current else {
        return (
            result(
                w,
                Outcome::Skipped,
                None,
                Some(
                    "stale: the ledger no longer holds the entry this write was planned \
                     against; not sent (make a new plan)"
                        .into(),
                ),
            ),
            Fate::Stale,
        );
    };
    let id = e.lead_id.clone();
    let shown = id.as_deref().unwrap_or("an unknown id").to_string();
    let day = crate::deliver::rule::day_of(e);
    if e.input.as_deref() == Some(label) && e.hash == w.hash {
        let (outcome, note) = match e.state {
            State::Created => (
                Outcome::Skipped,
                format!("done: this plan created it as {shown} on {day}; not sent again"),
            ),
            State::Failed => (
                Outcome::Failed,
                format!(
                    "done: this plan sent it on {day} and the server refused it ({}); not sent \
                     again (fix the row and make a new plan)",
                    e.error.as_deref().unwrap_or("no reason given")
                ),
            ),
            State::Sending | State::Unknown => (
                Outcome::Unknown,
                format!(
                    "done: this plan sent it on {day} without a reliable answer; it may exist \
                     (not sent again: check it, then import the file with --reconcile)"
                ),
            ),
        };
        return (result(w, outcome, id, Some(note)), Fate::Done);
    }
    let what = match e.state {
        State::Created => format!("created as {shown} on {day}"),
        State::Failed => format!("sent and refused on {day}"),
        State::Sending | State::Unknown => {
            format!("sent on {day} without a reliable answer (it may exist)")
        }
    };
    let note = format!(
        "stale: {what} by another run since the plan was made; not sent (make a new plan to \
         decide it again)"
    );
    (result(w, Outcome::Skipped, id, Some(note)), Fate::Stale)
}

fn result(w: &Write, outcome: Outcome, lead_id: Option<String>, note: Option<String>) -> RowResult {
    RowResult {
        row: w.row,
        outcome,
        lead_id,
        error: note,
        fields: Vec::new(),
        key: Some(w.key.clone()),
    }
}

/// A planned write as a work of the engine: its key and values from the plan, its body sent as
/// saved.
struct Planned<'a> {
    w: &'a Write,
    /// The body without its `action` (the client puts it first again, as saved).
    fields: serde_json::Value,
}

impl Work for Planned<'_> {
    /// The id of the lead or purchase it made.
    type Answer = String;

    fn target(&self) -> Target<'_> {
        Target {
            channel: &self.w.channel,
            key: &self.w.key,
            hash: &self.w.hash,
            fields: &self.w.fields,
            lead_id: None,
        }
    }

    fn send(
        &self,
        client: &ApiClient,
        on_429: &dyn Fn(Instant, Duration),
        may_retry: &dyn Fn() -> bool,
    ) -> (Result<String, ApiError>, CallStats) {
        if self.w.action == "create_purchase" {
            // As the import's purchases: a purchase's retry is not fenced.
            let (r, stats) = client.create_purchase_measured(&self.fields, on_429);
            (r.map(|p| p.id), stats)
        } else {
            let (r, stats) = client.create_lead_saved_fenced(&self.fields, on_429, may_retry);
            (r.map(|l| l.id), stats)
        }
    }

    fn id_of<'a>(&'a self, answer: &'a String) -> Option<&'a str> {
        Some(answer)
    }
}

fn count(plan: &SavedPlan, action: &str) -> u64 {
    plan.writes.iter().filter(|w| w.action == action).count() as u64
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

fn summary_text(t: &Tally, total: u64, elapsed: Duration, stopped: bool) -> String {
    let mut text = format!(
        "apply {} in {:.1}s: {} of {total} planned write(s)",
        if stopped { "stopped" } else { "finished" },
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

fn ending(t: &Tally, total: u64, elapsed: Duration) -> crate::report::Ending {
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
        interrupted: false,
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
