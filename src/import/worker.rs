//! One worker: take a request slot from the concurrency gate (and a `--rate` token), claim the
//! row's key in the ledger (durably), send, record the outcome. A row whose claim did not
//! commit is never sent; a row is claimed only once its slot is held, so no claimed row waits.
//! The gate learns from each answer: the HTTP call's own time (no ledger write, no back-off
//! wait) and what it says about load; with `auto`, the learned rate ([`Pacer`]) spaces the sends
//! once the server has throttled, and hears of each success and each 429.

use std::cell::RefCell;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, Sender};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::concurrency::{Cause, Class, Permit, Sample};
use super::decide::Decision;
use super::moves::{self, Move, Moved};
use super::once::{self, Claimed, Place};
use super::pace::{Limiter, Pacer};
use super::reconcile::Pending;
use super::report::{Outcome, RowResult};
use super::send::{Ctx, Event, Keyed};
use crate::api::{ApiError, CallStats};
use crate::ledger::{now_secs, Entry, State};

pub struct Job {
    pub row: u64,
    /// The original cells, for the errors file.
    pub cells: Vec<String>,
    pub unit: Unit,
}

/// What a job sends.
#[allow(clippy::large_enum_variant)]
pub enum Unit {
    /// A lead: created, updated or moved.
    Lead { keyed: Box<Keyed>, work: Work },
    /// A purchase: recorded (`create_purchase`).
    Purchase(Box<super::purchase::decide::Send>),
}

/// A lead's job, taken apart.
pub struct LeadJob {
    pub row: u64,
    pub keyed: Keyed,
    pub cells: Vec<String>,
    pub work: Work,
}

pub enum Work {
    /// `create_lead`, then the move to the row's status when it is not the first.
    Create {
        expect: Option<(State, i64)>,
        previous: Option<Entry>,
        then_move: Option<Move>,
    },
    Update {
        lead_id: String,
        changes: Box<super::write::Changes>,
        previous: Entry,
        then_move: Option<Move>,
    },
    /// A lead that exists (its outcome so far `before`, with its note): only its status moves.
    Move {
        lead_id: String,
        before: Outcome,
        note: String,
        mv: Move,
    },
}

pub fn work(
    ctx: &Ctx<'_>,
    jobs: &Mutex<std::sync::mpsc::Receiver<Job>>,
    events: &Sender<Event>,
    limiter: Option<&Limiter>,
) {
    loop {
        // The slot is taken while this worker still holds the queue: only one worker waits at
        // the gate, rows leave in their order, and a worker that just finished cannot overtake
        // one that has been waiting (which would leave its row behind for the whole run).
        let (job, slot) = {
            let rx: std::sync::MutexGuard<'_, Receiver<Job>> =
                jobs.lock().unwrap_or_else(|p| p.into_inner());
            let job = match rx.recv() {
                Ok(job) => job,
                Err(_) => return,
            };
            let slot = if ctx.stop.load(Ordering::SeqCst) {
                None
            } else {
                ctx.controller.acquire(ctx.stop)
            };
            (job, slot)
        };
        let Some((permit, rate_waited)) = slot.and_then(|permit| {
            let limited = match limiter {
                None => false,
                Some(l) => l.acquire_waited(ctx.stop)?,
            };
            let paced = match ctx.pacer {
                None => false,
                Some(p) => p.acquire_waited(ctx.stop)?,
            };
            Some((permit, limited || paced))
        }) else {
            let _ = events.send(not_sent(job, "stopped before it was sent"));
            continue;
        };
        let sent = Sent {
            permit,
            rate_waited,
            pacer: ctx.pacer,
        };
        let Job { row, cells, unit } = job;
        let (keyed, work) = match unit {
            Unit::Lead { keyed, work } => (keyed, work),
            Unit::Purchase(p) => {
                super::purchase::decide::send(ctx, row, cells, *p, events, sent);
                continue;
            }
        };
        let job = LeadJob {
            row,
            keyed: *keyed,
            cells,
            work,
        };
        match job.work {
            Work::Create { .. } => create(ctx, job, events, sent),
            Work::Update { .. } => update(ctx, job, events, sent),
            Work::Move { .. } => move_only(ctx, job, events, sent),
        }
    }
}

/// A row's request slot, whether `--rate` or the learned rate made it wait, and the learned rate.
pub struct Sent<'a> {
    pub permit: Permit<'a>,
    pub rate_waited: bool,
    pub pacer: Option<&'a Pacer>,
}

