//! What the adversarial campaign of issue 32 found, each as a test that failed before its fix:
//! the ledger's scope is the server (not the URL's spelling), and the rest of the list in
//! RELIABILITY.md.

use std::path::{Path, PathBuf};

use leadctl::sandbox::{API_KEY, PRIMARY_CHANNEL_ID};

use crate::import::{assert_no_duplicates, created, sandbox, write_csv};
use crate::support::server::{Reply, ScriptedServer};
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
fn a_spelling_whose_server_holds_none_of_the_ledgers_leads_is_said() {
    let first = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.sqlite3");
    let file = write_csv(dir.path(), "3.csv", 3);
    import_through(&first.url(), &ledger, &file)
        .code(0)
        .stderr_has("3 created");
    // Another server (another port) that holds none of the leads: not the same ledger, and said.
    let second = sandbox(|_| {});
    let out = import_through(&second.url(), &ledger, &file);
    out.code(0).stderr_has(&format!(
        "leadctl: warning: the ledger holds entries for {} but none for this API URL ({}), and \
         this server does not hold the lead it recorded last there: this run is as with a new \
         ledger; if it is the same server, stop and run through the URL as spelled there \
         (--api-url)\n",
        first.url(),
        second.url()
    ));
    out.stderr_has("3 created");
    assert_eq!(created(&second), 3);
    assert_eq!(created(&first), 3);
}

// ---- 5. a server that is down stops the run, not the rows ----------------------------------

/// 200 rows, one at a time, against a server answering every create with `reply`.
fn import_against_a_down_server(reply: Reply) -> (ScriptedServer, Outcome) {
    let server = ScriptedServer::importing(move |_, _| reply.clone());
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "200.csv", 200);
    let out = Leadctl::against(&server.url())
        .env("LEADCTL_CHANNEL", PRIMARY_CHANNEL_ID)
        .env("LEADCTL_RETRY_BASE_MS", "20")
        .env("LEADCTL_LEDGER", dir.path().join("ledger.sqlite3"))
        .args(["import", file.to_str().unwrap(), "--concurrency", "1"])
        .run();
    (server, out)
}

#[test]
fn a_503_asking_for_a_day_stops_the_run_at_once() {
    let (server, out) = import_against_a_down_server(
        Reply::error(503, "down for maintenance").header("Retry-After", "86400"),
    );
    out.code(7)
        .stderr_has(
            "not sent: the server looks down (it answered 503 with Retry-After 86400 s, longer \
             than the 60 s leadctl waits)",
        )
        .stderr_has("0 created, 1 unknown, ")
        .stderr_has(
            "leadctl: error: the import stopped: not sent: the server looks down (it answered 503 \
             with Retry-After 86400 s, longer than the 60 s leadctl waits)\n  hint: nothing more \
             was sent after that; run the same command again once the server is back (rows it \
             created or settled are skipped)\n",
        );
    assert_eq!(server.requests().len(), 1, "one create, then nothing");
}

#[test]
fn eight_5xx_in_a_row_stop_the_run() {
    let (server, out) = import_against_a_down_server(Reply::error(500, "boom"));
    out.code(7)
        .stderr_has(
            "not sent: the server looks down (it answered 8 requests in a row with a server \
             error, the last 500)",
        )
        .stderr_has("0 created, 8 unknown, ")
        .stderr_has(
            "leadctl: server error (500, 1 in a row; sending stops at 8), pausing every request",
        );
    assert_eq!(server.requests().len(), 8, "eight creates, then nothing");
}

// ---- 6. secrets ------------------------------------------------------------------------------

#[test]
fn config_get_masks_a_ledger_password_unless_asked() {
    let cli = Leadctl::new();
    let config = cli.file(
        "config.toml",
        "[profiles.default]\nledger = \"postgres://u:hunter2@db.example/leads\"\n",
    );
    let get = |extra: &[&str]| {
        Leadctl::new()
            .env("LEADCTL_CONFIG", &config)
            .args(["config", "get", "ledger"])
            .args(extra)
            .run()
    };
    let out = get(&[]);
    assert_eq!(
        out.code(0).never_shows("hunter2").stdout,
        "postgres://u:****@db.example/leads\n"
    );
    let out = get(&["--show-secret"]);
    assert_eq!(
        out.code(0).stdout,
        "postgres://u:hunter2@db.example/leads\n"
    );
}

