//! Deterministic fuzzing in `cargo test` (#9): every parser that reads what a user or a server
//! wrote is fed generated and mutated input from a fixed seed, and must return (Ok or a clean
//! error) without panicking. The libFuzzer targets in `fuzz/` run the same functions for longer
//! with nightly (`scripts/fuzz.sh`).
//!
//! `LEADCTL_FUZZ_SEED=N` changes the seed; `LEADCTL_FUZZ_SECS=S` turns each target into a soak of
//! S seconds instead of the fixed count. Each target prints its executions (`--nocapture`).

// The figures (executions, kills, seeds) are printed for RELIABILITY.md (`--nocapture`).
#![allow(clippy::print_stderr)]

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::{Duration, Instant};

use leadctl::api::models::{Channel, Lead, Purchase};
use leadctl::import::mapping::{self, Target};
use leadctl::import::read::{self, Rows, Source};
use leadctl::import::validate::{self, ChannelInfo, Plan};
use serde_json::{json, Value};

/// Fragments that matter to the parsers: delimiters, quotes, line ends, BOMs, NUL, multi-byte
/// and invalid UTF-8, header names and values the mapping and validation look at.
const CSV_TOKENS: &[&[u8]] = &[
    b",",
    b";",
    b"\t",
    b"|",
    b"\"",
    b"\"\"",
    b"\n",
    b"\r\n",
    b"\r",
    b"\0",
    b" ",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\xfe\xff",
    b"\xc3\xa9",
    b"\xe9",
    b"\xff",
    b"\xc3",
    b"\xe2\x80\xae",
    b"Email",
    b"E-mail",
    b"First Name",
    b"Last Name",
    b"Company",
    b"channel_id",
    b"Business ID",
    b"Deal size",
    b"property:Region",
    b"leadctl_row",
    b"ann@example.com",
    b"not-an-email",
    b"a@b",
    b"a1b2c3d4-e5f6-7890-abcd-ef1234567890",
    b"=cmd|' /C calc'!A0",
    b"EMEA",
    b"42",
    b"",
];

const JSON_KEYS: &[&str] = &[
    "id",
    "lead",
    "leads",
    "channels",
    "email",
    "first_name",
    "last_name",
    "phone",
    "company_name",
    "source",
    "employee",
    "referring_employee",
    "notes",
    "business_id",
    "status",
    "channels_id",
    "channel_id",
    "legacy_id",
    "created_at",
    "property_values",
    "property_definitions",
    "property_definitions_id",
    "value",
    "name",
    "type",
    "title",
    "currency",
    "no_auth_api",
    "lead_status",
    "purchase",
    "amount",
    "error",
    "message",
    "msg",
    "action",
    "properties",
    "Deal size",
];

fn seed() -> u64 {
    std::env::var("LEADCTL_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x01ea_dc71)
}

/// Runs `one` with a fresh generator per execution: a fixed count, or for `LEADCTL_FUZZ_SECS`.
fn fuzz(target: &str, count: u64, mut one: impl FnMut(&mut fastrand::Rng)) {
    let seed = seed();
    let soak = std::env::var("LEADCTL_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok());
    let started = Instant::now();
    let mut n = 0u64;
    loop {
        let done = match soak {
            Some(secs) => started.elapsed() >= Duration::from_secs(secs),
            None => n >= count,
        };
        if done {
            break;
        }
        // One seed per execution, so a failure names the input's own seed.
        let case = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15).wrapping_add(n);
        let mut rng = fastrand::Rng::with_seed(case);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| one(&mut rng)));
        if result.is_err() {
            panic!("{target}: panic on execution {n} (seed {seed}, case seed {case})");
        }
        n += 1;
    }
    eprintln!(
        "fuzz {target}: {n} executions in {:.1}s, 0 panics (seed {seed})",
        started.elapsed().as_secs_f64()
    );
}

fn csv_bytes(rng: &mut fastrand::Rng) -> Vec<u8> {
    let mut out = Vec::new();
    // Sometimes start from a real fixture and mutate it.
    if rng.bool() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "csv"))
            .collect();
        files.sort();
        out = std::fs::read(&files[rng.usize(..files.len())]).unwrap();
        mutate(rng, &mut out, CSV_TOKENS);
        return out;
    }
    for _ in 0..rng.usize(0..60) {
        match rng.u8(0..10) {
            0 => out.push(rng.u8(..)),
            1 => out.extend((0..rng.usize(0..20)).map(|_| rng.alphanumeric() as u8)),
            _ => out.extend_from_slice(CSV_TOKENS[rng.usize(..CSV_TOKENS.len())]),
        }
    }
    out
}

