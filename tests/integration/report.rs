//! The run report (`--report`, issue 29) validated against `doc/report.schema.json` for a
//! finished, a partial, an interrupted (Ctrl-C) and a failed (exit 7) run; GitHub Actions' job
//! summary, annotations and outputs; and the run history (`ledger runs`) after three runs on
//! SQLite and PostgreSQL.
//!
//! The schema is checked by a small validator of the keywords the schema uses (type, const,
//! enum, required, properties, additionalProperties, items, maxItems, minLength, minimum,
//! maximum, $ref), which refuses a keyword it does not know; `pattern` and `format` are checked
//! by the assertions on the values themselves. A test shows it rejects broken documents.

use std::path::{Path, PathBuf};
use std::time::Duration;

use leadctl::sandbox::{API_KEY, PRIVATE_CHANNEL_ID};
use serde_json::{json, Value};

use crate::import::{created, leadctl, sandbox, write_csv};
use crate::support::postgres;
use crate::support::Leadctl;

// ---- the validator --------------------------------------------------------------------------

fn schema() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("doc/report.schema.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Every violation of `schema` by `doc`, with its JSON path.
fn violations(doc: &Value) -> Vec<String> {
    let root = schema();
    let mut found = Vec::new();
    check(&root, &root, doc, "$", &mut found);
    found
}

fn type_matches(t: &str, v: &Value) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "integer" => v.is_u64() || v.is_i64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        other => panic!("schema type {other} unknown to the validator"),
    }
}

fn check(root: &Value, s: &Value, v: &Value, at: &str, found: &mut Vec<String>) {
    let Some(s) = s.as_object() else {
        panic!("schema at {at} is not an object");
    };
    for (keyword, arg) in s {
        match keyword.as_str() {
            "$schema" | "$id" | "title" | "description" | "$defs" | "pattern" | "format" => {}
            "$ref" => {
                let name = arg.as_str().unwrap().strip_prefix("#/$defs/").unwrap();
                check(root, &root["$defs"][name], v, at, found);
            }
            "type" => {
                let types: Vec<&str> = match arg {
                    Value::String(t) => vec![t.as_str()],
                    Value::Array(a) => a.iter().map(|t| t.as_str().unwrap()).collect(),
                    _ => panic!("bad type at {at}"),
                };
                if !types.iter().any(|t| type_matches(t, v)) {
                    found.push(format!("{at}: {v} is not of type {types:?}"));
                }
            }
            "const" if v != arg => found.push(format!("{at}: {v} is not {arg}")),
            "const" => {}
            "enum" if !arg.as_array().unwrap().contains(v) => {
                found.push(format!("{at}: {v} is not one of {arg}"))
            }
            "enum" => {}
            "required" => {
                if let Some(o) = v.as_object() {
                    for name in arg.as_array().unwrap() {
                        let name = name.as_str().unwrap();
                        if !o.contains_key(name) {
                            found.push(format!("{at}: lacks {name}"));
                        }
                    }
                }
            }
            "properties" => {
                if let Some(o) = v.as_object() {
                    for (name, sub) in arg.as_object().unwrap() {
                        if let Some(value) = o.get(name) {
                            check(root, sub, value, &format!("{at}.{name}"), found);
                        }
                    }
                }
            }
            "additionalProperties" => {
                assert_eq!(
                    arg,
                    &json!(false),
                    "only additionalProperties: false is known"
                );
                if let Some(o) = v.as_object() {
                    let known = s["properties"].as_object().unwrap();
                    for name in o.keys().filter(|k| !known.contains_key(*k)) {
                        found.push(format!("{at}: unexpected property {name}"));
                    }
                }
            }
            "items" => {
                if let Some(a) = v.as_array() {
                    for (i, item) in a.iter().enumerate() {
                        check(root, arg, item, &format!("{at}[{i}]"), found);
                    }
                }
            }
            "maxItems" => {
                if let Some(a) = v.as_array() {
                    if a.len() as u64 > arg.as_u64().unwrap() {
                        found.push(format!("{at}: more than {arg} items"));
                    }
                }
            }
            "minLength" => {
                if let Some(t) = v.as_str() {
                    if (t.chars().count() as u64) < arg.as_u64().unwrap() {
                        found.push(format!("{at}: shorter than {arg}"));
                    }
                }
            }
            "minimum" | "maximum" => {
                if let (Some(n), Some(limit)) = (v.as_f64(), arg.as_f64()) {
                    if (keyword == "minimum" && n < limit) || (keyword == "maximum" && n > limit) {
                        found.push(format!("{at}: {n} is beyond the {keyword} {limit}"));
                    }
                }
            }
            other => panic!("schema keyword {other} (at {at}) unknown to the validator"),
        }
    }
}

