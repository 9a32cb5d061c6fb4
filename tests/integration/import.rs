//! `leadctl import` end to end: the real binary against the sandbox (in this test process, on
//! 127.0.0.1), with its faults: reading real-world CSVs, validation, exactly-once sending,
//! resume after Ctrl-C and kill -9, reconciling, sharding, and the errors file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use leadctl::sandbox::{Options, Sandbox, API_KEY, PRIMARY_CHANNEL_ID, PRIVATE_CHANNEL_ID};
use serde_json::Value;

use crate::support::raw_http;
use crate::support::{Leadctl, Outcome};

pub(crate) fn sandbox(configure: impl FnOnce(&mut Options)) -> Sandbox {
    let mut opts = Options::ephemeral();
    configure(&mut opts);
    let restarted = opts.state.clone();
    // The same server restarted from its state file comes back at the same address (as a real
    // one does): the ledger scopes keys by the API URL.
    let key = restarted.as_ref().map(|s| format!("state:{}", s.display()));
    let earlier = key.as_ref().and_then(|k| {
        STATE_ADDRS
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(k)
            .cloned()
    });
    let sb = match earlier {
        Some(addr) => {
            let mut tries = 0;
            loop {
                let mut o = opts.clone();
                o.addr = addr.clone();
                match Sandbox::start(o) {
                    Ok(sb) => break sb,
                    Err(e) if tries < 50 => {
                        tries += 1;
                        let _ = e;
                        std::thread::sleep(Duration::from_millis(100));
                    }
                    Err(e) => panic!("restart the sandbox at {addr}: {e}"),
                }
            }
        }
        None => Sandbox::start(opts).expect("start the sandbox"),
    };
    if let Some(k) = &key {
        STATE_ADDRS
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(k.clone(), sb.addr().to_string());
    }
    // A new sandbox (maybe on a port an earlier one used) starts with a new ledger; one that
    // resumes a state file is the same server again, so it keeps the ledger of that state.
    let mut map = ledgers();
    map.remove(&sb.url());
    if let Some(state) = restarted {
        let key = format!("state:{}", state.display());
        let dir = map
            .remove(&key)
            .unwrap_or_else(|| tempfile::tempdir().expect("tempdir"));
        let path = dir.path().to_path_buf();
        map.insert(key, dir);
        STATE_LEDGERS
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(sb.url(), path);
    } else {
        STATE_LEDGERS
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&sb.url());
    }
    drop(map);
    sb
}

type Ledgers = std::collections::HashMap<String, tempfile::TempDir>;

fn ledgers() -> std::sync::MutexGuard<'static, Ledgers> {
    static LEDGERS: std::sync::OnceLock<std::sync::Mutex<Ledgers>> = std::sync::OnceLock::new();
    LEDGERS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner())
}

/// State file → the address its sandbox listens on.
static STATE_ADDRS: std::sync::Mutex<std::collections::BTreeMap<String, String>> =
    std::sync::Mutex::new(std::collections::BTreeMap::new());

/// Sandboxes started on a state file → the folder of that state's ledger.
static STATE_LEDGERS: std::sync::Mutex<std::collections::BTreeMap<String, PathBuf>> =
    std::sync::Mutex::new(std::collections::BTreeMap::new());

/// The ledger the runs against one sandbox share (as one user's runs share theirs).
pub(crate) fn ledger_of(sb: &Sandbox) -> PathBuf {
    if let Some(dir) = STATE_LEDGERS
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&sb.url())
    {
        return dir.join("ledger.sqlite3");
    }
    let mut map = ledgers();
    let dir = map
        .entry(sb.url())
        .or_insert_with(|| tempfile::tempdir().expect("tempdir"));
    dir.path().join("ledger.sqlite3")
}

pub(crate) fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

/// leadctl pointed at the sandbox with its key and primary channel.
pub(crate) fn leadctl(sb: &Sandbox) -> Leadctl {
    Leadctl::new()
        .env("LEADCTL_LEDGER", ledger_of(sb))
        .env("LEADCTL_API_URL", sb.url())
        .env("LEADCTL_API_KEY", API_KEY)
        .env("LEADCTL_CHANNEL", PRIMARY_CHANNEL_ID)
        .env("LEADCTL_RETRY_BASE_MS", "20")
}

