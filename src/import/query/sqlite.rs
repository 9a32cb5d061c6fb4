//! A query on SQLite: the file opened read-only (`SQLITE_OPEN_READ_ONLY`, `PRAGMA query_only`),
//! one stepping statement whose rows are spilled as they come; a watchdog interrupts it when no
//! row arrived for `--timeout`. Cells by their storage class: integers and reals as numbers
//! (an integer in a column declared BOOLEAN as `true`/`false`), text as is, NULL empty; a blob
//! is refused. SQLite keeps dates and timestamps as the text (or numbers) they were written as.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use super::{check_header, spill_failure, too_long, Prepared, Query};
use crate::error::{Failure, Kind};
use crate::import::read::spill::SpillWriter;
use crate::import::read::MAX_FIELD;

/// Runs the query, spilling the header and each row; the number of rows.
pub fn fetch(
    q: &Query,
    path: &Path,
    last_success: Option<i64>,
    spill: &mut SpillWriter,
) -> Result<u64, Failure> {
    let name = q.name();
    if !path.is_file() {
        return Err(
            Failure::input(format!("{name}: {} is not a file", path.display()))
                .with_hint("--from sqlite:PATH names an existing SQLite database file"),
        );
    }
    let failed = |e: rusqlite::Error| {
        Failure::input(format!("{name}: {e}"))
            .with_hint("check that --from names a SQLite database; nothing was sent")
    };
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(failed)?;
    conn.pragma_update(None, "query_only", true)
        .map_err(failed)?;
    conn.busy_timeout(q.timeout).map_err(failed)?;

    let prepared = Prepared::new(&q.sql, "?1")?;
    let mut statement = conn
        .prepare(&prepared.sql)
        .map_err(|e| query_failure(&name, &e, &prepared))?;
    if !statement.readonly() {
        return Err(write_refused(&name, "the statement writes"));
    }
    let (header, booleans): (Vec<String>, Vec<bool>) = statement
        .columns()
        .map(|c| {
            let boolean = c
                .decl_type()
                .is_some_and(|t| matches!(t.to_ascii_uppercase().as_str(), "BOOLEAN" | "BOOL"));
            (c.name().to_string(), boolean)
        })
        .unzip();
    check_header(&name, &header)?;
    spill.push(&header).map_err(|e| spill_failure(&name, &e))?;

    let bound = last_success.map(sqlite_time);
    let params: Vec<&dyn rusqlite::ToSql> = match &bound {
        Some(t) => vec![t],
        None => Vec::new(),
    };
    let watchdog = Watchdog::start(&conn, q.timeout);
    let mut result = statement
        .query(params.as_slice())
        .map_err(|e| query_failure(&name, &e, &prepared))?;
    let mut cells = vec![String::new(); header.len()];
    let mut rows = 0u64;
    loop {
        let row = match result.next() {
            Ok(Some(row)) => row,
            Ok(None) => break,
            Err(e) if watchdog.fired() => {
                return Err(Failure::new(
                    Kind::Network,
                    format!(
                        "{name}: the query ran longer than the statement timeout ({} s): {e}",
                        q.timeout.as_secs_f64()
                    ),
                )
                .with_hint(
                    "pass a longer --timeout SECS, or make the query cheaper; nothing was sent",
                ))
            }
            Err(e) => return Err(query_failure(&name, &e, &prepared)),
        };
        rows += 1;
        watchdog.progress();
        for (i, cell) in cells.iter_mut().enumerate() {
            cell.clear();
            let value = row.get_ref(i).map_err(failed)?;
            match value {
                ValueRef::Null => {}
                ValueRef::Integer(n) if booleans[i] => {
                    cell.push_str(if n == 0 { "false" } else { "true" })
                }
                ValueRef::Integer(n) => cell.push_str(&n.to_string()),
                ValueRef::Real(f) => cell.push_str(&f.to_string()),
                ValueRef::Text(t) => match std::str::from_utf8(t) {
                    Ok(t) => cell.push_str(t),
                    Err(_) => {
                        return Err(Failure::input(format!(
                            "{name}, row {rows}, column {}: the text is not UTF-8",
                            crate::log::quoted(&header[i])
                        )))
                    }
                },
                ValueRef::Blob(_) => {
                    return Err(Failure::input(format!(
                        "{name}, row {rows}, column {}: holds a blob (binary data), which \
                         leadctl does not read",
                        crate::log::quoted(&header[i])
                    ))
                    .with_hint(
                        "leave the column out of the query, or cast it: CAST(column AS TEXT)",
                    ))
                }
            }
            if cell.len() > MAX_FIELD {
                return Err(too_long(&name, rows, &header[i]));
            }
        }
        spill.push(&cells).map_err(|e| spill_failure(&name, &e))?;
    }
    Ok(rows)
}

