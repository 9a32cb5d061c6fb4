//! Waiting for a SQLite ledger's write lock, out loud: another writer (a leadctl run sharing the
//! file, or another program) may hold it for a while, and a silent wait looks like a hang. The
//! wait is a stated total ([`total`], 60 s unless `LEADCTL_LEDGER_LOCK_WAIT` says otherwise);
//! every 5 s of it a line on stderr says who may hold the lock: a leadctl run sharing the ledger
//! whose heartbeat is fresh (`alive.rs`), else another program. Past the total, the error names
//! the lock (`LOCKED`), not the disk.
#![allow(clippy::print_stderr)]

use std::cell::Cell;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags};

/// How often the wait is said.
const SAY_EVERY: Duration = Duration::from_secs(5);

/// What an error of a wait that ran out says, for `Ledger::failure_of`.
pub const LOCKED: &str = "database is locked";

/// Set once a wait ran out: the run is stopping, and its last writes (its outcomes, its end)
/// are not made to wait the whole total again each.
static GAVE_UP: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The ledger file the handler names (the one opened last: one per process in practice).
static PATH: Mutex<Option<PathBuf>> = Mutex::new(None);

thread_local! {
    /// When this thread's current wait began, and when it was last said.
    static WAIT: Cell<Option<(Instant, Instant)>> = const { Cell::new(None) };
}

/// The total wait for the lock: `LEADCTL_LEDGER_LOCK_WAIT` seconds, else 60.
pub fn total() -> Duration {
    std::env::var("LEADCTL_LEDGER_LOCK_WAIT")
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map_or(Duration::from_secs(60), |s| {
            Duration::from_secs_f64(s.min(86_400.0))
        })
}

/// Installs the handler on a ledger file's connection.
pub fn install(conn: &mut Connection, path: &std::path::Path) -> rusqlite::Result<()> {
    *PATH.lock().unwrap_or_else(|p| p.into_inner()) = Some(path.to_path_buf());
    conn.busy_handler(Some(busy))
}

/// SQLite's busy handler: `tries` is 0 at the start of each wait. True: try again.
fn busy(tries: i32) -> bool {
    let now = Instant::now();
    let (started, said) = match WAIT.get() {
        Some(w) if tries > 0 => w,
        _ => (now, now),
    };
    let waited = now - started;
    let limit = total();
    if waited >= limit || GAVE_UP.load(std::sync::atomic::Ordering::Relaxed) {
        GAVE_UP.store(true, std::sync::atomic::Ordering::Relaxed);
        WAIT.set(None);
        return false;
    }
    let said = if now - said >= SAY_EVERY {
        say(waited, limit);
        now
    } else {
        said
    };
    WAIT.set(Some((started, said)));
    let pause = Duration::from_millis(match tries {
        0..=9 => 2,
        10..=49 => 10,
        _ => 50,
    });
    std::thread::sleep(pause.min(limit.saturating_sub(waited)));
    true
}

fn say(waited: Duration, limit: Duration) {
    let path = PATH.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let Some(path) = path else { return };
    eprintln!(
        "leadctl: waiting for the ledger {}'s write lock ({} s of at most {} s): {}",
        path.display(),
        waited.as_secs(),
        limit.as_secs(),
        holder(&path)
    );
}

/// Who may hold the lock: leadctl runs whose heartbeat is fresh, else another program.
pub fn holder(path: &std::path::Path) -> String {
    let runs = live_runs(path);
    if runs.is_empty() {
        format!(
            "no leadctl run sharing it is alive by its heartbeat, so another program (a backup, an \
             SQLite browser, a stopped leadctl process) may hold it; `fuser {}` names it",
            path.display()
        )
    } else {
        format!(
            "another leadctl run sharing it may hold it ({})",
            runs.join(", ")
        )
    }
}

/// "pid P on H" of each run whose heartbeat is fresh, read through a connection of its own (a
/// WAL reader is not blocked by a writer; if it is, nothing is known).
fn live_runs(path: &std::path::Path) -> Vec<String> {
    let Ok(c) = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    ) else {
        return Vec::new();
    };
    let Ok(mut stmt) =
        c.prepare("SELECT value FROM meta WHERE key LIKE 'run.%.alive' AND value <> 'ended'")
    else {
        return Vec::new();
    };
    let Ok(values) = stmt.query_map([], |r| r.get::<_, String>(0)) else {
        return Vec::new();
    };
    let now = super::super::now_secs();
    let mut runs = Vec::new();
    for v in values.flatten() {
        let mut parts = v.split_whitespace();
        let fresh = parts
            .next()
            .and_then(|t| t.parse::<i64>().ok())
            .is_some_and(|t| now - t <= super::super::alive::STALE_SECS);
        if fresh {
            let pid = parts.next().unwrap_or("?");
            let host = parts.next().unwrap_or("?");
            runs.push(format!("pid {pid} on {host}"));
        }
    }
    runs
}
