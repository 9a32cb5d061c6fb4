//! Workbooks (#17) and binary inputs (#15 item 5), end to end: .xlsx files written by
//! rust_xlsxwriter in the tests (the same library shapes as Excel's: shared strings, styles,
//! cached formula results), an .ods built by hand, and small .xls/.xlsb/.ods/password-protected
//! files from calamine's test suite (`tests/fixtures/workbooks/README.md`), imported with the
//! real binary against the sandbox.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{Format, Formula, Workbook, Worksheet};
use serde_json::Value;

use crate::import::{bodies, created, leadctl, results, sandbox};

fn workbook_fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/workbooks")
        .join(name)
        .display()
        .to_string()
}

/// Fills one worksheet.
type Fill<'a> = &'a dyn Fn(&mut Worksheet);

/// Writes an .xlsx with one sheet per `(name, fill)`.
fn xlsx(dir: &Path, name: &str, sheets: &[(&str, Fill<'_>)]) -> PathBuf {
    let mut wb = Workbook::new();
    for (sheet, fill) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(*sheet).unwrap();
        fill(ws);
    }
    let path = dir.join(name);
    wb.save(&path).unwrap();
    path
}

fn strings(ws: &mut Worksheet, row: u32, cells: &[&str]) {
    for (c, text) in cells.iter().enumerate() {
        if !text.is_empty() {
            ws.write_string(row, c as u16, *text).unwrap();
        }
    }
}

fn date_format() -> Format {
    Format::new().set_num_format("yyyy-mm-dd")
}

/// The rows every format below holds, as a careful CSV export has them.
const LEADS_CSV: &str = "\
Email,First Name,Last Name,Phone,Business ID,Deal size,Region,Notes
ann@example.com,Ann,LEE,4512345678,00123,1200.5,EMEA,2024-03-15
bob@example.com,Bob,Stone,100042,0042,50000,APAC,true
carl@example.com,Carl,Diaz,+45 1234 5678,C-7,0.3,EMEA,2024-03-15T14:30:00
";

/// LEADS_CSV as Excel holds it: numbers as numbers, ids with leading zeros as text, a formula,
/// a boolean, a date and a date-time; columns past the header and rows below the data empty.
fn leads_sheet(ws: &mut Worksheet) {
    strings(
        ws,
        0,
        &[
            "Email",
            "First Name",
            "Last Name",
            "Phone",
            "Business ID",
            "Deal size",
            "Region",
            "Notes",
        ],
    );
    strings(
        ws,
        1,
        &["ann@example.com", "Ann", "", "", "00123", "", "EMEA"],
    );
    ws.write_formula(1, 2, Formula::new("=UPPER(\"lee\")").set_result("LEE"))
        .unwrap();
    ws.write_number(1, 3, 4512345678.0).unwrap();
    ws.write_number(1, 5, 1200.5).unwrap();
    ws.write_number_with_format(1, 7, 45366.0, &date_format())
        .unwrap();
    strings(
        ws,
        2,
        &["bob@example.com", "Bob", "Stone", "", "0042", "", "APAC"],
    );
    ws.write_number(2, 3, 100042.0).unwrap();
    ws.write_formula(2, 5, Formula::new("=25000*2").set_result("50000"))
        .unwrap();
    ws.write_boolean(2, 7, true).unwrap();
    strings(
        ws,
        3,
        &[
            "carl@example.com",
            "Carl",
            "Diaz",
            "+45 1234 5678",
            "C-7",
            "",
            "EMEA",
        ],
    );
    ws.write_formula(
        3,
        5,
        Formula::new("=0.1+0.2").set_result("0.30000000000000004"),
    )
    .unwrap();
    ws.write_number_with_format(
        3,
        7,
        45366.604166666664,
        &Format::new().set_num_format("yyyy-mm-dd hh:mm"),
    )
    .unwrap();
    // Formatting below and beside the data, as real sheets have: no cells, no rows.
    ws.write_blank(40, 20, &Format::new().set_bold()).unwrap();
    ws.write_string(41, 2, "   ").unwrap();
}

fn dry_ndjson(
    sb: &leadctl::sandbox::Sandbox,
    file: &Path,
    extra: &[&str],
) -> crate::support::Outcome {
    let mut args = vec![
        "import",
        file.to_str().unwrap(),
        "--dry-run",
        "-o",
        "ndjson",
    ];
    args.extend_from_slice(extra);
    leadctl(sb).args(args).run()
}

#[test]
fn a_workbook_gives_the_same_request_bodies_as_its_careful_csv_export() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("leads.csv");
    std::fs::write(&csv, LEADS_CSV).unwrap();
    let book = xlsx(dir.path(), "leads.xlsx", &[("Leads", &leads_sheet)]);
    let from_csv = dry_ndjson(&sb, &csv, &[]);
    from_csv.code(0);
    let from_book = dry_ndjson(&sb, &book, &[]);
    from_book
        .code(0)
        .stderr_has("an Excel workbook (.xlsx), sheet \"Leads\" (the only sheet)")
        .stderr_has("3 row(s) checked: 3 valid, 0 invalid");
    assert_eq!(from_book.stdout, from_csv.stdout, "byte-identical bodies");
    let bodies = results(&from_book);
    assert_eq!(bodies[0]["phone"], "4512345678");
    assert_eq!(bodies[0]["business_id"], "00123");
    assert_eq!(bodies[0]["last_name"], "LEE");
    assert_eq!(bodies[0]["notes"], "2024-03-15");
    assert_eq!(bodies[1]["phone"], "100042");
    assert_eq!(bodies[1]["business_id"], "0042");
    assert_eq!(bodies[1]["notes"], "true");
    assert_eq!(bodies[2]["notes"], "2024-03-15T14:30:00");
    assert_eq!(bodies[2]["properties"][0]["value"], "0.3");
    // The same file under a name that says nothing: detected by content.
    let renamed = dir.path().join("export.dat");
    std::fs::copy(&book, &renamed).unwrap();
    let out = dry_ndjson(&sb, &renamed, &[]);
    out.code(0);
    assert_eq!(out.stdout, from_csv.stdout);
    // From stdin too.
    let out = leadctl(&sb)
        .args(["import", "-", "--dry-run", "-o", "ndjson"])
        .stdin(std::fs::read(&book).unwrap())
        .run();
    out.code(0);
    assert_eq!(out.stdout, from_csv.stdout);
    assert_eq!(created(&sb), 0);
}

