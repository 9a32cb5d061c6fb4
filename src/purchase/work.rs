//! A purchase as a work of the delivery engine: `create_purchase`, kept in the ledger under its
//! purchase key (the purchase's id recorded as the entry's id).

use std::time::{Duration, Instant};

use super::{Keyed, CHANNEL};
use crate::api::models::Purchase;
use crate::api::{ApiClient, ApiError, CallStats};
use crate::deliver::{Outcome, Target, Work};
use crate::ledger::{Entry, State};

/// A purchase decided to send: the state its key is taken over from, and its earlier entry.
pub struct Ready {
    pub keyed: Keyed,
    pub expect: Option<(State, i64)>,
    pub previous: Option<Entry>,
    /// Its claim, made ahead of its slot by the pipeline's claimer (None: made in the slot).
    pub ahead: Option<crate::deliver::ahead::Ahead>,
}

impl Work for Keyed {
    type Answer = Purchase;

    fn target(&self) -> Target<'_> {
        Target {
            channel: CHANNEL,
            key: &self.key,
            hash: &self.hash,
            fields: &self.fields,
            lead_id: None,
        }
    }

    fn send(
        &self,
        client: &ApiClient,
        on_429: &dyn Fn(Instant, Duration),
        may_retry: &dyn Fn() -> bool,
    ) -> (Result<Purchase, ApiError>, CallStats) {
        client.create_purchase_fenced(&self.purchase, on_429, may_retry)
    }

    fn id_of<'a>(&'a self, answer: &'a Purchase) -> Option<&'a str> {
        Some(&answer.id)
    }

    fn error_text(&self, outcome: Outcome, error: Option<&ApiError>) -> Option<String> {
        let e = error?;
        Some(match outcome {
            Outcome::Unknown => format!(
                "{e}; the purchase may have been recorded (not sent again on its own: check it, \
                 then --retry-unknown)"
            ),
            _ => e.to_string(),
        })
    }
}
