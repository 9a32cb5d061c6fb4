//! The `Store` interface on PostgreSQL: the reads (one statement each, prepared once per
//! connection), `forget`, the counts and the meta values; the batched writes are in `ops`.

use postgres::types::ToSql;

use super::{entry_of, full_entry, stmt, PgStore, LEAD_COLUMNS};
use crate::ledger::{Applied, Counts, Entry, Filter, Op, State, Store};

impl PgStore {
    fn get_entry(
        &mut self,
        api_url: &str,
        channel: &str,
        key: &str,
        hash: Option<&str>,
    ) -> Result<Option<Entry>, String> {
        let Some(scope) = self.scope(api_url, channel, false)? else {
            return Ok(None);
        };
        let s = self.target.schema_sql();
        // The fields are not sent back when the caller has them (the same hash).
        let columns = LEAD_COLUMNS.replace(
            "l.fields",
            "CASE WHEN l.hash = $3 THEN NULL ELSE l.fields END",
        );
        let hash = hash.unwrap_or("");
        let row = self.with(|c, cache| {
            let q = stmt(
                c,
                cache,
                &format!("SELECT {columns} FROM {s}.leads l WHERE l.scope = $1 AND l.key = $2"),
            )?;
            c.query_opt(&q, &[&scope, &key, &hash])
        })?;
        Ok(row.map(|r| entry_of(api_url, channel, &r, 0)))
    }

    /// `WHERE ...` of a filter over `leads l JOIN scopes s`, with its parameters.
    fn where_clause(filter: &Filter) -> (String, Vec<String>, Option<Vec<String>>) {
        let mut clauses = Vec::new();
        let mut args = Vec::new();
        if let Some(u) = &filter.api_url {
            args.push(u.clone());
            clauses.push(format!("s.api_url = ${}", args.len()));
        }
        if let Some(c) = &filter.channel {
            args.push(c.clone());
            clauses.push(format!("s.channel = ${}", args.len()));
        }
        if let Some(st) = filter.state {
            args.push(st.as_str().to_string());
            clauses.push(format!("l.state = ${}", args.len()));
        }
        let keys = (!filter.keys.is_empty()).then(|| {
            clauses.push(format!("l.key = ANY(${}::text[])", args.len() + 1));
            filter.keys.clone()
        });
        let text = if clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", clauses.join(" AND "))
        };
        (text, args, keys)
    }
}

fn params<'a>(args: &'a [String], keys: &'a Option<Vec<String>>) -> Vec<&'a (dyn ToSql + Sync)> {
    let mut p: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a as &(dyn ToSql + Sync)).collect();
    if let Some(k) = keys {
        p.push(k);
    }
    p
}

impl Store for PgStore {
    fn get(&mut self, api_url: &str, channel: &str, key: &str) -> Result<Option<Entry>, String> {
        self.get_entry(api_url, channel, key, None)
    }

    fn get_unless(
        &mut self,
        api_url: &str,
        channel: &str,
        key: &str,
        hash: &str,
    ) -> Result<Option<Entry>, String> {
        self.get_entry(api_url, channel, key, Some(hash))
    }

    fn get_many(
        &mut self,
        api_url: &str,
        channel: &str,
        keys: &[String],
    ) -> Result<Vec<Option<Entry>>, String> {
        let Some(scope) = self.scope(api_url, channel, false)? else {
            return Ok(vec![None; keys.len()]);
        };
        let s = self.target.schema_sql();
        let mut found: std::collections::HashMap<String, Entry> = Default::default();
        for chunk in keys.chunks(1000) {
            let chunk = chunk.to_vec();
            let rows = self.with(|c, cache| {
                let q = stmt(
                    c,
                    cache,
                    &format!(
                        "SELECT {LEAD_COLUMNS} FROM {s}.leads l WHERE l.scope = $1 AND l.key = \
                         ANY($2::text[])"
                    ),
                )?;
                c.query(&q, &[&scope, &chunk])
            })?;
            for r in &rows {
                let e = entry_of(api_url, channel, r, 0);
                found.insert(e.key.clone(), e);
            }
        }
        Ok(keys.iter().map(|k| found.get(k).cloned()).collect())
    }

    fn apply(&mut self, ops: &[Op]) -> Result<Vec<Applied>, String> {
        self.apply_batch(ops)
    }