/// Rewrites an .xlsx so it uses the 1904 date system (Excel for Mac's old default): the same
/// serial numbers then mean dates 1,462 days later.
fn with_1904_epoch(path: &Path) {
    let bytes = std::fs::read(path).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut body = Vec::new();
        f.read_to_end(&mut body).unwrap();
        if name == "xl/workbook.xml" {
            let text = String::from_utf8(body).unwrap();
            assert!(text.contains("<workbookPr"), "{text}");
            body = text
                .replacen("<workbookPr", "<workbookPr date1904=\"1\"", 1)
                .into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&body).unwrap();
    }
    std::fs::write(path, out.finish().unwrap().into_inner()).unwrap();
}

#[test]
fn dates_read_right_in_both_epochs_and_every_format() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let dated = |serial: f64| {
        move |ws: &mut Worksheet| {
            strings(ws, 0, &["Email", "Notes"]);
            strings(ws, 1, &["ann@example.com"]);
            ws.write_number_with_format(1, 1, serial, &date_format())
                .unwrap();
        }
    };
    let f1900 = dated(45366.0);
    let book_1900 = xlsx(dir.path(), "1900.xlsx", &[("Leads", &f1900)]);
    // 2024-03-15 is 43,904 days after 1904-01-01.
    let f1904 = dated(43904.0);
    let book_1904 = xlsx(dir.path(), "1904.xlsx", &[("Leads", &f1904)]);
    with_1904_epoch(&book_1904);
    for book in [&book_1900, &book_1904] {
        let out = dry_ndjson(&sb, book, &[]);
        out.code(0);
        assert_eq!(
            results(&out)[0]["notes"],
            "2024-03-15",
            "{}",
            book.display()
        );
    }
    // Excel 97-2003 (.xls), binary (.xlsb) and OpenDocument files, in both epochs where they
    // have them: calamine's test files (column A: the dates 2021-01-01 and 2021-01-02, then a
    // duration of 255 h 10 min 10 s).
    for (file, kind) in [
        ("date.xls", "an Excel 97-2003 workbook (.xls)"),
        ("date_1904.xls", "an Excel 97-2003 workbook (.xls)"),
        ("date.xlsb", "an Excel binary workbook (.xlsb)"),
        ("date_1904.xlsb", "an Excel binary workbook (.xlsb)"),
    ] {
        let out = leadctl(&sb)
            .args([
                "import",
                &workbook_fixture(file),
                "--dry-run",
                "-o",
                "ndjson",
                "--map",
                "2021-01-01=company_name",
                "--ignore-unknown",
            ])
            .run();
        out.code(0).stderr_has(kind);
        let names: Vec<String> = results(&out)
            .iter()
            .map(|b| b["company_name"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(names, ["2021-01-02", "255:10:10"], "{file}");
    }
    let out = leadctl(&sb)
        .args([
            "import",
            &workbook_fixture("date.ods"),
            "--dry-run",
            "-o",
            "ndjson",
            "--map",
            "2021-01-01=company_name",
            "--ignore-unknown",
        ])
        .run();
    out.code(0).stderr_has("an OpenDocument spreadsheet (.ods)");
    let names: Vec<Value> = results(&out)
        .iter()
        .map(|b| b["company_name"].clone())
        .collect();
    assert_eq!(
        names,
        ["2021-01-01T10:10:10", "PT10H10M10S", "PT10H10M10.123456S"]
    );
}

#[test]
fn an_error_cell_makes_its_row_invalid_naming_the_cell() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let fill = |ws: &mut Worksheet| {
        strings(ws, 0, &["Email", "First Name", "Lookup"]);
        strings(ws, 1, &["ann@example.com", "Ann"]);
        strings(ws, 2, &["bob@example.com"]);
        ws.write_formula(
            2,
            1,
            Formula::new("=VLOOKUP(A3,X:Y,2,0)").set_result("#N/A"),
        )
        .unwrap();
        strings(ws, 3, &["carl@example.com", "Carl"]);
        // An error in a column that is left out does not matter.
        ws.write_formula(3, 2, Formula::new("=1/0").set_result("#DIV/0!"))
            .unwrap();
    };
    let book = xlsx(dir.path(), "leads.xlsx", &[("Q3 leads", &fill)]);
    let out = dry_ndjson(&sb, &book, &["--map", "Lookup=ignore"]);
    out.code(6)
        .stderr_has(
            "row 2 ('Q3 leads'!B3), column \"First Name\": holds the error value #N/A (a formula \
             that failed in the workbook); fix it there, or empty the cell",
        )
        .stderr_has("1 of 3 rows is invalid, so nothing was sent");
    assert!(!out.stderr.contains("#DIV/0!"), "{}", out.stderr);
    let out = dry_ndjson(&sb, &book, &["--map", "Lookup=ignore", "--skip-invalid"]);
    out.code(0);
    assert_eq!(bodies(&out).len(), 2);
    // The invalid row is a result line of its own.
    assert_eq!(results(&out).len(), 3);
    // Another problem in a workbook row names its cell, too.
    let bad_email = |ws: &mut Worksheet| {
        strings(ws, 0, &["First Name", "Email"]);
        strings(ws, 1, &["Ann", "ann@"]);
    };
    let book = xlsx(dir.path(), "bad.xlsx", &[("Leads", &bad_email)]);
    dry_ndjson(&sb, &book, &[])
        .code(6)
        .stderr_has("row 1 (Leads!B2), column \"Email\": \"ann@\" is not a valid email address");
}

