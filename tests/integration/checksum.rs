//! Entry checksums (issue 32, item 2): an entry changed behind leadctl's back (a flipped bit, an
//! `UPDATE` by hand) is refused before anything is sent, `ledger check` names it, and the WAL is
//! checkpointed when a run ends, so a copy of the file alone holds the run's entries.

use std::path::{Path, PathBuf};

use leadctl::sandbox::Sandbox;

use crate::import::{created, leadctl, sandbox, write_csv};
use crate::support::Outcome;

fn creates(sb: &Sandbox) -> u64 {
    sb.stats()["requests"]["by_action"]["create_lead"]
        .as_u64()
        .unwrap_or(0)
}

/// A ledger at `dir/ledger.sqlite3` holding the `n` leads of `write_csv`, made by importing them.
fn ledger_with(sb: &Sandbox, dir: &Path, n: usize) -> PathBuf {
    let ledger = dir.join("ledger.sqlite3");
    let file = write_csv(dir, "made.csv", n);
    leadctl(sb)
        .args(["--ledger", ledger.to_str().unwrap(), "import"])
        .arg(&file)
        .run()
        .code(0);
    ledger
}

/// Runs SQL on the ledger file as another program would (its WAL folded in first).
fn by_hand(ledger: &Path, sql: &str) {
    let c = rusqlite::Connection::open(ledger).unwrap();
    let changed = c.execute(sql, []).unwrap();
    assert_eq!(changed, 1, "{sql}");
    c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
}

fn check(sb: &Sandbox, ledger: &Path, extra: &[&str]) -> Outcome {
    leadctl(sb)
        .args(["--ledger", ledger.to_str().unwrap(), "ledger", "check"])
        .args(extra)
        .run()
}

/// An import of 8 rows (3 of them new) against the damaged `ledger`: exit 3 before anything is
/// sent, naming `key`.
fn refused(sb: &Sandbox, dir: &Path, ledger: &Path, key: &str) {
    let before = creates(sb);
    let file = write_csv(dir, "more.csv", 8);
    let out = leadctl(sb)
        .args(["--ledger", ledger.to_str().unwrap(), "import"])
        .arg(&file)
        .run();
    out.code(3)
        .stderr_has(&format!(
            "the ledger {} is damaged: 1 of its 5 entries do not match their checksums, so it \
             cannot say which rows were sent:",
            ledger.display()
        ))
        .stderr_has(&format!(
            "  {key} (channel {}, API URL {}): its key, state, lead id or scope does not match \
             its checksum",
            leadctl::sandbox::PRIMARY_CHANNEL_ID,
            sb.url()
        ))
        .stderr_has("nothing was sent")
        .stderr_has("leadctl ledger export")
        .stderr_has("leadctl ledger import BACKUP.ndjson");
    assert_eq!(creates(sb), before, "nothing sent");
    assert_eq!(created(sb), 5);
}

#[test]
fn a_lead_id_changed_by_hand_is_refused_before_sending_and_ledger_check_names_it() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let ledger = ledger_with(&sb, dir.path(), 5);
    check(&sb, &ledger, &[]).code(0);
    by_hand(
        &ledger,
        "UPDATE leads SET lead_id = 'c0ffee00-0000-4000-8000-000000000000' WHERE key = \
         'business_id:B-3'",
    );
    refused(&sb, dir.path(), &ledger, "business_id:B-3");
    let out = check(&sb, &ledger, &[]);
    out.code(3)
        .stderr_has(&format!(
            "the ledger {} is damaged: 1 of its 5 entries do not match their checksums:\n  \
             business_id:B-3 (channel {}, API URL {}): its key, state, lead id or scope does \
             not match its checksum",
            ledger.display(),
            leadctl::sandbox::PRIMARY_CHANNEL_ID,
            sb.url()
        ))
        .stderr_has("leadctl ledger export");
    assert_eq!(out.stdout, "");
    let json = check(&sb, &ledger, &["-o", "json"]);
    json.code(3);
    assert_eq!(
        json.json(),
        serde_json::json!({
            "ledger": ledger.display().to_string(),
            "ok": false,
            "entries": 5,
            "damaged": 1,
            "damaged_entries": [{
                "api_url": sb.url(),
                "channel": leadctl::sandbox::PRIMARY_CHANNEL_ID,
                "key": "business_id:B-3",
                "problem": "its key, state, lead id or scope does not match its checksum",
            }],
            "integrity": ["ok"],
        })
    );
}

#[test]
fn a_key_or_state_changed_by_hand_is_refused_before_sending() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let ledger = ledger_with(&sb, dir.path(), 5);
    // The key a row is looked up by, renamed: the row would read as never sent.
    by_hand(
        &ledger,
        "UPDATE leads SET key = 'business_id:B-99' WHERE key = 'business_id:B-2'",
    );
    refused(&sb, dir.path(), &ledger, "business_id:B-99");
    by_hand(
        &ledger,
        "UPDATE leads SET key = 'business_id:B-2' WHERE key = 'business_id:B-99'",
    );
    check(&sb, &ledger, &[]).code(0);
    by_hand(
        &ledger,
        "UPDATE leads SET state = 'failed' WHERE key = 'business_id:B-4'",
    );
    refused(&sb, dir.path(), &ledger, "business_id:B-4");
}

