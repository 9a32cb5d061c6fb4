//! The ledger on PostgreSQL (issue 18), against a real server: the cluster
//! `scripts/pg-test.sh` starts (a schema of it per test), and private clusters for a restart or a
//! certificate of their own. The sandbox runs as `leadctl sandbox serve`, a separate process, so
//! that every leadctl process of a test talks to the same server; every test checks what that
//! server holds.

#![allow(clippy::print_stderr)]

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use leadctl::sandbox::{API_KEY, PRIMARY_CHANNEL_ID};
use serde_json::Value;

use crate::import::{results, rows_with, write_csv};
use crate::support::postgres::{self, Cluster};
use crate::support::serve::Server;
use crate::support::{Leadctl, Outcome, Running};

// ---- helpers --------------------------------------------------------------------------------

fn serve(latency_ms: u64) -> Server {
    Server::start(&["--latency-ms", &latency_ms.to_string(), "-q"])
}

fn api_url(s: &Server) -> String {
    format!("http://{}/functions/v1/keen-api", s.addr)
}

/// leadctl against `s`, with the ledger at `ledger`.
fn lc(s: &Server, ledger: &str) -> Leadctl {
    Leadctl::new()
        .env("LEADCTL_API_URL", api_url(s))
        .env("LEADCTL_API_KEY", API_KEY)
        .env("LEADCTL_CHANNEL", PRIMARY_CHANNEL_ID)
        .env("LEADCTL_LEDGER", ledger)
        .env("LEADCTL_RETRY_BASE_MS", "20")
}

fn import(s: &Server, ledger: &str, file: &Path, extra: &[&str]) -> Leadctl {
    lc(s, ledger)
        .args([
            "import",
            file.to_str().unwrap(),
            "-o",
            "ndjson",
            "--timeout",
            "5",
        ])
        .args(extra)
}

/// business id → how many leads of the primary channel have it.
fn business_ids(s: &Server) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for l in s.all_leads() {
        if l["channels_id"] != PRIMARY_CHANNEL_ID {
            continue;
        }
        if let Some(b) = l["business_id"].as_str() {
            *m.entry(b.to_string()).or_default() += 1;
        }
    }
    m
}

fn create_requests(s: &Server) -> u64 {
    s.stats()["requests"]["by_action"]["create_lead"]
        .as_u64()
        .unwrap_or(0)
}

/// Every business id B-1..B-n on the server exactly once, and each sent once.
fn assert_each_created_once(s: &Server, n: usize) {
    let ids = business_ids(s);
    let dups: Vec<_> = ids.iter().filter(|(_, c)| **c > 1).collect();
    assert!(dups.is_empty(), "duplicate leads: {dups:?}");
    assert_eq!(ids.len(), n, "every row created");
    assert_eq!(create_requests(s), n as u64, "each key sent once");
}

