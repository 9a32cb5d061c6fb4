//! What a lead row's task plans (a dry run, `flow::Task::plan`): each write the worker would
//! send for it, decided with the reads the worker makes before it writes (the lead's values for
//! `if_empty` fields, its status before a move), sending nothing and recording nothing; with
//! each write's ledger key and what the ledger held for it, for a saved plan.

use serde_json::{json, Value};

use super::flow::{body_of, LeadRowTask, LeadTask, PlanSink, Planned};
use super::report::Outcome;
use crate::lead::moves::{self, Move};
use crate::lead::once::{self, Keyed};
use crate::lead::planned::{create_key, move_key, update_key};
use crate::lead::status::Wanted;

/// Tells `plan` each write the task would make, in order, or the row's outcome when the reads
/// find nothing to write.
pub fn plan(task: LeadRowTask, plan: &mut dyn PlanSink) {
    let LeadRowTask { keyed, work } = task;
    match work {
        LeadTask::Create {
            expect,
            previous,
            then_move,
            ..
        } => {
            plan.key(create_key(&keyed, expect, previous));
            plan.write(Planned::Create, body_of("create_lead", &keyed.lead));
            // A new lead has the channel's first status: the real run moves it only to another.
            let first = keyed.status.as_ref().is_some_and(|w| w.first);
            if let (Some(mv), false, Some(w)) = (then_move, first, &keyed.status) {
                plan.key(move_key(&keyed, w, &mv, None));
                plan.write(Planned::Move, move_body(None, w));
            }
        }
        LeadTask::Update {
            lead_id,
            changes,
            previous,
            then_move,
        } => {
            let mut changes = *changes;
            // `if_empty` fields: only where the server holds none (the lead read, as the worker
            // reads it).
            if let Some(client) = plan.client() {
                once::settle_if_empty(client, &lead_id, &mut changes);
            }
            if changes.sends_nothing() {
                let note = once::nothing_to_send(&lead_id, &previous, &changes, &keyed.names);
                return existing_move(plan, &keyed, lead_id, then_move, Outcome::Skipped, note);
            }
            plan.key(update_key(&keyed, &previous, &changes));
            let body = once::update_body(&lead_id, &keyed, &changes);
            plan.write(
                Planned::Update(changes.listed(&keyed.names)),
                body_of("update_lead", &body),
            );
            existing_move(
                plan,
                &keyed,
                lead_id,
                then_move,
                Outcome::Updated,
                String::new(),
            );
        }
        LeadTask::Move {
            lead_id,
            before,
            note,
            mv,
        } => existing_move(plan, &keyed, lead_id, Some(mv), before, note),
    }
}

/// The move of a lead that exists (its outcome so far `before`, with `note`): planned when the
/// read the real run makes first (its status) does not leave it where it is.
fn existing_move(
    plan: &mut dyn PlanSink,
    keyed: &Keyed,
    lead_id: String,
    mv: Option<Move>,
    before: Outcome,
    note: String,
) {
    // An update was planned: the row is that write, whatever the move comes to.
    let left = |plan: &mut dyn PlanSink, lead_id: String, note: String| {
        if before != Outcome::Updated {
            plan.left(before, Some(lead_id), note);
        }
    };
    let (Some(mv), Some(w)) = (mv, &keyed.status) else {
        return left(plan, lead_id, note);
    };
    let seen = match plan
        .client()
        .map(|c| moves::preview(c, keyed, &lead_id, &mv))
    {
        Some(Err(why)) => {
            let note = if note.is_empty() {
                why
            } else {
                format!("{why}; {note}")
            };
            return left(plan, lead_id, note);
        }
        Some(Ok(seen)) => seen,
        None => None,
    };
    plan.key(move_key(keyed, w, &mv, seen));
    plan.write(Planned::Move, move_body(Some(&lead_id), w));
}

/// The body of a status move (`update_status_id` when the cell gave the id); a new lead's id is
/// not known before it is created (`null`).
fn move_body(lead_id: Option<&str>, w: &Wanted) -> Value {
    if w.by_id {
        json!({"action": "update_status_id", "lead_id": lead_id, "status_id": w.id})
    } else {
        json!({"action": "update_status", "lead_id": lead_id, "status": w.name})
    }
}