fn one_lead(email: &'static str) -> impl Fn(&mut Worksheet) {
    move |ws: &mut Worksheet| {
        strings(ws, 0, &["Email"]);
        strings(ws, 1, &[email]);
    }
}

#[test]
fn several_sheets_with_data_need_sheet() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let empty = |_: &mut Worksheet| {};
    let leads = one_lead("ann@example.com");
    let archive = one_lead("old@example.com");
    let book = xlsx(
        dir.path(),
        "book.xlsx",
        &[("Notes", &empty), ("Leads", &leads), ("Archive", &archive)],
    );
    dry_ndjson(&sb, &book, &[]).code(6).stderr_has(
        "has 2 sheets with data: \"Leads\" (2), \"Archive\" (3); choose one with --sheet NAME or \
         --sheet N",
    );
    for (pick, email) in [
        ("Archive", "old@example.com"),
        ("archive", "old@example.com"),
        ("2", "ann@example.com"),
    ] {
        let out = dry_ndjson(&sb, &book, &["--sheet", pick]);
        out.code(0).stderr_has("(--sheet)");
        assert_eq!(results(&out)[0]["email"], email, "--sheet {pick}");
    }
    dry_ndjson(&sb, &book, &["--sheet", "Leeds"])
        .code(6)
        .stderr_has(
            "has no sheet \"Leeds\"; its sheets: \"Notes\" (1), \"Leads\" (2), \"Archive\" (3)",
        );
    dry_ndjson(&sb, &book, &["--sheet", "Notes"])
        .code(6)
        .stderr_has("sheet \"Notes\" is empty: a header row naming the columns is needed");
    // An empty sheet first and a hidden one with data: the one visible sheet with data is read.
    let hidden = |ws: &mut Worksheet| {
        strings(ws, 0, &["Lists"]);
        strings(ws, 1, &["EMEA"]);
        ws.set_hidden(true);
    };
    let book = xlsx(
        dir.path(),
        "hidden.xlsx",
        &[("Cover", &empty), ("Leads", &leads), ("Lists", &hidden)],
    );
    let out = dry_ndjson(&sb, &book, &[]);
    out.code(0)
        .stderr_has("sheet \"Leads\" of 3 (the only sheet with data)");
    assert_eq!(results(&out)[0]["email"], "ann@example.com");
    // --sheet is for workbooks.
    let csv = dir.path().join("leads.csv");
    std::fs::write(&csv, "Email\na@example.com\n").unwrap();
    dry_ndjson(&sb, &csv, &["--sheet", "1"])
        .code(2)
        .stderr_has("--sheet is for workbooks");
}

