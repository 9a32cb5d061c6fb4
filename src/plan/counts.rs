//! What a plan would do, counted (creates, updates and the fields they send, moves, purchases,
//! the rows left alone by outcome), said in words and checked against the run's limits before
//! the first write: an import's, a create's and a saved plan's (`apply`) alike.

use std::collections::BTreeSet;

use super::Limits;
use crate::deliver::Outcome;
use crate::error::Failure;
use crate::output::fmt_count;

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

    /// A row the plan leaves alone, by its outcome.
    pub fn left(&mut self, outcome: Outcome) {
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
