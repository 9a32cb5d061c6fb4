//! The blocking HTTP client for the KeenPartner API: one `reqwest::blocking::Client` per process,
//! reused (keep-alive) by every request and every worker thread.
//!
//! It owns the transport rules of API.md section 7: which failures are retried (a create only
//! when the server provably did not process it), how waits are announced, that redirects are never
//! followed, that plain http is refused except to loopback, and that the key is never logged.
//! Adding an action is one small method here plus its model in `models.rs`.

pub mod error;
pub mod models;

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use reqwest::blocking::{Client, Response};
use reqwest::header::{HeaderMap, CONTENT_TYPE, LOCATION, RETRY_AFTER};
use reqwest::Url;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

pub use error::ApiError;
use models::{
    ActionBody, Channel, ChannelsEnvelope, Lead, LeadEnvelope, LeadUpdate, NewLead, NewPurchase,
    Purchase, PurchaseEnvelope,
};

use crate::log::Log;
use crate::secret::ApiKey;

/// The platform's own error codes (API.md section 3b) that prove the function never ran.
const NEVER_RAN: &[&str] = &[
    "BOOT_ERROR",
    "LOAD_FUNCTION_ERROR",
    "LOAD_FUNCTION_METADATA_ERROR",
];

/// How the client talks to the server; built from `Settings`.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub api_url: String,
    pub api_key: Option<ApiKey>,
    pub timeout: Duration,
    pub ca_bundle: Option<PathBuf>,
    pub retry: RetryPolicy,
    pub log: Log,
}

/// When and how long to wait before trying again.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// Attempts in all while the server answers 429 (bulk imports are more patient).
    pub rate_limit_attempts: u32,
    /// First back-off; doubled each attempt, with jitter.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// The longest `Retry-After` honoured; longer ones are cut to this.
    pub retry_after_cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 6,
            rate_limit_attempts: 6,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
            retry_after_cap: Duration::from_secs(60),
        }
    }
}

/// Whether a request may be repeated when its fate is unclear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Reads, and `update_lead` (no side effects; sending the same update twice changes nothing):
    /// retried on 5xx, timeouts and resets too.
    Repeatable,
    /// Creates, status changes and purchases, which fire rewards, webhooks and notifications:
    /// retried only when the server provably did not process them.
    Once,
}

/// Cheap to clone: clones share the connection pool and the rate-limit gate.
#[derive(Debug, Clone)]
pub struct ApiClient {
    http: Client,
    url: Url,
    key: Option<ApiKey>,
    retry: RetryPolicy,
    timeout: Duration,
    log: Log,
    /// No request leaves before this instant: a 429 seen by one worker slows the whole pool.
    not_before: Arc<Mutex<Option<Instant>>>,
    /// Set on Ctrl-C: no further attempt starts, and waits end early.
    cancel: Arc<AtomicBool>,
}