#[test]
fn a_title_block_above_the_header_needs_header_row() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let fill = |ws: &mut Worksheet| {
        strings(ws, 0, &["Lead export, Q3"]);
        strings(ws, 1, &["Generated 2024-10-01"]);
        strings(ws, 3, &["Email", "First Name"]);
        strings(ws, 4, &["ann@example.com", "Ann"]);
        // A blank row between data rows is left out, as a blank CSV line is.
        strings(ws, 6, &["bob@", "Bob"]);
    };
    let book = xlsx(dir.path(), "report.xlsx", &[("Report", &fill)]);
    dry_ndjson(&sb, &book, &[])
        .code(6)
        .stderr_has("\"Lead export, Q3\" (column 1)");
    dry_ndjson(&sb, &book, &["--header-row", "4"])
        .code(6)
        .stderr_has("header on row 4 (--header-row)")
        .stderr_has("row 2 (Report!A7), column \"Email\": \"bob@\" is not a valid email address");
    let out = dry_ndjson(&sb, &book, &["--header-row", "4", "--skip-invalid"]);
    out.code(0);
    assert_eq!(results(&out)[0]["first_name"], "Ann");
    dry_ndjson(&sb, &book, &["--header-row", "3"])
        .code(6)
        .stderr_has("--header-row 3: row 3 of sheet Report is empty");
    dry_ndjson(&sb, &book, &["--header-row", "0"]).code(2);
    // The same for a CSV with a title line.
    let csv = dir.path().join("report.csv");
    std::fs::write(
        &csv,
        "Lead export Q3,\n,\nEmail,First Name\nann@example.com,Ann\n",
    )
    .unwrap();
    let out = dry_ndjson(&sb, &csv, &["--header-row", "3"]);
    out.code(0).stderr_has("header on line 3 (--header-row)");
    assert_eq!(results(&out)[0]["email"], "ann@example.com");
}

/// A minimal OpenDocument spreadsheet, as LibreOffice stores one (mimetype first, stored).
fn ods(path: &Path, rows: &str) {
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="Leads">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
    let mut w = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    w.start_file("mimetype", stored).unwrap();
    w.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    w.start_file(
        "META-INF/manifest.xml",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    w.write_all(manifest.as_bytes()).unwrap();
    w.start_file("content.xml", zip::write::SimpleFileOptions::default())
        .unwrap();
    w.write_all(content.as_bytes()).unwrap();
    w.finish().unwrap();
}

fn ods_row(cells: &[&str]) -> String {
    let mut row = String::from("<table:table-row>");
    for c in cells {
        row.push_str(c);
    }
    row.push_str("</table:table-row>");
    row
}

fn s(text: &str) -> String {
    format!(
        r#"<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>"#
    )
}

#[test]
fn an_opendocument_spreadsheet_reads_like_its_csv() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let n = |v: &str| {
        format!(
            r#"<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}</text:p></table:table-cell>"#
        )
    };
    let d = |v: &str| {
        format!(
            r#"<table:table-cell office:value-type="date" office:date-value="{v}"><text:p>{v}</text:p></table:table-cell>"#
        )
    };
    let b = r#"<table:table-cell office:value-type="boolean" office:boolean-value="true"><text:p>TRUE</text:p></table:table-cell>"#;
    let empty = "<table:table-cell/>";
    let rows = [
        ods_row(&[
            &s("Email"),
            &s("Phone"),
            &s("Business ID"),
            &s("Deal size"),
            &s("Notes"),
        ]),
        ods_row(&[
            &s("ann@example.com"),
            &n("4512345678"),
            &s("00123"),
            &n("1200.5"),
            &d("2024-03-15"),
        ]),
        ods_row(&[&s("bob@example.com"), &n("100042"), &s("0042"), empty, b]),
        ods_row(&[
            &s("carl@example.com"),
            empty,
            &s("C-7"),
            &n("50000"),
            &d("2024-03-15T14:30:00"),
        ]),
    ]
    .concat();
    let book = dir.path().join("leads.ods");
    ods(&book, &rows);
    let csv = dir.path().join("leads.csv");
    std::fs::write(
        &csv,
        "Email,Phone,Business ID,Deal size,Notes\n\
         ann@example.com,4512345678,00123,1200.5,2024-03-15\n\
         bob@example.com,100042,0042,,true\n\
         carl@example.com,,C-7,50000,2024-03-15T14:30:00\n",
    )
    .unwrap();
    let from_book = dry_ndjson(&sb, &book, &[]);
    from_book
        .code(0)
        .stderr_has("an OpenDocument spreadsheet (.ods), sheet \"Leads\"");
    let from_csv = dry_ndjson(&sb, &csv, &[]);
    from_csv.code(0);
    assert_eq!(from_book.stdout, from_csv.stdout);
}

