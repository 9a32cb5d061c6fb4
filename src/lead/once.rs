//! One lead, exactly once: its identity ([`Keyed`]: key, values, hash), what the ledger and the
//! server's newest leads say of it ([`judge`]: the engine's rule, `deliver::rule`), its create as
//! a work ([`CreateLead`], delivered by `deliver::deliver`) and the update of its changed fields.
//! The import's workers and `leadctl create` both go through here (doc/ledger.md).

use std::time::{Duration, Instant};

use super::known::Known;
use super::status::Wanted;
use crate::api::models::{Lead, LeadUpdate, NewLead, PropertyInput};
use crate::api::{ApiClient, ApiError, CallStats};
use crate::deliver::claim::{self, Claim, Place};
use crate::deliver::rule::{decide, Decision, Policy};
use crate::deliver::{Outcome, Target, Work};
use crate::error::Failure;
use crate::ledger::{identity, now_secs, Entry, Fields, Ledger, Op, State};

/// A lead ready to send, with its identity.
#[derive(Debug, Clone)]
pub struct Keyed {
    pub lead: NewLead,
    pub fields: Fields,
    pub hash: String,
    pub key: String,
    pub channel: String,
    /// The status the row names (a status column), moved to after the lead exists.
    pub status: Option<Wanted>,
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
    /// The ledger's rule (`deliver::rule`).
    Decided(Decision),
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
    known: &Known,
    k: &Keyed,
    row: u64,
    policy: Policy,
) -> Result<Judged, Failure> {
    let (entry, other_key) = lookup(ledger, place.scope_url, k)?;
    match decide(entry.as_ref(), &k.hash, &k.fields, policy, now_secs()) {
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

/// The entry a lead's claim writes.
pub fn claim_entry(place: &Place<'_>, k: &Keyed, row: u64, previous: Option<&Entry>) -> Entry {
    claim::sending(
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

/// A lead create as a work: `create_lead`, or `lead_external` with `public` (no key sent).
pub struct CreateLead<'a> {
    pub keyed: &'a Keyed,
    pub public: bool,
    /// What an answer without a lead id is told (it may exist).
    pub no_id: &'static str,
}

impl Work for CreateLead<'_> {
    type Answer = Lead;

    fn target(&self) -> Target<'_> {
        let k = self.keyed;
        Target {
            channel: &k.channel,
            key: &k.key,
            hash: &k.hash,
            fields: &k.fields,
            lead_id: None,
        }
    }

    fn send(
        &self,
        client: &ApiClient,
        on_429: &dyn Fn(Instant, Duration),
    ) -> (Result<Lead, ApiError>, CallStats) {
        if self.public {
            client.lead_external_measured(&self.keyed.lead, on_429)
        } else {
            client.create_lead_measured(&self.keyed.lead, on_429)
        }
    }

    fn id_of<'a>(&'a self, answer: &'a Lead) -> Option<&'a str> {
        Some(&answer.id)
    }

    fn error_text(&self, outcome: Outcome, error: Option<&ApiError>) -> Option<String> {
        match (error, outcome) {
            (Some(e), _) => Some(e.to_string()),
            (None, Outcome::Unknown) => Some(self.no_id.to_string()),
            _ => None,
        }
    }
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
