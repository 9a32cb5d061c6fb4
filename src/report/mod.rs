//! The run report (`--report FILE`, `LEADCTL_REPORT`): one JSON document per run of `import`,
//! `create` or `purchases import`, written atomically when the run ends, also when it failed or
//! was interrupted, for the CI step after it (`doc/report.schema.json`). And what GitHub Actions
//! shows of a run ([`github`]).
//!
//! A leaf: the engine fills a [`Recorder`] (counts, rows needing attention, timings) as a run
//! ends; the command layer makes a [`Run`] when it starts and turns both into the document with
//! [`Run::document`]. It never holds the API key or a password: inputs are named by path,
//! the ledger by its masked location.

pub mod github;
mod inputs;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Instant, SystemTime};

use serde::Serialize;
use serde_json::{json, Value};

pub use inputs::Input;

/// The report's schema version (`schema` in the document).
pub const SCHEMA: u32 = 1;

/// Rows needing attention kept in the report (the errors file has them all).
pub const ATTENTION_CAP: usize = 100;

/// The outcomes a run counts, in the summary's names and order.
pub const OUTCOMES: [&str; 10] = [
    "created",
    "updated",
    "moved",
    "skipped",
    "changed",
    "duplicate",
    "failed",
    "unknown",
    "invalid",
    "not_sent",
];

/// A row that needs the user: failed, unknown or invalid.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attention {
    /// The input's row (1-based, the header is row 1 of a CSV) or a `create` lead's number.
    pub row: u64,
    /// The ledger key (`email:…`, `business_id:…`), when the run knew it.
    pub key: Option<String>,
    pub outcome: String,
    pub message: String,
}

/// How a run went, as its engine tells it when the run ends.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ending {
    /// Each outcome's count, in [`OUTCOMES`]' names.
    pub counts: BTreeMap<String, u64>,
    /// Rows the run meant to go through but never reached (Ctrl-C, a fatal error).
    pub not_reached: u64,
    /// Rows sent by this run.
    pub sent: u64,
    pub elapsed_secs: f64,
    /// How the concurrency went (`concurrency auto: 4 → 27, mostly 24; ...`).
    pub concurrency: Option<String>,
    /// The errors file and its rows.
    pub errors_file: Option<(String, u64)>,
    pub interrupted: bool,
}

/// What the engine tells of a run, shared with its threads.
#[derive(Debug, Default)]
pub struct Recorder {
    state: Mutex<Recorded>,
    rate_limited: AtomicU64,
    retries: AtomicU64,
    ledger: Mutex<Kept>,
}

/// The ledger a run used, kept so that the run's history is written on the same connection: a
/// `create` in a script's loop opens its ledger once, not twice.
#[derive(Default)]
struct Kept(Option<std::sync::Arc<crate::ledger::Ledger>>);

impl std::fmt::Debug for Kept {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = self.0.as_ref().map(|l| l.location().to_string());
        f.debug_tuple("Kept").field(&at).finish()
    }
}

#[derive(Debug, Default)]
struct Recorded {
    ending: Option<Ending>,
    attention: Vec<Attention>,
    attention_total: u64,
}

impl Recorder {
    pub fn new() -> Recorder {
        Recorder::default()
    }

    /// Keeps the ledger the run used, for the run's history.
    pub fn keep_ledger(&self, ledger: std::sync::Arc<crate::ledger::Ledger>) {
        self.ledger.lock().unwrap_or_else(|p| p.into_inner()).0 = Some(ledger);
    }

    /// The ledger the run kept, if any (taken: it is closed when the last user drops it).
    pub fn take_ledger(&self) -> Option<std::sync::Arc<crate::ledger::Ledger>> {
        self.ledger
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .0
            .take()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, Recorded> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A row that needs attention (the first [`ATTENTION_CAP`] are kept; all are counted).
    pub fn attention(&self, row: Attention) {
        let mut s = self.state();
        s.attention_total += 1;
        if s.attention.len() < ATTENTION_CAP {
            s.attention.push(row);
        }
    }

    /// The run's end: counts and timings.
    pub fn ending(&self, ending: Ending) {
        self.state().ending = Some(ending);
    }

    /// A 429 answer arrived.
    pub fn rate_limited(&self) {
        self.rate_limited.fetch_add(1, Ordering::Relaxed);
    }

    /// The client tried a request again.
    pub fn retried(&self) {
        self.retries.fetch_add(1, Ordering::Relaxed);
    }
}

/// How the run ended, for the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Exit {
    pub code: u8,
    /// The final error's message and hint (None when the run succeeded).
    pub error: Option<(String, Option<String>)>,
}

/// A run as the command layer starts it.
pub struct Run {
    pub id: String,
    pub command: String,
    pub inputs: Vec<Input>,
    /// The API URL the run talked to (no credentials).
    pub api_url: String,
    /// The ledger's location, password masked; None with `--no-ledger`.
    pub ledger: Option<String>,
    pub host: String,
    /// What the run does (command and query), hashed: equal for the same work.
    pub fingerprint: String,
    pub started: SystemTime,
    clock: Instant,
}

impl Run {
    /// `query` names what the run does besides its inputs (channel, API URL): the fingerprint.
    pub fn start(
        command: &str,
        inputs: Vec<Input>,
        api_url: &str,
        ledger: Option<String>,
        host: String,
        query: &[&str],
    ) -> Run {
        let paths: Vec<&str> = inputs.iter().map(|i| i.path.as_str()).collect();
        let fingerprint = run_fingerprint(command, api_url, &paths, query);
        Run {
            id: uuid::Uuid::new_v4().to_string(),
            command: command.to_string(),
            inputs,
            api_url: api_url.to_string(),
            ledger,
            host,
            fingerprint,
            started: SystemTime::now(),
            clock: Instant::now(),
        }
    }

