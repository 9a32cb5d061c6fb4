//! `leadctl sandbox serve`'s fault injection end to end: `--rate-limit`, `--drop-rate`,
//! `--error-rate`, `--boot-error-rate`, `--latency-ms` (and that latency overlaps across
//! connections), and `--seed` repeating a fault sequence.

use std::thread;
use std::time::{Duration, Instant};

use leadctl::sandbox::{API_KEY, PRIMARY_CHANNEL_ID};
use serde_json::json;

use crate::support::raw_http::{self, Conn};
use crate::support::serve::{assert_error, Server};

#[test]
fn rate_limit_answers_429_past_n_requests_a_second() {
    let s = Server::start(&["--rate-limit", "10", "-q"]);
    let mut c = Conn::connect(s.addr).expect("connect");
    let started = Instant::now();
    let mut limited = 0;
    let mut created = 0;
    for i in 0..30 {
        let r = c
            .post_json(Some(API_KEY), &json!({"action": "create_lead", "channel_id": PRIMARY_CHANNEL_ID, "email": format!("{i}@x.example")}))
            .expect("answer");
        match r.status {
            429 => {
                limited += 1;
                assert_eq!(r.header("retry-after"), Some("1"));
                assert_eq!(r.error(), "Rate limit exceeded");
            }
            200 => created += 1,
            other => panic!("unexpected {other}: {}", r.text()),
        }
    }
    let elapsed = started.elapsed();
    // Within one second exactly 10 pass; each extra second of a slow machine lets 10 more.
    let windows = elapsed.as_secs() + 1;
    assert!(
        created <= 10 * windows && created >= 10,
        "{created} created in {elapsed:?}"
    );
    if elapsed < Duration::from_millis(900) {
        assert_eq!(limited, 20);
    }
    assert!(
        limited >= 15 || elapsed >= Duration::from_secs(1),
        "{limited} 429s in {elapsed:?}"
    );
    let stats = s.stats();
    assert_eq!(stats["requests"]["by_status"]["429"], limited);
    assert_eq!(stats["requests"]["by_status"]["200"], created);
    assert_eq!(stats["leads"], created + 1, "429s are not processed");
    // The next window lets requests through again.
    thread::sleep(Duration::from_millis(1100));
    assert_eq!(
        c.post_json(Some(API_KEY), &json!({"action": "get_channels"}))
            .expect("answer")
            .status,
        200
    );
}

#[test]
fn drop_rate_commits_the_create_then_closes_without_answering() {
    let s = Server::start(&["--drop-rate", "1"]);
    let mut c = Conn::connect(s.addr).expect("connect");
    let sent = c.post_json(Some(API_KEY), &json!({"action": "create_lead", "channel_id": PRIMARY_CHANNEL_ID, "email": "ghost@example.com"}));
    assert!(sent.is_err(), "expected no answer, got {sent:?}");
    let stats = s.stats();
    assert_eq!(
        (stats["dropped"].clone(), stats["leads"].clone()),
        (json!(1), json!(2)),
        "{stats}"
    );
    assert_eq!(stats["requests"]["total"], 1);
    assert!(s
        .all_leads()
        .iter()
        .any(|l| l["email"] == "ghost@example.com"));
    // A retry the client cannot tell apart creates a duplicate, as it would for real.
    assert!(raw_http::post_json(s.addr, Some(API_KEY), &json!({"action": "create_lead", "channel_id": PRIMARY_CHANNEL_ID, "email": "ghost@example.com"})).is_err());
    assert_eq!(
        s.stats()["duplicates"]["email"],
        json!(["ghost@example.com"])
    );
    let log = s.stderr_once("without answering");
    assert!(
        log.contains("create_lead 200") && log.contains("without answering"),
        "{log}"
    );
}

#[test]
fn error_rate_answers_500_and_creates_nothing() {
    let s = Server::start(&["--error-rate", "1"]);
    for _ in 0..3 {
        let r = s.post(json!({"action": "create_lead", "channel_id": PRIMARY_CHANNEL_ID, "email": "x@example.com"}));
        assert_error(&r, 500, "Internal server error");
    }
    // Inspection endpoints are never faulted or counted.
    let stats = s.stats();
    assert_eq!(stats["leads"], 1);
    assert_eq!(stats["requests"]["total"], 3);
    assert_eq!(stats["requests"]["by_status"], json!({"500": 3}));
    assert_eq!(stats["requests"]["by_action"], json!({"create_lead": 3}));
}

