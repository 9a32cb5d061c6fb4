//! `leadctl api ACTION`: each missing field reported as the server's 400, fields from `--input`,
//! `-f` and `-F` with their precedence and local checks, unknown actions, every output format.

use leadctl::sandbox::{API_KEY, PRIMARY_CHANNEL_ID, PUBLIC_CHANNEL_ID};
use serde_json::{json, Value};

use crate::support::sandbox::{
    api_requests, create, fails, lines, logged_bodies, run, sandbox, stored_purchases, NO_LEAD,
};
use crate::support::Leadctl;

#[test]
fn api_reports_each_missing_field_as_400() {
    let sb = sandbox();
    let cases: &[(&[&str], &str)] = &[
        (&["api", "get_leads"], "channel_id required"),
        (&["api", "create_lead"], "channel_id required"),
        (&["api", "lead_external"], "channel_id required"),
        (&["api", "get_lead_by_id"], "lead_id required"),
        (&["api", "create_purchase"], "lead_id required"),
        (&["api", "update_lead"], "lead_id required"),
        (&["api", "get_lead_by_legacy_id"], "legacy_id required"),
        (
            &["api", "get_lead_by_legacy_id", "-f", "legacy_id=abc"],
            "legacy_id required",
        ),
        (
            &["api", "update_status", "-f", "status=Won"],
            "lead_id and status required",
        ),
        (
            &["api", "update_status", "-f", &*format!("lead_id={NO_LEAD}")],
            "lead_id and status required",
        ),
        (
            &[
                "api",
                "update_status_id",
                "-f",
                &*format!("lead_id={NO_LEAD}"),
            ],
            "lead_id and status_id required",
        ),
    ];
    for (args, message) in cases {
        let o = run(&sb, args);
        fails(
            &o,
            6,
            &format!(
                "leadctl: error: calling {}: the server rejected the request (400): {message}\n",
                args[1]
            ),
        );
    }
}

#[test]
fn api_sends_fields_input_and_json_values_and_checks_them_locally() {
    let sb = sandbox();
    let id = create(&sb, "api@example.com");
    // --input, then -f, then -F: -F wins, and the body holds JSON types.
    let o = Leadctl::new()
        .env("LEADCTL_API_URL", sb.url())
        .env("LEADCTL_API_KEY", API_KEY)
        .args([
            "-v",
            "api",
            "create_purchase",
            "--input",
            "-",
            "-f",
            "product_name=Pro",
            "-F",
            "purchase_amount=19.99",
            "-o",
            "id",
        ])
        .stdin(format!(
            r#"{{"lead_id": "{id}", "action": "ignored", "purchase_amount": "1"}}"#
        ))
        .run();
    o.code(0);
    assert_eq!(
        logged_bodies(&o.stderr),
        [
            json!({"action": "create_purchase", "lead_id": id, "purchase_amount": 19.99,
                "product_name": "Pro"})
        ]
    );
    let purchases = stored_purchases(&sb);
    assert_eq!(
        o.stdout,
        format!("{}\n", purchases[0]["id"].as_str().unwrap())
    );

    // Local checks: nothing is sent.
    let before = api_requests(&sb);
    let o = run(
        &sb,
        &["api", "get_lead_by_legacy_id", "-F", "legacy_id=abc"],
    );
    fails(
        &o,
        6,
        "leadctl: error: -F legacy_id=abc: the value is not JSON (expected value at line 1 column 1)\n  \
         hint: quote strings as JSON (-F 'name=\"x\"') or use -f for a plain string\n",
    );
    let o = run(&sb, &["api", "get lead"]);
    fails(
        &o,
        2,
        "leadctl: error: \"get lead\" is not an action name (letters, digits and _ only)\n",
    );
    let o = Leadctl::new()
        .env("LEADCTL_API_URL", sb.url())
        .env("LEADCTL_API_KEY", API_KEY)
        .args(["api", "get_lead_by_id", "--input", "-"])
        .stdin("[1]")
        .run();
    fails(
        &o,
        6,
        "leadctl: error: stdin: --input must hold a JSON object\n",
    );
    assert_eq!(api_requests(&sb), before);

    // An action leadctl does not know is sent, with a warning.
    let o = run(&sb, &["api", "delete_everything"]);
    fails(
        &o,
        6,
        "leadctl: warning: \"delete_everything\" is not an action leadctl knows (get_channels, \
         get_leads, get_lead_by_id, get_lead_by_legacy_id, create_lead, update_lead, \
         update_status, update_status_id, create_purchase, lead_external); sending it as given\n\
         leadctl: error: calling delete_everything: the server rejected the request (400): \
         Unknown action: delete_everything\n",
    );
}

#[test]
fn api_in_every_format() {
    let sb = sandbox();
    let id = create(&sb, "raw@example.com");
    let field = format!("channel_id={PRIMARY_CHANNEL_ID}");
    let o = run(&sb, &["api", "get_leads", "-f", &field]);
    o.code(0);
    let table = o.json();
    let o = run(&sb, &["api", "get_leads", "-f", &field, "-o", "json"]);
    o.code(0);
    assert_eq!(o.json(), table);
    assert_eq!(table[0]["id"], id.as_str());
    let o = run(&sb, &["api", "get_channels", "-o", "ndjson"]);
    o.code(0);
    let titles: Vec<String> = o
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["title"].to_string())
        .collect();
    assert_eq!(titles, ["\"Acme Referral Program\"", "\"Website Signups\""]);
    let o = run(&sb, &["api", "get_channels", "-o", "id"]);
    o.code(0);
    assert_eq!(
        o.stdout,
        format!("{PRIMARY_CHANNEL_ID}\n{PUBLIC_CHANNEL_ID}\n")
    );
    let o = run(
        &sb,
        &[
            "api",
            "get_lead_by_id",
            "-f",
            &format!("lead_id={id}"),
            "-o",
            "csv",
        ],
    );
    o.code(0);
    assert_eq!(
        lines(&o.stdout)[0],
        "id,created_at,email,first_name,last_name,phone,company_name,source,notes,business_id,\
         referring_employee,status,lead_status_id,lead_status,channels_id,property_values"
    );
    assert!(lines(&o.stdout)[1].starts_with(&format!("{id},")));
    assert!(lines(&o.stdout)[1].ends_with(&format!(",{PRIMARY_CHANNEL_ID},[]")));
    let o = run(
        &sb,
        &[
            "api",
            "get_lead_by_id",
            "-f",
            &format!("lead_id={id}"),
            "-o",
            "id",
        ],
    );
    o.code(0);
    assert_eq!(o.stdout, format!("{id}\n"));
}
