//! Moving a lead to the status its row names, exactly once (doc/ledger.md, "Status moves").
//!
//! The ledger keeps the status leadctl last set on each lead, under the key `status:<lead key>`
//! in the lead's channel (state, fields `status` and `status_id`, the lead's id). A lead is moved
//! only when the row's status differs from that one; the move is claimed durably before
//! `update_status` leaves and recorded after; a move without a reliable answer is `unknown` and
//! never sent again on its own. When leadctl has not set the lead's status (nothing recorded,
//! an earlier move refused or unanswered), the lead's status is read first and a lead already
//! there is not moved again. Under `write = "forward_only"` the lead's status is always read
//! first, and a move back in the channel's order or out of a `final` status is refused
//! (`status::Wanted::refused_from`), said per row.

use std::time::{Duration, Instant};

use super::once::Keyed;
use super::status::Wanted;
use crate::api::models::Lead;
use crate::api::{ApiClient, ApiError, CallStats};
use crate::deliver::rule::{self as decide, Decision, Policy};
use crate::deliver::{classify, deliver, Attempt, Delivered, Outcome, Place, Target, Work};
use crate::error::Failure;
use crate::ledger::{Entry, Fields, Ledger, Op, State};

/// The ledger key of a lead's status.
pub fn key_of(k: &Keyed) -> String {
    format!("status:{}", k.key)
}

/// A move to send.
#[derive(Debug, Clone)]
pub struct Move {
    /// The state to take the key over from (a move to another status, or a retry).
    pub expect: Option<(State, i64)>,
    pub previous: Option<Entry>,
    /// The status leadctl set is not known: read the lead's first.
    pub read_first: bool,
}

/// What the ledger says of a row's status.
#[allow(clippy::large_enum_variant)]
pub enum Plan {
    /// No status column, or the status leadctl last set: nothing to send.
    Stay,
    Send(Move),
    /// An earlier move left it failed or unknown: the row's outcome and why.
    Done(Outcome, String),
    /// An earlier move to this same status got no reliable answer (`unknown`): the lead's status,
    /// read, settles it ([`settle_unknown`]); `note` says why it stays unknown otherwise.
    Settle {
        previous: Entry,
        note: String,
    },
}

/// The ledger's say on moving the lead of `k` to the row's status.
pub fn plan(
    ledger: Option<&Ledger>,
    scope_url: &str,
    k: &Keyed,
    policy: Policy,
) -> Result<Plan, Failure> {
    let Some(w) = &k.status else {
        return Ok(Plan::Stay);
    };
    let Some(ledger) = ledger else {
        return Ok(Plan::Send(Move {
            expect: None,
            previous: None,
            read_first: true,
        }));
    };
    let entry = ledger.get(scope_url, &k.channel, &key_of(k))?;
    let rule = Policy {
        update: true,
        force: false,
        ..policy
    };
    let earlier = |e: &Entry| {
        e.fields
            .get("status")
            .and_then(|v| v.as_str())
            .map(crate::log::quoted)
            .unwrap_or_else(|| "a status".into())
    };
    Ok(
        match decide::decide_owned(
            entry.as_ref(),
            &decide::Input::whole(&w.hash(), &w.fields()),
            rule,
            // Ages on the ledger's clock, and a live owner's claim never taken over.
            ledger.now(),
            entry.as_ref().map_or(decide::Owner::Untold, |e| {
                crate::deliver::claim::owner_of(ledger, scope_url, e)
            }),
        ) {
            Decision::Create { expect, previous } => Plan::Send(Move {
                expect,
                previous,
                read_first: true,
            }),
            Decision::Update { previous, .. } => Plan::Send(Move {
                expect: Some((previous.state, previous.updated_at)),
                previous: Some(previous),
                // forward_only: where the lead is now decides (the app may have moved it).
                read_first: k.rules().status_forward_only,
            }),
            Decision::Skip { .. } | Decision::Changed { .. } => Plan::Stay,
            Decision::Unknown { previous, .. } => {
                let note = format!(
                    "an earlier move to {} got no reliable answer, so the lead may be there \
                     already; it is not moved again on its own (--retry-unknown reads its status \
                     and moves it only if it is not there)",
                    earlier(&previous)
                );
                // Only an answer lost to this same status, and not a live run's claim: the
                // lead's status then tells whether it landed.
                if previous.state == State::Unknown && previous.hash == w.hash() {
                    Plan::Settle { previous, note }
                } else {
                    Plan::Done(Outcome::Unknown, note)
                }
            }
            Decision::Failed { note } => Plan::Done(
                Outcome::Failed,
                format!("moving it to {}: {note}", w.shown()),
            ),
        },
    )
}

/// What a move came to: `Skipped` when none was needed (the lead is there already).
pub struct Moved {
    pub outcome: Outcome,
    pub note: String,
    /// What stops the run (an unwritable ledger, an unreachable server).
    pub fatal: Option<anyhow::Error>,
}

impl Moved {
    fn new(outcome: Outcome, note: String) -> Moved {
        Moved {
            outcome,
            note,
            fatal: None,
        }
    }
}

