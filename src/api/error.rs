//! Every way a request can fail, typed, so `exit.rs` can pick the exit code and `import` can
//! tell a refused row (`failed`) from one whose fate is unknown; what a failure means for the
//! rest of a batch (`stops_batch`); and the server's message read out of an error body.

use std::time::Duration;

use serde_json::Value;

/// A failed API call. The server's own `error` message is kept verbatim.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("authentication refused (401): {message}")]
    Unauthorized { message: String },

    #[error(
        "the server at {url} answered 401 with platform code {code}: this URL does not look like \
         KeenPartner's API"
    )]
    WrongEndpointAuth { url: String, code: String },

    #[error("permission refused (403): {message}")]
    Forbidden { message: String },

    /// 400, 404 and other 4xx the server sent about this request.
    #[error("the server rejected the request ({status}): {message}")]
    Rejected { status: u16, message: String },

    #[error("no KeenPartner API at {url} ({status}: {message})")]
    EndpointNotFound {
        url: String,
        status: u16,
        message: String,
    },

    #[error("the KeenPartner project is restricted (402 Payment Required): {message}")]
    PaymentRequired { message: String },

    #[error("still rate-limited (429) after {attempts} attempts: {message}")]
    RateLimited { attempts: u32, message: String },

    /// A 5xx. For a create, `unknown` says the server may have processed it.
    #[error("server error ({status}): {message}{}", unknown_suffix(*unknown))]
    Server {
        status: u16,
        message: String,
        unknown: bool,
        /// The answer's `Retry-After`, uncapped (a server in maintenance may ask for a day).
        retry_after: Option<Duration>,
    },

    /// Not sent: the server answered several requests in a row with 5xx, or asked for a longer
    /// wait than leadctl waits (`retry::after_server_error`); the run stops sending.
    #[error("not sent: the server looks down ({why})")]
    ServerDown { why: String },

    #[error("cannot connect to {url}: {cause}")]
    Connect { url: String, cause: String },

    /// The TLS handshake failed on the server's certificate: nothing was sent, and trying again
    /// cannot help.
    #[error("the server's TLS certificate is not trusted ({url}): {cause}")]
    Certificate { url: String, cause: String },

    #[error("no answer within {}s{}", secs(*timeout), unknown_suffix(*unknown))]
    Timeout { timeout: Duration, unknown: bool },

    #[error("the connection failed before an answer arrived: {cause}{}", unknown_suffix(*unknown))]
    Transport { cause: String, unknown: bool },

    #[error(
        "the server redirected ({status}) to {location}; leadctl never follows redirects, so the \
         API key cannot reach another host"
    )]
    Redirect { status: u16, location: String },

    #[error("the server answered {status} with a body that is not the expected JSON{}: {excerpt}", if *maybe_created { " (the request was probably processed)" } else { "" })]
    BadResponse {
        status: u16,
        excerpt: String,
        maybe_created: bool,
    },

    #[error("invalid API URL {url:?}: {reason}")]
    BadUrl { url: String, reason: String },

    /// Stopped (Ctrl-C) before the request was sent.
    #[error("stopped before the request was sent")]
    Cancelled,

    #[error("could not set up the HTTP client: {0}")]
    Setup(String),
}

fn unknown_suffix(unknown: bool) -> &'static str {
    if unknown {
        " (outcome unknown: the request was sent and may or may not have been processed)"
    } else {
        ""
    }
}

fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0}")
    } else {
        format!("{s:.1}")
    }
}

impl ApiError {
    /// The request reached the server and may have been processed, but no reliable answer came back.
    pub fn is_unknown_outcome(&self) -> bool {
        match self {
            ApiError::Server { unknown, .. }
            | ApiError::Timeout { unknown, .. }
            | ApiError::Transport { unknown, .. } => *unknown,
            ApiError::BadResponse { maybe_created, .. } => *maybe_created,
            _ => false,
        }
    }

