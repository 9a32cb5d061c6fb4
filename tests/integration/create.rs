//! `leadctl create` against the scripted server: exact bodies and headers, input from flags and
//! JSON, output, and the key never leaking. Refusals, exit codes and retries: `create_errors`.

use serde_json::{json, Value};

use crate::support::api::{channels_response, create_ok, lead_response, lead_server, DEAL_SIZE};
use crate::support::request::Request;
use crate::support::sandbox::{run, sandbox, NO_LEAD};
use crate::support::server::{Reply, ScriptedServer};
use crate::support::{Leadctl, CHANNEL, KEY};
use leadctl::sandbox::{PRIMARY_CHANNEL_ID, PUBLIC_CHANNEL_ID};

fn assert_create_request(req: &Request) {
    assert_eq!(req.method, "POST");
    assert_eq!(req.path, "/functions/v1/keen-api");
    assert_eq!(req.header("content-type"), Some("application/json"));
    assert_eq!(req.header("x-api-key"), Some(KEY));
    let ua = req.header("user-agent").unwrap_or_default();
    assert_eq!(ua, concat!("leadctl/", env!("CARGO_PKG_VERSION")));
}

#[test]
fn the_documentation_example_round_trips() {
    // The channels first: the property's value is checked by its type, as import checks it.
    let server = ScriptedServer::sequence_importing(vec![
        Reply::json(200, channels_response()),
        create_ok(),
    ]);
    let out = Leadctl::against(&server.url())
        .args([
            "create",
            "--channel",
            CHANNEL,
            "--email",
            "jane@example.com",
            "--first-name",
            "Jane",
            "--last-name",
            "Smith",
            "--phone",
            "+1-555-0199",
            "--company",
            "Smith Consulting",
            "--source",
            "Website",
            "--notes",
            "Interested in enterprise plan",
            "--property",
            "11111111-2222-3333-4444-555555555555=50000",
            "-o",
            "json",
        ])
        .run();
    out.code(0);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2, "get_channels, then one create");
    assert_eq!(reqs[0].action(), "get_channels");
    assert_create_request(&reqs[1]);
    assert_eq!(
        reqs[1].json(),
        json!({
            "action": "create_lead",
            "channel_id": "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
            "email": "jane@example.com",
            "first_name": "Jane",
            "last_name": "Smith",
            "phone": "+1-555-0199",
            "company_name": "Smith Consulting",
            "source": "Website",
            "notes": "Interested in enterprise plan",
            "properties": [
                {"property_definitions_id": "11111111-2222-3333-4444-555555555555", "value": "50000"}
            ]
        })
    );
    assert_eq!(out.json(), lead_response("jane@example.com")["lead"]);
}

#[test]
fn table_output_for_one_lead_shows_properties_by_name() {
    let server = ScriptedServer::sequence_importing(vec![create_ok()]);
    let out = Leadctl::against(&server.url())
        .args([
            "create",
            "--channel",
            CHANNEL,
            "--email",
            "jane@example.com",
        ])
        .run();
    out.code(0)
        .stdout_has("ID:")
        .stdout_has("9b2f6c1e-3d4a-4b5c-8d7e-1f2a3b4c5d6e")
        .stdout_has("Status:")
        .stdout_has("New lead")
        .stdout_has("Deal size:")
        .stdout_has("50000");
    assert!(out.stderr.is_empty(), "nothing on stderr: {}", out.stderr);
}

#[test]
fn id_output_and_channel_from_the_environment() {
    let server = ScriptedServer::sequence_importing(vec![create_ok()]);
    let out = Leadctl::against(&server.url())
        .env("LEADCTL_CHANNEL", CHANNEL)
        .args(["create", "--email", "jane@example.com", "-o", "id"])
        .run();
    out.code(0);
    assert_eq!(out.stdout, "9b2f6c1e-3d4a-4b5c-8d7e-1f2a3b4c5d6e\n");
    assert_eq!(server.requests()[0].json()["channel_id"], CHANNEL);
}

#[test]
fn empty_flags_are_not_sent() {
    let server = ScriptedServer::sequence_importing(vec![create_ok()]);
    Leadctl::against(&server.url())
        .args([
            "create",
            "--channel",
            CHANNEL,
            "--email",
            "a@example.com",
            "--notes",
            "",
            "--phone",
            " ",
        ])
        .run()
        .code(0);
    assert_eq!(
        server.requests()[0].json(),
        json!({"action": "create_lead", "channel_id": CHANNEL, "email": "a@example.com"})
    );
}

