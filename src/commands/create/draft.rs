//! `create`'s input: the leads of a `--json` file (one object, an array, or one object per line),
//! in the API's own field names, and the checks that turn each into a `NewLead` request. No
//! network here; property names stay unresolved until `mod.rs` asks `get_channels`.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::LazyLock;

use anyhow::Result;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

use crate::api::models::{Channel, LeadFields, NewLead, PropertyInput, LEAD_FIELDS};
use crate::api::properties::{is_uuid, ChannelProperties};
use crate::error::Failure;
use crate::log::Log;
use crate::number::DecimalSeparator;

/// One lead as written in a `--json` file: the API's own field names (`LEAD_FIELDS`), plus
/// `channel_id`, `properties` and (so that `--dry-run` output can be fed back in) `action`.
/// Any other key is an error naming the expected ones.
#[derive(Debug, Default)]
pub(super) struct Draft {
    pub action: Option<String>,
    pub channel_id: Option<String>,
    pub fields: LeadFields,
    pub properties: Vec<PropertyDraft>,
    /// Standard fields given as JSON `null`: emptied, as `""` is.
    pub nulled: Vec<&'static str>,
}

/// The keys a draft may hold, in the order error messages list them.
static DRAFT_KEYS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let mut keys = vec!["action", "channel_id"];
    keys.extend_from_slice(LEAD_FIELDS);
    keys.push("properties");
    keys
});

impl<'de> Deserialize<'de> for Draft {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Draft, D::Error> {
        struct Keys;
        impl<'de> Visitor<'de> for Keys {
            type Value = Draft;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("struct Draft")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Draft, A::Error> {
                let mut draft = Draft::default();
                let mut seen: Vec<String> = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    let Some(&name) = DRAFT_KEYS.iter().find(|k| **k == key) else {
                        return Err(de::Error::unknown_field(&key, &DRAFT_KEYS));
                    };
                    if seen.iter().any(|k| k == name) {
                        return Err(de::Error::duplicate_field(name));
                    }
                    seen.push(name.to_string());
                    match name {
                        "action" => draft.action = map.next_value()?,
                        "channel_id" => draft.channel_id = map.next_value()?,
                        "properties" => draft.properties = map.next_value()?,
                        field => {
                            if let Some(slot) = draft.fields.slot(field) {
                                *slot = map.next_value()?;
                                if slot.is_none() {
                                    draft.nulled.push(name);
                                }
                            }
                        }
                    }
                }
                Ok(draft)
            }
        }
        d.deserialize_map(Keys)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PropertyDraft {
    /// A property definition UUID, or (leadctl's extension) its name on the channel.
    pub property_definitions_id: String,
    pub value: Value,
}

/// A draft with the place it came from, for messages.
#[derive(Debug)]
pub(super) struct Located {
    pub label: String,
    pub draft: Draft,
}

/// What the checks of a draft know besides the draft: the default channel (an id or a title),
/// the channels when `get_channels` was asked (to resolve titles and property names and check
/// values by type), and the decimal separator for number properties.
pub(super) struct Checks<'a> {
    pub default_channel: Option<&'a str>,
    pub channels: Option<&'a [Channel]>,
    pub separator: Option<DecimalSeparator>,
    /// The channels will be read: a title or a property name is not a problem yet.
    pub names_later: bool,
}

/// One problem with a draft, worded as import words it (`crate::lead`), without the draft's label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Problem {
    pub message: String,
    /// The lead's channel is not among those the key can access (exit 5, not 6).
    pub permission: bool,
}

impl Problem {
    fn input(message: String) -> Problem {
        Problem {
            message,
            permission: false,
        }
    }
}

