//! One lead, exactly once: its identity ([`Keyed`]: key, values, hash), what the ledger and the
//! server's newest leads say of it ([`judge`]: the engine's rule, `deliver::rule`), its create as
//! a work ([`CreateLead`], delivered by `deliver::deliver`) and the update of its changed fields
//! ([`UpdateLead`], delivered by `deliver::deliver_update`).
//! The import's workers and `leadctl create` both go through here (doc/ledger.md).

use std::time::{Duration, Instant};

use super::known::Known;
use super::status::Wanted;
use crate::api::models::{Lead, LeadUpdate, NewLead, PropertyInput};
use crate::api::{ApiClient, ApiError, CallStats};
use crate::deliver::claim::{self, Claim, Place};
use crate::deliver::rule::{decide_owned, Decision, Owner, Policy};
use crate::deliver::write::Changes;
use crate::deliver::{Outcome, Target, Work};
use crate::error::Failure;
use crate::identity::{self, Fields};
use crate::ledger::{Entry, Ledger, Op, State};

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
    /// Fields the input carries with an empty value (a column whose cell is empty), by ledger
    /// key: left alone on the server unless a clear is asked for (`write.rs`). A field neither
    /// here nor in `fields` is absent.
    pub emptied: Vec<String>,
    /// The names of the properties in `fields` and `emptied`, by ledger key (messages, rules).
    pub names: crate::deliver::write::Names,
    /// The run's write rules (`None`: the defaults).
    pub rules: Option<std::sync::Arc<crate::deliver::write::Rules>>,
}

