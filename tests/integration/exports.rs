//! Real exports read right (issue #28): every invoice line a purchase, dates as people write
//! them, formula cells without a value, numbers that read one way, Pipedrive/HubSpot/Salesforce
//! spellings, full names, and errors grouped so a person can read them.

use std::path::{Path, PathBuf};

use leadctl::sandbox::Sandbox;
use serde_json::Value;

use crate::import::{fixture, leadctl, results, sandbox};

fn by_action(sb: &Sandbox, action: &str) -> u64 {
    sb.stats()["requests"]["by_action"][action]
        .as_u64()
        .unwrap_or(0)
}

/// Leads C-1..C-n (business ids) created through the ledger, so purchases can name them.
fn leads(sb: &Sandbox, dir: &Path, n: usize) {
    let mut text = String::from("Email,First Name,CRM ID\n");
    for i in 1..=n {
        text.push_str(&format!("crm{i}@example.com,Crm {i},C-{i}\n"));
    }
    let path = dir.join("leads.csv");
    std::fs::write(&path, text).unwrap();
    leadctl(sb)
        .args(["import", path.to_str().unwrap()])
        .run()
        .code(0);
}

/// (product, amount) of every purchase the sandbox holds, sorted.
fn purchases(sb: &Sandbox) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = crate::support::sandbox::stored_purchases(sb)
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap_or("").to_string(),
                p["purchase_amount"].to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

fn copy(dir: &Path, name: &str) -> PathBuf {
    let to = dir.join(name.rsplit('/').next().unwrap());
    std::fs::copy(fixture(name), &to).unwrap();
    to
}

fn outcomes(out: &crate::support::Outcome) -> Vec<String> {
    results(out)
        .iter()
        .map(|r| r["outcome"].as_str().unwrap_or("").to_string())
        .collect()
}

// ---- 1. purchases are lines ------------------------------------------------------------------

#[test]
fn every_line_of_an_invoice_is_a_purchase_once() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    leads(&sb, dir.path(), 2);
    let file = copy(dir.path(), "exports/billing-lines.csv");
    let args = [
        "purchases",
        "import",
        file.to_str().unwrap(),
        "-o",
        "ndjson",
    ];
    let out = leadctl(&sb).args(args).run();
    out.code(0)
        .stderr_has("Invoice Number → invoice")
        .stderr_has("3 created");
    assert_eq!(outcomes(&out), ["created", "created", "created"]);
    assert_eq!(
        purchases(&sb),
        [
            ("Onboarding".to_string(), "500".to_string()),
            ("Pro plan".to_string(), "1000".to_string()),
            ("Pro plan".to_string(), "1000".to_string()),
        ]
    );
    // The file again: nothing more.
    let again = leadctl(&sb).args(args).run();
    again.code(0).stderr_has("3 skipped");
    assert_eq!(by_action(&sb, "create_purchase"), 3);
    // A third line of INV-3001 added: that line only.
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str("INV-3001,C-1,Support,250.00\n");
    std::fs::write(&file, text).unwrap();
    let third = leadctl(&sb).args(args).run();
    third
        .code(0)
        .stderr_has("1 created")
        .stderr_has("3 skipped");
    assert_eq!(
        outcomes(&third),
        ["skipped", "skipped", "skipped", "created"]
    );
    assert_eq!(by_action(&sb, "create_purchase"), 4);
    let list = leadctl(&sb).args(["ledger", "list", "-o", "csv"]).run();
    list.code(0)
        .stdout_has(",purchase:id:INV-3001,created,")
        .stdout_has(",purchase:line:2:INV-3001,created,")
        .stdout_has(",purchase:line:3:INV-3001,created,")
        .stdout_has(",purchase:id:INV-3002,created,");
}

