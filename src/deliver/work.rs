//! The one interface every write implements, and the one claim → send → record step that
//! delivers it exactly once. A work knows its ledger key and the values it means to write (so a
//! later run can tell unchanged from changed) and how to send itself; the engine knows neither
//! columns nor lead fields.

use std::cell::RefCell;
use std::time::{Duration, Instant};

use super::ahead::Ahead;
use super::claim::{self, Claim, Claimed, Fence, Place};
use super::outcome::{classify, Outcome};
use crate::api::{ApiClient, ApiError, CallStats};
use crate::error::Failure;
use crate::ledger::{Entry, Fields, State};

/// Where a work is kept in the ledger, and what it writes.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// The scope of the key (a lead's channel; purchases share one).
    pub channel: &'a str,
    pub key: &'a str,
    /// The hash of `fields`: equal hashes, the same write.
    pub hash: &'a str,
    /// The values it means to write, as the ledger keeps them.
    pub fields: &'a Fields,
    /// The id of what it acts on, when known before it is sent (a status move's lead).
    pub lead_id: Option<&'a str>,
}

impl<'a> Target<'a> {
    /// What a claim of this work for row `row` records (`previous`: the key's earlier entry).
    pub fn claim(&self, row: u64, previous: Option<&'a Entry>) -> Claim<'a> {
        Claim {
            channel: self.channel,
            key: self.key,
            hash: self.hash,
            fields: self.fields,
            lead_id: self.lead_id,
            row,
            previous,
        }
    }
}

/// One write: a lead create, an update, a status move, a purchase.
pub trait Work {
    /// What the server answers with.
    type Answer;

    fn target(&self) -> Target<'_>;

    /// Sends it through the client (one measured call); `on_429` hears each 429 as it arrives;
    /// `may_retry` is the fence [`deliver`] hands on, asked before each attempt after a wait (the
    /// claim still this run's): no ends the call `Cancelled`, that attempt not sent.
    fn send(
        &self,
        client: &ApiClient,
        on_429: &dyn Fn(Instant, Duration),
        may_retry: &dyn Fn() -> bool,
    ) -> (Result<Self::Answer, ApiError>, CallStats);

    /// The id the answer proves; an answer without one proves nothing (the outcome is unknown).
    fn id_of<'a>(&'a self, answer: &'a Self::Answer) -> Option<&'a str>;

    /// The error kept in the ledger and shown for this outcome: by default the API's error, or
    /// for an answer without an id, that the write may have been made.
    fn error_text(&self, outcome: Outcome, error: Option<&ApiError>) -> Option<String> {
        match (error, outcome) {
            (Some(e), _) => Some(e.to_string()),
            (None, Outcome::Unknown) => {
                Some("the server answered without an id; it may have been made".to_string())
            }
            _ => None,
        }
    }
}

/// How long a claim made ahead may wait for its slot before it is renewed ([`deliver`]).
const AHEAD_FRESH_SECS: i64 = 5;

/// How this delivery of a work is made.
#[derive(Debug, Clone, Copy)]
pub struct Attempt<'a> {
    /// The row (or item) it came from, recorded with its key.
    pub row: u64,
    /// The state to take the key over from (a retry, `--force`): from the rule (`rule::decide`).
    pub expect: Option<(State, i64)>,
    /// The key's earlier entry: its first time is kept, and a release puts it back.
    pub previous: Option<&'a Entry>,
    /// Queue the record for the next commit (a run that flushes at its end) instead of waiting
    /// for a sync of its own.
    pub later: bool,
}

/// What one delivery came to.
#[derive(Debug)]
pub enum Delivered<A> {
    /// Another run sharing the ledger holds the key: its entry decides (`rule::decide`).
    Taken(Entry),
    /// The claim did not commit: nothing was sent, and the run must stop.
    Unclaimed(Failure),
    /// Before a retry the claim could not be renewed (the ledger could not be written): not
    /// sent again, the claim released, and the run must stop.
    Unrenewed,
    /// Sent: what the answer said, and whether its record was written.
    Sent(Answered<A>),
}

#[derive(Debug)]
pub struct Answered<A> {
    pub outcome: Outcome,
    /// The answer, when it proves the write (`outcome` is `Created`).
    pub answer: Option<A>,
    /// The API's error, when there is one.
    pub error: Option<ApiError>,
    /// What was recorded as the error ([`Work::error_text`]).
    pub note: Option<String>,
    /// The run must stop: every further work would meet the same error.
    pub stops: bool,
    /// The entry the claim wrote (what an unknown outcome is settled against).
    pub claimed: Entry,
    /// The record's own failure: the key then reads as `sending` (unknown, never re-sent).
    pub recorded: Result<(), Failure>,
}

