//! A saved plan (issue 26, item 3): `--dry-run --plan-out PLAN` saves what the run would send,
//! `leadctl apply PLAN` sends exactly that, once: the planned creates and nothing else, nothing
//! the second time, nothing a row appended later adds, nothing against another API URL; a file
//! that is not a whole plan of this leadctl is refused.

use std::path::{Path, PathBuf};

use leadctl::sandbox::{Sandbox, PRIMARY_CHANNEL_ID};
use serde_json::{json, Value};

use crate::import::{assert_no_duplicates, created, leadctl, results, sandbox, write_csv};
use leadctl::sandbox::API_KEY;

use crate::support::api::lead_for;
use crate::support::Outcome;

pub(crate) fn requests_of(sb: &Sandbox, action: &str) -> u64 {
    sb.stats()["requests"]["by_action"][action]
        .as_u64()
        .unwrap_or(0)
}

pub(crate) fn import(sb: &Sandbox, file: &Path, extra: &[&str]) -> Outcome {
    leadctl(sb)
        .args(["import", file.to_str().unwrap(), "-o", "ndjson"])
        .args(extra)
        .run()
}

pub(crate) fn apply(sb: &Sandbox, plan: &Path, extra: &[&str]) -> Outcome {
    leadctl(sb)
        .args(["apply", plan.to_str().unwrap(), "-o", "ndjson"])
        .args(extra)
        .run()
}

fn sha256_hex(bytes: &[u8]) -> String {
    leadctl::report::Input::sha256_of(bytes)
}

/// Monday's 10 rows imported; Tuesday's 13 (the 10 and 3 new) planned to `plan.json`.
fn monday_then_plan(sb: &Sandbox, dir: &Path) -> (PathBuf, PathBuf) {
    let monday = write_csv(dir, "monday.csv", 10);
    import(sb, &monday, &[]).code(0).stderr_has("10 created");
    let tuesday = write_csv(dir, "tuesday.csv", 13);
    let plan = dir.join("plan.json");
    let out = import(
        sb,
        &tuesday,
        &["--dry-run", "--plan-out", plan.to_str().unwrap()],
    );
    out.code(0)
        .stderr_has("dry run: 3 leads would be created, 10 skipped as already created")
        .stderr_has(&format!("plan saved to {}: 3 writes", plan.display()));
    assert_eq!(created(sb), 10, "a dry run sends nothing");
    (tuesday, plan)
}

fn lead_body(i: usize) -> Value {
    json!({
        "action": "create_lead",
        "channel_id": PRIMARY_CHANNEL_ID,
        "email": format!("user{i}@example.com"),
        "first_name": format!("User {i}"),
        "business_id": format!("B-{i}"),
    })
}

#[test]
fn a_saved_plan_holds_each_write_and_never_the_key() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let (tuesday, plan) = monday_then_plan(&sb, dir.path());
    let text = std::fs::read_to_string(&plan).unwrap();
    assert!(!text.contains(API_KEY), "the API key is never in a plan");
    let p: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(p["kind"], "leadctl-plan");
    assert_eq!(p["schema"], 2);
    assert_eq!(p["command"], "import");
    assert_eq!(p["api_url"], sb.url());
    assert!(
        p["created"].as_str().unwrap().ends_with('Z'),
        "{}",
        p["created"]
    );
    let bytes = std::fs::read(&tuesday).unwrap();
    assert_eq!(
        p["inputs"],
        json!([{
            "name": "tuesday.csv",
            "path": tuesday.display().to_string(),
            "size": bytes.len(),
            "sha256": sha256_hex(&bytes),
        }])
    );
    assert_eq!(
        p["summary"],
        "3 leads would be created, 10 skipped as already created"
    );
    let writes = p["writes"].as_array().unwrap();
    assert_eq!(writes.len(), 3);
    for (n, w) in writes.iter().enumerate() {
        let i = 11 + n;
        assert_eq!(w["action"], "create_lead");
        assert_eq!(w["channel"], PRIMARY_CHANNEL_ID);
        assert_eq!(w["key"], format!("business_id:B-{i}"));
        assert_eq!(w["row"], i as u64, "the row as the results name it");
        assert_eq!(w["expect"], json!({"state": "absent"}));
        assert_eq!(w["body"], lead_body(i));
        assert_eq!(
            w["fields"],
            json!({
                "business_id": format!("B-{i}"),
                "email": format!("user{i}@example.com"),
                "first_name": format!("User {i}"),
            })
        );
    }
}

