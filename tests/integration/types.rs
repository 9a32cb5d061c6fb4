//! What a lead says, checked the same in `create` and `import` before anything is sent (#15):
//! number properties under a decimal-separator convention, select options in their canonical
//! spelling, blank leads refused, bad emails refused by `create` as by `import`, channels by
//! their title and statuses by their name in any case.

use leadctl::sandbox::{Sandbox, DEAL_SIZE_PROPERTY_ID as DEAL, PRIMARY_CHANNEL_ID};
use serde_json::{json, Value};

use crate::import::{created, leadctl, results, sandbox};
use crate::support::sandbox::{create, run, stored_lead};
use crate::support::server::{Reply, ScriptedServer};
use crate::support::{Leadctl, CHANNEL};

const REGION: &str = "f0000001-0000-4000-8000-000000000002";

/// An export from Excel in Germany: semicolons, decimal commas, dots grouping thousands, a
/// currency sign, and select values typed in any case.
const EXCEL_EUROPE: &str = "E-Mail;Vorname;Deal size;Region\n\
    anna@example.de;Anna;50.000;emea\n\
    ben@example.de;Ben;1 200,50;Emea\n\
    carla@example.de;Carla;12.500,00;apac\n\
    dirk@example.de;Dirk;€ 3.000;EMEA\n";

fn excel_europe(sb: &Sandbox) -> (crate::support::Leadctl, String) {
    let cli = leadctl(sb);
    let file = cli.file("export.csv", EXCEL_EUROPE);
    (cli, file.display().to_string())
}

fn body(email: &str, name: &str, deal: &str, region: &str) -> Value {
    json!({"action": "create_lead", "channel_id": PRIMARY_CHANNEL_ID, "email": email,
           "first_name": name,
           "properties": [{"property_definitions_id": DEAL, "value": deal},
                          {"property_definitions_id": REGION, "value": region}]})
}

fn excel_europe_bodies() -> Vec<Value> {
    vec![
        body("anna@example.de", "Anna", "50000", "EMEA"),
        body("ben@example.de", "Ben", "1200.5", "EMEA"),
        body("carla@example.de", "Carla", "12500", "APAC"),
        body("dirk@example.de", "Dirk", "3000", "EMEA"),
    ]
}

#[test]
fn excel_europe_numbers_need_the_decimal_separator_and_name_both_readings() {
    let sb = sandbox(|_| {});
    let (cli, file) = excel_europe(&sb);
    let out = cli
        .args(["import", &file, "--dry-run", "--map", "Vorname=first_name"])
        .run();
    out.code(6)
        .stderr_has("4 row(s) checked: 2 valid, 2 invalid")
        .stderr_has(
            "  row 1 (line 2), column 3 \"Deal size\": \"50.000\" (number property \"Deal size\") \
             could be 50 (decimal point) or 50000 (decimal comma): say which with \
             --decimal-separator . or --decimal-separator ,\n",
        )
        .stderr_has(
            "  row 4 (line 5), column 3 \"Deal size\": \"€ 3.000\" (number property \"Deal size\") \
             could be 3 (decimal point) or 3000 (decimal comma)",
        );
    assert_eq!(created(&sb), 0, "nothing was sent");
}

#[test]
fn excel_europe_with_a_comma_gives_plain_decimals_and_canonical_options() {
    let sb = sandbox(|_| {});
    let (cli, file) = excel_europe(&sb);
    let out = cli
        .args(["import", &file, "--dry-run", "-o", "ndjson"])
        .args(["--map", "Vorname=first_name", "--decimal-separator", ","])
        .run();
    out.code(0)
        .stderr_has("4 row(s) checked: 4 valid, 0 invalid");
    assert_eq!(results(&out), excel_europe_bodies());

    // The same from the profile's decimal_separator, and from the environment.
    let (cli, file) = excel_europe(&sb);
    cli.file(
        "config.toml",
        "[profiles.default]\ndecimal_separator = \",\"\n",
    );
    let out = cli
        .args(["import", &file, "--dry-run", "-o", "ndjson"])
        .args(["--map", "Vorname=first_name"])
        .run();
    out.code(0);
    assert_eq!(results(&out), excel_europe_bodies());
    let (cli, file) = excel_europe(&sb);
    let out = cli
        .env("LEADCTL_DECIMAL_SEPARATOR", ",")
        .args(["import", &file, "--dry-run", "-o", "ndjson"])
        .args(["--map", "Vorname=first_name"])
        .run();
    out.code(0);
    assert_eq!(results(&out), excel_europe_bodies());

    // The flag beats the profile: under `.` the comma values do not fit.
    let (cli, file) = excel_europe(&sb);
    cli.file(
        "config.toml",
        "[profiles.default]\ndecimal_separator = \",\"\n",
    );
    let out = cli
        .args(["import", &file, "--dry-run", "--decimal-separator", "."])
        .args(["--map", "Vorname=first_name"])
        .run();
    out.code(6).stderr_has(
        "row 2 (line 3), column 3 \"Deal size\": \"1 200,50\" (number property \"Deal size\") \
         does not fit --decimal-separator . (it reads as 1200.5 with --decimal-separator ,)",
    );
    assert_eq!(created(&sb), 0);
}

