//! Is it in the newest window: settling a lead create sent without a reliable answer, which may
//! or may not exist, by the channel's newest leads (`get_leads` returns at most 100, newest
//! first). A lead settles a row only when every field the row sent is the lead's, it was created
//! while the row's request could have been processed, no lead id the ledger already knows is
//! reused, and the match is unique both ways (one lead, one row); an ambiguous match is named as
//! such. Absence is proven only by time ([`proven_absent`]): the window reaches back past the
//! claim and the claim is older than the platform may take to process a request; anything else
//! stays unknown (doc/ledger.md, "Settling unknown keys").

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use crate::api::models::Lead;
use crate::api::ApiClient;
use crate::deliver::claim::release_absent;
use crate::deliver::settle::Finder;
pub use crate::deliver::settle::{found_entry, record_found, Others, Pending, Settled};
use crate::lead::Keyed;
use crate::ledger::{Entry, Filter, Ledger, State};

/// Clock differences allowed between this machine and the server.
const CLOCK_SLACK_SECS: i64 = 300;
/// The most leads `get_leads` shows: a window this full may hide older leads.
pub const WINDOW: usize = 100;

/// How long the platform may go on processing a request after it arrived: the edge function's
/// wall-clock limit (doc/api.md, "Platform errors").
pub const PROCESSING_SECS: i64 = 150;
/// Added to it: the request's way to the function and a slow database commit.
pub const PROCESSING_MARGIN_SECS: i64 = 30;
/// Allowed on the measured difference between the ledger's clock and the server's (the `Date`
/// header is to the second and stamped by the function, `created_at` by the database).
pub const CLOCK_MARGIN_SECS: i64 = 30;

/// What a read of a channel's newest leads can prove about time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    /// When the read began, on the ledger's clock (`Ledger::now`).
    pub read_at: i64,
    /// The server's clock minus the ledger's, in seconds, a lower bound (measured from the
    /// server's `Date` header); `None`: not measured.
    pub skew: Option<i64>,
}

impl Clock {
    /// The ledger's time now, before a read; [`Clock::measured`] after it.
    pub fn before_read(ledger_now: i64) -> Clock {
        Clock {
            read_at: ledger_now,
            skew: None,
        }
    }

    /// The server's clock against the ledger's, from the client's newest answer: its offset to
    /// this machine's clock, and the ledger's offset to it (`ledger_now` read now).
    pub fn measured(self, client: &ApiClient, ledger_now: i64) -> Clock {
        let machine = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        Clock {
            // The ledger's whole seconds may lag this machine's by one more.
            skew: client
                .server_clock_offset()
                .map(|server| server + machine - ledger_now - 1),
            ..self
        }
    }
}

/// Whether a lead create whose request last left at `sent_at` (on the ledger's clock) is proven
/// never to have been made, by a read of its channel's newest leads (`leads`, newest first,
/// without it) made at `clock`:
///
/// - the claim is older than the platform may go on processing a request
///   ([`PROCESSING_SECS`] + [`PROCESSING_MARGIN_SECS`]): no lead can still come of it; and
/// - the read reaches back past the claim: fewer leads than the window holds (the channel's
///   every lead), or its oldest lead was created before the claim was made, on the server's clock
///   (the measured difference, less [`CLOCK_MARGIN_SECS`]): a lead made after the claim would be
///   among them.
pub fn proven_absent(sent_at: i64, leads: &[Lead], clock: Clock) -> bool {
    if clock.read_at - sent_at < PROCESSING_SECS + PROCESSING_MARGIN_SECS {
        return false;
    }
    if leads.len() < WINDOW {
        return true;
    }
    let Some(skew) = clock.skew else {
        return false;
    };
    let mut oldest: Option<i64> = None;
    for l in leads {
        let Some(t) = l.created_at.as_deref().and_then(crate::time::parse_rfc3339) else {
            return false;
        };
        oldest = Some(oldest.map_or(t, |o| o.min(t)));
    }
    oldest.is_some_and(|o| o < sent_at + skew - CLOCK_MARGIN_SECS)
}

/// Whether a key names a lead create (not a status move or a purchase, which no window shows).
pub fn is_lead_key(key: &str) -> bool {
    !key.starts_with("status:") && !key.starts_with("purchase:")
}

