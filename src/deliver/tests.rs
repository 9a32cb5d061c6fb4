//! The engine's promises, tested where they are made: a real SQLite ledger (a file, so two
//! handles can share it as two runs do) and a scripted HTTP server on 127.0.0.1 that answers
//! each request as the test says (a status and body, no answer, a dropped connection) and keeps
//! every request body. Nothing is mocked: the client is the real one. Its server and helpers
//! serve the tests of the works built on the engine too (`lead::bulk`).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;

use super::claim::Place;
use super::rule::{decide, Decision, Policy, LIVE_CLAIM_SECS};
use super::work::{deliver, Attempt, Delivered, Work};
use super::Outcome;
use crate::api::models::{LeadFields, NewLead};
use crate::api::retry::RetryPolicy;
use crate::api::{ApiClient, ApiError, ClientConfig};
use crate::lead::{CreateLead, Keyed};
use crate::ledger::{now_secs, Ledger, Location, State};
use crate::secret::ApiKey;

mod ending;

pub(crate) const CHANNEL: &str = "c0000001-0000-4000-8000-000000000001";
pub(crate) const SCOPE: &str = "http://127.0.0.1/test";

/// What the scripted server does with one request.
#[derive(Clone)]
pub(crate) enum Reply {
    /// A status, extra header lines (each ending in CRLF) and a body.
    Answer(u16, &'static str, String),
    /// Reads the request and says nothing until the client gives up.
    Silent,
    /// Reads the request and closes the connection without an answer.
    Drop,
    /// Waits this long, then replies.
    After(Duration, Box<Reply>),
}

pub(crate) fn created(id: &str) -> Reply {
    Reply::Answer(
        200,
        "",
        json!({"lead": {"id": id, "channels_id": CHANNEL}}).to_string(),
    )
}

pub(crate) struct Server {
    pub(crate) url: String,
    bodies: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Answers requests in order from `script`; past its end, each is refused with a 400 that
    /// names it unscripted (so a request the test did not expect fails the test's asserts).
    pub(crate) fn start(script: Vec<Reply>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let url = format!("http://{}/", listener.local_addr().expect("local address"));
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let kept = bodies.clone();
        std::thread::spawn(move || {
            let mut script = script.into_iter();
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let Some(body) = read_request(&mut stream) else {
                    continue;
                };
                kept.lock().expect("bodies").push(body);
                let mut reply = script.next().unwrap_or(Reply::Answer(
                    400,
                    "",
                    json!({"error": "unscripted request"}).to_string(),
                ));
                while let Reply::After(wait, then) = reply {
                    std::thread::sleep(wait);
                    reply = *then;
                }
                match reply {
                    Reply::Answer(status, headers, body) => {
                        let head = format!(
                            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n\
                             Content-Length: {}\r\nConnection: close\r\n{headers}\r\n",
                            body.len()
                        );
                        let _ = stream.write_all(head.as_bytes());
                        let _ = stream.write_all(body.as_bytes());
                    }
                    Reply::Silent => std::thread::sleep(Duration::from_millis(1500)),
                    Reply::Drop => drop(stream),
                    Reply::After(..) => {}
                }
            }
        });
        Server { url, bodies }
    }

    pub(crate) fn bodies(&self) -> Vec<String> {
        self.bodies.lock().expect("bodies").clone()
    }
}

/// One request's body (headers read up to the blank line, then Content-Length bytes).
fn read_request(stream: &mut TcpStream) -> Option<String> {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).to_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while data.len() < head_end + length {
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
    }
    Some(String::from_utf8_lossy(&data[head_end..head_end + length]).into_owned())
}

pub(crate) fn client(url: &str) -> ApiClient {
    ApiClient::new(ClientConfig {
        api_url: url.to_string(),
        api_key: Some(ApiKey::new("5a4d1c2b-8e7f-4a3b-9c6d-0e1f2a3b4c5d")),
        timeout: Duration::from_millis(400),
        ca_bundle: None,
        retry: RetryPolicy {
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            ..RetryPolicy::default()
        },
        observer: crate::api::event::Observer::none(),
    })
    .expect("client")
}