impl Keyed {
    pub fn new(lead: NewLead, forced: Option<crate::identity::KeyKind>) -> Result<Keyed, String> {
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
            names: crate::deliver::write::Names::new(),
            rules: None,
        })
    }

    /// The run's write rules.
    pub fn rules(&self) -> &crate::deliver::write::Rules {
        self.rules
            .as_deref()
            .unwrap_or(&crate::deliver::write::NO_RULES)
    }

    /// What the rule (`decide`) compares with the ledger.
    pub fn input(&self) -> crate::deliver::rule::Input<'_> {
        crate::deliver::rule::Input {
            hash: &self.hash,
            fields: &self.fields,
            presence: Some(crate::deliver::rule::Presence {
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
    // A dry run: the entry as settling first would have recorded it.
    let entry = match entry {
        Some(e) => known.planned(&e.channel, &e.key).unwrap_or(Some(e)),
        None => None,
    };
    if entry.as_ref().is_some_and(|e| e.state == State::Created) {
        known.tally.created();
    }
    if let Some(e) = entry
        .as_ref()
        .filter(|e| e.state == State::Created && e.hash != k.hash)
    {
        // Said once per column at the end: emptied cells left alone, columns gone.
        let changes = k.input().changes(&e.fields);
        let absent: Vec<String> = crate::deliver::write::absent(&e.fields, &k.fields, &k.emptied)
            .cloned()
            .collect();
        known.tally.count(&changes, &absent, &k.names);
    }
    if let Some(e) = &entry {
        // Another run sharing the ledger took this row (`deliver::split::Shared`).
        known
            .shared
            .saw(e, &ledger.run, |r| ledger.is_alive(place.scope_url, r));
    }
    let owner = entry.as_ref().map_or(Owner::Untold, |e| {
        claim::owner_of(ledger, place.scope_url, e)
    });
    match decide_owned(entry.as_ref(), &k.input(), policy, ledger.now(), owner) {
        // An entry under another key cannot be taken over: a retry or --force creates under the
        // lead's own key.
        Decision::Create { .. } if other_key => Ok(Judged::Decided(Decision::Create {
            expect: None,
            previous: None,
        })),
        // A new key, or a claim a killed run never sent: is the lead on the server already
        // (made elsewhere)?
        Decision::Create { expect, previous }
            if previous.is_none() || owner == Owner::NeverSent =>
        {
            let mut keys = vec![k.key.clone()];
            keys.extend(k.other_keys());
            match known.lead_with(&k.channel, &keys) {
                // The never-sent claim is left as it is: settling first releases it.
                Some(id) if previous.is_some() => Ok(Judged::OnServer(id)),
                Some(id) => {
                    let found = claim::found(
                        place,
                        Claim {
                            channel: &k.channel,
                            key: &k.key,
                            hash: &k.hash,
                            fields: &k.fields,
                            lead_id: Some(&id),
                            row,
                            previous: None,
                        },
                        "server",
                    );
                    // A dry run reads the ledger, never writes it.
                    if !known.dry {
                        ledger.apply(Op::PutIfAbsent(found))?;
                    }
                    Ok(Judged::OnServer(id))
                }
                None => Ok(Judged::Decided(Decision::Create { expect, previous })),
            }
        }
        d => Ok(Judged::Decided(d)),
    }
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
        may_retry: &dyn Fn() -> bool,
    ) -> (Result<Lead, ApiError>, CallStats) {
        if self.public {
            client.lead_external_measured(&self.keyed.lead, on_429)
        } else {
            client.create_lead_fenced(&self.keyed.lead, on_429, may_retry)
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

/// A created lead's row whose update would carry nothing (every change held back or left
/// alone): skipped, saying why. One wording for the run and its dry run.
pub fn nothing_to_send(
    lead_id: &str,
    previous: &crate::ledger::Entry,
    changes: &crate::deliver::write::Changes,
    names: &crate::deliver::write::Names,
) -> String {
    format!(
        "already created as {lead_id} on {}; {}",
        crate::deliver::rule::day_of(previous),
        changes.why_nothing(names)
    )
}

/// Reads the lead when `if_empty` fields wait on the server's values: those the server holds
/// empty join `send`, the others move to `held`. A read that fails sends none of them (the
/// safe side) and holds them. The lead read, when it was read.
pub fn settle_if_empty(client: &ApiClient, lead_id: &str, changes: &mut Changes) -> Option<Lead> {
    if changes.if_empty.is_empty() {
        return None;
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
    lead
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

/// A lead's update as a work of the engine (`deliver::deliver_update`): the `update_lead` body
/// of the fields `changes` sends and clears, kept in the ledger as what the server holds after it
/// (`write::after`: the record, with the fields sent set and the fields cleared removed).
pub struct UpdateLead<'a> {
    pub keyed: &'a Keyed,
    pub lead_id: &'a str,
    pub body: LeadUpdate,
    /// The values recorded once the server took it, and their hash.
    pub after: Fields,
    pub hash: String,
}

impl<'a> UpdateLead<'a> {
    pub fn new(
        keyed: &'a Keyed,
        lead_id: &'a str,
        changes: &Changes,
        previous: &Entry,
    ) -> UpdateLead<'a> {
        let after = crate::deliver::write::after(&previous.fields, &keyed.fields, changes);
        UpdateLead {
            body: update_body(lead_id, keyed, changes),
            hash: identity::hash_fields(&after),
            after,
            keyed,
            lead_id,
        }
    }
}

impl Work for UpdateLead<'_> {
    type Answer = Lead;

    fn target(&self) -> Target<'_> {
        Target {
            channel: &self.keyed.channel,
            key: &self.keyed.key,
            hash: &self.hash,
            fields: &self.after,
            lead_id: Some(self.lead_id),
        }
    }

    fn send(
        &self,
        client: &ApiClient,
        on_429: &dyn Fn(Instant, Duration),
        _may_retry: &dyn Fn() -> bool,
    ) -> (Result<Lead, ApiError>, CallStats) {
        client.update_lead_measured(&self.body, on_429)
    }

    fn id_of<'b>(&'b self, answer: &'b Lead) -> Option<&'b str> {
        Some(&answer.id)
    }
}

/// Records what the server holds after an update (a no-op without a ledger): the fields it
/// sent and cleared, the `if_empty` values it held back, every other field as recorded before
/// (`write::after`). For an update that sent nothing because its `if_empty` fields were held (so
/// the next run with the same input does not read the lead again); an update sent is recorded by
/// `deliver::deliver_update`, through the same `deliver::record_values`. Nothing is written when
/// nothing changed. The ledger's error if that failed.
pub fn record_update(
    place: &Place<'_>,
    k: &Keyed,
    row: u64,
    previous: &Entry,
    changes: &Changes,
) -> Option<Failure> {
    let sent = !changes.sends_nothing();
    let update = UpdateLead::new(k, "", changes, previous);
    let via = if sent {
        Some("update".to_string())
    } else {
        previous.via.clone()
    };
    crate::deliver::record_values(place, update.target(), row, previous, via)
}
