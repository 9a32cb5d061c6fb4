//! The value parsers of the command line: clap calls them on each flag's text, and the domain
//! rules they check live with the domain (`import::read` for encodings and delimiters,
//! `time` for dates). Errors are clap usage errors (exit 2).

pub fn parse_key_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!("expected KEY=VALUE, got {s:?}")),
    }
}

/// `--decimal-separator`: `,` or `.` (the rule is `number::DecimalSeparator`'s).
pub fn parse_decimal_separator(s: &str) -> Result<crate::number::DecimalSeparator, String> {
    s.parse()
}

pub fn parse_rate(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(r) if r > 0.0 && r.is_finite() => Ok(r),
        _ => Err(format!(
            "expected a number of requests per second greater than 0, got {s:?}"
        )),
    }
}

/// `K/N` with 1 <= K <= N.
pub fn parse_shard(s: &str) -> Result<(u64, u64), String> {
    let err = || format!("expected K/N with 1 <= K <= N, e.g. 2/3; got {s:?}");
    let (k, n) = s.split_once('/').ok_or_else(err)?;
    let k: u64 = k.trim().parse().map_err(|_| err())?;
    let n: u64 = n.trim().parse().map_err(|_| err())?;
    if k == 0 || n == 0 || k > n {
        return Err(err());
    }
    Ok((k, n))
}

pub fn parse_encoding(s: &str) -> Result<String, String> {
    match crate::import::read::encoding_for_label(s) {
        Some(_) => Ok(s.to_string()),
        None => Err(format!(
            "unknown encoding {s:?}; e.g. utf-8, utf-16le, utf-16be, windows-1252, latin1, iso-8859-15"
        )),
    }
}

pub fn parse_delimiter(s: &str) -> Result<u8, String> {
    crate::import::read::delimiter_for_arg(s).ok_or_else(|| {
        format!("expected one ASCII character or tab, comma, semicolon, pipe; got {s:?}")
    })
}

pub fn parse_amount(s: &str) -> Result<serde_json::Number, String> {
    s.trim()
        .parse::<serde_json::Number>()
        .map_err(|_| format!("expected a number such as 1250.50, got {s:?}"))
}

/// RFC 3339 date-time, e.g. 2026-11-01T09:30:00Z or 2026-11-01T09:30:00.5+02:00, kept as typed.
/// `--date-order dmy|mdy`.
pub fn parse_date_order(s: &str) -> Result<crate::date::DateOrder, String> {
    s.parse()
}

pub fn parse_probability(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(format!("expected a probability between 0 and 1, got {s:?}")),
    }
}

pub fn parse_seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(t) if t > 0.0 && t.is_finite() && t <= 86_400.0 => Ok(t),
        _ => Err(format!(
            "expected a number of seconds greater than 0, got {s:?}"
        )),
    }
}

pub fn parse_ledger_state(s: &str) -> Result<crate::ledger::State, String> {
    crate::ledger::State::parse(s).ok_or_else(|| {
        format!("{s:?} is not a ledger state: use sending, created, failed or unknown")
    })
}

pub fn parse_key_kind(s: &str) -> Result<crate::ledger::KeyKind, String> {
    crate::ledger::KeyKind::parse(s)
        .ok_or_else(|| format!("{s:?} is not a key kind: use business_id, email or fields"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_value_pairs() {
        assert_eq!(parse_key_value("a=b=c"), Ok(("a".into(), "b=c".into())));
        assert_eq!(
            parse_key_value("Deal size="),
            Ok(("Deal size".into(), String::new()))
        );
        assert!(parse_key_value("novalue").is_err());
        assert!(parse_key_value("=x").is_err());
    }

    #[test]
    fn shards_and_rates() {
        assert_eq!(parse_shard("2/3"), Ok((2, 3)));
        assert_eq!(parse_shard("1/1"), Ok((1, 1)));
        for bad in ["0/3", "4/3", "3", "a/b", "1/0"] {
            assert!(parse_shard(bad).is_err(), "{bad}");
        }
        assert!(parse_rate("0").is_err());
        assert_eq!(parse_rate("2.5"), Ok(2.5));
    }

    #[test]
    fn amounts_and_dates() {
        assert_eq!(
            parse_amount("1250.50").map(|n| n.to_string()),
            Ok("1250.5".to_string())
        );
        assert_eq!(
            parse_amount("99").map(|n| n.to_string()),
            Ok("99".to_string())
        );
        assert!(parse_amount("12,5").is_err());
        assert!(parse_amount("NaN").is_err());
    }

    #[test]
    fn probabilities_and_seconds() {
        assert_eq!(parse_probability("0.05"), Ok(0.05));
        assert!(parse_probability("1.5").is_err());
        assert!(parse_seconds("0").is_err());
        assert_eq!(parse_seconds("0.5"), Ok(0.5));
    }
}
