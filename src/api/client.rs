//! The blocking HTTP client: one `reqwest::blocking::Client` per process, reused (keep-alive) by
//! every request and every worker thread; one method per action, typed results.
//!
//! It sends, waits and retries as `retry.rs` and `response.rs` decide, never follows redirects,
//! never logs the key, and prints nothing: what happens is reported to its `Observer`.
//! Adding an action is one small method here plus its model in `models.rs`.
//! The retry loop every call goes through, and the measured calls, are in `client/measured.rs`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::blocking::Client;
use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE};
use reqwest::Url;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::error::{error_chain, excerpt};
use super::event::{Event, Observer};
use super::models::{
    Channel, ChannelsEnvelope, Lead, LeadEnvelope, LeadUpdate, Listed, NewLead, NewPurchase,
    Purchase,
};
use super::response::{self, decode, unreadable, unreadable_error, Attempt, BodyFailure};
use super::retry::{Mode, RetryPolicy};
use super::url::check_url;
use super::ApiError;
use crate::secret::ApiKey;

mod measured;

pub use measured::CallStats;

/// How the client talks to the server; built from `Settings`.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub api_url: String,
    pub api_key: Option<ApiKey>,
    pub timeout: Duration,
    pub ca_bundle: Option<PathBuf>,
    pub retry: RetryPolicy,
    /// Hears each request, answer and wait.
    pub observer: Observer,
}

/// Cheap to clone: clones share the connection pool and the rate-limit gate.
#[derive(Debug, Clone)]
pub struct ApiClient {
    http: Client,
    url: Url,
    key: Option<ApiKey>,
    retry: RetryPolicy,
    timeout: Duration,
    observer: Observer,
    /// No request leaves before this instant: a 429 seen by one worker slows the whole pool.
    not_before: Arc<Mutex<Option<Instant>>>,
    /// Set on Ctrl-C: no further attempt starts, and waits end early.
    cancel: Arc<AtomicBool>,
    /// 5xx answers in a row, and why sending stopped once the server looked down
    /// (`retry::after_server_error`): shared by the pool, like the gate.
    outage: Arc<Mutex<(u32, Option<String>)>>,
    /// The server's clock minus this machine's (seconds, a lower bound), from the newest
    /// answer's `Date` header ([`ApiClient::server_clock_offset`]).
    server_clock: Arc<Mutex<Option<i64>>>,
    /// No retry starts this long after a call's first attempt (`with_budget`).
    budget: Option<Duration>,
}

impl ApiClient {
    pub fn new(config: ClientConfig) -> Result<ApiClient, ApiError> {
        let url = check_url(&config.api_url)?;
        // reqwest is built without a default crypto provider (see Cargo.toml: rustls with ring
        // only): install ring before the first client is built. An error only means it is
        // installed already.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = Client::builder()
            .user_agent(concat!("leadctl/", env!("CARGO_PKG_VERSION")))
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            .tcp_nodelay(true);
        if url.scheme() == "http" {
            // Plain http is only ever loopback (the sandbox, tests): no TLS roots are needed, and
            // loading the system store would make a machine without one fail even for http.
            // No proxy either: a proxy elsewhere would take "127.0.0.1" to mean itself.
            builder = builder.tls_certs_only(Vec::new()).no_proxy();
        } else if let Some(path) = &config.ca_bundle {
            builder = builder.tls_certs_merge(read_ca_bundle(path)?);
        }
        let http = builder
            .build()
            .map_err(|e| ApiError::Setup(error_chain(&e)))?;
        Ok(ApiClient {
            http,
            url,
            key: config.api_key,
            retry: config.retry,
            timeout: config.timeout,
            observer: config.observer,
            not_before: Arc::new(Mutex::new(None)),
            cancel: Arc::new(AtomicBool::new(false)),
            outage: Arc::new(Mutex::new((0, None))),
            server_clock: Arc::new(Mutex::new(None)),
            budget: None,
        })
    }

    /// Also tells `observer` of each event (after the one it has).
    pub fn also_observed_by(mut self, observer: Observer) -> ApiClient {
        self.observer = self.observer.and(observer);
        self
    }

    /// This client (sharing its connections and gates) whose calls start no retry once
    /// `budget` has passed since their first attempt began, or would pass in the wait before
    /// it: checks that must fit in about one `--timeout` (a hung server is asked once). A zero
    /// budget is one attempt that says nothing and, met by a 429, pauses no one.
    pub fn with_budget(mut self, budget: Duration) -> ApiClient {
        self.budget = Some(budget);
        self
    }

