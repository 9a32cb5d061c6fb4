//! Hostile inputs and servers (issue 14): pipes given as paths, keys echoed back by a server,
//! devices and FIFOs where files belong, huge lines and headers, a killed run's empty errors
//! file, and the smaller holes (key file mode and BOM, non-finite numbers, an empty lead id).
//! Each test runs the real binary, asserts the message and the exit code, and counts what
//! reached the server.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use leadctl::sandbox::{Options, Sandbox, API_KEY, PRIMARY_CHANNEL_ID};
use serde_json::json;

use crate::support::request::Request as Recorded;
use crate::support::server::{Reply, ScriptedServer};
use crate::support::{Leadctl, CHANNEL, KEY};

fn sandbox() -> Sandbox {
    Sandbox::start(Options::ephemeral()).expect("start the sandbox")
}

fn leads_on_primary(sb: &Sandbox) -> u64 {
    sb.stats()["leads_by_channel"][PRIMARY_CHANNEL_ID]
        .as_u64()
        .unwrap()
}

/// `leadctl` against the sandbox, with its key and channel and a ledger of its own.
fn against_sandbox(sb: &Sandbox, dir: &Path) -> Leadctl {
    Leadctl::new()
        .env("LEADCTL_API_URL", sb.url())
        .env("LEADCTL_API_KEY", API_KEY)
        .env("LEADCTL_CHANNEL", PRIMARY_CHANNEL_ID)
        .env("LEADCTL_LEDGER", dir.join("ledger.sqlite3"))
}

fn csv_rows(n: usize) -> String {
    let mut s = String::from("Email,First Name,Business Id\n");
    for i in 1..=n {
        s.push_str(&format!("lead{i}@hostile.example,Lead {i},H-{i}\n"));
    }
    s
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("run mkfifo");
    assert!(status.success(), "mkfifo {}", path.display());
}

// ---- 1. a CSV given as a pipe path ------------------------------------------------------------

#[test]
fn a_csv_piped_through_dev_stdin_or_dev_fd_imports_every_row() {
    for path in ["/dev/stdin", "/dev/fd/0"] {
        let sb = sandbox();
        let dir = tempfile::tempdir().unwrap();
        let before = leads_on_primary(&sb);
        let out = against_sandbox(&sb, dir.path())
            .args(["import", path])
            .stdin(csv_rows(25))
            .run();
        out.code(0)
            .stderr_has(&format!("{path}: UTF-8 (detected)"))
            .stderr_has("25 created");
        assert_eq!(leads_on_primary(&sb) - before, 25, "{path}");
        assert!(
            !Path::new(&format!("{path}.errors.csv")).exists(),
            "nothing is written beside a stream ({path})"
        );
    }
}

#[test]
fn a_named_fifo_imports_every_row_and_does_not_hang() {
    let sb = sandbox();
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("leads.fifo");
    mkfifo(&fifo);
    let before = leads_on_primary(&sb);
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            // Blocks until leadctl opens the FIFO for reading (once: a second open would wait
            // for a writer that never comes).
            let mut f = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
            f.write_all(csv_rows(25).as_bytes()).unwrap();
        })
    };
    let out = against_sandbox(&sb, dir.path())
        .arg("import")
        .arg(&fifo)
        .spawn()
        .wait(Duration::from_secs(60));
    writer.join().unwrap();
    out.code(0).stderr_has("25 created");
    assert_eq!(leads_on_primary(&sb) - before, 25);
    assert_eq!(
        files_in(dir.path()),
        ["leads.fifo", "ledger.sqlite3"],
        "no errors file beside a FIFO"
    );
}

// ---- 3. the key echoed by a server or gateway ---------------------------------------------

fn echoing_server() -> ScriptedServer {
    ScriptedServer::importing(|_, _| {
        Reply::error(400, &format!("invalid api key {KEY}"))
            .header("X-Debug-Api-Key", KEY)
            .header("X-Debug-Upper", &KEY.to_uppercase())
    })
}

