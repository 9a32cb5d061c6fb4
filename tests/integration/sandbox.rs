//! `leadctl sandbox serve` end to end, the API side: the real binary on 127.0.0.1:0 driven over
//! raw HTTP (each test starts its own server; they run in parallel): the banner, every action's
//! shape and documented error, the platform's answers for other paths and methods, keep-alive,
//! chunked and malformed requests. What the sandbox promises: doc/sandbox.md.

use std::process::Stdio;
use std::time::{Duration, Instant};

use leadctl::sandbox::{
    Options, Sandbox, API_KEY, DEAL_SIZE_PROPERTY_ID, PRIMARY_CHANNEL_ID, PRIVATE_CHANNEL_ID,
    PRIVATE_LEAD_ID, PRIVATE_LEAD_LEGACY_ID, PUBLIC_CHANNEL_ID, PUBLIC_CHANNEL_PUBLIC_UUID,
};
use serde_json::{json, Value};

use crate::support::raw_http::{self, Conn, API_PATH};
use crate::support::request::Request;
use crate::support::serve::{leadctl, Server};

const REGION: &str = "f0000001-0000-4000-8000-000000000002";
const QUALIFIED: &str = "e0000001-0000-4000-8000-000000000002";
const NIL: &str = "00000000-0000-0000-0000-000000000000";

#[test]
fn banner_shows_address_key_channels_and_ids() {
    let s = Server::start(&[]);
    let banner = s.stderr_once("Stop with Ctrl-C.");
    assert!(
        banner.starts_with(&format!("listening on http://{}\n", s.addr)),
        "{banner}"
    );
    for needle in [
        &format!("http://{}/functions/v1/keen-api", s.addr),
        API_KEY,
        PRIMARY_CHANNEL_ID,
        PUBLIC_CHANNEL_ID,
        PRIVATE_CHANNEL_ID,
        DEAL_SIZE_PROPERTY_ID,
        "export LEADCTL_API_KEY=",
        "Faults: none",
        "Stop with Ctrl-C.",
    ] {
        assert!(
            banner.contains(needle),
            "banner lacks {needle:?}:\n{banner}"
        );
    }
}

#[test]
fn every_action_answers_its_documented_shape() {
    let s = Server::start(&[]);
    let channels = s.ok(json!({"action": "get_channels"}))["channels"].clone();
    let titles: Vec<&str> = channels
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|c| c["title"].as_str())
        .collect();
    assert_eq!(titles, ["Acme Referral Program", "Website Signups"]);
    assert_eq!(channels[0]["property_definitions"][0]["name"], "Deal size");
    assert_eq!(channels[1]["currency"], "EUR");

    let lead = s.ok(json!({"action": "create_lead", "channel_id": PRIMARY_CHANNEL_ID,
        "email": "jane@example.com", "first_name": "Jane", "business_id": "CRM-1", "employee": "Bob",
        "properties": [{"property_definitions_id": DEAL_SIZE_PROPERTY_ID, "value": 50000},
                       {"property_definitions_id": REGION, "value": "EMEA"}]}))["lead"].clone();
    let id = lead["id"].as_str().expect("id").to_string();
    assert_eq!(lead["status"], "New lead");
    assert_eq!(lead["employee"], "Bob");
    assert_eq!(lead["property_values"][0]["value"], "50000");
    assert_eq!(
        lead["property_values"][0]["property_definitions"]["name"],
        "Deal size"
    );

    let by_id = s.ok(json!({"action": "get_lead_by_id", "lead_id": id}))["lead"].clone();
    assert_eq!(by_id["lead_status"]["status"], "New lead");
    assert_eq!(by_id["referring_employee"], "Bob");
    assert_eq!(by_id["property_values"].as_array().map(Vec::len), Some(2));

    let by_legacy =
        s.ok(json!({"action": "get_lead_by_legacy_id", "legacy_id": 100_001}))["lead"].clone();
    assert_eq!(
        (by_legacy["id"].as_str(), &by_legacy["legacy_id"]),
        (Some(id.as_str()), &json!(100_001))
    );

    let flat = s.ok(json!({"action": "get_leads", "channel_id": PRIMARY_CHANNEL_ID}));
    assert_eq!(flat[0]["id"], id.as_str());
    assert_eq!(flat[0]["Deal size"], "50000");
    assert_eq!(flat[0]["Region"], "EMEA");
    assert!(flat[0].get("property_values").is_none());

    let updated = s.ok(
        json!({"action": "update_lead", "lead_id": id, "last_name": "Smith",
        "properties": [{"property_definitions_id": REGION, "value": "APAC"}]}),
    )["lead"]
        .clone();
    assert_eq!(
        (&updated["first_name"], &updated["last_name"]),
        (&json!("Jane"), &json!("Smith"))
    );
    assert_eq!(updated["property_values"][1]["value"], "APAC");

    let moved = s.ok(json!({"action": "update_status", "lead_id": id, "status": "Qualified"}))
        ["lead"]
        .clone();
    assert_eq!(
        (&moved["status"], &moved["lead_status_id"]),
        (&json!("Qualified"), &json!(QUALIFIED))
    );
    let moved = s.ok(json!({"action": "update_status_id", "lead_id": id,
        "status_id": "e0000001-0000-4000-8000-000000000004"}))["lead"]
        .clone();
    assert_eq!(moved["status"], "Won");

    let purchase = s.ok(
        json!({"action": "create_purchase", "lead_id": id, "purchase_amount": 1200,
        "product_name": "Pro plan"}),
    )["purchase"]
        .clone();
    assert_eq!(
        (
            &purchase["leads_id"],
            &purchase["purchase_amount"],
            &purchase["name"]
        ),
        (&json!(id), &json!(1200), &json!("Pro plan"))
    );

    let public = s.post_as(
        None,
        json!({"action": "lead_external", "channel_id": PUBLIC_CHANNEL_PUBLIC_UUID,
        "email": "visitor@example.com", "business_id": "CRM-1"}),
    );
    assert_eq!(public.status, 200, "{}", public.text());
    assert_eq!(public.json()["lead"]["channels_id"], PUBLIC_CHANNEL_ID);

    let stats = s.stats();
    assert_eq!(
        stats["leads"], 3,
        "the seeded private lead plus two: {stats}"
    );
    assert_eq!(stats["leads_by_channel"][PRIMARY_CHANNEL_ID], 1);
    assert_eq!(stats["leads_by_channel"][PUBLIC_CHANNEL_ID], 1);
    assert_eq!(stats["purchases"], 1);
    assert_eq!(stats["requests"]["total"], 10);
    assert_eq!(stats["requests"]["by_status"], json!({"200": 10}));
    assert_eq!(stats["requests"]["by_action"]["create_lead"], 1);
    assert_eq!(stats["duplicates"]["business_id"], json!(["CRM-1"]));
    assert_eq!(stats["duplicates"]["email"], json!([]));
    let all = s.all_leads();
    assert_eq!(all.len(), 3);
    assert!(all
        .iter()
        .any(|l| l["id"] == id.as_str() && l["legacy_id"] == 100_001 && l["status"] == "Won"));
}

