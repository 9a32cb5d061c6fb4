//! A purchase row, exactly once: the reader decides it against the ledger (the import's rule,
//! `deliver::rule`: a key recorded is `skipped`, recorded with other values `changed`, sent
//! without a reliable answer `unknown` unless `--retry-unknown`, refused `failed` unless
//! `--retry-failed`); a worker claims its key durably, sends `create_purchase` and records the
//! outcome, the purchase's id as the entry's `lead_id`.

use std::sync::atomic::Ordering;
use std::sync::mpsc::Sender;

use super::super::flow::{
    body_of, first_of, result, signal_429, Ctx, Event, Next, PlanSink, Planned, RowKind, Sent, Task,
};
use super::super::read::Row;
use super::super::report::{Outcome, RowResult};
use super::work::PurchaseJob;
use super::{Keyed, Plan, CHANNEL};
use crate::deliver::rule::{self as decide, day_of, Decision};
use crate::deliver::{deliver, Attempt, Delivered, Place, Work};
use crate::ledger::{now_secs, Entry, State};

impl RowKind for Plan {
    fn take(
        &self,
        ctx: &Ctx<'_>,
        row: &Row,
        seen: &mut std::collections::HashMap<u64, u64>,
    ) -> anyhow::Result<Next> {
        self::row(ctx, self, row, seen)
    }
}

impl Task for PurchaseJob {
    fn run(
        self: Box<Self>,
        ctx: &Ctx<'_>,
        row: u64,
        cells: Vec<String>,
        events: &Sender<Event>,
        sent: Sent<'_>,
    ) {
        send(ctx, row, cells, *self, events, sent)
    }

    fn plan(self: Box<Self>, plan: &mut dyn PlanSink) {
        plan.key(crate::saved_plan::PlanKey {
            channel: CHANNEL.to_string(),
            key: self.keyed.key.clone(),
            hash: self.keyed.hash.clone(),
            fields: self.keyed.fields.clone(),
            expect: self.expect,
            expect_run: self.previous.and_then(|p| p.run),
            expect_hash: None,
            status: None,
        });
        plan.write(
            Planned::Purchase,
            body_of("create_purchase", &self.keyed.purchase),
        );
    }
}

/// A row of a purchases file: built, keyed, checked against the rows before it and decided.
pub fn row(
    ctx: &Ctx<'_>,
    plan: &Plan,
    row: &Row,
    seen: &mut std::collections::HashMap<u64, u64>,
) -> anyhow::Result<Next> {
    let keyed = match plan.build(row) {
        Ok(k) => k,
        Err(problems) => {
            return Ok(Next::Invalid(
                problems
                    .iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join("; "),
            ))
        }
    };
    let done = |outcome, id: Option<String>, note: String| {
        Ok(Next::Done(Box::new(Event::Replayed(
            result(row, outcome, id, Some(note)),
            None,
        ))))
    };
    let lead = Some(keyed.purchase.lead_id.clone());
    if let Some(first) = first_of(seen, CHANNEL, &keyed.key, row.number) {
        return done(
            Outcome::Duplicate,
            lead,
            format!(
                "the same purchase id and values as row {first}: one purchase is recorded for \
                 both"
            ),
        );
    }
    let Some(ledger) = ctx.ledger else {
        return Ok(Next::Send(send_unit(keyed, None, None)));
    };
    let entry = ledger.get(ctx.scope_url, CHANNEL, &keyed.key)?;
    let policy = decide::Policy {
        update: false,
        force: false,
        ..ctx.opts.policy
    };
    let recorded = |e: &Entry| {
        format!(
            "recorded as purchase {} on {}",
            e.lead_id.as_deref().unwrap_or("(no id)"),
            day_of(e)
        )
    };
    match decide::decide(
        entry.as_ref(),
        &decide::Input::whole(&keyed.hash, &keyed.fields),
        policy,
        now_secs(),
    ) {
        Decision::Create { expect, previous } => Ok(Next::Send(send_unit(keyed, expect, previous))),
        Decision::Skip { .. } => {
            let e = entry.as_ref();
            done(
                Outcome::Skipped,
                lead,
                format!("already {}", e.map(recorded).unwrap_or_default()),
            )
        }
        Decision::Changed { changed, .. } => {
            let e = entry.as_ref();
            done(
                Outcome::Changed,
                lead,
                format!(
                    "{}; it differs now in {} (the API cannot change a purchase: record a \
                     correction with another purchase id)",
                    e.map(recorded).unwrap_or_default(),
                    changed.join(", ")
                ),
            )
        }
        Decision::Update { .. } => done(Outcome::Changed, lead, "changed".into()),
        Decision::Failed { note } => done(Outcome::Failed, lead, note),
        Decision::Unknown { note, .. } => done(
            Outcome::Unknown,
            lead,
            note.replace("it may exist", "it may have been recorded"),
        ),
    }
}

