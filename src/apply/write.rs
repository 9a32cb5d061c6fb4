//! One planned write: sent only while the ledger still says what the plan expected of its key
//! (else `done` by this plan before, or `stale`: another run wrote it since), through the
//! engine's one claim → send → record step (`deliver::deliver`); an update as the import's,
//! without a claim (`update_lead` may be repeated); a move that read the lead's status when
//! planned reads it again.

use std::time::{Duration, Instant};

use anyhow::Result;

use super::applying::Applying;
use crate::api::retry::Mode;
use crate::api::{ApiClient, ApiError, CallStats};
use crate::deliver::gate::Slot;
use crate::deliver::{
    classify, deliver, deliver_update, Attempt, Delivered, Outcome, Target, Work,
};
use crate::error::Failure;
use crate::identity;
use crate::ledger::{Entry, Op, State};
use crate::output::results::RowResult;
use crate::saved_plan::Write;

/// What became of one write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fate {
    Sent,
    /// Its key moved on since the plan (another run).
    Stale,
    /// This plan was applied before.
    Done,
    /// Not sent, and not for either of those (stopped, its lead not made).
    Held,
}

type One = (RowResult, Fate, Option<anyhow::Error>);

/// What the ledger says of a write before anything is sent.
pub(super) enum Checked {
    /// Not sent: done by this plan before, or stale.
    Settled(RowResult, Fate),
    /// The ledger still says what the plan expected: send it.
    Go(Ready),
}

/// A write the ledger let through: the state its claim takes over, and the key's entry.
pub(super) struct Ready {
    expect: Option<(State, i64)>,
    current: Option<Box<Entry>>,
}

/// Whether the ledger still says what the plan expected of the write's key (and, for a create,
/// whether the channel's newest leads hold it already). Reads the ledger and the channel's
/// newest leads once; sends nothing.
pub(super) fn check(ctx: &Applying<'_>, w: &Write) -> Result<Checked> {
    let expect = w
        .expect
        .claim()
        .map_err(|why| Failure::input(format!("row {}: {why}", w.row)))?;
    if w.action == "create_lead" && expect.is_none() {
        // The channel's newest leads read (for `on_server`) and the channel settled first, as
        // the plan's dry run decided it: a claim a killed run never sent is released before the
        // key is read.
        ctx.known.ensure(
            &w.channel,
            ctx.client,
            ctx.ledger,
            ctx.place.scope_url,
            ctx.warn,
        )?;
    }
    let current = ctx.ledger.get(ctx.place.scope_url, &w.channel, &w.key)?;
    // Written by this plan (an earlier apply): done, whatever it came to.
    let ours = current
        .as_ref()
        .is_some_and(|e| e.input.as_deref() == Some(ctx.label));
    if ours || !w.expect.holds(current.as_ref()) {
        let (r, fate) = moved_on(w, current.as_ref(), ctx.label);
        return Ok(Checked::Settled(r, fate));
    }
    if let Some((r, fate)) = on_server(ctx, w, expect.is_none())? {
        return Ok(Checked::Settled(r, fate));
    }
    Ok(Checked::Go(Ready {
        expect,
        current: current.map(Box::new),
    }))
}