/// A lead's status id in a full-form answer.
pub fn status_id_of(lead: &Lead) -> Option<String> {
    lead.raw
        .get("lead_status_id")
        .and_then(|v| v.as_str())
        .or_else(|| {
            lead.raw
                .get("lead_status")
                .and_then(|s| s.get("id"))
                .and_then(|v| v.as_str())
        })
        .map(str::to_string)
}

/// Moves the lead (`lead_id`) of `k` to its row's status: `current` is its status when known
/// (a lead just created), else it is read when `mv.read_first`. `send` makes the request.
#[allow(clippy::too_many_arguments)]
pub fn perform(
    place: &Place<'_>,
    client: &ApiClient,
    k: &Keyed,
    row: u64,
    lead_id: &str,
    mv: &Move,
    current: Option<String>,
    send: impl FnOnce(&str, bool, &dyn Fn() -> bool) -> Result<Lead, ApiError>,
) -> Moved {
    let Some(w) = &k.status else {
        return Moved::new(Outcome::Skipped, String::new());
    };
    let just_created = current.is_some();
    let current = match current {
        Some(c) => Some(c),
        None if mv.read_first => match client.get_lead_by_id(lead_id) {
            Ok(lead) => status_id_of(&lead),
            Err(e) => {
                let mut m = Moved::new(
                    Outcome::Failed,
                    format!("reading its status before moving it to {}: {e}", w.shown()),
                );
                if e.stops_batch() {
                    m.outcome = Outcome::NotSent;
                    m.fatal = Some(anyhow::Error::new(e));
                }
                return m;
            }
        },
        None => None,
    };
    let work = MoveLead::new(k, w, lead_id);
    match stays(k, w, current.as_deref()) {
        Some(Stays::Back(why)) => return Moved::new(Outcome::Skipped, why),
        Some(Stays::There(why)) => {
            // There already: recorded as set, nothing sent.
            let via = if just_created { "create" } else { "server" };
            record_there(place, &work, row, mv.previous.as_ref(), via);
            return Moved::new(Outcome::Skipped, why);
        }
        None => {}
    }
    let at = Attempt {
        row,
        expect: mv.expect,
        previous: mv.previous.as_ref(),
        later: true,
    };
    let target = if w.by_id { &w.id } else { &w.name };
    let answered = match deliver(place, &work, at, None, |_, fence| {
        send(target, w.by_id, fence)
    }) {
        Delivered::Taken(now) => {
            if now.state == State::Created && now.hash == w.hash() {
                return Moved::new(
                    Outcome::Skipped,
                    format!("moved to {} by another leadctl run", w.shown()),
                );
            }
            return Moved::new(
                Outcome::Unknown,
                "another leadctl run sharing the ledger is moving it; it may have moved".into(),
            );
        }
        Delivered::Unrenewed => {
            return Moved::new(
                Outcome::NotSent,
                "its move's claim could not be renewed in the ledger before a retry".into(),
            );
        }
        Delivered::Unclaimed(f) => {
            let mut m = Moved::new(
                Outcome::NotSent,
                "its move could not be recorded in the ledger".into(),
            );
            m.fatal = Some(f.into());
            return m;
        }
        Delivered::Sent(a) => a,
    };
    match answered.error {
        None => Moved::new(Outcome::Moved, format!("moved to {}", w.shown())),
        Some(e) => {
            let (outcome, fatal) = classify(&e);
            let note = match outcome {
                Outcome::Unknown => format!(
                    "moving it to {}: {e}; it may have moved (not sent again on its own: \
                     --retry-unknown reads its status first)",
                    w.shown()
                ),
                _ => format!("moving it to {}: {e}", w.shown()),
            };
            let mut m = Moved::new(outcome, note);
            if fatal {
                m.fatal = Some(anyhow::Error::new(e));
            }
            m
        }
    }
}

/// Why a lead whose status is `current` (a status id) is not moved to `w`.
enum Stays {
    /// A move back, refused by `write = "forward_only"`.
    Back(String),
    /// It is there already.
    There(String),
}

fn stays(k: &Keyed, w: &Wanted, current: Option<&str>) -> Option<Stays> {
    let current = current?;
    if let Some(why) = Some(current)
        .filter(|_| k.rules().status_forward_only)
        .and_then(|c| w.refused_from(c))
    {
        return Some(Stays::Back(why));
    }
    current
        .eq_ignore_ascii_case(&w.id)
        .then(|| Stays::There(format!("at status {}", w.shown())))
}

/// What a move's read would find, without moving or recording anything (a plan): `Err(why)`
/// when the real run would leave the lead where it is (there already, or a move back refused);
/// `Ok(status)` when it would send the move, with the status read (`None`: the move does not
/// read first, or the read failed: the real run then reports the row failed).
pub fn preview(
    client: &ApiClient,
    k: &Keyed,
    lead_id: &str,
    mv: &Move,
) -> Result<Option<String>, String> {
    let Some(w) = &k.status else {
        return Ok(None);
    };
    if !mv.read_first {
        return Ok(None);
    }
    let Ok(lead) = client.get_lead_by_id(lead_id) else {
        return Ok(None);
    };
    let current = status_id_of(&lead).unwrap_or_default();
    match stays(k, w, Some(&current)) {
        Some(Stays::Back(why) | Stays::There(why)) => Err(why),
        None => Ok(Some(current)),
    }
}

