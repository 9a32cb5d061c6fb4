//! The run history on PostgreSQL (`ledger::runs`): the `runs` table, made with a new schema and
//! added to a version-1 schema when it is opened; every machine's runs in one place.

use postgres::Client;

use super::PgStore;
use crate::ledger::runs::{oldest_kept, KEEP_RUNS};
use crate::ledger::{RunRecord, SCHEMA_VERSION};

pub(super) fn runs_sql(s: &str) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {s}.runs (
    id text PRIMARY KEY,
    started_at bigint NOT NULL,
    ended_at bigint NOT NULL,
    host text NOT NULL,
    command text NOT NULL,
    fingerprint text NOT NULL,
    exit_code integer NOT NULL,
    inputs text NOT NULL,
    counts text NOT NULL,
    report text NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_started ON {s}.runs (started_at);
CREATE INDEX IF NOT EXISTS runs_fingerprint ON {s}.runs (fingerprint, exit_code, started_at);
"
    )
}

/// Version 1 → 2: adds the run history's table, once even when several machines open the
/// ledger at the same moment (the schema's advisory lock).
pub(super) fn upgrade(client: &mut Client, name: &str, s: &str) -> Result<(), postgres::Error> {
    let mut tx = client.transaction()?;
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext('leadctl ledger schema ' || $1))",
        &[&name],
    )?;
    tx.batch_execute(&format!(
        "{} UPDATE {s}.version SET version = {SCHEMA_VERSION} WHERE version < {SCHEMA_VERSION};",
        runs_sql(s)
    ))?;
    tx.commit()
}

const COLUMNS: &str =
    "id, started_at, ended_at, host, command, fingerprint, exit_code, inputs, counts, report";

fn run_of(r: &postgres::Row) -> RunRecord {
    let json = |i: usize| {
        r.try_get::<_, String>(i)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(serde_json::Value::Null)
    };
    RunRecord {
        id: r.try_get(0).unwrap_or_default(),
        started_at: r.try_get(1).unwrap_or_default(),
        ended_at: r.try_get(2).unwrap_or_default(),
        host: r.try_get(3).unwrap_or_default(),
        command: r.try_get(4).unwrap_or_default(),
        fingerprint: r.try_get(5).unwrap_or_default(),
        exit_code: r.try_get(6).unwrap_or_default(),
        inputs: json(7),
        counts: json(8),
        report: json(9),
    }
}

impl PgStore {
    pub(super) fn record_run_pg(&mut self, run: &RunRecord) -> Result<(), String> {
        let s = self.target.schema_sql();
        self.with(|c, _| {
            let mut tx = c.transaction()?;
            tx.execute(
                &format!(
                    "INSERT INTO {s}.runs ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, \
                     $9, $10) ON CONFLICT (id) DO NOTHING"
                ),
                &[
                    &run.id,
                    &run.started_at,
                    &run.ended_at,
                    &run.host,
                    &run.command,
                    &run.fingerprint,
                    &run.exit_code,
                    &run.inputs.to_string(),
                    &run.counts.to_string(),
                    &run.report.to_string(),
                ],
            )?;
            tx.execute(
                &format!(
                    "DELETE FROM {s}.runs WHERE started_at < $1 OR id NOT IN (SELECT id FROM \
                     {s}.runs ORDER BY started_at DESC LIMIT $2)"
                ),
                &[&oldest_kept(run.ended_at), &(KEEP_RUNS as i64)],
            )?;
            tx.commit()
        })
    }

    pub(super) fn runs_pg(&mut self, limit: u64) -> Result<Vec<RunRecord>, String> {
        let s = self.target.schema_sql();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self.with(|c, _| {
            c.query(
                &format!("SELECT {COLUMNS} FROM {s}.runs ORDER BY started_at DESC, id LIMIT $1"),
                &[&limit],
            )
        })?;
        Ok(rows.iter().map(run_of).collect())
    }

    pub(super) fn runs_by_id_pg(&mut self, prefix: &str) -> Result<Vec<RunRecord>, String> {
        let s = self.target.schema_sql();
        let rows = self.with(|c, _| {
            c.query(
                &format!(
                    "SELECT {COLUMNS} FROM {s}.runs WHERE left(id, length($1)) = $1 ORDER BY \
                     started_at DESC LIMIT 10"
                ),
                &[&prefix],
            )
        })?;
        Ok(rows.iter().map(run_of).collect())
    }

    pub(super) fn last_success_pg(&mut self, fingerprint: &str) -> Result<Option<i64>, String> {
        let s = self.target.schema_sql();
        let row = self.with(|c, _| {
            c.query_one(
                &format!(
                    "SELECT max(started_at) FROM {s}.runs WHERE fingerprint = $1 AND exit_code = 0"
                ),
                &[&fingerprint],
            )
        })?;
        Ok(row.try_get::<_, Option<i64>>(0).ok().flatten())
    }
}
