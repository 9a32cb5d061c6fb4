//! Where a run's date rules come from (issue #28): `--timezone`/`--date-order`, else the mapping
//! file's `timezone`/`date_order`, else the profile's, else UTC and only dates that read one way;
//! for `purchases import` and `purchases create --date` alike.

use std::path::Path;

use serde_json::json;

use crate::import::{leadctl, results, sandbox};
use crate::support::sandbox::logged_bodies;

/// One purchase whose date reads both ways and has no zone, for lead C-1 (created here).
fn ambiguous(sb: &leadctl::sandbox::Sandbox, dir: &Path) -> String {
    let leads = dir.join("leads.csv");
    std::fs::write(&leads, "Email,CRM ID\nc1@example.com,C-1\n").unwrap();
    leadctl(sb)
        .args(["import", leads.to_str().unwrap()])
        .run()
        .code(0);
    let file = dir.join("orders.csv");
    std::fs::write(
        &file,
        "Order ID,Customer ID,Amount,Order Date\nO-1,C-1,10,03/04/2024 10:00\n",
    )
    .unwrap();
    file.display().to_string()
}

fn dates(out: &crate::support::Outcome) -> Vec<String> {
    results(out)
        .iter()
        .map(|b| b["date"].as_str().unwrap_or("(none)").to_string())
        .collect()
}

#[test]
fn date_rules_come_from_the_flag_the_mapping_file_then_the_profile() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let file = ambiguous(&sb, dir.path());
    let with_config = || leadctl(&sb).env("LEADCTL_CONFIG", &config);
    let dry = |extra: &[&str]| {
        with_config()
            .args(["purchases", "import", &file, "--dry-run", "-o", "ndjson"])
            .args(extra)
            .run()
    };
    // Nothing set: UTC, and the date is refused naming both readings.
    dry(&[]).code(6).stderr_has(
        "date \"03/04/2024 10:00\" could be 2024-04-03 (day first) or 2024-03-04 \
         (month first): say which with --date-order dmy or --date-order mdy",
    );

    // The profile's keys.
    with_config()
        .args(["config", "set", "timezone", "America/New_York"])
        .run()
        .code(0);
    with_config()
        .args(["config", "set", "date_order", "MDY"])
        .run()
        .code(0);
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        "[profiles.default]\ntimezone = \"America/New_York\"\ndate_order = \"mdy\"\n"
    );
    let out = dry(&[]);
    out.code(0)
        .stderr_has("dates without a time zone are read in America/New_York\n");
    assert_eq!(dates(&out), ["2024-03-04T10:00:00-05:00"]);

    // A mapping file beats the profile.
    let mapping = dir.path().join("orders.toml");
    std::fs::write(
        &mapping,
        "date_order = \"dmy\"\ntimezone = \"Europe/Berlin\"\n[columns]\n\"Order Date\" = \"date\"\n",
    )
    .unwrap();
    let out = dry(&["--mapping", mapping.to_str().unwrap()]);
    out.code(0)
        .stderr_has("  Order Date  → date\n")
        .stderr_has("dates without a time zone are read in Europe/Berlin\n");
    assert_eq!(dates(&out), ["2024-04-03T10:00:00+02:00"]);

    // The flags beat both.
    let out = dry(&[
        "--mapping",
        mapping.to_str().unwrap(),
        "--date-order",
        "mdy",
        "--timezone",
        "UTC",
    ]);
    out.code(0);
    assert_eq!(dates(&out), ["2024-03-04T10:00:00Z"]);

    // `config get` and `config list` say them and where they came from.
    let get = with_config().args(["config", "get", "date_order"]).run();
    get.code(0);
    assert_eq!(get.stdout, "mdy\n");
    let list = with_config().args(["config", "list"]).run();
    list.code(0)
        .stdout_has("timezone=America/New_York date_order=mdy");
    let row = |key: &str| -> String {
        list.stdout
            .lines()
            .find(|l| l.starts_with(&format!("{key} ")))
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default()
    };
    let from = format!("profile \"default\" in {}", config.display());
    assert_eq!(row("timezone"), format!("timezone America/New_York {from}"));
    assert_eq!(row("date_order"), format!("date_order mdy {from}"));
    assert_eq!(
        crate::support::sandbox::stored_purchases(&sb).len(),
        0,
        "dry runs only"
    );
}

