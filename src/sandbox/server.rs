//! The sandbox's network side: the accept loop (one thread per connection), routing, fault
//! injection, request statistics, the `/__sandbox/*` inspection endpoints and `--state` saves.
//!
//! Concurrency rules: latency sleeps happen with no lock held; the data lock is held only to
//! run one action (microseconds) or to copy the data for a save; saves are serialized by their
//! own lock and coalesced, so 16 concurrent creates need not write 16 files. Statistics have
//! their own lock. Every lock is taken with [`lock`], which survives poisoning.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::actions;
use super::data::{Data, View};
use super::http::{self, ParseError, Request, Response};
use super::persist;
use super::API_PATH;

/// How long an idle keep-alive connection is kept. Longer than reqwest's pool idle timeout
/// (90 s), so the client closes first and never reuses a connection the server just closed.
const IDLE_TIMEOUT: Duration = Duration::from_secs(300);

/// Locks a mutex; a poisoned one (a thread panicked while holding it) is used anyway, as
/// every critical section leaves the data consistent.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What the fault injector decided for one API request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    None,
    /// 429 + `Retry-After: 1`, not processed.
    RateLimited,
    /// 503 + `sb-error-code: BOOT_ERROR`, not processed.
    BootError,
    /// 500, not processed.
    ServerError,
    /// Processed and committed, then the connection is closed without an answer.
    Drop,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct FaultConfig {
    pub error_rate: f64,
    pub rate_limit: Option<u32>,
    pub drop_rate: f64,
    pub boot_error_rate: f64,
    pub seed: Option<u64>,
}

/// Fault decisions. Every API request draws exactly three numbers from the generator (boot,
/// error, drop), whatever the rates and the rate limiter say, so with `--seed` the n-th
/// request always meets the same fate.
pub(crate) struct Faults {
    cfg: FaultConfig,
    rng: Mutex<fastrand::Rng>,
    /// Start of the current one-second window and the requests let through in it.
    window: Mutex<(Instant, u32)>,
}

impl Faults {
    pub fn new(cfg: FaultConfig) -> Self {
        let rng = cfg
            .seed
            .map_or_else(fastrand::Rng::new, fastrand::Rng::with_seed);
        Faults {
            cfg,
            rng: Mutex::new(rng),
            window: Mutex::new((Instant::now(), 0)),
        }
    }

    pub fn decide(&self, now: Instant) -> Fault {
        let (boot, error, drop) = {
            let mut rng = lock(&self.rng);
            (rng.f64(), rng.f64(), rng.f64())
        };
        if let Some(limit) = self.cfg.rate_limit {
            let mut w = lock(&self.window);
            if now.saturating_duration_since(w.0) >= Duration::from_secs(1) {
                *w = (now, 0);
            }
            if w.1 >= limit {
                return Fault::RateLimited;
            }
            w.1 += 1;
        }
        if boot < self.cfg.boot_error_rate {
            Fault::BootError
        } else if error < self.cfg.error_rate {
            Fault::ServerError
        } else if drop < self.cfg.drop_rate {
            Fault::Drop
        } else {
            Fault::None
        }
    }
}

/// Request counters for `/__sandbox/stats`: every request except `/__sandbox/*` ones,
/// including malformed (400), faulted and unknown-path requests. `total` = sum of
/// `by_status` + `dropped`. `by_action` counts API-path POSTs by their `action`, `(none)` when
/// the body has no readable action.
#[derive(Debug, Default)]
struct Stats {
    total: u64,
    by_status: BTreeMap<String, u64>,
    by_action: BTreeMap<String, u64>,
    dropped: u64,
}

/// The data and a counter of mutations, under one lock.
struct Store {
    data: Data,
    version: u64,
}

pub(crate) struct ServerConfig {
    pub latency: Duration,
    pub faults: FaultConfig,
    pub state: Option<PathBuf>,
    pub log_requests: bool,
}

