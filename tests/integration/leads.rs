//! `leadctl leads list` and `leads get`: the 100-lead cap notice, every output format, and answers
//! in the documentation's inconsistent shapes (scripted server) read leniently.

use leadctl::sandbox::PRIMARY_CHANNEL_ID;
use serde_json::{json, Value};

use crate::support::sandbox::{create, lines, run, sandbox, LEAD_CSV_HEADER};
use crate::support::server::{Reply, ScriptedServer};
use crate::support::{raw_http, Leadctl};
use leadctl::sandbox::API_KEY;

#[test]
fn leads_list_says_when_the_api_returned_its_100_lead_cap() {
    let sb = sandbox();
    let mut conn = raw_http::Conn::connect(sb.addr()).expect("connect");
    for i in 0..99 {
        let r = conn
            .post_json(
                Some(API_KEY),
                &json!({"action": "create_lead", "channel_id": PRIMARY_CHANNEL_ID,
                        "email": format!("bulk{i}@example.com")}),
            )
            .expect("answer");
        assert_eq!(r.status, 200);
    }
    let o = run(
        &sb,
        &["leads", "list", "--channel", PRIMARY_CHANNEL_ID, "-o", "id"],
    );
    o.code(0);
    assert_eq!(o.stdout.lines().count(), 99);
    assert_eq!(o.stderr, "", "no notice below the cap");

    create(&sb, "bulk99@example.com");
    create(&sb, "bulk100@example.com");
    let o = run(
        &sb,
        &["leads", "list", "--channel", PRIMARY_CHANNEL_ID, "-o", "id"],
    );
    o.code(0);
    assert_eq!(o.stdout.lines().count(), 100);
    assert_eq!(
        o.stderr,
        "leadctl: showing the newest 100 leads: the API returns at most the newest 100 of a \
         channel, and older ones cannot be listed\n"
    );
    // -q silences the notice, not the data.
    let o = run(
        &sb,
        &[
            "-q",
            "leads",
            "list",
            "--channel",
            PRIMARY_CHANNEL_ID,
            "-o",
            "id",
        ],
    );
    o.code(0);
    assert_eq!((o.stdout.lines().count(), o.stderr.as_str()), (100, ""));
}

#[test]
fn leads_list_and_get_in_every_format() {
    let sb = sandbox();
    let first = create(&sb, "first@example.com");
    let o = run(
        &sb,
        &[
            "create",
            "--channel",
            PRIMARY_CHANNEL_ID,
            "--email",
            "second@example.com",
            "--company",
            "Initech, Inc.",
            "--property",
            "Region=EMEA",
            "-o",
            "id",
        ],
    );
    o.code(0);
    let second = o.stdout.trim().to_string();
    let list = |format: &str| {
        let o = run(
            &sb,
            &[
                "leads",
                "list",
                "--channel",
                PRIMARY_CHANNEL_ID,
                "-o",
                format,
            ],
        );
        o.code(0);
        assert_eq!(o.stderr, "");
        o
    };

    let o = list("json");
    let leads = o.json();
    let leads = leads.as_array().expect("an array");
    assert_eq!(leads.len(), 2);
    assert_eq!(leads[0]["id"], second.as_str(), "newest first");
    assert_eq!(leads[0]["Region"], "EMEA", "flat: properties by name");
    assert!(leads[0].get("property_values").is_none());
    assert_eq!(leads[1]["id"], first.as_str());

    let o = list("ndjson");
    let docs: Vec<Value> = o
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(docs, *leads);

    let o = list("csv");
    let rows = lines(&o.stdout);
    assert_eq!(rows[0], format!("{LEAD_CSV_HEADER},Region"));
    assert_eq!(rows.len(), 3);
    let created = leads[0]["created_at"].as_str().unwrap();
    assert_eq!(
        rows[1],
        format!(
            "{second},{created},New lead,second@example.com,,,,\"Initech, Inc.\",,,,,{PRIMARY_CHANNEL_ID},EMEA"
        )
    );

    let o = list("id");
    assert_eq!(o.stdout, format!("{second}\n{first}\n"));

    // get: one object in each format.
    let get = |format: &str| {
        let o = run(&sb, &["leads", "get", &second, "-o", format]);
        o.code(0);
        o
    };
    let lead = get("json").json();
    assert_eq!(lead["id"], second.as_str());
    assert_eq!(lead["lead_status"]["status"], "New lead");
    assert_eq!(
        lead["property_values"][0]["property_definitions"]["name"],
        "Region"
    );
    assert_eq!(get("ndjson").stdout, format!("{lead}\n"));
    let csv = get("csv").stdout;
    assert_eq!(lines(&csv)[0], format!("{LEAD_CSV_HEADER},Region"));
    assert_eq!(lines(&csv).len(), 2);
    assert_eq!(get("id").stdout, format!("{second}\n"));
    let table = get("table").stdout;
    assert_eq!(
        table,
        format!(
            "ID:        {second}\nStatus:    New lead\nStatus ID: \
             e0000001-0000-4000-8000-000000000001\nEmail:     second@example.com\n\
             Company:   Initech, Inc.\nChannel:   {PRIMARY_CHANNEL_ID}\n\
             Legacy ID: not in get_lead_by_id's answer (only `leads get --legacy-id N` has it)\n\
             Created:   {created}\nRegion:    EMEA\n"
        )
    );
    // The legacy lookup shows the legacy id.
    let o = run(&sb, &["leads", "get", "--legacy-id", "100002"]);
    o.code(0);
    o.stdout_has("Legacy ID: 100002\n");
}

