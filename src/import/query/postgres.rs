//! A query on PostgreSQL: connected as the ledger connects (`crate::pg::connect`: the
//! same TLS and password rules), in a `READ ONLY` transaction with `statement_timeout` from
//! `--timeout` and the session's time zone UTC, the rows fetched through a portal `BATCH` at a
//! time, each streamed and spilled as it arrives.

use postgres::fallible_iterator::FallibleIterator;
use postgres::types::ToSql;
use postgres::IsolationLevel;

use super::pgcell::{self, Raw};
use super::{
    check_header, refused_type, spill_failure, too_long, unix_time, Prepared, Query, BATCH,
};
use crate::error::{Failure, Kind};
use crate::import::read::spill::SpillWriter;
use crate::import::read::MAX_FIELD;
use crate::pg::connect::{connect, ConnectError, Keepalive};
use crate::pg::{describe, is_connection_error, PgTarget};

/// Runs the query, spilling the header and each row; the number of rows.
pub fn fetch(
    q: &Query,
    target: &PgTarget,
    last_success: Option<i64>,
    spill: &mut SpillWriter,
) -> Result<u64, Failure> {
    let name = q.name();
    let shown = target.to_string();
    let mut client = connect(target, None, Keepalive::DEFAULT).map_err(|e| match e {
        ConnectError::Tls(e) => Failure::config(format!("the source database {shown}: {e}"))
            .with_hint("check --ca-bundle (or LEADCTL_CA_BUNDLE) and the URL's sslrootcert"),
        ConnectError::Db(e) => connect_failure(target, &e),
    })?;
    let failed = |e: &postgres::Error| database_failure(&name, target, e, None);
    let mut tx = client
        .build_transaction()
        .read_only(true)
        .isolation_level(IsolationLevel::RepeatableRead)
        .start()
        .map_err(|e| failed(&e))?;
    let ms = q.timeout.as_millis().clamp(1, i32::MAX as u128);
    tx.batch_execute(&format!(
        "SET LOCAL statement_timeout = {ms}; SET LOCAL TimeZone = 'UTC'"
    ))
    .map_err(|e| failed(&e))?;

    let prepared = Prepared::new(&q.sql, "($1::timestamptz)")?;
    let statement = tx
        .prepare(&prepared.sql)
        .map_err(|e| database_failure(&name, target, &e, Some(&prepared)))?;
    let mut kinds = Vec::new();
    let mut header = Vec::new();
    for c in statement.columns() {
        let kind = pgcell::kind_of(c.type_())
            .ok_or_else(|| refused_type(&name, c.name(), c.type_().name()))?;
        kinds.push(kind);
        header.push(c.name().to_string());
    }
    check_header(&name, &header)?;
    spill.push(&header).map_err(|e| spill_failure(&name, &e))?;

    let at = last_success.map(unix_time);
    let params: Vec<&(dyn ToSql + Sync)> = match &at {
        Some(t) => vec![t],
        None => Vec::new(),
    };
    let portal = tx
        .bind(&statement, &params)
        .map_err(|e| database_failure(&name, target, &e, Some(&prepared)))?;
    let mut cells = vec![String::new(); kinds.len()];
    let mut rows = 0u64;
    loop {
        // Streamed: each row is spilled as it arrives, while the server sends the next ones
        // (the socket's buffers hold what it sent ahead); never a batch held in memory.
        let mut batch = tx
            .query_portal_raw(&portal, BATCH)
            .map_err(|e| database_failure(&name, target, &e, Some(&prepared)))?;
        let mut in_batch = 0i32;
        while let Some(row) = batch
            .next()
            .map_err(|e| database_failure(&name, target, &e, Some(&prepared)))?
        {
            in_batch += 1;
            rows += 1;
            for (i, (kind, cell)) in kinds.iter().zip(cells.iter_mut()).enumerate() {
                let raw: Option<Raw<'_>> = row.try_get(i).map_err(|e| failed(&e))?;
                match raw {
                    None => cell.clear(),
                    Some(Raw(bytes)) => {
                        pgcell::text(*kind, bytes, cell).map_err(|why| {
                            Failure::input(format!(
                                "{name}, row {rows}, column {}: {why}",
                                crate::log::quoted(&header[i])
                            ))
                        })?;
                    }
                }
                if cell.len() > MAX_FIELD {
                    return Err(too_long(&name, rows, &header[i]));
                }
            }
            spill.push(&cells).map_err(|e| spill_failure(&name, &e))?;
        }
        if in_batch < BATCH {
            break;
        }
    }
    // Nothing was written: ending the transaction either way is the same.
    let _ = tx.rollback();
    Ok(rows)
}