pub(crate) fn ledger(dir: &tempfile::TempDir) -> Ledger {
    Ledger::open(&Location::File(dir.path().join("ledger.db"))).expect("ledger")
}

pub(crate) fn lead(email: &str) -> Keyed {
    let lead = NewLead {
        channel_id: CHANNEL.to_string(),
        fields: LeadFields {
            email: Some(email.to_string()),
            ..LeadFields::default()
        },
        properties: Vec::new(),
    };
    Keyed::new(lead, None).expect("a keyed lead")
}

pub(crate) fn work(k: &Keyed) -> CreateLead<'_> {
    CreateLead {
        keyed: k,
        public: false,
        no_id: "no id; it may exist",
    }
}

pub(crate) fn place(ledger: &Ledger) -> Place<'_> {
    Place {
        ledger: Some(ledger),
        scope_url: SCOPE,
        input: "test.csv",
    }
}

pub(crate) const FIRST: Attempt<'static> = Attempt {
    row: 1,
    expect: None,
    previous: None,
    later: false,
};

/// Delivers `w` as the import's workers do (through its measured call).
fn send_once<W: Work>(place: &Place<'_>, w: &W, client: &ApiClient) -> Delivered<W::Answer> {
    deliver(place, w, FIRST, None, |w, fence| {
        w.send(client, &|_, _| {}, fence).0
    })
}