/// The fields a draft gives empty, by ledger key: a standard field `""` or `null` (`--phone
/// ""`, `"phone": null`), a property `""` or `null` (`--property Region=`), its key resolved as
/// `to_new_lead` resolves it (one that does not resolve is `to_new_lead`'s problem). Never sent
/// in a create; on a lead that exists left as they are, cleared with `--update --clear-empty`.
pub(super) fn emptied(draft: &Draft, ctx: &Checks<'_>) -> Vec<String> {
    let mut out: Vec<String> = draft
        .fields
        .entries()
        .filter(|(_, v)| v.as_deref().is_some_and(|v| v.trim().is_empty()))
        .map(|(name, _)| name.to_string())
        // `null` in the JSON, unless a flag gave the field.
        .chain(
            draft
                .nulled
                .iter()
                .filter(|n| draft.fields.field(n).is_none())
                .map(|n| n.to_string()),
        )
        .collect();
    let channel = channel_of(draft, ctx).ok().and_then(|(_, c)| c);
    let props = channel.map(ChannelProperties::from_channel);
    for p in draft.properties.iter().filter(|p| is_empty_value(&p.value)) {
        let key = p.property_definitions_id.trim();
        let id = match &props {
            Some(props) => match props.resolve_definition(key) {
                Ok(def) => def.id.clone(),
                Err(_) => continue,
            },
            None if is_uuid(key) => key.to_string(),
            None => continue,
        };
        out.push(format!("property:{}", id.to_lowercase()));
    }
    out.sort();
    out.dedup();
    out
}

/// A property value that says "empty": `""` (blanks only) or `null`.
fn is_empty_value(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// Checks a draft and turns it into a request, with the rules `import` applies to a row
/// (`crate::lead`): UUIDs where UUIDs belong (a channel title and property names resolved when the
/// channels are known), valid emails, no NUL, no null property values, lead data present, and
/// property values fit for their type. No empty values are sent. Every problem at once.
pub(super) fn to_new_lead(draft: &Draft, ctx: &Checks<'_>) -> Result<NewLead, Vec<Problem>> {
    let mut problems = Vec::new();
    if let Some(a) = &draft.action {
        if a != "create_lead" && a != "lead_external" {
            problems.push(Problem::input(format!(
                "\"action\" is {}; only create_lead or lead_external bodies can be created here",
                crate::log::quoted(a)
            )));
        }
    }
    let mut lead = NewLead::default();
    for (name, value) in draft.fields.entries() {
        let Some(v) = value.as_deref() else { continue };
        if let Some(why) = crate::lead::field_problem(name, v) {
            // "email \"x\" is not a valid email address", "notes holds a NUL character ..."
            problems.push(Problem::input(format!("{name} {why}")));
        }
        if !v.trim().is_empty() {
            lead.set_field(name, v.trim().to_string());
        }
    }
    if !crate::lead::has_lead_data(&lead.fields) {
        problems.push(Problem::input(crate::lead::NO_LEAD_DATA.to_string()));
    }
    let channel = match channel_of(draft, ctx) {
        Ok(c) => Some(c),
        Err(p) => {
            problems.push(p);
            None
        }
    };
    let (channel_id, channel) = channel.unzip();
    let channel = channel.flatten();
    lead.channel_id = channel_id.unwrap_or_default();
    let props = channel.map(ChannelProperties::from_channel);
    for p in &draft.properties {
        match property(p, props.as_ref(), ctx) {
            // Emptied (`""`, `null`): resolved, never sent in a create (`emptied`).
            Ok(_) if is_empty_value(&p.value) => {}
            Ok(input) => lead.properties.push(input),
            Err(why) => problems.push(why),
        }
    }
    let inaccessible = !lead.channel_id.is_empty() && channel.is_none() && ctx.channels.is_some();
    if inaccessible && !draft.properties.is_empty() {
        problems.push(Problem {
            message: format!(
                "channel {} is not among the {} this API key can access, so its properties \
                 cannot be resolved",
                lead.channel_id,
                crate::log::counted(
                    ctx.channels.map_or(0, <[Channel]>::len),
                    "channel",
                    "channels"
                )
            ),
            permission: true,
        });
    }
    if problems.is_empty() {
        Ok(lead)
    } else {
        Err(problems)
    }
}

/// The draft's channel id (its `channel_id`, else the default), and the channel when the channels
/// were read and it is among them. A title is resolved (`lead::names::channel`) when they were.
fn channel_of<'c>(
    draft: &Draft,
    ctx: &Checks<'c>,
) -> Result<(String, Option<&'c Channel>), Problem> {
    let wanted = draft
        .channel_id
        .as_deref()
        .or(ctx.default_channel)
        .ok_or_else(|| {
            Problem::input(
                "no channel_id, and no --channel / LEADCTL_CHANNEL / profile channel to fall \
                 back on"
                    .to_string(),
            )
        })?;
    match ctx.channels {
        Some(channels) if !is_uuid(wanted) => crate::lead::names::channel(channels, wanted)
            .map(|c| (c.id.clone(), Some(c)))
            .map_err(|u| Problem::input(format!("{}; {}", u.message, u.hint))),
        Some(channels) => Ok((
            wanted.trim().to_string(),
            crate::api::properties::find_channel(channels, wanted),
        )),
        None => match crate::lead::channel_id_problem(wanted) {
            Some(why) if !ctx.names_later => Err(Problem::input(why)),
            _ => Ok((wanted.trim().to_string(), None)),
        },
    }
}