/// The value `{{last_success}}` is bound to on SQLite: `YYYY-MM-DD HH:MM:SS` in UTC, the format
/// of SQLite's own `datetime()` and `CURRENT_TIMESTAMP`, so a text comparison is a time
/// comparison.
fn sqlite_time(unix: i64) -> String {
    let t = crate::time::format_rfc3339(super::unix_time(unix));
    format!("{} {}", &t[..10], &t[11..19])
}

fn write_refused(name: &str, why: &str) -> Failure {
    Failure::input(format!("{name}: {why}, and the source is opened read-only"))
        .with_hint("--query takes a SELECT (or a WITH ... SELECT); leadctl never writes to it")
}

/// SQLite's refusal of the query, with its position when it gives one.
fn query_failure(name: &str, e: &rusqlite::Error, prepared: &Prepared) -> Failure {
    if let rusqlite::Error::SqlInputError { msg, offset, .. } = e {
        let at = usize::try_from(*offset)
            .ok()
            .filter(|o| *o <= prepared.sql.len());
        if let Some(at) = at {
            return Failure::input(format!(
                "{name}: the query failed at {}: {msg}",
                prepared.position(at)
            ))
            .with_hint("fix the query (-v prints it as sent); nothing was sent");
        }
    }
    let text = e.to_string();
    if text.contains("readonly") || text.contains("read-only") || text.contains("query_only") {
        return write_refused(name, &format!("the query tries to write ({text})"));
    }
    Failure::input(format!("{name}: the query failed: {text}"))
        .with_hint("fix the query (-v prints it as sent); nothing was sent")
}

/// Interrupts the statement when no row arrived for the timeout.
struct Watchdog {
    last: Arc<AtomicU64>,
    done: Arc<AtomicBool>,
    fired: Arc<AtomicBool>,
    start: Instant,
}

impl Watchdog {
    fn start(conn: &Connection, timeout: Duration) -> Watchdog {
        let start = Instant::now();
        let last = Arc::new(AtomicU64::new(0));
        let done = Arc::new(AtomicBool::new(false));
        let fired = Arc::new(AtomicBool::new(false));
        let handle = conn.get_interrupt_handle();
        let (l, d, f) = (last.clone(), done.clone(), fired.clone());
        let tick = (timeout / 4).clamp(Duration::from_millis(10), Duration::from_millis(200));
        std::thread::spawn(move || {
            while !d.load(Ordering::SeqCst) {
                std::thread::sleep(tick);
                let since = Duration::from_millis(l.load(Ordering::SeqCst));
                if start.elapsed().saturating_sub(since) > timeout && !d.load(Ordering::SeqCst) {
                    f.store(true, Ordering::SeqCst);
                    handle.interrupt();
                    return;
                }
            }
        });
        Watchdog {
            last,
            done,
            fired,
            start,
        }
    }

    fn progress(&self) {
        let ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.store(ms, Ordering::SeqCst);
    }

    fn fired(&self) -> bool {
        self.fired.load(Ordering::SeqCst)
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.done.store(true, Ordering::SeqCst);
    }
}