impl ApiClient {
    pub fn new(config: ClientConfig) -> Result<ApiClient, ApiError> {
        let url = check_url(&config.api_url)?;
        // reqwest is built without a default crypto provider (CRATES.md): install ring before the
        // first client is built. An error only means it is installed already.
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
            let pem = std::fs::read(path).map_err(|e| {
                ApiError::Setup(format!("cannot read CA bundle {}: {e}", path.display()))
            })?;
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
            builder = builder.tls_certs_merge(certs);
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
            log: config.log,
            not_before: Arc::new(Mutex::new(None)),
            cancel: Arc::new(AtomicBool::new(false)),
        })
    }

    /// Makes `flag` stop this client (and its clones): once set, no new attempt starts and
    /// back-off waits end, with `ApiError::Cancelled` (the request was not sent).
    pub fn with_cancel(mut self, flag: Arc<AtomicBool>) -> ApiClient {
        self.cancel = flag;
        self
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

    pub fn create_lead(&self, lead: &NewLead) -> Result<Lead, ApiError> {
        self.call_lead("create_lead", lead, Mode::Once)
    }

    /// The unauthenticated public form: the API key is never sent.
    pub fn lead_external(&self, lead: &NewLead) -> Result<Lead, ApiError> {
        self.call_lead("lead_external", lead, Mode::Once)
    }

    pub fn update_lead(&self, update: &LeadUpdate) -> Result<Lead, ApiError> {
        self.call_lead("update_lead", update, Mode::Repeatable)
    }

    /// Moves a lead to the status with this name (fires status-change rewards and webhooks).
    pub fn update_status(&self, lead_id: &str, status: &str) -> Result<Lead, ApiError> {
        let body = json!({ "lead_id": lead_id, "status": status });
        self.call_lead("update_status", &body, Mode::Once)
    }

    /// Moves a lead to the status with this id (fires status-change rewards and webhooks).
    pub fn update_status_id(&self, lead_id: &str, status_id: &str) -> Result<Lead, ApiError> {
        let body = json!({ "lead_id": lead_id, "status_id": status_id });
        self.call_lead("update_status_id", &body, Mode::Once)
    }

    /// Records a purchase (fires purchase rewards).
    pub fn create_purchase(&self, purchase: &NewPurchase) -> Result<Purchase, ApiError> {
        let value = self.call("create_purchase", purchase, Mode::Once)?;
        let envelope = decode::<PurchaseEnvelope>(value, Mode::Once)?;
        Purchase::from_value(envelope.purchase).map_err(|e| unreadable_error(e, Mode::Once))
    }

    fn call_lead<T: Serialize>(
        &self,
        action: &str,
        fields: &T,
        mode: Mode,
    ) -> Result<Lead, ApiError> {
        let value = self.call(action, fields, mode)?;
        let envelope = decode::<LeadEnvelope>(value, mode)?;
        Lead::from_value(envelope.lead).map_err(|e| unreadable_error(e, mode))
    }

    // ---- transport -----------------------------------------------------------------------

    /// Sends one action and returns the parsed 2xx body, retrying as `mode` allows.
    pub fn call<T: Serialize>(
        &self,
        action: &str,
        fields: &T,
        mode: Mode,
    ) -> Result<Value, ApiError> {
        let body = serde_json::to_vec(&ActionBody { action, fields })
            .map_err(|e| ApiError::Setup(format!("cannot encode the request: {e}")))?;
        let send_key = action != "lead_external";
        let (mut attempts, mut limited) = (1, 1);
        loop {
            self.wait_for_gate();
            // Every earlier attempt was provably not processed, so stopping here is safe.
            if self.cancelled() {
                return Err(ApiError::Cancelled);
            }
            let outcome = self.attempt(action, &body, send_key, mode, limited);
            match outcome {
                Attempt::Done(result) => return result,
                Attempt::RateLimited {
                    why,
                    wait,
                    announce,
                    error,
                } => {
                    if limited >= self.retry.rate_limit_attempts {
                        return Err(error);
                    }
                    limited += 1;
                    // Only the worker that set the pool-wide pause announces it.
                    if announce {
                        self.log.notice(&format!(
                            "{why}; retrying in {:.1}s (attempt {limited} of {})",
                            wait.as_secs_f64(),
                            self.retry.rate_limit_attempts
                        ));
                    }
                }
                Attempt::Retry { why, wait, error } => {
                    if attempts >= self.retry.max_attempts {
                        return Err(error);
                    }
                    let wait = wait.unwrap_or_else(|| self.backoff(attempts));
                    attempts += 1;
                    self.log.notice(&format!(
                        "{why}; retrying in {:.1}s (attempt {attempts} of {})",
                        wait.as_secs_f64(),
                        self.retry.max_attempts
                    ));
                    self.pause(wait);
                }
            }
        }
    }

    /// One request; `limited` counts the 429s this call met so far plus one (the back-off step).
    fn attempt(
        &self,
        action: &str,
        body: &[u8],
        send_key: bool,
        mode: Mode,
        limited: u32,
    ) -> Attempt {
        let mut request = self
            .http
            .post(self.url.clone())
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_vec());
        if send_key {
            if let Some(key) = &self.key {
                request = request.header("X-Api-Key", key.expose());
            }
        }
        if self.log.verbose() >= 1 {
            let key_line = match (&self.key, send_key) {
                (Some(_), true) => "X-Api-Key: (redacted)",
                _ => "(no X-Api-Key)",
            };
            self.log.debug(&format!(
                "> POST {} {key_line}\n> {}",
                self.url,
                self.log.body_excerpt(body)
            ));
        }
        let started = Instant::now();
        let result = request.send().map_err(BodyFailure::Http).and_then(|resp| {
            let status = resp.status();
            let headers = resp.headers().clone();
            read_body(resp, Instant::now() + self.timeout).map(|bytes| (status, headers, bytes))
        });
        let elapsed = started.elapsed();
        match result {
            Err(BodyFailure::Http(e)) => self.transport_failure(action, &e, mode),
            Err(BodyFailure::Io(cause)) => self.unanswered(action, mode, false, cause),
            Err(BodyFailure::Slow) => self.unanswered(action, mode, true, String::new()),
            Ok((status, headers, bytes)) => {
                if self.log.verbose() >= 1 {
                    let mut msg = format!("< {status} in {} ms", elapsed.as_millis());
                    if self.log.verbose() >= 2 {
                        for (name, value) in &headers {
                            msg.push_str(&format!("\n< {name}: {}", value.to_str().unwrap_or("?")));
                        }
                    }
                    msg.push_str(&format!("\n< {}", self.log.body_excerpt(&bytes)));
                    self.log.debug(&msg);
                }
                self.classify(status.as_u16(), &headers, &bytes, mode, limited)
            }
        }
    }

    fn transport_failure(&self, action: &str, e: &reqwest::Error, mode: Mode) -> Attempt {
        let cause = error_chain(e);
        if is_certificate_error(e) {
            return Attempt::Done(Err(ApiError::Certificate {
                url: self.url.to_string(),
                cause,
            }));
        }
        if e.is_builder() {
            // The request could not even be built (e.g. a key holding a control character is
            // not a valid header value): nothing was sent, so this is not an unknown outcome.
            return Attempt::Done(Err(ApiError::Setup(format!(
                "the request could not be built: {cause}; check the API key and URL for stray \
                 characters"
            ))));
        }
        if e.is_connect() {
            // The connection was never established: nothing reached the server.
            return Attempt::Retry {
                why: format!("cannot connect ({cause})"),
                wait: None,
                error: ApiError::Connect {
                    url: self.url.to_string(),
                    cause,
                },
            };
        }
        self.unanswered(action, mode, e.is_timeout(), cause)
    }

    /// The request was sent but no whole answer came (a timeout, a reset): retried only when
    /// repeatable; for a create the outcome is unknown.
    fn unanswered(&self, action: &str, mode: Mode, timeout: bool, cause: String) -> Attempt {
        let unknown = mode == Mode::Once;
        let error = if timeout {
            ApiError::Timeout {
                timeout: self.timeout,
                unknown,
            }
        } else {
            ApiError::Transport { cause, unknown }
        };
        match mode {
            Mode::Repeatable => Attempt::Retry {
                why: format!("{action}: {error}"),
                wait: None,
                error,
            },
            Mode::Once => Attempt::Done(Err(error)),
        }
    }

    fn classify(
        &self,
        status: u16,
        headers: &HeaderMap,
        body: &[u8],
        mode: Mode,
        limited: u32,
    ) -> Attempt {
        if (200..300).contains(&status) {
            if body.len() > MAX_BODY {
                return Attempt::Done(Err(ApiError::BadResponse {
                    status,
                    excerpt: format!(
                        "the answer is larger than {} MiB and was not read whole",
                        MAX_BODY / (1024 * 1024)
                    ),
                    maybe_created: mode == Mode::Once,
                }));
            }
            return Attempt::Done(serde_json::from_slice(body).map_err(|_| {
                ApiError::BadResponse {
                    status,
                    excerpt: excerpt(body),
                    maybe_created: mode == Mode::Once,
                }
            }));
        }
        let platform_code = headers
            .get("sb-error-code")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let message = error_message(status, body);
        if (300..400).contains(&status) {
            let location = headers
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("(no Location header)")
                .to_string();
            return Attempt::Done(Err(ApiError::Redirect { status, location }));
        }
        if status == 429 {
            let wait = headers
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, SystemTime::now()))
                .map(|d| d.min(self.retry.retry_after_cap));
            // Without Retry-After: exponential back-off with jitter (API.md section 7), growing
            // with each 429 this call met.
            let pause = wait.unwrap_or_else(|| self.backoff(limited));
            let announce = self.hold_gate(pause);
            let source = if wait.is_some() {
                "Retry-After"
            } else {
                "no Retry-After"
            };
            return Attempt::RateLimited {
                why: format!("rate-limited by the server (429, {source})"),
                wait: pause,
                announce,
                error: ApiError::RateLimited {
                    attempts: self.retry.rate_limit_attempts,
                    message,
                },
            };
        }
        if let Some(code) = platform_code.as_deref() {
            if NEVER_RAN.contains(&code) {
                return Attempt::Retry {
                    why: format!("the platform answered {status} {code} (the function never ran)"),
                    wait: None,
                    error: ApiError::Server {
                        status,
                        message: format!("{code}: {message}"),
                        unknown: false,
                    },
                };
            }
            if code.starts_with("NOT_FOUND") {
                return Attempt::Done(Err(ApiError::EndpointNotFound {
                    url: self.url.to_string(),
                    status,
                    message,
                }));
            }
            if status == 401 && code.starts_with("UNAUTHORIZED") {
                return Attempt::Done(Err(ApiError::WrongEndpointAuth {
                    url: self.url.to_string(),
                    code: code.to_string(),
                }));
            }
        }
        let error = match status {
            401 => ApiError::Unauthorized { message },
            402 => ApiError::PaymentRequired { message },
            403 => ApiError::Forbidden { message },
            400..=499 => ApiError::Rejected { status, message },
            _ => ApiError::Server {
                status,
                message,
                unknown: mode == Mode::Once,
            },
        };
        if status >= 500 && mode == Mode::Repeatable {
            return Attempt::Retry {
                why: format!("server error ({status})"),
                wait: None,
                error,
            };
        }
        Attempt::Done(Err(error))
    }

    /// Exponential back-off with jitter: a random wait in [d/2, d], d = base * 2^(attempt-1).
    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .retry
            .base_delay
            .saturating_mul(1 << attempt.saturating_sub(1).min(16));
        let full = exp.min(self.retry.max_delay);
        let half = full / 2;
        half + half.mul_f64(fastrand::f64())
    }

    /// Pauses every request of the pool until `pause` from now; true when this extended the
    /// pause (the caller announces it; the others stay quiet).
    fn hold_gate(&self, pause: Duration) -> bool {
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

    fn wait_for_gate(&self) {
        let until = *self.not_before.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(until) = until {
            let now = Instant::now();
            if until > now {
                self.pause(until - now);
            }
        }
    }
}

