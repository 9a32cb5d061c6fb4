//! Dates as people write them, read into the RFC 3339 timestamp the API expects (purchase
//! dates). Accepted: RFC 3339 (sent as written); a date alone (`2024-06-01`: that day at 00:00
//! in the zone below); a date-time without a zone (`2024-06-01T10:00:00`, `2024-06-01 10:00`, the
//! dates of `.xlsx`/`.ods` date cells); `DD.MM.YYYY`; `MM/DD/YYYY` or `DD/MM/YYYY` (also with
//! `-`), each with an optional time (`10:00`, `10:00:00`, `10:00 AM`).
//!
//! A zone-less value is read in the file's zone (`--timezone`, an IANA name; else UTC). A
//! slashed date is read like a number: a value with one reading (`25/12/2024`, `12/25/2024`,
//! `03/03/2024`) is read that way; one with two (`03/04/2024`) is refused naming both unless the
//! file's order is given (`--date-order dmy|mdy`), never guessed. Parsing and zone arithmetic
//! are jiff's.

use std::fmt;
use std::str::FromStr;

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;

/// The order of day and month in a slashed date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateOrder {
    /// `31/12/2024`: most of the world.
    Dmy,
    /// `12/31/2024`: the United States.
    Mdy,
}

impl FromStr for DateOrder {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "dmy" | "dd/mm/yyyy" => Ok(DateOrder::Dmy),
            "mdy" | "mm/dd/yyyy" => Ok(DateOrder::Mdy),
            _ => Err(format!(
                "{} is not a date order: use dmy (31/12/2024) or mdy (12/31/2024)",
                crate::log::quoted(s)
            )),
        }
    }
}

impl fmt::Display for DateOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DateOrder::Dmy => "dmy",
            DateOrder::Mdy => "mdy",
        })
    }
}

/// How a file's dates are read.
#[derive(Debug, Clone)]
pub struct Rules {
    /// The zone of zone-less values.
    pub zone: TimeZone,
    /// The zone's name as given (`UTC` by default), for messages.
    pub zone_name: String,
    pub order: Option<DateOrder>,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            zone: TimeZone::UTC,
            zone_name: "UTC".into(),
            order: None,
        }
    }
}

impl Rules {
    /// The rules for an IANA zone name (`Europe/Berlin`, `UTC`), or what is wrong with it.
    pub fn new(zone: Option<&str>, order: Option<DateOrder>) -> Result<Rules, String> {
        let Some(name) = zone.map(str::trim).filter(|z| !z.is_empty()) else {
            return Ok(Rules {
                order,
                ..Rules::default()
            });
        };
        let zone = TimeZone::get(name).map_err(|_| {
            format!(
                "{} is not a time zone: give an IANA name such as Europe/Berlin, \
                 America/New_York or UTC",
                crate::log::quoted(name)
            )
        })?;
        Ok(Rules {
            zone,
            zone_name: name.to_string(),
            order,
        })
    }
}

/// Why a value is not read as a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateError {
    NotADate,
    /// Both orders read it, differently (`03/04/2024`: 3 April or March 4).
    Ambiguous {
        dmy: String,
        mdy: String,
    },
    /// A day that does not exist in the zone's local time is not refused (jiff's compatible
    /// rule moves it); this is a value outside what a timestamp holds.
    OutOfRange,
}

impl DateError {
    /// What is wrong and what to do, after the quoted value.
    pub fn explain(&self) -> String {
        match self {
            DateError::NotADate => "is not a date: write 2024-06-01, 2024-06-01 10:00, \
                                    2024-06-01T10:00:00Z, 01.06.2024 or 06/01/2024"
                .to_string(),
            DateError::Ambiguous { dmy, mdy } => format!(
                "could be {dmy} (day first) or {mdy} (month first): say which with \
                 --date-order dmy or --date-order mdy"
            ),
            DateError::OutOfRange => "is outside the dates a timestamp holds".to_string(),
        }
    }
}

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.explain())
    }
}

/// Longer values are refused rather than scanned.
const MAX_LEN: usize = 64;