#[test]
fn identical_rows_are_two_purchases_and_one_id_with_two_values_is_refused() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    leads(&sb, dir.path(), 2);
    // No id at all: two identical rows are two purchases, once each.
    let plain = dir.path().join("plain.csv");
    std::fs::write(&plain, "Customer ID,Amount\nC-1,10\nC-1,10\nC-2,10\n").unwrap();
    for expect in ["3 created", "3 skipped"] {
        leadctl(&sb)
            .args(["purchases", "import", plain.to_str().unwrap()])
            .run()
            .code(0)
            .stderr_has(expect);
    }
    assert_eq!(by_action(&sb, "create_purchase"), 3);
    // An explicit purchase id: the same values again are one purchase, other values are refused.
    let ids = dir.path().join("ids.csv");
    std::fs::write(
        &ids,
        "Transaction ID,Customer ID,Amount\nT-1,C-1,10\nT-1,C-1,10\nT-2,C-2,20\nT-2,C-2,25\n",
    )
    .unwrap();
    let out = leadctl(&sb)
        .args(["purchases", "import", ids.to_str().unwrap()])
        .run();
    out.code(6)
        .stderr_has("Transaction ID → purchase_id")
        .stderr_has("1 of 4 rows is invalid, so nothing was sent")
        .stderr_has(
            "row 4 (line 5), column 1 \"Transaction ID\": purchase id \"T-2\" is also row 3's, \
             with other values: one id names one purchase; correct one of the two rows (or, if \
             the column numbers invoices of several lines, map it with --map 'Transaction \
             ID=invoice')",
        );
    assert_eq!(by_action(&sb, "create_purchase"), 3);
    let out = leadctl(&sb)
        .args([
            "purchases",
            "import",
            ids.to_str().unwrap(),
            "--skip-invalid",
            "-o",
            "ndjson",
        ])
        .run();
    out.code(8);
    assert_eq!(
        outcomes(&out),
        ["created", "duplicate", "created", "invalid"]
    );
    // The outcome's text is the result's `message`; `error` keeps it for one release.
    let dup = &results(&out)[1];
    assert_eq!(
        dup["message"],
        "the same purchase id and values as row 1: one purchase is recorded for both"
    );
    assert_eq!(dup["error"], dup["message"]);
    assert_eq!(
        dup.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["row", "outcome", "lead_id", "error", "message"]
    );
    assert_eq!(by_action(&sb, "create_purchase"), 5);
}

// ---- 4. numbers that read one way --------------------------------------------------------------

#[test]
fn us_amounts_read_without_flags_and_an_ambiguous_one_is_still_refused() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    leads(&sb, dir.path(), 1);
    let file = dir.path().join("us.csv");
    std::fs::write(
        &file,
        "Order ID,Customer ID,Amount\nO-1,C-1,\"$50,000.00\"\nO-2,C-1,\"1,250,000\"\n\
         O-3,C-1,\"12,000.50\"\nO-4,C-1,\"1,234.56\"\n",
    )
    .unwrap();
    let out = leadctl(&sb)
        .args(["purchases", "import", file.to_str().unwrap(), "--dry-run"])
        .args(["-o", "ndjson"])
        .run();
    out.code(0);
    let amounts: Vec<String> = results(&out)
        .iter()
        .map(|b| b["purchase_amount"].to_string())
        .collect();
    assert_eq!(amounts, ["50000", "1250000", "12000.5", "1234.56"]);
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "Order ID,Customer ID,Amount\nO-5,C-1,50.000\n").unwrap();
    leadctl(&sb)
        .args(["purchases", "import", bad.to_str().unwrap()])
        .run()
        .code(6)
        .stderr_has(
            "row 1 (line 2), column 3 \"Amount\": amount \"50.000\" could be 50 (decimal point) \
             or 50000 (decimal comma): say which with --decimal-separator . or \
             --decimal-separator ,",
        );
    assert_eq!(by_action(&sb, "create_purchase"), 0);
}

// ---- 2. dates as people write them -------------------------------------------------------------

/// The `date` of each body of a purchases dry run.
fn dates(out: &crate::support::Outcome) -> Vec<String> {
    results(out)
        .iter()
        .map(|b| b["date"].as_str().unwrap_or("(none)").to_string())
        .collect()
}

