//! The SQLite ledger: one file per user (bundled SQLite, so nothing to install), WAL with
//! `synchronous=FULL`, so a committed claim survives kill -9 and power loss. Claims are one
//! `INSERT ... ON CONFLICT DO NOTHING` (or a compare-and-swap `UPDATE` when retrying), so two
//! processes sharing the file never both win a key. A damaged, foreign or newer file is refused
//! on open, never read as empty.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Row};

use super::{Entry, State, SCHEMA_VERSION};
use crate::error::Failure;

mod check;
mod ops;
mod runs;
mod store;
pub mod wait;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS scopes (
    id INTEGER PRIMARY KEY,
    api_url TEXT NOT NULL,
    channel TEXT NOT NULL,
    UNIQUE (api_url, channel)
);
CREATE TABLE IF NOT EXISTS leads (
    scope INTEGER NOT NULL REFERENCES scopes(id),
    key TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('sending', 'created', 'failed', 'unknown')),
    lead_id TEXT,
    hash TEXT NOT NULL,
    fields TEXT NOT NULL,
    error TEXT,
    via TEXT,
    input TEXT,
    row INTEGER,
    run TEXT,
    sent_at INTEGER,
    answered_at INTEGER,
    first_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
) WITHOUT ROWID;
";

/// The columns after `api_url, channel`, from `leads` alone.
const COLUMNS_OF_LEADS: &str = "l.key, l.state, l.lead_id, l.hash, l.fields, l.error, l.via, \
     l.input, l.row, l.run, l.sent_at, l.answered_at, l.first_at, l.updated_at";
/// Small values kept per API URL between runs (`concurrency.last_good`). Part of a new file's
/// schema; a file made before it gets the table on the first write (`set_meta`).
const META: &str = "
CREATE TABLE IF NOT EXISTS meta (
    api_url TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (api_url, key)
) WITHOUT ROWID;
";

const COLUMNS: &str =
    "s.api_url, s.channel, l.key, l.state, l.lead_id, l.hash, l.fields, l.error, \
     l.via, l.input, l.row, l.run, l.sent_at, l.answered_at, l.first_at, l.updated_at";

pub struct SqliteStore {
    conn: Connection,
    scopes: HashMap<(String, String), i64>,
}

fn text(e: rusqlite::Error) -> String {
    e.to_string()
}

