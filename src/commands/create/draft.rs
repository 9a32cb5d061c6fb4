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

use crate::api::models::{LeadFields, NewLead, PropertyInput, LEAD_FIELDS};
use crate::api::properties::is_uuid;
use crate::error::Failure;
use crate::log::Log;

/// One lead as written in a `--json` file: the API's own field names (`LEAD_FIELDS`), plus
/// `channel_id`, `properties` and (so that `--dry-run` output can be fed back in) `action`.
/// Any other key is an error naming the expected ones.
#[derive(Debug, Default)]
pub(super) struct Draft {
    pub action: Option<String>,
    pub channel_id: Option<String>,
    pub fields: LeadFields,
    pub properties: Vec<PropertyDraft>,
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

/// Checks a draft and turns it into a request: UUIDs where UUIDs belong, no empty values.
pub(super) fn to_new_lead(draft: &Draft, default_channel: Option<&str>) -> Result<NewLead, String> {
    if let Some(a) = &draft.action {
        if a != "create_lead" && a != "lead_external" {
            return Err(format!(
                "\"action\" is {a:?}; only create_lead or lead_external bodies can be created here"
            ));
        }
    }
    let channel = draft
        .channel_id
        .as_deref()
        .or(default_channel)
        .ok_or(
            "no channel_id, and no --channel / LEADCTL_CHANNEL / profile channel to fall back on",
        )?
        .trim();
    if !is_uuid(channel) {
        return Err(format!(
            "channel id {channel:?} is not a UUID (e.g. a1b2c3d4-e5f6-7890-abcd-ef1234567890)"
        ));
    }
    let mut lead = NewLead {
        channel_id: channel.to_string(),
        ..NewLead::default()
    };
    for (name, value) in draft.fields.entries() {
        if let Some(v) = value {
            if v.contains('\0') {
                // The API stores text that cannot hold NUL: its error would leave the outcome unknown.
                return Err(format!(
                    "{name} contains a NUL character (\\u0000), which the API cannot store"
                ));
            }
            if !v.trim().is_empty() {
                lead.set_field(name, v.clone());
            }
        }
    }
    for p in &draft.properties {
        let key = p.property_definitions_id.trim();
        if key.is_empty() {
            return Err("a property has an empty property_definitions_id".to_string());
        }
        if p.value.to_string().contains("\\u0000") {
            return Err(format!(
                "property {key:?} contains a NUL character (\\u0000), which the API cannot store"
            ));
        }
        if p.value.is_null() {
            return Err(format!(
                "property {key:?} has a null value; the API does not accept null"
            ));
        }
        lead.properties.push(PropertyInput {
            property_definitions_id: key.to_string(),
            value: p.value.clone(),
        });
    }
    Ok(lead)
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

    #[test]
    fn drafts_become_requests_without_empty_fields() {
        let draft = Draft {
            fields: LeadFields {
                email: Some("a@x.example".into()),
                notes: Some("  ".into()),
                ..LeadFields::default()
            },
            properties: vec![PropertyDraft {
                property_definitions_id: "11111111-2222-3333-4444-555555555555".into(),
                value: json!(50000),
            }],
            ..Draft::default()
        };
        let lead = to_new_lead(&draft, Some(CH)).unwrap();
        assert_eq!(lead.fields.notes, None);
        assert_eq!(lead.properties[0].value, json!(50000));
        let err = to_new_lead(&draft, Some("abc")).unwrap_err();
        assert!(err.contains("\"abc\" is not a UUID"), "{err}");
        let err = to_new_lead(&draft, None).unwrap_err();
        assert!(err.contains("no channel_id"), "{err}");
        let nul = Draft {
            fields: LeadFields {
                notes: Some("a\0b".into()),
                ..LeadFields::default()
            },
            ..Draft::default()
        };
        let err = to_new_lead(&nul, Some(CH)).unwrap_err();
        assert!(err.contains("notes contains a NUL character"), "{err}");
    }
}