/// One property of a draft: its key resolved (a name, when the channel's definitions are known)
/// and its value checked by the definition's type.
fn property(
    p: &PropertyDraft,
    props: Option<&ChannelProperties>,
    ctx: &Checks<'_>,
) -> Result<PropertyInput, Problem> {
    let key = p.property_definitions_id.trim();
    let shown = crate::log::quoted(key);
    if key.is_empty() {
        return Err(Problem::input(
            "a property has an empty property_definitions_id".to_string(),
        ));
    }
    if p.value.to_string().contains("\\u0000") {
        return Err(Problem::input(format!(
            "property {shown} {}",
            crate::lead::NUL
        )));
    }
    let Some(props) = props else {
        // Channels not read (no key with --public, or the channel is not accessible: said once
        // by the caller): a UUID goes as it is, a name cannot.
        return if is_uuid(key) || ctx.channels.is_some() || ctx.names_later {
            Ok(PropertyInput {
                property_definitions_id: key.to_string(),
                value: p.value.clone(),
            })
        } else {
            Err(Problem::input(format!(
                "property {shown} cannot be resolved: the channels were not read"
            )))
        };
    };
    let def = props
        .resolve_definition(key)
        .map_err(|why| Problem::input(crate::lead::names::property_problem(props, key, &why)))?;
    if is_empty_value(&p.value) {
        return Ok(PropertyInput {
            property_definitions_id: def.id.clone(),
            value: p.value.clone(),
        });
    }
    let value =
        crate::lead::values::check_value(def, &p.value, ctx.separator).map_err(Problem::input)?;
    Ok(PropertyInput {
        property_definitions_id: def.id.clone(),
        value,
    })
}

/// Reads `--json`: one object, an array of objects, or one object per line (NDJSON).
pub(super) fn read_json(path: &Path, log: &Log) -> Result<Vec<Located>> {
    let (name, text) = if path == Path::new("-") {
        let stdin = std::io::stdin();
        if stdin.is_terminal() {
            log.notice("reading leads as JSON from the terminal; finish with Ctrl-D");
        }
        let text = crate::commands::read_json_stdin()
            .map_err(|e| Failure::input(format!("cannot read JSON from stdin: {e}")))?;
        ("stdin".to_string(), text)
    } else {
        let text = crate::commands::read_json_file(path).map_err(|e| {
            Failure::input(format!("cannot read {}: {e}", path.display()))
                .with_hint("check the path given to --json (use - for stdin)")
        })?;
        (path.display().to_string(), text)
    };
    parse_json(&name, &text).map_err(Into::into)
}

