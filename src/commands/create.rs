//! `leadctl create`: one lead from flags, or several from JSON (`create_lead`, or `lead_external`
//! with `--public`). Everything is checked locally, and property names are resolved with one
//! `get_channels`, before the first lead is sent.

use std::io::{IsTerminal, Read};
use std::path::Path;

use anyhow::{Context, Result};
use std::sync::LazyLock;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

use super::properties::{problem_list, resolve_one};
use crate::api::models::{ActionBody, LeadFields, NewLead, PropertyInput, LEAD_FIELDS};
use crate::api::properties::{find_channel, is_uuid};
use crate::api::{ApiClient, ApiError};
use crate::cli::CreateArgs;
use crate::error::{Failure, Kind};
use crate::output::{Output, OutputFormat};
use crate::settings::Settings;

/// One lead as written in a `--json` file: the API's own field names (`LEAD_FIELDS`), plus
/// `channel_id`, `properties` and (so that `--dry-run` output can be fed back in) `action`.
/// Any other key is an error naming the expected ones.
#[derive(Debug, Default)]
struct Draft {
    action: Option<String>,
    channel_id: Option<String>,
    fields: LeadFields,
    properties: Vec<PropertyDraft>,
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
struct PropertyDraft {
    /// A property definition UUID, or (leadctl's extension) its name on the channel.
    property_definitions_id: String,
    value: Value,
}

/// A draft with the place it came from, for messages.
#[derive(Debug)]
struct Located {
    label: String,
    draft: Draft,
}

pub fn run(settings: &Settings, args: CreateArgs, out: &mut Output) -> Result<()> {
    let log = &settings.log();
    let mut located = match &args.json {
        Some(path) => read_json(path, log)?,
        None => vec![Located {
            label: "the command line".to_string(),
            draft: Draft::default(),
        }],
    };

    let has_field_flags = !args.fields.is_empty() || !args.properties.is_empty();
    if located.len() > 1 && has_field_flags {
        return Err(Failure::usage(format!(
            "field flags and --property apply to a single lead, but the JSON holds {} leads",
            located.len()
        ))
        .with_hint("put the fields into the JSON objects, or create the leads one at a time")
        .into());
    }
    if let [one] = located.as_mut_slice() {
        if let Some(channel) = &args.channel {
            one.draft.channel_id = Some(channel.clone());
        }
        let given = args.fields.to_fields();
        for (name, value) in given.given() {
            one.draft.fields.set(name, value.to_string());
        }
        for (key, value) in &args.properties {
            one.draft
                .properties
                .retain(|p| !p.property_definitions_id.eq_ignore_ascii_case(key));
            one.draft.properties.push(PropertyDraft {
                property_definitions_id: key.clone(),
                value: Value::String(value.clone()),
            });
        }
    }
    if args.json.is_none() && !has_field_flags {
        return Err(Failure::usage("nothing to create: no lead fields given")
            .with_hint(
                "give at least one field (--email, --first-name, --company, ...) or --json FILE; \
                 see `leadctl create --help`",
            )
            .into());
    }

    // The default channel is needed only for leads that do not name their own.
    let needs_default =
        args.channel.is_some() || located.iter().any(|l| l.draft.channel_id.is_none());
    let default_channel = if needs_default {
        Some(settings.require_channel(args.channel.as_deref())?.value)
    } else {
        None
    };

    let action = if args.public {
        "lead_external"
    } else {
        "create_lead"
    };
    let mut problems = Vec::new();
    let mut leads = Vec::new();
    for l in &located {
        match to_new_lead(&l.draft, default_channel.as_deref()) {
            Ok(lead) => leads.push((l.label.clone(), lead)),
            Err(msg) => problems.push(format!("{}: {msg}", l.label)),
        }
    }
    if !problems.is_empty() {
        return Err(problem_list(
            Kind::Input,
            problems,
            "fix the values and run the command again",
        )
        .into());
    }

    // A client is needed to resolve property names (with the key) and to send (unless dry-run).
    let needs_names = leads.iter().any(|(_, l)| {
        l.properties
            .iter()
            .any(|p| !is_uuid(&p.property_definitions_id))
    });
    let client = if needs_names || !args.dry_run {
        if !args.public || needs_names {
            settings.require_key().map_err(|f| {
                if args.public {
                    Failure::config("resolving property names needs an API key (get_channels)")
                        .with_hint("use property definition UUIDs with --public, or provide a key")
                } else {
                    f
                }
            })?;
        }
        Some(settings.client()?)
    } else {
        None
    };
    if needs_names {
        if let Some(client) = &client {
            resolve_property_names(client, &mut leads)?;
        }
    }

    if args.dry_run {
        let bodies: Vec<Value> = leads
            .iter()
            .map(|(_, lead)| {
                serde_json::to_value(ActionBody {
                    action,
                    fields: lead,
                })
            })
            .collect::<Result<_, _>>()?;
        out.json_documents(&bodies)
            .context("writing the request bodies")?;
        return Ok(());
    }
    let Some(client) = client else {
        return Ok(());
    };
    send_all(&client, &leads, args.public, settings, out)
}

fn send_all(
    client: &ApiClient,
    leads: &[(String, NewLead)],
    public: bool,
    settings: &Settings,
    out: &mut Output,
) -> Result<()> {
    let total = leads.len();
    let mut created = Vec::new();
    let mut failures: Vec<(usize, anyhow::Error)> = Vec::new();
    let mut unsent = 0;
    // With -o id or ndjson, each lead is printed as soon as it exists: if the run is killed
    // half-way, what was printed is the record of what was created.
    let streaming = matches!(out.format, OutputFormat::Id | OutputFormat::Ndjson);
    let mut output_error: Option<std::io::Error> = None;
    for (i, (label, lead)) in leads.iter().enumerate() {
        let result = if public {
            client.lead_external(lead)
        } else {
            client.create_lead(lead)
        };
        match result {
            Ok(lead) => {
                if streaming && output_error.is_none() {
                    if let Err(e) = out.leads(std::slice::from_ref(&lead)) {
                        output_error = Some(e);
                    }
                }
                created.push(lead);
            }
            Err(e) => {
                let fatal = e.stops_batch();
                let unknown = e.is_unknown_outcome();
                let err = anyhow::Error::new(e).context(if total == 1 {
                    "creating the lead".to_string()
                } else {
                    format!("lead {} of {total} ({label})", i + 1)
                });
                if total > 1 {
                    let what = if unknown {
                        "outcome unknown"
                    } else {
                        "not created"
                    };
                    // Shown even with -q: the summary refers to these lines.
                    settings.log().problem(&format!("{what}: {err:#}"));
                }
                failures.push((i, err));
                if fatal {
                    unsent = total - i - 1;
                    break;
                }
            }
        }
    }
    if !streaming && output_error.is_none() {
        if let Err(e) = out.leads(&created) {
            output_error = Some(e);
        }
    }
    // A closed stdout loses output, not leads: the failures still decide the exit code.
    if let Some(e) = output_error {
        if failures.is_empty() || e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(anyhow::Error::new(e).context("writing the created leads"));
        }
    }

