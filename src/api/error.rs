//! Every way a request can fail, typed, so `exit.rs` can pick the exit code and `import` can
//! tell a refused row (`failed`) from one whose fate is unknown.

use std::time::Duration;

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
    },

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