#[test]
fn answers_in_the_documented_inconsistent_shapes_are_read() {
    const LEAD: &str = "d1111111-0000-4000-8000-000000000001";
    let server = ScriptedServer::start(|req, _| match req.action().as_str() {
        // Older-page spelling `employee`, a legacy id, a field nobody documented yet.
        "get_lead_by_id" => Reply::json(
            200,
            json!({"lead": {"id": LEAD, "email": "old@example.com", "employee": "Ann",
                            "legacy_id": 42, "status": "Won", "brand_new": {"x": 1},
                            "channels_id": PRIMARY_CHANNEL_ID}}),
        ),
        // Flat leads: arbitrary property keys, `referring_employee`, a new field.
        "get_leads" => Reply::json(
            200,
            json!([{"id": LEAD, "email": "old@example.com", "referring_employee": "Ann",
                    "status": "Won", "Région 🌍": "EMEA", "Deal size": 5000, "score": null}]),
        ),
        // No partner_companies_id (optional), an unknown field.
        _ => Reply::json(
            200,
            json!({"channels": [{"id": PRIMARY_CHANNEL_ID, "title": "Acme", "currency": "USD",
                                 "no_auth_api": false, "property_definitions": [],
                                 "lead_status": [], "webhook_secret_hint": "new"}]}),
        ),
    });
    let o = Leadctl::against(&server.url())
        .args(["leads", "get", LEAD])
        .run();
    o.code(0);
    assert_eq!(
        o.stdout,
        format!(
            "ID:        {LEAD}\nStatus:    Won\nEmail:     old@example.com\nEmployee:  Ann\n\
             Channel:   {PRIMARY_CHANNEL_ID}\nLegacy ID: 42\n"
        )
    );
    let o = Leadctl::against(&server.url())
        .args(["leads", "get", LEAD, "-o", "json"])
        .run();
    o.code(0);
    assert_eq!(o.json()["brand_new"], json!({"x": 1}));

    let o = Leadctl::against(&server.url())
        .args([
            "leads",
            "list",
            "--channel",
            PRIMARY_CHANNEL_ID,
            "-o",
            "csv",
        ])
        .run();
    o.code(0);
    assert_eq!(
        o.stdout,
        format!(
            "id,created_at,status,email,first_name,last_name,phone,company_name,source,employee,\
             notes,business_id,channels_id,Région 🌍,Deal size,score\n\
             {LEAD},,Won,old@example.com,,,,,,Ann,,,{PRIMARY_CHANNEL_ID},EMEA,5000,\n"
        )
    );
    let o = Leadctl::against(&server.url())
        .args(["channels", "-o", "json"])
        .run();
    o.code(0);
    assert_eq!(o.json()[0]["webhook_secret_hint"], "new");
    let o = Leadctl::against(&server.url())
        .args(["channels", "show", "acme"])
        .run();
    o.code(0);
    assert!(!o.stdout.contains("Partner company"), "{}", o.stdout);
}
