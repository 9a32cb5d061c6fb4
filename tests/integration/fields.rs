//! Field truth (issue 25): a value is given, emptied (the column is there, the cell is empty) or
//! absent (no such column, flag or JSON key). An absent field is never sent and never blanked;
//! an emptied cell is left alone unless `--clear-empty` (or `write = "clear"`) asks; write rules
//! per field from a mapping file; the ledger records what the server holds after the write. The
//! real binary against the sandbox behind a recording hop, asserting the request bodies as they
//! came off the wire.

use std::path::{Path, PathBuf};

use leadctl::sandbox::Sandbox;
use serde_json::{json, Value};

use crate::import::{leadctl, leads, results, rows_with, sandbox};
use crate::support::request::Request as Recorded;
use crate::support::server::ScriptedServer;
use crate::support::Outcome;

const REGION: &str = "Region";

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The sandbox behind a recording hop (`ScriptedServer::forwarding`): leadctl talks to the hop,
/// so a test asserts the request bodies as they came off the wire, and reads the sandbox's
/// state directly.
struct Wired {
    sb: Sandbox,
    hop: ScriptedServer,
}

impl std::ops::Deref for Wired {
    type Target = Sandbox;
    fn deref(&self) -> &Sandbox {
        &self.sb
    }
}

fn wired() -> Wired {
    let sb = sandbox(|_| {});
    let hop = ScriptedServer::forwarding(sb.addr());
    Wired { sb, hop }
}

/// One run of leadctl through the hop, and the requests it made.
struct Run {
    out: Outcome,
    wire: Vec<Recorded>,
}

impl std::ops::Deref for Run {
    type Target = Outcome;
    fn deref(&self) -> &Outcome {
        &self.out
    }
}

/// `leadctl ARGS` through the hop: the sandbox's key and channel, the sandbox's ledger file.
fn run(w: &Wired, args: &[&str]) -> Run {
    let before = w.hop.requests().len();
    let out = leadctl(&w.sb)
        .env("LEADCTL_API_URL", w.hop.url())
        .args(args)
        .run();
    Run {
        out,
        wire: w.hop.requests().split_off(before),
    }
}

fn import(w: &Wired, file: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["import", file.to_str().unwrap(), "-o", "ndjson"];
    args.extend_from_slice(extra);
    run(w, &args)
}

/// The bodies of one action a run sent, as they came off the wire, in order.
fn sent(r: &Run, action: &str) -> Vec<Value> {
    r.wire
        .iter()
        .filter(|q| q.action() == action)
        .map(Recorded::json)
        .collect()
}

/// What the app does: a status move straight through the API.
fn app_moves(sb: &Sandbox, lead_id: &str, status: &str) {
    let r = crate::support::raw_http::post_json(
        sb.addr(),
        Some(leadctl::sandbox::API_KEY),
        &json!({"action": "update_status", "lead_id": lead_id, "status": status}),
    )
    .unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
}

fn lead_with(sb: &Sandbox, bid: &str) -> Value {
    leads(sb)
        .into_iter()
        .find(|l| l["business_id"] == bid)
        .unwrap_or_else(|| panic!("no lead with business id {bid}"))
}

fn region_of(lead: &Value) -> Option<String> {
    lead["property_values"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == REGION || p["property_definitions"]["name"] == REGION)
        .and_then(|p| p["value"].as_str().map(str::to_string))
}

