//! The `concurrency` setting as the user gives it: `auto` (the default: the
//! [`super::concurrency::Controller`] finds the server's pace) or a fixed number of requests in
//! flight. One type for `--concurrency`, the profile key and the engine's options.

use std::fmt;

use serde::{Deserialize, Deserializer};

/// The most requests in flight a user may ask for, fixed or as `--max-concurrency`.
pub const MAX: usize = 256;
/// `--max-concurrency`'s default (what `auto` never exceeds unless told).
pub const DEFAULT_MAX: usize = super::concurrency::DEFAULT_MAX;

/// `--concurrency auto|N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Concurrency {
    /// Adapt to the server, between 1 and `--max-concurrency`.
    #[default]
    Auto,
    /// Exactly this many requests in flight at most (1..=256).
    Fixed(usize),
}

/// What a bad value is told.
pub const EXPECTED: &str = "auto or a whole number from 1 to 256";

impl Concurrency {
    /// `auto` (any case) or a whole number from 1 to 256.
    pub fn parse(raw: &str) -> Result<Concurrency, String> {
        let raw = raw.trim();
        if raw.eq_ignore_ascii_case("auto") {
            return Ok(Concurrency::Auto);
        }
        match raw.parse::<u64>() {
            Ok(n) if (1..=MAX as u64).contains(&n) => Ok(Concurrency::Fixed(n as usize)),
            Ok(0) => Err(format!(
                "0 requests in flight would send nothing: use {EXPECTED}"
            )),
            _ => Err(format!("{raw:?} is not {EXPECTED}")),
        }
    }

    /// Within the bounds the command line has (a profile's value is checked with this).
    pub fn in_bounds(self) -> bool {
        match self {
            Concurrency::Auto => true,
            Concurrency::Fixed(n) => (1..=MAX).contains(&n),
        }
    }
}

impl fmt::Display for Concurrency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Concurrency::Auto => f.write_str("auto"),
            Concurrency::Fixed(n) => write!(f, "{n}"),
        }
    }
}

/// clap's value parser for `--concurrency`.
pub fn parse_arg(raw: &str) -> Result<Concurrency, String> {
    Concurrency::parse(raw)
}

/// clap's value parser for `--max-concurrency`.
pub fn parse_max(raw: &str) -> Result<usize, String> {
    match raw.trim().parse::<u64>() {
        Ok(n) if (1..=MAX as u64).contains(&n) => Ok(n as usize),
        Ok(0) => Err("auto needs room for at least 1 request in flight: use 1 to 256".into()),
        _ => Err(format!("{raw:?} is not a whole number from 1 to 256")),
    }
}

/// In the config file: `concurrency = "auto"` or `concurrency = 8` (range checked by the caller,
/// so that the message names the profile).
impl<'de> Deserialize<'de> for Concurrency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Concurrency, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Concurrency;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(EXPECTED)
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Concurrency, E> {
                Ok(Concurrency::Fixed(usize::try_from(n).unwrap_or(usize::MAX)))
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Concurrency, E> {
                // 0 and negative numbers: out of bounds, said by the caller.
                Ok(Concurrency::Fixed(usize::try_from(n).unwrap_or(0)))
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Concurrency, E> {
                if s.trim().eq_ignore_ascii_case("auto") {
                    Ok(Concurrency::Auto)
                } else {
                    Err(E::custom(format!(
                        "invalid concurrency {s:?}: expected {EXPECTED}"
                    )))
                }
            }
        }
        d.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_or_a_number() {
        assert_eq!(Concurrency::parse("auto"), Ok(Concurrency::Auto));
        assert_eq!(Concurrency::parse(" AUTO "), Ok(Concurrency::Auto));
        assert_eq!(Concurrency::parse("16"), Ok(Concurrency::Fixed(16)));
        assert_eq!(Concurrency::parse("256"), Ok(Concurrency::Fixed(256)));
        for bad in ["0", "257", "fast", "-1", "", "4.5"] {
            let e = Concurrency::parse(bad).unwrap_err();
            assert!(e.contains(EXPECTED), "{bad}: {e}");
        }
        assert_eq!(Concurrency::Auto.to_string(), "auto");
        assert_eq!(Concurrency::Fixed(8).to_string(), "8");
        assert!(parse_max("0").is_err());
        assert!(parse_max("x").is_err());
        assert_eq!(parse_max("32"), Ok(32));
    }

    #[test]
    fn the_config_file_takes_a_string_or_a_number() {
        #[derive(Deserialize)]
        struct P {
            concurrency: Concurrency,
        }
        let p: P = toml::from_str("concurrency = \"auto\"").unwrap();
        assert_eq!(p.concurrency, Concurrency::Auto);
        let p: P = toml::from_str("concurrency = 8").unwrap();
        assert_eq!(p.concurrency, Concurrency::Fixed(8));
        let p: P = toml::from_str("concurrency = 0").unwrap();
        assert!(!p.concurrency.in_bounds());
        assert!(toml::from_str::<P>("concurrency = \"fast\"").is_err());
    }
}