/// Random byte edits: flips, inserted tokens, deletions, duplicated spans.
fn mutate(rng: &mut fastrand::Rng, data: &mut Vec<u8>, tokens: &[&[u8]]) {
    for _ in 0..rng.usize(1..8) {
        let at = rng.usize(..=data.len());
        match rng.u8(0..5) {
            0 if !data.is_empty() => {
                let i = rng.usize(..data.len());
                data[i] = rng.u8(..);
            }
            1 => {
                let t = tokens[rng.usize(..tokens.len())];
                data.splice(at..at, t.iter().copied());
            }
            2 if at < data.len() => {
                let end = (at + rng.usize(1..16)).min(data.len());
                data.drain(at..end);
            }
            3 if at < data.len() => {
                let end = (at + rng.usize(1..64)).min(data.len());
                let span = data[at..end].to_vec();
                data.splice(at..at, span);
            }
            _ => data.truncate(at),
        }
    }
}

fn channel() -> Channel {
    serde_json::from_value(json!({
        "id": "a1b2c3d4-e5f6-7890-abcd-ef1234567890", "title": "Acme", "currency": "USD",
        "no_auth_api": false,
        "property_definitions": [
            {"id": "11111111-2222-3333-4444-555555555555", "name": "Deal size", "type": "number"},
            {"id": "21111111-2222-3333-4444-555555555555", "name": "Region", "type": "select"},
            {"id": "31111111-2222-3333-4444-555555555555", "name": "region", "type": "text"}],
        "lead_status": []
    }))
    .unwrap()
}

/// Reads a whole input the way `import` does (header, mapping, every row checked), with an
/// encoding and delimiter detected or forced.
fn read_map_validate(bytes: &[u8], rng: &mut fastrand::Rng, dir: &Path) {
    let path = dir.join("in.csv");
    std::fs::write(&path, bytes).unwrap();
    let forced = match rng.u8(0..6) {
        0 => read::encoding_for_label("utf-16le"),
        1 => read::encoding_for_label("windows-1252"),
        2 => read::encoding_for_label("utf-8"),
        _ => None,
    };
    let delimiter = rng
        .bool()
        .then(|| [b',', b';', b'\t', b'|', b'"', 0][rng.usize(..6)]);
    let Ok(opened) = read::open(&Source::File(path), forced, delimiter) else {
        return;
    };
    let _ = opened.format.describe();
    map_validate(Rows::new(opened), rng);
}

/// The header mapped and every row validated, as `import` does after opening its input.
fn map_validate(mut rows: Rows, rng: &mut fastrand::Rng) {
    let Ok(Some(header)) = rows.header() else {
        return;
    };
    let ch = channel();
    let mut names = BTreeMap::new();
    for d in &ch.property_definitions {
        if let Some(n) = &d.name {
            names.insert(mapping::normalize(n), n.clone());
        }
    }
    let overrides: Vec<(String, String)> = (0..rng.usize(0..3))
        .map(|_| {
            let col = header
                .fields
                .get(rng.usize(..header.fields.len().max(1)))
                .cloned()
                .unwrap_or_default();
            let field = [
                "email",
                "ignore",
                "property:Region",
                "property:",
                "nope",
                "channel_id",
            ][rng.usize(..6)];
            (col, field.to_string())
        })
        .collect();
    let m = mapping::map_headers(&header.fields, &overrides, &names);
    for c in &m.columns {
        let _ = c.target.describe();
    }
    let mut plan = Plan {
        columns: m.columns,
        header_len: header.fields.len(),
        default_channel: rng
            .bool()
            .then(|| "a1b2c3d4-e5f6-7890-abcd-ef1234567890".to_string()),
        channels: rng
            .bool()
            .then(|| HashMap::from([(ch.id.to_lowercase(), ChannelInfo::from_channel(&ch))])),
        unknown_outcome: (header.fields.len() > 1 && rng.bool()).then_some(1),
        ..Plan::default()
    };
    plan.precompute();
    let mut dups = validate::Duplicates::default();
    for _ in 0..10_000 {
        match rows.next_row() {
            Ok(Some(row)) => {
                if let Ok(lead) = validate::build(&plan, &row) {
                    validate::duplicate_keys(&lead, |key, value| {
                        dups.see(key, value);
                        let _ = dups.is_candidate(key, value);
                    });
                    serde_json::to_string(&lead).unwrap();
                } else if let Err(problems) = validate::build(&plan, &row) {
                    for p in problems {
                        let _ = p.to_string();
                    }
                }
            }
            Ok(None) | Err(_) => break,
        }
    }
}

