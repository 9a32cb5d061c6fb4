//! Keeping KeenPartner in step with a CRM: statuses in the lead import (outcome `moved`) and
//! `purchases import`, each exactly once through the ledger, counted by the sandbox
//! (`/__sandbox/stats`: `status_moves_by_lead`, `purchases_by_lead`, requests by action).

use std::path::{Path, PathBuf};

use leadctl::sandbox::Sandbox;
use serde_json::Value;

use crate::import::{leadctl, results, rows_with, sandbox};

fn by_action(sb: &Sandbox, action: &str) -> u64 {
    sb.stats()["requests"]["by_action"][action]
        .as_u64()
        .unwrap_or(0)
}

fn moves_by_lead(sb: &Sandbox) -> Vec<u64> {
    let stats = sb.stats();
    let mut v: Vec<u64> = stats["status_moves_by_lead"]
        .as_object()
        .map(|m| m.values().filter_map(Value::as_u64).collect())
        .unwrap_or_default();
    v.sort_unstable();
    v
}

/// The CRM export of `statuses.len()` leads, row i with `statuses[i]`.
pub(crate) fn crm_export(dir: &Path, name: &str, statuses: &[&str]) -> PathBuf {
    let mut text = String::from("Email,First Name,CRM ID,Deal Stage\n");
    for (i, s) in statuses.iter().enumerate() {
        let n = i + 1;
        text.push_str(&format!("crm{n}@example.com,Crm {n},C-{n},{s}\n"));
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The status of the lead with this business id, as the sandbox holds it.
fn status_of(sb: &Sandbox, business_id: &str) -> String {
    crate::import::leads(sb)
        .into_iter()
        .find(|l| l["business_id"] == business_id)
        .and_then(|l| l["status"].as_str().map(str::to_string))
        .unwrap_or_default()
}

#[test]
fn day_1_creates_and_moves_day_2_moves_only_what_changed() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let mut day1 = vec!["New lead"; 10];
    // "qualified" as a CRM writes it: matched case-insensitively.
    day1[1] = "Qualified";
    day1[4] = "qualified";
    day1[7] = "Qualified";
    let file = crm_export(dir.path(), "day1.csv", &day1);
    let out = leadctl(&sb)
        .args(["import", file.to_str().unwrap(), "-o", "ndjson"])
        .run();
    out.code(0)
        .stderr_has("Deal Stage → status\n")
        .stderr_has("10 created");
    let r = results(&out);
    assert_eq!(rows_with(&r, "created").len(), 10);
    assert_eq!(r[1]["error"], "then moved to \"Qualified\"");
    assert_eq!(r[0]["error"], Value::Null);
    assert_eq!(by_action(&sb, "update_status"), 3);
    assert_eq!(moves_by_lead(&sb), [1, 1, 1], "3 leads moved once each");
    assert_eq!(status_of(&sb, "C-5"), "Qualified");
    assert_eq!(status_of(&sb, "C-1"), "New lead");

    // Day 2: two deals won, the rest as they were.
    let mut day2 = day1.clone();
    day2[1] = "Won";
    day2[7] = "WON";
    let file2 = crm_export(dir.path(), "day2.csv", &day2);
    let out = leadctl(&sb)
        .args(["import", file2.to_str().unwrap(), "-o", "ndjson"])
        .run();
    out.code(0).stderr_has("2 moved").stderr_has("8 skipped");
    let r = results(&out);
    assert_eq!(rows_with(&r, "moved"), [2, 8]);
    assert!(r[1]["error"]
        .as_str()
        .unwrap()
        .starts_with("moved to \"Won\"; already created as "));
    assert_eq!(by_action(&sb, "update_status"), 5, "exactly 2 more moves");
    assert_eq!(by_action(&sb, "create_lead"), 10);
    // One read per run checks that the ledger and the server agree (doc/ledger.md); no lead's
    // status is read: the ledger knows each one.
    assert_eq!(by_action(&sb, "get_lead_by_id"), 1);
    assert_eq!(status_of(&sb, "C-2"), "Won");
    assert_eq!(status_of(&sb, "C-8"), "Won");

    // Day 2 again: nothing to send.
    let before = sb.stats()["requests"]["total"].as_u64().unwrap();
    let out = leadctl(&sb)
        .args(["import", file2.to_str().unwrap(), "-o", "ndjson"])
        .run();
    out.code(0).stderr_has("10 skipped");
    assert_eq!(rows_with(&results(&out), "skipped").len(), 10);
    assert_eq!(by_action(&sb, "update_status"), 5, "no move");
    assert_eq!(moves_by_lead(&sb), [1, 2, 2]);
    let after = sb.stats()["requests"]["total"].as_u64().unwrap();
    assert!(after - before <= 3, "only reads: {}", after - before);

    // The ledger shows the statuses leadctl set.
    let list = leadctl(&sb).args(["ledger", "list", "-o", "csv"]).run();
    list.code(0).stdout_has("status:business_id:C-2");
}

#[test]
fn leads_created_before_the_status_column_are_read_before_they_move() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.csv");
    std::fs::write(
        &plain,
        "Email,CRM ID\na@example.com,C-1\nb@example.com,C-2\n",
    )
    .unwrap();
    leadctl(&sb)
        .args(["import", plain.to_str().unwrap()])
        .run()
        .code(0);
    let file = crm_export(dir.path(), "s.csv", &["New lead", "Won"]);
    // crm_export uses crm{n}@ emails; these rows have the same CRM ids, so the same leads.
    let out = leadctl(&sb)
        .args(["import", file.to_str().unwrap(), "-o", "ndjson"])
        .run();
    out.code(0);
    let r = results(&out);
    assert_eq!(r[0]["outcome"], "changed", "{r:?}");
    assert_eq!(r[1]["outcome"], "moved", "{r:?}");
    // One read checks the ledger against the server; then each lead's status, once.
    assert_eq!(by_action(&sb, "get_lead_by_id"), 3);
    assert_eq!(by_action(&sb, "update_status"), 1, "only the one not there");
    assert_eq!(status_of(&sb, "C-2"), "Won");
    // Recorded: the next run reads nothing and moves nothing.
    leadctl(&sb)
        .args(["import", file.to_str().unwrap()])
        .run()
        .code(0);
    assert_eq!(
        by_action(&sb, "get_lead_by_id"),
        4,
        "only the agreement check"
    );
    assert_eq!(by_action(&sb, "update_status"), 1);
}

