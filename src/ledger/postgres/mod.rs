//! The PostgreSQL ledger: one database every machine of a CI fleet or a Kubernetes Job shares
//! (doc/ledger.md, "PostgreSQL"). The same tables and rules as the SQLite ledger, in a schema of
//! its own (`leadctl`, or `?schema=`): a claim is one `INSERT ... ON CONFLICT DO NOTHING`
//! committed before the request leaves, so two machines never both win a key; the writes the
//! [`Ledger`](super::Ledger) groups are sent as one statement per kind (claims, outcomes), so a
//! batch of rows costs a few round trips, not a few per row.
//!
//! Connecting checks everything before a row is sent: the server answers (else exit 7), the
//! password and the permissions are right, the schema is leadctl's and not newer (else exit 3).
//! A connection lost mid-run makes the call fail with [`Store::lost_connection`] set; the next
//! call connects again.

use std::collections::HashMap;

use postgres::{Client, Statement};

use super::{Entry, State, SCHEMA_VERSION};
use crate::error::{Failure, Kind};

mod check;
mod ops;
mod runs;
mod store;
mod watch;

// Connecting is not the ledger's own: a query source connects the same way (`crate::pg`).
pub(crate) use crate::pg::{auth, connect, describe, is_connection_error};
pub use crate::pg::{is_postgres_url, masked_url, PasswordSources, PgTarget, SslMode};

pub struct PgStore {
    target: PgTarget,
    client: Option<Client>,
    statements: HashMap<String, Statement>,
    scopes: HashMap<(String, String), i64>,
    /// The last error was a lost (or unreachable) connection.
    lost: bool,
    /// This store's id for the watchdog (`watch`).
    id: u64,
}

/// The columns of `leads` an [`Entry`] is read from, after `api_url, channel`.
const LEAD_COLUMNS: &str = "l.key, l.state, l.lead_id, l.hash, l.fields, l.error, l.via, \
     l.input, l.\"row\", l.run, l.sent_at, l.answered_at, l.first_at, l.updated_at";

fn schema_sql(s: &str) -> String {
    format!(
        "CREATE SCHEMA IF NOT EXISTS {s};
CREATE TABLE {s}.version (version integer NOT NULL);
CREATE TABLE {s}.scopes (
    id bigserial PRIMARY KEY,
    api_url text NOT NULL,
    channel text NOT NULL,
    UNIQUE (api_url, channel)
);
CREATE TABLE {s}.leads (
    scope bigint NOT NULL REFERENCES {s}.scopes(id),
    key text NOT NULL,
    state text NOT NULL CHECK (state IN ('sending', 'created', 'failed', 'unknown')),
    lead_id text,
    hash text NOT NULL,
    fields text NOT NULL,
    error text,
    via text,
    input text,
    \"row\" bigint,
    run text,
    sent_at bigint,
    answered_at bigint,
    first_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    checksum text,
    PRIMARY KEY (scope, key)
);
CREATE TABLE {s}.meta (
    api_url text NOT NULL,
    key text NOT NULL,
    value text NOT NULL,
    updated_at bigint NOT NULL,
    PRIMARY KEY (api_url, key)
);
{runs}
INSERT INTO {s}.version (version) VALUES ({SCHEMA_VERSION});",
        runs = runs::runs_sql(s)
    )
}

impl PgStore {
    /// Connects and checks the schema (creating it on first use): every refusal here comes
    /// before anything is sent.
    pub fn open(target: &PgTarget) -> Result<PgStore, Failure> {
        let mut store = PgStore {
            target: target.clone(),
            client: None,
            statements: HashMap::new(),
            scopes: HashMap::new(),
            lost: false,
            id: {
                static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
                NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            },
        };
        store.connect()?;
        store.prepare_schema()?;
        Ok(store)
    }

    fn shown(&self) -> String {
        self.target.to_string()
    }