#[test]
fn a_ledger_password_on_the_command_line_is_warned_about() {
    let out = Leadctl::new()
        .args([
            "--ledger",
            "postgres://u:hunter2@127.0.0.1:1/leads",
            "ledger",
            "path",
        ])
        .run();
    out.code(0).never_shows("hunter2").stderr_has(
        "leadctl: warning: the --ledger URL holds a password, which every local user can read on \
         this command line (ps, /proc) while the run lasts: put it in a file named by \
         LEADCTL_LEDGER_PASSWORD_FILE (mode 0600) and leave it out of the URL\n",
    );
    // Without a password in it: nothing to say.
    let out = Leadctl::new()
        .args([
            "--ledger",
            "postgres://u@127.0.0.1:1/leads",
            "ledger",
            "path",
        ])
        .run();
    assert_eq!(out.code(0).stderr, "");
}

// ---- 3. workbooks in bounded memory -------------------------------------------------------

/// A one-lead .xlsx whose `part` is rewritten by `edit`.
fn xlsx_with(dir: &Path, name: &str, part: &str, edit: impl Fn(String) -> String) -> PathBuf {
    use std::io::{Read, Write};
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "Email").unwrap();
    ws.write_string(1, 0, "ann@example.com").unwrap();
    let plain = wb.save_to_buffer().unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(plain)).unwrap();
    let path = dir.join(name);
    let mut out = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let mut found = false;
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let entry = f.name().unwrap().to_string();
        let mut body = String::new();
        f.read_to_string(&mut body).unwrap();
        if entry == part {
            body = edit(body);
            found = true;
        }
        out.start_file(entry, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(body.as_bytes()).unwrap();
    }
    out.finish().unwrap();
    assert!(found, "{part} is in the workbook");
    path
}

fn dry_run(file: &Path) -> Outcome {
    let sb = sandbox(|_| {});
    crate::import::leadctl(&sb)
        .args(["import", file.to_str().unwrap(), "--dry-run"])
        .run()
}

const REFUSED_TAIL: &str = "; a real workbook stays far below this (a zip bomb does not): open it \
                            in Excel or LibreOffice and save it as CSV, or check where it came from";

#[test]
fn whitespace_between_tags_past_the_limit_is_refused_with_exit_6() {
    let dir = tempfile::tempdir().unwrap();
    let spaces = " ".repeat(3 * 1024 * 1024);
    let book = xlsx_with(dir.path(), "ws.xlsx", "xl/worksheets/sheet1.xml", |x| {
        x.replacen("<sheetData>", &format!("<sheetData>{spaces}"), 1)
    });
    assert!(
        std::fs::metadata(&book).unwrap().len() < 100_000,
        "a small file"
    );
    dry_run(&book).code(6).stderr_has(&format!(
        "{} is refused: its part xl/worksheets/sheet1.xml holds more than 2 MiB of text or \
         whitespace between two tags, over the limit of 2 MiB{REFUSED_TAIL}",
        book.display()
    ));
}

#[test]
fn a_huge_shared_string_is_refused_with_exit_6() {
    let dir = tempfile::tempdir().unwrap();
    let huge = "x".repeat(3 * 1024 * 1024);
    let book = xlsx_with(dir.path(), "ss.xlsx", "xl/sharedStrings.xml", |x| {
        x.replacen("<si>", &format!("<si><t>{huge}</t></si><si>"), 1)
    });
    dry_run(&book).code(6).stderr_has(&format!(
        "{} is refused: its part xl/sharedStrings.xml holds more than 2 MiB of text",
        book.display()
    ));
}

#[test]
fn an_ods_past_its_content_limit_is_refused_with_exit_6() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rows.ods");
    let mut w = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    w.start_file("mimetype", stored).unwrap();
    w.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    w.start_file("content.xml", zip::write::SimpleFileOptions::default())
        .unwrap();
    w.write_all(b"<?xml version=\"1.0\"?><office:document-content><office:body><office:spreadsheet><table:table table:name=\"Leads\">").unwrap();
    let row = "<table:table-row><table:table-cell/></table:table-row>".repeat(1024);
    for _ in 0..320 {
        w.write_all(row.as_bytes()).unwrap();
    }
    w.write_all(b"</table:table></office:spreadsheet></office:body></office:document-content>")
        .unwrap();
    w.finish().unwrap();
    dry_run(&path).code(6).stderr_has(&format!(
        "{} is refused: its part content.xml inflates to more than 16 MiB, the .ods content \
         limit (an .ods sheet is read whole){REFUSED_TAIL}",
        path.display()
    ));
}

