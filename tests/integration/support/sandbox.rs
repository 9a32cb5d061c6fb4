//! leadctl against the in-process sandbox (started from the library on 127.0.0.1:0, one per
//! test): running commands with its key, creating leads directly over HTTP, and reading back
//! what the sandbox stored (`/__sandbox/leads`, `/__sandbox/purchases`, its statistics).

use leadctl::sandbox::{Options, Sandbox, API_KEY, PRIMARY_CHANNEL_ID};
use serde_json::{json, Value};

use super::{raw_http, Leadctl, Outcome};

/// A lead id that exists nowhere.
pub const NO_LEAD: &str = "9b2f6c1e-3d4a-4b5c-8d7e-1f2a3b4c5d6e";
pub const WRONG_KEY: &str = "00000000-1111-4222-8333-444444444444";
/// Seeded statuses of the primary channel.
pub const QUALIFIED_ID: &str = "e0000001-0000-4000-8000-000000000002";
pub const PROPOSAL_ID: &str = "e0000001-0000-4000-8000-000000000003";
/// "Proposal sent" of the public channel: a status, but not on the primary channel.
pub const OTHER_CHANNEL_STATUS_ID: &str = "e0000002-0000-4000-8000-000000000003";

pub fn sandbox() -> Sandbox {
    Sandbox::start(Options::ephemeral()).expect("start the sandbox")
}

/// `leadctl ARGS` against the sandbox with its key.
pub fn run(sb: &Sandbox, args: &[&str]) -> Outcome {
    run_with_key(sb, API_KEY, args)
}

pub fn run_with_key(sb: &Sandbox, key: &str, args: &[&str]) -> Outcome {
    Leadctl::new()
        .env("LEADCTL_API_URL", sb.url())
        .env("LEADCTL_API_KEY", key)
        .args(args)
        .run()
}

/// Asserts exit code and the whole of stderr.
pub fn fails(o: &Outcome, code: i32, stderr: &str) {
    o.code(code);
    assert_eq!(o.stderr, stderr, "stderr differs; stdout:\n{}", o.stdout);
    assert_eq!(o.stdout, "", "nothing on stdout for a failure");
}

pub fn create(sb: &Sandbox, email: &str) -> String {
    let r = raw_http::post_json(
        sb.addr(),
        Some(API_KEY),
        &json!({"action": "create_lead", "channel_id": PRIMARY_CHANNEL_ID, "email": email}),
    )
    .expect("create_lead answered");
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["lead"]["id"]
        .as_str()
        .expect("lead.id")
        .to_string()
}

/// The sandbox's own record of a lead (`GET /__sandbox/leads`).
pub fn stored_lead(sb: &Sandbox, id: &str) -> Value {
    let r = raw_http::get(sb.addr(), "/__sandbox/leads").expect("leads");
    r.json()
        .as_array()
        .expect("an array")
        .iter()
        .find(|l| l["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("lead {id} is not in the sandbox"))
}

pub fn stored_purchases(sb: &Sandbox) -> Vec<Value> {
    let r = raw_http::get(sb.addr(), "/__sandbox/purchases").expect("purchases");
    r.json().as_array().cloned().expect("an array")
}

pub fn api_requests(sb: &Sandbox) -> u64 {
    sb.stats()["requests"]["total"].as_u64().expect("total")
}

/// The request bodies `-v` logged (lines `> {...}`).
pub fn logged_bodies(stderr: &str) -> Vec<Value> {
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix("> {"))
        .map(|rest| serde_json::from_str(&format!("{{{rest}")).expect("a logged JSON body"))
        .collect()
}

pub fn lines(s: &str) -> Vec<&str> {
    s.lines().collect()
}

/// `-o csv` for leads: every standard field, then one column per custom property.
pub const LEAD_CSV_HEADER: &str = "id,created_at,status,email,first_name,last_name,phone,\
     company_name,source,employee,notes,business_id,channels_id";