pub(crate) fn body(email: &str) -> String {
    format!(r#"{{"action":"create_lead","channel_id":"{CHANNEL}","email":"{email}"}}"#)
}

pub(crate) fn sent<A>(d: Delivered<A>) -> super::Answered<A> {
    match d {
        Delivered::Sent(a) => a,
        Delivered::Taken(e) => panic!("the claim was lost to {e:?}"),
        Delivered::Unclaimed(f) => panic!("the claim failed: {}", f.message),
        Delivered::Unrenewed => panic!("the claim could not be renewed"),
    }
}

/// The key's state in the ledger, its id and its error.
pub(crate) fn recorded(l: &Ledger, k: &Keyed) -> Option<(State, Option<String>, Option<String>)> {
    l.get(SCOPE, &k.channel, &k.key)
        .expect("ledger read")
        .map(|e| (e.state, e.lead_id, e.error))
}

/// What the next run decides for the key (the rule, no flags).
fn next_run(l: &Ledger, k: &Keyed) -> Decision {
    let e = l.get(SCOPE, &k.channel, &k.key).expect("ledger read");
    decide(e.as_ref(), &k.input(), Policy::default(), now_secs())
}

#[test]
fn a_2xx_with_an_id_is_created_and_recorded_and_the_next_run_skips_it() {
    let server = Server::start(vec![created("L-1")]);
    let dir = tempfile::tempdir().expect("tempdir");
    let l = ledger(&dir);
    let k = lead("a@x.example");
    let a = sent(send_once(&place(&l), &work(&k), &client(&server.url)));
    assert_eq!(a.outcome, Outcome::Created);
    assert_eq!(a.answer.map(|l| l.id).as_deref(), Some("L-1"));
    assert!(a.error.is_none() && a.note.is_none() && !a.stops);
    assert!(a.recorded.is_ok());
    assert_eq!(server.bodies(), [body("a@x.example")]);
    assert_eq!(
        recorded(&l, &k),
        Some((State::Created, Some("L-1".into()), None))
    );
    assert!(matches!(next_run(&l, &k), Decision::Skip { lead_id: Some(id), .. } if id == "L-1"));
}

#[test]
fn a_2xx_without_an_id_proves_nothing_it_is_unknown() {
    let server = Server::start(vec![Reply::Answer(200, "", r#"{"lead":{"id":""}}"#.into())]);
    let dir = tempfile::tempdir().expect("tempdir");
    let l = ledger(&dir);
    let k = lead("a@x.example");
    let a = sent(send_once(&place(&l), &work(&k), &client(&server.url)));
    assert_eq!(a.outcome, Outcome::Unknown);
    assert_eq!(a.note.as_deref(), Some("no id; it may exist"));
    assert_eq!(
        recorded(&l, &k),
        Some((State::Unknown, None, Some("no id; it may exist".into())))
    );
    assert!(matches!(next_run(&l, &k), Decision::Unknown { .. }));
}

#[test]
fn a_4xx_is_failed_recorded_and_not_sent_again_without_retry_failed() {
    let server = Server::start(vec![Reply::Answer(
        400,
        "",
        json!({"error": "email is invalid"}).to_string(),
    )]);
    let dir = tempfile::tempdir().expect("tempdir");
    let l = ledger(&dir);
    let k = lead("a@x.example");
    let a = sent(send_once(&place(&l), &work(&k), &client(&server.url)));
    assert_eq!(a.outcome, Outcome::Failed);
    assert!(!a.stops, "a refusal of one row does not stop the run");
    assert!(matches!(
        a.error,
        Some(ApiError::Rejected { status: 400, .. })
    ));
    let (state, id, error) = recorded(&l, &k).expect("recorded");
    assert_eq!((state, id), (State::Failed, None));
    assert!(error.is_some_and(|e| e.contains("email is invalid")));
    assert!(matches!(next_run(&l, &k), Decision::Failed { .. }));
    let retry = Policy {
        retry_failed: true,
        ..Policy::default()
    };
    let e = l.get(SCOPE, &k.channel, &k.key).expect("read");
    assert!(matches!(
        decide(e.as_ref(), &k.input(), retry, now_secs()),
        Decision::Create {
            expect: Some((State::Failed, _)),
            ..
        }
    ));
    assert_eq!(server.bodies().len(), 1);
}

/// Each answer that may follow processing: unknown, recorded, never sent again on its own.
fn unknown_after(reply: Reply) -> (super::Answered<crate::api::models::Lead>, usize) {
    let server = Server::start(vec![reply]);
    let dir = tempfile::tempdir().expect("tempdir");
    let l = ledger(&dir);
    let k = lead("a@x.example");
    let a = sent(send_once(&place(&l), &work(&k), &client(&server.url)));
    assert_eq!(a.outcome, Outcome::Unknown);
    assert!(!a.stops, "an unknown outcome does not stop the run");
    let (state, id, error) = recorded(&l, &k).expect("recorded");
    assert_eq!((state, id), (State::Unknown, None));
    assert_eq!(error, a.note, "the ledger keeps what was said");
    assert!(matches!(next_run(&l, &k), Decision::Unknown { .. }));
    (a, server.bodies().len())
}

#[test]
fn a_5xx_is_unknown_and_sent_once() {
    let (a, requests) = unknown_after(Reply::Answer(500, "", json!({"error": "boom"}).to_string()));
    assert!(matches!(
        a.error,
        Some(ApiError::Server {
            status: 500,
            unknown: true,
            ..
        })
    ));
    assert_eq!(requests, 1, "a create is never retried after a 5xx");
}

#[test]
fn a_546_worker_limit_is_unknown_and_sent_once() {
    let (a, requests) = unknown_after(Reply::Answer(
        546,
        "sb-error-code: WORKER_LIMIT\r\n",
        String::new(),
    ));
    assert!(matches!(
        a.error,
        Some(ApiError::Server {
            status: 546,
            unknown: true,
            ..
        })
    ));
    assert_eq!(requests, 1);
}

#[test]
fn a_timeout_is_unknown_and_sent_once() {
    let (a, requests) = unknown_after(Reply::Silent);
    assert!(matches!(
        a.error,
        Some(ApiError::Timeout { unknown: true, .. })
    ));
    assert_eq!(requests, 1);
}

#[test]
fn a_dropped_connection_is_unknown_and_sent_once() {
    let (a, requests) = unknown_after(Reply::Drop);
    assert!(
        a.error.as_ref().is_some_and(ApiError::is_unknown_outcome),
        "{:?}",
        a.error
    );
    assert_eq!(requests, 1);
}

#[test]
fn a_429_is_waited_out_and_the_lead_created_once() {
    let server = Server::start(vec![
        Reply::Answer(
            429,
            "Retry-After: 0\r\n",
            json!({"error": "slow down"}).to_string(),
        ),
        created("L-2"),
    ]);
    let dir = tempfile::tempdir().expect("tempdir");
    let l = ledger(&dir);
    let k = lead("a@x.example");
    let heard = std::sync::atomic::AtomicU32::new(0);
    let c = client(&server.url);
    let d = deliver(&place(&l), &work(&k), FIRST, None, |w, fence| {
        let (answer, stats) = w.send(
            &c,
            &|_, _| {
                heard.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            },
            fence,
        );
        assert!(stats.rate_limited);
        assert_eq!(stats.attempts, 2);
        answer
    });
    let a = sent(d);
    assert_eq!(a.outcome, Outcome::Created);
    assert_eq!(heard.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert_eq!(server.bodies(), [body("a@x.example"), body("a@x.example")]);
    assert_eq!(
        recorded(&l, &k),
        Some((State::Created, Some("L-2".into()), None))
    );
}

#[test]
fn a_request_that_never_left_is_released_and_stops_the_run() {
    // A port nothing listens on: the connection is refused before anything is sent.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let dir = tempfile::tempdir().expect("tempdir");
    let l = ledger(&dir);
    let k = lead("a@x.example");
    let url = format!("http://127.0.0.1:{port}/");
    let a = sent(send_once(&place(&l), &work(&k), &client(&url)));
    assert_eq!(a.outcome, Outcome::NotSent);
    assert!(a.stops, "every further row would meet the same");
    assert_eq!(recorded(&l, &k), None, "the claim is released");
    assert!(matches!(
        next_run(&l, &k),
        Decision::Create { expect: None, .. }
    ));
}

#[test]
fn killed_after_the_claim_before_the_request_the_key_is_unknown_not_resent() {
    let server = Server::start(vec![created("L-3")]);
    let dir = tempfile::tempdir().expect("tempdir");
    let k = lead("a@x.example");
    {
        let l = ledger(&dir);
        // The process dies in `send`, before any request: the claim is all that is left.
        let died = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            deliver(
                &place(&l),
                &work(&k),
                FIRST,
                None,
                |_, _| -> Result<_, ApiError> { panic!("killed between claim and request") },
            )
        }));
        assert!(died.is_err());
    }
    let l = ledger(&dir);
    assert_eq!(recorded(&l, &k).map(|r| r.0), Some(State::Sending));
    // A claim moments old may be another run's request in flight: never taken over.
    assert!(matches!(next_run(&l, &k), Decision::Unknown { .. }));
    let retry = Policy {
        retry_unknown: true,
        ..Policy::default()
    };
    let e = l.get(SCOPE, &k.channel, &k.key).expect("read");
    assert!(matches!(
        decide(e.as_ref(), &k.input(), retry, now_secs()),
        Decision::Unknown { .. }
    ));
    // Once old, --retry-unknown takes it over, and only from the state it read.
    let later = now_secs() + LIVE_CLAIM_SECS + 1;
    let Decision::Create { expect, previous } = decide(e.as_ref(), &k.input(), retry, later) else {
        panic!("an old claim is retried with --retry-unknown");
    };
    assert_eq!(expect.map(|e| e.0), Some(State::Sending));
    let at = Attempt {
        expect,
        previous: previous.as_ref(),
        ..FIRST
    };
    let c = client(&server.url);
    let a = sent(deliver(&place(&l), &work(&k), at, None, |w, fence| {
        w.send(&c, &|_, _| {}, fence).0
    }));
    assert_eq!(a.outcome, Outcome::Created);
    assert_eq!(server.bodies().len(), 1, "sent once, by the retry");
}

#[test]
fn killed_after_the_request_before_the_record_the_key_is_unknown_not_resent() {
    let server = Server::start(vec![created("L-4")]);
    let dir = tempfile::tempdir().expect("tempdir");
    let k = lead("a@x.example");
    {
        let l = ledger(&dir);
        let c = client(&server.url);
        let died = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            deliver(&place(&l), &work(&k), FIRST, None, |w, fence| {
                let answer = w.send(&c, &|_, _| {}, fence).0;
                assert!(answer.is_ok());
                panic!("killed between the answer and its record")
            })
        }));
        assert!(died.is_err());
    }
    assert_eq!(server.bodies().len(), 1, "the lead was created");
    let l = ledger(&dir);
    assert_eq!(recorded(&l, &k).map(|r| r.0), Some(State::Sending));
    assert!(matches!(next_run(&l, &k), Decision::Unknown { .. }));
    // Delivering it again without the rule's leave (no expect) loses the claim: never resent.
    let c = client(&server.url);
    let d = send_once(&place(&l), &work(&k), &c);
    assert!(matches!(d, Delivered::Taken(ref e) if e.state == State::Sending));
    assert_eq!(server.bodies().len(), 1);
}

