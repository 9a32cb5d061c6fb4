//! Settling unknown rows honestly: a row sent without a reliable answer may or may not exist.
//! Look for it among the channel's newest leads (`get_leads` returns at most 100), by business id
//! or else by email, created no earlier than the row was sent. Found: created. Not found: still
//! unknown, because older leads cannot be listed, so absence proves nothing.

use std::collections::{HashMap, HashSet};

use crate::api::models::Lead;
use crate::api::ApiClient;

/// An unknown row and what identifies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub row: u64,
    /// The row's hash, for the journal line that settles it.
    pub hash: String,
    pub channel: String,
    pub email: Option<String>,
    pub business_id: Option<String>,
    /// Unix seconds when it was sent, if known.
    pub sent_at: Option<u64>,
    /// Unix seconds by which the client had given up on it: the answer's failure, or the start
    /// of a later run for a row an earlier run left without an outcome.
    pub given_up_at: Option<u64>,
}

/// What reconciling found.
#[derive(Debug, Default)]
pub struct Settled {
    /// (row, lead id) of the rows found.
    pub found: Vec<(u64, String)>,
    /// Channels whose leads could not be read, with the reason.
    pub unreadable: Vec<(String, String)>,
    /// Channels where exactly 100 leads came back: older ones could not be checked.
    pub capped: Vec<String>,
    /// Rows with neither email nor business id: nothing to look for.
    pub unidentifiable: u64,
}

/// Clock differences allowed between this machine and the server.
const CLOCK_SLACK_SECS: i64 = 300;
/// How long the platform may go on processing a request after the client gave up (Supabase
/// stops a function after 150 s: API.md section 3b).
const SERVER_GRACE_SECS: i64 = 150;

pub fn reconcile(client: &ApiClient, pending: &[Pending], known_ids: &HashSet<String>) -> Settled {
    let mut settled = Settled::default();
    let mut by_channel: HashMap<String, Vec<&Pending>> = HashMap::new();
    for p in pending {
        if p.email.is_none() && p.business_id.is_none() {
            settled.unidentifiable += 1;
            continue;
        }
        by_channel
            .entry(p.channel.to_lowercase())
            .or_default()
            .push(p);
    }
    let mut channels: Vec<_> = by_channel.into_iter().collect();
    channels.sort_by(|a, b| a.0.cmp(&b.0));
    for (channel, rows) in channels {
        let leads = match client.get_leads(&channel) {
            Ok(leads) => leads,
            Err(e) => {
                settled.unreadable.push((channel, e.to_string()));
                continue;
            }
        };
        if leads.len() >= 100 {
            settled.capped.push(channel.clone());
        }
        settled.found.extend(match_rows(&rows, &leads, known_ids));
    }
    settled.found.sort();
    settled
}

/// Pure matching: a lead settles a row when its business id and email are the row's (present or
/// absent alike) and it was created while the row's request could have been processed; each
/// lead settles at most one row.
pub fn match_rows(
    rows: &[&Pending],
    leads: &[Lead],
    known_ids: &HashSet<String>,
) -> Vec<(u64, String)> {
    let mut used: HashSet<&str> = HashSet::new();
    let mut found = Vec::new();
    for p in rows {
        let candidate = leads.iter().find(|lead| {
            if used.contains(lead.id.as_str()) || known_ids.contains(&lead.id) {
                return false;
            }
            // Only a lead created while the row's request could have been processed is its lead:
            // an older one, or one made well after the client gave up, is someone else's.
            let created = lead
                .created_at
                .as_deref()
                .and_then(crate::time::parse_rfc3339);
            if let (Some(sent), Some(created)) = (p.sent_at, created) {
                if created < sent as i64 - CLOCK_SLACK_SECS {
                    return false;
                }
            }
            if let (Some(gave_up), Some(created)) = (p.given_up_at, created) {
                if created > gave_up as i64 + SERVER_GRACE_SECS + CLOCK_SLACK_SECS {
                    return false;
                }
            }
            // The row's identifying fields, present or absent, must be the lead's.
            let text = |v: &Option<String>| {
                v.as_deref()
                    .map(str::trim)
                    .filter(|x| !x.is_empty())
                    .map(str::to_string)
            };
            let same_bid = text(&p.business_id) == text(&lead.business_id);
            let same_email = text(&p.email).map(|e| e.to_lowercase())
                == text(&lead.email).map(|e| e.to_lowercase());
            (p.business_id.is_some() || p.email.is_some()) && same_bid && same_email
        });
        if let Some(lead) = candidate {
            used.insert(lead.id.as_str());
            found.push((p.row, lead.id.clone()));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lead(id: &str, email: &str, bid: Option<&str>, created: &str) -> Lead {
        Lead::from_flat_value(
            json!({"id": id, "email": email, "business_id": bid, "created_at": created}),
        )
        .unwrap()
    }

    fn pending(row: u64, email: Option<&str>, bid: Option<&str>) -> Pending {
        Pending {
            row,
            hash: "h".into(),
            channel: "c".into(),
            email: email.map(str::to_string),
            business_id: bid.map(str::to_string),
            sent_at: crate::time::parse_rfc3339("2026-11-29T10:00:00Z").map(|t| t as u64),
            given_up_at: crate::time::parse_rfc3339("2026-11-29T10:00:30Z").map(|t| t as u64),
        }
    }

    #[test]
    fn matching_rules() {
        let leads = vec![
            lead("new-1", "a@x.example", None, "2026-11-29T10:00:01Z"),
            lead("old", "b@x.example", None, "2026-11-01T00:00:00Z"),
            lead(
                "new-2",
                "B@X.example",
                Some("CRM-2"),
                "2026-11-29T10:00:02Z",
            ),
            lead("known", "c@x.example", None, "2026-11-29T10:00:03Z"),
            // Created an hour after the client gave up: someone else's lead with that email.
            lead("late", "d@x.example", None, "2026-11-29T11:00:00Z"),
        ];
        let known: HashSet<String> = ["known".to_string()].into();
        let rows = [
            pending(1, Some("a@x.example"), None),
            pending(2, Some("b@x.example"), None), // only an old lead has it: stays unknown
            pending(3, Some("b@x.example"), Some("CRM-2")),
            pending(4, Some("c@x.example"), None), // its lead belongs to another row
            pending(5, Some("a@x.example"), None), // the lead is taken by row 1
            pending(6, Some("d@x.example"), None), // too late to be this row's
        ];
        let refs: Vec<&Pending> = rows.iter().collect();
        assert_eq!(
            match_rows(&refs, &leads, &known),
            vec![(1, "new-1".to_string()), (3, "new-2".to_string())]
        );
    }
}