/// A CSV of `n` rows with unique emails and business ids (`B-1` ...).
pub(crate) fn write_csv(dir: &Path, name: &str, n: usize) -> PathBuf {
    let mut text = String::from("Email,First Name,Business ID\n");
    for i in 1..=n {
        text.push_str(&format!("user{i}@example.com,User {i},B-{i}\n"));
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Every lead the sandbox holds.
pub(crate) fn leads(sb: &Sandbox) -> Vec<Value> {
    let r = raw_http::get(sb.addr(), "/__sandbox/leads").expect("sandbox leads");
    r.json().as_array().cloned().expect("an array")
}

/// How many leads the sandbox holds on its primary channel (the seeded data has one lead, on
/// the private channel).
pub(crate) fn created(sb: &Sandbox) -> u64 {
    sb.stats()["leads_by_channel"][PRIMARY_CHANNEL_ID]
        .as_u64()
        .unwrap_or(0)
}

/// business id → how many leads have it.
pub(crate) fn business_ids(sb: &Sandbox) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for l in leads(sb)
        .into_iter()
        .filter(|l| l["channels_id"] != PRIVATE_CHANNEL_ID)
    {
        if let Some(b) = l["business_id"].as_str() {
            *m.entry(b.to_string()).or_default() += 1;
        }
    }
    m
}

pub(crate) fn assert_no_duplicates(sb: &Sandbox) {
    let dups: Vec<_> = business_ids(sb)
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .collect();
    assert!(dups.is_empty(), "duplicate leads: {dups:?}");
}

/// The per-row results of `-o ndjson`.
pub(crate) fn results(out: &Outcome) -> Vec<Value> {
    out.stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// The planned request bodies of a dry run's `-o ndjson` (its other lines are results of rows
/// left alone).
pub(crate) fn bodies(out: &Outcome) -> Vec<Value> {
    results(out)
        .into_iter()
        .filter(|line| line.get("action").is_some())
        .collect()
}

pub(crate) fn rows_with(results: &[Value], outcome: &str) -> Vec<u64> {
    results
        .iter()
        .filter(|r| r["outcome"] == outcome)
        .map(|r| r["row"].as_u64().unwrap())
        .collect()
}

// ---- reading and validating ---------------------------------------------------------------

#[test]
fn excel_exports_arrive_with_their_accents() {
    let sb = sandbox(|_| {});
    for file in [
        "excel-utf8-bom-semicolon.csv",
        "excel-windows-1252-semicolon.csv",
    ] {
        let out = leadctl(&sb)
            .args([
                "import",
                &fixture(file),
                "--dry-run",
                "-o",
                "ndjson",
                "--map",
                "Vorname=first_name",
                "--map",
                "Nachname=last_name",
                "--map",
                "Firma=company_name",
            ])
            .run();
        out.code(0)
            .stderr_has("delimiter ';' (detected)")
            .stderr_has("Deal size → property \"Deal size\"")
            .stderr_has("2 row(s) checked: 2 valid, 0 invalid")
            .stderr_has("dry run: 2 leads would be created; nothing was sent");
        let bodies = results(&out);
        assert_eq!(bodies.len(), 2, "{file}");
        assert_eq!(bodies[0]["first_name"], "José", "{file}");
        assert_eq!(bodies[0]["last_name"], "García", "{file}");
        assert_eq!(bodies[0]["company_name"], "Müller & Söhne", "{file}");
        assert_eq!(
            bodies[0]["properties"][0]["property_definitions_id"],
            leadctl::sandbox::DEAL_SIZE_PROPERTY_ID
        );
        assert_eq!(bodies[0]["properties"][0]["value"], "50000");
        assert_eq!(bodies[1]["last_name"], "Le; Blanc", "{file}");
        assert_eq!(bodies[1]["company_name"], "Café \"Lumière\"", "{file}");
        assert!(
            bodies[1].get("properties").is_none(),
            "empty cells are omitted"
        );
    }
    let out = leadctl(&sb)
        .args([
            "import",
            &fixture("excel-utf8-bom-semicolon.csv"),
            "--dry-run",
            "--ignore-unknown",
        ])
        .run();
    out.code(0).stderr_has("UTF-8 with a BOM (byte-order mark)");
    let out = leadctl(&sb)
        .args([
            "import",
            &fixture("excel-windows-1252-semicolon.csv"),
            "--dry-run",
            "--ignore-unknown",
        ])
        .run();
    out.code(0)
        .stderr_has("windows-1252 (detected: not valid UTF-8)");
    assert_eq!(created(&sb), 0, "a dry run sends nothing");
}

#[test]
fn aliases_tabs_and_multiline_cells() {
    let sb = sandbox(|_| {});
    let out = leadctl(&sb)
        .args([
            "import",
            &fixture("aliases-tab.csv"),
            "--dry-run",
            "-o",
            "json",
        ])
        .run();
    out.code(0)
        .stderr_has("delimiter tab (detected)")
        .stderr_has("E-mail Address → email")
        .stderr_has("Given Name     → first_name")
        .stderr_has("CRM ID         → business_id")
        .stderr_has("Region         → property \"Region\"");
    let body = &out.json()[0];
    assert_eq!(body["email"], "ann@example.com");
    assert_eq!(body["last_name"], "Lee");
    assert_eq!(body["company_name"], "Initech");
    assert_eq!(body["phone"], "+1 555 0100");
    assert_eq!(body["notes"], "multi\nline note");
    assert_eq!(body["source"], "Website");
    assert_eq!(body["business_id"], "CRM-1");
    assert_eq!(body["action"], "create_lead");
}

#[test]
fn utf16_with_and_without_a_bom() {
    let sb = sandbox(|_| {});
    leadctl(&sb)
        .args(["import", &fixture("utf16-bom.csv"), "--dry-run"])
        .run()
        .code(0)
        .stderr_has("UTF-16LE with a BOM");
    leadctl(&sb)
        .args(["import", &fixture("utf16-no-bom.csv"), "--dry-run"])
        .run()
        .code(6)
        .stderr_has("looks like UTF-16 without a byte-order mark")
        .stderr_has("--encoding utf-16le");
    leadctl(&sb)
        .args([
            "import",
            &fixture("utf16-no-bom.csv"),
            "--dry-run",
            "--encoding",
            "utf-16le",
        ])
        .run()
        .code(0);
}

#[test]
fn unknown_columns_exit_6_unless_ignored() {
    let sb = sandbox(|_| {});
    leadctl(&sb)
        .args(["import", &fixture("unknown-column.csv"), "--dry-run"])
        .run()
        .code(6)
        .stderr_has("1 column matches no lead field:\n  \"Shoe size\" (column 4)\n")
        .stderr_has("known fields: email, first_name")
        .stderr_has("\"Deal size\"")
        .stderr_has("\"Region\"")
        .stderr_has("--ignore-unknown");
    leadctl(&sb)
        .args([
            "import",
            &fixture("unknown-column.csv"),
            "--dry-run",
            "--ignore-unknown",
        ])
        .run()
        .code(0)
        .stderr_has("Shoe size  → ignored (unknown; --ignore-unknown)");
    leadctl(&sb)
        .args([
            "import",
            &fixture("unknown-column.csv"),
            "--dry-run",
            "--map",
            "Shoe size=property:Industry",
            "-o",
            "ndjson",
        ])
        .run()
        .code(0)
        .stdout_has("\"value\":\"42\"");
    leadctl(&sb)
        .args([
            "import",
            &fixture("unknown-column.csv"),
            "--dry-run",
            "--map",
            "Shoe=email",
        ])
        .run()
        .code(6)
        .stderr_has("--map Shoe=email: no column is named \"Shoe\"");
}

#[test]
fn invalid_rows_stop_everything_with_every_problem_listed() {
    let sb = sandbox(|_| {});
    let out = leadctl(&sb)
        .args(["import", &fixture("invalid-rows.csv")])
        .run();
    out.code(6)
        .stderr_has("4 row(s) checked: 2 valid, 2 invalid")
        .stderr_has("2 of 4 rows are invalid, so nothing was sent:")
        .stderr_has(
            "row 2 (line 3), column 1 \"Email\": \"not-an-email\" is not a valid email address",
        )
        .stderr_has("row 3 (line 4): has 2 fields, but the header has 3")
        .stderr_has("--skip-invalid");
    assert_eq!(created(&sb), 0, "nothing was sent");
}

#[test]
fn skip_invalid_sends_the_rest_and_writes_the_errors_file() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("leads.csv");
    std::fs::copy(fixture("invalid-rows.csv"), &file).unwrap();
    let out = leadctl(&sb)
        .args([
            "import",
            file.to_str().unwrap(),
            "--skip-invalid",
            "-o",
            "ndjson",
        ])
        .run();
    out.code(8)
        .stderr_has("skipping 2 invalid rows")
        .stderr_has("2 of 4 row(s) were not created");
    let r = results(&out);
    assert_eq!(
        r.iter()
            .map(|r| r["row"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        [1, 2, 3, 4],
        "row order"
    );
    assert_eq!(rows_with(&r, "created"), [1, 4]);
    assert_eq!(rows_with(&r, "invalid"), [2, 3]);
    assert_eq!(created(&sb), 2);
    let errors = std::fs::read_to_string(dir.path().join("leads.csv.errors.csv")).unwrap();
    let lines: Vec<&str> = errors.lines().collect();
    assert_eq!(
        lines[0],
        "Email,First Name,Business ID,leadctl_row,leadctl_outcome,leadctl_error"
    );
    assert_eq!(lines[1], "not-an-email,Bob,B-2,2,invalid,\"row 2 (line 3), column 1 \"\"Email\"\": \"\"not-an-email\"\" is not a valid email address\"");
    assert!(
        lines[2].starts_with("carl@example.com,Carl,,3,invalid,\"row 3 (line 4): has 2 fields"),
        "{}",
        lines[2]
    );
    assert_eq!(lines.len(), 3);
}

#[test]
fn empty_and_header_only_files() {
    let sb = sandbox(|_| {});
    leadctl(&sb)
        .args(["import", &fixture("empty.csv")])
        .run()
        .code(6)
        .stderr_has("is empty: a header row naming the columns is needed");
    leadctl(&sb)
        .args(["import", &fixture("header-only.csv")])
        .run()
        .code(6)
        .stderr_has("has a header but no rows: nothing to import");
    leadctl(&sb)
        .args(["import", "/nonexistent/leads.csv"])
        .run()
        .code(6)
        .stderr_has("cannot open /nonexistent/leads.csv");
}

#[test]
fn duplicate_emails_in_the_file_are_a_warning() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("d.csv");
    std::fs::write(&file, "Email,Business ID\na@example.com,B-1\nb@example.com,B-2\nA@example.com,B-3\nc@example.com,B-2\n").unwrap();
    leadctl(&sb)
        .args(["import", file.to_str().unwrap(), "--dry-run"])
        .run()
        .code(0)
        .stderr_has("2 values appear more than once in the file")
        .stderr_has("business id \"B-2\" in rows 2, 4")
        .stderr_has("email \"a@example.com\" in rows 1, 3");
}

#[test]
fn a_channel_id_column_and_a_property_not_on_that_channel() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("c.csv");
    std::fs::write(
        &file,
        format!("Email,channel_id,Deal size\na@example.com,{PRIMARY_CHANNEL_ID},5\nb@example.com,{},6\nc@example.com,not-a-uuid,7\n", leadctl::sandbox::PUBLIC_CHANNEL_ID),
    )
    .unwrap();
    let out = leadctl(&sb)
        .env_remove("LEADCTL_CHANNEL")
        .args(["import", file.to_str().unwrap(), "--dry-run"])
        .run();
    out.code(6)
        .stderr_has("row 2 (line 3), column 3 \"Deal size\": unknown property \"Deal size\" on channel Website Signups")
        .stderr_has("row 3 (line 4), column 2 \"channel_id\": channel id \"not-a-uuid\" is not a UUID");
}

// ---- sending ------------------------------------------------------------------------------

#[test]
fn a_thousand_rows_at_concurrency_8_create_each_lead_once_in_row_order() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "big.csv", 1000);
    let out = leadctl(&sb)
        .args([
            "import",
            file.to_str().unwrap(),
            "--concurrency",
            "8",
            "-o",
            "ndjson",
        ])
        .run();
    out.code(0)
        .stderr_has("import finished")
        .stderr_has("1000 created");
    let r = results(&out);
    assert_eq!(r.len(), 1000);
    for (i, row) in r.iter().enumerate() {
        assert_eq!(row["row"], i as u64 + 1, "results in row order");
        assert_eq!(row["outcome"], "created");
        assert!(row["lead_id"].as_str().is_some_and(|id| id.len() == 36));
    }
    let ids = business_ids(&sb);
    assert_eq!(ids.len(), 1000);
    assert!(ids.values().all(|&n| n == 1));
    // Running the same command again creates nothing: every key is in the ledger.
    let again = leadctl(&sb)
        .args(["import", file.to_str().unwrap(), "-o", "ndjson"])
        .run();
    again.code(0).stderr_has("0 created, 1000 skipped");
    assert_eq!(created(&sb), 1000);
    let ledger = std::fs::read(ledger_of(&sb)).unwrap();
    assert!(!ledger
        .windows(API_KEY.len())
        .any(|w| w == API_KEY.as_bytes()));
}

