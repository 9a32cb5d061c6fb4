//! One work of a bulk run, delivered in the request slot its worker holds: the one claim → send
//! → record step (`work::deliver`) with the gate told of each answer, and what its end means for
//! the whole run: a key another run holds tells work sharing (`split`), a claim that did not
//! commit or could not be renewed stops the run, as does an answer every further work would meet
//! too. A lead create and a purchase both end here; what each says of its row is its own.

use std::sync::atomic::{AtomicBool, Ordering};

use super::ahead::Ahead;
use super::claim::Place;
use super::gate::{Gate, Slot};
use super::split::Split;
use super::work::{deliver, Answered, Attempt, Delivered, Work};
use crate::api::ApiClient;
use crate::error::Failure;
use crate::ledger::Entry;

/// What a run's works are delivered with.
pub struct Run<'a> {
    pub place: Place<'a>,
    pub client: &'a ApiClient,
    pub gate: &'a Gate,
    /// Work sharing: told of each key another run holds.
    pub split: &'a Split,
    /// Set to stop the run (no further work is taken).
    pub stop: &'a AtomicBool,
}

/// How one delivery in a run ended.
pub enum Ended<A> {
    /// Sent, and what the answer said.
    Sent(Answered<A>),
    /// Another run sharing the ledger holds the key: its entry decides (`rule::after_lost_claim`).
    Taken(Entry),
    /// Not sent, and the run stops: why (for the work's result), and the ledger's failure when
    /// the claim did not commit (the run's error).
    NotSent {
        why: &'static str,
        failure: Option<Failure>,
    },
}

impl Run<'_> {
    /// Delivers `work` in `slot` (given back with what the answer says about load).
    /// `ahead`: its claim, when the pipeline's claimer made it already.
    pub fn deliver<W: Work>(
        &self,
        work: &W,
        at: Attempt<'_>,
        ahead: Option<&mut Ahead>,
        slot: Slot<'_>,
    ) -> Ended<W::Answer> {
        let delivered = deliver(&self.place, work, at, ahead, |w, fence| {
            let (answer, stats) = w.send(self.client, &self.gate.on_429(), fence);
            slot.done(&answer, &stats);
            answer
        });
        match delivered {
            Delivered::Sent(a) => Ended::Sent(a),
            Delivered::Taken(current) => {
                self.split.met(current.run.as_deref());
                Ended::Taken(current)
            }
            Delivered::Unrenewed => {
                self.stop.store(true, Ordering::SeqCst);
                Ended::NotSent {
                    why: "its claim could not be renewed in the ledger before a retry",
                    failure: None,
                }
            }
            Delivered::Unclaimed(f) => {
                self.stop.store(true, Ordering::SeqCst);
                Ended::NotSent {
                    why: "its key could not be recorded in the ledger",
                    failure: Some(f),
                }
            }
        }
    }

    /// Stops the run; true for the first to stop it (whose error is the one reported).
    pub fn stop_first(&self) -> bool {
        !self.stop.swap(true, Ordering::SeqCst)
    }
}