fn wait_until(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn wait_all(runs: Vec<Running>) -> Vec<Outcome> {
    runs.into_iter()
        .map(|r| r.wait(Duration::from_secs(120)))
        .collect()
}

fn count(out: &Outcome, outcome: &str) -> usize {
    rows_with(&results(out), outcome).len()
}

// ---- work shared by several machines --------------------------------------------------------

#[test]
fn two_processes_importing_the_same_file_split_the_rows_and_create_each_once() {
    let Some(pg) = postgres::shared("two_processes_split") else {
        return;
    };
    let ledger = pg.ledger();
    let s = serve(20);
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "leads.csv", 200);
    // The ledger's tables exist before the race (made once even if both made them: see below).
    let runs = (0..2)
        .map(|_| import(&s, &ledger, &file, &["--concurrency", "8"]).spawn())
        .collect();
    let outs = wait_all(runs);
    for out in &outs {
        out.code(0);
        assert_eq!(results(out).len(), 200, "{}", out.stderr);
        out.stderr_has("shared ledger: this run sent");
    }
    assert_each_created_once(&s, 200);
    let (a, b) = (count(&outs[0], "created"), count(&outs[1], "created"));
    assert_eq!(a + b, 200, "every row created by exactly one of them");
    assert!(a > 20 && b > 20, "the work was shared: {a} and {b}");
    // Per row: one of them created it, the other skipped it (it was the other's). Results come
    // in the order each run took its rows (a split run takes its own rows first).
    let by_row = |out| {
        let mut r = results(out);
        r.sort_by_key(|r| r["row"].as_u64());
        r
    };
    let (ra, rb) = (by_row(&outs[0]), by_row(&outs[1]));
    // Once they met, each took the rows of its own parity first: most of what each created is
    // of one parity, and not the same one.
    let parity = |r: &[Value]| {
        let created: Vec<u64> = r
            .iter()
            .filter(|x| x["outcome"] == "created")
            .map(|x| x["row"].as_u64().unwrap())
            .collect();
        let odd = created.iter().filter(|&&n| n % 2 == 1).count();
        (odd as f64 / created.len().max(1) as f64, created.len())
    };
    let ((odd_a, na), (odd_b, nb)) = (parity(&ra), parity(&rb));
    assert!(
        (odd_a - 0.5).abs() > 0.1
            && (odd_b - 0.5).abs() > 0.1
            && (odd_a - 0.5) * (odd_b - 0.5) < 0.0,
        "split by parity: {odd_a:.2} of {na} and {odd_b:.2} of {nb} created rows odd"
    );
    for (x, y) in ra.iter().zip(&rb) {
        let pair = [
            x["outcome"].as_str().unwrap(),
            y["outcome"].as_str().unwrap(),
        ];
        assert!(
            pair == ["created", "skipped"] || pair == ["skipped", "created"],
            "row {}: {pair:?}",
            x["row"]
        );
    }
    // Both runs say the same about the ledger: every key created.
    let status = lc(&s, &ledger)
        .args(["ledger", "status", "-o", "json"])
        .run();
    status.code(0);
    assert_eq!(status.json()[0]["created"], 200, "{}", status.stdout);
}

#[test]
fn a_shard_run_twice_at_once_and_the_other_shard_create_each_lead_once() {
    let Some(pg) = postgres::shared("shard_twice") else {
        return;
    };
    let ledger = pg.ledger();
    let s = serve(20);
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "leads.csv", 120);
    let runs = ["1/2", "1/2", "2/2"]
        .iter()
        .map(|shard| {
            import(
                &s,
                &ledger,
                &file,
                &["--shard", shard, "--concurrency", "6"],
            )
            .spawn()
        })
        .collect();
    let outs = wait_all(runs);
    for out in &outs {
        out.code(0);
    }
    assert_each_created_once(&s, 120);
    let first_shard = count(&outs[0], "created") + count(&outs[1], "created");
    assert_eq!(
        first_shard, 60,
        "shard 1/2 created once between its two runs"
    );
    assert_eq!(count(&outs[2], "created"), 60);
    // A re-run of everything (a re-run CI job on a fresh machine) sends nothing.
    let again = import(&s, &ledger, &file, &[]).run();
    again.code(0).stderr_has("0 created, 120 skipped");
    assert_eq!(create_requests(&s), 120);
}

