//! PostgreSQL values, as the server sends them in binary, turned into the text a CSV export
//! would hold: integers and decimals as written (a numeric keeps its scale: `1250.50`), floats
//! in their shortest exact form, booleans `true`/`false`, dates `YYYY-MM-DD`, timestamps ISO 8601
//! (`2026-11-30T09:15:00`, with `Z` for a timestamptz, read in UTC), times `HH:MM:SS`, uuids
//! hyphenated. A type not listed is refused by `kind_of` before any row is read.

use std::fmt::Write;

use postgres::types::{FromSql, Kind as PgKind, Type};

/// How a column's values are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Jsonb,
    Bool,
    Int2,
    Int4,
    Int8,
    Oid,
    Float4,
    Float8,
    Numeric,
    Date,
    Time,
    Timestamp,
    TimestampTz,
    Uuid,
}

/// The reading of a column's type; `None`: refused.
pub fn kind_of(ty: &Type) -> Option<Kind> {
    Some(match *ty {
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN | Type::JSON => {
            Kind::Text
        }
        Type::JSONB => Kind::Jsonb,
        Type::BOOL => Kind::Bool,
        Type::INT2 => Kind::Int2,
        Type::INT4 => Kind::Int4,
        Type::INT8 => Kind::Int8,
        Type::OID => Kind::Oid,
        Type::FLOAT4 => Kind::Float4,
        Type::FLOAT8 => Kind::Float8,
        Type::NUMERIC => Kind::Numeric,
        Type::DATE => Kind::Date,
        Type::TIME => Kind::Time,
        Type::TIMESTAMP => Kind::Timestamp,
        Type::TIMESTAMPTZ => Kind::TimestampTz,
        Type::UUID => Kind::Uuid,
        _ => match ty.kind() {
            PgKind::Enum(_) => Kind::Text,
            PgKind::Domain(inner) => return kind_of(inner),
            // An extension's text type (citext) is sent as text.
            _ if ty.name() == "citext" => Kind::Text,
            _ => return None,
        },
    })
}

/// A value's raw bytes, whatever its type (`kind_of` decides how they are read).
pub struct Raw<'a>(pub &'a [u8]);

impl<'a> FromSql<'a> for Raw<'a> {
    fn from_sql(
        _: &Type,
        raw: &'a [u8],
    ) -> Result<Raw<'a>, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Raw(raw))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// Writes the value `raw` of a column read as `kind` into `out` (cleared first); `Err` names
/// what is wrong with the bytes.
pub fn text(kind: Kind, raw: &[u8], out: &mut String) -> Result<(), String> {
    out.clear();
    let bad = || format!("a malformed {kind:?} value ({} bytes)", raw.len());
    match kind {
        Kind::Text => out.push_str(std::str::from_utf8(raw).map_err(|_| bad())?),
        Kind::Jsonb => {
            // A version byte (1), then the JSON text.
            let (1, rest) = (
                raw.first().copied().unwrap_or(0),
                raw.get(1..).unwrap_or(&[]),
            ) else {
                return Err(bad());
            };
            out.push_str(std::str::from_utf8(rest).map_err(|_| bad())?);
        }
        Kind::Bool => out.push_str(match raw {
            [0] => "false",
            [_] => "true",
            _ => return Err(bad()),
        }),
        Kind::Int2 => write_int(
            out,
            i64::from(i16::from_be_bytes(arr(raw).ok_or_else(bad)?)),
        ),
        Kind::Int4 => write_int(
            out,
            i64::from(i32::from_be_bytes(arr(raw).ok_or_else(bad)?)),
        ),
        Kind::Oid => write_int(
            out,
            i64::from(u32::from_be_bytes(arr(raw).ok_or_else(bad)?)),
        ),
        Kind::Int8 => write_int(out, i64::from_be_bytes(arr(raw).ok_or_else(bad)?)),
        Kind::Float4 => {
            let _ = write!(out, "{}", f32::from_be_bytes(arr(raw).ok_or_else(bad)?));
        }
        Kind::Float8 => {
            let _ = write!(out, "{}", f64::from_be_bytes(arr(raw).ok_or_else(bad)?));
        }
        Kind::Numeric => numeric(raw, out).ok_or_else(bad)?,
        Kind::Date => {
            let days = i32::from_be_bytes(arr(raw).ok_or_else(bad)?);
            match days {
                i32::MAX => out.push_str("infinity"),
                i32::MIN => out.push_str("-infinity"),
                d => write_date(out, i64::from(d) + EPOCH_2000_DAYS),
            }
        }
        Kind::Time => write_time(out, i64::from_be_bytes(arr(raw).ok_or_else(bad)?)),
        Kind::Timestamp | Kind::TimestampTz => {
            let micros = i64::from_be_bytes(arr(raw).ok_or_else(bad)?);
            match micros {
                i64::MAX => out.push_str("infinity"),
                i64::MIN => out.push_str("-infinity"),
                m => {
                    let day = m.div_euclid(DAY_MICROS);
                    write_date(out, day + EPOCH_2000_DAYS);
                    out.push('T');
                    write_time(out, m.rem_euclid(DAY_MICROS));
                    if kind == Kind::TimestampTz {
                        out.push('Z');
                    }
                }
            }
        }
        Kind::Uuid => {
            let bytes: [u8; 16] = arr(raw).ok_or_else(bad)?;
            let _ = write!(out, "{}", uuid::Uuid::from_bytes(bytes).hyphenated());
        }
    }
    Ok(())
}

/// Days from 1970-01-01 to 2000-01-01, PostgreSQL's epoch.
const EPOCH_2000_DAYS: i64 = 10_957;
const DAY_MICROS: i64 = 86_400_000_000;