#[test]
fn corrupt_and_password_protected_workbooks_are_clear_errors() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let leads = one_lead("ann@example.com");
    let book = xlsx(dir.path(), "leads.xlsx", &[("Leads", &leads)]);
    let bytes = std::fs::read(&book).unwrap();
    // Cut short (a download that stopped), and with its sheet's XML damaged.
    let cut = dir.path().join("cut.xlsx");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    dry_ndjson(&sb, &cut, &[]).code(6).stderr_has(
        "cut.xlsx is a damaged or incomplete zip archive, not a CSV file or a workbook",
    );
    let broken = dir.path().join("broken.xlsx");
    {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())).unwrap();
        let mut out = zip::ZipWriter::new(std::fs::File::create(&broken).unwrap());
        for i in 0..zip.len() {
            let mut f = zip.by_index(i).unwrap();
            let name = f.name().unwrap().to_string();
            let mut body = Vec::new();
            f.read_to_end(&mut body).unwrap();
            if name == "xl/workbook.xml" {
                body.truncate(body.len() / 2);
            }
            out.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            out.write_all(&body).unwrap();
        }
        out.finish().unwrap();
    }
    let out = dry_ndjson(&sb, &broken, &[]);
    out.code(6)
        .stderr_has("broken.xlsx is an Excel workbook (.xlsx) that cannot be read (");
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    // A damaged .xls on which calamine 0.38 panics (found by fuzzing): caught, a clear error.
    let out = leadctl(&sb)
        .args([
            "import",
            &workbook_fixture("calamine-panic.xls"),
            "--dry-run",
        ])
        .run();
    out.code(6).stderr_has(
        "calamine-panic.xls is an Excel 97-2003 workbook (.xls) that cannot be read: the \
         workbook reader stopped on malformed data; open it in Excel or LibreOffice and save it \
         again",
    );
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    for (file, kind) in [
        ("pass_protected.xlsx", "an Excel workbook (.xlsx)"),
        ("pass_protected.ods", "an OpenDocument spreadsheet (.ods)"),
    ] {
        let out = leadctl(&sb)
            .args(["import", &workbook_fixture(file), "--dry-run"])
            .run();
        out.code(6)
            .stderr_has(&format!(
                "{file} is {kind} protected by a password, which leadctl cannot open"
            ))
            .stderr_has("remove the password");
        assert!(!out.stderr.contains("--encoding"), "{}", out.stderr);
    }
    assert_eq!(created(&sb), 0);
}

