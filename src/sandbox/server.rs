//! The sandbox's network side: the accept loop (one thread per connection), routing, applying
//! the faults `faults` decides, counting requests into `stats`, the `/__sandbox/*` inspection
//! endpoints and `--state` saves. `load` admits API requests (`--overload-at`) and hands out
//! processing slots (`--capacity`).
//!
//! Concurrency rules: latency sleeps happen with no lock held (a `--capacity` slot is not a
//! lock: it is taken and given back under the load's own short-lived one); the data lock is
//! held only to run one action (microseconds) or to copy the data for a save; saves are
//! serialized by their own lock and coalesced, so 16 concurrent creates need not write 16
//! files. Statistics have their own lock. Every lock is taken with [`lock`], which survives
//! poisoning.

use std::collections::HashMap;
use std::io::{self, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::actions;
use super::data::Data;
use super::faults::{Fault, FaultConfig, Faults};
use super::http::{self, ParseError, Request, Response};
use super::load::{self, Admission, Load, LoadConfig};
use super::lock;
use super::persist;
use super::shapes::View;
use super::stats::{Counts, Stats};
use super::API_PATH;

/// How long an idle keep-alive connection is kept. Longer than reqwest's pool idle timeout
/// (90 s), so the client closes first and never reuses a connection the server just closed.
const IDLE_TIMEOUT: Duration = Duration::from_secs(300);

/// The data and a counter of mutations, under one lock.
struct Store {
    data: Data,
    version: u64,
}

pub(crate) struct ServerConfig {
    pub latency: Duration,
    pub faults: FaultConfig,
    pub load: LoadConfig,
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
    load: Load,
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
    /// Said in the request log after the status.
    note: Option<&'static str>,
}

impl Shared {
    /// `in_sync`: `data` was just loaded from `--state`, so the file needs no write yet.
    pub fn new(cfg: ServerConfig, data: Data, in_sync: bool) -> Self {
        let faults = Faults::new(cfg.faults.clone());
        let load = Load::new(cfg.load);
        Shared {
            cfg,
            store: Mutex::new(Store { data, version: 0 }),
            saved: Mutex::new(in_sync.then_some(0)),
            stats: Mutex::new(Stats::default()),
            faults,
            load,
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
                note: None,
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
                note: None,
            };
        }
        if req.method != "POST" {
            let resp =
                Response::error(405, "Method not allowed: use POST").with_header("Allow", "POST");
            return Handled {
                reply: Reply::Respond(resp),
                action: None,
                counted: true,
                note: None,
            };
        }
        self.api(req)
    }

    /// A POST on the API path: the overload rule, a processing slot, then [`Self::process`].
    fn api(&self, req: &Request) -> Handled {
        let body = actions::parse_body(&req.body);
        let action = Some(
            body.as_ref()
                .ok()
                .and_then(actions::action_of)
                .unwrap_or("(none)")
                .to_string(),
        );
        let in_flight = self.load.arrive();
        let (reply, note) = match in_flight.admission {
            Admission::RefusedBefore => (
                Reply::Respond(load::worker_limit()),
                Some("WORKER_LIMIT before processing"),
            ),
            admission => {
                let reply = {
                    let _slot = self.load.slot();
                    self.process(req, &body)
                };
                if admission == Admission::RefusedAfter {
                    // Whatever processing decided (an answer, a fault, a drop) becomes the 546.
                    let note = Some("WORKER_LIMIT after processing: outcome unknown");
                    (Reply::Respond(load::worker_limit()), note)
                } else {
                    (reply, None)
                }
            }
        };
        drop(in_flight);
        Handled {
            reply,
            action,
            counted: true,
            note,
        }
    }

    /// What a processing slot covers: the latency (the service time), the fault draw, then the
    /// action.
    fn process(
        &self,
        req: &Request,
        body: &Result<serde_json::Map<String, Value>, actions::ApiError>,
    ) -> Reply {
        if !self.cfg.latency.is_zero() {
            thread::sleep(self.cfg.latency);
        }
        match self.faults.decide(Instant::now()) {
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
                self.run_action(req.header("x-api-key"), body, fault == Fault::Drop)
            }
        }
    }

    /// Runs the action under the data lock, saves `--state` if it changed anything, and
    /// answers (or, for `--drop-rate`, withholds the answer).
    fn run_action(
        &self,
        key: Option<&str>,
        body: &Result<serde_json::Map<String, Value>, actions::ApiError>,
        drop: bool,
    ) -> Reply {
        let (outcome, version) = {
            let mut store = lock(&self.store);
            let outcome = actions::dispatch(&mut store.data, key, body);
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
                return Reply::Respond(Response::error(
                    500,
                    "Internal server error: the sandbox could not save its state file",
                ));
            }
        }
        if drop {
            Reply::Drop(outcome.status)
        } else {
            Reply::Respond(Response::json(outcome.status, &outcome.body))
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
                self.load.reset();
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

    /// How many service times the API requests in flight need (see [`Load::waves`]).
    pub fn waves(&self) -> u32 {
        self.load.waves()
    }

    pub fn stats_json(&self) -> Value {
        let counts = Counts::of(&lock(&self.store).data);
        lock(&self.stats).json(counts, self.load.stats())
    }

    fn log(&self, args: std::fmt::Arguments<'_>) {
        if self.cfg.log_requests {
            let _ = writeln!(io::stderr().lock(), "sandbox: {args}");
        }
    }
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
                lock(&shared.stats).record(Some(status), None);
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
            lock(&shared.stats).record(status, handled.action.as_deref());
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
                let note = handled.note.map(|n| format!(" ({n})")).unwrap_or_default();
                shared.log(format_args!("{} {} {action} {} {ms}ms{note}", req.method, req.path(), r.status));
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
