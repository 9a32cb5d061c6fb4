//! Unknown rows settle themselves, and a live run's claim is never taken over (issue 27): the
//! real binary, two runs sharing one ledger, a scripted server on loopback. Time is aged in the
//! ledger file itself (a claim made "10 minutes ago") or moved with the documented test-only
//! `LEADCTL_TEST_CLOCK_OFFSET`, so the tests take seconds.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::request::Request as Recorded;
use crate::support::server::{Reply, ScriptedServer};
use crate::support::{Leadctl, CHANNEL};

/// A server that answers 429 (`Retry-After: 3`, not processed) to every create while
/// `throttled`, and creates otherwise; it counts the leads it created per business id.
struct Throttling {
    server: ScriptedServer,
    throttled: Arc<AtomicBool>,
    created: Arc<Mutex<BTreeMap<String, u32>>>,
}

impl Throttling {
    fn start() -> Throttling {
        let throttled = Arc::new(AtomicBool::new(true));
        let created = Arc::new(Mutex::new(BTreeMap::new()));
        let (t, c) = (throttled.clone(), created.clone());
        let server = ScriptedServer::importing(move |req: &Recorded, _| {
            let body = req.json();
            if req.action() != "create_lead" {
                return Reply::error(400, "unexpected");
            }
            if t.load(Ordering::SeqCst) {
                return Reply::error(429, "Too many requests").header("Retry-After", "3");
            }
            let bid = body["business_id"].as_str().unwrap_or("B-0").to_string();
            let n: u64 = bid.trim_start_matches("B-").parse().unwrap_or(0);
            *c.lock().unwrap().entry(bid.clone()).or_insert(0) += 1;
            Reply::json(
                200,
                json!({"lead": {
                    "id": format!("00000000-0000-4000-8000-{n:012}"),
                    "created_at": "2026-04-21T10:00:00Z",
                    "email": body["email"], "business_id": bid, "channels_id": CHANNEL,
                }}),
            )
        });
        Throttling {
            server,
            throttled,
            created,
        }
    }

    fn created(&self) -> BTreeMap<String, u32> {
        self.created.lock().unwrap().clone()
    }
}

fn rows(dir: &Path, n: usize) -> PathBuf {
    let mut text = String::from("Email,First Name,Business ID\n");
    for i in 1..=n {
        text.push_str(&format!("user{i}@example.com,User {i},B-{i}\n"));
    }
    let path = dir.join("leads.csv");
    std::fs::write(&path, text).unwrap();
    path
}

fn import(server: &ScriptedServer, ledger: &Path, file: &Path) -> Leadctl {
    Leadctl::against(&server.url())
        .env("LEADCTL_LEDGER", ledger)
        .env("LEADCTL_CHANNEL", CHANNEL)
        .args(["import", file.to_str().unwrap(), "-o", "ndjson"])
        .args(["--concurrency", "4"])
}

/// How many keys of the ledger file are in `state`.
fn in_state(ledger: &Path, state: &str) -> i64 {
    let c = rusqlite::Connection::open(ledger).unwrap();
    c.busy_timeout(Duration::from_secs(5)).unwrap();
    c.query_row(
        "SELECT count(*) FROM leads WHERE state = ?1",
        [state],
        |r| r.get(0),
    )
    .unwrap_or(0)
}

