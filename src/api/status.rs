//! A channel's lead statuses as users name them: the one rule `leads status` and the import's
//! status column share. A status is given by id (a UUID) or by name; a name matches exactly,
//! else case-insensitively (spaces trimmed) when only one status answers to it.

use super::models::{Channel, LeadStatus};
use super::properties::is_uuid;

/// Why a status cannot be resolved; `Display` says which ones the channel has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusError {
    /// No status of the channel has this name or id. The channel's names (in order), and the
    /// closest name when one is near.
    Unknown {
        wanted: String,
        names: Vec<String>,
        near: Option<String>,
    },
    /// Several statuses answer to the name case-insensitively, none exactly.
    Ambiguous { wanted: String, names: Vec<String> },
}

impl std::fmt::Display for StatusError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let list = |names: &[String]| {
            names
                .iter()
                .map(|n| crate::log::quoted(n))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            StatusError::Unknown {
                wanted,
                names,
                near,
            } => {
                write!(
                    f,
                    "status {} is not on the channel; its statuses are {}",
                    crate::log::quoted(wanted),
                    list(names)
                )?;
                if let Some(n) = near {
                    write!(f, " (did you mean {}?)", crate::log::quoted(n))?;
                }
                Ok(())
            }
            StatusError::Ambiguous { wanted, names } => write!(
                f,
                "status {} matches {} (they differ only in case); write it exactly",
                crate::log::quoted(wanted),
                list(names)
            ),
        }
    }
}

/// The channel's statuses in their order (the first is what new leads get).
pub fn ordered(c: &Channel) -> Vec<&LeadStatus> {
    let mut statuses: Vec<&LeadStatus> = c.lead_status.iter().collect();
    statuses.sort_by_key(|s| {
        s.extra
            .get("order")
            .and_then(serde_json::Value::as_i64)
            .unwrap_or(i64::MAX)
    });
    statuses
}

/// The status new leads of the channel get: the first in order.
pub fn first(c: &Channel) -> Option<&LeadStatus> {
    ordered(c).into_iter().next()
}

fn fold(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The status `wanted` names on channel `c`: by id when it is a UUID, else by name (exactly,
/// else case-insensitively when that is unambiguous).
pub fn resolve<'a>(c: &'a Channel, wanted: &str) -> Result<&'a LeadStatus, StatusError> {
    let wanted = wanted.trim();
    let statuses = ordered(c);
    let names: Vec<String> = statuses.iter().filter_map(|s| s.status.clone()).collect();
    if is_uuid(wanted) {
        if let Some(s) = statuses.iter().find(|s| s.id.eq_ignore_ascii_case(wanted)) {
            return Ok(s);
        }
    }
    if let Some(s) = statuses
        .iter()
        .find(|s| s.status.as_deref() == Some(wanted))
    {
        return Ok(s);
    }
    let folded = fold(wanted);
    let close: Vec<&&LeadStatus> = statuses
        .iter()
        .filter(|s| s.status.as_deref().map(fold).as_deref() == Some(folded.as_str()))
        .collect();
    match close.as_slice() {
        [one] => Ok(one),
        [] => Err(StatusError::Unknown {
            wanted: wanted.to_string(),
            near: nearest(wanted, &names),
            names,
        }),
        several => Err(StatusError::Ambiguous {
            wanted: wanted.to_string(),
            names: several.iter().filter_map(|s| s.status.clone()).collect(),
        }),
    }
}

/// The name within two edits of `wanted` (case aside), when there is one.
fn nearest(wanted: &str, names: &[String]) -> Option<String> {
    let w = fold(wanted);
    names
        .iter()
        .map(|n| (strsim::levenshtein(&w, &fold(n)), n))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn channel(names: &[&str]) -> Channel {
        let statuses: Vec<serde_json::Value> = names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                serde_json::json!({
                    "id": format!("e0000001-0000-4000-8000-00000000000{}", i + 1),
                    "status": n,
                    "order": names.len() - i,
                })
            })
            .collect();
        serde_json::from_value(serde_json::json!({"id": "c", "lead_status": statuses}))
            .expect("a channel")
    }

    #[test]
    fn names_ids_case_and_ambiguity() {
        let c = channel(&["Won", "Qualified", "New lead"]);
        assert_eq!(
            first(&c).and_then(|s| s.status.as_deref()),
            Some("New lead")
        );
        let name = |w: &str| resolve(&c, w).map(|s| s.status.clone().unwrap_or_default());
        assert_eq!(name("Qualified").as_deref(), Ok("Qualified"));
        assert_eq!(name(" qualified ").as_deref(), Ok("Qualified"));
        assert_eq!(name("new  LEAD").as_deref(), Ok("New lead"));
        assert_eq!(
            name("E0000001-0000-4000-8000-000000000001").as_deref(),
            Ok("Won")
        );
        let e = resolve(&c, "Qualifed").unwrap_err();
        assert_eq!(
            e.to_string(),
            "status \"Qualifed\" is not on the channel; its statuses are \"New lead\", \
             \"Qualified\", \"Won\" (did you mean \"Qualified\"?)"
        );
        let twins = channel(&["Won", "WON"]);
        assert_eq!(
            resolve(&twins, "WON").map(|s| s.id.clone()).ok().as_deref(),
            Some("e0000001-0000-4000-8000-000000000002")
        );
        assert!(matches!(
            resolve(&twins, "won"),
            Err(StatusError::Ambiguous { .. })
        ));
    }
}
