//! Channels and custom properties by what a user types: the one rule for what an id is
//! (`is_uuid`), for finding a channel by its id (`find_channel`), and for turning a property key
//! (a definition UUID or a name, case- and surrounding-space-insensitively) into the definition
//! id the API wants (`ChannelProperties::resolve`), with what its values must be (`ValueKind`).
//! Checking values against it is the layer above's (doc/cli.md).

use std::collections::HashMap;

use super::models::{Channel, PropertyDefinition, SelectOption};

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

/// What a definition's values must be, from its `type` and `options` (the checks themselves
/// are `lead::values`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueKind {
    /// `number`: a plain decimal, read by `crate::number`.
    Number,
    /// `select` with a list of choices; a select without one is `Any`.
    Select(Vec<SelectOption>),
    /// Anything else: sent as given.
    Any,
}

/// One property definition as the checks need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    /// The id as the server wrote it.
    pub id: String,
    /// Its name (the id when it has none), for messages.
    pub name: String,
    pub kind: ValueKind,
}

impl Definition {
    pub fn from_definition(d: &PropertyDefinition) -> Definition {
        let kind = match d.kind.as_deref().map(|k| k.trim().to_ascii_lowercase()) {
            Some(k) if is_number_type(Some(&k)) => ValueKind::Number,
            Some(k) if k == "select" || k == "dropdown" => {
                d.options().map_or(ValueKind::Any, ValueKind::Select)
            }
            _ => ValueKind::Any,
        };
        Definition {
            id: d.id.clone(),
            name: d.name.clone().unwrap_or_else(|| d.id.clone()),
            kind,
        }
    }
}

/// A channel's property definitions, indexed once for many lookups (an import resolves every
/// row's properties).
#[derive(Debug, Clone)]
pub struct ChannelProperties {
    /// The channel as messages name it (`Channel::label`).
    pub label: String,
    /// Normalised name → the ids of the definitions with that name.
    by_name: HashMap<String, Vec<String>>,
    /// Lower-cased id → the definition.
    defs: HashMap<String, Definition>,
    /// The definitions' names, in the server's order.
    pub names: Vec<String>,
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
            defs: c
                .property_definitions
                .iter()
                .map(|d| (d.id.to_lowercase(), Definition::from_definition(d)))
                .collect(),
            names: c
                .property_definitions
                .iter()
                .filter_map(|d| d.name.clone())
                .collect(),
        }
    }

    /// The definition with this id.
    pub fn definition(&self, id: &str) -> Option<&Definition> {
        self.defs.get(&id.trim().to_lowercase())
    }

    /// The definition id for a key: a definition UUID on this channel, or the name of exactly
    /// one of its definitions.
    pub fn resolve(&self, key: &str) -> Result<String, Unresolved> {
        self.resolve_definition(key).map(|d| d.id.clone())
    }

    /// The definition a key names (as `resolve`).
    pub fn resolve_definition(&self, key: &str) -> Result<&Definition, Unresolved> {
        if is_uuid(key) {
            return self.definition(key).ok_or(Unresolved::NotOnChannel);
        }
        match self.by_name.get(&normalize_name(key)).map(Vec::as_slice) {
            Some([one]) => self.definition(one).ok_or(Unresolved::Unknown),
            Some(several) if !several.is_empty() => Err(Unresolved::Ambiguous(several.to_vec())),
            _ => Err(Unresolved::Unknown),
        }
    }
}

/// Whether a definition's `type` is a number type.
pub fn is_number_type(kind: Option<&str>) -> bool {
    kind.is_some_and(|k| matches!(k.trim().to_ascii_lowercase().as_str(), "number" | "numeric"))
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
    fn definitions_know_their_kind() {
        let channel: Channel = serde_json::from_value(json!({"id": "c", "title": "Acme",
            "property_definitions": [
                {"id": "11111111-2222-3333-4444-555555555555", "name": "Deal size", "type": "number"},
                {"id": "21111111-2222-3333-4444-555555555555", "name": "Region", "type": "select",
                 "options": ["EMEA", "APAC"]},
                {"id": "31111111-2222-3333-4444-555555555555", "name": "Country", "type": "select"},
                {"id": "41111111-2222-3333-4444-555555555555", "type": "text"}]}))
        .unwrap();
        let props = ChannelProperties::from_channel(&channel);
        let kind = |key: &str| props.resolve_definition(key).map(|d| d.kind.clone());
        assert_eq!(kind("deal size"), Ok(ValueKind::Number));
        assert!(matches!(kind("REGION"), Ok(ValueKind::Select(o)) if o.len() == 2));
        assert_eq!(
            kind("Country"),
            Ok(ValueKind::Any),
            "a select without a list"
        );
        let unnamed = props
            .definition("41111111-2222-3333-4444-555555555555")
            .unwrap();
        assert_eq!(unnamed.name, "41111111-2222-3333-4444-555555555555");
    }
}