/// Claims the work's key durably, sends it, records what the answer says: the one claim → send
/// → record step of the codebase. `send` makes the request (through [`Work::send`], inside
/// whatever slot and pacing the caller keeps), handing on the fence it is given (asked before
/// each retry: a claim another run took over meanwhile is never sent again, and is `Taken`); it
/// is not called when the claim is lost or fails.
///
/// `ahead`: the work's claim when the pipeline's claimer made it already (`ahead::Ahead`, made
/// from the same target and attempt); else it is made here.
pub fn deliver<W: Work>(
    place: &Place<'_>,
    work: &W,
    at: Attempt<'_>,
    ahead: Option<&mut Ahead>,
    send: impl FnOnce(&W, &dyn Fn() -> bool) -> Result<W::Answer, ApiError>,
) -> Delivered<W::Answer> {
    let t = work.target();
    let early = ahead.and_then(Ahead::take);
    let made_early = early.is_some();
    let made = early.unwrap_or_else(|| {
        let entry = claim::sending(place, t.claim(at.row, at.previous));
        claim::claim(place, entry, at.expect)
    });
    let mut claimed = match made {
        Ok(Claimed::Ours(entry)) => entry,
        Ok(Claimed::Taken(current)) => return Delivered::Taken(current),
        Err(f) => return Delivered::Unclaimed(f),
    };
    // A claim made ahead that waited long for its slot (a paced or throttled run) is renewed
    // first, as before a retry: its age counts from its request, and a claim another run took
    // over meanwhile is not sent.
    let waited = made_early
        && place
            .ledger
            .is_some_and(|l| l.now() - claimed.updated_at > AHEAD_FRESH_SECS);
    if waited {
        match claim::still_ours(place, &mut claimed) {
            Fence::Ours => {}
            Fence::Lost(current) => return Delivered::Taken(*current),
            Fence::Unwritable => {
                release(place, &claimed, &at);
                return Delivered::Unrenewed;
            }
        }
    }
    // Noted before it leaves: a claim a killed run left and never noted was never sent.
    if let Some(f) = place.ledger.and_then(|l| l.note_sent(&claimed).err()) {
        release(place, &claimed, &at);
        return Delivered::Unclaimed(f);
    }
    let fence = RefCell::new((claimed, None::<Fence>));
    let may_retry = || {
        let mut f = fence.borrow_mut();
        let (claim, lost) = &mut *f;
        match claim::still_ours(place, claim) {
            Fence::Ours => true,
            not => {
                *lost = Some(not);
                false
            }
        }
    };
    let sent = send(work, &may_retry);
    let (claimed, lost) = fence.into_inner();
    if let (Some(lost), Err(ApiError::Cancelled)) = (lost, &sent) {
        return match lost {
            Fence::Lost(current) => Delivered::Taken(*current),
            _ => {
                // Not sent again: the claim is released when the ledger takes the write.
                release(place, &claimed, &at);
                Delivered::Unrenewed
            }
        };
    }
    let (outcome, answer, error, stops) = match sent {
        Ok(a) if work.id_of(&a).is_some_and(|id| !id.trim().is_empty()) => {
            (Outcome::Created, Some(a), None, false)
        }
        Ok(_) => (Outcome::Unknown, None, None, false),
        Err(e) => {
            let (outcome, stops) = classify(&e);
            (outcome, None, Some(e), stops)
        }
    };
    let note = work.error_text(outcome, error.as_ref());
    let id = answer.as_ref().and_then(|a| work.id_of(a));
    let recorded = claim::record(
        place,
        &claimed,
        at.previous,
        outcome,
        id.or(t.lead_id),
        note.as_deref(),
        at.later,
    );
    Delivered::Sent(Answered {
        outcome,
        answer,
        error,
        note,
        stops,
        claimed,
        recorded,
    })
}

/// Releases this run's claim of a work that was not sent (again): the key reads as before it.
/// If the ledger does not take the write, the key reads as claimed: unknown, never re-sent.
fn release(place: &Place<'_>, claimed: &Entry, at: &Attempt<'_>) {
    let _ = claim::record(
        place,
        claimed,
        at.previous,
        Outcome::NotSent,
        None,
        None,
        at.later,
    );
}

/// An update of a key already created, as the rule decided it (`rule::Decision::Update`): sent
/// without a claim (the key stays `created` throughout: an update sets the same values again if
/// it is repeated, and fires no reward; doc/ledger.md, "What an update sends"), and once the
/// server took it, the work's values (what the server holds now) recorded over `previous` with
/// `via = update` ([`record_values`]). The one step every update goes through; the ledger's
/// error, when only the record failed, is returned beside the answer (the next run sends the
/// update again).
pub fn deliver_update<W: Work>(
    place: &Place<'_>,
    work: &W,
    row: u64,
    previous: &Entry,
    send: impl FnOnce(&W) -> Result<W::Answer, ApiError>,
) -> Result<(W::Answer, Option<Failure>), ApiError> {
    let answer = send(work)?;
    let via = Some("update".to_string());
    Ok((
        answer,
        record_values(place, work.target(), row, previous, via),
    ))
}

/// Records a created key's values as `t` says the server holds them now, over `previous` (its
/// first time, its lead id, its run kept): nothing when they are what the entry holds already,
/// nothing without a ledger. The ledger's error if the write failed.
pub fn record_values(
    place: &Place<'_>,
    t: Target<'_>,
    row: u64,
    previous: &Entry,
    via: Option<String>,
) -> Option<Failure> {
    let ledger = place.ledger?;
    if *t.fields == previous.fields {
        return None;
    }
    let entry = Entry {
        hash: t.hash.to_string(),
        fields: t.fields.clone(),
        via,
        input: Some(place.input.to_string()),
        row: Some(row),
        updated_at: crate::ledger::now_secs(),
        ..previous.clone()
    };
    ledger.apply(crate::ledger::Op::Record(entry)).err()
}
