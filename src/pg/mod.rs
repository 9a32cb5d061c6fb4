//! A PostgreSQL connection, as the ledger and a query source (`import::query`) both make it: its
//! target (a URL parsed once, the password from wherever it is given: `target`), TLS as
//! `sslmode` asks (`tls`), who may be given the password (`auth`), connecting (`connect`), and a
//! failure in words. A leaf: it knows neither the ledger nor a query.

pub mod auth;
pub mod connect;
mod loopback;
pub mod target;
mod tls;

pub use target::{is_postgres_url, masked_url, PasswordSources, PgTarget, SslMode};

/// How a PostgreSQL error reads, with its causes (the driver's own text names only the kind);
/// the password never in it.
pub fn describe(target: &PgTarget, e: &postgres::Error) -> String {
    let mut text = match e.as_db_error() {
        Some(db) => format!("{}: {}", db.severity(), db.message()),
        None => {
            let mut t = e.to_string();
            let mut cause = std::error::Error::source(e);
            while let Some(c) = cause {
                t.push_str(": ");
                t.push_str(&c.to_string());
                cause = c.source();
            }
            t
        }
    };
    if let Some(pw) = &target.password {
        text = pw.redact_str(&text);
    }
    text
}

/// Whether an error means the connection is gone or was never made (the server down,
/// restarting, unreachable), as opposed to a refusal or a bug.
pub fn is_connection_error(e: &postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    if let Some(code) = e.code() {
        // 08: connection exception; 57P: the server shutting down or restarting.
        let c = code.code();
        return c.starts_with("08") || c.starts_with("57P");
    }
    let text = e.to_string();
    text.starts_with("error connecting")
        || text.starts_with("error communicating")
        || text.starts_with("timeout")
        || text.starts_with("connection closed")
}