#[test]
fn apply_creates_exactly_the_planned_creates_once() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let (_, plan) = monday_then_plan(&sb, dir.path());
    let before = requests_of(&sb, "create_lead");

    let out = apply(&sb, &plan, &[]);
    out.code(0)
        .stderr_has("apply finished in")
        .stderr_has("3 created of 3 planned write(s)");
    let r = results(&out);
    assert_eq!(r.len(), 3);
    for (n, row) in r.iter().enumerate() {
        assert_eq!(row["row"], 11 + n as u64, "{row}");
        assert_eq!(row["outcome"], "created", "{row}");
        assert!(row["lead_id"].is_string(), "{row}");
    }
    assert_eq!(requests_of(&sb, "create_lead"), before + 3);
    assert_eq!(created(&sb), 13);

    // The same plan again: nothing sent, each write named as done.
    let out = apply(&sb, &plan, &[]);
    out.code(0)
        .stderr_has("0 created, 3 skipped of 3 planned write(s)")
        .stderr_has("3 done before: this plan was applied earlier (not sent again)");
    for row in results(&out) {
        assert_eq!(row["outcome"], "skipped", "{row}");
        assert!(
            row["message"]
                .as_str()
                .unwrap()
                .starts_with("done: this plan created it as "),
            "{row}"
        );
    }
    assert_eq!(requests_of(&sb, "create_lead"), before + 3);

    // The ledger knows them as an import does: the file's next import creates nothing.
    let tuesday = dir.path().join("tuesday.csv");
    import(&sb, &tuesday, &[])
        .code(0)
        .stderr_has("0 created, 13 skipped");
    assert_eq!(created(&sb), 13);
}

#[test]
fn a_row_appended_after_planning_is_not_sent() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let (tuesday, plan) = monday_then_plan(&sb, dir.path());
    let mut text = std::fs::read_to_string(&tuesday).unwrap();
    text.push_str("late@example.com,Late,B-99\n");
    std::fs::write(&tuesday, text).unwrap();

    let out = apply(&sb, &plan, &[]);
    out.code(0)
        .stderr_has("changed since the plan was made (its SHA-256 differs)")
        .stderr_has("3 created of 3 planned write(s)");
    assert_eq!(results(&out).len(), 3);
    assert_eq!(created(&sb), 13);
    let late = crate::import::leads(&sb)
        .into_iter()
        .filter(|l| l["business_id"] == "B-99")
        .count();
    assert_eq!(late, 0, "the appended row was not sent");
}

#[test]
fn a_write_done_by_another_run_since_is_stale() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let (tuesday, plan) = monday_then_plan(&sb, dir.path());
    // The nightly import ran meanwhile.
    import(&sb, &tuesday, &[]).code(0).stderr_has("3 created");
    let before = requests_of(&sb, "create_lead");

    let out = apply(&sb, &plan, &[]);
    out.code(0)
        .stderr_has("3 stale: done by another run since the plan was made (not sent)");
    for row in results(&out) {
        assert_eq!(row["outcome"], "skipped", "{row}");
        let note = row["message"].as_str().unwrap();
        assert!(note.starts_with("stale: created as "), "{note}");
        assert!(note.ends_with("by another run since the plan was made; not sent (make a new plan to decide it again)"), "{note}");
    }
    assert_eq!(requests_of(&sb, "create_lead"), before);
    assert_eq!(created(&sb), 13);
}

#[test]
fn a_plan_for_another_api_url_is_refused() {
    let sb = sandbox(|_| {});
    let other = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let (_, plan) = monday_then_plan(&sb, dir.path());

    // The same ledger, another server.
    let out = leadctl(&other)
        .env("LEADCTL_LEDGER", crate::import::ledger_of(&sb))
        .args(["apply", plan.to_str().unwrap(), "-o", "ndjson"])
        .run();
    out.code(3)
        .stderr_has(&format!(
            "{} was planned against {}, and this run's API URL is {}: a plan applies only to \
             the server it was made against; nothing was sent",
            plan.display(),
            sb.url(),
            other.url()
        ))
        .stderr_has("hint: apply it with the API URL it was made with");
    assert_eq!(out.stdout, "");
    assert_eq!(requests_of(&other, "create_lead"), 0);
    assert_eq!(created(&sb), 10);
}