// ---- 4. no silent waits ----------------------------------------------------------------------

#[test]
fn a_ledger_locked_by_another_program_is_said_while_waiting_and_named_in_the_error() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.sqlite3");
    let file = write_csv(dir.path(), "3.csv", 3);
    import_through(&sb.url(), &ledger, &file)
        .code(0)
        .stderr_has("3 created");
    // Another program holds the write lock for the whole run.
    let holder = rusqlite::Connection::open(&ledger).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let more = write_csv(dir.path(), "5.csv", 5);
    let out = Leadctl::new()
        .env("LEADCTL_LEDGER", &ledger)
        .env("LEADCTL_API_URL", sb.url())
        .env("LEADCTL_API_KEY", API_KEY)
        .env("LEADCTL_CHANNEL", PRIMARY_CHANNEL_ID)
        .env("LEADCTL_LEDGER_LOCK_WAIT", "6")
        .args(["import", more.to_str().unwrap()])
        .run();
    let shown = ledger.display();
    out.code(3)
        .stderr_has(&format!(
            "leadctl: waiting for the ledger {shown}'s write lock (5 s of at most 6 s): no leadctl \
             run sharing it is alive by its heartbeat, so another program (a backup, an SQLite \
             browser, a stopped leadctl process) may hold it; `fuser {shown}` names it\n"
        ))
        .stderr_has("its write lock stayed held by another writer for the whole wait (6 s)")
        .stderr_has("LEADCTL_LEDGER_LOCK_WAIT=SECONDS waits longer");
    assert!(!out.stderr.contains("check the disk"), "{}", out.stderr);
    assert_eq!(created(&sb), 3, "nothing more sent");
    holder.execute_batch("ROLLBACK").unwrap();
}

// ---- 7. smaller ------------------------------------------------------------------------------

#[test]
fn save_mapping_never_overwrites_a_file_that_is_not_a_mapping() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "3.csv", 3);
    let precious = dir.path().join("customers.csv");
    std::fs::write(&precious, "Email\nann@example.com\n").unwrap();
    let save = |to: &Path| {
        crate::import::leadctl(&sb)
            .args([
                "import",
                file.to_str().unwrap(),
                "--dry-run",
                "--save-mapping",
            ])
            .arg(to)
            .run()
    };
    let out = save(&precious);
    out.code(3).stderr_has(&format!(
        "leadctl: error: --save-mapping {}: exists and is not a leadctl mapping file, so it is \
         not overwritten\n  hint: choose another path for --save-mapping, or move that file away \
         first\n",
        precious.display()
    ));
    assert_eq!(
        std::fs::read_to_string(&precious).unwrap(),
        "Email\nann@example.com\n"
    );
    save(dir.path()).code(3).stderr_has("is not a regular file");
    // A mapping file is replaced, as before.
    let mapping = dir.path().join("m.toml");
    save(&mapping).code(0);
    let first = std::fs::read_to_string(&mapping).unwrap();
    save(&mapping).code(0);
    assert_eq!(std::fs::read_to_string(&mapping).unwrap(), first);
}

#[test]
fn save_mapping_writes_only_after_every_row_was_checked() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.csv");
    std::fs::write(
        &file,
        "Email,First Name\nann@example.com,Ann\nnot-an-email,Bob\n",
    )
    .unwrap();
    let mapping = dir.path().join("m.toml");
    let run = |extra: &[&str]| {
        crate::import::leadctl(&sb)
            .args([
                "import",
                file.to_str().unwrap(),
                "--dry-run",
                "--save-mapping",
            ])
            .arg(&mapping)
            .args(extra)
            .run()
    };
    // An invalid row fails the check: the run stops and nothing is saved.
    let out = run(&[]);
    out.code(6).stderr_has("not-an-email");
    assert!(
        !mapping.exists(),
        "a mapping was saved by a run whose check failed"
    );
    // With --skip-invalid the check passes, and the mapping is saved.
    run(&["--skip-invalid"])
        .code(0)
        .stderr_has("saved the column mapping to");
    let saved = std::fs::read_to_string(&mapping).unwrap();
    assert!(saved.contains("# \"First Name\" = first_name"), "{saved}");
}

