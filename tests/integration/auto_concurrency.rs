//! `--concurrency auto` (the default) end to end: the real binary against the in-process
//! sandbox's capacity model (`capacity`, `overload_at`), what it shows (the summary's line, `-v`,
//! the CI progress line), where the next run starts (the ledger's last good value), and the
//! refusals. Short and bounded: a few hundred rows at 50 ms each.

use std::time::Duration;

use leadctl::sandbox::Sandbox;

use crate::import::{leadctl, ledger_of, sandbox, write_csv};
use crate::support::{Leadctl, Outcome};

/// The summary's `concurrency auto: START → END, mostly M; ...` as (start, end, mostly).
fn moved(out: &Outcome) -> (usize, usize, usize) {
    let line = out
        .stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("concurrency auto: "))
        .unwrap_or_else(|| panic!("no concurrency line in the summary:\n{}", out.stderr));
    let number = |s: &str| -> usize {
        s.trim()
            .parse()
            .unwrap_or_else(|_| panic!("{s:?} in {line:?}"))
    };
    let (start, rest) = line.split_once(" → ").expect("START → END");
    let (end, rest) = rest.split_once(", mostly ").expect(", mostly M");
    let mostly = rest.split(';').next().expect("mostly M;");
    (number(start), number(end), number(mostly))
}

fn capacity_sandbox(capacity: usize, overload_at: Option<usize>) -> Sandbox {
    sandbox(|o| {
        o.latency = Duration::from_millis(50);
        o.capacity = Some(capacity);
        o.overload_at = overload_at;
    })
}

/// The last good value the ledger keeps for the sandbox's API URL.
fn last_good(sb: &Sandbox) -> Option<usize> {
    let db = rusqlite::Connection::open(ledger_of(sb)).unwrap();
    db.query_row(
        "SELECT value FROM meta WHERE key = 'concurrency.last_good'",
        [],
        |r| r.get::<_, String>(0),
    )
    .ok()
    .and_then(|v| v.parse().ok())
}

#[test]
fn auto_finds_a_capacity_of_8_says_how_and_the_next_run_starts_where_it_was_good() {
    let sb = capacity_sandbox(8, None);
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "rows.csv", 400);
    let out = leadctl(&sb)
        .args(["-v", "import", file.to_str().unwrap()])
        .run();
    out.code(0).stderr_has("400 created");
    let (start, end, mostly) = moved(&out);
    assert_eq!(start, 8, "{}", out.stderr);
    assert!(
        (5..=16).contains(&mostly),
        "mostly {mostly}: {}",
        out.stderr
    );
    assert!((4..=20).contains(&end), "end {end}: {}", out.stderr);
    // -v: each change with its reason: slow start doubles while the latency is flat; past the
    // capacity the latency rises and it backs off.
    out.stderr_has(
        "leadctl: concurrency 8 → 16: slow start: latency flat, every request slot in use, no \
         overload yet",
    )
    .stderr_has("its baseline\n")
    .stderr_has("backed off");
    assert!(
        out.stderr.contains("× its baseline"),
        "a back-off on rising latency: {}",
        out.stderr
    );
    let peak = sb.stats()["processing_peak"].as_u64().unwrap();
    assert!(peak <= 8, "the sandbox kept its capacity: {peak}");

    // The ledger remembers where it was last good; the next run starts there.
    let remembered = last_good(&sb).expect("a last good value in the ledger");
    assert!((2..=20).contains(&remembered), "{remembered}");
    // (60 rows: enough for the summary to say how it moved.)
    let more = write_csv(dir.path(), "more.csv", 60);
    let text = std::fs::read_to_string(&more).unwrap().replace("B-", "M-");
    std::fs::write(&more, text.replace("user", "more")).unwrap();
    let out = leadctl(&sb).args(["import", more.to_str().unwrap()]).run();
    out.code(0).stderr_has("60 created");
    assert_eq!(moved(&out).0, remembered, "{}", out.stderr);
}

/// Unknown rows (546 answers) of a run, from its results.
fn unknown_rows(out: &Outcome) -> usize {
    out.stdout
        .lines()
        .filter(|l| l.contains("\"outcome\":\"unknown\""))
        .count()
}

