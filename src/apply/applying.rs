//! What the workers of an apply share: the ledger and where its keys are, the client, the
//! channels' newest leads, the engine's gate (`deliver::gate`: concurrency and pacing), and the
//! stop.

use std::sync::atomic::AtomicBool;

use crate::api::ApiClient;
use crate::deliver::claim::Place;
use crate::deliver::gate::Gate;
use crate::lead::known::Known;
use crate::ledger::Ledger;

/// What the workers share.
pub(super) struct Applying<'a> {
    pub place: Place<'a>,
    pub ledger: &'a Ledger,
    pub client: &'a ApiClient,
    pub known: &'a Known,
    pub warn: &'a (dyn Fn(&str) + Sync),
    pub label: &'a str,
    /// The engine's gate: concurrency, `--rate` and the learned rate (a slot: `Gate::take`).
    pub gate: &'a Gate,
    pub stop: &'a AtomicBool,
}