#[test]
fn the_same_key_twice_in_one_input_is_sent_once() {
    let server = Server::start(vec![created("L-5")]);
    let dir = tempfile::tempdir().expect("tempdir");
    let l = ledger(&dir);
    let c = client(&server.url);
    let first = lead("a@x.example");
    // The same key in other letters (emails are keyed lower-cased).
    let second = lead("A@X.example");
    assert_eq!(first.key, second.key);
    assert_eq!(
        sent(send_once(&place(&l), &work(&first), &c)).outcome,
        Outcome::Created
    );
    let Delivered::Taken(current) = send_once(&place(&l), &work(&second), &c) else {
        panic!("the second of one key must lose its claim");
    };
    assert_eq!(current.lead_id.as_deref(), Some("L-5"));
    assert!(matches!(
        super::rule::after_lost_claim(&current, &first.input()),
        Decision::Skip { .. }
    ));
    assert_eq!(server.bodies(), [body("a@x.example")]);
}

#[test]
fn two_engines_sharing_one_ledger_send_each_key_once() {
    const N: usize = 24;
    let script = (0..2 * N).map(|i| created(&format!("L-{i}"))).collect();
    let server = Server::start(script);
    let dir = tempfile::tempdir().expect("tempdir");
    let leads: Vec<Keyed> = (0..N).map(|i| lead(&format!("p{i}@x.example"))).collect();
    let outcomes = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            let (dir, leads, outcomes, url) = (&dir, &leads, &outcomes, &server.url);
            s.spawn(move || {
                let l = ledger(dir);
                let c = client(url);
                for k in leads {
                    let d = send_once(&place(&l), &work(k), &c);
                    let o = match d {
                        Delivered::Sent(a) => a.outcome,
                        Delivered::Taken(_) => Outcome::Skipped,
                        Delivered::Unclaimed(f) => panic!("{}", f.message),
                        Delivered::Unrenewed => panic!("the claim could not be renewed"),
                    };
                    outcomes.lock().expect("outcomes").push(o);
                }
            });
        }
    });
    let outcomes = outcomes.into_inner().expect("outcomes");
    let created = outcomes.iter().filter(|o| **o == Outcome::Created).count();
    let taken = outcomes.iter().filter(|o| **o == Outcome::Skipped).count();
    assert_eq!(
        (created, taken),
        (N, N),
        "each key created by exactly one engine"
    );
    let mut bodies = server.bodies();
    bodies.sort();
    let mut wanted: Vec<String> = (0..N).map(|i| body(&format!("p{i}@x.example"))).collect();
    wanted.sort();
    assert_eq!(bodies, wanted, "every lead sent once, none twice");
    let l = ledger(&dir);
    for k in &leads {
        assert_eq!(recorded(&l, k).map(|r| r.0), Some(State::Created));
    }
}