#[test]
fn binary_files_are_refused_by_what_they_are_never_with_an_encoding_hint() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let zip_path = dir.path().join("export.zip");
    {
        let mut w = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
        w.start_file("leads.csv", zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(b"Email\nann@example.com\n").unwrap();
        w.finish().unwrap();
    }
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    let mut gz = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03".to_vec();
    gz.extend(std::iter::repeat_n(0x5a, 200));
    let cases = [
        (zip_path.clone(), "is a zip archive", "unzip it"),
        (
            write(
                "leads.pdf",
                b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
            ),
            "is a PDF document",
            "export the leads as CSV or as a workbook",
        ),
        (
            write("leads.csv.gz", &gz),
            "is a gzip-compressed file",
            "gunzip",
        ),
        (
            write(
                "shot.png",
                b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x01\x00",
            ),
            "is a PNG image",
            "a picture of a table cannot be imported",
        ),
        (
            write(
                "leadctl.bin",
                b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00",
            ),
            "is a program",
            "check the path",
        ),
    ];
    for (path, says, hint) in &cases {
        let file = path.to_str().unwrap();
        let out = leadctl(&sb).args(["import", file, "--dry-run"]).run();
        out.code(6).stderr_has(says).stderr_has(hint);
        assert!(!out.stderr.contains("--encoding"), "{}", out.stderr);
        let out = leadctl(&sb)
            .args(["create", "--json", file, "--dry-run"])
            .run();
        out.code(6).stderr_has(says).stderr_has("not JSON");
        assert!(!out.stderr.contains("UTF-8"), "{}", out.stderr);
    }
    // A workbook given to create --json: import is the command for it.
    let leads = one_lead("ann@example.com");
    let book = xlsx(dir.path(), "leads.xlsx", &[("Leads", &leads)]);
    leadctl(&sb)
        .args(["create", "--json", book.to_str().unwrap(), "--dry-run"])
        .run()
        .code(6)
        .stderr_has(
            "is an Excel workbook (.xlsx), not JSON; `leadctl import FILE` reads workbooks",
        );
    leadctl(&sb)
        .args(["create", "--json", "-", "--dry-run"])
        .stdin(b"%PDF-1.4\n".to_vec())
        .run()
        .code(6)
        .stderr_has("stdin: it is a PDF document, not JSON");
    // Piped into import.
    leadctl(&sb)
        .args(["import", "-", "--dry-run"])
        .stdin(std::fs::read(&zip_path).unwrap())
        .run()
        .code(6)
        .stderr_has("stdin is a zip archive, not a CSV file or a workbook");
    assert_eq!(created(&sb), 0);
}

#[test]
fn a_workbooks_errors_file_is_a_csv_that_imports_again() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let fill = |ws: &mut Worksheet| {
        strings(ws, 0, &["Email", "First Name", "Phone"]);
        strings(ws, 1, &["ann@example.com", "Ann"]);
        ws.write_number(1, 2, 4512345678.0).unwrap();
        strings(ws, 2, &["bob@", "Bøb"]);
        ws.write_number(2, 2, 100042.0).unwrap();
    };
    let book = xlsx(dir.path(), "leads.xlsx", &[("Leads", &fill)]);
    let out = leadctl(&sb)
        .args([
            "import",
            book.to_str().unwrap(),
            "--skip-invalid",
            "-o",
            "ndjson",
        ])
        .run();
    out.code(8);
    assert_eq!(created(&sb), 1);
    let errors = dir.path().join("leads.xlsx.errors.csv");
    let text = std::fs::read(&errors).unwrap();
    assert!(text.starts_with(b"\xef\xbb\xbf"), "a BOM for Excel");
    let text = String::from_utf8(text[3..].to_vec()).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "Email,First Name,Phone,leadctl_row,leadctl_outcome,leadctl_error"
    );
    let row = lines.next().unwrap();
    assert!(
        row.starts_with("bob@,Bøb,100042,2,invalid,\"row 2 (Leads!A3), column \"\"Email\"\""),
        "{row}"
    );
    // Fixed in place and imported again: the errors file is an ordinary CSV.
    std::fs::write(&errors, text.replace("bob@,", "bob@example.com,")).unwrap();
    let out = leadctl(&sb)
        .args(["import", errors.to_str().unwrap(), "-o", "ndjson"])
        .run();
    out.code(0);
    assert_eq!(created(&sb), 2);
    let bob = crate::import::leads(&sb)
        .into_iter()
        .find(|l| l["email"] == "bob@example.com")
        .unwrap();
    assert_eq!(bob["phone"], "100042");
    assert_eq!(bob["first_name"], "Bøb");
}

// ---- leadctl template ------------------------------------------------------------------------