/// Records a move as set without sending it: the lead is at its status already.
fn record_there(
    place: &Place<'_>,
    work: &MoveLead<'_>,
    row: u64,
    previous: Option<&Entry>,
    via: &str,
) {
    let done = crate::deliver::claim::found(
        place,
        crate::deliver::claim::Claim {
            channel: work.channel,
            key: &work.key,
            hash: &work.hash,
            fields: &work.fields,
            lead_id: Some(work.lead_id),
            row,
            previous,
        },
        via,
    );
    if let Some(l) = place.ledger {
        l.apply_later(Op::Put(done));
    }
}

/// Settles a move an earlier run left `unknown` (its answer lost), by the lead's status as the
/// server has it now: at the row's status, the move landed: recorded as set (`via` settle; not in
/// a dry run, `dry`) and `Skipped`. Anywhere else, or unreadable, it stays `Unknown` with `note`:
/// the move may have landed and the lead been moved on since, so nothing is sent on its own.
#[allow(clippy::too_many_arguments)]
pub fn settle_unknown(
    place: &Place<'_>,
    client: &ApiClient,
    k: &Keyed,
    row: u64,
    lead_id: &str,
    previous: &Entry,
    note: String,
    dry: bool,
) -> (Outcome, String) {
    let Some(w) = &k.status else {
        return (Outcome::Unknown, note);
    };
    let current = match client.get_lead_by_id(lead_id) {
        Ok(lead) => status_id_of(&lead),
        Err(e) => {
            return (
                Outcome::Unknown,
                format!("{note}; its status could not be read to settle it: {e}"),
            )
        }
    };
    if !matches!(stays(k, w, current.as_deref()), Some(Stays::There(_))) {
        return (Outcome::Unknown, note);
    }
    if !dry {
        record_there(
            place,
            &MoveLead::new(k, w, lead_id),
            row,
            Some(previous),
            "settle",
        );
    }
    (
        Outcome::Skipped,
        format!(
            "at status {}: an earlier move's answer was lost, and the lead is there",
            w.shown()
        ),
    )
}

/// A status move as a work: `update_status` (by name) or `update_status_id`, under the key
/// `status:<lead key>` in the lead's channel.
pub struct MoveLead<'a> {
    channel: &'a str,
    key: String,
    hash: String,
    fields: Fields,
    lead_id: &'a str,
    wanted: &'a Wanted,
}

impl<'a> MoveLead<'a> {
    pub fn new(k: &'a Keyed, wanted: &'a Wanted, lead_id: &'a str) -> MoveLead<'a> {
        MoveLead {
            channel: &k.channel,
            key: key_of(k),
            hash: wanted.hash(),
            fields: wanted.fields(),
            lead_id,
            wanted,
        }
    }
}

impl Work for MoveLead<'_> {
    type Answer = Lead;

    fn target(&self) -> Target<'_> {
        Target {
            channel: self.channel,
            key: &self.key,
            hash: &self.hash,
            fields: &self.fields,
            lead_id: Some(self.lead_id),
        }
    }

    fn send(
        &self,
        client: &ApiClient,
        on_429: &dyn Fn(Instant, Duration),
        may_retry: &dyn Fn() -> bool,
    ) -> (Result<Lead, ApiError>, CallStats) {
        let w = self.wanted;
        let target = if w.by_id { &w.id } else { &w.name };
        client.update_status_fenced(self.lead_id, target, w.by_id, on_429, may_retry)
    }

    /// Any answer proves the move: the lead is the one it was sent for.
    fn id_of<'b>(&'b self, _: &'b Lead) -> Option<&'b str> {
        Some(self.lead_id)
    }
}

/// A row's outcome once its lead was dealt with (`before`, with its note) and its move came to
/// `m`.
pub fn combine(before: Outcome, note: Option<String>, m: Moved) -> (Outcome, Option<String>) {
    let join = |a: String, b: Option<String>| match b {
        Some(b) if !b.is_empty() => format!("{a}; {b}"),
        _ => a,
    };
    match m.outcome {
        Outcome::Skipped if before == Outcome::Created => (before, note),
        Outcome::Skipped => (before, Some(join(m.note, note))),
        Outcome::Moved if before == Outcome::Created => (
            Outcome::Created,
            Some(join(format!("then {}", m.note), note)),
        ),
        Outcome::Moved => (Outcome::Moved, Some(join(m.note, note))),
        Outcome::NotSent if before == Outcome::Created => (
            Outcome::Created,
            Some(format!(
                "created, but not moved ({}); the same command moves it",
                m.note
            )),
        ),
        other => {
            let what = match before {
                Outcome::Created => "created",
                Outcome::Updated => "updated",
                _ => "",
            };
            let text = if what.is_empty() {
                m.note
            } else {
                format!("{what}, but {}", m.note)
            };
            (other, Some(text))
        }
    }
}