#[test]
fn without_a_ledger_it_sends_and_remembers_nothing() {
    let server = Server::start(vec![created("L-6")]);
    let k = lead("a@x.example");
    let none = Place {
        ledger: None,
        scope_url: SCOPE,
        input: "test.csv",
    };
    let a = sent(send_once(&none, &work(&k), &client(&server.url)));
    assert_eq!(a.outcome, Outcome::Created);
    assert_eq!(a.claimed.state, State::Sending);
    assert_eq!(server.bodies(), [body("a@x.example")]);
}

/// What a settle reads besides the server: no other ids, no other unsettled keys.
struct NoOthers;

impl crate::lead::window::Others for NoOthers {
    fn known_ids(&self, _: &str) -> std::collections::HashSet<String> {
        Default::default()
    }
    fn unsettled(&self, _: &str) -> Vec<crate::deliver::settle::Pending> {
        Vec::new()
    }
    fn ledger_now(&self) -> Option<i64> {
        None
    }
}

#[test]
fn settle_an_unknown_create_found_among_the_newest_leads_and_leave_one_that_is_not() {
    use crate::lead::window::reconcile;
    let now = crate::time::format_rfc3339(std::time::SystemTime::now());
    let listed = |leads: serde_json::Value| Reply::Answer(200, "", leads.to_string());
    let server = Server::start(vec![
        Reply::Answer(500, "", json!({"error": "boom"}).to_string()),
        Reply::Drop,
        // get_leads: the first lead is there (created by the request that got no answer).
        listed(json!([
            {"id": "L-found", "email": "a@x.example", "created_at": now},
            {"id": "L-else", "email": "z@x.example", "created_at": now},
        ])),
    ]);
    let dir = tempfile::tempdir().expect("tempdir");
    let l = ledger(&dir);
    let c = client(&server.url);
    let (a, b) = (lead("a@x.example"), lead("b@x.example"));
    let mut pending = Vec::new();
    for (row, k) in [(1, &a), (2, &b)] {
        let at = Attempt { row, ..FIRST };
        let answered = sent(deliver(&place(&l), &work(k), at, None, |w, fence| {
            w.send(&c, &|_, _| {}, fence).0
        }));
        assert_eq!(answered.outcome, Outcome::Unknown);
        pending.push(crate::lead::window::pending(
            row,
            k,
            answered.claimed,
            now_secs(),
        ));
    }
    let settled = reconcile(&c, &pending, &NoOthers);
    assert_eq!(settled.found, [(1, "L-found".to_string())]);
    assert!(settled.ambiguous.is_empty() && settled.unreadable.is_empty());
    let bodies = server.bodies();
    assert_eq!(
        bodies[2],
        format!(r#"{{"action":"get_leads","channel_id":"{CHANNEL}"}}"#)
    );
    assert_eq!(bodies.len(), 3, "two creates, each sent once, and one read");
}

#[test]
fn a_claim_another_run_took_over_before_a_retry_is_not_sent_again() {
    let server = Server::start(vec![created("L-7")]);
    let dir = tempfile::tempdir().expect("tempdir");
    let (mine, other) = (ledger(&dir), ledger(&dir));
    let k = lead("a@x.example");
    let c = client(&server.url);
    let d = deliver(&place(&mine), &work(&k), FIRST, None, |w, fence| {
        // The first attempt's fence holds: the claim is renewed and stays this run's.
        assert!(fence(), "a claim of this run is renewed");
        // Meanwhile another run takes the key over from the state it read (a retry of its own).
        let seen = other
            .get(SCOPE, &k.channel, &k.key)
            .expect("read")
            .expect("claimed");
        let theirs = crate::ledger::Entry {
            run: Some(other.run.clone()),
            updated_at: seen.updated_at + 1,
            ..seen.clone()
        };
        let taken = other
            .apply(crate::ledger::Op::Claim {
                entry: theirs,
                expect: Some((State::Sending, seen.updated_at)),
            })
            .expect("claim");
        assert_eq!(taken, crate::ledger::Applied::Claimed);
        // Before this run's retry the fence says no: the call ends unsent.
        if fence() {
            return w.send(&c, &|_, _| {}, fence).0;
        }
        Err(ApiError::Cancelled)
    });
    let Delivered::Taken(current) = d else {
        panic!("a claim lost before a retry is the other run's: {d:?}");
    };
    assert_eq!(current.run.as_deref(), Some(other.run.as_str()));
    assert!(
        server.bodies().is_empty(),
        "nothing sent by the run that lost its claim"
    );
    assert_eq!(
        recorded(&mine, &k).map(|r| r.0),
        Some(State::Sending),
        "the other run's claim is left as it is"
    );
}

fn lead_named(email: &str, first_name: &str) -> Keyed {
    let mut k = lead(email);
    k.lead.fields.first_name = Some(first_name.to_string());
    Keyed::new(k.lead, None).expect("a keyed lead")
}

/// A created key, and what the rule decides for `k` with `--update`.
fn created_then_changed(
    l: &Ledger,
    k: &Keyed,
) -> (String, super::write::Changes, crate::ledger::Entry) {
    let first = Server::start(vec![created("L-1")]);
    sent(send_once(
        &place(l),
        &work(&lead("a@x.example")),
        &client(&first.url),
    ));
    let e = l.get(SCOPE, &k.channel, &k.key).expect("ledger read");
    let policy = Policy {
        update: true,
        ..Policy::default()
    };
    match decide(e.as_ref(), &k.input(), policy, now_secs()) {
        Decision::Update {
            lead_id,
            changes,
            previous,
        } => (lead_id, changes, previous),
        d => panic!("not an update: {d:?}"),
    }
}

#[test]
fn an_update_is_sent_without_a_claim_and_what_the_server_holds_is_recorded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let l = ledger(&dir);
    let k = lead_named("a@x.example", "Ada");
    let (lead_id, changes, previous) = created_then_changed(&l, &k);
    assert_eq!(lead_id, "L-1");
    assert_eq!(changes.send, ["first_name"]);
    let server = Server::start(vec![created("L-1")]);
    let c = client(&server.url);
    let update = crate::lead::once::UpdateLead::new(&k, &lead_id, &changes, &previous);
    let (answer, failed) = super::deliver_update(&place(&l), &update, 2, &previous, |w| {
        // No claim: the key reads `created` while the update is in flight.
        let e = l.get(SCOPE, &k.channel, &k.key).expect("ledger read");
        assert_eq!(e.map(|e| e.state), Some(State::Created));
        w.send(&c, &|_, _| {}, &|| true).0
    })
    .expect("the update is taken");
    assert_eq!(answer.id, "L-1");
    assert!(failed.is_none());
    assert_eq!(
        server.bodies(),
        [r#"{"action":"update_lead","lead_id":"L-1","first_name":"Ada"}"#]
    );
    let e = l
        .get(SCOPE, &k.channel, &k.key)
        .expect("ledger read")
        .expect("an entry");
    assert_eq!(e.state, State::Created);
    assert_eq!(e.via.as_deref(), Some("update"));
    assert_eq!(e.row, Some(2));
    assert_eq!(e.fields, k.fields);
    assert_eq!(e.first_at, previous.first_at);
    assert!(matches!(next_run(&l, &k), Decision::Skip { .. }));
}

#[test]
fn a_refused_update_records_nothing_and_the_next_run_sends_it_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let l = ledger(&dir);
    let k = lead_named("a@x.example", "Ada");
    let (lead_id, changes, previous) = created_then_changed(&l, &k);
    let server = Server::start(vec![Reply::Answer(
        400,
        "",
        json!({"error": "first_name is too long"}).to_string(),
    )]);
    let c = client(&server.url);
    let update = crate::lead::once::UpdateLead::new(&k, &lead_id, &changes, &previous);
    let sent = super::deliver_update(&place(&l), &update, 2, &previous, |w| {
        w.send(&c, &|_, _| {}, &|| true).0
    });
    assert!(
        matches!(sent, Err(ApiError::Rejected { status: 400, .. })),
        "{sent:?}"
    );
    let e = l.get(SCOPE, &k.channel, &k.key).expect("ledger read");
    assert_eq!(e.as_ref(), Some(&previous));
    let policy = Policy {
        update: true,
        ..Policy::default()
    };
    let again = decide(e.as_ref(), &k.input(), policy, now_secs());
    assert!(matches!(again, Decision::Update { .. }), "{again:?}");
}

