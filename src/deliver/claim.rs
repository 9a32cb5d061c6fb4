//! The ledger's side of exactly once, for any write: a key claimed durably before its request
//! (`sending`), its answer recorded after (`created`, `failed`, `unknown`), a claim whose request
//! provably never left released. A claim another run holds is `Taken`: its record decides.

use super::outcome::Outcome;
use super::rule::Owner;
use crate::error::Failure;
use crate::ledger::{now_secs, Applied, Entry, Fields, Ledger, Op, State};

/// Where and as what a claim is recorded.
#[derive(Clone, Copy)]
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

/// The `created` entry of a write found done without sending it (the server holds it already:
/// a lead at its status, a lead created since a plan): `via` says how it was learned.
pub fn found(place: &Place<'_>, c: Claim<'_>, via: &str) -> Entry {
    Entry {
        state: State::Created,
        via: Some(via.to_string()),
        sent_at: None,
        answered_at: Some(place.ledger.map_or_else(now_secs, Ledger::now)),
        ..sending(place, c)
    }
}

/// Claims the key `entry` names (a `sending` entry, [`sending`]); a no-op without a ledger. An
/// error means the claim did not commit: the request must not be sent. `expect`: the state to
/// take the key over from (a retry, `--force`).
pub fn claim(
    place: &Place<'_>,
    entry: Entry,
    expect: Option<(State, i64)>,
) -> Result<Claimed, Failure> {
    let Some(ledger) = place.ledger else {
        return Ok(Claimed::Ours(entry));
    };
    let mut entry = entry;
    ledger.notes_ready();
    taking_over(ledger, &mut entry, expect)?;
    let applied = ledger.apply(Op::Claim {
        entry: entry.clone(),
        expect,
    })?;
    Ok(claimed_of(applied, entry))
}

/// A claim that takes its key over (`expect`: a retry, `--force`), before it commits: dated
/// after the version it replaces, and noted as a take-over in the run's sent notes (an error:
/// the claim must not be made). Nothing for a claim of a new key.
pub(super) fn taking_over(
    ledger: &Ledger,
    entry: &mut Entry,
    expect: Option<(State, i64)>,
) -> Result<(), Failure> {
    let Some((_, version)) = expect else {
        return Ok(());
    };
    after_version(entry, version);
    ledger.note_taking_over(entry)
}

/// Dates a claim that takes a key over after the version it replaces (`updated_at` counts whole
/// seconds): two runs taking one key over within a second never both match it.
fn after_version(entry: &mut Entry, version: i64) {
    entry.updated_at = entry.updated_at.max(version + 1);
}

/// What a claim's write came to: the key ours (`entry`), or another run's as it is now.
pub(super) fn claimed_of(applied: Applied, entry: Entry) -> Claimed {
    match applied {
        Applied::Taken(current) => Claimed::Taken(current),
        Applied::Claimed | Applied::Done => Claimed::Ours(entry),
    }
}

/// The write that releases this run's claim `claimed` of a request that never left: the key
/// reads as it did before the claim (`previous`), or as never claimed.
pub(super) fn release_op(claimed: &Entry, previous: Option<&Entry>) -> Op {
    Op::Release {
        entry: claimed.clone(),
        previous: previous.cloned(),
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
        Outcome::NotSent => release_op(claimed, previous),
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

/// Whether a claim is still this run's, asked before its request is sent again (a retry after a
/// 429 or a timeout that proved nothing left): the claim is renewed with a compare-and-swap on
/// its version (`updated_at`, with the run id in the entry: the fencing token), so a claim another
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

/// Lets a key proven never written (`lead::window::proven_absent`) be sent again through a new
/// claim: the entry as read (`e`, `unknown` or a dead run's `sending`) is taken over with a
/// compare-and-swap on its state and version, then released, so the key reads as never sent. A
/// key someone changed since it was read is left as it is (false).
pub fn release_absent(ledger: &Ledger, e: &Entry) -> Result<bool, Failure> {
    let now = ledger.now();
    let mut ours = Entry {
        state: State::Sending,
        run: Some(ledger.run.clone()),
        error: None,
        answered_at: None,
        updated_at: now,
        ..e.clone()
    };
    after_version(&mut ours, e.updated_at);
    match ledger.apply(Op::Claim {
        entry: ours.clone(),
        expect: Some((e.state, e.updated_at)),
    })? {
        Applied::Taken(_) => return Ok(false),
        Applied::Claimed | Applied::Done => {}
    }
    ledger.apply(Op::Release {
        entry: ours,
        previous: None,
    })?;
    Ok(true)
}

/// Whether a claim is still this run's ([`still_ours`]).
#[derive(Debug)]
pub enum Fence {
    Ours,
    /// Another run's now: the key as it is.
    Lost(Box<Entry>),
    /// The ledger could not be written: not sent again all the same.
    Unwritable,
}

/// Whether the run that claimed `e` (when it is `sending`) is alive: a live run's claim is never
/// taken over, a dead run's is never described as being sent, and one its sent notes show it
/// never sent is as if never made.
pub fn owner_of(ledger: &Ledger, scope_url: &str, e: &Entry) -> Owner {
    match e.state {
        State::Sending if ledger.claim_is_live(scope_url, e) => Owner::Alive,
        State::Sending if ledger.never_sent(e) => Owner::NeverSent,
        State::Sending => Owner::Dead,
        _ => Owner::Untold,
    }
}
