//! The measured calls, for `--concurrency auto`: what one call met besides its result
//! (`CallStats`), and the retry loop every call goes through (`call_measured`), which notes it.

use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;

use super::ApiClient;
use crate::api::event::Event;
use crate::api::models::{
    ActionBody, Lead, LeadEnvelope, LeadUpdate, NewLead, Purchase, PurchaseEnvelope,
};
use crate::api::response::{decode, unreadable_error, Attempt};
use crate::api::retry::{after_server_error, Mode, Outage, DOWN_AFTER};
use crate::api::ApiError;

/// What one call met, besides its result: for `--concurrency auto`, which must not read a
/// back-off wait as the server's latency, and must hear of a 429 the client retried.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallStats {
    /// The last attempt's own time: from just before it was sent to its answer (or failure).
    pub latency: Duration,
    /// Requests sent (1 unless retried).
    pub attempts: u32,
    /// A 429 was met (and retried, or it ended the call).
    pub rate_limited: bool,
}

impl ApiClient {
    /// `create_lead`, and what the call met on the way (for `--concurrency auto`); `on_429` is
    /// called the moment a 429 arrives, before the pool-wide pause, with when the throttled
    /// attempt was sent and how long the pool pauses.
    pub fn create_lead_measured(
        &self,
        lead: &NewLead,
        on_429: &dyn Fn(Instant, Duration),
    ) -> (Result<Lead, ApiError>, CallStats) {
        self.create_lead_fenced(lead, on_429, &|| true)
    }

    /// `create_lead_measured`, asking `may_retry` before each attempt after a wait (a retry, or
    /// the pool's pause after a 429): the ledger's claim still this run's; no: the call ends with
    /// `ApiError::Cancelled` (every earlier attempt provably not processed, this one not sent).
    pub fn create_lead_fenced(
        &self,
        lead: &NewLead,
        on_429: &dyn Fn(Instant, Duration),
        may_retry: &dyn Fn() -> bool,
    ) -> (Result<Lead, ApiError>, CallStats) {
        self.lead_measured("create_lead", lead, Mode::Once, (on_429, may_retry))
    }

    /// `create_lead` with a body kept as JSON (a saved plan's), sent exactly as it is, fenced as
    /// `create_lead_fenced`.
    pub fn create_lead_saved_fenced(
        &self,
        body: &Value,
        on_429: &dyn Fn(Instant, Duration),
        may_retry: &dyn Fn() -> bool,
    ) -> (Result<Lead, ApiError>, CallStats) {
        self.lead_measured("create_lead", body, Mode::Once, (on_429, may_retry))
    }

    /// `lead_external` (the public form: no API key sent), and what the call met.
    pub fn lead_external_measured(
        &self,
        lead: &NewLead,
        on_429: &dyn Fn(Instant, Duration),
    ) -> (Result<Lead, ApiError>, CallStats) {
        self.lead_measured("lead_external", lead, Mode::Once, (on_429, &|| true))
    }

    /// `update_lead`, and what the call met on the way.
    pub fn update_lead_measured(
        &self,
        update: &LeadUpdate,
        on_429: &dyn Fn(Instant, Duration),
    ) -> (Result<Lead, ApiError>, CallStats) {
        self.lead_measured("update_lead", update, Mode::Repeatable, (on_429, &|| true))
    }

    /// `update_status` (by name) or `update_status_id` (`by_id`), and what the call met.
    pub fn update_status_measured(
        &self,
        lead_id: &str,
        status: &str,
        by_id: bool,
        on_429: &dyn Fn(Instant, Duration),
    ) -> (Result<Lead, ApiError>, CallStats) {
        self.update_status_fenced(lead_id, status, by_id, on_429, &|| true)
    }

    /// `update_status_measured`, asking `may_retry` before each attempt after a wait (the
    /// move's claim still this run's), as `create_lead_fenced`.
    pub fn update_status_fenced(
        &self,
        lead_id: &str,
        status: &str,
        by_id: bool,
        on_429: &dyn Fn(Instant, Duration),
        may_retry: &dyn Fn() -> bool,
    ) -> (Result<Lead, ApiError>, CallStats) {
        let (action, body) = if by_id {
            (
                "update_status_id",
                serde_json::json!({ "lead_id": lead_id, "status_id": status }),
            )
        } else {
            (
                "update_status",
                serde_json::json!({ "lead_id": lead_id, "status": status }),
            )
        };
        self.lead_measured(action, &body, Mode::Once, (on_429, may_retry))
    }

