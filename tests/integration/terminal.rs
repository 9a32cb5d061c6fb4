//! Terminal manners: a closed pipe ends a run quietly, server text cannot drive the terminal,
//! and colour follows --color, NO_COLOR and CLICOLOR_FORCE (leadctl's messages and clap's own).

use crate::support::server::{Reply, ScriptedServer};
use crate::support::{Leadctl, CHANNEL};

/// `leadctl ... | head -1`: once the reader is gone, leadctl exits 0 and says nothing.
#[test]
fn a_closed_pipe_ends_the_run_quietly() {
    for args in [
        &["completions", "zsh"][..],
        &["completions", "bash"],
        &["-q", "--sandbox", "leads", "list", "-o", "json"],
        &["-q", "--sandbox", "channels"],
        &["-q", "--sandbox", "create", "--email", "jane@example.com"],
        &["help", "environment"],
        &["man"],
    ] {
        let out = Leadctl::new().args(args).run_with_stdout_closed();
        assert_eq!(out.code, 0, "{args:?}: exit {}\n{}", out.code, out.stderr);
        assert!(out.stderr.is_empty(), "{args:?}: stderr:\n{}", out.stderr);
    }
}

/// A hostile or broken server's message reaches stderr with its control characters escaped.
#[test]
fn escape_sequences_from_the_server_are_shown_escaped() {
    let server = ScriptedServer::sequence(vec![Reply::error(
        400,
        "bad \x1b[2J\x1b]0;pwned\x07channel\u{202E}",
    )]);
    let out = Leadctl::against(&server.url())
        .args(["create", "--channel", CHANNEL, "--email", "a@example.com"])
        .run();
    out.code(6)
        .stderr_has("bad \\u{1b}[2J\\u{1b}]0;pwned\\u{7}channel\\u{202e}");
    assert!(
        !out.stderr.contains('\x1b'),
        "raw ESC on stderr: {:?}",
        out.stderr
    );
    assert!(!out.stderr.contains('\x07'));
}

#[test]
fn escape_sequences_in_table_cells_are_shown_escaped() {
    let server = ScriptedServer::sequence(vec![Reply::json(
        200,
        serde_json::json!({"channels": [{
            "id": CHANNEL, "title": "Evil\x1b[31m red", "currency": "USD", "no_auth_api": false,
            "property_definitions": [], "lead_status": []
        }]}),
    )]);
    let out = Leadctl::against(&server.url()).args(["channels"]).run();
    out.code(0).stdout_has("Evil\\u{1b}[31m red");
    assert!(
        !out.stdout.contains('\x1b'),
        "raw ESC on stdout: {:?}",
        out.stdout
    );
    // JSON keeps the data exact (escaped the JSON way).
    let out = Leadctl::against(&server.url())
        .args(["channels", "-o", "json"])
        .run();
    out.code(0);
    assert_eq!(out.json()[0]["title"], "Evil\x1b[31m red");
}

fn has_esc(s: &str) -> bool {
    s.contains('\x1b')
}

#[test]
fn colour_follows_the_flag_then_no_color_then_clicolor_force() {
    // leadctl's own error message (a configuration error: no key).
    let err = |cli: Leadctl| {
        let out = cli.args(["create", "--email", "a@example.com"]).run();
        out.code(3);
        out.stderr
    };
    assert!(!has_esc(&err(Leadctl::new())), "no colour off a terminal");
    assert!(has_esc(&err(Leadctl::new().args(["--color", "always"]))));
    assert!(has_esc(&err(Leadctl::new().env("CLICOLOR_FORCE", "1"))));
    assert!(!has_esc(&err(Leadctl::new()
        .env("CLICOLOR_FORCE", "1")
        .env("NO_COLOR", "1"))));
    assert!(!has_esc(&err(Leadctl::new()
        .env("CLICOLOR_FORCE", "1")
        .args(["--color", "never"]))));
    assert!(has_esc(&err(Leadctl::new()
        .env("NO_COLOR", "1")
        .args(["--color=always"]))));

    // clap's usage errors and help.
    let usage = |cli: Leadctl| {
        let out = cli.args(["create", "--bogus"]).run();
        out.code(2);
        out.stderr
    };
    assert!(!has_esc(&usage(Leadctl::new())));
    assert!(has_esc(&usage(Leadctl::new().args(["--color", "always"]))));
    assert!(has_esc(&usage(Leadctl::new().env("CLICOLOR_FORCE", "1"))));
    assert!(!has_esc(&usage(
        Leadctl::new()
            .env("CLICOLOR_FORCE", "1")
            .args(["--color", "never"])
    )));
    let help = Leadctl::new()
        .args(["--color", "always", "leads", "--help"])
        .run();
    assert!(has_esc(&help.stdout));
    let help = Leadctl::new()
        .env("CLICOLOR_FORCE", "1")
        .env("NO_COLOR", "1")
        .args(["leads", "--help"])
        .run();
    assert!(!has_esc(&help.stdout));
}

/// An import whose output reader went away stops sending, but never as a quiet success: rows
/// were left unsent, so it is a partial run (exit 8) that says why.
#[test]
fn an_import_whose_stdout_closes_is_partial_not_a_success() {
    // Long enough (one worker, 3,000 rows) that results are flushed while rows remain.
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("many.csv");
    let mut text = String::from("Email,First Name\n");
    for i in 0..3000 {
        text.push_str(&format!("user{i}@example.com,User {i}\n"));
    }
    std::fs::write(&csv, text).unwrap();
    let out = Leadctl::new()
        .args([
            "-q",
            "--sandbox",
            "import",
            "-o",
            "ndjson",
            "--concurrency",
            "1",
        ])
        .arg(&csv)
        .run_with_stdout_closed();
    assert_eq!(out.code, 8, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("stdout was closed (broken pipe), so the import stopped after"),
        "{}",
        out.stderr
    );
}