#[test]
fn a_key_echoed_in_a_400_body_or_a_header_is_never_shown_or_stored() {
    let server = echoing_server();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("leads.csv");
    std::fs::write(&input, csv_rows(3)).unwrap();
    let out = Leadctl::against(&server.url())
        .env("LEADCTL_CHANNEL", CHANNEL)
        .env("LEADCTL_LEDGER", dir.path().join("ledger.sqlite3"))
        .args(["-v", "-v", "-o", "ndjson", "import"])
        .arg(&input)
        .run();
    out.code(8)
        .never_shows(KEY)
        .never_shows(&KEY.to_uppercase())
        .stderr_has("x-debug-api-key: (redacted)")
        .stderr_has("invalid api key (redacted)");
    let creates = server
        .requests()
        .iter()
        .filter(|r| r.action() == "create_lead")
        .count();
    assert_eq!(creates, 3, "each row was sent once");
    for line in out.stdout.lines() {
        let row: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(row["outcome"], "failed");
        assert_eq!(
            row["error"],
            "the server rejected the request (400): invalid api key (redacted)"
        );
    }
    let errors = std::fs::read_to_string(dir.path().join("leads.csv.errors.csv")).unwrap();
    assert!(!errors.contains(KEY), "{errors}");
    assert!(errors.contains("invalid api key (redacted)"), "{errors}");
    // Nor in the ledger.
    let ledger = std::fs::read(dir.path().join("ledger.sqlite3")).unwrap();
    assert!(
        !ledger.windows(KEY.len()).any(|w| w == KEY.as_bytes()),
        "the ledger holds the key"
    );
}

#[test]
fn a_key_echoed_to_create_is_redacted() {
    let server = ScriptedServer::sequence(vec![Reply::text(
        401,
        "text/plain",
        &format!("gateway: key {KEY} is not valid"),
    )]);
    Leadctl::against(&server.url())
        .args(["create", "--channel", CHANNEL, "--email", "a@example.com"])
        .run()
        .code(4)
        .never_shows(KEY)
        .stderr_has("authentication refused (401): gateway: key (redacted) is not valid");
    assert_eq!(server.requests().len(), 1);
}

// ---- 4. bounded reads; devices and FIFOs where files belong -------------------------------

#[test]
fn dev_zero_as_any_whole_file_input_is_refused_at_once() {
    let server = ScriptedServer::sequence(vec![Reply::json(200, json!({"channels": []}))]);
    let cases: Vec<(Leadctl, i32, &str)> = vec![
        (
            Leadctl::against(&server.url()).args([
                "create",
                "--channel",
                CHANNEL,
                "--json",
                "/dev/zero",
            ]),
            6,
            "cannot read /dev/zero: it is a character device, not a regular file",
        ),
        (
            Leadctl::against(&server.url()).args(["api", "get_channels", "--input", "/dev/zero"]),
            6,
            "cannot read /dev/zero: it is a character device, not a regular file",
        ),
        (
            Leadctl::against(&server.url())
                .env("LEADCTL_CONFIG", "/dev/zero")
                .args(["channels"]),
            3,
            "cannot read the config file /dev/zero: it is a character device, not a regular file",
        ),
        (
            Leadctl::against(&server.url())
                .env_remove("LEADCTL_API_KEY")
                .env("LEADCTL_API_KEY_FILE", "/dev/zero")
                .args(["channels"]),
            3,
            "cannot read the API key file /dev/zero named by LEADCTL_API_KEY_FILE: it is a \
             character device, not a regular file",
        ),
        (
            Leadctl::against("https://127.0.0.1:9/functions/v1/keen-api")
                .env("LEADCTL_CA_BUNDLE", "/dev/zero")
                .args(["channels"]),
            3,
            "cannot read CA bundle /dev/zero: it is a character device, not a regular file",
        ),
        (
            Leadctl::new().args([
                "sandbox",
                "serve",
                "--addr",
                "127.0.0.1:0",
                "--state",
                "/dev/zero",
            ]),
            3,
            "cannot read sandbox state file /dev/zero: it is a character device, not a regular \
             file",
        ),
    ];
    for (l, code, message) in cases {
        l.spawn()
            .wait(Duration::from_secs(30))
            .code(code)
            .stderr_has(message);
    }
    assert!(server.requests().is_empty(), "nothing was sent");
}

