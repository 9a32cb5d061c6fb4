//! `leadctl channels` and `channels show`: finding a channel by id or title (suggestions, an
//! ambiguous title against the scripted server) and every output format.

use leadctl::sandbox::{PRIMARY_CHANNEL_ID, PUBLIC_CHANNEL_ID};
use serde_json::{json, Value};

use crate::support::sandbox::{fails, run, sandbox};
use crate::support::server::{Reply, ScriptedServer};
use crate::support::Leadctl;

fn channel(id: &str, title: &str) -> Value {
    json!({"id": id, "title": title, "currency": "USD", "no_auth_api": false,
           "property_definitions": [], "lead_status": []})
}

#[test]
fn an_unknown_title_suggests_the_closest() {
    let sb = sandbox();
    let o = run(&sb, &["channels", "show", "Acme Referal"]);
    fails(
        &o,
        6,
        "leadctl: error: no channel with the id or title \"Acme Referal\" among the 2 channels \
         this key can access\n  hint: did you mean \"Acme Referral Program\"? `leadctl channels` \
         lists them all\n",
    );
    let o = run(&sb, &["leads", "list", "--channel", "zzz"]);
    fails(
        &o,
        6,
        "leadctl: error: no channel with the id or title \"zzz\" among the 2 channels this key \
         can access\n  hint: `leadctl channels` lists them all\n",
    );
}

#[test]
fn a_title_matching_several_channels_is_an_error_listing_them() {
    const ONE: &str = "11111111-0000-4000-8000-000000000001";
    const TWO: &str = "11111111-0000-4000-8000-000000000002";
    let server = ScriptedServer::sequence(vec![Reply::json(
        200,
        json!({"channels": [channel(ONE, "Partners"), channel(TWO, "partners "),
                            channel(PRIMARY_CHANNEL_ID, "Other")]}),
    )]);
    let expected = format!(
        "leadctl: error: 2 channels are titled \"PARTNERS\": Partners ({ONE}), partners  ({TWO})\n  \
         hint: name the channel by its id\n"
    );
    for args in [
        &["channels", "show", "PARTNERS"][..],
        &["leads", "list", "--channel", "PARTNERS"],
    ] {
        let o = Leadctl::against(&server.url()).args(args).run();
        fails(&o, 6, &expected);
    }
    // By id it is found; only get_channels was ever sent.
    let o = Leadctl::against(&server.url())
        .args(["channels", "show", TWO, "-o", "id"])
        .run();
    o.code(0);
    assert_eq!(o.stdout, format!("{TWO}\n"));
    assert!(server
        .requests()
        .iter()
        .all(|r| r.action() == "get_channels"));
}

#[test]
fn channels_in_every_format() {
    let sb = sandbox();
    let o = run(&sb, &["channels", "-o", "json"]);
    o.code(0);
    let all = o.json();
    let all = all.as_array().expect("an array");
    assert_eq!(all.len(), 2);
    // The API objects as sent: every field, in the server's order, the optional one absent.
    let keys: Vec<&str> = all[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "id",
            "title",
            "created_at",
            "referring_id",
            "receiving_id",
            "creator",
            "partner_companies_id",
            "currency",
            "no_auth_api",
            "property_definitions",
            "lead_status"
        ]
    );
    assert!(all[1].get("partner_companies_id").is_none());
    // The emulator's assumption: a select lists its options (doc/sandbox.md).
    assert_eq!(
        all[1]["property_definitions"][1]["options"],
        serde_json::json!(["Germany", "France", "Spain", "Other"])
    );
    assert!(all[1]["property_definitions"][0].get("options").is_none());
    assert_eq!(all[1]["lead_status"][1]["color"], "#8B5CF6");

    let o = run(&sb, &["channels", "-o", "ndjson"]);
    o.code(0);
    let docs: Vec<Value> = o
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(docs, *all);

    let o = run(&sb, &["channels", "-o", "csv"]);
    o.code(0);
    assert_eq!(
        o.stdout,
        "id,title,currency,public api,properties,statuses\n\
         a1b2c3d4-e5f6-7890-abcd-ef1234567890,Acme Referral Program,USD,no,3,5\n\
         b2c3d4e5-f6a7-4890-8bcd-ef1234567891,Website Signups,EUR,yes,3,5\n"
    );
    let o = run(&sb, &["channels", "-o", "id"]);
    o.code(0);
    assert_eq!(
        o.stdout,
        format!("{PRIMARY_CHANNEL_ID}\n{PUBLIC_CHANNEL_ID}\n")
    );

    // `show`: one object.
    let o = run(&sb, &["channels", "show", "Website Signups", "-o", "json"]);
    o.code(0);
    assert_eq!(o.json(), all[1]);
    let o = run(
        &sb,
        &["channels", "show", "website signups", "-o", "ndjson"],
    );
    o.code(0);
    assert_eq!(o.stdout, format!("{}\n", all[1]));
    let o = run(&sb, &["channels", "show", PUBLIC_CHANNEL_ID, "-o", "csv"]);
    o.code(0);
    assert_eq!(
        o.stdout,
        "kind,id,name,type,options\n\
         property,f0000002-0000-4000-8000-000000000001,Budget,number,\n\
         property,f0000002-0000-4000-8000-000000000002,Country,select,\"Germany, France, Spain, Other\"\n\
         property,f0000002-0000-4000-8000-000000000003,Message,text,\n\
         status,e0000002-0000-4000-8000-000000000001,New lead,,\n\
         status,e0000002-0000-4000-8000-000000000002,Qualified,,\n\
         status,e0000002-0000-4000-8000-000000000003,Proposal sent,,\n\
         status,e0000002-0000-4000-8000-000000000004,Won,,\n\
         status,e0000002-0000-4000-8000-000000000005,Lost,,\n"
    );
    let o = run(&sb, &["channels", "show", "Website Signups", "-o", "id"]);
    o.code(0);
    assert_eq!(o.stdout, format!("{PUBLIC_CHANNEL_ID}\n"));
}
