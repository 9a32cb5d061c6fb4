//! The whole way through, against the in-process sandbox: find the channel, create a lead,
//! list it, read it by id and legacy id, update it, move it through two statuses, record a
//! purchase, and read it back raw with `leadctl api`.

use leadctl::sandbox::PRIMARY_CHANNEL_ID;
use serde_json::{json, Value};

use crate::support::sandbox::{
    lines, logged_bodies, run, sandbox, stored_lead, stored_purchases, PROPOSAL_ID, QUALIFIED_ID,
};

#[test]
fn journey_find_channel_create_list_update_qualify_and_buy() {
    let sb = sandbox();

    // 1. Find the channel.
    let o = run(&sb, &["channels"]);
    o.code(0);
    assert_eq!(
        o.stdout,
        "ID                                    TITLE                  CURRENCY  PUBLIC API  PROPERTIES  STATUSES\n\
         a1b2c3d4-e5f6-7890-abcd-ef1234567890  Acme Referral Program  USD       no          3           5\n\
         b2c3d4e5-f6a7-4890-8bcd-ef1234567891  Website Signups        EUR       yes         3           5\n"
    );
    assert_eq!(o.stderr, "");

    let o = run(&sb, &["channels", "show", "acme referral program"]);
    o.code(0);
    assert_eq!(
        o.stdout,
        "\
ID:                a1b2c3d4-e5f6-7890-abcd-ef1234567890
Title:             Acme Referral Program
Currency:          USD
Public API:        no
Created:           2025-01-15T09:00:00.000Z
Creator company:   c0000000-0000-4000-8000-00000000000a
Referring company: c0000000-0000-4000-8000-00000000000b
Receiving company: c0000000-0000-4000-8000-00000000000a
Partner company:   c0000000-0000-4000-8000-00000000000b

Property definitions:
  ID                                    NAME       TYPE    OPTIONS
  11111111-2222-3333-4444-555555555555  Deal size  number
  f0000001-0000-4000-8000-000000000002  Region     select  North America, EMEA, APAC, LATAM
  f0000001-0000-4000-8000-000000000003  Industry   text

Lead statuses:
  ORDER  ID                                    STATUS
  1      e0000001-0000-4000-8000-000000000001  New lead
  2      e0000001-0000-4000-8000-000000000002  Qualified
  3      e0000001-0000-4000-8000-000000000003  Proposal sent
  4      e0000001-0000-4000-8000-000000000004  Won
  5      e0000001-0000-4000-8000-000000000005  Lost
"
    );

    // 2. Create a lead.
    let o = run(
        &sb,
        &[
            "create",
            "--channel",
            PRIMARY_CHANNEL_ID,
            "--email",
            "jane@example.com",
            "--first-name",
            "Jane",
            "--last-name",
            "Smith",
            "--property",
            "Deal size=50000",
            "-o",
            "id",
        ],
    );
    o.code(0);
    let id = o.stdout.trim().to_string();
    assert!(uuid::Uuid::try_parse(&id).is_ok(), "{:?}", o.stdout);

    // 3. List it (by the channel's title, as `channels` showed it).
    let o = run(
        &sb,
        &["leads", "list", "--channel", "Acme Referral Program"],
    );
    o.code(0);
    let rows = lines(&o.stdout);
    assert_eq!(
        rows[0],
        "ID                                    STATUS    EMAIL             NAME        COMPANY  CREATED                   DEAL SIZE"
    );
    assert_eq!(rows.len(), 2, "{}", o.stdout);
    assert!(
        rows[1].starts_with(&format!(
            "{id}  New lead  jane@example.com  Jane Smith           20"
        )),
        "{}",
        rows[1]
    );
    assert!(rows[1].ends_with("Z  50000"), "{}", rows[1]);

    // 4. Read it, by id and by its legacy id.
    let o = run(&sb, &["leads", "get", &id, "-o", "json"]);
    o.code(0);
    let lead = o.json();
    assert_eq!(lead["id"], id.as_str());
    assert_eq!(lead["email"], "jane@example.com");
    assert_eq!(lead["status"], "New lead");
    assert_eq!(lead["property_values"][0]["value"], "50000");
    let o = run(&sb, &["leads", "get", "--legacy-id", "100001", "-o", "id"]);
    o.code(0);
    assert_eq!(o.stdout, format!("{id}\n"));

    // 5. Update it: --employee goes out as referring_employee; a property by name.
    let o = run(
        &sb,
        &[
            "-v",
            "leads",
            "update",
            &id,
            "--employee",
            "Sam Seller",
            "--phone",
            "+1 555 0100",
            "--property",
            "deal SIZE=80000",
        ],
    );
    o.code(0);
    let sent: Vec<Value> = logged_bodies(&o.stderr);
    let update = sent
        .iter()
        .find(|b| b["action"] == "update_lead")
        .expect("update_lead sent");
    assert_eq!(
        update,
        &json!({"action": "update_lead", "lead_id": id, "phone": "+1 555 0100",
                "referring_employee": "Sam Seller",
                "properties": [{"property_definitions_id": "11111111-2222-3333-4444-555555555555",
                                "value": "80000"}]})
    );
    o.stdout_has("Employee:   Sam Seller\n")
        .stdout_has("Phone:      +1 555 0100\n")
        .stdout_has("Deal size:  80000\n");
    assert_eq!(stored_lead(&sb, &id)["employee"], "Sam Seller");
    let o = run(&sb, &["leads", "get", &id, "-o", "json"]);
    o.code(0);
    assert_eq!(o.json()["referring_employee"], "Sam Seller");

    // 6. Qualify it, by name, then move it on by status id.
    let o = run(&sb, &["leads", "status", &id, "Qualified"]);
    o.code(0);
    assert_eq!(
        o.stdout,
        format!(
            "status: New lead \u{2192} Qualified\n\n\
             ID:         {id}\nStatus:     Qualified\nStatus ID:  {QUALIFIED_ID}\n\
             Email:      jane@example.com\nFirst name: Jane\nLast name:  Smith\n\
             Phone:      +1 555 0100\nEmployee:   Sam Seller\n\
             Channel:    {PRIMARY_CHANNEL_ID}\nCreated:    {}\nDeal size:  80000\n",
            lead["created_at"].as_str().expect("created_at")
        )
    );
    assert_eq!(stored_lead(&sb, &id)["lead_status_id"], QUALIFIED_ID);
    let o = run(&sb, &["leads", "status", &id, PROPOSAL_ID]);
    o.code(0);
    o.stdout_has("Status:     Proposal sent\n");
    assert_eq!(stored_lead(&sb, &id)["status"], "Proposal sent");

    // 7. Record a purchase; the amount goes out as a JSON number.
    let o = run(
        &sb,
        &[
            "-v",
            "purchases",
            "create",
            "--lead",
            &id,
            "--amount",
            "1250.50",
            "--product",
            "Pro plan",
            "--date",
            "2026-11-01T09:30:00Z",
            "-o",
            "json",
        ],
    );
    o.code(0);
    let sent = logged_bodies(&o.stderr);
    assert_eq!(
        sent,
        [
            json!({"action": "create_purchase", "lead_id": id, "purchase_amount": 1250.5,
                "product_name": "Pro plan", "date": "2026-11-01T09:30:00Z"})
        ]
    );
    assert!(sent[0]["purchase_amount"].is_number());
    let purchase = o.json();
    assert_eq!(purchase["leads_id"], id.as_str());
    assert_eq!(purchase["purchase_amount"], 1250.5);
    let stored = stored_purchases(&sb);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["purchase_amount"], 1250.5);
    assert_eq!(stored[0]["name"], "Pro plan");

    // 8. The raw escape hatch sees it all.
    let o = run(
        &sb,
        &["api", "get_lead_by_id", "-f", &format!("lead_id={id}")],
    );
    o.code(0);
    let answer = o.json();
    assert_eq!(answer["lead"]["status"], "Proposal sent");
    assert_eq!(answer["lead"]["referring_employee"], "Sam Seller");
    assert_eq!(answer["lead"]["property_values"][0]["value"], "80000");
}