#[test]
fn a_pipe_as_json_input_is_still_read() {
    // A pipe as --json (bash's <(...), /dev/stdin) is still read.
    let server = ScriptedServer::sequence(vec![Reply::json(
        200,
        json!({"lead": {"id": "00000000-0000-4000-8000-000000000001", "email": "a@example.com"}}),
    )]);
    Leadctl::against(&server.url())
        .args([
            "--no-ledger",
            "create",
            "--channel",
            CHANNEL,
            "--json",
            "/dev/stdin",
        ])
        .stdin(r#"{"email": "a@example.com"}"#)
        .run()
        .code(0);
    assert_eq!(server.requests().len(), 1);
    // (The 256 MiB limit itself is unit-tested in fsutil: a test holding 256 MiB twice would
    // crowd the machine.)
}

#[test]
fn an_errors_file_that_is_a_device_or_a_fifo_is_refused_without_hanging() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("errors.fifo");
    mkfifo(&fifo);
    let input = dir.path().join("leads.csv");
    std::fs::write(&input, csv_rows(2)).unwrap();
    for errors in [PathBuf::from("/dev/full"), fifo.clone()] {
        let sb = sandbox();
        let before = leads_on_primary(&sb);
        against_sandbox(&sb, dir.path())
            .arg("import")
            .arg(&input)
            .arg("--errors")
            .arg(&errors)
            .spawn()
            .wait(Duration::from_secs(30))
            .code(3)
            .stderr_has(&format!("the errors file {} is a ", errors.display()))
            .stderr_has("not a regular file; it is not written to");
        assert_eq!(leads_on_primary(&sb), before, "nothing was sent");
    }
}

// ---- 5. long lines and huge headers ---------------------------------------------------------

#[test]
fn a_value_longer_than_the_limit_is_an_error_naming_the_row() {
    let sb = sandbox();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("long.csv");
    let mut text = csv_rows(2);
    text.push_str(&format!(
        "huge@hostile.example,{},H-3\n",
        "x".repeat(2 * 1024 * 1024)
    ));
    std::fs::write(&input, text).unwrap();
    let before = leads_on_primary(&sb);
    let out = against_sandbox(&sb, dir.path())
        .arg("import")
        .arg(&input)
        .run();
    out.code(6)
        .stderr_has("a value in row 3 (line 4) is longer than 1 MiB, the limit for one value");
    assert!(
        out.stderr.len() < 4096,
        "{} bytes of stderr",
        out.stderr.len()
    );
    assert_eq!(leads_on_primary(&sb), before, "nothing was sent");
}

#[test]
fn a_huge_header_is_quoted_short_and_a_wide_one_listed_in_part() {
    let sb = sandbox();
    let dir = tempfile::tempdir().unwrap();
    // One 200,000-character column name.
    let input = dir.path().join("wide-name.csv");
    std::fs::write(
        &input,
        format!("Email,{}\na@hostile.example,x\n", "N".repeat(200_000)),
    )
    .unwrap();
    let out = against_sandbox(&sb, dir.path())
        .arg("import")
        .arg(&input)
        .run();
    out.code(6).stderr_has(&format!(
        "\"{}…\" (200000 characters) (column 2)",
        "N".repeat(60)
    ));
    assert!(
        out.stderr.len() < 4096,
        "{} bytes of stderr",
        out.stderr.len()
    );
    // 100,000 unknown columns.
    let input = dir.path().join("wide.csv");
    let header: Vec<String> = (0..100_000).map(|i| format!("c{i}")).collect();
    std::fs::write(
        &input,
        format!("Email,{}\na@hostile.example\n", header.join(",")),
    )
    .unwrap();
    let out = against_sandbox(&sb, dir.path())
        .arg("import")
        .arg(&input)
        .run();
    out.code(6)
        .stderr_has("100000 columns match no lead field")
        .stderr_has("\"c19\" (column 21)\n  ... and 99980 more\n");
    assert!(
        out.stderr.len() < 8192,
        "{} bytes of stderr",
        out.stderr.len()
    );
    // Left out with --ignore-unknown: the notice and the mapping are short too.
    let out = against_sandbox(&sb, dir.path())
        .args(["import", "--ignore-unknown", "--dry-run"])
        .arg(&input)
        .run();
    out.code(6)
        .stderr_has("c0     → ignored (unknown; --ignore-unknown)")
        .stderr_has("... and 99901 more columns");
    assert!(
        out.stderr.len() < 16384,
        "{} bytes of stderr",
        out.stderr.len()
    );
    assert_eq!(
        sb.stats()["requests"]["by_action"]["create_lead"],
        json!(null)
    );
}

// ---- 6. a killed run's errors file ------------------------------------------------------------