/// A claim a run made ahead or in its slot and never sent reads as never made once the run is
/// gone; one that took its key over (a retry, `--force`) is noted so before it commits and keeps
/// reading as unknown; one that was sent, too.
#[test]
fn a_gone_runs_notes_tell_its_fresh_unsent_claims_from_taken_over_and_sent_ones() {
    use super::ahead::{self, Ahead};
    use super::claim::{self, Claimed};
    let dir = tempfile::tempdir().unwrap();
    let (fresh, ahead_fresh, forced, sent) = (
        lead("fresh@example.com"),
        lead("ahead@example.com"),
        lead("forced@example.com"),
        lead("sent@example.com"),
    );
    let run;
    {
        let a = ledger(&dir);
        run = a.run.clone();
        let p = place(&a);
        let entry = claim::sending(&p, work(&fresh).target().claim(1, None));
        assert!(matches!(
            claim::claim(&p, entry, None),
            Ok(Claimed::Ours(_))
        ));
        // Made ahead, by the claimer, in one commit with a take-over.
        let earlier = claim::sending(&p, work(&forced).target().claim(3, None));
        assert!(matches!(
            claim::claim(&p, earlier.clone(), None),
            Ok(Claimed::Ours(_))
        ));
        let mut one = Ahead::new(&p, work(&ahead_fresh).target().claim(2, None), None).unwrap();
        let over = Some((State::Sending, earlier.updated_at));
        let mut two =
            Ahead::new(&p, work(&forced).target().claim(3, Some(&earlier)), over).unwrap();
        ahead::claim_all(&a, &mut [&mut one, &mut two]);
        let entry = claim::sending(&p, work(&sent).target().claim(4, None));
        let Ok(Claimed::Ours(claimed)) = claim::claim(&p, entry, None) else {
            panic!("not claimed");
        };
        a.note_sent(&claimed).unwrap();
        // Killed here: its file stays (no clean end). The kill is made below by giving the
        // file's header a process that is gone.
        std::mem::forget(a);
    }
    let path = dir
        .path()
        .join("ledger.db-sent")
        .join(format!("{run}.sent"));
    let text = std::fs::read_to_string(&path).unwrap();
    let (header, body) = text.split_once('\n').unwrap();
    let host = header.split(' ').nth(3).unwrap();
    std::fs::write(&path, format!("leadctl-sent 1 999999999 {host} 1\n{body}")).unwrap();
    let b = ledger(&dir);
    let never = |k: &Keyed| {
        let e = b.get(SCOPE, &k.channel, &k.key).unwrap().unwrap();
        assert_eq!(e.state, State::Sending);
        b.never_sent(&e)
    };
    assert!(never(&fresh), "claimed in its slot, never sent");
    assert!(never(&ahead_fresh), "claimed ahead, never sent");
    assert!(
        !never(&forced),
        "took its key over: what it held is gone, so unknown"
    );
    assert!(!never(&sent), "sent");
}

