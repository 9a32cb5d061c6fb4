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
    assert_eq!(start, 4, "{}", out.stderr);
    assert!(
        (5..=16).contains(&mostly),
        "mostly {mostly}: {}",
        out.stderr
    );
    assert!((4..=20).contains(&end), "end {end}: {}", out.stderr);
    // -v: each change with its reason; past the capacity the latency rises and it backs off.
    out.stderr_has(
        "leadctl: concurrency 4 → 5: latency near its baseline, every request slot in use",
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
    let more = write_csv(dir.path(), "more.csv", 30);
    let text = std::fs::read_to_string(&more).unwrap().replace("B-", "M-");
    std::fs::write(&more, text.replace("user", "more")).unwrap();
    let out = leadctl(&sb).args(["import", more.to_str().unwrap()]).run();
    out.code(0).stderr_has("30 created");
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

#[test]
fn a_rate_limit_makes_auto_back_off_on_429s_and_every_row_is_created_once() {
    let sb = sandbox(|o| {
        o.latency = Duration::from_millis(50);
        o.rate_limit = Some(20);
    });
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "rows.csv", 60);
    let out = leadctl(&sb).args(["import", file.to_str().unwrap()]).run();
    out.code(0)
        .stderr_has("60 created")
        .stderr_has("rate-limited by the server (429")
        .stderr_has("on 429 rate limiting");
    crate::import::assert_no_duplicates(&sb);
}

#[test]
fn the_ci_progress_line_shows_the_concurrency() {
    let sb = sandbox(|o| o.latency = Duration::from_millis(50));
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(dir.path(), "rows.csv", 240);
    // Two at a time, 50 ms each: six seconds, so one progress line (every five) comes.
    let out = leadctl(&sb)
        .args(["import", file.to_str().unwrap(), "--concurrency", "2"])
        .run();
    out.code(0)
        .stderr_has("/240 (")
        .stderr_has(" rows/s, ETA ")
        .stderr_has("s, concurrency 2, ")
        .stderr_has("\n  concurrency 2 (fixed)\n");
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
        .stdout_has("[default: 32]");
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
