//! Help texts, the help topics and the man page are part of the product: every command's
//! `--help` is compared exactly with a committed snapshot in `tests/snapshots/help/`, and the man
//! page with `doc/leadctl.1`, so any change to them is deliberate.
//! `LEADCTL_BLESS=1 cargo test --locked help` rewrites the snapshots and the page.

use std::path::{Path, PathBuf};

use clap::CommandFactory;

use crate::support::Leadctl;

fn bless() -> bool {
    std::env::var_os("LEADCTL_BLESS").is_some_and(|v| v == "1")
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every command path: `[]` for leadctl itself, `["leads", "list"]`, ... (clap's generated
/// `help` subcommands of nested commands left out).
fn command_paths() -> Vec<Vec<String>> {
    fn walk(cmd: &clap::Command, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
        out.push(path.clone());
        for sub in cmd.get_subcommands() {
            if sub.is_hide_set() || (sub.get_name() == "help" && !path.is_empty()) {
                continue;
            }
            path.push(sub.get_name().to_string());
            walk(sub, path, out);
            path.pop();
        }
    }
    let mut cmd = leadctl::cli::Cli::command();
    cmd.build();
    let mut out = Vec::new();
    walk(&cmd, &mut Vec::new(), &mut out);
    out
}

/// `leadctl` with a fixed help width: clap reads COLUMNS before asking the terminal.
fn fixed_width() -> Leadctl {
    Leadctl::new().env("COLUMNS", "100").env("LINES", "50")
}

/// Compares (or with LEADCTL_BLESS=1 writes) one snapshot; returns its path when stale.
fn check(path: &Path, actual: &str) -> Option<String> {
    if bless() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, actual).unwrap();
        return None;
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    (committed != actual).then(|| path.display().to_string())
}

#[test]
fn every_help_text_matches_its_snapshot() {
    let dir = root().join("tests/snapshots/help");
    let mut stale = Vec::new();
    let mut expected_files = Vec::new();
    for path in command_paths() {
        let name = std::iter::once("leadctl".to_string())
            .chain(path.iter().cloned())
            .collect::<Vec<_>>()
            .join("-");
        let out = fixed_width().args(&path).arg("--help").run();
        out.code(0);
        assert!(out.stderr.is_empty(), "{name}: {}", out.stderr);
        assert!(
            out.stdout.contains("Example"),
            "`{name} --help` shows no example:\n{}",
            out.stdout
        );
        // `leadctl help PATH` is the same text.
        if !path.is_empty() {
            let via_help = fixed_width().arg("help").args(&path).run();
            via_help.code(0);
            assert_eq!(
                via_help.stdout,
                out.stdout,
                "leadctl help {}",
                path.join(" ")
            );
        }
        let file = format!("{name}.txt");
        stale.extend(check(&dir.join(&file), &out.stdout));
        expected_files.push(file);
    }
    for topic in ["environment", "exit-codes", "columns"] {
        let out = fixed_width().args(["help", topic]).run();
        out.code(0);
        let file = format!("topic-{topic}.txt");
        stale.extend(check(&dir.join(&file), &out.stdout));
        expected_files.push(file);
    }
    // A snapshot of a command that no longer exists is stale too.
    for entry in std::fs::read_dir(&dir).unwrap() {
        let file = entry.unwrap().file_name().to_string_lossy().into_owned();
        if !expected_files.contains(&file) {
            if bless() {
                std::fs::remove_file(dir.join(&file)).unwrap();
            } else {
                stale.push(format!("{} (no such command)", dir.join(&file).display()));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "help texts differ from their snapshots: {}\nif the change is intended, run \
         `LEADCTL_BLESS=1 cargo test --locked help` and commit the result",
        stale.join(", ")
    );
}

#[test]
fn the_committed_man_page_is_current() {
    let out = Leadctl::new().arg("man").run();
    out.code(0);
    assert!(
        out.stdout.starts_with(".ie \\n(.g .ds Aq \\(aq"),
        "not roff"
    );
    assert!(out.stdout.contains(".TH LEADCTL 1"));
    let path = root().join("doc/leadctl.1");
    let stale = check(&path, &out.stdout);
    assert!(
        stale.is_none(),
        "doc/leadctl.1 is stale\nrun `LEADCTL_BLESS=1 cargo test --locked help` and commit the result"
    );
}

/// Every `"LEADCTL_..."` name used anywhere in src/ is documented in `leadctl help environment`
/// and in the man page.
#[test]
fn every_environment_variable_in_the_source_is_documented() {
    let mut names = std::collections::BTreeSet::new();
    let mut dirs = vec![root().join("src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for (i, _) in text.match_indices("\"LEADCTL_") {
                    let name: String = text[i + 1..]
                        .chars()
                        .take_while(|c| c.is_ascii_uppercase() || *c == '_')
                        .collect();
                    if name != "LEADCTL_" {
                        names.insert(name);
                    }
                }
            }
        }
    }
    assert!(names.contains("LEADCTL_API_KEY_FILE"), "{names:?}");
    let topic = Leadctl::new().args(["help", "environment"]).run();
    topic.code(0);
    let man = Leadctl::new().arg("man").run();
    for name in names.iter().map(String::as_str).chain([
        "NO_COLOR",
        "CLICOLOR_FORCE",
        "HTTPS_PROXY",
        "NO_PROXY",
    ]) {
        assert!(
            topic.stdout.contains(name),
            "`leadctl help environment` does not document {name}"
        );
        assert!(
            man.stdout.contains(name),
            "the man page does not document {name}"
        );
    }
    let words = topic
        .stdout
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        words.contains(
            "command-line flag > environment variable > profile in the config file > built-in default"
        ),
        "the precedence rule is missing:\n{}",
        topic.stdout
    );
}

