//! The dry run tells the truth (issue 26, "Done when"): for each kind of import the suite runs
//! for real, a dry run right before it plans what the real run then does, row for row counted
//! by outcome. The scenarios: a new file, a re-run, changes without and with `--update`,
//! statuses, purchases, invalid rows, a `--query` source, `if_empty` fields (the dry run reads
//! the lead as the real run does), and a run killed midway (the dry run plans with what settling
//! first would find).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use leadctl::sandbox::Sandbox;
use serde_json::Value;

use crate::import::{created, leadctl, results, sandbox, write_csv};
use crate::support::Outcome;
use crate::sync::crm_export;

/// The real run's outcomes as a dry run's `-o ndjson` predicts them: each result line is its
/// row's outcome; a row's writes come to what the real run reports for it (a create, with or
/// without its move: created; an update: updated, with a move: moved; a move alone: moved; a
/// purchase: created).
fn predicted(dry: &Outcome) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    let mut add = |o: &str| *counts.entry(o.to_string()).or_insert(0) += 1;
    // The row's first write, not yet counted: its action and lead id.
    let mut open: Option<(String, Value)> = None;
    let first = |open: &mut Option<(String, Value)>, add: &mut dyn FnMut(&str)| {
        if let Some((action, _)) = open.take() {
            add(if action == "update_lead" {
                "updated"
            } else {
                "created"
            });
        }
    };
    for line in results(dry) {
        if let Some(o) = line.get("outcome").and_then(Value::as_str) {
            first(&mut open, &mut add);
            add(o);
            continue;
        }
        let action = line["action"].as_str().unwrap_or_default().to_string();
        match action.as_str() {
            "update_status" | "update_status_id" => match &open {
                Some((a, _)) if a == "create_lead" && line["lead_id"].is_null() => {
                    open = None;
                    add("created");
                }
                Some((a, id)) if a == "update_lead" && line["lead_id"] == *id => {
                    open = None;
                    add("moved");
                }
                _ => {
                    first(&mut open, &mut add);
                    add("moved");
                }
            },
            _ => {
                first(&mut open, &mut add);
                open = Some((action, line["lead_id"].clone()));
            }
        }
    }
    first(&mut open, &mut add);
    counts
}

/// The real run's outcomes, counted.
fn actual(real: &Outcome) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for r in results(real) {
        let o = r["outcome"].as_str().unwrap_or_else(|| panic!("{r}"));
        *counts.entry(o.to_string()).or_insert(0) += 1;
    }
    counts
}

/// One scenario: what is done before, and the command both runs make.
struct Scenario {
    name: &'static str,
    /// The sandbox's options.
    slow: bool,
    /// Runs what comes before, returns the command (without `-o`, `--dry-run`).
    before: fn(&Sandbox, &Path) -> Vec<String>,
}

