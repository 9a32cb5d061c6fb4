//! Unknown rows settle themselves, and a live run's claim is never taken over (issue 27): the
//! real binary, two runs sharing one ledger, a scripted server on loopback. Time is aged in the
//! ledger file itself (a claim made "10 minutes ago") or moved with the documented test-only
//! `LEADCTL_TEST_CLOCK_OFFSET`, so the tests take seconds.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::request::Request as Recorded;
use crate::support::server::{Reply, ScriptedServer};
use crate::support::window::{Fault, Window};
use crate::support::{Leadctl, CHANNEL};

/// The Retry-After of the tests' 429 storms: how long a run waits before its fenced retry. A
/// test takes claims over or starts its second run within it, on a machine that may be loaded:
/// a retry fenced before a take-over may reach the server after the storm lifts.
const RETRY_AFTER: &str = "6";

/// A server that answers 429 (`Retry-After:` [`RETRY_AFTER`], not processed) to every create
/// while `throttled`, and creates otherwise; it counts the leads it created per business id, and
/// notes the business ids it answered 429.
struct Throttling {
    server: ScriptedServer,
    throttled: Arc<AtomicBool>,
    created: Arc<Mutex<BTreeMap<String, u32>>>,
    limited: Arc<Mutex<BTreeSet<String>>>,
}

