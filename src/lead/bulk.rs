//! A lead in a bulk run (an import's rows, any source of many leads): decided against the ledger
//! and the channel's newest leads before anything is sent ([`decide`]: a [`LeadTask`] to send, or
//! what the lead comes to), then its works sent by a worker of the pipeline in the request slot it
//! holds ([`send`]): a create (claimed durably, sent, recorded: `deliver::Run::deliver`) then the
//! move to its status when that is not the first; an update of a lead created earlier (without a
//! claim: doc/ledger.md) then its move; or only the move. A lead whose claim did not commit is
//! never sent. What each came to is [`Told`]; the caller says it of its row.

use std::sync::atomic::AtomicBool;

use super::known::Known;
use super::moves::{self, Move, Moved};
use super::once::{self, judge, CreateLead, Judged, Keyed};
use crate::api::{ApiClient, ApiError};
use crate::deliver::ahead::Ahead;
use crate::deliver::gate::{Gate, Slot};
use crate::deliver::settle::Pending;
use crate::deliver::split::Split;
use crate::deliver::{
    classify, deliver_update, Attempt, Decision, Ended, Outcome, Place, Policy, Run, Work,
};
use crate::ledger::{now_secs, Entry, State};

/// What a bulk run's leads are decided and sent with.
pub struct Bulk<'a> {
    /// Where their keys are recorded (no ledger: `--no-ledger`).
    pub place: Place<'a>,
    pub client: &'a ApiClient,
    /// What the server's newest leads say (read once per channel, before its first create).
    pub known: &'a Known,
    /// The gate on requests: how many in flight and how fast.
    pub gate: &'a Gate,
    /// Work sharing: the other run a claim was lost to.
    pub split: &'a Split,
    /// Set to stop the run (no further work is taken).
    pub stop: &'a AtomicBool,
    /// Warnings on stderr.
    pub warn: &'a (dyn Fn(&str) + Sync),
    pub policy: Policy,
    /// Only plan (a dry run): the ledger is read, never written.
    pub dry: bool,
}

impl Bulk<'_> {
    /// What the engine delivers the leads' works with.
    fn run(&self) -> Run<'_> {
        Run {
            place: self.place,
            client: self.client,
            gate: self.gate,
            split: self.split,
            stop: self.stop,
        }
    }
}

