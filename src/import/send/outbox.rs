//! The reader's events on their way to the collecting thread, in batches.

use std::sync::mpsc::Sender;

use super::Event;

/// The reader's events, sent in batches: a re-import of a file the ledger knows decides every row
/// here, and one wake-up of the collecting thread per row would cost more than the row. Flushed
/// before a job leaves (its row's `Dispatched` must arrive first) and at the end.
pub struct Outbox<'a> {
    events: &'a Sender<Event>,
    batch: Vec<Event>,
    open: bool,
}

const OUTBOX_BATCH: usize = 256;

impl<'a> Outbox<'a> {
    pub fn new(events: &'a Sender<Event>) -> Outbox<'a> {
        Outbox {
            events,
            batch: Vec::with_capacity(OUTBOX_BATCH),
            open: true,
        }
    }

    pub fn send(&mut self, e: Event) -> bool {
        self.batch.push(e);
        if self.batch.len() >= OUTBOX_BATCH {
            return self.flush();
        }
        self.open
    }

    pub fn flush(&mut self) -> bool {
        if !self.batch.is_empty() && self.open {
            let batch = std::mem::take(&mut self.batch);
            self.open = self.events.send(Event::Batch(batch)).is_ok();
        }
        self.open
    }
}

impl Drop for Outbox<'_> {
    fn drop(&mut self) {
        self.flush();
    }
}