#[test]
fn an_empty_errors_file_left_by_a_killed_run_does_not_block_the_resume() {
    let sb = sandbox();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("leads.csv");
    std::fs::write(&input, csv_rows(4)).unwrap();
    // What kill -9 left before the header reached the disk: leadctl's file, empty.
    let errors = dir.path().join("leads.csv.errors.csv");
    std::fs::write(&errors, "").unwrap();
    let before = leads_on_primary(&sb);
    against_sandbox(&sb, dir.path())
        .arg("import")
        .arg(&input)
        .run()
        .code(0)
        .stderr_has("4 created");
    assert_eq!(leads_on_primary(&sb) - before, 4);
    assert!(
        !errors.exists(),
        "the empty file is removed once every row is created"
    );
    // Someone else's file is still never touched.
    std::fs::write(&errors, "my,own,data\n").unwrap();
    against_sandbox(&sb, dir.path())
        .arg("import")
        .arg(&input)
        .run()
        .code(3)
        .stderr_has("exists and was not written by leadctl");
}

// ---- 8. the smaller ones ----------------------------------------------------------------------

fn lead_reply() -> Reply {
    Reply::json(
        200,
        json!({"lead": {"id": "00000000-0000-4000-8000-000000000001", "email": "a@example.com"}}),
    )
}

#[test]
fn a_key_file_with_a_bom_and_crlf_sends_the_bare_key_and_a_readable_one_is_warned_about() {
    let server = ScriptedServer::sequence(vec![lead_reply()]);
    let l = Leadctl::against(&server.url()).env_remove("LEADCTL_API_KEY");
    let key_file = l.file("key", &format!("\u{feff} {KEY}\r\n"));
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    l.env("LEADCTL_API_KEY_FILE", &key_file)
        .args([
            "--no-ledger",
            "create",
            "--channel",
            CHANNEL,
            "--email",
            "a@example.com",
        ])
        .run()
        .code(0)
        .never_shows(KEY)
        .stderr_has(&format!(
            "the API key file {} (LEADCTL_API_KEY_FILE) is accessible to group or others (mode \
             0644); run `chmod 600 {}`",
            key_file.display(),
            key_file.display()
        ));
    let requests: Vec<Recorded> = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].header("X-Api-Key"), Some(KEY));
}

#[test]
fn non_finite_numbers_are_invalid_in_create_and_import() {
    let sb = sandbox();
    let dir = tempfile::tempdir().unwrap();
    let before = leads_on_primary(&sb);
    for value in ["NaN", "inf", "-inf", "1e999"] {
        against_sandbox(&sb, dir.path())
            .args(["create", "--email", "n@hostile.example", "--property"])
            .arg(format!("Deal size={value}"))
            .run()
            .code(6)
            .stderr_has(&format!(
                "leadctl: error: the command line: \"{value}\" (number property \"Deal size\") \
                 is not a number (expected digits with an optional decimal part, such as 1200.50)"
            ));
        // By definition UUID too (the type is looked up).
        against_sandbox(&sb, dir.path())
            .args(["create", "--email", "n@hostile.example", "--property"])
            .arg(format!(
                "{}={value}",
                leadctl::sandbox::DEAL_SIZE_PROPERTY_ID
            ))
            .run()
            .code(6)
            .stderr_has("(number property \"Deal size\") is not a number");
    }
    let input = dir.path().join("numbers.csv");
    std::fs::write(
        &input,
        "Email,Deal size\na@hostile.example,12.5\nb@hostile.example,NaN\nc@hostile.example,1e999\n",
    )
    .unwrap();
    against_sandbox(&sb, dir.path())
        .arg("import")
        .arg(&input)
        .run()
        .code(6)
        .stderr_has(
            "row 2 (line 3), column 2 \"Deal size\": \"NaN\" (number property \"Deal size\") is \
             not a number",
        )
        .stderr_has(
            "row 3 (line 4), column 2 \"Deal size\": \"1e999\" (number property \"Deal size\") \
             is not a number",
        );
    assert_eq!(leads_on_primary(&sb), before, "nothing was sent");
}

#[test]
fn a_created_lead_with_an_empty_id_is_an_unknown_outcome() {
    let server = ScriptedServer::sequence(vec![Reply::json(200, json!({"lead": {"id": ""}}))]);
    let out = Leadctl::against(&server.url())
        .args(["--no-ledger", "-o", "id", "create", "--channel", CHANNEL])
        .args(["--email", "a@example.com"])
        .run();
    out.code(7)
        .stderr_has("the lead in the answer has an empty id")
        .stderr_has("(the request was probably processed)")
        .stderr_has("do not simply run the command again");
    assert_eq!(out.stdout, "", "no id is printed as created");
    assert_eq!(server.requests().len(), 1, "never re-sent");
}
