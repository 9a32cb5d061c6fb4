//! What the reader, the workers and the collecting thread of an import share: the run's context
//! ([`Ctx`]), the jobs the reader queues ([`Job`]: a lead's task or a purchase), the events sent
//! to the collector ([`Event`]); a worker's request slot (`deliver::gate::Slot`) tells the
//! concurrency gate what each answer says about load.

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;

use super::check::{BodyPrinter, Checked};
use super::read::{Row, Rows};
use super::report::{Outcome, RowResult};
use super::validate::{Duplicates, Plan};
use crate::api::ApiClient;
use crate::deliver::gate::{Gate, Slot};
use crate::deliver::pipeline::Events;
use crate::deliver::settle::Pending;
use crate::deliver::Policy;
use crate::identity::{self, KeyKind};
use crate::lead::bulk::Bulk;
use crate::lead::known::Known;

pub use crate::lead::bulk::{LeadTask, Told};
pub use crate::lead::Keyed;

#[derive(Debug, Clone)]
pub struct Options {
    pub policy: Policy,
    pub key: Option<KeyKind>,
    /// (K, N): only rows with (row - 1) mod N == K - 1.
    pub shard: Option<(u64, u64)>,
    pub skip_invalid: bool,
}

pub enum Event {
    /// The reader took this row (results are emitted in this order).
    Dispatched(u64),
    /// A row's result, and what identifies it when its outcome is unknown (for reconciling).
    Result(RowResult, Option<Box<Pending>>),
    /// A row's outcome decided without sending (the ledger, the server or the input said so):
    /// it does not count towards `--max-errors` or the rate.
    Replayed(RowResult, Option<Box<Pending>>),
    /// Something that stops the whole run (401, unreachable server, an unwritable ledger...).
    Fatal(anyhow::Error),
    /// Reading stopped here (an invalid row from a stream, an unreadable rest of the input); the
    /// rows already taken are still sent.
    InputEnded(anyhow::Error),
    /// A plan (`Ctx::dry`): what would be sent for this row, decided and not sent.
    Planned(u64, Box<dyn Task>),
}

/// What the shared parts of a run are.
pub struct Ctx<'a> {
    pub plan: &'a Plan,
    pub client: &'a ApiClient,
    /// Where the run's keys are recorded: the ledger (none with `--no-ledger`), the API URL as
    /// it scopes keys, the input's name recorded with each key.
    pub place: crate::deliver::Place<'a>,
    pub known: &'a Known,
    pub opts: &'a Options,
    /// The gate on requests: how many in flight (fixed or `auto`) and how fast.
    pub gate: &'a Gate,
    pub stop: &'a AtomicBool,
    /// Warnings on stderr.
    pub warn: &'a (dyn Fn(&str) + Sync),
    /// What the rows are (leads, purchases): how the reader decides one.
    pub rows: &'a dyn RowKind,
    /// Work sharing: the other run this one lost a claim to (`deliver::split`).
    pub split: &'a crate::deliver::split::Split,
    /// The input read again from its start (a file; None for a stream), for the second pass of
    /// a split.
    pub reopen: Option<&'a (dyn Fn() -> anyhow::Result<Rows> + Sync)>,
    /// The lead keys the check pass saw more than once (`None`: any may repeat): only their
    /// first rows are remembered by the reader.
    pub repeats: Option<&'a super::validate::Repeats>,
    /// Only plan: each row is decided as for sending and given as [`Event::Planned`]; no worker
    /// runs, nothing is sent or claimed (the ledger is read, never written: `Known::dry`).
    pub dry: bool,
}

impl Ctx<'_> {
    /// What a lead row's works are decided and sent with.
    pub fn lead(&self) -> Bulk<'_> {
        Bulk {
            place: self.place,
            client: self.client,
            known: self.known,
            gate: self.gate,
            split: self.split,
            stop: self.stop,
            warn: self.warn,
            policy: self.opts.policy,
            dry: self.dry,
        }
    }

    /// What the engine delivers this run's works with.
    pub fn run(&self) -> crate::deliver::Run<'_> {
        crate::deliver::Run {
            place: self.place,
            client: self.client,
            gate: self.gate,
            split: self.split,
            stop: self.stop,
        }
    }
}