#[test]
fn a_column_that_disappears_blanks_nothing() {
    let sb = wired();
    let dir = tempfile::tempdir().unwrap();
    let day1 = write(
        dir.path(),
        "day1.csv",
        "Email,First Name,Phone Number,Business ID\n\
         a@example.com,Ada,+1 555 0101,B-1\n\
         b@example.com,Bob,+1 555 0102,B-2\n\
         c@example.com,Cy,+1 555 0103,B-3\n",
    );
    import(&sb, &day1, &[]).code(0).stderr_has("3 created");
    // Day 2: the phone column is gone from the export; one first name changed.
    let day2 = write(
        dir.path(),
        "day2.csv",
        "Email,First Name,Business ID\n\
         a@example.com,Ada,B-1\n\
         b@example.com,Bobby,B-2\n\
         c@example.com,Cy,B-3\n",
    );
    let out = import(&sb, &day2, &[]);
    out.code(0).stderr_has("0 created, 2 skipped, 1 changed");
    out.stderr_has(
        "the column for phone is not in this input, though 3 leads in the ledger carry a value \
         for it: their phone is left as it is on the server\n",
    );
    assert_eq!(rows_with(&results(&out), "changed"), [2]);
    let note = results(&out)[1]["error"].as_str().unwrap().to_string();
    assert!(
        note.ends_with("it differs now in first_name (--update sends the changes)"),
        "{note}"
    );

    let gone = "the column for phone is not in this input, though 3 leads in the ledger carry a \
                value for it: their phone is left as it is on the server\n";
    // The dry run says it too, and plans the update the run sends.
    let plan = import(&sb, &day2, &["--update", "--dry-run"]);
    plan.code(0).stderr_has(gone);
    assert_eq!(plan.stderr.matches(gone).count(), 1, "{}", plan.stderr);
    let lead_id = lead_with(&sb, "B-2")["id"].clone();
    let want = [json!({"action": "update_lead", "lead_id": lead_id, "first_name": "Bobby"})];
    assert_eq!(
        results(&plan)
            .into_iter()
            .filter(|l| l.get("action").is_some())
            .collect::<Vec<_>>(),
        want
    );
    // Under a limit the plan is counted first: the line is said once all the same.
    let out = import(&sb, &day2, &["--update", "--max-changes", "10"]);
    out.code(0).stderr_has("1 updated, 2 skipped");
    assert_eq!(out.stderr.matches(gone).count(), 1, "{}", out.stderr);
    assert_eq!(
        sent(&out, "update_lead"),
        want,
        "the update carries the changed field and no phone"
    );
    assert_eq!(results(&out)[1]["error"], "sent first_name");
    for (bid, phone) in [
        ("B-1", "+1 555 0101"),
        ("B-2", "+1 555 0102"),
        ("B-3", "+1 555 0103"),
    ] {
        assert_eq!(lead_with(&sb, bid)["phone"], phone, "{bid}'s phone kept");
    }
    assert_eq!(lead_with(&sb, "B-2")["first_name"], "Bobby");

    // The ledger kept the phone it knew: the next run is all skipped, and day 1's file again
    // (with its phones) is too.
    let out = import(&sb, &day2, &["--update"]);
    out.code(0).stderr_has("0 created, 3 skipped");
    assert!(sent(&out, "update_lead").is_empty());
    let day1_again = write(
        dir.path(),
        "day1b.csv",
        "Email,First Name,Phone Number,Business ID\n\
         a@example.com,Ada,+1 555 0101,B-1\n\
         b@example.com,Bobby,+1 555 0102,B-2\n\
         c@example.com,Cy,+1 555 0103,B-3\n",
    );
    let out = import(&sb, &day1_again, &["--update"]);
    out.code(0).stderr_has("0 created, 3 skipped");
    assert!(sent(&out, "update_lead").is_empty(), "{}", out.stderr);
}

#[test]
fn an_emptied_cell_is_cleared_only_when_asked() {
    let sb = wired();
    let dir = tempfile::tempdir().unwrap();
    let day1 = write(
        dir.path(),
        "day1.csv",
        "Email,Phone,Business ID\na@example.com,111,B-1\nb@example.com,222,B-2\n",
    );
    import(&sb, &day1, &[]).code(0).stderr_has("2 created");
    let day2 = write(
        dir.path(),
        "day2.csv",
        "Email,Phone,Business ID\na@example.com,,B-1\nb@example.com,222,B-2\n",
    );
    let out = import(&sb, &day2, &["--update"]);
    out.code(0).stderr_has("0 created, 2 skipped");
    out.stderr_has(
        "phone: 1 emptied cell left as it is on the server; `--clear-empty` or \
         `write = \"clear\"` clears them\n",
    );
    assert!(sent(&out, "update_lead").is_empty(), "{}", out.stderr);
    let note = results(&out)[0]["error"].as_str().unwrap().to_string();
    assert!(
        note.ends_with("nothing to send: phone emptied (left as it is; --clear-empty clears it)"),
        "{note}"
    );
    assert_eq!(lead_with(&sb, "B-1")["phone"], "111");

    let out = import(&sb, &day2, &["--update", "--clear-empty"]);
    out.code(0).stderr_has("1 updated, 1 skipped");
    let lead_id = lead_with(&sb, "B-1")["id"].clone();
    assert_eq!(
        sent(&out, "update_lead"),
        [json!({"action": "update_lead", "lead_id": lead_id, "phone": null})]
    );
    assert_eq!(results(&out)[0]["error"], "cleared phone");
    assert_eq!(lead_with(&sb, "B-1")["phone"], Value::Null);
    assert_eq!(lead_with(&sb, "B-2")["phone"], "222");

    // The ledger now records the phone as empty: nothing more to do, with or without the flag.
    for extra in [&["--update"][..], &["--update", "--clear-empty"]] {
        let out = import(&sb, &day2, extra);
        out.code(0).stderr_has("0 created, 2 skipped");
        assert!(sent(&out, "update_lead").is_empty());
    }
}