    /// The report document of the run as it ended.
    pub fn document(&self, recorder: &Recorder, exit: &Exit) -> Value {
        self.make(recorder, Some(exit))
    }

    /// The document of the run as it starts (status `running`, no exit code yet): written first,
    /// so a run killed before its end leaves a trace, and an unwritable path is refused before
    /// anything is sent.
    pub fn started_document(&self) -> Value {
        self.make(&Recorder::new(), None)
    }

    fn make(&self, recorder: &Recorder, exit: Option<&Exit>) -> Value {
        let ended = self.started + self.clock.elapsed();
        let state = recorder.state();
        let ending = state.ending.clone().unwrap_or_default();
        let mut counts = serde_json::Map::new();
        for name in OUTCOMES {
            let n = ending.counts.get(name).copied().unwrap_or(0);
            counts.insert(name.to_string(), n.into());
        }
        counts.insert("not_reached".into(), ending.not_reached.into());
        let elapsed = if ending.elapsed_secs > 0.0 {
            ending.elapsed_secs
        } else {
            self.clock.elapsed().as_secs_f64()
        };
        let rate = if elapsed > 0.0 {
            ending.sent as f64 / elapsed
        } else {
            0.0
        };
        let status = match exit.map(|e| e.code) {
            None => "running",
            Some(0) => "finished",
            Some(8) => "partial",
            Some(130) => "interrupted",
            Some(_) => "failed",
        };
        json!({
            "schema": SCHEMA,
            "run_id": self.id,
            "tool": { "name": "leadctl", "version": env!("CARGO_PKG_VERSION") },
            "command": self.command,
            "host": self.host,
            "inputs": self.inputs,
            "api_url": self.api_url,
            "started_at": crate::time::format_rfc3339(self.started),
            "ended_at": exit.map(|_| crate::time::format_rfc3339(ended)),
            "exit_code": exit.map(|e| e.code),
            "status": status,
            "error": exit.and_then(|e| e.error.as_ref()).map(|(message, hint)| json!({
                "message": message,
                "hint": hint,
            })),
            "counts": counts,
            "attention": {
                "total": state.attention_total,
                "rows": state.attention,
            },
            "errors_file": ending.errors_file.as_ref().map(|(path, rows)| json!({
                "path": path,
                "rows": rows,
            })),
            "timings": {
                "elapsed_seconds": round3(elapsed),
                "rows_sent": ending.sent,
                "rows_per_second": round3(rate),
                "concurrency": ending.concurrency,
                "rate_limited_429": recorder.rate_limited.load(Ordering::Relaxed),
                "retries": recorder.retries.load(Ordering::Relaxed),
            },
            "ledger": self.ledger.as_ref().map(|l| json!({ "location": l })),
        })
    }
}

/// The run history's fingerprint of a run: its command, API URL (scope), inputs' paths and what
/// else decides its work (channel, shard, a database query), NUL-separated, hashed. Runs with
/// the same fingerprint are "the same job" (`{{last_success}}`).
pub fn run_fingerprint(command: &str, api_url: &str, inputs: &[&str], query: &[&str]) -> String {
    let mut what: Vec<&str> = vec![command, api_url];
    what.extend(inputs.iter().copied());
    what.extend(query.iter().copied());
    fingerprint(&what)
}

pub fn fingerprint(parts: &[&str]) -> String {
    inputs::sha256_hex(parts.join("\0").as_bytes())
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Writes the document to `path` atomically (a temporary file in the same directory, renamed
/// over it), pretty-printed.
pub fn write(path: &Path, document: &Value) -> std::io::Result<()> {
    let mut text = serde_json::to_vec_pretty(document).map_err(std::io::Error::other)?;
    text.push(b'\n');
    crate::fsutil::write_atomic(path, &text)
}

/// This machine's name: the kernel's, else `/etc/hostname`, else `fallback` (`HOSTNAME`,
/// `COMPUTERNAME`), else "unknown".
pub fn host(fallback: Option<&str>) -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .filter_map(|p| {
            crate::fsutil::read_capped_string(
                Path::new(p),
                256,
                crate::fsutil::Accept::RegularFile,
                "the host name",
            )
            .ok()
        })
        .map(|s| s.trim().to_string())
        .find(|s| !s.is_empty())
        .or_else(|| {
            fallback
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        })
        .unwrap_or_else(|| "unknown".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_has_every_count_and_caps_the_rows() {
        let run = Run::start(
            "import",
            Vec::new(),
            "http://127.0.0.1:1",
            None,
            "h".into(),
            &["c"],
        );
        let rec = Recorder::new();
        for row in 0..(ATTENTION_CAP as u64 + 5) {
            rec.attention(Attention {
                row,
                key: None,
                outcome: "failed".into(),
                message: "m".into(),
            });
        }
        rec.rate_limited();
        rec.retried();
        rec.retried();
        let doc = run.document(
            &rec,
            &Exit {
                code: 8,
                error: Some(("1 of 2 row(s) were not created".into(), None)),
            },
        );
        assert_eq!(doc["status"], "partial");
        assert_eq!(doc["attention"]["total"], 105);
        assert_eq!(
            doc["attention"]["rows"].as_array().map(Vec::len),
            Some(ATTENTION_CAP)
        );
        assert_eq!(doc["counts"].as_object().map(|m| m.len()), Some(11));
        assert_eq!(doc["timings"]["rate_limited_429"], 1);
        assert_eq!(doc["timings"]["retries"], 2);
        assert_eq!(doc["error"]["hint"], Value::Null);
    }
}
