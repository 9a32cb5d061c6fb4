//! `leadctl apply PLAN`: a saved plan's writes (`saved_plan`), and nothing else, delivered
//! exactly once through the engine (`deliver::deliver`: claim → send → record) and the ledger.
//! The plan is another source of works: each write's key, values and exact body come from the
//! file, and the ledger decides whether it still applies (what the plan expected of its key:
//! absent, or the failed/unknown entry a retry takes over). A write whose key moved on since (a
//! run created it meanwhile, or this plan was applied before) is not sent and is named. The
//! inputs are never read again: rows added to them after planning are not sent.
//!
//! Writes are sent concurrently through the engine's gate (`--concurrency`, `--rate`), a row's
//! writes in order by one worker (a create, then its lead's move); Ctrl-C stops taking writes,
//! lets those in flight finish and record, and ends with the account (exit 130).

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::api::retry::Mode;
use crate::api::{ApiClient, ApiError, CallStats};
use crate::deliver::claim::Place;
use crate::deliver::concurrency::{Cause, Controller};
use crate::deliver::pace::{Limiter, Pacer};
use crate::deliver::setting::Concurrency;
use crate::deliver::{classify, deliver, Attempt, Delivered, Outcome, Target, Work};
use crate::error::{Failure, Kind};
use crate::import::flow::Sent;
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
    /// Requests in flight (`--concurrency auto|N`, within `--max-concurrency`), as an import.
    pub concurrency: Concurrency,
    pub max_concurrency: usize,
    /// `--rate`: at most this many requests a second.
    pub rate: Option<f64>,
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
    let stop = Arc::new(AtomicBool::new(false));
    let client = (services.client)(true)?.with_cancel(stop.clone());
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
    install_ctrlc(stop.clone(), interrupted.clone());
    let started = Instant::now();
    // The channels' newest leads, read once each before their first create, as an import does:
    // a lead another tool created since the plan is not created again.
    let known = Known::new(opts.fresh, false);
    let warn = |text: &str| log.warn(text);
    let controller = crate::import::gate::controller(
        opts.concurrency,
        opts.max_concurrency,
        opts.rate,
        crate::import::gate::remembered(Some(&ledger), &scope),
    );
    let pacer = crate::import::gate::pacer(opts.concurrency, opts.rate);
    let limiter = opts.rate.map(Limiter::new);
    let ctx = Ctx {
        place,
        ledger: &ledger,
        client: &client,
        known: &known,
        warn: &warn,
        label: &label,
        controller: &controller,
        pacer: pacer.as_ref(),
        limiter: limiter.as_ref(),
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
    send_all(&ctx, &plan.writes, &groups, |done| {
        account(done, &mut tally)
    });
    if let Some(e) = write_error {
        return Err(e);
    }
    printer.finish(out)?;
    if let Err(e) = ledger.flush() {
        log.warn(&format!("the ledger's last records were not written: {e}"));
    }
    crate::import::gate::remember(&controller, Some(&ledger), &scope, log);
    let was_interrupted = interrupted.load(Ordering::SeqCst);
    let total = plan.writes.len() as u64;
    let how = if was_interrupted {
        "interrupted"
    } else if fatal.is_some() {
        "stopped"
    } else {
        "finished"
    };
    let text = summary_text(&tally, total, started.elapsed(), how);
    log.notice(&format!("{text}\n  ledger: {}", ledger.location()));
    if let Some(rec) = &services.recorder {
        rec.ending(ending(&tally, total, started.elapsed(), was_interrupted));
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

/// Ctrl-C: the first stops taking writes and lets those in flight finish and be recorded; the
/// second exits at once (every claim and record is committed whole).
fn install_ctrlc(stop: Arc<AtomicBool>, interrupted: Arc<AtomicBool>) {
    let _ = ctrlc::set_handler(move || {
        if interrupted.swap(true, Ordering::SeqCst) {
            crate::exit::exit_interrupted_now();
        }
        stop.store(true, Ordering::SeqCst);
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "\nleadctl: stopping: no new writes are sent; requests in flight finish (Ctrl-C again to quit at once)"
        );
    });
}

/// What the workers share.
struct Ctx<'a> {
    place: Place<'a>,
    ledger: &'a Ledger,
    client: &'a ApiClient,
    known: &'a Known,
    warn: &'a (dyn Fn(&str) + Sync),
    label: &'a str,
    controller: &'a Controller,
    pacer: Option<&'a Pacer>,
    limiter: Option<&'a Limiter>,
    stop: &'a AtomicBool,
}

