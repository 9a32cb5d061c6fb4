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
fn crm_export(dir: &Path, name: &str, statuses: &[&str]) -> PathBuf {
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
    assert_eq!(by_action(&sb, "get_lead_by_id"), 4, "only the agreement check");
    assert_eq!(by_action(&sb, "update_status"), 1);
}

#[test]
fn an_unknown_status_is_invalid_before_anything_is_sent() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = crm_export(dir.path(), "bad.csv", &["New lead", "Qualifed", "Won"]);
    let out = leadctl(&sb)
        .args(["import", file.to_str().unwrap()])
        .run();
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