#[test]
fn kill_9_then_the_same_command_creates_no_duplicate() {
    let sb = sandbox(|o| o.latency = Duration::from_millis(15));
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "k.csv", 300);
    let args = [
        "import",
        file.to_str().unwrap(),
        "--concurrency",
        "8",
        "-o",
        "ndjson",
    ];
    let running = leadctl(&sb).args(args).spawn();
    // Killed once a random number of rows is created (not after a fixed time: a loaded machine
    // may take longer than that to start the run, or to finish it).
    let target = 1 + fastrand::u64(0..150);
    let deadline = Instant::now() + Duration::from_secs(60);
    while created(&sb) < target {
        assert!(Instant::now() < deadline, "{target} leads never came");
        std::thread::sleep(Duration::from_millis(1));
    }
    running.signal("-KILL");
    let killed = running.wait(Duration::from_secs(20));
    assert_eq!(killed.code, 128 + 9);
    let before = created(&sb);
    assert!(
        before > 0 && before < 300,
        "killed mid-run ({before} created)"
    );

    let out = leadctl(&sb).args(args).run();
    let r = results(&out);
    assert_eq!(r.len(), 300);
    let unknown = rows_with(&r, "unknown");
    assert!(
        unknown.len() <= 8,
        "at most `concurrency` unknown rows: {unknown:?}"
    );
    assert_eq!(
        rows_with(&r, "created").len() + rows_with(&r, "skipped").len() + unknown.len(),
        300
    );
    assert_no_duplicates(&sb);
    // Every row exists once, except unknown rows whose requests the kill cut off before sending.
    assert!(created(&sb) >= 300 - unknown.len() as u64);
    out.code(if unknown.is_empty() { 0 } else { 8 });
}

