//! Names resolved the same everywhere: a channel by its id or title (`channel`), a property key
//! (`property_problem` words why one names no single definition), and the closest candidate for a
//! did-you-mean (`closest`). Names match ignoring case and surrounding white space; an exact
//! spelling wins over a case-insensitive one. Statuses by name: `api::status::resolve`.

use crate::api::models::Channel;
use crate::api::properties::{find_channel, normalize_name, ChannelProperties, Unresolved};
use crate::error::Failure;
use crate::log::{counted, quoted};

/// A name that matched nothing, or more than one thing: what to say, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmatched {
    pub message: String,
    pub hint: String,
    /// Several matched (ignoring case), none exactly; else nothing matched.
    pub ambiguous: bool,
}

/// Invalid input (exit 6), with the hint.
impl From<Unmatched> for Failure {
    fn from(u: Unmatched) -> Failure {
        Failure::input(u.message).with_hint(u.hint)
    }
}

impl From<Unmatched> for anyhow::Error {
    fn from(u: Unmatched) -> anyhow::Error {
        Failure::from(u).into()
    }
}

/// The candidate most like `input`, if any is reasonably close (typos, case, spacing).
pub fn closest<'a>(input: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let input = normalize_name(input);
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(&input, &normalize_name(c)), *c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// The one match among `items` for `wanted`: the exact spelling, else the only one equal to it
/// ignoring case and surrounding space. `Err(several)` when several match only that way.
fn by_name<'a, T>(
    items: &'a [T],
    name: impl Fn(&T) -> Option<&str>,
    wanted: &str,
) -> Result<Option<&'a T>, Vec<&'a T>> {
    let wanted = wanted.trim();
    if let Some(exact) = items
        .iter()
        .find(|i| name(i).map(str::trim) == Some(wanted))
    {
        return Ok(Some(exact));
    }
    let folded = normalize_name(wanted);
    let found: Vec<&T> = items
        .iter()
        .filter(|i| name(i).is_some_and(|n| normalize_name(n) == folded))
        .collect();
    match found.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one)),
        _ => Err(found),
    }
}

/// A channel by its id, else by its title: what `--channel`, `LEADCTL_CHANNEL`, the profile's
/// `channel`, `channels show` and `config set channel` take.
pub fn channel<'a>(channels: &'a [Channel], wanted: &str) -> Result<&'a Channel, Unmatched> {
    if let Some(c) = find_channel(channels, wanted) {
        return Ok(c);
    }
    match by_name(channels, |c| c.title.as_deref(), wanted) {
        Ok(Some(c)) => Ok(c),
        Ok(None) => {
            let titles: Vec<&str> = channels.iter().filter_map(|c| c.title.as_deref()).collect();
            Err(Unmatched {
                message: format!(
                    "no channel with the id or title {} among the {} this key can access",
                    quoted(wanted.trim()),
                    counted(channels.len(), "channel", "channels")
                ),
                hint: match closest(wanted, &titles) {
                    Some(t) => format!("did you mean {t:?}? `leadctl channels` lists them all"),
                    None => "`leadctl channels` lists them all".to_string(),
                },
                ambiguous: false,
            })
        }
        Err(several) => Err(Unmatched {
            message: format!(
                "{} channels are titled {}: {}",
                several.len(),
                quoted(wanted.trim()),
                several
                    .iter()
                    .map(|c| c.label())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            hint: "name the channel by its id".to_string(),
            ambiguous: true,
        }),
    }
}

