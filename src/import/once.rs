//! One lead, exactly once: claim its key in the ledger (durably) before the request, record the
//! outcome after, release a claim whose request provably never left. The import's workers and
//! `leadctl create` both go through here, so the rule is written once (doc/ledger.md).

use super::report::Outcome;
use super::worker::classify;
use crate::api::models::{Lead, LeadUpdate, NewLead, PropertyInput};
use crate::api::{ApiClient, ApiError};
use crate::error::Failure;
use crate::ledger::{identity, now_secs, Applied, Entry, Fields, Ledger, Op, State};

/// A lead ready to send, with its identity.
#[derive(Debug, Clone)]
pub struct Keyed {
    pub lead: NewLead,
    pub fields: Fields,
    pub hash: String,
    pub key: String,
    pub channel: String,
    /// The status the row names (a status column), moved to after the lead exists.
    pub status: Option<super::status::Wanted>,
}

impl Keyed {
    pub fn new(lead: NewLead, forced: Option<crate::ledger::KeyKind>) -> Result<Keyed, String> {
        let fields = identity::fields_of(&lead);
        let key = identity::key_of(&lead, &fields, forced)?;
        Ok(Keyed {
            hash: identity::hash_fields(&fields),
            channel: lead.channel_id.trim().to_lowercase(),
            lead,
            fields,
            key,
            status: None,
        })
    }
}

impl Keyed {
    /// The other keys this lead answers to (its business id's and its email's, when the key is
    /// another): a lead recorded under one of them is the same lead, e.g. when an export gains a
    /// Business ID column or `--key` changes between runs.
    pub fn other_keys(&self) -> Vec<String> {
        identity::server_keys(
            self.lead.fields.business_id.as_deref(),
            self.lead.fields.email.as_deref(),
        )
        .into_iter()
        .filter(|k| *k != self.key)
        .collect()
    }
}

/// The ledger's entry for a lead: under its key, else under one of its other keys when that one
/// is (or may be) created. The flag says it came from another key: taking such an entry over is
/// not possible, so a retry or `--force` creates under the lead's own key.
pub fn lookup(
    ledger: &Ledger,
    scope_url: &str,
    k: &Keyed,
) -> Result<(Option<Entry>, bool), Failure> {
    if let Some(mut e) = ledger.get_unless(scope_url, &k.channel, &k.key, &k.hash)? {
        if e.hash == k.hash && e.fields.is_empty() {
            // Not read back (the same hash): they are the lead's own, and a release or update
            // writes the entry whole.
            e.fields = k.fields.clone();
        }
        return Ok((Some(e), false));
    }
    for other in k.other_keys() {
        if let Some(e) = ledger.get(scope_url, &k.channel, &other)? {
            if e.state != State::Failed {
                return Ok((Some(e), true));
            }
        }
    }
    Ok((None, false))
}

/// What the ledger and the server's newest leads say of a lead.
#[allow(clippy::large_enum_variant)]
pub enum Judged {
    /// The ledger's rule (`decide`).
    Decided(super::decide::Decision),
    /// Unknown to the ledger but among the channel's newest leads (created by another tool, or
    /// a machine without this ledger): now recorded as created, `via` server. Its id.
    OnServer(String),
}

/// Looks the lead up (under its other keys too) and applies the rule; a key the ledger does not
/// know but the server lists is recorded and reported as such. `known` must have read the
/// lead's channel (`Known::ensure`).
pub fn judge(
    ledger: &Ledger,
    place: &Place<'_>,
    known: &super::known::Known,
    k: &Keyed,
    row: u64,
    policy: super::decide::Policy,
) -> Result<Judged, Failure> {
    use super::decide::{decide_owned, Decision};
    let (entry, other_key) = lookup(ledger, place.scope_url, k)?;
    let owner = entry.as_ref().map_or(super::decide::Owner::Untold, |e| {
        owner_of(ledger, place.scope_url, e)
    });
    match decide_owned(
        entry.as_ref(),
        &k.hash,
        &k.fields,
        policy,
        ledger.now(),
        owner,
    ) {
        // An entry under another key cannot be taken over: a retry or --force creates under the
        // lead's own key.
        Decision::Create { .. } if other_key => Ok(Judged::Decided(Decision::Create {
            expect: None,
            previous: None,
        })),
        Decision::Create {
            expect,
            previous: None,
        } => {
            let mut keys = vec![k.key.clone()];
            keys.extend(k.other_keys());
            match known.lead_with(&k.channel, &keys) {
                Some(id) => {
                    let found = Entry {
                        state: State::Created,
                        lead_id: Some(id.clone()),
                        via: Some("server".into()),
                        sent_at: None,
                        answered_at: Some(now_secs()),
                        ..claim_entry(place, k, row, None)
                    };
                    ledger.apply(Op::PutIfAbsent(found))?;
                    Ok(Judged::OnServer(id))
                }
                None => Ok(Judged::Decided(Decision::Create {
                    expect,
                    previous: None,
                })),
            }
        }
        d => Ok(Judged::Decided(d)),
    }
}

