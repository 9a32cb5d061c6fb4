//! Custom properties and statuses by name, as the commands word it: errors that list the valid
//! choices, with the closest one as a suggestion. The matching rules are `api::properties`'s.

use crate::api::models::Channel;
use crate::api::properties::{normalize_name as normalize, ChannelProperties, Unresolved};
use crate::error::{Failure, Kind};

/// A property key on a channel: its definition id, or an error that lists the channel's
/// property names (the rule itself is `api::properties`).
pub fn resolve_one(channel: &Channel, key: &str) -> Result<String, String> {
    let props = ChannelProperties::from_channel(channel);
    props.resolve(key).map_err(|why| match why {
        Unresolved::NotOnChannel => format!(
            "property definition {key} is not on channel {}; {}",
            props.label,
            property_names(&props.names)
        ),
        Unresolved::Unknown => {
            let names: Vec<&str> = props.names.iter().map(String::as_str).collect();
            let suggestion = closest(key, &names)
                .map(|n| format!("; did you mean {n:?}?"))
                .unwrap_or_default();
            format!(
                "unknown property {key:?} on channel {}; {}{suggestion}",
                props.label,
                property_names(&props.names)
            )
        }
        Unresolved::Ambiguous(ids) => format!(
            "property name {key:?} is ambiguous on channel {}: it matches {}; use the UUID",
            props.label,
            ids.join(", ")
        ),
    })
}

fn property_names(names: &[String]) -> String {
    if names.is_empty() {
        "it has no property definitions".to_string()
    } else {
        let list: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
        format!("its properties are {}", list.join(", "))
    }
}

/// The candidate most like `input`, if any is reasonably close (typos, case, spacing).
pub fn closest<'a>(input: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let input = normalize(input);
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(&input, &normalize(c)), *c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

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

    #[test]
    fn closest_match() {
        let names = ["New lead", "Qualified", "Proposal sent", "Won", "Lost"];
        assert_eq!(closest("qualifed", &names), Some("Qualified"));
        assert_eq!(closest("proposal", &names), Some("Proposal sent"));
        assert_eq!(closest("zzz", &names), None);
    }
}
