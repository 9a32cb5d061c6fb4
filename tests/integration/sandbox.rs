//! `leadctl sandbox serve` end to end: the real binary on 127.0.0.1:0, driven over raw HTTP.
//! Each test starts its own server (they run in parallel) and kills it on drop.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use leadctl::sandbox::{
    Options, Sandbox, API_KEY, DEAL_SIZE_PROPERTY_ID, PRIMARY_CHANNEL_ID, PRIVATE_CHANNEL_ID,
    PRIVATE_LEAD_ID, PRIVATE_LEAD_LEGACY_ID, PUBLIC_CHANNEL_ID, PUBLIC_CHANNEL_PUBLIC_UUID,
};
use serde_json::{json, Value};

use crate::support::raw_http::{self, Conn, Response, API_PATH};

const REGION: &str = "f0000001-0000-4000-8000-000000000002";
const QUALIFIED: &str = "e0000001-0000-4000-8000-000000000002";
const NIL: &str = "00000000-0000-0000-0000-000000000000";

/// A `leadctl sandbox serve` child process; killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
    stderr: Arc<Mutex<String>>,
    reader: Option<thread::JoinHandle<()>>,
}

fn leadctl() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_leadctl"));
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("LEADCTL_") {
            cmd.env_remove(k);
        }
    }
    cmd.env_remove("NO_COLOR");
    cmd
}

impl Server {
    fn start(args: &[&str]) -> Server {
        Self::try_start(args)
            .unwrap_or_else(|(status, err)| panic!("serve failed ({status:?}): {err}"))
    }

