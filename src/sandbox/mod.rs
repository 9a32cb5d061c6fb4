//! The built-in emulator of the KeenPartner API (`leadctl sandbox serve`, `--sandbox`).
//!
//! INTERFACE CONTRACT (used by the rest of leadctl; keep these names):
//! - `Options`: plain values, no clap types (`commands::sandbox` builds them from
//!   `sandbox serve`'s flags), or `Options::ephemeral()` for `--sandbox`: 127.0.0.1:0, no
//!   faults, no request log.
//! - `Sandbox::start(opts) -> anyhow::Result<Sandbox>`: binds and serves on background threads;
//!   `addr()`, `url()` (`http://ADDR/functions/v1/keen-api`), `shutdown()`.
//! - `API_KEY`, `PRIMARY_CHANNEL_ID`, `PUBLIC_CHANNEL_ID`, `PRIVATE_CHANNEL_ID`, `DEAL_SIZE_PROPERTY_ID`.
//!
//! Layout: `http` reads requests (head parsed by `httparse`) and writes responses; `seed`
//! holds the fixed company, channels and lead; `data` the stored leads and purchases; `shapes`
//! renders the API's JSON shapes; `actions` implements every action and error of doc/api.md
//! (what exactly, and where the sandbox decides what the docs leave open: doc/sandbox.md);
//! `faults` decides fault injection; `load` admits API requests and hands out processing
//! slots (`--overload-at`, `--capacity`); `stats` counts requests; `server` owns sockets, threads,
//! routing and `/__sandbox/*`; `persist` does the atomic `--state` file. This module only wires
//! them together and must not print: `banner` returns the start text for the caller
//! (`commands::sandbox`) to show.
//!
//! Dependencies: only `crate::time` and `crate::fsutil` (the atomic 0600 write) outside this
//! module; never the CLI, settings, output or the API client (a unit test checks).

mod actions;
mod banner;
mod data;
mod faults;
mod http;
mod load;
mod persist;
mod records;
mod seed;
mod server;
mod shapes;
mod stats;

use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::Duration;

use anyhow::{bail, Context, Result};

pub use banner::banner;
use data::Data;
use faults::FaultConfig;
use load::LoadConfig;
pub use persist::StateUnreadable;
use server::{ServerConfig, Shared};

pub const API_KEY: &str = "5a4d1c2b-8e7f-4a3b-9c6d-0e1f2a3b4c5d";
pub const PRIMARY_CHANNEL_ID: &str = "a1b2c3d4-e5f6-7890-abcd-ef1234567890";
pub const PUBLIC_CHANNEL_ID: &str = "b2c3d4e5-f6a7-4890-8bcd-ef1234567891";
pub const PRIVATE_CHANNEL_ID: &str = "c3d4e5f6-a7b8-4901-9cde-f12345678902";
pub const DEAL_SIZE_PROPERTY_ID: &str = "11111111-2222-3333-4444-555555555555";

/// The public `uuid` of the public channel, accepted by `lead_external` like its `id`.
pub const PUBLIC_CHANNEL_PUBLIC_UUID: &str = seed::PUBLIC_CHANNEL_PUBLIC_UUID;
/// The one seeded lead, on the private channel: reading it gives 403 "Lead not accessible".
pub const PRIVATE_LEAD_ID: &str = seed::PRIVATE_LEAD_ID;
/// The legacy id of [`PRIVATE_LEAD_ID`]; leads created in the sandbox get 100001, 100002, ...
pub const PRIVATE_LEAD_LEGACY_ID: u64 = seed::PRIVATE_LEAD_LEGACY_ID;

/// The path the API answers on; any other path gets Supabase's 404 `NOT_FOUND`.
pub const API_PATH: &str = "/functions/v1/keen-api";