#[test]
fn documented_errors_have_their_exact_status_and_message() {
    let s = Server::start(&[]);
    let id = s.create("a@example.com")["id"].clone();
    let cases: Vec<(Option<&str>, Value, u16, String)> = vec![
        (
            None,
            json!({"action": "get_channels"}),
            401,
            "Invalid API key".into(),
        ),
        (
            Some("00000000-0000-4000-8000-000000000000"),
            json!({"action": "create_lead", "channel_id": PRIMARY_CHANNEL_ID}),
            401,
            "Invalid API key".into(),
        ),
        (
            Some(API_KEY),
            json!({"action": "create_lead"}),
            400,
            "channel_id required".into(),
        ),
        (
            Some(API_KEY),
            json!({"action": "create_lead", "channel_id": PRIVATE_CHANNEL_ID}),
            403,
            "Channel not accessible".into(),
        ),
        (
            Some(API_KEY),
            json!({"action": "get_leads"}),
            400,
            "channel_id required".into(),
        ),
        (
            Some(API_KEY),
            json!({"action": "get_leads", "channel_id": PRIVATE_CHANNEL_ID}),
            403,
            "Channel not accessible".into(),
        ),
        (
            Some(API_KEY),
            json!({"action": "get_lead_by_id"}),
            400,
            "lead_id required".into(),
        ),
        (
            Some(API_KEY),
            json!({"action": "get_lead_by_id", "lead_id": PRIVATE_LEAD_ID}),
            403,
            "Lead not accessible".into(),
        ),
        (
            Some(API_KEY),
            json!({"action": "get_lead_by_id", "lead_id": NIL}),
            404,
            "Lead not found".into(),
        ),
        (
            Some(API_KEY),
            json!({"action": "get_lead_by_legacy_id"}),
            400,
            "legacy_id required".into(),
        ),
        (
            Some(API_KEY),
            json!({"action": "get_lead_by_legacy_id", "legacy_id": PRIVATE_LEAD_LEGACY_ID}),
            403,
            "Lead not accessible".into(),
        ),
        (
            Some(API_KEY),
            json!({"action": "get_lead_by_legacy_id", "legacy_id": 999}),
            404,
            "Lead not found".into(),
        ),
        (
            Some(API_KEY),
            json!({"action": "update_status", "lead_id": id}),
            400,
            "lead_id and status required".into(),
        ),
        (
            Some(API_KEY),
            json!({"action": "update_status", "lead_id": id, "status": "Nope"}),
            404,
            "Status \"Nope\" not found for this channel".into(),
        ),
        (
            Some(API_KEY),
            json!({"action": "update_status", "lead_id": PRIVATE_LEAD_ID, "status": "Won"}),
            403,
            "Lead not accessible".into(),
        ),
        (
            Some(API_KEY),
            json!({"action": "update_status_id", "lead_id": id}),
            400,
            "lead_id and status_id required".into(),
        ),
        (
            Some(API_KEY),
            json!({"action": "update_status_id", "lead_id": id, "status_id": NIL}),
            404,
            "Status ID not found".into(),
        ),
        (
            Some(API_KEY),
            json!({"action": "update_lead", "lead_id": id}),
            400,
            "At least one field or a non-empty properties array is required".into(),
        ),
        (
            Some(API_KEY),
            json!({"action": "create_purchase"}),
            400,
            "lead_id required".into(),
        ),
        (
            Some(API_KEY),
            json!({"action": "create_purchase", "lead_id": PRIVATE_LEAD_ID}),
            403,
            "Lead not accessible".into(),
        ),
        (
            None,
            json!({"action": "lead_external"}),
            400,
            "channel_id required".into(),
        ),
        (
            None,
            json!({"action": "lead_external", "channel_id": PRIMARY_CHANNEL_ID}),
            403,
            "Public API not enabled for this channel".into(),
        ),
        (
            None,
            json!({"action": "lead_external", "channel_id": NIL}),
            404,
            "Channel not found".into(),
        ),
        (
            Some(API_KEY),
            json!({"action": "no_such_action"}),
            400,
            "Unknown action: no_such_action".into(),
        ),
        (
            Some(API_KEY),
            json!({"action": "create_lead", "channel_id": PRIMARY_CHANNEL_ID,
            "properties": [{"property_definitions_id": NIL, "value": "1"}]}),
            400,
            format!("Property definition \"{NIL}\" not found for this channel"),
        ),
        (
            Some(API_KEY),
            json!({"action": "update_lead", "lead_id": id,
            "properties": [{"property_definitions_id": REGION, "value": null}]}),
            400,
            "properties[0].value must not be null".into(),
        ),
    ];
    for (key, body, status, message) in &cases {
        let r = s.post_as(*key, body.clone());
        assert_eq!((r.status, r.error()), (*status, message.clone()), "{body}");
    }
    let mut conn = Conn::connect(s.addr).expect("connect");
    let r = conn
        .request("POST", API_PATH, &[("X-Api-Key", API_KEY)], b"{not json")
        .expect("answer");
    assert_eq!(r.status, 400);
    assert!(r.error().starts_with("Invalid JSON body"), "{}", r.text());
    let stats = s.stats();
    assert_eq!(stats["leads"], 2, "no error created anything");
    assert_eq!(stats["requests"]["total"], cases.len() + 2);
}