#[test]
fn the_exit_code_topic_has_every_code() {
    let out = Leadctl::new().args(["help", "exit-codes"]).run();
    out.code(0);
    for code in ["0", "1", "2", "3", "4", "5", "6", "7", "8", "130"] {
        assert!(
            out.stdout
                .lines()
                .any(|l| l.trim_start().starts_with(&format!("{code}  "))),
            "exit code {code} missing:\n{}",
            out.stdout
        );
    }
}

#[test]
fn an_unknown_help_topic_is_a_usage_error_listing_topics_and_commands() {
    Leadctl::new()
        .args(["help", "enviroment"])
        .run()
        .code(2)
        .stderr_has("no help topic or command \"enviroment\"")
        .stderr_has("topics: environment, exit-codes")
        .stderr_has("commands: create, import, template, channels, leads");
    Leadctl::new()
        .args(["help", "leads", "lst"])
        .run()
        .code(2)
        .stderr_has("\"lst\" of `leadctl leads`; commands: list, get, update, status");
}

#[test]
fn help_without_a_topic_lists_commands_and_topics() {
    let out = Leadctl::new().arg("help").run();
    out.code(0)
        .stdout_has("Usage: leadctl [OPTIONS] <COMMAND>")
        .stdout_has("Help topics (leadctl help TOPIC):\n  environment");
}

#[test]
fn help_says_which_commands_fire_rewards_webhooks_or_notifications() {
    let help = |args: &[&str]| {
        let o = Leadctl::new().args(args).args(["--help"]).run();
        o.code(0);
        o.stdout
    };
    assert!(help(&["leads", "status"]).contains(
        "Each change fires the channel's status_change reward\ntriggers, its status webhook and \
         an in-app notification."
    ));
    assert!(help(&["leads", "update"]).contains("(no rewards, webhooks or notifications fire)"));
    assert!(help(&["purchases", "create"])
        .contains("Record a purchase on a lead (fires the channel's purchase reward triggers)"));
    assert!(help(&["api"]).contains("fire rewards, webhooks and notifications"));
    let leads = help(&["leads"]);
    assert!(leads.contains("get     Show one lead"), "{leads}");
}