/// The server's refusal of the connection: unreachable → exit 7, refused → exit 3.
fn connect_failure(t: &PgTarget, e: &postgres::Error) -> Failure {
    let shown = t.to_string();
    let text = describe(t, e);
    if is_connection_error(e) {
        return Failure::new(
            Kind::Network,
            format!("cannot reach the source database {shown}: {text}"),
        )
        .with_hint(format!(
            "check that PostgreSQL runs on {}:{} and that this machine may reach it; nothing \
             was sent",
            t.host, t.port
        ));
    }
    let hint = match e.code().map(|c| c.code()) {
        Some("28P01") => format!(
            "the password {} is wrong for user {:?}: fix it (LEADCTL_SOURCE_PASSWORD_FILE, \
             PGPASSWORD or the URL); nothing was sent",
            t.password_from
                .as_deref()
                .map_or("(none given)".to_string(), |f| format!("from {f}")),
            t.user
        ),
        _ if text.contains("password missing") => "the server asks for a password: put it in a \
             file named by LEADCTL_SOURCE_PASSWORD_FILE (or PGPASSWORD); nothing was sent"
            .to_string(),
        _ => "check the --from URL; nothing was sent".to_string(),
    };
    Failure::config(format!(
        "the source database {shown} refused the connection: {text}"
    ))
    .with_hint(hint)
}

/// An error while the query ran: where in the query, when the server says (exit 6); a write
/// refused by the read-only session (exit 6); the statement timeout or a lost connection (7).
fn database_failure(
    name: &str,
    t: &PgTarget,
    e: &postgres::Error,
    prepared: Option<&Prepared>,
) -> Failure {
    let text = describe(t, e);
    if is_connection_error(e) {
        return Failure::new(
            Kind::Network,
            format!("{name}: the connection failed: {text}"),
        )
        .with_hint("run it again when the database is reachable; nothing was sent");
    }
    let code = e.code().map(|c| c.code()).unwrap_or_default();
    if code == "57014" {
        return Failure::new(
            Kind::Network,
            format!("{name}: the query ran longer than the statement timeout: {text}"),
        )
        .with_hint("pass a longer --timeout SECS, or make the query cheaper; nothing was sent");
    }
    let position = e
        .as_db_error()
        .and_then(|db| db.position())
        .and_then(|p| match p {
            postgres::error::ErrorPosition::Original(at) => Some(*at),
            postgres::error::ErrorPosition::Internal { .. } => None,
        })
        .zip(prepared)
        .map(|(at, p)| {
            // The server counts characters from 1.
            let sent = p
                .sql
                .char_indices()
                .nth((at as usize).saturating_sub(1))
                .map_or(p.sql.len(), |(i, _)| i);
            format!(" at {}", p.position(sent))
        })
        .unwrap_or_default();
    if code == "25006" {
        return Failure::input(format!(
            "{name}: the query tries to write, and the source is read in a read-only \
             transaction: {text}"
        ))
        .with_hint("--query takes a SELECT (or a WITH ... SELECT); leadctl never writes to it");
    }
    Failure::input(format!("{name}: the query failed{position}: {text}"))
        .with_hint("fix the query (-v prints it as sent); nothing was sent")
}