pub(crate) struct Shared {
    cfg: ServerConfig,
    store: Mutex<Store>,
    /// The mutation version last written to `--state`, `None` before the first write
    /// (saves are serialized by this lock).
    saved: Mutex<Option<u64>>,
    stats: Mutex<Stats>,
    faults: Faults,
    stopping: AtomicBool,
    /// Open connections, so that shutdown can wake threads blocked in a read.
    conns: Mutex<HashMap<u64, TcpStream>>,
    next_conn: AtomicU64,
    /// Connection threads still running, for a bounded wait at shutdown.
    active: Mutex<usize>,
    idle: Condvar,
}

/// What to do with a request.
enum Reply {
    Respond(Response),
    /// Close the connection without answering (`--drop-rate`).
    Drop(u16),
}

struct Handled {
    reply: Reply,
    action: Option<String>,
    /// Counted in the statistics (everything but `/__sandbox/*`).
    counted: bool,
}

impl Shared {
    /// `in_sync`: `data` was just loaded from `--state`, so the file needs no write yet.
    pub fn new(cfg: ServerConfig, data: Data, in_sync: bool) -> Self {
        let faults = Faults::new(cfg.faults.clone());
        Shared {
            cfg,
            store: Mutex::new(Store { data, version: 0 }),
            saved: Mutex::new(in_sync.then_some(0)),
            stats: Mutex::new(Stats::default()),
            faults,
            stopping: AtomicBool::new(false),
            conns: Mutex::new(HashMap::new()),
            next_conn: AtomicU64::new(0),
            active: Mutex::new(0),
            idle: Condvar::new(),
        }
    }

    fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// Writes the data to `--state` unless a save at least as new as `version` already
    /// happened (another thread's save covered this mutation: group commit).
    pub fn persist(&self, version: u64) -> io::Result<()> {
        let Some(path) = &self.cfg.state else {
            return Ok(());
        };
        let mut saved = lock(&self.saved);
        if saved.is_some_and(|s| s >= version) {
            return Ok(());
        }
        let (snapshot, current) = {
            let store = lock(&self.store);
            (store.data.to_persisted(), store.version)
        };
        persist::save_atomic(path, &persist::encode(&snapshot))?;
        *saved = Some(current);
        Ok(())
    }

    /// Saves the current data unless the file already has it (at start and at shutdown).
    pub fn persist_now(&self) -> io::Result<()> {
        let version = lock(&self.store).version;
        self.persist(version)
    }

    fn handle(&self, req: &Request) -> Handled {
        let path = req.path();
        if let Some(rest) = path.strip_prefix("/__sandbox/") {
            return Handled {
                reply: Reply::Respond(self.inspect(&req.method, rest)),
                action: None,
                counted: false,
            };
        }
        if path != API_PATH {
            // What Supabase answers for a function that does not exist (e.g. the old URL).
            let body = json!({"code": "NOT_FOUND", "message": "Requested function was not found"});
            let resp = Response::json(404, &body).with_header("sb-error-code", "NOT_FOUND");
            return Handled {
                reply: Reply::Respond(resp),
                action: None,
                counted: true,
            };
        }
        if req.method != "POST" {
            let resp =
                Response::error(405, "Method not allowed: use POST").with_header("Allow", "POST");
            return Handled {
                reply: Reply::Respond(resp),
                action: None,
                counted: true,
            };
        }
        let body = actions::parse_body(&req.body);
        let action = Some(
            body.as_ref()
                .ok()
                .and_then(actions::action_of)
                .unwrap_or("(none)")
                .to_string(),
        );
        if !self.cfg.latency.is_zero() {
            thread::sleep(self.cfg.latency);
        }
        let reply = match self.faults.decide(Instant::now()) {
            Fault::RateLimited => Reply::Respond(
                Response::error(429, "Rate limit exceeded").with_header("Retry-After", "1"),
            ),
            Fault::BootError => {
                let body = json!({"code": "BOOT_ERROR", "message": "Worker failed to boot"});
                Reply::Respond(
                    Response::json(503, &body).with_header("sb-error-code", "BOOT_ERROR"),
                )
            }
            Fault::ServerError => Reply::Respond(Response::error(500, "Internal server error")),
            fault @ (Fault::None | Fault::Drop) => {
                let key = req.header("x-api-key");
                let (outcome, version) = {
                    let mut store = lock(&self.store);
                    let outcome = actions::dispatch(&mut store.data, key, &body);
                    if outcome.mutated {
                        store.version += 1;
                    }
                    (outcome, store.version)
                };
                if outcome.mutated {
                    if let Err(e) = self.persist(version) {
                        // An error, so printed even when the request log is off.
                        let _ = writeln!(
                            io::stderr().lock(),
                            "sandbox: cannot save the state file: {e}"
                        );
                        let resp = Response::error(
                            500,
                            "Internal server error: the sandbox could not save its state file",
                        );
                        return Handled {
                            reply: Reply::Respond(resp),
                            action,
                            counted: true,
                        };
                    }
                }
                if fault == Fault::Drop {
                    Reply::Drop(outcome.status)
                } else {
                    Reply::Respond(Response::json(outcome.status, &outcome.body))
                }
            }
        };
        Handled {
            reply,
            action,
            counted: true,
        }
    }