enum Attempt {
    Done(Result<Value, ApiError>),
    /// A 429: the pool-wide pause is already set; wait for it and try again.
    RateLimited {
        why: String,
        wait: Duration,
        announce: bool,
        error: ApiError,
    },
    Retry {
        why: String,
        wait: Option<Duration>,
        error: ApiError,
    },
}

/// The most of an answer that is read. The largest real answers (100 leads from `get_leads`, a
/// company's channels) are well under 1 MiB; without a cap a broken or hostile server could make
/// leadctl hold gigabytes (the timeout bounds the time, not the size, and loopback is fast).
pub const MAX_BODY: usize = 16 * 1024 * 1024;

/// Why an answer's body could not be read.
enum BodyFailure {
    Http(reqwest::Error),
    Io(String),
    /// Still arriving at the deadline (a slow drip: reqwest's blocking timeout applies to each
    /// read, not to the whole body).
    Slow,
}

/// Reads at most [`MAX_BODY`] + 1 bytes (a longer answer is cut there, which `classify`
/// reports), giving up once `deadline` has passed: like `Response::bytes`, the body gets the
/// timeout again after the headers, but as a whole.
fn read_body(resp: Response, deadline: Instant) -> Result<Vec<u8>, BodyFailure> {
    use std::io::Read;
    let mut bytes = Vec::new();
    let mut limited = resp.take(MAX_BODY as u64 + 1);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match limited.read(&mut buf) {
            Ok(0) => return Ok(bytes),
            Ok(n) => bytes.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            // reqwest's own error (a timeout, a reset) travels inside the io::Error.
            Err(e) => {
                let text = e.to_string();
                return Err(
                    match e.into_inner().map(|i| i.downcast::<reqwest::Error>()) {
                        Some(Ok(re)) => BodyFailure::Http(*re),
                        _ => BodyFailure::Io(text),
                    },
                );
            }
        }
        if Instant::now() > deadline {
            return Err(BodyFailure::Slow);
        }
    }
}

