//! The end of a run (`deliver::ending`), tested as a run meets it: works delivered through the
//! pipeline to the scripted server, the real ledger, the lead finder, and an observer that holds
//! each work's outcome as a run's results do.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use serde_json::json;

use super::*;
use crate::deliver::ending::{Account, End, Ending, Finished, Unknowns};
use crate::deliver::gate::{self, Gate};
use crate::deliver::pipeline::{Events, Feed, Observer, Pipeline};
use crate::deliver::setting::Concurrency;
use crate::deliver::settle::{Pending, Results, Settled};
use crate::deliver::split::Split;
use crate::deliver::{Counts, Ended, Run};
use crate::lead::window::NewestLeads;

/// One work's outcome, as a worker tells it.
struct Told {
    row: u64,
    outcome: Outcome,
    lead_id: Option<String>,
    pending: Option<Pending>,
}

/// A run's results as an import holds them: each row's outcome, the counts, the unknown works.
#[derive(Default)]
struct Held {
    outcomes: HashMap<u64, Outcome>,
    counts: Counts,
    sent: u64,
    pending: Vec<Pending>,
    created_ids: HashSet<String>,
    fatal: Option<anyhow::Error>,
    released: u32,
    during: Option<(usize, usize)>,
    settled: Option<(Vec<(u64, String)>, usize)>,
    /// What the account was given, and the run report's record of it.
    end: Option<(Counts, u64, bool)>,
    record: Option<crate::report::Ending>,
}

struct Told2<'a> {
    outcomes: &'a mut HashMap<u64, Outcome>,
    counts: &'a mut Counts,
}

impl Told2<'_> {
    fn turn(&mut self, row: u64, to: Outcome) -> bool {
        match self.outcomes.get_mut(&row) {
            Some(o) if *o == Outcome::Unknown => {
                *o = to;
                self.counts.unknown -= 1;
                self.counts.add(to);
                true
            }
            _ => false,
        }
    }
}

impl Results for Told2<'_> {
    fn found(&mut self, row: u64, _id: &str) -> bool {
        self.turn(row, Outcome::Created)
    }
    fn by_other(&mut self, row: u64, _id: &str, _note: String) -> bool {
        self.turn(row, Outcome::Skipped)
    }
    fn unsent(&mut self, row: u64, _note: String) -> bool {
        self.turn(row, Outcome::NotSent)
    }
    fn unanswered_by_others(&mut self, _n: u64) {}
}

impl Observer<Told> for &mut Held {
    fn event(&mut self, t: Told) {
        self.outcomes.insert(t.row, t.outcome);
        self.counts.add(t.outcome);
        self.sent += 1;
        if let Some(id) = t.lead_id {
            self.created_ids.insert(id);
        }
        self.pending.extend(t.pending);
    }
}

impl Account for &mut Held {
    type Results<'a>
        = Told2<'a>
    where
        Self: 'a;

    fn unknowns(&mut self) -> Unknowns<'_, Told2<'_>> {
        Unknowns {
            pending: &mut self.pending,
            created_ids: &self.created_ids,
            created: self.counts.created,
            results: Told2 {
                outcomes: &mut self.outcomes,
                counts: &mut self.counts,
            },
        }
    }

    fn released(&mut self) {
        self.released += 1;
    }

    fn settled_during(&mut self, found: usize, absent: usize) {
        self.during = Some((found, absent));
    }

    fn settled(&mut self, settled: &Settled, looked: usize) {
        self.settled = Some((settled.found.clone(), looked));
    }

    fn fatal(&mut self) -> &mut Option<anyhow::Error> {
        &mut self.fatal
    }

    fn finish(&mut self) -> anyhow::Result<Finished> {
        Ok(Finished {
            counts: self.counts,
            sent: self.sent,
            total: 3,
            stdout_closed: false,
            errors_file: None,
        })
    }

    fn account(self, end: End) -> anyhow::Result<()> {
        self.record = Some(crate::deliver::ending::record(&end));
        self.end = Some((end.finished.counts, end.finished.sent, end.interrupted));
        Ok(())
    }
}

fn one_at_a_time() -> Gate {
    Gate::new(
        gate::Options {
            concurrency: Concurrency::Fixed(1),
            max_concurrency: 1,
            rate: None,
        },
        None,
    )
}

fn listed(leads: serde_json::Value) -> Reply {
    Reply::Answer(200, "", leads.to_string())
}

fn unknown() -> Reply {
    Reply::Answer(500, "", json!({"error": "boom"}).to_string())
}