    fn record(&self, status: Option<u16>, action: Option<&str>) {
        let mut s = lock(&self.stats);
        s.total += 1;
        match status {
            Some(code) => *s.by_status.entry(code.to_string()).or_default() += 1,
            None => s.dropped += 1,
        }
        if let Some(a) = action {
            *s.by_action.entry(a.to_string()).or_default() += 1;
        }
    }

    /// `/__sandbox/*`: never faulted, delayed or counted.
    fn inspect(&self, method: &str, what: &str) -> Response {
        match (method, what) {
            ("GET", "stats") => Response::json(200, &self.stats_json()),
            ("GET", "leads") => {
                let store = lock(&self.store);
                let leads: Vec<Value> =
                    store.data.leads.iter().map(|l| store.data.lead_json(l, View::Inspect)).collect();
                Response::json(200, &Value::Array(leads))
            }
            ("GET", "purchases") => {
                let store = lock(&self.store);
                let list: Vec<Value> = store.data.purchases.iter().map(Data::purchase_json).collect();
                Response::json(200, &Value::Array(list))
            }
            ("POST", "reset") => {
                {
                    let mut store = lock(&self.store);
                    store.data = Data::seeded();
                    store.version += 1;
                }
                *lock(&self.stats) = Stats::default();
                match self.persist_now() {
                    Ok(()) => Response::json(200, &json!({"reset": true})),
                    Err(e) => Response::error(500, &format!("reset, but could not save the state file: {e}")),
                }
            }
            (_, "stats" | "leads" | "purchases" | "reset") => {
                Response::error(405, "Method not allowed").with_header("Allow", if what == "reset" { "POST" } else { "GET" })
            }
            _ => Response::error(
                404,
                "Unknown sandbox endpoint: use GET /__sandbox/stats, /__sandbox/leads, /__sandbox/purchases or POST /__sandbox/reset",
            ),
        }
    }

    pub fn stats_json(&self) -> Value {
        let (leads, by_channel, purchases, dup_business, dup_email) = {
            let store = lock(&self.store);
            let d = &store.data;
            let by_channel: serde_json::Map<String, Value> = d
                .channels
                .iter()
                .map(|c| {
                    (
                        c.id.to_string(),
                        json!(d.leads.iter().filter(|l| l.channels_id == c.id).count()),
                    )
                })
                .collect();
            let dup_business = duplicates(d.leads.iter().filter_map(|l| l.business_id.clone()));
            let dup_email = duplicates(
                d.leads
                    .iter()
                    .filter_map(|l| l.email.as_deref().map(|e| e.trim().to_lowercase())),
            );
            (
                d.leads.len(),
                by_channel,
                d.purchases.len(),
                dup_business,
                dup_email,
            )
        };
        let s = lock(&self.stats);
        json!({
            "leads": leads,
            "leads_by_channel": by_channel,
            "purchases": purchases,
            "requests": {"total": s.total, "by_status": s.by_status, "by_action": s.by_action},
            "dropped": s.dropped,
            "duplicates": {"business_id": dup_business, "email": dup_email},
        })
    }

