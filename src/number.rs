//! Numbers as people type them in spreadsheets, read into the plain decimal the API expects
//! (`50000`, `1200.5`, `-3`): number properties of a lead, purchase amounts.
//!
//! A value may carry surrounding spaces, a sign, a currency sign or ISO code (`€ 3.000`,
//! `3000 EUR`), and digit grouping (`1 200`, `1'234`, `12.500`). Whether `.` or `,` is the
//! decimal separator is a convention of the file (`--decimal-separator`, doc/cli.md): without
//! it, a value that is a number under exactly one of the two conventions is read that way
//! (`$50,000.00`, `1,250,000`, `12.500,00`), and a value whose reading depends on the convention
//! (`50.000`: fifty, or fifty thousand?) is refused with both readings named, never guessed.
//!
//! The digits are kept as text: no float, so no rounding, whatever the number's size.

use std::fmt;
use std::str::FromStr;

/// The character that separates a number's whole part from its decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecimalSeparator {
    /// `1,234.50`: the English convention.
    Dot,
    /// `1.234,50`: most of continental Europe and Latin America.
    Comma,
}

impl DecimalSeparator {
    pub fn as_char(self) -> char {
        match self {
            DecimalSeparator::Dot => '.',
            DecimalSeparator::Comma => ',',
        }
    }

    fn other(self) -> DecimalSeparator {
        match self {
            DecimalSeparator::Dot => DecimalSeparator::Comma,
            DecimalSeparator::Comma => DecimalSeparator::Dot,
        }
    }
}

impl fmt::Display for DecimalSeparator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.as_char())
    }
}

impl FromStr for DecimalSeparator {
    type Err = String;

    /// `.` or `,` (also the words `dot`, `point`, `comma`).
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "." | "dot" | "point" => Ok(DecimalSeparator::Dot),
            "," | "comma" => Ok(DecimalSeparator::Comma),
            _ => Err(format!(
                "\"{}\" is not a decimal separator: use . (1,234.50) or , (1.234,50)",
                s.chars().take(20).collect::<String>()
            )),
        }
    }
}

/// Why a value is not read as a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumberError {
    /// Not a number under any convention (letters, two signs, `4.5E+09`, ...).
    NotANumber,
    /// Both conventions read it, differently: `dot` with `.` as the decimal separator,
    /// `comma` with `,` (`50.000` is 50 or 50000).
    Ambiguous { dot: String, comma: String },
    /// It does not fit the `given` convention but reads as `reading` under the other one.
    OtherSeparator {
        given: DecimalSeparator,
        reading: String,
    },
}

impl NumberError {
    /// What is wrong and what to do, for a message that already names the value and where it
    /// is (`"50.000" ` + this).
    pub fn explain(&self) -> String {
        match self {
            NumberError::NotANumber => {
                "is not a number (expected digits with an optional decimal part, such as 1200.50)"
                    .to_string()
            }
            NumberError::Ambiguous { dot, comma } => format!(
                "could be {dot} (decimal point) or {comma} (decimal comma): say which with \
                 --decimal-separator . or --decimal-separator ,"
            ),
            NumberError::OtherSeparator { given, reading } => format!(
                "does not fit --decimal-separator {given} (it reads as {reading} with \
                 --decimal-separator {})",
                given.other()
            ),
        }
    }
}

impl fmt::Display for NumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.explain())
    }
}

/// Longer values are refused rather than scanned (no real amount has 100 characters).
const MAX_LEN: usize = 100;

/// Reads `text` as a number under the file's convention (`None`: not known) and returns it as a
/// plain decimal: an optional `-`, the whole part without grouping or leading zeros, and a `.`
/// decimal part without trailing zeros (`12.500,00` → `12500`, `1 200,50` → `1200.5`).
pub fn parse(text: &str, separator: Option<DecimalSeparator>) -> Result<String, NumberError> {
    if text.len() > MAX_LEN {
        return Err(NumberError::NotANumber);
    }
    let (negative, core) = split_sign_and_currency(text).ok_or(NumberError::NotANumber)?;
    let dot = read(core, DecimalSeparator::Dot);
    let comma = read(core, DecimalSeparator::Comma);
    let sign = |digits: String| {
        if negative && digits != "0" {
            format!("-{digits}")
        } else {
            digits
        }
    };
    match separator {
        Some(given) => {
            let (mine, theirs) = match given {
                DecimalSeparator::Dot => (dot, comma),
                DecimalSeparator::Comma => (comma, dot),
            };
            match (mine, theirs) {
                (Some(v), _) => Ok(sign(v)),
                (None, Some(reading)) => Err(NumberError::OtherSeparator {
                    given,
                    reading: sign(reading),
                }),
                (None, None) => Err(NumberError::NotANumber),
            }
        }
        None => match (dot, comma) {
            (Some(d), Some(c)) if d == c => Ok(sign(d)),
            (Some(d), Some(c)) => Err(NumberError::Ambiguous {
                dot: sign(d),
                comma: sign(c),
            }),
            // One reading only (`1,234.50`, `12.500,00`): that one; nothing to ask.
            (Some(d), None) => Ok(sign(d)),
            (None, Some(c)) => Ok(sign(c)),
            (None, None) => Err(NumberError::NotANumber),
        },
    }
}

