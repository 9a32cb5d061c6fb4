//! The end of a bulk run, for any works: Ctrl-C (no further work is taken, those in flight
//! finish and are recorded), settling what the run left unknown (in batches while it sends,
//! then once more at its end, not after Ctrl-C), the ledger's last records and the concurrency
//! limit remembered, and the run's record for the run report. What the run's results hold and
//! how its account is worded are its observer's ([`Account`]): an import's rows, a plan's
//! writes. It knows no file, row or lead field.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::gate::Gate;
use super::outcome::{Counts, Outcome};
use super::pipeline::Observer;
use super::settle::{self, Batches, Finder, Pending, Results, Settled, Where};
use crate::api::ApiClient;
use crate::error::Failure;
use crate::ledger::Ledger;
use crate::log::Log;

/// Ctrl-C stops the run (`stop`: no further work is taken; those in flight finish and are
/// recorded); the flag returned says the user asked (a second Ctrl-C quits at once). `what`
/// names the works in the message ("rows", "writes").
pub fn on_ctrl_c(stop: &Arc<AtomicBool>, what: &'static str) -> Arc<AtomicBool> {
    let interrupted = Arc::new(AtomicBool::new(false));
    crate::exit::stop_on_ctrl_c(stop.clone(), interrupted.clone(), what);
    interrupted
}

/// What the end of a run works with: where its unknown works are settled, and its gate.
pub struct Ending<'a> {
    pub ledger: Option<&'a Ledger>,
    pub client: &'a ApiClient,
    /// The run's scope in the ledger.
    pub scope_url: &'a str,
    pub gate: &'a Gate,
    /// Set by Ctrl-C ([`on_ctrl_c`]).
    pub interrupted: &'a Arc<AtomicBool>,
    /// Where the server shows the run's writes (a lead create: the channel's newest leads).
    pub finder: &'a dyn Finder,
    /// The run report's recorder: hears how the run ended.
    pub recorder: Option<&'a crate::report::Recorder>,
    pub log: &'a Log,
    pub started: Instant,
}

/// The unknown works a run's observer holds, and where settling tells what it found.
pub struct Unknowns<'a, R> {
    pub pending: &'a mut Vec<Pending>,
    /// The ids the run's writes were given (a found write must not be one of them).
    pub created_ids: &'a HashSet<String>,
    /// Writes made so far (settling during the run looks again as they move the server's window).
    pub created: u64,
    pub results: R,
}

/// What the observer of a run holds and says at its end, besides each event
/// ([`Observer`]): its unknown works, its last results, its account.
pub trait Account {
    /// What is told what settling found (the held results and their counts).
    type Results<'a>: Results
    where
        Self: 'a;

    /// The unknown works held so far.
    fn unknowns(&mut self) -> Unknowns<'_, Self::Results<'_>>;

    /// Results settled during the run are ready to go out, in order.
    fn released(&mut self) {}

    /// Sending ended: the gate as it stands last (a progress bar goes).
    fn sent(&mut self, _gate: &Gate) {}

    /// How many unknown works settling during the run found made and proved never made.
    fn settled_during(&mut self, _found: usize, _absent: usize) {}

    /// What settling at the end found of the `looked` works still unknown after the ledger.
    fn settled(&mut self, _settled: &Settled, _looked: usize) {}

    /// What stopped the run, if anything did (the first error is the one reported).
    fn fatal(&mut self) -> &mut Option<anyhow::Error>;

    /// Every result still held written out; the error that lost output (a closed stdout is not
    /// one: [`Finished::stdout_closed`]).
    fn finish(&mut self) -> anyhow::Result<Finished>;

    /// The summary and the run's result, in the run's own words.
    fn account(self, end: End) -> anyhow::Result<()>;
}

/// What a run's observer counted, once its last results are out.
pub struct Finished {
    pub counts: Counts,
    /// Works sent by this run (not those decided without sending).
    pub sent: u64,
    /// The works the run meant to go through (0 when unknown: a stream).
    pub total: u64,
    /// Stdout was closed under the run: output lost, not writes.
    pub stdout_closed: bool,
    /// The errors file and its rows, when it holds any.
    pub errors_file: Option<(String, u64)>,
}

/// How a run ended, for its account.
pub struct End {
    pub finished: Finished,
    pub elapsed: Duration,
    /// Ctrl-C.
    pub interrupted: bool,
    /// How the concurrency went, when works were sent.
    pub concurrency: Option<String>,
}

