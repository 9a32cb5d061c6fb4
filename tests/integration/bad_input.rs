//! The bad-input corpus (#9): every file in `tests/fixtures/` plus generated monsters (a 1 MB
//! field, 10,000 columns), each run through the real binary (`leadctl import FILE --dry-run`
//! against the sandbox, which supplies the property names) for a clear message and the right
//! exit code, or a correct result. `tests/fixtures/README.md` says what each file is.

use std::path::Path;

use leadctl::sandbox::Sandbox;

use crate::import::{bodies, created, fixture, leadctl, leads, results, sandbox};
use crate::support::Outcome;

fn dry(sb: &Sandbox, file: &str, extra: &[&str]) -> Outcome {
    leadctl(sb)
        .args(["import", file, "--dry-run", "-o", "ndjson"])
        .args(extra)
        .run()
}

/// (fixture, extra flags, exit code, what stderr must say)
const CASES: &[(&str, &[&str], i32, &[&str])] = &[
    (
        "empty.csv",
        &[],
        6,
        &["is empty: a header row naming the columns is needed"],
    ),
    (
        "header-only.csv",
        &[],
        6,
        &["has a header but no rows: nothing to import"],
    ),
    (
        "ragged-rows.csv",
        &[],
        6,
        &[
            "row 2 (line 3): has 2 fields, but the header has 3",
            "row 3 (line 4): has 4 fields, but the header has 3",
            "2 of 4 rows are invalid",
        ],
    ),
    (
        "unterminated-quote.csv",
        &[],
        6,
        &[
            "row 1 (line 2)",
            "a quoted value opened on line 2 is never closed",
        ],
    ),
    (
        "nul-bytes.csv",
        &[],
        6,
        &["row 1 (line 2), column 2 \"First Name\": holds a NUL character (U+0000)"],
    ),
    (
        "duplicate-headers.csv",
        &[],
        6,
        &["columns \"Email\" (column 1) and \"E-mail\" (column 3) all map to email"],
    ),
    (
        "mixed-line-endings.csv",
        &[],
        6,
        &["row 4 (line 6), column 1 \"Email\": \"bad-email\" is not a valid email address"],
    ),
    (
        "invalid-utf8.csv",
        &[],
        6,
        &[
            "is UTF-8 except for bytes on line 3 that are not valid UTF-8",
            "--encoding utf-8",
        ],
    ),
    (
        "utf16-no-bom.csv",
        &[],
        6,
        &[
            "looks like UTF-16 without a byte-order mark",
            "--encoding utf-16le",
        ],
    ),
    ("utf16-bom.csv", &[], 0, &["UTF-16LE with a BOM"]),
    (
        "invalid-rows.csv",
        &[],
        6,
        &["2 of 4 rows are invalid, so nothing was sent"],
    ),
    (
        "unknown-column.csv",
        &[],
        6,
        &["1 column matches no lead field:\n  \"Shoe size\" (column 4)\n"],
    ),
    ("aliases-tab.csv", &[], 0, &["delimiter tab (detected)"]),
    (
        "excel-utf8-bom-semicolon.csv",
        &["--ignore-unknown"],
        0,
        &["UTF-8 with a BOM"],
    ),
    (
        "excel-windows-1252-semicolon.csv",
        &["--ignore-unknown"],
        0,
        &["windows-1252 (detected: not valid UTF-8)"],
    ),
];

#[test]
fn every_fixture_gives_a_clear_answer_and_the_right_exit_code() {
    let sb = sandbox(|_| {});
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut listed: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".csv"))
        .collect();
    listed.sort();
    let mut covered: Vec<String> = CASES.iter().map(|c| c.0.to_string()).collect();
    covered.sort();
    assert_eq!(listed, covered, "every fixture has a case here");
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    for (name, extra, code, says) in CASES {
        assert!(readme.contains(name), "README.md does not describe {name}");
        let out = dry(&sb, &fixture(name), extra);
        assert_eq!(
            out.code, *code,
            "{name}: exit code\nstdout:\n{}\nstderr:\n{}",
            out.stdout, out.stderr
        );
        for s in *says {
            assert!(
                out.stderr.contains(s),
                "{name}: stderr lacks {s:?}:\n{}",
                out.stderr
            );
        }
    }
    assert_eq!(created(&sb), 0, "a dry run sends nothing");
}

