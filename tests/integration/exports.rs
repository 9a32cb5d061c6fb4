//! Real exports read right (issue #28): every invoice line a purchase, dates as people write
//! them, formula cells without a value, numbers that read one way, Pipedrive/HubSpot/Salesforce
//! spellings, full names, and errors grouped so a person can read them.

use std::path::{Path, PathBuf};

use leadctl::sandbox::Sandbox;

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
    assert_eq!(
        results(&out)[1]["error"],
        "the same purchase id and values as row 1: one purchase is recorded for both"
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