/// Delivers one write the ledger let through ([`check`]); the error (third) stops the run after
/// this write (every further one would meet the same). `made`: the lead the row's create made in
/// this apply (what a new lead's move moves). `slot`: the request slot the worker holds, taken
/// when the write is sent (else one is taken from the gate); a write not sent leaves it for the
/// next.
pub(super) fn send(
    ctx: &Applying<'_>,
    w: &Write,
    ready: Ready,
    made: Option<&str>,
    slot: &mut Option<Slot<'_>>,
) -> Result<One> {
    let Ready { expect, current } = ready;
    let current = current.map(|e| *e);
    let lead_id = match lead_of(ctx, w, made)? {
        Ok(id) => id,
        Err(r) => return Ok((r, Fate::Held, None)),
    };
    if let Some(id) = &lead_id {
        if let Some(r) = status_since(ctx, w, id, current.as_ref())? {
            return Ok(r);
        }
    }
    let Some(slot) = slot.take().or_else(|| ctx.gate.take(ctx.stop)) else {
        let r = result(
            w,
            Outcome::NotSent,
            lead_id,
            Some("stopped before it was sent".into()),
        );
        return Ok((r, Fate::Held, None));
    };
    let on_429 = ctx.gate.on_429();
    let mut fields = w.request_fields();
    if let (Some(id), Some(map)) = (&lead_id, fields.as_object_mut()) {
        if map.contains_key("lead_id") {
            map.insert("lead_id".into(), id.clone().into());
        }
    }
    let work = Planned {
        w,
        fields,
        lead_id: lead_id.clone(),
    };
    if w.action == "update_lead" {
        let Some(previous) = current else {
            return Err(Failure::input(format!("row {}: an update of no lead", w.row)).into());
        };
        return Ok(update(ctx, &work, &previous, slot, &on_429));
    }
    let at = Attempt {
        row: w.row,
        expect,
        previous: current.as_ref(),
        later: false,
    };
    let delivered = deliver(&ctx.place, &work, at, None, |work, may_retry| {
        let (answer, stats) = work.send(ctx.client, &on_429, may_retry);
        slot.done(&answer, &stats);
        answer
    });
    let a = match delivered {
        Delivered::Taken(e) => {
            let (r, fate) = moved_on(w, Some(&e), ctx.label);
            return Ok((r, fate, None));
        }
        Delivered::Unclaimed(f) => return Err(f.into()),
        // The claim could not be renewed before a retry: released, and the apply stops.
        Delivered::Unrenewed => {
            let r = result(
                w,
                Outcome::NotSent,
                None,
                Some("not sent again: the ledger could not renew its claim".into()),
            );
            let stop = Failure::config(
                "the ledger could not be written before a retry, so the apply stopped",
            );
            return Ok((r, Fate::Held, Some(stop.into())));
        }
        Delivered::Sent(a) => a,
    };
    let id = a
        .answer
        .as_ref()
        .and_then(|x| work.id_of(x))
        .map(str::to_string)
        .or(lead_id);
    let stop = a.stops.then(|| {
        let e: anyhow::Error = match a.error {
            Some(e) => e.into(),
            None => anyhow::anyhow!("the server stopped the apply"),
        };
        e
    });
    if let Err(f) = a.recorded {
        let r = result(w, Outcome::Unknown, id, Some(f.message.clone()));
        return Ok((r, Fate::Sent, Some(f.into())));
    }
    let outcome = match (a.outcome, w.action.as_str()) {
        (Outcome::Created, "update_status" | "update_status_id") => Outcome::Moved,
        (o, _) => o,
    };
    Ok((result(w, outcome, id, a.note), Fate::Sent, stop))
}

/// The lead a move moves: its body's, or (a new lead's, `null` in the plan) the one the row's
/// create made, in this apply or an earlier one. `Err`: none, the move's result.
fn lead_of(
    ctx: &Applying<'_>,
    w: &Write,
    made: Option<&str>,
) -> Result<Result<Option<String>, RowResult>> {
    if !matches!(w.action.as_str(), "update_status" | "update_status_id") {
        return Ok(Ok(None));
    }
    if let Some(id) = w.body.get("lead_id").and_then(|v| v.as_str()) {
        return Ok(Ok(Some(id.to_string())));
    }
    if let Some(id) = made {
        return Ok(Ok(Some(id.to_string())));
    }
    let lead_key = w.key.strip_prefix("status:").unwrap_or(&w.key);
    let lead = ctx.ledger.get(ctx.place.scope_url, &w.channel, lead_key)?;
    Ok(match lead.filter(|e| e.state == State::Created) {
        Some(e) if e.lead_id.is_some() => Ok(e.lead_id),
        _ => Err(result(
            w,
            Outcome::Skipped,
            None,
            Some("not moved: its lead was not created (see the row's create); not sent".into()),
        )),
    })
}

/// A move planned after reading the lead's status: read again. A lead at the status already is
/// recorded as there (not sent); a lead moved since the plan is stale (not sent).
fn status_since(
    ctx: &Applying<'_>,
    w: &Write,
    lead_id: &str,
    current: Option<&Entry>,
) -> Result<Option<One>> {
    let Some(seen) = &w.expect.status else {
        return Ok(None);
    };
    let now = match ctx.client.get_lead_by_id(lead_id) {
        Ok(lead) => crate::lead::moves::status_id_of(&lead).unwrap_or_default(),
        Err(e) => {
            let stops = e.stops_batch();
            let r = result(
                w,
                if stops {
                    Outcome::NotSent
                } else {
                    Outcome::Failed
                },
                Some(lead_id.to_string()),
                Some(format!("reading its status before moving it: {e}")),
            );
            return Ok(Some((r, Fate::Held, stops.then(|| anyhow::Error::new(e)))));
        }
    };
    let wanted = w
        .fields
        .get("status_id")
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    if now.eq_ignore_ascii_case(wanted) {
        ctx.ledger
            .apply(Op::Put(found_on_server(ctx, w, lead_id, current)))?;
        let r = result(
            w,
            Outcome::Skipped,
            Some(lead_id.to_string()),
            Some("stale: the lead is at this status already (moved since the plan was made); not sent".into()),
        );
        return Ok(Some((r, Fate::Stale, None)));
    }
    if !now.eq_ignore_ascii_case(seen) {
        let r = result(
            w,
            Outcome::Skipped,
            Some(lead_id.to_string()),
            Some(
                "stale: the lead's status changed since the plan was made; not moved (make a \
                 new plan to decide it again)"
                    .into(),
            ),
        );
        return Ok(Some((r, Fate::Stale, None)));
    }
    Ok(None)
}

