//! One group commit's batch against the store, and what a lost connection does to it: the
//! claims fail at once (a row whose claim did not commit is never sent, and the run stops), the
//! outcomes are tried again a few times as the connection comes back (a PostgreSQL server
//! restarting, a network blip), so the answers the run has are not lost.

use std::time::Duration;

use super::{Applied, Op, Store};

/// A write's result: the error's text and whether the connection was lost.
pub(super) type Written = Result<Applied, (String, bool)>;

/// The waits before each further try of the outcomes of a batch that lost its connection
/// (about 15 s in all, plus each reconnect's own timeout).
const RETRY_WAITS_MS: [u64; 6] = [250, 500, 1000, 2000, 4000, 7000];

/// Applies `ops` in one transaction; on a lost connection, the claims fail and the rest is
/// applied again once the store connects.
pub(super) fn commit(store: &mut dyn Store, ops: &[Op]) -> Vec<Written> {
    let error = match store.apply(ops) {
        Ok(applied) => {
            return (0..ops.len())
                .map(|i| {
                    applied
                        .get(i)
                        .cloned()
                        .ok_or_else(|| ("a write got no result".to_string(), false))
                })
                .collect()
        }
        Err(e) => e,
    };
    let lost = store.lost_connection();
    let mut results: Vec<Written> = vec![Err((error.clone(), lost)); ops.len()];
    if !lost {
        return results;
    }
    let rest: Vec<usize> = (0..ops.len())
        .filter(|&i| !matches!(ops[i], Op::Claim { .. }))
        .collect();
    let mut again: Vec<Op> = rest.iter().map(|&i| ops[i].clone()).collect();
    // A claim whose commit may have landed before the connection went (its answer lost): its
    // row is not sent, so the claim is undone once the connection is back, rather than left to
    // read as `sending` (unknown) to every later run.
    let undo: Vec<Op> = ops
        .iter()
        .filter_map(|op| match op {
            Op::Claim {
                entry,
                expect: None,
            } => Some(Op::Release {
                entry: entry.clone(),
                previous: None,
            }),
            _ => None,
        })
        .collect();
    if again.is_empty() && undo.is_empty() {
        return results;
    }
    again.extend(undo);
    for wait in RETRY_WAITS_MS {
        std::thread::sleep(Duration::from_millis(wait));
        match store.apply(&again) {
            Ok(applied) => {
                for (n, &i) in rest.iter().enumerate() {
                    results[i] = applied
                        .get(n)
                        .cloned()
                        .ok_or_else(|| ("a write got no result".to_string(), false));
                }
                return results;
            }
            Err(e) => {
                let lost = store.lost_connection();
                for &i in &rest {
                    results[i] = Err((e.clone(), lost));
                }
                if !lost {
                    break;
                }
            }
        }
    }
    results
}
