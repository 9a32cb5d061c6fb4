//! Settling unknown rows honestly: a row sent without a reliable answer may or may not exist.
//! Look for it among the channel's newest leads (`get_leads` returns at most 100): a lead settles
//! a row only when every field the row sent is the lead's, it was created while the row's
//! request could have been processed, no lead id the ledger already knows is reused, and the
//! match is unique both ways (one lead, one row). Anything else stays unknown: older leads cannot
//! be listed, so absence proves nothing, and an ambiguous match is named as such.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use crate::api::models::Lead;
use crate::api::ApiClient;
use crate::lead::Keyed;
use crate::ledger::{Entry, Fields};

/// An unknown row and what identifies it.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    pub row: u64,
    pub channel: String,
    pub key: String,
    /// The fields it was sent with.
    pub fields: Fields,
    /// Its ledger entry, to record it as created when it is found.
    pub entry: Entry,
    /// Unix seconds when it was sent, if known.
    pub sent_at: Option<u64>,
    /// Unix seconds by which the client had given up on it: the answer's failure, or the start
    /// of a later run for a row an earlier run left without an outcome.
    pub given_up_at: Option<u64>,
}

impl Pending {
    pub fn of(row: u64, k: &Keyed, entry: Entry, given_up_at: i64) -> Pending {
        let given_up = entry.answered_at.unwrap_or(given_up_at);
        Pending {
            row,
            channel: k.channel.clone(),
            key: k.key.clone(),
            fields: k.fields.clone(),
            sent_at: entry.sent_at.map(|t| t.max(0) as u64),
            given_up_at: Some(given_up.max(0) as u64),
            entry,
        }
    }

    /// An unsettled key of the ledger (another run's, another shard's) as a competitor.
    pub fn of_entry(e: Entry) -> Pending {
        Pending {
            row: e.row.unwrap_or(0),
            channel: e.channel.clone(),
            key: e.key.clone(),
            fields: e.fields.clone(),
            sent_at: e.sent_at.map(|t| t.max(0) as u64),
            given_up_at: Some(e.answered_at.unwrap_or(e.updated_at).max(0) as u64),
            entry: e,
        }
    }

    fn field(&self, name: &str) -> Option<String> {
        match self.fields.get(name) {
            Some(Value::String(s)) => norm(Some(s)),
            Some(other) => norm(Some(&other.to_string())),
            None => None,
        }
    }
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
    /// Rows that more than one lead could be, or whose lead could be another row's.
    pub ambiguous: Vec<u64>,
}

/// Clock differences allowed between this machine and the server.
const CLOCK_SLACK_SECS: i64 = 300;
/// How long the platform may go on processing a request after the client gave up (Supabase
/// stops a function after 150 s: doc/api.md, "Platform errors").
const SERVER_GRACE_SECS: i64 = 150;

/// What else a found lead could belong to, per channel: the lead ids already given to keys (the
/// ledger's and this run's), and the ledger's other unsettled keys (another run's or shard's),
/// which a lead must not be able to be for it to settle one of `pending`.
pub trait Others {
    fn known_ids(&self, channel: &str) -> HashSet<String>;
    fn unsettled(&self, channel: &str) -> Vec<Pending>;
}

pub fn reconcile(client: &ApiClient, pending: &[Pending], others: &dyn Others) -> Settled {
    let mut settled = Settled::default();
    let mut by_channel: HashMap<String, Vec<&Pending>> = HashMap::new();
    for p in pending {
        by_channel.entry(p.channel.clone()).or_default().push(p);
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
        let ours: HashSet<&str> = rows.iter().map(|p| p.key.as_str()).collect();
        let rivals: Vec<Pending> = others
            .unsettled(&channel)
            .into_iter()
            .filter(|p| !ours.contains(p.key.as_str()))
            .collect();
        let rival_refs: Vec<&Pending> = rivals.iter().collect();
        let (found, ambiguous) =
            match_rows(&rows, &rival_refs, &leads, &others.known_ids(&channel));
        settled.found.extend(found);
        settled.ambiguous.extend(ambiguous);
    }
    settled.found.sort();
    settled.ambiguous.sort();
    settled
}

fn norm(v: Option<&str>) -> Option<String> {
    v.map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
}

/// The standard fields compared: every lead field but `employee` (the server may resolve it).
fn compared() -> impl Iterator<Item = &'static str> {
    crate::api::models::LEAD_FIELDS
        .iter()
        .copied()
        .filter(|f| *f != "employee")
}

fn lead_field(lead: &Lead, name: &str) -> Option<String> {
    let v = match name {
        "email" => &lead.email,
        "first_name" => &lead.first_name,
        "last_name" => &lead.last_name,
        "phone" => &lead.phone,
        "company_name" => &lead.company_name,
        "source" => &lead.source,
        "notes" => &lead.notes,
        "business_id" => &lead.business_id,
        _ => return None,
    };
    norm(v.as_deref())
}

/// Whether a lead could be this row's: the same values (present or absent alike) in every
/// compared field, created while the row's request could have been processed.
fn could_be(p: &Pending, lead: &Lead) -> bool {
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
    compared().all(|name| {
        let (a, b) = (p.field(name), lead_field(lead, name));
        if name == "email" {
            a.map(|x| x.to_lowercase()) == b.map(|x| x.to_lowercase())
        } else {
            a == b
        }
    })
}

