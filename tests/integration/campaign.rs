//! What the adversarial campaign of issue 32 found, each as a test that failed before its fix:
//! the ledger's scope is the server (not the URL's spelling), and the rest of the list in
//! RELIABILITY.md.

use std::path::Path;

use leadctl::sandbox::{API_KEY, PRIMARY_CHANNEL_ID};

use crate::import::{assert_no_duplicates, created, sandbox, write_csv};
use crate::support::{Leadctl, Outcome};

/// `leadctl import FILE` through `url` (any spelling of the sandbox's address) with `ledger`.
fn import_through(url: &str, ledger: &Path, file: &Path) -> Outcome {
    Leadctl::new()
        .env("LEADCTL_LEDGER", ledger)
        .env("LEADCTL_API_URL", url)
        .env("LEADCTL_API_KEY", API_KEY)
        .env("LEADCTL_CHANNEL", PRIMARY_CHANNEL_ID)
        .env("LEADCTL_RETRY_BASE_MS", "20")
        .args(["import", file.to_str().unwrap()])
        .run()
}

// ---- 1. the scope is the server, not the string --------------------------------------------

#[test]
fn another_spelling_of_the_api_url_is_the_same_ledger() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.sqlite3");
    let file = write_csv(dir.path(), "150.csv", 150);
    let url = sb.url();
    import_through(&url, &ledger, &file)
        .code(0)
        .stderr_has("150 created");
    assert_eq!(created(&sb), 150);

    let port = sb.addr().port();
    let localhost = format!("http://localhost:{port}/functions/v1/keen-api");
    for spelling in [
        format!("{url}?"),
        format!("{url}?utm=1"),
        format!("{url}#x"),
        format!("HTTP://127.0.0.1:{port}/functions/v1/keen-api"),
        localhost.clone(),
        format!("{localhost}?utm=1"),
    ] {
        let out = import_through(&spelling, &ledger, &file);
        out.code(0).stderr_has("0 created, 150 skipped");
        assert_eq!(created(&sb), 150, "through {spelling}");
    }
    // Only a new spelling of the host needs the server's identity, and says so.
    import_through(&localhost, &ledger, &file)
        .code(0)
        .stderr_has(&format!(
        "leadctl: this API URL (http://localhost:{port}/functions/v1/keen-api) reaches the server \
             the ledger knows as {url}"
    ));
    assert_no_duplicates(&sb);
}

#[test]
fn a_new_spelling_beside_entries_of_an_unidentified_server_is_said() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.sqlite3");
    let file = write_csv(dir.path(), "3.csv", 3);
    let url = sb.url();
    import_through(&url, &ledger, &file)
        .code(0)
        .stderr_has("3 created");
    // As a ledger written before servers were identified: entries, no identity.
    let c = rusqlite::Connection::open(&ledger).unwrap();
    c.execute("DELETE FROM meta", []).unwrap();
    drop(c);
    let port = sb.addr().port();
    let localhost = format!("http://localhost:{port}/functions/v1/keen-api");
    let out = import_through(&localhost, &ledger, &file);
    out.code(0).stderr_has(&format!(
        "leadctl: warning: the ledger holds entries for {url}, whose server it has not \
         identified yet, and none of them are used for this API URL ({localhost}): this run is \
         as with a new ledger; if that is the same server, stop and run once through the URL as \
         spelled there (--api-url), which links the two spellings\n"
    ));
    // The server's newest leads still keep these 3 from being created again.
    out.stderr_has("0 created, 3 skipped");
    // Said again until the server is identified through the old spelling; then the two are one.
    import_through(&localhost, &ledger, &file)
        .code(0)
        .stderr_has("whose server it has not identified yet");
    import_through(&url, &ledger, &file)
        .code(0)
        .stderr_has("0 created, 3 skipped");
    import_through(&localhost, &ledger, &file)
        .code(0)
        .stderr_has(&format!("reaches the server the ledger knows as {url}"));
    assert_eq!(created(&sb), 3);
}