fn send_unit(keyed: Keyed, expect: Option<(State, i64)>, previous: Option<Entry>) -> Box<dyn Task> {
    Box::new(PurchaseJob {
        keyed,
        expect,
        previous,
    })
}

/// Claims the purchase's key, sends `create_purchase`, records the outcome.
pub fn send(
    ctx: &Ctx<'_>,
    row: u64,
    cells: Vec<String>,
    job: PurchaseJob,
    events: &Sender<Event>,
    sent: Sent<'_>,
) {
    let k = &job.keyed;
    let lead = Some(k.purchase.lead_id.clone());
    let emit = |outcome, error: Option<String>, replayed: bool| {
        let r = RowResult {
            row,
            outcome,
            lead_id: lead.clone(),
            error,
            fields: if outcome.needs_action() {
                cells.clone()
            } else {
                Vec::new()
            },
            key: Some(k.key.clone()),
        };
        let _ = events.send(if replayed {
            Event::Replayed(r, None)
        } else {
            Event::Result(r, None)
        });
    };
    let place = Place {
        ledger: ctx.ledger,
        scope_url: ctx.scope_url,
        input: ctx.input,
    };
    let at = Attempt {
        row,
        expect: job.expect,
        previous: job.previous.as_ref(),
        later: true,
    };
    let delivered = deliver(&place, k, at, |k, fence| {
        let (answer, stats) = k.send(ctx.client, &signal_429(ctx), fence);
        sent.done(&answer, &stats);
        answer
    });
    let answered = match delivered {
        Delivered::Sent(a) => a,
        Delivered::Taken(current) => {
            ctx.split.met(current.run.as_deref());
            let (outcome, note) = match current.state {
                State::Created => (
                    Outcome::Skipped,
                    "recorded by another leadctl run sharing the ledger",
                ),
                State::Failed => (Outcome::Failed, "refused in another leadctl run"),
                _ => (
                    Outcome::Unknown,
                    "another leadctl run sharing the ledger is sending it; it may have been \
                     recorded",
                ),
            };
            return emit(outcome, Some(note.into()), true);
        }
        Delivered::Unrenewed => {
            ctx.stop.store(true, Ordering::SeqCst);
            return emit(
                Outcome::NotSent,
                Some("its claim could not be renewed in the ledger before a retry".into()),
                false,
            );
        }
        Delivered::Unclaimed(f) => {
            ctx.stop.store(true, Ordering::SeqCst);
            let _ = events.send(Event::Fatal(f.into()));
            return emit(
                Outcome::NotSent,
                Some("its key could not be recorded in the ledger".into()),
                false,
            );
        }
    };
    let purchase_id = answered.answer.map(|p| p.id);
    let note = purchase_id.as_ref().map(|id| format!("purchase {id}"));
    emit(answered.outcome, answered.note.or(note), false);
    if let Some(e) = answered.error.filter(|_| answered.stops) {
        if !ctx.stop.swap(true, Ordering::SeqCst) {
            let _ = events.send(Event::Fatal(anyhow::Error::new(e)));
        }
    }
}