#[test]
fn create_reads_numbers_and_options_as_import_does() {
    let sb = sandbox(|_| {});
    let out = leadctl(&sb)
        .args(["create", "--dry-run", "--email", "anna@example.de"])
        .args([
            "--property",
            "Deal size=1 200,50",
            "--property",
            "region=emea",
        ])
        .args(["--decimal-separator", ","])
        .run();
    out.code(0);
    let mut expected = json!({"action": "create_lead", "channel_id": PRIMARY_CHANNEL_ID,
        "email": "anna@example.de",
        "properties": [{"property_definitions_id": DEAL, "value": "1200.5"},
                       {"property_definitions_id": REGION, "value": "EMEA"}]});
    assert_eq!(out.json(), expected);

    // Without the convention: the same message as import's, located by the input.
    let out = leadctl(&sb)
        .args(["create", "--dry-run", "--email", "anna@example.de"])
        .args(["--property", "Deal size=50.000"])
        .run();
    out.code(6).stderr_has(
        "leadctl: error: the command line: \"50.000\" (number property \"Deal size\") could be 50 \
         (decimal point) or 50000 (decimal comma): say which with --decimal-separator . or \
         --decimal-separator ,\n",
    );

    // JSON: a string is read as a number, a JSON number goes as it is.
    let cli = leadctl(&sb);
    let file = cli.file(
        "leads.json",
        &json!([{"email": "a@example.de", "properties": [
                    {"property_definitions_id": "Deal size", "value": "€ 3.000"},
                    {"property_definitions_id": REGION, "value": "Apac"}]},
                {"email": "b@example.de", "properties": [
                    {"property_definitions_id": DEAL, "value": 12.5}]}])
        .to_string(),
    );
    let out = cli
        .args(["create", "--dry-run", "--decimal-separator", ",", "--json"])
        .arg(&file)
        .run();
    out.code(0);
    expected["email"] = json!("a@example.de");
    expected["properties"] = json!([{"property_definitions_id": DEAL, "value": "3000"},
                                    {"property_definitions_id": REGION, "value": "APAC"}]);
    let second = json!({"action": "create_lead", "channel_id": PRIMARY_CHANNEL_ID,
        "email": "b@example.de", "properties": [{"property_definitions_id": DEAL, "value": 12.5}]});
    assert_eq!(out.json(), json!([expected, second]));
    assert_eq!(created(&sb), 0);
}

#[test]
fn an_unknown_option_lists_the_options_and_the_closest() {
    let sb = sandbox(|_| {});
    let cli = leadctl(&sb);
    let file = cli.file(
        "r.csv",
        "Email,Region\na@example.com,EMAE\nb@example.com,Mars\n",
    );
    let out = cli.args(["import", file.to_str().unwrap()]).run();
    out.code(6)
        .stderr_has(
            "  row 1 (line 2), column 2 \"Region\": \"EMAE\" is not an option of property \
             \"Region\"; its options are \"North America\", \"EMEA\", \"APAC\", \"LATAM\"; did \
             you mean \"EMEA\"?\n",
        )
        .stderr_has(
            "  row 2 (line 3), column 2 \"Region\": \"Mars\" is not an option of property \
             \"Region\"; its options are \"North America\", \"EMEA\", \"APAC\", \"LATAM\"\n",
        );
    let out = leadctl(&sb)
        .args([
            "create",
            "--email",
            "a@example.com",
            "--property",
            "Region=EMAE",
        ])
        .run();
    out.code(6).stderr_has(
        "leadctl: error: the command line: \"EMAE\" is not an option of property \"Region\"; its \
         options are \"North America\", \"EMEA\", \"APAC\", \"LATAM\"; did you mean \"EMEA\"?\n  \
         hint: fix the values and run the command again\n",
    );
    assert_eq!(created(&sb), 0);
}

