//! The API's actions applied to the sandbox's [`Data`]: validation, every error string and
//! status, and the response shapes. What each action does, and where the sandbox decides what
//! the API documentation leaves open, is written down in doc/sandbox.md.
//!
//! Pure logic: no sockets, no locks, no clock other than `created_at`. The server calls
//! [`dispatch`] with the data lock held, so nothing here may block. One file per group of
//! actions; `validate` holds the checks they share.

mod channels;
mod create;
mod leads;
mod purchases;
mod statuses;
mod update;
mod validate;

use serde_json::{json, Map, Value};

use super::data::{key_is_valid, Data};

/// The answer to one API request.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Outcome {
    pub status: u16,
    pub body: Value,
    /// Whether the data changed (the server then saves `--state`).
    pub mutated: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiError {
    pub status: u16,
    pub message: String,
}

pub(super) fn err<T>(status: u16, message: impl Into<String>) -> Result<T, ApiError> {
    Err(ApiError {
        status,
        message: message.into(),
    })
}

/// Every action name the sandbox answers.
pub(crate) const ACTIONS: [&str; 10] = [
    "get_channels",
    "get_leads",
    "get_lead_by_id",
    "get_lead_by_legacy_id",
    "create_lead",
    "update_lead",
    "update_status",
    "update_status_id",
    "create_purchase",
    "lead_external",
];

/// The request body as a JSON object, or the 400 for it.
pub(crate) fn parse_body(bytes: &[u8]) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => err(400, "Invalid JSON body: expected an object"),
        Err(e) => err(400, format!("Invalid JSON body: {e}")),
    }
}

/// The `action` of a parsed body, if it is a string.
pub(crate) fn action_of(body: &Map<String, Value>) -> Option<&str> {
    body.get("action").and_then(Value::as_str)
}

/// Runs one API request against `data`. `body` is the result of [`parse_body`].
pub(crate) fn dispatch(
    data: &mut Data,
    api_key: Option<&str>,
    body: &Result<Map<String, Value>, ApiError>,
) -> Outcome {
    let result = body
        .as_ref()
        .map_err(Clone::clone)
        .and_then(|b| run(data, api_key, b));
    match result {
        Ok((body, mutated)) => Outcome {
            status: 200,
            body,
            mutated,
        },
        Err(e) => Outcome {
            status: e.status,
            body: json!({ "error": e.message }),
            mutated: false,
        },
    }
}

fn run(
    data: &mut Data,
    key: Option<&str>,
    body: &Map<String, Value>,
) -> Result<(Value, bool), ApiError> {
    let action = action_of(body);
    if action != Some("lead_external") && !key_is_valid(key) {
        return err(401, "Invalid API key");
    }
    let Some(action) = action else {
        return err(400, "action required");
    };
    let read = |v: Value| Ok((v, false));
    let write = |v: Value| Ok((v, true));
    match action {
        "get_channels" => read(channels::get_channels(data)),
        "get_leads" => read(leads::get_leads(data, body)?),
        "get_lead_by_id" => read(leads::get_lead_by_id(data, body)?),
        "get_lead_by_legacy_id" => read(leads::get_lead_by_legacy_id(data, body)?),
        "create_lead" => write(create::create_lead(data, body, false)?),
        "lead_external" => write(create::create_lead(data, body, true)?),
        "update_lead" => write(update::update_lead(data, body)?),
        "update_status" => write(statuses::update_status(data, body, false)?),
        "update_status_id" => write(statuses::update_status(data, body, true)?),
        "create_purchase" => write(purchases::create_purchase(data, body)?),
        other => err(400, format!("Unknown action: {other}")),
    }
}

/// What the tests of every action file share: calling [`dispatch`] as the server does, and
/// asserting its answers.
#[cfg(test)]
pub(super) mod testing {
    pub(crate) use super::super::data::Data;
    use super::super::{API_KEY, PRIMARY_CHANNEL_ID};
    pub(crate) use super::{dispatch, parse_body, Outcome, ACTIONS};
    use serde_json::{json, Value};

    pub(crate) const NIL: &str = "00000000-0000-0000-0000-000000000000";
    pub(crate) const REGION: &str = "f0000001-0000-4000-8000-000000000002";
    pub(crate) const QUALIFIED: &str = "e0000001-0000-4000-8000-000000000002";
    pub(crate) const PUBLIC_WON: &str = "e0000002-0000-4000-8000-000000000004";

    pub(crate) fn call_with_key(data: &mut Data, key: Option<&str>, body: Value) -> Outcome {
        let parsed = parse_body(body.to_string().as_bytes());
        dispatch(data, key, &parsed)
    }

    pub(crate) fn call(data: &mut Data, body: Value) -> Outcome {
        call_with_key(data, Some(API_KEY), body)
    }

