//! The ledger end to end (issue 13): the real binary against the sandbox (or a scripted server),
//! across files, re-exports, re-runs, kills, concurrent processes and damaged ledger files.
//! Every test checks what the server holds, not only what leadctl says.

// Seeds, trials and skipped checks are printed (shown for a failing test).
#![allow(clippy::print_stderr)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use leadctl::sandbox::{Options, Sandbox, PRIMARY_CHANNEL_ID};
use serde_json::{json, Value};

use crate::import::{
    assert_no_duplicates, business_ids, created, leadctl, leads, results, rows_with, sandbox,
    write_csv,
};
use crate::support::request::Request as Recorded;
use crate::support::server::{Reply, ScriptedServer};
use crate::support::{Leadctl, Outcome, CHANNEL};

// ---- helpers --------------------------------------------------------------------------------

/// A CSV of the rows `user{i}@example.com,User {i},B-{i}` for each `i` of `ids`, in that order.
fn write_rows(dir: &Path, name: &str, ids: &[usize]) -> PathBuf {
    let mut text = String::from("Email,First Name,Business ID\n");
    for i in ids {
        text.push_str(&format!("user{i}@example.com,User {i},B-{i}\n"));
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// How many requests of this action the sandbox answered or dropped.
fn requests_of(sb: &Sandbox, action: &str) -> u64 {
    sb.stats()["requests"]["by_action"][action]
        .as_u64()
        .unwrap_or(0)
}

/// A seed from `LEADCTL_TEST_SEED` or the clock, printed so a failure can be replayed.
fn seed(test: &str) -> u64 {
    let seed = std::env::var("LEADCTL_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    eprintln!("{test}: seed {seed} (LEADCTL_TEST_SEED={seed} replays it)");
    seed
}

/// The business id in a row of `write_rows`' shape, by its row number in `ids`' order.
fn bid_of_row(ids: &[usize], row: u64) -> String {
    format!("B-{}", ids[row as usize - 1])
}

fn import(sb: &Sandbox, file: &Path, extra: &[&str]) -> Outcome {
    leadctl(sb)
        .args(["import", file.to_str().unwrap(), "-o", "ndjson"])
        .args(extra)
        .run()
}

// ---- recurring exports ----------------------------------------------------------------------

#[test]
fn monday_then_tuesday_creates_only_the_5_new_leads() {
    let mut rng = fastrand::Rng::with_seed(seed("monday_then_tuesday"));
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let monday = write_csv(dir.path(), "export-monday.csv", 10);
    import(&sb, &monday, &[]).code(0).stderr_has("10 created");
    assert_eq!(created(&sb), 10);

    // Tuesday: a new file, Monday's 10 rows reordered, with 5 new ones among them.
    let mut ids: Vec<usize> = (1..=15).collect();
    rng.shuffle(&mut ids);
    let tuesday = write_rows(dir.path(), "export-tuesday.csv", &ids);
    let out = import(&sb, &tuesday, &[]);
    out.code(0).stderr_has("5 created, 10 skipped");
    let r = results(&out);
    assert_eq!(r.len(), 15);
    let new_rows: Vec<u64> = (1..=15u64)
        .filter(|&row| ids[row as usize - 1] > 10)
        .collect();
    assert_eq!(rows_with(&r, "created"), new_rows, "the new rows: {ids:?}");
    for row in rows_with(&r, "skipped") {
        let note = r[row as usize - 1]["error"].as_str().unwrap_or_default();
        assert!(note.contains("already created as"), "row {row}: {note}");
    }
    assert_eq!(created(&sb), 15);
    assert_eq!(requests_of(&sb, "create_lead"), 15);
    let ids_on_server = business_ids(&sb);
    assert_eq!(ids_on_server.len(), 15);
    assert_no_duplicates(&sb);
}

#[test]
fn monday_then_tuesday_keyed_by_email_only() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let rows = |ids: &[usize]| {
        let mut text = String::from("Email,First Name\n");
        for i in ids {
            text.push_str(&format!("user{i}@example.com,User {i}\n"));
        }
        text
    };
    let monday = dir.path().join("monday.csv");
    std::fs::write(&monday, rows(&(1..=10).collect::<Vec<_>>())).unwrap();
    import(&sb, &monday, &[]).code(0).stderr_has("10 created");
    let tuesday = dir.path().join("tuesday.csv");
    let ids = [11, 10, 9, 12, 8, 7, 6, 13, 5, 4, 3, 14, 2, 1, 15];
    std::fs::write(&tuesday, rows(&ids)).unwrap();
    let out = import(&sb, &tuesday, &[]);
    out.code(0).stderr_has("5 created, 10 skipped");
    assert_eq!(rows_with(&results(&out), "created"), [1, 4, 8, 12, 15]);
    assert_eq!(created(&sb), 15);
    let stats = sb.stats();
    assert_eq!(stats["duplicates"]["email"], json!([]), "{stats}");
    let emails: BTreeSet<String> = leads(&sb)
        .iter()
        .filter(|l| l["channels_id"] == PRIMARY_CHANNEL_ID)
        .map(|l| l["email"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(emails.len(), 15);
}

// ---- edited rows ----------------------------------------------------------------------------

#[test]
fn an_edited_row_is_changed_then_updated_then_skipped() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "edit.csv", 3);
    import(&sb, &file, &[]).code(0).stderr_has("3 created");
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("User 2,B-2", "Usher 2,B-2");
    std::fs::write(&file, text).unwrap();

    // Without --update: `changed`, the field named, nothing sent.
    let out = import(&sb, &file, &[]);
    out.code(0)
        .stderr_has("0 created, 2 skipped, 1 changed")
        .stderr_has("1 row(s) changed since their lead was created: --update sends the changes");
    let r = results(&out);
    assert_eq!(rows_with(&r, "changed"), [2]);
    let note = r[1]["error"].as_str().unwrap();
    assert!(note.contains("differs now in first_name"), "{note}");
    assert!(!note.contains("email"), "only the changed field: {note}");
    assert_eq!(requests_of(&sb, "create_lead"), 3);
    assert_eq!(requests_of(&sb, "update_lead"), 0);

    // With --update: one update_lead, the new value on the server.
    let out = import(&sb, &file, &["--update"]);
    out.code(0).stderr_has("1 updated, 2 skipped");
    let r = results(&out);
    assert_eq!(rows_with(&r, "updated"), [2]);
    assert_eq!(r[1]["error"], "sent first_name");
    assert_eq!(requests_of(&sb, "update_lead"), 1);
    assert_eq!(requests_of(&sb, "create_lead"), 3);
    let b2: Vec<Value> = leads(&sb)
        .into_iter()
        .filter(|l| l["business_id"] == "B-2")
        .collect();
    assert_eq!(b2.len(), 1);
    assert_eq!(b2[0]["first_name"], "Usher 2");
    assert_eq!(b2[0]["email"], "user2@example.com");
    assert_eq!(b2[0]["id"], r[1]["lead_id"]);

    // Again: the ledger holds the new fields, so it is skipped.
    let out = import(&sb, &file, &["--update"]);
    out.code(0).stderr_has("0 created, 3 skipped");
    assert_eq!(rows_with(&results(&out), "skipped"), [1, 2, 3]);
    assert_eq!(requests_of(&sb, "update_lead"), 1);
    assert_eq!(created(&sb), 3);
}

/// A lead for a scripted create (its id from the business id), or the lead asked for.
fn scripted_lead(req: &Recorded) -> Reply {
    let body = req.json();
    match req.action().as_str() {
        "create_lead" => crate::support::api::lead_for(req),
        _ => Reply::json(
            200,
            json!({"lead": {
                "id": body["lead_id"],
                "created_at": "2026-04-21T10:00:00Z",
                "channels_id": CHANNEL,
            }}),
        ),
    }
}

#[test]
fn update_sends_only_the_changed_field() {
    let server = ScriptedServer::importing(|req, _| scripted_lead(req));
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "u.csv", 2);
    let run = |extra: &[&str]| {
        Leadctl::against(&server.url())
            .env("LEADCTL_LEDGER", dir.path().join("ledger.sqlite3"))
            .env("LEADCTL_CHANNEL", CHANNEL)
            .args(["import", file.to_str().unwrap(), "-o", "ndjson"])
            .args(extra)
            .run()
    };
    run(&[]).code(0).stderr_has("2 created");
    std::fs::write(
        &file,
        "Email,First Name,Business ID\nuser1@example.com,Ada,B-1\nuser2@example.com,User 2,B-2\n",
    )
    .unwrap();
    run(&["--update"])
        .code(0)
        .stderr_has("1 updated, 1 skipped");
    let updates: Vec<Value> = server
        .requests()
        .iter()
        .filter(|r| r.action() == "update_lead")
        .map(Recorded::json)
        .collect();
    assert_eq!(
        updates,
        [json!({
            "action": "update_lead",
            "lead_id": "00000000-0000-4000-8000-000000000001",
            "first_name": "Ada",
        })],
        "one update_lead carrying only the changed field"
    );
    let creates = server
        .requests()
        .iter()
        .filter(|r| r.action() == "create_lead")
        .count();
    assert_eq!(creates, 2, "nothing created again");
}

// ---- one input ------------------------------------------------------------------------------

#[test]
fn the_same_business_id_twice_in_a_file_is_one_lead() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("twice.csv");
    std::fs::write(
        &file,
        "Email,First Name,Business ID\na@example.com,Ann,B-1\nb@example.com,Bob,B-2\n\
         c@example.com,Cy,B-1\n",
    )
    .unwrap();
    let out = import(&sb, &file, &[]);
    out.code(0).stderr_has("2 created, 1 duplicate");
    let r = results(&out);
    assert_eq!(rows_with(&r, "created"), [1, 2]);
    assert_eq!(rows_with(&r, "duplicate"), [3]);
    let note = r[2]["error"].as_str().unwrap();
    assert!(
        note.contains("same business_id \"B-1\" as row 1"),
        "names the earlier row: {note}"
    );
    assert_eq!(created(&sb), 2);
    assert_eq!(business_ids(&sb)["B-1"], 1);
    let b1: Vec<Value> = leads(&sb)
        .into_iter()
        .filter(|l| l["business_id"] == "B-1")
        .collect();
    assert_eq!(b1[0]["email"], "a@example.com", "the first row's lead");
}

