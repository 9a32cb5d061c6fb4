//! Issue 20, what a new user tripped over: `leads status` shows what changed and the whole lead,
//! tables fit the terminal (and a pipe gets them whole), property columns follow the channel's
//! `order`, and the hints say what is really wrong.

use leadctl::sandbox::{API_KEY, PRIMARY_CHANNEL_ID};
use serde_json::json;

use crate::support::sandbox::{api_requests, create, run, sandbox, stored_purchases};
use crate::support::server::{Reply, ScriptedServer};
use crate::support::{Leadctl, Outcome};

/// A lead with a company, an employee and two properties, created with leadctl.
fn full_lead(sb: &leadctl::sandbox::Sandbox) -> String {
    let o = run(
        sb,
        &[
            "create",
            "--channel",
            PRIMARY_CHANNEL_ID,
            "--email",
            "jane.doe.with.a.rather.long.address@example-company-domain.com",
            "--first-name",
            "Jane",
            "--company",
            "Initech Incorporated Worldwide",
            "--employee",
            "Bob",
            "--property",
            "Region=EMEA",
            "--property",
            "Deal size=50000",
            "-o",
            "id",
        ],
    );
    o.code(0);
    o.stdout.trim().to_string()
}

#[test]
fn leads_status_shows_the_change_and_the_whole_lead() {
    let sb = sandbox();
    let id = full_lead(&sb);
    let o = run(&sb, &["leads", "status", &id, "Qualified"]);
    o.code(0);
    assert!(
        o.stdout
            .starts_with("status: New lead \u{2192} Qualified\n\nID:"),
        "{}",
        o.stdout
    );
    for line in [
        "Status:     Qualified\n",
        "Company:    Initech Incorporated Worldwide\n",
        "Employee:   Bob\n",
        "Deal size:  50000\n",
        "Region:     EMEA\n",
    ] {
        o.stdout_has(line);
    }
    // By status id too, with the status's name.
    let o = run(
        &sb,
        &["leads", "status", &id, crate::support::sandbox::PROPOSAL_ID],
    );
    o.code(0);
    assert!(
        o.stdout
            .starts_with("status: Qualified \u{2192} Proposal sent\n"),
        "{}",
        o.stdout
    );
    o.stdout_has("Company:");

    // -o json is the API's answer and nothing else: one request, the partial lead.
    let before = api_requests(&sb);
    let o = run(&sb, &["leads", "status", &id, "Won", "-o", "json"]);
    o.code(0);
    assert_eq!(api_requests(&sb) - before, 1, "only update_status");
    let answer = o.json();
    let keys: Vec<&String> = answer.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "id",
            "created_at",
            "email",
            "first_name",
            "last_name",
            "status",
            "lead_status_id",
            "channels_id"
        ]
    );
}

/// `leadctl ARGS` on a pseudo-terminal `columns` wide (`script`, with COLUMNS set): stdout and
/// stderr together, as the terminal shows them. `None` where `script` is missing.
fn on_terminal(sb: &leadctl::sandbox::Sandbox, columns: u16, args: &[&str]) -> Option<Outcome> {
    let has_script = std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_script {
        crate::support::skipped(
            &format!("leadctl {}", args.join(" ")),
            "no `script` to run leadctl on a pseudo-terminal",
        );
        return None;
    }
    let mut o = Leadctl::new()
        .env("LEADCTL_API_URL", sb.url())
        .env("LEADCTL_API_KEY", API_KEY)
        .env("COLUMNS", columns.to_string())
        .args(args)
        .wrapped(&[
            "bash",
            "-c",
            r#"exec script -qefc "$(printf '%q ' "$0" "$@")" /dev/null"#,
        ])
        .run();
    o.stdout = o.stdout.replace("\r\n", "\n");
    Some(o)
}

const CUT_NOTE: &str =
    "leadctl: the table was cut to fit the terminal; `-o json` or `-o csv` shows every field whole";

#[test]
fn tables_fit_the_terminal_and_pipes_get_them_whole() {
    let sb = sandbox();
    let id = full_lead(&sb);
    create(&sb, "second@example.com");
    let list = ["leads", "list", "--channel", PRIMARY_CHANNEL_ID];

    // Piped: whole, whatever COLUMNS says, and no note.
    let o = Leadctl::new()
        .env("LEADCTL_API_URL", sb.url())
        .env("LEADCTL_API_KEY", API_KEY)
        .env("COLUMNS", "40")
        .args(list)
        .run();
    o.code(0);
    assert!(!o.stdout.contains('…'), "{}", o.stdout);
    o.stdout_has("jane.doe.with.a.rather.long.address@example-company-domain.com");
    o.stdout_has("DEAL SIZE  REGION");
    assert_eq!(o.stderr, "");

    let Some(o) = on_terminal(&sb, 80, &list) else {
        return;
    };
    o.code(0);
    let table: Vec<&str> = o.stdout.lines().filter(|l| *l != CUT_NOTE).collect();
    assert_eq!(table.len(), 3, "{}", o.stdout);
    for line in &table {
        assert!(line.chars().count() <= 80, "wider than 80: {line:?}");
    }
    // The id is never cut; long cells are, with an ellipsis; the properties went first.
    assert!(o.stdout.contains(&id), "{}", o.stdout);
    assert!(table[0].starts_with("ID "), "{}", table[0]);
    assert!(o.stdout.contains('…'), "{}", o.stdout);
    assert!(!o.stdout.contains("REGION"), "{}", o.stdout);
    assert!(o.stdout.contains(CUT_NOTE), "{}", o.stdout);

    // Wide enough: the same as piped, and no note.
    let o = on_terminal(&sb, 250, &list).unwrap();
    o.code(0);
    assert!(!o.stdout.contains('…') && !o.stdout.contains(CUT_NOTE));
    assert!(o.stdout.contains("DEAL SIZE  REGION"), "{}", o.stdout);

    // One lead: the labels stay whole, the long values are cut.
    let o = on_terminal(&sb, 50, &["leads", "get", &id]).unwrap();
    o.code(0);
    assert!(o.stdout.contains("Email:      jane.doe"), "{}", o.stdout);
    assert!(o.stdout.contains('…') && o.stdout.contains(CUT_NOTE));
    for line in o.stdout.lines().filter(|l| *l != CUT_NOTE) {
        assert!(line.chars().count() <= 50, "wider than 50: {line:?}");
    }
}