/// Looks the rows up among their channels' newest leads (one `get_leads` per channel).
pub fn reconcile(client: &ApiClient, pending: &[Pending], others: &dyn Others) -> Settled {
    let mut settled = Settled::default();
    let mut by_channel: HashMap<String, Vec<&Pending>> = HashMap::new();
    for p in pending {
        by_channel.entry(p.channel.clone()).or_default().push(p);
    }
    let mut channels: Vec<_> = by_channel.into_iter().collect();
    channels.sort_by(|a, b| a.0.cmp(&b.0));
    for (channel, rows) in channels {
        let before = others.ledger_now();
        let leads = match client.get_leads(&channel) {
            Ok(leads) => leads,
            Err(e) => {
                settled.unreadable.push((channel, e.to_string()));
                continue;
            }
        };
        if leads.len() >= WINDOW {
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
        if let (Some(before), Some(now)) = (before, others.ledger_now()) {
            let clock = Clock::before_read(before).measured(client, now);
            settled
                .absent
                .extend(absent_of(&rows, &found, &ambiguous, &leads, clock));
        }
        settled.found.extend(found);
        settled.ambiguous.extend(ambiguous);
    }
    settled.found.sort();
    settled.ambiguous.sort();
    settled.absent.sort();
    settled
}

/// The rows of `rows` neither found nor ambiguous that `leads` (read at `clock`) prove were
/// never created.
pub fn absent_of(
    rows: &[&Pending],
    found: &[(u64, String)],
    ambiguous: &[u64],
    leads: &[Lead],
    clock: Clock,
) -> Vec<u64> {
    rows.iter()
        .filter(|p| is_lead_key(&p.key) && p.entry.lead_id.is_none())
        .filter(|p| !found.iter().any(|(r, _)| *r == p.row) && !ambiguous.contains(&p.row))
        .filter(|p| {
            let sent = p.entry.sent_at.unwrap_or(p.entry.updated_at);
            proven_absent(sent, leads, clock)
        })
        .map(|p| p.row)
        .collect()
}

/// What settling first did in a channel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct First {
    /// Keys found among the newest leads: recorded as created.
    pub found: usize,
    /// Keys proven never created: released, to be sent again through a new claim.
    pub absent: usize,
    /// Keys neither (a claim too young to prove anything yet, an ambiguous match).
    pub left: usize,
}

/// Settle first: before a run creates anything in a channel, the channel's keys earlier runs
/// left without an answer (`unknown`, and `sending` claims of runs that are not alive) are looked
/// for among `leads`, the channel's newest leads the run reads anyway (at `clock`), while a killed
/// run's leads are still among them ([`plan_first`]). Found keys are recorded as created (`via`
/// reconcile); keys proven never created ([`proven_absent`]) are released, so the run sends them
/// through a new claim.
pub fn settle_first(
    ledger: &Ledger,
    scope_url: &str,
    channel: &str,
    leads: &[Lead],
    clock: Clock,
) -> First {
    let plan = plan_first(ledger, scope_url, channel, leads, clock);
    let mut done = First::default();
    for (e, lead_id) in &plan.found {
        record_found(ledger, e, lead_id);
        done.found += 1;
    }
    for e in &plan.absent {
        if matches!(release_absent(ledger, e), Ok(true)) {
            done.absent += 1;
        }
    }
    done.left = plan.open - done.found - done.absent;
    done
}

/// What settling first would do in a channel, read only (a dry run decides with it).
#[derive(Debug, Default)]
pub struct FirstPlan {
    /// Keys found among the newest leads, with the lead's id.
    pub found: Vec<(Entry, String)>,
    /// Keys proven never created.
    pub absent: Vec<Entry>,
    /// How many keys were open (neither a live run's claim nor settled).
    pub open: usize,
}

impl FirstPlan {
    /// The counts as a dry run says them.
    pub fn first(&self) -> First {
        First {
            found: self.found.len(),
            absent: self.absent.len(),
            left: self.open - self.found.len() - self.absent.len(),
        }
    }
}

/// The keys [`settle_first`] settles and how, without writing anything. Every rule of matching
/// holds (the fields, the time, no lead id given twice, unique both ways; a live run's claims are
/// rivals, never settled).
pub fn plan_first(
    ledger: &Ledger,
    scope_url: &str,
    channel: &str,
    leads: &[Lead],
    clock: Clock,
) -> FirstPlan {
    let mut entries = Vec::new();
    for state in [State::Sending, State::Unknown] {
        let filter = Filter {
            api_url: Some(scope_url.to_string()),
            channel: Some(channel.to_string()),
            state: Some(state),
            keys: Vec::new(),
        };
        // Collected first: the ledger is not asked anything while it is being read.
        let _ = ledger.for_each(&filter, &mut |e| {
            if is_lead_key(&e.key) {
                entries.push(e);
            }
            Ok(())
        });
    }
    let mut alive: HashMap<String, bool> = HashMap::new();
    let (mut open, mut rivals, mut never_sent) = (Vec::new(), Vec::new(), Vec::new());
    for e in entries {
        let live = e.state == State::Sending
            && *alive
                .entry(e.run.clone().unwrap_or_default())
                .or_insert_with(|| ledger.claim_is_live(scope_url, &e));
        if live {
            rivals.push(Pending::of_entry(e));
        } else if ledger.never_sent(&e) {
            // A dead run's claim its sent notes show never left: no lead can have come of it.
            never_sent.push(e);
        } else {
            open.push(Pending::of_entry(e));
        }
    }
    if open.is_empty() {
        return FirstPlan {
            open: never_sent.len(),
            absent: never_sent,
            found: Vec::new(),
        };
    }
    // Rows by position: the entries of several inputs may share row numbers.
    for (i, p) in open.iter_mut().enumerate() {
        p.row = i as u64;
    }
    let known_ids: HashSet<String> = ledger
        .lead_ids(scope_url, channel)
        .unwrap_or_default()
        .into_iter()
        .collect();
    let rows: Vec<&Pending> = open.iter().collect();
    let rival_refs: Vec<&Pending> = rivals.iter().collect();
    let (found, ambiguous) = match_rows(&rows, &rival_refs, leads, &known_ids);
    let absent = absent_of(&rows, &found, &ambiguous, leads, clock);
    FirstPlan {
        found: found
            .iter()
            .filter_map(|(i, id)| open.get(*i as usize).map(|p| (p.entry.clone(), id.clone())))
            .collect(),
        absent: absent
            .iter()
            .filter_map(|i| open.get(*i as usize).map(|p| p.entry.clone()))
            .chain(never_sent.iter().cloned())
            .collect(),
        open: open.len() + never_sent.len(),
    }
}