#[test]
fn a_sound_ledger_checks_ok_and_a_restored_entry_is_trusted_again() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let ledger = ledger_with(&sb, dir.path(), 5);
    let out = check(&sb, &ledger, &[]);
    out.code(0);
    assert_eq!(
        out.stdout,
        format!(
            "the ledger {} is sound: integrity check ok, all 5 entries match their checksums\n",
            ledger.display()
        )
    );
    let json = check(&sb, &ledger, &["-o", "json"]);
    json.code(0);
    assert_eq!(
        json.json(),
        serde_json::json!({
            "ledger": ledger.display().to_string(),
            "ok": true,
            "entries": 5,
            "damaged": 0,
            "damaged_entries": [],
            "integrity": ["ok"],
        })
    );
    // A backup, damage, the backup imported again: the ledger is whole and the run goes on.
    let backup = leadctl(&sb)
        .args([
            "--ledger",
            ledger.to_str().unwrap(),
            "ledger",
            "export",
            "--all-urls",
        ])
        .run();
    backup.code(0);
    let backup_file = dir.path().join("backup.ndjson");
    std::fs::write(&backup_file, &backup.stdout).unwrap();
    by_hand(
        &ledger,
        "UPDATE leads SET lead_id = NULL WHERE key = 'business_id:B-1'",
    );
    check(&sb, &ledger, &[]).code(3);
    leadctl(&sb)
        .args(["--ledger", ledger.to_str().unwrap(), "ledger", "import"])
        .arg(&backup_file)
        .run()
        .code(0);
    check(&sb, &ledger, &[]).code(0);
    let file = write_csv(dir.path(), "more.csv", 8);
    leadctl(&sb)
        .args(["--ledger", ledger.to_str().unwrap(), "import"])
        .arg(&file)
        .run()
        .code(0)
        .stderr_has("3 created");
    assert_eq!(created(&sb), 8);
}

#[test]
fn a_run_ends_with_its_entries_in_the_main_file_while_another_process_holds_it_open() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let ledger = ledger_with(&sb, dir.path(), 2);
    // Another program keeps the file open: closing leadctl's connection alone would then leave
    // the run's writes in the -wal file.
    let holder = rusqlite::Connection::open(&ledger).unwrap();
    let _: i64 = holder
        .query_row("SELECT count(*) FROM leads", [], |r| r.get(0))
        .unwrap();
    let file = write_csv(dir.path(), "more.csv", 6);
    leadctl(&sb)
        .args(["--ledger", ledger.to_str().unwrap(), "import"])
        .arg(&file)
        .run()
        .code(0)
        .stderr_has("4 created");
    let wal = PathBuf::from(format!("{}-wal", ledger.display()));
    let wal_len = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    assert_eq!(wal_len, 0, "the WAL was checkpointed and truncated");
    // The main file copied alone (a naive backup) holds all 6.
    let copy = dir.path().join("copy.sqlite3");
    std::fs::copy(&ledger, &copy).unwrap();
    let c = rusqlite::Connection::open(&copy).unwrap();
    let n: i64 = c
        .query_row("SELECT count(*) FROM leads", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 6);
    drop(holder);
}

/// The same on PostgreSQL: the checksums leadctl writes are the ones the server computes (a
/// version-2 schema is summed in SQL when opened), and an entry changed by hand is refused before
/// sending and named by `ledger check`.
#[test]
fn postgres_checksums_agree_upgrade_and_refuse_a_changed_entry() {
    let Some(pg) = crate::support::postgres::shared("postgres_checksums") else {
        return;
    };
    let url = pg.ledger();
    let schema = url.rsplit("schema=").next().unwrap().to_string();
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let on_pg = || leadctl(&sb).env("LEADCTL_LEDGER", &url);
    let five = write_csv(dir.path(), "made.csv", 5);
    on_pg().arg("import").arg(&five).run().code(0);
    let shown = || {
        let out = on_pg().args(["ledger", "path"]).run();
        out.code(0);
        out.stdout.trim().to_string()
    };
    let ledger = shown();
    let sound = format!(
        "the ledger {ledger} is sound: integrity check ok, all 5 entries match their checksums\n"
    );
    let out = on_pg().args(["ledger", "check"]).run();
    out.code(0);
    assert_eq!(out.stdout, sound);
    // A version-2 schema (no checksum column) is summed when opened.
    pg.sql(&format!(
        "ALTER TABLE {schema}.leads DROP COLUMN checksum; UPDATE {schema}.version SET version = 2"
    ));
    let out = on_pg().args(["ledger", "check"]).run();
    out.code(0);
    assert_eq!(out.stdout, sound);
    assert_eq!(
        pg.sql(&format!("SELECT max(version) FROM {schema}.version"))
            .trim(),
        "3"
    );
    pg.sql(&format!(
        "UPDATE {schema}.leads SET lead_id = 'c0ffee00-0000-4000-8000-000000000000' WHERE key = \
         'business_id:B-3'"
    ));
    let before = creates(&sb);
    let eight = write_csv(dir.path(), "more.csv", 8);
    let named = format!(
        "  business_id:B-3 (channel {}, API URL {}): its key, state, lead id or scope does not \
         match its checksum",
        leadctl::sandbox::PRIMARY_CHANNEL_ID,
        sb.url()
    );
    on_pg()
        .arg("import")
        .arg(&eight)
        .run()
        .code(3)
        .stderr_has(&format!(
            "the ledger {ledger} is damaged: 1 of its 5 entries do not match their checksums"
        ))
        .stderr_has(&named)
        .stderr_has("nothing was sent");
    assert_eq!(creates(&sb), before, "nothing sent");
    assert_eq!(created(&sb), 5);
    on_pg()
        .args(["ledger", "check"])
        .run()
        .code(3)
        .stderr_has(&format!(
        "the ledger {ledger} is damaged: 1 of its 5 entries do not match their checksums:\n{named}"
    ));
}
