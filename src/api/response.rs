//! From what came back (an answer, or a failure to get one) to what the client does next:
//! done (a value or a typed `ApiError`), wait for a 429, or retry. The one place that maps HTTP
//! statuses and the platform's codes to `ApiError` (doc/api.md, "Errors" and "Platform errors"),
//! and the one reader of answer bodies (size-capped, deadline-bound).

use std::time::{Duration, Instant, SystemTime};

use reqwest::blocking::Response;
use reqwest::header::{HeaderMap, LOCATION, RETRY_AFTER};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::{error_chain, excerpt, is_certificate_error};
use super::retry::{parse_retry_after, Mode, NEVER_RAN};
use super::ApiError;

/// The most of an answer that is read. The largest real answers (100 leads from `get_leads`, a
/// company's channels) are well under 1 MiB; without a cap a broken or hostile server could make
/// leadctl hold gigabytes (the timeout bounds the time, not the size, and loopback is fast).
pub const MAX_BODY: usize = 16 * 1024 * 1024;

/// What one attempt came to.
pub(super) enum Attempt {
    Done(Result<Value, ApiError>),
    /// A 429: wait (`retry_after`, already capped, else a back-off) and try again.
    RateLimited {
        retry_after: Option<Duration>,
        error: ApiError,
    },
    Retry {
        why: String,
        wait: Option<Duration>,
        error: ApiError,
    },
}

/// What the classification needs to know about the client.
pub(super) struct Context<'a> {
    pub url: &'a str,
    pub timeout: Duration,
    pub retry_after_cap: Duration,
    pub rate_limit_attempts: u32,
    /// Taken out of the server's messages (the body is redacted already; a JSON-escaped key in
    /// a message is not, until here).
    pub key: Option<&'a crate::secret::ApiKey>,
}

/// A request that got no answer: refused, unreachable, untrusted, cut off.
pub(super) fn transport_failure(
    cx: &Context<'_>,
    action: &str,
    e: &reqwest::Error,
    mode: Mode,
) -> Attempt {
    let cause = error_chain(e);
    if is_certificate_error(e) {
        return Attempt::Done(Err(ApiError::Certificate {
            url: cx.url.to_string(),
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
                url: cx.url.to_string(),
                cause,
            },
        };
    }
    unanswered(cx, action, mode, e.is_timeout(), cause)
}

/// The request was sent but no whole answer came (a timeout, a reset): retried only when
/// repeatable; for a create the outcome is unknown.
pub(super) fn unanswered(
    cx: &Context<'_>,
    action: &str,
    mode: Mode,
    timeout: bool,
    cause: String,
) -> Attempt {
    let unknown = mode == Mode::Once;
    let error = if timeout {
        ApiError::Timeout {
            timeout: cx.timeout,
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

/// An answer, by status, platform code and body.
pub(super) fn classify(
    cx: &Context<'_>,
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    mode: Mode,
) -> Attempt {
    if (200..300).contains(&status) {
        return Attempt::Done(success(status, body, mode));
    }
    let platform_code = headers
        .get("sb-error-code")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let message = super::error::error_message(status, body);
    let message = match cx.key {
        Some(key) => key.redact_str(&message),
        None => message,
    };
    if (300..400).contains(&status) {
        let location = headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("(no Location header)")
            .to_string();
        return Attempt::Done(Err(ApiError::Redirect { status, location }));
    }
    if status == 429 {
        let retry_after = headers
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, SystemTime::now()))
            .map(|d| d.min(cx.retry_after_cap));
        return Attempt::RateLimited {
            retry_after,
            error: ApiError::RateLimited {
                attempts: cx.rate_limit_attempts,
                message,
            },
        };
    }
    if let Some(code) = platform_code.as_deref() {
        if let Some(attempt) = platform_error(cx, status, code, &message) {
            return attempt;
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
            retry_after: headers
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, SystemTime::now())),
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

/// A 2xx body: the JSON value, or why it is not one.
fn success(status: u16, body: &[u8], mode: Mode) -> Result<Value, ApiError> {
    if body.len() > MAX_BODY {
        return Err(ApiError::BadResponse {
            status,
            excerpt: format!(
                "the answer is larger than {} MiB and was not read whole",
                MAX_BODY / (1024 * 1024)
            ),
            maybe_created: mode == Mode::Once,
        });
    }
    serde_json::from_slice(body).map_err(|_| ApiError::BadResponse {
        status,
        excerpt: excerpt(body),
        maybe_created: mode == Mode::Once,
    })
}

/// An error the platform (not the function) answered with its `sb-error-code` header.
fn platform_error(cx: &Context<'_>, status: u16, code: &str, message: &str) -> Option<Attempt> {
    if NEVER_RAN.contains(&code) {
        return Some(Attempt::Retry {
            why: format!("the platform answered {status} {code} (the function never ran)"),
            wait: None,
            error: ApiError::Server {
                status,
                message: format!("{code}: {message}"),
                unknown: false,
                retry_after: None,
            },
        });
    }
    if code.starts_with("NOT_FOUND") {
        return Some(Attempt::Done(Err(ApiError::EndpointNotFound {
            url: cx.url.to_string(),
            status,
            message: message.to_string(),
        })));
    }
    if status == 401 && code.starts_with("UNAUTHORIZED") {
        return Some(Attempt::Done(Err(ApiError::WrongEndpointAuth {
            url: cx.url.to_string(),
            code: code.to_string(),
        })));
    }
    None
}

/// Why an answer's body could not be read.
pub(super) enum BodyFailure {
    Http(reqwest::Error),
    Io(String),
    /// Still arriving at the deadline (a slow drip: reqwest's blocking timeout applies to each
    /// read, not to the whole body).
    Slow,
}

/// Reads at most [`MAX_BODY`] + 1 bytes (a longer answer is cut there, which `classify`
/// reports), giving up once `deadline` has passed: like `Response::bytes`, the body gets the
/// timeout again after the headers, but as a whole.
pub(super) fn read_body(resp: Response, deadline: Instant) -> Result<Vec<u8>, BodyFailure> {
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

pub(super) fn unreadable_error(e: serde_json::Error, mode: Mode) -> ApiError {
    ApiError::BadResponse {
        status: 200,
        excerpt: format!("the object is not readable: {e}"),
        maybe_created: mode == Mode::Once,
    }
}

pub(super) fn unreadable(value: &Value, what: &str, mode: Mode) -> ApiError {
    ApiError::BadResponse {
        status: 200,
        excerpt: format!("{what}; body: {}", excerpt(value.to_string().as_bytes())),
        maybe_created: mode == Mode::Once,
    }
}

pub(super) fn decode<T: DeserializeOwned>(value: Value, mode: Mode) -> Result<T, ApiError> {
    let text = value.to_string();
    serde_json::from_value(value).map_err(|e| ApiError::BadResponse {
        status: 200,
        excerpt: format!("{e}; body: {}", excerpt(text.as_bytes())),
        maybe_created: mode == Mode::Once,
    })
}
