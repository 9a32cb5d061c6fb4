//! A lead of a bulk run sent in a worker's slot (`send`), against the engine's scripted server on
//! 127.0.0.1 and a real SQLite ledger (`deliver::tests`): what each answer comes to, the error
//! that stops the run told by the first lead to meet it only, and a key another run holds.

use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::json;

use super::{send, Bulk, LeadTask, Told};
use crate::deliver::gate::{self, Gate};
use crate::deliver::setting::Concurrency;
use crate::deliver::split::Split;
use crate::deliver::tests::{
    body, client, created, lead, ledger, place, recorded, sent, work, Reply, Server, FIRST,
};
use crate::deliver::{deliver, Outcome, Policy, Work};
use crate::lead::known::{Fresh, Known};
use crate::lead::Keyed;
use crate::ledger::{Ledger, State};

fn gate() -> Gate {
    Gate::new(
        gate::Options {
            concurrency: Concurrency::Fixed(2),
            max_concurrency: 2,
            rate: None,
        },
        None,
    )
}

const CREATE: fn() -> LeadTask = || LeadTask::Create {
    expect: None,
    previous: None,
    then_move: None,
    ahead: None,
};

/// Sends `k` (row `row`) as a create in a slot of `g`, as a worker does.
fn create(
    url: &str,
    l: &Ledger,
    g: &Gate,
    stop: &AtomicBool,
    row: u64,
    k: &Keyed,
) -> (Told, Option<anyhow::Error>) {
    let c = client(url);
    let known = Known::new(Fresh::Go, false);
    let split = Split::default();
    let warn = |_: &str| {};
    let b = Bulk {
        place: place(l),
        client: &c,
        known: &known,
        gate: g,
        split: &split,
        stop,
        warn: &warn,
        policy: Policy::default(),
        dry: false,
    };
    // The slot was taken before the run stopped (if it did).
    let slot = g.take(&AtomicBool::new(false)).expect("a request slot");
    let told = send(&b, row, k, CREATE(), slot);
    // Outcomes are queued for the next commit (the pipeline flushes them at its end).
    l.flush().expect("the ledger's records written");
    told
}

#[test]
fn a_created_lead_is_told_with_its_id_and_recorded() {
    let server = Server::start(vec![created("L-1")]);
    let dir = tempfile::tempdir().expect("tempdir");
    let l = ledger(&dir);
    let k = lead("a@x.example");
    let (told, stop) = create(&server.url, &l, &gate(), &AtomicBool::new(false), 1, &k);
    assert_eq!(told.outcome, Outcome::Created);
    assert_eq!(told.lead_id.as_deref(), Some("L-1"));
    assert!(!told.replayed && told.pending.is_none() && stop.is_none());
    assert_eq!(
        recorded(&l, &k),
        Some((State::Created, Some("L-1".to_string()), None))
    );
    assert_eq!(server.bodies(), [body("a@x.example")]);
}

#[test]
fn a_lead_without_a_reliable_answer_is_unknown_with_what_settling_needs() {
    let server = Server::start(vec![Reply::Answer(
        500,
        "",
        json!({"error": "boom"}).to_string(),
    )]);
    let dir = tempfile::tempdir().expect("tempdir");
    let l = ledger(&dir);
    let k = lead("a@x.example");
    let (told, stop) = create(&server.url, &l, &gate(), &AtomicBool::new(false), 7, &k);
    assert_eq!(told.outcome, Outcome::Unknown);
    assert!(!told.replayed, "sent by this run");
    let pending = told.pending.expect("what settling needs");
    assert_eq!((pending.row, pending.key.as_str()), (7, k.key.as_str()));
    assert!(stop.is_none(), "a 5xx does not stop the run");
    assert_eq!(recorded(&l, &k).map(|r| r.0), Some(State::Unknown));
}

#[test]
fn an_answer_every_lead_would_meet_stops_the_run_told_by_the_first_lead_only() {
    let refused = || Reply::Answer(401, "", json!({"error": "bad key"}).to_string());
    let server = Server::start(vec![refused(), refused()]);
    let dir = tempfile::tempdir().expect("tempdir");
    let l = ledger(&dir);
    let (g, stop) = (gate(), AtomicBool::new(false));
    let (a, b) = (lead("a@x.example"), lead("b@x.example"));
    let (first, first_stop) = create(&server.url, &l, &g, &stop, 1, &a);
    assert_eq!(first.outcome, Outcome::NotSent);
    assert!(
        first_stop.is_some(),
        "the first lead to meet it stops the run"
    );
    assert!(stop.load(Ordering::SeqCst));
    // A lead already in a worker when the run stopped meets it too: said once.
    let (second, second_stop) = create(&server.url, &l, &g, &AtomicBool::new(true), 2, &b);
    assert_eq!(second.outcome, Outcome::NotSent);
    assert!(second_stop.is_none(), "the run's error is reported once");
    assert_eq!(
        recorded(&l, &a),
        None,
        "a request refused unread leaves no key"
    );
}

#[test]
fn a_key_another_run_is_sending_is_not_sent_and_stays_unknown_for_settling() {
    let server = Server::start(vec![created("L-9")]);
    let dir = tempfile::tempdir().expect("tempdir");
    let (mine, theirs) = (ledger(&dir), ledger(&dir));
    let k = lead("a@x.example");
    let c = client(&server.url);
    // The other run holds the claim while this run's worker meets the same key.
    let other = sent(deliver(
        &place(&theirs),
        &work(&k),
        FIRST,
        None,
        |w, fence| {
            let (told, stop) = create(&server.url, &mine, &gate(), &AtomicBool::new(false), 3, &k);
            assert_eq!(told.outcome, Outcome::Unknown);
            assert!(told.replayed, "decided without sending");
            assert!(
                told.note
                    .as_deref()
                    .is_some_and(|n| n.contains("claimed it first")),
                "{:?}",
                told.note
            );
            assert_eq!(told.pending.map(|p| p.row), Some(3));
            assert!(stop.is_none());
            w.send(&c, &|_, _| {}, fence).0
        },
    ));
    assert_eq!(other.outcome, Outcome::Created);
    assert_eq!(
        server.bodies(),
        [body("a@x.example")],
        "sent once, by the other run"
    );
}
