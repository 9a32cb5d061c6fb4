//! `import --query SQL --from URL`: rows straight from a database, PostgreSQL (`postgres`) or
//! SQLite (`sqlite`), as one more source of the same header and rows a file gives.
//!
//! The query runs once, in a read-only session with a statement timeout; its rows arrive in
//! batches (a portal on PostgreSQL, a stepping statement on SQLite), each cell turned into text
//! by its SQL type (`pgcell` for PostgreSQL's binary values), and are written to a spill file
//! (`read::spill`) that every pass reads (doc/sources.md). `{{last_success}}` in the query is
//! bound as a parameter, never pasted into the SQL. An error from the database names its
//! position in the query as the user wrote it. This module opens no ledger and sends nothing.

mod pgcell;
mod postgres;
mod sqlite;

use std::path::PathBuf;
use std::time::Duration;

use crate::error::{Failure, Kind};
use crate::import::read::spill::{SpillWriter, Spilled};
use crate::log::Log;
use crate::pg::{PasswordSources, PgTarget};

/// The placeholder bound to the start of the last successful run.
pub const LAST_SUCCESS: &str = "{{last_success}}";

/// Rows asked for per round trip through the portal (PostgreSQL), each streamed as it arrives:
/// 1,000 made a round trip, with the server idle while leadctl turned the batch into text,
/// every millisecond or so.
const BATCH: i32 = 50_000;

/// Where the query runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    Postgres(Box<PgTarget>),
    Sqlite(PathBuf),
}

impl Database {
    /// `postgres://…`/`postgresql://…` (the password from the URL, `sources.file`, else
    /// `PGPASSWORD`), `sqlite:PATH` (`sqlite:///abs/path` too), or a path ending in `.sqlite`,
    /// `.sqlite3` or `.db`. The error never quotes a password.
    pub fn parse(text: &str, sources: &PasswordSources<'_>) -> Result<Database, String> {
        let t = text.trim();
        if crate::pg::is_postgres_url(t) {
            let mut target = PgTarget::parse(t, sources)?;
            target.application_name = "leadctl (query)".into();
            return Ok(Database::Postgres(Box::new(target)));
        }
        if let Some(rest) = t.strip_prefix("sqlite:") {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            if path.is_empty() {
                return Err("names no file (sqlite:PATH is the form)".into());
            }
            return Ok(Database::Sqlite(PathBuf::from(path)));
        }
        let lower = t.to_ascii_lowercase();
        if [".sqlite", ".sqlite3", ".db"]
            .iter()
            .any(|e| lower.ends_with(e))
        {
            return Ok(Database::Sqlite(PathBuf::from(t)));
        }
        Err("is neither a postgres:// (postgresql://) URL nor sqlite:PATH".into())
    }

    /// As shown in messages: the password masked.
    pub fn shown(&self) -> String {
        match self {
            Database::Postgres(t) => t.to_string(),
            Database::Sqlite(p) => format!("sqlite:{}", p.display()),
        }
    }
}

/// A query as the command line gave it, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub sql: String,
    /// Where the SQL came from, for messages: `--query` or `--query-file FILE`.
    pub origin: String,
    pub from: Database,
    /// `--since TIME` (Unix seconds): `{{last_success}}` when no earlier run succeeded.
    pub since: Option<i64>,
    /// `--timeout`: the statement timeout.
    pub timeout: Duration,
    /// The run history's fingerprint of the run reading this query (set by the command from
    /// the same parts its run report records): `{{last_success}}` is the start of the last run
    /// with this fingerprint that exited 0.
    pub history: String,
}

impl Query {
    /// The name of this source in messages.
    pub fn name(&self) -> String {
        format!("query on {}", self.from.shown())
    }

    pub fn uses_last_success(&self) -> bool {
        self.sql.contains(LAST_SUCCESS)
    }

    /// What names this work in the run history besides the command and the API URL: the
    /// database (its URL without password) and the SQL as written. The same query on the same
    /// database is the same work; another query, or another database, is not.
    pub fn identity(&self) -> [String; 3] {
        ["--query".into(), self.from.shown(), self.sql.clone()]
    }
}