#[test]
fn behind_an_overload_wall_auto_makes_no_more_unknown_rows_than_fixed_4() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "rows.csv", 400);
    let run = |args: &[&str]| {
        let sb = capacity_sandbox(8, Some(16));
        let out = leadctl(&sb)
            .args(["import", file.to_str().unwrap(), "-o", "ndjson"])
            .args(args)
            .run();
        let stats = sb.stats();
        (out, stats)
    };
    let (fixed, fixed_stats) = run(&["--concurrency", "4"]);
    fixed.stderr_has("concurrency 4 (fixed)");
    let (auto, auto_stats) = run(&[]);
    let (_, _, mostly) = moved(&auto);
    assert!(mostly >= 6, "auto used the capacity: {}", auto.stderr);
    assert!(
        unknown_rows(&auto) <= unknown_rows(&fixed),
        "auto {} unknown ({}), fixed 4 {} ({}):\n{}",
        unknown_rows(&auto),
        auto_stats["overloaded"],
        unknown_rows(&fixed),
        fixed_stats["overloaded"],
        auto.stderr
    );
    assert_eq!(auto.stdout.lines().count(), 400);
}

/// The sandbox's count of 429 answers.
fn answered_429(sb: &Sandbox) -> u64 {
    sb.stats()["by_status"]["429"].as_u64().unwrap_or(0)
}

#[test]
fn a_rate_limit_makes_auto_back_off_on_429s_and_every_row_is_created_once() {
    let sb = sandbox(|o| {
        o.latency = Duration::from_millis(50);
        o.rate_limit = Some(20);
    });
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "rows.csv", 60);
    let out = leadctl(&sb)
        .args(["-v", "import", file.to_str().unwrap()])
        .run();
    out.code(0)
        .stderr_has("60 created")
        .stderr_has("rate-limited by the server (429")
        .stderr_has("on 429 rate limiting")
        // -v: the learned rate, and the summary says where it settled.
        .stderr_has("leadctl: send rate ")
        .stderr_has("/s: 429 at ")
        .stderr_has("requests/s (learned from 429s)");
    crate::import::assert_no_duplicates(&sb);
}

#[test]
fn auto_paces_to_a_rate_limit_with_far_fewer_429s_than_a_fixed_concurrency() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "rows.csv", 200);
    let run = |args: &[&str]| {
        let sb = sandbox(|o| {
            o.latency = Duration::from_millis(20);
            o.rate_limit = Some(50);
        });
        let out = leadctl(&sb)
            .args(["import", file.to_str().unwrap()])
            .args(args)
            .run();
        out.code(0).stderr_has("200 created");
        crate::import::assert_no_duplicates(&sb);
        let limited = answered_429(&sb);
        (out, limited)
    };
    let (_, fixed) = run(&["--concurrency", "16"]);
    let (auto, paced) = run(&[]);
    auto.stderr_has("(learned from 429s)");
    assert!(
        paced * 2 <= fixed,
        "auto met {paced} 429s, fixed 16 {fixed}:\n{}",
        auto.stderr
    );
}

#[test]
fn the_ci_progress_line_shows_the_concurrency() {
    // A capacity of 2, 50 ms each: about six seconds, so one progress line (every five) comes,
    // showing auto's current limit.
    let sb = capacity_sandbox(2, None);
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "rows.csv", 240);
    let out = leadctl(&sb).args(["import", file.to_str().unwrap()]).run();
    out.code(0)
        .stderr_has("/240 (")
        .stderr_has(" rows/s, ETA ")
        .stderr_has("s, concurrency auto ")
        .stderr_has("\n  concurrency auto: 8 → ");
}

#[test]
fn a_fixed_concurrency_never_goes_above_an_explicit_max_concurrency() {
    // Both on the command line: refused, and the run sends nothing.
    let out = Leadctl::new()
        .args(["--sandbox", "import", "rows.csv"])
        .args(["--concurrency", "64", "--max-concurrency", "16"])
        .run();
    out.code(2)
        .stderr_has(
            "--concurrency 64 is above --max-concurrency 16: leadctl never has more requests in \
             flight than --max-concurrency",
        )
        .stderr_has("pass --concurrency 16 or lower, --concurrency auto");
    // `purchases import` sends through the same engine and is held to the same rule.
    Leadctl::new()
        .args(["--sandbox", "purchases", "import", "rows.csv"])
        .args(["--concurrency", "64", "--max-concurrency", "16"])
        .run()
        .code(2)
        .stderr_has("--concurrency 64 is above --max-concurrency 16");
    // The profile's fixed value is held to it too, and the message says where it came from.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[profiles.default]\nconcurrency = 12\n").unwrap();
    Leadctl::new()
        .env("LEADCTL_CONFIG", &config)
        .args(["--sandbox", "import", "rows.csv", "--max-concurrency", "8"])
        .run()
        .code(2)
        .stderr_has("concurrency (profile \"default\" in ")
        .stderr_has(") 12 is above --max-concurrency 8");
    // Without --max-concurrency a fixed N is its own maximum; within it, it is as asked.
    let sb = sandbox(|_| {});
    let file = write_csv(dir.path(), "rows.csv", 50);
    leadctl(&sb)
        .args(["import", file.to_str().unwrap(), "--concurrency", "40"])
        .run()
        .code(0)
        .stderr_has("concurrency 40 (fixed)");
    let more = write_csv(dir.path(), "more.csv", 5);
    let text = std::fs::read_to_string(&more).unwrap();
    std::fs::write(&more, text.replace("user", "more").replace("B-", "M-")).unwrap();
    leadctl(&sb)
        .args(["import", more.to_str().unwrap()])
        .args(["--concurrency", "8", "--max-concurrency", "8"])
        .run()
        .code(0)
        .stderr_has("concurrency 8 (fixed)");
}