/// Reads a report, checks it against the schema and the formats the validator does not check.
fn valid_report(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("the report {} was not written: {e}", path.display()));
    assert!(!text.contains(API_KEY), "the API key is in the report");
    let doc: Value = serde_json::from_str(&text).unwrap();
    let problems = violations(&doc);
    assert!(problems.is_empty(), "{problems:#?}\n{text}");
    for t in [&doc["started_at"], &doc["ended_at"]] {
        let t = t.as_str().unwrap();
        assert_eq!(t.len(), 24, "{t}");
        assert!(t.ends_with('Z') && t.as_bytes()[10] == b'T', "{t}");
    }
    for input in doc["inputs"].as_array().unwrap() {
        if let Some(h) = input["sha256"].as_str() {
            assert!(
                h.len() == 64 && h.chars().all(|c| c.is_ascii_hexdigit()),
                "{h}"
            );
        }
    }
    doc
}

#[test]
fn the_validator_rejects_what_the_schema_forbids() {
    let good = json!({
        "schema": 1, "run_id": "r", "tool": {"name": "leadctl", "version": "0"},
        "command": "import", "host": "h", "inputs": [], "api_url": "http://x",
        "started_at": "2026-01-01T00:00:00.000Z", "ended_at": null, "exit_code": null,
        "status": "running", "error": null,
        "counts": {"created": 0, "updated": 0, "moved": 0, "skipped": 0, "changed": 0,
                   "duplicate": 0, "failed": 0, "unknown": 0, "invalid": 0, "not_sent": 0,
                   "not_reached": 0},
        "attention": {"total": 0, "rows": []}, "errors_file": null,
        "timings": {"elapsed_seconds": 0.0, "rows_sent": 0, "rows_per_second": 0.0,
                    "concurrency": null, "rate_limited_429": 0, "retries": 0},
        "ledger": null
    });
    assert_eq!(violations(&good), Vec::<String>::new());
    let mut bad = good.clone();
    bad["counts"]["created"] = json!(-1);
    bad["status"] = json!("done");
    bad["extra"] = json!(1);
    bad["attention"]["rows"] = json!([{"row": 1, "key": 5, "outcome": "failed"}]);
    bad.as_object_mut().unwrap().remove("host");
    let mut found = violations(&bad);
    found.sort();
    assert_eq!(
        found,
        [
            "$.attention.rows[0].key: 5 is not of type [\"string\", \"null\"]",
            "$.attention.rows[0]: lacks message",
            "$.counts.created: -1 is beyond the minimum 0",
            "$.status: \"done\" is not one of [\"running\",\"finished\",\"partial\",\"interrupted\",\"failed\"]",
            "$: lacks host",
            "$: unexpected property extra",
        ]
    );
}

// ---- reports of real runs -------------------------------------------------------------------

#[test]
fn a_finished_run_reports_its_counts_inputs_and_timings() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "f.csv", 5);
    let report = dir.path().join("out/report.json");
    let out = leadctl(&sb)
        .args(["import", file.to_str().unwrap(), "--report"])
        .arg(&report)
        .run();
    out.code(0);
    let doc = valid_report(&report);
    assert_eq!(doc["status"], "finished");
    assert_eq!(doc["exit_code"], 0);
    assert_eq!(doc["command"], "import");
    assert_eq!(doc["error"], Value::Null);
    assert_eq!(doc["counts"]["created"], 5);
    assert_eq!(doc["timings"]["rows_sent"], 5);
    assert_eq!(doc["attention"], json!({"total": 0, "rows": []}));
    let size = std::fs::metadata(&file).unwrap().len();
    assert_eq!(doc["inputs"][0]["name"], "f.csv");
    assert_eq!(doc["inputs"][0]["size"], size);
    assert_eq!(
        doc["ledger"]["location"],
        crate::import::ledger_of(&sb).display().to_string()
    );
    // LEADCTL_REPORT names it too; the flag wins.
    let env_report = dir.path().join("env.json");
    leadctl(&sb)
        .env("LEADCTL_REPORT", &env_report)
        .args(["import", file.to_str().unwrap()])
        .run()
        .code(0);
    let doc = valid_report(&env_report);
    assert_eq!(doc["counts"]["skipped"], 5);
    assert_eq!(doc["counts"]["created"], 0);
}

