//! A saved plan with updates and status moves (issue 26, the rest of item 3): `--update` and a
//! status column planned with `--plan-out`, applied exactly once; a lead changed since the plan
//! is stale, not overwritten; `apply` sends concurrently within `--concurrency` and stops
//! cleanly on Ctrl-C; a plan of schema 1 still applies.

use std::path::{Path, PathBuf};
use std::time::Duration;

use leadctl::sandbox::Sandbox;
use serde_json::{json, Value};

use crate::apply::{apply, import, requests_of};
use crate::import::{business_ids, created, leadctl, leads, results, sandbox, write_csv};

/// A CRM export: row i is `crm{i}@example.com`, `names[i]`, `C-{i}`, `statuses[i]`.
fn crm(dir: &Path, name: &str, rows: &[(&str, &str)]) -> PathBuf {
    let mut text = String::from("Email,First Name,CRM ID,Deal Stage\n");
    for (i, (first, status)) in rows.iter().enumerate() {
        let n = i + 1;
        text.push_str(&format!("crm{n}@example.com,{first},C-{n},{status}\n"));
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn lead(sb: &Sandbox, bid: &str) -> Value {
    leads(sb)
        .into_iter()
        .find(|l| l["business_id"] == bid)
        .unwrap_or_else(|| panic!("no lead {bid}"))
}

/// Monday: five leads, C-2 qualified. Tuesday's plan (`--update`): C-3 renamed, C-4 won, C-6
/// new and qualified. Returns the plan's path and Tuesday's file.
fn monday_then_plan(sb: &Sandbox, dir: &Path) -> (PathBuf, PathBuf) {
    let monday = crm(
        dir,
        "monday.csv",
        &[
            ("Crm 1", "New lead"),
            ("Crm 2", "Qualified"),
            ("Crm 3", "New lead"),
            ("Crm 4", "New lead"),
            ("Crm 5", "New lead"),
        ],
    );
    import(sb, &monday, &[]).code(0).stderr_has("5 created");
    let tuesday = crm(
        dir,
        "tuesday.csv",
        &[
            ("Crm 1", "New lead"),
            ("Crm 2", "Qualified"),
            ("Renamed", "New lead"),
            ("Crm 4", "Won"),
            ("Crm 5", "New lead"),
            ("Crm 6", "Qualified"),
        ],
    );
    let plan = dir.join("plan.json");
    let out = import(
        sb,
        &tuesday,
        &[
            "--update",
            "--dry-run",
            "--plan-out",
            plan.to_str().unwrap(),
        ],
    );
    out.code(0)
        .stderr_has(
            "dry run: 1 lead would be created, 1 updated (first_name), 2 moved, 3 skipped as \
             already created; nothing was sent",
        )
        .stderr_has(&format!("plan saved to {}: 4 writes", plan.display()));
    (plan, tuesday)
}

#[test]
fn a_plan_with_updates_and_moves_applies_each_write_once() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let (plan, tuesday) = monday_then_plan(&sb, dir.path());
    let id3 = lead(&sb, "C-3")["id"].clone();
    let id4 = lead(&sb, "C-4")["id"].clone();
    let p: Value = serde_json::from_str(&std::fs::read_to_string(&plan).unwrap()).unwrap();
    assert_eq!(p["schema"], 2);
    let w = p["writes"].as_array().unwrap();
    let actions: Vec<(&str, u64, &str)> = w
        .iter()
        .map(|w| {
            (
                w["action"].as_str().unwrap(),
                w["row"].as_u64().unwrap(),
                w["key"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("update_lead", 3, "business_id:C-3"),
            ("update_status", 4, "status:business_id:C-4"),
            ("create_lead", 6, "business_id:C-6"),
            ("update_status", 6, "status:business_id:C-6"),
        ]
    );
    // Only the field that changed; the state each write was planned against.
    assert_eq!(
        w[0]["body"],
        json!({"action": "update_lead", "lead_id": id3, "first_name": "Renamed"})
    );
    assert_eq!(w[0]["expect"]["state"], "created");
    assert!(w[0]["expect"]["hash"].is_string(), "{}", w[0]);
    assert_eq!(w[0]["fields"]["first_name"], "Renamed");
    assert_eq!(
        w[1]["body"],
        json!({"action": "update_status", "lead_id": id4, "status": "Won"})
    );
    assert_eq!(w[1]["expect"]["state"], "created");
    assert_eq!(w[2]["expect"], json!({"state": "absent"}));
    assert_eq!(
        w[3]["body"],
        json!({"action": "update_status", "lead_id": null, "status": "Qualified"})
    );
    assert_eq!(w[3]["expect"], json!({"state": "absent"}));
    assert_eq!(
        requests_of(&sb, "update_lead"),
        0,
        "a dry run sends nothing"
    );
    let moves = requests_of(&sb, "update_status");

    let out = apply(&sb, &plan, &[]);
    out.code(0)
        .stderr_has("1 created, 1 updated, 2 moved of 4 planned write(s)");
    let r = results(&out);
    let got: Vec<(u64, &str)> = r
        .iter()
        .map(|x| (x["row"].as_u64().unwrap(), x["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(
        got,
        [(3, "updated"), (4, "moved"), (6, "created"), (6, "moved")]
    );
    let id6 = lead(&sb, "C-6")["id"].clone();
    assert_eq!(
        r[3]["lead_id"], id6,
        "the new lead's move moved the lead its create made"
    );
    assert_eq!(lead(&sb, "C-3")["first_name"], "Renamed");
    assert_eq!(lead(&sb, "C-4")["status"], "Won");
    assert_eq!(lead(&sb, "C-6")["status"], "Qualified");
    assert_eq!(requests_of(&sb, "update_lead"), 1);
    assert_eq!(requests_of(&sb, "update_status"), moves + 2);
    assert_eq!(created(&sb), 6);

    // Applied twice: nothing the second time.
    let out = apply(&sb, &plan, &[]);
    out.code(0)
        .stderr_has("0 created, 4 skipped of 4 planned write(s)")
        .stderr_has("4 done before: this plan was applied earlier (not sent again)");
    let notes: Vec<String> = results(&out)
        .iter()
        .map(|x| x["message"].as_str().unwrap().to_string())
        .collect();
    assert!(
        notes[0].starts_with("done: this plan updated "),
        "{notes:?}"
    );
    assert!(notes[1].starts_with("done: this plan moved "), "{notes:?}");
    assert!(
        notes[2].starts_with("done: this plan created it as "),
        "{notes:?}"
    );
    assert_eq!(requests_of(&sb, "update_lead"), 1);
    assert_eq!(requests_of(&sb, "update_status"), moves + 2);

    // The ledger knows what the plan did, as after an import: Tuesday again has nothing to do.
    import(&sb, &tuesday, &["--update"])
        .code(0)
        .stderr_has("0 created, 6 skipped");
    assert_eq!(requests_of(&sb, "update_lead"), 1);
    assert_eq!(requests_of(&sb, "update_status"), moves + 2);
}

#[test]
fn a_lead_changed_since_the_plan_is_stale_and_not_overwritten() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let (plan, _) = monday_then_plan(&sb, dir.path());
    // Meanwhile the nightly import renamed C-3 otherwise and moved C-4 back.
    let other = crm(
        dir.path(),
        "other.csv",
        &[
            ("Crm 1", "New lead"),
            ("Crm 2", "Qualified"),
            ("Other", "New lead"),
            ("Crm 4", "Qualified"),
        ],
    );
    import(&sb, &other, &["--update"])
        .code(0)
        .stderr_has("1 updated")
        .stderr_has("1 moved");
    let (updates, moves) = (
        requests_of(&sb, "update_lead"),
        requests_of(&sb, "update_status"),
    );

    let out = apply(&sb, &plan, &[]);
    out.code(0)
        .stderr_has("1 created, 1 moved, 2 skipped of 4 planned write(s)")
        .stderr_has("2 stale: done by another run since the plan was made (not sent)");
    let r = results(&out);
    for x in &r[..2] {
        assert_eq!(x["outcome"], "skipped", "{x}");
        let note = x["message"].as_str().unwrap();
        assert!(note.starts_with("stale: "), "{note}");
        assert!(note.ends_with("by another run since the plan was made; not sent (make a new plan to decide it again)"), "{note}");
    }
    assert_eq!(lead(&sb, "C-3")["first_name"], "Other", "not overwritten");
    assert_eq!(lead(&sb, "C-4")["status"], "Qualified");
    assert_eq!(requests_of(&sb, "update_lead"), updates);
    // Only the new lead's move.
    assert_eq!(requests_of(&sb, "update_status"), moves + 1);
}

#[test]
fn a_plan_of_schema_1_still_applies() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let monday = write_csv(dir.path(), "monday.csv", 2);
    import(&sb, &monday, &[]).code(0).stderr_has("2 created");
    let tuesday = write_csv(dir.path(), "tuesday.csv", 4);
    let plan = dir.path().join("plan.json");
    import(
        &sb,
        &tuesday,
        &["--dry-run", "--plan-out", plan.to_str().unwrap()],
    )
    .code(0);
    // As leadctl 0.9 wrote it: schema 1, creates only (the checksum covers the writes).
    let text = std::fs::read_to_string(&plan).unwrap();
    assert!(text.contains("\"schema\": 2"), "{text}");
    std::fs::write(&plan, text.replace("\"schema\": 2", "\"schema\": 1")).unwrap();
    apply(&sb, &plan, &[])
        .code(0)
        .stderr_has("2 created of 2 planned write(s)");
    assert_eq!(created(&sb), 4);
    // A schema this leadctl does not know yet is refused, naming the ones it applies.
    let text = std::fs::read_to_string(&plan).unwrap();
    std::fs::write(&plan, text.replace("\"schema\": 1", "\"schema\": 3")).unwrap();
    apply(&sb, &plan, &[]).code(6).stderr_has(&format!(
        "{} is a plan of schema 3, made by a newer leadctl; this leadctl ({}) applies schemas \
         1 to 2",
        plan.display(),
        env!("CARGO_PKG_VERSION")
    ));
}

/// 40 planned creates against a server that takes 50 ms a request.
fn slow_plan(sb: &Sandbox, dir: &Path, n: usize) -> PathBuf {
    let file = write_csv(dir, "many.csv", n);
    let plan = dir.join("plan.json");
    import(
        sb,
        &file,
        &["--dry-run", "--plan-out", plan.to_str().unwrap()],
    )
    .code(0)
    .stderr_has(&format!("plan saved to {}: {n} writes", plan.display()));
    plan
}

#[test]
fn apply_sends_concurrently_within_the_concurrency() {
    let sb = sandbox(|o| o.latency = Duration::from_millis(50));
    let dir = tempfile::tempdir().unwrap();
    let plan = slow_plan(&sb, dir.path(), 40);
    let out = apply(&sb, &plan, &["--concurrency", "4"]);
    out.code(0)
        .stderr_has("40 created of 40 planned write(s)")
        .stderr_has("\n  concurrency 4");
    let peak = sb.stats()["in_flight_peak"].as_u64().unwrap();
    assert!((2..=4).contains(&peak), "in flight at once: {peak}");
    // Results in the plan's order, whatever order the answers came in.
    let rows: Vec<u64> = results(&out)
        .iter()
        .map(|x| x["row"].as_u64().unwrap())
        .collect();
    assert_eq!(rows, (1..=40).collect::<Vec<u64>>());
    let ids = business_ids(&sb);
    assert_eq!(ids.len(), 40);
    assert!(ids.values().all(|&n| n == 1), "each once");
}

#[test]
fn apply_refuses_a_concurrency_above_its_maximum() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let plan = slow_plan(&sb, dir.path(), 2);
    apply(
        &sb,
        &plan,
        &["--concurrency", "8", "--max-concurrency", "4"],
    )
    .code(2)
    .stderr_has(
        "--concurrency 8 is above --max-concurrency 4: leadctl never has more requests in \
             flight than --max-concurrency",
    );
    assert_eq!(created(&sb), 0);
}

#[test]
fn ctrl_c_stops_an_apply_cleanly_and_applying_again_finishes_it() {
    let sb = sandbox(|o| o.latency = Duration::from_millis(20));
    let dir = tempfile::tempdir().unwrap();
    let plan = slow_plan(&sb, dir.path(), 200);
    let args = ["apply", plan.to_str().unwrap(), "--concurrency", "4"];
    let running = leadctl(&sb).args(args).spawn();
    // Ctrl-C once writes are going out (a loaded machine may take a while to start).
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while created(&sb) == 0 {
        assert!(std::time::Instant::now() < deadline, "nothing was created");
        std::thread::sleep(Duration::from_millis(5));
    }
    running.signal("-INT");
    let stopped = running.wait(Duration::from_secs(30));
    stopped
        .code(130)
        .stderr_has("stopping: no new writes are sent; requests in flight finish")
        .stderr_has("apply interrupted in ")
        .stderr_has(" not reached")
        .stderr_has(&format!(
            "run `leadctl apply {}` to send the rest (what was sent is not sent again)",
            plan.display()
        ));
    let partial = created(&sb);
    assert!(partial > 0 && partial < 200, "stopped midway ({partial})");

    leadctl(&sb)
        .args(args)
        .run()
        .code(0)
        .stderr_has(&format!("{partial} done before"));
    let ids = business_ids(&sb);
    assert_eq!(ids.len(), 200, "every planned lead created");
    assert!(ids.values().all(|&n| n == 1), "each exactly once");
}

/// Moves a lead on the server, as the app would (not through leadctl).
fn move_in_app(sb: &Sandbox, lead_id: &Value, status: &str) {
    let r = crate::support::raw_http::post_json(
        sb.addr(),
        Some(leadctl::sandbox::API_KEY),
        &json!({"action": "update_status", "lead_id": lead_id, "status": status}),
    )
    .unwrap();
    assert_eq!(r.status, 200, "{:?}", r.json());
}

/// Moves the ledger cannot decide (the status column came later) are planned after reading each
/// lead's status, and `apply` reads it again: a lead moved in the app since is stale and not
/// moved; a lead already at the status is recorded as there, not sent.
#[test]
fn a_move_planned_after_reading_the_status_reads_it_again() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    import(&sb, &write_csv(dir.path(), "plain.csv", 3), &[])
        .code(0)
        .stderr_has("3 created");
    let path = dir.path().join("won.csv");
    let mut text = String::from("Email,First Name,Business ID,Deal Stage\n");
    for i in 1..=3 {
        text.push_str(&format!("user{i}@example.com,User {i},B-{i},Won\n"));
    }
    std::fs::write(&path, text).unwrap();
    let plan = dir.path().join("plan.json");
    import(
        &sb,
        &path,
        &["--dry-run", "--plan-out", plan.to_str().unwrap()],
    )
    .code(0)
    .stderr_has("dry run: 0 leads would be created, 3 moved; nothing was sent");
    let p: Value = serde_json::from_str(&std::fs::read_to_string(&plan).unwrap()).unwrap();
    let first = lead(&sb, "B-1")["lead_status_id"].clone();
    for w in p["writes"].as_array().unwrap() {
        assert_eq!(w["action"], "update_status");
        // Read when planned: the lead's status then (a new lead's, the channel's first).
        assert_eq!(
            w["expect"],
            json!({"state": "absent", "status": first}),
            "{w}"
        );
    }
    // In the app meanwhile: B-1 qualified, B-2 won.
    move_in_app(&sb, &lead(&sb, "B-1")["id"], "Qualified");
    move_in_app(&sb, &lead(&sb, "B-2")["id"], "Won");
    let moves = requests_of(&sb, "update_status");

    let out = apply(&sb, &plan, &[]);
    out.code(0)
        .stderr_has("0 created, 1 moved, 2 skipped of 3 planned write(s)")
        .stderr_has("2 stale: done by another run since the plan was made (not sent)");
    let r = results(&out);
    assert_eq!(
        r[0]["message"],
        "stale: the lead's status changed since the plan was made; not moved (make a new plan to \
         decide it again)"
    );
    assert_eq!(
        r[1]["message"],
        "stale: the lead is at this status already (moved since the plan was made); not sent"
    );
    assert_eq!(r[2]["outcome"], "moved");
    assert_eq!(requests_of(&sb, "update_status"), moves + 1);
    assert_eq!(
        lead(&sb, "B-1")["status"],
        "Qualified",
        "not moved over the app's move"
    );
    assert_eq!(lead(&sb, "B-3")["status"], "Won");
    // B-2 was recorded as there: the file's import has nothing to move but B-1.
    let out = import(&sb, &path, &[]);
    out.code(0).stderr_has("1 moved, 2 skipped");
}

/// `create --update --dry-run --plan-out`: the update is saved and applied once.
#[test]
fn a_create_update_plan_applies_once() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let create = |extra: &[&str]| {
        leadctl(&sb)
            .args([
                "create",
                "--email",
                "ada@example.com",
                "--business-id",
                "B-1",
            ])
            .args(extra)
            .run()
    };
    create(&["--first-name", "Ada"]).code(0);
    let plan = dir.path().join("plan.json");
    create(&[
        "--first-name",
        "Adele",
        "--update",
        "--dry-run",
        "--plan-out",
        plan.to_str().unwrap(),
    ])
    .code(0)
    .stderr_has(&format!("plan saved to {}: 1 write", plan.display()));
    let id = lead(&sb, "B-1")["id"].clone();
    let out = apply(&sb, &plan, &[]);
    out.code(0)
        .stderr_has("0 created, 1 updated of 1 planned write(s)");
    assert_eq!(results(&out)[0]["lead_id"], id, "the lead the ledger knows");
    assert_eq!(lead(&sb, "B-1")["first_name"], "Adele");
    apply(&sb, &plan, &[]).code(0).stderr_has("1 done before");
    assert_eq!(requests_of(&sb, "update_lead"), 1);
}