#[test]
fn property_columns_follow_the_channel_order() {
    const LEAD: &str = "d2222222-0000-4000-8000-000000000001";
    let server = ScriptedServer::start(|req, _| match req.action().as_str() {
        // The answers name the properties against the channel's order.
        "get_leads" => Reply::json(
            200,
            json!([{"id": LEAD, "email": "a@example.com", "Zeta": "z", "Alpha": "a"}]),
        ),
        "get_lead_by_id" => Reply::json(
            200,
            json!({"lead": {"id": LEAD, "email": "a@example.com", "channels_id": PRIMARY_CHANNEL_ID,
                "property_values": [
                    {"value": "z", "property_definitions": {"name": "Zeta"}},
                    {"value": "a", "property_definitions": {"name": "Alpha"}}]}}),
        ),
        _ => Reply::json(
            200,
            json!({"channels": [{"id": PRIMARY_CHANNEL_ID, "title": "Acme",
                "property_definitions": [
                    {"id": "f1000000-0000-4000-8000-000000000002", "name": "Zeta", "order": 2},
                    {"id": "f1000000-0000-4000-8000-000000000001", "name": "Alpha", "order": 1}],
                "lead_status": []}]}),
        ),
    });
    let list = |format: &str| {
        let o = Leadctl::against(&server.url())
            .args([
                "leads",
                "list",
                "--channel",
                PRIMARY_CHANNEL_ID,
                "-o",
                format,
            ])
            .run();
        o.code(0);
        o
    };
    list("table").stdout_has("ALPHA  ZETA");
    assert!(list("csv")
        .stdout
        .lines()
        .next()
        .unwrap()
        .ends_with(",Alpha,Zeta"));
    let o = Leadctl::against(&server.url())
        .args(["leads", "get", LEAD])
        .run();
    o.code(0).stdout_has("Alpha:     a\nZeta:      z\n");
}

#[test]
fn create_public_on_a_closed_channel_says_the_public_api_is_off() {
    let sb = sandbox();
    let o = run(
        &sb,
        &[
            "create",
            "--public",
            "--channel",
            PRIMARY_CHANNEL_ID,
            "--email",
            "v@example.com",
        ],
    );
    o.code(5)
        .stderr_has("permission refused (403): Public API not enabled for this channel\n")
        .stderr_has("hint: --public sends no API key");
    assert!(!o.stderr.contains("key's company"), "{}", o.stderr);
}

#[test]
fn leads_get_by_id_says_where_the_legacy_id_is() {
    let sb = sandbox();
    let id = create(&sb, "l@example.com");
    let o = run(&sb, &["leads", "get", &id]);
    o.code(0).stdout_has(
        "Legacy ID: not in get_lead_by_id's answer (only `leads get --legacy-id N` has it)\n",
    );
    let o = run(&sb, &["leads", "get", "--legacy-id", "100001"]);
    o.code(0).stdout_has("Legacy ID: 100001\n");
}

#[test]
fn counts_meet_their_nouns() {
    let sb = sandbox();
    let l = Leadctl::new()
        .env("LEADCTL_API_URL", sb.url())
        .env("LEADCTL_API_KEY", API_KEY)
        .env("LEADCTL_CHANNEL", PRIMARY_CHANNEL_ID);
    let file = l.file("one.csv", "email,first_name,last_name\nsolo@example.com\n");
    let o = l
        .args([
            "import",
            file.to_str().unwrap(),
            "--dry-run",
            "-o",
            "ndjson",
        ])
        .run();
    o.code(6)
        .stderr_has("has 1 field, but the header has 3")
        .stderr_has("1 of 1 row is invalid, so nothing was sent");
}

#[test]
fn purchases_with_zero_or_negative_amounts_need_allow_refunds() {
    let sb = sandbox();
    let id = create(&sb, "p@example.com");
    for (amount, what) in [
        ("0", "0 is zero"),
        ("-25.5", "-25.5 is negative"),
        ("0.00", "0.0 is zero"),
    ] {
        let o = run(
            &sb,
            &["purchases", "create", "--lead", &id, "--amount", amount],
        );
        o.code(6)
            .stderr_has(&format!("--amount {what}"))
            .stderr_has("hint: pass --allow-refunds");
        assert_eq!(o.stdout, "");
    }
    assert!(stored_purchases(&sb).is_empty(), "nothing was sent");
    let o = run(
        &sb,
        &[
            "purchases",
            "create",
            "--lead",
            &id,
            "--amount",
            "-25.5",
            "--allow-refunds",
            "-o",
            "id",
        ],
    );
    o.code(0);
    assert_eq!(stored_purchases(&sb).len(), 1);
    // A positive amount needs no flag.
    run(
        &sb,
        &["purchases", "create", "--lead", &id, "--amount", "10"],
    )
    .code(0);
}
