//! `leadctl sandbox serve`'s state and lifecycle: `--state` surviving `kill -9`, a corrupt or
//! unwritable state file refused at start, SIGINT/SIGTERM stopping cleanly and saving, `-q`.

use std::path::Path;

use leadctl::sandbox::{Options, Sandbox};
use serde_json::{json, Value};

use crate::support::serve::Server;

#[test]
fn state_file_survives_a_kill_and_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("sandbox.json");
    let state_arg = state.to_str().expect("utf-8 path");
    let s = Server::start(&["--state", state_arg]);
    let id = s.create("kept@example.com")["id"].clone();
    s.ok(json!({"action": "create_purchase", "lead_id": id, "purchase_amount": 10}));
    drop(s); // SIGKILL: no chance to save at exit

    let s = Server::start(&["--state", state_arg]);
    let lead = s.ok(json!({"action": "get_lead_by_id", "lead_id": id}))["lead"].clone();
    assert_eq!(lead["email"], "kept@example.com");
    let next = s.create("next@example.com");
    let legacy = s.ok(json!({"action": "get_lead_by_id", "lead_id": next["id"]}));
    assert_eq!(legacy["lead"]["id"], next["id"]);
    let by_legacy = s.ok(json!({"action": "get_lead_by_legacy_id", "legacy_id": 100_002}));
    assert_eq!(
        by_legacy["lead"]["id"], next["id"],
        "legacy ids continue after a restart"
    );
    assert_eq!(s.stats()["purchases"], 1);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(names.len(), 1, "no temp files left: {names:?}");
}

#[test]
fn a_corrupt_state_file_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("broken.json");
    std::fs::write(&state, "{\"format\": 1, \"leads\": [").expect("write");
    let (status, err) = match Server::try_start(&["--state", state.to_str().expect("utf-8")]) {
        Err(failure) => failure,
        Ok(_) => panic!("started with a corrupt state file"),
    };
    assert!(status.is_some_and(|s| !s.success()), "{status:?}");
    assert!(
        err.contains("broken.json") && err.contains("corrupt"),
        "{err}"
    );
}

#[test]
fn sigint_and_sigterm_stop_cleanly_and_save_the_state() {
    for signal in ["-INT", "-TERM"] {
        let dir = tempfile::tempdir().expect("tempdir");
        let state = dir.path().join("s.json");
        let s = Server::start(&[
            "--state",
            state.to_str().expect("utf-8"),
            "--latency-ms",
            "5",
        ]);
        s.create("saved@example.com");
        let (status, err) = s.signal_and_wait(signal);
        assert!(status.success(), "{signal}: {status:?}\n{err}");
        assert!(
            err.contains("sandbox stopped: requests 1 (dropped 0), leads 2, purchases 0"),
            "{err}"
        );
        assert!(
            err.contains("POST /functions/v1/keen-api create_lead 200"),
            "request log line: {err}"
        );
        let saved: Value =
            serde_json::from_slice(&std::fs::read(&state).expect("state file")).expect("JSON");
        assert!(saved["leads"]
            .as_array()
            .is_some_and(|l| l.iter().any(|l| l["email"] == "saved@example.com")));
    }
}

#[test]
fn quiet_prints_only_the_address() {
    let s = Server::start(&["-q"]);
    s.create("q@example.com");
    let (status, err) = s.signal_and_wait("-INT");
    assert!(status.success());
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(lines[0].starts_with("listening on http://127.0.0.1:"));
}

#[test]
fn state_path_in_a_missing_directory_fails_at_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("missing/dir/state.json");
    let opts = Options {
        state: Some(bad),
        ..Options::ephemeral()
    };
    let err = Sandbox::start(opts)
        .err()
        .map(|e| format!("{e:#}"))
        .unwrap_or_default();
    assert!(err.contains("state.json"), "{err}");
    assert!(Path::new(dir.path())
        .read_dir()
        .map(|mut d| d.next().is_none())
        .unwrap_or(false));
}
