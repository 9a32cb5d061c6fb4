//! One lead, exactly once: claim its key in the ledger (durably) before the request, record the
//! outcome after, release a claim whose request provably never left. The import's workers and
//! `leadctl create` both go through here, so the rule is written once (doc/ledger.md).

use super::report::Outcome;
use super::worker::classify;
use super::write::Changes;
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
    /// Fields the input carries with an empty value (a column whose cell is empty), by ledger
    /// key: left alone on the server unless a clear is asked for (`write.rs`). A field neither
    /// here nor in `fields` is absent.
    pub emptied: Vec<String>,
    /// The names of the properties in `fields` and `emptied`, by ledger key (messages, rules).
    pub names: super::write::Names,
    /// The run's write rules (`None`: the defaults).
    pub rules: Option<std::sync::Arc<super::write::Rules>>,
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
            emptied: Vec::new(),
            names: super::write::Names::new(),
            rules: None,
        })
    }

    /// The run's write rules.
    pub fn rules(&self) -> &super::write::Rules {
        self.rules.as_deref().unwrap_or(&super::write::NO_RULES)
    }

    /// What the rule (`decide`) compares with the ledger.
    pub fn input(&self) -> super::decide::Input<'_> {
        super::decide::Input {
            hash: &self.hash,
            fields: &self.fields,
            presence: Some(super::decide::Presence {
                emptied: &self.emptied,
                rules: self.rules(),
                names: &self.names,
            }),
        }
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
    if entry.as_ref().is_some_and(|e| e.state == State::Created) {
        known.tally.created();
    }
    if let Some(e) = entry
        .as_ref()
        .filter(|e| e.state == State::Created && e.hash != k.hash)
    {
        // Said once per column at the end: emptied cells left alone, columns gone.
        let changes = k.input().changes(&e.fields);
        let absent: Vec<String> = super::write::absent(&e.fields, &k.fields, &k.emptied)
            .cloned()
            .collect();
        known.tally.count(&changes, &absent, &k.names);
    }
    let owner = entry.as_ref().map_or(super::decide::Owner::Untold, |e| {
        owner_of(ledger, place.scope_url, e)
    });
    match decide_owned(entry.as_ref(), &k.input(), policy, ledger.now(), owner) {
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
                    // A dry run reads the ledger, never writes it.
                    if !known.dry {
                        ledger.apply(Op::PutIfAbsent(found))?;
                    }
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
        &k.input(),
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

/// The `update_lead` body that brings a lead to what `k` says: the fields of `changes.send`
/// with their values, and `changes.clear` as clears (a standard field as `null`, a property as
/// `""`: doc/api.md, "Clearing a field"). Nothing else: an absent field is never sent.
pub fn update_body(lead_id: &str, k: &Keyed, changes: &Changes) -> LeadUpdate {
    let lead = &k.lead;
    let mut body = LeadUpdate {
        lead_id: lead_id.to_string(),
        ..LeadUpdate::default()
    };
    let property = |id: &str| {
        lead.properties
            .iter()
            .find(|p| p.property_definitions_id.eq_ignore_ascii_case(id))
    };
    for name in &changes.send {
        if let Some(id) = name.strip_prefix("property:") {
            if let Some(p) = property(id) {
                body.properties.push(PropertyInput {
                    property_definitions_id: p.property_definitions_id.clone(),
                    value: p.value.clone(),
                });
            }
        } else if let Some(value) = lead.fields.field(name) {
            body.fields.set(name, value.to_string());
        }
    }
    for name in &changes.clear {
        if let Some(id) = name.strip_prefix("property:") {
            body.properties.push(PropertyInput {
                property_definitions_id: id.to_string(),
                value: serde_json::Value::String(String::new()),
            });
        } else if let Some(api) = crate::api::models::LEAD_FIELDS.iter().find(|f| **f == name) {
            body.cleared.push(api);
        }
    }
    body
}

/// Reads the lead when `if_empty` fields wait on the server's values: those the server holds
/// empty join `send`, the others move to `held`. A read that fails sends none of them (the
/// safe side) and holds them.
pub fn settle_if_empty(client: &ApiClient, lead_id: &str, changes: &mut Changes) {
    if changes.if_empty.is_empty() {
        return;
    }
    let lead = client.get_lead_by_id(lead_id).ok();
    for name in std::mem::take(&mut changes.if_empty) {
        let empty = lead.as_ref().is_some_and(|l| server_empty(l, &name));
        if empty {
            changes.send.push(name);
        } else {
            changes.held.push(name);
        }
    }
    changes.send.sort();
}

/// Whether the lead as read holds no value for this field (ledger key).
fn server_empty(lead: &Lead, name: &str) -> bool {
    let value = match name.strip_prefix("property:") {
        Some(id) => lead
            .raw
            .get("property_values")
            .and_then(|v| v.as_array())
            .and_then(|pvs| {
                pvs.iter().find(|pv| {
                    pv.get("property_definitions_id")
                        .and_then(|x| x.as_str())
                        .is_some_and(|x| x.eq_ignore_ascii_case(id))
                })
            })
            .and_then(|pv| pv.get("value").cloned()),
        None => {
            let api = if name == "employee" {
                "referring_employee"
            } else {
                name
            };
            lead.raw.get(api).cloned()
        }
    };
    match value {
        None | Some(serde_json::Value::Null) => true,
        Some(serde_json::Value::String(s)) => s.trim().is_empty(),
        Some(_) => false,
    }
}

/// Sends the update and records the new fields; the ledger error (if only that failed) is
/// returned beside the lead.
pub fn update(
    client: &ApiClient,
    place: &Place<'_>,
    k: &Keyed,
    row: u64,
    lead_id: &str,
    changes: &Changes,
    previous: &Entry,
) -> Result<(Lead, Option<Failure>), ApiError> {
    let lead = client.update_lead(&update_body(lead_id, k, changes))?;
    Ok((lead, record_update(place, k, row, previous, changes)))
}

/// Records what the server holds after an update (a no-op without a ledger): the fields it
/// sent and cleared, every other field as recorded before (`write::after`). The ledger's error
/// if that failed.
pub fn record_update(
    place: &Place<'_>,
    k: &Keyed,
    row: u64,
    previous: &Entry,
    changes: &Changes,
) -> Option<Failure> {
    let mut failed = None;
    if let Some(ledger) = place.ledger {
        let fields =
            super::write::after(&previous.fields, &k.fields, &changes.send, &changes.clear);
        let entry = Entry {
            hash: identity::hash_fields(&fields),
            fields,
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