impl SqliteStore {
    /// Opens the ledger file, creating it (mode 0600, in a 0700 directory) when absent.
    pub fn open(path: &Path) -> Result<SqliteStore, Failure> {
        let shown = path.display();
        let refuse = |why: String| {
            Failure::config(format!("the ledger {shown} {why}")).with_hint(
                "pass --ledger PATH for another file (a new path is created), or --no-ledger to \
                 remember nothing",
            )
        };
        match std::fs::symlink_metadata(path) {
            Ok(meta) if meta.file_type().is_symlink() && std::fs::metadata(path).is_err() => {
                return Err(refuse(
                    "is a symbolic link to nothing: leadctl does not create a ledger through a \
                     dangling link"
                        .into(),
                ));
            }
            Ok(_) => {
                let meta =
                    std::fs::metadata(path).map_err(|e| refuse(format!("cannot be read: {e}")))?;
                if !meta.is_file() {
                    return Err(refuse("is not a regular file".into()));
                }
                if meta.len() == 0 {
                    return Err(refuse(
                        "exists and is empty, so it is not a ledger leadctl wrote (leadctl \
                         creates its ledger whole)"
                            .into(),
                    ));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(path).map_err(|e| {
                Failure::config(format!("cannot create the ledger {shown}: {e}"))
                    .with_hint("pass --ledger PATH for a writable place, or --no-ledger")
            })?,
            Err(e) => return Err(refuse(format!("cannot be read: {e}"))),
        }
        // Another process opening (or closing: its checkpoint) the same file at this moment can
        // make a step of the set-up answer "locked" without SQLite's busy handler; the set-up is
        // tried again within the stated lock wait.
        let started = std::time::Instant::now();
        let mut store = loop {
            let conn = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(|e| refuse(format!("cannot be opened: {e}")))?;
            if conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(false) {
                return Err(refuse(
                    "is read-only: leadctl must record every lead before it is sent".into(),
                ));
            }
            let mut store = SqliteStore {
                conn,
                scopes: HashMap::new(),
            };
            match store.prepare(false) {
                Ok(()) => break store,
                Err(e) if e.contains(wait::LOCKED) && started.elapsed() < wait::total() => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) => return Err(refuse(e)),
            }
        };
        // After `prepare` (whose busy timeout it replaces): a wait for the lock is said.
        wait::install(&mut store.conn, path).map_err(|e| refuse(format!("cannot be used: {e}")))?;
        Ok(store)
    }

    /// The log moved into the main file and truncated, unless another connection uses the
    /// file this moment: the busy handler is off meanwhile, so it never waits (the run's
    /// writes go on after it either way). Truncating a log of thousands of pages takes
    /// milliseconds; a run does it while its last requests are out, not at its close.
    pub(super) fn checkpoint_if_free(&mut self) {
        let Some(path) = self
            .conn
            .path()
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
        else {
            return;
        };
        let _ = self.conn.busy_handler(None::<fn(i32) -> bool>);
        self.truncate_log();
        // Fails only as setting the handler above would (never in practice); without it a
        // later write meeting another writer fails at once instead of waiting.
        let _ = wait::install(&mut self.conn, &path);
    }

    /// The log moved into the main file and truncated, waiting for other connections as the
    /// connection's busy handler says (best effort).
    pub(super) fn truncate_log(&self) {
        let _ = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
    }

    /// An in-memory ledger (`--sandbox`).
    pub fn memory() -> Result<SqliteStore, Failure> {
        let conn = Connection::open_in_memory()
            .map_err(|e| Failure::config(format!("cannot make an in-memory ledger: {e}")))?;
        let mut store = SqliteStore {
            conn,
            scopes: HashMap::new(),
        };
        store
            .prepare(true)
            .map_err(|e| Failure::config(format!("cannot make an in-memory ledger: {e}")))?;
        Ok(store)
    }

    fn prepare(&mut self, memory: bool) -> Result<(), String> {
        let c = &self.conn;
        let damaged = |e: rusqlite::Error| match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::NotADatabase) => {
                "is not a SQLite database, so not a leadctl ledger".to_string()
            }
            Some(rusqlite::ErrorCode::DatabaseCorrupt) => {
                format!("is damaged ({e}); restore it from a backup (`leadctl ledger export`)")
            }
            _ => format!("cannot be used: {e}"),
        };
        c.busy_timeout(Duration::from_secs(30)).map_err(damaged)?;
        // The bundled SQLite plans with STAT4, which re-prepares a cached statement whenever a
        // bound key changes; the plans here never depend on the values (primary-key lookups), and
        // a re-import looks up every row's key: keep one plan per statement.
        c.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
            true,
        )
        .map_err(damaged)?;
        if !memory {
            let mode: String = c
                .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
                .map_err(damaged)?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(format!(
                    "cannot use write-ahead logging (journal mode {mode})"
                ));
            }
            // A re-import looks up every key at random places of the file: a larger page cache
            // (64 MiB at most, used only as the file needs it) and reads through mmap.
            c.execute_batch(
                "PRAGMA synchronous=FULL; PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456",
            )
            .map_err(damaged)?;
            let check: String = c
                .query_row("PRAGMA quick_check", [], |r| r.get(0))
                .map_err(damaged)?;
            if check != "ok" {
                return Err(format!(
                    "is damaged (integrity check: {}); restore it from a backup (`leadctl ledger \
                     export` of a good copy) or move it away",
                    check.chars().take(200).collect::<String>()
                ));
            }
        }
        let version: i64 = c
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(damaged)?;
        if version > SCHEMA_VERSION {
            return Err(format!(
                "was written by a newer leadctl (schema version {version}; this one knows \
                 {SCHEMA_VERSION}): upgrade leadctl"
            ));
        }
        if version == 0 {
            let tables: i64 = c
                .query_row(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
                    [],
                    |r| r.get(0),
                )
                .map_err(damaged)?;
            if tables > 0 {
                return Err(
                    "is a SQLite database of something else, not a leadctl ledger".to_string(),
                );
            }
            c.execute_batch(&format!(
                "BEGIN IMMEDIATE; {SCHEMA} {META} {RUNS} {SUMS} PRAGMA user_version = \
                 {SCHEMA_VERSION}; COMMIT;",
                RUNS = runs::RUNS,
                SUMS = check::ADD_COLUMN
            ))
            .map_err(damaged)?;
        } else {
            let has_leads: i64 = c
                .query_row(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN \
                     ('leads', 'scopes')",
                    [],
                    |r| r.get(0),
                )
                .map_err(damaged)?;
            if has_leads != 2 {
                return Err("is missing its tables: it is damaged or not a leadctl ledger".into());
            }
            if version < SCHEMA_VERSION {
                // Version 1 → 2: the run history's table; 2 → 3: the entries' checksums. Each
                // step idempotent: another process may upgrade the same file at the same moment.
                c.execute_batch(&format!("BEGIN IMMEDIATE; {RUNS}", RUNS = runs::RUNS))
                    .map_err(damaged)?;
                let upgraded = check::upgrade(c).and_then(|()| {
                    c.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"))
                });
                if let Err(e) = upgraded {
                    let _ = c.execute_batch("ROLLBACK");
                    return Err(damaged(e));
                }
            }
        }
        Ok(())
    }
}

