//! Custom properties and statuses by name: turning what a user types ("deal size",
//! "Qualified") into the ids the API wants, with errors that list the valid choices.

use crate::api::models::{Channel, PropertyDefinition};
use crate::error::{Failure, Kind};

pub fn is_uuid(s: &str) -> bool {
    uuid::Uuid::try_parse(s.trim()).is_ok()
}

pub fn find_channel<'a>(channels: &'a [Channel], id: &str) -> Option<&'a Channel> {
    channels
        .iter()
        .find(|c| c.id.eq_ignore_ascii_case(id.trim()))
}

/// A property key: a definition UUID (checked to be on the channel) or a name, case-insensitively.
pub fn resolve_one(channel: &Channel, key: &str) -> Result<String, String> {
    let defs = &channel.property_definitions;
    if is_uuid(key) {
        return match defs.iter().find(|d| d.id.eq_ignore_ascii_case(key.trim())) {
            Some(d) => Ok(d.id.clone()),
            None => Err(format!(
                "property definition {key} is not on channel {}; {}",
                channel.label(),
                property_names(defs)
            )),
        };
    }
    let wanted = normalize(key);
    let matches: Vec<&PropertyDefinition> = defs
        .iter()
        .filter(|d| d.name.as_deref().is_some_and(|n| normalize(n) == wanted))
        .collect();
    match matches.as_slice() {
        [one] => Ok(one.id.clone()),
        [] => {
            let names: Vec<&str> = defs.iter().filter_map(|d| d.name.as_deref()).collect();
            let suggestion = closest(key, &names)
                .map(|n| format!("; did you mean {n:?}?"))
                .unwrap_or_default();
            Err(format!(
                "unknown property {key:?} on channel {}; {}{suggestion}",
                channel.label(),
                property_names(defs)
            ))
        }
        several => Err(format!(
            "property name {key:?} is ambiguous on channel {}: it matches {}; use the UUID",
            channel.label(),
            several
                .iter()
                .map(|d| d.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

fn property_names(defs: &[PropertyDefinition]) -> String {
    let list: Vec<String> = defs
        .iter()
        .filter_map(|d| d.name.as_ref())
        .map(|n| format!("{n:?}"))
        .collect();
    if list.is_empty() {
        "it has no property definitions".to_string()
    } else {
        format!("its properties are {}", list.join(", "))
    }
}

fn normalize(s: &str) -> String {
    s.trim().to_lowercase()
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