#[test]
fn create_update_sends_only_the_flags_given() {
    let sb = wired();
    let create = |args: &[&str]| {
        let mut all = vec!["create", "-o", "json"];
        all.extend_from_slice(args);
        run(&sb, &all)
    };
    create(&[
        "--email",
        "ann@example.com",
        "--first-name",
        "Ann",
        "--last-name",
        "Lee",
        "--phone",
        "+1 555 0100",
        "--company",
        "Acme",
        "--business-id",
        "700002",
    ])
    .code(0);
    let before = lead_with(&sb, "700002");
    let out = create(&[
        "--business-id",
        "700002",
        "--notes",
        "called today",
        "--update",
    ]);
    out.code(0);
    assert_eq!(
        sent(&out, "update_lead"),
        [json!({"action": "update_lead", "lead_id": before["id"], "notes": "called today"})]
    );
    out.stderr_has(&format!(
        "updated {} (notes)",
        before["id"].as_str().unwrap()
    ));
    let after = lead_with(&sb, "700002");
    for f in ["email", "first_name", "last_name", "phone", "company_name"] {
        assert_eq!(after[f], before[f], "{f} kept");
    }
    assert_eq!(after["notes"], "called today");
    // Asked again: nothing differs in what the flags give.
    let out = create(&[
        "--business-id",
        "700002",
        "--notes",
        "called today",
        "--update",
    ]);
    out.code(0);
    assert!(sent(&out, "update_lead").is_empty(), "{}", out.stderr);
    // A property, named by its name in the outcome.
    let out = create(&[
        "--business-id",
        "700002",
        "--property",
        "Region=APAC",
        "--update",
    ]);
    out.code(0);
    let def = "f0000001-0000-4000-8000-000000000002";
    assert_eq!(
        sent(&out, "update_lead"),
        [json!({"action": "update_lead", "lead_id": before["id"],
                "properties": [{"property_definitions_id": def, "value": "APAC"}]})]
    );
    out.stderr_has(&format!(
        "updated {} (property \"Region\")",
        before["id"].as_str().unwrap()
    ));
    assert_eq!(lead_with(&sb, "700002")["notes"], "called today");
    // A flag given empty: left alone, unless --clear-empty.
    let out = create(&["--business-id", "700002", "--phone", "", "--update"]);
    out.code(0);
    assert!(sent(&out, "update_lead").is_empty(), "{}", out.stderr);
    out.stderr_has("nothing to send: phone emptied (left as it is; --clear-empty clears it)");
    assert_eq!(lead_with(&sb, "700002")["phone"], "+1 555 0100");
    let out = create(&[
        "--business-id",
        "700002",
        "--phone",
        "",
        "--update",
        "--clear-empty",
    ]);
    out.code(0);
    assert_eq!(
        sent(&out, "update_lead"),
        [json!({"action": "update_lead", "lead_id": before["id"], "phone": null})]
    );
    assert_eq!(lead_with(&sb, "700002")["phone"], Value::Null);
    assert_eq!(lead_with(&sb, "700002")["email"], "ann@example.com");
    let out = leadctl(&sb)
        .args(["create", "--business-id", "700002", "--clear-empty"])
        .run();
    out.code(2);
    assert_eq!(
        out.stderr,
        "error: the following required arguments were not provided:\n  --update\n\nUsage: \
         leadctl create --update --business-id <ID> --clear-empty\n\nFor more information, try \
         '--help'.\n"
    );
    let out = leadctl(&sb)
        .args(["import", "x.csv", "--clear-empty"])
        .run();
    out.code(2);
    assert_eq!(
        out.stderr,
        "error: the following required arguments were not provided:\n  --update\n\nUsage: \
         leadctl import --update --clear-empty <FILE>\n\nFor more information, try \
         '--help'.\n"
    );
}

#[test]
fn a_cleared_property_is_no_400_and_the_ledger_agrees_with_the_server() {
    let sb = wired();
    let dir = tempfile::tempdir().unwrap();
    let day1 = write(
        dir.path(),
        "day1.csv",
        "Email,Business ID,Region\na@example.com,B-1,EMEA\n",
    );
    import(&sb, &day1, &[]).code(0).stderr_has("1 created");
    assert_eq!(region_of(&lead_with(&sb, "B-1")).as_deref(), Some("EMEA"));
    let day2 = write(
        dir.path(),
        "day2.csv",
        "Email,Business ID,Region\na@example.com,B-1,\n",
    );
    // Only the property was emptied: nothing is sent (no update without a field, no 400).
    let out = import(&sb, &day2, &["--update"]);
    out.code(0).stderr_has("0 created, 1 skipped");
    assert!(sent(&out, "update_lead").is_empty(), "{}", out.stderr);
    out.stderr_has(
        "property \"Region\": 1 emptied cell left as it is on the server; `--clear-empty` or \
         `write = \"clear\"` clears them\n",
    );
    let note = results(&out)[0]["error"].as_str().unwrap().to_string();
    assert!(note.contains("property \"Region\" emptied"), "{note}");
    assert_eq!(region_of(&lead_with(&sb, "B-1")).as_deref(), Some("EMEA"));

    let out = import(&sb, &day2, &["--update", "--clear-empty"]);
    out.code(0).stderr_has("1 updated");
    let lead = lead_with(&sb, "B-1");
    let def = "f0000001-0000-4000-8000-000000000002";
    assert_eq!(
        sent(&out, "update_lead"),
        [json!({"action": "update_lead", "lead_id": lead["id"],
                "properties": [{"property_definitions_id": def, "value": ""}]})]
    );
    assert_eq!(results(&out)[0]["error"], "cleared property \"Region\"");
    assert_eq!(region_of(&lead), None, "the server holds no region");
    // Ledger and server agree: skipped, with and without the flag; day 1 again sets it back.
    let out = import(&sb, &day2, &["--update", "--clear-empty"]);
    out.code(0).stderr_has("0 created, 1 skipped");
    let out = import(&sb, &day1, &["--update"]);
    out.code(0).stderr_has("1 updated");
    assert_eq!(results(&out)[0]["error"], "sent property \"Region\"");
    assert_eq!(region_of(&lead_with(&sb, "B-1")).as_deref(), Some("EMEA"));
}