#[test]
fn a_report_that_cannot_be_written_exits_3_before_anything_is_sent() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "w.csv", 2);
    // A directory where the report's folder should be: nothing can be written there.
    let blocker = dir.path().join("blocker");
    std::fs::write(&blocker, "a file").unwrap();
    let report = blocker.join("report.json");
    let out = leadctl(&sb)
        .args(["import", file.to_str().unwrap(), "--report"])
        .arg(&report)
        .run();
    out.code(3)
        .stderr_has(&format!(
            "leadctl: error: cannot write the run report {}:",
            report.display()
        ))
        .stderr_has("hint: name a file in a writable directory with --report FILE (or LEADCTL_REPORT); nothing was sent");
    assert_eq!(created(&sb), 0);
}

#[test]
fn an_interrupted_run_reports_exit_130_and_the_rows_not_reached() {
    let sb = sandbox(|o| o.latency = Duration::from_millis(20));
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "i.csv", 200);
    let report = dir.path().join("i.json");
    let running = leadctl(&sb)
        .args([
            "import",
            file.to_str().unwrap(),
            "--concurrency",
            "4",
            "--report",
        ])
        .arg(&report)
        .spawn();
    std::thread::sleep(Duration::from_millis(400));
    running.signal("-INT");
    let out = running.wait(Duration::from_secs(30));
    out.code(130);
    let doc = valid_report(&report);
    assert_eq!(doc["status"], "interrupted");
    assert_eq!(doc["exit_code"], 130);
    let done = doc["counts"]["created"].as_u64().unwrap();
    assert_eq!(done, created(&sb), "{doc:#}\n{}", out.stderr);
    let reached: u64 = doc["counts"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| *k != "not_reached")
        .map(|(_, n)| n.as_u64().unwrap())
        .sum();
    assert!(reached < 200, "stopped early: {doc:#}");
    assert_eq!(
        doc["counts"]["not_reached"].as_u64().unwrap(),
        200 - reached
    );
    assert!(doc["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("interrupted: "));
}

#[test]
fn a_run_that_cannot_reach_the_api_reports_exit_7() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "n.csv", 3);
    let report = dir.path().join("n.json");
    let out = Leadctl::new()
        .env(
            "LEADCTL_API_URL",
            "http://127.0.0.1:9/functions/v1/keen-api",
        )
        .env("LEADCTL_API_KEY", API_KEY)
        .env("LEADCTL_CHANNEL", leadctl::sandbox::PRIMARY_CHANNEL_ID)
        .env("LEADCTL_LEDGER", dir.path().join("l.sqlite3"))
        .env("LEADCTL_RETRY_BASE_MS", "1")
        .args(["import", file.to_str().unwrap(), "--report"])
        .arg(&report)
        .run();
    out.code(7);
    let doc = valid_report(&report);
    assert_eq!(doc["status"], "failed");
    assert_eq!(doc["exit_code"], 7);
    let message = doc["error"]["message"].as_str().unwrap();
    assert!(
        out.stderr.contains(message),
        "the report's error is the one printed: {message}\n{}",
        out.stderr
    );
    assert_eq!(doc["counts"]["created"], 0);
}

// ---- GitHub Actions -------------------------------------------------------------------------