#[test]
fn a_select_without_a_list_of_options_passes_unchanged() {
    // The documented get_channels answer lists no options.
    let server = ScriptedServer::importing(|req, _| match req.action().as_str() {
        "get_channels" => Reply::json(
            200,
            json!({"channels": [{"id": CHANNEL, "title": "Acme", "property_definitions": [
                {"id": REGION, "name": "Region", "type": "select"}]}]}),
        ),
        _ => Reply::json(500, json!({"error": "not expected"})),
    });
    let out = Leadctl::against(&server.url())
        .args([
            "create",
            "--dry-run",
            "--channel",
            CHANNEL,
            "--email",
            "a@example.com",
        ])
        .args(["--property", "Region=whatever it is"])
        .run();
    out.code(0);
    assert_eq!(out.json()["properties"][0]["value"], "whatever it is");
}

#[test]
fn blank_rows_and_objects_are_not_leads() {
    let sb = sandbox(|_| {});
    let cli = leadctl(&sb);
    let file = cli.file(
        "blank.csv",
        "Email;First Name;Notes;Deal size\na@example.com;Ann;;\n;;;\n;;only a note;5\n",
    );
    let out = cli.args(["import", file.to_str().unwrap()]).run();
    out.code(6)
        .stderr_has("3 row(s) checked: 1 valid, 2 invalid")
        .stderr_has(
            "  row 2 (line 3): has no lead data: none of email, phone, first or last name, \
             company or business id is given, so it would be a blank lead\n",
        )
        .stderr_has("  row 3 (line 4): has no lead data: ");
    assert_eq!(created(&sb), 0);

    let cli = leadctl(&sb);
    let file = cli.file(
        "leads.json",
        r#"[{"email": "a@example.com"}, {"notes": "call back"}, {}]"#,
    );
    let out = cli.args(["create", "--json"]).arg(&file).run();
    out.code(6).stderr_has(&format!(
        "leadctl: error: 2 problems:\n  {f}, item 2: has no lead data: none of email, phone, \
         first or last name, company or business id is given, so it would be a blank lead\n  {f}, \
         item 3: has no lead data: ",
        f = file.display()
    ));
    let out = leadctl(&sb)
        .args([
            "create",
            "--notes",
            "call back",
            "--property",
            "Region=EMEA",
        ])
        .run();
    out.code(6).stderr_has(
        "leadctl: error: the command line: has no lead data: none of email, phone, first or last \
         name, company or business id is given, so it would be a blank lead\n",
    );
    assert_eq!(created(&sb), 0, "no blank lead was created");
}

#[test]
fn create_refuses_a_bad_email_as_import_does() {
    let sb = sandbox(|_| {});
    let out = leadctl(&sb)
        .args(["create", "--email", "not-an-email"])
        .run();
    out.code(6);
    assert_eq!(
        out.stderr,
        "leadctl: error: the command line: email \"not-an-email\" is not a valid email address\n  \
         hint: fix the values and run the command again\n"
    );
    let cli = leadctl(&sb);
    let file = cli.file(
        "bad.json",
        "{\"email\": \"jane@\"}\n{\"email\": \"ok@example.com\"}\n",
    );
    let out = cli.args(["create", "--json"]).arg(&file).run();
    out.code(6).stderr_has(&format!(
        "leadctl: error: {}, object 1 (line 1): email \"jane@\" is not a valid email address\n",
        file.display()
    ));
    let cli = leadctl(&sb);
    let file = cli.file("bad.csv", "Email\nnot-an-email\n");
    cli.args(["import", file.to_str().unwrap()])
        .run()
        .code(6)
        .stderr_has(
            "row 1 (line 2), column 1 \"Email\": \"not-an-email\" is not a valid email address",
        );
    assert_eq!(created(&sb), 0, "nothing reached the server");
}