#[test]
fn kill_9_of_one_process_leaves_its_claims_unknown_and_never_resent_by_the_other() {
    let Some(pg) = postgres::shared("kill_9_shared") else {
        return;
    };
    let ledger = pg.ledger();
    let s = serve(300);
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "leads.csv", 100);
    let a = import(&s, &ledger, &file, &["--concurrency", "16"]).spawn();
    wait_until(Duration::from_secs(60), "the first creates", || {
        create_requests(&s) >= 20
    });
    a.signal("-KILL");
    let killed = a.wait(Duration::from_secs(20));
    assert_eq!(killed.code, 128 + 9);
    // What the killed run claimed and had no answer for.
    let claimed = entries(&s, &ledger, &["--state", "sending"]);
    assert!(
        !claimed.is_empty(),
        "the kill landed with requests in flight"
    );
    let killed_run = claimed[0]["run"].clone();
    let b = import(&s, &ledger, &file, &["--concurrency", "16"]).run();
    assert!(b.code == 0 || b.code == 8, "{}", b.stderr);
    // The killed run is gone (its heartbeat names a process of this machine that exists no
    // more): its claims are not waited for as a live run's would be.
    assert!(
        !b.stderr
            .contains("another leadctl run sharing the ledger is sending"),
        "waited for a dead run: {}",
        b.stderr
    );
    // Each request created one lead and no lead is there twice: no key was sent twice.
    let ids = business_ids(&s);
    assert!(ids.values().all(|&n| n == 1), "duplicates: {ids:?}");
    assert_eq!(create_requests(&s), ids.len() as u64);
    // The killed run's claims are still its own: the other run never took one over (sending
    // it), it left them unknown or found their leads by reconciling.
    let after: BTreeMap<String, Value> = entries(&s, &ledger, &[])
        .into_iter()
        .map(|e| (e["key"].as_str().unwrap().to_string(), e))
        .collect();
    let by_row: BTreeMap<u64, Value> = results(&b)
        .into_iter()
        .map(|r| (r["row"].as_u64().unwrap(), r))
        .collect();
    for c in &claimed {
        let key = c["key"].as_str().unwrap();
        let now = &after[key];
        assert_eq!(now["run"], killed_run, "{key} was taken over: {now}");
        let reconciled = now["state"] == "created" && now["via"] == "reconcile";
        assert!(now["state"] == "sending" || reconciled, "{key}: {now}");
        let row = &by_row[&c["row"].as_u64().unwrap()];
        // Settled before B sent anything (`skipped`: found among the newest leads first), or
        // at its end (`created`).
        let expected: &[&str] = if reconciled {
            &["created", "skipped"]
        } else {
            &["unknown"]
        };
        assert!(
            expected.contains(&row["outcome"].as_str().unwrap_or("")),
            "{key}: {row}"
        );
    }
}

/// The ledger's entries (`ledger list -o ndjson` with `extra`).
fn entries(s: &Server, ledger: &str, extra: &[&str]) -> Vec<Value> {
    let out = lc(s, ledger)
        .args(["ledger", "list", "-o", "ndjson"])
        .args(extra)
        .run();
    out.code(0);
    out.stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

// ---- faults ---------------------------------------------------------------------------------

#[test]
fn a_database_restart_mid_run_loses_no_answer_and_a_rerun_creates_each_lead_once() {
    let Some(_) = postgres::shared("restart_mid_run") else {
        return;
    };
    let cluster = Cluster::start(None);
    let ledger = cluster.url();
    let s = serve(100);
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "leads.csv", 200);
    let a = import(&s, &ledger, &file, &["--concurrency", "4"]).spawn();
    wait_until(Duration::from_secs(60), "the first creates", || {
        create_requests(&s) >= 20
    });
    cluster.restart_after(Duration::from_millis(1500));
    let out = a.wait(Duration::from_secs(120));
    // A claim that met the restart stops the run (its row is not sent); answers that met it are
    // written again once the database is back, and the claims queued behind them wait for it
    // (the claims are made ahead, in batches: the restart may fall between two).
    let first = create_requests(&s);
    match out.code {
        7 => {
            out.stderr_has("the connection to the ledger database was lost");
            assert!(first < 200, "stopped before the end: {first}");
        }
        _ => {
            out.code(0).stderr_has("200 created");
        }
    }
    // Every answer the run had was recorded once the database was back: the re-run sends only
    // the rest.
    let again = import(&s, &ledger, &file, &[]).run();
    again.code(0);
    assert_eq!(
        count(&again, "created") as u64,
        200 - first,
        "{}",
        again.stderr
    );
    assert_each_created_once(&s, 200);
}