    /// An action whose answer is a lead, and what the call met. The lead's id is not checked
    /// here: the delivery engine reads an answer without one as an unknown outcome, and the
    /// plain methods (`create_lead`, ...) refuse it.
    fn lead_measured<T: Serialize>(
        &self,
        action: &str,
        fields: &T,
        mode: Mode,
        fence: (&dyn Fn(Instant, Duration), &dyn Fn() -> bool),
    ) -> (Result<Lead, ApiError>, CallStats) {
        let mut stats = CallStats::default();
        let result = self
            .call_fenced(action, fields, mode, &mut stats, fence)
            .and_then(|value| {
                let envelope = decode::<LeadEnvelope>(value, mode)?;
                Lead::from_value(envelope.lead).map_err(|e| unreadable_error(e, mode))
            });
        (result, stats)
    }

    /// `create_purchase`, and what the call met.
    pub fn create_purchase_measured<T: Serialize>(
        &self,
        purchase: &T,
        on_429: &dyn Fn(Instant, Duration),
    ) -> (Result<Purchase, ApiError>, CallStats) {
        self.create_purchase_fenced(purchase, on_429, &|| true)
    }

    /// `create_purchase_measured`, asking `may_retry` before each attempt after a wait (the
    /// purchase's claim still this run's), as `create_lead_fenced`.
    pub fn create_purchase_fenced<T: Serialize>(
        &self,
        purchase: &T,
        on_429: &dyn Fn(Instant, Duration),
        may_retry: &dyn Fn() -> bool,
    ) -> (Result<Purchase, ApiError>, CallStats) {
        let mut stats = CallStats::default();
        let result = self
            .call_fenced(
                "create_purchase",
                purchase,
                Mode::Once,
                &mut stats,
                (on_429, may_retry),
            )
            .and_then(|value| {
                let envelope = decode::<PurchaseEnvelope>(value, Mode::Once)?;
                let p = Purchase::from_value(envelope.purchase)
                    .map_err(|e| unreadable_error(e, Mode::Once))?;
                if p.id.trim().is_empty() {
                    return Err(ApiError::BadResponse {
                        status: 200,
                        excerpt: "the purchase in the answer has an empty id".into(),
                        maybe_created: true,
                    });
                }
                Ok(p)
            });
        (result, stats)
    }

    /// Why sending stopped, once the server looked down.
    fn down(&self) -> Option<String> {
        self.outage
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .1
            .clone()
    }

    /// Counts the 5xx answers that end calls (creates, status changes, purchases) in a row
    /// across the pool and applies `retry::after_server_error`: a pause for the whole pool
    /// (announced), or the stop (later calls are not sent). A retried 5xx (a read) that asks for
    /// a longer wait than leadctl waits stops at once, this call included. Any other answer
    /// resets the count.
    fn after_answer(&self, attempt: &Attempt) -> Option<ApiError> {
        let mut outage = self.outage.lock().unwrap_or_else(|p| p.into_inner());
        let (status, retry_after) = match attempt {
            Attempt::Done(Ok(_)) | Attempt::RateLimited { .. } => {
                outage.0 = 0;
                return None;
            }
            Attempt::Done(Err(ApiError::Server {
                status,
                retry_after,
                ..
            })) => (*status, *retry_after),
            Attempt::Retry {
                error:
                    ApiError::Server {
                        status,
                        retry_after: Some(wait),
                        ..
                    },
                ..
            } if *wait > self.retry.retry_after_cap => {
                let why = match after_server_error(&self.retry, 1, *status, Some(*wait)) {
                    Outage::Stop(why) => why,
                    Outage::Pause(_) => return None,
                };
                outage.1 = Some(why.clone());
                return Some(ApiError::ServerDown { why });
            }
            _ => return None,
        };
        outage.0 += 1;
        let consecutive = outage.0;
        match after_server_error(&self.retry, consecutive, status, retry_after) {
            Outage::Stop(why) => {
                outage.1 = Some(why);
                None
            }
            Outage::Pause(wait) => {
                drop(outage);
                if self.hold_gate(wait) {
                    self.observer.emit(&Event::Retry {
                        why: &format!(
                            "server error ({status}, {consecutive} in a row; sending stops at \
                             {DOWN_AFTER}), pausing every request"
                        ),
                        wait,
                        attempt: consecutive,
                        of: DOWN_AFTER,
                    });
                }
                None
            }
        }
    }