#[test]
fn channels_are_taken_by_title_everywhere() {
    let sb = sandbox(|_| {});
    let out = leadctl(&sb)
        .env_remove("LEADCTL_CHANNEL")
        .args(["create", "--dry-run", "--channel", "Acme Referral Program"])
        .args(["--email", "a@example.com"])
        .run();
    out.code(0);
    assert_eq!(out.json()["channel_id"], PRIMARY_CHANNEL_ID);

    let cli = leadctl(&sb).env_remove("LEADCTL_CHANNEL");
    let file = cli.file("t.csv", "Email\na@example.com\n");
    let out = cli
        .args([
            "import",
            file.to_str().unwrap(),
            "--dry-run",
            "-o",
            "ndjson",
        ])
        .args(["--channel", " acme referral PROGRAM "])
        .run();
    out.code(0);
    assert_eq!(results(&out)[0]["channel_id"], PRIMARY_CHANNEL_ID);
    // From the environment too.
    let cli = leadctl(&sb).env("LEADCTL_CHANNEL", "Website Signups");
    let file = cli.file("t.csv", "Email\na@example.com\n");
    let out = cli
        .args([
            "import",
            file.to_str().unwrap(),
            "--dry-run",
            "-o",
            "ndjson",
        ])
        .run();
    out.code(0);
    assert_eq!(
        results(&out)[0]["channel_id"],
        leadctl::sandbox::PUBLIC_CHANNEL_ID
    );

    // An unknown title: exit 6 with the closest one, nothing sent.
    let cli = leadctl(&sb);
    let file = cli.file("t.csv", "Email\na@example.com\n");
    let out = cli
        .args([
            "import",
            file.to_str().unwrap(),
            "--channel",
            "Acme Referal Program",
        ])
        .run();
    out.code(6).stderr_has(
        "leadctl: error: no channel with the id or title \"Acme Referal Program\" among the 2 \
         channels this key can access (command-line flag)\n  hint: did you mean \"Acme Referral \
         Program\"? `leadctl channels` lists them all\n",
    );
    assert_eq!(created(&sb), 0);
}

#[test]
fn config_set_channel_stores_the_id_of_a_title() {
    let sb = sandbox(|_| {});
    let cli = leadctl(&sb).env_remove("LEADCTL_CHANNEL");
    let home = cli.home().to_path_buf();
    let out = cli
        .args(["config", "set", "channel", "acme referral program"])
        .run();
    out.code(0)
        .stderr_has(&format!(
            "leadctl: channel Acme Referral Program ({PRIMARY_CHANNEL_ID})\n"
        ))
        .stderr_has("set channel in profile \"default\"");
    let text = std::fs::read_to_string(home.join("config.toml")).unwrap();
    assert!(
        text.contains(&format!("channel = \"{PRIMARY_CHANNEL_ID}\"")),
        "{text}"
    );

    let out = leadctl(&sb)
        .args(["config", "set", "channel", "Nope"])
        .run();
    out.code(6).stderr_has(
        "leadctl: error: no channel with the id or title \"Nope\" among the 2 channels this key \
         can access\n",
    );
    let out = leadctl(&sb)
        .args([
            "--sandbox",
            "config",
            "set",
            "channel",
            "Acme Referral Program",
        ])
        .run();
    out.code(2).stderr_has(
        "leadctl: error: config set channel with --sandbox: the sandbox's channels are not this \
         profile's\n  hint: give the channel's UUID, or drop --sandbox\n",
    );
}

#[test]
fn decimal_separator_values_are_checked_where_they_are_given() {
    let out = Leadctl::new()
        .args(["config", "set", "decimal_separator", ";"])
        .run();
    out.code(3).stderr_has(
        "leadctl: error: invalid value \";\" for decimal_separator: expected , (1.234,50) or . \
         (1,234.50)\n",
    );
    let cli = Leadctl::new();
    cli.file(
        "config.toml",
        "[profiles.default]\ndecimal_separator = \"x\"\n",
    );
    let out = cli
        .args(["import", "-", "--dry-run"])
        .stdin("Email\n")
        .run();
    out.code(3)
        .stderr_has("leadctl: error: invalid decimal_separator \"x\" (profile \"default\" in ");
    let out = Leadctl::new()
        .args(["import", "-", "--decimal-separator", "x"])
        .run();
    out.code(2).stderr_has("\"x\" is not a decimal separator");
    let out = Leadctl::new()
        .env("LEADCTL_DECIMAL_SEPARATOR", "x")
        .args(["import", "-", "--dry-run"])
        .stdin("Email\n")
        .run();
    out.code(3).stderr_has(
        "invalid decimal_separator \"x\" (environment variable LEADCTL_DECIMAL_SEPARATOR)",
    );
    let cli = Leadctl::new();
    cli.file(
        "config.toml",
        "[profiles.default]\ndecimal_separator = \",\"\n",
    );
    cli.args(["config", "list"])
        .run()
        .code(0)
        .stdout_has("decimal_separator  ,");
}