    /// Connects, classifying a failure: unreachable → exit 7, refused (password, user,
    /// database, TLS) → exit 3.
    fn connect(&mut self) -> Result<(), Failure> {
        // Committed means committed, whatever the server's default (a crash must not lose a
        // claim or an outcome this run was told is durable).
        // And the server gives up on a statement or a lock wait past the stated total (`watch`).
        let options = format!(
            "-c synchronous_commit=on -c statement_timeout={ms} -c lock_timeout={ms}",
            ms = watch::total().as_millis().max(1000)
        );
        let connected = match connect::connect(&self.target, Some(&options), watch::keepalive()) {
            Err(connect::ConnectError::Tls(e)) => {
                return Err(
                    Failure::config(format!("the ledger {}: {e}", self.shown())).with_hint(
                        "check --ca-bundle (or LEADCTL_CA_BUNDLE) and the URL's sslrootcert",
                    ),
                )
            }
            Err(connect::ConnectError::Db(e)) => Err(e),
            Ok(c) => Ok(c),
        };
        match connected {
            Ok(client) => {
                self.client = Some(client);
                self.statements.clear();
                self.lost = false;
                Ok(())
            }
            Err(e) => {
                self.lost = is_connection_error(&e);
                Err(self.connect_failure(&e))
            }
        }
    }

    fn connect_failure(&self, e: &postgres::Error) -> Failure {
        let shown = self.shown();
        let text = describe(&self.target, e);
        let t = &self.target;
        if self.lost {
            return Failure::new(
                Kind::Network,
                format!("cannot reach the ledger database {shown}: {text}"),
            )
            .with_hint(format!(
                "check that PostgreSQL runs on {}:{} and that this machine may reach it \
                 (firewall, VPN); nothing was sent",
                t.host, t.port
            ));
        }
        let code = e.code().map(|c| c.code().to_string()).unwrap_or_default();
        let hint = match code.as_str() {
            "28P01" => format!(
                "the password {} is wrong for user {:?}: fix it (LEADCTL_LEDGER_PASSWORD_FILE, \
                 PGPASSWORD or the URL); nothing was sent",
                t.password_from
                    .as_deref()
                    .map_or("(none given)".to_string(), |f| format!("from {f}")),
                t.user
            ),
            "28000" => format!(
                "the server refuses user {:?} from this machine (pg_hba.conf) or the user does \
                 not exist; nothing was sent",
                t.user
            ),
            "3D000" => format!(
                "create the database first (createdb {}), or name another in the URL; nothing \
                 was sent",
                t.dbname
            ),
            "42501" => format!(
                "user {:?} may not connect to database {:?}: GRANT CONNECT; nothing was sent",
                t.user, t.dbname
            ),
            _ if text.contains(auth::REFUSED) => format!(
                "the server at {} asked for the password in a form an impostor could read \
                 (cleartext or MD5, or SCRAM without channel binding) over a connection whose \
                 certificate is not verified (sslmode={}); the password was not sent. Use \
                 sslmode=verify-full (with --ca-bundle for a private CA), or SCRAM with TLS on \
                 the server; nothing was sent",
                t.host,
                t.sslmode.as_str()
            ),
            _ if text.contains("password missing") => "the server asks for a password: put it \
                 in a file named by LEADCTL_LEDGER_PASSWORD_FILE (or PGPASSWORD); nothing was sent"
                .to_string(),
            _ if text.contains("TLS") || text.contains("certificate") => format!(
                "sslmode={} could not be met: check the server's TLS setup, the URL's sslmode and \
                 --ca-bundle; nothing was sent",
                t.sslmode.as_str()
            ),
            _ => "check the ledger URL (--ledger, LEADCTL_LEDGER or the profile's ledger); \
                  nothing was sent"
                .to_string(),
        };
        Failure::config(format!(
            "the ledger database {shown} refused the connection: {text}"
        ))
        .with_hint(hint)
    }