fn run(sb: &Sandbox, args: &[String], extra: &[&str]) -> Outcome {
    leadctl(sb)
        .args(args)
        .args(["-o", "ndjson"])
        .args(extra)
        .run()
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

fn file(p: &Path) -> String {
    p.to_str().unwrap().to_string()
}

fn import_of(path: &Path, extra: &[&str]) -> Vec<String> {
    let mut v = vec!["import".to_string(), file(path)];
    v.extend(strings(extra));
    v
}

fn import_now(sb: &Sandbox, path: &Path, extra: &[&str]) {
    run(sb, &import_of(path, extra), &[]).code(0);
}

fn renamed(dir: &Path, name: &str, n: usize, renamed: usize) -> PathBuf {
    let text = std::fs::read_to_string(write_csv(dir, name, n))
        .unwrap()
        .replace(&format!("User {renamed},"), "Renamed,");
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn new_file(_: &Sandbox, dir: &Path) -> Vec<String> {
    import_of(&write_csv(dir, "a.csv", 10), &[])
}

fn re_run(sb: &Sandbox, dir: &Path) -> Vec<String> {
    let a = write_csv(dir, "a.csv", 10);
    import_now(sb, &a, &[]);
    import_of(&a, &[])
}

fn changed(sb: &Sandbox, dir: &Path) -> Vec<String> {
    import_now(sb, &write_csv(dir, "monday.csv", 10), &[]);
    import_of(&renamed(dir, "tuesday.csv", 13, 2), &[])
}

fn update(sb: &Sandbox, dir: &Path) -> Vec<String> {
    import_now(sb, &write_csv(dir, "monday.csv", 10), &[]);
    import_of(&renamed(dir, "tuesday.csv", 13, 2), &["--update"])
}

fn statuses(sb: &Sandbox, dir: &Path) -> Vec<String> {
    let day1 = ["New lead", "Qualified", "New lead", "New lead", "New lead"];
    import_now(sb, &crm_export(dir, "day1.csv", &day1), &[]);
    let day2 = [
        "New lead",
        "Qualified",
        "Won",
        "New lead",
        "New lead",
        "Qualified",
        "New lead",
    ];
    import_of(&crm_export(dir, "day2.csv", &day2), &[])
}

fn statuses_and_update(sb: &Sandbox, dir: &Path) -> Vec<String> {
    let day1 = ["New lead", "Qualified", "New lead"];
    import_now(sb, &crm_export(dir, "day1.csv", &day1), &[]);
    let text = std::fs::read_to_string(crm_export(dir, "day2.csv", &["New lead", "Won", "Won"]))
        .unwrap()
        .replace("Crm 2,", "Renamed,");
    let day2 = dir.join("day2.csv");
    std::fs::write(&day2, text).unwrap();
    import_of(&day2, &["--update"])
}

/// A status column added later: the ledger does not know the leads' statuses, so the real run
/// reads each lead's first and moves only those not there; the dry run reads them too.
fn statuses_added_later(sb: &Sandbox, dir: &Path) -> Vec<String> {
    import_now(sb, &write_csv(dir, "plain.csv", 4), &[]);
    let path = dir.join("with-status.csv");
    std::fs::write(
        &path,
        "Email,First Name,Business ID,Deal Stage\n\
         user1@example.com,User 1,B-1,New lead\n\
         user2@example.com,User 2,B-2,Won\n\
         user3@example.com,User 3,B-3,New lead\n\
         user4@example.com,User 4,B-4,Qualified\n",
    )
    .unwrap();
    import_of(&path, &[])
}

fn purchases(sb: &Sandbox, dir: &Path) -> Vec<String> {
    import_now(sb, &crm_export(dir, "leads.csv", &["New lead"; 3]), &[]);
    let billing = dir.join("billing.csv");
    std::fs::write(
        &billing,
        "Invoice No,CRM ID,Total\nINV-1,C-1,100\nINV-2,C-2,200\nINV-3,C-2,300\nINV-1,C-1,100\n",
    )
    .unwrap();
    run(sb, &strings(&["purchases", "import", &file(&billing)]), &[]).code(0);
    std::fs::write(
        &billing,
        "Invoice No,CRM ID,Total\nINV-1,C-1,100\nINV-2,C-2,200\nINV-4,C-3,400\nINV-5,C-3,500\n",
    )
    .unwrap();
    strings(&["purchases", "import", &file(&billing)])
}

fn invalid_rows(sb: &Sandbox, dir: &Path) -> Vec<String> {
    import_now(sb, &write_csv(dir, "a.csv", 3), &[]);
    let path = dir.join("b.csv");
    std::fs::write(
        &path,
        "Email,First Name,Business ID\n\
         user1@example.com,User 1,B-1\n\
         not-an-email,Bad,B-8\n\
         user9@example.com,User 9,B-9\n\
         user9@example.com,User 9,B-9\n",
    )
    .unwrap();
    import_of(&path, &["--skip-invalid"])
}

fn query(sb: &Sandbox, dir: &Path) -> Vec<String> {
    let db = dir.join("crm.db");
    let c = rusqlite::Connection::open(&db).unwrap();
    c.execute_batch(
        "CREATE TABLE leads (id INTEGER PRIMARY KEY, email TEXT, first_name TEXT, business_id TEXT);",
    )
    .unwrap();
    for i in 1..=8 {
        c.execute(
            "INSERT INTO leads VALUES (?1, ?2, ?3, ?4)",
            (
                i,
                format!("user{i}@example.com"),
                format!("User {i}"),
                format!("B-{i}"),
            ),
        )
        .unwrap();
    }
    let from = format!("sqlite:{}", db.display());
    let select = "SELECT email, first_name, business_id FROM leads ORDER BY id";
    let args = strings(&["import", "--from", &from, "--query", select]);
    run(sb, &args, &[]).code(0);
    c.execute_batch(
        "UPDATE leads SET first_name = 'Changed' WHERE id <= 2; \
         INSERT INTO leads VALUES (9, 'user9@example.com', 'User 9', 'B-9');",
    )
    .unwrap();
    let mut args = args;
    args.push("--update".into());
    args
}

/// `if_empty`: the dry run reads each lead as the real run does, and sends a field only where
/// the server holds none.
fn if_empty(sb: &Sandbox, dir: &Path) -> Vec<String> {
    let mapping = dir.join("crm.toml");
    std::fs::write(&mapping, "[fields.phone]\nwrite = \"if_empty\"\n").unwrap();
    let m = file(&mapping);
    let day1 = dir.join("day1.csv");
    std::fs::write(
        &day1,
        "Email,First Name,Phone,Business ID\n\
         a@example.com,Ada,,B-1\n\
         b@example.com,Bob,222,B-2\n\
         c@example.com,Cy,,B-3\n",
    )
    .unwrap();
    import_now(sb, &day1, &["--mapping", &m]);
    let day2 = dir.join("day2.csv");
    std::fs::write(
        &day2,
        "Email,First Name,Phone,Business ID\n\
         a@example.com,Ada,111,B-1\n\
         b@example.com,Bob,333,B-2\n\
         c@example.com,Cyril,444,B-3\n",
    )
    .unwrap();
    import_of(&day2, &["--mapping", &m, "--update"])
}

/// A run killed (`kill -9`) midway: its claims left `sending`, its leads among the newest.
fn killed(sb: &Sandbox, dir: &Path) -> Vec<String> {
    let file = write_csv(dir, "k.csv", 60);
    let args = import_of(&file, &["--concurrency", "4"]);
    let running = leadctl(sb).args(&args).spawn();
    let deadline = Instant::now() + Duration::from_secs(60);
    while created(sb) < 12 {
        assert!(Instant::now() < deadline, "12 leads never came");
        std::thread::sleep(Duration::from_millis(5));
    }
    // Killed while the sandbox holds the workers' next 4 requests (100 ms each): their leads
    // are made after the kill, unanswered. Killed at once, a claim could be on disk with its
    // request not yet sent, and nothing to find.
    while sb.stats()["in_flight"].as_u64().unwrap_or(0) < 4 {
        assert!(Instant::now() < deadline, "the next 4 requests never came");
        std::thread::sleep(Duration::from_millis(1));
    }
    running.signal("-KILL");
    running.wait(Duration::from_secs(20)).code(128 + 9);
    // The requests it had sent are answered before anyone looks.
    std::thread::sleep(Duration::from_millis(600));
    args
}

const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "a new file",
        slow: false,
        before: new_file,
    },
    Scenario {
        name: "a re-run",
        slow: false,
        before: re_run,
    },
    Scenario {
        name: "changes without --update",
        slow: false,
        before: changed,
    },
    Scenario {
        name: "--update",
        slow: false,
        before: update,
    },
    Scenario {
        name: "statuses",
        slow: false,
        before: statuses,
    },
    Scenario {
        name: "statuses and --update",
        slow: false,
        before: statuses_and_update,
    },
    Scenario {
        name: "statuses added later",
        slow: false,
        before: statuses_added_later,
    },
    Scenario {
        name: "purchases",
        slow: false,
        before: purchases,
    },
    Scenario {
        name: "invalid rows",
        slow: false,
        before: invalid_rows,
    },
    Scenario {
        name: "--query",
        slow: false,
        before: query,
    },
    Scenario {
        name: "if_empty",
        slow: false,
        before: if_empty,
    },
    Scenario {
        name: "after a killed run",
        slow: true,
        before: killed,
    },
];