/// Rows 1 and 16 are created; 2, 15 and 17 are invalid (no --skip-invalid would stop them all);
/// 3 to 14 are refused by the server (a channel the key may not use: 403).
fn mixed_csv(dir: &Path) -> PathBuf {
    let mut text = String::from("Email,Channel ID\n");
    for row in 1..=17 {
        let line = match row {
            1 | 16 => format!("ok{row}@example.com,\n"),
            2 | 15 | 17 => format!("not-an-email-{row},\n"),
            _ => format!("no{row}@example.com,{PRIVATE_CHANNEL_ID}\n"),
        };
        text.push_str(&line);
    }
    let path = dir.join("mixed.csv");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn under_github_actions_a_run_writes_its_summary_annotations_and_outputs() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    mixed_csv(dir.path());
    let summary = dir.path().join("summary.md");
    let outputs = dir.path().join("outputs.txt");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let report = dir.path().join("r.json");
    let run = |extra: &[&str]| {
        leadctl(&sb)
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("GITHUB_OUTPUT", &outputs)
            .current_dir(dir.path())
            .args([
                "import",
                "mixed.csv",
                "--skip-invalid",
                "--report",
                "r.json",
            ])
            .args(extra)
            .run()
    };
    let out = run(&[]);
    out.code(8);
    let doc = valid_report(&report);
    assert_eq!(doc["counts"]["created"], 2);
    assert_eq!(doc["counts"]["failed"], 12);
    assert_eq!(doc["counts"]["invalid"], 3);
    assert_eq!(doc["attention"]["total"], 15);
    // Every annotation: 10 errors for the first rows needing attention, then the count line.
    let annotations: Vec<&str> = out.stderr.lines().filter(|l| l.starts_with("::")).collect();
    let forbidden = "permission refused (403): Channel not accessible";
    let mut expected = vec![
        "::error file=mixed.csv,line=3,title=leadctl%3A invalid row::row 2: invalid: row 2 (line 3), column 1 \"Email\": \"not-an-email-2\" is not a valid email address".to_string(),
    ];
    for row in 3..=11 {
        expected.push(format!(
            "::error file=mixed.csv,line={},title=leadctl%3A failed row::row {row}: failed (email:no{row}@example.com): {forbidden}",
            row + 1
        ));
    }
    expected.push(
        "::error file=mixed.csv,line=13,title=leadctl%3A invalid or failed rows::5 more invalid \
         or failed row(s) not shown; the errors file mixed.csv.errors.csv lists them all"
            .to_string(),
    );
    assert_eq!(annotations, expected, "{}", out.stderr);
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.starts_with("earlier step\n### leadctl import: partial (exit 8)\n"),
        "{md}"
    );
    assert!(
        md.contains(
            "| outcome | rows |\n|---|---:|\n| created | 2 |\n| failed | 12 |\n| invalid | 3 |\n\n"
        ),
        "{md}"
    );
    assert!(
        md.contains("**Rows needing attention** (the first 10 of 15)\n"),
        "{md}"
    );
    assert!(
        md.contains(&format!(
            "| 3 | failed | email:no3@example.com | {forbidden} |\n"
        )),
        "{md}"
    );
    assert!(
        md.contains("Errors file: `mixed.csv.errors.csv` (15 row(s) to fix and import again)"),
        "{md}"
    );
    assert!(md.contains("Report: `r.json`"), "{md}");
    let run_id = doc["run_id"].as_str().unwrap();
    assert_eq!(
        std::fs::read_to_string(&outputs).unwrap(),
        format!(
            "created=2\nupdated=0\nmoved=0\nskipped=0\nchanged=0\nduplicate=0\nfailed=12\n\
             unknown=0\ninvalid=3\nnot_sent=0\nnot_reached=0\nexit_code=8\nstatus=partial\n\
             run_id={run_id}\nerrors_file=mixed.csv.errors.csv\nreport=r.json\n"
        )
    );
    // --no-ci-annotations: none of it.
    std::fs::remove_file(&outputs).unwrap();
    let before = std::fs::read_to_string(&summary).unwrap();
    let quiet = run(&["--no-ci-annotations"]);
    quiet.code(8);
    assert!(!quiet.stderr.contains("::error"), "{}", quiet.stderr);
    assert!(!outputs.exists());
    assert_eq!(std::fs::read_to_string(&summary).unwrap(), before);
}

// ---- the run history ------------------------------------------------------------------------

