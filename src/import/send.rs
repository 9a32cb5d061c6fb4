//! Sending the rows: a reader thread that decides each row against the ledger and feeds a
//! bounded queue, workers sharing one client, and the calling thread collecting each row's
//! result. How many requests are in flight is the [`Controller`]'s gate: as many workers as its
//! limit may reach (`--max-concurrency`, or the fixed `--concurrency N`), each taking a permit
//! before its row is claimed and sent.
//!
//! Exactly-once rests on the ledger (doc/ledger.md): a worker claims a row's key durably before
//! its request and records the outcome after. Keys already created are skipped; keys sent
//! without a reliable answer are `unknown` and never re-sent unless asked (`--retry-unknown`).

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use super::check::{self, BodyPrinter, Checked};
use super::flow::{
    self, first_of, result, Ctx, Event, Job, Keyed, LeadRowTask, Next, RowKind, Words,
};
use super::order::in_shard;
use super::read::{Footer, Row, Rows};
use super::report::Outcome;
use super::validate::Duplicates;
use super::validate::Plan;
use super::worker;
use crate::deliver::pipeline::{Feed, Observer, Pipeline};
use crate::error::Failure;
use crate::identity::{self, KeyKind};
use crate::lead::bulk::Step;

/// The reader's way to the collector and the workers.
type Outbox<'a> = Feed<'a, Job, Event>;

/// Runs the reader and the workers (`deliver::pipeline`); `observer` hears every event on this
/// thread. Returns the report footer the reader left out at the end, if any, and the ledger's
/// flush of the records queued for a later commit.
pub fn run(
    ctx: &Ctx<'_>,
    rows: Rows,
    observer: &mut impl Observer<Event>,
) -> (Option<Footer>, Option<Result<(), Failure>>) {
    // A plan decides every row in the reader: no worker runs, and it writes no ledger.
    let pipeline = Pipeline {
        gate: ctx.gate,
        stop: ctx.stop,
        workers: if ctx.dry { 0 } else { ctx.gate.workers() },
        ledger: ctx
            .place
            .ledger
            .filter(|_| !ctx.dry)
            .map(|l| (l, ctx.place.scope_url)),
    };
    let ran = pipeline.run(
        |feed| reader(ctx, rows, feed),
        |job: Job, slot, events| job.task.run(ctx, job.row, job.cells, events, slot),
        |job| worker::not_sent(job, "stopped before it was sent"),
        observer,
    );
    (ran.read.flatten(), ran.flushed)
}

