//! Header → lead field mapping: pure functions, no I/O.
//!
//! A header matches a lead field ignoring case, spaces and punctuation, with the aliases users'
//! exports actually have; a header named after one of the channel's property definitions (or
//! `property:NAME_OR_UUID`) becomes a custom property; `--map COLUMN=FIELD` overrides all of it.

use std::collections::BTreeMap;

/// What a column feeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A standard field, by its API name.
    Field(&'static str),
    /// A custom property: a definition UUID or a name, resolved per row's channel.
    Property(String),
    /// The `channel_id` of the row.
    Channel,
    /// The lead's status, by name or id (moved there with `update_status` when it differs).
    Status,
    /// Not sent.
    Ignore,
}

impl Target {
    pub fn describe(&self) -> String {
        match self {
            Target::Field(f) => f.to_string(),
            Target::Property(p) => format!("property {p:?}"),
            Target::Channel => "channel_id".to_string(),
            Target::Status => "status".to_string(),
            Target::Ignore => "ignored".to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub index: usize,
    pub header: String,
    pub target: Target,
    /// How the mapping was decided: "name", "alias", "--map", "property name", ...
    pub how: &'static str,
}

/// The standard fields a column can map to (`--map COLUMN=FIELD` names).
pub const FIELDS: &[&str] = crate::api::models::LEAD_FIELDS;

/// Normalised header spellings (lowercase, letters and digits only) for each field.
const ALIASES: &[(&str, &[&str])] = &[
    (
        "email",
        &[
            "email",
            "emailaddress",
            "mail",
            "emailadresse",
            "mailaddress",
        ],
    ),
    (
        "first_name",
        &[
            "firstname",
            "first",
            "givenname",
            "forename",
            "vorname",
            "prenom",
        ],
    ),
    (
        "last_name",
        &[
            "lastname",
            "last",
            "surname",
            "familyname",
            "nachname",
            "nom",
        ],
    ),
    (
        "phone",
        &[
            "phone",
            "phonenumber",
            "mobile",
            "mobilephone",
            "mobilenumber",
            "telephone",
            "tel",
            "cell",
            "cellphone",
            "telefon",
        ],
    ),
    (
        "company_name",
        &[
            "company",
            "companyname",
            "organisation",
            "organization",
            "org",
            "account",
            "accountname",
            "firma",
        ],
    ),
    ("source", &["source", "leadsource"]),
    ("employee", &["employee", "referringemployee", "referredby"]),
    (
        "notes",
        &["notes", "note", "comment", "comments", "remarks"],
    ),
    (
        "business_id",
        &[
            "businessid",
            "externalid",
            "crmid",
            "recordid",
            "customerid",
        ],
    ),
];

/// `channels_id` is what `leads list -o csv` writes (the API's own name for a lead's channel).
const CHANNEL_ALIASES: &[&str] = &["channelid", "channel", "channelsid"];

/// The lead's status, as CRMs name the column (`leads list -o csv` writes `status`).
const STATUS_ALIASES: &[&str] = &[
    "status",
    "leadstatus",
    "stage",
    "dealstage",
    "leadstage",
    "pipelinestage",
    "phase",
    "lifecyclestage",
];

/// The columns leadctl adds to an errors file, so importing that file again just works.
const LEADCTL_COLUMNS: &[&str] = &["leadctl_row", "leadctl_outcome", "leadctl_error"];

/// Lowercase letters and digits only: "E-Mail Address" → "emailaddress".
pub fn normalize(header: &str) -> String {
    header
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn field_for(normalized: &str) -> Option<&'static str> {
    ALIASES
        .iter()
        .find(|(_, aliases)| aliases.contains(&normalized))
        .map(|(field, _)| *field)
}

/// Parses the FIELD of `--map COLUMN=FIELD`.
pub fn parse_target(field: &str) -> Result<Target, String> {
    let f = field.trim();
    if let Some(p) = f.strip_prefix("property:") {
        let p = p.trim();
        return if p.is_empty() {
            Err("property: needs a property name or definition UUID".to_string())
        } else {
            Ok(Target::Property(p.to_string()))
        };
    }
    let n = normalize(f);
    match n.as_str() {
        "ignore" | "skip" | "" => return Ok(Target::Ignore),
        "channelid" | "channel" => return Ok(Target::Channel),
        _ if STATUS_ALIASES.contains(&n.as_str()) => return Ok(Target::Status),
        _ => {}
    }
    if let Some(field) = FIELDS.iter().find(|x| normalize(x) == n) {
        return Ok(Target::Field(field));
    }
    if let Some(field) = field_for(&n) {
        return Ok(Target::Field(field));
    }
    Err(format!(
        "unknown field {field:?}; valid: {}, channel_id, status, property:NAME_OR_UUID, ignore",
        FIELDS.join(", ")
    ))
}

/// The outcome of mapping a header row.
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    pub columns: Vec<Column>,
    /// Headers that match nothing (an error unless `--ignore-unknown`).
    pub unknown: Vec<(usize, String)>,
    /// Problems that no flag excuses: duplicate targets, `--map` naming no column.
    pub errors: Vec<String>,
}

/// Maps each header. `property_names` are the normalised names of the channels' property
/// definitions (original spelling as value); `overrides` are the `--map` pairs.
pub fn map_headers(
    headers: &[String],
    overrides: &[(String, String)],
    property_names: &BTreeMap<String, String>,
) -> Mapping {
    let mut m = Mapping::default();
    let mut forced = forced_targets(headers, overrides, &mut m.errors);
    for (index, header) in headers.iter().enumerate() {
        let Some((target, how)) = target_for(header, forced.remove(&index), property_names) else {
            m.unknown.push((index, header.clone()));
            continue;
        };
        m.columns.push(Column {
            index,
            header: header.clone(),
            target,
            how,
        });
    }
    doubled_targets(&m.columns, &mut m.errors);
    m
}

/// The targets `--map COLUMN=FIELD` forces, by column index; what cannot be applied goes to
/// `errors`.
fn forced_targets(
    headers: &[String],
    overrides: &[(String, String)],
    errors: &mut Vec<String>,
) -> BTreeMap<usize, Target> {
    let mut forced: BTreeMap<usize, Target> = BTreeMap::new();
    for (column, field) in overrides {
        let target = match parse_target(field) {
            Ok(t) => t,
            Err(e) => {
                errors.push(format!("--map {column}={field}: {e}"));
                continue;
            }
        };
        match columns_named(headers, column).as_slice() {
            [] => errors.push(format!(
                "--map {column}={field}: no column is named {}; the columns are {}",
                crate::log::quoted(column),
                crate::log::list_some(
                    &headers
                        .iter()
                        .map(|h| crate::log::quoted(h))
                        .collect::<Vec<_>>(),
                    20
                )
            )),
            [i] => {
                forced.insert(*i, target);
            }
            several => errors.push(format!(
                "--map {column}={field}: {} columns are named {column:?} (columns {})",
                several.len(),
                several
                    .iter()
                    .map(|i| (i + 1).to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }
    forced
}

/// The indexes of the columns a `--map` names: by exact header first, then the normalised
/// spelling.
fn columns_named(headers: &[String], column: &str) -> Vec<usize> {
    let exact: Vec<usize> = (0..headers.len())
        .filter(|&i| headers[i].trim() == column.trim())
        .collect();
    if exact.is_empty() {
        (0..headers.len())
            .filter(|&i| normalize(&headers[i]) == normalize(column))
            .collect()
    } else {
        exact
    }
}

/// What one header feeds and how that was decided, or `None` for an unknown column.
fn target_for(
    header: &str,
    forced: Option<Target>,
    property_names: &BTreeMap<String, String>,
) -> Option<(Target, &'static str)> {
    let n = normalize(header);
    Some(if let Some(t) = forced {
        (t, "--map")
    } else if header.trim().is_empty() {
        (Target::Ignore, "no header")
    } else if LEADCTL_COLUMNS.contains(&header.trim()) {
        (Target::Ignore, "an errors file's own column")
    } else if let Some(p) = header.trim().strip_prefix("property:") {
        (Target::Property(p.trim().to_string()), "property:")
    } else if CHANNEL_ALIASES.contains(&n.as_str()) {
        (Target::Channel, "name")
    } else if STATUS_ALIASES.contains(&n.as_str()) {
        (Target::Status, if n == "status" { "name" } else { "alias" })
    } else if let Some(field) = FIELDS.iter().find(|f| normalize(f) == n) {
        (Target::Field(field), "name")
    } else if let Some(field) = field_for(&n) {
        (Target::Field(field), "alias")
    } else if let Some(name) = property_names.get(&n) {
        (Target::Property(name.clone()), "property name")
    } else {
        return None;
    })
}

/// Two columns feeding one field would make one of them silently lost: each such target goes
/// to `errors`.
fn doubled_targets(columns: &[Column], errors: &mut Vec<String>) {
    let mut seen: BTreeMap<String, Vec<&Column>> = BTreeMap::new();
    for c in columns {
        let key = match &c.target {
            Target::Ignore => continue,
            Target::Property(p) => format!("property:{}", normalize(p)),
            other => other.describe(),
        };
        seen.entry(key).or_default().push(c);
    }
    for (target, cols) in seen {
        if cols.len() > 1 {
            let names: Vec<String> = cols
                .iter()
                .map(|c| format!("{} (column {})", crate::log::quoted(&c.header), c.index + 1))
                .collect();
            errors.push(format!(
                "columns {} all map to {target}; keep one with --map, e.g. --map {}=ignore",
                if names.len() <= 20 {
                    names.join(" and ")
                } else {
                    crate::log::list_some(&names, 20)
                },
                crate::log::quoted(&cols[1].header)
            ));
        }
    }
}

#[cfg(test)]
mod tests {
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
}
