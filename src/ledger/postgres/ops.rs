//! A batch of writes in one transaction and few round trips: consecutive inserts-if-absent
//! (claims, `PutIfAbsent`) become one `INSERT ... SELECT FROM unnest(...) ON CONFLICT DO
//! NOTHING RETURNING`, consecutive outcomes (`Record`, `Put`) one upsert; the rare others (a
//! retry's compare-and-swap claim, a release) one statement each. Rows are inserted in key
//! order, so two machines claiming overlapping batches do not deadlock; a deadlock or a
//! serialisation failure all the same rolls the batch back and it is tried again.

use std::collections::{HashMap, HashSet};

use postgres::types::ToSql;
use postgres::{Client, Statement, Transaction};

use super::{entry_of, stmt, PgStore, LEAD_COLUMNS};
use crate::ledger::{Applied, Entry, Op, State};

/// The columns an insert writes, in order.
const INSERT_COLUMNS: &str = "scope, key, state, lead_id, hash, fields, error, via, input, \
     \"row\", run, sent_at, answered_at, first_at, updated_at";
const UNNEST: &str = "unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], \
     $6::text[], $7::text[], $8::text[], $9::text[], $10::bigint[], $11::text[], $12::bigint[], \
     $13::bigint[], $14::bigint[], $15::bigint[])";
const SET_ALL: &str = "state = excluded.state, lead_id = excluded.lead_id, hash = \
     excluded.hash, fields = excluded.fields, error = excluded.error, via = excluded.via, input \
     = excluded.input, \"row\" = excluded.\"row\", run = excluded.run, sent_at = \
     excluded.sent_at, answered_at = excluded.answered_at, updated_at = excluded.updated_at";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Inserted unless present: the loser learns who has it.
    Insert,
    /// Inserted or overwritten (everything but `first_at`).
    Upsert,
    /// An outcome: as `Upsert`, but never over another run's claim (`sending`).
    Record,
    /// One statement of its own.
    Single,
}

fn kind(op: &Op) -> Kind {
    match op {
        Op::Claim { expect: None, .. } | Op::PutIfAbsent(_) => Kind::Insert,
        Op::Record(_) => Kind::Record,
        Op::Put(_) => Kind::Upsert,
        Op::Claim { .. } | Op::Release { .. } => Kind::Single,
    }
}

fn entry(op: &Op) -> &Entry {
    match op {
        Op::Claim { entry, .. }
        | Op::Release { entry, .. }
        | Op::Record(entry)
        | Op::PutIfAbsent(entry)
        | Op::Put(entry) => entry,
    }
}

/// The batch as runs of one kind with distinct keys: (kind, indexes into the batch).
fn segments(ops: &[Op]) -> Vec<(Kind, Vec<usize>)> {
    let mut out: Vec<(Kind, Vec<usize>)> = Vec::new();
    let mut keys: HashSet<(&str, &str, &str)> = HashSet::new();
    for (i, op) in ops.iter().enumerate() {
        let k = kind(op);
        let e = entry(op);
        let id = (e.api_url.as_str(), e.channel.as_str(), e.key.as_str());
        let fits = matches!(out.last(), Some((last, _)) if *last == k && k != Kind::Single)
            && !keys.contains(&id);
        if !fits {
            out.push((k, Vec::new()));
            keys.clear();
        }
        keys.insert(id);
        if let Some((_, v)) = out.last_mut() {
            v.push(i);
        }
    }
    out
}

/// The 15 column arrays of an insert of `rows` (scope, entry), sorted by (scope, key).
struct Columns {
    scope: Vec<i64>,
    key: Vec<String>,
    state: Vec<String>,
    lead_id: Vec<Option<String>>,
    hash: Vec<String>,
    fields: Vec<String>,
    error: Vec<Option<String>>,
    via: Vec<Option<String>>,
    input: Vec<Option<String>>,
    row: Vec<Option<i64>>,
    run: Vec<Option<String>>,
    sent_at: Vec<Option<i64>>,
    answered_at: Vec<Option<i64>>,
    first_at: Vec<i64>,
    updated_at: Vec<i64>,
}