/// `text` as an RFC 3339 timestamp: as written when it is one, else the local date-time in the
/// rules' zone with that zone's offset (`Z` in UTC).
pub fn parse(text: &str, rules: &Rules) -> Result<String, DateError> {
    let text = text.trim();
    if text.len() > MAX_LEN || text.is_empty() {
        return Err(DateError::NotADate);
    }
    if crate::time::parse_rfc3339(text).is_some() {
        return Ok(text.to_string());
    }
    if text
        .get(10..)
        .is_some_and(|t| t.contains(['+', '-', 'Z', 'z', '[']))
    {
        // An ISO date-time with a zone of another shape (`+0530`, `[Europe/Paris]`): the instant
        // it names, in UTC; never the local time with its zone dropped.
        return text
            .parse::<jiff::Timestamp>()
            .map(|ts| ts.to_string())
            .map_err(|_| DateError::NotADate);
    }
    let local = local(text, rules.order)?;
    let zoned = local
        .to_zoned(rules.zone.clone())
        .map_err(|_| DateError::OutOfRange)?;
    let ts = zoned.timestamp();
    Ok(if zoned.offset().seconds() == 0 {
        ts.to_string()
    } else {
        ts.display_with_offset(zoned.offset()).to_string()
    })
}

/// A zone-less value as a civil date-time.
fn local(text: &str, order: Option<DateOrder>) -> Result<DateTime, DateError> {
    // ISO: `2024-06-01`, `2024-06-01T10:00:00`, `2024-06-01 10:00`.
    if text.len() >= 10 && text.as_bytes()[4] == b'-' {
        // jiff reads a date out of a date-time too (dropping the time): a date is 10 bytes.
        if text.len() == 10 {
            let d = text.parse::<Date>().map_err(|_| DateError::NotADate)?;
            return Ok(d.to_datetime(Time::midnight()));
        }
        return text.parse::<DateTime>().map_err(|_| DateError::NotADate);
    }
    let (date, time) = match text.split_once([' ', 'T']) {
        Some((d, t)) => (d, Some(t.trim())),
        None => (text, None),
    };
    let time = match time {
        Some(t) => clock(t).ok_or(DateError::NotADate)?,
        None => Time::midnight(),
    };
    let at = |d: Date| d.to_datetime(time);
    if let Some(parts) = three(date, '.') {
        // `DD.MM.YYYY`: day first, always.
        return dmy(parts).map(at).ok_or(DateError::NotADate);
    }
    let parts = three(date, '/')
        .or_else(|| three(date, '-'))
        .ok_or(DateError::NotADate)?;
    let (by_dmy, by_mdy) = (dmy(parts), dmy((parts.1, parts.0, parts.2)));
    match (order, by_dmy, by_mdy) {
        (Some(DateOrder::Dmy), Some(d), _) | (Some(DateOrder::Mdy), _, Some(d)) => Ok(at(d)),
        (Some(_), _, _) => Err(DateError::NotADate),
        (None, Some(a), Some(b)) if a == b => Ok(at(a)),
        (None, Some(a), Some(b)) => Err(DateError::Ambiguous {
            dmy: a.to_string(),
            mdy: b.to_string(),
        }),
        (None, Some(d), None) | (None, None, Some(d)) => Ok(at(d)),
        (None, None, None) => Err(DateError::NotADate),
    }
}

/// Three numbers split by `sep`: 1-2 digits, 1-2 digits, 4 digits.
fn three(date: &str, sep: char) -> Option<(u8, u8, i16)> {
    let mut it = date.split(sep);
    let (a, b, c) = (it.next()?, it.next()?, it.next()?);
    let short = |s: &str| (1..=2).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    if it.next().is_some() || !short(a) || !short(b) || c.len() != 4 {
        return None;
    }
    Some((a.parse().ok()?, b.parse().ok()?, c.parse().ok()?))
}

fn dmy((d, m, y): (u8, u8, i16)) -> Option<Date> {
    Date::new(y, i8::try_from(m).ok()?, i8::try_from(d).ok()?).ok()
}