#[test]
fn ctrl_c_stops_cleanly_and_the_same_command_finishes_the_job() {
    let sb = sandbox(|o| o.latency = Duration::from_millis(20));
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "c.csv", 200);
    let args = ["import", file.to_str().unwrap(), "--concurrency", "4"];
    let running = leadctl(&sb).args(args).spawn();
    std::thread::sleep(Duration::from_millis(300));
    running.signal("-INT");
    let stopped = running.wait(Duration::from_secs(30));
    stopped
        .code(130)
        .stderr_has("stopping: no new rows are sent")
        .stderr_has("import interrupted")
        .stderr_has(" not reached")
        .stderr_has("to resume: leadctl import");
    let partial = created(&sb);
    assert!(partial < 200, "stopped early ({partial})");

    leadctl(&sb)
        .args(args)
        .run()
        .code(0)
        .stderr_has(&format!("{partial} skipped"));
    let ids = business_ids(&sb);
    assert_eq!(ids.len(), 200, "every row created");
    assert!(ids.values().all(|&n| n == 1), "each exactly once");
}

#[test]
fn a_rate_limit_storm_slows_the_pool_and_creates_every_row_once() {
    let sb = sandbox(|o| o.rate_limit = Some(20));
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "r.csv", 120);
    let out = leadctl(&sb)
        .args(["import", file.to_str().unwrap(), "--concurrency", "8"])
        .run();
    out.code(0)
        .stderr_has("rate-limited by the server (429, Retry-After)");
    let ids = business_ids(&sb);
    assert_eq!(ids.len(), 120);
    assert!(ids.values().all(|&n| n == 1));
    assert!(
        sb.stats()["requests"]["by_status"]["429"]
            .as_u64()
            .unwrap_or(0)
            > 0,
        "the storm happened"
    );
}