    if failures.is_empty() {
        return Ok(());
    }
    if total == 1 || (created.is_empty() && failures.len() == 1) {
        let (_, err) = failures.remove(0);
        return Err(if unsent > 0 {
            err.context(format!("stopped; {unsent} more lead(s) were not sent"))
        } else {
            err
        });
    }
    let unknown = failures
        .iter()
        .filter(|(_, e)| {
            e.chain().any(|c| {
                c.downcast_ref::<ApiError>()
                    .is_some_and(ApiError::is_unknown_outcome)
            })
        })
        .count();
    let mut message = format!(
        "{} of {total} leads created; {} not created",
        created.len(),
        failures.len() - unknown + unsent
    );
    if unknown > 0 {
        message.push_str(&format!(
            ", {unknown} with an unknown outcome (they may exist)"
        ));
    }
    let rows: Vec<String> = failures.iter().map(|(i, _)| (i + 1).to_string()).collect();
    let mut failure = Failure::new(Kind::Partial, message).with_hint(format!(
        "the failures are listed above (leads {}); re-send only those, and check the unknown ones \
         before re-sending them",
        rows.join(", ")
    ));
    if created.is_empty() {
        // Nothing landed: the first error's own class decides the exit code.
        let (_, first) = failures.remove(0);
        failure.kind = match crate::exit::exit_code(&first) {
            crate::exit::AUTH
            | crate::exit::PERMISSION
            | crate::exit::INPUT
            | crate::exit::CONFIG => {
                return Err(first.context(failure.message));
            }
            _ => Kind::Partial,
        };
    }
    Err(failure.into())
}

/// Checks a draft and turns it into a request: UUIDs where UUIDs belong, no empty values.
fn to_new_lead(draft: &Draft, default_channel: Option<&str>) -> Result<NewLead, String> {
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

/// Replaces property names with their definition ids, using one `get_channels`.
fn resolve_property_names(client: &ApiClient, leads: &mut [(String, NewLead)]) -> Result<()> {
    let channels = client
        .get_channels()
        .context("looking up the channel's property names (get_channels)")?;
    let mut problems = Vec::new();
    let mut kind = Kind::Input;
    for (label, lead) in leads.iter_mut() {
        let Some(channel) = find_channel(&channels, &lead.channel_id) else {
            kind = Kind::Permission;
            problems.push(format!(
                "{label}: channel {} is not among the {} channel(s) this API key can access, so its \
                 property names cannot be resolved",
                lead.channel_id,
                channels.len()
            ));
            continue;
        };
        for p in &mut lead.properties {
            match resolve_one(channel, &p.property_definitions_id) {
                Ok(id) => p.property_definitions_id = id,
                Err(msg) => problems.push(format!("{label}: {msg}")),
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problem_list(
            kind,
            problems,
            "use one of the names listed, or a property definition UUID",
        )
        .into())
    }
}

/// Reads `--json`: one object, an array of objects, or one object per line (NDJSON).
fn read_json(path: &Path, log: &crate::log::Log) -> Result<Vec<Located>> {
    let (name, text) = if path == Path::new("-") {
        let stdin = std::io::stdin();
        if stdin.is_terminal() {
            log.notice("reading leads as JSON from the terminal; finish with Ctrl-D");
        }
        let mut text = String::new();
        stdin
            .lock()
            .read_to_string(&mut text)
            .map_err(|e| Failure::input(format!("cannot read JSON from stdin: {e}")))?;
        ("stdin".to_string(), text)
    } else {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Failure::input(format!("cannot read {}: {e}", path.display()))
                .with_hint("check the path given to --json (use - for stdin)")
        })?;
        (path.display().to_string(), text)
    };
    parse_json(&name, &text).map_err(Into::into)
}

/// The `--json` parser and checks, without I/O or network: the requests that `text` would become
/// (property names left unresolved). Public only for the fuzz targets and the bad-input tests.
#[doc(hidden)]
pub fn requests_from_json(
    text: &str,
    default_channel: Option<&str>,
) -> Result<Vec<Result<NewLead, String>>, Failure> {
    Ok(parse_json("input", text)?
        .iter()
        .map(|l| to_new_lead(&l.draft, default_channel))
        .collect())
}

fn parse_json(name: &str, text: &str) -> Result<Vec<Located>, Failure> {
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