#[test]
fn other_paths_and_methods_answer_like_the_platform() {
    let s = Server::start(&[]);
    for path in [
        "/",
        "/functions/v1/openapi-operations",
        "/functions/v1/keen-api/extra",
    ] {
        let r = Conn::connect(s.addr)
            .and_then(|mut c| c.request("POST", path, &[], b"{}"))
            .expect("answer");
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(r.header("sb-error-code"), Some("NOT_FOUND"));
        assert_eq!(
            r.json(),
            json!({"code": "NOT_FOUND", "message": "Requested function was not found"})
        );
    }
    let r = raw_http::get(s.addr, API_PATH).expect("answer");
    assert_eq!((r.status, r.header("allow")), (405, Some("POST")));
    let mut c = Conn::connect(s.addr).expect("connect");
    let head = c.head(API_PATH).expect("answer");
    let len: usize = head
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .expect("length");
    assert!(head.status == 405 && len > 0);
    // No body followed: the next answer on the connection starts right away.
    let r = c
        .request("GET", "/__sandbox/stats", &[], b"")
        .expect("answer after HEAD");
    assert_eq!(r.status, 200);
    let r = raw_http::get(s.addr, "/__sandbox/nope").expect("answer");
    assert_eq!(r.status, 404);
    // A query string does not change the route.
    let mut c = Conn::connect(s.addr).expect("connect");
    let r = c
        .request(
            "POST",
            &format!("{API_PATH}?x=1"),
            &[("x-api-key", API_KEY)],
            br#"{"action":"get_channels"}"#,
        )
        .expect("answer");
    assert_eq!(r.status, 200);
    let reset = Conn::connect(s.addr)
        .and_then(|mut c| c.request("POST", "/__sandbox/reset", &[], b""))
        .expect("reset");
    assert_eq!(reset.status, 200);
    assert_eq!(
        s.stats()["requests"]["total"],
        0,
        "reset clears the counters"
    );
}