/// How the sandbox runs: address, faults, persistence, logging.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// `HOST:PORT`; must resolve to loopback addresses only. Port 0 picks a free port.
    pub addr: String,
    /// Added before every API answer (also before faults).
    pub latency: Duration,
    /// Probability of a 500 `Internal server error`, before processing.
    pub error_rate: f64,
    /// Answer 429 past this many API requests in the current one-second window.
    pub rate_limit: Option<u32>,
    /// Probability of processing a request, then closing the connection without answering.
    pub drop_rate: f64,
    /// Probability of a 503 with `sb-error-code: BOOT_ERROR`, before processing.
    pub boot_error_rate: f64,
    /// At most this many API requests processed (service time, fault draw, action) at once;
    /// the others wait in arrival order. `None`: no limit.
    pub capacity: Option<usize>,
    /// Past this many API requests in flight (queued or processing), 546 `WORKER_LIMIT`: most
    /// before processing, 3 in 10 after (doc/sandbox.md). `None`: never.
    pub overload_at: Option<usize>,
    /// Seed of the fault generator, for repeatable fault sequences.
    pub seed: Option<u64>,
    /// Keep leads and purchases in this file across restarts.
    pub state: Option<PathBuf>,
    /// Log one line per request on stderr.
    pub log_requests: bool,
}

impl Options {
    /// For `--sandbox`: a free port on 127.0.0.1, no faults, no state file, no log.
    pub fn ephemeral() -> Self {
        Options {
            addr: "127.0.0.1:0".into(),
            latency: Duration::ZERO,
            error_rate: 0.0,
            rate_limit: None,
            drop_rate: 0.0,
            boot_error_rate: 0.0,
            capacity: None,
            overload_at: None,
            seed: None,
            state: None,
            log_requests: false,
        }
    }

    /// The faults in effect, in words ("none" when there are none).
    pub fn describe_faults(&self) -> String {
        let pct = |p: f64| format!("{}%", (p * 1000.0).round() / 10.0);
        let mut parts = Vec::new();
        if !self.latency.is_zero() {
            parts.push(format!("latency {} ms", self.latency.as_millis()));
        }
        if let Some(n) = self.capacity {
            parts.push(format!(
                "capacity {n} at once (the rest queue in arrival order)"
            ));
        }
        if let Some(m) = self.overload_at {
            parts.push(format!(
                "546 WORKER_LIMIT past {m} in flight (3 in 10 of them after processing)"
            ));
        }
        if self.error_rate > 0.0 {
            parts.push(format!("{} answered 500 unprocessed", pct(self.error_rate)));
        }
        if let Some(n) = self.rate_limit {
            parts.push(format!("rate limit {n} requests/s (429, Retry-After: 1)"));
        }
        if self.drop_rate > 0.0 {
            parts.push(format!(
                "{} processed then dropped unanswered",
                pct(self.drop_rate)
            ));
        }
        if self.boot_error_rate > 0.0 {
            parts.push(format!(
                "{} answered 503 BOOT_ERROR unprocessed",
                pct(self.boot_error_rate)
            ));
        }
        if parts.is_empty() {
            return "none".into();
        }
        if let Some(seed) = self.seed {
            parts.push(format!("seed {seed}"));
        }
        parts.join(", ")
    }

    fn check(&self) -> Result<()> {
        for (name, p) in [
            ("error rate", self.error_rate),
            ("drop rate", self.drop_rate),
            ("boot error rate", self.boot_error_rate),
        ] {
            if !(0.0..=1.0).contains(&p) {
                bail!("the sandbox's {name} must be between 0 and 1, got {p}");
            }
        }
        for (name, n) in [
            ("capacity", self.capacity),
            ("overload limit", self.overload_at),
        ] {
            if n == Some(0) {
                bail!("the sandbox's {name} must be at least 1");
            }
        }
        Ok(())
    }
}

/// A running sandbox. Dropping it stops it (as [`Sandbox::shutdown`], ignoring errors).
pub struct Sandbox {
    addr: SocketAddr,
    opts: Options,
    shared: Arc<Shared>,
    accept: Option<thread::JoinHandle<()>>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("addr", &self.addr)
            .field("opts", &self.opts)
            .finish()
    }
}