#[test]
fn if_empty_and_never_rules_from_a_mapping_file() {
    let sb = wired();
    let dir = tempfile::tempdir().unwrap();
    let mapping = write(
        dir.path(),
        "crm.toml",
        "[fields.phone]\nwrite = \"if_empty\"\n\n[fields.first_name]\nwrite = \"never\"\n",
    );
    let m = mapping.to_str().unwrap();
    let day1 = write(
        dir.path(),
        "day1.csv",
        "Email,First Name,Phone,Business ID\n\
         a@example.com,Ada,,B-1\n\
         b@example.com,Bob,222,B-2\n",
    );
    import(&sb, &day1, &["--mapping", m])
        .code(0)
        .stderr_has("2 created");
    assert_eq!(
        lead_with(&sb, "B-1")["first_name"],
        "Ada",
        "never still creates"
    );
    let day2 = write(
        dir.path(),
        "day2.csv",
        "Email,First Name,Phone,Business ID\n\
         a@example.com,Adele,111,B-1\n\
         b@example.com,Bobby,333,B-2\n",
    );
    let out = import(&sb, &day2, &["--mapping", m, "--update"]);
    out.code(0).stderr_has("1 updated, 1 skipped");
    let id1 = lead_with(&sb, "B-1")["id"].clone();
    assert_eq!(
        sent(&out, "update_lead"),
        [json!({"action": "update_lead", "lead_id": id1, "phone": "111"})],
        "phone only where the server's is empty; first_name never"
    );
    let r = results(&out);
    assert_eq!(r[0]["error"], "sent phone");
    let note = r[1]["error"].as_str().unwrap();
    assert!(
        note.contains("nothing to send: phone has a value on the server (write = \"if_empty\"); first_name is never updated (write = \"never\")"),
        "{note}"
    );
    assert_eq!(lead_with(&sb, "B-2")["phone"], "222");
    assert_eq!(lead_with(&sb, "B-2")["first_name"], "Bob");
    assert_eq!(lead_with(&sb, "B-1")["first_name"], "Ada");
}

#[test]
fn a_bad_write_rule_names_the_file_line_and_field() {
    let sb = wired();
    let dir = tempfile::tempdir().unwrap();
    let mapping = write(
        dir.path(),
        "crm.toml",
        "[fields.phone]\nwrite = \"sometimes\"\n",
    );
    let file = write(dir.path(), "a.csv", "Email\na@example.com\n");
    let out = import(&sb, &file, &["--mapping", mapping.to_str().unwrap()]);
    out.code(6).stderr_has(&format!(
        "leadctl: error: invalid mapping file {}, line 2, fields.phone.write: \"sometimes\" is \
         not a write rule: use always, if_empty, never or clear\n",
        mapping.display()
    ));
    let mapping = write(
        dir.path(),
        "crm2.toml",
        "[fields.phone]\nwrite = \"forward_only\"\n",
    );
    let out = import(&sb, &file, &["--mapping", mapping.to_str().unwrap()]);
    out.code(6)
        .stderr_has("\"forward_only\" is for [fields.status] only");
    assert!(leads(&sb).iter().all(|l| l["email"] != "a@example.com"));
}

#[test]
fn forward_only_keeps_a_won_lead_won() {
    let sb = wired();
    let dir = tempfile::tempdir().unwrap();
    let mapping = write(
        dir.path(),
        "crm.toml",
        "[fields.status]\nwrite = \"forward_only\"\n",
    );
    let m = mapping.to_str().unwrap();
    let day1 = write(
        dir.path(),
        "day1.csv",
        "Email,Business ID,Status\na@example.com,B-1,Qualified\nb@example.com,B-2,Qualified\n",
    );
    import(&sb, &day1, &["--mapping", m])
        .code(0)
        .stderr_has("2 created");
    // The app moves B-1 to Won.
    let id1 = lead_with(&sb, "B-1")["id"].as_str().unwrap().to_string();
    app_moves(&sb, &id1, "Won");
    let day2 = write(
        dir.path(),
        "day2.csv",
        "Email,Business ID,Status\na@example.com,B-1,Proposal sent\nb@example.com,B-2,Proposal sent\n",
    );
    let out = import(&sb, &day2, &["--mapping", m]);
    out.code(0);
    let moves = sent(&out, "update_status");
    let id2 = lead_with(&sb, "B-2")["id"].clone();
    assert_eq!(
        moves,
        [json!({"action": "update_status", "lead_id": id2, "status": "Proposal sent"})],
        "only B-2 moves forward"
    );
    let note = results(&out)[0]["error"].as_str().unwrap().to_string();
    assert!(
        note.contains(
            "not moved back from \"Won\" to \"Proposal sent\" (write = \"forward_only\")"
        ),
        "{note}"
    );
    assert_eq!(lead_with(&sb, "B-1")["status"], "Won");
    assert_eq!(lead_with(&sb, "B-2")["status"], "Proposal sent");
}