#[test]
fn rows_appended_to_a_finished_file_send_only_the_new_rows() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "grow.csv", 5);
    import(&sb, &file, &[]).code(0).stderr_has("5 created");
    let mut text = std::fs::read_to_string(&file).unwrap();
    for i in 6..=8 {
        text.push_str(&format!("user{i}@example.com,User {i},B-{i}\n"));
    }
    std::fs::write(&file, text).unwrap();
    let out = import(&sb, &file, &[]);
    out.code(0).stderr_has("3 created, 5 skipped");
    assert!(!out.stderr.contains("changed since"), "{}", out.stderr);
    assert_eq!(rows_with(&results(&out), "created"), [6, 7, 8]);
    assert_eq!(created(&sb), 8);
    assert_eq!(requests_of(&sb, "create_lead"), 8);
    assert_no_duplicates(&sb);
}

// ---- kills and concurrent runs --------------------------------------------------------------

#[test]
fn kill_9_at_random_moments_across_re_exports_creates_nothing_twice() {
    const CONCURRENCY: usize = 4;
    const TRIALS: usize = 10;
    let mut rng = fastrand::Rng::with_seed(seed("kill_9_across_re_exports"));
    let sb = sandbox(|o| o.latency = Duration::from_millis(25));
    let dir = tempfile::tempdir().unwrap();
    let mut ids: Vec<usize> = (1..=30).collect();
    let mut unknown_bids: BTreeSet<String> = BTreeSet::new();
    let mut kills_mid_run = 0;
    for trial in 0..TRIALS {
        // The next export: the rows so far reordered, most often with new ones among them.
        let grown = if trial == 0 || rng.u8(0..10) < 8 {
            rng.usize(20..=40)
        } else {
            0
        };
        let next = ids.len() + 1;
        ids.extend(next..next + grown);
        rng.shuffle(&mut ids);
        let file = write_rows(dir.path(), &format!("export-{trial}.csv"), &ids);
        let conc = CONCURRENCY.to_string();
        let args = [
            "import",
            file.to_str().unwrap(),
            "--concurrency",
            &conc,
            "-o",
            "ndjson",
        ];
        let before = created(&sb);
        let running = leadctl(&sb).args(args).spawn();
        // Sending the new rows takes about grown x 25 ms / 4. One kill in four lands at a
        // random moment of the start-up; the others at a random moment after the first lead
        // was created (waited for: a loaded machine may take long to start).
        let early = grown == 0 || rng.u8(0..4) == 0;
        let delay = match early {
            true => rng.u64(0..100),
            false => rng.u64(0..grown as u64 * 25 / CONCURRENCY as u64),
        };
        if !early {
            let deadline = Instant::now() + Duration::from_secs(20);
            while created(&sb) == before && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        std::thread::sleep(Duration::from_millis(delay));
        running.signal("-KILL");
        let killed = running.wait(Duration::from_secs(20));
        let sent_before_kill = created(&sb) - before;
        if killed.code == 128 + 9 && sent_before_kill > 0 {
            kills_mid_run += 1;
        }
        eprintln!(
            "trial {trial}: {} rows ({grown} new), killed {delay} ms after {} (exit {}), \
             {sent_before_kill} created before the kill",
            ids.len(),
            if early {
                "the start"
            } else {
                "the first create"
            },
            killed.code,
        );

        let out = leadctl(&sb).args(args).run();
        // The killed run is gone: its claims are not waited for as another live run's would
        // be (its heartbeat names a process of this machine that no longer exists).
        assert!(
            !out.stderr
                .contains("another leadctl run sharing the ledger is sending")
                && !out.stderr.contains("sent by other leadctl runs"),
            "trial {trial}: waited for a dead run: {}",
            out.stderr
        );
        let r = results(&out);
        assert_eq!(r.len(), ids.len(), "trial {trial}: one result per row");
        for row in &r {
            let outcome = row["outcome"].as_str().unwrap();
            assert!(
                ["created", "skipped", "unknown"].contains(&outcome),
                "trial {trial}: {row}"
            );
        }
        let unknown: BTreeSet<String> = rows_with(&r, "unknown")
            .into_iter()
            .map(|row| bid_of_row(&ids, row))
            .collect();
        out.code(if unknown.is_empty() { 0 } else { 8 });
        // Unknown rows are never re-sent (reconciling may settle some as created); each kill
        // adds at most the requests it had claimed: one per worker.
        let new: Vec<&String> = unknown.difference(&unknown_bids).collect();
        assert!(
            new.len() <= CONCURRENCY,
            "trial {trial}: {} new unknown rows after one kill at concurrency {CONCURRENCY}: \
             {new:?}",
            new.len()
        );
        unknown_bids.extend(unknown.iter().cloned());
        assert!(unknown.len() <= CONCURRENCY * (trial + 1));
        assert_no_duplicates(&sb);
        let on_server = business_ids(&sb);
        for i in &ids {
            let bid = format!("B-{i}");
            if !unknown.contains(&bid) {
                assert_eq!(
                    on_server.get(&bid),
                    Some(&1),
                    "trial {trial}: {bid} was created once"
                );
            }
        }
    }
    eprintln!("{kills_mid_run} of {TRIALS} kills landed while rows were being sent");
    assert!(
        kills_mid_run > 0,
        "no kill landed while rows were being sent"
    );
    let on_server = business_ids(&sb);
    assert!(on_server.values().all(|&n| n == 1), "{on_server:?}");
    assert_eq!(sb.stats()["duplicates"]["business_id"], json!([]));
    // Every row of the last export exists once, or is reported unknown (its request was cut
    // off by a kill, before or after the server processed it).
    for i in &ids {
        let bid = format!("B-{i}");
        assert!(
            on_server.get(&bid) == Some(&1) || unknown_bids.contains(&bid),
            "{bid} is neither created nor unknown"
        );
    }
    assert!(created(&sb) as usize >= ids.len() - unknown_bids.len());
}

#[test]
fn two_processes_importing_overlapping_files_at_once_create_each_key_once() {
    let sb = sandbox(|o| o.latency = Duration::from_millis(20));
    let dir = tempfile::tempdir().unwrap();
    let a_ids: Vec<usize> = (1..=120).collect();
    let mut b_ids: Vec<usize> = (61..=180).collect();
    b_ids.reverse();
    let a = write_rows(dir.path(), "a.csv", &a_ids);
    let b = write_rows(dir.path(), "b.csv", &b_ids);
    let spawn = |file: &Path| {
        leadctl(&sb)
            .args([
                "import",
                file.to_str().unwrap(),
                "--concurrency",
                "8",
                "-o",
                "ndjson",
            ])
            .spawn()
    };
    let (ra, rb) = (spawn(&a), spawn(&b));
    let (oa, ob) = (
        ra.wait(Duration::from_secs(60)),
        rb.wait(Duration::from_secs(60)),
    );
    // outcome → business ids, per process
    let mut by_key: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (out, ids) in [(&oa, &a_ids), (&ob, &b_ids)] {
        let r = results(out);
        assert_eq!(r.len(), 120, "stderr:\n{}", out.stderr);
        let unknown = rows_with(&r, "unknown");
        out.code(if unknown.is_empty() { 0 } else { 8 });
        for row in &r {
            let bid = bid_of_row(ids, row["row"].as_u64().unwrap());
            by_key
                .entry(bid)
                .or_default()
                .push(row["outcome"].as_str().unwrap().to_string());
        }
    }
    assert_no_duplicates(&sb);
    let on_server = business_ids(&sb);
    assert_eq!(on_server.len(), 180, "every key created");
    assert_eq!(created(&sb), 180);
    assert_eq!(requests_of(&sb, "create_lead"), 180, "each key sent once");
    for (bid, outcomes) in &by_key {
        let creates = outcomes.iter().filter(|o| *o == "created").count();
        assert_eq!(creates, 1, "{bid}: {outcomes:?}");
        for o in outcomes.iter().filter(|o| *o != "created") {
            assert!(o == "skipped" || o == "unknown", "{bid}: {outcomes:?}");
        }
    }
    let overlap = by_key.values().filter(|o| o.len() == 2).count();
    assert_eq!(overlap, 60);
}

// ---- what the server holds ------------------------------------------------------------------

#[test]
fn a_lead_another_tool_created_among_the_newest_100_is_skipped() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    leadctl(&sb)
        .args([
            "--no-ledger",
            "create",
            "--email",
            "user2@example.com",
            "--first-name",
            "User 2",
            "--business-id",
            "B-2",
            "-o",
            "id",
        ])
        .run()
        .code(0);
    assert_eq!(created(&sb), 1);
    let theirs = business_ids(&sb);
    assert_eq!(theirs.len(), 1);
    let their_id = leads(&sb)
        .into_iter()
        .find(|l| l["business_id"] == "B-2")
        .unwrap()["id"]
        .clone();

    let file = write_csv(dir.path(), "o.csv", 3);
    let out = import(&sb, &file, &[]);
    out.code(0).stderr_has("2 created, 1 skipped");
    let r = results(&out);
    assert_eq!(rows_with(&r, "skipped"), [2]);
    assert_eq!(r[1]["lead_id"], their_id);
    let note = r[1]["error"].as_str().unwrap();
    assert!(
        note.contains("found among the channel's newest leads"),
        "{note}"
    );
    assert_eq!(
        requests_of(&sb, "create_lead"),
        3,
        "1 by the other tool, 2 now"
    );
    assert_eq!(created(&sb), 3);
    assert_no_duplicates(&sb);
    // Recorded: the next run knows it without the server's list.
    let again = import(&sb, &file, &[]);
    again.code(0).stderr_has("0 created, 3 skipped");
    assert_eq!(created(&sb), 3);
}