/// The writes of one row, in order (a create and its lead's move; an update and its move): one
/// worker sends them one after another.
fn groups(writes: &[Write]) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::new();
    for (i, w) in writes.iter().enumerate() {
        match out.last_mut() {
            Some(g) if writes[g.start].row == w.row && writes[g.start].channel == w.channel => {
                g.end = i + 1
            }
            _ => out.push(i..i + 1),
        }
    }
    out
}

/// What one group came to.
struct Done {
    results: Vec<(RowResult, Fate)>,
    /// What stops the apply after this group.
    stop: Option<anyhow::Error>,
}

/// Runs the groups on as many workers as the gate may reach; `on_done` hears each group's
/// results on this thread, in the plan's order.
fn send_all(
    ctx: &Ctx<'_>,
    writes: &[Write],
    groups: &[Range<usize>],
    mut on_done: impl FnMut(Done),
) {
    let workers = ctx.controller.config().max.clamp(1, groups.len().max(1));
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<(usize, Done)>();
    std::thread::scope(|s| {
        for _ in 0..workers {
            let tx = tx.clone();
            let next = &next;
            s.spawn(move || loop {
                if ctx.stop.load(Ordering::SeqCst) {
                    return;
                }
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(g) = groups.get(i) else { return };
                let done = apply_group(ctx, &writes[g.clone()]);
                if tx.send((i, done)).is_err() {
                    return;
                }
            });
        }
        drop(tx);
        // In the plan's order: a group waits for the ones before it.
        let mut waiting: BTreeMap<usize, Done> = BTreeMap::new();
        let mut due = 0;
        for (i, done) in rx {
            waiting.insert(i, done);
            while let Some(done) = waiting.remove(&due) {
                on_done(done);
                due += 1;
            }
        }
        // Groups after one that never came (a worker stopped): in order all the same.
        for (_, done) in waiting {
            on_done(done);
        }
    });
}

/// A row's writes, in order; the lead a create made is the one its move moves.
fn apply_group(ctx: &Ctx<'_>, writes: &[Write]) -> Done {
    let mut results = Vec::new();
    let mut made: Option<String> = None;
    for w in writes {
        match apply_one(ctx, w, made.as_deref()) {
            Ok((r, fate, stop)) => {
                if w.action == "create_lead" {
                    made.clone_from(&r.lead_id);
                }
                results.push((r, fate));
                if stop.is_some() {
                    return Done { results, stop };
                }
            }
            Err(e) => {
                return Done {
                    results,
                    stop: Some(e),
                }
            }
        }
    }
    Done {
        results,
        stop: None,
    }
}

/// What became of one write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Sent,
    /// Its key moved on since the plan (another run).
    Stale,
    /// This plan was applied before.
    Done,
    /// Not sent, and not for either of those (stopped, its lead not made).
    Held,
}

type One = (RowResult, Fate, Option<anyhow::Error>);

