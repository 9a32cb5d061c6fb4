//! The security pass (#9): the key never shows in any output, log, journal or errors file, even
//! at `-v -v`; redirects are never followed and plain http to a remote host is refused, for
//! `import` as for `create`; the files leadctl writes are private (0600); and a file leadctl did
//! not write is never taken over.

// The figures (executions, kills, seeds) are printed for RELIABILITY.md (`--nocapture`).
#![allow(clippy::print_stderr)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use leadctl::sandbox::{API_KEY, PRIMARY_CHANNEL_ID, PRIVATE_LEAD_ID};

use crate::import::{created, fixture, leadctl, ledger_of, sandbox, write_csv};
use crate::support::server::{Reply, ScriptedServer};
use crate::support::{Leadctl, Outcome, CHANNEL, KEY};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Every file under `dir`, read as bytes (journals, errors files, the config...).
fn files_under(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else if let Ok(bytes) = std::fs::read(&p) {
            out.push((p, bytes));
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn the_key_never_shows_in_any_output_log_ledger_or_errors_file_even_at_v_v() {
    let sb = sandbox(|_| {});
    let work = tempfile::tempdir().unwrap();
    // One valid row, one invalid: with --skip-invalid the run writes the ledger and an errors file.
    let csv = work.path().join("leads.csv");
    std::fs::write(
        &csv,
        "Email,First Name,Business ID\nann@example.com,Ann,B-1\nnot-an-email,Bob,B-2\n",
    )
    .unwrap();
    let key_file = work.path().join("key");
    std::fs::write(&key_file, format!("{API_KEY}\n")).unwrap();
    let csv = csv.to_str().unwrap();
    let channel_field = format!("channel_id={PRIMARY_CHANNEL_ID}");
    let commands: Vec<Vec<&str>> = vec![
        vec![
            "create",
            "--email",
            "jane@example.com",
            "--property",
            "Deal size=5",
        ],
        vec!["create", "--email", "x@example.com", "--dry-run"],
        vec!["import", csv, "--skip-invalid"],
        vec!["import", csv, "--dry-run", "-o", "ndjson"],
        vec!["channels"],
        vec!["channels", "show", PRIMARY_CHANNEL_ID],
        vec!["leads", "list", "--channel", PRIMARY_CHANNEL_ID],
        vec!["leads", "get", PRIVATE_LEAD_ID],
        vec!["leads", "get", "--legacy-id", "100001", "-o", "json"],
        vec!["config", "list"],
        vec!["config", "get", "api_key"],
        vec!["api", "get_channels"],
        vec!["api", "get_leads", "-f", &channel_field],
    ];
    let mut runs = 0;
    for how in ["LEADCTL_API_KEY", "LEADCTL_API_KEY_FILE"] {
        for args in &commands {
            let l = Leadctl::new()
                .env("LEADCTL_LEDGER", work.path().join("ledger.sqlite3"))
                .env("LEADCTL_API_URL", sb.url())
                .env("LEADCTL_CHANNEL", PRIMARY_CHANNEL_ID);
            let l = if how == "LEADCTL_API_KEY" {
                l.env(how, API_KEY)
            } else {
                l.env(how, &key_file)
            };
            let out = l.args(["-v", "-v"]).args(args).run();
            assert!(
                out.code != 1 && out.code != 2,
                "{how} {args:?}: exit {}\n{}",
                out.code,
                out.stderr
            );
            out.never_shows(API_KEY);
            runs += 1;
        }
    }
    // The files the imports left: the ledger and the errors file.
    let ledger = work.path().join("ledger.sqlite3");
    let errors = work.path().join("leads.csv.errors.csv");
    assert!(ledger.exists() && errors.exists());
    for (path, bytes) in files_under(work.path()) {
        if path != key_file {
            assert!(
                !contains(&bytes, API_KEY),
                "{} holds the key",
                path.display()
            );
        }
    }
    // A wrong key (401), a key on stdin for `config set-key`, and a key in the config file.
    let out = Leadctl::new()
        .env("LEADCTL_API_URL", sb.url())
        .env("LEADCTL_API_KEY", KEY)
        .args(["-v", "-v", "channels"])
        .run();
    out.code(4).never_shows(KEY);
    let out = Leadctl::new()
        .args(["-v", "-v", "config", "set-key"])
        .stdin(format!("{API_KEY}\n"))
        .run();
    out.code(0).never_shows(API_KEY);
    let config = out.home.path().join("config.toml");
    assert_eq!(mode(&config), 0o600, "the config file is private");
    let out = Leadctl::new()
        .env("LEADCTL_CONFIG", &config)
        .env("LEADCTL_API_URL", sb.url())
        .args(["-v", "-v", "config", "list"])
        .run();
    out.code(0).never_shows(API_KEY);
    let out = Leadctl::new()
        .env("LEADCTL_CONFIG", &config)
        .env("LEADCTL_API_URL", sb.url())
        .args(["-v", "-v", "channels"])
        .run();
    out.code(0).never_shows(API_KEY);
    eprintln!("key grep: {} command runs at -v -v, 0 leaks", runs + 4);
}

#[test]
fn import_never_follows_a_redirect() {
    let target = ScriptedServer::start(|_, _| Reply::error(500, "must not be reached"));
    let location = target.url();
    let server = ScriptedServer::importing(move |_, _| {
        Reply::text(307, "text/plain", "").header("Location", &location)
    });
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "r.csv", 3);
    let out = Leadctl::against(&server.url())
        .env("LEADCTL_CHANNEL", CHANNEL)
        .args(["import", file.to_str().unwrap(), "--concurrency", "1"])
        .run();
    out.code(3)
        .stderr_has(&format!("the server redirected (307) to {}", target.url()))
        .never_shows(KEY);
    assert!(
        target.requests().is_empty(),
        "the key reached the redirect target"
    );
    assert_eq!(server.requests().len(), 1, "stopped at the first redirect");
}

#[test]
fn import_refuses_plain_http_to_a_remote_host() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "h.csv", 2);
    Leadctl::new()
        .env("LEADCTL_API_KEY", KEY)
        .env("LEADCTL_CHANNEL", CHANNEL)
        .args([
            "--api-url",
            "http://data.keenpartner.com/functions/v1/keen-api",
            "import",
            file.to_str().unwrap(),
        ])
        .run()
        .code(3)
        .stderr_has("plain http is refused except to a loopback host")
        .never_shows(KEY);
}

