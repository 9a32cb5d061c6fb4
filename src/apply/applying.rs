//! What the workers of an apply share: the ledger and where its keys are, the client, the
//! channels' newest leads, the engine's gate and pacing, and the stop; and a request slot taken
//! from them.

use std::sync::atomic::AtomicBool;

use crate::api::ApiClient;
use crate::deliver::claim::Place;
use crate::deliver::concurrency::Controller;
use crate::deliver::pace::{Limiter, Pacer};
use crate::import::flow::Sent;
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
    pub controller: &'a Controller,
    pub pacer: Option<&'a Pacer>,
    pub limiter: Option<&'a Limiter>,
    pub stop: &'a AtomicBool,
}

/// A request slot from the gate, after `--rate` and the learned rate; `None`: stopped.
pub(super) fn slot<'a>(ctx: &'a Applying<'_>) -> Option<Sent<'a>> {
    let permit = ctx.controller.acquire(ctx.stop)?;
    let limited = match ctx.limiter {
        None => false,
        Some(l) => l.acquire_waited(ctx.stop)?,
    };
    let paced = match ctx.pacer {
        None => false,
        Some(p) => p.acquire_waited(ctx.stop)?,
    };
    Some(Sent {
        permit,
        rate_waited: limited || paced,
        pacer: ctx.pacer,
    })
}