/// Where and as what a claim is recorded.
pub struct Place<'a> {
    pub ledger: Option<&'a Ledger>,
    pub scope_url: &'a str,
    pub input: &'a str,
}

/// What a claim came to.
pub enum Claimed {
    /// This run's now: send.
    Ours(Entry),
    /// Another run sharing the ledger got there first: its record decides.
    Taken(Entry),
}

/// What a claim that lost comes to: the rule applied, with no retry or update, to the key as
/// the run that won it left it (created: skipped or changed; no answer yet: unknown).
pub fn after_lost_claim(current: &Entry, k: &Keyed) -> super::decide::Decision {
    super::decide::decide(
        Some(current),
        &k.hash,
        &k.fields,
        super::decide::Policy::default(),
        now_secs(),
    )
}

/// Whether the run that claimed `e` (when it is `sending`) is alive: a live run's claim is never
/// taken over, a dead run's is never described as being sent.
pub fn owner_of(ledger: &Ledger, scope_url: &str, e: &Entry) -> super::decide::Owner {
    use super::decide::Owner;
    match e.state {
        State::Sending if ledger.claim_is_live(scope_url, e) => Owner::Alive,
        State::Sending => Owner::Dead,
        _ => Owner::Untold,
    }
}

/// Before a request is sent again (a retry after a 429, a timeout that proved nothing left):
/// whether the claim is still this run's. The claim is renewed with a compare-and-swap on its
/// version (`updated_at`, with the run id in the entry: the fencing token), so a claim another
/// run took over meanwhile is never sent by this one, and its age counts from this attempt.
/// `claimed` becomes the renewed claim.
pub fn still_ours(place: &Place<'_>, claimed: &mut Entry) -> Fence {
    let Some(ledger) = place.ledger else {
        return Fence::Ours;
    };
    let now = ledger.now();
    let renewed = Entry {
        sent_at: Some(now),
        updated_at: now,
        ..claimed.clone()
    };
    match ledger.apply(Op::Claim {
        entry: renewed.clone(),
        expect: Some((State::Sending, claimed.updated_at)),
    }) {
        Ok(Applied::Claimed | Applied::Done) => {
            *claimed = renewed;
            Fence::Ours
        }
        Ok(Applied::Taken(current)) => Fence::Lost(Box::new(current)),
        Err(_) => Fence::Unwritable,
    }
}

/// Whether a claim is still this run's (`still_ours`).
pub enum Fence {
    Ours,
    /// Another run's now: the key as it is.
    Lost(Box<Entry>),
    /// The ledger could not be written: not sent all the same.
    Unwritable,
}

/// The entry a claim writes.
pub fn claim_entry(place: &Place<'_>, k: &Keyed, row: u64, previous: Option<&Entry>) -> Entry {
    sending(
        place,
        Claim {
            channel: &k.channel,
            key: &k.key,
            hash: &k.hash,
            fields: &k.fields,
            lead_id: None,
            row,
            previous,
        },
    )
}

/// What a claim of any kind (a lead, a status move, a purchase) records.
pub struct Claim<'a> {
    pub channel: &'a str,
    pub key: &'a str,
    pub hash: &'a str,
    pub fields: &'a Fields,
    /// Known already for a move (the lead's id).
    pub lead_id: Option<&'a str>,
    pub row: u64,
    /// The key's earlier entry: its first time is kept.
    pub previous: Option<&'a Entry>,
}

/// The `sending` entry a claim writes: the one shape of it for every kind of row.
pub fn sending(place: &Place<'_>, c: Claim<'_>) -> Entry {
    let now = place.ledger.map_or_else(now_secs, Ledger::now);
    Entry {
        api_url: place.scope_url.to_string(),
        channel: c.channel.to_string(),
        key: c.key.to_string(),
        state: State::Sending,
        lead_id: c.lead_id.map(str::to_string),
        hash: c.hash.to_string(),
        fields: c.fields.clone(),
        error: None,
        via: None,
        input: Some(place.input.to_string()),
        row: Some(c.row),
        run: place.ledger.map(|l| l.run.clone()),
        sent_at: Some(now),
        answered_at: None,
        first_at: c.previous.map_or(now, |p| p.first_at),
        updated_at: now,
    }
}

