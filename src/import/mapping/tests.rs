//! Unit tests of the header mapping: names, aliases, stand-ins, constants, `--map`.

use super::*;

fn headers(h: &[&str]) -> Vec<String> {
    h.iter().map(|s| s.to_string()).collect()
}

fn props() -> BTreeMap<String, String> {
    [
        ("dealsize".to_string(), "Deal size".to_string()),
        ("region".to_string(), "Region".to_string()),
    ]
    .into()
}

fn targets(m: &Mapping) -> Vec<Target> {
    m.columns.iter().map(|c| c.target.clone()).collect()
}

#[test]
fn aliases_users_have() {
    let m = map_headers(
        &headers(&[
            "E-Mail Address",
            "Given Name",
            "Surname",
            "Organisation",
            "Mobile",
            "Comment",
            "Lead Source",
            "Employee",
            "CRM ID",
        ]),
        &[],
        &props(),
    );
    assert!(m.unknown.is_empty() && m.errors.is_empty(), "{m:?}");
    assert_eq!(
        targets(&m),
        [
            Target::Field("email"),
            Target::Field("first_name"),
            Target::Field("last_name"),
            Target::Field("company_name"),
            Target::Field("phone"),
            Target::Field("notes"),
            Target::Field("source"),
            Target::Field("employee"),
            Target::Field("business_id")
        ]
    );
    for h in [
        "Email",
        "E-mail",
        "EMAIL",
        " email ",
        "First Name",
        "Firstname",
        "first_name",
        "Company Name",
        "Phone Number",
        "External ID",
        "Business ID",
    ] {
        let m = map_headers(&headers(&[h]), &[], &props());
        assert_eq!(m.unknown, vec![], "{h}");
    }
}

#[test]
fn properties_channel_and_unknown_columns() {
    let m = map_headers(
        &headers(&[
            "Email",
            "deal size",
            "property:Budget",
            "Channel ID",
            "Favourite colour",
            "",
        ]),
        &[],
        &props(),
    );
    assert_eq!(
        targets(&m),
        [
            Target::Field("email"),
            Target::Property("Deal size".into()),
            Target::Property("Budget".into()),
            Target::Channel,
            Target::Ignore
        ]
    );
    assert_eq!(m.unknown, vec![(4, "Favourite colour".to_string())]);
}

#[test]
fn an_errors_files_own_columns_are_ignored() {
    let m = map_headers(
        &headers(&["Email", "leadctl_row", "leadctl_outcome", "leadctl_error"]),
        &[],
        &props(),
    );
    assert!(m.unknown.is_empty());
    assert_eq!(
        targets(&m)[1..],
        [Target::Ignore, Target::Ignore, Target::Ignore]
    );
}

#[test]
fn map_overrides() {
    let m = map_headers(
        &headers(&["Mail", "Internal", "Kundennummer"]),
        &[
            ("Internal".into(), "ignore".into()),
            ("kundennummer".into(), "business_id".into()),
            ("Mail".into(), "property:Region".into()),
        ],
        &props(),
    );
    assert!(m.errors.is_empty(), "{:?}", m.errors);
    assert_eq!(
        targets(&m),
        [
            Target::Property("Region".into()),
            Target::Ignore,
            Target::Field("business_id")
        ]
    );
    assert_eq!(m.columns[0].how, "--map");
}

#[test]
fn bad_maps_and_duplicates_are_errors() {
    let m = map_headers(&headers(&["Email", "E-mail"]), &[], &props());
    assert_eq!(m.errors.len(), 1);
    assert!(
        m.errors[0].contains("\"Email\" (column 1) and \"E-mail\" (column 2) all map to email"),
        "{}",
        m.errors[0]
    );
    let m = map_headers(
        &headers(&["Email"]),
        &[
            ("Nope".into(), "email".into()),
            ("Email".into(), "emial_adress".into()),
        ],
        &props(),
    );
    assert_eq!(m.errors.len(), 2, "{:?}", m.errors);
    assert!(m.errors[0].contains("no column is named \"Nope\"; the columns are \"Email\""));
    assert!(m.errors[1].contains("unknown field \"emial_adress\""));
}

fn row(fields: &[&str]) -> Row {
    Row {
        number: 1,
        line: 2,
        fields: fields.iter().map(|s| s.to_string()).collect(),
        undecodable: vec![],
        sheet: None,
        cell_errors: Vec::new(),
    }
}

#[test]
fn lower_tier_columns_stand_in_and_known_columns_are_left_out_with_a_note() {
    let m = map_headers(
        &headers(&[
            "Mobile Phone Number",
            "Phone Number",
            "Lead Status",
            "Job Title",
        ]),
        &[],
        &props(),
    );
    assert!(m.errors.is_empty() && m.unknown.is_empty(), "{m:?}");
    let phone = &m.columns[1];
    assert_eq!(phone.target, Target::Field("phone"));
    assert_eq!(
        phone.cell(&row(&["+1 555 0199", "", "", ""])),
        "+1 555 0199"
    );
    assert_eq!(
        phone.cell(&row(&["+1 555 0199", "+1 555 0100", "", ""])),
        "+1 555 0100"
    );
    assert_eq!(m.columns[0].target, Target::Ignore);
    assert_eq!(m.columns[0].how, "stand-in");
    assert_eq!(m.columns[2].target, Target::Status);
    assert_eq!(m.columns[3].how, "known");
    assert!(m.columns[3].note().unwrap().contains("job title"));
    // A channel property of a known column's name takes it.
    let mut with_title = props();
    with_title.insert("jobtitle".into(), "Job title".into());
    let m = map_headers(&headers(&["Email", "Job Title"]), &[], &with_title);
    assert_eq!(m.columns[1].target, Target::Property("Job title".into()));
    assert!(!m.has_known());
}

#[test]
fn constants_fill_empty_cells_or_stand_alone() {
    let mut rules = Rules::default();
    rules.add_flags(
        &[],
        &[
            ("source".into(), "HubSpot".into()),
            ("property:Region".into(), " EMEA ".into()),
            ("source".into(), "CRM".into()),
        ],
    );
    let m = map_with(&headers(&["Email", "Lead Source"]), &rules, &props());
    assert!(m.errors.is_empty(), "{:?}", m.errors);
    let source = &m.columns[1];
    // The later --set for one field wins.
    assert_eq!(source.cell(&row(&["a@b.example", ""])), "CRM");
    assert_eq!(source.cell(&row(&["a@b.example", "Web"])), "Web");
    let region = &m.columns[2];
    assert_eq!((region.index, region.how), (2, "--set"));
    assert_eq!(region.target, Target::Property("Region".into()));
    assert_eq!(region.cell(&row(&["a@b.example", ""])), "EMEA");
    let mut bad = Rules::default();
    bad.add_flags(
        &[],
        &[
            ("channel_id".into(), "x".into()),
            ("ignore".into(), "x".into()),
            ("emial".into(), "x".into()),
        ],
    );
    let m = map_with(&headers(&["Email"]), &bad, &props());
    assert_eq!(m.errors.len(), 3, "{:?}", m.errors);
    assert!(m.errors[0].starts_with("--set channel_id=x: the channel is set with --channel"));
    assert!(m.errors[2].contains("unknown field \"emial\""));
}