#[test]
fn property_names_are_resolved_with_one_get_channels() {
    let server = lead_server();
    Leadctl::against(&server.url())
        .args([
            "create",
            "--channel",
            CHANNEL,
            "--email",
            "a@example.com",
            "--property",
            "deal size=75000",
            "--property",
            "Region=EMEA",
        ])
        .run()
        .code(0);
    let reqs = server.requests();
    assert_eq!(
        reqs.iter().map(|r| r.action()).collect::<Vec<_>>(),
        ["get_channels", "create_lead"]
    );
    assert_eq!(
        reqs[1].json()["properties"],
        json!([
            {"property_definitions_id": DEAL_SIZE, "value": "75000"},
            {"property_definitions_id": "21111111-2222-3333-4444-555555555555", "value": "EMEA"}
        ])
    );
}

#[test]
fn an_unknown_property_name_exits_6_listing_the_names() {
    let server = lead_server();
    let out = Leadctl::against(&server.url())
        .args([
            "create",
            "--channel",
            CHANNEL,
            "--email",
            "a@example.com",
            "--property",
            "Budget=1",
        ])
        .run();
    out.code(6)
        .stderr_has("unknown property \"Budget\" on channel Acme Referral Program")
        .stderr_has("\"Deal size\", \"Region\"");
    assert_eq!(server.requests().len(), 1, "only get_channels, no create");
}

#[test]
fn dry_run_prints_the_body_and_sends_nothing() {
    let server = ScriptedServer::sequence_importing(vec![create_ok()]);
    let out = Leadctl::against(&server.url())
        .args([
            "create",
            "--dry-run",
            "--channel",
            CHANNEL,
            "--email",
            "a@example.com",
            "--business-id",
            "CRM-1",
        ])
        .run();
    out.code(0);
    assert_eq!(
        out.json(),
        json!({"action": "create_lead", "channel_id": CHANNEL, "email": "a@example.com", "business_id": "CRM-1"})
    );
    assert!(server.requests().is_empty());
}

#[test]
fn json_array_creates_each_lead_in_order() {
    let server = lead_server();
    let cli = Leadctl::against(&server.url());
    let file = cli.file(
        "leads.json",
        &format!(r#"[{{"channel_id": "{CHANNEL}", "email": "a@example.com"}}, {{"email": "b@example.com", "properties": [{{"property_definitions_id": "{DEAL_SIZE}", "value": 10}}]}}]"#),
    );
    let out = cli
        .env("LEADCTL_CHANNEL", CHANNEL)
        .args(["create", "--json", file.to_str().unwrap(), "-o", "json"])
        .run();
    out.code(0);
    let reqs: Vec<Request> = server
        .requests()
        .into_iter()
        .filter(|r| r.action() == "create_lead")
        .collect();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].json()["email"], "a@example.com");
    assert_eq!(reqs[1].json()["email"], "b@example.com");
    assert_eq!(reqs[1].json()["channel_id"], CHANNEL);
    assert_eq!(
        reqs[1].json()["properties"][0]["value"],
        10,
        "JSON values are sent as given"
    );
    assert_eq!(out.json().as_array().map(Vec::len), Some(2));
}

