//! A plan's writes sent by workers through the engine's gate (`--concurrency`, `--rate`): a
//! row's writes in order by one worker, the results handed back in the plan's order; a stop
//! (Ctrl-C, a fatal error) ends the taking of writes, and those in flight finish.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use super::applying::Applying;
use super::write::{apply_one, Fate};
use crate::import::report::RowResult;
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
    pub results: Vec<(RowResult, Fate)>,
    /// What stops the apply after this group.
    pub stop: Option<anyhow::Error>,
}

/// Runs the groups on as many workers as the gate may reach; `on_done` hears each group's
/// results on this thread, in the plan's order.
pub(super) fn send_all(
    ctx: &Applying<'_>,
    writes: &[Write],
    groups: &[Range<usize>],
    mut on_done: impl FnMut(Done),
) {
    let workers = ctx.controller.config().max.clamp(1, groups.len().max(1));
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<(usize, Done)>();
    std::thread::scope(|s| {
        for _ in 0..workers {
            let tx = tx.clone();
            let next = &next;
            s.spawn(move || loop {
                if ctx.stop.load(Ordering::SeqCst) {
                    return;
                }
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(g) = groups.get(i) else { return };
                let done = apply_group(ctx, &writes[g.clone()]);
                if done.stop.is_some() {
                    // No worker takes another write (every one would meet the same).
                    ctx.stop.store(true, Ordering::SeqCst);
                }
                if tx.send((i, done)).is_err() {
                    return;
                }
            });
        }
        drop(tx);
        // In the plan's order: a group waits for the ones before it.
        let mut waiting: BTreeMap<usize, Done> = BTreeMap::new();
        let mut due = 0;
        for (i, done) in rx {
            waiting.insert(i, done);
            while let Some(done) = waiting.remove(&due) {
                on_done(done);
                due += 1;
            }
        }
        // Groups after one that never came (a worker stopped): in order all the same.
        for (_, done) in waiting {
            on_done(done);
        }
    });
}

/// A row's writes, in order; the lead a create made is the one its move moves.
fn apply_group(ctx: &Applying<'_>, writes: &[Write]) -> Done {
    let mut results = Vec::new();
    let mut made: Option<String> = None;
    for w in writes {
        match apply_one(ctx, w, made.as_deref()) {
            Ok((r, fate, stop)) => {
                if w.action == "create_lead" {
                    made.clone_from(&r.lead_id);
                }
                results.push((r, fate));
                if stop.is_some() {
                    return Done { results, stop };
                }
            }
            Err(e) => {
                return Done {
                    results,
                    stop: Some(e),
                }
            }
        }
    }
    Done {
        results,
        stop: None,
    }
}
