//! A purchase row, exactly once: the reader decides it against the ledger (the import's rule,
//! `deliver::rule`: a key recorded is `skipped`, recorded with other values `changed`, sent
//! without a reliable answer `unknown` unless `--retry-unknown`, refused `failed` unless
//! `--retry-failed`); a worker claims its key durably, sends `create_purchase` and records the
//! outcome, the purchase's id as the entry's `lead_id`.

use super::super::check::{check_with, BodyPrinter, Checked};
use super::super::flow::{
    body_of, first_of, result, Ctx, Event, Next, PlanSink, Planned, RowKind, Task, Words,
};
use super::super::read::Row;
use super::super::report::{Outcome, RowResult};
use super::{Plan, CHANNEL};
use crate::deliver::ahead::Ahead;
use crate::deliver::gate::Slot;
use crate::deliver::pipeline::Events;
use crate::deliver::{Attempt, Ended, Work};
use crate::purchase::{self, Judged, Left, Ready};

impl RowKind for Plan {
    fn take(
        &self,
        ctx: &Ctx<'_>,
        row: &Row,
        seen: &mut std::collections::HashMap<u64, u64>,
    ) -> anyhow::Result<Next> {
        self::row(ctx, self, row, seen)
    }

    fn check(
        &self,
        _plan: &crate::import::validate::Plan,
        rows: &mut crate::import::read::Rows,
        name: &str,
        opts: &crate::import::Options,
        mut printer: Option<&mut BodyPrinter<'_>>,
        _dups: Option<&mut crate::import::validate::Duplicates>,
    ) -> anyhow::Result<Checked> {
        check_with(
            rows,
            name,
            opts.shard,
            |row| self.build(row),
            |_, k| match printer.as_mut() {
                Some(p) => p.print_body("create_purchase", &k.purchase),
                None => Ok(()),
            },
        )
    }

    fn words(&self) -> &'static Words {
        &Words {
            command: "purchases import",
            would: ("purchase would be recorded", "purchases would be recorded"),
            purchases: true,
        }
    }
}

impl Task for Ready {
    fn run(
        self: Box<Self>,
        ctx: &Ctx<'_>,
        row: u64,
        cells: Vec<String>,
        events: &Events<Event>,
        sent: Slot<'_>,
    ) {
        send(ctx, row, cells, *self, events, sent)
    }

    fn ahead(&mut self) -> Option<&mut Ahead> {
        self.ahead.as_mut()
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
    let Some(ledger) = ctx.place.ledger else {
        return Ok(Next::Send(Box::new(Ready {
            keyed,
            expect: None,
            previous: None,
            ahead: None,
        })));
    };
    match purchase::judge(ledger, ctx.place.scope_url, &keyed, ctx.opts.policy)? {
        Judged::Send { expect, previous } => {
            let ahead = match ctx.dry {
                true => None,
                false => Ahead::new(
                    &ctx.place,
                    keyed.target().claim(row.number, previous.as_ref()),
                    expect,
                ),
            };
            Ok(Next::Send(Box::new(Ready {
                keyed,
                expect,
                previous,
                ahead,
            })))
        }
        Judged::Left(left, note) => done(outcome_of(left), lead, note),
    }
}

/// A purchase left as it is, as a row's outcome.
fn outcome_of(left: Left) -> Outcome {
    match left {
        Left::Skipped => Outcome::Skipped,
        Left::Changed => Outcome::Changed,
        Left::Failed => Outcome::Failed,
        Left::Unknown => Outcome::Unknown,
    }
}

/// Claims the purchase's key, sends `create_purchase`, records the outcome.
pub fn send(
    ctx: &Ctx<'_>,
    row: u64,
    cells: Vec<String>,
    job: Ready,
    events: &Events<Event>,
    sent: Slot<'_>,
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
    let at = Attempt {
        row,
        expect: job.expect,
        previous: job.previous.as_ref(),
        later: true,
    };
    let run = ctx.run();
    let mut ahead = job.ahead;
    let answered = match run.deliver(k, at, ahead.as_mut(), sent) {
        Ended::Sent(a) => a,
        Ended::Taken(current) => {
            let (left, note) = purchase::after_lost_claim(&current);
            return emit(outcome_of(left), Some(note.into()), true);
        }
        Ended::NotSent { why, failure } => {
            if let Some(f) = failure {
                let _ = events.send(Event::Fatal(f.into()));
            }
            return emit(Outcome::NotSent, Some(why.into()), false);
        }
    };
    let purchase_id = answered.answer.map(|p| p.id);
    let note = purchase_id.as_ref().map(|id| format!("purchase {id}"));
    emit(answered.outcome, answered.note.or(note), false);
    if let Some(e) = answered.error.filter(|_| answered.stops) {
        if run.stop_first() {
            let _ = events.send(Event::Fatal(anyhow::Error::new(e)));
        }
    }
}
