//! The plan of a run: each row decided by the very code the real run uses (the reader of
//! `send`, with the ledger and the server's newest leads read, never written), its writes
//! counted and, for `--dry-run`, printed. The limits (`--max-create`, `--max-changes`) are
//! checked against it before the first write.

use std::collections::BTreeSet;

use anyhow::Result;
use serde_json::Value;

use super::check::BodyPrinter;
use super::flow::{Event, PlanSink, Planned, Task};
use super::fmt_count;
use super::report::{Outcome, RowResult};
use crate::error::Failure;

use super::limits::Limits;

/// What the plan would do, counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub create: u64,
    pub update: u64,
    /// The fields the updates send.
    pub update_fields: BTreeSet<String>,
    /// Status moves (of new leads and of existing ones).
    pub moves: u64,
    pub purchases: u64,
    /// Rows left alone, by outcome.
    pub skipped: u64,
    pub changed: u64,
    pub unknown: u64,
    pub failed: u64,
    pub duplicate: u64,
    pub invalid: u64,
}

impl Counts {
    /// Updates, moves and purchases: what `--max-changes` limits.
    pub fn changes(&self) -> u64 {
        self.update + self.moves + self.purchases
    }

    fn left(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Skipped => self.skipped += 1,
            Outcome::Changed => self.changed += 1,
            Outcome::Unknown => self.unknown += 1,
            Outcome::Failed => self.failed += 1,
            Outcome::Duplicate => self.duplicate += 1,
            Outcome::Invalid => self.invalid += 1,
            // Not decided without sending.
            Outcome::Created | Outcome::Updated | Outcome::Moved | Outcome::NotSent => {}
        }
    }

    /// "3 leads would be created, 1 updated (first_name), 2 moved, 207 skipped as already
    /// created".
    pub fn summary(&self, purchases: bool) -> String {
        let n = |k: u64| fmt_count(k);
        let mut parts = vec![if purchases {
            format!(
                "{} {} would be recorded",
                n(self.purchases),
                if self.purchases == 1 {
                    "purchase"
                } else {
                    "purchases"
                }
            )
        } else {
            format!(
                "{} {} would be created",
                n(self.create),
                if self.create == 1 { "lead" } else { "leads" }
            )
        }];
        if self.update > 0 {
            let fields: Vec<&str> = self.update_fields.iter().map(String::as_str).collect();
            parts.push(format!(
                "{} updated ({})",
                n(self.update),
                fields.join(", ")
            ));
        }
        if self.moves > 0 {
            parts.push(format!("{} moved", n(self.moves)));
        }
        for (k, what) in [
            (self.skipped, "skipped as already created"),
            (self.changed, "changed since created (--update sends them)"),
            (
                self.unknown,
                "unknown (sent earlier without an answer; left alone)",
            ),
            (self.failed, "failed earlier (--retry-failed sends them)"),
            (self.duplicate, "duplicates of an earlier row"),
            (self.invalid, "invalid"),
        ] {
            if k > 0 {
                parts.push(format!("{} {what}", n(k)));
            }
        }
        parts.join(", ")
    }

    /// The limits against this plan: over one, nothing is sent (exit 6).
    pub fn check(&self, limits: &Limits) -> Result<(), Failure> {
        let mut over = Vec::new();
        if let Some(max) = limits.max_create.filter(|&m| self.create > m) {
            over.push(format!(
                "it would create {} leads, above --max-create {}",
                fmt_count(self.create),
                fmt_count(max)
            ));
        }
        if let Some(max) = limits.max_changes.filter(|&m| self.changes() > m) {
            over.push(format!(
                "it would make {} changes ({} updates, {} moves, {} purchases), above \
                 --max-changes {}",
                fmt_count(self.changes()),
                fmt_count(self.update),
                fmt_count(self.moves),
                fmt_count(self.purchases),
                fmt_count(max)
            ));
        }
        if over.is_empty() {
            return Ok(());
        }
        Err(Failure::input(format!(
            "the plan of this run is over its limit: {}; nothing was sent",
            over.join("; ")
        ))
        .with_hint(
            "run the same command with --dry-run -o ndjson to see each planned write; if the \
             plan is right, raise the limit (--max-create, --max-changes, or max_create / \
             max_changes in the mapping file or profile)",
        ))
    }
}

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

/// The writes of a plan to save (`--plan-out`), and the actions it cannot save.
#[derive(Debug, Default)]
pub struct Saved {
    pub writes: Vec<crate::saved_plan::Write>,
    /// Planned writes `apply` does not run (`lead_external`), by action.
    pub unsupported: std::collections::BTreeMap<String, u64>,
}

impl Saved {
    /// One planned write of `row`, with its key (`None`: a write a plan cannot hold yet).
    pub fn keep(&mut self, row: u64, key: Option<crate::saved_plan::PlanKey>, body: &Value) {
        let action = body
            .get("action")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        match key {
            Some(k) => self.writes.push(crate::saved_plan::Write {
                expect: crate::saved_plan::Expect::of(&k),
                action,
                channel: k.channel,
                key: k.key,
                hash: k.hash,
                fields: k.fields,
                row,
                body: body.clone(),
            }),
            None => *self.unsupported.entry(action).or_default() += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_names_each_action() {
        let mut c = Counts {
            create: 3,
            update: 1,
            moves: 2,
            skipped: 207,
            ..Counts::default()
        };
        c.update_fields.insert("first_name".into());
        assert_eq!(
            c.summary(false),
            "3 leads would be created, 1 updated (first_name), 2 moved, 207 skipped as already \
             created"
        );
        assert_eq!(Counts::default().summary(false), "0 leads would be created");
        let p = Counts {
            purchases: 1,
            duplicate: 2,
            ..Counts::default()
        };
        assert_eq!(
            p.summary(true),
            "1 purchase would be recorded, 2 duplicates of an earlier row"
        );
    }

    #[test]
    fn limits_name_the_numbers() {
        let c = Counts {
            create: 50,
            update: 2,
            moves: 1,
            ..Counts::default()
        };
        assert!(c.check(&Limits::default()).is_ok());
        let limits = Limits {
            max_create: Some(20),
            max_changes: Some(3),
        };
        let e = c.check(&limits).unwrap_err();
        assert_eq!(e.kind, crate::error::Kind::Input);
        assert_eq!(
            e.message,
            "the plan of this run is over its limit: it would create 50 leads, above \
             --max-create 20; nothing was sent"
        );
        assert!(e.hint.unwrap().contains("--dry-run"));
        let e = c
            .check(&Limits {
                max_create: None,
                max_changes: Some(2),
            })
            .unwrap_err();
        assert!(e.message.contains(
            "it would make 3 changes (2 updates, 1 moves, 0 purchases), above --max-changes 2"
        ));
    }
}
