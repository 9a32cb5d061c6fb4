//! The collecting side of a run: each row's result in row order to stdout and (when it needs
//! action) to the errors file, the counts, the progress, and what stops the run.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};

use super::flow::Event;
use super::order::Orderer;
use super::progress::Progress;
use super::report::{self, Counts, Outcome, RowResult};
use super::settle;
use super::summary::Summary;
use super::Options;
use crate::deliver::ending::{Account, End, Finished, Unknowns};
use crate::deliver::gate::Gate;
use crate::deliver::pipeline::Observer;
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

/// An import's observer of its run (`deliver::ending`): the collector hears each event, and at
/// the end its last results go out and the account is given in an import's words.
pub struct Watch<'a> {
    pub c: Collector,
    pub out: &'a mut Output,
    pub opts: &'a Options,
    pub stop: &'a AtomicBool,
    pub log: &'a crate::log::Log,
    /// What the lead rows' reading found out (channels settled first, emptied cells, other
    /// runs): said when sending ended.
    pub known: &'a crate::lead::known::Known,
    /// A stream's footer, said when sending ended (a file's was said by the check).
    pub footer: Option<String>,
    /// The rows the run meant to go through (0 for a stream).
    pub total: u64,
    /// The ledger's location, for the summary.
    pub ledger: Option<String>,
}

impl Watch<'_> {
    /// Results now ready, in row order, out.
    fn emit_all(&mut self, ready: Vec<RowResult>) {
        let c = &mut self.c;
        for r in ready {
            emit(
                &mut c.printer,
                &mut c.errors,
                &mut c.t,
                r,
                self.out,
                self.stop,
            );
        }
    }
}

impl Observer<Event> for Watch<'_> {
    fn event(&mut self, event: Event) {
        self.c.on_event(event, self.out, self.opts, self.stop);
    }

    fn gate(&mut self, gate: &Gate) {
        show(gate, &mut self.c.progress, self.log);
    }
}

impl Account for Watch<'_> {
    type Results<'a>
        = settle::Held<'a>
    where
        Self: 'a;

    fn unknowns(&mut self) -> Unknowns<'_, settle::Held<'_>> {
        let c = &mut self.c;
        Unknowns {
            pending: &mut c.t.pending,
            created_ids: &c.t.created_ids,
            created: c.t.counts.created,
            results: settle::Held {
                counts: &mut c.t.counts,
                orderer: &mut c.orderer,
            },
        }
    }

    fn released(&mut self) {
        let ready = self.c.orderer.release();
        self.emit_all(ready);
    }

    fn sent(&mut self, gate: &Gate) {
        show(gate, &mut self.c.progress, self.log);
        self.c.progress.finish();
        let log = self.log;
        if let Some(f) = &self.footer {
            log.notice(f);
        }
        // Channels named by a column were settled first as each was first read.
        self.known.say_settled(log);
        // Emptied cells left alone and columns gone: once per field, nothing blanked.
        for line in self.known.tally.lines() {
            log.warn(&line);
        }
    }

    fn settled_during(&mut self, found: usize, absent: usize) {
        self.log.notice(&format!(
            "settled during the run: {found} row(s) without a reliable answer found among their \
             channel's newest leads, {absent} proven never created"
        ));
    }

    fn settled(&mut self, settled: &crate::deliver::settle::Settled, looked: usize) {
        super::summary::report_settled(settled, looked, self.log);
    }

    fn fatal(&mut self) -> &mut Option<anyhow::Error> {
        &mut self.c.t.fatal
    }

    fn finish(&mut self) -> anyhow::Result<Finished> {
        let rest = self.c.orderer.drain();
        self.emit_all(rest);
        let c = &mut self.c;
        let t = &mut c.t;
        // The last buffered results may meet a closed stdout only now: after every row was
        // sent, that loses output, not leads, so it is no reason to call the run partial.
        if let Err(e) = c.printer.finish(self.out) {
            if t.write_error.is_none() && e.kind() != std::io::ErrorKind::BrokenPipe {
                t.write_error = Some(e.into());
            }
        }
        let errors_left = c.errors.finish()?;
        let stdout_closed = t
            .write_error
            .as_ref()
            .is_some_and(crate::exit::is_broken_pipe);
        if let Some(e) = t.write_error.take().filter(|_| !stdout_closed) {
            return Err(e);
        }
        Ok(Finished {
            counts: t.counts,
            sent: t.sent,
            total: self.total,
            stdout_closed,
            errors_file: errors_left
                .then(|| (c.errors.path().display().to_string(), c.errors.rows)),
        })
    }

    fn account(mut self, end: End) -> anyhow::Result<()> {
        let f = end.finished;
        let summary = Summary {
            total: f.total,
            counts: f.counts,
            sent: f.sent,
            elapsed: end.elapsed,
            ledger: self.ledger.take(),
            errors: f.errors_file,
            resume: &self.opts.resume,
            interrupted: end.interrupted,
            others: self.known.shared.others(),
            concurrency: end.concurrency,
        };
        super::summary::summarize(&summary, self.log);
        super::summary::outcome(
            &summary,
            f.stdout_closed,
            self.c.t.fatal.take(),
            self.c
                .t
                .max_errors_hit
                .then_some(self.opts.max_errors.unwrap_or(0)),
        )
    }
}

/// Shows the gate's current limit, and (`-v`) each change since the last call with its reason,
/// the learned rate's among them.
fn show(gate: &Gate, progress: &mut Progress, log: &crate::log::Log) {
    let verbose = log.verbose() > 0 && !log.quiet();
    for change in gate.changes() {
        if verbose {
            progress.println(&format!("leadctl: {change}"));
        }
    }
    progress.set_concurrency(gate.label());
}