/// Currency signs and codes that may stand before or after the digits.
const CURRENCIES: &[&str] = &[
    "US$", "R$", "A$", "C$", "NZ$", "HK$", "S$", "Fr.", "€", "$", "£", "¥", "₹", "₽", "₩", "₺",
    "₪", "₫", "฿", "₴", "₦", "₱", "₲", "₵", "₡", "₸", "₼", "₾", "¢", "kr.", "kr", "zł", "Kč", "Ft",
    "lei",
];

/// Spaces that separate a currency from the digits or group digits (Excel writes U+00A0 and
/// U+202F in French and Swiss locales).
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\u{a0}' | '\u{202f}' | '\u{2009}')
}

fn trim(s: &str) -> &str {
    s.trim_matches(is_space)
}

/// A currency sign or a three-letter upper-case ISO code at the start of `s`, and what follows.
fn strip_currency_prefix(s: &str) -> Option<&str> {
    for c in CURRENCIES {
        if let Some(rest) = s.strip_prefix(c) {
            return Some(rest);
        }
    }
    let code = s.get(..3)?;
    let next = s[3..].chars().next();
    (code.bytes().all(|b| b.is_ascii_uppercase()) && next.is_none_or(|c| !c.is_alphabetic()))
        .then(|| &s[3..])
}

fn strip_currency_suffix(s: &str) -> Option<&str> {
    for c in CURRENCIES {
        if let Some(rest) = s.strip_suffix(c) {
            return Some(rest);
        }
    }
    let at = s.len().checked_sub(3)?;
    let code = s.get(at..)?;
    let before = s[..at].chars().next_back();
    (code.bytes().all(|b| b.is_ascii_uppercase()) && before.is_none_or(|c| !c.is_alphabetic()))
        .then(|| &s[..at])
}

fn strip_sign(s: &str) -> (bool, &str) {
    for (sign, negative) in [("-", true), ("\u{2212}", true), ("+", false)] {
        if let Some(rest) = s.strip_prefix(sign) {
            return (negative, rest);
        }
    }
    (false, s)
}

/// The sign and the digits-and-separators part: `- € 3.000` → (true, `3.000`). At most one
/// currency and one sign, the sign before or after a leading currency.
fn split_sign_and_currency(text: &str) -> Option<(bool, &str)> {
    let mut s = trim(text);
    let mut currency = false;
    if let Some(rest) = strip_currency_prefix(s) {
        s = trim(rest);
        currency = true;
    }
    let (negative, rest) = strip_sign(s);
    s = trim(rest);
    if !currency {
        if let Some(rest) = strip_currency_prefix(s) {
            s = trim(rest);
            currency = true;
        }
    }
    if !currency {
        if let Some(rest) = strip_currency_suffix(s) {
            s = trim(rest);
        }
    }
    s.starts_with(|c: char| c.is_ascii_digit())
        .then_some((negative, s))
}

/// `core` as a plain decimal with `separator` as the decimal separator, or None when it does not
/// fit: at most one decimal separator with digits after it; grouping by one kind of character
/// (the other of `.`/`,`, a space or an apostrophe), 1 to 3 digits and then groups of exactly 3.
fn read(core: &str, separator: DecimalSeparator) -> Option<String> {
    let decimal = separator.as_char();
    let (whole, fraction) = match core.split_once(decimal) {
        Some((w, f)) => (w, Some(f)),
        None => (core, None),
    };
    if let Some(f) = fraction {
        if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
    }
    let digits = ungroup(whole, separator.other().as_char())?;
    let whole = digits.trim_start_matches('0');
    let whole = if whole.is_empty() { "0" } else { whole };
    let fraction = fraction.map(|f| f.trim_end_matches('0')).unwrap_or("");
    Some(if fraction.is_empty() {
        whole.to_string()
    } else {
        format!("{whole}.{fraction}")
    })
}