#[test]
fn dropped_connections_are_unknown_until_found_and_never_re_sent() {
    let sb = sandbox(|o| {
        o.drop_rate = 0.05;
        o.seed = Some(7);
    });
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "d.csv", 300);
    let args = [
        "import",
        file.to_str().unwrap(),
        "--concurrency",
        "8",
        "-o",
        "ndjson",
    ];
    let out = leadctl(&sb).args(args).run();
    let dropped = sb.stats()["dropped"].as_u64().unwrap();
    assert!(dropped > 0, "the seed drops some");
    let r = results(&out);
    // The dropped rows are looked for in batches while the run sends, while their leads are
    // still among the newest 100 (at the end alone, most had been pushed out): those found are
    // created; the rest stay unknown, honestly.
    out.stderr_has("settled during the run: ");
    let unknown = rows_with(&r, "unknown");
    assert!(unknown.len() as u64 <= dropped);
    assert_eq!(
        rows_with(&r, "created").len() + unknown.len(),
        300,
        "{}",
        out.stderr
    );
    out.code(if unknown.is_empty() { 0 } else { 8 });
    assert_eq!(created(&sb), 300);
    assert_no_duplicates(&sb);
    // The same command again: unknown rows are not re-sent.
    let again = leadctl(&sb).args(args).run();
    assert_eq!(rows_with(&results(&again), "unknown").len(), unknown.len());
    assert_eq!(created(&sb), 300, "nothing re-sent");
    if !unknown.is_empty() {
        let errors = std::fs::read_to_string(dir.path().join("d.csv.errors.csv")).unwrap();
        assert_eq!(
            errors.lines().count(),
            1 + unknown.len(),
            "unknown rows are in the errors file"
        );
    }
}

#[test]
fn server_errors_are_unknown_and_the_errors_file_imports_once_the_faults_stop() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let file = write_csv(dir.path(), "e.csv", 60);
    let failed_rows;
    {
        let sb = sandbox(|o| {
            o.error_rate = 0.2;
            o.seed = Some(3);
            o.state = Some(state.clone());
        });
        let out = leadctl(&sb)
            .args(["import", file.to_str().unwrap(), "-o", "ndjson"])
            .run();
        out.code(8).stderr_has("server error (500)");
        failed_rows = rows_with(&results(&out), "unknown");
        assert!(!failed_rows.is_empty());
        assert_eq!(created(&sb), 60 - failed_rows.len() as u64);
    }
    let sb = sandbox(|o| o.state = Some(state.clone()));
    let errors = dir.path().join("e.csv.errors.csv");
    let out = leadctl(&sb)
        .args([
            "import",
            errors.to_str().unwrap(),
            "--retry-unknown",
            "-o",
            "ndjson",
        ])
        .run();
    out.code(0)
        .stderr_has("leadctl_row     → ignored (an errors file's own column)")
        .stderr_has(&format!("{} created", failed_rows.len()));
    assert_eq!(business_ids(&sb).len(), 60);
    assert_no_duplicates(&sb);
}

#[test]
fn a_row_for_an_inaccessible_channel_fails_with_the_servers_message() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("p.csv");
    std::fs::write(&file, format!("Email,Channel ID\na@example.com,{PRIMARY_CHANNEL_ID}\nb@example.com,{PRIVATE_CHANNEL_ID}\n")).unwrap();
    let out = leadctl(&sb)
        .args(["import", file.to_str().unwrap(), "-o", "csv"])
        .run();
    out.code(8);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines[0], "row,outcome,lead_id,error,message");
    assert!(lines[1].starts_with("1,created,"));
    assert_eq!(
        lines[2],
        "2,failed,,permission refused (403): Channel not accessible,permission refused (403): \
         Channel not accessible"
    );
    let again = leadctl(&sb)
        .args(["import", file.to_str().unwrap(), "--retry-failed"])
        .run();
    again.code(8);
    assert_eq!(created(&sb), 1);
    // Each run reads the channel's newest leads once (403 too) and sends the row once.
    assert_eq!(
        sb.stats()["requests"]["by_status"]["403"],
        4,
        "--retry-failed re-sent it"
    );
}

#[test]
fn shards_together_create_every_row_once() {
    let sb = sandbox(|o| o.latency = Duration::from_millis(2));
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "s.csv", 301);
    let runs: Vec<_> = ["1/3", "2/3", "3/3"]
        .iter()
        .map(|shard| {
            leadctl(&sb)
                .args([
                    "import",
                    file.to_str().unwrap(),
                    "--shard",
                    shard,
                    "-o",
                    "ndjson",
                ])
                .spawn()
        })
        .collect();
    let mut all = BTreeSet::new();
    for (i, run) in runs.into_iter().enumerate() {
        let out = run.wait(Duration::from_secs(60));
        out.code(0);
        for r in results(&out) {
            let row = r["row"].as_u64().unwrap();
            assert_eq!(
                (row - 1) % 3,
                i as u64,
                "row {row} belongs to shard {}",
                i + 1
            );
            assert!(all.insert(row));
        }
    }
    assert_eq!(all.len(), 301);
    let ids = business_ids(&sb);
    assert_eq!(ids.len(), 301);
    assert!(ids.values().all(|&n| n == 1));
}

#[test]
fn an_overwritten_export_sends_only_its_new_rows() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "x.csv", 3);
    leadctl(&sb)
        .args(["import", file.to_str().unwrap()])
        .run()
        .code(0);
    // The next export: the same file name, rows reordered, one new row.
    std::fs::write(
        &file,
        "Email,First Name,Business ID\nnew@example.com,N,B-9\nuser2@example.com,User 2,B-2\n\
         user1@example.com,User 1,B-1\nuser3@example.com,User 3,B-3\n",
    )
    .unwrap();
    let out = leadctl(&sb)
        .args(["import", file.to_str().unwrap(), "-o", "ndjson"])
        .run();
    out.code(0).stderr_has("1 created, 3 skipped");
    assert_eq!(rows_with(&results(&out), "created"), [1]);
    assert_eq!(created(&sb), 4);
    assert_no_duplicates(&sb);
}