impl Sent<'_> {
    /// Gives the slot back with what the answer says about load; its latency is the last
    /// attempt's alone. A 429 was told to the gate when it arrived ([`signal_429`]), so a call
    /// that met one is not an overload answer again: a 429 that ended it counts as nothing.
    pub fn done<T>(self, result: &Result<T, ApiError>, stats: &CallStats) {
        let class = match Class::of(result) {
            Class::Overload(Cause::RateLimited) if stats.rate_limited => Class::Neutral,
            class => class,
        };
        if let (Class::Ok, Some(p)) = (class, self.pacer) {
            p.success();
        }
        self.permit
            .done(Sample::new(stats.latency, class).rate_waited(self.rate_waited));
    }
}

/// A 429 as the client meets it, before its pool-wide pause: the gate backs off at once (once
/// per storm), rather than when the retried call ends a pause later, and the learned rate is set
/// from the rate that met it.
pub fn signal_429<'a>(ctx: &'a Ctx<'_>) -> impl Fn(Instant, Duration) + 'a {
    move |sent, pause| {
        ctx.controller.signal(Cause::RateLimited);
        if let Some(p) = ctx.pacer {
            p.throttled(sent, pause);
        }
    }
}

fn not_sent(job: Job, why: &str) -> Event {
    Event::Result(
        RowResult {
            row: job.row,
            outcome: Outcome::NotSent,
            lead_id: None,
            error: Some(why.to_string()),
            fields: job.cells,
            key: None,
        },
        None,
    )
}

fn result(
    job: LeadJob,
    outcome: Outcome,
    lead_id: Option<String>,
    error: Option<String>,
) -> RowResult {
    RowResult {
        row: job.row,
        outcome,
        lead_id,
        error,
        fields: job.cells,
        key: Some(job.keyed.key),
    }
}

fn place<'a>(ctx: &'a Ctx<'_>) -> Place<'a> {
    Place {
        ledger: ctx.ledger,
        scope_url: ctx.scope_url,
        input: ctx.input,
    }
}

fn create(ctx: &Ctx<'_>, job: LeadJob, events: &Sender<Event>, sent: Sent<'_>) {
    let Work::Create {
        expect,
        previous,
        then_move,
    } = &job.work
    else {
        return;
    };
    let (expect, previous, then_move) = (*expect, previous.clone(), then_move.clone());
    let place = place(ctx);
    let claimed = match once::claim(&place, &job.keyed, job.row, expect, previous.as_ref()) {
        Ok(Claimed::Ours(entry)) => entry,
        Ok(Claimed::Taken(current)) => {
            // Another run is on this file: the reader splits it with that run (`split.rs`).
            ctx.split.met(current.run.as_deref());
            let _ = events.send(taken(job, &current));
            return;
        }
        Err(f) => {
            ctx.stop.store(true, Ordering::SeqCst);
            let _ = events.send(Event::Fatal(f.into()));
            let _ = events.send(Event::Result(
                result(
                    job,
                    Outcome::NotSent,
                    None,
                    Some("its key could not be recorded in the ledger".into()),
                ),
                None,
            ));
            return;
        }
    };
    // Before each retry the claim must still be this run's (renewed, with its version as a
    // fencing token): a claim another run took over is never sent by this one.
    let fence = RefCell::new((claimed, None::<once::Fence>));
    let may_retry = || {
        let mut f = fence.borrow_mut();
        let (claim, lost) = &mut *f;
        match once::still_ours(&place, claim) {
            once::Fence::Ours => true,
            not => {
                *lost = Some(not);
                false
            }
        }
    };
    let (answer, stats) =
        ctx.client
            .create_lead_fenced(&job.keyed.lead, &signal_429(ctx), &may_retry);
    let (claimed, lost) = fence.into_inner();
    sent.done(&answer, &stats);
    if let (Some(lost), Err(ApiError::Cancelled)) = (lost, &answer) {
        match lost {
            once::Fence::Lost(current) => {
                let _ = events.send(taken(job, &current));
            }
            _ => {
                // Not sent again: the claim is released when the ledger takes the write.
                ctx.stop.store(true, Ordering::SeqCst);
                let _ = once::record(
                    &place,
                    &claimed,
                    previous.as_ref(),
                    Outcome::NotSent,
                    None,
                    None,
                    true,
                );
                let _ = events.send(Event::Result(
                    result(
                        job,
                        Outcome::NotSent,
                        None,
                        Some("its claim could not be renewed in the ledger before a retry".into()),
                    ),
                    None,
                ));
            }
        }
        return;
    }
    let (outcome, lead, err) = once::outcome_of(answer);
    let status_now = lead.as_ref().map(|l| {
        moves::status_id_of(l).unwrap_or_else(|| match &job.keyed.status {
            // The answer does not say: a new lead has the channel's first status.
            Some(w) if w.first => w.id.clone(),
            _ => String::new(),
        })
    });
    let lead_id = lead.map(|l| l.id);
    let error = match (&err, outcome) {
        (Some(e), _) => Some(e.to_string()),
        (None, Outcome::Unknown) => {
            Some("the server answered without a lead id; the lead may exist".to_string())
        }
        _ => None,
    };
    let fatal = err.filter(|e| classify(e).1);
    let recorded = once::record(
        &place,
        &claimed,
        previous.as_ref(),
        outcome,
        lead_id.as_deref(),
        error.as_deref(),
        true,
    );
    let pending = (outcome == Outcome::Unknown).then(|| {
        Box::new(Pending::of(
            job.row,
            &job.keyed,
            claimed.clone(),
            now_secs(),
        ))
    });
    let (outcome, error, moved_fatal) = match (then_move, &lead_id, outcome) {
        (Some(mv), Some(id), Outcome::Created) => {
            let mut m = move_lead(ctx, &job, id, &mv, status_now);
            let fatal = m.fatal.take();
            let (o, e) = moves::combine(outcome, error, m);
            (o, e, fatal)
        }
        _ => (outcome, error, None),
    };
    let _ = events.send(Event::Result(result(job, outcome, lead_id, error), pending));
    stop_with(ctx, events, moved_fatal);
    if let Err(f) = recorded {
        if !ctx.stop.swap(true, Ordering::SeqCst) {
            let _ = events.send(Event::Fatal(f.into()));
        }
    }
    if let Some(e) = fatal {
        if !ctx.stop.swap(true, Ordering::SeqCst) {
            let _ = events.send(Event::Fatal(anyhow::Error::new(e)));
        }
    }
}