    fn log(&self, args: std::fmt::Arguments<'_>) {
        if self.cfg.log_requests {
            let _ = writeln!(io::stderr().lock(), "sandbox: {args}");
        }
    }
}

/// Values (non-empty) seen more than once, sorted.
fn duplicates(values: impl Iterator<Item = String>) -> Vec<String> {
    let mut seen: BTreeMap<String, u32> = BTreeMap::new();
    for v in values.filter(|v| !v.is_empty()) {
        *seen.entry(v).or_default() += 1;
    }
    seen.into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(v, _)| v)
        .collect()
}

/// Accepts connections until `stopping` is set (and a connection wakes the loop).
pub(crate) fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for conn in listener.incoming() {
        if shared.stopping() {
            break;
        }
        let stream = match conn {
            Ok(s) => s,
            Err(e) => {
                // E.g. out of file descriptors: back off instead of spinning.
                shared.log(format_args!("accept failed: {e}"));
                thread::sleep(Duration::from_millis(50));
                continue;
            }
        };
        let id = shared.next_conn.fetch_add(1, Ordering::Relaxed);
        if let Ok(clone) = stream.try_clone() {
            lock(&shared.conns).insert(id, clone);
        }
        *lock(&shared.active) += 1;
        let for_thread = Arc::clone(&shared);
        let spawned = thread::Builder::new()
            .name(format!("sandbox-conn-{id}"))
            .spawn(move || {
                let _guard = ConnGuard {
                    shared: &for_thread,
                    id,
                };
                serve_connection(&for_thread, stream);
            });
        if let Err(e) = spawned {
            shared.log(format_args!("cannot start a connection thread: {e}"));
            lock(&shared.conns).remove(&id);
            *lock(&shared.active) -= 1;
            shared.idle.notify_all();
        }
    }
}

/// Unregisters a connection when its thread ends, however it ends.
struct ConnGuard<'a> {
    shared: &'a Shared,
    id: u64,
}

impl Drop for ConnGuard<'_> {
    fn drop(&mut self) {
        lock(&self.shared.conns).remove(&self.id);
        let mut active = lock(&self.shared.active);
        *active = active.saturating_sub(1);
        self.shared.idle.notify_all();
    }
}

/// Stops accepting, wakes idle connections and waits (at most `grace`) for requests in
/// flight to be answered.
pub(crate) fn stop(
    shared: &Shared,
    addr: SocketAddr,
    accept: thread::JoinHandle<()>,
    grace: Duration,
) {
    shared.stopping.store(true, Ordering::SeqCst);
    // The accept loop is blocked in accept(): a connection of our own wakes it.
    let _ = TcpStream::connect_timeout(&addr, Duration::from_secs(1));
    let _ = accept.join();
    for s in lock(&shared.conns).values() {
        // Only the read side: a request being processed still gets its answer.
        let _ = s.shutdown(Shutdown::Read);
    }
    let deadline = Instant::now()
        .checked_add(grace)
        .unwrap_or_else(Instant::now);
    let mut active = lock(&shared.active);
    while *active > 0 {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        active = shared
            .idle
            .wait_timeout(active, left)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
    }
}

fn serve_connection(shared: &Shared, stream: TcpStream) {
    // Without TCP_NODELAY, Nagle + delayed ACK add ~40 ms to every keep-alive request.
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(IDLE_TIMEOUT));
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = &stream;
    loop {
        if shared.stopping() {
            break;
        }
        let req = match http::read_request(&mut reader, &mut writer) {
            Ok(Some(req)) => req,
            Ok(None) | Err(ParseError::Io) => break,
            Err(ParseError::Reject { status, message }) => {
                shared.record(Some(status), None);
                let _ = Response::error(status, &format!("Bad request: {message}")).write_to(
                    &mut writer,
                    false,
                    false,
                );
                shared.log(format_args!("- - - {status} (bad request: {message})"));
                linger_and_close(&stream);
                break;
            }
        };
        let started = Instant::now();
        let handled = shared.handle(&req);
        let keep_alive = req.keep_alive() && !shared.stopping();
        let status = match &handled.reply {
            Reply::Respond(r) => Some(r.status),
            Reply::Drop(_) => None,
        };
        // Counted before the answer leaves, so a client that reads /__sandbox/stats right
        // after its answer sees its own request.
        if handled.counted {
            shared.record(status, handled.action.as_deref());
        }
        let written = match &handled.reply {
            Reply::Respond(resp) => resp.write_to(&mut writer, keep_alive, req.method == "HEAD"),
            Reply::Drop(_) => {
                let _ = stream.shutdown(Shutdown::Both);
                Ok(())
            }
        };
        let action = handled.action.as_deref().unwrap_or("-");
        let ms = started.elapsed().as_millis();
        match &handled.reply {
            Reply::Respond(r) => {
                shared.log(format_args!("{} {} {action} {} {ms}ms", req.method, req.path(), r.status));
            }
            Reply::Drop(s) => shared.log(format_args!(
                "{} {} {action} {s} {ms}ms (processed, then dropped the connection without answering)",
                req.method,
                req.path()
            )),
        }
        if written.is_err() || !keep_alive || matches!(handled.reply, Reply::Drop(_)) {
            break;
        }
    }
}