/// Creates the file whole: a private temporary file in the same directory is initialised, then
/// linked into place (never replacing a file another process made meanwhile).
fn create(path: &Path) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.exists() {
            let mut b = std::fs::DirBuilder::new();
            b.recursive(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt;
                b.mode(0o700);
            }
            b.create(dir)?;
        }
    }
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".new-{}-{}", std::process::id(), fastrand::u64(..)));
    let tmp = PathBuf::from(name);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    drop(options.open(&tmp)?);
    let result = (|| {
        let conn = Connection::open(&tmp).map_err(std::io::Error::other)?;
        conn.execute_batch(&format!(
            "PRAGMA journal_mode=DELETE; PRAGMA synchronous=FULL; BEGIN; {SCHEMA} {META} {RUNS} \
             {SUMS} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;",
            RUNS = runs::RUNS,
            SUMS = check::ADD_COLUMN
        ))
        .map_err(std::io::Error::other)?;
        drop(conn);
        std::fs::File::open(&tmp)?.sync_all()?;
        match std::fs::hard_link(&tmp, path) {
            Ok(()) => Ok(()),
            // Another process created it first: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
            Err(e) => Err(e),
        }
    })();
    let _ = std::fs::remove_file(&tmp);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    result
}

fn entry_of(r: &Row<'_>) -> rusqlite::Result<Entry> {
    entry_unless(r, None)
}

fn entry_unless(r: &Row<'_>, hash: Option<&str>) -> rusqlite::Result<Entry> {
    let state: String = r.get(3)?;
    let stored: String = r.get(5)?;
    let fields = if hash == Some(stored.as_str()) {
        Default::default()
    } else {
        let text: String = r.get(6)?;
        serde_json::from_str(&text).unwrap_or_default()
    };
    let row: Option<i64> = r.get(10)?;
    Ok(Entry {
        api_url: r.get(0)?,
        channel: r.get(1)?,
        key: r.get(2)?,
        state: State::parse(&state).unwrap_or(State::Unknown),
        lead_id: r.get(4)?,
        hash: stored,
        fields,
        error: r.get(7)?,
        via: r.get(8)?,
        input: r.get(9)?,
        row: row.map(|r| r.max(0) as u64),
        run: r.get(11)?,
        sent_at: r.get(12)?,
        answered_at: r.get(13)?,
        first_at: r.get(14)?,
        updated_at: r.get(15)?,
    })
}

impl SqliteStore {
    fn has_meta(&self) -> rusqlite::Result<bool> {
        self.conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{Applied, Op, Store};

    fn entry(key: &str, state: State) -> Entry {
        Entry {
            api_url: "http://127.0.0.1:1".into(),
            channel: "c".into(),
            key: key.into(),
            state,
            lead_id: None,
            hash: "h".into(),
            fields: Default::default(),
            error: None,
            via: None,
            input: None,
            row: Some(2),
            run: Some("run-a".into()),
            sent_at: Some(5),
            answered_at: None,
            first_at: 5,
            updated_at: 5,
        }
    }

    /// The checkpoint a run makes while its last requests are out: the log moved into the file
    /// and emptied; with another connection reading the file, left as it is at once (no wait).
    #[test]
    fn a_checkpoint_if_free_empties_the_log_and_never_waits_for_a_reader() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("ledger.sqlite3");
        let wal = dir.path().join("ledger.sqlite3-wal");
        let mut s = SqliteStore::open(&path).expect("open");
        let write = |s: &mut SqliteStore, n: usize| {
            for i in 0..n {
                let e = entry(&format!("email:{i}@x.example"), State::Sending);
                s.apply(&[Op::Claim {
                    entry: e,
                    expect: None,
                }])
                .expect("claim");
            }
        };
        write(&mut s, 50);
        let size = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
        assert!(size(&wal) > 0, "the claims are in the log");
        // Another connection in a read transaction: no waiting, nothing truncated.
        let reader = Connection::open(&path).expect("reader");
        reader.execute_batch("BEGIN").expect("begin");
        let _: i64 = reader
            .query_row("SELECT count(*) FROM leads", [], |r| r.get(0))
            .expect("read");
        let before = size(&wal);
        let started = std::time::Instant::now();
        s.checkpoint_if_free();
        assert!(started.elapsed() < Duration::from_secs(1), "it waited");
        assert_eq!(size(&wal), before, "a reader's log is left");
        reader.execute_batch("COMMIT").expect("commit");
        drop(reader);
        s.checkpoint_if_free();
        assert_eq!(size(&wal), 0, "the log is emptied");
        // The store writes on after it, and another connection reads every entry.
        let more = entry("email:more@x.example", State::Sending);
        s.apply(&[Op::Claim {
            entry: more,
            expect: None,
        }])
        .expect("claim after");
        let file = Connection::open(&path).expect("again");
        let n: i64 = file
            .query_row("SELECT count(*) FROM leads", [], |r| r.get(0))
            .expect("count");
        assert_eq!(n, 51);
    }

