//! What each command says when the API refuses (401 for every command, 403 for the channel and
//! the lead the key cannot reach, 404 for a lead that does not exist) and when leadctl refuses
//! locally before sending anything (usage errors exit 2, ids that cannot be ids exit 6). The
//! whole of stderr is asserted: the `doing …:` context, the server's message and the hint.

use leadctl::sandbox::{PRIMARY_CHANNEL_ID, PRIVATE_CHANNEL_ID, PRIVATE_LEAD_ID};

use crate::support::sandbox::{
    api_requests, fails, run, run_with_key, sandbox, stored_lead, stored_purchases, NO_LEAD,
    QUALIFIED_ID, WRONG_KEY,
};

const HINT_403_CHANNEL: &str = "  hint: the key's company must be creator, partner, referring or \
     receiving company of the channel; check the channel id\n";
const HINT_403_LEAD: &str = "  hint: the lead is on a channel this key's company is not part \
     of; `leadctl channels` lists the channels the key can access\n";
const HINT_404_LEAD: &str = "  hint: check the lead id: `leadctl leads list --channel CHANNEL` \
     shows a channel's newest leads, and `leadctl leads get --legacy-id N` finds a lead by its \
     legacy integer id\n";
const HINT_401: &str = "  hint: check the API key (LEADCTL_API_KEY, LEADCTL_API_KEY_FILE or the \
     profile's api_key); keys are created in the KeenPartner web app under Settings > API keys\n";

#[test]
fn a_wrong_key_is_401_invalid_api_key_for_every_command() {
    let sb = sandbox();
    let cases: Vec<(Vec<&str>, String)> = vec![
        (vec!["channels"], "listing channels (get_channels)".into()),
        (
            vec!["channels", "show", "Acme Referral Program"],
            "listing channels (get_channels)".into(),
        ),
        (
            vec!["leads", "list", "--channel", PRIMARY_CHANNEL_ID],
            format!("listing the leads of channel {PRIMARY_CHANNEL_ID}"),
        ),
        (
            vec!["leads", "get", NO_LEAD],
            format!("looking up lead {NO_LEAD}"),
        ),
        (
            vec!["leads", "get", "--legacy-id", "100001"],
            "looking up the lead with legacy id 100001".into(),
        ),
        (
            vec!["leads", "update", NO_LEAD, "--phone", "1"],
            format!("updating lead {NO_LEAD}"),
        ),
        (
            vec!["leads", "status", NO_LEAD, "Qualified"],
            format!("moving lead {NO_LEAD} to \"Qualified\""),
        ),
        (
            vec!["leads", "status", NO_LEAD, QUALIFIED_ID],
            format!("moving lead {NO_LEAD} to status id {QUALIFIED_ID}"),
        ),
        (
            vec!["purchases", "create", "--lead", NO_LEAD, "--amount", "5"],
            format!("recording a purchase on lead {NO_LEAD}"),
        ),
        (vec!["api", "get_channels"], "calling get_channels".into()),
    ];
    for (args, doing) in cases {
        let o = run_with_key(&sb, WRONG_KEY, &args);
        fails(
            &o,
            4,
            &format!(
                "leadctl: error: {doing}: authentication refused (401): Invalid API key\n{HINT_401}"
            ),
        );
        o.never_shows(WRONG_KEY);
    }
}

#[test]
fn the_private_channel_is_403_channel_not_accessible_for_list_and_create() {
    let sb = sandbox();
    let o = run(&sb, &["leads", "list", "--channel", PRIVATE_CHANNEL_ID]);
    fails(
        &o,
        5,
        &format!(
            "leadctl: error: listing the leads of channel {PRIVATE_CHANNEL_ID}: permission \
             refused (403): Channel not accessible\n{HINT_403_CHANNEL}"
        ),
    );
    let o = run(
        &sb,
        &[
            "create",
            "--channel",
            PRIVATE_CHANNEL_ID,
            "--email",
            "a@example.com",
        ],
    );
    o.code(5)
        .stderr_has("permission refused (403): Channel not accessible\n");
    assert_eq!(sb.stats()["leads"], 1, "only the seeded lead");
}

#[test]
fn the_private_lead_is_403_lead_not_accessible_for_get_update_status_and_purchases() {
    let sb = sandbox();
    let cases: Vec<(Vec<&str>, String)> = vec![
        (
            vec!["leads", "get", PRIVATE_LEAD_ID],
            format!("looking up lead {PRIVATE_LEAD_ID}"),
        ),
        (
            vec!["leads", "get", "--legacy-id", "100000"],
            "looking up the lead with legacy id 100000".into(),
        ),
        (
            vec!["leads", "update", PRIVATE_LEAD_ID, "--phone", "1"],
            format!("updating lead {PRIVATE_LEAD_ID}"),
        ),
        (
            vec![
                "leads",
                "update",
                PRIVATE_LEAD_ID,
                "--property",
                "Deal size=1",
            ],
            format!("looking up lead {PRIVATE_LEAD_ID} to resolve property names"),
        ),
        (
            vec!["leads", "status", PRIVATE_LEAD_ID, "Won"],
            format!("moving lead {PRIVATE_LEAD_ID} to \"Won\""),
        ),
        (
            vec!["leads", "status", PRIVATE_LEAD_ID, QUALIFIED_ID],
            format!("moving lead {PRIVATE_LEAD_ID} to status id {QUALIFIED_ID}"),
        ),
        (
            vec![
                "purchases",
                "create",
                "--lead",
                PRIVATE_LEAD_ID,
                "--amount",
                "10",
            ],
            format!("recording a purchase on lead {PRIVATE_LEAD_ID}"),
        ),
    ];
    for (args, doing) in cases {
        let o = run(&sb, &args);
        fails(
            &o,
            5,
            &format!(
                "leadctl: error: {doing}: permission refused (403): Lead not accessible\n{HINT_403_LEAD}"
            ),
        );
    }
    assert_eq!(stored_lead(&sb, PRIVATE_LEAD_ID)["status"], "New lead");
    assert!(stored_purchases(&sb).is_empty());
}