/// The digits of a whole part, with its grouping checked and removed.
fn ungroup(whole: &str, other: char) -> Option<String> {
    let is_group = |c: char| c == other || is_space(c) || c == '\'' || c == '\u{2019}';
    let mut groups = whole.split(is_group);
    let first = groups.next()?;
    let grouped = whole.contains(is_group);
    let one_kind = {
        let mut kinds = whole.chars().filter(|&c| is_group(c));
        let first_kind = kinds.next();
        kinds.all(|c| Some(c) == first_kind)
    };
    if !one_kind
        || first.is_empty()
        || !first.bytes().all(|b| b.is_ascii_digit())
        || (grouped && first.len() > 3)
    {
        return None;
    }
    let mut digits = first.to_string();
    for g in groups {
        if g.len() != 3 || !g.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.push_str(g);
    }
    Some(digits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use DecimalSeparator::{Comma, Dot};

    fn ok(text: &str, sep: Option<DecimalSeparator>) -> String {
        parse(text, sep).unwrap_or_else(|e| panic!("{text:?} under {sep:?}: {e}"))
    }

    #[test]
    fn plain_forms_need_no_convention() {
        for (text, want) in [
            ("50000", "50000"),
            ("1200.5", "1200.5"),
            ("1200.50", "1200.5"),
            ("12.5", "12.5"),
            (" 42 ", "42"),
            ("+7", "7"),
            ("-3.25", "-3.25"),
            ("0007", "7"),
            ("0.000", "0"),
            ("-0", "0"),
            ("1 200", "1200"),
            ("1'234.50", "1234.5"),
            ("1\u{a0}234\u{a0}567", "1234567"),
            ("€ 3000", "3000"),
            ("€3000", "3000"),
            ("3000 €", "3000"),
            ("3000 EUR", "3000"),
            ("USD 12.5", "12.5"),
            ("-€ 12", "-12"),
            ("€ -12", "-12"),
            ("CHF 1'250", "1250"),
            ("99999999999999999999999.5", "99999999999999999999999.5"),
        ] {
            assert_eq!(ok(text, None), want, "{text:?}");
        }
    }

    #[test]
    fn the_excel_europe_values_under_a_comma() {
        for (text, want) in [
            ("50.000", "50000"),
            ("1 200,50", "1200.5"),
            ("12.500,00", "12500"),
            ("€ 3.000", "3000"),
            ("3,5", "3.5"),
            ("1.234.567,891", "1234567.891"),
            ("-1.000", "-1000"),
        ] {
            assert_eq!(ok(text, Some(Comma)), want, "{text:?}");
        }
    }

    #[test]
    fn the_english_values_under_a_dot() {
        for (text, want) in [
            ("1,234.50", "1234.5"),
            ("50.000", "50"),
            ("1,234,567", "1234567"),
            ("$1,200", "1200"),
        ] {
            assert_eq!(ok(text, Some(Dot)), want, "{text:?}");
        }
    }

    #[test]
    fn a_reading_that_depends_on_the_convention_is_refused_with_both() {
        assert_eq!(
            parse("50.000", None),
            Err(NumberError::Ambiguous {
                dot: "50".into(),
                comma: "50000".into()
            })
        );
        assert_eq!(
            parse("1,234", None),
            Err(NumberError::Ambiguous {
                dot: "1234".into(),
                comma: "1.234".into()
            })
        );
        let e = parse("€ 3.000", None).unwrap_err();
        assert!(
            e.explain()
                .contains("3 (decimal point) or 3000 (decimal comma)"),
            "{e}"
        );
        assert!(e.explain().contains("--decimal-separator ,"), "{e}");
    }

    #[test]
    fn a_value_with_one_reading_is_read_that_way_without_the_convention() {
        for (text, reading) in [
            ("12.500,00", "12500"),
            ("1 200,50", "1200.5"),
            ("1.234.567", "1234567"),
            ("1,234.50", "1234.5"),
            ("$50,000.00", "50000"),
            ("1,234.56", "1234.56"),
            ("12,000.50", "12000.5"),
            ("1,250,000", "1250000"),
            ("USD 1,250,000.75", "1250000.75"),
            ("-$1,200.00", "-1200"),
        ] {
            assert_eq!(parse(text, None), Ok(reading.to_string()), "{text:?}");
        }
        // Valid under both: still asked.
        for text in ["50.000", "1,500", "€ 3.000", "1.234"] {
            assert!(
                matches!(parse(text, None), Err(NumberError::Ambiguous { .. })),
                "{text:?}"
            );
        }
    }

    #[test]
    fn a_value_of_the_other_convention_says_so() {
        assert_eq!(
            parse("12.500,00", Some(Dot)),
            Err(NumberError::OtherSeparator {
                given: Dot,
                reading: "12500".into()
            })
        );
        let e = parse("1,234.50", Some(Comma)).unwrap_err();
        assert!(
            e.explain()
                .contains("reads as 1234.5 with --decimal-separator ."),
            "{e}"
        );
    }

    #[test]
    fn not_numbers() {
        for text in [
            "",
            " ",
            "abc",
            "12abc",
            "1.2.3,4,5",
            "4.51235E+09",
            "--3",
            "1,,000",
            "1.00.000",
            "12,",
            "12.",
            ".5",
            "€",
            "1 2",
            "12 pcs",
            "1.000 000",
            "€ 3 $",
            "١٢٣",
        ] {
            assert_eq!(parse(text, None), Err(NumberError::NotANumber), "{text:?}");
            assert!(parse(text, Some(Comma)).is_err(), "{text:?} under ,");
            assert!(parse(text, Some(Dot)).is_err(), "{text:?} under .");
        }
        assert_eq!(parse(&"1".repeat(101), None), Err(NumberError::NotANumber));
    }

    #[test]
    fn separators_parse_from_flags_and_files() {
        assert_eq!(",".parse::<DecimalSeparator>(), Ok(Comma));
        assert_eq!(" . ".parse::<DecimalSeparator>(), Ok(Dot));
        assert_eq!("Comma".parse::<DecimalSeparator>(), Ok(Comma));
        let e = ";".parse::<DecimalSeparator>().unwrap_err();
        assert!(e.contains("\";\" is not a decimal separator"), "{e}");
    }
}
