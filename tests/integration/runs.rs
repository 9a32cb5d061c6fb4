//! The run history (issue 29): `ledger runs` and `ledger runs show`, a version-1 ledger upgraded
//! on open, on SQLite and PostgreSQL.

use crate::support::postgres;
use crate::support::Leadctl;

#[test]
fn runs_show_of_an_unknown_id_exits_6_and_says_how_to_list_them() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("l.sqlite3");
    let lc = || Leadctl::new().env("LEADCTL_LEDGER", &ledger);
    let out = lc().args(["ledger", "runs"]).run();
    out.code(0);
    assert_eq!(
        out.stdout,
        format!("no runs are recorded in the ledger {}\n", ledger.display())
    );
    let out = lc().args(["ledger", "runs", "-o", "json"]).run();
    out.code(0);
    assert_eq!(out.stdout, "[]\n");
    let out = lc().args(["ledger", "runs", "show", "deadbeef"]).run();
    out.code(6)
        .stderr_has(&format!(
            "no run with an id starting \"deadbeef\" is recorded in the ledger {}",
            ledger.display()
        ))
        .stderr_has("`leadctl ledger runs` lists the recorded runs");
}

#[test]
fn a_version_1_postgres_ledger_gets_the_run_history_when_opened() {
    let Some(pg) = postgres::shared("runs_upgrade") else {
        return;
    };
    let ledger = pg.ledger();
    let schema = ledger.rsplit_once("schema=").unwrap().1.to_string();
    let lc = || Leadctl::new().env("LEADCTL_LEDGER", &ledger);
    lc().args(["ledger", "status"]).run().code(0);
    // What version 1 made: no runs table, version 1.
    pg.sql(&format!(
        "DROP TABLE {schema}.runs; UPDATE {schema}.version SET version = 1"
    ));
    let out = lc().args(["ledger", "runs", "-o", "json"]).run();
    out.code(0);
    assert_eq!(out.stdout, "[]\n");
    assert_eq!(
        pg.sql(&format!("SELECT version FROM {schema}.version"))
            .trim(),
        leadctl::ledger::SCHEMA_VERSION.to_string()
    );
    assert_eq!(
        pg.sql(&format!("SELECT count(*) FROM {schema}.runs"))
            .trim(),
        "0"
    );
}

/// `ledger runs show` with a prefix two runs share names both and asks for more of the id
/// (exit 2), and a longer prefix picks one.
#[test]
fn runs_show_of_a_prefix_two_runs_share_exits_2_and_names_both() {
    let sb = crate::import::sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("l.sqlite3");
    let file = crate::import::write_csv(dir.path(), "p.csv", 2);
    let lc = || crate::import::leadctl(&sb).env("LEADCTL_LEDGER", &ledger);
    for _ in 0..2 {
        lc().args(["import", file.to_str().unwrap()]).run().code(0);
    }
    // Two runs whose ids share their first 9 characters: the older `abcd1234-0...`, the newer
    // `abcd1234-1...`.
    let db = rusqlite::Connection::open(&ledger).unwrap();
    db.execute_batch(
        "UPDATE runs SET id = 'abcd1234-1' || substr(id, 11);
         UPDATE runs SET id = 'abcd1234-0' || substr(id, 11), started_at = started_at - 1
           WHERE rowid = (SELECT min(rowid) FROM runs);",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let runs: Vec<(String, String)> = db
        .prepare("SELECT id, report FROM runs ORDER BY started_at DESC")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    drop(db);
    assert_eq!(runs.len(), 2, "{runs:?}");
    let (newer, older) = (&runs[0], &runs[1]);
    assert!(older.0.starts_with("abcd1234-0") && newer.0.starts_with("abcd1234-1"));
    let out = lc().args(["ledger", "runs", "show", "abcd1234"]).run();
    out.code(2)
        .stderr_has(&format!(
            "leadctl: error: 2 runs have an id starting \"abcd1234\": {}, {}\n",
            newer.0, older.0
        ))
        .stderr_has("give more of the id");
    assert_eq!(out.stdout, "");
    let one = lc().args(["ledger", "runs", "show", &older.0[..10]]).run();
    one.code(0);
    let report: serde_json::Value = serde_json::from_str(&older.1).unwrap();
    assert_eq!(one.json(), report);
}