#[test]
fn apply_keeps_the_limits() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let (_, plan) = monday_then_plan(&sb, dir.path());
    let out = apply(&sb, &plan, &["--max-create", "2"]);
    out.code(6).stderr_has(
        "the plan of this run is over its limit: it would create 3 leads, above --max-create \
         2; nothing was sent",
    );
    assert_eq!(created(&sb), 10);
}

#[test]
fn apply_writes_its_run_report() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let (_, plan) = monday_then_plan(&sb, dir.path());
    let report = dir.path().join("report.json");
    apply(&sb, &plan, &["--report", report.to_str().unwrap()]).code(0);
    let r: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(r["command"], "apply");
    assert_eq!(r["counts"]["created"], 3, "{r}");
}

#[test]
fn plan_out_needs_dry_run() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "f.csv", 2);
    let plan = dir.path().join("plan.json");
    let out = import(&sb, &file, &["--plan-out", plan.to_str().unwrap()]);
    out.code(2).stderr_has("--dry-run");
    assert!(!plan.exists());
    assert_eq!(created(&sb), 0);

    // A place no file can be written: said, exit 3, nothing sent.
    let under_a_file = file.join("plan.json");
    let out = import(
        &sb,
        &file,
        &["--dry-run", "--plan-out", under_a_file.to_str().unwrap()],
    );
    out.code(3)
        .stderr_has(&format!(
            "cannot write the plan {}: ",
            under_a_file.display()
        ))
        .stderr_has(
            "hint: name a file in a writable directory with --plan-out FILE; nothing was sent",
        );
    assert_eq!(created(&sb), 0);
}

/// Each way a file is not a plan this leadctl applies: exit 6, the file and the reason named,
/// nothing sent.
#[test]
fn a_file_that_is_not_a_whole_plan_is_refused() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let (_, plan) = monday_then_plan(&sb, dir.path());
    let text = std::fs::read_to_string(&plan).unwrap();
    let write = |name: &str, content: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, content).unwrap();
        p
    };
    let refused = |path: &Path, why: &str| {
        let out = apply(&sb, path, &[]);
        out.code(6)
            .stderr_has(&format!(
                "{} is not a plan leadctl can apply: {why}",
                path.display()
            ))
            .stderr_has("hint: make a plan with `leadctl import FILE --dry-run --plan-out PLAN`");
        assert_eq!(out.stdout, "");
    };
    refused(
        &write("csv.json", "Email,First Name\n"),
        "it is not valid JSON: line 1, column 1",
    );
    refused(
        &write("cut.json", &text[..text.len() / 2]),
        "it ends early (cut off while written or copied?)",
    );
    refused(
        &write("other.json", "{\"writes\": []}"),
        "it has no \"kind\": \"leadctl-plan\"",
    );
    let edited = text.replacen("user11@example.com", "someone@example.com", 1);
    refused(
        &write("edited.json", &edited),
        "its writes differ from what was saved (the checksum does not match): it was edited or \
         damaged; a plan is applied exactly as made or not at all",
    );

    let newer = text.replacen("\"schema\": 2", "\"schema\": 3", 1);
    let newer = write("newer.json", &newer);
    apply(&sb, &newer, &[])
        .code(6)
        .stderr_has(&format!(
            "{} is a plan of schema 3, made by a newer leadctl; this leadctl ({}) applies \
             schemas 1 to 2",
            newer.display(),
            env!("CARGO_PKG_VERSION")
        ))
        .stderr_has("hint: apply it with the leadctl that made it, or upgrade leadctl");

    let missing = dir.path().join("missing.json");
    apply(&sb, &missing, &[]).code(6).stderr_has(&format!(
        "cannot read the plan {}: no such file",
        missing.display()
    ));
    assert_eq!(created(&sb), 10);
}