#[test]
fn no_ledger_sends_again_and_warns() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "n.csv", 3);
    import(&sb, &file, &[]).code(0).stderr_has("3 created");
    let out = leadctl(&sb)
        .args([
            "--no-ledger",
            "import",
            file.to_str().unwrap(),
            "-o",
            "ndjson",
        ])
        .run();
    out.code(0)
        .stderr_has("--no-ledger: nothing is remembered")
        .stderr_has("3 created");
    assert_eq!(rows_with(&results(&out), "created"), [1, 2, 3]);
    assert_eq!(created(&sb), 6, "sent again, as asked");
    assert!(business_ids(&sb).values().all(|&n| n == 2));
}

/// Starts a sandbox on `addr` (the port an earlier one just released).
pub(crate) fn sandbox_at(addr: &str) -> Sandbox {
    for _ in 0..50 {
        let mut o = Options::ephemeral();
        o.addr = addr.to_string();
        if let Ok(sb) = Sandbox::start(o) {
            return sb;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("cannot restart the sandbox at {addr}");
}

#[test]
fn a_ledger_and_a_server_that_disagree_stop_before_sending() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("mine.sqlite3");
    let file = write_csv(dir.path(), "d.csv", 3);
    let run = |sb: &Sandbox, f: &Path| {
        leadctl(sb)
            .args(["--ledger", ledger.to_str().unwrap(), "import"])
            .arg(f)
            .run()
    };
    let mut first = Sandbox::start(Options::ephemeral()).unwrap();
    run(&first, &file).code(0).stderr_has("3 created");
    assert_eq!(created(&first), 3);
    let addr = first.addr().to_string();
    first.shutdown().unwrap();
    drop(first);

    // The same URL, a server with no state.
    let sb = sandbox_at(&addr);
    assert_eq!(sb.url(), format!("http://{addr}/functions/v1/keen-api"));
    let more = write_csv(dir.path(), "more.csv", 5);
    let out = run(&sb, &more);
    out.code(3)
        .stderr_has("the ledger and the server disagree")
        .stderr_has(ledger.to_str().unwrap())
        .stderr_has(&format!(
            "leadctl ledger forget --channel {PRIMARY_CHANNEL_ID}"
        ));
    assert_eq!(created(&sb), 0);
    assert_eq!(requests_of(&sb, "create_lead"), 0, "nothing sent");
}

#[test]
fn following_the_disagreement_hint_lets_the_import_proceed() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("mine.sqlite3");
    let file = write_csv(dir.path(), "d.csv", 3);
    let mut first = Sandbox::start(Options::ephemeral()).unwrap();
    leadctl(&first)
        .args(["--ledger", ledger.to_str().unwrap(), "import"])
        .arg(&file)
        .run()
        .code(0);
    let addr = first.addr().to_string();
    first.shutdown().unwrap();
    drop(first);
    let sb = sandbox_at(&addr);
    leadctl(&sb)
        .args([
            "--ledger",
            ledger.to_str().unwrap(),
            "ledger",
            "forget",
            "--channel",
            PRIMARY_CHANNEL_ID,
            "--yes",
        ])
        .run()
        .code(0);
    leadctl(&sb)
        .args(["--ledger", ledger.to_str().unwrap(), "import"])
        .arg(&file)
        .run()
        .code(0)
        .stderr_has("3 created");
    assert_eq!(created(&sb), 3);
}

