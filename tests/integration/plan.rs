//! Plan, then send (issue 26): a ledger new to a channel it cannot fully see stops before the
//! first create; limits stop a run whose plan is too big; a dry run decides each row with the
//! real run's rule and its counts equal the real run's that follows.

use std::path::{Path, PathBuf};

use leadctl::sandbox::{Sandbox, PRIMARY_CHANNEL_ID};
use serde_json::{json, Value};

use crate::import::{created, leadctl, results, sandbox, write_csv};
use crate::support::Outcome;
use crate::sync::crm_export;

/// A CSV of the rows `user{i}@example.com,{name i},B-{i}` for each `i` of `ids`.
fn rows(dir: &Path, name: &str, ids: impl IntoIterator<Item = usize>) -> PathBuf {
    rows_named(dir, name, ids, |i| format!("User {i}"))
}

fn rows_named(
    dir: &Path,
    name: &str,
    ids: impl IntoIterator<Item = usize>,
    first: impl Fn(usize) -> String,
) -> PathBuf {
    let mut text = String::from("Email,First Name,Business ID\n");
    for i in ids {
        text.push_str(&format!("user{i}@example.com,{},B-{i}\n", first(i)));
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn requests_of(sb: &Sandbox, action: &str) -> u64 {
    sb.stats()["requests"]["by_action"][action]
        .as_u64()
        .unwrap_or(0)
}

fn import(sb: &Sandbox, file: &Path, extra: &[&str]) -> Outcome {
    leadctl(sb)
        .args(["import", file.to_str().unwrap(), "-o", "ndjson"])
        .args(extra)
        .run()
}

/// The same import with another (fresh) ledger: a machine without the team's ledger.
fn import_fresh(sb: &Sandbox, ledger: &Path, file: &Path, extra: &[&str]) -> Outcome {
    leadctl(sb)
        .env("LEADCTL_LEDGER", ledger)
        .args(["import", file.to_str().unwrap(), "-o", "ndjson"])
        .args(extra)
        .run()
}

const FRESH_STOP: &str = "has never seen channel a1b2c3d4-e5f6-7890-abcd-ef1234567890 at";

// ---- item 5: the fresh-ledger guard ----------------------------------------------------------

/// The file's 10 leads, then 120 newer ones: the file's are beyond the newest 100.
fn full_channel(sb: &Sandbox, dir: &Path) -> PathBuf {
    let file = rows(dir, "day2.csv", 1..=10);
    import(sb, &file, &[]).code(0).stderr_has("10 created");
    let newer = rows(dir, "newer.csv", 11..=130);
    import(sb, &newer, &[]).code(0).stderr_has("120 created");
    assert_eq!(created(sb), 130);
    file
}

#[test]
fn a_fresh_ledger_stops_before_creating_a_full_channel_again() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = full_channel(&sb, dir.path());
    let creates = requests_of(&sb, "create_lead");
    let fresh = dir.path().join("fresh.sqlite3");

    let out = import_fresh(&sb, &fresh, &file, &[]);
    out.code(3)
        .stderr_has(FRESH_STOP)
        .stderr_has(
            "and the channel's newest 100 leads (all the API shows) may hide older ones: leads \
             created earlier from another machine or ledger would be created again; nothing was \
             sent",
        )
        .stderr_has("--ledger postgres://")
        .stderr_has("`leadctl ledger copy`")
        .stderr_has("`leadctl ledger adopt`")
        .stderr_has("--new-ledger");
    assert_eq!(out.stdout, "", "no row was decided");
    assert_eq!(requests_of(&sb, "create_lead"), creates, "nothing created");
    assert_eq!(created(&sb), 130);

    // A dry run says the same (its plan is the run's).
    let out = import_fresh(&sb, &fresh, &file, &["--dry-run"]);
    out.code(3).stderr_has(FRESH_STOP);

    // --new-ledger: the user accepts that the older leads are created again.
    let out = import_fresh(&sb, &fresh, &file, &["--new-ledger"]);
    out.code(0).stderr_has("10 created");
    assert_eq!(created(&sb), 140);
    // The ledger knows the channel now: the next run goes on without the flag.
    let out = import_fresh(&sb, &fresh, &file, &[]);
    out.code(0).stderr_has("10 skipped");
    assert_eq!(created(&sb), 140);
}

#[test]
fn a_fresh_ledger_goes_on_when_it_sees_the_whole_channel() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let first = rows(dir.path(), "first.csv", 1..=40);
    import(&sb, &first, &[]).code(0).stderr_has("40 created");
    // Another machine: rows 31..=50, 10 of them in the channel (found among the newest leads).
    let file = rows(dir.path(), "second.csv", 31..=50);
    let fresh = dir.path().join("fresh.sqlite3");
    let out = import_fresh(&sb, &fresh, &file, &[]);
    out.code(0).stderr_has("10 created, 10 skipped");
    let r = results(&out);
    assert_eq!(r.len(), 20);
    for (i, row) in r.iter().enumerate() {
        let expected = if i < 10 { "skipped" } else { "created" };
        assert_eq!(row["outcome"], expected, "{row}");
    }
    assert_eq!(created(&sb), 50);
}