#[test]
fn a_purchases_plan_records_each_purchase_once() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let lead = crate::support::sandbox::create(&sb, "buyer@example.com");
    let file = dir.path().join("orders.csv");
    std::fs::write(
        &file,
        format!(
            "lead_id,order id,amount,description\n{lead},O-1,10,order 1\n{lead},O-2,20,order 2\n"
        ),
    )
    .unwrap();
    let plan = dir.path().join("orders.plan.json");
    let out = leadctl(&sb)
        .args([
            "purchases",
            "import",
            file.to_str().unwrap(),
            "-o",
            "ndjson",
        ])
        .args(["--dry-run", "--plan-out", plan.to_str().unwrap()])
        .run();
    out.code(0)
        .stderr_has("dry run: 2 purchases would be recorded")
        .stderr_has("2 writes");
    assert_eq!(requests_of(&sb, "create_purchase"), 0);
    let p: Value = serde_json::from_slice(&std::fs::read(&plan).unwrap()).unwrap();
    assert_eq!(p["command"], "purchases import");
    let writes = p["writes"].as_array().unwrap();
    // The plan's bodies are exactly the dry run's.
    let printed = crate::import::bodies(&out);
    assert_eq!(printed.len(), 2);
    for (w, body) in writes.iter().zip(&printed) {
        assert_eq!(w["action"], "create_purchase");
        assert_eq!(w["channel"], "");
        assert_eq!(&w["body"], body);
        assert_eq!(w["body"]["lead_id"], lead.as_str());
    }
    assert_eq!(writes[0]["key"], "purchase:id:O-1");

    let out = apply(&sb, &plan, &[]);
    out.code(0).stderr_has("2 created of 2 planned write(s)");
    assert_eq!(requests_of(&sb, "create_purchase"), 2);
    assert_eq!(crate::support::sandbox::stored_purchases(&sb).len(), 2);
    apply(&sb, &plan, &[])
        .code(0)
        .stderr_has("2 done before: this plan was applied earlier");
    assert_eq!(requests_of(&sb, "create_purchase"), 2);
    // The import of the same file knows them.
    leadctl(&sb)
        .args(["purchases", "import", file.to_str().unwrap()])
        .run()
        .code(0)
        .stderr_has("2 skipped");
    assert_eq!(requests_of(&sb, "create_purchase"), 2);
}

#[test]
fn a_plan_applies_only_through_its_ledger() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let (_, plan) = monday_then_plan(&sb, dir.path());
    let other = dir.path().join("other.sqlite3");
    let out = leadctl(&sb)
        .env("LEADCTL_LEDGER", &other)
        .args(["apply", plan.to_str().unwrap()])
        .run();
    out.code(3)
        .stderr_has(&format!(
            "{} was planned with the ledger {}, and this run's ledger is {}: a plan is applied \
             through the ledger it was decided against; nothing was sent",
            plan.display(),
            crate::import::ledger_of(&sb).display(),
            other.display()
        ))
        .stderr_has(&format!(
            "hint: apply it with --ledger {}",
            crate::import::ledger_of(&sb).display()
        ));
    assert_eq!(created(&sb), 10);

    let out = leadctl(&sb)
        .args(["--no-ledger", "apply", plan.to_str().unwrap()])
        .run();
    out.code(2)
        .stderr_has("apply needs the ledger: it is how a plan is applied exactly once");
    assert_eq!(created(&sb), 10);

    let tuesday = dir.path().join("tuesday.csv");
    let out = leadctl(&sb)
        .args(["--no-ledger", "import", tuesday.to_str().unwrap()])
        .args(["--dry-run", "--plan-out", plan.to_str().unwrap()])
        .run();
    out.code(2).stderr_has(
        "--plan-out needs the ledger: a saved plan is applied through it, exactly once",
    );
}

