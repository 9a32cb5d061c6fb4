//! The SQLite ledger: one file per user (bundled SQLite, so nothing to install), WAL with
//! `synchronous=FULL`, so a committed claim survives kill -9 and power loss. Claims are one
//! `INSERT ... ON CONFLICT DO NOTHING` (or a compare-and-swap `UPDATE` when retrying), so two
//! processes sharing the file never both win a key. A damaged, foreign or newer file is refused
//! on open, never read as empty.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use rusqlite::{params, Connection, OpenFlags, OptionalExtension, Row};

use super::{Applied, Counts, Entry, Filter, Op, State, Store, SCHEMA_VERSION};
use crate::error::Failure;

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
CREATE INDEX IF NOT EXISTS leads_by_lead_id ON leads (lead_id);
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
        store.prepare(false).map_err(refuse)?;
        Ok(store)
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
                "BEGIN IMMEDIATE; {SCHEMA} {META} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
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
        }
        Ok(())
    }

    fn scope(
        &mut self,
        api_url: &str,
        channel: &str,
        create: bool,
    ) -> rusqlite::Result<Option<i64>> {
        let k = (api_url.to_string(), channel.to_string());
        if let Some(&id) = self.scopes.get(&k) {
            return Ok(Some(id));
        }
        let found: Option<i64> = self
            .conn
            .query_row(
                "SELECT id FROM scopes WHERE api_url = ?1 AND channel = ?2",
                params![api_url, channel],
                |r| r.get(0),
            )
            .optional()?;
        let id = match found {
            Some(id) => id,
            None if create => {
                self.conn.execute(
                    "INSERT INTO scopes (api_url, channel) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                    params![api_url, channel],
                )?;
                self.conn.query_row(
                    "SELECT id FROM scopes WHERE api_url = ?1 AND channel = ?2",
                    params![api_url, channel],
                    |r| r.get(0),
                )?
            }
            None => return Ok(None),
        };
        self.scopes.insert(k, id);
        Ok(Some(id))
    }

    fn get_in(&mut self, scope: i64, key: &str) -> rusqlite::Result<Option<Entry>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM leads l JOIN scopes s ON s.id = l.scope \
             WHERE l.scope = ?1 AND l.key = ?2"
        ))?;
        stmt.query_row(params![scope, key], entry_of).optional()
    }

    /// The entry of a key whose scope (API URL and channel) the caller gives; its fields are left
    /// unparsed (empty) when its hash is `hash`. Cached and without a join: a re-import looks up
    /// every row's key.
    fn get_unless_in(
        &mut self,
        scope: (i64, &str, &str),
        key: &str,
        hash: &str,
    ) -> rusqlite::Result<Option<Entry>> {
        let (id, api_url, channel) = scope;
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT ?3, ?4, {COLUMNS_OF_LEADS} FROM leads l WHERE l.scope = ?1 AND l.key = ?2"
        ))?;
        stmt.query_row(params![id, key, api_url, channel], |r| {
            entry_unless(r, Some(hash))
        })
        .optional()
    }

    fn insert(&self, scope: i64, e: &Entry, replace: bool) -> rusqlite::Result<usize> {
        let conflict = if replace {
            "ON CONFLICT (scope, key) DO UPDATE SET state = excluded.state, lead_id = \
             excluded.lead_id, hash = excluded.hash, fields = excluded.fields, error = \
             excluded.error, via = excluded.via, input = excluded.input, row = excluded.row, \
             run = excluded.run, sent_at = excluded.sent_at, answered_at = excluded.answered_at, \
             updated_at = excluded.updated_at"
        } else {
            "ON CONFLICT DO NOTHING"
        };
        let mut stmt = self.conn.prepare_cached(&format!(
            "INSERT INTO leads (scope, key, state, lead_id, hash, fields, error, via, input, \
             row, run, sent_at, answered_at, first_at, updated_at) VALUES (?1, ?2, ?3, ?4, \
             ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15) {conflict}"
        ))?;
        stmt.execute(params![
            scope,
            e.key,
            e.state.as_str(),
            e.lead_id,
            e.hash,
            serde_json::to_string(&e.fields).unwrap_or_else(|_| "{}".into()),
            e.error,
            e.via,
            e.input,
            e.row.map(|r| r as i64),
            e.run,
            e.sent_at,
            e.answered_at,
            e.first_at,
            e.updated_at,
        ])
    }

    fn update(
        &self,
        scope: i64,
        e: &Entry,
        condition: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> rusqlite::Result<usize> {
        let fields = serde_json::to_string(&e.fields).unwrap_or_else(|_| "{}".into());
        let row = e.row.map(|r| r as i64);
        let mut all: Vec<&dyn rusqlite::ToSql> = vec![
            &scope,
            &e.key,
            &"",
            &e.lead_id,
            &e.hash,
            &fields,
            &e.error,
            &e.via,
            &e.input,
            &row,
            &e.run,
            &e.sent_at,
            &e.answered_at,
            &e.updated_at,
        ];
        let state = e.state.as_str();
        all[2] = &state;
        all.extend_from_slice(args);
        let mut stmt = self.conn.prepare_cached(&format!(
            "UPDATE leads SET state = ?3, lead_id = ?4, hash = ?5, fields = ?6, error = ?7, \
             via = ?8, input = ?9, row = ?10, run = ?11, sent_at = ?12, answered_at = ?13, \
             updated_at = ?14 WHERE scope = ?1 AND key = ?2 {condition}"
        ))?;
        stmt.execute(all.as_slice())
    }

    fn apply_one(&mut self, op: &Op) -> rusqlite::Result<Applied> {
        match op {
            Op::Claim { entry, expect } => {
                let scope = self
                    .scope(&entry.api_url, &entry.channel, true)?
                    .unwrap_or(0);
                let won = match expect {
                    None => self.insert(scope, entry, false)?,
                    Some((state, at)) => self.update(
                        scope,
                        entry,
                        "AND state = ?15 AND updated_at = ?16",
                        &[&state.as_str(), at],
                    )?,
                };
                if won == 1 {
                    return Ok(Applied::Claimed);
                }
                Ok(match self.get_in(scope, &entry.key)? {
                    Some(current) => Applied::Taken(current),
                    // Gone meanwhile (forgotten): nothing to take over; the caller retries.
                    None => Applied::Taken(Entry {
                        state: State::Unknown,
                        ..entry.clone()
                    }),
                })
            }
            Op::Record(entry) => {
                let scope = self
                    .scope(&entry.api_url, &entry.channel, true)?
                    .unwrap_or(0);
                if self.update(scope, entry, "", &[])? == 0 {
                    self.insert(scope, entry, false)?;
                }
                Ok(Applied::Done)
            }
            Op::Release { entry, previous } => {
                let scope = self
                    .scope(&entry.api_url, &entry.channel, true)?
                    .unwrap_or(0);
                match previous {
                    Some(p) => {
                        self.update(
                            scope,
                            p,
                            "AND run = ?15 AND state = 'sending'",
                            &[&entry.run],
                        )?;
                    }
                    None => {
                        self.conn.execute(
                            "DELETE FROM leads WHERE scope = ?1 AND key = ?2 AND run = ?3 AND \
                             state = 'sending'",
                            params![scope, entry.key, entry.run],
                        )?;
                    }
                }
                Ok(Applied::Done)
            }
            Op::PutIfAbsent(entry) => {
                let scope = self
                    .scope(&entry.api_url, &entry.channel, true)?
                    .unwrap_or(0);
                if self.insert(scope, entry, false)? == 1 {
                    return Ok(Applied::Done);
                }
                Ok(match self.get_in(scope, &entry.key)? {
                    Some(current) => Applied::Taken(current),
                    None => Applied::Done,
                })
            }
            Op::Put(entry) => {
                let scope = self
                    .scope(&entry.api_url, &entry.channel, true)?
                    .unwrap_or(0);
                self.insert(scope, entry, true)?;
                Ok(Applied::Done)
            }
        }
    }

    fn where_clause(filter: &Filter) -> (String, Vec<String>) {
        let mut clauses = Vec::new();
        let mut args = Vec::new();
        if let Some(u) = &filter.api_url {
            args.push(u.clone());
            clauses.push(format!("s.api_url = ?{}", args.len()));
        }
        if let Some(c) = &filter.channel {
            args.push(c.clone());
            clauses.push(format!("s.channel = ?{}", args.len()));
        }
        if let Some(st) = filter.state {
            args.push(st.as_str().to_string());
            clauses.push(format!("l.state = ?{}", args.len()));
        }
        if !filter.keys.is_empty() {
            let mut marks = Vec::new();
            for k in &filter.keys {
                args.push(k.clone());
                marks.push(format!("?{}", args.len()));
            }
            clauses.push(format!("l.key IN ({})", marks.join(", ")));
        }
        let text = if clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", clauses.join(" AND "))
        };
        (text, args)
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
    let tmp = std::path::PathBuf::from(name);
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
            "PRAGMA journal_mode=DELETE; PRAGMA synchronous=FULL; BEGIN; {SCHEMA} {META} \
             PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
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

impl Store for SqliteStore {
    fn get_unless(
        &mut self,
        api_url: &str,
        channel: &str,
        key: &str,
        hash: &str,
    ) -> Result<Option<Entry>, String> {
        let Some(scope) = self.scope(api_url, channel, false).map_err(text)? else {
            return Ok(None);
        };
        self.get_unless_in((scope, api_url, channel), key, hash)
            .map_err(text)
    }

    fn get_meta(&mut self, api_url: &str, key: &str) -> Result<Option<String>, String> {
        if !self.has_meta().map_err(text)? {
            return Ok(None);
        }
        self.conn
            .query_row(
                "SELECT value FROM meta WHERE api_url = ?1 AND key = ?2",
                params![api_url, key],
                |r| r.get(0),
            )
            .optional()
            .map_err(text)
    }

    fn set_meta(&mut self, api_url: &str, key: &str, value: &str) -> Result<(), String> {
        self.conn.execute_batch("BEGIN IMMEDIATE").map_err(text)?;
        let written = self.conn.execute_batch(META).and_then(|()| {
            self.conn.execute(
                "INSERT INTO meta (api_url, key, value, updated_at) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (api_url, key) DO UPDATE SET value = excluded.value, \
             updated_at = excluded.updated_at",
                params![api_url, key, value, super::now_secs()],
            )
        });
        match written.and_then(|_| self.conn.execute_batch("COMMIT")) {
            Ok(()) => Ok(()),
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(text(e))
            }
        }
    }

    fn get(&mut self, api_url: &str, channel: &str, key: &str) -> Result<Option<Entry>, String> {
        let Some(scope) = self.scope(api_url, channel, false).map_err(text)? else {
            return Ok(None);
        };
        self.get_in(scope, key).map_err(text)
    }

    fn apply(&mut self, ops: &[Op]) -> Result<Vec<Applied>, String> {
        self.conn.execute_batch("BEGIN IMMEDIATE").map_err(text)?;
        let mut results = Vec::with_capacity(ops.len());
        for op in ops {
            match self.apply_one(op) {
                Ok(a) => results.push(a),
                Err(e) => {
                    let _ = self.conn.execute_batch("ROLLBACK");
                    // Scope ids made in the rolled-back transaction are gone.
                    self.scopes.clear();
                    return Err(text(e));
                }
            }
        }
        if let Err(e) = self.conn.execute_batch("COMMIT") {
            let _ = self.conn.execute_batch("ROLLBACK");
            self.scopes.clear();
            return Err(text(e));
        }
        Ok(results)
    }

    fn for_each(
        &mut self,
        filter: &Filter,
        each: &mut dyn FnMut(Entry) -> Result<(), String>,
    ) -> Result<(), String> {
        let (clause, args) = Self::where_clause(filter);
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {COLUMNS} FROM leads l JOIN scopes s ON s.id = l.scope {clause} \
                 ORDER BY s.api_url, s.channel, l.first_at, l.key"
            ))
            .map_err(text)?;
        let mut rows = stmt
            .query(rusqlite::params_from_iter(args.iter()))
            .map_err(text)?;
        while let Some(r) = rows.next().map_err(text)? {
            each(entry_of(r).map_err(text)?)?;
        }
        Ok(())
    }

    fn forget(&mut self, filter: &Filter) -> Result<u64, String> {
        let (clause, args) = Self::where_clause(filter);
        let n = self
            .conn
            .execute(
                &format!(
                    "DELETE FROM leads WHERE (scope, key) IN (SELECT l.scope, l.key FROM leads l \
                     JOIN scopes s ON s.id = l.scope {clause})"
                ),
                rusqlite::params_from_iter(args.iter()),
            )
            .map_err(text)?;
        Ok(n as u64)
    }

    fn counts(&mut self) -> Result<Counts, String> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT s.api_url, s.channel, l.state, count(*) FROM leads l JOIN scopes s ON \
                 s.id = l.scope GROUP BY s.api_url, s.channel, l.state ORDER BY 1, 2, 3",
            )
            .map_err(text)?;
        let rows = stmt
            .query_map([], |r| {
                let state: String = r.get(2)?;
                let n: i64 = r.get(3)?;
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    State::parse(&state).unwrap_or(State::Unknown),
                    n.max(0) as u64,
                ))
            })
            .map_err(text)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(text)
    }

    fn lead_ids(&mut self, api_url: &str, channel: &str) -> Result<Vec<String>, String> {
        let Some(scope) = self.scope(api_url, channel, false).map_err(text)? else {
            return Ok(Vec::new());
        };
        let mut stmt = self
            .conn
            .prepare("SELECT lead_id FROM leads WHERE scope = ?1 AND lead_id IS NOT NULL")
            .map_err(text)?;
        let rows = stmt
            .query_map(params![scope], |r| r.get::<_, String>(0))
            .map_err(text)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(text)
    }

    fn sample_created(&mut self, api_url: &str, channel: &str) -> Result<Option<Entry>, String> {
        let Some(scope) = self.scope(api_url, channel, false).map_err(text)? else {
            return Ok(None);
        };
        self.conn
            .query_row(
                &format!(
                    "SELECT {COLUMNS} FROM leads l JOIN scopes s ON s.id = l.scope WHERE \
                     l.scope = ?1 AND l.state = 'created' AND l.lead_id IS NOT NULL ORDER BY \
                     l.updated_at DESC LIMIT 1"
                ),
                params![scope],
                entry_of,
            )
            .optional()
            .map_err(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
