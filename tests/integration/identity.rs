//! Identity and settling (issue 14, items 2 and 9): a lead found on the server settles a row only
//! when it can be no other's; the same file through a symlink, under a non-UTF-8 name or split
//! another way is still the same leads.

use leadctl::ledger::{identity, Entry, Fields, Ledger, Location, Op, State};
use leadctl::sandbox::PRIMARY_CHANNEL_ID;
use serde_json::Value;

use crate::import::{
    assert_no_duplicates, created, leadctl, ledger_of, results, rows_with, sandbox, write_csv,
};

#[test]
fn two_rows_with_one_email_and_no_business_id_are_one_lead() {
    // The campaign's case: both rows unknown, reconcile gave the second the first's lead. With
    // the ledger they have one key: the second is a duplicate and never sent.
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("same.csv");
    std::fs::write(
        &file,
        "Email,First Name\nann@example.com,Ann\nANN@example.com ,Ann B.\n",
    )
    .unwrap();
    let out = leadctl(&sb)
        .args(["import", "-o", "ndjson"])
        .arg(&file)
        .run();
    out.code(0).stderr_has("1 created, 1 duplicate");
    let r = results(&out);
    assert_eq!(rows_with(&r, "duplicate"), [2]);
    assert!(r[1]["error"]
        .as_str()
        .unwrap()
        .contains("same email \"ann@example.com\" as row 1"));
    assert_eq!(created(&sb), 1);
}

/// An `unknown` key in the sandbox's ledger for a lead with these fields; `key` `None` means its
/// `fields:` key.
fn put_unknown(
    sb: &leadctl::sandbox::Sandbox,
    key: Option<&str>,
    fields: &[(&str, &str)],
    row: u64,
) {
    let ledger = Ledger::open(&Location::File(ledger_of(sb))).unwrap();
    let mut f = Fields::new();
    for (k, v) in fields {
        f.insert(k.to_string(), Value::from(*v));
    }
    let hash = identity::hash_fields(&f);
    let now = leadctl::ledger::now_secs();
    ledger
        .apply(Op::Put(Entry {
            api_url: leadctl::ledger::scope_url(&sb.url()),
            channel: PRIMARY_CHANNEL_ID.to_string(),
            key: key.map_or_else(|| format!("fields:{hash}"), str::to_string),
            state: State::Unknown,
            lead_id: None,
            hash,
            fields: f,
            error: Some("the answer was lost".into()),
            via: None,
            input: Some("k.csv".into()),
            row: Some(row),
            run: None,
            sent_at: Some(now - 5),
            answered_at: Some(now - 4),
            first_at: now - 5,
            updated_at: now - 4,
        }))
        .unwrap();
}

#[test]
fn a_lead_two_unknown_rows_could_be_settles_neither_and_is_named() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    // Keyed by all fields (`--key fields`): the row and its repeat are one key; on the server, a
    // lead with just that email and first name.
    let file = dir.path().join("k.csv");
    std::fs::write(
        &file,
        "Email,First Name,Notes\nann@example.com,Ann,\nann@example.com,Ann,\n",
    )
    .unwrap();
    leadctl(&sb)
        .args([
            "--no-ledger",
            "create",
            "--email",
            "ann@example.com",
            "--first-name",
            "Ann",
        ])
        .run()
        .code(0);
    // One row unknown in the ledger; a second unsettled key (another shard's) with the same
    // fields but another key kind cannot be told apart from it by the server's lead.
    let ann = [("email", "ann@example.com"), ("first_name", "Ann")];
    put_unknown(&sb, None, &ann, 1);
    put_unknown(&sb, Some("email:ann@example.com"), &ann, 7);
    // Row 1 is keyed `fields:…` (unknown), row 2 is its duplicate; reconciling finds one lead
    // that row 1 could be, but the ledger's other unsettled key could be it too.
    let out = leadctl(&sb)
        .args(["import", "--key", "fields", "--reconcile", "-o", "ndjson"])
        .arg(&file)
        .run();
    let r = results(&out);
    assert_eq!(rows_with(&r, "unknown"), [1], "{}", out.stderr);
    out.code(8)
        .stderr_has("remain unknown")
        .stderr_has("ambiguous: row(s) 1 match a lead that could also be another row's");
    assert_eq!(created(&sb), 1, "nothing sent");
}

#[test]
fn the_same_file_through_a_symlink_or_a_non_utf8_name_creates_nothing_twice() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "real.csv", 30);
    leadctl(&sb).args(["import"]).arg(&file).run().code(0);
    let link = dir.path().join("link.csv");
    std::os::unix::fs::symlink(&file, &link).unwrap();
    leadctl(&sb)
        .args(["import"])
        .arg(&link)
        .run()
        .code(0)
        .stderr_has("0 created, 30 skipped");
    use std::os::unix::ffi::OsStrExt;
    let odd = dir
        .path()
        .join(std::ffi::OsStr::from_bytes(b"caf\xe9-leads.csv"));
    std::fs::copy(&file, &odd).unwrap();
    leadctl(&sb)
        .args(["import", "--shard", "1/2"])
        .arg(&odd)
        .run()
        .code(0)
        .stderr_has("0 created, 15 skipped");
    assert_eq!(created(&sb), 30);
    assert_no_duplicates(&sb);
}