    /// Whether a batch (an import, a multi-lead create) stops after this error on one of its
    /// requests: every further request would meet the same (a refused key, an unreachable or
    /// untrusted server, a platform that keeps failing to boot). Refusals of this one request
    /// (403, 400, 404) and unknown outcomes do not stop it, nor does a stop already under way.
    pub fn stops_batch(&self) -> bool {
        if self.is_unknown_outcome() {
            return false;
        }
        !matches!(
            self,
            ApiError::Forbidden { .. } | ApiError::Rejected { .. } | ApiError::Cancelled
        )
    }

    /// What the user should do next, printed as `hint:` under the error.
    pub fn hint(&self) -> Option<String> {
        let hint = match self {
            ApiError::Unauthorized { .. } => {
                "check the API key (LEADCTL_API_KEY, LEADCTL_API_KEY_FILE or the profile's api_key); \
                 keys are created in the KeenPartner web app under Settings > API keys"
            }
            ApiError::WrongEndpointAuth { .. } | ApiError::EndpointNotFound { .. } => {
                "check --api-url / LEADCTL_API_URL / the profile's api_url; the current endpoint is \
                 https://data.keenpartner.com/functions/v1/keen-api"
            }
            ApiError::Forbidden { .. } => {
                "the key's company must be creator, partner, referring or receiving company of the \
                 channel; check the channel id"
            }
            ApiError::PaymentRequired { .. } => {
                "the KeenPartner project behind this URL is restricted; contact KeenPartner support"
            }
            ApiError::RateLimited { .. } => "wait a little and run the command again",
            ApiError::ServerDown { .. } => {
                "nothing more was sent after that; run the same command again once the server is \
                 back (rows it created or settled are skipped)"
            }
            ApiError::Connect { .. } => "check the network, a proxy (HTTPS_PROXY) and the API URL",
            ApiError::Certificate { .. } => {
                "behind a TLS-intercepting proxy, pass its root certificate with --ca-bundle FILE \
                 (or LEADCTL_CA_BUNDLE, or `leadctl config set ca_bundle FILE`); otherwise check \
                 the API URL: something other than the API may be answering"
            }
            ApiError::Redirect { .. } => {
                "point --api-url / LEADCTL_API_URL at the final address yourself if you trust it"
            }
            _ if self.is_unknown_outcome() => {
                "do not simply run the command again: it may create a duplicate. Check first whether \
                 it exists (e.g. in the KeenPartner app or the channel's newest leads)"
            }
            ApiError::Timeout { .. } => "raise --timeout or try again later",
            _ => return None,
        };
        Some(hint.to_string())
    }
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

/// Whether a failed request failed on the server's certificate (unknown issuer, wrong name,
/// expired...). rustls's error sits inside an `io::Error`, whose `source()` skips it, so each
/// `io::Error` in the chain is opened too.
pub(crate) fn is_certificate_error(e: &(dyn std::error::Error + 'static)) -> bool {
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
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
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
    fn what_stops_a_batch() {
        let stops = |e: ApiError| e.stops_batch();
        assert!(stops(ApiError::Unauthorized {
            message: "m".into()
        }));
        assert!(stops(ApiError::Certificate {
            url: "u".into(),
            cause: "c".into()
        }));
        assert!(stops(ApiError::Connect {
            url: "u".into(),
            cause: "c".into()
        }));
        assert!(stops(ApiError::Server {
            status: 503,
            message: "BOOT_ERROR".into(),
            unknown: false,
            retry_after: None
        }));
        assert!(!stops(ApiError::Server {
            status: 500,
            message: "m".into(),
            unknown: true,
            retry_after: None
        }));
        assert!(!stops(ApiError::Forbidden {
            message: "m".into()
        }));
        assert!(!stops(ApiError::Rejected {
            status: 400,
            message: "m".into()
        }));
        assert!(!stops(ApiError::Cancelled));
    }
}