#[test]
fn outcomes_that_cannot_be_recorded_are_named_with_their_lead_ids() {
    let Some(_) = postgres::shared("unrecorded") else {
        return;
    };
    let cluster = Cluster::start(None);
    let ledger = cluster.url();
    let s = serve(400);
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "leads.csv", 40);
    let a = import(&s, &ledger, &file, &["--concurrency", "4"]).spawn();
    wait_until(Duration::from_secs(60), "the first creates", || {
        create_requests(&s) >= 4
    });
    // Down for good while requests are in flight: their answers cannot be written.
    cluster.stop();
    let out = a.wait(Duration::from_secs(120));
    out.code(7)
        .stderr_has("could not be recorded, so the ledger holds them as unknown")
        .stderr_has("business_id:B-");
    // The lead ids the run had are named, and they are the server's.
    let on_server: Vec<String> = s
        .all_leads()
        .iter()
        .filter_map(|l| l["id"].as_str().map(str::to_string))
        .collect();
    let named = on_server
        .iter()
        .filter(|id| out.stderr.contains(&format!("lead {id}")))
        .count();
    assert!(named > 0, "no lead id named:\n{}", out.stderr);
}

#[test]
fn a_wrong_password_exits_3_and_an_unreachable_database_7_before_anything_is_sent() {
    let Some(pg) = postgres::shared("connect_errors") else {
        return;
    };
    let s = serve(0);
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "leads.csv", 3);
    let wrong = pg.url.replace(&pg.password(), "not-the-password");
    let out = import(&s, &wrong, &file, &[]).run();
    out.code(3)
        .stderr_has("password authentication failed")
        .stderr_has("the password from the URL is wrong")
        .never_shows("not-the-password")
        .never_shows(&pg.password());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let down = format!("postgres://postgres:pw-unused@127.0.0.1:{port}/postgres");
    let out = import(&s, &down, &file, &[]).run();
    out.code(7)
        .stderr_has("cannot reach the ledger database")
        .stderr_has("nothing was sent")
        .never_shows("pw-unused");
    // No password at all, where the server asks for one.
    let out = import(&s, &pg.url_without_password(), &file, &[]).run();
    out.code(3).stderr_has("LEADCTL_LEDGER_PASSWORD_FILE");
    // A password file that cannot be read.
    let out = import(&s, &pg.url_without_password(), &file, &[])
        .env(
            "LEADCTL_LEDGER_PASSWORD_FILE",
            dir.path().join("missing-pw"),
        )
        .run();
    out.code(3)
        .stderr_has("LEADCTL_LEDGER_PASSWORD_FILE), which cannot be read");
    // A URL leadctl cannot use.
    let out = import(&s, &format!("{}?sslmode=sometimes", pg.url), &file, &[]).run();
    out.code(3)
        .stderr_has("sslmode")
        .never_shows(&pg.password());
    assert_eq!(create_requests(&s), 0);
    assert!(s
        .all_leads()
        .iter()
        .all(|l| l["channels_id"] != PRIMARY_CHANNEL_ID));
}

#[test]
fn missing_permissions_are_refused_with_exit_3_before_anything_is_sent() {
    let Some(pg) = postgres::shared("permissions") else {
        return;
    };
    let role = format!("r_{:08x}", fastrand::u32(..));
    pg.sql(&format!("CREATE ROLE {role} LOGIN PASSWORD 'role-pw-123'"));
    let s = serve(0);
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "leads.csv", 3);
    let as_role = |schema: &str| {
        let host = pg.url.split_once('@').unwrap().1;
        format!("postgres://{role}:role-pw-123@{host}?schema={schema}")
    };
    // It may not create the schema.
    let schema = format!("s_{:08x}", fastrand::u32(..));
    let out = import(&s, &as_role(&schema), &file, &[]).run();
    out.code(3)
        .stderr_has("permission denied")
        .stderr_has("needs CREATE")
        .never_shows("role-pw-123");
    // The schema exists (made by its owner), but the role may only read it.
    let owner = postgres::with_param(&pg.url, &format!("schema={schema}"));
    lc(&s, &owner).args(["ledger", "status"]).run().code(0);
    pg.sql(&format!(
        "GRANT USAGE ON SCHEMA {schema} TO {role}; GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role}"
    ));
    let out = import(&s, &as_role(&schema), &file, &[]).run();
    out.code(3).stderr_has("may not write the tables");
    assert_eq!(create_requests(&s), 0);
}