/// A retry planned against the failed entry it takes over: sent once by `apply` (its refusal
/// exits 8 as an import's), named as done by the next apply, and stale when another run retried
/// it first.
#[test]
fn a_planned_retry_applies_against_the_entry_it_was_decided_on() {
    use leadctl::sandbox::PRIVATE_CHANNEL_ID;
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("p.csv");
    std::fs::write(
        &file,
        format!("Email,Channel ID\na@example.com,{PRIMARY_CHANNEL_ID}\nb@example.com,{PRIVATE_CHANNEL_ID}\n"),
    )
    .unwrap();
    import(&sb, &file, &[]).code(8);
    let plan = dir.path().join("retry.json");
    let plan_retry = || {
        import(
            &sb,
            &file,
            &[
                "--retry-failed",
                "--dry-run",
                "--plan-out",
                plan.to_str().unwrap(),
            ],
        )
        .code(0)
        .stderr_has(": 1 write (apply it with `leadctl apply ");
    };
    plan_retry();
    let p: Value = serde_json::from_slice(&std::fs::read(&plan).unwrap()).unwrap();
    let w = &p["writes"][0];
    assert_eq!(w["key"], "email:b@example.com");
    assert_eq!(w["expect"]["state"], "failed");
    assert!(w["expect"]["updated_at"].is_i64(), "{w}");
    assert!(w["expect"]["run"].is_string(), "the run that left it: {w}");
    let refusals = || {
        sb.stats()["requests"]["by_status"]["403"]
            .as_u64()
            .unwrap_or(0)
    };
    let before = refusals();

    let out = apply(&sb, &plan, &[]);
    out.code(8)
        .stderr_has("1 of 1 planned write(s) were not created")
        .stderr_has(
            "fix the 1 failed row(s) and import them (applying the plan again does not send them)",
        );
    let r = results(&out);
    assert_eq!(r[0]["outcome"], "failed");
    assert_eq!(
        r[0]["message"],
        "permission refused (403): Channel not accessible"
    );
    assert_eq!(refusals(), before + 1);

    let out = apply(&sb, &plan, &[]);
    out.code(8);
    let r = results(&out);
    assert_eq!(r[0]["outcome"], "failed");
    assert!(
        r[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("done: this plan sent it on "),
        "{}",
        r[0]
    );
    assert_eq!(refusals(), before + 1, "not sent again");

    // Planned again, then retried by an import first: the plan's write is stale.
    plan_retry();
    import(&sb, &file, &["--retry-failed"]).code(8);
    let sent = refusals();
    let out = apply(&sb, &plan, &[]);
    out.code(0)
        .stderr_has("1 stale: done by another run since the plan was made");
    let r = results(&out);
    assert_eq!(r[0]["outcome"], "skipped");
    assert!(r[0]["message"]
        .as_str()
        .unwrap()
        .starts_with("stale: sent and refused on "));
    assert_eq!(refusals(), sent);
    assert_eq!(created(&sb), 1);
}

#[test]
fn a_create_plan_applies_once() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let json_file = dir.path().join("leads.json");
    std::fs::write(
        &json_file,
        r#"[{"email": "c1@example.com", "first_name": "C1"}, {"email": "c2@example.com"}]"#,
    )
    .unwrap();
    let plan = dir.path().join("create.plan.json");
    let out = leadctl(&sb)
        .args(["create", "--json", json_file.to_str().unwrap(), "--dry-run"])
        .args(["--plan-out", plan.to_str().unwrap()])
        .run();
    out.code(0)
        .stderr_has("dry run: 2 leads would be created; nothing was sent")
        .stderr_has(": 2 writes (apply it with `leadctl apply ");
    assert_eq!(created(&sb), 0);
    let p: Value = serde_json::from_slice(&std::fs::read(&plan).unwrap()).unwrap();
    assert_eq!(p["command"], "create");
    assert_eq!(p["inputs"][0]["name"], "leads.json");
    let writes = p["writes"].as_array().unwrap();
    assert_eq!(writes.len(), 2);
    assert_eq!(writes[0]["row"], 1);
    assert_eq!(writes[0]["key"], "email:c1@example.com");
    assert_eq!(
        writes[0]["body"],
        json!({"action": "create_lead", "channel_id": PRIMARY_CHANNEL_ID, "email": "c1@example.com", "first_name": "C1"})
    );
    assert_eq!(writes[1]["key"], "email:c2@example.com");

    apply(&sb, &plan, &[])
        .code(0)
        .stderr_has("2 created of 2 planned write(s)");
    assert_eq!(created(&sb), 2);
    apply(&sb, &plan, &[])
        .code(0)
        .stderr_has("2 done before: this plan was applied earlier");
    // `create` itself knows them now.
    leadctl(&sb)
        .args(["create", "--json", json_file.to_str().unwrap()])
        .run()
        .code(0);
    assert_eq!(created(&sb), 2);

    // --public sends `lead_external`, which a plan does not hold.
    let out = leadctl(&sb)
        .args([
            "create",
            "--public",
            "--email",
            "p@example.com",
            "--dry-run",
        ])
        .args(["--plan-out", plan.to_str().unwrap()])
        .run();
    out.code(2).stderr_has(&format!(
        "the plan was not saved to {}: it holds 1 lead_external, which apply does not run",
        plan.display()
    ));
}