/// Why a property key names no single definition of a channel, with its property names and the
/// closest one: the one wording for `create --property`, `--json` properties and import columns.
pub fn property_problem(props: &ChannelProperties, key: &str, why: &Unresolved) -> String {
    let names = if props.names.is_empty() {
        "it has no property definitions".to_string()
    } else {
        let list: Vec<String> = props.names.iter().map(|n| quoted(n)).collect();
        format!("its properties are {}", list.join(", "))
    };
    let key = key.trim();
    match why {
        Unresolved::NotOnChannel => format!(
            "property definition {key} is not on channel {}; {names}",
            props.label
        ),
        Unresolved::Unknown => {
            let candidates: Vec<&str> = props.names.iter().map(String::as_str).collect();
            let suggestion = closest(key, &candidates)
                .map(|n| format!("; did you mean {}?", quoted(n)))
                .unwrap_or_default();
            format!(
                "unknown property {} on channel {}; {names}{suggestion}",
                quoted(key),
                props.label
            )
        }
        Unresolved::Ambiguous(ids) => format!(
            "property name {} is ambiguous on channel {}: it matches {}; name it by its UUID",
            quoted(key),
            props.label,
            ids.join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const CH: &str = "a1b2c3d4-e5f6-7890-abcd-ef1234567890";

    fn channels() -> Vec<Channel> {
        serde_json::from_value(json!([
            {"id": CH, "title": "Acme Referral Program", "lead_status": [
                {"id": "e0000001-0000-4000-8000-000000000002", "status": "Qualified", "order": 2},
                {"id": "e0000001-0000-4000-8000-000000000001", "status": "New lead", "order": 1},
                {"id": "e0000001-0000-4000-8000-000000000003", "status": "Won", "order": 3},
                {"id": "e0000001-0000-4000-8000-000000000004", "status": "won", "order": 4}]},
            {"id": "b2c3d4e5-f6a7-4890-8bcd-ef1234567891", "title": "Twin"},
            {"id": "c3d4e5f6-a7b8-4901-9cde-f12345678902", "title": "twin "}
        ]))
        .unwrap()
    }

    #[test]
    fn channels_by_id_or_title() {
        let all = channels();
        assert_eq!(channel(&all, CH).unwrap().id, CH);
        assert_eq!(channel(&all, " acme referral PROGRAM ").unwrap().id, CH);
        assert_eq!(
            channel(&all, "Twin").unwrap().id,
            "b2c3d4e5-f6a7-4890-8bcd-ef1234567891",
            "the exact spelling wins"
        );
        let e = channel(&all, "TWIN").unwrap_err();
        assert!(
            e.message.starts_with("2 channels are titled \"TWIN\""),
            "{e:?}"
        );
        let e = channel(&all, "Acme Referal Program").unwrap_err();
        assert_eq!(
            e.message,
            "no channel with the id or title \"Acme Referal Program\" among the 3 channels this \
             key can access"
        );
        assert!(e
            .hint
            .starts_with("did you mean \"Acme Referral Program\"?"));
    }

    #[test]
    fn property_keys() {
        let channel: Channel = serde_json::from_value(json!({"id": CH, "title": "Acme",
            "property_definitions": [
                {"id": "11111111-2222-3333-4444-555555555555", "name": "Deal size", "type": "number"},
                {"id": "21111111-2222-3333-4444-555555555555", "name": "Region", "type": "select"},
                {"id": "31111111-2222-3333-4444-555555555555", "name": "region ", "type": "text"}]}))
        .unwrap();
        let props = ChannelProperties::from_channel(&channel);
        let why = |key: &str| property_problem(&props, key, &props.resolve(key).unwrap_err());
        assert_eq!(
            why("Deal sise"),
            format!(
                "unknown property \"Deal sise\" on channel Acme ({CH}); its properties are \
                 \"Deal size\", \"Region\", \"region \"; did you mean \"Deal size\"?"
            )
        );
        assert!(why("region").contains("is ambiguous"), "{}", why("region"));
        assert!(why("41111111-2222-3333-4444-555555555555").contains("is not on channel Acme"));
    }

    #[test]
    fn closest_match() {
        let names = ["New lead", "Qualified", "Proposal sent", "Won", "Lost"];
        assert_eq!(closest("qualifed", &names), Some("Qualified"));
        assert_eq!(closest("proposal", &names), Some("Proposal sent"));
        assert_eq!(closest("zzz", &names), None);
    }
}