#[test]
fn purchase_dates_read_as_people_write_them() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    leads(&sb, dir.path(), 1);
    let file = dir.path().join("dates.csv");
    std::fs::write(
        &file,
        "Order ID,Customer ID,Amount,Order Date\n\
         O-1,C-1,10,2024-06-01T10:00:00Z\n\
         O-2,C-1,10,2024-06-01\n\
         O-3,C-1,10,2024-06-01T00:00:00\n\
         O-4,C-1,10,06/13/2024\n\
         O-5,C-1,10,2024-06-01 10:00:00\n\
         O-6,C-1,10,15.01.2024\n\
         O-7,C-1,10,13/06/2024 4:05 PM\n",
    )
    .unwrap();
    let run = |extra: &[&str]| {
        leadctl(&sb)
            .args(["purchases", "import", file.to_str().unwrap(), "--dry-run"])
            .args(["-o", "ndjson"])
            .args(extra)
            .run()
    };
    let out = run(&[]);
    out.code(0)
        .stderr_has("dates without a time zone are read in UTC (--timezone NAME for another zone)");
    assert_eq!(
        dates(&out),
        [
            "2024-06-01T10:00:00Z",
            "2024-06-01T00:00:00Z",
            "2024-06-01T00:00:00Z",
            "2024-06-13T00:00:00Z",
            "2024-06-01T10:00:00Z",
            "2024-01-15T00:00:00Z",
            "2024-06-13T16:05:00Z",
        ]
    );
    let out = run(&["--timezone", "Europe/Berlin"]);
    out.code(0)
        .stderr_has("dates without a time zone are read in Europe/Berlin\n");
    assert_eq!(
        dates(&out),
        [
            "2024-06-01T10:00:00Z",
            "2024-06-01T00:00:00+02:00",
            "2024-06-01T00:00:00+02:00",
            "2024-06-13T00:00:00+02:00",
            "2024-06-01T10:00:00+02:00",
            "2024-01-15T00:00:00+01:00",
            "2024-06-13T16:05:00+02:00",
        ]
    );
    leadctl(&sb)
        .args([
            "purchases",
            "import",
            file.to_str().unwrap(),
            "--timezone",
            "Mars/Base",
        ])
        .run()
        .code(2)
        .stderr_has(
            "--timezone: \"Mars/Base\" is not a time zone: give an IANA name such as \
             Europe/Berlin, America/New_York or UTC",
        );

    // Two readings: refused naming both, unless the order is given.
    let amb = dir.path().join("ambiguous.csv");
    std::fs::write(
        &amb,
        "Order ID,Customer ID,Amount,Order Date\nO-8,C-1,10,03/04/2024\nO-9,C-1,10,yesterday\n",
    )
    .unwrap();
    leadctl(&sb)
        .args(["purchases", "import", amb.to_str().unwrap()])
        .run()
        .code(6)
        .stderr_has(
            "row 1 (line 2), column 4 \"Order Date\": date \"03/04/2024\" could be 2024-04-03 \
             (day first) or 2024-03-04 (month first): say which with --date-order dmy or \
             --date-order mdy",
        )
        .stderr_has(
            "row 2 (line 3), column 4 \"Order Date\": date \"yesterday\" is not a date: write \
             2024-06-01, 2024-06-01 10:00, 2024-06-01T10:00:00Z, 01.06.2024 or 06/01/2024",
        );
    std::fs::write(
        &amb,
        "Order ID,Customer ID,Amount,Order Date\nO-8,C-1,10,03/04/2024\n",
    )
    .unwrap();
    for (order, want) in [
        ("mdy", "2024-03-04T00:00:00Z"),
        ("dmy", "2024-04-03T00:00:00Z"),
    ] {
        let out = leadctl(&sb)
            .args(["purchases", "import", amb.to_str().unwrap(), "--dry-run"])
            .args(["-o", "ndjson", "--date-order", order])
            .run();
        out.code(0);
        assert_eq!(dates(&out), [want]);
    }
    leadctl(&sb)
        .args([
            "purchases",
            "import",
            amb.to_str().unwrap(),
            "--date-order",
            "ymd",
        ])
        .run()
        .code(2)
        .stderr_has("\"ymd\" is not a date order: use dmy (31/12/2024) or mdy (12/31/2024)");
    assert_eq!(by_action(&sb, "create_purchase"), 0);
}

#[test]
fn an_xlsx_date_cell_is_a_purchase_date() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    leads(&sb, dir.path(), 1);
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["Order ID", "Customer ID", "Amount", "Order Date"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "O-1").unwrap();
    ws.write_string(1, 1, "C-1").unwrap();
    ws.write_number(1, 2, 99.5).unwrap();
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    // 45444 is 2024-06-01 in Excel's 1900 system.
    ws.write_number_with_format(1, 3, 45444.0, &date).unwrap();
    let path = dir.path().join("orders.xlsx");
    wb.save(&path).unwrap();
    let out = leadctl(&sb)
        .args(["purchases", "import", path.to_str().unwrap(), "--dry-run"])
        .args(["-o", "ndjson"])
        .run();
    out.code(0);
    assert_eq!(dates(&out), ["2024-06-01T00:00:00Z"]);
    assert_eq!(results(&out)[0]["purchase_amount"], 99.5);
}

// ---- 3. formula cells without a value ----------------------------------------------------------