/// `leadctl ARGS` on a pseudo-terminal (`script`), answering `answer`; `None` without `script`.
#[allow(clippy::print_stderr)] // says why the test checked less
fn on_terminal(sb: &Sandbox, ledger: &Path, args: &[&str], answer: &str) -> Option<Outcome> {
    let has_script = std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_script {
        eprintln!("skipped: no `script` to run leadctl on a pseudo-terminal");
        return None;
    }
    let o = leadctl(sb)
        .env("LEADCTL_LEDGER", ledger)
        .args(args)
        .stdin(answer)
        .wrapped(&[
            "bash",
            "-c",
            r#"exec script -qefc "$(printf '%q ' "$0" "$@")" /dev/null"#,
        ])
        .run();
    Some(o)
}

#[test]
fn on_a_terminal_a_fresh_ledger_asks() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = full_channel(&sb, dir.path());
    let fresh = dir.path().join("fresh.sqlite3");
    let args = ["import", file.to_str().unwrap()];
    let Some(out) = on_terminal(&sb, &fresh, &args, "n\n") else {
        return;
    };
    out.code(3)
        .stdout_has(FRESH_STOP)
        .stdout_has("Go on and create the file's leads the ledger does not know? [y/N]");
    assert_eq!(created(&sb), 130);
    let out = on_terminal(&sb, &fresh, &args, "y\n").unwrap();
    out.code(0).stdout_has("10 created");
    assert_eq!(created(&sb), 140);
}

// ---- item 4: limits --------------------------------------------------------------------------

#[test]
fn max_create_sends_nothing_over_the_limit() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "big.csv", 50);
    let out = import(&sb, &file, &["--max-create", "20"]);
    out.code(6).stderr_has(
        "the plan of this run is over its limit: it would create 50 leads, above --max-create \
         20; nothing was sent",
    );
    out.stderr_has("--dry-run -o ndjson");
    assert_eq!(requests_of(&sb, "create_lead"), 0);
    assert_eq!(out.stdout, "");

    // A dry run shows the plan and fails the same way: a gate for a job.
    let out = import(&sb, &file, &["--max-create", "20", "--dry-run"]);
    out.code(6)
        .stderr_has("dry run: 50 leads would be created; nothing was sent")
        .stderr_has("it would create 50 leads, above --max-create 20; nothing was sent");
    assert_eq!(crate::import::bodies(&out).len(), 50);
    assert_eq!(requests_of(&sb, "create_lead"), 0);

    // The profile's limit, set with `config set`.
    let cli = leadctl(&sb);
    let config = cli.home().join("config.toml");
    let set = |value: &str| {
        leadctl(&sb)
            .env("LEADCTL_CONFIG", &config)
            .args(["config", "set", "max_create", value])
            .run()
    };
    set("many").code(3).stderr_has(
        "invalid value \"many\" for max_create: expected a whole number of 0 or more, e.g. 500",
    );
    set("20").code(0);
    let listed = leadctl(&sb)
        .env("LEADCTL_CONFIG", &config)
        .args(["config", "list", "-o", "csv"])
        .run();
    listed.code(0).stdout_has("\nmax_create,20,config_file,");
    let out = cli
        .env("LEADCTL_CONFIG", &config)
        .args(["import", file.to_str().unwrap()])
        .run();
    out.code(6)
        .stderr_has("it would create 50 leads, above --max-create 20");
    assert_eq!(requests_of(&sb, "create_lead"), 0);

    // At the limit: sent.
    import(&sb, &file, &["--max-create", "50"])
        .code(0)
        .stderr_has("50 created");
    assert_eq!(created(&sb), 50);
    // A re-run plans no create: any limit passes.
    import(&sb, &file, &["--max-create", "0"])
        .code(0)
        .stderr_has("50 skipped");
}