/// The result of a row whose claim lost to another run.
fn taken(job: LeadJob, current: &Entry) -> Event {
    let now = now_secs();
    match once::after_lost_claim(current, &job.keyed) {
        Decision::Skip { lead_id, note } => {
            Event::Replayed(result(job, Outcome::Skipped, lead_id, Some(note)), None)
        }
        Decision::Changed { lead_id, note, .. } => {
            Event::Replayed(result(job, Outcome::Changed, lead_id, Some(note)), None)
        }
        Decision::Failed { note } => {
            Event::Replayed(result(job, Outcome::Failed, None, Some(note)), None)
        }
        _ => {
            let pending = Pending::of(job.row, &job.keyed, current.clone(), now);
            let note = "another leadctl run sharing the ledger claimed it first and has no answer \
                        yet; it may exist"
                .to_string();
            Event::Replayed(
                result(job, Outcome::Unknown, None, Some(note)),
                Some(Box::new(pending)),
            )
        }
    }
}

fn update(ctx: &Ctx<'_>, job: LeadJob, events: &Sender<Event>, sent: Sent<'_>) {
    let Work::Update {
        lead_id,
        changes,
        previous,
        then_move,
    } = &job.work
    else {
        return;
    };
    let (lead_id, mut changes, previous, then_move) = (
        lead_id.clone(),
        (**changes).clone(),
        previous.clone(),
        then_move.clone(),
    );
    let place = place(ctx);
    // `if_empty` fields: only where the server holds none (the lead read first).
    once::settle_if_empty(ctx.client, &lead_id, &mut changes);
    if changes.send.is_empty() && changes.clear.is_empty() {
        // The read was the only request: the slot goes back before a move takes its own.
        drop(sent);
        let note = format!(
            "already created as {lead_id} on {}; {}",
            super::decide::day_of(&previous),
            changes.why_nothing(&job.keyed.names)
        );
        let (outcome, note, fatal) = match then_move {
            Some(mv) => {
                let mut m = move_lead(ctx, &job, &lead_id, &mv, None);
                let fatal = m.fatal.take();
                let (o, n) = moves::combine(Outcome::Skipped, Some(note), m);
                (o, n, fatal)
            }
            None => (Outcome::Skipped, Some(note), None),
        };
        let _ = events.send(Event::Result(
            result(job, outcome, Some(lead_id), note),
            None,
        ));
        stop_with(ctx, events, fatal);
        return;
    }
    let body = once::update_body(&lead_id, &job.keyed, &changes);
    let (answer, stats) = ctx.client.update_lead_measured(&body, &signal_429(ctx));
    sent.done(&answer, &stats);
    match answer.map(|_| once::record_update(&place, &job.keyed, job.row, &previous, &changes)) {
        Ok(failed) => {
            let note = match failed {
                Some(f) => format!(
                    "updated, but the ledger could not record it (the next run sends the update \
                     again): {}",
                    f.message
                ),
                None => changes.sent_note(&job.keyed.names),
            };
            let (outcome, note, fatal) = match then_move {
                Some(mv) => {
                    let mut m = move_lead(ctx, &job, &lead_id, &mv, None);
                    let fatal = m.fatal.take();
                    let (o, n) = moves::combine(Outcome::Updated, Some(note), m);
                    (o, n, fatal)
                }
                None => (Outcome::Updated, Some(note), None),
            };
            let _ = events.send(Event::Result(
                result(job, outcome, Some(lead_id), note),
                None,
            ));
            stop_with(ctx, events, fatal);
        }
        Err(e) => {
            let fatal = classify(&e).1;
            let _ = events.send(Event::Result(
                result(
                    job,
                    Outcome::Failed,
                    Some(lead_id),
                    Some(format!("update_lead: {e}")),
                ),
                None,
            ));
            if fatal && !ctx.stop.swap(true, Ordering::SeqCst) {
                let _ = events.send(Event::Fatal(anyhow::Error::new(e)));
            }
        }
    }
}