/// An .xlsx as openpyxl writes one: inline strings, formulas with no cached value (`<f>` and no
/// `<v>`), no styles. `rows[r][c]`: text, or `=FORMULA`.
fn openpyxl_xlsx(path: &Path, rows: &[&[&str]]) {
    use std::io::Write;
    let mut sheet = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<worksheet \
         xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>",
    );
    for (r, row) in rows.iter().enumerate() {
        sheet.push_str(&format!("<row r=\"{}\">", r + 1));
        for (c, cell) in row.iter().enumerate() {
            let at = format!("{}{}", (b'A' + c as u8) as char, r + 1);
            match cell.strip_prefix('=') {
                Some(f) => sheet.push_str(&format!("<c r=\"{at}\"><f>{f}</f></c>")),
                None => sheet.push_str(&format!(
                    "<c r=\"{at}\" t=\"inlineStr\"><is><t>{cell}</t></is></c>"
                )),
            }
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    let files = [
        (
            "[Content_Types].xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Types \
             xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
             <Default Extension=\"rels\" \
             ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
             <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
             <Override PartName=\"/xl/workbook.xml\" \
             ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>\
             <Override PartName=\"/xl/worksheets/sheet1.xml\" \
             ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>\
             </Types>"
                .to_string(),
        ),
        (
            "_rels/.rels",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Relationships \
             xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
             <Relationship Id=\"rId1\" \
             Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" \
             Target=\"xl/workbook.xml\"/></Relationships>"
                .to_string(),
        ),
        (
            "xl/workbook.xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<workbook \
             xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" \
             xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">\
             <sheets><sheet name=\"Sheet1\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"
                .to_string(),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Relationships \
             xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
             <Relationship Id=\"rId1\" \
             Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" \
             Target=\"worksheets/sheet1.xml\"/></Relationships>"
                .to_string(),
        ),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, text) in files {
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap();
}

#[test]
fn a_formula_without_a_computed_value_makes_its_row_invalid_naming_the_cell() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("generated.xlsx");
    openpyxl_xlsx(
        &path,
        &[
            &["Email", "First Name", "Last Name"],
            &["ann@example.com", "Ann", "=UPPER(B2)"],
            &["bob@example.com", "Bob", "Stone"],
        ],
    );
    let out = leadctl(&sb).args(["import", path.to_str().unwrap()]).run();
    out.code(6)
        .stderr_has("1 of 2 rows is invalid, so nothing was sent")
        .stderr_has(
            "row 1 (Sheet1!C2), column \"Last Name\": holds the formula \"=UPPER(B2)\" without \
             a computed value (the workbook was written by a program that does not calculate, \
             such as openpyxl or pandas): open the workbook in Excel or LibreOffice and save \
             it, or compute the column before exporting",
        );
    assert_eq!(by_action(&sb, "create_lead"), 0);

    // The same in a purchases workbook.
    leads(&sb, dir.path(), 1);
    let buys = dir.path().join("buys.xlsx");
    openpyxl_xlsx(
        &buys,
        &[
            &["Order ID", "Customer ID", "Amount"],
            &["O-1", "C-1", "=G2*H2"],
        ],
    );
    leadctl(&sb)
        .args(["purchases", "import", buys.to_str().unwrap()])
        .run()
        .code(6)
        .stderr_has("row 1 (Sheet1!C2), column \"Amount\": holds the formula \"=G2*H2\" without");
    assert_eq!(by_action(&sb, "create_purchase"), 0);
}

// ---- 5. Pipedrive, 6. full names -------------------------------------------------------------------

#[test]
fn a_pipedrive_persons_export_goes_through_without_a_map() {
    let sb = sandbox(|_| {});
    let out = leadctl(&sb)
        .args([
            "import",
            &fixture("exports/pipedrive-persons.csv"),
            "--dry-run",
        ])
        .args(["-o", "ndjson"])
        .run();
    out.code(0)
        .stderr_has("  Person - Email - Work   → email, else \"Person - Email - Home\"\n")
        .stderr_has("  Person - Visible to     → ignored (CRM data with no lead field)\n")
        .stderr_has("  Person - Deal size      → property \"Deal size\"\n")
        .stderr_has(
            "  Person - Name           → ignored (a whole name: first and last name come from \
             their own columns)\n",
        );
    let bodies = results(&out);
    assert_eq!(bodies.len(), 2);
    assert_eq!(bodies[0]["email"], "jane@acme.example");
    assert_eq!(bodies[0]["first_name"], "Jane");
    assert_eq!(bodies[0]["phone"], "+49 30 1234567");
    assert_eq!(bodies[0]["company_name"], "Acme GmbH");
    assert_eq!(bodies[0]["business_id"], "101");
    assert_eq!(bodies[0]["properties"][0]["value"], "12500");
    // The first non-empty of several: the home email and the mobile where work ones are empty.
    assert_eq!(
        bodies[1].to_string(),
        serde_json::json!({"action": "create_lead",
            "channel_id": leadctl::sandbox::PRIMARY_CHANNEL_ID,
            "email": "omar@home.example", "first_name": "Omar", "last_name": "Haddad",
            "phone": "+44 7700 900123", "company_name": "Globex", "business_id": "102"})
        .to_string()
    );
}

#[test]
fn a_full_name_column_fills_first_and_last_name() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("names.csv");
    std::fs::write(
        &file,
        "Full Name,Email\nJane Smith,jane@example.com\n\"Smith, John\",john@example.com\n\
         Mary Ann van Dyke,mary@example.com\nCher,cher@example.com\n",
    )
    .unwrap();
    let names = |out: &crate::support::Outcome| -> Vec<(Value, Value)> {
        results(out)
            .iter()
            .map(|b| (b["first_name"].clone(), b["last_name"].clone()))
            .collect()
    };
    let out = leadctl(&sb)
        .args([
            "import",
            file.to_str().unwrap(),
            "--dry-run",
            "-o",
            "ndjson",
        ])
        .run();
    out.code(0).stderr_has("  Full Name → full_name\n");
    let s = |v: &str| Value::from(v);
    assert_eq!(
        names(&out),
        [
            (s("Jane"), s("Smith")),
            (s("John"), s("Smith")),
            (s("Mary Ann van"), s("Dyke")),
            (s("Cher"), Value::Null),
        ]
    );
    // Any column, by --map.
    let other = dir.path().join("who.csv");
    std::fs::write(&other, "Who,Email\nAda Lovelace,ada@example.com\n").unwrap();
    let out = leadctl(&sb)
        .args([
            "import",
            other.to_str().unwrap(),
            "--dry-run",
            "-o",
            "ndjson",
        ])
        .args(["--map", "Who=full_name"])
        .run();
    out.code(0);
    assert_eq!(names(&out), [(s("Ada"), s("Lovelace"))]);
    assert_eq!(by_action(&sb, "create_lead"), 0);
}