#[test]
fn max_changes_counts_updates_and_comes_from_the_mapping_file_or_profile() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let monday = rows(dir.path(), "monday.csv", 1..=5);
    import(&sb, &monday, &[]).code(0).stderr_has("5 created");
    let renamed = rows_named(dir.path(), "tuesday.csv", 1..=5, |i| format!("Renamed {i}"));

    // The mapping file's limit.
    let mapping = dir.path().join("m.toml");
    std::fs::write(&mapping, "max_changes = 4\n").unwrap();
    let m = mapping.to_str().unwrap();
    let out = import(&sb, &renamed, &["--update", "--mapping", m]);
    out.code(6).stderr_has(
        "it would make 5 changes (5 updates, 0 moves, 0 purchases), above --max-changes 4; \
         nothing was sent",
    );
    assert_eq!(requests_of(&sb, "update_lead"), 0);

    // The profile's, beaten by the flag.
    let profile = |cli: crate::support::Leadctl| {
        cli.file("config.toml", "[profiles.default]\nmax_changes = 2\n");
        cli
    };
    let out = profile(leadctl(&sb))
        .args(["import", renamed.to_str().unwrap(), "--update"])
        .run();
    out.code(6).stderr_has("above --max-changes 2");
    let out = profile(leadctl(&sb))
        .args([
            "import",
            renamed.to_str().unwrap(),
            "--update",
            "--max-changes",
            "5",
        ])
        .run();
    out.code(0).stderr_has("5 updated");
    assert_eq!(requests_of(&sb, "update_lead"), 5);
}

#[test]
fn limits_need_a_file() {
    let sb = sandbox(|_| {});
    let out = leadctl(&sb)
        .args(["import", "-", "--max-create", "5"])
        .stdin("Email\na@example.com\n")
        .run();
    out.code(2).stderr_has(
        "--max-create and --max-changes need the file: the whole plan is counted before the \
         first write, and a stream is read only once",
    );
    assert_eq!(requests_of(&sb, "create_lead"), 0);
}

// ---- item 2: a dry run that tells the truth --------------------------------------------------

#[test]
fn a_dry_run_plans_what_the_real_run_then_does() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let monday = rows(dir.path(), "monday.csv", 1..=10);
    import(&sb, &monday, &[]).code(0).stderr_has("10 created");
    // Tuesday: Monday's 10 (row 2 renamed) and 3 new ones.
    let tuesday = rows_named(dir.path(), "tuesday.csv", 1..=13, |i| {
        if i == 2 {
            "Renamed".into()
        } else {
            format!("User {i}")
        }
    });
    let before = sb.stats()["requests"]["by_action"].clone();
    let out = import(&sb, &tuesday, &["--update", "--dry-run"]);
    out.code(0).stderr_has(
        "dry run: 3 leads would be created, 1 updated (first_name), 9 skipped as already \
         created; nothing was sent",
    );
    let lines = results(&out);
    assert_eq!(lines.len(), 13, "{}", out.stdout);
    let lead_id_2 = lines[1]["lead_id"].clone();
    assert_eq!(
        lines[1],
        json!({"action": "update_lead", "lead_id": lead_id_2, "first_name": "Renamed"})
    );
    for (i, line) in lines.iter().enumerate() {
        let n = i + 1;
        match n {
            2 => {}
            11..=13 => assert_eq!(
                line,
                &json!({
                    "action": "create_lead",
                    "channel_id": PRIMARY_CHANNEL_ID,
                    "email": format!("user{n}@example.com"),
                    "first_name": format!("User {n}"),
                    "business_id": format!("B-{n}"),
                })
            ),
            _ => {
                assert_eq!(line["row"], n as u64, "{line}");
                assert_eq!(line["outcome"], "skipped", "{line}");
                assert!(line["lead_id"].is_string(), "{line}");
            }
        }
    }
    // Only reads: get_leads (and the ledger's check of one lead).
    let after = sb.stats()["requests"]["by_action"].clone();
    for action in ["create_lead", "update_lead"] {
        assert_eq!(after[action], before[action], "{action} sent by a dry run");
    }

    // The real run does what the plan said.
    let out = import(&sb, &tuesday, &["--update"]);
    out.code(0).stderr_has("3 created, 1 updated, 9 skipped");
    assert_eq!(created(&sb), 13);
    assert_eq!(requests_of(&sb, "create_lead"), 13);
    assert_eq!(requests_of(&sb, "update_lead"), 1);
}