/// Three runs (created, all skipped, partial), then `ledger runs` lists them newest first and
/// `ledger runs show` prints the last one's report as `--report` wrote it.
fn three_runs_are_listed(ledger: &str, secret: Option<&str>) {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "h.csv", 3);
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "Email\nnot-an-email\nz@example.com\n").unwrap();
    let lc = || leadctl(&sb).env("LEADCTL_LEDGER", ledger);
    lc().args(["import", file.to_str().unwrap()]).run().code(0);
    lc().args(["import", file.to_str().unwrap()]).run().code(0);
    let report = dir.path().join("last.json");
    lc().args([
        "import",
        bad.to_str().unwrap(),
        "--skip-invalid",
        "--report",
    ])
    .arg(&report)
    .run()
    .code(8);
    let out = lc().args(["ledger", "runs", "-o", "json"]).run();
    out.code(0);
    let runs = out.json();
    let runs = runs.as_array().unwrap();
    assert_eq!(runs.len(), 3, "{runs:#?}");
    let summary: Vec<(i64, u64, u64, u64)> = runs
        .iter()
        .map(|r| {
            (
                r["exit_code"].as_i64().unwrap(),
                r["counts"]["created"].as_u64().unwrap(),
                r["counts"]["skipped"].as_u64().unwrap(),
                r["counts"]["invalid"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(summary, [(8, 1, 0, 1), (0, 0, 3, 0), (0, 3, 0, 0)]);
    for r in runs {
        assert_eq!(r["command"], "import");
        assert!(!r["host"].as_str().unwrap().is_empty());
    }
    assert_eq!(runs[0]["inputs"][0]["name"], "bad.csv");
    let written = valid_report(&report);
    assert_eq!(runs[0]["id"], written["run_id"]);
    let id = written["run_id"].as_str().unwrap();
    let shown = lc().args(["ledger", "runs", "show", &id[..8]]).run();
    shown.code(0);
    assert_eq!(shown.json(), written, "runs show prints the report");
    let table = lc().args(["ledger", "runs", "-n", "2"]).run();
    table.code(0);
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "a header and two runs:\n{}", table.stdout);
    assert!(lines[0].starts_with("id "), "{}", table.stdout);
    assert!(lines[1].starts_with(&id[..8]), "{}", table.stdout);
    assert!(
        lines[1].contains(" 1 created, 1 invalid "),
        "{}",
        table.stdout
    );
    if let Some(secret) = secret {
        let text = std::fs::read_to_string(&report).unwrap();
        assert!(
            !text.contains(secret),
            "the ledger password is in the report"
        );
        out.never_shows(secret);
        shown.never_shows(secret);
    }
}

#[test]
fn ledger_runs_lists_three_runs_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("runs.sqlite3");
    three_runs_are_listed(ledger.to_str().unwrap(), None);
}

#[test]
fn ledger_runs_lists_three_runs_on_postgres() {
    let Some(pg) = postgres::shared("ledger_runs_postgres") else {
        return;
    };
    three_runs_are_listed(&pg.ledger(), Some(&pg.password()));
}

#[test]
fn a_create_of_several_leads_reports_each_failure_with_its_key() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let json_file = dir.path().join("leads.json");
    std::fs::write(
        &json_file,
        format!(
            r#"[{{"email": "ok@example.com"}}, {{"email": "no@example.com", "channel_id": "{PRIVATE_CHANNEL_ID}"}}]"#
        ),
    )
    .unwrap();
    let report = dir.path().join("create.json");
    let out = leadctl(&sb)
        .args(["create", "--json", json_file.to_str().unwrap(), "--report"])
        .arg(&report)
        .run();
    out.code(8);
    let doc = valid_report(&report);
    assert_eq!(doc["command"], "create");
    assert_eq!(doc["inputs"][0]["name"], "leads.json");
    assert_eq!(doc["counts"]["created"], 1);
    assert_eq!(doc["counts"]["failed"], 1);
    assert_eq!(doc["attention"]["total"], 1);
    let row = &doc["attention"]["rows"][0];
    assert_eq!(row["row"], 2);
    assert_eq!(row["key"], "email:no@example.com");
    assert_eq!(row["outcome"], "failed");
    assert!(
        row["message"]
            .as_str()
            .unwrap()
            .contains("permission refused (403): Channel not accessible"),
        "{row}"
    );
    // Again: the first lead exists (skipped), the second is refused again.
    leadctl(&sb)
        .args(["create", "--json", json_file.to_str().unwrap(), "--report"])
        .arg(&report)
        .run()
        .code(8);
    let doc = valid_report(&report);
    let counts: Vec<(&str, u64)> = ["created", "skipped", "updated", "failed"]
        .iter()
        .map(|k| (*k, doc["counts"][*k].as_u64().unwrap()))
        .collect();
    assert_eq!(
        counts,
        [
            ("created", 0),
            ("skipped", 1),
            ("updated", 0),
            ("failed", 1)
        ]
    );
}