#[test]
fn reconcile_on_demand_settles_what_it_finds() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "u.csv", 3);
    // The leads exist on the server, but the ledger holds them as sent without an answer (as
    // a run whose answers were all lost leaves them).
    leadctl(&sb)
        .args(["--no-ledger", "import", file.to_str().unwrap()])
        .run()
        .code(0)
        .stderr_has("--no-ledger: nothing is remembered");
    seed_unknown(&sb, 3);
    let out = leadctl(&sb)
        .args([
            "import",
            file.to_str().unwrap(),
            "--reconcile",
            "-o",
            "ndjson",
        ])
        .run();
    out.code(0)
        .stderr_has("3 of 3 row(s) without a reliable answer were found");
    assert_eq!(rows_with(&results(&out), "created"), [1, 2, 3]);
    // Now the ledger knows them: the same import sends nothing and reports them as done.
    let again = leadctl(&sb)
        .args(["import", file.to_str().unwrap(), "-o", "ndjson"])
        .run();
    again.code(0);
    assert_eq!(rows_with(&results(&again), "skipped"), [1, 2, 3]);
    assert_eq!(created(&sb), 3);
    leadctl(&sb)
        .args(["import", file.to_str().unwrap(), "--reconcile"])
        .run()
        .code(0)
        .stderr_has("has no unknown rows");
}

/// Puts the rows of `write_csv(_, _, n)` into the sandbox's ledger as `unknown`.
pub(crate) fn seed_unknown(sb: &Sandbox, n: usize) {
    use leadctl::ledger::{identity, Entry, Fields, Ledger, Location, Op, State};
    let ledger = Ledger::open(&Location::File(ledger_of(sb))).expect("the ledger");
    for i in 1..=n {
        let mut fields = Fields::new();
        fields.insert("email".into(), format!("user{i}@example.com").into());
        fields.insert("first_name".into(), format!("User {i}").into());
        fields.insert("business_id".into(), format!("B-{i}").into());
        let now = leadctl::ledger::now_secs();
        ledger
            .apply(Op::Put(Entry {
                api_url: leadctl::ledger::scope_url(&sb.url()),
                channel: PRIMARY_CHANNEL_ID.to_string(),
                key: format!("business_id:B-{i}"),
                state: State::Unknown,
                lead_id: None,
                hash: identity::hash_fields(&fields),
                fields,
                error: Some("the connection was cut".into()),
                via: None,
                input: None,
                row: Some(i as u64),
                run: None,
                sent_at: Some(now - 5),
                answered_at: Some(now - 4),
                first_at: now - 5,
                updated_at: now - 4,
            }))
            .expect("seeded");
    }
}

#[test]
fn stdin_rows_stream_and_an_invalid_one_stops_there() {
    let sb = sandbox(|_| {});
    let out = leadctl(&sb)
        .args(["import", "-", "-o", "ndjson"])
        .stdin("Email,Business ID\na@example.com,B-1\nbad,B-2\nc@example.com,B-3\n")
        .run();
    out.code(6)
        .stderr_has("row 2 (line 3), column 1 \"Email\": \"bad\" is not a valid email address")
        .stderr_has("the rows before it were sent");
    assert_eq!(created(&sb), 1);
}

#[test]
fn an_errors_file_leadctl_did_not_write_is_never_overwritten() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "o.csv", 2);
    let theirs = dir.path().join("o.csv.errors.csv");
    std::fs::write(&theirs, "precious\n").unwrap();
    leadctl(&sb)
        .args(["import", file.to_str().unwrap()])
        .run()
        .code(3)
        .stderr_has("exists and was not written by leadctl");
    assert_eq!(std::fs::read_to_string(&theirs).unwrap(), "precious\n");
    assert_eq!(created(&sb), 0);
}

#[test]
fn max_errors_stops_sending() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("m.csv");
    let mut text = String::from("Email,Channel ID\n");
    for i in 0..50 {
        text.push_str(&format!("u{i}@example.com,{PRIVATE_CHANNEL_ID}\n"));
    }
    std::fs::write(&file, text).unwrap();
    let out = leadctl(&sb)
        .args([
            "import",
            file.to_str().unwrap(),
            "--max-errors",
            "3",
            "--concurrency",
            "1",
        ])
        .run();
    out.code(8)
        .stderr_has("3 rows failed (--max-errors 3): stopping")
        .stderr_has("stopped by --max-errors 3");
    assert!(sb.stats()["requests"]["by_status"]["403"].as_u64().unwrap() < 10);
}

#[test]
fn a_second_ctrl_c_exits_at_once_and_the_journal_stays_consistent() {
    let sb = sandbox(|o| o.latency = Duration::from_millis(2000));
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "twice.csv", 40);
    let args = ["import", file.to_str().unwrap(), "--concurrency", "4"];
    let running = leadctl(&sb).args(args).spawn();
    std::thread::sleep(Duration::from_millis(600));
    running.signal("-INT");
    std::thread::sleep(Duration::from_millis(50));
    running.signal("-INT");
    let started = std::time::Instant::now();
    let out = running.wait(Duration::from_secs(10));
    out.code(130);
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "did not wait for the requests in flight"
    );
    // Requests cut off in flight are unknown (never re-sent); everything else is sent exactly once.
    let again = leadctl(&sb)
        .args([
            "import",
            file.to_str().unwrap(),
            "-o",
            "ndjson",
            "--concurrency",
            "40",
        ])
        .run();
    let r = results(&again);
    let unknown = rows_with(&r, "unknown");
    assert!(unknown.len() <= 4, "{unknown:?}");
    assert_eq!(r.len(), 40);
    assert_no_duplicates(&sb);
    assert!(created(&sb) >= 40 - unknown.len() as u64);
}

