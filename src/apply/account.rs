//! The account of an apply: each row's results in the plan's order (whatever order the workers
//! finish in), counted (`deliver::Counts`, and the writes not sent because they were stale or
//! done before), printed (`output::results`) and told to the run report; at the end of the run
//! (`deliver::ending`), the summary and the run's result in an apply's words.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::send::Done;
use super::write::Fate;
use crate::deliver::ending::{self, End, Finished, Unknowns};
use crate::deliver::pipeline::Observer;
use crate::deliver::settle::{Pending, Results};
use crate::deliver::Counts;
use crate::error::{Failure, Kind};
use crate::log::Log;
use crate::output::results::ResultPrinter;
use crate::output::Output;
use crate::report::Recorder;

/// An apply's observer and account.
pub(super) struct Tally<'a> {
    out: &'a mut Output,
    log: &'a Log,
    recorder: Option<&'a Recorder>,
    /// Set when output is lost: no further write is taken.
    stop: &'a AtomicBool,
    plan: &'a Path,
    /// The ledger as the summary names it.
    ledger: String,
    /// The plan's writes.
    total: u64,
    /// Groups that came before one still in flight, by their place in the plan.
    waiting: BTreeMap<usize, Done>,
    due: usize,
    counts: Counts,
    /// Not sent: their key moved on since the plan was made (another run).
    stale: u64,
    /// Not sent: this plan was applied before.
    done: u64,
    sent: u64,
    printer: ResultPrinter,
    fatal: Option<anyhow::Error>,
    write_error: Option<anyhow::Error>,
    /// An apply leaves its unknown writes for the user to check (it settles none): always empty.
    pending: Vec<Pending>,
    created_ids: HashSet<String>,
}

/// What a run of a plan is told with.
pub(super) struct Telling<'a> {
    pub out: &'a mut Output,
    pub log: &'a Log,
    pub recorder: Option<&'a Recorder>,
    pub stop: &'a AtomicBool,
    pub plan: &'a Path,
    pub ledger: String,
    pub total: u64,
}

impl<'a> Tally<'a> {
    pub fn new(t: Telling<'a>) -> Tally<'a> {
        Tally {
            out: t.out,
            log: t.log,
            recorder: t.recorder,
            stop: t.stop,
            plan: t.plan,
            ledger: t.ledger,
            total: t.total,
            waiting: BTreeMap::new(),
            due: 0,
            counts: Counts::default(),
            stale: 0,
            done: 0,
            sent: 0,
            printer: ResultPrinter::new(),
            fatal: None,
            write_error: None,
            pending: Vec::new(),
            created_ids: HashSet::new(),
        }
    }

    fn account_for(&mut self, done: Done) {
        for (r, fate) in done.results {
            match fate {
                Fate::Stale => self.stale += 1,
                Fate::Done => self.done += 1,
                Fate::Sent => self.sent += 1,
                Fate::Held => {}
            }
            self.counts.add(r.outcome);
            if let (Some(rec), true) = (self.recorder, r.outcome.needs_action()) {
                rec.attention(crate::report::Attention {
                    row: r.row,
                    key: r.key.clone(),
                    outcome: r.outcome.as_str().to_string(),
                    message: r.error.clone().unwrap_or_default(),
                });
            }
            if self.write_error.is_none() {
                if let Err(e) = self.printer.print(self.out, &r) {
                    // Nothing more is taken; what is in flight finishes and is recorded.
                    self.stop.store(true, Ordering::SeqCst);
                    self.write_error = Some(e.into());
                }
            }
        }
        if let Some(e) = done.stop {
            self.stop.store(true, Ordering::SeqCst);
            self.fatal.get_or_insert(e);
        }
    }
}

impl Observer<Done> for Tally<'_> {
    /// A group waits for the ones before it.
    fn event(&mut self, done: Done) {
        self.waiting.insert(done.group, done);
        while let Some(done) = self.waiting.remove(&self.due) {
            self.account_for(done);
            self.due += 1;
        }
    }
}