impl Columns {
    fn of(mut rows: Vec<(i64, &Entry)>) -> Columns {
        rows.sort_by(|a, b| (a.0, &a.1.key).cmp(&(b.0, &b.1.key)));
        let strings = |f: &dyn Fn(&Entry) -> Option<String>| -> Vec<Option<String>> {
            rows.iter().map(|(_, e)| f(e)).collect()
        };
        Columns {
            scope: rows.iter().map(|r| r.0).collect(),
            key: rows.iter().map(|r| r.1.key.clone()).collect(),
            state: rows
                .iter()
                .map(|r| r.1.state.as_str().to_string())
                .collect(),
            lead_id: strings(&|e| e.lead_id.clone()),
            hash: rows.iter().map(|r| r.1.hash.clone()).collect(),
            fields: rows.iter().map(|r| fields_text(r.1)).collect(),
            error: strings(&|e| e.error.clone()),
            via: strings(&|e| e.via.clone()),
            input: strings(&|e| e.input.clone()),
            row: rows.iter().map(|r| r.1.row.map(|n| n as i64)).collect(),
            run: strings(&|e| e.run.clone()),
            sent_at: rows.iter().map(|r| r.1.sent_at).collect(),
            answered_at: rows.iter().map(|r| r.1.answered_at).collect(),
            first_at: rows.iter().map(|r| r.1.first_at).collect(),
            updated_at: rows.iter().map(|r| r.1.updated_at).collect(),
        }
    }

    fn params(&self) -> [&(dyn ToSql + Sync); 15] {
        [
            &self.scope,
            &self.key,
            &self.state,
            &self.lead_id,
            &self.hash,
            &self.fields,
            &self.error,
            &self.via,
            &self.input,
            &self.row,
            &self.run,
            &self.sent_at,
            &self.answered_at,
            &self.first_at,
            &self.updated_at,
        ]
    }
}

fn fields_text(e: &Entry) -> String {
    serde_json::to_string(&e.fields).unwrap_or_else(|_| "{}".into())
}

impl PgStore {
    /// The id of (API URL, channel), made when `create` (in a statement of its own: a scope is
    /// never deleted, so an id, once made, stays valid whatever the batch comes to).
    pub(super) fn scope(
        &mut self,
        api_url: &str,
        channel: &str,
        create: bool,
    ) -> Result<Option<i64>, String> {
        let k = (api_url.to_string(), channel.to_string());
        if let Some(&id) = self.scopes.get(&k) {
            return Ok(Some(id));
        }
        let s = self.target.schema_sql();
        let found = self.with(|c, cache| {
            let select = stmt(
                c,
                cache,
                &format!("SELECT id FROM {s}.scopes WHERE api_url = $1 AND channel = $2"),
            )?;
            if let Some(r) = c.query_opt(&select, &[&api_url, &channel])? {
                return Ok(Some(r.get::<_, i64>(0)));
            }
            if !create {
                return Ok(None);
            }
            c.execute(
                &format!(
                    "INSERT INTO {s}.scopes (api_url, channel) VALUES ($1, $2) ON CONFLICT DO \
                     NOTHING"
                ),
                &[&api_url, &channel],
            )?;
            Ok(c.query_opt(&select, &[&api_url, &channel])?
                .map(|r| r.get::<_, i64>(0)))
        })?;
        if let Some(id) = found {
            self.scopes.insert(k, id);
        }
        Ok(found)
    }