/// The SQL as sent: `{{last_success}}` replaced by the parameter `param`, with where each
/// replacement happened so that a position the database reports maps back to the user's text.
pub(crate) struct Prepared {
    pub sql: String,
    /// (byte offset in `sql`, bytes `sql` is longer than the original up to there) per
    /// replacement.
    shifts: Vec<(usize, isize)>,
    original: String,
}

impl Prepared {
    pub fn new(original: &str, param: &str) -> Result<Prepared, Failure> {
        let quoted = format!("'{LAST_SUCCESS}'");
        if original.contains(&quoted) {
            return Err(Failure::usage(format!(
                "the query has {quoted} in quotes: it is bound as a parameter, not pasted into \
                 the text"
            ))
            .with_hint(format!(
                "write it without quotes, e.g. WHERE updated_at >= {LAST_SUCCESS}"
            )));
        }
        let mut sql = String::with_capacity(original.len());
        let mut shifts = Vec::new();
        let mut rest = original;
        let mut shift = 0isize;
        while let Some(at) = rest.find(LAST_SUCCESS) {
            sql.push_str(&rest[..at]);
            sql.push_str(param);
            shift += param.len() as isize - LAST_SUCCESS.len() as isize;
            shifts.push((sql.len(), shift));
            rest = &rest[at + LAST_SUCCESS.len()..];
        }
        sql.push_str(rest);
        Ok(Prepared {
            sql,
            shifts,
            original: original.to_string(),
        })
    }

    /// A byte offset into the SQL as sent, as a byte offset into the user's text.
    fn original_offset(&self, sent: usize) -> usize {
        let shift = self
            .shifts
            .iter()
            .take_while(|(at, _)| *at <= sent)
            .last()
            .map_or(0, |(_, s)| *s);
        (sent as isize - shift).clamp(0, self.original.len() as isize) as usize
    }

    /// "line 2, column 14 (near `FORM leads`)" for a byte offset into the SQL as sent.
    pub fn position(&self, sent: usize) -> String {
        let mut at = self.original_offset(sent);
        while at > 0 && !self.original.is_char_boundary(at) {
            at -= 1;
        }
        let before = &self.original[..at];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
        let near: String = self.original[at..]
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(24)
            .collect();
        if near.trim().is_empty() {
            format!("line {line}, column {column} (at the end)")
        } else {
            format!(
                "line {line}, column {column} (near {})",
                crate::log::quoted(near.trim_end())
            )
        }
    }
}

/// What `{{last_success}}` is bound to, and why (said on stderr).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Since {
    /// Unix seconds.
    pub at: i64,
    pub why: String,
}

/// Runs the query and spills its rows; `since` is what `{{last_success}}` is bound to.
pub fn run(q: &Query, since: Option<&Since>, log: &Log) -> Result<Spilled, Failure> {
    let name = q.name();
    log.debug(&format!("{name}: the query ({}):\n{}", q.origin, q.sql));
    if let (true, Some(s)) = (q.uses_last_success(), since) {
        log.notice(&format!(
            "{LAST_SUCCESS} = {} ({})",
            crate::time::format_rfc3339(unix_time(s.at)),
            s.why
        ));
    }
    let mut spill = SpillWriter::create().map_err(|e| {
        Failure::new(
            Kind::Input,
            format!("{name}: cannot create a temporary file for its rows: {e}"),
        )
        .with_hint("set TMPDIR to a directory with room")
    })?;
    let bound = q.uses_last_success().then(|| since.map_or(0, |s| s.at));
    let rows = match &q.from {
        Database::Postgres(t) => postgres::fetch(q, t, bound, &mut spill)?,
        Database::Sqlite(p) => sqlite::fetch(q, p, bound, &mut spill)?,
    };
    let description = format!(
        "{} row(s) read ({}), kept in a temporary file for the passes over them",
        crate::import::fmt_count(rows),
        q.origin
    );
    spill
        .finish(name.clone(), description)
        .map_err(|e| spill_failure(&name, &e))
}

