//! Run history: each `import`, `create` and `purchases import` records itself in the ledger
//! when it ends (start, end, host, command, inputs, counts, exit code and its whole run report),
//! so `leadctl ledger runs` shows every run, every machine's on a shared PostgreSQL ledger.
//!
//! The history is kept small: the newest [`KEEP_RUNS`] runs, none older than [`KEEP_DAYS`] days
//! (pruned as each run is recorded). A run's `fingerprint` names what it did (command and
//! query: the same import of the same file has the same one), so [`Ledger::last_success`] can
//! say when the same work last ended well.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::Ledger;
use crate::error::Failure;

/// Runs kept at most (the newest).
pub const KEEP_RUNS: u64 = 1000;
/// Days a run is kept at most.
pub const KEEP_DAYS: i64 = 90;

/// One run as the ledger keeps it. Never holds the API key or a password.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// A UUID (the run report's `run_id`).
    pub id: String,
    /// Unix milliseconds.
    pub started_at: i64,
    pub ended_at: i64,
    pub host: String,
    /// `import`, `create`, `purchases import`, ...
    pub command: String,
    /// What the run did, hashed (command and query): equal for the same work.
    pub fingerprint: String,
    pub exit_code: i32,
    /// The inputs as the report names them (a JSON array).
    pub inputs: serde_json::Value,
    /// The counts of each outcome (a JSON object).
    pub counts: serde_json::Value,
    /// The whole run report (`doc/report.schema.json`).
    pub report: serde_json::Value,
}

/// Unix milliseconds of a time (0 before 1970).
pub fn millis(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The time of unix milliseconds.
pub fn time_of(ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

/// The oldest start kept when a run is recorded at `now_ms`.
pub fn oldest_kept(now_ms: i64) -> i64 {
    now_ms - KEEP_DAYS * 86_400_000
}

impl Ledger {
    /// Records a run and prunes the history to [`KEEP_RUNS`] runs and [`KEEP_DAYS`] days, in one
    /// transaction.
    pub fn record_run(&self, run: &RunRecord) -> Result<(), Failure> {
        self.call("cannot write the run history", |s| s.record_run(run))
    }

    /// The newest `limit` runs, newest first.
    pub fn runs(&self, limit: u64) -> Result<Vec<RunRecord>, Failure> {
        self.call("cannot read the run history", |s| s.runs(limit))
    }

    /// The runs whose id starts with `prefix` (a whole id, or its first characters).
    pub fn runs_by_id(&self, prefix: &str) -> Result<Vec<RunRecord>, Failure> {
        self.call("cannot read the run history", |s| s.runs_by_id(prefix))
    }

    /// When the last run of the same work (`fingerprint`: command and query) that exited 0
    /// started; None when none is kept. For a source that asks only for what changed since.
    pub fn last_success(&self, fingerprint: &str) -> Result<Option<SystemTime>, Failure> {
        self.call("cannot read the run history", |s| {
            s.last_success(fingerprint)
        })
        .map(|t| t.map(time_of))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ledger::Location;

    pub fn run(id: &str, started_at: i64, fingerprint: &str, exit_code: i32) -> RunRecord {
        RunRecord {
            id: id.into(),
            started_at,
            ended_at: started_at + 1500,
            host: "h".into(),
            command: "import".into(),
            fingerprint: fingerprint.into(),
            exit_code,
            inputs: serde_json::json!([{"name": "a.csv"}]),
            counts: serde_json::json!({"created": 1}),
            report: serde_json::json!({"schema": 1}),
        }
    }

    #[test]
    fn runs_are_listed_newest_first_found_by_prefix_and_pruned() {
        let ledger = Ledger::open(&Location::Memory).expect("memory ledger");
        let now = millis(SystemTime::now());
        let old = oldest_kept(now) - 1000;
        ledger
            .record_run(&run("aaaa-1", old, "f", 0))
            .expect("write");
        ledger
            .record_run(&run("bbbb-2", now - 3000, "f", 0))
            .expect("write");
        ledger
            .record_run(&run("cccc-3", now - 2000, "f", 8))
            .expect("write");
        ledger
            .record_run(&run("dddd-4", now - 1000, "g", 0))
            .expect("write");
        let ids: Vec<String> = ledger
            .runs(10)
            .expect("read")
            .into_iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(
            ids,
            ["dddd-4", "cccc-3", "bbbb-2"],
            "the 91-day-old run is pruned"
        );
        assert_eq!(
            ledger.runs(1).expect("read")[0],
            run("dddd-4", now - 1000, "g", 0)
        );
        assert_eq!(ledger.runs_by_id("cc").expect("read").len(), 1);
        assert!(ledger.runs_by_id("zz").expect("read").is_empty());
        assert_eq!(
            ledger.last_success("f").expect("read"),
            Some(time_of(now - 3000)),
            "the exit-8 run is not a success"
        );
        assert_eq!(ledger.last_success("nope").expect("read"), None);
    }
}