/// After an error answer: stop sending, read (and discard) what the client still sends for a
/// moment, so that closing does not reset the connection before the client read the answer.
fn linger_and_close(stream: &TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
    let mut buf = [0u8; 4096];
    let mut total = 0usize;
    let mut s = stream;
    while total < 64 * 1024 {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => total += n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn faults(cfg: FaultConfig) -> Faults {
        Faults::new(cfg)
    }

    #[test]
    fn rate_limit_uses_one_second_windows() {
        let f = faults(FaultConfig {
            rate_limit: Some(3),
            ..Default::default()
        });
        let t0 = Instant::now();
        let got: Vec<Fault> = (0..5).map(|_| f.decide(t0)).collect();
        assert_eq!(
            got,
            [
                Fault::None,
                Fault::None,
                Fault::None,
                Fault::RateLimited,
                Fault::RateLimited
            ]
        );
        assert_eq!(
            f.decide(t0 + Duration::from_millis(999)),
            Fault::RateLimited
        );
        assert_eq!(f.decide(t0 + Duration::from_millis(1000)), Fault::None);
    }

    #[test]
    fn rates_of_zero_and_one_are_never_and_always() {
        let never = faults(FaultConfig::default());
        assert!((0..1000).all(|_| never.decide(Instant::now()) == Fault::None));
        for (cfg, want) in [
            (
                FaultConfig {
                    boot_error_rate: 1.0,
                    error_rate: 1.0,
                    drop_rate: 1.0,
                    ..Default::default()
                },
                Fault::BootError,
            ),
            (
                FaultConfig {
                    error_rate: 1.0,
                    drop_rate: 1.0,
                    ..Default::default()
                },
                Fault::ServerError,
            ),
            (
                FaultConfig {
                    drop_rate: 1.0,
                    ..Default::default()
                },
                Fault::Drop,
            ),
        ] {
            let f = faults(cfg);
            assert!(
                (0..100).all(|_| f.decide(Instant::now()) == want),
                "{want:?}"
            );
        }
    }

    #[test]
    fn a_seed_repeats_the_fault_sequence() {
        let cfg = FaultConfig {
            error_rate: 0.3,
            drop_rate: 0.3,
            boot_error_rate: 0.1,
            seed: Some(7),
            ..Default::default()
        };
        let run = || {
            let f = faults(cfg.clone());
            (0..200)
                .map(|_| f.decide(Instant::now()))
                .collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run());
        for kind in [
            Fault::None,
            Fault::BootError,
            Fault::ServerError,
            Fault::Drop,
        ] {
            assert!(a.contains(&kind), "{kind:?} should occur in 200 draws");
        }
        let other = faults(FaultConfig {
            seed: Some(8),
            ..cfg
        });
        assert_ne!(
            a,
            (0..200)
                .map(|_| other.decide(Instant::now()))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn duplicates_lists_values_seen_twice() {
        let v = ["b", "a", "b", "", "", "c", "a", "a"].map(String::from);
        assert_eq!(duplicates(v.into_iter()), ["a", "b"]);
    }
}