    /// A failure of the schema checks: refused (3), unless the connection went (7).
    fn refuse(&mut self, what: &str, e: &postgres::Error) -> Failure {
        self.lost = is_connection_error(e);
        let text = format!(
            "the ledger {} {what}: {}",
            self.shown(),
            describe(&self.target, e)
        );
        if self.lost {
            return Failure::new(Kind::Network, text).with_hint(
                "the database went away while leadctl was connecting; nothing was sent",
            );
        }
        let s = &self.target.schema;
        let hint = if e.code().map(|c| c.code()) == Some("42501") {
            format!(
                "user {:?} needs CREATE on database {:?} (the first run makes schema {s}), or a \
                 schema made for it: CREATE SCHEMA {s} AUTHORIZATION {}; or ?schema= names \
                 another; nothing was sent",
                self.target.user, self.target.dbname, self.target.user
            )
        } else {
            "nothing was sent".to_string()
        };
        Failure::config(text).with_hint(hint)
    }

    fn client(&mut self) -> Result<&mut Client, String> {
        if self.client.as_ref().is_none_or(|c| c.is_closed()) {
            self.client = None;
            self.connect().map_err(|f| f.message)?;
        }
        self.client
            .as_mut()
            .ok_or_else(|| "not connected".to_string())
    }

    fn prepare_schema(&mut self) -> Result<(), Failure> {
        let s = self.target.schema_sql();
        let name = self.target.schema.clone();
        let client = self
            .client
            .as_mut()
            .ok_or_else(|| Failure::new(Kind::Network, "the ledger database is not connected"))?;
        let version = read_version(client, &name);
        let version = match version {
            Ok(v) => v,
            Err(e) => return Err(self.refuse("cannot be read", &e)),
        };
        let version = match version {
            Some(v) => v,
            None => {
                let made = create_schema(client, &name, &s);
                match made {
                    Ok(v) => v,
                    Err(e) => return Err(self.refuse("cannot be created", &e)),
                }
            }
        };
        let shown = self.shown();
        if version < 0 {
            return Err(Failure::config(format!(
                "the ledger {shown}: schema {name} holds tables that are not a leadctl ledger"
            ))
            .with_hint("name another schema with ?schema=NAME in the URL; nothing was sent"));
        }
        if i64::from(version) > SCHEMA_VERSION {
            return Err(Failure::config(format!(
                "the ledger {shown} was written by a newer leadctl (schema version {version}; \
                 this one knows {SCHEMA_VERSION})"
            ))
            .with_hint("upgrade leadctl on this machine; nothing was sent"));
        }
        let client = self
            .client
            .as_mut()
            .ok_or_else(|| Failure::new(Kind::Network, "the ledger database is not connected"))?;
        if i64::from(version) < SCHEMA_VERSION {
            if let Err(e) = runs::upgrade(client, &name, &s) {
                return Err(self.refuse(
                    "cannot be upgraded (to add the run history and the entries' checksums)",
                    &e,
                ));
            }
        }
        let client = self
            .client
            .as_mut()
            .ok_or_else(|| Failure::new(Kind::Network, "the ledger database is not connected"))?;
        let may = client.query_one(
            &format!(
                "SELECT has_table_privilege('{s}.leads', 'SELECT, INSERT, UPDATE, DELETE') AND \
                 has_table_privilege('{s}.scopes', 'SELECT, INSERT') AND \
                 has_table_privilege('{s}.meta', 'SELECT, INSERT, UPDATE') AND \
                 has_table_privilege('{s}.runs', 'SELECT, INSERT, DELETE') AND \
                 has_sequence_privilege('{s}.scopes_id_seq', 'USAGE')"
            ),
            &[],
        );
        match may.map(|r| r.get::<_, bool>(0)) {
            Ok(true) => Ok(()),
            Ok(false) => Err(Failure::config(format!(
                "the ledger {shown}: user {:?} may not write the tables of schema {name}",
                self.target.user
            ))
            .with_hint(format!(
                "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {name} TO {0}; \
                 GRANT USAGE ON ALL SEQUENCES IN SCHEMA {name} TO {0}; GRANT USAGE ON SCHEMA \
                 {name} TO {0}; nothing was sent",
                self.target.user
            ))),
            Err(e) => Err(self.refuse("cannot be checked", &e)),
        }
    }
}

