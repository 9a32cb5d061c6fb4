//! `leadctl leads update` and `leads status`: unknown status names and ids and unknown property
//! names explained with the channel's choices, every output format, and a status answer that
//! shows the old status name (as the documentation's example does).

use leadctl::sandbox::PRIMARY_CHANNEL_ID;
use serde_json::{json, Value};

use crate::support::sandbox::{
    create, fails, lines, run, sandbox, stored_lead, LEAD_CSV_HEADER, OTHER_CHANNEL_STATUS_ID,
    PROPOSAL_ID, QUALIFIED_ID,
};
use crate::support::server::{Reply, ScriptedServer};
use crate::support::Leadctl;

#[test]
fn an_unknown_status_name_lists_the_channel_statuses_and_the_closest() {
    let sb = sandbox();
    let id = create(&sb, "s@example.com");
    let o = run(&sb, &["leads", "status", &id, "qualifed"]);
    fails(
        &o,
        6,
        &format!(
            "leadctl: error: moving lead {id} to \"qualifed\": the server rejected the request \
             (404): Status \"qualifed\" not found for this channel\n  the statuses of the lead's \
             channel Acme Referral Program ({PRIMARY_CHANNEL_ID}) are \"New lead\", \
             \"Qualified\", \"Proposal sent\", \"Won\", \"Lost\"\n  hint: did you mean \
             \"Qualified\"?\n"
        ),
    );
    // Nothing near: the hint points at `channels show`.
    let o = run(&sb, &["leads", "status", &id, "Archived"]);
    o.code(6).stderr_has(&format!(
        "  hint: use one of these ids (or a status name); `leadctl channels show \
         {PRIMARY_CHANNEL_ID}` lists them\n"
    ));
    assert_eq!(stored_lead(&sb, &id)["status"], "New lead");
}

#[test]
fn an_unknown_status_id_is_404_status_id_not_found() {
    let sb = sandbox();
    let id = create(&sb, "s@example.com");
    let o = run(&sb, &["leads", "status", &id, OTHER_CHANNEL_STATUS_ID]);
    fails(
        &o,
        6,
        &format!(
            "leadctl: error: moving lead {id} to status id {OTHER_CHANNEL_STATUS_ID}: the server \
             rejected the request (404): Status ID not found\n  the statuses of the lead's \
             channel Acme Referral Program ({PRIMARY_CHANNEL_ID}) are \
             e0000001-0000-4000-8000-000000000001 (\"New lead\"), \
             e0000001-0000-4000-8000-000000000002 (\"Qualified\"), \
             e0000001-0000-4000-8000-000000000003 (\"Proposal sent\"), \
             e0000001-0000-4000-8000-000000000004 (\"Won\"), \
             e0000001-0000-4000-8000-000000000005 (\"Lost\")\n  hint: use one of these ids (or \
             a status name); `leadctl channels show {PRIMARY_CHANNEL_ID}` lists them\n"
        ),
    );
    assert_eq!(stored_lead(&sb, &id)["status"], "New lead");
}

#[test]
fn an_unknown_property_name_on_update_lists_the_channel_properties() {
    let sb = sandbox();
    let id = create(&sb, "p@example.com");
    let o = run(&sb, &["leads", "update", &id, "--property", "Regoin=EMEA"]);
    fails(
        &o,
        6,
        &format!(
            "leadctl: error: unknown property \"Regoin\" on channel Acme Referral Program \
             ({PRIMARY_CHANNEL_ID}); its properties are \"Deal size\", \"Region\", \
             \"Industry\"; did you mean \"Region\"?\n  hint: use one of the names listed, or a \
             property definition UUID\n"
        ),
    );
}

#[test]
fn leads_update_and_status_in_every_format() {
    let sb = sandbox();
    let id = create(&sb, "f@example.com");
    let o = run(
        &sb,
        &["leads", "update", &id, "--source", "Fair", "-o", "id"],
    );
    o.code(0);
    assert_eq!(o.stdout, format!("{id}\n"));
    let o = run(&sb, &["leads", "update", &id, "--notes", "n", "-o", "json"]);
    o.code(0);
    assert_eq!(o.json()["notes"], "n");
    assert_eq!(o.json()["source"], "Fair");
    let o = run(
        &sb,
        &["leads", "update", &id, "--business-id", "B-1", "-o", "csv"],
    );
    o.code(0);
    assert_eq!(lines(&o.stdout)[0], LEAD_CSV_HEADER);
    assert!(lines(&o.stdout)[1].contains(",B-1,"), "{}", o.stdout);

    let o = run(&sb, &["leads", "status", &id, "Won", "-o", "ndjson"]);
    o.code(0);
    let answer: Value = serde_json::from_str(o.stdout.trim()).expect("one JSON line");
    assert_eq!(o.stdout.lines().count(), 1);
    assert_eq!(
        answer["lead_status_id"],
        "e0000001-0000-4000-8000-000000000004"
    );
    let o = run(&sb, &["leads", "status", &id, PROPOSAL_ID, "-o", "csv"]);
    o.code(0);
    assert!(
        lines(&o.stdout)[1].contains(",Proposal sent,f@example.com,"),
        "{}",
        o.stdout
    );
    let o = run(&sb, &["leads", "status", &id, "Lost", "-o", "id"]);
    o.code(0);
    assert_eq!(o.stdout, format!("{id}\n"));
}

#[test]
fn a_status_answer_with_the_old_status_name_shows_the_new_one() {
    // doc/api.md (inconsistencies in the docs): the documented update_status(_id) answers show the old name beside the
    // new lead_status_id.
    const LEAD: &str = "d1111111-0000-4000-8000-000000000002";
    let server = ScriptedServer::start(|req, _| match req.action().as_str() {
        "update_status" | "update_status_id" => Reply::json(
            200,
            json!({"lead": {"id": LEAD, "status": "New lead", "lead_status_id": QUALIFIED_ID,
                            "channels_id": PRIMARY_CHANNEL_ID}}),
        ),
        // The table's reads of the whole lead fail: it shows what the change answered.
        "get_lead_by_id" => Reply::error(404, "Lead not found"),
        _ => Reply::json(
            200,
            json!({"channels": [{"id": PRIMARY_CHANNEL_ID, "title": "Acme",
                                 "lead_status": [{"id": QUALIFIED_ID, "status": "Qualified"}]}]}),
        ),
    });
    let expected = format!(
        "status: now Qualified\n\nID:        {LEAD}\nStatus:    Qualified\nStatus ID: {QUALIFIED_ID}\n\
         Channel:   {PRIMARY_CHANNEL_ID}\n"
    );
    for status in ["Qualified", QUALIFIED_ID] {
        let o = Leadctl::against(&server.url())
            .args(["leads", "status", LEAD, status])
            .run();
        o.code(0);
        assert_eq!(o.stdout, expected);
    }
    // -o json stays the answer as sent.
    let o = Leadctl::against(&server.url())
        .args(["leads", "status", LEAD, "Qualified", "-o", "json"])
        .run();
    o.code(0);
    assert_eq!(o.json()["status"], "New lead");
    let actions: Vec<String> = server.requests().iter().map(|r| r.action()).collect();
    assert_eq!(
        actions,
        [
            "get_lead_by_id",
            "update_status",
            "get_lead_by_id",
            "get_lead_by_id",
            "update_status_id",
            "get_channels",
            "get_lead_by_id",
            "update_status"
        ]
    );
}