// ---- 7. errors a person can read -------------------------------------------------------------------

#[test]
fn five_thousand_rows_with_one_bad_column_say_it_in_a_handful_of_lines() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("Email,First Name,Deal size\n");
    for i in 1..=5000 {
        text.push_str(&format!(
            "u{i}@example.com,User {i},\"{}.500\"\n",
            i % 9 + 1
        ));
    }
    text.push_str("not-an-email,Odd,10\n");
    let file = dir.path().join("big.csv");
    std::fs::write(&file, text).unwrap();
    let out = leadctl(&sb).args(["import", file.to_str().unwrap()]).run();
    out.code(6)
        .stderr_has("5,001 of 5,001 rows are invalid, so nothing was sent:\n")
        .stderr_has(
            "  column 3 \"Deal size\": 5,000 rows have this problem (rows 1-5,000), e.g. row 1 \
             (line 2), column 3 \"Deal size\": \"2.500\" (number property \"Deal size\") could be \
             2.5 (decimal point) or 2500 (decimal comma): say which with --decimal-separator . or \
             --decimal-separator ,\n",
        )
        .stderr_has("  row 5001 (line 5002), column 1 \"Email\": ");
    assert!(
        out.stderr.lines().count() < 20,
        "a handful of lines:\n{}",
        out.stderr
    );
    assert_eq!(by_action(&sb, "create_lead"), 0);
}

#[test]
fn a_rows_status_problem_is_said_with_its_other_problems() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("crm.csv");
    std::fs::write(
        &file,
        "Email,First Name,Deal Stage\nnot-an-email,Ann,Qualifed\nbob@example.com,Bob,Won\n",
    )
    .unwrap();
    let out = leadctl(&sb).args(["import", file.to_str().unwrap()]).run();
    out.code(6)
        .stderr_has("1 of 2 rows is invalid, so nothing was sent")
        .stderr_has("  row 1 (line 2), column 1 \"Email\": ")
        .stderr_has(
            "  row 1 (line 2), column 3 \"Deal Stage\": status \"Qualifed\" is not on the \
             channel; its statuses are \"New lead\", \"Qualified\", \"Proposal sent\", \"Won\", \
             \"Lost\" (did you mean \"Qualified\"?)",
        );
    assert_eq!(by_action(&sb, "create_lead"), 0);
}