#[test]
fn a_dry_run_counts_what_the_real_run_after_it_does() {
    for s in SCENARIOS {
        let sb = sandbox(|o| {
            if s.slow {
                o.latency = Duration::from_millis(100);
            }
        });
        let dir = tempfile::tempdir().unwrap();
        let args = (s.before)(&sb, dir.path());
        let requests = sb.stats()["requests"]["by_action"].clone();
        let dry = run(&sb, &args, &["--dry-run"]);
        dry.code(0);
        let after = sb.stats()["requests"]["by_action"].clone();
        for action in [
            "create_lead",
            "update_lead",
            "update_status",
            "create_purchase",
        ] {
            assert_eq!(
                after[action], requests[action],
                "{}: a dry run sent {action}",
                s.name
            );
        }
        let real = run(&sb, &args, &[]);
        let (want, got) = (predicted(&dry), actual(&real));
        eprintln!("{}: {got:?}", s.name);
        assert_eq!(
            want, got,
            "{}: the dry run planned {want:?}, the real run did {got:?}\n--- dry run\n{}{}\n--- real run\n{}",
            s.name, dry.stdout, dry.stderr, real.stderr
        );
        assert!(!got.is_empty(), "{}", s.name);
        // 8 when a row needs the user (invalid, failed, unknown), as an import exits.
        let open = ["invalid", "failed", "unknown", "not_sent"]
            .iter()
            .any(|o| got.contains_key(*o));
        real.code(if open { 8 } else { 0 });
    }
}

/// The killed run's rows the real run settles first are planned as settled by the dry run: it
/// says how many, and the real run then settles as many.
#[test]
fn a_dry_run_after_a_killed_run_plans_what_settling_first_finds() {
    let sb = sandbox(|o| o.latency = Duration::from_millis(100));
    let dir = tempfile::tempdir().unwrap();
    let args = killed(&sb, dir.path());
    let settled = |out: &Outcome, text: &str| -> u64 {
        let line = out
            .stderr
            .lines()
            .find(|l| l.contains(text))
            .unwrap_or_else(|| panic!("no {text:?} in:\n{}", out.stderr));
        // "channel C: of N key(s) an earlier run left without an answer, F found among ..."
        let before = &line[..line.find(text).unwrap()];
        let n = before.trim_end().rsplit(' ').next().unwrap();
        n.parse().unwrap_or_else(|_| panic!("{line}"))
    };
    let dry = run(&sb, &args, &["--dry-run"]);
    dry.code(0);
    let planned = settled(
        &dry,
        " found among the channel's newest leads (would count as created)",
    );
    assert!(planned > 0, "{}", dry.stderr);
    let real = run(&sb, &args, &[]);
    let done = settled(
        &real,
        " found among the channel's newest leads (count as created)",
    );
    assert_eq!(planned, done);
    assert_eq!(predicted(&dry), actual(&real));
}
