//! `leadctl create` against the scripted server: exact bodies and headers, every exit code, the
//! retry rules of doc/api.md, and the key never leaking.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::request::Request;
use crate::support::server::{Reply, ScriptedServer};
use crate::support::{Leadctl, CHANNEL, KEY};

const DEAL_SIZE: &str = "11111111-2222-3333-4444-555555555555";

fn lead_response(email: &str) -> Value {
    json!({"lead": {
        "id": "9b2f6c1e-3d4a-4b5c-8d7e-1f2a3b4c5d6e",
        "created_at": "2026-04-21T10:00:00Z",
        "email": email, "first_name": "Jane", "last_name": "Smith", "phone": "+1-555-0199",
        "company_name": "Smith Consulting", "source": "Website", "employee": null,
        "notes": "Interested in enterprise plan", "business_id": null,
        "status": "New lead", "lead_status_id": "d1e2f3a4-b5c6-4d7e-8f9a-0b1c2d3e4f5a",
        "channels_id": CHANNEL,
        "property_values": [{"id": "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b", "value": "50000",
            "property_definitions_id": DEAL_SIZE,
            "property_definitions": {"id": DEAL_SIZE, "name": "Deal size", "type": "number"}}]
    }})
}

fn channels_response() -> Value {
    json!({"channels": [{
        "id": CHANNEL, "title": "Acme Referral Program", "currency": "USD", "no_auth_api": false,
        "property_definitions": [
            {"id": DEAL_SIZE, "name": "Deal size", "type": "number", "order": 1, "visible": true},
            {"id": "21111111-2222-3333-4444-555555555555", "name": "Region", "type": "select", "order": 2, "visible": true}],
        "lead_status": [{"id": "d1e2f3a4-b5c6-4d7e-8f9a-0b1c2d3e4f5a", "status": "New lead", "order": 1, "visible": true, "color": "#3B82F6"}]
    }]})
}

/// Answers get_channels with the channel above and every create with a lead.
fn api_server() -> ScriptedServer {
    ScriptedServer::start(|req, _| match req.action().as_str() {
        "get_channels" => Reply::json(200, channels_response()),
        _ => {
            let email = req.json()["email"]
                .as_str()
                .unwrap_or("x@example.com")
                .to_string();
            Reply::json(200, lead_response(&email))
        }
    })
}

