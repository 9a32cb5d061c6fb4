//! When a request is tried again and how long leadctl waits first: the retry policy, the
//! back-off with jitter, `Retry-After`, and the platform codes that prove a request never ran
//! (doc/api.md, "Retries"). Which answers are retryable is decided in `response.rs`.

use std::time::{Duration, SystemTime};

/// The platform's own error codes (doc/api.md, "Platform errors") that prove the function
/// never ran.
pub const NEVER_RAN: &[&str] = &[
    "BOOT_ERROR",
    "LOAD_FUNCTION_ERROR",
    "LOAD_FUNCTION_METADATA_ERROR",
];

/// When and how long to wait before trying again.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// Attempts in all while the server answers 429 (bulk imports are more patient).
    pub rate_limit_attempts: u32,
    /// First back-off; doubled each attempt, with jitter.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// The longest `Retry-After` honoured; longer ones are cut to this.
    pub retry_after_cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 6,
            rate_limit_attempts: 6,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
            retry_after_cap: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Exponential back-off with jitter: a random wait in [d/2, d], d = base * 2^(attempt-1).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1 << attempt.saturating_sub(1).min(16));
        let full = exp.min(self.max_delay);
        let half = full / 2;
        half + half.mul_f64(fastrand::f64())
    }
}

/// 5xx answers in a row (to any request of a run) after which sending stops: the server looks
/// down, and every further row would only add an unknown outcome (doc/api.md, "A server that is
/// down").
pub const DOWN_AFTER: u32 = 8;

/// What a run does after a 5xx answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outage {
    /// Pause every request of the pool this long (as for a 429), then go on.
    Pause(Duration),
    /// Stop sending: why, for the error.
    Stop(String),
}

/// The rule after the `consecutive`-th 5xx in a row (this one `status`, with its uncapped
/// `Retry-After`): a wait longer than the policy's cap, or [`DOWN_AFTER`] in a row, stops;
/// anything else pauses (for `Retry-After`, else a back-off).
pub fn after_server_error(
    policy: &RetryPolicy,
    consecutive: u32,
    status: u16,
    retry_after: Option<Duration>,
) -> Outage {
    if let Some(wait) = retry_after.filter(|w| *w > policy.retry_after_cap) {
        return Outage::Stop(format!(
            "it answered {status} with Retry-After {} s, longer than the {} s leadctl waits",
            wait.as_secs(),
            policy.retry_after_cap.as_secs()
        ));
    }
    if consecutive >= DOWN_AFTER {
        return Outage::Stop(format!(
            "it answered {consecutive} requests in a row with a server error, the last {status}"
        ));
    }
    Outage::Pause(retry_after.unwrap_or_else(|| policy.backoff(consecutive)))
}

/// Whether a request may be repeated when its fate is unclear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Reads, and `update_lead` (no side effects; sending the same update twice changes nothing):
    /// retried on 5xx, timeouts and resets too.
    Repeatable,
    /// Creates, status changes and purchases, which fire rewards, webhooks and notifications:
    /// retried only when the server provably did not process them.
    Once,
}

/// `Retry-After` as delay-seconds or an HTTP-date (RFC 9110 section 10.2.3).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = value.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Some(Duration::from_secs_f64(secs.min(86_400.0)));
        }
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(5));
        assert_eq!(parse_retry_after(&later, now), Some(Duration::from_secs(5)));
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(5));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }

    #[test]
    fn a_server_that_is_down_pauses_then_stops() {
        let p = RetryPolicy::default();
        let second = Duration::from_secs(1);
        assert_eq!(
            after_server_error(&p, 1, 503, Some(second)),
            Outage::Pause(second)
        );
        assert!(matches!(
            after_server_error(&p, 7, 500, None),
            Outage::Pause(_)
        ));
        assert_eq!(
            after_server_error(&p, 8, 502, None),
            Outage::Stop(
                "it answered 8 requests in a row with a server error, the last 502".into()
            )
        );
        assert_eq!(
            after_server_error(&p, 1, 503, Some(Duration::from_secs(86_400))),
            Outage::Stop(
                "it answered 503 with Retry-After 86400 s, longer than the 60 s leadctl waits"
                    .into()
            )
        );
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let policy = RetryPolicy::default();
        for attempt in 1..20 {
            let d = policy.backoff(attempt);
            let full = (Duration::from_millis(250) * 2u32.pow((attempt - 1).min(16)))
                .min(Duration::from_secs(8));
            assert!(d >= full / 2 && d <= full, "attempt {attempt}: {d:?}");
        }
    }
}