#[test]
fn bad_date_settings_are_refused_where_they_are_written() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let file = ambiguous(&sb, dir.path());
    let with_config = || leadctl(&sb).env("LEADCTL_CONFIG", &config);
    with_config()
        .args(["config", "set", "timezone", "Mars/Olympus"])
        .run()
        .code(3)
        .stderr_has(
            "leadctl: error: invalid value for timezone: \"Mars/Olympus\" is not a time zone: \
             give an IANA name such as Europe/Berlin, America/New_York or UTC\n  hint: list the \
             names with `timedatectl list-timezones`, or see the IANA zone list\n",
        );
    with_config()
        .args(["config", "set", "date_order", "ymd"])
        .run()
        .code(3)
        .stderr_has(
            "leadctl: error: invalid value \"ymd\" for date_order: expected dmy (31/12/2024) or \
             mdy (12/31/2024)\n",
        );
    assert!(!config.exists(), "nothing written");
    // A hand-edited profile is checked at start.
    std::fs::write(&config, "[profiles.default]\ndate_order = \"yes\"\n").unwrap();
    with_config()
        .args(["purchases", "import", &file, "--dry-run"])
        .run()
        .code(3)
        .stderr_has(&format!(
            "leadctl: error: invalid date_order (profile \"default\" in {}): \"yes\" is not a \
             date order: use dmy (31/12/2024) or mdy (12/31/2024)\n  hint: fix it with `leadctl \
             config set date_order dmy` (or mdy)\n",
            config.display()
        ));
    std::fs::write(&config, "[profiles.default]\ntimezone = \"CET5\"\n").unwrap();
    with_config()
        .args(["purchases", "import", &file, "--dry-run"])
        .run()
        .code(3)
        .stderr_has("invalid timezone (profile \"default\" in ");
    std::fs::remove_file(&config).unwrap();
    // A mapping file's, by line and key.
    let mapping = dir.path().join("orders.toml");
    for (text, said) in [
        (
            "max_changes = 5\ndate_order = \"ymd\"\n[columns]\n\"Order Date\" = \"date\"\n",
            "orders.toml, line 2, date_order: \"ymd\" is not a date order: use dmy (31/12/2024) \
             or mdy (12/31/2024)\n  hint: a purchases mapping holds decimal_separator, \
             date_order, timezone, header_row, max_changes, ignore = [...] and [columns]",
        ),
        (
            "header_row = 0\n",
            "orders.toml, line 1, header_row: header_row is 0: give the row of the column names, \
             1 or more",
        ),
        (
            "timezone = \"Europe/Berln\"\n",
            "orders.toml, line 1, timezone: \"Europe/Berln\" is not a time zone",
        ),
        (
            "[columns]\n\"Order Date\" = \"when\"\n",
            "orders.toml, line 2, columns.\"Order Date\": unknown field \"when\"; valid: lead_id, \
             legacy_id, business_id, email, amount, product, description, date, trigger_ids, \
             purchase_id, invoice, ignore",
        ),
        (
            "[constants]\nsource = \"Stripe\"\n",
            "orders.toml, line 2, constants: constants is for lead imports; a purchases mapping \
             holds [columns], ignore, decimal_separator, date_order, timezone, header_row and \
             max_changes",
        ),
    ] {
        std::fs::write(&mapping, text).unwrap();
        with_config()
            .args(["purchases", "import", &file, "--dry-run"])
            .args(["--mapping", mapping.to_str().unwrap()])
            .run()
            .code(6)
            .stderr_has(said);
    }
}

#[test]
fn purchases_create_reads_its_date_as_a_file_would() {
    let sb = sandbox(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[profiles.default]\ntimezone = \"Europe/Berlin\"\ndate_order = \"dmy\"\n",
    )
    .unwrap();
    let lead = leadctl(&sb)
        .args(["create", "--email", "buyer@example.com", "-o", "id"])
        .run();
    lead.code(0);
    let lead = lead.stdout.trim().to_string();
    let create = |date: &str, extra: &[&str]| {
        leadctl(&sb)
            .env("LEADCTL_CONFIG", &config)
            .args([
                "-v",
                "purchases",
                "create",
                "--lead",
                &lead,
                "--amount",
                "99",
            ])
            .args(["--date", date])
            .args(extra)
            .run()
    };
    let sent = |out: &crate::support::Outcome| {
        out.code(0);
        let bodies = logged_bodies(&out.stderr);
        assert_eq!(bodies.len(), 1, "{}", out.stderr);
        bodies[0].clone()
    };
    let body = |date: &str| json!({"action": "create_purchase", "lead_id": lead, "purchase_amount": 99, "date": date});
    // The profile's zone and order.
    assert_eq!(
        sent(&create("03/04/2024", &[])),
        body("2024-04-03T00:00:00+02:00")
    );
    // The flags beat them; RFC 3339 is sent as written.
    assert_eq!(
        sent(&create(
            "03/04/2024 9:30",
            &["--date-order", "mdy", "--timezone", "UTC"]
        )),
        body("2024-03-04T09:30:00Z")
    );
    assert_eq!(
        sent(&create("2026-11-01T09:30:00+01:00", &[])),
        body("2026-11-01T09:30:00+01:00")
    );
    // Without a profile the ambiguous date is refused, as in a file; nothing is sent.
    let out = leadctl(&sb)
        .args([
            "purchases",
            "create",
            "--lead",
            &lead,
            "--date",
            "03/04/2024",
        ])
        .run();
    out.code(2).stderr_has(
        "leadctl: error: --date \"03/04/2024\" could be 2024-04-03 (day first) or 2024-03-04 \
         (month first): say which with --date-order dmy or --date-order mdy\n",
    );
    leadctl(&sb)
        .args(["purchases", "create", "--lead", &lead, "--date", "soon"])
        .run()
        .code(2)
        .stderr_has("leadctl: error: --date \"soon\" is not a date: write 2024-06-01");
    assert_eq!(crate::support::sandbox::stored_purchases(&sb).len(), 3);
}