/// Two runs take one key over (a claim its killed run never sent) within the same second: the
/// first gets it, the second finds it taken, never both (a take-over is dated after the version
/// it replaces, and versions count whole seconds).
#[test]
fn two_take_overs_of_one_claim_in_one_second_never_both_win() {
    use super::claim::{self, Claimed};
    let dir = tempfile::tempdir().unwrap();
    let k = lead("twice@example.com");
    let (s, t) = (ledger(&dir), ledger(&dir));
    let dead = {
        let r = ledger(&dir);
        let p = place(&r);
        let entry = claim::sending(&p, work(&k).target().claim(1, None));
        let Ok(Claimed::Ours(e)) = claim::claim(&p, entry, None) else {
            panic!("not claimed");
        };
        e
    };
    let over = Some((State::Sending, dead.updated_at));
    let mine = |l: &Ledger| claim::sending(&place(l), work(&k).target().claim(1, Some(&dead)));
    let first = claim::claim(&place(&s), mine(&s), over);
    let second = claim::claim(&place(&t), mine(&t), over);
    let Ok(Claimed::Ours(won)) = first else {
        panic!("the first take-over lost");
    };
    assert!(won.updated_at > dead.updated_at);
    match second {
        Ok(Claimed::Taken(current)) => assert_eq!(current.run, won.run),
        _ => panic!("the second take-over won too"),
    }
}
