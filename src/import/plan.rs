//! The plan of an import: each row decided by the very code the real run uses (the reader of
//! `send`, with the ledger and the server's newest leads read, never written), its writes
//! counted (`crate::plan::Counts`, which the limits are checked against before the first write),
//! kept for a saved plan (`crate::plan::Saved`) and, for `--dry-run`, printed.

use anyhow::Result;
use serde_json::Value;

use super::check::BodyPrinter;
use super::flow::{Event, PlanSink, Planned, Task};
use super::report::{Outcome, RowResult};
use crate::plan::{Counts, Saved};

/// Gathers the plan's events: counts them and, for a dry run, prints each planned write's body
/// and each left-alone row's result.
pub struct Planner<'a> {
    pub counts: Counts,
    /// The writes kept for a saved plan (`--plan-out`), when asked for.
    pub saved: Option<Saved>,
    /// The row of the task being planned.
    row: u64,
    /// The key told for the next write ([`PlanSink::key`]).
    key: Option<crate::saved_plan::PlanKey>,
    printer: Option<BodyPrinter<'a>>,
    /// What the plan reads with, as the real run reads before it writes.
    client: Option<&'a crate::api::ApiClient>,
    /// What stopped the planning (the first).
    pub fatal: Option<anyhow::Error>,
    pub write_error: Option<anyhow::Error>,
}

impl<'a> Planner<'a> {
    pub fn new(printer: Option<BodyPrinter<'a>>) -> Planner<'a> {
        Planner {
            counts: Counts::default(),
            saved: None,
            row: 0,
            key: None,
            printer,
            client: None,
            fatal: None,
            write_error: None,
        }
    }

    pub fn on_event(&mut self, event: Event) {
        match event {
            Event::Planned(row, task) => self.planned(row, task),
            Event::Result(r, _) | Event::Replayed(r, _) => {
                self.counts.left(r.outcome);
                self.print_result(&r);
            }
            Event::Fatal(e) | Event::InputEnded(e) => {
                self.fatal.get_or_insert(e);
            }
            Event::Dispatched(_) => {}
        }
    }

    /// Reads with `client` what the real run reads before it writes (the lead's values for
    /// `if_empty`, its status before a move), so the plan writes what the run would.
    pub fn reading(mut self, client: &'a crate::api::ApiClient) -> Planner<'a> {
        self.client = Some(client);
        self
    }

    /// Keeps each planned write for a saved plan too.
    pub fn saving(mut self) -> Planner<'a> {
        self.saved = Some(Saved::default());
        self
    }

    fn planned(&mut self, row: u64, task: Box<dyn Task>) {
        self.row = row;
        task.plan(self);
    }

    fn print_value(&mut self, body: &Value) {
        if let Some(p) = self.printer.as_mut() {
            if let Err(e) = p.print_item(body) {
                self.write_error.get_or_insert(e);
            }
        }
    }

    fn print_result(&mut self, r: &RowResult) {
        if let Some(p) = self.printer.as_mut() {
            if let Err(e) = p.print_item(r) {
                self.write_error.get_or_insert(e);
            }
        }
    }

    /// Ends the output (a JSON array's end).
    pub fn finish(self) -> Result<(Counts, Option<anyhow::Error>)> {
        if let Some(e) = self.write_error {
            return Err(e);
        }
        if let Some(p) = self.printer {
            p.finish()?;
        }
        Ok((self.counts, self.fatal))
    }
}

impl PlanSink for Planner<'_> {
    fn write(&mut self, what: Planned, body: Value) {
        match what {
            Planned::Create => self.counts.create += 1,
            Planned::Update(fields) => {
                self.counts.update += 1;
                self.counts.update_fields.extend(fields);
            }
            Planned::Move => self.counts.moves += 1,
            Planned::Purchase => self.counts.purchases += 1,
        }
        let key = self.key.take();
        if let Some(saved) = self.saved.as_mut() {
            saved.keep(self.row, key, &body);
        }
        self.print_value(&body);
    }

    fn key(&mut self, key: crate::saved_plan::PlanKey) {
        self.key = Some(key);
    }

    fn client(&self) -> Option<&crate::api::ApiClient> {
        self.client
    }

    fn left(&mut self, outcome: Outcome, lead_id: Option<String>, note: String) {
        let r = RowResult {
            row: self.row,
            outcome,
            lead_id,
            error: Some(note),
            fields: Vec::new(),
            key: None,
        };
        self.counts.left(outcome);
        self.print_result(&r);
    }
}