#[test]
fn a_dry_run_reads_the_ledger_and_writes_neither() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = rows(dir.path(), "a.csv", 1..=4);
    let fresh = dir.path().join("new.sqlite3");
    let out = import_fresh(&sb, &fresh, &file, &["--dry-run"]);
    out.code(0)
        .stderr_has("dry run: 4 leads would be created; nothing was sent");
    assert!(!fresh.exists(), "a dry run made the ledger file");
    assert_eq!(requests_of(&sb, "create_lead"), 0);

    // Leads another machine created (among the newest): skipped in the plan, not recorded.
    import(&sb, &file, &[]).code(0).stderr_has("4 created");
    let more = rows(dir.path(), "b.csv", 1..=6);
    let out = import_fresh(&sb, &fresh, &more, &["--dry-run"]);
    out.code(0).stderr_has(
        "dry run: 2 leads would be created, 4 skipped as already created; nothing was sent",
    );
    let r = results(&out);
    let skipped: Vec<&Value> = r.iter().filter(|l| l["outcome"] == "skipped").collect();
    assert_eq!(skipped.len(), 4);
    assert!(skipped[0]["error"]
        .as_str()
        .unwrap()
        .contains("found among the channel's newest leads"));
    assert!(!fresh.exists());
    // The real run: the same counts.
    let out = import_fresh(&sb, &fresh, &more, &[]);
    out.code(0).stderr_has("2 created, 4 skipped");
}

#[test]
fn a_dry_run_of_a_stream_plans_too() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = rows(dir.path(), "a.csv", 1..=3);
    import(&sb, &file, &[]).code(0).stderr_has("3 created");
    let text = std::fs::read_to_string(rows(dir.path(), "b.csv", 1..=5)).unwrap();
    let out = leadctl(&sb)
        .args(["import", "-", "--dry-run", "-o", "ndjson"])
        .stdin(text)
        .run();
    out.code(0).stderr_has(
        "dry run: 2 leads would be created, 3 skipped as already created; nothing was sent",
    );
    assert_eq!(results(&out).len(), 5);
    assert_eq!(requests_of(&sb, "create_lead"), 3);

    // An invalid row of a stream ends its plan there, as it ends the real run.
    let out = leadctl(&sb)
        .args(["import", "-", "--dry-run", "-o", "ndjson"])
        .stdin("Email,Business ID\nnew@example.com,B-9\nnot-an-email,B-10\nlate@example.com,B-11\n")
        .run();
    out.code(6)
        .stderr_has("the dry run stopped at this row; a real run sends the rows before it");
    let lines = results(&out);
    assert_eq!(lines.len(), 2, "{}", out.stdout);
    assert_eq!(lines[0]["action"], "create_lead");
    assert_eq!(lines[1]["outcome"], "invalid");
    assert_eq!(requests_of(&sb, "create_lead"), 3);
}

#[test]
fn dry_runs_of_moves_and_purchases_count_what_the_real_runs_do() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let mut day1 = vec!["New lead"; 5];
    day1[1] = "Qualified";
    let file = crm_export(dir.path(), "day1.csv", &day1);
    let out = import(&sb, &file, &["--dry-run"]);
    out.code(0)
        .stderr_has("dry run: 5 leads would be created, 1 moved; nothing was sent");
    let lines = results(&out);
    assert_eq!(lines.len(), 6, "{}", out.stdout);
    assert_eq!(lines[1]["action"], "create_lead");
    assert_eq!(lines[1]["business_id"], "C-2");
    // The new lead's id is not known before it is created.
    assert_eq!(
        lines[2],
        json!({"action": "update_status", "lead_id": null, "status": "Qualified"})
    );
    assert_eq!(requests_of(&sb, "update_status"), 0);
    import(&sb, &file, &[]).code(0).stderr_has("5 created");
    assert_eq!(requests_of(&sb, "update_status"), 1);

    // Day 2: one deal won.
    let mut day2 = day1.clone();
    day2[3] = "Won";
    let file2 = crm_export(dir.path(), "day2.csv", &day2);
    let out = import(&sb, &file2, &["--dry-run"]);
    out.code(0).stderr_has(
        "dry run: 0 leads would be created, 1 moved, 4 skipped as already created; nothing was \
         sent",
    );
    let moved = bodies_of(&out);
    assert_eq!(moved.len(), 1);
    assert_eq!(moved[0]["action"], "update_status");
    assert_eq!(moved[0]["status"], "Won");
    assert!(moved[0]["lead_id"].is_string());
    let out = import(&sb, &file2, &[]);
    out.code(0).stderr_has("1 moved").stderr_has("4 skipped");
    assert_eq!(requests_of(&sb, "update_status"), 2);

    // Purchases: planned, recorded, and planned again as nothing to do.
    let billing = dir.path().join("billing.csv");
    std::fs::write(
        &billing,
        "Invoice No,CRM ID,Total\nINV-1,C-1,100\nINV-2,C-2,200\nINV-3,C-2,300\n",
    )
    .unwrap();
    let purchases = |extra: &[&str]| {
        leadctl(&sb)
            .args([
                "purchases",
                "import",
                billing.to_str().unwrap(),
                "-o",
                "ndjson",
            ])
            .args(extra)
            .run()
    };
    let out = purchases(&["--dry-run"]);
    out.code(0)
        .stderr_has("dry run: 3 purchases would be recorded; nothing was sent");
    assert!(bodies_of(&out)
        .iter()
        .all(|b| b["action"] == "create_purchase"));
    assert_eq!(requests_of(&sb, "create_purchase"), 0);
    let out = purchases(&["--max-changes", "2"]);
    out.code(6).stderr_has(
        "it would make 3 changes (0 updates, 0 moves, 3 purchases), above --max-changes 2",
    );
    assert_eq!(requests_of(&sb, "create_purchase"), 0);
    purchases(&[]).code(0).stderr_has("3 created");
    assert_eq!(requests_of(&sb, "create_purchase"), 3);
    let out = purchases(&["--dry-run"]);
    out.code(0).stderr_has(
        "dry run: 0 purchases would be recorded, 3 skipped as already created; nothing was sent",
    );
}