// ---- bad ledger files -----------------------------------------------------------------------

/// An import of 5 new rows with `--ledger bad`: refused with exit 3 before anything is sent, the
/// message naming the file and `what` is wrong.
fn refused(sb: &Sandbox, l: Leadctl, bad: &Path, what: &str) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    let file = write_rows(dir.path(), "new.csv", &[901, 902, 903, 904, 905]);
    let creates = requests_of(sb, "create_lead");
    let leads_before = created(sb);
    let out = l
        .args(["--ledger", bad.to_str().unwrap(), "import"])
        .arg(&file)
        .run();
    out.code(3)
        .stderr_has(&format!("the ledger {}", bad.display()))
        .stderr_has(what);
    assert_eq!(requests_of(sb, "create_lead"), creates, "nothing sent");
    assert_eq!(created(sb), leads_before);
    out
}

/// A ledger file holding `n` leads, made by importing them, its WAL folded in.
fn a_ledger_with_leads(sb: &Sandbox, dir: &Path, n: usize) -> PathBuf {
    let ledger = dir.join("ledger.sqlite3");
    let file = write_csv(dir, "made.csv", n);
    leadctl(sb)
        .args(["--ledger", ledger.to_str().unwrap(), "import"])
        .arg(&file)
        .run()
        .code(0);
    let c = rusqlite::Connection::open(&ledger).unwrap();
    c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    drop(c);
    ledger
}

