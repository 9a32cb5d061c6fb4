//! `leadctl api ACTION`: any action, raw, so an action KeenPartner adds tomorrow is usable today,
//! with the same key handling, retry rules, errors and output as every other command.

use std::io::IsTerminal;
use std::path::Path;

use anyhow::{Context, Result};
use serde_json::{Map, Value};

use crate::api::{Mode, ACTIONS};
use crate::cli::ApiArgs;
use crate::error::Failure;
use crate::output::{Output, OutputFormat};
use crate::settings::Settings;

pub fn run(settings: &Settings, args: &ApiArgs, out: &mut Output) -> Result<()> {
    let action = args.action.trim();
    if action.is_empty()
        || !action
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(Failure::usage(format!(
            "{action:?} is not an action name (letters, digits and _ only)"
        ))
        .into());
    }
    if !ACTIONS.contains(&action) {
        settings.log().warn(&format!(
            "{action:?} is not an action leadctl knows ({}); sending it as given",
            ACTIONS.join(", ")
        ));
    }
    let fields = body(args, &settings.log())?;
    if action != "lead_external" {
        settings.require_key()?;
    }
    let mode = if action.starts_with("get_") || action == "update_lead" {
        Mode::Repeatable
    } else {
        Mode::Once
    };
    let client = settings.client()?;
    let answer = client
        .call(action, &fields, mode)
        .with_context(|| format!("calling {action}"))?;
    match out.format {
        OutputFormat::Id => {
            let ids = ids(&answer);
            if ids.is_empty() {
                // The action ran: a failing exit code here would invite running it again.
                settings.log().warn(&format!(
                    "{action} succeeded, but its answer holds no id to print with -o id; -o json \
                     shows the whole answer"
                ));
            }
            out.lines(&ids)?;
        }
        OutputFormat::Csv => {
            let (header, rows) = csv_rows(&records(&answer));
            let header: Vec<&str> = header.iter().map(String::as_str).collect();
            out.csv_rows(&header, &rows)?;
        }
        OutputFormat::Ndjson => {
            let docs = match list(&answer) {
                Some(items) => items.to_vec(),
                None => vec![answer],
            };
            out.json_documents(&docs)?;
        }
        OutputFormat::Json | OutputFormat::Table | OutputFormat::Xlsx => {
            out.json_documents(&[answer])?
        }
    }
    Ok(())
}

/// The list in an answer: a bare array (`get_leads`), or the one array of an object
/// (`{"channels": [...]}`).
fn list(answer: &Value) -> Option<&[Value]> {
    match answer {
        Value::Array(items) => Some(items),
        Value::Object(map) if map.len() == 1 => map.values().next()?.as_array().map(Vec::as_slice),
        _ => None,
    }
}

/// The records an answer holds, for `-o csv`: a list's items, else the object inside a
/// `{"lead": ...}` or `{"purchase": ...}` envelope, else the answer itself.
fn records(answer: &Value) -> Vec<Value> {
    if let Some(items) = list(answer) {
        return items.to_vec();
    }
    match answer {
        Value::Object(map) if map.len() == 1 => match map.values().next() {
            Some(inner @ Value::Object(_)) => vec![inner.clone()],
            _ => vec![answer.clone()],
        },
        _ => vec![answer.clone()],
    }
}

/// A header (every key, in first-seen order) and one row per record; strings as they are, null
/// as an empty cell, other values as JSON.
fn csv_rows(records: &[Value]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut header: Vec<String> = Vec::new();
    for r in records {
        match r {
            Value::Object(map) => {
                for k in map.keys() {
                    if !header.contains(k) {
                        header.push(k.clone());
                    }
                }
            }
            _ if !header.iter().any(|h| h == "value") => header.push("value".to_string()),
            _ => {}
        }
    }
    let cell = |v: Option<&Value>| match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    let rows = records
        .iter()
        .map(|r| {
            header
                .iter()
                .map(|h| match r {
                    Value::Object(map) => cell(map.get(h)),
                    other if h == "value" => cell(Some(other)),
                    _ => String::new(),
                })
                .collect()
        })
        .collect();
    (header, rows)
}