/// A lead another tool created between the plan and `apply` (among the channel's newest leads):
/// not created again, named stale, and recorded as an import records it.
#[test]
fn a_lead_created_elsewhere_since_the_plan_is_stale() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let (tuesday, plan) = monday_then_plan(&sb, dir.path());
    let elsewhere = crate::support::sandbox::create(&sb, "user12@example.com");
    let before = requests_of(&sb, "create_lead");

    let out = apply(&sb, &plan, &[]);
    out.code(0)
        .stderr_has("2 created, 1 skipped of 3 planned write(s)")
        .stderr_has("1 stale: done by another run since the plan was made (not sent)");
    let r = results(&out);
    assert_eq!(r[1]["row"], 12);
    assert_eq!(r[1]["outcome"], "skipped");
    assert_eq!(r[1]["lead_id"], elsewhere.as_str());
    assert_eq!(
        r[1]["message"],
        format!(
            "stale: exists on the server as {elsewhere} (found among the channel's newest leads, \
             created since the plan was made); not sent"
        )
    );
    assert_eq!(requests_of(&sb, "create_lead"), before + 2);
    assert_eq!(created(&sb), 13);
    import(&sb, &tuesday, &[])
        .code(0)
        .stderr_has("0 created, 13 skipped");
}

/// A stop mid-apply (the key refused, 401) sends nothing more and exits as an import does; the
/// write it met is released (`not_sent`), so applying the plan again sends it and the rest, and
/// nothing twice.
#[test]
fn an_apply_stopped_midway_is_finished_by_applying_again() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    use crate::support::server::{Reply, ScriptedServer};
    use crate::support::{Leadctl, CHANNEL};

    let refusing = Arc::new(AtomicBool::new(false));
    let script_refusing = refusing.clone();
    let server = ScriptedServer::importing(move |req, _| match req.action().as_str() {
        "get_leads" => Reply::json(200, json!([])),
        "create_lead" => {
            if req.json()["business_id"] == "B-2" && script_refusing.load(Ordering::SeqCst) {
                return Reply::error(401, "Invalid API key");
            }
            lead_for(req)
        }
        _ => Reply::error(400, "unexpected"),
    });
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "s.csv", 3);
    let plan = dir.path().join("plan.json");
    let l = || {
        Leadctl::against(&server.url())
            .env("LEADCTL_LEDGER", dir.path().join("ledger.sqlite3"))
            .env("LEADCTL_CHANNEL", CHANNEL)
            .env("LEADCTL_RETRY_BASE_MS", "20")
    };
    l().args(["import", file.to_str().unwrap(), "--dry-run"])
        .args(["--plan-out", plan.to_str().unwrap()])
        .run()
        .code(0)
        .stderr_has("3 writes");
    let creates = || {
        server
            .requests()
            .iter()
            .filter(|r| r.action() == "create_lead")
            .map(|r| r.json()["business_id"].as_str().unwrap_or("").to_string())
            .collect::<Vec<_>>()
    };
    assert!(creates().is_empty(), "a dry run sends nothing");

    refusing.store(true, Ordering::SeqCst);
    // One write at a time: the write after the refused one is not reached.
    let out = l()
        .args(["apply", plan.to_str().unwrap(), "-o", "ndjson"])
        .args(["--concurrency", "1"])
        .run();
    out.code(4)
        .stderr_has("apply stopped in ")
        .stderr_has("the apply stopped after 1 created, 1 not sent of 3 planned write(s)")
        .stderr_has("1 not reached");
    let r = results(&out);
    assert_eq!(r.len(), 2);
    assert_eq!(r[0]["outcome"], "created");
    assert_eq!(r[1]["outcome"], "not_sent");
    assert_eq!(creates(), ["B-1", "B-2"]);

    refusing.store(false, Ordering::SeqCst);
    let out = l()
        .args(["apply", plan.to_str().unwrap(), "-o", "ndjson"])
        .run();
    out.code(0)
        .stderr_has("2 created, 1 skipped of 3 planned write(s)")
        .stderr_has("1 done before");
    // The two left, in whichever order the workers sent them.
    let mut again = creates().split_off(2);
    again.sort();
    assert_eq!(again, ["B-2", "B-3"]);
}

