//! The API's address: the default endpoint, and the rule that the key only ever travels over
//! https, or plain http to a loopback host (the sandbox, tests).

use std::net::IpAddr;

use reqwest::Url;

use super::ApiError;

/// The endpoint used when no flag, environment variable or profile names another.
pub const DEFAULT_API_URL: &str = "https://data.keenpartner.com/functions/v1/keen-api";

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