/// `--input`, then each `-f` and `-F`, in that order.
fn body(args: &ApiArgs, log: &crate::log::Log) -> Result<Map<String, Value>> {
    let mut fields = match &args.input {
        Some(path) => read_input(path, log)?,
        None => Map::new(),
    };
    fields.remove("action");
    for (key, value) in &args.fields {
        fields.insert(key.clone(), Value::String(value.clone()));
    }
    for (key, raw) in &args.raw_fields {
        let value: Value = serde_json::from_str(raw).map_err(|e| {
            Failure::input(format!("-F {key}={raw}: the value is not JSON ({e})"))
                .with_hint("quote strings as JSON (-F 'name=\"x\"') or use -f for a plain string")
        })?;
        fields.insert(key.clone(), value);
    }
    Ok(fields)
}

fn read_input(path: &Path, log: &crate::log::Log) -> Result<Map<String, Value>> {
    let (name, text) = if path == Path::new("-") {
        if std::io::stdin().is_terminal() {
            log.notice("reading the JSON body from the terminal; finish with Ctrl-D");
        }
        let text = super::read_json_stdin()
            .map_err(|e| Failure::input(format!("cannot read stdin: {e}")))?;
        ("stdin".to_string(), text)
    } else {
        let text = super::read_json_file(path)
            .map_err(|e| Failure::input(format!("cannot read {}: {e}", path.display())))?;
        (path.display().to_string(), text)
    };
    match serde_json::from_str::<Value>(text.trim_start_matches('\u{feff}')) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Failure::input(format!("{name}: --input must hold a JSON object")).into()),
        Err(e) => Err(Failure::input(format!(
            "{name}: line {}, column {}: {e}",
            e.line(),
            e.column()
        ))
        .into()),
    }
}

/// The ids in an answer: `lead.id`, `purchase.id`, `id`, or those of a list's items.
fn ids(answer: &Value) -> Vec<String> {
    let one = |v: &Value| -> Option<String> {
        ["lead", "purchase"]
            .iter()
            .find_map(|k| v.get(k).and_then(|o| o.get("id")))
            .or_else(|| v.get("id"))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    match answer {
        Value::Array(items) => items.iter().filter_map(one).collect(),
        Value::Object(map) => match map.get("channels") {
            Some(Value::Array(items)) => items.iter().filter_map(one).collect(),
            _ => one(answer).into_iter().collect(),
        },
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_of_each_shape() {
        assert_eq!(ids(&json!({"lead": {"id": "L"}})), ["L"]);
        assert_eq!(ids(&json!({"purchase": {"id": "P"}})), ["P"]);
        assert_eq!(ids(&json!([{"id": "a"}, {"id": "b"}])), ["a", "b"]);
        assert_eq!(ids(&json!({"channels": [{"id": "c"}]})), ["c"]);
        assert!(ids(&json!({"ok": true})).is_empty());
    }

    #[test]
    fn csv_of_each_shape() {
        let (h, rows) = csv_rows(&records(
            &json!([{"id": "a", "n": 1}, {"id": "b", "x": null}]),
        ));
        assert_eq!(h, ["id", "n", "x"]);
        assert_eq!(rows, [vec!["a", "1", ""], vec!["b", "", ""]]);
        let (h, rows) = csv_rows(&records(&json!({"lead": {"id": "L", "tags": ["t"]}})));
        assert_eq!(h, ["id", "tags"]);
        assert_eq!(rows, [vec!["L", "[\"t\"]"]]);
        let (h, rows) = csv_rows(&records(&json!({"channels": [{"id": "c"}]})));
        assert_eq!(
            (h, rows),
            (vec!["id".to_string()], vec![vec!["c".to_string()]])
        );
        let (h, rows) = csv_rows(&records(&json!({"ok": true, "n": 2})));
        assert_eq!(
            (h, rows),
            (
                vec!["ok".to_string(), "n".to_string()],
                vec![vec!["true".to_string(), "2".to_string()]]
            )
        );
    }
}