fn unreadable_error(e: serde_json::Error, mode: Mode) -> ApiError {
    ApiError::BadResponse {
        status: 200,
        excerpt: format!("the object is not readable: {e}"),
        maybe_created: mode == Mode::Once,
    }
}

fn unreadable(value: &Value, what: &str, mode: Mode) -> ApiError {
    ApiError::BadResponse {
        status: 200,
        excerpt: format!("{what}; body: {}", excerpt(value.to_string().as_bytes())),
        maybe_created: mode == Mode::Once,
    }
}

fn decode<T: DeserializeOwned>(value: Value, mode: Mode) -> Result<T, ApiError> {
    let text = value.to_string();
    serde_json::from_value(value).map_err(|e| ApiError::BadResponse {
        status: 200,
        excerpt: format!("{e}; body: {}", excerpt(text.as_bytes())),
        maybe_created: mode == Mode::Once,
    })
}

/// The server's message: `{"error": ...}`, the platform's `{"message": ...}`, else a text excerpt.
/// Public for the fuzz targets.
pub fn error_message(status: u16, body: &[u8]) -> String {
    if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) {
        for key in ["error", "message", "msg"] {
            if let Some(Value::String(s)) = map.get(key) {
                return s.clone();
            }
        }
    }
    let text = excerpt(body);
    if text.is_empty() {
        reqwest::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("no message")
            .to_string()
    } else {
        text
    }
}

