//! How the limit is chosen (`Config`) and what an answer says about congestion (`Class`,
//! `Cause`, `Sample`).

use std::time::Duration;

use super::DEFAULT_INITIAL;
use crate::api::ApiError;

/// How the limit is chosen.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// None: `auto`; Some(n): fixed at n.
    pub fixed: Option<usize>,
    /// Where `auto` starts (a resume passes the ledger's last good value).
    pub initial: usize,
    /// The most `auto` goes to.
    pub max: usize,
    /// `--rate`, requests a second: `auto` does not go past what the rate can use.
    pub rate: Option<f64>,
    /// A window whose latency is this many times the baseline (or more) backs off; raised by
    /// itself when window latencies wander by chance more than this allows.
    pub tolerance: f64,
    /// Where an earlier run met an overload storm (its `Controller::wall`): slow start stops
    /// there, and it is probed past only after a hold, as a wall met in this run is.
    pub wall: Option<usize>,
}

impl Config {
    /// `--concurrency auto` with `--max-concurrency max`.
    pub fn auto(max: usize) -> Config {
        let max = max.max(1);
        Config {
            fixed: None,
            initial: DEFAULT_INITIAL.min(max),
            max,
            rate: None,
            tolerance: 1.3,
            wall: None,
        }
    }

    /// `--concurrency n`.
    pub fn fixed(n: usize) -> Config {
        let n = n.max(1);
        Config {
            fixed: Some(n),
            initial: n,
            max: n,
            ..Config::auto(n)
        }
    }

    /// Starts at `n` (kept within `1..=max`), e.g. the last good value of an earlier run.
    pub fn starting_at(mut self, n: usize) -> Config {
        if self.fixed.is_none() {
            self.initial = n.clamp(1, self.max);
        }
        self
    }

    /// Remembers a wall an earlier run met (see `wall`).
    pub fn with_wall(mut self, wall: Option<usize>) -> Config {
        if self.fixed.is_none() {
            self.wall = wall.filter(|w| *w >= 1);
        }
        self
    }

    /// The `--rate` ceiling (None, or a non-positive rate, for none).
    pub fn with_rate(mut self, rate: Option<f64>) -> Config {
        self.rate = rate.filter(|r| r.is_finite() && *r > 0.0);
        self
    }
}

/// Why an answer says the server is overloaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// 429: rate-limited (the pool-wide pause of the API client also applies).
    RateLimited,
    /// 546 `WORKER_LIMIT` / `WORKER_RESOURCE_LIMIT`: the function ran out of CPU or memory.
    WorkerLimit,
    /// 502 / 503 (`BOOT_ERROR` among them): nothing was processed.
    Unavailable,
    /// 504 `IDLE_TIMEOUT` from the platform.
    GatewayTimeout,
    /// No answer within `--timeout`.
    Timeout,
    /// The connection failed or was reset before an answer.
    Reset,
}

impl Cause {
    /// What the limit is multiplied by.
    pub(super) fn factor(self) -> f64 {
        if self.unknown_outcome() {
            // Every such answer is a row that may or may not exist: cut hard.
            0.5
        } else {
            // Nothing was processed: a gentler cut (AWS adaptive retry's beta).
            0.7
        }
    }

    /// Whether the request may have been processed (a create's row is then unknown).
    pub fn unknown_outcome(self) -> bool {
        !matches!(self, Cause::RateLimited | Cause::Unavailable)
    }

    pub(super) fn describe(self) -> &'static str {
        match self {
            Cause::RateLimited => "429 rate limited",
            Cause::WorkerLimit => "546 WORKER_LIMIT",
            Cause::Unavailable => "502/503 unavailable",
            Cause::GatewayTimeout => "504 gateway timeout",
            Cause::Timeout => "timeout",
            Cause::Reset => "connection reset",
        }
    }
}

/// What an answer says about congestion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Answered (2xx): its latency counts.
    Ok,
    /// The server is overloaded: back off at once.
    Overload(Cause),
    /// Says nothing about load (400/401/403/404, other 4xx, 500, a cancelled request): ignored.
    Neutral,
}