#[test]
fn a_corrupt_ledger_is_refused_before_anything_is_sent() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let ledger = a_ledger_with_leads(&sb, dir.path(), 60);
    let len = std::fs::metadata(&ledger).unwrap().len();
    assert!(len >= 4 * 4096, "several pages ({len} bytes)");
    // Overwrite a page in the middle (not the header page) with junk.
    let mut bytes = std::fs::read(&ledger).unwrap();
    let page = (len / 4096 / 2).max(2) as usize;
    for (i, b) in bytes[page * 4096..(page + 1) * 4096].iter_mut().enumerate() {
        *b = (i * 37 % 251) as u8;
    }
    std::fs::write(&ledger, bytes).unwrap();
    refused(&sb, leadctl(&sb), &ledger, "is damaged");
    assert_eq!(created(&sb), 60);
}

/// Whether this process can write a file whose mode says it cannot (root, CAP_DAC_OVERRIDE).
fn permissions_are_bypassed(dir: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let probe = dir.join("probe");
    std::fs::write(&probe, "x").unwrap();
    std::fs::set_permissions(&probe, std::fs::Permissions::from_mode(0o400)).unwrap();
    let writable = std::fs::OpenOptions::new().write(true).open(&probe).is_ok();
    let _ = std::fs::remove_file(&probe);
    writable
}