#[test]
fn ledger_and_errors_file_are_private() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("p.csv");
    std::fs::copy(fixture("invalid-rows.csv"), &file).unwrap();
    leadctl(&sb)
        .args(["import", file.to_str().unwrap(), "--skip-invalid"])
        .run()
        .code(8);
    assert_eq!(mode(&ledger_of(&sb)), 0o600);
    assert_eq!(mode(&dir.path().join("p.csv.errors.csv")), 0o600);
    // An explicit --ledger (in a folder leadctl makes: 0700) and --errors too.
    let l = dir.path().join("new/place/my.sqlite3");
    let e = dir.path().join("my-errors.csv");
    leadctl(&sb)
        .args([
            "--ledger",
            l.to_str().unwrap(),
            "import",
            file.to_str().unwrap(),
            "--skip-invalid",
            "--errors",
            e.to_str().unwrap(),
        ])
        .run()
        .code(8);
    assert_eq!(mode(&l), 0o600);
    assert_eq!(mode(l.parent().unwrap()), 0o700);
    assert_eq!(mode(&e), 0o600);
}

fn refused_and_untouched(out: &Outcome, path: &Path, before: &str, needle: &str) {
    out.code(3).stderr_has(needle);
    assert_eq!(
        std::fs::read_to_string(path).unwrap(),
        before,
        "{} was changed",
        path.display()
    );
}

#[test]
fn a_ledger_path_holding_someone_elses_file_is_never_taken_over() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "o.csv", 2);
    let import = |ledger: &Path| {
        leadctl(&sb)
            .args(["--ledger", ledger.to_str().unwrap(), "import"])
            .arg(&file)
            .run()
    };
    // Text, JSON, an empty file: refused, untouched, nothing sent.
    for (name, before, needle) in [
        ("notes.txt", "my precious notes", "is not a SQLite database"),
        ("data.json", "{\"a\": 1}\n", "is not a SQLite database"),
        ("empty", "", "exists and is empty"),
    ] {
        let theirs = dir.path().join(name);
        std::fs::write(&theirs, before).unwrap();
        refused_and_untouched(&import(&theirs), &theirs, before, needle);
    }
    // A dangling symbolic link is not followed to create its target.
    let link = dir.path().join("link.sqlite3");
    std::os::unix::fs::symlink(dir.path().join("nowhere/target"), &link).unwrap();
    import(&link).code(3).stderr_has("symbolic link to nothing");
    assert!(!dir.path().join("nowhere").exists());
    assert_eq!(created(&sb), 0);
    let theirs = dir.path().join("o.csv.unused");
    std::fs::write(&theirs, "x").unwrap();
    // ...and --errors PATH.
    std::fs::remove_file(&theirs).unwrap();
    let errors = dir.path().join("precious.csv");
    std::fs::write(&errors, "a,b\n1,2\n").unwrap();
    let out = leadctl(&sb)
        .args([
            "import",
            file.to_str().unwrap(),
            "--errors",
            errors.to_str().unwrap(),
        ])
        .run();
    refused_and_untouched(
        &out,
        &errors,
        "a,b\n1,2\n",
        "exists and was not written by leadctl",
    );
    assert_eq!(created(&sb), 0, "nothing was sent");
}

#[test]
fn a_key_that_is_no_valid_header_value_is_not_leaked_nor_an_unknown_outcome() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "k.csv", 2);
    let bad_key = "SECRET-5a4d1c2b\u{1}8e7f";
    let out = leadctl(&sb)
        .env("LEADCTL_API_KEY", bad_key)
        .args(["-v", "-v", "import", file.to_str().unwrap(), "-o", "ndjson"])
        .run();
    out.code(3)
        .stderr_has("the request could not be built")
        .never_shows("SECRET-5a4d1c2b");
    // Provably not sent: nothing is unknown, and a run with the right key sends every row.
    assert!(!out.stdout.contains("\"unknown\""), "{}", out.stdout);
    leadctl(&sb)
        .args(["import", file.to_str().unwrap()])
        .run()
        .code(0);
    assert_eq!(created(&sb), 2);
}