/// What to send for a lead.
pub enum LeadTask {
    /// `create_lead`, then the move to the lead's status when it is not the first.
    Create {
        expect: Option<(State, i64)>,
        previous: Option<Entry>,
        then_move: Option<Move>,
        /// Its claim, made ahead of its slot by the pipeline's claimer (None: made in the slot).
        ahead: Option<Box<Ahead>>,
    },
    Update {
        lead_id: String,
        changes: Box<crate::deliver::write::Changes>,
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

/// What a lead came to.
pub struct Told {
    pub outcome: Outcome,
    pub lead_id: Option<String>,
    pub note: Option<String>,
    /// An unknown lead: what settling needs to find it.
    pub pending: Option<Box<Pending>>,
    /// Decided without sending (the ledger, the server or another run said so): it does not
    /// count towards `--max-errors` or the rate.
    pub replayed: bool,
}

impl Told {
    fn replayed(
        outcome: Outcome,
        lead_id: Option<String>,
        note: String,
        pending: Option<Box<Pending>>,
    ) -> Told {
        Told {
            outcome,
            lead_id,
            note: Some(note),
            pending,
            replayed: true,
        }
    }

    fn sent(outcome: Outcome, lead_id: Option<String>, note: Option<String>) -> Told {
        Told {
            outcome,
            lead_id,
            note,
            pending: None,
            replayed: false,
        }
    }
}

/// What the ledger and the server decide for a lead.
#[allow(clippy::large_enum_variant)]
pub enum Step {
    Send(LeadTask),
    /// Decided without sending.
    Done(Told),
}

/// The ledger's (and the server's) say on the lead `k` of row `row`: the work to do, or what it
/// comes to.
pub fn decide(b: &Bulk<'_>, row: u64, k: &Keyed) -> anyhow::Result<Step> {
    let (ledger, scope_url) = (b.place.ledger, b.place.scope_url);
    let then_move = || -> anyhow::Result<Option<Move>> {
        Ok(match moves::plan(ledger, scope_url, k, b.policy)? {
            moves::Plan::Send(mv) => Some(mv),
            _ => None,
        })
    };
    let Some(l) = ledger else {
        return Ok(Step::Send(LeadTask::Create {
            expect: None,
            previous: None,
            then_move: then_move()?,
            ahead: None,
        }));
    };
    b.known.ensure(&k.channel, b.client, l, scope_url, b.warn)?;
    let judged = judge(l, &b.place, b.known, k, row, b.policy)?;
    let decision = match judged {
        Judged::OnServer(lead_id) => {
            let note = format!(
                "already in KeenPartner as {lead_id} (found among the channel's newest \
                 leads); recorded in the ledger"
            );
            return settled(b, row, k, Outcome::Skipped, Some(lead_id), note);
        }
        Judged::Decided(d) => d,
    };
    let told = match decision {
        Decision::Create { expect, previous } => {
            let work = create_work(k);
            let ahead = match b.dry {
                true => None,
                false => Ahead::new(
                    &b.place,
                    work.target().claim(row, previous.as_ref()),
                    expect,
                )
                .map(Box::new),
            };
            return Ok(Step::Send(LeadTask::Create {
                expect,
                previous,
                then_move: then_move()?,
                ahead,
            }));
        }
        Decision::Update {
            lead_id,
            changes,
            previous,
        } => {
            // A dry run reads what the worker reads (`if_empty` values, the status before a
            // move) when it plans the task.
            return Ok(Step::Send(LeadTask::Update {
                lead_id,
                changes: Box::new(changes),
                previous,
                then_move: then_move()?,
            }));
        }
        Decision::Skip { lead_id, note } => {
            return settled(b, row, k, Outcome::Skipped, lead_id, note)
        }
        Decision::Changed { lead_id, note, .. } => {
            return settled(b, row, k, Outcome::Changed, lead_id, note)
        }
        Decision::Failed { note } => Told::replayed(Outcome::Failed, None, note, None),
        Decision::Unknown { note, previous } => {
            let pending = super::window::pending(row, k, previous, now_secs());
            Told::replayed(Outcome::Unknown, None, note, Some(Box::new(pending)))
        }
    };
    Ok(Step::Done(told))
}

/// A lead that exists (skipped, changed): done, or its status still to move.
fn settled(
    b: &Bulk<'_>,
    row: u64,
    k: &Keyed,
    outcome: Outcome,
    lead_id: Option<String>,
    note: String,
) -> anyhow::Result<Step> {
    let done = |outcome, note| {
        Ok(Step::Done(Told::replayed(
            outcome,
            lead_id.clone(),
            note,
            None,
        )))
    };
    let Some(w) = &k.status else {
        return done(outcome, note);
    };
    let Some(id) = lead_id.clone() else {
        return done(
            outcome,
            format!(
                "{note}; not moved to {}: the ledger has no id for the lead",
                w.shown()
            ),
        );
    };
    match moves::plan(b.place.ledger, b.place.scope_url, k, b.policy)? {
        moves::Plan::Stay => done(outcome, note),
        moves::Plan::Done(o, why) => done(o, format!("{why}; {note}")),
        moves::Plan::Settle {
            previous,
            note: why,
        } => {
            let (o, why) =
                moves::settle_unknown(&b.place, b.client, k, row, &id, &previous, why, b.dry);
            done(o, format!("{why}; {note}"))
        }
        moves::Plan::Send(mv) => Ok(Step::Send(LeadTask::Move {
            lead_id: id,
            before: outcome,
            note,
            mv,
        })),
    }
}

/// Sends the lead `k` of row `row` as `task` says, in the request slot `sent`: what it came to,
/// and the error that stops the run when this lead is the first to meet one.
pub fn send(
    b: &Bulk<'_>,
    row: u64,
    k: &Keyed,
    task: LeadTask,
    sent: Slot<'_>,
) -> (Told, Option<anyhow::Error>) {
    match task {
        LeadTask::Create {
            expect,
            previous,
            then_move,
            ahead,
        } => create(b, row, k, expect, previous, then_move, ahead, sent),
        LeadTask::Update {
            lead_id,
            changes,
            previous,
            then_move,
        } => update(b, row, k, lead_id, *changes, previous, then_move, sent),
        LeadTask::Move {
            lead_id,
            before,
            note,
            mv,
        } => then(b, row, k, lead_id, before, note, Some(mv), Some(sent)),
    }
}

/// A bulk run's create of the lead `k`.
fn create_work(k: &Keyed) -> CreateLead<'_> {
    CreateLead {
        keyed: k,
        public: false,
        no_id: "the server answered without a lead id; the lead may exist",
    }
}

#[allow(clippy::too_many_arguments)]
fn create(
    b: &Bulk<'_>,
    row: u64,
    k: &Keyed,
    expect: Option<(State, i64)>,
    previous: Option<Entry>,
    then_move: Option<Move>,
    mut ahead: Option<Box<Ahead>>,
    sent: Slot<'_>,
) -> (Told, Option<anyhow::Error>) {
    let work = create_work(k);
    let at = Attempt {
        row,
        expect,
        previous: previous.as_ref(),
        later: true,
    };
    let run = b.run();
    let answered = match run.deliver(&work, at, ahead.as_deref_mut(), sent) {
        Ended::Sent(a) => a,
        Ended::Taken(current) => {
            if let Some(l) = b.place.ledger {
                b.known
                    .shared
                    .saw(&current, &l.run, |r| l.is_alive(b.place.scope_url, r));
            }
            return (taken(row, k, &current), None);
        }
        Ended::NotSent { why, failure } => {
            let told = Told::sent(Outcome::NotSent, None, Some(why.into()));
            return (told, failure.map(Into::into));
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
        moves::status_id_of(l).unwrap_or_else(|| match &k.status {
            // The answer does not say: a new lead has the channel's first status.
            Some(w) if w.first => w.id.clone(),
            _ => String::new(),
        })
    });
    let lead_id = lead.map(|l| l.id);
    let pending = (outcome == Outcome::Unknown)
        .then(|| Box::new(super::window::pending(row, k, claimed, now_secs())));
    let (outcome, error, moved_fatal) = match (then_move, &lead_id, outcome) {
        (Some(mv), Some(id), Outcome::Created) => {
            let mut m = move_lead(b, row, k, id, &mv, status_now, None);
            let fatal = m.fatal.take();
            let (o, e) = moves::combine(outcome, error, m);
            (o, e, fatal)
        }
        _ => (outcome, error, None),
    };
    let told = Told {
        pending,
        ..Told::sent(outcome, lead_id, error)
    };
    // The first error that stops the run is the one reported.
    let stop = first_stop(b, moved_fatal)
        .or_else(|| {
            recorded
                .err()
                .filter(|_| run.stop_first())
                .map(anyhow::Error::from)
        })
        .or_else(|| fatal.filter(|_| run.stop_first()).map(anyhow::Error::new));
    (told, stop)
}

/// What a lead whose claim lost to another run comes to: that run's record decides.
fn taken(row: u64, k: &Keyed, current: &Entry) -> Told {
    match crate::deliver::rule::after_lost_claim(current, &k.input()) {
        Decision::Skip { lead_id, note } => Told::replayed(Outcome::Skipped, lead_id, note, None),
        Decision::Changed { lead_id, note, .. } => {
            Told::replayed(Outcome::Changed, lead_id, note, None)
        }
        Decision::Failed { note } => Told::replayed(Outcome::Failed, None, note, None),
        _ => {
            let pending = super::window::pending(row, k, current.clone(), now_secs());
            let note = "another leadctl run sharing the ledger claimed it first and has no answer \
                        yet; it may exist"
                .to_string();
            Told::replayed(Outcome::Unknown, None, note, Some(Box::new(pending)))
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn update(
    b: &Bulk<'_>,
    row: u64,
    k: &Keyed,
    lead_id: String,
    mut changes: crate::deliver::write::Changes,
    previous: Entry,
    then_move: Option<Move>,
    sent: Slot<'_>,
) -> (Told, Option<anyhow::Error>) {
    let place = &b.place;
    // `if_empty` fields: only where the server holds none (the lead read first).
    once::settle_if_empty(b.client, &lead_id, &mut changes);
    if changes.sends_nothing() {
        // The read was the only request: the slot goes back before a move takes its own.
        drop(sent);
        // The values held back are recorded, so the next run does not read the lead again.
        if let Some(f) = once::record_update(place, k, row, &previous, &changes) {
            (b.warn)(&format!(
                "row {row}: the ledger could not record the values held back (write = \"if_empty\"); \
                 the next run reads the lead again: {}",
                f.message
            ));
        }
        let note = once::nothing_to_send(&lead_id, &previous, &changes, &k.names);
        return then(b, row, k, lead_id, Outcome::Skipped, note, then_move, None);
    }
    // Sent without a claim: the rule's decision for an update (doc/ledger.md).
    let delivered = {
        let work = once::UpdateLead::new(k, &lead_id, &changes, &previous);
        deliver_update(place, &work, row, &previous, |w| {
            let (answer, stats) = w.send(b.client, &b.gate.on_429(), &|| true);
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
                None => changes.sent_note(&k.names),
            };
            then(b, row, k, lead_id, Outcome::Updated, note, then_move, None)
        }
        Err(e) => {
            let fatal = classify(&e).1;
            let told = Told::sent(
                Outcome::Failed,
                Some(lead_id),
                Some(format!("update_lead: {e}")),
            );
            (told, first_stop(b, fatal.then(|| anyhow::Error::new(e))))
        }
    }
}

/// A lead that came to `outcome` (`note`), then moved when `then_move` says, in `slot` (the
/// row's own request slot, when nothing else was sent) or a slot of its own.
#[allow(clippy::too_many_arguments)]
fn then(
    b: &Bulk<'_>,
    row: u64,
    k: &Keyed,
    lead_id: String,
    outcome: Outcome,
    note: String,
    then_move: Option<Move>,
    slot: Option<Slot<'_>>,
) -> (Told, Option<anyhow::Error>) {
    let (outcome, note, fatal) = match then_move {
        Some(mv) => {
            let mut m = move_lead(b, row, k, &lead_id, &mv, None, slot);
            let fatal = m.fatal.take();
            let (o, n) = moves::combine(outcome, Some(note), m);
            (o, n, fatal)
        }
        None => (outcome, Some(note), None),
    };
    (
        Told::sent(outcome, Some(lead_id), note),
        first_stop(b, fatal),
    )
}

/// Moves a lead, in `slot` or (the lead's request gave its slot back) a request slot of its own.
fn move_lead(
    b: &Bulk<'_>,
    row: u64,
    k: &Keyed,
    lead_id: &str,
    mv: &Move,
    current: Option<String>,
    slot: Option<Slot<'_>>,
) -> Moved {
    let send = |target: &str, by_id: bool, fence: &dyn Fn() -> bool| {
        let slot = match slot {
            Some(s) => Some(s),
            None => b.gate.take(b.stop),
        };
        let Some(sent) = slot else {
            return Err(ApiError::Cancelled);
        };
        let (answer, stats) =
            b.client
                .update_status_fenced(lead_id, target, by_id, &b.gate.on_429(), fence);
        sent.done(&answer, &stats);
        answer
    };
    moves::perform(&b.place, b.client, k, row, lead_id, mv, current, send)
}

/// `fatal`, when it is the first error to stop the run (the one reported).
fn first_stop(b: &Bulk<'_>, fatal: Option<anyhow::Error>) -> Option<anyhow::Error> {
    fatal.filter(|_| b.run().stop_first())
}

#[cfg(test)]
mod tests;