#[test]
fn splitting_a_file_differently_from_before_creates_nothing_twice() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "split.csv", 4);
    let f = file.to_str().unwrap();
    leadctl(&sb)
        .args(["import", f, "--shard", "1/2"])
        .run()
        .code(0);
    assert_eq!(created(&sb), 2);
    // Another split, then the whole file: the ledger knows every key, whatever the split.
    leadctl(&sb)
        .args(["import", f, "--shard", "1/3"])
        .run()
        .code(0);
    leadctl(&sb)
        .args(["import", f])
        .run()
        .code(0)
        .stderr_has("skipped");
    assert_eq!(created(&sb), 4);
    assert_no_duplicates(&sb);
}

#[test]
fn a_shard_that_holds_no_rows_succeeds() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "two.csv", 2);
    let f = file.to_str().unwrap();
    leadctl(&sb)
        .args(["import", f, "--shard", "3/3"])
        .run()
        .code(0)
        .stderr_has(&format!(
            "shard 3/3 holds no rows of {f} (it has 2): nothing to do"
        ));
    assert_eq!(created(&sb), 0);
    // A file with no rows at all is still an error.
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, "Email\n").unwrap();
    leadctl(&sb)
        .args(["import", empty.to_str().unwrap(), "--shard", "3/3"])
        .run()
        .code(6)
        .stderr_has("has a header but no rows");
}

#[test]
fn the_retired_journal_flags_say_what_replaced_them() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "j.csv", 2);
    for flags in [&["--journal", "x.journal"][..], &["--no-journal"][..]] {
        leadctl(&sb)
            .args(["import", file.to_str().unwrap()])
            .args(flags)
            .run()
            .code(2)
            .stderr_has("--journal and --no-journal were replaced by the ledger")
            .stderr_has("--ledger PATH chooses its file, --no-ledger keeps none");
    }
    assert_eq!(created(&sb), 0);
}

/// `--rate N` caps every request a second, a status move after its lead's create too (it took
/// a slot of the concurrency only, so an import with a status column sent up to twice the rate).
/// A lower bound on the time only: a loaded machine makes a run slower, never faster.
#[test]
fn rate_paces_the_moves_too() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.csv");
    let mut text = String::from("Email,Business ID,Status\n");
    for i in 1..=8 {
        text.push_str(&format!("r{i}@example.com,R-{i},Qualified\n"));
    }
    std::fs::write(&file, text).unwrap();
    let started = std::time::Instant::now();
    let out = leadctl(&sb)
        .args([
            "import",
            file.to_str().unwrap(),
            "--rate",
            "8",
            "--concurrency",
            "4",
        ])
        .run();
    let took = started.elapsed();
    out.code(0).stderr_has("8 created");
    // 8 creates and 8 moves at 8 a second: 15 intervals of 125 ms after the first.
    assert!(
        took >= std::time::Duration::from_millis(1800),
        "16 requests at --rate 8 took {took:?}:\n{}",
        out.stderr
    );
}

/// A file whose columns need the channels' definitions (a property) asks for the default
/// channel's newest leads at the same time as for the channels, not after them: the first
/// create waits for one round trip, not two (#30). The server holds `get_channels` until
/// `get_leads` has come (at most 10 s: without the overlap it never comes, and the test fails).
#[test]
fn the_newest_leads_are_asked_for_while_the_channels_are() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Condvar, Mutex};

    use crate::support::api::{channels_response, lead_for, DEAL_SIZE};
    use crate::support::server::{Reply, ScriptedServer};
    use crate::support::CHANNEL;

    let asked = Arc::new((Mutex::new(false), Condvar::new()));
    let overlapped = Arc::new(AtomicBool::new(false));
    let server = {
        let (asked, overlapped) = (asked.clone(), overlapped.clone());
        ScriptedServer::start(move |req, _| match req.action().as_str() {
            "get_leads" => {
                *asked.0.lock().unwrap() = true;
                asked.1.notify_all();
                Reply::json(200, serde_json::json!([]))
            }
            "get_channels" => {
                let seen = asked.0.lock().unwrap();
                let (seen, _) = asked
                    .1
                    .wait_timeout_while(seen, Duration::from_secs(10), |s| !*s)
                    .unwrap();
                overlapped.store(*seen, Ordering::SeqCst);
                Reply::json(200, channels_response())
            }
            _ => lead_for(req),
        })
    };
    let l = Leadctl::against(&server.url()).env("LEADCTL_CHANNEL", CHANNEL);
    let file = l.file(
        "leads.csv",
        "Email,Business ID,Deal size\na@example.com,B-1,1000\nb@example.com,B-2,2000\n",
    );
    let out = l.args(["import", "-q", "-o", "ndjson"]).arg(&file).run();
    out.code(0);
    assert!(
        overlapped.load(Ordering::SeqCst),
        "get_leads was not asked while get_channels was unanswered"
    );
    let mut bodies: Vec<String> = server
        .requests()
        .iter()
        .map(|r| String::from_utf8_lossy(&r.body).to_string())
        .collect();
    bodies.sort();
    let create = |email: &str, bid: &str, size: &str| {
        format!(
            r#"{{"action":"create_lead","channel_id":"{CHANNEL}","email":"{email}","business_id":"{bid}","properties":[{{"property_definitions_id":"{DEAL_SIZE}","value":"{size}"}}]}}"#
        )
    };
    assert_eq!(
        bodies,
        [
            create("a@example.com", "B-1", "1000"),
            create("b@example.com", "B-2", "2000"),
            r#"{"action":"get_channels"}"#.to_string(),
            format!(r#"{{"action":"get_leads","channel_id":"{CHANNEL}"}}"#),
        ]
    );
    assert_eq!(
        out.stdout,
        "{\"row\":1,\"outcome\":\"created\",\"lead_id\":\"00000000-0000-4000-8000-000000000001\",\"error\":null,\"message\":null}\n\
         {\"row\":2,\"outcome\":\"created\",\"lead_id\":\"00000000-0000-4000-8000-000000000002\",\"error\":null,\"message\":null}\n"
    );
}

