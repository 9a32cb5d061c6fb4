//! RFC 3339 timestamps without a date crate: formatting (`created_at` in the sandbox, the
//! ledger's times) and parsing (comparing a lead's `created_at` with when a row was sent).
//!
//! The format written is always `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC, millisecond precision), one of
//! the two shapes the API's answers use (doc/api.md). Fixed width means strings sort
//! chronologically, which the sandbox's `get_leads` relies on.

use std::time::{SystemTime, UNIX_EPOCH};

/// The current time as an RFC 3339 UTC timestamp with milliseconds.
pub fn now_rfc3339() -> String {
    format_rfc3339(SystemTime::now())
}

/// `t` as `YYYY-MM-DDTHH:MM:SS.mmmZ`; times before 1970 are clamped to the epoch.
pub fn format_rfc3339(t: SystemTime) -> String {
    let since = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(i64::try_from(days).unwrap_or(i64::MAX / 2));
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60,
        since.subsec_millis()
    )
}

/// Days since 1970-01-01 (negative before) to a (year, month, day) in the proleptic Gregorian
/// calendar (Howard Hinnant's `civil_from_days`).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Unix seconds of an RFC 3339 date-time: `2026-04-21T10:00:00Z`, `...00.000Z`, `...+02:00`
/// (any number of fraction digits; `T`, `t` or a space between date and time; `Z` or `z`).
/// The one parser of the crate: strict in shape and ranges (a date without a time or a zone, a
/// month 13 or a zone `+2:00` is `None`), lenient only in precision, which varies between the
/// API's answers (doc/api.md). `--date` is checked with it; `reconcile` reads `created_at` with it.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(r)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    let at = |i: usize, allowed: &[u8]| b.get(i).is_some_and(|c| allowed.contains(c));
    if !(at(4, b"-") && at(7, b"-") && at(10, b"Tt ") && at(13, b":") && at(16, b":")) {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut rest = b.get(19..)?;
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        rest = &frac[n..];
    }
    let offset = match rest {
        b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let digit = |c: &u8| c.is_ascii_digit().then(|| i64::from(c - b'0'));
            let (oh, om) = (digit(h1)? * 10 + digit(h2)?, digit(m1)? * 10 + digit(m2)?);
            if oh > 23 || om > 59 {
                return None;
            }
            let sign = if *sign == b'-' { -1 } else { 1 };
            sign * (oh * 3600 + om * 60)
        }
        _ => return None,
    };
    // Days from civil (Howard Hinnant's algorithm).
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + mi * 60 + se - offset)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamps() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2026-04-21T10:00:00Z"), Some(1_776_765_600));
        assert_eq!(
            parse_rfc3339("2026-04-21T10:00:00.000Z"),
            Some(1_776_765_600)
        );
        assert_eq!(
            parse_rfc3339("2026-04-21T12:00:00+02:00"),
            Some(1_776_765_600)
        );
        assert_eq!(parse_rfc3339("garbage"), None);
        // The shapes `--date` has always accepted and refused (they were cli.rs's own parser).
        for ok in [
            "2026-11-01T09:30:00Z",
            "2026-11-01T09:30:00.123+02:00",
            "2026-04-21t10:00:00z",
        ] {
            assert!(parse_rfc3339(ok).is_some(), "{ok}");
        }
        for bad in [
            "2026-11-01",
            "2026-13-01T00:00:00Z",
            "2026-11-01T09:30:00",
            "yesterday",
            "2026-11-01T09:30:00+2:00",
            "2026-04-21T10:00:00.\u{e9}Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    fn at(secs: u64, millis: u64) -> String {
        format_rfc3339(UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_millis(millis))
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(at(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(at(1_700_000_000, 7), "2023-11-14T22:13:20.007Z");
        // Leap day, end of a leap year, and the 2000 (divisible by 400) leap year.
        assert_eq!(at(1_709_164_800, 0), "2024-02-29T00:00:00.000Z");
        assert_eq!(at(1_735_689_599, 999), "2024-12-31T23:59:59.999Z");
        assert_eq!(at(951_782_400, 0), "2000-02-29T00:00:00.000Z");
        assert_eq!(at(4_102_444_800, 0), "2100-01-01T00:00:00.000Z");
    }

    #[test]
    fn agrees_with_httpdate_on_the_current_time() {
        let now = SystemTime::now();
        let ours = format_rfc3339(now);
        let http = httpdate::fmt_http_date(now); // e.g. "Sun, 06 Nov 1994 08:49:37 GMT"
        let hms = &ours[11..19];
        assert!(http.contains(hms), "{ours} vs {http}");
        let day: u32 = ours[8..10].parse().expect("day digits");
        assert!(http.contains(&format!(" {day:02} ")), "{ours} vs {http}");
    }
}