    /// [`ApiClient::call`], noting in `stats` the last attempt's own time (no back-off wait or
    /// pool-wide pause in it) and whether a 429 was met; `on_429` hears each 429 as it arrives.
    pub fn call_measured<T: Serialize>(
        &self,
        action: &str,
        fields: &T,
        mode: Mode,
        stats: &mut CallStats,
        on_429: &dyn Fn(Instant, Duration),
    ) -> Result<Value, ApiError> {
        self.call_fenced(action, fields, mode, stats, (on_429, &|| true))
    }

    /// `call_measured`, asking `may_retry` before each attempt after a wait (the fence of a
    /// claimed write: a claim another run took over meanwhile is not sent again).
    pub fn call_fenced<T: Serialize>(
        &self,
        action: &str,
        fields: &T,
        mode: Mode,
        stats: &mut CallStats,
        (on_429, may_retry): (&dyn Fn(Instant, Duration), &dyn Fn() -> bool),
    ) -> Result<Value, ApiError> {
        let body = serde_json::to_vec(&ActionBody { action, fields })
            .map_err(|e| ApiError::Setup(format!("cannot encode the request: {e}")))?;
        let send_key = action != "lead_external";
        let (mut attempts, mut limited) = (1, 1);
        let began = Instant::now();
        // Whether a retry after `wait` would start past the call's budget (`with_budget`).
        let spent = |wait: Duration| self.budget.is_some_and(|b| began.elapsed() + wait >= b);
        loop {
            let held = self.wait_for_gate();
            // Every earlier attempt was provably not processed, so stopping here is safe. After
            // a wait (a retry, the pool's pause) the caller says whether it may still send.
            if self.cancelled() || ((held || stats.attempts > 0) && !may_retry()) {
                return Err(ApiError::Cancelled);
            }
            if let Some(why) = self.down() {
                return Err(ApiError::ServerDown { why });
            }
            let started = Instant::now();
            let attempt = self.attempt(action, &body, send_key, mode);
            stats.latency = started.elapsed();
            stats.attempts += 1;
            if let Some(stop) = self.after_answer(&attempt) {
                return Err(stop);
            }
            match attempt {
                Attempt::Done(result) => return result,
                Attempt::RateLimited { retry_after, error } => {
                    stats.rate_limited = true;
                    // Without Retry-After: exponential back-off with jitter (doc/api.md,
                    // "Retries"), growing with each 429 this call met. The pool pauses even
                    // when this call gives up: the other workers would meet the same 429.
                    let wait = retry_after.unwrap_or_else(|| self.retry.backoff(limited));
                    on_429(started, wait);
                    // A call allowed no retry at all (`with_budget(ZERO)`: one silent attempt)
                    // sets no pause: the calls after it meet the 429 themselves, and say so.
                    if self.budget.is_some_and(|b| b.is_zero()) {
                        return Err(error);
                    }
                    let announce = self.hold_gate(wait);
                    if limited >= self.retry.rate_limit_attempts || spent(wait) {
                        return Err(error);
                    }
                    limited += 1;
                    // Only the worker that set the pool-wide pause announces it.
                    if announce {
                        let source = if retry_after.is_some() {
                            "Retry-After"
                        } else {
                            "no Retry-After"
                        };
                        self.observer.emit(&Event::Retry {
                            why: &format!("rate-limited by the server (429, {source})"),
                            wait,
                            attempt: limited,
                            of: self.retry.rate_limit_attempts,
                        });
                    }
                }
                Attempt::Retry { why, wait, error } => {
                    if attempts >= self.retry.max_attempts {
                        return Err(error);
                    }
                    let wait = wait.unwrap_or_else(|| self.retry.backoff(attempts));
                    if spent(wait) {
                        return Err(error);
                    }
                    attempts += 1;
                    self.observer.emit(&Event::Retry {
                        why: &why,
                        wait,
                        attempt: attempts,
                        of: self.retry.max_attempts,
                    });
                    self.pause(wait);
                }
            }
        }
    }
}