/// Waits until the ledger holds `n` claims (`sending`).
fn wait_for_claims(ledger: &Path, n: i64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ledger.exists() || in_state(ledger, "sending") < n {
        assert!(Instant::now() < deadline, "run A never claimed {n} rows");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Makes every claim of the ledger look `secs` older than it is (its `sent_at` only: the
/// owner's fencing version, `updated_at`, is untouched).
fn age_claims(ledger: &Path, secs: i64) {
    let c = rusqlite::Connection::open(ledger).unwrap();
    c.busy_timeout(Duration::from_secs(5)).unwrap();
    c.execute(
        "UPDATE leads SET sent_at = sent_at - ?1 WHERE state = 'sending'",
        [secs],
    )
    .unwrap();
}

/// Run A holds 4 claims through a 429 storm; run B (`--retry-unknown`, started as `b` says)
/// comes while A waits; the throttle lifts. Each lead must exist once, A must say it created
/// all 4, and B must send nothing.
fn a_live_run_keeps_its_claims(age: i64, b: impl FnOnce(Leadctl) -> Leadctl) {
    let server = Throttling::start();
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.sqlite3");
    let file = rows(dir.path(), 4);
    let a = import(&server.server, &ledger, &file).spawn();
    wait_for_claims(&ledger, 4);
    if age > 0 {
        age_claims(&ledger, age);
    }
    server.throttled.store(false, Ordering::SeqCst);
    let b = b(import(&server.server, &ledger, &file).arg("--retry-unknown")).run();
    let a = a.wait(Duration::from_secs(60));
    a.code(0).stderr_has("4 created");
    let created = server.created();
    assert_eq!(
        created,
        (1..=4)
            .map(|i| (format!("B-{i}"), 1))
            .collect::<BTreeMap<_, _>>(),
        "each lead created exactly once\nA: {}\nB: {}\n{}",
        a.stderr,
        b.stderr,
        b.stdout
    );
    // B waited for the live run's answers and sent nothing of its own.
    b.code(0)
        .stderr_has("waiting for 4 row(s) another leadctl run sharing the ledger is sending")
        .stderr_has("0 created, 4 skipped");
    let b_rows: Vec<serde_json::Value> = b
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(b_rows.len(), 4, "{}", b.stdout);
    for (i, r) in b_rows.iter().enumerate() {
        let n = i + 1;
        assert_eq!(
            *r,
            json!({"row": n, "outcome": "skipped",
                   "lead_id": format!("00000000-0000-4000-8000-{n:012}"),
                   "error": format!("created by another leadctl run sharing the ledger (as \
                                     00000000-0000-4000-8000-{n:012}); not sent by this one")}),
        );
    }
    assert_eq!(in_state(&ledger, "created"), 4, "all 4 recorded created");
}

#[test]
fn a_claim_of_a_live_run_that_looks_10_minutes_old_is_not_taken_over() {
    a_live_run_keeps_its_claims(610, |b| b);
}

#[test]
fn a_run_whose_clock_is_700_s_ahead_does_not_take_a_live_run_for_dead() {
    a_live_run_keeps_its_claims(0, |b| b.env("LEADCTL_TEST_CLOCK_OFFSET", "700"));
}

/// Whether this machine lets the tests start a process in a PID namespace of its own.
fn can_unshare() -> bool {
    std::process::Command::new("unshare")
        .args(["--pid", "--fork", "--mount-proc", "true"])
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn a_run_in_another_pid_namespace_with_the_same_hostname_does_not_take_a_live_run_for_dead() {
    if !can_unshare() {
        eprintln!("skipped: cannot start a process in a PID namespace of its own (unshare)");
        return;
    }
    a_live_run_keeps_its_claims(610, |b| {
        b.wrapped(&["unshare", "--pid", "--fork", "--mount-proc"])
    });
}

#[test]
fn an_owner_never_sends_a_claim_another_run_took_over() {
    let server = Throttling::start();
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.sqlite3");
    let file = rows(dir.path(), 4);
    let a = import(&server.server, &ledger, &file).spawn();
    wait_for_claims(&ledger, 4);
    // Another run takes the claims over (a new version of each, under its run id) while A waits
    // out the 429s; then the throttle lifts.
    let c = rusqlite::Connection::open(&ledger).unwrap();
    c.busy_timeout(Duration::from_secs(5)).unwrap();
    let taken = c
        .execute(
            "UPDATE leads SET run = 'another-run', updated_at = updated_at + 1 \
             WHERE state = 'sending'",
            [],
        )
        .unwrap();
    assert_eq!(taken, 4);
    drop(c);
    server.throttled.store(false, Ordering::SeqCst);
    let a = a.wait(Duration::from_secs(60));
    assert!(
        server.created().is_empty(),
        "A sent claims it had lost: {:?}\n{}",
        server.created(),
        a.stderr
    );
    a.code(8).stderr_has("4 unknown");
    let lines: Vec<serde_json::Value> = a
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4, "{}", a.stdout);
    for l in &lines {
        assert_eq!(l["outcome"], "unknown", "{l}");
    }
    assert_eq!(
        in_state(&ledger, "sending"),
        4,
        "the other run's claims stand"
    );
    let c = rusqlite::Connection::open(&ledger).unwrap();
    let runs: i64 = c
        .query_row(
            "SELECT count(*) FROM leads WHERE run = 'another-run'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(runs, 4, "nothing written over the other run's claims");
}
