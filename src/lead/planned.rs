//! The ledger keys a lead's planned writes are saved under in a plan (`saved_plan::PlanKey`):
//! the values the ledger will record once each is sent, and the entry it was planned against
//! (what `apply` checks before sending it). An import's dry run and `create --dry-run` plan
//! with them alike.

use crate::deliver::write::Changes;
use crate::identity;
use crate::lead::moves::{self, Move};
use crate::lead::once::Keyed;
use crate::lead::status::Wanted;
use crate::ledger::{Entry, State};
use crate::saved_plan::PlanKey;

/// A create's ledger key: the lead's values, and the state its claim takes over (`expect`,
/// from the rule: absent, or a failed/unknown entry a retry takes over) with the run of the
/// entry `previous` it was planned against.
pub fn create_key(keyed: &Keyed, expect: Option<(State, i64)>, previous: Option<Entry>) -> PlanKey {
    PlanKey {
        channel: keyed.channel.clone(),
        key: keyed.key.clone(),
        hash: keyed.hash.clone(),
        fields: keyed.fields.clone(),
        expect,
        expect_run: previous.and_then(|p| p.run),
        expect_hash: None,
        status: None,
    }
}

/// An update's ledger key: the values the ledger records once it is sent (`write::after`, as
/// the worker records them), planned from the created entry `previous`.
pub fn update_key(keyed: &Keyed, previous: &Entry, changes: &Changes) -> PlanKey {
    let fields = crate::deliver::write::after(&previous.fields, &keyed.fields, changes);
    PlanKey {
        channel: keyed.channel.clone(),
        key: keyed.key.clone(),
        hash: identity::hash_fields(&fields),
        fields,
        expect: Some((previous.state, previous.updated_at)),
        expect_run: previous.run.clone(),
        expect_hash: Some(previous.hash.clone()),
        status: None,
    }
}

/// A move's ledger key (`status:<lead key>`) and what the ledger held for it; `seen`: the
/// lead's status as the plan read it.
pub fn move_key(keyed: &Keyed, w: &Wanted, mv: &Move, seen: Option<String>) -> PlanKey {
    let previous = mv.previous.as_ref();
    PlanKey {
        channel: keyed.channel.clone(),
        key: moves::key_of(keyed),
        hash: w.hash(),
        fields: w.fields(),
        expect: mv.expect,
        expect_run: previous.and_then(|p| p.run.clone()),
        expect_hash: previous
            .filter(|p| p.state == State::Created)
            .map(|p| p.hash.clone()),
        status: seen,
    }
}