    fn for_each(
        &mut self,
        filter: &Filter,
        each: &mut dyn FnMut(Entry) -> Result<(), String>,
    ) -> Result<(), String> {
        let s = self.target.schema_sql();
        let (clause, args, keys) = Self::where_clause(filter);
        let mut failed: Option<String> = None;
        self.with(|c, _| {
            use postgres::fallible_iterator::FallibleIterator;
            let sql = format!(
                "SELECT s.api_url, s.channel, {LEAD_COLUMNS} FROM {s}.leads l JOIN {s}.scopes s \
                 ON s.id = l.scope {clause} ORDER BY s.api_url, s.channel, l.first_at, l.key"
            );
            let mut rows = c.query_raw(&sql, params(&args, &keys))?;
            while let Some(r) = rows.next()? {
                if let Err(e) = each(full_entry(&r)) {
                    failed = Some(e);
                    break;
                }
            }
            Ok(())
        })?;
        match failed {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn forget(&mut self, filter: &Filter) -> Result<u64, String> {
        let s = self.target.schema_sql();
        let (clause, args, keys) = Self::where_clause(filter);
        self.with(|c, _| {
            c.execute(
                &format!(
                    "DELETE FROM {s}.leads WHERE (scope, key) IN (SELECT l.scope, l.key FROM \
                     {s}.leads l JOIN {s}.scopes s ON s.id = l.scope {clause})"
                ),
                &params(&args, &keys),
            )
        })
    }

    fn counts(&mut self) -> Result<Counts, String> {
        let s = self.target.schema_sql();
        let rows = self.with(|c, _| {
            c.query(
                &format!(
                    "SELECT s.api_url, s.channel, l.state, count(*) FROM {s}.leads l JOIN \
                     {s}.scopes s ON s.id = l.scope GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
                ),
                &[],
            )
        })?;
        Ok(rows
            .iter()
            .map(|r| {
                let state: String = r.get(2);
                let n: i64 = r.get(3);
                (
                    r.get::<_, String>(0),
                    r.get::<_, String>(1),
                    State::parse(&state).unwrap_or(State::Unknown),
                    n.max(0) as u64,
                )
            })
            .collect())
    }

    fn lead_ids(&mut self, api_url: &str, channel: &str) -> Result<Vec<String>, String> {
        let Some(scope) = self.scope(api_url, channel, false)? else {
            return Ok(Vec::new());
        };
        let s = self.target.schema_sql();
        let rows = self.with(|c, _| {
            c.query(
                &format!("SELECT lead_id FROM {s}.leads WHERE scope = $1 AND lead_id IS NOT NULL"),
                &[&scope],
            )
        })?;
        Ok(rows.iter().map(|r| r.get::<_, String>(0)).collect())
    }

    fn sample_created(&mut self, api_url: &str, channel: &str) -> Result<Option<Entry>, String> {
        let Some(scope) = self.scope(api_url, channel, false)? else {
            return Ok(None);
        };
        let s = self.target.schema_sql();
        let row = self.with(|c, _| {
            c.query_opt(
                &format!(
                    "SELECT {LEAD_COLUMNS} FROM {s}.leads l WHERE l.scope = $1 AND l.state = \
                     'created' AND l.lead_id IS NOT NULL ORDER BY l.updated_at DESC LIMIT 1"
                ),
                &[&scope],
            )
        })?;
        Ok(row.map(|r| entry_of(api_url, channel, &r, 0)))
    }

    fn get_meta(&mut self, api_url: &str, key: &str) -> Result<Option<String>, String> {
        let s = self.target.schema_sql();
        let row = self.with(|c, _| {
            c.query_opt(
                &format!("SELECT value FROM {s}.meta WHERE api_url = $1 AND key = $2"),
                &[&api_url, &key],
            )
        })?;
        Ok(row.map(|r| r.get::<_, String>(0)))
    }

    fn set_meta(&mut self, api_url: &str, key: &str, value: &str) -> Result<(), String> {
        let s = self.target.schema_sql();
        let now = self.clock()?.unwrap_or_else(crate::ledger::now_secs);
        self.with(|c, _| {
            c.execute(
                &format!(
                    "INSERT INTO {s}.meta (api_url, key, value, updated_at) VALUES ($1, $2, $3, \
                     $4) ON CONFLICT (api_url, key) DO UPDATE SET value = excluded.value, \
                     updated_at = excluded.updated_at"
                ),
                &[&api_url, &key, &value, &now],
            )
        })
        .map(|_| ())
    }

    fn record_run(&mut self, run: &crate::ledger::RunRecord) -> Result<(), String> {
        self.record_run_pg(run)
    }

    fn runs(&mut self, limit: u64) -> Result<Vec<crate::ledger::RunRecord>, String> {
        self.runs_pg(limit)
    }

    fn runs_by_id(&mut self, prefix: &str) -> Result<Vec<crate::ledger::RunRecord>, String> {
        self.runs_by_id_pg(prefix)
    }

    fn last_success(&mut self, fingerprint: &str) -> Result<Option<i64>, String> {
        self.last_success_pg(fingerprint)
    }

    fn lost_connection(&self) -> bool {
        self.lost
    }

    fn clock(&mut self) -> Result<Option<i64>, String> {
        let row = self.with(|c, _| {
            c.query_one(
                "SELECT floor(extract(epoch FROM clock_timestamp()))::bigint",
                &[],
            )
        })?;
        Ok(Some(row.get::<_, i64>(0)))
    }
}
