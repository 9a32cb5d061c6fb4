//! The reader's side of the pipeline: its events on their way to the collector, in batches, and
//! its jobs on their way to the workers.

use std::sync::mpsc::{Sender, SyncSender};

use super::Msg;

/// The reader's events, sent in batches: a re-import of a file the ledger knows decides every
/// work in the reader, and one wake-up of the collecting thread per work would cost more than
/// the work. Flushed before a job leaves (what the reader said of it must arrive first) and at
/// the end.
pub struct Feed<'a, J, E> {
    events: &'a Sender<Msg<E>>,
    jobs: SyncSender<J>,
    batch: Vec<E>,
    open: bool,
}

const BATCH: usize = 256;

impl<'a, J, E> Feed<'a, J, E> {
    pub(super) fn new(events: &'a Sender<Msg<E>>, jobs: SyncSender<J>) -> Feed<'a, J, E> {
        Feed {
            events,
            jobs,
            batch: Vec::with_capacity(BATCH),
            open: true,
        }
    }

    /// An event for the collector; false once it is gone (stop reading).
    pub fn send(&mut self, e: E) -> bool {
        self.batch.push(e);
        if self.batch.len() >= BATCH {
            return self.flush();
        }
        self.open
    }

    /// A job for the workers (waits while the queue is full), after the events before it; false
    /// once the collector or the workers are gone.
    pub fn job(&mut self, job: J) -> bool {
        self.flush() && self.jobs.send(job).is_ok()
    }

    fn flush(&mut self) -> bool {
        if !self.batch.is_empty() && self.open {
            let batch = std::mem::take(&mut self.batch);
            self.open = self.events.send(Msg::Batch(batch)).is_ok();
        }
        self.open
    }
}

impl<J, E> Drop for Feed<'_, J, E> {
    fn drop(&mut self) {
        self.flush();
    }
}
