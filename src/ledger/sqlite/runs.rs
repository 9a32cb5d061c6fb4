//! The run history on SQLite (`ledger::runs`): the `runs` table, made with a new file and added
//! to a version-1 file when it is opened.

use rusqlite::{params, Connection, Row};

use crate::ledger::runs::{oldest_kept, KEEP_RUNS};
use crate::ledger::RunRecord;

pub(super) const RUNS: &str = "
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    started_at INTEGER NOT NULL,
    ended_at INTEGER NOT NULL,
    host TEXT NOT NULL,
    command TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    exit_code INTEGER NOT NULL,
    inputs TEXT NOT NULL,
    counts TEXT NOT NULL,
    report TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_started ON runs (started_at);
CREATE INDEX IF NOT EXISTS runs_fingerprint ON runs (fingerprint, exit_code, started_at);
";

const COLUMNS: &str =
    "id, started_at, ended_at, host, command, fingerprint, exit_code, inputs, counts, report";

fn run_of(r: &Row<'_>) -> rusqlite::Result<RunRecord> {
    let json = |i: usize| -> rusqlite::Result<serde_json::Value> {
        let text: String = r.get(i)?;
        Ok(serde_json::from_str(&text).unwrap_or(serde_json::Value::Null))
    };
    Ok(RunRecord {
        id: r.get(0)?,
        started_at: r.get(1)?,
        ended_at: r.get(2)?,
        host: r.get(3)?,
        command: r.get(4)?,
        fingerprint: r.get(5)?,
        exit_code: r.get(6)?,
        inputs: json(7)?,
        counts: json(8)?,
        report: json(9)?,
    })
}

/// Inserts the run and prunes, in one transaction.
pub(super) fn record(c: &Connection, run: &RunRecord) -> rusqlite::Result<()> {
    c.execute_batch("BEGIN IMMEDIATE")?;
    let written = (|| {
        c.execute_batch(RUNS)?;
        c.execute(
            &format!(
                "INSERT OR REPLACE INTO runs ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, \
                 ?8, ?9, ?10)"
            ),
            params![
                run.id,
                run.started_at,
                run.ended_at,
                run.host,
                run.command,
                run.fingerprint,
                run.exit_code,
                run.inputs.to_string(),
                run.counts.to_string(),
                run.report.to_string()
            ],
        )?;
        c.execute(
            "DELETE FROM runs WHERE started_at < ?1 OR id NOT IN (SELECT id FROM runs ORDER BY \
             started_at DESC LIMIT ?2)",
            params![oldest_kept(run.ended_at), KEEP_RUNS as i64],
        )?;
        c.execute_batch("COMMIT")
    })();
    if written.is_err() {
        let _ = c.execute_batch("ROLLBACK");
    }
    written
}

fn has_runs(c: &Connection) -> rusqlite::Result<bool> {
    c.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'runs'",
        [],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n > 0)
}

pub(super) fn newest(c: &Connection, limit: u64) -> rusqlite::Result<Vec<RunRecord>> {
    if !has_runs(c)? {
        return Ok(Vec::new());
    }
    let mut s = c.prepare(&format!(
        "SELECT {COLUMNS} FROM runs ORDER BY started_at DESC, id LIMIT ?1"
    ))?;
    let rows = s.query_map(params![i64::try_from(limit).unwrap_or(i64::MAX)], run_of)?;
    rows.collect()
}

pub(super) fn by_id(c: &Connection, prefix: &str) -> rusqlite::Result<Vec<RunRecord>> {
    if !has_runs(c)? {
        return Ok(Vec::new());
    }
    let mut s = c.prepare(&format!(
        "SELECT {COLUMNS} FROM runs WHERE substr(id, 1, length(?1)) = ?1 ORDER BY started_at \
         DESC LIMIT 10"
    ))?;
    let rows = s.query_map(params![prefix], run_of)?;
    rows.collect()
}

pub(super) fn last_success(c: &Connection, fingerprint: &str) -> rusqlite::Result<Option<i64>> {
    if !has_runs(c)? {
        return Ok(None);
    }
    c.query_row(
        "SELECT max(started_at) FROM runs WHERE fingerprint = ?1 AND exit_code = 0",
        params![fingerprint],
        |r| r.get(0),
    )
}

#[cfg(test)]
mod tests {
    use crate::ledger::{Ledger, Location, Store};

    /// A ledger written by schema version 1 (leads, scopes, meta; no runs) opens, is upgraded
    /// to the current version, and keeps its keys.
    #[test]
    fn a_version_1_file_gets_the_run_history_when_opened() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("old.sqlite3");
        {
            let c = rusqlite::Connection::open(&path).expect("create");
            c.execute_batch(&format!(
                "{} {} INSERT INTO scopes (id, api_url, channel) VALUES (1, 'http://x', 'c');
                 INSERT INTO leads (scope, key, state, hash, fields, first_at, updated_at)
                 VALUES (1, 'email:a@x.example', 'created', 'h', '{{}}', 1, 1);
                 PRAGMA user_version = 1;",
                super::super::SCHEMA,
                super::super::META
            ))
            .expect("version 1 schema");
        }
        let ledger = Ledger::open(&Location::File(path.clone())).expect("opens and upgrades");
        assert!(ledger
            .get("http://x", "c", "email:a@x.example")
            .expect("read")
            .is_some());
        let run = crate::ledger::runs::tests::run("r-1", 5, "f", 0);
        ledger.record_run(&run).expect("the runs table exists");
        assert_eq!(ledger.runs(5).expect("read"), vec![run]);
        drop(ledger);
        let c = rusqlite::Connection::open(&path).expect("reopen");
        let version: i64 = c
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .expect("version");
        assert_eq!(version, crate::ledger::SCHEMA_VERSION);
        // Opening again (already upgraded) changes nothing.
        let mut store = crate::ledger::sqlite::SqliteStore::open(&path).expect("open again");
        assert_eq!(store.runs(5).expect("read").len(), 1);
    }
}
