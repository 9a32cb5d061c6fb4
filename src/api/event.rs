//! What the client reports while it works: each request and answer (for `-v`), and each wait
//! before another attempt (which the user must see: waiting is never silent). The client prints
//! nothing itself; whoever builds it passes an `Observer`, and decides what reaches stderr.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::StatusCode;

/// One thing that happened during a call.
#[derive(Debug)]
pub enum Event<'a> {
    /// A request is about to leave. `key_sent` says whether an `X-Api-Key` header is on it (its
    /// value is never part of an event).
    Request {
        url: &'a str,
        key_sent: bool,
        body: &'a [u8],
    },
    /// An answer arrived whole.
    Response {
        status: StatusCode,
        elapsed: Duration,
        headers: &'a HeaderMap,
        body: &'a [u8],
    },
    /// The client waits `wait` and tries again: attempt `attempt` of at most `of`.
    Retry {
        why: &'a str,
        wait: Duration,
        attempt: u32,
        of: u32,
    },
}

/// A retry announcement as the user reads it:
/// `rate-limited by the server (429, Retry-After); retrying in 2.0s (attempt 2 of 6)`.
pub fn retry_notice(why: &str, wait: Duration, attempt: u32, of: u32) -> String {
    format!(
        "{why}; retrying in {:.1}s (attempt {attempt} of {of})",
        wait.as_secs_f64()
    )
}

/// What an observer calls for each event.
type Callback = dyn Fn(&Event<'_>) + Send + Sync;

/// Receives the client's events; shared by the clones of a client (and so by worker threads).
#[derive(Clone, Default)]
pub struct Observer(Option<Arc<Callback>>);

impl Observer {
    pub fn new(f: impl Fn(&Event<'_>) + Send + Sync + 'static) -> Observer {
        Observer(Some(Arc::new(f)))
    }

    /// Hears nothing.
    pub fn none() -> Observer {
        Observer(None)
    }

    /// This observer, then `next`, for each event.
    pub fn and(self, next: Observer) -> Observer {
        match (self.0, next.0) {
            (Some(a), Some(b)) => Observer::new(move |e| {
                a(e);
                b(e);
            }),
            (a, b) => Observer(a.or(b)),
        }
    }

    pub(crate) fn emit(&self, event: &Event<'_>) {
        if let Some(f) = &self.0 {
            f(event);
        }
    }
}

impl fmt::Debug for Observer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "Observer(..)"
        } else {
            "Observer(none)"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_retry_line_is_the_one_users_see() {
        assert_eq!(
            retry_notice("server error (503)", Duration::from_millis(1500), 2, 6),
            "server error (503); retrying in 1.5s (attempt 2 of 6)"
        );
        assert_eq!(format!("{:?}", Observer::none()), "Observer(none)");
    }
}