#[test]
fn a_newer_or_foreign_schema_is_refused_before_anything_is_sent() {
    let Some(pg) = postgres::shared("newer_schema") else {
        return;
    };
    let s = serve(0);
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "leads.csv", 3);
    let ledger = pg.ledger();
    let schema = ledger.rsplit_once("schema=").unwrap().1.to_string();
    lc(&s, &ledger).args(["ledger", "status"]).run().code(0);
    pg.sql(&format!("UPDATE {schema}.version SET version = 99"));
    let out = import(&s, &ledger, &file, &[]).run();
    out.code(3)
        .stderr_has("written by a newer leadctl (schema version 99")
        .stderr_has("upgrade leadctl");
    let foreign = format!("f_{:08x}", fastrand::u32(..));
    pg.sql(&format!(
        "CREATE SCHEMA {foreign}; CREATE TABLE {foreign}.things (x int)"
    ));
    let out = import(
        &s,
        &postgres::with_param(&pg.url, &format!("schema={foreign}")),
        &file,
        &[],
    )
    .run();
    out.code(3).stderr_has("not a leadctl ledger");
    assert_eq!(create_requests(&s), 0);
}

// ---- secrets and TLS ------------------------------------------------------------------------

#[test]
fn the_password_never_appears_in_verbose_output_from_any_source() {
    let Some(pg) = postgres::shared("password_hidden") else {
        return;
    };
    let password = pg.password();
    let s = serve(0);
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "leads.csv", 3);
    let ledger = pg.ledger();
    let out = import(&s, &ledger, &file, &["-v", "-v"]).run();
    out.code(0)
        .never_shows(&password)
        .stderr_has("postgres://postgres:****@");
    // The URL without it: the password from PGPASSWORD, then from a file.
    let bare = ledger.replace(&format!(":{password}@"), "@");
    let out = lc(&s, &bare)
        .env("PGPASSWORD", &password)
        .args(["-v", "-v", "ledger", "list"])
        .run();
    out.code(0)
        .never_shows(&password)
        .stdout_has("business_id:B-1");
    let pwfile = dir.path().join("pw");
    std::fs::write(&pwfile, format!("{password}\n")).unwrap();
    for args in [
        &["-v", "-v", "ledger", "status"][..],
        &["config", "list"][..],
        &["ledger", "path"][..],
    ] {
        let out = lc(&s, &bare)
            .env("LEADCTL_LEDGER_PASSWORD_FILE", &pwfile)
            .args(args)
            .run();
        out.code(0).never_shows(&password);
    }
    let out = lc(&s, &bare)
        .env("LEADCTL_LEDGER_PASSWORD_FILE", &pwfile)
        .args(["ledger", "path"])
        .run();
    out.stdout_has("postgres://postgres:****@127.0.0.1:");
}

/// A CA and a certificate it signed for 127.0.0.1 and localhost: (CA PEM, cert PEM, key PEM).
fn certificates() -> (String, String, String) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()])
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    (ca_cert.pem(), leaf.pem(), key.serialize_pem())
}