impl Sandbox {
    /// Loads `--state` (if any), binds `opts.addr` (loopback only) and serves on background
    /// threads until [`Sandbox::shutdown`] or drop.
    pub fn start(opts: Options) -> Result<Sandbox> {
        opts.check()?;
        let addrs = loopback_addrs(&opts.addr)?;
        let (data, in_sync) = match &opts.state {
            Some(path) => match persist::load(path)? {
                Some(data) => (data, true),
                None => (Data::seeded(), false),
            },
            None => (Data::seeded(), true),
        };
        let listener = TcpListener::bind(&addrs[..])
            .with_context(|| format!("cannot listen on {} for the sandbox", opts.addr))?;
        let addr = listener
            .local_addr()
            .context("reading the sandbox's bound address")?;
        let shared = Arc::new(Shared::new(
            ServerConfig {
                latency: opts.latency,
                faults: FaultConfig {
                    error_rate: opts.error_rate,
                    rate_limit: opts.rate_limit,
                    drop_rate: opts.drop_rate,
                    boot_error_rate: opts.boot_error_rate,
                    seed: opts.seed,
                },
                load: LoadConfig {
                    capacity: opts.capacity,
                    overload_at: opts.overload_at,
                },
                state: opts.state.clone(),
                log_requests: opts.log_requests,
            },
            data,
            in_sync,
        ));
        if let Some(path) = &opts.state {
            // A new state file is written at once, so an unwritable path fails now, not at
            // the first create.
            shared
                .persist_now()
                .with_context(|| format!("cannot write sandbox state file {}", path.display()))?;
        }
        let for_thread = Arc::clone(&shared);
        let accept = thread::Builder::new()
            .name("sandbox-accept".into())
            .spawn(move || server::accept_loop(listener, for_thread))
            .context("starting the sandbox's accept thread")?;
        Ok(Sandbox {
            addr,
            opts,
            shared,
            accept: Some(accept),
        })
    }

    /// The address actually bound (the real port when `opts.addr` asked for port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The API endpoint, `http://ADDR/functions/v1/keen-api`: what `LEADCTL_API_URL` takes.
    pub fn url(&self) -> String {
        format!("http://{}{API_PATH}", self.addr)
    }

    /// The text `sandbox serve` prints at start (see [`banner`]).
    pub fn banner(&self) -> String {
        banner(self.addr, &self.opts)
    }

    /// What `GET /__sandbox/stats` answers: lead and purchase counts, request counts by
    /// status and action, dropped answers, overload answers, in-flight and processing peaks,
    /// duplicate business ids and emails.
    pub fn stats(&self) -> serde_json::Value {
        self.shared.stats_json()
    }