#[test]
fn ndjson_from_stdin_and_flags_override_a_single_object() {
    let server = lead_server();
    Leadctl::against(&server.url())
        .args(["create", "--json", "-", "--email", "override@example.com", "-o", "ndjson"])
        .stdin(format!("{{\"channel_id\": \"{CHANNEL}\", \"email\": \"file@example.com\", \"first_name\": \"Ann\"}}\n"))
        .run()
        .code(0);
    let body = server.requests()[0].json();
    assert_eq!(body["email"], "override@example.com");
    assert_eq!(body["first_name"], "Ann");

    let server = lead_server();
    let out = Leadctl::against(&server.url())
        .args(["create", "--json", "-", "-o", "id"])
        .stdin(format!("{{\"channel_id\": \"{CHANNEL}\", \"email\": \"a@example.com\"}}\n{{\"channel_id\": \"{CHANNEL}\", \"email\": \"b@example.com\"}}\n"))
        .run();
    out.code(0);
    assert_eq!(out.stdout.lines().count(), 2);
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn dry_run_output_can_be_fed_back() {
    let server = lead_server();
    let dry = Leadctl::against(&server.url())
        .args([
            "create",
            "--dry-run",
            "--channel",
            CHANNEL,
            "--email",
            "a@example.com",
        ])
        .run();
    dry.code(0);
    Leadctl::against(&server.url())
        .args(["create", "--json", "-"])
        .stdin(dry.stdout.clone())
        .run()
        .code(0);
    assert_eq!(
        server.requests()[0].json(),
        serde_json::from_str::<Value>(&dry.stdout).unwrap()
    );
}

#[test]
fn bad_json_exits_6_naming_file_line_and_column() {
    let server = lead_server();
    let cli = Leadctl::against(&server.url());
    let file = cli.file(
        "bad.json",
        "{\"email\": \"a@example.com\",\n  \"emial\": \"typo\"}\n",
    );
    let out = cli
        .args([
            "create",
            "--json",
            file.to_str().unwrap(),
            "--channel",
            CHANNEL,
        ])
        .run();
    out.code(6)
        .stderr_has("bad.json: line 2, column 9: unknown field `emial`");
    let cli = Leadctl::against(&server.url());
    let file = cli.file("broken.json", "[{\"email\": \"a@example.com\"}");
    cli.args([
        "create",
        "--json",
        file.to_str().unwrap(),
        "--channel",
        CHANNEL,
    ])
    .run()
    .code(6)
    .stderr_has("broken.json: line 1, column 27: EOF while parsing a list");
    Leadctl::against(&server.url())
        .args(["create", "--json", "/nonexistent/leads.json"])
        .run()
        .code(6)
        .stderr_has("cannot read /nonexistent/leads.json");
    assert!(server.requests().is_empty());
}

#[test]
fn field_flags_with_several_json_leads_are_a_usage_error() {
    let server = lead_server();
    Leadctl::against(&server.url())
        .args(["create", "--json", "-", "--email", "x@example.com"])
        .stdin("[{\"email\": \"a@example.com\"}, {\"email\": \"b@example.com\"}]")
        .run()
        .code(2)
        .stderr_has(
            "field flags and --property apply to a single lead, but the JSON holds 2 leads",
        );
    assert!(server.requests().is_empty());
}

#[test]
fn a_channel_that_is_neither_an_id_nor_a_title_is_refused_before_any_create() {
    let server = lead_server();
    Leadctl::against(&server.url())
        .args([
            "create",
            "--channel",
            "not-a-uuid",
            "--email",
            "a@example.com",
        ])
        .run()
        .code(6)
        .stderr_has(
            "leadctl: error: the command line: no channel with the id or title \"not-a-uuid\" \
             among the 1 channel this key can access",
        );
    let actions: Vec<String> = server.requests().iter().map(|r| r.action()).collect();
    assert_eq!(
        actions,
        ["get_channels"],
        "titles are looked up; nothing is created"
    );
    // A title in a JSON lead is looked up too, which needs the key even with --public.
    let out = Leadctl::new()
        .args(["create", "--public", "--dry-run", "--json", "-"])
        .stdin(r#"{"channel_id": "not-a-uuid", "email": "a@example.com"}"#)
        .run();
    out.code(3).stderr_has(
        "leadctl: error: resolving a channel title or property names needs an API key \
         (get_channels)\n  hint: use the channel's and the property definitions' UUIDs with \
         --public, or provide a key\n",
    );
}

#[test]
fn public_sends_lead_external_without_the_key() {
    let server = ScriptedServer::sequence_importing(vec![create_ok()]);
    Leadctl::against(&server.url())
        .args([
            "create",
            "--public",
            "--channel",
            CHANNEL,
            "--email",
            "visitor@example.com",
        ])
        .run()
        .code(0);
    let req = &server.requests()[0];
    assert_eq!(req.action(), "lead_external");
    assert_eq!(
        req.header("x-api-key"),
        None,
        "lead_external must not carry the key"
    );
    // No key is needed at all for --public.
    let server = ScriptedServer::sequence_importing(vec![create_ok()]);
    Leadctl::new()
        .env("LEADCTL_API_URL", server.url())
        .args([
            "create",
            "--public",
            "--channel",
            CHANNEL,
            "--email",
            "visitor@example.com",
        ])
        .run()
        .code(0);
}

#[test]
fn the_key_never_appears_in_any_output_even_at_vv() {
    let server = lead_server();
    let out = Leadctl::against(&server.url())
        .args([
            "-v",
            "-v",
            "create",
            "--channel",
            CHANNEL,
            "--email",
            "a@example.com",
            "--property",
            "Deal size=1",
        ])
        .run();
    out.code(0)
        .stderr_has("> POST")
        .stderr_has("X-Api-Key: (redacted)")
        .stderr_has("< 200 OK")
        .stderr_has("\"action\":\"create_lead\"");
    assert!(
        !out.stderr.contains(KEY) && !out.stdout.contains(KEY),
        "the key leaked"
    );

    let server = ScriptedServer::sequence_importing(vec![Reply::error(401, "Invalid API key")]);
    let out = Leadctl::against(&server.url())
        .args([
            "-vv",
            "create",
            "--channel",
            CHANNEL,
            "--email",
            "a@example.com",
        ])
        .run();
    out.code(4);
    assert!(
        !out.stderr.contains(KEY) && !out.stdout.contains(KEY),
        "the key leaked in an error"
    );
}

#[test]
fn quiet_hides_the_retry_notices_but_not_errors() {
    let server = ScriptedServer::sequence_importing(vec![
        Reply::error(429, "Rate limit exceeded").header("Retry-After", "0"),
        Reply::error(403, "Channel not accessible"),
    ]);
    let out = Leadctl::against(&server.url())
        .args([
            "-q",
            "create",
            "--channel",
            CHANNEL,
            "--email",
            "a@example.com",
        ])
        .run();
    out.code(5).stderr_has("Channel not accessible");
    assert!(!out.stderr.contains("retrying"), "{}", out.stderr);
}

#[test]
fn the_channel_flag_overrides_a_single_objects_channel_id() {
    let server = lead_server();
    let other = "b2c3d4e5-f6a7-4890-8bcd-ef1234567891";
    let out = Leadctl::against(&server.url())
        .args([
            "create",
            "--json",
            "-",
            "--channel",
            CHANNEL,
            "--dry-run",
            "-o",
            "ndjson",
        ])
        .stdin(format!(
            "{{\"channel_id\": \"{other}\", \"email\": \"a@example.com\"}}"
        ))
        .run();
    out.code(0);
    assert_eq!(out.json()["channel_id"], CHANNEL);
}

#[test]
fn nul_characters_are_refused_before_sending() {
    let server = lead_server();
    // (A command-line argument cannot hold NUL; JSON can.)
    Leadctl::against(&server.url())
        .args(["create", "--channel", CHANNEL, "--json", "-"])
        .stdin(format!(
            "{{\"email\": \"a@example.com\", \"properties\": [{{\"property_definitions_id\": \"{DEAL_SIZE}\", \"value\": \"a\\u0000b\"}}]}}"
        ))
        .run()
        .code(6)
        .stderr_has(&format!(
            "stdin, object 1 (line 1): property \"{DEAL_SIZE}\" holds a NUL character (U+0000), \
             which the API cannot store; remove it"
        ));
    assert!(server.requests().is_empty());
}

#[test]
fn streamed_ids_are_printed_as_each_lead_is_created() {
    let server = ScriptedServer::importing(|req, _| {
        if req.json()["email"] == "bad@example.com" {
            Reply::error(400, "channel_id required")
        } else {
            Reply::json(200, lead_response("ok@example.com"))
        }
    });
    let out = Leadctl::against(&server.url())
        .env("LEADCTL_CHANNEL", CHANNEL)
        .args(["-q", "create", "--json", "-", "-o", "id"])
        .stdin("{\"email\": \"ok@example.com\"}\n{\"email\": \"bad@example.com\"}\n")
        .run();
    // -q still shows which lead failed: the summary points at it.
    out.code(8).stderr_has("not created: lead 2 of 2");
    assert_eq!(out.stdout.lines().count(), 1);
}

// ---- lead_external through `create --public`, against the sandbox --------------------------

#[test]
fn create_public_reports_public_api_disabled_and_unknown_channel() {
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
        .stderr_has("permission refused (403): Public API not enabled for this channel\n");
    let o = run(
        &sb,
        &[
            "create",
            "--public",
            "--channel",
            NO_LEAD,
            "--email",
            "v@example.com",
        ],
    );
    o.code(6)
        .stderr_has("the server rejected the request (404): Channel not found\n");
    assert_eq!(sb.stats()["leads"], 1, "only the seeded lead");
    // And the public channel takes it, without the key.
    let o = Leadctl::new()
        .env("LEADCTL_API_URL", sb.url())
        .args([
            "create",
            "--public",
            "--channel",
            PUBLIC_CHANNEL_ID,
            "--email",
            "v@example.com",
            "-o",
            "id",
        ])
        .run();
    o.code(0);
    assert_eq!(sb.stats()["leads_by_channel"][PUBLIC_CHANNEL_ID], 1);
}