/// Delivers one write if the ledger still says what the plan expected; the error (third) stops
/// the run after this write (every further one would meet the same). `made`: the lead the
/// row's create made in this apply (what a new lead's move moves).
fn apply_one(ctx: &Ctx<'_>, w: &Write, made: Option<&str>) -> Result<One> {
    let expect = w
        .expect
        .claim()
        .map_err(|why| Failure::input(format!("row {}: {why}", w.row)))?;
    let current = ctx.ledger.get(ctx.place.scope_url, &w.channel, &w.key)?;
    // Written by this plan (an earlier apply): done, whatever it came to.
    let ours = current
        .as_ref()
        .is_some_and(|e| e.input.as_deref() == Some(ctx.label));
    if ours || !w.expect.holds(current.as_ref()) {
        let (r, fate) = moved_on(w, current.as_ref(), ctx.label);
        return Ok((r, fate, None));
    }
    if let Some((r, fate)) = on_server(ctx, w, expect.is_none())? {
        return Ok((r, fate, None));
    }
    let lead_id = match lead_of(ctx, w, made)? {
        Ok(id) => id,
        Err(r) => return Ok((r, Fate::Held, None)),
    };
    if let Some(id) = &lead_id {
        if let Some(r) = status_since(ctx, w, id, current.as_ref())? {
            return Ok(r);
        }
    }
    let Some(slot) = slot(ctx) else {
        let r = result(
            w,
            Outcome::NotSent,
            lead_id,
            Some("stopped before it was sent".into()),
        );
        return Ok((r, Fate::Held, None));
    };
    let on_429 = |sent: Instant, pause: Duration| {
        ctx.controller.signal(Cause::RateLimited);
        if let Some(p) = ctx.pacer {
            p.throttled(sent, pause);
        }
    };
    if w.action == "update_lead" {
        let Some(previous) = current else {
            return Err(Failure::input(format!("row {}: an update of no lead", w.row)).into());
        };
        return Ok(update(ctx, w, &previous, slot, &on_429));
    }
    let mut fields = w.request_fields();
    if let (Some(id), Some(map)) = (&lead_id, fields.as_object_mut()) {
        if map.contains_key("lead_id") {
            map.insert("lead_id".into(), id.clone().into());
        }
    }
    let work = Planned {
        w,
        fields,
        lead_id: lead_id.clone(),
    };
    let at = Attempt {
        row: w.row,
        expect,
        previous: current.as_ref(),
        later: false,
    };
    let delivered = deliver(&ctx.place, &work, at, |work, may_retry| {
        let (answer, stats) = work.send(ctx.client, &on_429, may_retry);
        slot.done(&answer, &stats);
        answer
    });
    let a = match delivered {
        Delivered::Taken(e) => {
            let (r, fate) = moved_on(w, Some(&e), ctx.label);
            return Ok((r, fate, None));
        }
        Delivered::Unclaimed(f) => return Err(f.into()),
        // The claim could not be renewed before a retry: released, and the apply stops.
        Delivered::Unrenewed => {
            let r = result(
                w,
                Outcome::NotSent,
                None,
                Some("not sent again: the ledger could not renew its claim".into()),
            );
            let stop = Failure::config(
                "the ledger could not be written before a retry, so the apply stopped",
            );
            return Ok((r, Fate::Held, Some(stop.into())));
        }
        Delivered::Sent(a) => a,
    };
    let id = a
        .answer
        .as_ref()
        .and_then(|x| work.id_of(x))
        .map(str::to_string)
        .or(lead_id);
    let stop = a.stops.then(|| {
        let e: anyhow::Error = match a.error {
            Some(e) => e.into(),
            None => anyhow::anyhow!("the server stopped the apply"),
        };
        e
    });
    if let Err(f) = a.recorded {
        let r = result(w, Outcome::Unknown, id, Some(f.message.clone()));
        return Ok((r, Fate::Sent, Some(f.into())));
    }
    let outcome = match (a.outcome, w.action.as_str()) {
        (Outcome::Created, "update_status" | "update_status_id") => Outcome::Moved,
        (o, _) => o,
    };
    Ok((result(w, outcome, id, a.note), Fate::Sent, stop))
}

/// A request slot from the gate, after `--rate` and the learned rate; `None`: stopped.
fn slot<'a>(ctx: &'a Ctx<'_>) -> Option<Sent<'a>> {
    let permit = ctx.controller.acquire(ctx.stop)?;
    let limited = match ctx.limiter {
        None => false,
        Some(l) => l.acquire_waited(ctx.stop)?,
    };
    let paced = match ctx.pacer {
        None => false,
        Some(p) => p.acquire_waited(ctx.stop)?,
    };
    Some(Sent {
        permit,
        rate_waited: limited || paced,
        pacer: ctx.pacer,
    })
}

/// The lead a move moves: its body's, or (a new lead's, `null` in the plan) the one the row's
/// create made, in this apply or an earlier one. `Err`: none, the move's result.
fn lead_of(
    ctx: &Ctx<'_>,
    w: &Write,
    made: Option<&str>,
) -> Result<Result<Option<String>, RowResult>> {
    if !matches!(w.action.as_str(), "update_status" | "update_status_id") {
        return Ok(Ok(None));
    }
    if let Some(id) = w.body.get("lead_id").and_then(|v| v.as_str()) {
        return Ok(Ok(Some(id.to_string())));
    }
    if let Some(id) = made {
        return Ok(Ok(Some(id.to_string())));
    }
    let lead_key = w.key.strip_prefix("status:").unwrap_or(&w.key);
    let lead = ctx.ledger.get(ctx.place.scope_url, &w.channel, lead_key)?;
    Ok(match lead.filter(|e| e.state == State::Created) {
        Some(e) if e.lead_id.is_some() => Ok(e.lead_id),
        _ => Err(result(
            w,
            Outcome::Skipped,
            None,
            Some("not moved: its lead was not created (see the row's create); not sent".into()),
        )),
    })
}

