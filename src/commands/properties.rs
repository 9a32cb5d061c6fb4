//! Custom properties by name for the commands, and one message for several problems. The rules
//! and their wording are `lead::names`'s.

use crate::api::models::Channel;
use crate::api::properties::ChannelProperties;
use crate::error::{Failure, Kind};

/// A property key on a channel: its definition id, or an error that lists the channel's
/// property names (the rule and its wording are `lead::names`).
pub fn resolve_one(channel: &Channel, key: &str) -> Result<String, String> {
    let props = ChannelProperties::from_channel(channel);
    props
        .resolve(key)
        .map_err(|why| crate::lead::names::property_problem(&props, key, &why))
}

pub use crate::lead::names::closest;

/// One error message for several problems, each on its own line.
pub fn problem_list(kind: Kind, problems: Vec<String>, hint: &str) -> Failure {
    let message = if problems.len() == 1 {
        problems.into_iter().next().unwrap_or_default()
    } else {
        format!("{} problems:\n  {}", problems.len(), problems.join("\n  "))
    };
    Failure::new(kind, message).with_hint(hint)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const CH: &str = "a1b2c3d4-e5f6-7890-abcd-ef1234567890";

    #[test]
    fn property_names_resolve_case_insensitively() {
        let channel: Channel = serde_json::from_value(json!({"id": CH, "title": "Acme",
            "property_definitions": [
                {"id": "11111111-2222-3333-4444-555555555555", "name": "Deal size", "type": "number"},
                {"id": "21111111-2222-3333-4444-555555555555", "name": "Region", "type": "select"},
                {"id": "31111111-2222-3333-4444-555555555555", "name": "region ", "type": "text"}]}))
        .unwrap();
        assert_eq!(
            resolve_one(&channel, "deal SIZE").unwrap(),
            "11111111-2222-3333-4444-555555555555"
        );
        let err = resolve_one(&channel, "Budget").unwrap_err();
        assert!(err.contains("unknown property \"Budget\""), "{err}");
        assert!(err.contains("\"Deal size\", \"Region\""), "{err}");
        let err = resolve_one(&channel, "region").unwrap_err();
        assert!(err.contains("ambiguous"), "{err}");
        let err = resolve_one(&channel, "41111111-2222-3333-4444-555555555555").unwrap_err();
        assert!(err.contains("is not on channel Acme"), "{err}");
    }
}