#[test]
fn a_read_only_ledger_is_refused_before_anything_is_sent() {
    use std::os::unix::fs::PermissionsExt;
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let ledger = a_ledger_with_leads(&sb, dir.path(), 3);
    std::fs::set_permissions(&ledger, std::fs::Permissions::from_mode(0o400)).unwrap();
    let mut l = leadctl(&sb);
    if permissions_are_bypassed(dir.path()) {
        // Root writes through any mode: run leadctl without the capability that allows it.
        let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"]
            .into_iter()
            .find(|p| Path::new(p).exists());
        let Some(setpriv) = setpriv else {
            eprintln!(
                "note: running as root without setpriv: a 0400 file is writable here, so the \
                 read-only refusal is not checked"
            );
            return;
        };
        l = l.wrapped(&[
            setpriv,
            "--bounding-set=-dac_override,-dac_read_search",
            "--",
        ]);
    }
    refused(&sb, l, &ledger, "is read-only");
}

#[test]
fn a_ledger_of_a_newer_schema_is_refused_before_anything_is_sent() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let ledger = a_ledger_with_leads(&sb, dir.path(), 3);
    rusqlite::Connection::open(&ledger)
        .unwrap()
        .execute_batch("PRAGMA user_version = 99")
        .unwrap();
    refused(
        &sb,
        leadctl(&sb),
        &ledger,
        "was written by a newer leadctl (schema version 99",
    )
    .stderr_has("upgrade leadctl");
}