    /// Makes `flag` stop this client (and its clones): once set, no new attempt starts and
    /// back-off waits end, with `ApiError::Cancelled` (the request was not sent).
    pub fn with_cancel(mut self, flag: Arc<AtomicBool>) -> ApiClient {
        self.cancel = flag;
        self
    }

    /// The per-request timeout (`--timeout`).
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::SeqCst)
    }

    /// Sleeps, waking early when cancelled.
    fn pause(&self, total: Duration) {
        let until = Instant::now() + total;
        while !self.cancelled() {
            let now = Instant::now();
            if now >= until {
                break;
            }
            std::thread::sleep((until - now).min(Duration::from_millis(50)));
        }
    }

    pub fn url(&self) -> &str {
        self.url.as_str()
    }

    // ---- actions -------------------------------------------------------------------------

    pub fn get_channels(&self) -> Result<Vec<Channel>, ApiError> {
        let value = self.call("get_channels", &serde_json::Map::new(), Mode::Repeatable)?;
        decode::<ChannelsEnvelope>(value, Mode::Repeatable).map(|e| e.channels)
    }

    /// `get_channels`, keeping each channel's JSON exactly as sent (for `-o json`).
    pub fn get_channels_listed(&self) -> Result<Vec<Listed>, ApiError> {
        let answer = self.call("get_channels", &serde_json::Map::new(), Mode::Repeatable)?;
        let bad = |why: String| ApiError::BadResponse {
            status: 200,
            excerpt: format!("{why}: {}", excerpt(answer.to_string().as_bytes())),
            maybe_created: false,
        };
        let Some(items) = answer.get("channels").and_then(Value::as_array) else {
            return Err(bad("expected {\"channels\": [...]}".to_string()));
        };
        items
            .iter()
            .map(|raw| match Channel::deserialize(raw) {
                Ok(channel) => Ok(Listed {
                    channel,
                    raw: raw.clone(),
                }),
                Err(e) => Err(bad(format!("a channel is unreadable ({e})"))),
            })
            .collect()
    }

    /// The newest (at most 100) leads of a channel, in the flat form.
    pub fn get_leads(&self, channel_id: &str) -> Result<Vec<Lead>, ApiError> {
        let value = self.call(
            "get_leads",
            &json!({ "channel_id": channel_id }),
            Mode::Repeatable,
        )?;
        let items = match value {
            Value::Array(items) => items,
            // The shape before 2026-04-21: {"leads": [...]}.
            Value::Object(mut map) if map.get("leads").is_some_and(Value::is_array) => {
                match map.remove("leads") {
                    Some(Value::Array(items)) => items,
                    _ => Vec::new(),
                }
            }
            other => {
                return Err(unreadable(
                    &other,
                    "expected an array of leads",
                    Mode::Repeatable,
                ))
            }
        };
        items
            .into_iter()
            .map(|v| Lead::from_flat_value(v).map_err(|e| unreadable_error(e, Mode::Repeatable)))
            .collect()
    }

    pub fn get_lead_by_id(&self, lead_id: &str) -> Result<Lead, ApiError> {
        self.call_lead(
            "get_lead_by_id",
            &json!({ "lead_id": lead_id }),
            Mode::Repeatable,
        )
    }

    pub fn get_lead_by_legacy_id(&self, legacy_id: i64) -> Result<Lead, ApiError> {
        self.call_lead(
            "get_lead_by_legacy_id",
            &json!({ "legacy_id": legacy_id }),
            Mode::Repeatable,
        )
    }

    // The plain calls wrap the measured ones (`client/measured.rs`): one family to keep in step.

    pub fn create_lead(&self, lead: &NewLead) -> Result<Lead, ApiError> {
        with_id(self.create_lead_measured(lead, &|_, _| {}).0, Mode::Once)
    }

    /// The unauthenticated public form: the API key is never sent.
    pub fn lead_external(&self, lead: &NewLead) -> Result<Lead, ApiError> {
        with_id(self.lead_external_measured(lead, &|_, _| {}).0, Mode::Once)
    }

    pub fn update_lead(&self, update: &LeadUpdate) -> Result<Lead, ApiError> {
        with_id(
            self.update_lead_measured(update, &|_, _| {}).0,
            Mode::Repeatable,
        )
    }

    /// Moves a lead to the status with this name (fires status-change rewards and webhooks).
    pub fn update_status(&self, lead_id: &str, status: &str) -> Result<Lead, ApiError> {
        let answer = self.update_status_measured(lead_id, status, false, &|_, _| {});
        with_id(answer.0, Mode::Once)
    }

    /// Moves a lead to the status with this id (fires status-change rewards and webhooks).
    pub fn update_status_id(&self, lead_id: &str, status_id: &str) -> Result<Lead, ApiError> {
        let answer = self.update_status_measured(lead_id, status_id, true, &|_, _| {});
        with_id(answer.0, Mode::Once)
    }

    /// Records a purchase (fires purchase rewards).
    pub fn create_purchase(&self, purchase: &NewPurchase) -> Result<Purchase, ApiError> {
        self.create_purchase_measured(purchase, &|_, _| {}).0
    }

    fn call_lead<T: Serialize>(
        &self,
        action: &str,
        fields: &T,
        mode: Mode,
    ) -> Result<Lead, ApiError> {
        let value = self.call(action, fields, mode)?;
        let envelope = decode::<LeadEnvelope>(value, mode)?;
        let lead = Lead::from_value(envelope.lead).map_err(|e| unreadable_error(e, mode))?;
        require_id(&lead.id, "lead", mode)?;
        Ok(lead)
    }

    // ---- transport -----------------------------------------------------------------------

    /// Sends one action and returns the parsed 2xx body, retrying as `mode` allows.
    pub fn call<T: Serialize>(
        &self,
        action: &str,
        fields: &T,
        mode: Mode,
    ) -> Result<Value, ApiError> {
        self.call_measured(action, fields, mode, &mut CallStats::default(), &|_, _| {})
    }

    /// One request, reported to the observer, and what its answer (or its failure) means.
    fn attempt(&self, action: &str, body: &[u8], send_key: bool, mode: Mode) -> Attempt {
        let mut request = self
            .http
            .post(self.url.clone())
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_vec());
        let key = self.key.as_ref().filter(|_| send_key);
        if let Some(key) = key {
            request = request.header("X-Api-Key", key.expose());
        }
        self.observer.emit(&Event::Request {
            url: self.url.as_str(),
            key_sent: key.is_some(),
            body,
        });
        let started = Instant::now();
        let result = request.send().map_err(BodyFailure::Http).and_then(|resp| {
            let status = resp.status();
            let headers = resp.headers().clone();
            self.note_date(&headers);
            response::read_body(resp, Instant::now() + self.timeout)
                .map(|bytes| (status, headers, bytes))
        });
        let elapsed = started.elapsed();
        let cx = response::Context {
            url: self.url.as_str(),
            timeout: self.timeout,
            retry_after_cap: self.retry.retry_after_cap,
            rate_limit_attempts: self.retry.rate_limit_attempts,
            key: self.key.as_ref(),
        };
        match result {
            Err(BodyFailure::Http(e)) => response::transport_failure(&cx, action, &e, mode),
            Err(BodyFailure::Io(cause)) => response::unanswered(&cx, action, mode, false, cause),
            Err(BodyFailure::Slow) => response::unanswered(&cx, action, mode, true, String::new()),
            Ok((status, headers, bytes)) => {
                // A server or gateway may echo the key ("invalid api key <key>", a debug
                // header): it is taken out here, before the log, the error messages, the
                // results, the ledger or the errors file see any of the answer.
                let (headers, bytes) = match &self.key {
                    Some(key) => {
                        // Copied only when something was taken out (a body may be 16 MiB).
                        let clean = match key.redact(&bytes) {
                            std::borrow::Cow::Borrowed(_) => None,
                            std::borrow::Cow::Owned(clean) => Some(clean),
                        };
                        (redact_headers(key, headers), clean.unwrap_or(bytes))
                    }
                    None => (headers, bytes),
                };
                self.observer.emit(&Event::Response {
                    status,
                    elapsed,
                    headers: &headers,
                    body: &bytes,
                });
                response::classify(&cx, status.as_u16(), &headers, &bytes, mode)
            }
        }
    }

    /// The server's clock minus this machine's, in seconds, as the newest answer's `Date`
    /// header tells it: a lower bound (the header is stamped before the answer arrives, to the
    /// second). `None` until an answer carried a readable `Date`.
    pub fn server_clock_offset(&self) -> Option<i64> {
        *self.server_clock.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn note_date(&self, headers: &reqwest::header::HeaderMap) {
        let Some(date) = headers
            .get(reqwest::header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|s| httpdate::parse_http_date(s).ok())
        else {
            return;
        };
        let secs = |t: std::time::SystemTime| {
            t.duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        };
        // Stamped at most when the answer arrived (now), to the second (now may be a second
        // further on than its whole seconds say).
        let offset = secs(date) - secs(std::time::SystemTime::now()) - 1;
        *self.server_clock.lock().unwrap_or_else(|p| p.into_inner()) = Some(offset);
    }

    /// Pauses every request of the pool until `pause` from now; true when this extended the
    /// pause (the caller announces it; the others stay quiet).
    pub(super) fn hold_gate(&self, pause: Duration) -> bool {
        let until = Instant::now() + pause;
        let mut gate = self.not_before.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let extends = gate.is_none_or(|t| t < until);
        let was_active = gate.is_some_and(|t| t > now);
        if extends {
            *gate = Some(until);
        }
        extends && !was_active
    }

    /// Whether it had to wait.
    fn wait_for_gate(&self) -> bool {
        let until = *self.not_before.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(until) = until {
            let now = Instant::now();
            if until > now {
                self.pause(until - now);
                return true;
            }
        }
        false
    }
}

