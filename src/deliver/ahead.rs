//! Claims made ahead: a bulk run's next works are claimed by the pipeline's claimer, many in one
//! commit, while the workers' requests are in flight, so the sync that makes a claim durable is
//! not on the way from one answer to the next request (doc/ledger.md, "Claims made ahead"). A
//! claim still comes before its request, always: the worker sends only what is claimed. A work
//! claimed ahead that is never sent (the run stopped first) has its claim released; one that a
//! killed run left claimed reads as never sent when the run's sent notes (`ledger::sent`) say so.

use super::claim::{self, Claim, Claimed, Place};
use crate::error::Failure;
use crate::ledger::{Entry, Ledger, Op, State};

/// A work's claim, to be made ahead of its request slot: what it will claim, and once the
/// claimer made it, what the claim came to.
pub struct Ahead {
    entry: Entry,
    expect: Option<(State, i64)>,
    previous: Option<Entry>,
    got: Option<Result<Claimed, Failure>>,
}

impl Ahead {
    /// The claim `deliver` would make (`c`: a work's, `work::Target::claim`; `expect` as the
    /// rule decided it); None without a ledger (nothing is claimed).
    pub fn new(place: &Place<'_>, c: Claim<'_>, expect: Option<(State, i64)>) -> Option<Ahead> {
        place.ledger?;
        let previous = c.previous.cloned();
        Some(Ahead {
            entry: claim::sending(place, c),
            expect,
            previous,
            got: None,
        })
    }

    /// What the claim came to, when it was made (taken: the work's delivery uses it).
    pub(super) fn take(&mut self) -> Option<Result<Claimed, Failure>> {
        self.got.take()
    }
}

/// Makes the claims of `batch` in one commit (one sync), each dated now. Each keeps what its
/// claim came to: ours (send), taken by another run (its record decides), or not made (the
/// ledger's error: not sent). A claim that takes its key over is noted as such first
/// (`Ledger::note_taking_over`).
pub fn claim_all(ledger: &Ledger, batch: &mut [&mut Ahead]) {
    let now = ledger.now();
    ledger.notes_ready();
    let mut claiming = Vec::with_capacity(batch.len());
    for a in batch.iter_mut() {
        a.entry.sent_at = Some(now);
        a.entry.updated_at = now;
        if a.previous.is_none() {
            a.entry.first_at = now;
        }
        match claim::taking_over(ledger, &mut a.entry, a.expect) {
            Err(f) => a.got = Some(Err(f)),
            Ok(()) => claiming.push(a),
        }
    }
    let ops = claiming
        .iter()
        .map(|a| Op::Claim {
            entry: a.entry.clone(),
            expect: a.expect,
        })
        .collect();
    for (a, result) in claiming.into_iter().zip(ledger.apply_each(ops)) {
        a.got = Some(result.map(|applied| claim::claimed_of(applied, a.entry.clone())));
    }
}

/// Releases a claim made ahead for a work that will not be sent (the run stopped before its
/// slot): the key reads as it did before. Queued for the run's last commit; if that is lost, the
/// key reads as claimed by a dead run that never sent it (the sent notes say so).
pub fn release(ledger: &Ledger, a: &mut Ahead) {
    if let Some(Ok(Claimed::Ours(entry))) = a.got.take() {
        ledger.apply_later(claim::release_op(&entry, a.previous.as_ref()));
    }
}