fn zip_entry(path: &Path, name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut text = String::new();
    zip.by_name(name)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

#[test]
fn a_template_names_every_field_and_property_and_imports_back() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("new.csv");
    leadctl(&sb)
        .args([
            "template",
            "--channel",
            "acme referral program",
            csv.to_str().unwrap(),
        ])
        .run()
        .code(0)
        .stderr_has("wrote ")
        .stderr_has("(12 columns for channel Acme Referral Program (");
    let text = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(
        text,
        "\u{feff}Email,First Name,Last Name,Phone,Company,Source,Employee,Notes,Business ID,Deal \
         size,Region,Industry\n"
    );
    // Filled in and imported: every column maps, nothing is unknown.
    std::fs::write(
        &csv,
        format!(
            "{text}ann@example.com,Ann,Lee,+1 555 0100,Initech,Web,Bob,hi,B-1,5000,EMEA,Tech\n"
        ),
    )
    .unwrap();
    let out = dry_ndjson(&sb, &csv, &[]);
    out.code(0);
    let body = &results(&out)[0];
    assert_eq!(body["business_id"], "B-1");
    assert_eq!(body["properties"].as_array().unwrap().len(), 3);
    // To a pipe (`> leads.csv`) with the BOM too; never over an existing file.
    let out = leadctl(&sb).args(["template"]).run();
    out.code(0);
    assert!(
        out.stdout.starts_with("\u{feff}Email,First Name,"),
        "{}",
        out.stdout
    );
    leadctl(&sb)
        .args(["template", csv.to_str().unwrap()])
        .run()
        .code(2)
        .stderr_has("exists already; leadctl template never overwrites a file");
    assert!(std::fs::read_to_string(&csv)
        .unwrap()
        .contains("ann@example.com"));
    // The .xlsx: the same header, read back as import reads it.
    let book = dir.path().join("new.xlsx");
    leadctl(&sb)
        .args(["template", book.to_str().unwrap()])
        .run()
        .code(0);
    let out = dry_ndjson(&sb, &book, &[]);
    out.code(6)
        .stderr_has("sheet \"Leads\" of 2 (the only sheet with data)")
        .stderr_has("Deal size   → property \"Deal size\"")
        .stderr_has("Business ID → business_id")
        .stderr_has("has a header but no rows");
    // -o xlsx is the template's alone; an unknown channel is named.
    leadctl(&sb)
        .args(["channels", "-o", "xlsx"])
        .run()
        .code(2)
        .stderr_has("-o xlsx is for `leadctl template`");
    leadctl(&sb)
        .args(["template", "--channel", "Acme Referal"])
        .run()
        .code(6)
        .stderr_has("did you mean \"Acme Referral Program\"?");
}