#[test]
fn an_unknown_lead_is_404_lead_not_found() {
    let sb = sandbox();
    let cases: Vec<(Vec<&str>, String)> = vec![
        (
            vec!["leads", "get", NO_LEAD],
            format!("looking up lead {NO_LEAD}"),
        ),
        (
            vec!["leads", "get", "--legacy-id", "999999"],
            "looking up the lead with legacy id 999999".into(),
        ),
        (
            vec!["leads", "update", NO_LEAD, "--notes", "x"],
            format!("updating lead {NO_LEAD}"),
        ),
        (
            vec!["leads", "status", NO_LEAD, "Won"],
            format!("moving lead {NO_LEAD} to \"Won\""),
        ),
        (
            vec!["purchases", "create", "--lead", NO_LEAD],
            format!("recording a purchase on lead {NO_LEAD}"),
        ),
    ];
    for (args, doing) in cases {
        let o = run(&sb, &args);
        fails(
            &o,
            6,
            &format!(
                "leadctl: error: {doing}: the server rejected the request (404): Lead not found\n{HINT_404_LEAD}"
            ),
        );
    }
}

#[test]
fn usage_errors_exit_2_and_send_nothing() {
    let sb = sandbox();
    let o = run(&sb, &["leads", "update", NO_LEAD]);
    fails(
        &o,
        2,
        "leadctl: error: nothing to update: give at least one field or --property\n  hint: e.g. \
         `leadctl leads update LEAD_ID --phone +1-555-0100`; see --help\n",
    );
    let o = run(&sb, &["leads", "get"]);
    o.code(2).stderr_has(
        "error: the following required arguments were not provided:\n  <LEAD_ID|--legacy-id <N>>\n",
    );
    let o = run(&sb, &["leads", "get", NO_LEAD, "--legacy-id", "5"]);
    o.code(2)
        .stderr_has("error: the argument '[LEAD_ID]' cannot be used with '--legacy-id <N>'\n");
    let o = run(&sb, &["leads", "get", "--legacy-id", "abc"]);
    o.code(2)
        .stderr_has("error: invalid value 'abc' for '--legacy-id <N>'");
    for (flag, value, message) in [
        (
            "--date",
            "yesterday",
            "leadctl: error: --date \"yesterday\" is not a date: write 2024-06-01, 2024-06-01 \
             10:00, 2024-06-01T10:00:00Z, 01.06.2024 or 06/01/2024\n",
        ),
        (
            "--date",
            // A date alone is a date now (#28); one that reads two ways is refused.
            "03/04/2026",
            "leadctl: error: --date \"03/04/2026\" could be 2026-04-03 (day first) or 2026-03-04 \
             (month first): say which with --date-order dmy or --date-order mdy\n",
        ),
        (
            "--amount",
            "12,5",
            "error: invalid value '12,5' for '--amount <N>': expected a number such as 1250.50, \
             got \"12,5\"\n",
        ),
        (
            "--amount",
            "1e400",
            "error: invalid value '1e400' for '--amount <N>'",
        ),
    ] {
        let o = run(
            &sb,
            &["purchases", "create", "--lead", NO_LEAD, flag, value],
        );
        o.code(2).stderr_has(message);
        assert_eq!(o.stdout, "");
    }
    let o = run(&sb, &["leads", "status", NO_LEAD, " "]);
    fails(
        &o,
        2,
        "leadctl: error: STATUS is empty\n  hint: give a status name such as \"Qualified\", or a \
         status id\n",
    );
    // Ids that cannot be ids are invalid input (6), also caught before sending.
    let o = run(&sb, &["leads", "get", "12345"]);
    fails(
        &o,
        6,
        "leadctl: error: \"12345\" is not a lead id (a UUID)\n  hint: for an integer id from the \
         legacy system use --legacy-id 12345\n",
    );
    let o = run(
        &sb,
        &["purchases", "create", "--lead", NO_LEAD, "--trigger", "t1"],
    );
    fails(
        &o,
        6,
        "leadctl: error: --trigger needs reward trigger ids (UUIDs); not UUIDs: \"t1\"\n",
    );
    let o = run(&sb, &["leads", "update", NO_LEAD, "--property", "Budget=5"]);
    o.code(6); // the lead lookup comes first: 404
    assert_eq!(
        api_requests(&sb),
        1,
        "only the update's lead lookup was sent"
    );
}
