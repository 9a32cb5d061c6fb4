//! The `Store` interface on SQLite: every call one statement or one transaction.

use rusqlite::{params, OptionalExtension};

use super::{entry_of, text, SqliteStore, COLUMNS, META};
use crate::ledger::{Applied, Counts, Entry, Filter, Op, State, Store};

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

    fn verify(&mut self) -> Result<crate::ledger::checksum::Damage, String> {
        SqliteStore::verify(self)
    }

    fn integrity(&mut self) -> Result<Vec<String>, String> {
        SqliteStore::integrity(self)
    }

    fn checkpoint_if_free(&mut self) {
        SqliteStore::checkpoint_if_free(self);
    }

    fn record_run(&mut self, run: &crate::ledger::RunRecord) -> Result<(), String> {
        super::runs::record(&self.conn, run).map_err(text)
    }

    fn runs(&mut self, limit: u64) -> Result<Vec<crate::ledger::RunRecord>, String> {
        super::runs::newest(&self.conn, limit).map_err(text)
    }

    fn runs_by_id(&mut self, prefix: &str) -> Result<Vec<crate::ledger::RunRecord>, String> {
        super::runs::by_id(&self.conn, prefix).map_err(text)
    }

    fn last_success(&mut self, fingerprint: &str) -> Result<Option<i64>, String> {
        super::runs::last_success(&self.conn, fingerprint).map_err(text)
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

    fn meta_starting(
        &mut self,
        api_url: &str,
        prefix: &str,
    ) -> Result<Vec<(String, String)>, String> {
        if !self.has_meta().map_err(text)? {
            return Ok(Vec::new());
        }
        let mut stmt = self
            .conn
            .prepare("SELECT key, value FROM meta WHERE api_url = ?1 AND substr(key, 1, ?3) = ?2")
            .map_err(text)?;
        let rows = stmt
            .query_map(params![api_url, prefix, prefix.len() as i64], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(text)?;
        rows.collect::<Result<_, _>>().map_err(text)
    }

    fn remove_meta_if(&mut self, api_url: &str, key: &str, value: &str) -> Result<(), String> {
        if !self.has_meta().map_err(text)? {
            return Ok(());
        }
        self.conn
            .execute(
                "DELETE FROM meta WHERE api_url = ?1 AND key = ?2 AND value = ?3",
                params![api_url, key, value],
            )
            .map(|_| ())
            .map_err(text)
    }

    fn set_meta(&mut self, api_url: &str, key: &str, value: &str) -> Result<(), String> {
        self.conn.execute_batch("BEGIN IMMEDIATE").map_err(text)?;
        let written = self.conn.execute_batch(META).and_then(|()| {
            self.conn.execute(
                "INSERT INTO meta (api_url, key, value, updated_at) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (api_url, key) DO UPDATE SET value = excluded.value, \
             updated_at = excluded.updated_at",
                params![api_url, key, value, crate::ledger::now_secs()],
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