/// `update_lead` through the engine's one update step (`deliver::deliver_update`: repeatable,
/// no claim, as an import's update), recorded after its answer with the values the plan
/// computed.
fn update(
    ctx: &Applying<'_>,
    work: &Planned<'_>,
    previous: &Entry,
    slot: Slot<'_>,
    on_429: &dyn Fn(Instant, Duration),
) -> One {
    let w = work.w;
    let lead_id = previous.lead_id.clone().or_else(|| {
        w.body
            .get("lead_id")
            .and_then(|v| v.as_str())
            .map(str::to_string)
    });
    let delivered = deliver_update(&ctx.place, work, w.row, previous, |work| {
        let (answer, stats) = work.send(ctx.client, on_429, &|| true);
        slot.done(&answer, &stats);
        answer
    });
    match delivered {
        Ok((_, None)) => (result(w, Outcome::Updated, lead_id, None), Fate::Sent, None),
        Ok((_, Some(f))) => (
            result(
                w,
                Outcome::Updated,
                lead_id,
                Some(format!(
                    "updated, but the ledger could not record it: {}",
                    f.message
                )),
            ),
            Fate::Sent,
            Some(f.into()),
        ),
        Err(e) => {
            let stops = classify(&e).1;
            let r = result(
                w,
                Outcome::Failed,
                lead_id,
                Some(format!("update_lead: {e}")),
            );
            (r, Fate::Sent, stops.then(|| anyhow::Error::new(e)))
        }
    }
}

/// A lead create whose lead is among its channel's newest leads on the server (another tool or
/// a machine without this ledger created it since the plan): recorded as created (`via`
/// server, as an import records it) and not sent. Only for a key the ledger does not hold.
fn on_server(ctx: &Applying<'_>, w: &Write, absent: bool) -> Result<Option<(RowResult, Fate)>> {
    if w.action != "create_lead" || !absent {
        return Ok(None);
    }
    // The channel's newest leads were read (and the channel settled) by `check`.
    let text = |name: &str| w.fields.get(name).and_then(|v| v.as_str());
    let mut keys = vec![w.key.clone()];
    keys.extend(
        identity::server_keys(text("business_id"), text("email"))
            .into_iter()
            .filter(|k| *k != w.key),
    );
    let Some(id) = ctx.known.lead_with(&w.channel, &keys) else {
        return Ok(None);
    };
    ctx.ledger
        .apply(Op::PutIfAbsent(found_on_server(ctx, w, &id, None)))?;
    let note = format!(
        "stale: exists on the server as {id} (found among the channel's newest leads, created \
         since the plan was made); not sent"
    );
    Ok(Some((
        result(w, Outcome::Skipped, Some(id), Some(note)),
        Fate::Stale,
    )))
}

/// The entry of a write the server was found to hold already as `lead_id` (done without
/// sending), over its key's earlier entry `previous`.
fn found_on_server(
    ctx: &Applying<'_>,
    w: &Write,
    lead_id: &str,
    previous: Option<&Entry>,
) -> Entry {
    crate::deliver::claim::found(
        &ctx.place,
        crate::deliver::claim::Claim {
            channel: &w.channel,
            key: &w.key,
            hash: &w.hash,
            fields: &w.fields,
            lead_id: Some(lead_id),
            row: w.row,
            previous,
        },
        "server",
    )
}

/// What a write does, for messages: "created", "updated", "moved".
fn verb(w: &Write) -> &'static str {
    match w.action.as_str() {
        "update_lead" => "updated",
        "update_status" | "update_status_id" => "moved",
        "create_purchase" => "recorded",
        _ => "created",
    }
}

