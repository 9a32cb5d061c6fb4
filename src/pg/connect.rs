//! Opening a connection to a PostgreSQL server named by a `PgTarget`: its parameters, its TLS as
//! `sslmode` asks (`tls`), keep-alives. One way to connect, for the ledger and for a query source
//! (`import::query`), each classifying a failure in its own words.

use std::time::Duration;

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

/// How a connection tells a link that went down: a keep-alive probe this often, and data
/// unacknowledged this long drops it.
#[derive(Debug, Clone, Copy)]
pub struct Keepalive {
    pub every: Duration,
    pub give_up: Duration,
}

impl Keepalive {
    /// A probe every 5 s; a minute unacknowledged.
    pub const DEFAULT: Keepalive = Keepalive {
        every: Duration::from_secs(5),
        give_up: Duration::from_secs(60),
    };
}

/// Connects to `t`; `options` are the session's settings (`-c name=value ...`), if any.
pub fn connect(
    t: &PgTarget,
    options: Option<&str>,
    alive: Keepalive,
) -> Result<Client, ConnectError> {
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
        .keepalives_idle(alive.every)
        .keepalives_interval(alive.every)
        .keepalives_retries(3)
        // Sent data unacknowledged this long drops the connection (a link that went down).
        .tcp_user_timeout(alive.give_up.max(Duration::from_secs(1)));
    if let Some(pw) = &t.password {
        config.password(pw.expose());
    }
    if super::auth::guard_password(t) {
        // A cleartext or MD5 request is refused before the password leaves (`auth`).
        config.channel_binding(postgres::config::ChannelBinding::Require);
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