#[test]
fn mixed_line_endings_count_lines_right_and_read_every_row() {
    let sb = sandbox(|_| {});
    let out = dry(&sb, &fixture("mixed-line-endings.csv"), &["--skip-invalid"]);
    out.code(0);
    let bodies = bodies(&out);
    let emails: Vec<&str> = bodies
        .iter()
        .map(|b| b["email"].as_str().unwrap())
        .collect();
    assert_eq!(
        emails,
        ["ann@example.com", "bob@example.com", "carl@example.com"]
    );
}

#[test]
fn a_one_megabyte_field_is_read_whole() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big-field.csv");
    let notes = "n".repeat(1024 * 1024);
    std::fs::write(&file, format!("Email,Notes\nann@example.com,\"{notes}\"\n")).unwrap();
    let out = dry(&sb, file.to_str().unwrap(), &[]);
    out.code(0);
    let bodies = results(&out);
    assert_eq!(bodies[0]["notes"].as_str().unwrap().len(), 1024 * 1024);
}

#[test]
fn ten_thousand_columns() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("wide.csv");
    let mut header = String::from("Email");
    let mut row = String::from("ann@example.com");
    for i in 1..10_000 {
        header.push_str(&format!(",Extra {i}"));
        row.push_str(&format!(",{i}"));
    }
    std::fs::write(&file, format!("{header}\n{row}\n")).unwrap();
    let started = std::time::Instant::now();
    let out = dry(&sb, file.to_str().unwrap(), &[]);
    out.code(6)
        .stderr_has("9999 columns match no lead field:\n  \"Extra 1\" (column 2)\n");
    assert!(out.stderr.len() < 2_000_000, "the message stays readable");
    let out = dry(&sb, file.to_str().unwrap(), &["--ignore-unknown"]);
    out.code(0);
    assert_eq!(results(&out)[0]["email"], "ann@example.com");
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

#[test]
fn a_utf8_file_with_one_bad_byte_is_not_read_as_windows_1252() {
    let sb = sandbox(|_| {});
    // The choice the error offers: UTF-8, with the bad row reported and left out.
    let out = dry(
        &sb,
        &fixture("invalid-utf8.csv"),
        &["--encoding", "utf-8", "--skip-invalid"],
    );
    out.code(0)
        .stderr_has("row 2 (line 3), column 3 \"Last Name\": holds bytes that are not valid");
    let bodies = bodies(&out);
    assert_eq!(bodies.len(), 1);
    assert_eq!(bodies[0]["first_name"], "José");
    assert_eq!(bodies[0]["last_name"], "García");
    // Or Windows-1252 on purpose.
    let out = dry(
        &sb,
        &fixture("invalid-utf8.csv"),
        &["--encoding", "windows-1252"],
    );
    out.code(0);
    assert_eq!(results(&out)[1]["last_name"], "Müller");
}

#[test]
fn an_unclosed_quote_on_stdin_stops_before_sending_the_swallowed_rows() {
    let sb = sandbox(|_| {});
    let out = leadctl(&sb)
        .args(["import", "-", "-o", "ndjson"])
        .stdin(
            "Email,First Name\nann@example.com,Ann\nbob@example.com,\"Bob\ncarl@example.com,Carl\n",
        )
        .run();
    out.code(6).stderr_has(
        "the input cannot be read past line 3: a quoted value opened on line 3 is never closed",
    );
    // Row 1 may or may not have gone out before the stop; the swallowed rows never do.
    assert!(created(&sb) <= 1);
    for lead in leads(&sb) {
        assert!(
            !lead["first_name"].as_str().unwrap_or("").contains('\n'),
            "{lead}"
        );
        assert_ne!(lead["email"], "bob@example.com");
    }
}

#[test]
fn odd_flag_values_are_refused_or_honoured_without_a_panic() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = crate::import::write_csv(dir.path(), "f.csv", 2);
    let file = file.to_str().unwrap();
    leadctl(&sb)
        .args(["import", file, "--max-errors", "0"])
        .run()
        .code(2)
        .stderr_has("--max-errors");
    // A rate so small the second token never comes: it used to panic (a Duration overflow).
    let running = leadctl(&sb)
        .args(["import", file, "--rate", "1e-300", "--concurrency", "1"])
        .spawn();
    std::thread::sleep(std::time::Duration::from_millis(800));
    running.signal("-INT");
    let out = running.wait(std::time::Duration::from_secs(20));
    out.code(130);
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    assert_eq!(created(&sb), 1);
}