/// An answer whose object has an empty id (`{"lead":{"id":""}}`) is not an answer: for a create
/// the lead may exist (an unknown outcome), and nothing can be done with it otherwise.
/// A lead answer with its id, else the error that says it has none.
fn with_id(answer: Result<Lead, ApiError>, mode: Mode) -> Result<Lead, ApiError> {
    let lead = answer?;
    require_id(&lead.id, "lead", mode)?;
    Ok(lead)
}

fn require_id(id: &str, what: &str, mode: Mode) -> Result<(), ApiError> {
    if id.trim().is_empty() {
        return Err(ApiError::BadResponse {
            status: 200,
            excerpt: format!("the {what} in the answer has an empty id"),
            maybe_created: mode == Mode::Once,
        });
    }
    Ok(())
}

/// The answer's headers with the key taken out of every value that holds it.
fn redact_headers(key: &ApiKey, headers: HeaderMap) -> HeaderMap {
    if !headers
        .values()
        .any(|v| matches!(key.redact(v.as_bytes()), std::borrow::Cow::Owned(_)))
    {
        return headers;
    }
    let mut clean = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers.iter() {
        let value = match key.redact(value.as_bytes()) {
            std::borrow::Cow::Borrowed(_) => value.clone(),
            std::borrow::Cow::Owned(bytes) => HeaderValue::from_bytes(&bytes)
                .unwrap_or_else(|_| HeaderValue::from_static(crate::secret::REDACTED)),
        };
        clean.append(name.clone(), value);
    }
    clean
}

