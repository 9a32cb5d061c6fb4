//! Channels and custom properties by what a user types: the one rule for what an id is
//! (`is_uuid`), for finding a channel by its id (`find_channel`), and for turning a property key
//! (a definition UUID or a name, case- and surrounding-space-insensitively) into the definition
//! id the API wants (`ChannelProperties::resolve`). Callers word the errors for their context.

use std::collections::HashMap;

use super::models::Channel;

/// Whether `s`, surrounding white space aside, is a UUID (the API's ids).
pub fn is_uuid(s: &str) -> bool {
    uuid::Uuid::try_parse(s.trim()).is_ok()
}

/// The channel with this id (case-insensitive, surrounding white space aside).
pub fn find_channel<'a>(channels: &'a [Channel], id: &str) -> Option<&'a Channel> {
    channels
        .iter()
        .find(|c| c.id.eq_ignore_ascii_case(id.trim()))
}

/// Property names match ignoring case and surrounding space (not punctuation: "Deal size" and
/// "Deal-size" could be two properties).
pub fn normalize_name(s: &str) -> String {
    s.trim().to_lowercase()
}

/// Why a property key names no single definition on a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unresolved {
    /// A UUID that is not one of the channel's definitions.
    NotOnChannel,
    /// A name no definition has.
    Unknown,
    /// A name several definitions have: their ids.
    Ambiguous(Vec<String>),
}

/// A channel's property definitions, indexed once for many lookups (an import resolves every
/// row's properties).
#[derive(Debug, Clone)]
pub struct ChannelProperties {
    /// The channel as messages name it (`Channel::label`).
    pub label: String,
    /// Normalised name → the ids of the definitions with that name.
    by_name: HashMap<String, Vec<String>>,
    /// Lower-cased id → the id as the server wrote it.
    ids: HashMap<String, String>,
    /// The definitions' names, in the server's order.
    pub names: Vec<String>,
    /// Lower-cased ids of the definitions whose type is `number`.
    numbers: std::collections::HashSet<String>,
}

impl ChannelProperties {
    pub fn from_channel(c: &Channel) -> ChannelProperties {
        let mut by_name: HashMap<String, Vec<String>> = HashMap::new();
        for d in &c.property_definitions {
            if let Some(name) = &d.name {
                by_name
                    .entry(normalize_name(name))
                    .or_default()
                    .push(d.id.clone());
            }
        }
        ChannelProperties {
            label: c.label(),
            by_name,
            ids: c
                .property_definitions
                .iter()
                .map(|d| (d.id.to_lowercase(), d.id.clone()))
                .collect(),
            names: c
                .property_definitions
                .iter()
                .filter_map(|d| d.name.clone())
                .collect(),
            numbers: c
                .property_definitions
                .iter()
                .filter(|d| is_number_type(d.kind.as_deref()))
                .map(|d| d.id.to_lowercase())
                .collect(),
        }
    }

    /// Whether the definition with this id holds numbers.
    pub fn is_number(&self, id: &str) -> bool {
        self.numbers.contains(&id.trim().to_lowercase())
    }

    /// The definition id for a key: a definition UUID on this channel, or the name of exactly
    /// one of its definitions.
    pub fn resolve(&self, key: &str) -> Result<String, Unresolved> {
        if is_uuid(key) {
            return self
                .ids
                .get(&key.trim().to_lowercase())
                .cloned()
                .ok_or(Unresolved::NotOnChannel);
        }
        match self.by_name.get(&normalize_name(key)).map(Vec::as_slice) {
            Some([one]) => Ok(one.clone()),
            Some(several) if !several.is_empty() => Err(Unresolved::Ambiguous(several.to_vec())),
            _ => Err(Unresolved::Unknown),
        }
    }
}

/// Whether a definition's `type` is a number type.
pub fn is_number_type(kind: Option<&str>) -> bool {
    kind.is_some_and(|k| matches!(k.trim().to_ascii_lowercase().as_str(), "number" | "numeric"))
}

/// Whether a value is text that reads as a number that is not finite (`NaN`, `inf`, `-inf`,
/// `infinity`, `1e999`), or a JSON number that is not finite: the values no number property
/// can hold. Other text is left to the server (it may accept `1,5` or `50 000`).
pub fn non_finite(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::String(s) => s.trim().parse::<f64>().is_ok_and(|n| !n.is_finite()),
        serde_json::Value::Number(n) => n.as_f64().is_some_and(|n| !n.is_finite()),
        _ => false,
    }
}

/// The one number check, for `create` and `import`: a number property's value must be finite.
pub fn number_problem(value: &serde_json::Value) -> Option<String> {
    non_finite(value).then(|| {
        let text = match value {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        format!(
            "{} is not a finite number, so a number property cannot hold it",
            crate::log::quoted(&text)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_resolve_by_id_or_name() {
        let channel: Channel = serde_json::from_value(json!({"id": "c", "title": "Acme",
            "property_definitions": [
                {"id": "11111111-2222-3333-4444-555555555555", "name": "Deal size"},
                {"id": "21111111-2222-3333-4444-555555555555", "name": "Region"},
                {"id": "31111111-2222-3333-4444-555555555555", "name": "region "}]}))
        .unwrap();
        let props = ChannelProperties::from_channel(&channel);
        assert_eq!(
            props.resolve(" deal SIZE").as_deref(),
            Ok("11111111-2222-3333-4444-555555555555")
        );
        assert_eq!(
            props
                .resolve("11111111-2222-3333-4444-555555555555")
                .as_deref(),
            Ok("11111111-2222-3333-4444-555555555555")
        );
        assert_eq!(
            props.resolve("41111111-2222-3333-4444-555555555555"),
            Err(Unresolved::NotOnChannel)
        );
        assert_eq!(props.resolve("Budget"), Err(Unresolved::Unknown));
        assert!(
            matches!(props.resolve("REGION"), Err(Unresolved::Ambiguous(ids)) if ids.len() == 2)
        );
        assert!(is_uuid(" 11111111-2222-3333-4444-555555555555 "));
        assert!(find_channel(std::slice::from_ref(&channel), " C").is_some());
    }

    #[test]
    fn numbers_must_be_finite() {
        for bad in [
            "NaN",
            "nan",
            "inf",
            "-inf",
            "+Infinity",
            "1e999",
            " -1e400 ",
        ] {
            assert!(number_problem(&json!(bad)).is_some(), "{bad}");
        }
        for ok in ["50000", "1.5", "-2e3", "1,5", "50 000", "Nan Jones"] {
            assert!(number_problem(&json!(ok)).is_none(), "{ok}");
        }
        assert!(number_problem(&json!(12.5)).is_none());
        assert_eq!(
            number_problem(&json!("inf")).unwrap(),
            "\"inf\" is not a finite number, so a number property cannot hold it"
        );
        let channel: Channel = serde_json::from_value(json!({"id": "c", "title": "Acme",
            "property_definitions": [
                {"id": "11111111-2222-3333-4444-555555555555", "name": "Deal size", "type": "number"},
                {"id": "21111111-2222-3333-4444-555555555555", "name": "Region", "type": "text"}]}))
        .unwrap();
        let props = ChannelProperties::from_channel(&channel);
        assert!(props.is_number("11111111-2222-3333-4444-555555555555"));
        assert!(!props.is_number("21111111-2222-3333-4444-555555555555"));
    }
}