#[test]
fn an_xlsx_template_offers_select_options_as_a_drop_down() {
    use crate::support::server::{Reply, ScriptedServer};
    const CH: &str = "11111111-0000-4000-8000-000000000001";
    let server = ScriptedServer::sequence(vec![Reply::json(
        200,
        serde_json::json!({"channels": [{"id": CH, "title": "Partners", "currency": "EUR",
            "no_auth_api": false, "lead_status": [],
            "property_definitions": [
                {"id": "p1", "name": "Deal size", "type": "number"},
                {"id": "p2", "name": "Region", "type": "select",
                 "options": ["EMEA", "APAC, Japan", {"value": "NA", "label": "North America"}]},
                {"id": "p3", "name": "Tier", "type": "select", "options": ["<Gold> & co"]},
                {"id": "p4", "name": "Email", "type": "text"}]}]}),
    )]);
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("partners.xlsx");
    crate::support::Leadctl::against(&server.url())
        .args([
            "template",
            "--channel",
            "Partners",
            "-o",
            "xlsx",
            book.to_str().unwrap(),
        ])
        .run()
        .code(0)
        .stderr_has("(13 columns for channel Partners");
    let sheet = zip_entry(&book, "xl/worksheets/sheet1.xml");
    // Region is column K, Tier column L; the property named like a lead field is property:Email.
    assert!(
        sheet.contains(
            r#"sqref="K2:K1048576"><formula1>Lists!$A$1:$A$3</formula1></dataValidation>"#
        ),
        "{sheet}"
    );
    assert!(
        sheet.contains(r#"sqref="L2:L1048576"><formula1>Lists!$B$1:$B$1</formula1>"#),
        "{sheet}"
    );
    assert!(
        sheet.contains(r#"<t xml:space="preserve">property:Email</t>"#),
        "{sheet}"
    );
    // Lead fields are text columns (leading zeros stay), properties are not.
    assert!(
        sheet.contains(r#"<col min="1" max="1" width="14" customWidth="1" style="2"/>"#),
        "{sheet}"
    );
    assert!(
        sheet.contains(r#"<col min="10" max="10" width="14" customWidth="1"/>"#),
        "{sheet}"
    );
    assert!(zip_entry(&book, "xl/workbook.xml")
        .contains(r#"<sheet name="Lists" sheetId="2" state="hidden""#));
    // The options, read back as Excel would offer them.
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&book).unwrap();
    let lists = wb.worksheet_range("Lists").unwrap();
    let col = |c: u32| -> Vec<String> {
        (0..3)
            .filter_map(|r| lists.get_value((r, c)).map(|v| v.to_string()))
            .filter(|v| !v.is_empty())
            .collect()
    };
    assert_eq!(col(0), ["EMEA", "APAC, Japan", "NA"]);
    assert_eq!(col(1), ["<Gold> & co"]);
    let leads = wb.worksheet_range("Leads").unwrap();
    assert_eq!(leads.get_value((0, 10)).unwrap().to_string(), "Region");
    assert_eq!(leads.height(), 1);
}

#[test]
fn a_report_footer_below_a_sheets_data_is_left_out_as_in_a_csv() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    // Salesforce's report as .xlsx: the rows, an empty sheet row, then the summary block.
    let report = |ws: &mut Worksheet| {
        strings(ws, 0, &["First Name", "Last Name", "Email", "Lead Source"]);
        strings(ws, 1, &["Ann", "Lee", "ann@example.com", "Web"]);
        strings(ws, 2, &["Bob", "Ray", "bob@example.com", ""]);
        strings(ws, 3, &["Cy", "Do", "cy@example.com", "Partner"]);
        strings(ws, 5, &["Grand Totals (3 records)"]);
        strings(
            ws,
            6,
            &["© Copyright 2000-2026 salesforce.com, inc. All rights reserved."],
        );
        strings(ws, 7, &["Confidential Information - Do Not Distribute"]);
        strings(ws, 8, &["Generated By: Jane Doe  12/1/2026 6:44 PM"]);
    };
    let book = xlsx(dir.path(), "report.xlsx", &[("Report", &report)]);
    let out = dry_ndjson(&sb, &book, &[]);
    out.code(0)
        .stderr_has("report.xlsx: left out a 4-line report footer after row 3 (lines 6-9: \"Grand Totals (3 records)\"")
        .stderr_has("3 row(s) checked: 3 valid, 0 invalid");
    assert_eq!(out.stderr.matches("report footer").count(), 1);
    let emails: Vec<String> = results(&out)
        .iter()
        .map(|b| b["email"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        emails,
        ["ann@example.com", "bob@example.com", "cy@example.com"]
    );

    // The same block with a lead after it is no footer: nothing is left out (in a sheet the
    // rows are as wide as the header, so here they even pass as leads with a first name).
    let not_a_footer = |ws: &mut Worksheet| {
        report(ws);
        strings(ws, 9, &["Dee", "Fox", "dee@example.com", "Web"]);
    };
    let book = xlsx(dir.path(), "more.xlsx", &[("Report", &not_a_footer)]);
    let out = dry_ndjson(&sb, &book, &[]);
    out.code(0)
        .stderr_has("8 row(s) checked: 8 valid, 0 invalid");
    assert!(!out.stderr.contains("report footer"), "{}", out.stderr);
    assert_eq!(results(&out)[3]["first_name"], "Grand Totals (3 records)");
}

#[test]
fn a_billing_workbook_records_each_purchase_once() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let lead = crate::support::sandbox::create(&sb, "buyer@example.com");
    let fill = |ws: &mut Worksheet| {
        strings(ws, 0, &["Invoice", "Lead ID", "Amount", "Product"]);
        for (r, (invoice, amount)) in [("INV-1", 1200.5), ("INV-2", 99.0)].iter().enumerate() {
            let r = r as u32 + 1;
            strings(ws, r, &[invoice, &lead]);
            ws.write_number(r, 2, *amount).unwrap();
            ws.write_string(r, 3, "Pro").unwrap();
        }
    };
    let book = xlsx(dir.path(), "billing.xlsx", &[("Invoices", &fill)]);
    let args = [
        "purchases",
        "import",
        book.to_str().unwrap(),
        "-o",
        "ndjson",
    ];
    let dry = leadctl(&sb).args(args).arg("--dry-run").run();
    dry.code(0)
        .stderr_has("an Excel workbook (.xlsx), sheet \"Invoices\"");
    let bodies = results(&dry);
    assert_eq!(
        bodies[0]["purchase_amount"],
        serde_json::json!(1200.5),
        "{bodies:?}"
    );
    assert_eq!(
        bodies[1]["purchase_amount"],
        serde_json::json!(99),
        "{bodies:?}"
    );
    for _ in 0..2 {
        leadctl(&sb).args(args).run().code(0);
    }
    assert_eq!(crate::support::sandbox::stored_purchases(&sb).len(), 2);
}