fn create_ok() -> Reply {
    Reply::json(200, lead_response("jane@example.com"))
}

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
    let server = ScriptedServer::sequence(vec![create_ok()]);
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
    assert_eq!(reqs.len(), 1, "exactly one request");
    assert_create_request(&reqs[0]);
    assert_eq!(
        reqs[0].json(),
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
    let server = ScriptedServer::sequence(vec![create_ok()]);
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
    let server = ScriptedServer::sequence(vec![create_ok()]);
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
    let server = ScriptedServer::sequence(vec![create_ok()]);
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
    let server = api_server();
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
    let server = api_server();
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
    let server = ScriptedServer::sequence(vec![create_ok()]);
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
    let server = api_server();
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
    let reqs = server.requests();
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
    let server = api_server();
    Leadctl::against(&server.url())
        .args(["create", "--json", "-", "--email", "override@example.com", "-o", "ndjson"])
        .stdin(format!("{{\"channel_id\": \"{CHANNEL}\", \"email\": \"file@example.com\", \"first_name\": \"Ann\"}}\n"))
        .run()
        .code(0);
    let body = server.requests()[0].json();
    assert_eq!(body["email"], "override@example.com");
    assert_eq!(body["first_name"], "Ann");

    let server = api_server();
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
    let server = api_server();
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
    let server = api_server();
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
    let server = api_server();
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
fn a_malformed_channel_id_is_refused_locally() {
    let server = api_server();
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
        .stderr_has("channel id \"not-a-uuid\" is not a UUID");
    assert!(server.requests().is_empty());
}

#[test]
fn public_sends_lead_external_without_the_key() {
    let server = ScriptedServer::sequence(vec![create_ok()]);
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
    let server = ScriptedServer::sequence(vec![create_ok()]);
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

// ---- exit codes ---------------------------------------------------------------------------

#[test]
fn exit_2_for_usage_errors() {
    Leadctl::new()
        .args(["create", "--emali", "x"])
        .run()
        .code(2)
        .stderr_has("unexpected argument '--emali'");
    Leadctl::new()
        .args(["create", "--channel", CHANNEL])
        .env("LEADCTL_API_KEY", KEY)
        .run()
        .code(2)
        .stderr_has("nothing to create");
    Leadctl::new()
        .args(["--timeout", "0", "create"])
        .run()
        .code(2)
        .stderr_has("greater than 0");
}

#[test]
fn exit_3_without_a_key_says_how_to_provide_one() {
    let out = Leadctl::new()
        .args(["create", "--channel", CHANNEL, "--email", "a@example.com"])
        .run();
    out.code(3)
        .stderr_has("leadctl: error: no API key")
        .stderr_has("hint: set LEADCTL_API_KEY")
        .stderr_has("--sandbox");
}

#[test]
fn exit_3_without_a_channel() {
    let server = api_server();
    Leadctl::against(&server.url())
        .args(["create", "--email", "a@example.com"])
        .run()
        .code(3)
        .stderr_has("no channel given")
        .stderr_has("pass --channel UUID, set LEADCTL_CHANNEL");
}

#[test]
fn exit_3_for_plain_http_to_a_remote_host() {
    Leadctl::new()
        .env("LEADCTL_API_KEY", KEY)
        .args([
            "--api-url",
            "http://data.keenpartner.com/functions/v1/keen-api",
            "create",
            "--channel",
            CHANNEL,
            "--email",
            "a@example.com",
        ])
        .run()
        .code(3)
        .stderr_has("plain http is refused except to a loopback host");
}

#[test]
fn exit_3_for_a_redirect_which_is_never_followed() {
    let target = ScriptedServer::sequence(vec![create_ok()]);
    let server = ScriptedServer::sequence(vec![
        Reply::text(307, "text/plain", "").header("Location", &target.url())
    ]);
    Leadctl::against(&server.url())
        .args(["create", "--channel", CHANNEL, "--email", "a@example.com"])
        .run()
        .code(3)
        .stderr_has(&format!("the server redirected (307) to {}", target.url()));
    assert!(
        target.requests().is_empty(),
        "the key must not reach the redirect target"
    );
}

#[test]
fn exit_3_for_the_wrong_endpoint() {
    let server = ScriptedServer::sequence(vec![Reply::json(
        404,
        json!({"code": "NOT_FOUND", "message": "Requested function was not found"}),
    )
    .header("sb-error-code", "NOT_FOUND")]);
    Leadctl::against(&server.url())
        .args(["create", "--channel", CHANNEL, "--email", "a@example.com"])
        .run()
        .code(3)
        .stderr_has("no KeenPartner API at")
        .stderr_has("Requested function was not found")
        .stderr_has("https://data.keenpartner.com/functions/v1/keen-api");
}

#[test]
fn exit_4_for_401() {
    let server = ScriptedServer::sequence(vec![Reply::error(401, "Invalid API key")]);
    Leadctl::against(&server.url())
        .args(["create", "--channel", CHANNEL, "--email", "a@example.com"])
        .run()
        .code(4)
        .stderr_has("authentication refused (401): Invalid API key")
        .stderr_has("hint: check the API key");
    assert_eq!(server.requests().len(), 1, "401 is not retried");
}

#[test]
fn exit_4_when_the_platform_rejects_the_jwt() {
    let server = ScriptedServer::sequence(vec![Reply::json(
        401,
        json!({"msg": "Missing authorization header"}),
    )
    .header("sb-error-code", "UNAUTHORIZED_NO_AUTH_HEADER")]);
    Leadctl::against(&server.url())
        .args(["create", "--channel", CHANNEL, "--email", "a@example.com"])
        .run()
        .code(4)
        .stderr_has("this URL does not look like KeenPartner's API");
}

#[test]
fn exit_5_for_403() {
    let server = ScriptedServer::sequence(vec![Reply::error(403, "Channel not accessible")]);
    Leadctl::against(&server.url())
        .args(["create", "--channel", CHANNEL, "--email", "a@example.com"])
        .run()
        .code(5)
        .stderr_has("permission refused (403): Channel not accessible");
}

#[test]
fn exit_6_for_400() {
    let server = ScriptedServer::sequence(vec![Reply::error(400, "channel_id required")]);
    Leadctl::against(&server.url())
        .args(["create", "--channel", CHANNEL, "--email", "a@example.com"])
        .run()
        .code(6)
        .stderr_has("the server rejected the request (400): channel_id required");
}

#[test]
fn exit_7_for_a_500_html_page_which_is_not_retried() {
    let server = ScriptedServer::sequence(vec![Reply::text(
        500,
        "text/html",
        "<html><head><title>500 Internal Server Error</title></head><body><h1>Oops</h1></body></html>",
    )]);
    let out = Leadctl::against(&server.url())
        .args(["create", "--channel", CHANNEL, "--email", "a@example.com"])
        .run();
    out.code(7)
        .stderr_has("server error (500): 500 Internal Server Error Oops")
        .stderr_has("outcome unknown")
        .stderr_has("do not simply run the command again");
    assert_eq!(
        server.requests().len(),
        1,
        "a create that got a 5xx is never retried"
    );
}

#[test]
fn exit_7_for_a_timeout_which_is_not_retried() {
    let server = ScriptedServer::sequence(vec![create_ok().delayed(Duration::from_secs(3))]);
    let started = Instant::now();
    let out = Leadctl::against(&server.url())
        .args([
            "--timeout",
            "0.5",
            "create",
            "--channel",
            CHANNEL,
            "--email",
            "a@example.com",
        ])
        .run();
    out.code(7)
        .stderr_has("no answer within 0.5s")
        .stderr_has("outcome unknown");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the timeout applies"
    );
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn exit_7_for_a_dropped_connection_after_the_request_was_sent() {
    let server = ScriptedServer::sequence(vec![Reply::Drop]);
    Leadctl::against(&server.url())
        .args(["create", "--channel", CHANNEL, "--email", "a@example.com"])
        .run()
        .code(7)
        .stderr_has("outcome unknown");
    assert_eq!(server.requests().len(), 1, "never re-sent");
}

#[test]
fn exit_7_when_nothing_listens_after_announced_retries() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/functions/v1/keen-api");
    Leadctl::against(&url)
        .env("LEADCTL_RETRY_BASE_MS", "10")
        .args(["create", "--channel", CHANNEL, "--email", "a@example.com"])
        .run()
        .code(7)
        .stderr_has("cannot connect")
        .stderr_has("retrying in")
        .stderr_has("(attempt 6 of 6)")
        .stderr_has("hint: check the network");
}

#[test]
fn a_429_is_retried_after_retry_after_and_the_wait_is_announced() {
    let server = ScriptedServer::sequence(vec![
        Reply::error(429, "Rate limit exceeded").header("Retry-After", "1"),
        create_ok(),
    ]);
    let started = Instant::now();
    let out = Leadctl::against(&server.url())
        .args([
            "create",
            "--channel",
            CHANNEL,
            "--email",
            "a@example.com",
            "-o",
            "id",
        ])
        .run();
    out.code(0).stderr_has(
        "rate-limited by the server (429, Retry-After); retrying in 1.0s (attempt 2 of 6)",
    );
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After was honoured"
    );
    assert_eq!(server.requests().len(), 2);
    assert_eq!(
        server.requests()[0].body,
        server.requests()[1].body,
        "the same body is re-sent"
    );
}

