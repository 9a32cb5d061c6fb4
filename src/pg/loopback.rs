//! Whether a PostgreSQL host is this machine (loopback, `localhost`, a Unix socket): the one
//! place the password rule (`auth`) and the default `sslmode` (`target`) ask it.

/// Test-only: a host named here counts as not loopback (a scripted impostor on 127.0.0.1 can
/// then stand for a remote server). Not for use outside the tests (`help environment` says so).
const NOT_LOOPBACK: &str = "LEADCTL_TEST_NOT_LOOPBACK";

/// Whether `host` is this machine: `localhost`, a loopback address, or a Unix socket directory.
pub fn is_loopback(host: &str) -> bool {
    if std::env::var(NOT_LOOPBACK).is_ok_and(|h| !h.is_empty() && h.eq_ignore_ascii_case(host)) {
        return false;
    }
    if host.starts_with('/') || host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}