#[test]
fn keep_alive_chunked_bodies_and_connection_close() {
    let s = Server::start(&[]);
    let mut c = Conn::connect(s.addr).expect("connect");
    let r = c
        .post_json(Some(API_KEY), &json!({"action": "get_channels"}))
        .expect("first");
    assert_eq!(
        (r.status, r.header("connection")),
        (200, Some("keep-alive"))
    );
    let body = format!(
        r#"{{"action":"create_lead","channel_id":"{PRIMARY_CHANNEL_ID}","email":"chunked@example.com"}}"#
    );
    let (a, b) = body.split_at(20);
    let chunks = format!(
        "{:x}\r\n{a}\r\n{:X};ext=1\r\n{b}\r\n0\r\n\r\n",
        a.len(),
        b.len()
    );
    let chunked = Request::new("POST", API_PATH)
        .with_header("Host", "x")
        .with_header("x-api-key", API_KEY)
        .with_header("Transfer-Encoding", "chunked")
        .with_body(chunks.as_bytes());
    c.send(&chunked.to_bytes()).expect("send");
    let r = c
        .read_response()
        .expect("second answer on the same connection");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["lead"]["email"], "chunked@example.com");
    let r = c
        .request(
            "POST",
            API_PATH,
            &[("X-Api-Key", API_KEY), ("Connection", "close")],
            br#"{"action":"get_channels"}"#,
        )
        .expect("third");
    assert_eq!((r.status, r.header("connection")), (200, Some("close")));
    assert!(c.is_closed(), "the server closes after Connection: close");
    assert_eq!(s.stats()["requests"]["total"], 3);
}

#[test]
fn malformed_requests_get_400_and_the_connection_is_closed() {
    let s = Server::start(&[]);
    for raw in [
        &b"NONSENSE\r\n\r\n"[..],
        b"POST /functions/v1/keen-api HTTP/1.1\r\nContent-Length: nope\r\n\r\n",
        b"POST /functions/v1/keen-api HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n",
        b"POST /functions/v1/keen-api HTTP/1.1\r\nno colon here\r\n\r\n",
    ] {
        let mut c = Conn::connect(s.addr).expect("connect");
        c.send(raw).expect("send");
        let r = c.read_response().expect("an answer");
        assert_eq!(r.status, 400, "{:?}", String::from_utf8_lossy(raw));
        assert!(r.error().starts_with("Bad request: "), "{}", r.text());
        assert_eq!(r.header("connection"), Some("close"));
        assert!(c.is_closed());
    }
    assert_eq!(s.stats()["requests"]["by_status"]["400"], 4);
    // The server still works.
    assert_eq!(s.post(json!({"action": "get_channels"})).status, 200);
}

#[test]
fn refuses_to_listen_on_a_non_loopback_address() {
    let out = leadctl()
        .args(["sandbox", "serve", "--addr", "0.0.0.0:0"])
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("refusing") && err.contains("loopback"),
        "{err}"
    );
    assert!(!err.contains("listening on"));
}

#[test]
fn in_process_sandbox_from_the_library() {
    let mut sb = Sandbox::start(Options::ephemeral()).expect("start");
    assert!(sb.url().ends_with("/functions/v1/keen-api"));
    let r = raw_http::post_json(sb.addr(), Some(API_KEY), &json!({"action": "create_lead", "channel_id": PRIMARY_CHANNEL_ID, "email": "lib@example.com"})).expect("answer");
    assert_eq!(r.status, 200);
    assert_eq!(sb.stats()["leads_by_channel"][PRIMARY_CHANNEL_ID], 1);
    // An idle keep-alive connection does not hold up shutdown.
    let mut idle = Conn::connect(sb.addr()).expect("connect");
    assert_eq!(
        idle.post_json(Some(API_KEY), &json!({"action": "get_channels"}))
            .expect("answer")
            .status,
        200
    );
    let t = Instant::now();
    sb.shutdown().expect("shutdown");
    assert!(
        t.elapsed() < Duration::from_secs(2),
        "shutdown took {:?}",
        t.elapsed()
    );
    assert!(idle.is_closed());
    assert!(
        raw_http::post_json(sb.addr(), Some(API_KEY), &json!({"action": "get_channels"})).is_err()
    );
}
