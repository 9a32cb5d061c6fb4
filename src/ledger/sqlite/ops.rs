//! The SQL of the ledger's writes and lookups: scopes, one entry by key, inserts, updates, and
//! each `Op` of a batch. Only `SqliteStore` (the parent module) calls these.

use rusqlite::{params, OptionalExtension};

use super::{entry_of, entry_unless, SqliteStore, COLUMNS, COLUMNS_OF_LEADS};
use crate::ledger::{checksum, Applied, Entry, Filter, Op, State};

impl SqliteStore {
    pub(super) fn scope(
        &mut self,
        api_url: &str,
        channel: &str,
        create: bool,
    ) -> rusqlite::Result<Option<i64>> {
        let k = (api_url.to_string(), channel.to_string());
        if let Some(&id) = self.scopes.get(&k) {
            return Ok(Some(id));
        }
        // Cached: a scope not made yet (a dry run on a new ledger) is looked up for every row.
        let found: Option<i64> = self
            .conn
            .prepare_cached("SELECT id FROM scopes WHERE api_url = ?1 AND channel = ?2")?
            .query_row(params![api_url, channel], |r| r.get(0))
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

    pub(super) fn get_in(&mut self, scope: i64, key: &str) -> rusqlite::Result<Option<Entry>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM leads l JOIN scopes s ON s.id = l.scope \
             WHERE l.scope = ?1 AND l.key = ?2"
        ))?;
        stmt.query_row(params![scope, key], entry_of).optional()
    }

    /// The entry of a key whose scope (API URL and channel) the caller gives; its fields are left
    /// unparsed (empty) when its hash is `hash`. Cached and without a join: a re-import looks up
    /// every row's key.
    pub(super) fn get_unless_in(
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

    pub(super) fn insert(&self, scope: i64, e: &Entry, replace: bool) -> rusqlite::Result<usize> {
        let conflict = if replace {
            "ON CONFLICT (scope, key) DO UPDATE SET state = excluded.state, lead_id = \
             excluded.lead_id, hash = excluded.hash, fields = excluded.fields, error = \
             excluded.error, via = excluded.via, input = excluded.input, row = excluded.row, \
             run = excluded.run, sent_at = excluded.sent_at, answered_at = excluded.answered_at, \
             updated_at = excluded.updated_at, checksum = excluded.checksum"
        } else {
            "ON CONFLICT DO NOTHING"
        };
        let mut stmt = self.conn.prepare_cached(&format!(
            "INSERT INTO leads (scope, key, state, lead_id, hash, fields, error, via, input, \
             row, run, sent_at, answered_at, first_at, updated_at, checksum) VALUES (?1, ?2, \
             ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) {conflict}"
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
            checksum::of_entry(e),
        ])
    }

    pub(super) fn update(
        &self,
        scope: i64,
        e: &Entry,
        condition: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> rusqlite::Result<usize> {
        let fields = serde_json::to_string(&e.fields).unwrap_or_else(|_| "{}".into());
        let row = e.row.map(|r| r as i64);
        let sum = checksum::of_entry(e);
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
            &sum,
        ];
        let state = e.state.as_str();
        all[2] = &state;
        all.extend_from_slice(args);
        let mut stmt = self.conn.prepare_cached(&format!(
            "UPDATE leads SET state = ?3, lead_id = ?4, hash = ?5, fields = ?6, error = ?7, \
             via = ?8, input = ?9, row = ?10, run = ?11, sent_at = ?12, answered_at = ?13, \
             updated_at = ?14, checksum = ?15 WHERE scope = ?1 AND key = ?2 {condition}"
        ))?;
        stmt.execute(all.as_slice())
    }

    pub(super) fn apply_one(&mut self, op: &Op) -> rusqlite::Result<Applied> {
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
                        "AND state = ?16 AND updated_at = ?17",
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
                // Never over another run's claim: a run records only what is still its own.
                if self.update(
                    scope,
                    entry,
                    "AND NOT (state = 'sending' AND run IS NOT ?16)",
                    &[&entry.run],
                )? == 0
                    && self.insert(scope, entry, false)? == 0
                {
                    if let Some(current) = self.get_in(scope, &entry.key)? {
                        return Ok(Applied::Taken(current));
                    }
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
                            "AND run = ?16 AND state = 'sending'",
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

    pub(super) fn where_clause(filter: &Filter) -> (String, Vec<String>) {
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