/// A move planned after reading the lead's status: read again. A lead at the status already is
/// recorded as there (not sent); a lead moved since the plan is stale (not sent).
fn status_since(
    ctx: &Ctx<'_>,
    w: &Write,
    lead_id: &str,
    current: Option<&Entry>,
) -> Result<Option<One>> {
    let Some(seen) = &w.expect.status else {
        return Ok(None);
    };
    let now = match ctx.client.get_lead_by_id(lead_id) {
        Ok(lead) => crate::lead::moves::status_id_of(&lead).unwrap_or_default(),
        Err(e) => {
            let stops = e.stops_batch();
            let r = result(
                w,
                if stops {
                    Outcome::NotSent
                } else {
                    Outcome::Failed
                },
                Some(lead_id.to_string()),
                Some(format!("reading its status before moving it: {e}")),
            );
            return Ok(Some((r, Fate::Held, stops.then(|| anyhow::Error::new(e)))));
        }
    };
    let wanted = w
        .fields
        .get("status_id")
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    if now.eq_ignore_ascii_case(wanted) {
        let claim = crate::deliver::claim::sending(
            &ctx.place,
            crate::deliver::claim::Claim {
                channel: &w.channel,
                key: &w.key,
                hash: &w.hash,
                fields: &w.fields,
                lead_id: Some(lead_id),
                row: w.row,
                previous: current,
            },
        );
        ctx.ledger.apply(Op::Put(Entry {
            state: State::Created,
            via: Some("server".into()),
            sent_at: None,
            answered_at: Some(now_secs()),
            ..claim
        }))?;
        let r = result(
            w,
            Outcome::Skipped,
            Some(lead_id.to_string()),
            Some("stale: the lead is at this status already (moved since the plan was made); not sent".into()),
        );
        return Ok(Some((r, Fate::Stale, None)));
    }
    if !now.eq_ignore_ascii_case(seen) {
        let r = result(
            w,
            Outcome::Skipped,
            Some(lead_id.to_string()),
            Some(
                "stale: the lead's status changed since the plan was made; not moved (make a \
                 new plan to decide it again)"
                    .into(),
            ),
        );
        return Ok(Some((r, Fate::Stale, None)));
    }
    Ok(None)
}

/// `update_lead` (repeatable: no claim, as an import's update), recorded after its answer with
/// the values the plan computed.
fn update(
    ctx: &Ctx<'_>,
    w: &Write,
    previous: &Entry,
    slot: Sent<'_>,
    on_429: &dyn Fn(Instant, Duration),
) -> One {
    let lead_id = previous.lead_id.clone().or_else(|| {
        w.body
            .get("lead_id")
            .and_then(|v| v.as_str())
            .map(str::to_string)
    });
    let mut stats = CallStats::default();
    let answer = ctx.client.call_measured(
        "update_lead",
        &w.request_fields(),
        Mode::Repeatable,
        &mut stats,
        on_429,
    );
    slot.done(&answer, &stats);
    match answer {
        Ok(_) => {
            let entry = Entry {
                hash: w.hash.clone(),
                fields: w.fields.clone(),
                via: Some("update".into()),
                input: Some(ctx.label.to_string()),
                row: Some(w.row),
                updated_at: now_secs(),
                ..previous.clone()
            };
            match ctx.ledger.apply(Op::Record(entry)) {
                Ok(_) => (result(w, Outcome::Updated, lead_id, None), Fate::Sent, None),
                Err(f) => (
                    result(
                        w,
                        Outcome::Updated,
                        lead_id,
                        Some(format!(
                            "updated, but the ledger could not record it: {}",
                            f.message
                        )),
                    ),
                    Fate::Sent,
                    Some(f.into()),
                ),
            }
        }
        Err(e) => {
            let stops = classify(&e).1;
            let r = result(
                w,
                Outcome::Failed,
                lead_id,
                Some(format!("update_lead: {e}")),
            );
            (r, Fate::Sent, stops.then(|| anyhow::Error::new(e)))
        }
    }
}

