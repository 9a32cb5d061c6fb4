//! One worker: take a request slot from the concurrency gate (and a `--rate` token), claim the
//! row's key in the ledger (durably), send, record the outcome. A row whose claim did not
//! commit is never sent; a row is claimed only once its slot is held, so no claimed row waits.
//! The gate learns from each answer: the HTTP call's own time (no ledger write, no back-off
//! wait) and what it says about load; with `auto`, the learned rate ([`Pacer`]) spaces the sends
//! once the server has throttled, and hears of each success and each 429.

use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, Sender};
use std::sync::Mutex;

use super::flow::{
    signal_429, Ctx, Event, Job, LeadJob, LeadRowTask, LeadTask, PlanSink, Sent, Task,
};
use super::report::{Outcome, RowResult};
use crate::api::ApiError;
use crate::deliver::pace::Limiter;
use crate::deliver::{classify, deliver, Attempt, Decision, Delivered, Place, Work};
use crate::lead::moves::{self, Move, Moved};
use crate::lead::once::{self, CreateLead};
use crate::ledger::{now_secs, Entry};

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
        let Job { row, cells, task } = job;
        task.run(ctx, row, cells, events, sent);
    }
}

impl Task for LeadRowTask {
    fn run(
        self: Box<Self>,
        ctx: &Ctx<'_>,
        row: u64,
        cells: Vec<String>,
        events: &Sender<Event>,
        sent: Sent<'_>,
    ) {
        let job = LeadJob {
            row,
            keyed: self.keyed,
            cells,
            work: self.work,
        };
        match job.work {
            LeadTask::Create { .. } => create(ctx, job, events, sent),
            LeadTask::Update { .. } => update(ctx, job, events, sent),
            LeadTask::Move { .. } => move_only(ctx, job, events, sent),
        }
    }

    fn plan(self: Box<Self>, plan: &mut dyn PlanSink) {
        super::lead_plan::plan(*self, plan);
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
    let LeadTask::Create {
        expect,
        previous,
        then_move,
    } = &job.work
    else {
        return;
    };
    let (expect, previous, then_move) = (*expect, previous.clone(), then_move.clone());
    let place = place(ctx);
    let work = CreateLead {
        keyed: &job.keyed,
        public: false,
        no_id: "the server answered without a lead id; the lead may exist",
    };
    let at = Attempt {
        row: job.row,
        expect,
        previous: previous.as_ref(),
        later: true,
    };
    let delivered = deliver(&place, &work, at, |w, fence| {
        let (answer, stats) = w.send(ctx.client, &signal_429(ctx), fence);
        sent.done(&answer, &stats);
        answer
    });
    let answered = match delivered {
        Delivered::Sent(a) => a,
        Delivered::Taken(current) => {
            // Another run is on this file: the reader splits it with that run (`deliver::split`).
            ctx.split.met(current.run.as_deref());
            if let Some(l) = ctx.ledger {
                ctx.known
                    .shared
                    .saw(&current, &l.run, |r| l.is_alive(ctx.scope_url, r));
            }
            let _ = events.send(taken(job, &current));
            return;
        }
        Delivered::Unrenewed => {
            ctx.stop.store(true, Ordering::SeqCst);
            let _ = events.send(Event::Result(
                result(
                    job,
                    Outcome::NotSent,
                    None,
                    Some("its claim could not be renewed in the ledger before a retry".into()),
                ),
                None,
            ));
            return;
        }
        Delivered::Unclaimed(f) => {
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
    let (outcome, lead, error, claimed, recorded) = (
        answered.outcome,
        answered.answer,
        answered.note,
        answered.claimed,
        answered.recorded,
    );
    let fatal = answered.error.filter(|_| answered.stops);
    let status_now = lead.as_ref().map(|l| {
        moves::status_id_of(l).unwrap_or_else(|| match &job.keyed.status {
            // The answer does not say: a new lead has the channel's first status.
            Some(w) if w.first => w.id.clone(),
            _ => String::new(),
        })
    });
    let lead_id = lead.map(|l| l.id);
    let pending = (outcome == Outcome::Unknown).then(|| {
        Box::new(crate::lead::window::pending(
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
    let k = &job.keyed;
    match crate::deliver::rule::after_lost_claim(current, &k.input()) {
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
            let pending = crate::lead::window::pending(job.row, &job.keyed, current.clone(), now);
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
    let LeadTask::Update {
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
        // The values held back are recorded, so the next run does not read the lead again.
        if let Some(f) = once::record_update(&place, &job.keyed, job.row, &previous, &changes) {
            (ctx.warn)(&format!(
                "row {}: the ledger could not record the values held back (write = \"if_empty\"); \
                 the next run reads the lead again: {}",
                job.row, f.message
            ));
        }
        let note = format!(
            "already created as {lead_id} on {}; {}",
            crate::deliver::rule::day_of(&previous),
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
    let LeadTask::Move {
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
    let send = |target: &str, by_id: bool, fence: &dyn Fn() -> bool| {
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
                .update_status_fenced(lead_id, target, by_id, &signal_429(ctx), fence);
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