/// The key as a server may echo it: without hyphens, upper case, percent- and JSON-escaped.
fn spellings_of_the_key() -> Vec<String> {
    use crate::support::KEY;
    let bare = KEY.replace('-', "");
    vec![
        bare.clone(),
        bare.to_uppercase(),
        KEY.replace('-', "%2D"),
        // Raw JSON text: `\u002d` is a hyphen escaped.
        KEY.replace('-', "\\u002d"),
    ]
}

#[test]
fn a_key_echoed_in_any_spelling_is_never_shown_or_stored() {
    use crate::support::{CHANNEL, KEY};
    let spellings = spellings_of_the_key();
    let (body, header) = (spellings.join(" "), spellings[1].clone());
    let server = ScriptedServer::importing(move |_, _| {
        // Written as raw JSON, so `\u002d` reaches leadctl as a JSON escape.
        Reply::text(
            400,
            "application/json",
            &format!("{{\"error\":\"invalid api key {body}\"}}"),
        )
        .header("X-Debug-Key", &header)
    });
    let dir = tempfile::tempdir().unwrap();
    let input = write_csv(dir.path(), "leads.csv", 2);
    let out = Leadctl::against(&server.url())
        .env("LEADCTL_CHANNEL", CHANNEL)
        .env("LEADCTL_LEDGER", dir.path().join("ledger.sqlite3"))
        .args(["-v", "-v", "-o", "ndjson", "import"])
        .arg(&input)
        .run();
    out.code(8)
        .stderr_has("x-debug-key: (redacted)")
        .stderr_has("invalid api key (redacted) (redacted) (redacted) (redacted)");
    let errors = std::fs::read_to_string(dir.path().join("leads.csv.errors.csv")).unwrap();
    let ledger = std::fs::read(dir.path().join("ledger.sqlite3")).unwrap();
    let ledger = String::from_utf8_lossy(&ledger);
    for s in spellings_of_the_key().iter().chain([&KEY.to_string()]) {
        out.never_shows(s);
        assert!(!errors.contains(s.as_str()), "{s} in {errors}");
        assert!(!ledger.contains(s.as_str()), "the ledger holds {s}");
    }
}

#[test]
fn create_through_another_spelling_does_not_create_the_lead_again() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.sqlite3");
    let create_with = |url: &str, extra: &[&str]| {
        Leadctl::new()
            .env("LEADCTL_LEDGER", &ledger)
            .env("LEADCTL_API_URL", url)
            .env("LEADCTL_API_KEY", API_KEY)
            .env("LEADCTL_CHANNEL", PRIMARY_CHANNEL_ID)
            .args(["create", "--email", "ann@example.com", "-o", "id"])
            .args(extra)
            .run()
    };
    let create = |url: &str| create_with(url, &[]);
    let first = create(&sb.url());
    first.code(0);
    // 100 newer leads: ann is no longer among the channel's newest, only the ledger knows her.
    for i in 0..100 {
        crate::support::sandbox::create(&sb, &format!("other{i}@example.com"));
    }
    let localhost = format!(
        "http://localhost:{}/functions/v1/keen-api",
        sb.addr().port()
    );
    // The dry run through that spelling plans as the run does: nothing to create.
    let plan = create_with(&localhost, &["--dry-run"]);
    plan.code(0).stderr_has(&format!(
        "leadctl: this API URL ({localhost}) reaches the server the ledger knows as {}",
        sb.url()
    ));
    plan.stderr_has(
        "leadctl: dry run: 0 leads would be created, 1 skipped as already created; nothing was sent",
    );
    let again = create(&localhost);
    again.code(0).stderr_has(&format!(
        "leadctl: this API URL ({localhost}) reaches the server the ledger knows as {}",
        sb.url()
    ));
    assert_eq!(again.stdout, first.stdout, "the same lead");
    assert_eq!(created(&sb), 101);
}