/// Workbooks to start from: the committed fixtures and a few written here (numbers, dates,
/// formulas, errors, several sheets), plus a minimal .ods.
fn workbook_seeds() -> Vec<Vec<u8>> {
    use rust_xlsxwriter::{Format, Formula, Workbook};
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/workbooks");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e != "md"))
        .collect();
    files.sort();
    let mut seeds: Vec<Vec<u8>> = files.iter().map(|p| std::fs::read(p).unwrap()).collect();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in [
        "Email",
        "First Name",
        "Phone",
        "Deal size",
        "Notes",
        "Region",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for r in 1..6u32 {
        ws.write_string(r, 0, format!("u{r}@example.com")).unwrap();
        ws.write_formula(r, 1, Formula::new("=UPPER(\"x\")").set_result("X"))
            .unwrap();
        ws.write_number(r, 2, 4512345678.0 + r as f64).unwrap();
        ws.write_number(r, 3, 1200.5).unwrap();
        ws.write_number_with_format(
            r,
            4,
            45366.5,
            &Format::new().set_num_format("yyyy-mm-dd hh:mm"),
        )
        .unwrap();
        ws.write_formula(r, 5, Formula::new("=NA()").set_result("#N/A"))
            .unwrap();
    }
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "Email").unwrap();
    ws.write_boolean(1, 0, true).unwrap();
    seeds.push(wb.save_to_buffer().unwrap());
    seeds
}

/// Unzips, mutates one entry's XML (or the zip's bytes), zips again: deep into the formats'
/// parsers rather than only their CRC checks.
fn workbook_bytes(rng: &mut fastrand::Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    use std::io::{Read, Write};
    const XML_TOKENS: &[&[u8]] = &[
        b"<",
        b">",
        b"/>",
        b"\"",
        b"<c r=\"XFD1048576\" t=\"s\"><v>99999</v></c>",
        b"<c r=\"A1\" t=\"e\"><v>#N/A</v></c>",
        b"<c r=\"B2\" s=\"1\"><v>1e308</v></c>",
        b"<row r=\"0\">",
        b"<row r=\"4294967295\">",
        b"t=\"inlineStr\"",
        b"<v>-1</v>",
        b"date1904=\"1\"",
        b"table:number-columns-repeated=\"100000\"",
        b"table:number-rows-repeated=\"100000\"",
        b"office:value-type=\"date\" office:date-value=\"9999-99-99\"",
        b"&amp;",
        b"&#0;",
        b"\xff",
    ];
    let seed = &seeds[rng.usize(..seeds.len())];
    let mut out = seed.clone();
    if !seed.starts_with(b"PK") || rng.u8(0..4) == 0 {
        mutate(rng, &mut out, XML_TOKENS);
        return out;
    }
    let Ok(mut zip) = zip::ZipArchive::new(std::io::Cursor::new(seed.clone())) else {
        return out;
    };
    let target = rng.usize(..zip.len().max(1));
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let Ok(mut f) = zip.by_index(i) else {
            continue;
        };
        let name = f.name().map(|n| n.to_string()).unwrap_or_default();
        let mut body = Vec::new();
        if f.read_to_end(&mut body).is_err() {
            continue;
        }
        if i == target {
            mutate(rng, &mut body, XML_TOKENS);
        }
        let _ = w.start_file(name, zip::write::SimpleFileOptions::default());
        let _ = w.write_all(&body);
    }
    w.finish().map(|c| c.into_inner()).unwrap_or(out)
}