/// Delivers `leads` (row 1, 2, ...) through the pipeline and ends the run; `interrupted`: as
/// after Ctrl-C, before the end.
fn run_and_end(
    url: &str,
    l: &Ledger,
    leads: &[Keyed],
    interrupted: bool,
    held: &mut Held,
) -> crate::report::Ending {
    let c = client(url);
    let gate = one_at_a_time();
    let stop = AtomicBool::new(false);
    let split = Split::default();
    let flag = Arc::new(AtomicBool::new(false));
    let log = crate::log::Log::new(true, 0, false);
    let end = Ending {
        ledger: Some(l),
        client: &c,
        scope_url: SCOPE,
        gate: &gate,
        interrupted: &flag,
        finder: &NewestLeads,
        recorder: None,
        log: &log,
        started: std::time::Instant::now(),
    };
    let run = Run {
        place: place(l),
        client: &c,
        gate: &gate,
        split: &split,
        stop: &stop,
    };
    let pipeline = Pipeline {
        gate: &gate,
        stop: &stop,
        workers: 1,
        ledger: Some((l, SCOPE)),
    };
    let mut watching = end.watching(&mut *held);
    let ran = pipeline.run(
        |feed: &mut Feed<'_, Row<'_>, Told>| {
            for (i, k) in leads.iter().enumerate() {
                feed.job(Row(i as u64 + 1, k));
            }
        },
        |Row(row, k), slot, events: &Events<Told>| {
            let at = Attempt { row, ..FIRST };
            let Ended::Sent(a) = run.deliver(&work(k), at, None, slot) else {
                panic!("row {row} was not sent");
            };
            let pending = (a.outcome == Outcome::Unknown)
                .then(|| crate::lead::window::pending(row, k, a.claimed.clone(), now_secs()));
            events.send(Told {
                row,
                outcome: a.outcome,
                lead_id: a.answer.map(|l| l.id),
                pending,
            });
        },
        |Row(row, _)| Told {
            row,
            outcome: Outcome::NotSent,
            lead_id: None,
            pending: None,
        },
        &mut watching,
    );
    flag.store(interrupted, Ordering::SeqCst);
    end.end(watching, ran.flushed).expect("the account");
    held.record.take().expect("the run's end recorded")
}

#[test]
fn an_unknown_work_is_settled_at_the_end_recorded_and_counted_as_created() {
    let now = crate::time::format_rfc3339(std::time::SystemTime::now());
    let server = Server::start(vec![
        unknown(),
        // get_leads at the end: the lead the unanswered request made is there.
        listed(json!([{"id": "L-found", "email": "a@x.example", "created_at": now}])),
    ]);
    let dir = tempfile::tempdir().expect("tempdir");
    let l = ledger(&dir);
    let a = lead("a@x.example");
    let mut held = Held::default();
    let record = run_and_end(&server.url, &l, std::slice::from_ref(&a), false, &mut held);
    assert_eq!(
        held.settled,
        Some((vec![(1, "L-found".to_string())], 1)),
        "the end looked for the one unknown work and found it"
    );
    assert_eq!(held.during, None, "nothing was created meanwhile: no batch");
    assert_eq!(held.outcomes[&1], Outcome::Created);
    let counts = Counts {
        created: 1,
        ..Counts::default()
    };
    assert_eq!(held.end.as_ref().map(|e| e.0), Some(counts));
    assert_eq!(held.end.as_ref().map(|e| (e.1, e.2)), Some((1, false)));
    assert_eq!(
        recorded(&l, &a),
        Some((State::Created, Some("L-found".to_string()), None)),
        "recorded as created, so the next run skips it"
    );
    assert_eq!(record.counts["created"], 1);
    assert_eq!(record.counts["unknown"], 0);
    assert_eq!(record.not_reached, 2, "the run meant to go through 3");
    assert!(!record.interrupted);
    assert_eq!(
        server.bodies(),
        [
            body("a@x.example"),
            format!(r#"{{"action":"get_leads","channel_id":"{CHANNEL}"}}"#)
        ]
    );
}

#[test]
fn after_ctrl_c_the_end_settles_nothing_and_says_it_was_interrupted() {
    let server = Server::start(vec![unknown()]);
    let dir = tempfile::tempdir().expect("tempdir");
    let l = ledger(&dir);
    let a = lead("a@x.example");
    let mut held = Held::default();
    let record = run_and_end(&server.url, &l, std::slice::from_ref(&a), true, &mut held);
    assert_eq!(
        held.settled, None,
        "the user wants out: nothing is looked for"
    );
    assert_eq!(held.outcomes[&1], Outcome::Unknown);
    assert_eq!(held.end.as_ref().map(|e| e.2), Some(true));
    assert!(record.interrupted);
    assert_eq!(record.counts["unknown"], 1);
    assert_eq!(recorded(&l, &a).map(|r| r.0), Some(State::Unknown));
    assert_eq!(server.bodies(), [body("a@x.example")], "no read at the end");
}

#[test]
fn an_unknown_work_is_settled_while_the_run_sends_once_a_write_moved_the_window() {
    let now = crate::time::format_rfc3339(std::time::SystemTime::now());
    let server = Server::start(vec![
        // Unknown after a while: the first batch waits a little after the run starts
        // (`Batches::SOON`).
        Reply::After(Duration::from_millis(150), Box::new(unknown())),
        created("L-b"),
        // get_leads in a batch, as soon as a write made after it moved the window.
        listed(json!([
            {"id": "L-b", "email": "b@x.example", "created_at": now},
            {"id": "L-a", "email": "a@x.example", "created_at": now},
        ])),
    ]);
    let dir = tempfile::tempdir().expect("tempdir");
    let l = ledger(&dir);
    let (a, b) = (lead("a@x.example"), lead("b@x.example"));
    let mut held = Held::default();
    run_and_end(&server.url, &l, &[a.clone(), b], false, &mut held);
    assert_eq!(held.during, Some((1, 0)), "found during the run");
    assert_eq!(held.released, 1, "its result released once");
    assert_eq!(held.settled, None, "nothing left for the end");
    assert_eq!(held.outcomes[&1], Outcome::Created);
    assert_eq!(
        recorded(&l, &a),
        Some((State::Created, Some("L-a".to_string()), None))
    );
    assert_eq!(server.bodies().len(), 3, "two creates and one read");
}

/// A job of the test's pipeline: a row and its lead (claimed in its worker's slot).
struct Row<'a>(u64, &'a Keyed);

impl crate::deliver::pipeline::Job for Row<'_> {}