/// A lead create whose lead is among its channel's newest leads on the server (another tool or
/// a machine without this ledger created it since the plan): recorded as created (`via`
/// server, as an import records it) and not sent. Only for a key the ledger does not hold.
fn on_server(ctx: &Ctx<'_>, w: &Write, absent: bool) -> Result<Option<(RowResult, Fate)>> {
    if w.action != "create_lead" || !absent {
        return Ok(None);
    }
    ctx.known.ensure(
        &w.channel,
        ctx.client,
        ctx.ledger,
        ctx.place.scope_url,
        ctx.warn,
    )?;
    let text = |name: &str| w.fields.get(name).and_then(|v| v.as_str());
    let mut keys = vec![w.key.clone()];
    keys.extend(
        identity::server_keys(text("business_id"), text("email"))
            .into_iter()
            .filter(|k| *k != w.key),
    );
    let Some(id) = ctx.known.lead_with(&w.channel, &keys) else {
        return Ok(None);
    };
    let claim = crate::deliver::claim::sending(
        &ctx.place,
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
    ctx.ledger.apply(Op::PutIfAbsent(Entry {
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

/// What a write does, for messages: "created", "updated", "moved".
fn verb(w: &Write) -> &'static str {
    match w.action.as_str() {
        "update_lead" => "updated",
        "update_status" | "update_status_id" => "moved",
        "create_purchase" => "recorded",
        _ => "created",
    }
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
    let did = verb(w);
    if e.input.as_deref() == Some(label) && e.hash == w.hash {
        let (outcome, note) = match e.state {
            State::Created => (
                Outcome::Skipped,
                match did {
                    "created" => {
                        format!("done: this plan created it as {shown} on {day}; not sent again")
                    }
                    _ => format!("done: this plan {did} {shown} on {day}; not sent again"),
                },
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
    let what = match (e.state, did) {
        (State::Created, "updated") => format!("changed as {shown} on {day}"),
        (State::Created, "moved") => format!("moved on {day}"),
        (State::Created, _) => format!("created as {shown} on {day}"),
        (State::Failed, _) => format!("sent and refused on {day}"),
        (State::Sending | State::Unknown, _) => {
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
/// saved (a new lead's move with the id its create got).
struct Planned<'a> {
    w: &'a Write,
    /// The body without its `action` (the client puts it first again, as saved).
    fields: serde_json::Value,
    /// The lead a move moves.
    lead_id: Option<String>,
}

impl Work for Planned<'_> {
    /// The id of the lead or purchase it made (a move: the lead's).
    type Answer = String;

    fn target(&self) -> Target<'_> {
        Target {
            channel: &self.w.channel,
            key: &self.w.key,
            hash: &self.w.hash,
            fields: &self.w.fields,
            lead_id: self.lead_id.as_deref(),
        }
    }

    fn send(
        &self,
        client: &ApiClient,
        on_429: &dyn Fn(Instant, Duration),
        may_retry: &dyn Fn() -> bool,
    ) -> (Result<String, ApiError>, CallStats) {
        match self.w.action.as_str() {
            "create_purchase" => {
                // As the import's purchases: a purchase's retry is not fenced.
                let (r, stats) = client.create_purchase_measured(&self.fields, on_429);
                (r.map(|p| p.id), stats)
            }
            "update_status" | "update_status_id" => {
                let mut stats = CallStats::default();
                let r = client.call_measured(
                    &self.w.action,
                    &self.fields,
                    Mode::Once,
                    &mut stats,
                    on_429,
                );
                // Any answer proves the move: the lead is the one it was sent for.
                (r.map(|_| self.lead_id.clone().unwrap_or_default()), stats)
            }
            _ => {
                let (r, stats) = client.create_lead_saved_fenced(&self.fields, on_429, may_retry);
                (r.map(|l| l.id), stats)
            }
        }
    }

    fn id_of<'a>(&'a self, answer: &'a String) -> Option<&'a str> {
        Some(answer)
    }
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
    let input = plan
        .inputs
        .first()
        .map_or_else(|| "input".to_string(), |i| i.name.clone());
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
