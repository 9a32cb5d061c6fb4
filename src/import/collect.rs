//! The collecting side of a run: each row's result in row order to stdout and (when it needs
//! action) to the errors file, the counts, the progress, and what stops the run.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};

use super::flow::Event;
use super::order::Orderer;
use super::progress::Progress;
use super::report::{self, Counts, Outcome, RowResult};
use super::Options;
use crate::deliver::settle::Pending;
use crate::output::Output;

/// What the event loop gathered.
#[derive(Default)]
pub struct Tally {
    pub counts: Counts,
    pub sent: u64,
    pub failed_now: u64,
    pub shown_failures: u64,
    pub max_errors_hit: bool,
    pub pending: Vec<Pending>,
    pub created_ids: HashSet<String>,
    pub fatal: Option<anyhow::Error>,
    pub write_error: Option<anyhow::Error>,
    /// The run report's recorder: hears each row that needs attention.
    pub recorder: Option<std::sync::Arc<crate::report::Recorder>>,
}

/// Failed or unknown rows printed one by one on stderr before the rest go only to the files.
const SHOWN_FAILURES: u64 = 10;

/// Results on their way out.
pub struct Collector {
    pub printer: report::ResultPrinter,
    pub orderer: Orderer,
    pub t: Tally,
    pub errors: report::ErrorsFile,
    pub progress: Progress,
}

impl Collector {
    pub fn on_event(&mut self, event: Event, out: &mut Output, opts: &Options, stop: &AtomicBool) {
        match event {
            Event::Dispatched(row) => self.orderer.dispatched(row),
            Event::Result(r, p) => self.result(r, p, true, out, opts, stop),
            Event::Replayed(r, p) => self.result(r, p, false, out, opts, stop),
            Event::Fatal(e) => {
                stop.store(true, Ordering::SeqCst);
                self.t.fatal.get_or_insert(e);
            }
            Event::InputEnded(e) => {
                self.t.fatal.get_or_insert(e);
            }
            // Only a plan (`flow::Ctx::dry`) gives these.
            Event::Planned(..) => {}
        }
    }

    fn result(
        &mut self,
        r: RowResult,
        p: Option<Box<Pending>>,
        sent_now: bool,
        out: &mut Output,
        opts: &Options,
        stop: &AtomicBool,
    ) {
        on_result(&mut self.t, &r, p, sent_now, opts, stop, &self.progress);
        for ready in self.orderer.push(r) {
            emit(
                &mut self.printer,
                &mut self.errors,
                &mut self.t,
                ready,
                out,
                stop,
            );
        }
        self.progress.update(&self.t.counts);
    }
}

/// One result out: to stdout, and to the errors file when it needs action. A write error stops
/// the run.
pub fn emit(
    printer: &mut report::ResultPrinter,
    errors: &mut report::ErrorsFile,
    t: &mut Tally,
    r: RowResult,
    out: &mut Output,
    stop: &AtomicBool,
) {
    if let (Some(rec), true) = (&t.recorder, r.outcome.needs_action()) {
        rec.attention(crate::report::Attention {
            row: r.row,
            key: r.key.clone(),
            outcome: r.outcome.as_str().to_string(),
            message: r.error.clone().unwrap_or_default(),
        });
    }
    let result = printer
        .print(out, &r)
        .map_err(anyhow::Error::from)
        .and_then(|()| {
            if r.outcome.needs_action() {
                errors.write(&r).map_err(Into::into)
            } else {
                Ok(())
            }
        });
    if let Err(e) = result {
        stop.store(true, Ordering::SeqCst);
        t.write_error.get_or_insert(e);
    }
}

fn on_result(
    t: &mut Tally,
    r: &RowResult,
    pending: Option<Box<Pending>>,
    sent_now: bool,
    opts: &Options,
    stop: &AtomicBool,
    progress: &Progress,
) {
    t.counts.add(r.outcome);
    let failed = matches!(r.outcome, Outcome::Failed | Outcome::Unknown);
    if sent_now
        && (failed
            || matches!(
                r.outcome,
                Outcome::Created | Outcome::Updated | Outcome::Moved
            ))
    {
        t.sent += 1;
    }
    if sent_now && failed {
        t.failed_now += 1;
    }
    // A key another live run sharing the ledger is sending is awaited at the end of the run
    // (`settle`), not shown as a failure now.
    let others = !sent_now
        && pending
            .as_ref()
            .is_some_and(|p| crate::deliver::rule::in_flight(&p.entry));
    if failed && !others {
        t.shown_failures += 1;
        if t.shown_failures <= SHOWN_FAILURES {
            progress.println(&format!(
                "leadctl: row {}: {}: {}",
                r.row,
                r.outcome.as_str(),
                crate::log::sanitize(r.error.as_deref().unwrap_or(""))
            ));
        } else if t.shown_failures == SHOWN_FAILURES + 1 {
            progress.println("leadctl: (further failures are in the errors file and the summary)");
        }
    }
    if let Some(id) = &r.lead_id {
        t.created_ids.insert(id.clone());
    }
    if let Some(p) = pending {
        t.pending.push(*p);
    }
    if let Some(max) = opts.max_errors {
        if !t.max_errors_hit && t.failed_now >= max {
            t.max_errors_hit = true;
            stop.store(true, Ordering::SeqCst);
            progress.println(&format!(
                "leadctl: {max} {} failed (--max-errors {max}): stopping",
                if max == 1 { "row" } else { "rows" }
            ));
        }
    }
}