/// leadctl with file writes past 8 KiB failing (EFBIG, SIGXFSZ ignored) as on a full disk.
fn on_a_full_disk(l: Leadctl) -> Leadctl {
    l.wrapped(&["bash", "-c", r#"trap "" XFSZ; ulimit -f 8; exec "$0" "$@""#])
}

#[test]
fn a_ledger_on_a_full_disk_is_refused_before_anything_is_sent() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    // A new ledger that cannot be written whole.
    let fresh = dir.path().join("fresh.sqlite3");
    let out = refused(&sb, on_a_full_disk(leadctl(&sb)), &fresh, "");
    out.stderr_has(&format!("cannot create the ledger {}", fresh.display()));
    assert!(!fresh.exists(), "no half-made ledger is left");
    // An existing ledger whose next write (the first claim) does not fit.
    let ledger = a_ledger_with_leads(&sb, dir.path(), 3);
    let out = refused(
        &sb,
        on_a_full_disk(leadctl(&sb)),
        &ledger,
        "cannot be used: disk I/O error",
    );
    assert!(
        !out.stderr.contains("panicked"),
        "a clean error: {}",
        out.stderr
    );
    // The disk has room again: the rows are sent.
    let dir2 = tempfile::tempdir().unwrap();
    let file = write_rows(dir2.path(), "new.csv", &[901, 902, 903, 904, 905]);
    leadctl(&sb)
        .args(["--ledger", ledger.to_str().unwrap(), "import"])
        .arg(&file)
        .run()
        .code(0)
        .stderr_has("5 created");
    assert_eq!(created(&sb), 8);
}

// ---- inputs that are not regular files ------------------------------------------------------

#[test]
fn a_piped_dev_stdin_creates_every_row() {
    let sb = sandbox(|_| {});
    let mut text = String::from("Email,First Name,Business ID\n");
    for i in 1..=25 {
        text.push_str(&format!("user{i}@example.com,User {i},B-{i}\n"));
    }
    let out = leadctl(&sb)
        .args(["import", "/dev/stdin", "-o", "ndjson"])
        .stdin(text)
        .run();
    out.code(0).stderr_has("25 created");
    assert_eq!(rows_with(&results(&out), "created").len(), 25);
    assert_eq!(created(&sb), 25);
    assert_no_duplicates(&sb);
}

#[test]
fn a_named_fifo_creates_every_row() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("leads.fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        crate::support::skipped(
            "a_named_fifo_creates_every_row",
            "no mkfifo here: the named FIFO case is not checked",
        );
        return;
    }
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut text = String::from("Email,First Name,Business ID\n");
            for i in 1..=25 {
                text.push_str(&format!("user{i}@example.com,User {i},B-{i}\n"));
            }
            // Blocks until leadctl opens it for reading.
            std::fs::write(&fifo, text)
        })
    };
    let out = leadctl(&sb)
        .args(["import", fifo.to_str().unwrap(), "-o", "ndjson"])
        .spawn()
        .wait(Duration::from_secs(10));
    out.code(0).stderr_has("25 created");
    assert_eq!(created(&sb), 25);
    assert_no_duplicates(&sb);
    assert!(writer.is_finished());
}