/// A row of this run that came back unknown, as settling knows it.
pub fn pending(row: u64, k: &Keyed, entry: Entry, given_up_at: i64) -> Pending {
    Pending::new(row, (&k.channel, &k.key, &k.fields), entry, given_up_at)
}

/// The newest-window finder: where a lead create left unknown may be seen
/// (`deliver::settle::Finder`).
pub struct NewestLeads;

impl Finder for NewestLeads {
    fn find(&self, client: &ApiClient, pending: &[Pending], others: &dyn Others) -> Settled {
        reconcile(client, pending, others)
    }
}

/// A field a row was sent with, as compared.
fn field(p: &Pending, name: &str) -> Option<String> {
    match p.fields.get(name) {
        Some(Value::String(s)) => norm(Some(s)),
        Some(other) => norm(Some(&other.to_string())),
        None => None,
    }
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
        if created > gave_up as i64 + PROCESSING_SECS + CLOCK_SLACK_SECS {
            return false;
        }
    }
    compared().all(|name| {
        let (a, b) = (field(p, name), lead_field(lead, name));
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
    use crate::ledger::Fields;
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
    fn absence_is_proven_only_by_an_old_claim_and_a_window_that_reaches_back_past_it() {
        let at = |s| crate::time::parse_rfc3339(s).expect("a time");
        let sent = at("2026-11-29T10:00:00Z");
        let full = |oldest: &str| -> Vec<Lead> {
            (0..WINDOW)
                .map(|i| lead(&format!("L{i}"), "x@x.example", None, oldest))
                .collect()
        };
        let clock = |after: i64, skew: Option<i64>| Clock {
            read_at: sent + after,
            skew,
        };
        let limit = PROCESSING_SECS + PROCESSING_MARGIN_SECS;
        // A few leads: the channel's every lead; absent once the platform cannot still make it.
        let few = full("2026-11-29T09:00:00Z")[..3].to_vec();
        assert!(!proven_absent(sent, &few, clock(limit - 1, None)));
        assert!(proven_absent(sent, &few, clock(limit, None)));
        // A full window: its oldest lead must be older than the claim on the server's clock,
        // with the margin; unmeasured, nothing is proven.
        let old = full("2026-11-29T09:59:00Z");
        assert!(!proven_absent(sent, &old, clock(limit, None)));
        assert!(proven_absent(sent, &old, clock(limit, Some(0))));
        assert!(!proven_absent(sent, &old, clock(limit - 1, Some(0))));
        // 09:59:45 is within the clock margin of 10:00:00.
        let close = full("2026-11-29T09:59:45Z");
        assert!(!proven_absent(sent, &close, clock(limit, Some(0))));
        // A server 3 minutes behind: its 09:58 is 10:01 here, after the claim.
        let behind = full("2026-11-29T09:58:00Z");
        assert!(proven_absent(sent, &behind, clock(limit, Some(0))));
        assert!(!proven_absent(sent, &behind, clock(limit, Some(-180))));
        // A server 3 minutes ahead: its 10:02 is 09:59 here, before the claim by more than the
        // margin; unmeasured, it looks after it.
        let ahead = full("2026-11-29T10:02:00Z");
        assert!(!proven_absent(sent, &ahead, clock(limit, Some(0))));
        assert!(proven_absent(sent, &ahead, clock(limit, Some(180))));
        // A lead without a readable time proves nothing.
        let mut unreadable = old.clone();
        unreadable[5].created_at = None;
        assert!(!proven_absent(sent, &unreadable, clock(limit, Some(0))));
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
