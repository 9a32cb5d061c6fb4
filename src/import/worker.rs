//! A lead row's task, run by a worker of the pipeline (`deliver::pipeline`) in the request slot
//! it holds: claim the row's key in the ledger (durably), send, record the outcome
//! (`deliver::deliver`), then move the lead's status when the row asks. A row whose claim did
//! not commit is never sent. The gate learns from each answer ([`Slot::done`]).

use std::sync::atomic::Ordering;

use super::flow::{Ctx, Event, Job, LeadJob, LeadRowTask, LeadTask, PlanSink, Task};
use super::report::{Outcome, RowResult};
use crate::api::ApiError;
use crate::deliver::gate::Slot;
use crate::deliver::pipeline::Events;
use crate::deliver::{classify, deliver_update, Attempt, Decision, Ended, Work};
use crate::lead::moves::{self, Move, Moved};
use crate::lead::once::{self, CreateLead};
use crate::ledger::{now_secs, Entry};

impl Task for LeadRowTask {
    fn run(
        self: Box<Self>,
        ctx: &Ctx<'_>,
        row: u64,
        cells: Vec<String>,
        events: &Events<Event>,
        sent: Slot<'_>,
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

/// A job the run stopped before it was sent.
pub fn not_sent(job: Job, why: &str) -> Event {
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

fn create(ctx: &Ctx<'_>, job: LeadJob, events: &Events<Event>, sent: Slot<'_>) {
    let LeadTask::Create {
        expect,
        previous,
        then_move,
    } = &job.work
    else {
        return;
    };
    let (expect, previous, then_move) = (*expect, previous.clone(), then_move.clone());
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
    let run = ctx.run();
    let answered = match run.deliver(&work, at, sent) {
        Ended::Sent(a) => a,
        Ended::Taken(current) => {
            if let Some(l) = ctx.ledger {
                ctx.known
                    .shared
                    .saw(&current, &l.run, |r| l.is_alive(ctx.scope_url, r));
            }
            let _ = events.send(taken(job, &current));
            return;
        }
        Ended::NotSent { why, failure } => {
            if let Some(f) = failure {
                let _ = events.send(Event::Fatal(f.into()));
            }
            let _ = events.send(Event::Result(
                result(job, Outcome::NotSent, None, Some(why.into())),
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
        if run.stop_first() {
            let _ = events.send(Event::Fatal(f.into()));
        }
    }
    if let Some(e) = fatal {
        if run.stop_first() {
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

fn update(ctx: &Ctx<'_>, job: LeadJob, events: &Events<Event>, sent: Slot<'_>) {
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
    let place = ctx.place();
    // `if_empty` fields: only where the server holds none (the lead read first).
    once::settle_if_empty(ctx.client, &lead_id, &mut changes);
    if changes.sends_nothing() {
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
    // Sent without a claim: the rule's decision for an update (doc/ledger.md).
    let delivered = {
        let work = once::UpdateLead::new(&job.keyed, &lead_id, &changes, &previous);
        deliver_update(&place, &work, job.row, &previous, |w| {
            let (answer, stats) = w.send(ctx.client, &ctx.gate.on_429(), &|| true);
            sent.done(&answer, &stats);
            answer
        })
    };
    match delivered.map(|(_, failed)| failed) {
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
fn move_only(ctx: &Ctx<'_>, job: LeadJob, events: &Events<Event>, sent: Slot<'_>) {
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
    slot: Option<Slot<'_>>,
) -> Moved {
    let place = ctx.place();
    let send = |target: &str, by_id: bool, fence: &dyn Fn() -> bool| {
        let slot = match slot {
            Some(s) => Some(s),
            None => ctx.gate.take(ctx.stop),
        };
        let Some(sent) = slot else {
            return Err(ApiError::Cancelled);
        };
        let (answer, stats) =
            ctx.client
                .update_status_fenced(lead_id, target, by_id, &ctx.gate.on_429(), fence);
        sent.done(&answer, &stats);
        answer
    };
    moves::perform(
        &place, ctx.client, &job.keyed, job.row, lead_id, mv, current, send,
    )
}

/// Stops the run on a fatal error (the first one is reported).
fn stop_with(ctx: &Ctx<'_>, events: &Events<Event>, fatal: Option<anyhow::Error>) {
    if let Some(e) = fatal {
        if !ctx.stop.swap(true, Ordering::SeqCst) {
            let _ = events.send(Event::Fatal(e));
        }
    }
}