#[test]
fn a_ledger_that_fills_the_disk_mid_run_stops_and_the_rest_is_sent_once_later() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let ledger = a_ledger_with_leads(&sb, dir.path(), 3);
    let file = write_rows(dir.path(), "more.csv", &(101..=160).collect::<Vec<_>>());
    // Room for the ledger's index file and a few claims in its log, not for 60.
    let out = leadctl(&sb)
        .wrapped(&[
            "bash",
            "-c",
            r#"trap "" XFSZ; ulimit -f 48; exec "$0" "$@""#,
        ])
        .args(["--ledger", ledger.to_str().unwrap(), "import"])
        .arg(&file)
        .args(["--concurrency", "1", "-o", "ndjson"])
        .run();
    out.code(3)
        .stderr_has(&format!("the ledger {}", ledger.display()))
        .stderr_has("cannot write");
    let r = results(&out);
    let sent_then = created(&sb) - 3;
    assert!(sent_then < 60, "stopped early ({sent_then} sent)");
    assert_eq!(rows_with(&r, "created").len() as u64, sent_then);
    let again = leadctl(&sb)
        .args(["--ledger", ledger.to_str().unwrap(), "import"])
        .arg(&file)
        .args(["-o", "ndjson"])
        .run();
    let r = results(&again);
    let unknown = rows_with(&r, "unknown");
    again.code(if unknown.is_empty() { 0 } else { 8 });
    assert_no_duplicates(&sb);
    assert!(unknown.len() <= 1, "{unknown:?}");
    assert!(created(&sb) >= 63 - unknown.len() as u64);
}

#[test]
fn create_json_twice_creates_no_duplicate() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("leads.json");
    std::fs::write(
        &json,
        r#"[{"email": "a@example.com", "business_id": "J-1"}, {"email": "b@example.com", "business_id": "J-2"}]"#,
    )
    .unwrap();
    let first = leadctl(&sb)
        .args(["create", "--json", json.to_str().unwrap(), "-o", "id"])
        .run();
    first.code(0);
    assert_eq!(created(&sb), 2);
    let again = leadctl(&sb)
        .args(["create", "--json", json.to_str().unwrap(), "-o", "id"])
        .run();
    again.code(0);
    assert_eq!(created(&sb), 2, "no lead created again");
    assert_eq!(requests_of(&sb, "create_lead"), 2);
    assert_no_duplicates(&sb);
    assert_eq!(again.stdout, first.stdout, "the same leads' ids");
    // Issue 13: a created key prints that lead and says on stderr that it existed.
    assert!(
        again.stderr.contains("exist"),
        "says the leads existed:\n{}",
        again.stderr
    );
}

#[test]
fn a_truncated_ledger_is_refused_before_anything_is_sent() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let ledger = a_ledger_with_leads(&sb, dir.path(), 60);
    let len = std::fs::metadata(&ledger).unwrap().len();
    // Cut at a page boundary past the first pages, as a copy stopped midway leaves it.
    let keep = (len / 4096 / 2).max(2) * 4096;
    std::fs::OpenOptions::new()
        .write(true)
        .open(&ledger)
        .unwrap()
        .set_len(keep)
        .unwrap();
    refused(&sb, leadctl(&sb), &ledger, "is damaged");
    assert_eq!(created(&sb), 60);
}

#[test]
fn switching_the_key_between_runs_creates_nothing_twice() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    // More rows than the newest 100 the server lists, so only the ledger can know them all.
    let file = write_csv(dir.path(), "k.csv", 150);
    import(&sb, &file, &["--concurrency", "8"])
        .code(0)
        .stderr_has("150 created");
    let out = import(&sb, &file, &["--key", "email", "--concurrency", "8"]);
    assert_eq!(created(&sb), 150, "no lead created again");
    assert_no_duplicates(&sb);
    out.code(0).stderr_has("0 created, 150 skipped");
}

#[test]
fn an_export_that_gains_a_business_id_column_creates_nothing_twice() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let monday = dir.path().join("monday.csv");
    let mut text = String::from("Email,First Name\n");
    for i in 1..=10 {
        text.push_str(&format!("user{i}@example.com,User {i}\n"));
    }
    std::fs::write(&monday, text).unwrap();
    import(&sb, &monday, &[]).code(0).stderr_has("10 created");
    // Tuesday the CRM export carries its ids too: the same 10 people, keyed by business id now.
    let tuesday = write_csv(dir.path(), "tuesday.csv", 10);
    let out = import(&sb, &tuesday, &[]);
    assert_eq!(created(&sb), 10, "no lead created again");
    assert_eq!(sb.stats()["duplicates"]["email"], json!([]));
    out.code(0);
    let r = results(&out);
    assert!(rows_with(&r, "created").is_empty(), "{}", out.stdout);
    // The same people with a business id added: skipped, or `changed` naming business_id.
    assert_eq!(
        rows_with(&r, "skipped").len() + rows_with(&r, "changed").len(),
        10
    );
}
