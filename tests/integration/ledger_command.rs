//! `leadctl ledger path|status|list|forget|adopt|export|import`: the real binary against the
//! in-process sandbox, with a ledger file per test.

use leadctl::sandbox::PRIMARY_CHANNEL_ID;

use crate::import::{created, leadctl, ledger_of, results, rows_with, sandbox, write_csv};

#[test]
fn path_status_and_list_show_what_the_imports_recorded() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "l.csv", 3);
    leadctl(&sb).args(["import"]).arg(&file).run().code(0);
    let path = leadctl(&sb).args(["ledger", "path"]).run();
    path.code(0);
    assert_eq!(path.stdout.trim(), ledger_of(&sb).display().to_string());

    let status = leadctl(&sb).args(["ledger", "status", "-o", "json"]).run();
    status.code(0);
    let v = status.json();
    assert_eq!(v[0]["channel"], PRIMARY_CHANNEL_ID);
    assert_eq!(v[0]["created"], 3);
    assert_eq!(v[0]["unknown"], 0);
    leadctl(&sb)
        .args(["ledger", "status"])
        .run()
        .code(0)
        .stdout_has("leads")
        .stdout_has("moves")
        .stdout_has("purchases")
        .stdout_has(PRIMARY_CHANNEL_ID);

    let csv = leadctl(&sb)
        .args(["ledger", "list", "-o", "csv", "--state", "created"])
        .run();
    csv.code(0);
    let lines: Vec<&str> = csv.stdout.lines().collect();
    assert_eq!(lines[0], "channel,key,state,lead_id,updated,input,row,via");
    assert_eq!(lines.len(), 4);
    assert!(
        lines[1].contains(",business_id:B-1,created,"),
        "{}",
        lines[1]
    );
    let nd = leadctl(&sb).args(["ledger", "list", "-o", "ndjson"]).run();
    nd.code(0);
    let entries = results(&nd);
    assert_eq!(entries.len(), 3);
    assert!(entries.iter().all(|e| e["lead_id"].as_str().is_some()));
    // Nothing matches another state.
    leadctl(&sb)
        .args(["ledger", "list", "--state", "unknown"])
        .run()
        .code(0)
        .stdout_has("no keys match");
    leadctl(&sb)
        .args(["ledger", "list", "--state", "lost"])
        .run()
        .code(2)
        .stderr_has("\"lost\" is not a ledger state: use sending, created, failed or unknown");
}

#[test]
fn forget_asks_for_yes_and_forgets_by_key_channel_and_state() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "f.csv", 3);
    leadctl(&sb).args(["import"]).arg(&file).run().code(0);
    leadctl(&sb)
        .args(["ledger", "forget", "business_id:B-2"])
        .run()
        .code(2)
        .stderr_has("needs --yes (stdin is not a terminal)");
    leadctl(&sb)
        .args(["ledger", "forget"])
        .run()
        .code(2)
        .stderr_has("say what to forget");
    leadctl(&sb)
        .args(["ledger", "forget", "business_id:B-2", "--yes"])
        .run()
        .code(0)
        .stderr_has("forgot 1 key");
    leadctl(&sb)
        .args(["ledger", "forget", "business_id:B-2", "--yes"])
        .run()
        .code(0)
        .stderr_has("no keys match: nothing forgotten");
    // The forgotten key's lead is still among the channel's newest: found there, not sent again,
    // and recorded anew (a forgotten key whose lead is gone is sent again: see the ledger tests).
    let out = leadctl(&sb)
        .args(["import", "-o", "ndjson"])
        .arg(&file)
        .run();
    out.code(0);
    let r = results(&out);
    assert_eq!(rows_with(&r, "skipped"), [1, 2, 3]);
    assert!(r[1]["error"]
        .as_str()
        .unwrap()
        .contains("found among the channel's newest leads"));
    assert_eq!(created(&sb), 3);
    // By channel and state.
    leadctl(&sb)
        .args([
            "ledger",
            "forget",
            "--channel",
            PRIMARY_CHANNEL_ID,
            "--state",
            "created",
            "-y",
        ])
        .run()
        .code(0)
        .stderr_has(&format!(
            "forgot 3 keys in state created of channel {PRIMARY_CHANNEL_ID}"
        ));
}

#[test]
fn adopting_existing_leads_makes_the_first_import_skip_them() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "a.csv", 4);
    // Leads made before leadctl was adopted (here: by a run that keeps no ledger).
    leadctl(&sb)
        .args(["--no-ledger", "import"])
        .arg(&file)
        .run()
        .code(0);
    let existing = dir.path().join("existing.csv");
    let listed = leadctl(&sb).args(["leads", "list", "-o", "csv"]).run();
    listed.code(0);
    std::fs::write(&existing, &listed.stdout).unwrap();
    let fresh = dir.path().join("fresh.sqlite3");
    leadctl(&sb)
        .args(["--ledger", fresh.to_str().unwrap(), "ledger", "adopt"])
        .arg(&existing)
        .run()
        .code(0)
        .stderr_has("adopted 4 leads from");
    let out = leadctl(&sb)
        .args([
            "--ledger",
            fresh.to_str().unwrap(),
            "import",
            "-o",
            "ndjson",
        ])
        .arg(&file)
        .run();
    out.code(0);
    let r = results(&out);
    assert_eq!(rows_with(&r, "skipped"), [1, 2, 3, 4]);
    // Each with the id the adopted file gave it.
    assert!(r
        .iter()
        .all(|e| e["lead_id"].as_str().is_some_and(|id| id.len() == 36)));
    assert_eq!(created(&sb), 4, "nothing created again");
    // Adopting twice adds nothing.
    leadctl(&sb)
        .args(["--ledger", fresh.to_str().unwrap(), "ledger", "adopt"])
        .arg(&existing)
        .run()
        .code(0)
        .stderr_has("adopted 0 leads")
        .stderr_has("4 already known");
}