/// The ledger a plan was made with, gone by the time it is applied (a new runner with the same
/// path), against a channel whose newest-leads window is full: apply stops before the first
/// create as an import would (exit 3); `--new-ledger` goes on.
#[test]
fn apply_keeps_the_fresh_ledger_guard() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let first = write_csv(dir.path(), "first.csv", 130);
    import(&sb, &first, &[]).code(0).stderr_has("130 created");
    let next = write_csv(dir.path(), "next.csv", 135);
    let plan = dir.path().join("plan.json");
    import(
        &sb,
        &next,
        &["--dry-run", "--plan-out", plan.to_str().unwrap()],
    )
    .code(0)
    .stderr_has("5 leads would be created, 130 skipped as already created");
    let ledger = crate::import::ledger_of(&sb);
    for suffix in ["", "-wal", "-shm"] {
        let mut p = ledger.clone().into_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
    let out = apply(&sb, &plan, &[]);
    out.code(3)
        .stderr_has("has never seen channel a1b2c3d4-e5f6-7890-abcd-ef1234567890 at")
        .stderr_has("--new-ledger");
    assert_eq!(out.stdout, "");
    assert_eq!(created(&sb), 130);
    apply(&sb, &plan, &["--new-ledger"])
        .code(0)
        .stderr_has("5 created of 5 planned write(s)");
    assert_eq!(created(&sb), 135);
}

/// A dry run through another spelling of a server the ledger knows plans in the run's own
/// scope (the server's), as the real run decides: nothing to create.
#[test]
fn a_dry_run_through_another_spelling_plans_as_the_run() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "f.csv", 3);
    import(&sb, &file, &[]).code(0).stderr_has("3 created");
    // 100 newer leads: the file's are beyond the newest 100 the server shows, so only the
    // ledger (in the server's scope) knows them.
    let all = write_csv(dir.path(), "all.csv", 103);
    import(&sb, &all, &[]).code(0).stderr_has("100 created");
    let other_spelling = sb.url().replace("127.0.0.1", "localhost");
    let plan = dir.path().join("plan.json");
    let out = leadctl(&sb)
        .env("LEADCTL_API_URL", &other_spelling)
        .args(["import", file.to_str().unwrap(), "--dry-run"])
        .args(["--plan-out", plan.to_str().unwrap()])
        .run();
    out.code(0)
        .stderr_has("dry run: 0 leads would be created, 3 skipped as already created");
    let p: Value = serde_json::from_slice(&std::fs::read(&plan).unwrap()).unwrap();
    assert_eq!(p["api_url"], sb.url(), "the server's scope");
    assert_eq!(p["writes"], json!([]));
}

