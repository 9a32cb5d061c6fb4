//! Canned KeenPartner answers for the scripted server, in the documented shapes: a created lead,
//! the channel list, and a server that answers `get_channels` and every create.

use serde_json::{json, Value};

use super::request::Request;
use super::server::{Reply, ScriptedServer};
use super::CHANNEL;

/// The "Deal size" property of the test channel (the id the documentation's examples use).
pub const DEAL_SIZE: &str = "11111111-2222-3333-4444-555555555555";

/// `create_lead`'s answer for a lead with this email, as in the documentation's example.
pub fn lead_response(email: &str) -> Value {
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

/// `get_channels` with the test channel, its two properties and one status.
pub fn channels_response() -> Value {
    json!({"channels": [{
        "id": CHANNEL, "title": "Acme Referral Program", "currency": "USD", "no_auth_api": false,
        "property_definitions": [
            {"id": DEAL_SIZE, "name": "Deal size", "type": "number", "order": 1, "visible": true},
            {"id": "21111111-2222-3333-4444-555555555555", "name": "Region", "type": "select", "order": 2, "visible": true}],
        "lead_status": [{"id": "d1e2f3a4-b5c6-4d7e-8f9a-0b1c2d3e4f5a", "status": "New lead", "order": 1, "visible": true, "color": "#3B82F6"}]
    }]})
}

/// Answers `get_channels` with the channel above, `get_leads` with an empty channel (unrecorded:
/// the read a create makes first), and every other action with a lead (its email taken from the
/// request).
pub fn lead_server() -> ScriptedServer {
    ScriptedServer::importing(|req, _| match req.action().as_str() {
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

/// `create_lead` answered 200 for jane@example.com.
pub fn create_ok() -> Reply {
    Reply::json(200, lead_response("jane@example.com"))
}

/// `create_lead`'s answer for a scripted create: the lead, its id derived from the business id
/// (`B-7` → `…000000000007`), so a test can tell each row's lead.
pub fn lead_for(req: &Request) -> Reply {
    let body = req.json();
    let bid = body["business_id"].as_str().unwrap_or("B-0").to_string();
    let n: u64 = bid.trim_start_matches("B-").parse().unwrap_or(0);
    Reply::json(
        200,
        json!({"lead": {
            "id": format!("00000000-0000-4000-8000-{n:012}"),
            "created_at": "2026-04-21T10:00:00Z",
            "email": body["email"], "business_id": bid, "channels_id": CHANNEL,
        }}),
    )
}