/// A file without an id column and with a bad row: the good rows adopted without their ids, the
/// bad one left out and named; a file read from stdin is refused (it is read twice), nothing
/// recorded.
#[test]
fn adopting_a_file_without_ids_names_what_it_left_out() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("crm.csv");
    std::fs::write(
        &file,
        "email,first_name,business_id\nuser1@example.com,User 1,B-1\nnot an email,User 2,B-2\n",
    )
    .unwrap();
    let fresh = dir.path().join("fresh.sqlite3");
    let out = leadctl(&sb)
        .args(["--ledger", fresh.to_str().unwrap(), "ledger", "adopt"])
        .arg(&file)
        .run();
    let shown = file.display();
    out.code(0);
    assert_eq!(
        out.stderr,
        format!(
            "leadctl: {shown}: UTF-8 (detected), delimiter ',' (detected)\n\
             leadctl: column mapping:\n  \
             email       → email\n  \
             first_name  → first_name\n  \
             business_id → business_id\n\
             leadctl: adopted 1 lead from {shown} into the ledger {} (0 already known, 1 row(s) \
             invalid and left out); the file has no id column, so the ledger knows these leads \
             without their ids\n\
             leadctl: warning: left out: row 2 (line 3), column 1 \"email\": \"not an email\" is \
             not a valid email address\n",
            fresh.display()
        )
    );
    let out = leadctl(&sb)
        .args(["--ledger", fresh.to_str().unwrap(), "ledger", "adopt", "-"])
        .run();
    out.code(2);
    assert_eq!(
        out.stderr,
        "leadctl: error: ledger adopt reads its file twice, so stdin must be a regular file\n  \
         hint: save the CSV to a file first\n"
    );
}

#[test]
fn export_and_import_move_a_ledger_and_refuse_an_edited_line() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "e.csv", 3);
    leadctl(&sb).args(["import"]).arg(&file).run().code(0);
    let exported = leadctl(&sb).args(["ledger", "export"]).run();
    exported.code(0);
    assert_eq!(exported.stdout.lines().count(), 3);
    let backup = dir.path().join("backup.ndjson");
    std::fs::write(&backup, &exported.stdout).unwrap();
    let other = dir.path().join("other.sqlite3");
    leadctl(&sb)
        .args(["--ledger", other.to_str().unwrap(), "ledger", "import"])
        .arg(&backup)
        .run()
        .code(0)
        .stderr_has("imported 3 keys");
    // The moved ledger knows every lead.
    let out = leadctl(&sb)
        .args([
            "--ledger",
            other.to_str().unwrap(),
            "import",
            "-o",
            "ndjson",
        ])
        .arg(&file)
        .run();
    out.code(0);
    assert_eq!(rows_with(&results(&out), "skipped"), [1, 2, 3]);
    assert_eq!(created(&sb), 3);
    // An edited line (fields changed, hash kept) and a line that is not JSON: nothing written.
    let edited = exported
        .stdout
        .replacen("user1@example.com", "evil@example.com", 1);
    let bad = dir.path().join("bad.ndjson");
    std::fs::write(&bad, edited).unwrap();
    let third = dir.path().join("third.sqlite3");
    leadctl(&sb)
        .args(["--ledger", third.to_str().unwrap(), "ledger", "import"])
        .arg(&bad)
        .run()
        .code(6)
        .stderr_has("line 1: the fields do not match their hash");
    std::fs::write(&bad, "{not json\n").unwrap();
    leadctl(&sb)
        .args(["--ledger", third.to_str().unwrap(), "ledger", "import"])
        .arg(&bad)
        .run()
        .code(6)
        .stderr_has("line 1: not a ledger entry")
        .stderr_has("what `leadctl ledger export` wrote");
    let status = leadctl(&sb)
        .args(["--ledger", third.to_str().unwrap(), "ledger", "status"])
        .run();
    status.code(0).stdout_has("is empty");
    // From stdin (`-`), as a pipe from `ledger export` would give it.
    leadctl(&sb)
        .args(["--ledger", third.to_str().unwrap(), "ledger", "import", "-"])
        .stdin(exported.stdout.clone())
        .run()
        .code(0)
        .stderr_has("imported 3 keys");
    leadctl(&sb)
        .args([
            "--ledger",
            third.to_str().unwrap(),
            "ledger",
            "status",
            "-o",
            "json",
        ])
        .run()
        .code(0)
        .stdout_has("\"created\": 3");
}

#[test]
fn the_ledger_command_without_a_ledger() {
    let sb = sandbox(|_| {});
    leadctl(&sb)
        .args(["--no-ledger", "ledger", "path"])
        .run()
        .code(0)
        .stdout_has("(none: --no-ledger)");
    leadctl(&sb)
        .args(["--no-ledger", "ledger", "status"])
        .run()
        .code(2)
        .stderr_has("--no-ledger: there is no ledger to look into");
    leadctl(&sb)
        .args(["--sandbox", "ledger", "path"])
        .env_remove("LEADCTL_LEDGER")
        .run()
        .code(0)
        .stdout_has("(in memory");
}