/// A Unix time as a `SystemTime` (before 1970: the epoch).
pub fn unix_time(secs: i64) -> std::time::SystemTime {
    std::time::UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).unwrap_or(0))
}

fn spill_failure(name: &str, e: &std::io::Error) -> Failure {
    Failure::input(format!(
        "{name}: cannot write its rows to a temporary file: {e}"
    ))
    .with_hint("set TMPDIR to a directory with room for the result")
}

/// A result needs named, distinct columns: they are the header.
fn check_header(name: &str, header: &[String]) -> Result<(), Failure> {
    if header.is_empty() {
        return Err(Failure::input(format!(
            "{name}: the statement returns no columns (is it a SELECT?)"
        ))
        .with_hint("the query's columns are the header: SELECT email, first_name, ... FROM ..."));
    }
    let mut seen = std::collections::HashSet::new();
    for h in header {
        if !seen.insert(h.to_lowercase()) {
            return Err(Failure::input(format!(
                "{name}: two columns are named {}",
                crate::log::quoted(h)
            ))
            .with_hint("give each column its own name with AS"));
        }
    }
    Ok(())
}

/// A cell longer than a file's cell may be: the same limit.
fn too_long(name: &str, row: u64, column: &str) -> Failure {
    Failure::input(format!(
        "{name}, row {row}, column {}: the value is longer than {} MiB",
        crate::log::quoted(column),
        crate::import::read::MAX_FIELD / (1024 * 1024)
    ))
    .with_hint("leave the column out of the query, or cut it (left(column, 10000))")
}

/// A column of a type leadctl does not turn into text.
fn refused_type(name: &str, column: &str, ty: &str) -> Failure {
    Failure::input(format!(
        "{name}: column {} has the type {ty}, which leadctl does not read (text, integers, \
         decimals, floats, booleans, dates, times, timestamps, uuids, json and NULL are read)",
        crate::log::quoted(column)
    ))
    .with_hint(format!(
        "cast it in the query, e.g. {}::text AS {}",
        column, column
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none() -> PasswordSources<'static> {
        PasswordSources {
            file: None,
            file_var: "LEADCTL_SOURCE_PASSWORD_FILE",
            env: None,
            default_user: Some("me"),
        }
    }

    #[test]
    fn databases_by_url_and_file_name() {
        let p = |t: &str| Database::parse(t, &none());
        assert_eq!(
            p("sqlite:leads.db"),
            Ok(Database::Sqlite("leads.db".into()))
        );
        assert_eq!(
            p("sqlite:///var/x.sqlite"),
            Ok(Database::Sqlite("/var/x.sqlite".into()))
        );
        assert_eq!(p("crm.sqlite3"), Ok(Database::Sqlite("crm.sqlite3".into())));
        let pg = p("postgres://u:secret@h:5433/crm").unwrap();
        // A host other than loopback: verify-full unless the URL says otherwise.
        assert_eq!(
            pg.shown(),
            "postgres://u:****@h:5433/crm?sslmode=verify-full"
        );
        assert!(p("leads.csv").unwrap_err().contains("neither"));
        assert!(p("sqlite:").unwrap_err().contains("no file"));
    }

    #[test]
    fn last_success_is_a_parameter_and_positions_map_back() {
        let q = "SELECT email\nFROM leads\nWHERE updated_at >= {{last_success}} AND x FORM";
        let p = Prepared::new(q, "($1::timestamptz)").unwrap();
        assert_eq!(
            p.sql,
            "SELECT email\nFROM leads\nWHERE updated_at >= ($1::timestamptz) AND x FORM"
        );
        let sent = p.sql.find("FORM").unwrap();
        assert_eq!(p.position(sent), "line 3, column 44 (near \"FORM\")");
        assert_eq!(p.position(7), "line 1, column 8 (near \"email\")");
        assert_eq!(p.position(p.sql.len()), "line 3, column 48 (at the end)");
        let e = Prepared::new("SELECT 1 WHERE a > '{{last_success}}'", "?1")
            .err()
            .unwrap();
        assert!(e.message.contains("in quotes"), "{}", e.message);
    }
}