#[test]
fn statuses_are_taken_in_any_case_when_unambiguous() {
    let sb = crate::support::sandbox::sandbox();
    let id = create(&sb, "s@example.com");
    let out = run(&sb, &["leads", "status", &id, "qualified"]);
    out.code(0)
        .stdout_has("status: New lead \u{2192} Qualified\n");
    assert_eq!(stored_lead(&sb, &id)["status"], "Qualified");
    let out = run(&sb, &["leads", "status", &id, " PROPOSAL SENT", "-o", "id"]);
    out.code(0);
    assert_eq!(stored_lead(&sb, &id)["status"], "Proposal sent");
}

#[test]
fn an_ambiguous_status_name_lists_the_candidates() {
    const LEAD: &str = "9b2f6c1e-3d4a-4b5c-8d7e-1f2a3b4c5d6e";
    let server = ScriptedServer::start(|req, _| match req.action().as_str() {
        "get_lead_by_id" => Reply::json(
            200,
            json!({"lead": {"id": LEAD, "status": "New lead", "channels_id": CHANNEL}}),
        ),
        "get_channels" => Reply::json(
            200,
            json!({"channels": [{"id": CHANNEL, "title": "Acme", "lead_status": [
                {"id": "e0000001-0000-4000-8000-000000000004", "status": "Won", "order": 1},
                {"id": "e0000001-0000-4000-8000-000000000005", "status": "won", "order": 2}]}]}),
        ),
        _ => Reply::error(404, "Status \"WON\" not found for this channel"),
    });
    let out = Leadctl::against(&server.url())
        .args(["leads", "status", LEAD, "WON"])
        .run();
    out.code(6);
    assert_eq!(
        out.stderr,
        format!(
            "leadctl: error: moving lead {LEAD} to \"WON\": the server rejected the request \
             (404): Status \"WON\" not found for this channel\n  status \"WON\" matches \"Won\", \
             \"won\" (they differ only in case); write it exactly\n  hint: give the status's \
             exact spelling, or its id\n"
        )
    );
    let sent: Vec<String> = server
        .requests()
        .iter()
        .filter(|r| r.action() == "update_status")
        .map(|r| r.json()["status"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(sent, ["WON"], "no guess was sent");
}

#[test]
fn the_shipped_examples_are_valid() {
    let sb = sandbox(|_| {});
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let out = leadctl(&sb)
        .arg("import")
        .arg(examples.join("leads.csv"))
        .args(["--dry-run", "--map", "CRM ID=business_id"])
        .run();
    out.code(0).stderr_has("25 valid, 0 invalid");
    let out = leadctl(&sb)
        .args(["create", "--dry-run", "--json"])
        .arg(examples.join("leads.json"))
        .run();
    out.code(0).stdout_has("\"value\": \"North America\"");
    assert_eq!(created(&sb), 0);
}

#[test]
fn a_saved_mapping_keeps_the_decimal_separator_and_the_flag_still_wins() {
    let sb = sandbox(|_| {});
    let (cli, file) = excel_europe(&sb);
    let saved = cli.home().join("crm.toml");
    let saved = saved.to_str().unwrap();
    let out = cli
        .args(["import", &file, "--dry-run", "-o", "ndjson"])
        .args(["--decimal-separator", ",", "--save-mapping", saved])
        .run();
    out.code(0);
    assert_eq!(results(&out), excel_europe_bodies());
    let text = std::fs::read_to_string(saved).unwrap();
    assert!(text.contains("decimal_separator = \",\""), "{text}");

    // The nightly job: the file and the mapping, nothing else; the same bodies.
    let (cli, file) = excel_europe(&sb);
    let again = cli
        .args([
            "import",
            &file,
            "--dry-run",
            "-o",
            "ndjson",
            "--mapping",
            saved,
        ])
        .run();
    again.code(0);
    assert_eq!(results(&again), excel_europe_bodies());

    // The command line wins over the file: with `.`, "50.000" is fifty.
    let (cli, file) = excel_europe(&sb);
    let dot = cli
        .args(["import", &file, "--dry-run", "--mapping", saved])
        .args(["--decimal-separator", "."])
        .run();
    dot.code(6).stderr_has(
        "\"1 200,50\" (number property \"Deal size\") does not fit --decimal-separator . (it \
         reads as 1200.5 with --decimal-separator ,)",
    );
}