#[test]
fn forward_only_never_moves_a_lead_out_of_a_final_status() {
    let sb = wired();
    let dir = tempfile::tempdir().unwrap();
    let mapping = write(
        dir.path(),
        "crm.toml",
        "[fields.status]\nwrite = \"forward_only\"\nfinal = [\"Won\", \"lost\"]\n",
    );
    let m = mapping.to_str().unwrap();
    let day1 = write(
        dir.path(),
        "day1.csv",
        "Email,Business ID,Status\na@example.com,B-1,Qualified\nb@example.com,B-2,Qualified\n\
         c@example.com,B-3,Qualified\n",
    );
    import(&sb, &day1, &["--mapping", m])
        .code(0)
        .stderr_has("3 created");
    let id = |bid: &str| lead_with(&sb, bid)["id"].as_str().unwrap().to_string();
    // The app decides two of them.
    app_moves(&sb, &id("B-1"), "Won");
    app_moves(&sb, &id("B-2"), "Lost");
    // The CRM says otherwise: "Lost" comes after "Won" in the channel's order, so by order
    // alone B-1 would move on.
    let day2 = write(
        dir.path(),
        "day2.csv",
        "Email,Business ID,Status\na@example.com,B-1,Lost\nb@example.com,B-2,Proposal sent\n\
         c@example.com,B-3,Won\n",
    );
    // The dry run reads the statuses as the run does: it plans B-3's move only.
    let plan = import(&sb, &day2, &["--mapping", m, "--dry-run"]);
    plan.code(0);
    let lines = results(&plan);
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.get("action").is_some())
            .collect::<Vec<_>>(),
        [&json!({"action": "update_status", "lead_id": id("B-3"), "status": "Won"})],
        "{}",
        plan.stdout
    );
    let refused: Vec<&str> = lines
        .iter()
        .filter(|l| l["outcome"] == "skipped")
        .map(|l| l["message"].as_str().or(l["error"].as_str()).unwrap())
        .collect();
    assert_eq!(refused.len(), 2, "{}", plan.stdout);
    assert!(
        refused[0].starts_with("not moved from \"Won\" to \"Lost\""),
        "{refused:?}"
    );
    assert!(
        refused[1].starts_with("not moved from \"Lost\" to \"Proposal sent\""),
        "{refused:?}"
    );
    assert_eq!(sent(&plan, "update_status"), Vec::<Value>::new());
    let out = import(&sb, &day2, &["--mapping", m]);
    out.code(0).stderr_has("0 created, 1 moved, 2 skipped");
    assert_eq!(
        sent(&out, "update_status"),
        [json!({"action": "update_status", "lead_id": id("B-3"), "status": "Won"})],
        "only B-3, not decided yet, moves"
    );
    let r = results(&out);
    // Each note ends with the day the lead was created ("on 2026-12-06").
    let said: Vec<(String, String)> = r
        .iter()
        .map(|r| {
            let note = r["error"].as_str().unwrap();
            let (rest, day) = note.split_at(note.len() - 10);
            assert!(day.chars().filter(|c| *c == '-').count() == 2, "{note}");
            (r["outcome"].as_str().unwrap().to_string(), rest.to_string())
        })
        .collect();
    let created = |bid: &str| format!("; already created as {} on ", id(bid));
    assert_eq!(
        said,
        [
            (
                "skipped".to_string(),
                format!(
                    "not moved from \"Won\" to \"Lost\": \"Won\" is final ([fields.status] \
                     final){}",
                    created("B-1")
                )
            ),
            (
                "skipped".to_string(),
                format!(
                    "not moved from \"Lost\" to \"Proposal sent\": \"Lost\" is final \
                     ([fields.status] final){}",
                    created("B-2")
                )
            ),
            (
                "moved".to_string(),
                format!("moved to \"Won\"{}", created("B-3"))
            ),
        ]
    );
    assert_eq!(lead_with(&sb, "B-1")["status"], "Won");
    assert_eq!(lead_with(&sb, "B-2")["status"], "Lost");
    assert_eq!(lead_with(&sb, "B-3")["status"], "Won");
    // The same file again: B-3 is at "Won" and stays; nothing moves.
    let out = import(&sb, &day2, &["--mapping", m]);
    out.code(0).stderr_has("0 created, 3 skipped");
    assert_eq!(sent(&out, "update_status"), Vec::<Value>::new());

    // A final status the channel does not have: every row says so, nothing is sent (exit 6).
    let typo = write(
        dir.path(),
        "typo.toml",
        "[fields.status]\nwrite = \"forward_only\"\nfinal = [\"Wonn\"]\n",
    );
    let out = import(&sb, &day2, &["--mapping", typo.to_str().unwrap()]);
    out.code(6).stderr_has(
        "the mapping file's [fields.status] final names a status this lead's channel does not \
         have: status \"Wonn\" is not on the channel; its statuses are \"New lead\", \
         \"Qualified\", \"Proposal sent\", \"Won\", \"Lost\" (did you mean \"Won\"?)",
    );
    assert!(
        out.wire.iter().all(|r| !r.action().starts_with("update")),
        "nothing written"
    );
}