/// A short, single-line excerpt of a body that is not the expected JSON (an HTML error page):
/// tags dropped, whitespace collapsed, cut at 160 characters.
pub fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out = String::new();
    let mut in_tag = false;
    let looks_html = text.trim_start().starts_with('<');
    for c in text.chars() {
        match c {
            '<' if looks_html => in_tag = true,
            '>' if looks_html && in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if in_tag => {}
            c if c.is_whitespace() || c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    let collapsed = out.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() > 160 {
        let cut: String = collapsed.chars().take(160).collect();
        format!("{cut}…")
    } else {
        collapsed
    }
}

/// `Retry-After` as delay-seconds or an HTTP-date (RFC 9110 section 10.2.3).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = value.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Some(Duration::from_secs_f64(secs.min(86_400.0)));
        }
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// https always; plain http only to a loopback host (the key must not cross a network in clear).
pub fn check_url(raw: &str) -> Result<Url, ApiError> {
    let bad = |reason: &str| ApiError::BadUrl {
        url: raw.to_string(),
        reason: reason.to_string(),
    };
    let url = Url::parse(raw).map_err(|e| bad(&e.to_string()))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("credentials in the URL are not supported"));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(bad(
            "plain http is refused except to a loopback host (127.0.0.1, ::1, localhost): the API \
             key would cross the network unencrypted; use https://",
        )),
        other => Err(bad(&format!("unsupported scheme {other:?}; use https://"))),
    }
}

fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether a failed request failed on the server's certificate (unknown issuer, wrong name,
/// expired...). rustls's error sits inside an `io::Error`, whose `source()` skips it, so each
/// `io::Error` in the chain is opened too.
fn is_certificate_error(e: &(dyn std::error::Error + 'static)) -> bool {
    if let Some(rustls::Error::InvalidCertificate(_)) = e.downcast_ref::<rustls::Error>() {
        return true;
    }
    if let Some(inner) = e
        .downcast_ref::<std::io::Error>()
        .and_then(|io| io.get_ref())
    {
        if is_certificate_error(inner) {
            return true;
        }
    }
    e.source().is_some_and(is_certificate_error)
}

/// The useful part of an error's `source()` chain on one line. reqwest's outer layers
/// ("error sending request for url (...)", "client error (Connect)") repeat what the message
/// around it already says, so they are left out when there is something deeper.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next: Option<&dyn std::error::Error> = Some(e);
    while let Some(err) = next {
        let text = err.to_string();
        let wrapper = text.starts_with("error sending request")
            || text.starts_with("client error (")
            || text.starts_with("builder error");
        if !wrapper && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = err.source();
    }
    if parts.is_empty() {
        e.to_string()
    } else {
        parts.join(": ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(5));
        assert_eq!(parse_retry_after(&later, now), Some(Duration::from_secs(5)));
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(5));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }

    #[test]
    fn urls() {
        assert!(check_url("https://data.keenpartner.com/functions/v1/keen-api").is_ok());
        assert!(check_url("http://127.0.0.1:8787/functions/v1/keen-api").is_ok());
        assert!(check_url("http://[::1]:8787/x").is_ok());
        assert!(check_url("http://localhost/x").is_ok());
        let err = check_url("http://data.keenpartner.com/x")
            .unwrap_err()
            .to_string();
        assert!(err.contains("plain http is refused"), "{err}");
        assert!(check_url("ftp://x").is_err());
        assert!(check_url("not a url").is_err());
        assert!(check_url("https://user:pw@host/x").is_err());
    }

    #[test]
    fn messages_and_excerpts() {
        assert_eq!(
            error_message(403, br#"{"error":"Channel not accessible"}"#),
            "Channel not accessible"
        );
        assert_eq!(
            error_message(
                503,
                br#"{"code":"BOOT_ERROR","message":"Worker failed to boot"}"#
            ),
            "Worker failed to boot"
        );
        assert_eq!(
            error_message(502, b"<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"),
            "502 Bad Gateway Bad Gateway"
        );
        assert_eq!(error_message(500, b""), "Internal Server Error");
        let long = "x".repeat(500);
        assert_eq!(excerpt(long.as_bytes()).chars().count(), 161);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let client = ApiClient::new(ClientConfig {
            api_url: "http://127.0.0.1:9/x".into(),
            api_key: None,
            timeout: Duration::from_secs(1),
            ca_bundle: None,
            retry: RetryPolicy::default(),
            log: Log::new(false, 0, false),
        })
        .unwrap();
        for attempt in 1..20 {
            let d = client.backoff(attempt);
            let full = (Duration::from_millis(250) * 2u32.pow((attempt - 1).min(16)))
                .min(Duration::from_secs(8));
            assert!(d >= full / 2 && d <= full, "attempt {attempt}: {d:?}");
        }
    }
}