impl Throttling {
    /// `rows`: how many rows meet the storm; no 429 is answered before each has met it.
    fn start(rows: usize) -> Throttling {
        let throttled = Arc::new(AtomicBool::new(true));
        let created = Arc::new(Mutex::new(BTreeMap::new()));
        let limited = Arc::new(Mutex::new(BTreeSet::new()));
        let (t, c, l) = (throttled.clone(), created.clone(), limited.clone());
        let server = ScriptedServer::importing(move |req: &Recorded, _| {
            let body = req.json();
            match req.action().as_str() {
                "create_lead" => {}
                "get_channels" => {
                    return Reply::json(200, crate::support::api::channels_response());
                }
                _ => return Reply::error(400, "unexpected"),
            }
            let bid = body["business_id"].as_str().unwrap_or("B-0").to_string();
            if t.load(Ordering::SeqCst) {
                l.lock().unwrap().insert(bid);
                // No 429 comes back before every row's first request is here: the run's pause
                // (Retry-After) then holds no first request back to leave with the retries,
                // where a test's lifting of the storm would race it.
                let deadline = Instant::now() + Duration::from_secs(10);
                while l.lock().unwrap().len() < rows && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(2));
                }
                return Reply::error(429, "Too many requests").header("Retry-After", RETRY_AFTER);
            }
            *c.lock().unwrap().entry(bid).or_insert(0) += 1;
            crate::support::api::lead_for(req)
        });
        Throttling {
            server,
            throttled,
            created,
            limited,
        }
    }

    fn created(&self) -> BTreeMap<String, u32> {
        self.created.lock().unwrap().clone()
    }

    /// Waits until `n` creates met a 429: each claim's first request has left (a first request is
    /// never fenced; a live run's fresh claim is never taken over before it).
    fn wait_for_429s(&self, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.limited.lock().unwrap().len() < n {
            assert!(Instant::now() < deadline, "{n} creates never met a 429");
            std::thread::sleep(Duration::from_millis(5));
        }
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

fn import(server: &ScriptedServer, ledger: impl AsRef<std::ffi::OsStr>, file: &Path) -> Leadctl {
    // One user's runs: one data directory, where a run keeps its sent notes (for a PostgreSQL
    // ledger too).
    let data = file.parent().map(|d| d.join("data")).unwrap_or_default();
    Leadctl::against(&server.url())
        .env("XDG_DATA_HOME", data)
        .env("LEADCTL_LEDGER", ledger)
        .env("LEADCTL_CHANNEL", CHANNEL)
        .args(["import", file.to_str().unwrap(), "-o", "ndjson"])
        .args(["--concurrency", "4"])
}

/// A ledger of a test: a SQLite file, or a schema of the test PostgreSQL.
enum Store {
    File(PathBuf),
    Pg(crate::support::postgres::Pg, String),
}

impl Store {
    fn pg(test: &str) -> Option<Store> {
        let pg = crate::support::postgres::shared(test)?;
        let url = pg.ledger();
        Some(Store::Pg(pg, url))
    }

    /// What `LEADCTL_LEDGER` says.
    fn spec(&self) -> String {
        match self {
            Store::File(p) => p.display().to_string(),
            Store::Pg(_, url) => url.clone(),
        }
    }

    fn schema(url: &str) -> &str {
        url.rsplit("schema=").next().unwrap_or("leadctl")
    }

    fn count(&self, state: &str) -> i64 {
        match self {
            Store::File(p) => in_state(p, state),
            Store::Pg(pg, url) => {
                let schema = Store::schema(url);
                // Nothing before the first run made the tables.
                let made = pg.sql(&format!("SELECT to_regclass('{schema}.leads') IS NOT NULL"));
                if made.trim() != "t" {
                    return 0;
                }
                let out = pg.sql(&format!(
                    "SELECT count(*) FROM {schema}.leads WHERE state = '{state}'"
                ));
                out.trim().parse().unwrap_or(0)
            }
        }
    }

    fn age_claims(&self, secs: i64) {
        match self {
            Store::File(p) => age_claims(p, secs),
            Store::Pg(pg, url) => {
                pg.sql(&format!(
                    "UPDATE {}.leads SET sent_at = sent_at - {secs} WHERE state = 'sending'",
                    Store::schema(url)
                ));
            }
        }
    }

    fn wait_for_claims(&self, n: i64) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.count("sending") < n {
            assert!(Instant::now() < deadline, "run A never claimed {n} rows");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// How many keys of the ledger file are in `state`.
fn in_state(ledger: &Path, state: &str) -> i64 {
    if !ledger.exists() {
        return 0;
    }
    let c = rusqlite::Connection::open(ledger).unwrap();
    c.busy_timeout(Duration::from_secs(5)).unwrap();
    c.query_row(
        "SELECT count(*) FROM leads WHERE state = ?1",
        [state],
        |r| r.get(0),
    )
    .unwrap_or(0)
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
    let dir = tempfile::tempdir().unwrap();
    let store = Store::File(dir.path().join("ledger.sqlite3"));
    a_live_run_keeps_its_claims_in(&store, dir.path(), age, b);
}

fn a_live_run_keeps_its_claims_in(
    store: &Store,
    dir: &Path,
    age: i64,
    b: impl FnOnce(Leadctl) -> Leadctl,
) {
    let server = Throttling::start(4);
    let ledger = store.spec();
    let file = rows(dir, 4);
    let a = import(&server.server, &ledger, &file).spawn();
    // A's 4 requests met the storm: a claim alone may not have left yet (claims are made
    // ahead of their requests), and lifting the throttle then would let A finish before B.
    store.wait_for_claims(4);
    server.wait_for_429s(4);
    if age > 0 {
        store.age_claims(age);
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
        let text = format!(
            "created by another leadctl run sharing the ledger (as \
             00000000-0000-4000-8000-{n:012}); not sent by this one"
        );
        assert_eq!(
            *r,
            json!({"row": n, "outcome": "skipped",
                   "lead_id": format!("00000000-0000-4000-8000-{n:012}"),
                   "error": text, "message": text}),
        );
    }
    assert_eq!(store.count("created"), 4, "all 4 recorded created");
}

#[test]
fn a_claim_of_a_live_run_that_looks_10_minutes_old_is_not_taken_over() {
    a_live_run_keeps_its_claims(610, |b| b);
}

#[test]
fn a_run_whose_clock_is_700_s_ahead_does_not_take_a_live_run_for_dead() {
    a_live_run_keeps_its_claims(0, |b| b.env("LEADCTL_TEST_CLOCK_OFFSET", "700"));
}

#[test]
fn on_postgres_a_claim_of_a_live_run_that_looks_10_minutes_old_is_not_taken_over() {
    let Some(store) = Store::pg("settle_takeover") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    a_live_run_keeps_its_claims_in(&store, dir.path(), 610, |b| b);
}

#[test]
fn on_postgres_runs_whose_clocks_are_off_by_minutes_do_not_take_a_live_run_for_dead() {
    let Some(store) = Store::pg("settle_clock_skew") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // B's clock 700 s ahead, and another PID namespace where the machine allows it: only the
    // heartbeat, on the database's clock, can tell, and it says alive.
    a_live_run_keeps_its_claims_in(&store, dir.path(), 0, |b| {
        let b = b.env("LEADCTL_TEST_CLOCK_OFFSET", "700");
        if can_unshare() {
            b.wrapped(&["unshare", "--pid", "--fork", "--mount-proc"])
        } else {
            b
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let Some(store) = Store::pg("settle_clock_behind") else {
        return;
    };
    a_live_run_keeps_its_claims_in(&store, dir.path(), 0, |b| {
        let b = b.env("LEADCTL_TEST_CLOCK_OFFSET", "-120");
        if can_unshare() {
            b.wrapped(&["unshare", "--pid", "--fork", "--mount-proc"])
        } else {
            b
        }
    });
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

/// Another run takes over the claims in the ledger file that `also` selects (a new version of
/// each, under its run id), as a run does with a dead run's claims; how many it took.
fn take_over(ledger: &Path, also: &str) -> usize {
    let c = rusqlite::Connection::open(ledger).unwrap();
    c.busy_timeout(Duration::from_secs(5)).unwrap();
    c.execute(
        &format!(
            "UPDATE leads SET run = 'another-run', updated_at = updated_at + 1 \
             WHERE state = 'sending' AND {also}"
        ),
        [],
    )
    .unwrap()
}

#[test]
fn an_owner_never_sends_a_claim_another_run_took_over() {
    let server = Throttling::start(4);
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.sqlite3");
    let file = rows(dir.path(), 4);
    let a = import(&server.server, &ledger, &file).spawn();
    Store::File(ledger.clone()).wait_for_claims(4);
    server.wait_for_429s(4);
    // Another run takes the claims over (a new version of each, under its run id) while A waits
    // out the 429s; then the throttle lifts.
    assert_eq!(take_over(&ledger, "1 = 1"), 4);
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

/// kill -9 after 20 of 300 rows on a slow server (each create takes 100 ms), while each of the 4
/// workers has a request at the server (held there until the kill, so none is between its claim
/// and its request), and the same command again at once: the killed run's rows are found among
/// the newest leads (first, or in the first batch while the re-run sends), nothing is unknown,
/// every lead exists once, and a third run says nothing of another run.
fn killed_at_20_of_300_and_run_again(store: &Store) {
    use crate::import::results;
    let server = Window::start(Duration::from_millis(100), 0, BTreeMap::new());
    let dir = tempfile::tempdir().unwrap();
    let file = rows(dir.path(), 300);
    let run = || import(&server.server, store.spec(), &file);
    let running = run().spawn();
    let deadline = Instant::now() + Duration::from_secs(60);
    while server.progress().0 < 20 {
        assert!(Instant::now() < deadline, "20 leads never came");
        std::thread::sleep(Duration::from_millis(2));
    }
    server.hold(true);
    while server.progress().1 < 4 {
        assert!(Instant::now() < deadline, "4 requests never came");
        std::thread::sleep(Duration::from_millis(2));
    }
    running.signal("-KILL");
    running.wait(Duration::from_secs(20)).code(128 + 9);
    // The killed run's last 4 requests are processed after it died.
    server.hold(false);
    let again = run().run();
    let r = results(&again);
    assert_eq!(r.len(), 300, "{}", again.stderr);
    let unknown: Vec<&serde_json::Value> = r.iter().filter(|x| x["outcome"] == "unknown").collect();
    assert!(unknown.is_empty(), "{unknown:?}\n{}", again.stderr);
    again.code(0);
    assert!(
        r.iter()
            .all(|x| ["created", "skipped"].contains(&x["outcome"].as_str().unwrap())),
        "{}",
        again.stderr
    );
    assert!(
        !again.stderr.contains("another leadctl run"),
        "a dead run is not another run:\n{}",
        again.stderr
    );
    let on_server = server.business_ids();
    assert_eq!(on_server.len(), 300, "every lead exists");
    assert!(on_server.values().all(|&n| n == 1), "once: {on_server:?}");
    let third = run().run();
    third.code(0).stderr_has("300 skipped");
    assert!(
        !third.stderr.contains("another leadctl run"),
        "{}",
        third.stderr
    );
}

#[test]
fn after_kill_9_the_next_run_settles_the_killed_runs_rows_first_and_creates_the_rest_once() {
    let dir = tempfile::tempdir().unwrap();
    killed_at_20_of_300_and_run_again(&Store::File(dir.path().join("ledger.sqlite3")));
}

#[test]
fn on_postgres_after_kill_9_the_next_run_leaves_nothing_unknown() {
    if let Some(store) = Store::pg("on_postgres_after_kill_9_the_next_run_leaves_nothing_unknown") {
        killed_at_20_of_300_and_run_again(&store);
    }
}

/// Makes every key of the ledger look `secs` older: its claim's time (`sent_at`).
fn age_all(ledger: &Path, secs: i64) {
    let c = rusqlite::Connection::open(ledger).unwrap();
    c.busy_timeout(Duration::from_secs(5)).unwrap();
    c.execute("UPDATE leads SET sent_at = sent_at - ?1", [secs])
        .unwrap();
}

/// A server whose clock is 3 minutes ahead: a row its first run left unknown (the connection
/// closed before the server made anything), 200 s later, in a channel whose newest 100 leads
/// were made before it was sent (on the server's clock, told by its `Date`): proven never
/// created, sent again, once.
#[test]
fn a_claim_older_than_the_window_is_proven_never_created_on_a_server_3_minutes_ahead() {
    let faults = BTreeMap::from([("B-1".to_string(), Fault::Before)]);
    let server = Window::start(Duration::ZERO, 180, faults);
    server.seed(100, 300);
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.sqlite3");
    let file = rows(dir.path(), 1);
    let first = import(&server.server, &ledger, &file)
        .arg("--new-ledger")
        .run();
    first.code(8);
    assert_eq!(in_state(&ledger, "unknown"), 1);
    server.heal();
    // Too recent yet: the platform may still be processing it.
    let young = import(&server.server, &ledger, &file).run();
    young.code(8).stderr_has(
        "of 1 key(s) an earlier run left without an answer, 1 not settled yet (unknown: too \
         recent to prove absent, or ambiguous)",
    );
    assert_eq!(server.business_ids().get("B-1"), None);
    age_all(&ledger, 200);
    let again = import(&server.server, &ledger, &file).run();
    again.code(0).stderr_has(
        "of 1 key(s) an earlier run left without an answer, 1 proven never created (sent again \
         through a new claim)",
    );
    let r = crate::import::results(&again);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0]["outcome"], "created", "{}", again.stderr);
    assert_eq!(server.business_ids().get("B-1"), Some(&1));
}

/// A server whose clock is 3 minutes behind: the row's lead was made (after leadctl gave up), then
/// 100 leads after it pushed it out of the window. On the server's clock those look older than
/// the claim; measured, they are not: the row stays unknown and is not sent again.
#[test]
fn a_server_3_minutes_behind_does_not_make_a_pushed_out_lead_look_never_created() {
    // Made a second after the request, which leadctl gave up on after 0.3 s.
    let server = Window::start(Duration::from_secs(1), -180, BTreeMap::new());
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.sqlite3");
    let file = rows(dir.path(), 1);
    import(&server.server, &ledger, &file)
        .args(["--timeout", "0.3"])
        .run()
        .code(8)
        .stderr_has("no answer within 0.3s");
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.progress().0 < 1 {
        assert!(Instant::now() < deadline, "the lead was never made");
        std::thread::sleep(Duration::from_millis(10));
    }
    age_all(&ledger, 200);
    server.age(200);
    // 100 leads made 100 s ago: after the claim.
    server.seed(100, 100);
    let again = import(&server.server, &ledger, &file).run();
    again.code(8);
    let r = crate::import::results(&again);
    assert_eq!(r[0]["outcome"], "unknown", "{}", again.stderr);
    assert_eq!(server.business_ids().get("B-1"), Some(&1), "not sent again");
    assert_eq!(in_state(&ledger, "unknown"), 1);
}

/// A long run on a faulty server: an answer lost early (the lead made) is looked for while the
/// run goes on, before 300 more leads push it out of the window: nothing is left unknown.
#[test]
fn an_answer_lost_early_in_a_long_run_is_found_while_the_run_goes_on() {
    let faults = BTreeMap::from([("B-5".to_string(), Fault::After)]);
    let server = Window::start(Duration::from_millis(10), 0, faults);
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.sqlite3");
    let file = rows(dir.path(), 320);
    let out = import(&server.server, &ledger, &file)
        .env("LEADCTL_RETRY_BASE_MS", "1")
        .run();
    out.code(0).stderr_has(
        "settled during the run: 1 row(s) without a reliable answer found among their \
         channel's newest leads, 0 proven never created",
    );
    let r = crate::import::results(&out);
    assert_eq!(r.len(), 320);
    assert!(
        r.iter().all(|x| x["outcome"] == "created"),
        "{}",
        out.stderr
    );
    let ids = server.business_ids();
    assert_eq!(ids.len(), 320);
    assert!(ids.values().all(|&n| n == 1));
    assert_eq!(in_state(&ledger, "created"), 320);
}

#[test]
fn a_killed_runs_claims_are_listed_as_unknown_and_adopting_their_leads_settles_them() {
    let server = Throttling::start(4);
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.sqlite3");
    let file = rows(dir.path(), 4);
    let a = import(&server.server, &ledger, &file).spawn();
    Store::File(ledger.clone()).wait_for_claims(4);
    // Killed once its requests have left: a claim never sent is another case (sync.rs).
    server.wait_for_429s(4);
    a.signal("-KILL");
    a.wait(Duration::from_secs(20)).code(128 + 9);
    let ledger_cmd = |args: &[&str]| {
        Leadctl::against(&server.server.url())
            .env("LEADCTL_LEDGER", &ledger)
            .env("LEADCTL_CHANNEL", CHANNEL)
            .args(args)
            .run()
    };
    // What a run would report unknown: the dead run's claims.
    let listed = ledger_cmd(&["ledger", "list", "--state", "unknown", "-o", "csv"]);
    listed.code(0);
    let lines: Vec<&str> = listed.stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{}", listed.stdout);
    for i in 1..=4 {
        assert!(
            lines
                .iter()
                .any(|l| l.contains(&format!(",business_id:B-{i},sending,"))),
            "B-{i} listed:\n{}",
            listed.stdout
        );
    }
    // The user finds the 4 leads in the app and adopts them: settled, not "already known".
    let adopt = dir.path().join("found.csv");
    let mut text = String::from("id,Email,First Name,Business ID\n");
    for i in 1..=4 {
        text.push_str(&format!(
            "00000000-0000-4000-8000-{i:012},user{i}@example.com,User {i},B-{i}\n"
        ));
    }
    std::fs::write(&adopt, text).unwrap();
    ledger_cmd(&["ledger", "adopt", adopt.to_str().unwrap()])
        .code(0)
        .stderr_has("adopted 0 leads")
        .stderr_has(
            "(0 already known, 4 an earlier run left without an answer settled as created)",
        );
    ledger_cmd(&["ledger", "list", "--state", "unknown"])
        .code(0)
        .stdout_has("no keys match");
    assert_eq!(in_state(&ledger, "created"), 4);
    // The next import skips them all and sends nothing.
    server.throttled.store(false, Ordering::SeqCst);
    import(&server.server, &ledger, &file)
        .run()
        .code(0)
        .stderr_has("0 created, 4 skipped");
    assert!(server.created().is_empty());
}

#[test]
fn ledger_status_counts_leads_moves_and_purchases_apart() {
    use crate::import::{leadctl, sandbox};
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.csv");
    let mut text = String::from("Email,First Name,Business ID,Status\n");
    for i in 1..=3 {
        text.push_str(&format!(
            "user{i}@example.com,User {i},B-{i},Proposal sent\n"
        ));
    }
    std::fs::write(&file, text).unwrap();
    leadctl(&sb).arg("import").arg(&file).run().code(0);
    let status = leadctl(&sb).args(["ledger", "status", "-o", "json"]).run();
    status.code(0);
    let v = status.json();
    assert_eq!(v.as_array().unwrap().len(), 1, "{v}");
    let zero = json!({"sending": 0, "created": 0, "failed": 0, "unknown": 0});
    let three = json!({"sending": 0, "created": 3, "failed": 0, "unknown": 0});
    assert_eq!(v[0]["created"], 3, "3 leads, not 6: {v}");
    assert_eq!(v[0]["leads"], three);
    assert_eq!(v[0]["moves"], three);
    assert_eq!(v[0]["purchases"], zero);
    let table = leadctl(&sb).args(["ledger", "status", "-o", "csv"]).run();
    table.code(0);
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "api_url,channel,leads,moves,purchases,unknown,sending,failed"
    );
    assert!(lines[1].ends_with(",3,3,0,0,0,0"), "{}", lines[1]);
}

/// Run A is stopped (SIGSTOP) past the heartbeat timeout with requests in flight; run B imports
/// the same file meanwhile; A is continued. No lead is created twice, every row exists.
fn stopped_across_the_heartbeat_timeout(store: &Store) {
    use crate::import::{assert_no_duplicates, business_ids, created, leadctl, sandbox};
    let sb = sandbox(|o| o.latency = Duration::from_millis(150));
    let dir = tempfile::tempdir().unwrap();
    let file = rows(dir.path(), 40);
    let args = [
        "import",
        file.to_str().unwrap(),
        "--concurrency",
        "4",
        "--timeout",
        "5",
        "-o",
        "ndjson",
    ];
    let run = || leadctl(&sb).env("LEADCTL_LEDGER", store.spec()).args(args);
    let a = run().spawn();
    let deadline = Instant::now() + Duration::from_secs(60);
    while created(&sb) < 8 {
        assert!(Instant::now() < deadline, "8 leads never came");
        std::thread::sleep(Duration::from_millis(5));
    }
    a.signal("-STOP");
    // Longer than the heartbeat timeout (20 s).
    std::thread::sleep(Duration::from_secs(22));
    // A run stopped in the middle of a commit holds its locks: the other run then stops after
    // the stated wait (15 s here) rather than sending without its claims: on a file exit 3,
    // "database is locked"; on PostgreSQL exit 7, the ledger not answering (a lock timeout).
    let b = run().env("LEADCTL_LEDGER_LOCK_WAIT", "15").run();
    let locked = (b.code == 3 && b.stderr.contains("database is locked"))
        || (b.code == 7
            && (b.stderr.contains("has not answered") || b.stderr.contains("lock timeout")));
    assert!(b.code == 0 || b.code == 8 || locked, "{}", b.stderr);
    a.signal("-CONT");
    let a = a.wait(Duration::from_secs(60));
    assert!(a.code == 0 || a.code == 8, "{}", a.stderr);
    assert_no_duplicates(&sb);
    let on_server = business_ids(&sb);
    assert!(on_server.values().all(|&n| n == 1));
    // Every row exists, or a run said it is unknown: a request A had claimed and not yet sent
    // when it was stopped meets its timeout the moment A goes on (5 s passed while it was
    // stopped), so the server may never have received it, and A cannot know that. Such a row
    // is the honest `unknown` (settled by time later), never `created`.
    let said = |out: &str, outcome: &str| -> Vec<u64> {
        out.lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v["outcome"] == outcome)
            .filter_map(|v| v["row"].as_u64())
            .collect()
    };
    let unknown: Vec<u64> = [&a.stdout, &b.stdout]
        .iter()
        .flat_map(|out| said(out, "unknown"))
        .collect();
    let created_said: Vec<u64> = [&a.stdout, &b.stdout]
        .iter()
        .flat_map(|out| said(out, "created"))
        .collect();
    let missing: Vec<u64> = (1..=40)
        .filter(|i| !on_server.contains_key(&format!("B-{i}")))
        .collect();
    for row in &missing {
        assert!(
            unknown.contains(row) && !created_said.contains(row),
            "row {row} neither exists nor was said unknown ({missing:?} missing): \
             {on_server:?}\nA:\n{}\n{}\nB:\n{}\n{}",
            a.stderr,
            a.stdout,
            b.stderr,
            b.stdout
        );
    }
    assert!(missing.len() <= 4, "at most A's 4 in flight: {missing:?}");
    // B never took A's claims for a dead run's: it waited, or left them to A.
    assert!(
        !b.stderr.contains("ended before its answer"),
        "a stopped run taken for dead:\n{}",
        b.stderr
    );
}

#[test]
fn a_run_stopped_across_the_heartbeat_timeout_creates_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    stopped_across_the_heartbeat_timeout(&Store::File(dir.path().join("ledger.sqlite3")));
}

#[test]
fn on_postgres_a_run_stopped_across_the_heartbeat_timeout_creates_nothing_twice() {
    let Some(store) = Store::pg("settle_sigstop") else {
        return;
    };
    stopped_across_the_heartbeat_timeout(&store);
}

/// A key left unknown whose lead the server made after leadctl gave up on it (0.3 s into a 1 s
/// service time), by a run with the channel in a column (no default channel).
fn unknown_whose_lead_exists(dir: &Path) -> (Window, PathBuf, PathBuf) {
    let server = Window::start(Duration::from_secs(1), 0, BTreeMap::new());
    let ledger = dir.join("ledger.sqlite3");
    let file = dir.join("by_channel.csv");
    std::fs::write(
        &file,
        format!("Email,First Name,Business ID,Channel\nuser1@example.com,User 1,B-1,{CHANNEL}\n"),
    )
    .unwrap();
    Leadctl::against(&server.server.url())
        .env("LEADCTL_LEDGER", &ledger)
        .args([
            "import",
            file.to_str().unwrap(),
            "-o",
            "ndjson",
            "--timeout",
            "0.3",
        ])
        .run()
        .code(8)
        .stderr_has("no answer within 0.3s");
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.progress().0 < 1 {
        assert!(Instant::now() < deadline, "the lead was never made");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(in_state(&ledger, "unknown"), 1);
    (server, ledger, file)
}

const FOUND_FIRST: &str = "leadctl: channel a1b2c3d4-e5f6-7890-abcd-ef1234567890: of 1 key(s) \
                           an earlier run left without an answer, 1 found among the channel's \
                           newest leads (count as created)";

#[test]
fn a_channel_named_by_a_column_is_settled_first_too() {
    let dir = tempfile::tempdir().unwrap();
    let (server, ledger, file) = unknown_whose_lead_exists(dir.path());
    let again = Leadctl::against(&server.server.url())
        .env("LEADCTL_LEDGER", &ledger)
        .args(["import", file.to_str().unwrap(), "-o", "ndjson"])
        .run();
    again.code(0).stderr_has(FOUND_FIRST);
    let r = crate::import::results(&again);
    assert_eq!(r[0]["outcome"], "skipped", "{}", again.stderr);
    assert_eq!(server.business_ids().get("B-1"), Some(&1));
    assert_eq!(in_state(&ledger, "created"), 1);
}

#[test]
fn create_settles_the_channels_unknown_keys_first() {
    let dir = tempfile::tempdir().unwrap();
    let (server, ledger, _) = unknown_whose_lead_exists(dir.path());
    let create = |extra: &[&str]| {
        Leadctl::against(&server.server.url())
            .env("LEADCTL_LEDGER", &ledger)
            .args([
                "create",
                "--channel",
                CHANNEL,
                "--email",
                "user1@example.com",
            ])
            .args(["--first-name", "User 1", "--business-id", "B-1", "-o", "id"])
            .args(extra)
            .run()
    };
    // The dry run says what settling would find, plans nothing to create, and records nothing.
    let plan = create(&["--dry-run"]);
    plan.code(0)
        .stderr_has(&FOUND_FIRST.replace("(count as created)", "(would count as created)"))
        .stderr_has("leadctl: dry run: 0 leads would be created, 1 skipped as already created");
    assert_eq!(in_state(&ledger, "unknown"), 1, "a dry run records nothing");
    let out = create(&[]);
    out.code(0).stderr_has(FOUND_FIRST);
    assert_eq!(out.stdout, "00000000-0000-4000-8000-000000000001\n");
    assert_eq!(
        server.business_ids().get("B-1"),
        Some(&1),
        "not created again"
    );
}

/// leadctl's PostgreSQL session commits synchronously even where the database's default says
/// `off` (a crash of the server then loses no committed claim or outcome): a trigger on its
/// table notes the setting of the session that writes each entry.
#[test]
fn on_postgres_leadctl_commits_synchronously_whatever_the_servers_default() {
    let Some(store) =
        Store::pg("on_postgres_leadctl_commits_synchronously_whatever_the_servers_default")
    else {
        return;
    };
    let Store::Pg(pg, url) = &store else {
        unreachable!()
    };
    let schema = Store::schema(url);
    let database = pg.sql("SELECT current_database()");
    pg.sql(&format!(
        "ALTER DATABASE \"{}\" SET synchronous_commit = off",
        database.trim()
    ));
    // A new session has the database's default.
    assert_eq!(pg.sql("SHOW synchronous_commit").trim(), "off");
    let server = Window::start(Duration::ZERO, 0, BTreeMap::new());
    let dir = tempfile::tempdir().unwrap();
    let file = rows(dir.path(), 1);
    // The tables first (a run that writes nothing).
    Leadctl::new()
        .env("LEADCTL_LEDGER", store.spec())
        .args(["ledger", "status"])
        .run()
        .code(0);
    pg.sql(&format!(
        "CREATE TABLE {schema}.seen (setting text);
         CREATE FUNCTION {schema}.note() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN INSERT INTO {schema}.seen VALUES (current_setting('synchronous_commit'));
           RETURN NEW; END $$;
         CREATE TRIGGER note AFTER INSERT OR UPDATE ON {schema}.leads
           FOR EACH ROW EXECUTE FUNCTION {schema}.note();"
    ));
    let out = import(&server.server, store.spec(), &file).run();
    pg.sql(&format!(
        "ALTER DATABASE \"{}\" RESET synchronous_commit",
        database.trim()
    ));
    out.code(0);
    let seen = pg.sql(&format!(
        "SELECT string_agg(DISTINCT setting, ',') || ' ' || count(*) FROM {schema}.seen"
    ));
    // The claim and the outcome, each written with synchronous_commit on.
    assert_eq!(seen.trim(), "on 2");
}

/// (what this run sent, [(other run, rows it took)]) from a summary's shared-ledger line.
fn shared_line(stderr: &str) -> (u64, Vec<(String, u64)>) {
    let line = stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("shared ledger: this run sent "))
        .unwrap_or_else(|| panic!("no shared-ledger line:\n{stderr}"));
    let (sent, rest) = line.split_once("; ").expect("sent; others");
    let others = rest
        .split(", ")
        .map(|part| {
            let part = part.split(" (").next().unwrap();
            let (run, n) = part
                .strip_prefix("run ")
                .and_then(|p| p.split_once(" took "))
                .unwrap_or_else(|| panic!("not `run X took N`: {part}"));
            (run.to_string(), n.parse().unwrap())
        })
        .collect();
    (sent.parse().unwrap(), others)
}

/// Two runs on one file and one ledger at once: each says how many rows the other took, and
/// its own count plus the other's is the file.
#[test]
fn two_runs_sharing_a_file_say_how_many_rows_the_other_took_and_the_counts_add_up() {
    let server = Window::start(Duration::from_millis(20), 0, BTreeMap::new());
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.sqlite3");
    let file = rows(dir.path(), 200);
    let runs: Vec<_> = (0..2)
        .map(|_| import(&server.server, &ledger, &file).spawn())
        .collect();
    let outs: Vec<_> = runs
        .into_iter()
        .map(|r| r.wait(Duration::from_secs(120)))
        .collect();
    let mut lines = Vec::new();
    for out in &outs {
        out.code(0);
        lines.push(shared_line(&out.stderr));
    }
    let ((sent_a, others_a), (sent_b, others_b)) = (&lines[0], &lines[1]);
    assert_eq!(others_a.len(), 1, "{others_a:?}");
    assert_eq!(others_b.len(), 1, "{others_b:?}");
    assert_ne!(others_a[0].0, others_b[0].0, "each names the other");
    assert_eq!(sent_a + others_a[0].1, 200, "{}", outs[0].stderr);
    assert_eq!(sent_b + others_b[0].1, 200, "{}", outs[1].stderr);
    assert_eq!(*sent_a, others_b[0].1);
    assert_eq!(*sent_b, others_a[0].1);
    let ids = server.business_ids();
    assert_eq!(ids.len(), 200);
    assert!(ids.values().all(|&n| n == 1));
}

/// A purchase's claim taken over by another run while its owner waits out a 429 storm is never
/// sent by the owner (the fence before each retry covers every write, not only lead creates).
#[test]
fn an_owner_never_records_a_purchase_whose_claim_another_run_took_over() {
    const LEAD: &str = "00000000-0000-4000-8000-000000000001";
    let throttled = Arc::new(AtomicBool::new(true));
    let recorded = Arc::new(Mutex::new(0u32));
    // The purchases (by amount) that met a 429.
    let limited = Arc::new(Mutex::new(BTreeSet::new()));
    let (t, r, l) = (throttled.clone(), recorded.clone(), limited.clone());
    let server = ScriptedServer::importing(move |req: &Recorded, _| match req.action().as_str() {
        "get_channels" => Reply::json(200, crate::support::api::channels_response()),
        "get_lead_by_id" => Reply::json(
            200,
            json!({"lead": {"id": LEAD, "email": "buyer@example.com", "channels_id": CHANNEL}}),
        ),
        "create_purchase" if t.load(Ordering::SeqCst) => {
            l.lock()
                .unwrap()
                .insert(req.json()["purchase_amount"].to_string());
            Reply::error(429, "Too many requests").header("Retry-After", RETRY_AFTER)
        }
        "create_purchase" => {
            let mut n = r.lock().unwrap();
            *n += 1;
            Reply::json(
                200,
                json!({"purchase": {"id": format!("P-{n}"), "leads_id": LEAD,
                                    "purchase_amount": req.json()["purchase_amount"]}}),
            )
        }
        _ => Reply::error(400, "unexpected"),
    });
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.sqlite3");
    let mut text = String::from("lead_id,order id,amount\n");
    for i in 1..=4 {
        text.push_str(&format!("{LEAD},O-{i},1{i}.00\n"));
    }
    let file = dir.path().join("orders.csv");
    std::fs::write(&file, text).unwrap();
    let a = Leadctl::against(&server.url())
        .env("LEADCTL_LEDGER", &ledger)
        .args([
            "purchases",
            "import",
            file.to_str().unwrap(),
            "-o",
            "ndjson",
        ])
        .args(["--concurrency", "4"])
        .spawn();
    // Taken over while A waits out the 429s: once each of the 4 was sent and met one, not
    // merely claimed (the fence is asked before each retry, not between a claim and its first
    // request: a loaded machine may send a claim's first request after the takeover).
    let deadline = Instant::now() + Duration::from_secs(30);
    while limited.lock().unwrap().len() < 4 {
        assert!(Instant::now() < deadline, "the 4 purchases never met a 429");
        std::thread::sleep(Duration::from_millis(5));
    }
    Store::File(ledger.clone()).wait_for_claims(4);
    assert_eq!(take_over(&ledger, "1 = 1"), 4);
    throttled.store(false, Ordering::SeqCst);
    let a = a.wait(Duration::from_secs(60));
    assert_eq!(
        *recorded.lock().unwrap(),
        0,
        "A sent claims it had lost:\n{}",
        a.stderr
    );
    a.code(8).stderr_has("4 unknown");
    assert_eq!(
        in_state(&ledger, "sending"),
        4,
        "the other run's claims stand"
    );
}

/// A status move's claim taken over by another run while its owner waits out a 429 storm is
/// never sent by the owner (the fence before each retry, as for lead creates).
#[test]
fn an_owner_never_sends_a_status_move_whose_claim_another_run_took_over() {
    a_run_never_sends_a_move_it_lost(|server, ledger, file| import(server, ledger, file).spawn());
}

/// The same for `apply` of a plan whose rows create leads and move them.
#[test]
fn apply_never_sends_a_status_move_whose_claim_another_run_took_over() {
    a_run_never_sends_a_move_it_lost(|server, ledger, file| {
        let plan = file.with_extension("plan.json");
        import(server, ledger, file)
            .args(["--dry-run", "--plan-out", plan.to_str().unwrap()])
            .run()
            .code(0);
        Leadctl::against(&server.url())
            .env("LEADCTL_LEDGER", ledger)
            .args(["apply", plan.to_str().unwrap(), "--concurrency", "4"])
            .spawn()
    });
}

/// Run A (`start`) creates 4 leads and claims their moves, which meet 429s; another run takes
/// the 4 claims over; the throttle lifts: A sends none of them.
fn a_run_never_sends_a_move_it_lost(
    start: impl FnOnce(&ScriptedServer, &Path, &Path) -> crate::support::Running,
) {
    const NEW: &str = "d1e2f3a4-b5c6-4d7e-8f9a-0b1c2d3e4f5a";
    const QUALIFIED: &str = "d1e2f3a4-b5c6-4d7e-8f9a-0b1c2d3e4f5b";
    let throttled = Arc::new(AtomicBool::new(true));
    let moved = Arc::new(Mutex::new(0u32));
    // The moves (by request body) that met a 429.
    let limited = Arc::new(Mutex::new(BTreeSet::new()));
    let (t, m, l) = (throttled.clone(), moved.clone(), limited.clone());
    let server = ScriptedServer::importing(move |req: &Recorded, _| {
        let body = req.json();
        let lead = |status: &str, id: &str| {
            let bid = body["business_id"].as_str().unwrap_or("B-0").to_string();
            let n: u64 = bid.trim_start_matches("B-").parse().unwrap_or(0);
            json!({"lead": {
                "id": format!("00000000-0000-4000-8000-{n:012}"),
                "created_at": "2026-04-21T10:00:00Z", "email": body["email"],
                "business_id": bid, "channels_id": CHANNEL,
                "status": status, "lead_status_id": id,
            }})
        };
        match req.action().as_str() {
            "get_channels" => {
                let mut channels = crate::support::api::channels_response();
                channels["channels"][0]["lead_status"] = json!([
                    {"id": NEW, "status": "New lead", "order": 1, "visible": true},
                    {"id": QUALIFIED, "status": "Qualified", "order": 2, "visible": true},
                ]);
                Reply::json(200, channels)
            }
            "create_lead" => Reply::json(200, lead("New lead", NEW)),
            "update_status" | "update_status_id" if t.load(Ordering::SeqCst) => {
                l.lock().unwrap().insert(body.to_string());
                Reply::error(429, "Too many requests").header("Retry-After", RETRY_AFTER)
            }
            "update_status" | "update_status_id" => {
                *m.lock().unwrap() += 1;
                Reply::json(200, lead("Qualified", QUALIFIED))
            }
            _ => Reply::error(400, "unexpected"),
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.sqlite3");
    let mut text = String::from("Email,First Name,Business ID,Status\n");
    for i in 1..=4 {
        text.push_str(&format!("user{i}@example.com,User {i},B-{i},Qualified\n"));
    }
    let file = dir.path().join("moves.csv");
    std::fs::write(&file, text).unwrap();
    let a = start(&server, &ledger, &file);
    // The 4 leads created, their 4 moves claimed and waiting out the 429s: each sent and met one
    // (a claim's first request is not fenced: a loaded machine may send it after the takeover).
    let deadline = Instant::now() + Duration::from_secs(30);
    while limited.lock().unwrap().len() < 4 {
        assert!(Instant::now() < deadline, "the 4 moves never met a 429");
        std::thread::sleep(Duration::from_millis(5));
    }
    let c = loop {
        if ledger.exists() {
            let c = rusqlite::Connection::open(&ledger).unwrap();
            c.busy_timeout(Duration::from_secs(5)).unwrap();
            let claimed: i64 = c
                .query_row(
                    "SELECT count(*) FROM leads WHERE state = 'sending' AND key LIKE 'status:%'",
                    [],
                    |r| r.get(0),
                )
                .unwrap_or(0);
            if claimed == 4 {
                break c;
            }
        }
        assert!(Instant::now() < deadline, "4 moves never claimed");
        std::thread::sleep(Duration::from_millis(20));
    };
    drop(c);
    assert_eq!(take_over(&ledger, "key LIKE 'status:%'"), 4);
    throttled.store(false, Ordering::SeqCst);
    let a = a.wait(Duration::from_secs(60));
    assert_eq!(
        *moved.lock().unwrap(),
        0,
        "A sent moves it had lost:\n{}",
        a.stderr
    );
    a.code(8);
    assert_eq!(in_state(&ledger, "created"), 4, "the leads were created");
    assert_eq!(
        in_state(&ledger, "sending"),
        4,
        "the other run's claims stand"
    );
}

/// A status move whose answer was lost (the server moved the lead; leadctl never heard) is
/// `unknown`; the next ordinary run reads the lead: moved elsewhere since, it stays unknown and
/// nothing is sent (the move may have landed and the app moved it on); at the row's status, the
/// move landed: recorded, `skipped`, exit 0, and nothing is sent either.
#[test]
fn a_move_whose_answer_was_lost_is_settled_by_the_leads_status() {
    use crate::import::{leadctl, leads, results, rows_with, sandbox};
    let sb = sandbox(|_| {});
    let lost = Arc::new(AtomicBool::new(true));
    let drop_first = lost.clone();
    let reads_fail = Arc::new(AtomicBool::new(false));
    let fail = reads_fail.clone();
    let hop = ScriptedServer::forwarding_then(sb.addr(), move |req, _, reply| {
        if req.action() == "update_status" && drop_first.swap(false, Ordering::SeqCst) {
            Reply::Drop
        } else if req.action() == "get_lead_by_id" && fail.load(Ordering::SeqCst) {
            Reply::error(500, "Internal error")
        } else {
            reply
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.csv");
    std::fs::write(
        &file,
        "Email,Business ID,Status\na@example.com,B-1,Qualified\n",
    )
    .unwrap();
    let run_with = |extra: &[&str]| {
        let before = hop.requests().len();
        let out = leadctl(&sb)
            .env("LEADCTL_API_URL", hop.url())
            .args(["import", file.to_str().unwrap(), "-o", "ndjson"])
            .args(extra)
            .run();
        let moves = hop.requests()[before..]
            .iter()
            .filter(|q| q.action().starts_with("update_status"))
            .count();
        (out, moves)
    };
    let run = || run_with(&[]);
    let moves_unknown = || {
        let status = leadctl(&sb).args(["ledger", "status", "-o", "json"]).run();
        status.code(0);
        status.json()[0]["moves"]["unknown"].as_u64().unwrap()
    };
    let (first, moves) = run();
    first.code(8);
    assert_eq!(moves, 1, "{}", first.stderr);
    assert!(!lost.load(Ordering::SeqCst), "the answer was dropped");
    assert_eq!(
        rows_with(&results(&first), "unknown").len(),
        1,
        "{}",
        first.stdout
    );
    let lead = leads(&sb)
        .into_iter()
        .find(|l| l["business_id"] == "B-1")
        .expect("the lead");
    let id = lead["id"].as_str().unwrap().to_string();
    let app_moves = |status: &str| {
        let r = crate::support::raw_http::post_json(
            sb.addr(),
            Some(leadctl::sandbox::API_KEY),
            &json!({"action": "update_status", "lead_id": id, "status": status}),
        )
        .unwrap();
        assert_eq!(r.status, 200, "{}", r.text());
    };
    // Moved on by the app since: still unknown, nothing sent.
    app_moves("Proposal sent");
    let (second, moves) = run();
    second.code(8);
    assert_eq!(moves, 0, "{}", second.stderr);
    let r = results(&second);
    assert_eq!(rows_with(&r, "unknown").len(), 1, "{}", second.stdout);
    assert!(
        r[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("an earlier move to \"Qualified\" got no reliable answer"),
        "{}",
        second.stdout
    );
    // At the row's status, but its status cannot be read: still unknown, and the note says why.
    app_moves("Qualified");
    reads_fail.store(true, Ordering::SeqCst);
    let (unread, moves) = run();
    reads_fail.store(false, Ordering::SeqCst);
    unread.code(8);
    assert_eq!(moves, 0, "{}", unread.stderr);
    let r = results(&unread);
    assert_eq!(rows_with(&r, "unknown").len(), 1, "{}", unread.stdout);
    assert!(
        r[0]["message"]
            .as_str()
            .unwrap()
            .contains("; its status could not be read to settle it: "),
        "{}",
        unread.stdout
    );
    // The dry run reads the same and plans the row skipped, recording nothing.
    let (dry, moves) = run_with(&["--dry-run"]);
    dry.code(0);
    assert_eq!(moves, 0, "{}", dry.stderr);
    assert_eq!(
        rows_with(&results(&dry), "skipped").len(),
        1,
        "{}",
        dry.stdout
    );
    assert_eq!(moves_unknown(), 1, "a dry run records nothing");
    // The real run: the move landed. Settled, and the next run has nothing to do.
    let (third, moves) = run();
    third.code(0);
    assert_eq!(moves, 0, "{}", third.stderr);
    let r = results(&third);
    assert_eq!(rows_with(&r, "skipped").len(), 1, "{}", third.stdout);
    assert!(
        r[0]["message"].as_str().unwrap().starts_with(
            "at status \"Qualified\": an earlier move's answer was lost, and the lead is there"
        ),
        "{}",
        third.stdout
    );
    let status = leadctl(&sb).args(["ledger", "status", "-o", "json"]).run();
    status.code(0);
    let v = status.json();
    assert_eq!(
        v[0]["moves"],
        json!({"sending": 0, "created": 1, "failed": 0, "unknown": 0}),
        "{v}"
    );
    let (fourth, moves) = run();
    fourth.code(0);
    assert_eq!(moves, 0, "{}", fourth.stderr);
}

/// Ctrl-C while a run waits for the answers of another live run sharing the ledger stops the
/// wait: the run ends at once (exit 130), its rows the other run holds unknown, nothing sent by
/// it and the server not asked; the other run goes on and creates each lead once.
#[test]
fn ctrl_c_stops_the_wait_for_another_runs_answers() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::File(dir.path().join("ledger.sqlite3"));
    let server = Throttling::start(4);
    let ledger = store.spec();
    let file = rows(dir.path(), 4);
    let a = import(&server.server, &ledger, &file).spawn();
    store.wait_for_claims(4);
    let b = import(&server.server, &ledger, &file)
        .args(["--timeout", "60"])
        .spawn();
    let waiting = "leadctl: waiting for 4 row(s) another leadctl run sharing the ledger is \
                   sending (up to 60 s after its last answer)\n";
    let deadline = Instant::now() + Duration::from_secs(60);
    while !b.stderr_so_far().contains(waiting) {
        assert!(
            Instant::now() < deadline,
            "B never waited:\n{}",
            b.stderr_so_far()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let asked = Instant::now();
    b.signal("-INT");
    let b = b.wait(Duration::from_secs(30));
    assert!(
        asked.elapsed() < Duration::from_secs(20),
        "the wait went on"
    );
    b.code(130)
        .stderr_has(
            "leadctl: stopping: no new rows are sent; requests in flight finish (Ctrl-C again \
             to quit at once)\n",
        )
        .stderr_has("leadctl: import interrupted in ")
        .stderr_has("s): 0 created, 4 unknown\n")
        .stderr_has("  shared ledger: this run sent 0; run ")
        .stderr_has(" took 4 (4 still without an answer when this run ended: unknown here)\n")
        .stderr_has("leadctl: error: interrupted: 0 created, 4 unknown\n");
    // The server is not asked after Ctrl-C (it said it could not read the channel's leads).
    assert!(
        !b.stderr.contains("newest leads") && !b.stderr.contains("could not read"),
        "{}",
        b.stderr
    );
    let rows: Vec<serde_json::Value> = b
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 4, "{}", b.stdout);
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r["row"], i + 1);
        assert_eq!(r["outcome"], "unknown", "{r}");
    }
    server.throttled.store(false, Ordering::SeqCst);
    let a = a.wait(Duration::from_secs(60));
    a.code(0).stderr_has("4 created");
    assert_eq!(
        server.created(),
        (1..=4)
            .map(|i| (format!("B-{i}"), 1))
            .collect::<BTreeMap<_, _>>(),
        "each lead created once, by A"
    );
}
