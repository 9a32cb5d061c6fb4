//! Opening a connection to a PostgreSQL server named by a `PgTarget`: its parameters, its TLS as
//! `sslmode` asks (`tls`), keep-alives. One way to connect, for the ledger and for a query source
//! (`import::query`), each classifying a failure in its own words.

use postgres::Client;

use super::target::{PgTarget, SslMode};
use super::tls;

/// Why a connection was not made.
pub enum ConnectError {
    /// The TLS set-up (a CA bundle that cannot be read): nothing was tried.
    Tls(String),
    /// The server, the network or the handshake refused.
    Db(postgres::Error),
}

/// Connects to `t`; `options` are the session's settings (`-c name=value ...`), if any.
pub fn connect(t: &PgTarget, options: Option<&str>) -> Result<Client, ConnectError> {
    let mut config = postgres::Config::new();
    if let Some(o) = options {
        config.options(o);
    }
    config
        .host(&t.host)
        .port(t.port)
        .user(&t.user)
        .dbname(&t.dbname)
        .application_name(&t.application_name)
        .connect_timeout(t.connect_timeout)
        .keepalives(true)
        .keepalives_idle(std::time::Duration::from_secs(30));
    if let Some(pw) = &t.password {
        config.password(pw.expose());
    }
    let tls = tls::client_config(t).map_err(ConnectError::Tls)?;
    match tls {
        None => {
            config.ssl_mode(postgres::config::SslMode::Disable);
            config.connect(postgres::NoTls)
        }
        Some(c) => {
            config.ssl_mode(match t.sslmode {
                SslMode::Prefer => postgres::config::SslMode::Prefer,
                _ => postgres::config::SslMode::Require,
            });
            config.connect(tokio_postgres_rustls::MakeRustlsConnect::new(c))
        }
    }
    .map_err(ConnectError::Db)
}