#[test]
fn an_update_refused_once_is_sent_again_with_the_same_fields() {
    use crate::support::server::{Reply, ScriptedServer};
    use crate::support::{Leadctl, CHANNEL};
    use std::sync::atomic::{AtomicUsize, Ordering};
    const LEAD: &str = "00000000-0000-4000-8000-000000000001";
    let updates = std::sync::Arc::new(AtomicUsize::new(0));
    let seen = updates.clone();
    let server = ScriptedServer::importing(move |req: &Recorded, _| {
        let lead = json!({"lead": {"id": LEAD, "created_at": "2026-04-21T10:00:00Z",
                                   "channels_id": CHANNEL}});
        match req.action().as_str() {
            "update_lead" if seen.fetch_add(1, Ordering::SeqCst) == 0 => {
                Reply::error(400, "Something is off")
            }
            _ => Reply::json(200, lead),
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("u.csv");
    let run = |extra: &[&str]| {
        Leadctl::against(&server.url())
            .env("LEADCTL_LEDGER", dir.path().join("ledger.sqlite3"))
            .env("LEADCTL_CHANNEL", CHANNEL)
            .args(["import", file.to_str().unwrap(), "-o", "ndjson"])
            .args(extra)
            .run()
    };
    std::fs::write(
        &file,
        "Email,Phone,Notes,Business ID\na@example.com,111,n1,B-1\n",
    )
    .unwrap();
    run(&[]).code(0).stderr_has("1 created");
    // Day 2: notes changed, phone emptied, the email column gone.
    std::fs::write(&file, "Phone,Notes,Business ID\n,n2,B-1\n").unwrap();
    let bodies = || -> Vec<Value> {
        server
            .requests()
            .iter()
            .filter(|r| r.action() == "update_lead")
            .map(Recorded::json)
            .collect()
    };
    let want = json!({"action": "update_lead", "lead_id": LEAD, "notes": "n2", "phone": null});
    let out = run(&["--update", "--clear-empty"]);
    out.code(8);
    assert_eq!(results(&out)[0]["outcome"], "failed");
    assert_eq!(bodies(), std::slice::from_ref(&want));
    // Nothing recorded for the refused update: the next run sends the same fields.
    run(&["--update", "--clear-empty"])
        .code(0)
        .stderr_has("1 updated");
    assert_eq!(bodies(), [want.clone(), want]);
    // Recorded now: nothing more, and the email the ledger keeps is still not sent.
    run(&["--update", "--clear-empty"])
        .code(0)
        .stderr_has("0 created, 1 skipped");
    assert_eq!(bodies().len(), 2);
}

#[test]
fn a_field_only_a_few_leads_carry_is_no_column_gone() {
    let sb = wired();
    let dir = tempfile::tempdir().unwrap();
    // One lead got a phone from `create`; the export never had the column.
    run(
        &sb,
        &[
            "create",
            "--email",
            "a@example.com",
            "--phone",
            "111",
            "--business-id",
            "B-1",
        ],
    )
    .code(0);
    let file = write(
        dir.path(),
        "e.csv",
        "Email,Business ID,Notes\na@example.com,B-1,x\nb@example.com,B-2,\nc@example.com,B-3,\n",
    );
    import(&sb, &file, &[]).code(0).stderr_has("2 created");
    let out = import(&sb, &file, &["--update"]);
    out.code(0).stderr_has("0 created, 1 updated, 2 skipped");
    assert!(
        !out.stderr.contains("the column for phone"),
        "{}",
        out.stderr
    );
    let id = lead_with(&sb, "B-1")["id"].clone();
    assert_eq!(
        sent(&out, "update_lead"),
        [json!({"action": "update_lead", "lead_id": id, "notes": "x"})]
    );
    assert_eq!(lead_with(&sb, "B-1")["phone"], "111");
}

const REGION_ID: &str = "f0000001-0000-4000-8000-000000000002";
const INDUSTRY_ID: &str = "f0000001-0000-4000-8000-000000000003";

fn property_of(lead: &Value, name: &str) -> Option<String> {
    lead["property_values"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == name || p["property_definitions"]["name"] == name)
        .and_then(|p| p["value"].as_str().map(str::to_string))
}

#[test]
fn create_leaves_emptied_json_keys_and_properties_alone_unless_cleared() {
    let sb = wired();
    let dir = tempfile::tempdir().unwrap();
    let made = run(
        &sb,
        &[
            "create",
            "-o",
            "id",
            "--email",
            "ann@example.com",
            "--phone",
            "+1 555 0100",
            "--business-id",
            "C-1",
            "--property",
            "Region=EMEA",
            "--property",
            "Industry=Tech",
        ],
    );
    made.code(0);
    let id = made.stdout.trim().to_string();
    assert_eq!(
        sent(&made, "create_lead"),
        [
            json!({"action": "create_lead", "channel_id": leadctl::sandbox::PRIMARY_CHANNEL_ID,
                "email": "ann@example.com", "phone": "+1 555 0100", "business_id": "C-1",
                "properties": [{"property_definitions_id": REGION_ID, "value": "EMEA"},
                               {"property_definitions_id": INDUSTRY_ID, "value": "Tech"}]})
        ]
    );
    // `null` and "" in --json are emptied, not given: left alone, said once.
    let emptied = write(
        dir.path(),
        "emptied.json",
        r#"{"business_id": "C-1", "phone": null, "notes": "called",
            "properties": [{"property_definitions_id": "Industry", "value": ""}]}"#,
    );
    let j = emptied.to_str().unwrap();
    let out = run(&sb, &["create", "--json", j, "--update", "-o", "id"]);
    out.code(0);
    assert_eq!(
        sent(&out, "update_lead"),
        [json!({"action": "update_lead", "lead_id": id, "notes": "called"})]
    );
    assert_eq!(
        out.stderr,
        format!(
            "leadctl: the lead with business_id \"C-1\": updated {id} (notes); phone, property \
             \"Industry\": emptied, left as they are on the server; `--clear-empty` clears \
             them\n"
        )
    );
    let lead = lead_with(&sb, "C-1");
    assert_eq!(lead["phone"], "+1 555 0100");
    assert_eq!(property_of(&lead, "Industry").as_deref(), Some("Tech"));
    // `--property NAME=` (empty): nothing else to send, so nothing is sent.
    let out = run(
        &sb,
        &[
            "create",
            "--business-id",
            "C-1",
            "--property",
            "Region=",
            "--update",
        ],
    );
    out.code(0);
    assert_eq!(sent(&out, "update_lead"), Vec::<Value>::new());
    out.stderr_has(
        "nothing to send: property \"Region\" emptied (left as it is; --clear-empty clears it)",
    );
    assert_eq!(
        property_of(&lead_with(&sb, "C-1"), "Region").as_deref(),
        Some("EMEA")
    );
    // With --clear-empty: the dry run plans the body the real run sends.
    let plan = run(
        &sb,
        &[
            "create",
            "--json",
            j,
            "--update",
            "--clear-empty",
            "--dry-run",
        ],
    );
    plan.code(0);
    let want = json!({"action": "update_lead", "lead_id": id, "phone": null,
                      "properties": [{"property_definitions_id": INDUSTRY_ID, "value": ""}]});
    assert_eq!(
        serde_json::from_str::<Value>(&plan.stdout).unwrap(),
        want,
        "{}",
        plan.stdout
    );
    assert_eq!(sent(&plan, "update_lead"), Vec::<Value>::new());
    let out = run(
        &sb,
        &[
            "create",
            "--json",
            j,
            "--update",
            "--clear-empty",
            "-o",
            "id",
        ],
    );
    out.code(0);
    assert_eq!(sent(&out, "update_lead"), [want]);
    let lead = lead_with(&sb, "C-1");
    assert_eq!(lead["phone"], Value::Null);
    assert_eq!(property_of(&lead, "Industry"), None);
    let out = run(
        &sb,
        &[
            "create",
            "--business-id",
            "C-1",
            "--property",
            "Region=",
            "--update",
            "--clear-empty",
        ],
    );
    out.code(0);
    assert_eq!(
        sent(&out, "update_lead"),
        [json!({"action": "update_lead", "lead_id": id,
                "properties": [{"property_definitions_id": REGION_ID, "value": ""}]})]
    );
    assert_eq!(property_of(&lead_with(&sb, "C-1"), "Region"), None);
    // The ledger agrees with the server now: nothing more to clear.
    let out = run(&sb, &["create", "--json", j, "--update", "--clear-empty"]);
    out.code(0);
    assert_eq!(sent(&out, "update_lead"), Vec::<Value>::new());
    // A new lead: emptied keys are simply not in the create.
    let new = write(
        dir.path(),
        "new.json",
        r#"{"email": "bo@example.com", "business_id": "C-2", "phone": null, "last_name": "",
            "properties": [{"property_definitions_id": "Region", "value": null}]}"#,
    );
    let out = run(
        &sb,
        &["create", "--json", new.to_str().unwrap(), "-o", "id"],
    );
    out.code(0);
    assert_eq!(
        sent(&out, "create_lead"),
        [
            json!({"action": "create_lead", "channel_id": leadctl::sandbox::PRIMARY_CHANNEL_ID,
                "email": "bo@example.com", "business_id": "C-2"})
        ]
    );
}

#[test]
fn an_if_empty_value_held_back_is_not_read_again_and_the_dry_run_plans_the_real_body() {
    let sb = wired();
    let dir = tempfile::tempdir().unwrap();
    let mapping = write(
        dir.path(),
        "crm.toml",
        "[fields.phone]\nwrite = \"if_empty\"\n",
    );
    let m = mapping.to_str().unwrap();
    let day1 = write(
        dir.path(),
        "day1.csv",
        "Email,Phone,Business ID\na@example.com,111,B-1\nb@example.com,,B-2\n",
    );
    import(&sb, &day1, &["--mapping", m])
        .code(0)
        .stderr_has("2 created");
    let id = |bid: &str| lead_with(&sb, bid)["id"].as_str().unwrap().to_string();
    // Every run reads one lead the ledger knows (the server-agreement check, doc/ledger.md);
    // the reads beyond it are the `if_empty` ones.
    let reads = |r: &Run| sent(r, "get_lead_by_id").len() - 1;
    let day2 = write(
        dir.path(),
        "day2.csv",
        "Email,Phone,Business ID\na@example.com,222,B-1\nb@example.com,555,B-2\n",
    );
    // The dry run reads both leads as the real run does and plans the same bodies.
    let plan = import(&sb, &day2, &["--mapping", m, "--update", "--dry-run"]);
    plan.code(0);
    let want = [json!({"action": "update_lead", "lead_id": id("B-2"), "phone": "555"})];
    let planned: Vec<Value> = results(&plan)
        .into_iter()
        .filter(|l| l.get("action").is_some())
        .collect();
    assert_eq!(planned, want, "{}", plan.stdout);
    assert_eq!(sent(&plan, "update_lead"), Vec::<Value>::new());
    let held_note = "nothing to send: phone has a value on the server (write = \"if_empty\")";
    let left = results(&plan).into_iter().find(|l| l["row"] == 1).unwrap();
    assert_eq!(left["outcome"], "skipped");
    assert!(
        left["error"].as_str().unwrap().ends_with(held_note),
        "{left}"
    );
    let out = import(&sb, &day2, &["--mapping", m, "--update"]);
    out.code(0).stderr_has("1 updated, 1 skipped");
    assert_eq!(sent(&out, "update_lead"), want);
    assert_eq!(reads(&out), 2, "B-1 and B-2 are read");
    assert!(results(&out)[0]["error"]
        .as_str()
        .unwrap()
        .ends_with(held_note));
    assert_eq!(lead_with(&sb, "B-1")["phone"], "111");
    assert_eq!(lead_with(&sb, "B-2")["phone"], "555");
    // The same input again: the ledger recorded the held value, so B-1 is not read again.
    let out = import(&sb, &day2, &["--mapping", m, "--update"]);
    out.code(0).stderr_has("0 created, 2 skipped");
    assert_eq!(reads(&out), 0, "{:?}", sent(&out, "get_lead_by_id"));
    assert!(results(&out)[0]["error"]
        .as_str()
        .unwrap()
        .ends_with(held_note));
    assert_eq!(sent(&out, "update_lead"), Vec::<Value>::new());
    // The app empties B-1's phone; the CRM's value changes: read again, and set.
    let cleared = crate::support::raw_http::post_json(
        sb.addr(),
        Some(leadctl::sandbox::API_KEY),
        &json!({"action": "update_lead", "lead_id": id("B-1"), "phone": null}),
    )
    .unwrap();
    assert_eq!(cleared.status, 200, "{}", cleared.text());
    let day3 = write(
        dir.path(),
        "day3.csv",
        "Email,Phone,Business ID\na@example.com,333,B-1\nb@example.com,555,B-2\n",
    );
    let out = import(&sb, &day3, &["--mapping", m, "--update"]);
    out.code(0).stderr_has("1 updated, 1 skipped");
    assert_eq!(reads(&out), 1, "B-1 is read");
    assert_eq!(
        sent(&out, "update_lead"),
        [json!({"action": "update_lead", "lead_id": id("B-1"), "phone": "333"})]
    );
    assert_eq!(lead_with(&sb, "B-1")["phone"], "333");
    let out = import(&sb, &day3, &["--mapping", m, "--update"]);
    out.code(0).stderr_has("0 created, 2 skipped");
    assert_eq!(reads(&out), 0);
}