#[test]
fn a_429_with_an_http_date_is_honoured() {
    let when = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(2));
    let server = ScriptedServer::sequence(vec![
        Reply::error(429, "Rate limit exceeded").header("Retry-After", &when),
        create_ok(),
    ]);
    let started = Instant::now();
    Leadctl::against(&server.url())
        .args(["create", "--channel", CHANNEL, "--email", "a@example.com"])
        .run()
        .code(0)
        .stderr_has("(429, Retry-After)");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "waited for the date"
    );
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn a_429_storm_without_retry_after_backs_off_then_gives_up_with_exit_7() {
    let server = ScriptedServer::sequence(vec![Reply::error(429, "Rate limit exceeded")]);
    Leadctl::against(&server.url())
        .env("LEADCTL_RETRY_BASE_MS", "5")
        .args(["create", "--channel", CHANNEL, "--email", "a@example.com"])
        .run()
        .code(7)
        .stderr_has("(429, no Retry-After)")
        .stderr_has("still rate-limited (429) after 6 attempts: Rate limit exceeded");
    assert_eq!(server.requests().len(), 6);
}

#[test]
fn a_boot_error_is_retried_because_the_function_never_ran() {
    let server = ScriptedServer::sequence(vec![
        Reply::json(
            503,
            json!({"code": "BOOT_ERROR", "message": "Worker failed to boot"}),
        )
        .header("sb-error-code", "BOOT_ERROR"),
        create_ok(),
    ]);
    Leadctl::against(&server.url())
        .env("LEADCTL_RETRY_BASE_MS", "5")
        .args(["create", "--channel", CHANNEL, "--email", "a@example.com"])
        .run()
        .code(0)
        .stderr_has("the platform answered 503 BOOT_ERROR (the function never ran)");
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn a_worker_error_is_an_unknown_outcome() {
    let server = ScriptedServer::sequence(vec![
        Reply::text(546, "text/plain", "").header("sb-error-code", "WORKER_LIMIT")
    ]);
    Leadctl::against(&server.url())
        .args(["create", "--channel", CHANNEL, "--email", "a@example.com"])
        .run()
        .code(7)
        .stderr_has("server error (546)")
        .stderr_has("outcome unknown");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn several_leads_with_one_refused_exit_8_and_print_the_rest() {
    let server = ScriptedServer::start(|req, _| {
        if req.json()["email"] == "bad@example.com" {
            Reply::error(400, "channel_id required")
        } else {
            Reply::json(200, lead_response("ok@example.com"))
        }
    });
    let out = Leadctl::against(&server.url())
        .env("LEADCTL_CHANNEL", CHANNEL)
        .args(["create", "--json", "-", "-o", "id"])
        .stdin("{\"email\": \"ok@example.com\"}\n{\"email\": \"bad@example.com\"}\n{\"email\": \"ok2@example.com\"}\n")
        .run();
    out.code(8)
        .stderr_has("not created: lead 2 of 3 (stdin, object 2 (line 2)): the server rejected the request (400): channel_id required")
        .stderr_has("2 of 3 leads created; 1 not created");
    assert_eq!(out.stdout.lines().count(), 2);
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn the_key_never_appears_in_any_output_even_at_vv() {
    let server = api_server();
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

    let server = ScriptedServer::sequence(vec![Reply::error(401, "Invalid API key")]);
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
    let server = ScriptedServer::sequence(vec![
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
    let server = api_server();
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
    let server = api_server();
    // (A command-line argument cannot hold NUL; JSON can.)
    Leadctl::against(&server.url())
        .args(["create", "--channel", CHANNEL, "--json", "-"])
        .stdin(format!(
            "{{\"email\": \"a@example.com\", \"properties\": [{{\"property_definitions_id\": \"{DEAL_SIZE}\", \"value\": \"a\\u0000b\"}}]}}"
        ))
        .run()
        .code(6)
        .stderr_has("contains a NUL character");
    assert!(server.requests().is_empty());
}

#[test]
fn streamed_ids_are_printed_as_each_lead_is_created() {
    let server = ScriptedServer::start(|req, _| {
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