#[test]
fn fuzz_workbook_reading() {
    let dir = tempfile::tempdir().unwrap();
    let seeds = workbook_seeds();
    let before = read::workbook_reader_panics();
    fuzz(
        "workbook (import::read::open_rows on .xlsx/.xlsb/.xls/.ods + mapping + validate)",
        300,
        |rng| {
            let bytes = workbook_bytes(rng, &seeds);
            let path = dir.path().join("in.xlsx");
            std::fs::write(&path, &bytes).unwrap();
            let wanted = read::Wanted {
                sheet: rng
                    .bool()
                    .then(|| ["1", "2", "Sheet1", "Sheet2", "nope"][rng.usize(..5)].to_string()),
                header_row: rng.bool().then(|| rng.u64(1..4)),
                ..read::Wanted::default()
            };
            let source = Source::File(path);
            if let Ok((detected, rows)) = read::open_rows(&source, &wanted) {
                let _ = detected.describe();
                map_validate(rows, rng);
                // The next pass reads the same sheet again.
                if let Ok(rows) = read::reopen(&source, &detected) {
                    map_validate(rows, rng);
                }
            }
        },
    );
    eprintln!(
        "fuzz workbook: {} inputs stopped calamine with a panic, caught on the reader thread and \
         reported as an error",
        read::workbook_reader_panics() - before
    );
}

#[test]
fn fuzz_csv_reading_mapping_and_validation() {
    let dir = tempfile::tempdir().unwrap();
    fuzz("csv (import::read + mapping + validate)", 600, |rng| {
        let bytes = csv_bytes(rng);
        read_map_validate(&bytes, rng, dir.path());
    });
}

#[test]
fn fuzz_header_mapping() {
    fuzz(
        "mapping (map_headers, parse_target, normalize)",
        8_000,
        |rng| {
            let word = |rng: &mut fastrand::Rng| {
                let mut b = Vec::new();
                for _ in 0..rng.usize(0..4) {
                    b.extend_from_slice(CSV_TOKENS[rng.usize(..CSV_TOKENS.len())]);
                }
                String::from_utf8_lossy(&b).into_owned()
            };
            let headers: Vec<String> = (0..rng.usize(0..12)).map(|_| word(rng)).collect();
            let overrides: Vec<(String, String)> = (0..rng.usize(0..4))
                .map(|_| (word(rng), word(rng)))
                .collect();
            let names: BTreeMap<String, String> = (0..rng.usize(0..4))
                .map(|_| {
                    let w = word(rng);
                    (mapping::normalize(&w), w)
                })
                .collect();
            let m = mapping::map_headers(&headers, &overrides, &names);
            for c in &m.columns {
                assert!(c.index < headers.len());
                if let Target::Field(f) = c.target {
                    assert!(mapping::FIELDS.contains(&f));
                }
            }
            let _ = mapping::parse_target(&word(rng));
        },
    );
}

/// A random JSON value built from the API's own keys, depth-limited.
fn json_value(rng: &mut fastrand::Rng, depth: u32) -> Value {
    match rng.u8(0..if depth == 0 { 5 } else { 8 }) {
        0 => Value::Null,
        1 => Value::Bool(rng.bool()),
        2 => json!(rng.i64(..)),
        3 => json!(rng.f64() * 1e6),
        4 => {
            let picks = [
                "",
                "ann@example.com",
                "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
                "2026-04-21T10:00:00Z",
                "2026-04-21T10:00:00.123+02:00",
                "\u{202e}evil\u{1b}[31m",
                "create_lead",
                "lead_external",
                "x",
            ];
            Value::String(picks[rng.usize(..picks.len())].to_string())
        }
        5 => Value::Array(
            (0..rng.usize(0..4))
                .map(|_| json_value(rng, depth - 1))
                .collect(),
        ),
        _ => Value::Object(
            (0..rng.usize(0..8))
                .map(|_| {
                    (
                        JSON_KEYS[rng.usize(..JSON_KEYS.len())].to_string(),
                        json_value(rng, depth - 1),
                    )
                })
                .collect(),
        ),
    }
}