/// A write not sent because its key is no longer what the plan expected: done by this plan
/// before (its outcome then), or stale (another run moved it on).
fn moved_on(w: &Write, current: Option<&Entry>, label: &str) -> (RowResult, Fate) {
    let Some(e) = current else {
        return (
            result(
                w,
                Outcome::Skipped,
                None,
                Some(
                    "stale: the ledger no longer holds the entry this write was planned \
                     against; not sent (make a new plan)"
                        .into(),
                ),
            ),
            Fate::Stale,
        );
    };
    let id = e.lead_id.clone();
    let shown = id.as_deref().unwrap_or("an unknown id").to_string();
    let day = crate::deliver::rule::day_of(e);
    let did = verb(w);
    if e.input.as_deref() == Some(label) && e.hash == w.hash {
        let (outcome, note) = match e.state {
            State::Created => (
                Outcome::Skipped,
                match did {
                    "created" => {
                        format!("done: this plan created it as {shown} on {day}; not sent again")
                    }
                    _ => format!("done: this plan {did} {shown} on {day}; not sent again"),
                },
            ),
            State::Failed => (
                Outcome::Failed,
                format!(
                    "done: this plan sent it on {day} and the server refused it ({}); not sent \
                     again (fix the row and make a new plan)",
                    e.error.as_deref().unwrap_or("no reason given")
                ),
            ),
            State::Sending | State::Unknown => (
                Outcome::Unknown,
                format!(
                    "done: this plan sent it on {day} without a reliable answer; it may exist \
                     (not sent again: check it, then import the file with --reconcile)"
                ),
            ),
        };
        return (result(w, outcome, id, Some(note)), Fate::Done);
    }
    let what = match (e.state, did) {
        (State::Created, "updated") => format!("changed as {shown} on {day}"),
        (State::Created, "moved") => format!("moved on {day}"),
        (State::Created, _) => format!("created as {shown} on {day}"),
        (State::Failed, _) => format!("sent and refused on {day}"),
        (State::Sending | State::Unknown, _) => {
            format!("sent on {day} without a reliable answer (it may exist)")
        }
    };
    let note = format!(
        "stale: {what} by another run since the plan was made; not sent (make a new plan to \
         decide it again)"
    );
    (result(w, Outcome::Skipped, id, Some(note)), Fate::Stale)
}

fn result(w: &Write, outcome: Outcome, lead_id: Option<String>, note: Option<String>) -> RowResult {
    RowResult {
        lead_id,
        error: note,
        key: Some(w.key.clone()),
        ..RowResult::new(w.row, outcome)
    }
}

/// A planned write as a work of the engine: its key and values from the plan, its body sent as
/// saved (a new lead's move with the id its create got).
struct Planned<'a> {
    w: &'a Write,
    /// The body without its `action` (the client puts it first again, as saved).
    fields: serde_json::Value,
    /// The lead a move moves.
    lead_id: Option<String>,
}

impl Work for Planned<'_> {
    /// The id of the lead or purchase it made (a move: the lead's).
    type Answer = String;

    fn target(&self) -> Target<'_> {
        Target {
            channel: &self.w.channel,
            key: &self.w.key,
            hash: &self.w.hash,
            fields: &self.w.fields,
            lead_id: self.lead_id.as_deref(),
        }
    }

    fn send(
        &self,
        client: &ApiClient,
        on_429: &dyn Fn(Instant, Duration),
        may_retry: &dyn Fn() -> bool,
    ) -> (Result<String, ApiError>, CallStats) {
        match self.w.action.as_str() {
            "create_purchase" => {
                let (r, stats) = client.create_purchase_fenced(&self.fields, on_429, may_retry);
                (r.map(|p| p.id), stats)
            }
            "update_status" | "update_status_id" => {
                let mut stats = CallStats::default();
                let r = client.call_fenced(
                    &self.w.action,
                    &self.fields,
                    Mode::Once,
                    &mut stats,
                    (on_429, may_retry),
                );
                // Any answer proves the move: the lead is the one it was sent for.
                (r.map(|_| self.lead_id.clone().unwrap_or_default()), stats)
            }
            // Repeatable: it sets the same values again.
            "update_lead" => {
                let mut stats = CallStats::default();
                let r = client.call_fenced(
                    "update_lead",
                    &self.fields,
                    Mode::Repeatable,
                    &mut stats,
                    (on_429, may_retry),
                );
                (r.map(|_| self.lead_id.clone().unwrap_or_default()), stats)
            }
            _ => {
                let (r, stats) = client.create_lead_saved_fenced(&self.fields, on_429, may_retry);
                (r.map(|l| l.id), stats)
            }
        }
    }

    fn id_of<'a>(&'a self, answer: &'a String) -> Option<&'a str> {
        Some(answer)
    }
}