/// A server that is down when the plan is applied (it answers 503 and asks for a day): the apply
/// stops at once with exit 7 and says so, nothing is recorded as sent, and applying the plan
/// again once the server is back sends every write once.
#[test]
fn apply_against_a_server_that_is_down_exits_7() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    use crate::support::server::{Reply, ScriptedServer};
    use crate::support::{Leadctl, CHANNEL};

    let down = Arc::new(AtomicBool::new(false));
    let script_down = down.clone();
    let server = ScriptedServer::importing(move |req, _| {
        if script_down.load(Ordering::SeqCst) {
            return Reply::error(503, "down for maintenance").header("Retry-After", "86400");
        }
        match req.action().as_str() {
            "get_leads" => Reply::json(200, json!([])),
            "create_lead" => lead_for(req),
            _ => Reply::error(400, "unexpected"),
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "s.csv", 3);
    let plan = dir.path().join("plan.json");
    let l = || {
        Leadctl::against(&server.url())
            .env("LEADCTL_LEDGER", dir.path().join("ledger.sqlite3"))
            .env("LEADCTL_CHANNEL", CHANNEL)
            .env("LEADCTL_RETRY_BASE_MS", "20")
    };
    l().args(["import", file.to_str().unwrap(), "--dry-run"])
        .args(["--plan-out", plan.to_str().unwrap()])
        .run()
        .code(0)
        .stderr_has("3 writes");
    let creates = || {
        server
            .requests()
            .iter()
            .filter(|r| r.action() == "create_lead")
            .count()
    };

    down.store(true, Ordering::SeqCst);
    let out = l()
        .args(["apply", plan.to_str().unwrap(), "-o", "ndjson"])
        .args(["--concurrency", "1"])
        .run();
    let ledger = dir.path().join("ledger.sqlite3");
    out.code(7)
        .stderr_has("leadctl: apply stopped in ")
        .stderr_has(&format!(
            ": 0 created, 1 unknown, 1 not sent of 3 planned write(s), 1 not reached\n  \
             concurrency 1 (fixed)\n  ledger: {}\nleadctl: error: the apply stopped after 0 \
             created, 1 unknown, 1 not sent of 3 planned write(s): not sent: the server looks \
             down (it answered 503 with Retry-After 86400 s, longer than the 60 s leadctl \
             waits)\n  hint: nothing more was sent after that; run the same command again once \
             the server is back (rows it created or settled are skipped)\n",
            ledger.display()
        ));
    let r = results(&out);
    let outcomes: Vec<&str> = r.iter().map(|x| x["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["unknown", "not_sent"]);
    let actions: Vec<String> = server.requests().iter().map(|r| r.action()).collect();
    assert_eq!(
        actions,
        ["create_lead"],
        "the one create that met the 503, then nothing"
    );

    // Back: the rest is sent; the create that met the 503 may exist, and is not sent again.
    down.store(false, Ordering::SeqCst);
    l().args(["apply", plan.to_str().unwrap(), "-o", "ndjson"])
        .run()
        .code(8)
        .stderr_has("2 created, 1 unknown of 3 planned write(s)");
    assert_eq!(creates(), 3, "each once");
}

/// An apply whose output reader went away stops taking writes and says so as a partial run
/// (exit 8) after its summary, as an import does; what it sent is recorded, and applying again
/// sends the rest once.
#[test]
fn an_apply_whose_stdout_closes_is_partial_and_the_rest_is_sent_once() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    // Long enough (one worker, 3,000 writes) that results are flushed while writes remain.
    let file = write_csv(dir.path(), "many.csv", 3000);
    let plan = dir.path().join("plan.json");
    import(
        &sb,
        &file,
        &["--dry-run", "--plan-out", plan.to_str().unwrap()],
    )
    .code(0);
    let out = leadctl(&sb)
        .args(["-q", "apply", plan.to_str().unwrap(), "-o", "ndjson"])
        .args(["--concurrency", "1"])
        .run_with_stdout_closed();
    assert_eq!(out.code, 8, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("stdout was closed (broken pipe), so apply stopped after")
            && out.stderr.contains("planned write(s)"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("again without closing its output to send the rest"),
        "{}",
        out.stderr
    );
    let sent = created(&sb);
    assert!(sent > 0 && sent < 3000, "{sent} created before it stopped");
    apply(&sb, &plan, &["-q"]).code(0);
    assert_eq!(created(&sb), 3000, "the rest, once");
}

/// kill -9 while 4 creates are at the server (2 s each) and the next 4 claimed ahead, never
/// sent: the dry run plans those 4 as creates (the killed run's notes say they never left) and
/// `apply` creates them, with the rest; the 4 that left are found among the newest leads.
#[test]
fn a_plan_made_after_a_kill_applies_the_claims_the_killed_run_never_sent() {
    let sb = sandbox(|o| o.latency = std::time::Duration::from_secs(2));
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "k.csv", 12);
    let running = leadctl(&sb)
        .args(["import", file.to_str().unwrap(), "--concurrency", "4"])
        .spawn();
    crate::sync::kill_with_4_at_the_server(&sb, running);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while created(&sb) < 4 {
        assert!(
            std::time::Instant::now() < deadline,
            "the 4 in flight never landed"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let plan = dir.path().join("plan.json");
    let dry = import(
        &sb,
        &file,
        &["--dry-run", "--plan-out", plan.to_str().unwrap()],
    );
    dry.code(0).stderr_has(
        "of 8 key(s) an earlier run left without an answer, 4 found among the channel's newest \
         leads (would count as created), 4 proven never created (would be sent again through a \
         new claim)\n",
    );
    let out = apply(&sb, &plan, &[]);
    out.code(0).stderr_has("8 created of 8 planned write(s)");
    let rows: Vec<u64> = results(&out)
        .iter()
        .map(|r| r["row"].as_u64().unwrap())
        .collect();
    assert_eq!(rows, [5, 6, 7, 8, 9, 10, 11, 12]);
    assert_no_duplicates(&sb);
    assert_eq!(created(&sb), 12);
}