#[test]
fn a_run_too_small_to_adapt_says_so_quietly_and_v_still_logs_the_changes() {
    // 25 rows against a rate limit of 10 a second: a 429 cuts the limit, but 25 answers tell
    // nothing about the server's pace.
    let sb = sandbox(|o| {
        o.latency = Duration::from_millis(20);
        o.rate_limit = Some(10);
    });
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "rows.csv", 25);
    let out = leadctl(&sb)
        .args(["-v", "import", file.to_str().unwrap()])
        .run();
    out.code(0).stderr_has("25 created");
    let line = out
        .stderr
        .lines()
        .find(|l| l.trim().starts_with("concurrency auto"))
        .unwrap_or_else(|| panic!("no concurrency line:\n{}", out.stderr));
    assert!(
        line.trim().starts_with("concurrency auto: ")
            && line.ends_with(" (too few requests to adapt)"),
        "{line}"
    );
    assert!(!line.contains("backed off"), "{line}");
    out.stderr_has("leadctl: concurrency 8 → ")
        .stderr_has("the server is overloaded (429 rate limited)");
}

#[test]
fn zero_and_words_are_usage_errors_that_say_what_is_valid() {
    for (args, says) in [
        (
            &["--concurrency", "0"][..],
            "invalid value '0' for '--concurrency <auto|N>': 0 requests in flight would send \
             nothing: use auto or a whole number from 1 to 256",
        ),
        (
            &["--concurrency", "fast"],
            "invalid value 'fast' for '--concurrency <auto|N>': \"fast\" is not auto or a whole \
             number from 1 to 256",
        ),
        (
            &["--concurrency", "257"],
            "is not auto or a whole number from 1 to 256",
        ),
        (
            &["--max-concurrency", "0"],
            "invalid value '0' for '--max-concurrency <N>'",
        ),
    ] {
        let out = Leadctl::new()
            .args(["--sandbox", "import", "rows.csv"])
            .args(args)
            .run();
        out.code(2).stderr_has(says);
    }
    Leadctl::new()
        .args(["import", "--help"])
        .run()
        .code(0)
        .stdout_has("--concurrency <auto|N>")
        .stdout_has("[default: 32; with a fixed --concurrency N, N]");
}

#[test]
fn the_profile_key_takes_auto_or_a_number() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let at = |cli: Leadctl| cli.env("LEADCTL_CONFIG", home.join("config.toml"));
    at(Leadctl::new())
        .args(["config", "set", "concurrency", "8"])
        .run()
        .code(0);
    at(Leadctl::new())
        .args(["config", "get", "concurrency"])
        .run()
        .code(0)
        .stdout_has("8");
    at(Leadctl::new())
        .args(["config", "set", "concurrency", "AUTO"])
        .run()
        .code(0);
    let text = std::fs::read_to_string(home.join("config.toml")).unwrap();
    assert!(text.contains("concurrency = \"auto\""), "{text}");
    at(Leadctl::new())
        .args(["config", "get", "concurrency"])
        .run()
        .code(0)
        .stdout_has("auto");
    at(Leadctl::new())
        .args(["config", "list"])
        .run()
        .code(0)
        .stdout_has("concurrency        auto");
    at(Leadctl::new())
        .args(["config", "set", "concurrency", "fast"])
        .run()
        .code(3)
        .stderr_has(
            "invalid value \"fast\" for concurrency: expected auto or a whole number from 1 to 256",
        );
    // A profile's `auto` (and a number) drives an import.
    let sb = sandbox(|_| {});
    let file = write_csv(home, "rows.csv", 5);
    std::fs::write(
        home.join("config.toml"),
        "[profiles.default]\nconcurrency = 3\n",
    )
    .unwrap();
    at(leadctl(&sb))
        .args(["import", file.to_str().unwrap()])
        .run()
        .code(0)
        .stderr_has("concurrency 3 (fixed)");
}