/// Claims the key (a no-op without a ledger). An error means the claim did not commit: the
/// request must not be sent.
pub fn claim(
    place: &Place<'_>,
    k: &Keyed,
    row: u64,
    expect: Option<(State, i64)>,
    previous: Option<&Entry>,
) -> Result<Claimed, Failure> {
    let entry = claim_entry(place, k, row, previous);
    let Some(ledger) = place.ledger else {
        return Ok(Claimed::Ours(entry));
    };
    match ledger.apply(Op::Claim {
        entry: entry.clone(),
        expect,
    })? {
        Applied::Taken(current) => Ok(Claimed::Taken(current)),
        Applied::Claimed | Applied::Done => Ok(Claimed::Ours(entry)),
    }
}

/// A create's answer as a row outcome: (outcome, lead, error, whether the run must stop). An
/// answer without a lead id is no proof of anything: unknown.
pub fn outcome_of(answer: Result<Lead, ApiError>) -> (Outcome, Option<Lead>, Option<ApiError>) {
    match answer {
        Ok(lead) if lead.id.trim().is_empty() => (Outcome::Unknown, None, None),
        Ok(lead) => (Outcome::Created, Some(lead), None),
        Err(e) => (classify(&e).0, None, Some(e)),
    }
}

/// Records what the request came to (a no-op without a ledger). If this write is lost the key
/// reads as `sending`: unknown, never re-sent. `later`: queued for the next commit (the import's
/// workers, whose run flushes at its end) instead of waiting for a sync of its own.
pub fn record(
    place: &Place<'_>,
    claimed: &Entry,
    previous: Option<&Entry>,
    outcome: Outcome,
    lead_id: Option<&str>,
    error: Option<&str>,
    later: bool,
) -> Result<(), Failure> {
    let Some(ledger) = place.ledger else {
        return Ok(());
    };
    let answered = ledger.now();
    let op = match outcome {
        Outcome::NotSent => Op::Release {
            entry: claimed.clone(),
            previous: previous.cloned(),
        },
        _ => Op::Record(Entry {
            state: match outcome {
                Outcome::Created => State::Created,
                Outcome::Failed => State::Failed,
                _ => State::Unknown,
            },
            lead_id: lead_id.map(str::to_string),
            error: error.map(str::to_string),
            answered_at: Some(answered),
            updated_at: answered,
            ..claimed.clone()
        }),
    };
    if later {
        ledger.apply_later(op);
        return Ok(());
    }
    ledger.apply(op).map(|_| ())
}

/// The `update_lead` body that brings a lead to what `k` says: only the `changed` fields (a field
/// emptied since is sent as "").
pub fn update_body(lead_id: &str, k: &Keyed, changed: &[String]) -> LeadUpdate {
    let lead = &k.lead;
    let mut body = LeadUpdate {
        lead_id: lead_id.to_string(),
        ..LeadUpdate::default()
    };
    for name in changed {
        if let Some(id) = name.strip_prefix("property:") {
            if let Some(p) = lead
                .properties
                .iter()
                .find(|p| p.property_definitions_id.eq_ignore_ascii_case(id))
            {
                body.properties.push(PropertyInput {
                    property_definitions_id: p.property_definitions_id.clone(),
                    value: p.value.clone(),
                });
            }
        } else {
            let value = lead.fields.field(name).unwrap_or_default().to_string();
            body.fields.set(name, value);
        }
    }
    body
}

/// Sends the update and records the new fields; the ledger error (if only that failed) is
/// returned beside the lead.
pub fn update(
    client: &ApiClient,
    place: &Place<'_>,
    k: &Keyed,
    row: u64,
    lead_id: &str,
    changed: &[String],
    previous: &Entry,
) -> Result<(Lead, Option<Failure>), ApiError> {
    let lead = client.update_lead(&update_body(lead_id, k, changed))?;
    Ok((lead, record_update(place, k, row, previous)))
}

/// Records the fields an update sent (a no-op without a ledger); the ledger's error if that
/// failed.
pub fn record_update(place: &Place<'_>, k: &Keyed, row: u64, previous: &Entry) -> Option<Failure> {
    let mut failed = None;
    if let Some(ledger) = place.ledger {
        let entry = Entry {
            hash: k.hash.clone(),
            fields: k.fields.clone(),
            via: Some("update".into()),
            input: Some(place.input.to_string()),
            row: Some(row),
            updated_at: now_secs(),
            ..previous.clone()
        };
        failed = ledger.apply(Op::Record(entry)).err();
    }
    failed
}