/// The extra root certificates of `--ca-bundle`.
fn read_ca_bundle(path: &std::path::Path) -> Result<Vec<reqwest::Certificate>, ApiError> {
    // A system's whole bundle is about 200 KiB.
    const MAX_CA_BUNDLE: u64 = 16 * 1024 * 1024;
    let pem = crate::fsutil::read_capped(
        path,
        MAX_CA_BUNDLE,
        crate::fsutil::Accept::FileOrPipe,
        "a CA bundle",
    )
    .map_err(|e| ApiError::Setup(format!("cannot read CA bundle {}: {e}", path.display())))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
        ApiError::Setup(format!(
            "CA bundle {} is not valid PEM: {e}",
            path.display()
        ))
    })?;
    if certs.is_empty() {
        return Err(ApiError::Setup(format!(
            "CA bundle {} holds no PEM certificates",
            path.display()
        )));
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_echoed_key_is_taken_out_of_the_headers_and_ids_must_not_be_empty() {
        let key = ApiKey::new("5a4d1c2b-8e7f-4a3b-9c6d-0e1f2a3b4c5d");
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-echo",
            HeaderValue::from_static("key=5a4d1c2b-8e7f-4a3b-9c6d-0e1f2a3b4c5d; ok"),
        );
        headers.append("set-cookie", HeaderValue::from_static("a=1"));
        headers.append("set-cookie", HeaderValue::from_static("b=2"));
        let clean = redact_headers(&key, headers);
        assert_eq!(clean["x-echo"], "key=(redacted); ok");
        assert_eq!(clean.get_all("set-cookie").iter().count(), 2);
        assert!(matches!(
            require_id(" ", "lead", Mode::Once),
            Err(ApiError::BadResponse {
                maybe_created: true,
                ..
            })
        ));
        assert!(require_id("x", "lead", Mode::Once).is_ok());
    }
}