    pub(super) fn apply_batch(&mut self, ops: &[Op]) -> Result<Vec<Applied>, String> {
        let mut scopes = Vec::with_capacity(ops.len());
        for op in ops {
            let e = entry(op);
            scopes.push(
                self.scope(&e.api_url, &e.channel, true)?
                    .ok_or("a scope could not be made")?,
            );
        }
        let s = self.target.schema_sql();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = self.with(|c, cache| run_batch(c, cache, &s, ops, &scopes));
            match result {
                Err(e) if !self.lost && attempt < 4 && retryable(&e) => continue,
                other => return other,
            }
        }
    }
}

/// A deadlock or a serialisation failure: the batch was rolled back whole.
fn retryable(text: &str) -> bool {
    text.contains("deadlock detected") || text.contains("could not serialize")
}

fn run_batch(
    c: &mut Client,
    cache: &mut HashMap<String, Statement>,
    s: &str,
    ops: &[Op],
    scopes: &[i64],
) -> Result<Vec<Applied>, postgres::Error> {
    let insert = stmt(
        c,
        cache,
        &format!(
            "INSERT INTO {s}.leads ({INSERT_COLUMNS}) SELECT * FROM {UNNEST} ON CONFLICT DO \
             NOTHING RETURNING scope, key"
        ),
    )?;
    let upsert = stmt(
        c,
        cache,
        &format!(
            "INSERT INTO {s}.leads ({INSERT_COLUMNS}) SELECT * FROM {UNNEST} ON CONFLICT \
             (scope, key) DO UPDATE SET {SET_ALL}"
        ),
    )?;
    let record = stmt(
        c,
        cache,
        &format!(
            "INSERT INTO {s}.leads AS l ({INSERT_COLUMNS}) SELECT * FROM {UNNEST} ON CONFLICT \
             (scope, key) DO UPDATE SET {SET_ALL} WHERE NOT (l.state = 'sending' AND l.run IS \
             DISTINCT FROM excluded.run)"
        ),
    )?;
    let current = stmt(
        c,
        cache,
        &format!(
            "SELECT l.scope, {LEAD_COLUMNS} FROM {s}.leads l WHERE (l.scope, l.key) IN (SELECT * \
             FROM unnest($1::bigint[], $2::text[]))"
        ),
    )?;
    let mut tx = c.transaction()?;
    let mut results: Vec<Option<Applied>> = vec![None; ops.len()];
    for (k, idx) in segments(ops) {
        match k {
            Kind::Insert => {
                let rows: Vec<(i64, &Entry)> =
                    idx.iter().map(|&i| (scopes[i], entry(&ops[i]))).collect();
                let cols = Columns::of(rows);
                let won: HashSet<(i64, String)> = tx
                    .query(&insert, &cols.params())?
                    .iter()
                    .map(|r| (r.get::<_, i64>(0), r.get::<_, String>(1)))
                    .collect();
                let lost: Vec<usize> = idx
                    .iter()
                    .copied()
                    .filter(|&i| !won.contains(&(scopes[i], entry(&ops[i]).key.clone())))
                    .collect();
                let now = taken_entries(&mut tx, &current, ops, scopes, &lost)?;
                for &i in &idx {
                    let e = entry(&ops[i]);
                    results[i] = Some(match now.get(&(scopes[i], e.key.clone())) {
                        None if won.contains(&(scopes[i], e.key.clone())) => match &ops[i] {
                            Op::Claim { .. } => Applied::Claimed,
                            _ => Applied::Done,
                        },
                        Some(current) => Applied::Taken(current.clone()),
                        // Gone meanwhile (forgotten): a claim's caller tries again later.
                        None => match &ops[i] {
                            Op::Claim { .. } => Applied::Taken(Entry {
                                state: State::Unknown,
                                ..e.clone()
                            }),
                            _ => Applied::Done,
                        },
                    });
                }
            }
            Kind::Upsert | Kind::Record => {
                let rows: Vec<(i64, &Entry)> =
                    idx.iter().map(|&i| (scopes[i], entry(&ops[i]))).collect();
                let which = if k == Kind::Record { &record } else { &upsert };
                tx.execute(which, &Columns::of(rows).params())?;
                for &i in &idx {
                    results[i] = Some(Applied::Done);
                }
            }
            Kind::Single => {
                for &i in &idx {
                    results[i] = Some(single(&mut tx, s, &ops[i], scopes[i])?);
                }
            }
        }
    }
    tx.commit()?;
    Ok(results
        .into_iter()
        .map(|r| r.unwrap_or(Applied::Done))
        .collect())
}