/// An apply holds no unknown write to settle: nothing is told.
pub(super) struct NoneHeld;

impl Results for NoneHeld {
    fn found(&mut self, _row: u64, _id: &str) -> bool {
        false
    }
    fn by_other(&mut self, _row: u64, _id: &str, _note: String) -> bool {
        false
    }
    fn unsent(&mut self, _row: u64, _note: String) -> bool {
        false
    }
    fn unanswered_by_others(&mut self, _n: u64) {}
}

impl ending::Account for Tally<'_> {
    type Results<'r>
        = NoneHeld
    where
        Self: 'r;

    fn unknowns(&mut self) -> Unknowns<'_, NoneHeld> {
        Unknowns {
            pending: &mut self.pending,
            created_ids: &self.created_ids,
            created: self.counts.created,
            results: NoneHeld,
        }
    }

    fn fatal(&mut self) -> &mut Option<anyhow::Error> {
        &mut self.fatal
    }

    fn finish(&mut self) -> anyhow::Result<Finished> {
        // Groups after one that never came (a worker that panicked: every group the reader
        // queued comes back otherwise): in order all the same.
        for (_, done) in std::mem::take(&mut self.waiting) {
            self.account_for(done);
        }
        // The last buffered results may meet a closed stdout only now: that loses output, not
        // writes (as an import's).
        if let Err(e) = self.printer.finish(self.out) {
            if self.write_error.is_none() && e.kind() != std::io::ErrorKind::BrokenPipe {
                self.write_error = Some(e.into());
            }
        }
        // A closed stdout (`apply PLAN | head`) stopped the run: said as such by `account`,
        // after the summary, as an import says it; any other write error is the run's.
        let stdout_closed = self
            .write_error
            .as_ref()
            .is_some_and(crate::exit::is_broken_pipe);
        if let Some(e) = self.write_error.take().filter(|_| !stdout_closed) {
            return Err(e);
        }
        Ok(Finished {
            counts: self.counts,
            sent: self.sent,
            total: self.total,
            stdout_closed,
            errors_file: None,
        })
    }

    fn account(self, end: End) -> anyhow::Result<()> {
        let how = if end.interrupted {
            "interrupted"
        } else if self.fatal.is_some() || end.finished.stdout_closed {
            "stopped"
        } else {
            "finished"
        };
        // How the concurrency went, when writes were sent (as an import says it).
        let mut text = self.summary_text(end.elapsed, how);
        if let Some(c) = &end.concurrency {
            text.push_str(&format!("\n  {c}"));
        }
        self.log
            .notice(&format!("{text}\n  ledger: {}", self.ledger));
        let total = self.total;
        if end.interrupted {
            return Err(Failure::new(
                Kind::Interrupted,
                format!(
                    "interrupted: {} of {total} planned write(s)",
                    self.counts.describe()
                ),
            )
            .with_hint(format!(
                "run `leadctl apply {}` to send the rest (what was sent is not sent again)",
                self.plan.display()
            ))
            .into());
        }
        if end.finished.stdout_closed {
            return Err(Failure::new(
                Kind::Partial,
                format!(
                    "stdout was closed (broken pipe), so apply stopped after {} of {total} \
                     planned write(s)",
                    self.counts.describe()
                ),
            )
            .with_hint(format!(
                "run `leadctl apply {}` again without closing its output to send the rest (what \
                 was sent is not sent again)",
                self.plan.display()
            ))
            .into());
        }
        self.outcome()
    }
}