impl Class {
    /// The class of an HTTP status (`546` included).
    pub fn from_status(status: u16) -> Class {
        match status {
            200..=299 => Class::Ok,
            429 => Class::Overload(Cause::RateLimited),
            546 => Class::Overload(Cause::WorkerLimit),
            502 | 503 => Class::Overload(Cause::Unavailable),
            504 => Class::Overload(Cause::GatewayTimeout),
            // 500 is the function's own uncaught error: a bug or a bad row, not load.
            _ => Class::Neutral,
        }
    }

    /// The class of a failed call.
    pub fn from_error(e: &ApiError) -> Class {
        match e {
            ApiError::RateLimited { .. } => Class::Overload(Cause::RateLimited),
            ApiError::Server { status, .. } => Class::from_status(*status),
            ApiError::Timeout { .. } => Class::Overload(Cause::Timeout),
            ApiError::Transport { .. } | ApiError::Connect { .. } => Class::Overload(Cause::Reset),
            _ => Class::Neutral,
        }
    }

    /// The class of a call's result.
    pub fn of<T>(result: &Result<T, ApiError>) -> Class {
        match result {
            Ok(_) => Class::Ok,
            Err(e) => Class::from_error(e),
        }
    }
}

/// One answered request, as the worker saw it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// The request's own time: from just before it was sent (after any `--rate` wait and any
    /// pool-wide 429 pause) to its answer.
    pub latency: Duration,
    pub class: Class,
    /// The worker waited for the `--rate` limiter before sending: the rate, not the server, was
    /// the bottleneck.
    pub rate_waited: bool,
}

impl Sample {
    pub fn new(latency: Duration, class: Class) -> Sample {
        Sample {
            latency,
            class,
            rate_waited: false,
        }
    }

    pub fn ok(latency: Duration) -> Sample {
        Sample::new(latency, Class::Ok)
    }

    pub fn overload(cause: Cause, latency: Duration) -> Sample {
        Sample::new(latency, Class::Overload(cause))
    }

    pub fn neutral(latency: Duration) -> Sample {
        Sample::new(latency, Class::Neutral)
    }

    /// Marks that the worker waited for the `--rate` limiter before sending.
    pub fn rate_waited(mut self, waited: bool) -> Sample {
        self.rate_waited = waited;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_api_errors() {
        let server = |status| ApiError::Server {
            status,
            message: String::new(),
            unknown: true,
            retry_after: None,
        };
        assert_eq!(
            Class::from_error(&server(546)),
            Class::Overload(Cause::WorkerLimit)
        );
        assert_eq!(
            Class::from_error(&server(504)),
            Class::Overload(Cause::GatewayTimeout)
        );
        assert_eq!(
            Class::from_error(&server(503)),
            Class::Overload(Cause::Unavailable)
        );
        assert_eq!(Class::from_error(&server(500)), Class::Neutral);
        let timeout = ApiError::Timeout {
            timeout: Duration::from_secs(30),
            unknown: true,
        };
        assert_eq!(Class::from_error(&timeout), Class::Overload(Cause::Timeout));
        let reset = ApiError::Transport {
            cause: "reset".into(),
            unknown: true,
        };
        assert_eq!(Class::from_error(&reset), Class::Overload(Cause::Reset));
        let limited = ApiError::RateLimited {
            attempts: 8,
            message: String::new(),
        };
        assert_eq!(
            Class::from_error(&limited),
            Class::Overload(Cause::RateLimited)
        );
        for e in [
            ApiError::Rejected {
                status: 404,
                message: String::new(),
            },
            ApiError::Forbidden {
                message: String::new(),
            },
            ApiError::Unauthorized {
                message: String::new(),
            },
            ApiError::Cancelled,
        ] {
            assert_eq!(Class::from_error(&e), Class::Neutral, "{e}");
        }
        assert_eq!(Class::of::<()>(&Ok(())), Class::Ok);
    }
}