/// Builds a row's lead and its key; the problems as one text when it is invalid.
pub fn key_row(plan: &Plan, row: &Row, forced: Option<KeyKind>) -> Result<Keyed, String> {
    let (lead, status) = super::status::build(plan, row).map_err(|problems| {
        problems
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    let mut keyed = Keyed::new(lead, forced).map_err(|why| format!("row {} {why}", row.number))?;
    keyed.status = status;
    let (mut emptied, names) = super::validate::presence(plan, row, &keyed.channel);
    emptied.retain(|k| !keyed.fields.contains_key(k));
    keyed.emptied = emptied;
    keyed.names = names;
    keyed.rules = plan.writes.clone();
    Ok(keyed)
}

fn reader(ctx: &Ctx<'_>, mut rows: Rows, outbox: &mut Outbox<'_>) -> Option<Footer> {
    // The first row of each key in this input (by a 64-bit hash of channel and key).
    let mut seen: HashMap<u64, u64> = HashMap::new();
    // Work sharing with another run on this file (`deliver::split`): the rows left for a second pass.
    let splits = ctx.reopen.is_some() && ctx.opts.shard.is_none();
    let own = ctx.place.ledger.map(|l| l.run.as_str()).unwrap_or("");
    let mut deferred: Vec<u64> = Vec::new();
    let mut whole = true;
    loop {
        if ctx.stop.load(Ordering::SeqCst) {
            whole = false;
            break;
        }
        let row = match rows.next_row() {
            Ok(Some(row)) => row,
            Ok(None) => break,
            Err(e) => {
                unreadable(outbox, &e);
                whole = false;
                break;
            }
        };
        if !in_shard(row.number, ctx.opts.shard) {
            continue;
        }
        if let Some(parity) = ctx.split.parity(own).filter(|_| splits) {
            if !crate::deliver::split::first_pass(row.number, parity) {
                deferred.push(row.number);
                continue;
            }
        }
        if !take(ctx, row, outbox, &mut seen) {
            whole = false;
            break;
        }
    }
    let footer = rows.footer().cloned();
    if let (true, false, Some(reopen)) = (whole, deferred.is_empty(), ctx.reopen) {
        second_pass(ctx, reopen, &deferred, outbox, &mut seen);
    }
    footer
}

/// The rows a split left for later, read again from the file's start.
fn second_pass(
    ctx: &Ctx<'_>,
    reopen: &(dyn Fn() -> anyhow::Result<Rows> + Sync),
    deferred: &[u64],
    outbox: &mut Outbox<'_>,
    seen: &mut HashMap<u64, u64>,
) {
    let mut rows = match reopen() {
        Ok(rows) => rows,
        Err(e) => {
            outbox.send(Event::Fatal(e));
            return;
        }
    };
    let mut wanted = deferred.iter().copied().peekable();
    while let Some(&next) = wanted.peek() {
        if ctx.stop.load(Ordering::SeqCst) {
            return;
        }
        let row = match rows.next_row() {
            Ok(Some(row)) => row,
            Ok(None) => return,
            Err(e) => return unreadable(outbox, &e),
        };
        if row.number < next {
            continue;
        }
        wanted.next();
        if !take(ctx, row, outbox, seen) {
            return;
        }
    }
}

fn unreadable(outbox: &mut Outbox<'_>, e: &super::read::RowError) {
    outbox.send(Event::Fatal(
        Failure::input(format!(
            "the input cannot be read past line {}: {}",
            e.line, e.message
        ))
        .into(),
    ));
}

/// Dispatches one row: decided here (its result), or a job for the workers. False: stop reading.
fn take(ctx: &Ctx<'_>, row: Row, outbox: &mut Outbox<'_>, seen: &mut HashMap<u64, u64>) -> bool {
    if !outbox.send(Event::Dispatched(row.number)) {
        return false;
    }
    let task = match ctx.rows.take(ctx, &row, seen) {
        Ok(Next::Invalid(text)) => {
            outbox.send(Event::Result(
                result(&row, Outcome::Invalid, None, Some(text.clone())),
                None,
            ));
            if !ctx.opts.skip_invalid {
                // Only a stream gets here (a file is checked whole first): stop at this row.
                let stopped = if ctx.dry {
                    "the dry run stopped at this row; a real run sends the rows before it"
                } else {
                    "the import stopped at this row; the rows before it were sent"
                };
                outbox.send(Event::InputEnded(
                    Failure::input(format!("{text}\n  {stopped}"))
                        .with_hint(
                            "fix the row and run the same command again to resume, or pass \
                         --skip-invalid",
                        )
                        .into(),
                ));
                return false;
            }
            return true;
        }
        Ok(Next::Done(event)) => return outbox.send(*event),
        Ok(Next::Send(task)) if ctx.dry => {
            return outbox.send(Event::Planned(row.number, task));
        }
        Ok(Next::Send(task)) => task,
        Err(e) => {
            outbox.send(Event::Fatal(e));
            return false;
        }
    };
    let job = Job {
        row: row.number,
        cells: row.fields,
        task,
    };
    outbox.job(job)
}

/// The rows of a lead import.
pub struct LeadRows;

impl RowKind for LeadRows {
    fn take(&self, ctx: &Ctx<'_>, row: &Row, seen: &mut HashMap<u64, u64>) -> anyhow::Result<Next> {
        lead_row(ctx, row, seen)
    }

    fn check(
        &self,
        plan: &Plan,
        rows: &mut Rows,
        name: &str,
        opts: &super::Options,
        mut printer: Option<&mut BodyPrinter<'_>>,
        mut dups: Option<&mut Duplicates>,
    ) -> anyhow::Result<Checked> {
        check::check_rows(rows, plan, name, opts.shard, opts.leads().key, |_, lead| {
            if let Some(dups) = dups.as_mut() {
                super::validate::duplicate_keys(&lead, |key, value| dups.see(key, value));
            }
            match printer.as_mut() {
                Some(p) => p.print(&lead),
                None => Ok(()),
            }
        })
    }

    fn words(&self) -> &'static Words {
        &Words {
            command: "import",
            would: ("lead would be created", "leads would be created"),
            purchases: false,
        }
    }
}

/// A lead row: built, keyed, checked against the rows before it and decided.
fn lead_row(ctx: &Ctx<'_>, row: &Row, seen: &mut HashMap<u64, u64>) -> anyhow::Result<Next> {
    let keyed = match key_row(ctx.plan, row, ctx.opts.key) {
        Ok(k) => k,
        Err(text) => return Ok(Next::Invalid(text)),
    };
    let may_repeat = ctx.repeats.is_none_or(|r| r.may_repeat(&keyed.key));
    let first = may_repeat
        .then(|| first_of(seen, &keyed.channel, &keyed.key, row.number))
        .flatten();
    if let Some(first) = first {
        return Ok(Next::Done(Box::new(Event::Replayed(
            result(
                row,
                Outcome::Duplicate,
                None,
                Some(format!(
                    "same {} as row {first}: one lead is created for both",
                    identity::describe_key(&keyed.key)
                )),
            ),
            None,
        ))));
    }
    Ok(
        match crate::lead::bulk::decide(&ctx.lead(), row.number, &keyed)? {
            Step::Send(work) => Next::Send(Box::new(LeadRowTask { keyed, work })),
            Step::Done(told) => Next::Done(Box::new(flow::told(told, |outcome, id, note| {
                result(row, outcome, id, note)
            }))),
        },
    )
}