impl Tally<'_> {
    /// `how`: finished, stopped, interrupted.
    fn summary_text(&self, elapsed: Duration, how: &str) -> String {
        let total = self.total;
        let mut text = format!(
            "apply {how} in {:.1}s: {} of {total} planned write(s)",
            elapsed.as_secs_f64(),
            self.counts.describe()
        );
        let reached = self.counts.done();
        if total > reached {
            text.push_str(&format!(", {} not reached", total - reached));
        }
        if self.stale > 0 {
            text.push_str(&format!(
                "\n  {} stale: done by another run since the plan was made (not sent)",
                self.stale
            ));
        }
        if self.done > 0 {
            text.push_str(&format!(
                "\n  {} done before: this plan was applied earlier (not sent again)",
                self.done
            ));
        }
        text
    }

    /// The run's result: a stop, writes left open (exit 8), or success.
    fn outcome(self) -> anyhow::Result<()> {
        let (c, total, plan) = (&self.counts, self.total, self.plan);
        if let Some(e) = self.fatal {
            return Err(e.context(format!(
                "the apply stopped after {} of {total} planned write(s)",
                c.describe()
            )));
        }
        let open = c.failed + c.unknown + c.not_sent;
        if open > 0 {
            let mut steps = Vec::new();
            if c.not_sent > 0 {
                steps.push(format!(
                    "apply {} again to send the {} write(s) not sent",
                    plan.display(),
                    c.not_sent
                ));
            }
            if c.unknown > 0 {
                steps.push(format!(
                    "check the {} unknown write(s) in KeenPartner (they may exist; applying the \
                     plan again does not send them)",
                    c.unknown
                ));
            }
            if c.failed > 0 {
                steps.push(format!(
                    "fix the {} failed row(s) and import them (applying the plan again does not \
                     send them)",
                    c.failed
                ));
            }
            return Err(Failure::new(
                Kind::Partial,
                format!("{open} of {total} planned write(s) were not created"),
            )
            .with_hint(steps.join("; "))
            .into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::deliver::ending::Account;
    use crate::deliver::Outcome;
    use crate::output::results::RowResult;
    use crate::output::OutputFormat;

    use crate::output::Captured as Buf;

    fn done(group: usize, rows: &[(u64, Outcome, Fate)]) -> Done {
        Done {
            group,
            results: rows
                .iter()
                .map(|&(row, outcome, fate)| (RowResult::new(row, outcome), fate))
                .collect(),
            stop: None,
        }
    }

    #[test]
    fn results_go_out_in_the_plans_order_and_are_counted_once() {
        let buf = Buf::default();
        let mut out = Output::new(OutputFormat::Csv, Box::new(buf.clone()));
        let log = Log::new(true, 0, false);
        let stop = AtomicBool::new(false);
        let mut tally = Tally::new(Telling {
            out: &mut out,
            log: &log,
            recorder: None,
            stop: &stop,
            plan: Path::new("plan.json"),
            ledger: "ledger.sqlite3".into(),
            total: 6,
        });
        // Workers finish out of order; a group waits for the ones before it.
        tally.event(done(1, &[(2, Outcome::Created, Fate::Sent)]));
        tally.event(done(2, &[(3, Outcome::Skipped, Fate::Stale)]));
        tally.event(done(
            0,
            &[
                (1, Outcome::Created, Fate::Sent),
                (1, Outcome::Moved, Fate::Sent),
            ],
        ));
        // Group 3 never came (a worker that panicked): group 4 goes out at the end all the same.
        tally.event(done(4, &[(5, Outcome::Skipped, Fate::Done)]));
        let finished = tally.finish().expect("output");
        assert_eq!(
            buf.text(),
            "row,outcome,lead_id,error,message\n1,created,,,\n1,moved,,,\n2,created,,,\n\
             3,skipped,,,\n5,skipped,,,\n"
        );
        assert_eq!(finished.counts.created, 2);
        assert_eq!(finished.counts.moved, 1);
        assert_eq!(finished.counts.skipped, 2);
        assert_eq!(finished.counts.done(), 5, "each result counted once");
        assert_eq!((finished.sent, finished.total), (3, 6));
        assert_eq!((tally.stale, tally.done), (1, 1));
        assert!(!stop.load(Ordering::SeqCst), "nothing stopped the run");
    }
}