    #[test]
    fn claims_records_and_releases() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub/ledger.sqlite3");
        let mut s = SqliteStore::open(&path).expect("open");
        let e = entry("email:a@x.example", State::Sending);
        let claim = Op::Claim {
            entry: e.clone(),
            expect: None,
        };
        assert_eq!(
            s.apply(std::slice::from_ref(&claim)),
            Ok(vec![Applied::Claimed])
        );
        // A second claim (another process) loses and sees the first.
        let mut other = e.clone();
        other.run = Some("run-b".into());
        let lost = s.apply(&[Op::Claim {
            entry: other,
            expect: None,
        }]);
        assert!(
            matches!(&lost, Ok(v) if matches!(&v[0], Applied::Taken(t) if t.run.as_deref() == Some("run-a")))
        );
        let mut done = e.clone();
        done.state = State::Created;
        done.lead_id = Some("L1".into());
        done.updated_at = 9;
        s.apply(&[Op::Record(done.clone())]).expect("record");
        let got = s.get(&e.api_url, "c", &e.key).expect("get").expect("there");
        assert_eq!(got.state, State::Created);
        assert_eq!(got.lead_id.as_deref(), Some("L1"));
        // Retrying takes over only from the exact state seen.
        let mut retry = e.clone();
        retry.run = Some("run-c".into());
        let stale = s.apply(&[Op::Claim {
            entry: retry.clone(),
            expect: Some((State::Failed, 9)),
        }]);
        assert!(matches!(&stale, Ok(v) if matches!(&v[0], Applied::Taken(_))));
        let fresh = s.apply(&[Op::Claim {
            entry: retry.clone(),
            expect: Some((State::Created, 9)),
        }]);
        assert_eq!(fresh, Ok(vec![Applied::Claimed]));
        s.apply(&[Op::Release {
            entry: retry,
            previous: Some(done),
        }])
        .expect("release");
        let back = s.get(&e.api_url, "c", &e.key).expect("get").expect("there");
        assert_eq!(back.state, State::Created);
        drop(s);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Reopening finds it.
        let mut s = SqliteStore::open(&path).expect("reopen");
        assert_eq!(s.counts().expect("counts").len(), 1);
    }

    #[test]
    fn foreign_damaged_and_newer_files_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let empty = dir.path().join("empty");
        std::fs::write(&empty, b"").expect("write");
        let e = SqliteStore::open(&empty).err().expect("refused");
        assert!(e.message.contains("exists and is empty"), "{}", e.message);
        let text = dir.path().join("text");
        std::fs::write(&text, vec![b'x'; 8192]).expect("write");
        let e = SqliteStore::open(&text).err().expect("refused");
        assert!(e.message.contains("not a SQLite database"), "{}", e.message);
        let newer = dir.path().join("newer");
        SqliteStore::open(&newer).expect("create");
        Connection::open(&newer)
            .and_then(|c| c.execute_batch("PRAGMA user_version = 99"))
            .expect("bump");
        let e = SqliteStore::open(&newer).err().expect("refused");
        assert!(e.message.contains("newer leadctl"), "{}", e.message);
        let foreign = dir.path().join("foreign");
        Connection::open(&foreign)
            .and_then(|c| c.execute_batch("CREATE TABLE t (x)"))
            .expect("foreign");
        let e = SqliteStore::open(&foreign).err().expect("refused");
        assert!(e.message.contains("something else"), "{}", e.message);
    }
}