/// What a run's rows are, chosen once when the input is prepared: leads (`send::LeadRows`) or
/// purchases (`purchase::Plan`), each a row mapper (rows → works). The check asks it to build
/// every row, the reader what each row comes to; nothing else in a run tells them apart.
pub trait RowKind: Sync {
    /// A row built, keyed, checked against the rows before it (`seen`, by [`first_of`]) and
    /// decided against the ledger: a task for the workers, a result, or its problems.
    fn take(&self, ctx: &Ctx<'_>, row: &Row, seen: &mut HashMap<u64, u64>) -> anyhow::Result<Next>;

    /// Every row of `rows` built as the check pass builds it (`plan`: a lead import's columns):
    /// each valid row's request body told to `printer` (a dry run), the values that may repeat
    /// across rows to `dups`.
    fn check(
        &self,
        plan: &Plan,
        rows: &mut Rows,
        name: &str,
        opts: &super::Options,
        printer: Option<&mut BodyPrinter<'_>>,
        dups: Option<&mut Duplicates>,
    ) -> anyhow::Result<Checked>;

    /// What the run and its rows are called.
    fn words(&self) -> &'static Words;
}

/// What a kind of run and its rows are called, in its messages.
pub struct Words {
    /// The command, as a saved plan names it.
    pub command: &'static str,
    /// What a checked row comes to in a dry run without a key: one, many.
    pub would: (&'static str, &'static str),
    /// Its writes are purchases (a plan's summary counts them).
    pub purchases: bool,
}

/// What a worker does with a row the reader decided to send, in the request slot it holds.
pub trait Task: Send {
    fn run(
        self: Box<Self>,
        ctx: &Ctx<'_>,
        row: u64,
        cells: Vec<String>,
        events: &Events<Event>,
        sent: Slot<'_>,
    );

    /// A dry run: each write it would make, in order, told to `plan` (nothing is sent).
    fn plan(self: Box<Self>, plan: &mut dyn PlanSink);

    /// The claim of its first write, to be made ahead of its slot (`deliver::ahead`), if any.
    fn ahead(&mut self) -> Option<&mut crate::deliver::ahead::Ahead> {
        None
    }
}

/// A write a dry run plans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Planned {
    Create,
    /// An update, and the fields it would send (as messages name them).
    Update(Vec<String>),
    Move,
    Purchase,
}

/// What a dry run is told of each write a task would make: what it is, and its request body.
pub trait PlanSink {
    fn write(&mut self, what: Planned, body: serde_json::Value);

    /// What a saved plan (`--plan-out`) keeps of the next write besides its body: its ledger
    /// key and values, and what the ledger held for the key. Told just before that write (a
    /// create, a purchase); a write told none cannot be saved.
    fn key(&mut self, _key: crate::saved_plan::PlanKey) {}

    /// The client a plan reads with, as the real run reads before it writes (the lead, for
    /// `if_empty` values and for its status before a move); `None`: nothing is read.
    fn client(&self) -> Option<&ApiClient> {
        None
    }

    /// The row is left alone after all (what the reads found): its outcome as the real run
    /// reports it.
    fn left(&mut self, _outcome: Outcome, _lead_id: Option<String>, _note: String) {}
}

/// A request body as the client sends it (`{"action": ..., ...fields}`), for a plan.
pub fn body_of<T: serde::Serialize>(action: &str, fields: &T) -> serde_json::Value {
    serde_json::to_value(crate::api::models::ActionBody { action, fields })
        .unwrap_or(serde_json::Value::Null)
}

/// What the reader does with a row.
pub enum Next {
    Send(Box<dyn Task>),
    /// Decided without sending.
    Done(Box<Event>),
    /// The row's problems, as one text.
    Invalid(String),
}

pub struct Job {
    pub row: u64,
    /// The original cells, for the errors file.
    pub cells: Vec<String>,
    pub task: Box<dyn Task>,
}

impl crate::deliver::pipeline::Job for Job {
    fn ahead(&mut self) -> Option<&mut crate::deliver::ahead::Ahead> {
        self.task.ahead()
    }
}

/// A lead row's task: its lead, and what to do with it.
pub struct LeadRowTask {
    pub keyed: Keyed,
    pub work: LeadTask,
}

/// What a lead came to, as the event its row's result travels in (`r` makes the row's result
/// of its outcome, lead id and note).
pub fn told(
    told: Told,
    r: impl FnOnce(Outcome, Option<String>, Option<String>) -> RowResult,
) -> Event {
    let result = r(told.outcome, told.lead_id, told.note);
    match told.replayed {
        true => Event::Replayed(result, told.pending),
        false => Event::Result(result, told.pending),
    }
}

/// The earlier row with this key in the input, else `None` (and this row is its first).
pub fn first_of(seen: &mut HashMap<u64, u64>, channel: &str, key: &str, row: u64) -> Option<u64> {
    let id = key_hash(channel, key);
    if let Some(first) = seen.get(&id) {
        return Some(*first);
    }
    seen.insert(id, row);
    None
}

pub fn result(
    row: &Row,
    outcome: Outcome,
    lead_id: Option<String>,
    error: Option<String>,
) -> RowResult {
    RowResult {
        row: row.number,
        outcome,
        lead_id,
        error,
        // The cells are only for the errors file.
        fields: if outcome.needs_action() {
            row.fields.clone()
        } else {
            Vec::new()
        },
        key: None,
    }
}

/// FNV-1a 64 of channel and key.
fn key_hash(channel: &str, key: &str) -> u64 {
    let mut h = identity::Fnv::default();
    h.write(channel.as_bytes());
    h.write(&[0x1f]);
    h.write(key.as_bytes());
    h.value()
}