pub(super) fn parse_json(name: &str, text: &str) -> Result<Vec<Located>, Failure> {
    let json_error = |e: serde_json::Error, what: String| {
        let text = e.to_string();
        let suffix = format!(" at line {} column {}", e.line(), e.column());
        let text = text.strip_suffix(&suffix).unwrap_or(&text);
        Failure::input(format!(
            "{name}: {what}line {}, column {}: {text}",
            e.line(),
            e.column()
        ))
        .with_hint(
            "leads use the API's field names (channel_id, email, first_name, last_name, phone, \
                 company_name, source, employee, notes, business_id, properties)",
        )
    };
    let trimmed = text.trim_start_matches('\u{feff}');
    if trimmed.trim_start().starts_with('[') {
        let drafts: Vec<Draft> =
            serde_json::from_str(trimmed).map_err(|e| json_error(e, String::new()))?;
        if drafts.is_empty() {
            return Err(Failure::input(format!(
                "{name}: the JSON array is empty; nothing to create"
            )));
        }
        return Ok(drafts
            .into_iter()
            .enumerate()
            .map(|(i, draft)| Located {
                label: format!("{name}, item {}", i + 1),
                draft,
            })
            .collect());
    }
    let mut out = Vec::new();
    let mut stream = serde_json::Deserializer::from_str(trimmed).into_iter::<Draft>();
    loop {
        let offset = stream.byte_offset();
        match stream.next() {
            None => break,
            Some(Ok(draft)) => {
                let rest = &trimmed[offset..];
                let start = offset + (rest.len() - rest.trim_start().len());
                let line = 1 + trimmed[..start].matches('\n').count();
                out.push(Located {
                    label: format!("{name}, object {} (line {line})", out.len() + 1),
                    draft,
                });
            }
            Some(Err(e)) => {
                let what = if out.is_empty() {
                    String::new()
                } else {
                    format!("object {}, ", out.len() + 1)
                };
                return Err(json_error(e, what));
            }
        }
    }
    if out.is_empty() {
        return Err(Failure::input(format!(
            "{name}: no JSON object found; nothing to create"
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const CH: &str = "a1b2c3d4-e5f6-7890-abcd-ef1234567890";

    #[test]
    fn json_shapes() {
        let one = parse_json("f", r#"{"email": "a@x.example"}"#).unwrap();
        assert_eq!(one.len(), 1);
        let arr = parse_json(
            "f",
            r#"[{"email": "a@x.example"}, {"email": "b@x.example"}]"#,
        )
        .unwrap();
        assert_eq!(arr[1].label, "f, item 2");
        let nd = parse_json(
            "f",
            "{\"email\": \"a@x.example\"}\n\n{\"email\": \"b@x.example\"}\n",
        )
        .unwrap();
        assert_eq!(nd.len(), 2);
        assert_eq!(nd[1].label, "f, object 2 (line 3)");
    }

    #[test]
    fn json_errors_name_line_and_column() {
        let err = parse_json(
            "leads.json",
            "{\"email\": \"a@x.example\"}\n{\"emial\": \"b\"}\n",
        )
        .unwrap_err();
        assert!(
            err.message
                .starts_with("leads.json: object 2, line 2, column 8: unknown field `emial`"),
            "{}",
            err.message
        );
        let err = parse_json("leads.json", "{\"email\": \"a\",\n \"phone\": 5}").unwrap_err();
        assert!(err.message.contains("line 2, column"), "{}", err.message);
        assert!(parse_json("f", "  ").is_err());
        assert!(parse_json("f", "[]").is_err());
    }

    fn checks(default_channel: Option<&str>) -> Checks<'_> {
        Checks {
            default_channel,
            channels: None,
            separator: None,
            names_later: false,
        }
    }

    fn problems(draft: &Draft, default_channel: Option<&str>) -> Vec<String> {
        to_new_lead(draft, &checks(default_channel))
            .unwrap_err()
            .into_iter()
            .map(|p| p.message)
            .collect()
    }

    #[test]
    fn drafts_become_requests_without_empty_fields() {
        let draft = Draft {
            fields: LeadFields {
                email: Some(" a@x.example ".into()),
                notes: Some("  ".into()),
                ..LeadFields::default()
            },
            properties: vec![PropertyDraft {
                property_definitions_id: "11111111-2222-3333-4444-555555555555".into(),
                value: json!(50000),
            }],
            ..Draft::default()
        };
        let lead = to_new_lead(&draft, &checks(Some(CH))).unwrap();
        assert_eq!(lead.fields.notes, None);
        assert_eq!(lead.fields.email.as_deref(), Some("a@x.example"));
        assert_eq!(lead.properties[0].value, json!(50000));
        let err = problems(&draft, Some("abc"));
        assert!(err[0].contains("\"abc\" is not a UUID"), "{err:?}");
        let err = problems(&draft, None);
        assert!(err[0].contains("no channel_id"), "{err:?}");
        let nul = Draft {
            fields: LeadFields {
                email: Some("a@x.example".into()),
                notes: Some("a\0b".into()),
                ..LeadFields::default()
            },
            ..Draft::default()
        };
        assert_eq!(
            problems(&nul, Some(CH)),
            ["notes holds a NUL character (U+0000), which the API cannot store; remove it"]
        );
    }

    #[test]
    fn emptied_values_are_named_by_their_ledger_keys_and_never_sent() {
        let mut d = parse_json(
            "f",
            r#"{"email": "a@x.example", "phone": null, "notes": " ", "properties": [
                {"property_definitions_id": "11111111-2222-3333-4444-555555555555", "value": ""},
                {"property_definitions_id": "22222222-2222-3333-4444-555555555555", "value": null},
                {"property_definitions_id": "33333333-2222-3333-4444-555555555555", "value": 5}]}"#,
        )
        .unwrap()
        .remove(0)
        .draft;
        let ctx = checks(Some(CH));
        assert_eq!(
            emptied(&d, &ctx),
            [
                "notes",
                "phone",
                "property:11111111-2222-3333-4444-555555555555",
                "property:22222222-2222-3333-4444-555555555555"
            ]
        );
        let lead = to_new_lead(&d, &ctx).unwrap();
        assert_eq!(lead.fields.phone, None);
        assert_eq!(lead.fields.notes, None);
        assert_eq!(
            lead.properties,
            [PropertyInput {
                property_definitions_id: "33333333-2222-3333-4444-555555555555".into(),
                value: json!(5)
            }]
        );
        // A flag gives the field: not emptied.
        d.fields.set("phone", "+1 555 0100".into());
        assert_eq!(
            emptied(&d, &ctx)[..2],
            ["notes", "property:11111111-2222-3333-4444-555555555555"]
        );
    }

    #[test]
    fn the_rules_of_import_apply() {
        let bad = Draft {
            fields: LeadFields {
                email: Some("not-an-email".into()),
                ..LeadFields::default()
            },
            ..Draft::default()
        };
        assert_eq!(
            problems(&bad, Some(CH)),
            ["email \"not-an-email\" is not a valid email address"]
        );
        let blank = Draft {
            fields: LeadFields {
                notes: Some("only notes".into()),
                ..LeadFields::default()
            },
            ..Draft::default()
        };
        assert_eq!(problems(&blank, Some(CH)), [crate::lead::NO_LEAD_DATA]);
        // A title waits for the channels when they will be read.
        let later = Checks {
            names_later: true,
            ..checks(Some("Acme Referral Program"))
        };
        let good = Draft {
            fields: LeadFields {
                phone: Some("+1 555 0100".into()),
                ..LeadFields::default()
            },
            ..Draft::default()
        };
        assert!(to_new_lead(&good, &later).is_ok());
    }
}