#[test]
fn sslmode_require_and_verify_full_against_a_tls_only_server() {
    let Some(_) = postgres::shared("tls") else {
        return;
    };
    let (ca, cert, key) = certificates();
    let cluster = Cluster::start(Some((&cert, &key)));
    cluster.only_tls();
    let s = serve(0);
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "leads.csv", 5);
    let url = |mode: &str| postgres::with_param(&cluster.url(), &format!("sslmode={mode}"));
    // The server takes no plain connections: what works here went over TLS.
    let out = import(&s, &url("disable"), &file, &[]).run();
    out.code(3).stderr_has("no encryption");
    import(&s, &url("require"), &file, &[])
        .run()
        .code(0)
        .stderr_has("5 created");
    // verify-full needs the CA: refused without it, accepted with --ca-bundle.
    let out = lc(&s, &url("verify-full")).args(["ledger", "status"]).run();
    out.code(3)
        .stderr_has("TLS handshake")
        .stderr_has("--ca-bundle");
    let bundle = dir.path().join("ca.pem");
    let out = lc(&s, &url("verify-full"))
        .arg("--ca-bundle")
        .arg(&bundle)
        .args(["ledger", "status"])
        .run();
    out.code(3).stderr_has("cannot read the CA bundle");
    std::fs::write(&bundle, &ca).unwrap();
    let out = lc(&s, &url("verify-full"))
        .arg("--ca-bundle")
        .arg(&bundle)
        .args(["ledger", "status", "-o", "json"])
        .run();
    out.code(0);
    assert_eq!(out.json()[0]["created"], 5);
    // With a CA bundle, require checks the chain too (libpq's rule): a wrong CA is refused.
    let (other_ca, _, _) = certificates();
    std::fs::write(&bundle, other_ca).unwrap();
    let out = lc(&s, &url("require"))
        .arg("--ca-bundle")
        .arg(&bundle)
        .args(["ledger", "status"])
        .run();
    out.code(3).stderr_has("TLS handshake");
}

#[test]
fn sslmode_require_refuses_a_server_without_tls() {
    let Some(_) = postgres::shared("tls_missing") else {
        return;
    };
    let cluster = Cluster::start(None);
    let s = serve(0);
    let url = postgres::with_param(&cluster.url(), "sslmode=require");
    let out = lc(&s, &url).args(["ledger", "status"]).run();
    out.code(3).stderr_has("sslmode=require could not be met");
}

// ---- ledger commands on PostgreSQL, and copying ----------------------------------------------

fn exported(s: &Server, ledger: &str) -> Vec<Value> {
    let out = lc(s, ledger).args(["ledger", "export", "--all-urls"]).run();
    out.code(0);
    let mut v: Vec<Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    v.sort_by_key(|e| e["key"].as_str().unwrap().to_string());
    v
}

#[test]
fn ledger_copy_moves_a_ledger_from_sqlite_to_postgres_and_back() {
    let Some(pg) = postgres::shared("ledger_copy") else {
        return;
    };
    let s = serve(0);
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "leads.csv", 30);
    let sqlite = dir.path().join("ledger.sqlite3");
    let sqlite = sqlite.to_str().unwrap();
    import(&s, sqlite, &file, &[])
        .run()
        .code(0)
        .stderr_has("30 created");
    let shared = pg.ledger();
    let out = lc(&s, sqlite)
        .args(["ledger", "copy", sqlite, &shared])
        .run();
    out.code(0)
        .stderr_has("copied 30 keys")
        .stderr_has("30 new")
        .never_shows(&pg.password());
    let original = exported(&s, sqlite);
    assert_eq!(original.len(), 30);
    assert_eq!(
        exported(&s, &shared),
        original,
        "the same entries, field for field"
    );
    // The first run on a new machine with the shared ledger creates nothing again.
    import(&s, &shared, &file, &[])
        .run()
        .code(0)
        .stderr_has("0 created, 30 skipped");
    // Copying again changes nothing; back to a new file gives the same entries.
    lc(&s, sqlite)
        .args(["ledger", "copy", sqlite, &shared])
        .run()
        .code(0)
        .stderr_has("0 new, 0 replaced by a newer entry, 30 kept");
    let back = dir.path().join("back.sqlite3");
    let back = back.to_str().unwrap();
    lc(&s, sqlite)
        .args(["ledger", "copy", &shared, back])
        .run()
        .code(0)
        .stderr_has("30 new");
    assert_eq!(exported(&s, back), original);
    // The other commands on PostgreSQL: status, list, forget.
    let out = lc(&s, &shared)
        .args(["ledger", "status", "-o", "json"])
        .run();
    assert_eq!(out.json()[0]["created"], 30, "{}", out.stdout);
    lc(&s, &shared)
        .args([
            "ledger",
            "forget",
            "business_id:B-1",
            "business_id:B-2",
            "--yes",
        ])
        .run()
        .code(0)
        .stderr_has("forgot 2 keys");
    assert_eq!(exported(&s, &shared).len(), 28);
    // Import of a backup into PostgreSQL.
    let backup = dir.path().join("backup.ndjson");
    let out = lc(&s, sqlite).args(["ledger", "export"]).run();
    std::fs::write(&backup, &out.stdout).unwrap();
    lc(&s, &shared)
        .args(["ledger", "import", backup.to_str().unwrap()])
        .run()
        .code(0)
        .stderr_has("imported 30 keys");
    assert_eq!(exported(&s, &shared), original);
    assert_eq!(create_requests(&s), 30);
}

