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
        "2"
    );
    assert_eq!(
        pg.sql(&format!("SELECT count(*) FROM {schema}.runs"))
            .trim(),
        "0"
    );
}