fn arr<const N: usize>(raw: &[u8]) -> Option<[u8; N]> {
    raw.try_into().ok()
}

fn write_int(out: &mut String, n: i64) {
    let _ = write!(out, "{n}");
}

fn write_date(out: &mut String, unix_days: i64) {
    let (y, m, d) = crate::time::civil_from_days(unix_days);
    let _ = write!(out, "{y:04}-{m:02}-{d:02}");
}

/// `HH:MM:SS`, with `.mmm` or `.uuuuuu` when the value has a fraction.
fn write_time(out: &mut String, micros: i64) {
    let secs = micros / 1_000_000;
    let frac = micros % 1_000_000;
    let _ = write!(
        out,
        "{:02}:{:02}:{:02}",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    );
    if frac == 0 {
    } else if frac % 1000 == 0 {
        let _ = write!(out, ".{:03}", frac / 1000);
    } else {
        let _ = write!(out, ".{frac:06}");
    }
}

/// A numeric in PostgreSQL's binary form (base-10000 digits, a weight, a sign and the display
/// scale) as its text, with exactly `dscale` digits after the point, as `numeric_out` writes it.
fn numeric(raw: &[u8], out: &mut String) -> Option<()> {
    let word = |i: usize| -> Option<u16> { Some(u16::from_be_bytes(arr(raw.get(i..i + 2)?)?)) };
    let ndigits = word(0)? as usize;
    let weight = word(2)? as i16 as i64;
    let sign = word(4)?;
    let dscale = word(6)? as usize;
    if raw.len() != 8 + 2 * ndigits {
        return None;
    }
    let digit = |i: i64| -> u16 {
        usize::try_from(i)
            .ok()
            .filter(|&i| i < ndigits)
            .and_then(|i| word(8 + 2 * i))
            .unwrap_or(0)
    };
    match sign {
        0x0000 => {}
        0x4000 => out.push('-'),
        0xC000 => {
            out.push_str("NaN");
            return Some(());
        }
        0xD000 => {
            out.push_str("Infinity");
            return Some(());
        }
        0xF000 => {
            out.push_str("-Infinity");
            return Some(());
        }
        _ => return None,
    }
    if weight < 0 {
        out.push('0');
    } else {
        for i in 0..=weight {
            let d = digit(i);
            if d > 9999 {
                return None;
            }
            let _ = if i == 0 {
                write!(out, "{d}")
            } else {
                write!(out, "{d:04}")
            };
        }
    }
    if dscale > 0 {
        out.push('.');
        let start = out.len();
        let mut i = weight + 1;
        while out.len() - start < dscale {
            let _ = write!(out, "{:04}", digit(i));
            i += 1;
        }
        out.truncate(start + dscale);
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(ndigits: u16, weight: i16, sign: u16, dscale: u16, digits: &[u16]) -> String {
        let mut raw = Vec::new();
        for w in [ndigits, weight as u16, sign, dscale] {
            raw.extend_from_slice(&w.to_be_bytes());
        }
        for d in digits {
            raw.extend_from_slice(&d.to_be_bytes());
        }
        let mut out = String::new();
        text(Kind::Numeric, &raw, &mut out).unwrap();
        out
    }

    #[test]
    fn numerics_as_written() {
        // 1250.50 = 1250 . 5000, scale 2
        assert_eq!(num(2, 0, 0, 2, &[1250, 5000]), "1250.50");
        // 12345678.9 = 1234 5678 . 9000
        assert_eq!(num(3, 1, 0, 1, &[1234, 5678, 9000]), "12345678.9");
        // -0.0042 = weight -1: 0042
        assert_eq!(num(1, -1, 0x4000, 4, &[42]), "-0.0042");
        // 0.000012 = weight -2: 0012 (scale 6)
        assert_eq!(num(1, -2, 0, 6, &[1200]), "0.000012");
        // 10000 = weight 1, one digit 1 (trailing zero group dropped)
        assert_eq!(num(1, 1, 0, 0, &[1]), "10000");
        assert_eq!(num(0, 0, 0, 0, &[]), "0");
        assert_eq!(num(0, 0, 0, 2, &[]), "0.00");
        assert_eq!(num(0, 0, 0xC000, 0, &[]), "NaN");
    }

    #[test]
    fn dates_times_and_others() {
        let mut out = String::new();
        let t = |k: Kind, raw: &[u8], out: &mut String| {
            text(k, raw, out).unwrap();
            out.clone()
        };
        assert_eq!(t(Kind::Date, &0i32.to_be_bytes(), &mut out), "2000-01-01");
        assert_eq!(
            t(Kind::Date, &(-1i32).to_be_bytes(), &mut out),
            "1999-12-31"
        );
        // 2026-11-30T09:15:00.5
        let days = 9830i64; // 2026-11-30 - 2000-01-01
        let micros = days * DAY_MICROS + (9 * 3600 + 15 * 60) * 1_000_000 + 500_000;
        assert_eq!(
            t(Kind::Timestamp, &micros.to_be_bytes(), &mut out),
            "2026-11-30T09:15:00.500"
        );
        assert_eq!(
            t(
                Kind::TimestampTz,
                &(micros - 500_000).to_be_bytes(),
                &mut out
            ),
            "2026-11-30T09:15:00Z"
        );
        assert_eq!(t(Kind::Bool, &[1], &mut out), "true");
        assert_eq!(t(Kind::Int8, &(-7i64).to_be_bytes(), &mut out), "-7");
        assert_eq!(t(Kind::Float8, &0.1f64.to_be_bytes(), &mut out), "0.1");
        assert_eq!(t(Kind::Jsonb, b"\x01{\"a\":1}", &mut out), "{\"a\":1}");
        assert!(text(Kind::Int4, &[0, 1], &mut out).is_err());
    }
}