    /// Starts the server and waits for its `listening on http://ADDR` line; on failure, the
    /// exit status and everything it printed.
    fn try_start(args: &[&str]) -> Result<Server, (Option<ExitStatus>, String)> {
        let mut child = leadctl()
            .args(["sandbox", "serve", "--addr", "127.0.0.1:0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn leadctl");
        let stderr = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel();
        let pipe = child.stderr.take().expect("piped stderr");
        let sink = Arc::clone(&stderr);
        // Keeps draining stderr for the server's whole life, so request logs never fill the pipe.
        let reader = thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                {
                    let mut s = sink.lock().unwrap_or_else(|e| e.into_inner());
                    s.push_str(&line);
                    s.push('\n');
                }
                if let Some(addr) = line.strip_prefix("listening on http://") {
                    let _ = tx.send(addr.trim().to_string());
                }
            }
        });
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(addr) => Ok(Server {
                child,
                addr: addr
                    .parse()
                    .expect("a socket address after 'listening on http://'"),
                stderr,
                reader: Some(reader),
            }),
            Err(_) => {
                let status = wait_timeout(&mut child, Duration::from_secs(10));
                if status.is_none() {
                    let _ = child.kill();
                }
                let _ = reader.join();
                let text = stderr.lock().map(|s| s.clone()).unwrap_or_default();
                Err((status, text))
            }
        }
    }

    fn post_as(&self, key: Option<&str>, body: Value) -> Response {
        raw_http::post_json(self.addr, key, &body).expect("an answer")
    }

    fn post(&self, body: Value) -> Response {
        self.post_as(Some(API_KEY), body)
    }

    fn ok(&self, body: Value) -> Value {
        let r = self.post(body);
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.header("content-type"), Some("application/json"));
        r.json()
    }

    fn create(&self, email: &str) -> Value {
        self.ok(json!({"action": "create_lead", "channel_id": PRIMARY_CHANNEL_ID, "email": email}))
            ["lead"]
            .clone()
    }

    fn stats(&self) -> Value {
        let r = raw_http::get(self.addr, "/__sandbox/stats").expect("stats");
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()
    }

    fn all_leads(&self) -> Vec<Value> {
        let r = raw_http::get(self.addr, "/__sandbox/leads").expect("leads");
        r.json().as_array().cloned().expect("an array of leads")
    }

    fn stderr(&self) -> String {
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// All of stderr once it contains `needle` (the server writes it asynchronously).
    fn stderr_once(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let text = self.stderr();
            if text.contains(needle) || Instant::now() > deadline {
                return text;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Sends a signal with kill(1), waits for the exit, returns status and all of stderr.
    fn signal_and_wait(mut self, signal: &str) -> (ExitStatus, String) {
        crate::support::send_signal(self.child.id(), signal);
        let status = wait_timeout(&mut self.child, Duration::from_secs(20))
            .expect("exited after the signal");
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
        (status, self.stderr())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_timeout(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        thread::sleep(Duration::from_millis(20));
    }
    None
}

#[track_caller]
fn assert_error(r: &Response, status: u16, message: &str) {
    assert_eq!(
        (r.status, r.error()),
        (status, message.to_string()),
        "{}",
        r.text()
    );
    assert_eq!(r.header("content-type"), Some("application/json"));
}

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
    let chunked = format!(
        "POST {API_PATH} HTTP/1.1\r\nHost: x\r\nx-api-key: {API_KEY}\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{a}\r\n{:X};ext=1\r\n{b}\r\n0\r\n\r\n",
        a.len(),
        b.len()
    );
    c.send(chunked.as_bytes()).expect("send");
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
fn rate_limit_answers_429_past_n_requests_a_second() {
    let s = Server::start(&["--rate-limit", "10", "-q"]);
    let mut c = Conn::connect(s.addr).expect("connect");
    let started = Instant::now();
    let mut limited = 0;
    let mut created = 0;
    for i in 0..30 {
        let r = c
            .post_json(Some(API_KEY), &json!({"action": "create_lead", "channel_id": PRIMARY_CHANNEL_ID, "email": format!("{i}@x.example")}))
            .expect("answer");
        match r.status {
            429 => {
                limited += 1;
                assert_eq!(r.header("retry-after"), Some("1"));
                assert_eq!(r.error(), "Rate limit exceeded");
            }
            200 => created += 1,
            other => panic!("unexpected {other}: {}", r.text()),
        }
    }
    let elapsed = started.elapsed();
    // Within one second exactly 10 pass; each extra second of a slow machine lets 10 more.
    let windows = elapsed.as_secs() + 1;
    assert!(
        created <= 10 * windows && created >= 10,
        "{created} created in {elapsed:?}"
    );
    if elapsed < Duration::from_millis(900) {
        assert_eq!(limited, 20);
    }
    assert!(
        limited >= 15 || elapsed >= Duration::from_secs(1),
        "{limited} 429s in {elapsed:?}"
    );
    let stats = s.stats();
    assert_eq!(stats["requests"]["by_status"]["429"], limited);
    assert_eq!(stats["requests"]["by_status"]["200"], created);
    assert_eq!(stats["leads"], created + 1, "429s are not processed");
    // The next window lets requests through again.
    thread::sleep(Duration::from_millis(1100));
    assert_eq!(
        c.post_json(Some(API_KEY), &json!({"action": "get_channels"}))
            .expect("answer")
            .status,
        200
    );
}

#[test]
fn drop_rate_commits_the_create_then_closes_without_answering() {
    let s = Server::start(&["--drop-rate", "1"]);
    let mut c = Conn::connect(s.addr).expect("connect");
    let sent = c.post_json(Some(API_KEY), &json!({"action": "create_lead", "channel_id": PRIMARY_CHANNEL_ID, "email": "ghost@example.com"}));
    assert!(sent.is_err(), "expected no answer, got {sent:?}");
    let stats = s.stats();
    assert_eq!(
        (stats["dropped"].clone(), stats["leads"].clone()),
        (json!(1), json!(2)),
        "{stats}"
    );
    assert_eq!(stats["requests"]["total"], 1);
    assert!(s
        .all_leads()
        .iter()
        .any(|l| l["email"] == "ghost@example.com"));
    // A retry the client cannot tell apart creates a duplicate, as it would for real.
    assert!(raw_http::post_json(s.addr, Some(API_KEY), &json!({"action": "create_lead", "channel_id": PRIMARY_CHANNEL_ID, "email": "ghost@example.com"})).is_err());
    assert_eq!(
        s.stats()["duplicates"]["email"],
        json!(["ghost@example.com"])
    );
    let log = s.stderr_once("without answering");
    assert!(
        log.contains("create_lead 200") && log.contains("without answering"),
        "{log}"
    );
}

#[test]
fn error_rate_answers_500_and_creates_nothing() {
    let s = Server::start(&["--error-rate", "1"]);
    for _ in 0..3 {
        let r = s.post(json!({"action": "create_lead", "channel_id": PRIMARY_CHANNEL_ID, "email": "x@example.com"}));
        assert_error(&r, 500, "Internal server error");
    }
    // Inspection endpoints are never faulted or counted.
    let stats = s.stats();
    assert_eq!(stats["leads"], 1);
    assert_eq!(stats["requests"]["total"], 3);
    assert_eq!(stats["requests"]["by_status"], json!({"500": 3}));
    assert_eq!(stats["requests"]["by_action"], json!({"create_lead": 3}));
}

#[test]
fn boot_error_rate_answers_503_boot_error_and_creates_nothing() {
    let s = Server::start(&["--boot-error-rate", "1"]);
    let r = s.post(json!({"action": "create_lead", "channel_id": PRIMARY_CHANNEL_ID}));
    assert_eq!(r.status, 503);
    assert_eq!(r.header("sb-error-code"), Some("BOOT_ERROR"));
    assert_eq!(
        r.json(),
        json!({"code": "BOOT_ERROR", "message": "Worker failed to boot"})
    );
    let stats = s.stats();
    assert_eq!(
        (
            stats["leads"].clone(),
            stats["requests"]["by_status"].clone()
        ),
        (json!(1), json!({"503": 1}))
    );
}

#[test]
fn latency_delays_api_answers_but_not_inspection() {
    let s = Server::start(&["--latency-ms", "300"]);
    let t = Instant::now();
    assert_eq!(s.post(json!({"action": "get_channels"})).status, 200);
    assert!(
        t.elapsed() >= Duration::from_millis(300),
        "{:?}",
        t.elapsed()
    );
    let t = Instant::now();
    s.stats();
    assert!(
        t.elapsed() < Duration::from_millis(250),
        "stats took {:?}",
        t.elapsed()
    );
    assert!(s
        .stderr_once("Faults: latency 300 ms")
        .contains("Faults: latency 300 ms"));
}

#[test]
fn a_seed_gives_the_same_fault_sequence_twice() {
    let run = || {
        let s = Server::start(&[
            "--seed",
            "42",
            "--error-rate",
            "0.4",
            "--boot-error-rate",
            "0.2",
            "-q",
        ]);
        let mut c = Conn::connect(s.addr).expect("connect");
        (0..40)
            .map(|_| {
                c.post_json(Some(API_KEY), &json!({"action": "get_channels"}))
                    .expect("answer")
                    .status
            })
            .collect::<Vec<u16>>()
    };
    let first = run();
    assert_eq!(first, run());
    for code in [200, 500, 503] {
        assert!(first.contains(&code), "{code} missing from {first:?}");
    }
}

#[test]
fn state_file_survives_a_kill_and_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("sandbox.json");
    let state_arg = state.to_str().expect("utf-8 path");
    let s = Server::start(&["--state", state_arg]);
    let id = s.create("kept@example.com")["id"].clone();
    s.ok(json!({"action": "create_purchase", "lead_id": id, "purchase_amount": 10}));
    drop(s); // SIGKILL: no chance to save at exit

    let s = Server::start(&["--state", state_arg]);
    let lead = s.ok(json!({"action": "get_lead_by_id", "lead_id": id}))["lead"].clone();
    assert_eq!(lead["email"], "kept@example.com");
    let next = s.create("next@example.com");
    let legacy = s.ok(json!({"action": "get_lead_by_id", "lead_id": next["id"]}));
    assert_eq!(legacy["lead"]["id"], next["id"]);
    let by_legacy = s.ok(json!({"action": "get_lead_by_legacy_id", "legacy_id": 100_002}));
    assert_eq!(
        by_legacy["lead"]["id"], next["id"],
        "legacy ids continue after a restart"
    );
    assert_eq!(s.stats()["purchases"], 1);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(names.len(), 1, "no temp files left: {names:?}");
}

#[test]
fn a_corrupt_state_file_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("broken.json");
    std::fs::write(&state, "{\"format\": 1, \"leads\": [").expect("write");
    let (status, err) = match Server::try_start(&["--state", state.to_str().expect("utf-8")]) {
        Err(failure) => failure,
        Ok(_) => panic!("started with a corrupt state file"),
    };
    assert!(status.is_some_and(|s| !s.success()), "{status:?}");
    assert!(
        err.contains("broken.json") && err.contains("corrupt"),
        "{err}"
    );
}

#[test]
fn sigint_and_sigterm_stop_cleanly_and_save_the_state() {
    for signal in ["-INT", "-TERM"] {
        let dir = tempfile::tempdir().expect("tempdir");
        let state = dir.path().join("s.json");
        let s = Server::start(&[
            "--state",
            state.to_str().expect("utf-8"),
            "--latency-ms",
            "5",
        ]);
        s.create("saved@example.com");
        let (status, err) = s.signal_and_wait(signal);
        assert!(status.success(), "{signal}: {status:?}\n{err}");
        assert!(
            err.contains("sandbox stopped: requests 1 (dropped 0), leads 2, purchases 0"),
            "{err}"
        );
        assert!(
            err.contains("POST /functions/v1/keen-api create_lead 200"),
            "request log line: {err}"
        );
        let saved: Value =
            serde_json::from_slice(&std::fs::read(&state).expect("state file")).expect("JSON");
        assert!(saved["leads"]
            .as_array()
            .is_some_and(|l| l.iter().any(|l| l["email"] == "saved@example.com")));
    }
}

#[test]
fn quiet_prints_only_the_address() {
    let s = Server::start(&["-q"]);
    s.create("q@example.com");
    let (status, err) = s.signal_and_wait("-INT");
    assert!(status.success());
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(lines[0].starts_with("listening on http://127.0.0.1:"));
}

/// 16 keep-alive connections against 20 ms latency: the server must overlap the waits.
/// Serialized, 400 requests would take 8 s; overlapped, about 0.5 s.
#[test]
#[allow(clippy::print_stderr)]
fn sixteen_connections_with_latency_are_served_concurrently() {
    let s = Server::start(&["--latency-ms", "20", "-q"]);
    let addr = s.addr;
    let started = Instant::now();
    let workers: Vec<_> = (0..16)
        .map(|w| {
            thread::spawn(move || {
                let mut c = Conn::connect(addr).expect("connect");
                for i in 0..25 {
                    let r = c
                        .post_json(Some(API_KEY), &json!({"action": "create_lead", "channel_id": PRIMARY_CHANNEL_ID, "email": format!("w{w}-{i}@x.example")}))
                        .expect("answer");
                    assert_eq!(r.status, 200);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("worker");
    }
    let elapsed = started.elapsed();
    let rate = 400.0 / elapsed.as_secs_f64();
    eprintln!("sandbox: 400 creates over 16 connections with 20 ms latency in {elapsed:?} ({rate:.0} requests/s)");
    assert!(
        elapsed < Duration::from_secs(4),
        "{elapsed:?}: the server serializes requests"
    );
    let stats = s.stats();
    assert_eq!(stats["leads_by_channel"][PRIMARY_CHANNEL_ID], 400);
    assert_eq!(stats["duplicates"]["email"], json!([]));
    let legacy: std::collections::HashSet<u64> = s
        .all_leads()
        .iter()
        .filter_map(|l| l["legacy_id"].as_u64())
        .collect();
    assert_eq!(legacy.len(), 401, "every lead has its own legacy id");
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

#[test]
fn state_path_in_a_missing_directory_fails_at_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("missing/dir/state.json");
    let opts = Options {
        state: Some(bad),
        ..Options::ephemeral()
    };
    let err = Sandbox::start(opts)
        .err()
        .map(|e| format!("{e:#}"))
        .unwrap_or_default();
    assert!(err.contains("state.json"), "{err}");
    assert!(Path::new(dir.path())
        .read_dir()
        .map(|mut d| d.next().is_none())
        .unwrap_or(false));
}
