//! A PostgreSQL ledger behind a frozen link (issue 32, item 4): the run says within seconds that
//! the ledger is not answering and stops with exit 7 after the stated total
//! (`LEADCTL_LEDGER_LOCK_WAIT`), and nothing was sent without its claim.

use std::time::{Duration, Instant};

use crate::import::{assert_no_duplicates, created, leadctl, sandbox, write_csv};
use crate::support::freeze::Freezer;

#[test]
fn a_postgres_ledger_behind_a_frozen_link_is_said_within_seconds_then_exit_7() {
    let Some(pg) = crate::support::postgres::shared("pg_frozen") else {
        return;
    };
    let url = pg.ledger();
    let host_port = url
        .split('@')
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap()
        .to_string();
    let freezer = Freezer::start(&host_port);
    let via = url.replace(&host_port, &format!("127.0.0.1:{}", freezer.port));
    let schema = url.rsplit("schema=").next().unwrap().to_string();
    let sb = sandbox(|o| o.latency = Duration::from_millis(40));
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "leads.csv", 400);
    let run = leadctl(&sb)
        .env("LEADCTL_LEDGER", &via)
        .env("LEADCTL_LEDGER_LOCK_WAIT", "7")
        .args(["import", file.to_str().unwrap(), "--concurrency", "2"])
        .spawn();
    // Frozen once rows are being sent.
    let deadline = Instant::now() + Duration::from_secs(60);
    while created(&sb) < 3 {
        assert!(Instant::now() < deadline, "the run never started sending");
        std::thread::sleep(Duration::from_millis(20));
    }
    freezer.freeze();
    let frozen_at = Instant::now();
    let out = run.wait(Duration::from_secs(90));
    let took = frozen_at.elapsed();
    out.code(7)
        .stderr_has("has not answered for 5 s; waiting up to 7 s in all, then stopping (exit 7)")
        .stderr_has("has not answered for 7 s (the stated total): stopping the run")
        .stderr_has("run the same command again once the database answers")
        .never_shows(&pg.password());
    assert!(
        // The call under way began at most a beat before the freeze.
        took >= Duration::from_secs(6) && took < Duration::from_secs(30),
        "stopped {took:?} after the freeze"
    );
    freezer.thaw();
    // Nothing sent unclaimed: every lead the server holds has its entry in the ledger.
    let on_server = created(&sb);
    assert!(on_server < 400, "stopped before the end");
    let entries: u64 = pg
        .sql(&format!("SELECT count(*) FROM {schema}.leads"))
        .parse()
        .unwrap();
    assert!(
        entries >= on_server,
        "{entries} entries for {on_server} leads on the server"
    );
    // The same command again, the link back: the rest, none twice.
    let again = leadctl(&sb)
        .env("LEADCTL_LEDGER", &url)
        .args(["import", file.to_str().unwrap()])
        .run();
    assert!(matches!(again.code, 0 | 8), "{}", again.stderr);
    assert_no_duplicates(&sb);
}