/// The early read of the newest leads is one attempt that says nothing: when it fails (a 503),
/// the channel is read again before the first create, as any read is, and the run goes on with
/// no notice of a retry.
#[test]
fn a_failed_early_read_is_read_again_and_says_nothing() {
    use crate::support::server::Reply;
    use crate::support::CHANNEL;

    let server = first_read_answered(Reply::error(503, "Service unavailable"));
    let l = Leadctl::against(&server.url()).env("LEADCTL_CHANNEL", CHANNEL);
    let file = l.file(
        "leads.csv",
        "Email,Business ID,Deal size\na@example.com,B-1,1000\nb@example.com,B-2,2000\n",
    );
    let out = l.args(["import", "-o", "ndjson"]).arg(&file).run();
    out.code(0);
    assert!(!out.stderr.contains("retry"), "{}", out.stderr);
    let mut actions: Vec<String> = server.requests().iter().map(|r| r.action()).collect();
    actions.sort();
    assert_eq!(
        actions,
        [
            "create_lead",
            "create_lead",
            "get_channels",
            "get_leads",
            "get_leads"
        ]
    );
}

/// A server that cannot be reached is reported by one series of retries (the channels' read),
/// not by the early read of the newest leads retrying beside it: exit 7, the whole stderr.
#[test]
fn an_unreachable_server_is_reported_by_one_series_of_retries() {
    use crate::support::CHANNEL;

    let url = crate::support::nothing_listens();
    let l = Leadctl::against(&url)
        .env("LEADCTL_CHANNEL", CHANNEL)
        .env("LEADCTL_RETRY_BASE_MS", "5");
    let file = l.file(
        "leads.csv",
        "Email,Business ID,Deal size\na@example.com,B-1,1000\n",
    );
    let out = l.args(["import"]).arg(&file).run();
    out.code(7);
    let waits = with_waits_masked(&out.stderr);
    let refused = "cannot connect (tcp connect error: Connection refused (os error 111))";
    let mut expected = format!(
        "leadctl: {}: UTF-8 (detected), delimiter ',' (detected)\n",
        file.display()
    );
    for attempt in 2..=6 {
        expected.push_str(&format!(
            "leadctl: {refused}; retrying in Xs (attempt {attempt} of 6)\n"
        ));
    }
    expected.push_str(&format!(
        "leadctl: error: reading the channels' property definitions (get_channels): cannot \
         connect to {url}: tcp connect error: Connection refused (os error 111)\n  hint: check \
         the network, a proxy (HTTPS_PROXY) and the API URL\n"
    ));
    assert_eq!(waits, expected);
}

/// `text` with each "retrying in 0.4s" read as "retrying in Xs" (the waits are jittered).
fn with_waits_masked(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        match (line.find("retrying in "), line.find("s (attempt")) {
            (Some(a), Some(b)) if a < b => {
                out.push_str(&line[..a + "retrying in ".len()]);
                out.push('X');
                out.push_str(&line[b..]);
            }
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// A 429 met by the early read of the newest leads pauses nothing (it is one silent attempt):
/// the read after it is sent at once, not after the 30 s the 429 asked for, and nothing is said.
#[test]
fn a_429_on_the_early_read_pauses_nothing() {
    use crate::support::server::Reply;
    use crate::support::CHANNEL;

    let server =
        first_read_answered(Reply::error(429, "Too many requests").header("Retry-After", "30"));
    let l = Leadctl::against(&server.url()).env("LEADCTL_CHANNEL", CHANNEL);
    let file = l.file(
        "leads.csv",
        "Email,Business ID,Deal size\na@example.com,B-1,1000\n",
    );
    let began = Instant::now();
    let out = l.args(["import", "-o", "ndjson"]).arg(&file).run();
    out.code(0);
    // Not a measure of speed: a pause would be the 30 s the 429 asked for.
    assert!(began.elapsed() < Duration::from_secs(20), "{}", out.stderr);
    assert!(!out.stderr.contains("429"), "{}", out.stderr);
    let mut actions: Vec<String> = server.requests().iter().map(|r| r.action()).collect();
    actions.sort();
    assert_eq!(
        actions,
        ["create_lead", "get_channels", "get_leads", "get_leads"]
    );
}

/// A server whose first `get_leads` (the early read) is answered with `first`, and every later
/// one with an empty channel; it answers `get_channels` and each create.
fn first_read_answered(
    first: crate::support::server::Reply,
) -> crate::support::server::ScriptedServer {
    use std::sync::atomic::{AtomicBool, Ordering};

    use crate::support::api::{channels_response, lead_for};
    use crate::support::server::{Reply, ScriptedServer};

    let answered = AtomicBool::new(false);
    ScriptedServer::start(move |req, _| match req.action().as_str() {
        "get_leads" if !answered.swap(true, Ordering::SeqCst) => first.clone(),
        "get_leads" => Reply::json(200, serde_json::json!([])),
        "get_channels" => Reply::json(200, channels_response()),
        _ => lead_for(req),
    })
}