    /// Stops accepting, lets requests in flight be answered (waiting at most the latency, times
    /// the waves a `--capacity` queue needs, capped at a minute, plus 5 s), and saves `--state`
    /// one last time. Idempotent.
    pub fn shutdown(&mut self) -> Result<()> {
        let Some(accept) = self.accept.take() else {
            return Ok(());
        };
        let service = self.opts.latency.saturating_mul(self.shared.waves());
        let grace = service.min(Duration::from_secs(60)) + Duration::from_secs(5);
        server::stop(&self.shared, self.addr, accept, grace);
        if let Some(path) = &self.opts.state {
            self.shared
                .persist_now()
                .with_context(|| format!("cannot write sandbox state file {}", path.display()))?;
        }
        Ok(())
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

/// Locks a mutex; a poisoned one (a thread panicked while holding it) is used anyway, as
/// every critical section leaves the data consistent.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Resolves `addr` and refuses anything that is not loopback: the sandbox has a published
/// key and no TLS, so it must never be reachable from another machine.
fn loopback_addrs(addr: &str) -> Result<Vec<SocketAddr>> {
    let addrs: Vec<SocketAddr> = addr
        .to_socket_addrs()
        .with_context(|| {
            format!("invalid sandbox address {addr:?}: expected HOST:PORT, e.g. 127.0.0.1:8787")
        })?
        .collect();
    if addrs.is_empty() {
        bail!("sandbox address {addr:?} resolves to no address");
    }
    if let Some(bad) = addrs.iter().find(|a| !a.ip().is_loopback()) {
        bail!(
            "refusing to serve the sandbox on {addr} ({}): it only listens on loopback \
             addresses such as 127.0.0.1, [::1] or localhost, because its API key is public",
            bad.ip()
        );
    }
    Ok(addrs)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The emulator stands alone: besides its own modules it may use only `crate::time` and
    /// `crate::fsutil` (doc/sandbox.md; the CLI converts its flags into [`Options`]).
    #[test]
    fn the_sandbox_uses_no_other_part_of_leadctl() {
        fn sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).expect("read src/sandbox").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    sources(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(path);
                }
            }
        }
        let mut files = Vec::new();
        sources(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/sandbox"),
            &mut files,
        );
        assert!(files.len() > 10, "{files:?}");
        let needle = ["crate", "::"].concat(); // not written out, so this test does not find itself
        for file in files {
            let text = std::fs::read_to_string(&file).expect("read a source file");
            for (n, line) in text.lines().enumerate() {
                let mut rest = line;
                while let Some(i) = rest.find(&needle) {
                    let after = &rest[i + needle.len()..];
                    assert!(
                        after.starts_with("time") || after.starts_with("fsutil"),
                        "{}:{}: {line}",
                        file.display(),
                        n + 1
                    );
                    rest = after;
                }
            }
        }
    }

    #[test]
    fn only_loopback_addresses_are_accepted() {
        for ok in ["127.0.0.1:0", "[::1]:0", "localhost:0", "127.0.0.2:8787"] {
            assert!(loopback_addrs(ok).is_ok(), "{ok}");
        }
        for bad in ["0.0.0.0:8787", "[::]:8787", "192.168.1.10:80", "10.0.0.1:1"] {
            let e = loopback_addrs(bad)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(
                e.contains("refusing") && e.contains("loopback"),
                "{bad}: {e}"
            );
        }
        assert!(loopback_addrs("no-port").is_err());
    }

    #[test]
    fn faults_are_described_and_checked() {
        let o = Options {
            addr: "127.0.0.1:9000".into(),
            latency: Duration::from_millis(20),
            error_rate: 0.05,
            rate_limit: Some(10),
            drop_rate: 0.0,
            boot_error_rate: 0.5,
            capacity: None,
            overload_at: None,
            seed: Some(3),
            state: None,
            log_requests: true,
        };
        assert_eq!(
            o.describe_faults(),
            "latency 20 ms, 5% answered 500 unprocessed, rate limit 10 requests/s (429, Retry-After: 1), \
             50% answered 503 BOOT_ERROR unprocessed, seed 3"
        );
        assert_eq!(Options::ephemeral().describe_faults(), "none");
        let loaded = Options {
            capacity: Some(4),
            overload_at: Some(6),
            ..Options::ephemeral()
        };
        assert_eq!(
            loaded.describe_faults(),
            "capacity 4 at once (the rest queue in arrival order), \
             546 WORKER_LIMIT past 6 in flight (3 in 10 of them after processing)"
        );
        for zero in [
            Options {
                capacity: Some(0),
                ..Options::ephemeral()
            },
            Options {
                overload_at: Some(0),
                ..Options::ephemeral()
            },
        ] {
            let e = zero
                .check()
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(e.contains("at least 1"), "{e}");
        }
        assert!(Sandbox::start(Options {
            drop_rate: 2.0,
            ..Options::ephemeral()
        })
        .is_err());
    }

    #[test]
    fn a_port_in_use_is_a_clear_error() {
        let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = taken.local_addr().expect("addr").to_string();
        let e = Sandbox::start(Options {
            addr: addr.clone(),
            ..Options::ephemeral()
        })
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert_eq!(e, format!("cannot listen on {addr} for the sandbox"));
    }

    #[test]
    fn in_process_start_url_and_shutdown() {
        let mut sb = Sandbox::start(Options::ephemeral()).expect("start");
        assert!(sb.addr().ip().is_loopback() && sb.addr().port() != 0);
        assert_eq!(
            sb.url(),
            format!("http://{}/functions/v1/keen-api", sb.addr())
        );
        assert_eq!(sb.stats()["leads"], 1);
        sb.shutdown().expect("shutdown");
        sb.shutdown().expect("a second shutdown is a no-op");
        assert!(
            std::net::TcpStream::connect(sb.addr()).is_err(),
            "no longer listening"
        );
    }
}