#[test]
fn boot_error_rate_answers_503_boot_error_and_creates_nothing() {
    let s = Server::start(&["--boot-error-rate", "1"]);
    let r = s.post(json!({"action": "create_lead", "channel_id": PRIMARY_CHANNEL_ID}));
    assert_eq!(r.status, 503);
    assert_eq!(r.header("sb-error-code"), Some("BOOT_ERROR"));
    assert_eq!(
        r.json(),
        json!({"code": "BOOT_ERROR", "message": "Worker failed to boot"})
    );
    let stats = s.stats();
    assert_eq!(
        (
            stats["leads"].clone(),
            stats["requests"]["by_status"].clone()
        ),
        (json!(1), json!({"503": 1}))
    );
}

#[test]
fn latency_delays_api_answers_but_not_inspection() {
    let s = Server::start(&["--latency-ms", "300"]);
    let t = Instant::now();
    assert_eq!(s.post(json!({"action": "get_channels"})).status, 200);
    assert!(
        t.elapsed() >= Duration::from_millis(300),
        "{:?}",
        t.elapsed()
    );
    let t = Instant::now();
    s.stats();
    assert!(
        t.elapsed() < Duration::from_millis(250),
        "stats took {:?}",
        t.elapsed()
    );
    assert!(s
        .stderr_once("Faults: latency 300 ms")
        .contains("Faults: latency 300 ms"));
}

#[test]
fn a_seed_gives_the_same_fault_sequence_twice() {
    let run = || {
        let s = Server::start(&[
            "--seed",
            "42",
            "--error-rate",
            "0.4",
            "--boot-error-rate",
            "0.2",
            "-q",
        ]);
        let mut c = Conn::connect(s.addr).expect("connect");
        (0..40)
            .map(|_| {
                c.post_json(Some(API_KEY), &json!({"action": "get_channels"}))
                    .expect("answer")
                    .status
            })
            .collect::<Vec<u16>>()
    };
    let first = run();
    assert_eq!(first, run());
    for code in [200, 500, 503] {
        assert!(first.contains(&code), "{code} missing from {first:?}");
    }
}

/// 16 keep-alive connections against 20 ms latency: the server must overlap the waits.
/// Serialized, 400 requests would take 8 s; overlapped, about 0.5 s.
#[test]
#[allow(clippy::print_stderr)]
fn sixteen_connections_with_latency_are_served_concurrently() {
    let s = Server::start(&["--latency-ms", "20", "-q"]);
    let addr = s.addr;
    let started = Instant::now();
    let workers: Vec<_> = (0..16)
        .map(|w| {
            thread::spawn(move || {
                let mut c = Conn::connect(addr).expect("connect");
                for i in 0..25 {
                    let r = c
                        .post_json(Some(API_KEY), &json!({"action": "create_lead", "channel_id": PRIMARY_CHANNEL_ID, "email": format!("w{w}-{i}@x.example")}))
                        .expect("answer");
                    assert_eq!(r.status, 200);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("worker");
    }
    let elapsed = started.elapsed();
    let rate = 400.0 / elapsed.as_secs_f64();
    eprintln!("sandbox: 400 creates over 16 connections with 20 ms latency in {elapsed:?} ({rate:.0} requests/s)");
    assert!(
        elapsed < Duration::from_secs(4),
        "{elapsed:?}: the server serializes requests"
    );
    let stats = s.stats();
    assert_eq!(stats["leads_by_channel"][PRIMARY_CHANNEL_ID], 400);
    assert_eq!(stats["duplicates"]["email"], json!([]));
    let legacy: std::collections::HashSet<u64> = s
        .all_leads()
        .iter()
        .filter_map(|l| l["legacy_id"].as_u64())
        .collect();
    assert_eq!(legacy.len(), 401, "every lead has its own legacy id");
}