/// The entries of the keys whose insert lost, as they are now.
fn taken_entries(
    tx: &mut Transaction<'_>,
    current: &Statement,
    ops: &[Op],
    scopes: &[i64],
    lost: &[usize],
) -> Result<HashMap<(i64, String), Entry>, postgres::Error> {
    let mut out = HashMap::new();
    if lost.is_empty() {
        return Ok(out);
    }
    let ids: Vec<i64> = lost.iter().map(|&i| scopes[i]).collect();
    let keys: Vec<String> = lost.iter().map(|&i| entry(&ops[i]).key.clone()).collect();
    let by_scope: HashMap<i64, &Entry> =
        lost.iter().map(|&i| (scopes[i], entry(&ops[i]))).collect();
    for r in tx.query(current, &[&ids, &keys])? {
        let scope: i64 = r.get(0);
        let Some(like) = by_scope.get(&scope) else {
            continue;
        };
        let e = entry_of(&like.api_url, &like.channel, &r, 1);
        out.insert((scope, e.key.clone()), e);
    }
    Ok(out)
}

/// A compare-and-swap claim (retrying) or a release: one statement.
fn single(
    tx: &mut Transaction<'_>,
    s: &str,
    op: &Op,
    scope: i64,
) -> Result<Applied, postgres::Error> {
    let update = |tx: &mut Transaction<'_>,
                  e: &Entry,
                  condition: &str,
                  extra: &[&(dyn ToSql + Sync)]|
     -> Result<u64, postgres::Error> {
        let fields = fields_text(e);
        let row = e.row.map(|r| r as i64);
        let state = e.state.as_str();
        let mut params: Vec<&(dyn ToSql + Sync)> = vec![
            &scope,
            &e.key,
            &state,
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
        params.extend_from_slice(extra);
        tx.execute(
            &format!(
                "UPDATE {s}.leads SET state = $3, lead_id = $4, hash = $5, fields = $6, error = \
                 $7, via = $8, input = $9, \"row\" = $10, run = $11, sent_at = $12, answered_at \
                 = $13, updated_at = $14 WHERE scope = $1 AND key = $2 {condition}"
            ),
            &params,
        )
    };
    match op {
        Op::Claim {
            entry,
            expect: Some((state, at)),
        } => {
            let st = state.as_str();
            if update(
                tx,
                entry,
                "AND state = $15 AND updated_at = $16",
                &[&st, at],
            )? == 1
            {
                return Ok(Applied::Claimed);
            }
            let row = tx.query_opt(
                &format!("SELECT l.scope, {LEAD_COLUMNS} FROM {s}.leads l WHERE l.scope = $1 AND l.key = $2"),
                &[&scope, &entry.key],
            )?;
            Ok(Applied::Taken(match row {
                Some(r) => entry_of(&entry.api_url, &entry.channel, &r, 1),
                None => Entry {
                    state: State::Unknown,
                    ..entry.clone()
                },
            }))
        }
        Op::Release { entry, previous } => {
            match previous {
                Some(p) => {
                    update(tx, p, "AND run = $15 AND state = 'sending'", &[&entry.run])?;
                }
                None => {
                    tx.execute(
                        &format!(
                            "DELETE FROM {s}.leads WHERE scope = $1 AND key = $2 AND run = $3 \
                             AND state = 'sending'"
                        ),
                        &[&scope, &entry.key, &entry.run],
                    )?;
                }
            }
            Ok(Applied::Done)
        }
        // The other kinds never come here (see `kind`).
        _ => Ok(Applied::Done),
    }
}