#[test]
fn an_unknown_status_is_invalid_before_anything_is_sent() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = crm_export(dir.path(), "bad.csv", &["New lead", "Qualifed", "Won"]);
    let out = leadctl(&sb).args(["import", file.to_str().unwrap()]).run();
    out.code(6)
        .stderr_has("1 of 3 rows is invalid, so nothing was sent")
        .stderr_has(
            "row 2 (line 3), column 4 \"Deal Stage\": status \"Qualifed\" is not on the channel; \
             its statuses are \"New lead\", \"Qualified\", \"Proposal sent\", \"Won\", \"Lost\" \
             (did you mean \"Qualified\"?)",
        );
    assert_eq!(by_action(&sb, "create_lead"), 0);
    assert_eq!(by_action(&sb, "update_status"), 0);
}

// ---- purchases import ----------------------------------------------------------------------

/// A billing export: `n` purchases, invoice INV-i, spread over the leads C-1..C-5 (by CRM id).
fn billing(dir: &Path, name: &str, n: usize) -> PathBuf {
    let mut text = String::from("Invoice No,CRM ID,Total,Product,Description\n");
    for i in 1..=n {
        text.push_str(&format!(
            "INV-{i},C-{},\"1.2{:02},50\",Pro,invoice {i}\n",
            i % 5 + 1,
            i % 100
        ));
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// description → how many purchases have it.
fn purchase_counts(sb: &Sandbox) -> std::collections::BTreeMap<String, usize> {
    let mut m = std::collections::BTreeMap::new();
    for p in crate::support::sandbox::stored_purchases(sb) {
        *m.entry(p["description"].as_str().unwrap_or("").to_string())
            .or_default() += 1;
    }
    m
}

fn five_leads(sb: &Sandbox, dir: &Path) {
    let file = crm_export(dir, "leads.csv", &["New lead"; 5]);
    leadctl(sb)
        .args(["import", file.to_str().unwrap()])
        .run()
        .code(0);
}

#[test]
fn a_billing_export_imported_twice_records_each_purchase_once() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    five_leads(&sb, dir.path());
    let file = billing(dir.path(), "billing.csv", 20);
    let args = [
        "purchases",
        "import",
        file.to_str().unwrap(),
        "--decimal-separator",
        ",",
        "-o",
        "ndjson",
    ];
    let out = leadctl(&sb).args(args).run();
    out.code(0)
        .stderr_has("Invoice No  → invoice")
        .stderr_has("CRM ID      → business_id")
        .stderr_has("20 row(s) checked: 20 valid, 0 invalid")
        .stderr_has("20 created");
    let r = results(&out);
    assert_eq!(rows_with(&r, "created").len(), 20);
    assert!(r[0]["error"].as_str().unwrap().starts_with("purchase "));
    let stored = crate::support::sandbox::stored_purchases(&sb);
    assert_eq!(stored.len(), 20);
    let first = stored
        .iter()
        .find(|p| p["description"] == "invoice 1")
        .unwrap();
    assert_eq!(first["purchase_amount"], 1201.5);
    assert_eq!(first["leads_id"], r[0]["lead_id"]);
    let per_lead: Vec<u64> = sb.stats()["purchases_by_lead"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(Value::as_u64)
        .collect();
    assert_eq!(per_lead, [4, 4, 4, 4, 4]);

    let again = leadctl(&sb).args(args).run();
    again.code(0).stderr_has("20 skipped");
    assert!(results(&again)[3]["error"]
        .as_str()
        .unwrap()
        .starts_with("already recorded as purchase "));
    assert_eq!(by_action(&sb, "create_purchase"), 20);
    assert!(purchase_counts(&sb).values().all(|&n| n == 1));

    // Without a purchase id column the key is a hash of the row: the same again.
    let plain = dir.path().join("plain.csv");
    std::fs::write(
        &plain,
        "email,amount,product\ncrm1@example.com,10,A\ncrm2@example.com,20,B\n",
    )
    .unwrap();
    for _ in 0..2 {
        leadctl(&sb)
            .args(["purchases", "import", plain.to_str().unwrap()])
            .run()
            .code(0);
    }
    assert_eq!(by_action(&sb, "create_purchase"), 22);
    let list = leadctl(&sb).args(["ledger", "list", "-o", "csv"]).run();
    list.code(0).stdout_has(",purchase:id:INV-7,created,");
}

/// `orders.csv` in `dir`: `n` orders (`O-1` …, amount `i`) of one lead made in the sandbox.
fn orders(sb: &Sandbox, dir: &Path, n: u32) -> PathBuf {
    let lead = crate::support::sandbox::create(sb, "buyer@example.com");
    let mut text = String::from("lead_id,order id,amount,description\n");
    for i in 1..=n {
        text.push_str(&format!("{lead},O-{i},{i},order {i}\n"));
    }
    let file = dir.join("orders.csv");
    std::fs::write(&file, text).unwrap();
    file
}

#[test]
fn kill_9_mid_purchases_import_then_resume_records_none_twice() {
    let sb = sandbox(|o| o.latency = std::time::Duration::from_millis(30));
    let dir = tempfile::tempdir().unwrap();
    let file = orders(&sb, dir.path(), 200);
    let args = [
        "purchases",
        "import",
        file.to_str().unwrap(),
        "--concurrency",
        "8",
        "-o",
        "ndjson",
    ];
    let running = leadctl(&sb).args(args).spawn();
    // Kill once some purchases are in (a loaded machine may take a while to get there), at a
    // random moment after that.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while crate::support::sandbox::stored_purchases(&sb).len() < 3 {
        assert!(
            std::time::Instant::now() < deadline,
            "no purchase recorded in 30 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    std::thread::sleep(std::time::Duration::from_millis(fastrand::u64(0..60)));
    running.signal("-KILL");
    let killed = running.wait(std::time::Duration::from_secs(20));
    assert_eq!(killed.code, 128 + 9);
    let before = crate::support::sandbox::stored_purchases(&sb).len();
    assert!(before > 0 && before < 200, "killed mid-run ({before})");

    let out = leadctl(&sb).args(args).run();
    let r = results(&out);
    assert_eq!(r.len(), 200);
    let unknown = rows_with(&r, "unknown");
    // The requests in flight, and answers whose record the kill cut off (within a sync of
    // their arrival); never a claim made ahead and not sent.
    assert!(
        unknown.len() <= 16,
        "at most twice `concurrency` unknown: {unknown:?}"
    );
    for row in &unknown {
        let e = r[*row as usize - 1]["error"].as_str().unwrap();
        assert!(e.contains("it may have been recorded"), "{e}");
    }
    assert_eq!(
        rows_with(&r, "created").len() + rows_with(&r, "skipped").len() + unknown.len(),
        200
    );
    let counts = purchase_counts(&sb);
    assert!(counts.values().all(|&n| n == 1), "no purchase twice");
    assert!(counts.len() >= 200 - unknown.len());
    out.code(if unknown.is_empty() { 0 } else { 8 });
}

/// Kills a run (`--concurrency 4`, against a sandbox that holds each request 2 s) once its
/// first 4 requests are at the server and the claimer has claimed the next 4.
pub(crate) fn kill_with_4_at_the_server(sb: &Sandbox, running: crate::support::Running) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while sb.stats()["in_flight_peak"].as_u64().unwrap_or(0) < 4 {
        assert!(
            std::time::Instant::now() < deadline,
            "4 requests never came"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    // The claimer claims the next 4 as soon as it has handed the first 4 on: 8 claims.
    let ledger = crate::import::ledger_of(sb);
    let claims = || {
        rusqlite::Connection::open(&ledger)
            .and_then(|c| {
                c.busy_timeout(std::time::Duration::from_secs(5))?;
                c.query_row(
                    "SELECT count(*) FROM leads WHERE state = 'sending'",
                    [],
                    |r| r.get::<_, i64>(0),
                )
            })
            .unwrap_or(0)
    };
    while claims() < 8 {
        assert!(std::time::Instant::now() < deadline, "8 claims never made");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    running.signal("-KILL");
    assert_eq!(
        running.wait(std::time::Duration::from_secs(20)).code,
        128 + 9
    );
}

/// kill -9 while 4 purchases are at the server (each takes 2 s) and the next 4 are claimed
/// ahead: those 4 were never sent, and the run's sent notes say so. A dry run plans them, the
/// next run records them; only the 4 sent without an answer are unknown.
#[test]
fn a_killed_runs_claims_made_ahead_are_sent_by_the_next_run() {
    let sb = sandbox(|o| o.latency = std::time::Duration::from_secs(2));
    let dir = tempfile::tempdir().unwrap();
    let file = orders(&sb, dir.path(), 12);
    let args = |more: &[&'static str]| {
        let mut a = vec![
            "purchases",
            "import",
            file.to_str().unwrap(),
            "--concurrency",
            "4",
        ];
        a.extend_from_slice(more);
        a.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let running = leadctl(&sb).args(args(&["-o", "ndjson"])).spawn();
    kill_with_4_at_the_server(&sb, running);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let ledger = crate::import::ledger_of(&sb);
    let states = crate::faults::ledger_states(&ledger);
    let rows_in = |state| crate::faults::rows_in(&states, state);
    assert_eq!(rows_in("sending"), [1, 2, 3, 4], "{states:?}");
    assert_eq!(rows_in("claimed"), [5, 6, 7, 8], "{states:?}");
    // The 4 in flight are recorded by the server after the kill.
    while crate::support::sandbox::stored_purchases(&sb).len() < 4 {
        assert!(
            std::time::Instant::now() < deadline,
            "the 4 in flight never landed"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }

    let plan = leadctl(&sb).args(args(&["--dry-run"])).run();
    plan.code(0).stderr_has(
        "dry run: 8 purchases would be recorded, 4 unknown (sent earlier without an answer; \
         left alone); nothing was sent",
    );
    let out = leadctl(&sb).args(args(&["-o", "ndjson"])).run();
    let r = results(&out);
    assert_eq!(rows_with(&r, "unknown"), [1, 2, 3, 4]);
    assert_eq!(rows_with(&r, "created"), [5, 6, 7, 8, 9, 10, 11, 12]);
    out.code(8).stderr_has("8 created, 4 unknown");
    let counts = purchase_counts(&sb);
    assert_eq!(counts.len(), 12, "{counts:?}");
    assert!(counts.values().all(|&n| n == 1), "no purchase twice");
}

#[test]
fn bad_purchase_rows_are_invalid_before_anything_is_sent() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    five_leads(&sb, dir.path());
    let file = dir.path().join("bad.csv");
    std::fs::write(
        &file,
        "email,amount,invoice\n\
         crm1@example.com,100,I-1\n\
         nobody@example.com,100,I-2\n\
         crm2@example.com,12.500,I-3\n\
         crm3@example.com,0,I-4\n\
         crm4@example.com,-5,I-5\n\
         crm5@example.com,lots,I-6\n",
    )
    .unwrap();
    let out = leadctl(&sb)
        .args(["purchases", "import", file.to_str().unwrap()])
        .run();
    out.code(6)
        .stderr_has("5 of 6 rows are invalid, so nothing was sent")
        .stderr_has(
            "row 2 (line 3), column 1 \"email\": no lead with email \"nobody@example.com\" is in \
             the ledger",
        )
        .stderr_has(
            "row 3 (line 4), column 2 \"amount\": amount \"12.500\" could be 12.5 (decimal \
             point) or 12500 (decimal comma)",
        )
        .stderr_has("row 4 (line 5), column 2 \"amount\": amount \"0\" is zero")
        .stderr_has("row 5 (line 6), column 2 \"amount\": amount \"-5\" is negative")
        .stderr_has("--allow-refunds")
        .stderr_has("row 6 (line 7), column 2 \"amount\": amount \"lots\" is not a number");
    assert_eq!(by_action(&sb, "create_purchase"), 0);

    // Refunds when asked; the ambiguous amount read with the file's convention.
    let fixed = dir.path().join("fixed.csv");
    std::fs::write(
        &fixed,
        "email,amount,invoice\ncrm3@example.com,0,I-4\ncrm4@example.com,\"-5,5\",I-5\ncrm2@example.com,12.500,I-3\n",
    )
    .unwrap();
    let out = leadctl(&sb)
        .args([
            "purchases",
            "import",
            fixed.to_str().unwrap(),
            "--allow-refunds",
            "--decimal-separator",
            ",",
            "--dry-run",
            "-o",
            "ndjson",
        ])
        .run();
    out.code(0)
        .stderr_has("dry run: 3 purchases would be recorded; nothing was sent");
    let bodies = results(&out);
    assert_eq!(bodies[0]["action"], "create_purchase");
    assert_eq!(bodies[0]["purchase_amount"], 0);
    assert_eq!(bodies[1]["purchase_amount"], -5.5);
    assert_eq!(bodies[2]["purchase_amount"], 12500);
    assert!(bodies[2]["lead_id"].as_str().unwrap().len() == 36);
    assert_eq!(by_action(&sb, "create_purchase"), 0);

    // No column naming the lead; a lead id that is not one.
    let nolead = dir.path().join("nolead.csv");
    std::fs::write(&nolead, "amount\n5\n").unwrap();
    leadctl(&sb)
        .args(["purchases", "import", nolead.to_str().unwrap()])
        .run()
        .code(6)
        .stderr_has("no column names the lead: one of lead_id, legacy_id, business_id or email");
    let badid = dir.path().join("badid.csv");
    std::fs::write(&badid, "lead_id,legacy_id,amount\nL-1,,5\n,999999,5\n").unwrap();
    leadctl(&sb)
        .args(["purchases", "import", badid.to_str().unwrap()])
        .run()
        .code(6)
        .stderr_has("lead id \"L-1\" is not a UUID")
        .stderr_has("no lead has legacy id 999999");
}

#[test]
fn leads_status_takes_a_name_in_any_case_when_one_status_matches() {
    let sb = sandbox(|_| {});
    let id = crate::support::sandbox::create(&sb, "case@example.com");
    leadctl(&sb)
        .args(["leads", "status", &id, "proposal SENT", "-o", "id"])
        .run()
        .code(0);
    assert_eq!(
        crate::support::sandbox::stored_lead(&sb, &id)["status"],
        "Proposal sent"
    );
    assert_eq!(
        by_action(&sb, "update_status"),
        2,
        "refused as typed, then exact"
    );
    assert_eq!(moves_by_lead(&sb), [1]);
    leadctl(&sb)
        .args(["leads", "status", &id, "Propsal"])
        .run()
        .code(6)
        .stderr_has("Status \"Propsal\" not found for this channel");
    assert_eq!(moves_by_lead(&sb), [1]);
}