fn bodies_of(out: &Outcome) -> Vec<Value> {
    crate::import::bodies(out)
}

#[test]
fn create_dry_run_decides_each_lead_as_create_would() {
    let sb = sandbox(|_| {});
    let create = |extra: &[&str], stdin: &str| {
        leadctl(&sb)
            .args(["create", "--json", "-", "-o", "ndjson"])
            .args(extra)
            .stdin(stdin.to_string())
            .run()
    };
    create(&[], r#"{"email": "ann@example.com", "first_name": "Ann"}"#).code(0);
    let both = "{\"email\": \"ann@example.com\", \"first_name\": \"Anna\"}\n\
                {\"email\": \"bob@example.com\"}\n";
    let out = create(&["--dry-run"], both);
    out.code(0)
        .stderr_has("would not be sent: created as ")
        .stderr_has(
            "dry run: 1 lead would be created, 1 changed since created (--update sends them); \
             nothing was sent",
        );
    assert_eq!(
        results(&out),
        [
            json!({"action": "create_lead", "channel_id": PRIMARY_CHANNEL_ID, "email": "bob@example.com"})
        ]
    );
    let out = create(&["--dry-run", "--update"], both);
    out.code(0)
        .stderr_has("dry run: 1 lead would be created, 1 updated (first_name); nothing was sent");
    let lines = results(&out);
    assert_eq!(lines[0]["action"], "update_lead");
    assert_eq!(lines[0]["first_name"], "Anna");
    assert_eq!(lines[1]["email"], "bob@example.com");
    assert_eq!(requests_of(&sb, "create_lead"), 1);
    assert_eq!(requests_of(&sb, "update_lead"), 0);
    // The real run does what the plan said.
    create(&["--update"], both).code(0);
    assert_eq!(requests_of(&sb, "create_lead"), 2);
    assert_eq!(requests_of(&sb, "update_lead"), 1);
}

#[test]
fn a_ledger_holding_only_an_unknown_key_of_the_channel_has_seen_it() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = full_channel(&sb, dir.path());
    // One key of the channel, unanswered: moved to a fresh ledger by export and import.
    let exported = leadctl(&sb).args(["ledger", "export"]).run();
    exported.code(0);
    let first = exported.stdout.lines().next().unwrap();
    let mut entry: Value = serde_json::from_str(first).unwrap();
    entry["state"] = json!("unknown");
    entry["lead_id"] = Value::Null;
    let keys = dir.path().join("one.ndjson");
    std::fs::write(&keys, format!("{entry}\n")).unwrap();
    let fresh = dir.path().join("fresh.sqlite3");
    leadctl(&sb)
        .env("LEADCTL_LEDGER", &fresh)
        .args(["ledger", "import", keys.to_str().unwrap()])
        .run()
        .code(0);
    let out = import_fresh(&sb, &fresh, &file, &[]);
    assert_ne!(out.code, 3, "{}", out.stderr);
    assert!(!out.stderr.contains(FRESH_STOP), "{}", out.stderr);
    out.stderr_has("1 unknown");
}