/// A run's observer while it sends: each event, then the unknown works due settled in a batch.
pub struct Watching<'a, O> {
    pub observer: O,
    batches: Batches,
    place: Where<'a>,
    finder: &'a dyn Finder,
}

impl<E, O: Observer<E> + Account> Observer<E> for Watching<'_, O> {
    fn event(&mut self, event: E) {
        self.observer.event(event);
        // Unknown works settled soon after, while they are where the server shows the newest.
        let due = {
            let u = self.observer.unknowns();
            let mut results = u.results;
            self.batches.due(
                u.pending,
                (u.created_ids, u.created),
                &mut results,
                self.finder,
                &self.place,
            )
        };
        if due {
            self.observer.released();
        }
    }

    fn gate(&mut self, gate: &Gate) {
        self.observer.gate(gate);
    }
}

impl<'a> Ending<'a> {
    /// `observer` as the run's pipeline tells it (settling in batches while it sends).
    pub fn watching<O>(&self, observer: O) -> Watching<'a, O> {
        Watching {
            observer,
            batches: Batches::default(),
            place: Where {
                ledger: self.ledger,
                client: self.client,
                scope_url: self.scope_url,
                log: self.log,
                patience: Duration::ZERO,
                interrupted: Some(self.interrupted),
            },
            finder: self.finder,
        }
    }

    /// Sending ended (`flushed`: the ledger's flush of the queued records, as the pipeline
    /// returned it): the unknown works settled, the last results out, the run recorded and its
    /// account given.
    pub fn end<O: Account>(
        &self,
        watching: Watching<'_, O>,
        flushed: Option<Result<(), Failure>>,
    ) -> anyhow::Result<()> {
        let Watching {
            mut observer,
            mut batches,
            ..
        } = watching;
        observer.sent(self.gate);
        let elapsed = self.started.elapsed();
        if batches.found + batches.absent > 0 {
            observer.settled_during(batches.found, batches.absent);
        }
        let flushed = match (batches.failed.take(), flushed) {
            (Some(f), _) => Some(Err(f)),
            (None, f) => f,
        };
        let log = self.log;
        if let Some(Err(f)) = flushed {
            // Outcomes that could not be written are named even when something stopped the
            // run first (the same lost connection, most often).
            let fatal = observer.fatal();
            match fatal {
                Some(_) => log.warn(&f.to_string()),
                None => *fatal = Some(f.into()),
            }
        }
        self.gate
            .remember(self.ledger, self.scope_url, &|text| log.warn(text));
        // Settle the unknown works (not after Ctrl-C: the user wants out).
        if !self.interrupted.load(Ordering::SeqCst) {
            self.settle(&mut observer);
        }
        let interrupted = self.interrupted.load(Ordering::SeqCst);
        let finished = observer.finish()?;
        let end = End {
            finished,
            elapsed,
            interrupted,
            concurrency: self.gate.summary(),
        };
        if let Some(rec) = self.recorder {
            rec.ending(record(&end));
        }
        observer.account(end)
    }

    fn settle<O: Account>(&self, observer: &mut O) {
        let reader = self.client.clone().with_cancel(self.interrupted.clone());
        let place = Where {
            ledger: self.ledger,
            client: &reader,
            scope_url: self.scope_url,
            log: self.log,
            // Another run's request takes at most its timeout (taken to be ours).
            patience: self
                .client
                .timeout()
                .clamp(Duration::from_secs(5), Duration::from_secs(60)),
            interrupted: Some(self.interrupted),
        };
        let found = {
            let u = observer.unknowns();
            if u.pending.is_empty() {
                return;
            }
            let pending = std::mem::take(u.pending);
            let mut results = u.results;
            settle::settle(pending, u.created_ids, &mut results, self.finder, &place)
        };
        if let Some((settled, looked)) = found {
            observer.settled(&settled, looked);
        }
    }
}

/// The run's end as the run report tells it.
pub fn record(end: &End) -> crate::report::Ending {
    let f = &end.finished;
    let c = &f.counts;
    use Outcome::*;
    let counts = [
        Created, Updated, Moved, Skipped, Changed, Duplicate, Failed, Unknown, Invalid, NotSent,
    ]
    .into_iter()
    .map(|o| (o.as_str().to_string(), c.of(o)))
    .collect();
    crate::report::Ending {
        counts,
        not_reached: f.total.saturating_sub(c.done()),
        sent: f.sent,
        elapsed_secs: end.elapsed.as_secs_f64(),
        concurrency: end.concurrency.clone(),
        errors_file: f.errors_file.clone(),
        interrupted: end.interrupted,
    }
}