/// JSON text: a generated value, sometimes mutated at the byte level (then often invalid).
fn json_text(rng: &mut fastrand::Rng) -> Vec<u8> {
    let mut text = serde_json::to_vec(&json_value(rng, 5)).unwrap();
    if rng.u8(0..3) == 0 {
        let tokens: &[&[u8]] = &[
            b"{",
            b"}",
            b"[",
            b"]",
            b",",
            b":",
            b"\"",
            b"\n",
            b"\\u0000",
            b"\xff",
            b"1e999",
            b"-0",
            b"null",
            b"\xef\xbb\xbf",
        ];
        mutate(rng, &mut text, tokens);
    }
    text
}

#[test]
fn fuzz_json_lead_input() {
    fuzz("json lead input (create --json)", 20_000, |rng| {
        let text = json_text(rng);
        let text = String::from_utf8_lossy(&text);
        // Also as NDJSON: several values one per line.
        let text = if rng.bool() {
            format!("{text}\n{}", String::from_utf8_lossy(&json_text(rng)))
        } else {
            text.into_owned()
        };
        let channel = rng.bool().then_some("a1b2c3d4-e5f6-7890-abcd-ef1234567890");
        if let Ok(leads) = leadctl::commands::create::requests_from_json(&text, channel) {
            for lead in leads.into_iter().flatten() {
                serde_json::to_string(&lead).unwrap();
            }
        }
    });
}

#[test]
fn fuzz_config_parser() {
    let tokens: &[&[u8]] = &[
        b"default_profile = \"x\"\n",
        b"[profiles.default]\n",
        b"[profiles.\"a b\"]\n",
        b"api_key = \"0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a\"\n",
        b"timeout = 30\n",
        b"timeout = -1.5\n",
        b"concurrency = 0\n",
        b"channel = 42\n",
        b"api_url = \"http://x\"\n",
        b"[[profiles]]\n",
        b"=",
        b"\"",
        b"'''",
        b"\n",
        b"#",
        b"\xff",
        b"\0",
        b"{",
        b"}",
        b"[",
        b"]",
        b"nan",
        b"inf",
    ];
    fuzz("config (config::parse)", 20_000, |rng| {
        let mut text = Vec::new();
        for _ in 0..rng.usize(0..12) {
            text.extend_from_slice(tokens[rng.usize(..tokens.len())]);
        }
        mutate(rng, &mut text, tokens);
        let text = String::from_utf8_lossy(&text);
        if let Ok(file) = leadctl::config::parse(&text, Path::new("config.toml")) {
            let _ = format!("{file:?}");
        }
    });
}

#[test]
fn fuzz_api_responses() {
    fuzz(
        "api responses (models, error_message, excerpt, Retry-After, RFC 3339)",
        8_000,
        |rng| {
            let text = json_text(rng);
            if let Ok(v) = serde_json::from_slice::<Value>(&text) {
                if let Ok(lead) = Lead::from_value(v.clone()) {
                    let _ = (lead.employee(), lead.properties());
                    serde_json::to_string(&lead).unwrap();
                }
                if let Ok(lead) = Lead::from_flat_value(v.clone()) {
                    let _ = lead.properties();
                }
                if let Ok(c) = serde_json::from_value::<Channel>(v.clone()) {
                    let _ = c.label();
                    let _ = ChannelInfo::from_channel(&c);
                }
                let _ = Purchase::from_value(v.clone());
                if let Some(lead) = v.get("lead") {
                    let _ = Lead::from_value(lead.clone());
                }
            }
            let status = [200, 400, 401, 403, 429, 500, 502, 503, 0, 999][rng.usize(..10)];
            let _ = leadctl::api::error_message(status, &text);
            let ex = leadctl::api::excerpt(&text);
            assert!(ex.chars().count() <= 161);
            let s = String::from_utf8_lossy(&text);
            let _ = leadctl::api::parse_retry_after(&s, std::time::SystemTime::now());
            let _ = leadctl::time::parse_rfc3339(&s);
            for probe in [
                "1e400",
                "-0.0",
                "18446744073709551616",
                "Wed, 21 Oct 2015 07:28:00 GMT",
                "2026-13-45T99:99:99+99:99",
                "2026-04-21T10:00:00.\u{e9}Z",
            ] {
                let _ = leadctl::api::parse_retry_after(probe, std::time::SystemTime::UNIX_EPOCH);
                let _ = leadctl::time::parse_rfc3339(probe);
            }
        },
    );
}