#[test]
fn ledger_copy_refuses_a_missing_source_and_the_same_ledger_twice() {
    let Some(pg) = postgres::shared("ledger_copy_errors") else {
        return;
    };
    let s = serve(0);
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.sqlite3");
    let shared = pg.ledger();
    let out = lc(&s, &shared)
        .args(["ledger", "copy", missing.to_str().unwrap(), &shared])
        .run();
    out.code(2).stderr_has("does not exist");
    assert!(!missing.exists(), "FROM is never created");
    let out = lc(&s, &shared)
        .args(["ledger", "copy", &shared, &shared])
        .run();
    out.code(2)
        .stderr_has("the same ledger")
        .never_shows(&pg.password());
    let out = lc(&s, &shared)
        .args([
            "ledger",
            "copy",
            "postgres://u:pw1234@h/d?bogus=1",
            "x.sqlite3",
        ])
        .run();
    out.code(2).stderr_has("bogus").never_shows("pw1234");
}

#[test]
fn ledger_adopt_into_postgres_makes_the_first_import_skip_existing_leads() {
    let Some(pg) = postgres::shared("ledger_adopt") else {
        return;
    };
    let s = serve(0);
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "existing.csv", 12);
    let shared = pg.ledger();
    lc(&s, &shared)
        .args(["ledger", "adopt", file.to_str().unwrap()])
        .run()
        .code(0)
        .stderr_has("adopted 12 leads");
    import(&s, &shared, &file, &[])
        .run()
        .code(0)
        .stderr_has("0 created, 12 skipped");
    assert_eq!(create_requests(&s), 0);
}

/// A fresh PostgreSQL ledger (a new team ledger) against a channel whose newest-leads window is
/// full stops before the first create (issue 26); `--new-ledger` goes on, and then the ledger
/// knows the channel.
#[test]
fn a_fresh_postgres_ledger_stops_before_duplicating_a_full_channel() {
    let Some(pg) = postgres::shared("fresh_guard") else {
        return;
    };
    let s = serve(0);
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "day2.csv", 110);
    let local = dir.path().join("local.sqlite3");
    import(&s, local.to_str().unwrap(), &file, &[])
        .run()
        .code(0)
        .stderr_has("110 created");
    let shared = pg.ledger();
    let out = import(&s, &shared, &file, &[]).run();
    out.code(3)
        .stderr_has("has never seen channel")
        .stderr_has("--new-ledger");
    assert_eq!(create_requests(&s), 110);
    // The newest 100 are found on the server, the 10 older ones are created again.
    import(&s, &shared, &file, &["--new-ledger"])
        .run()
        .code(0)
        .stderr_has("10 created, 100 skipped");
    import(&s, &shared, &file, &[])
        .run()
        .code(0)
        .stderr_has("0 created, 110 skipped");
}
