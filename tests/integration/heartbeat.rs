//! Heartbeat rows of ended runs are pruned (issue 32, item 7): every run used to leave its
//! `run.<id>.alive` row in the ledger's meta table for good.

use crate::import::{leadctl, sandbox, write_csv};

fn beats(ledger: &std::path::Path) -> Vec<(String, String)> {
    let c = rusqlite::Connection::open(ledger).unwrap();
    let mut stmt = c
        .prepare("SELECT key, value FROM meta WHERE key LIKE 'run.%.alive' ORDER BY key")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn runs_that_ended_leave_no_heartbeat_rows() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.sqlite3");
    for (name, n) in [("a.csv", 3), ("b.csv", 5), ("c.csv", 5)] {
        let file = write_csv(dir.path(), name, n);
        leadctl(&sb)
            .args(["--ledger", ledger.to_str().unwrap(), "import"])
            .arg(&file)
            .run()
            .code(0);
    }
    // A run killed long ago on another machine left its beat: the next run's end prunes it.
    let c = rusqlite::Connection::open(&ledger).unwrap();
    c.execute(
        "INSERT INTO meta (api_url, key, value, updated_at) VALUES (?1, 'run.gone.alive', \
         '1000 4242 elsewhere 1', 1000)",
        [leadctl::ledger::scope_url(&sb.url())],
    )
    .unwrap();
    drop(c);
    assert_eq!(beats(&ledger).len(), 1);
    let file = write_csv(dir.path(), "d.csv", 6);
    leadctl(&sb)
        .args(["--ledger", ledger.to_str().unwrap(), "import"])
        .arg(&file)
        .run()
        .code(0)
        .stderr_has("1 created");
    assert_eq!(beats(&ledger), Vec::<(String, String)>::new());
}