    /// Asserts an error answer and that nothing changed.
    #[track_caller]
    pub(crate) fn assert_error(o: &Outcome, status: u16, message: &str) {
        assert_eq!((o.status, &o.body), (status, &json!({ "error": message })));
        assert!(!o.mutated);
    }

    pub(crate) fn ok(o: Outcome) -> Value {
        assert_eq!(o.status, 200, "{}", o.body);
        o.body
    }

    pub(crate) fn create(data: &mut Data, extra: Value) -> Value {
        let mut body = json!({"action": "create_lead", "channel_id": PRIMARY_CHANNEL_ID});
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        let o = call(data, body);
        assert!(o.mutated);
        ok(o)["lead"].clone()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::{API_KEY, PRIMARY_CHANNEL_ID};
    use super::testing::*;

    /// doc/sandbox.md describes every action and every error message the actions can answer:
    /// a message added here without a line there fails this test.
    #[test]
    fn doc_sandbox_md_names_every_action_and_error_message() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let doc = std::fs::read_to_string(root.join("doc/sandbox.md")).expect("doc/sandbox.md");
        for action in ACTIONS {
            assert!(
                doc.contains(&format!("### `{action}`")) || doc.contains(&format!("/ `{action}`")),
                "doc/sandbox.md has no section for {action}"
            );
        }
        let dir = root.join("src/sandbox/actions");
        let mut checked = 0;
        for entry in std::fs::read_dir(&dir)
            .expect("src/sandbox/actions")
            .flatten()
        {
            let code = std::fs::read_to_string(entry.path()).expect("a source file");
            for fragment in error_message_fragments(&code) {
                assert!(
                    doc.contains(&fragment),
                    "doc/sandbox.md lacks {fragment:?} ({})",
                    entry.path().display()
                );
                checked += 1;
            }
        }
        assert!(
            checked >= 25,
            "only {checked} messages found: is the scan broken?"
        );
    }

    /// The fixed text of every message given to `err(STATUS, ...)`, as a literal or a
    /// `format!` string: split at `{placeholders}`, unescaped, fragments under 3 characters
    /// dropped.
    fn error_message_fragments(code: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut rest = code;
        while let Some(i) = rest.find("err(") {
            rest = &rest[i + 4..];
            let call = rest.trim_start();
            let Some(after_status) = call
                .get(..3)
                .filter(|s| s.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|_| call[3..].trim_start().strip_prefix(','))
            else {
                continue;
            };
            let arg = after_status.trim_start();
            let arg = arg.strip_prefix("format!(").unwrap_or(arg).trim_start();
            let Some(lit) = arg.strip_prefix('"') else {
                continue;
            };
            let mut text = String::new();
            let mut chars = lit.chars();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => text.extend(chars.next()),
                    '"' => break,
                    c => text.push(c),
                }
            }
            for piece in text.split(['{', '}']).step_by(2) {
                if piece.len() >= 3 {
                    out.push(piece.to_string());
                }
            }
        }
        out
    }

    #[test]
    fn body_and_key_errors() {
        let mut d = Data::seeded();
        assert_error(
            &dispatch(&mut d, Some(API_KEY), &parse_body(b"not json")),
            400,
            "Invalid JSON body: expected ident at line 1 column 2",
        );
        assert_error(
            &dispatch(&mut d, Some(API_KEY), &parse_body(b"[1]")),
            400,
            "Invalid JSON body: expected an object",
        );
        for key in [None, Some(""), Some("wrong"), Some(&API_KEY.to_uppercase())] {
            let o = call_with_key(&mut d, key, json!({"action": "get_channels"}));
            assert_error(&o, 401, "Invalid API key");
        }
        assert_error(
            &call_with_key(&mut d, None, json!({"action": "nope"})),
            401,
            "Invalid API key",
        );
        assert_error(
            &call(&mut d, json!({"action": "nope"})),
            400,
            "Unknown action: nope",
        );
        assert_error(
            &call(&mut d, json!({"channel_id": PRIMARY_CHANNEL_ID})),
            400,
            "action required",
        );
        assert_error(&call(&mut d, json!({"action": 5})), 400, "action required");
    }

    #[test]
    fn read_actions_do_not_mutate() {
        let mut d = Data::seeded();
        for action in [
            "get_channels",
            "get_leads",
            "get_lead_by_id",
            "get_lead_by_legacy_id",
        ] {
            let o = call(
                &mut d,
                json!({"action": action, "channel_id": PRIMARY_CHANNEL_ID}),
            );
            assert!(!o.mutated, "{action}");
        }
        assert!(ACTIONS.iter().all(|a| {
            let o = call(&mut Data::seeded(), json!({"action": a}));
            !o.body["error"]
                .as_str()
                .is_some_and(|e| e.starts_with("Unknown action"))
        }));
    }
}