/// A lead that exists: only its status moves.
fn move_only(ctx: &Ctx<'_>, job: LeadJob, events: &Sender<Event>, sent: Sent<'_>) {
    let Work::Move {
        lead_id,
        before,
        note,
        mv,
    } = &job.work
    else {
        return;
    };
    let (lead_id, before, note, mv) = (lead_id.clone(), *before, note.clone(), mv.clone());
    let mut m = move_lead_with(ctx, &job, &lead_id, &mv, None, Some(sent));
    let fatal = m.fatal.take();
    let (outcome, note) = moves::combine(before, Some(note), m);
    let _ = events.send(Event::Result(
        result(job, outcome, Some(lead_id), note),
        None,
    ));
    stop_with(ctx, events, fatal);
}

/// Moves a row's lead, in a request slot of its own (the lead's request gave its slot back).
fn move_lead(
    ctx: &Ctx<'_>,
    job: &LeadJob,
    lead_id: &str,
    mv: &Move,
    current: Option<String>,
) -> Moved {
    move_lead_with(ctx, job, lead_id, mv, current, None)
}

fn move_lead_with(
    ctx: &Ctx<'_>,
    job: &LeadJob,
    lead_id: &str,
    mv: &Move,
    current: Option<String>,
    slot: Option<Sent<'_>>,
) -> Moved {
    let place = place(ctx);
    let send = |target: &str, by_id: bool| {
        let slot = match slot {
            Some(s) => Some(s),
            None => ctx.controller.acquire(ctx.stop).map(|permit| Sent {
                permit,
                rate_waited: false,
                pacer: ctx.pacer,
            }),
        };
        let Some(sent) = slot else {
            return Err(ApiError::Cancelled);
        };
        let (answer, stats) =
            ctx.client
                .update_status_measured(lead_id, target, by_id, &signal_429(ctx));
        sent.done(&answer, &stats);
        answer
    };
    moves::perform(
        &place, ctx.client, &job.keyed, job.row, lead_id, mv, current, send,
    )
}

/// Stops the run on a fatal error (the first one is reported).
fn stop_with(ctx: &Ctx<'_>, events: &Sender<Event>, fatal: Option<anyhow::Error>) {
    if let Some(e) = fatal {
        if !ctx.stop.swap(true, Ordering::SeqCst) {
            let _ = events.send(Event::Fatal(e));
        }
    }
}

/// A create's error → the row's outcome, and whether the run must stop.
pub fn classify(e: &ApiError) -> (Outcome, bool) {
    if e.is_unknown_outcome() {
        return (Outcome::Unknown, false);
    }
    match e {
        ApiError::Forbidden { .. } | ApiError::Rejected { .. } => (Outcome::Failed, false),
        ApiError::Cancelled => (Outcome::NotSent, false),
        // A redirect other than 307/308 after a POST (303 See Other above all) may follow
        // processing: the row may exist. It also stops the run (every row would meet it).
        ApiError::Redirect { status, .. } if !matches!(status, 307 | 308) => {
            (Outcome::Unknown, true)
        }
        // Provably not processed, and every further row would meet the same.
        _ => (Outcome::NotSent, true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification() {
        use std::time::Duration;
        let unknown = ApiError::Timeout {
            timeout: Duration::from_secs(1),
            unknown: true,
        };
        assert_eq!(classify(&unknown), (Outcome::Unknown, false));
        let refused = ApiError::Forbidden {
            message: "Channel not accessible".into(),
        };
        assert_eq!(classify(&refused), (Outcome::Failed, false));
        let down = ApiError::Connect {
            url: "u".into(),
            cause: "refused".into(),
        };
        assert_eq!(classify(&down), (Outcome::NotSent, true));
        assert_eq!(classify(&ApiError::Cancelled), (Outcome::NotSent, false));
        let moved = |status| ApiError::Redirect {
            status,
            location: "l".into(),
        };
        assert_eq!(classify(&moved(303)), (Outcome::Unknown, true));
        assert_eq!(classify(&moved(307)), (Outcome::NotSent, true));
    }
}
