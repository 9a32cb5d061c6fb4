//! A plan's writes sent through the engine's pipeline (`deliver::pipeline`): its reader asks
//! the ledger whether each row's writes still apply (`write::check`, in the plan's order) and
//! hands the rest of the row to the workers as one job, each worker sends a row's writes in order
//! (a create, then its lead's move) in the request slot the gate gives it, and the apply's
//! account hears each row's results (and puts them in the plan's order). A stop (Ctrl-C, a fatal error) ends the taking of
//! rows; those in flight finish and record.

use std::ops::Range;
use std::sync::atomic::Ordering;

use super::applying::Applying;
use super::write::{check, send, Checked, Fate, Ready};
use crate::deliver::gate::Slot;
use crate::deliver::pipeline::{Events, Feed, Observer, Pipeline};
use crate::error::Failure;
use crate::output::results::RowResult;
use crate::saved_plan::Write;

/// The writes of one row, in order (a create and its lead's move; an update and its move): one
/// worker sends them one after another.
pub(super) fn groups(writes: &[Write]) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::new();
    for (i, w) in writes.iter().enumerate() {
        match out.last_mut() {
            Some(g) if writes[g.start].row == w.row && writes[g.start].channel == w.channel => {
                g.end = i + 1
            }
            _ => out.push(i..i + 1),
        }
    }
    out
}

/// What one group came to.
pub(super) struct Done {
    /// The group's place in the plan.
    pub group: usize,
    pub results: Vec<(RowResult, Fate)>,
    /// What stops the apply after this group.
    pub stop: Option<anyhow::Error>,
}

/// The rest of a row for a worker: from its first write the ledger let through.
struct Job {
    group: usize,
    /// That write, and what the ledger said of it.
    from: usize,
    ready: Ready,
    end: usize,
    /// The results of the row's writes before it (not sent).
    before: Vec<(RowResult, Fate)>,
    /// The lead the row's create made (or had), for its move.
    made: Option<String>,
}

impl crate::deliver::pipeline::Job for Job {}

/// Sends the groups through the pipeline with as many workers as the gate may reach;
/// `observer` hears each group's results on this thread as they come (`account` puts them in the
/// plan's order). Returns the ledger's flush of the records queued for a later commit.
pub(super) fn send_all(
    ctx: &Applying<'_>,
    writes: &[Write],
    groups: &[Range<usize>],
    observer: &mut impl Observer<Done>,
) -> Option<Result<(), Failure>> {
    let pipeline = Pipeline {
        gate: ctx.gate,
        stop: ctx.stop,
        workers: ctx.gate.workers().clamp(1, groups.len().max(1)),
        ledger: Some((ctx.ledger, ctx.place.scope_url)),
    };
    let ran = pipeline.run(
        |feed: &mut Feed<'_, Job, Done>| read(ctx, writes, groups, feed),
        |job: Job, slot, events: &Events<Done>| {
            let done = send_rest(ctx, writes, job, slot);
            if done.stop.is_some() {
                // No worker takes another row (every one would meet the same).
                ctx.stop.store(true, Ordering::SeqCst);
            }
            events.send(done);
        },
        // A row the stop met before its turn: not reached (what the ledger said of its writes
        // before it is told all the same).
        |job: Job| Done {
            group: job.group,
            results: job.before,
            stop: None,
        },
        observer,
    );
    ran.flushed
}

/// The reader: each group's writes asked of the ledger in order, until one still applies; the
/// rest of the group goes to a worker.
fn read(
    ctx: &Applying<'_>,
    writes: &[Write],
    groups: &[Range<usize>],
    feed: &mut Feed<'_, Job, Done>,
) {
    for (group, g) in groups.iter().enumerate() {
        if ctx.stop.load(Ordering::SeqCst) {
            return;
        }
        let mut before = Vec::new();
        let mut made: Option<String> = None;
        let mut job = None;
        for i in g.clone() {
            let w = &writes[i];
            match check(ctx, w) {
                Ok(Checked::Settled(r, fate)) => {
                    if w.action == "create_lead" {
                        made.clone_from(&r.lead_id);
                    }
                    before.push((r, fate));
                }
                Ok(Checked::Go(ready)) => {
                    job = Some((i, ready));
                    break;
                }
                Err(e) => {
                    ctx.stop.store(true, Ordering::SeqCst);
                    feed.send(Done {
                        group,
                        results: before,
                        stop: Some(e),
                    });
                    return;
                }
            }
        }
        let open = match job {
            Some((from, ready)) => feed.job(Job {
                group,
                from,
                ready,
                end: g.end,
                before,
                made,
            }),
            None => feed.send(Done {
                group,
                results: before,
                stop: None,
            }),
        };
        if !open {
            return;
        }
    }
}

/// A row's writes from the first the ledger let through, in order, the first in the worker's
/// slot; the lead a create made is the one its move moves.
fn send_rest(ctx: &Applying<'_>, writes: &[Write], job: Job, slot: Slot<'_>) -> Done {
    let Job {
        group,
        from,
        ready,
        end,
        mut before,
        mut made,
    } = job;
    let mut slot = Some(slot);
    let mut ready = Some(ready);
    for w in &writes[from..end] {
        let checked = match ready.take() {
            // An update takes no claim: the ledger is asked again right before it is sent, so
            // an update another run made since the reader asked is stale, not overwritten (the
            // reader's answer may be a queue and a `--rate` wait old). A claimed write's claim
            // compares what the reader saw.
            Some(_) if w.action == "update_lead" => check(ctx, w),
            Some(r) => Ok(Checked::Go(r)),
            None => check(ctx, w),
        };
        let one = checked.and_then(|c| match c {
            Checked::Settled(r, fate) => Ok((r, fate, None)),
            Checked::Go(r) => send(ctx, w, r, made.as_deref(), &mut slot),
        });
        match one {
            Ok((r, fate, stop)) => {
                if w.action == "create_lead" {
                    made.clone_from(&r.lead_id);
                }
                before.push((r, fate));
                if stop.is_some() {
                    return Done {
                        group,
                        results: before,
                        stop,
                    };
                }
            }
            Err(e) => {
                return Done {
                    group,
                    results: before,
                    stop: Some(e),
                }
            }
        }
    }
    Done {
        group,
        results: before,
        stop: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::saved_plan::Expect;

    fn write(action: &str, row: u64, channel: &str) -> Write {
        Write {
            action: action.into(),
            channel: channel.into(),
            key: format!("business_id:B-{row}"),
            hash: "h".into(),
            fields: Default::default(),
            row,
            expect: Expect::absent(),
            body: serde_json::json!({"action": action}),
        }
    }

    #[test]
    fn a_rows_writes_are_one_group_in_the_plans_order() {
        let writes = [
            write("update_lead", 3, "c1"),
            write("update_status", 4, "c1"),
            write("create_lead", 6, "c1"),
            write("update_status", 6, "c1"),
            // The same row of another channel (a purchases plan's lines): a group of its own.
            write("create_lead", 6, "c2"),
            write("create_lead", 7, "c1"),
        ];
        assert_eq!(groups(&writes), [0..1, 1..2, 2..4, 4..5, 5..6]);
        assert_eq!(groups(&[]), Vec::<Range<usize>>::new());
    }
}