/// Pure matching: (settled rows with their lead, ambiguous rows). A row is settled only by the
/// one lead that could be it, when that lead could be no other pending row nor any of `rivals`
/// (unsettled keys that are not this run's to settle).
pub fn match_rows(
    rows: &[&Pending],
    rivals: &[&Pending],
    leads: &[Lead],
    known_ids: &HashSet<String>,
) -> (Vec<(u64, String)>, Vec<u64>) {
    let free: Vec<&Lead> = leads
        .iter()
        .filter(|l| !l.id.trim().is_empty() && !known_ids.contains(&l.id))
        .collect();
    let candidates: Vec<Vec<usize>> = rows
        .iter()
        .map(|p| (0..free.len()).filter(|&i| could_be(p, free[i])).collect())
        .collect();
    let mut claims: HashMap<usize, usize> = HashMap::new();
    for c in &candidates {
        for &i in c {
            *claims.entry(i).or_default() += 1;
        }
    }
    for p in rivals {
        for i in (0..free.len()).filter(|&i| could_be(p, free[i])) {
            *claims.entry(i).or_default() += 1;
        }
    }
    let mut found = Vec::new();
    let mut ambiguous = Vec::new();
    for (p, c) in rows.iter().zip(&candidates) {
        match c.as_slice() {
            [] => {}
            [i] if claims.get(i) == Some(&1) => found.push((p.row, free[*i].id.clone())),
            _ => ambiguous.push(p.row),
        }
    }
    (found, ambiguous)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lead(id: &str, email: &str, bid: Option<&str>, created: &str) -> Lead {
        Lead::from_flat_value(
            json!({"id": id, "email": email, "business_id": bid, "created_at": created}),
        )
        .expect("a lead")
    }

    fn pending(row: u64, email: Option<&str>, bid: Option<&str>) -> Pending {
        let mut fields = Fields::new();
        if let Some(e) = email {
            fields.insert("email".into(), Value::from(e));
        }
        if let Some(b) = bid {
            fields.insert("business_id".into(), Value::from(b));
        }
        let at = |s| crate::time::parse_rfc3339(s).map(|t| t as u64);
        Pending {
            row,
            channel: "c".into(),
            key: format!("row-{row}"),
            fields,
            entry: Entry {
                api_url: "u".into(),
                channel: "c".into(),
                key: format!("row-{row}"),
                state: crate::ledger::State::Unknown,
                lead_id: None,
                hash: "h".into(),
                fields: Fields::new(),
                error: None,
                via: None,
                input: None,
                row: Some(row),
                run: None,
                sent_at: None,
                answered_at: None,
                first_at: 0,
                updated_at: 0,
            },
            sent_at: at("2026-11-29T10:00:00Z"),
            given_up_at: at("2026-11-29T10:00:30Z"),
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
            lead("e-1", "e@x.example", None, "2026-11-29T10:00:04Z"),
            lead("e-2", "e@x.example", None, "2026-11-29T10:00:05Z"),
        ];
        let known: HashSet<String> = ["known".to_string()].into();
        let rows = [
            pending(1, Some("a@x.example"), None),
            pending(2, Some("b@x.example"), None), // only an old lead has it: stays unknown
            pending(3, Some("b@x.example"), Some("CRM-2")),
            pending(4, Some("c@x.example"), None), // its lead belongs to another row
            pending(6, Some("d@x.example"), None), // too late to be this row's
            pending(7, Some("e@x.example"), None), // two leads could be it: ambiguous
        ];
        let refs: Vec<&Pending> = rows.iter().collect();
        let (found, ambiguous) = match_rows(&refs, &[], &leads, &known);
        assert_eq!(
            found,
            vec![(1, "new-1".to_string()), (3, "new-2".to_string())]
        );
        assert_eq!(ambiguous, vec![7]);
    }

    #[test]
    fn a_lead_two_rows_could_be_settles_neither() {
        // Two unknown rows with the same sent fields: the one lead found may be either's.
        let leads = vec![lead("L", "a@x.example", None, "2026-11-29T10:00:01Z")];
        let rows = [
            pending(1, Some("a@x.example"), None),
            pending(2, Some("a@x.example"), None),
        ];
        let refs: Vec<&Pending> = rows.iter().collect();
        let (found, ambiguous) = match_rows(&refs, &[], &leads, &HashSet::new());
        assert!(found.is_empty());
        assert_eq!(ambiguous, vec![1, 2]);
    }

    #[test]
    fn a_lead_another_shards_unsettled_key_could_be_settles_nothing() {
        let leads = vec![lead("L", "a@x.example", None, "2026-11-29T10:00:01Z")];
        let ours = [pending(1, Some("a@x.example"), None)];
        let theirs = [pending(9, Some("a@x.example"), None)];
        let refs: Vec<&Pending> = ours.iter().collect();
        let rivals: Vec<&Pending> = theirs.iter().collect();
        let (found, ambiguous) = match_rows(&refs, &rivals, &leads, &HashSet::new());
        assert!(found.is_empty());
        assert_eq!(ambiguous, vec![1]);
    }

    #[test]
    fn every_sent_field_must_match() {
        let mut l = lead("L", "a@x.example", None, "2026-11-29T10:00:01Z");
        l.phone = Some("999".into());
        let rows = [pending(1, Some("a@x.example"), None)];
        let refs: Vec<&Pending> = rows.iter().collect();
        let (found, _) = match_rows(&refs, &[], &[l], &HashSet::new());
        assert!(
            found.is_empty(),
            "a lead with a phone the row did not send is not its lead"
        );
    }
}