/// `10:00`, `10:00:00`, `10:00:00.5`, `10:00 AM`, `4:05 pm`.
fn clock(t: &str) -> Option<Time> {
    let lower = t.to_ascii_lowercase();
    let (t, meridiem) = match lower
        .strip_suffix("am")
        .map(|r| (r, Some(false)))
        .or_else(|| lower.strip_suffix("pm").map(|r| (r, Some(true))))
    {
        Some((r, m)) => (r.trim().to_string(), m),
        None => (lower.clone(), None),
    };
    let mut parts = t.splitn(3, ':');
    let h: i8 = parts.next()?.parse().ok()?;
    let m: i8 = parts.next()?.parse().ok()?;
    let (s, ns) = match parts.next() {
        Some(sec) => {
            let (whole, frac) = sec.split_once('.').unwrap_or((sec, ""));
            if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let ns = format!("{frac:0<9}").parse::<i32>().ok()?;
            (whole.parse::<i8>().ok()?, ns)
        }
        None => (0, 0),
    };
    let h = match meridiem {
        None => h,
        Some(_) if !(1..=12).contains(&h) => return None,
        Some(false) => h % 12,
        Some(true) => h % 12 + 12,
    };
    Time::new(h, m, s, ns).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> Result<String, DateError> {
        parse(text, &Rules::default())
    }

    #[test]
    fn every_form_people_write_reads_as_one_timestamp() {
        for (text, want) in [
            ("2024-06-01T10:00:00Z", "2024-06-01T10:00:00Z"),
            ("2024-06-01T10:00:00+02:00", "2024-06-01T10:00:00+02:00"),
            ("2024-06-01", "2024-06-01T00:00:00Z"),
            ("2024-06-01T00:00:00", "2024-06-01T00:00:00Z"),
            ("2024-06-01 10:00:00", "2024-06-01T10:00:00Z"),
            ("2024-06-01 10:00", "2024-06-01T10:00:00Z"),
            ("2024-06-01T14:30:00.250", "2024-06-01T14:30:00.25Z"),
            ("01.06.2024", "2024-06-01T00:00:00Z"),
            ("1.6.2024 09:15", "2024-06-01T09:15:00Z"),
            ("25/12/2024", "2024-12-25T00:00:00Z"),
            ("12/25/2024", "2024-12-25T00:00:00Z"),
            ("6/13/2024 4:05 PM", "2024-06-13T16:05:00Z"),
            ("13/6/2024 12:00 am", "2024-06-13T00:00:00Z"),
            ("03/03/2024", "2024-03-03T00:00:00Z"),
            ("25-12-2024", "2024-12-25T00:00:00Z"),
            ("2024-06-01T10:00:00+0530", "2024-06-01T04:30:00Z"),
        ] {
            assert_eq!(utc(text).as_deref(), Ok(want), "{text:?}");
        }
    }

    #[test]
    fn a_zone_less_value_is_read_in_the_zone_given() {
        let berlin = Rules::new(Some("Europe/Berlin"), None).unwrap();
        assert_eq!(
            parse("2024-06-01", &berlin).as_deref(),
            Ok("2024-06-01T00:00:00+02:00")
        );
        assert_eq!(
            parse("15.01.2024 10:00", &berlin).as_deref(),
            Ok("2024-01-15T10:00:00+01:00")
        );
        // A value with its own zone keeps it.
        assert_eq!(
            parse("2024-06-01T10:00:00Z", &berlin).as_deref(),
            Ok("2024-06-01T10:00:00Z")
        );
        let e = Rules::new(Some("Mars/Olympus"), None).unwrap_err();
        assert!(e.starts_with("\"Mars/Olympus\" is not a time zone"), "{e}");
    }

    #[test]
    fn two_readings_are_refused_unless_the_order_is_given() {
        assert_eq!(
            utc("03/04/2024"),
            Err(DateError::Ambiguous {
                dmy: "2024-04-03".into(),
                mdy: "2024-03-04".into()
            })
        );
        let mdy = Rules::new(None, Some(DateOrder::Mdy)).unwrap();
        assert_eq!(
            parse("03/04/2024", &mdy).as_deref(),
            Ok("2024-03-04T00:00:00Z")
        );
        let dmy = Rules::new(None, Some(DateOrder::Dmy)).unwrap();
        assert_eq!(
            parse("03/04/2024", &dmy).as_deref(),
            Ok("2024-04-03T00:00:00Z")
        );
        // The order given and a value that does not fit it.
        assert_eq!(parse("12/25/2024", &dmy), Err(DateError::NotADate));
        assert!("DMY".parse::<DateOrder>().is_ok());
        assert!("ymd".parse::<DateOrder>().is_err());
    }

    #[test]
    fn not_dates() {
        for text in [
            "",
            "yesterday",
            "2024-13-01",
            "2024-02-30",
            "31/31/2024",
            "1/2/24",
            "2024/06/01x",
            "01.06.2024 25:00",
            "13:00 PM",
            "6/1/2024 13:00 PM",
            &"1".repeat(65),
        ] {
            assert!(utc(text).is_err(), "{text:?}");
        }
    }
}