/// The schema's version: None when there is no schema or it is empty, -1 when it holds other
/// tables and no version.
fn read_version(client: &mut Client, name: &str) -> Result<Option<i32>, postgres::Error> {
    let tables: i64 = client
        .query_one(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = $1",
            &[&name],
        )?
        .get(0);
    if tables == 0 {
        return Ok(None);
    }
    let has_version: bool = client
        .query_one(
            "SELECT count(*) > 0 FROM information_schema.tables WHERE table_schema = $1 AND \
             table_name = 'version'",
            &[&name],
        )?
        .get(0);
    if !has_version {
        return Ok(Some(-1));
    }
    let row = client.query_opt(&format!("SELECT max(version) FROM \"{name}\".version"), &[])?;
    Ok(Some(
        row.and_then(|r| r.get::<_, Option<i32>>(0)).unwrap_or(-1),
    ))
}

/// Creates the tables, once even when several machines start at the same moment (an advisory
/// lock for the transaction; the second finds them made).
fn create_schema(client: &mut Client, name: &str, s: &str) -> Result<i32, postgres::Error> {
    let mut tx = client.transaction()?;
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext('leadctl ledger schema ' || $1))",
        &[&name],
    )?;
    let tables: i64 = tx
        .query_one(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = $1",
            &[&name],
        )?
        .get(0);
    if tables == 0 {
        tx.batch_execute(&schema_sql(s))?;
    }
    tx.commit()?;
    Ok(read_version(client, name)?.unwrap_or(-1))
}

fn entry_of(api_url: &str, channel: &str, r: &postgres::Row, at: usize) -> Entry {
    let get_s = |i: usize| r.try_get::<_, Option<String>>(at + i).ok().flatten();
    let get_i = |i: usize| r.try_get::<_, Option<i64>>(at + i).ok().flatten();
    let fields = get_s(4)
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    Entry {
        api_url: api_url.to_string(),
        channel: channel.to_string(),
        key: get_s(0).unwrap_or_default(),
        state: get_s(1)
            .and_then(|s| State::parse(&s))
            .unwrap_or(State::Unknown),
        lead_id: get_s(2),
        hash: get_s(3).unwrap_or_default(),
        fields,
        error: get_s(5),
        via: get_s(6),
        input: get_s(7),
        row: get_i(8).map(|r| r.max(0) as u64),
        run: get_s(9),
        sent_at: get_i(10),
        answered_at: get_i(11),
        first_at: get_i(12).unwrap_or(0),
        updated_at: get_i(13).unwrap_or(0),
    }
}

/// An entry from a row that starts with `api_url, channel`.
fn full_entry(r: &postgres::Row) -> Entry {
    let url: String = r.try_get(0).unwrap_or_default();
    let channel: String = r.try_get(1).unwrap_or_default();
    entry_of(&url, &channel, r, 2)
}

impl PgStore {
    /// Runs `f` with the client, noting whether a failure lost the connection (the next call
    /// connects again).
    fn with<T>(
        &mut self,
        f: impl FnOnce(&mut Client, &mut HashMap<String, Statement>) -> Result<T, postgres::Error>,
    ) -> Result<T, String> {
        self.lost = false;
        // Connecting again (after a lost connection) says itself whether it was unreachable.
        self.client()?;
        let Some(client) = self.client.as_mut() else {
            self.lost = true;
            return Err("not connected".into());
        };
        let timed = watch::start(self.id, &self.target.to_string());
        let result = f(client, &mut self.statements);
        drop(timed);
        result.map_err(|e| {
            // A statement or a lock wait past the stated total (57014, 55P03: the session's
            // timeouts, `watch`) is the ledger not answering in time: exit 7 as a lost one.
            let timed_out = matches!(e.code().map(|c| c.code()), Some("57014" | "55P03"));
            if is_connection_error(&e) || timed_out {
                self.lost = true;
                self.client = None;
            }
            describe(&self.target, &e)
        })
    }
}

/// A cached prepared statement.
fn stmt(
    client: &mut Client,
    cache: &mut HashMap<String, Statement>,
    sql: &str,
) -> Result<Statement, postgres::Error> {
    if let Some(s) = cache.get(sql) {
        return Ok(s.clone());
    }
    let s = client.prepare(sql)?;
    cache.insert(sql.to_string(), s.clone());
    Ok(s)
}
