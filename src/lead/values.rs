//! A custom property's value made fit for its definition (`api::properties::Definition`): a
//! `number` as the plain decimal the API expects (read by `crate::number` under the input's
//! decimal separator, if known), a `select` value in the spelling of the option it matches (case
//! and spaces aside) when the definition lists its options; other kinds, and selects without a
//! list, as given. The messages name the value, the property, and what to do.

use std::borrow::Cow;

use serde_json::Value;

use crate::api::models::SelectOption;
use crate::api::properties::{Definition, ValueKind};
use crate::log::quoted;
use crate::number::{DecimalSeparator, NumberError};

/// Options named in a message; a longer list is cut with a count.
const SHOWN_OPTIONS: usize = 20;

/// The value to send for `text` (a CSV cell, a flag's value, a JSON string), or why it cannot go
/// to this property. Borrowed when it is sent as given (nearly always, and without allocating).
pub fn check_text<'t>(
    def: &Definition,
    text: &'t str,
    separator: Option<DecimalSeparator>,
) -> Result<Cow<'t, str>, String> {
    match &def.kind {
        ValueKind::Any => Ok(Cow::Borrowed(text)),
        // Whole numbers as the API wants them (most cells) read the same under any convention.
        ValueKind::Number if is_plain_integer(text) => Ok(Cow::Borrowed(text)),
        ValueKind::Number => match crate::number::parse(text, separator) {
            Ok(plain) if plain == text => Ok(Cow::Borrowed(text)),
            Ok(plain) => Ok(Cow::Owned(plain)),
            Err(e) => Err(number_message(def, text, &e)),
        },
        ValueKind::Select(options) => match match_option(options, text) {
            Matched::One(o) if o.value == text => Ok(Cow::Borrowed(text)),
            Matched::One(o) => Ok(Cow::Owned(o.value.clone())),
            Matched::Several(several) => Err(format!(
                "{} matches several options of property {} ({}); use the exact spelling",
                quoted(text),
                quoted(&def.name),
                several
                    .iter()
                    .map(|o| quoted(&o.value))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Matched::None => Err(option_message(def, options, text)),
        },
    }
}

/// The value to send for a JSON value (`create --json`, where values may be numbers, booleans or
/// objects): strings as `check_text`; a JSON number to a number property as it is; a number or a
/// boolean to a select by its text; anything else to a number or a listed select is refused.
pub fn check_value(
    def: &Definition,
    value: &Value,
    separator: Option<DecimalSeparator>,
) -> Result<Value, String> {
    match (&def.kind, value) {
        (ValueKind::Any, _) | (ValueKind::Number, Value::Number(_)) => Ok(value.clone()),
        (_, Value::String(s)) => check_text(def, s, separator).map(|v| Value::String(v.into())),
        (ValueKind::Select(_), Value::Number(_) | Value::Bool(_)) => {
            let text = value.to_string();
            check_text(def, &text, separator).map(|v| {
                if v == text {
                    value.clone()
                } else {
                    Value::String(v.into_owned())
                }
            })
        }
        (ValueKind::Number, other) => Err(number_message(
            def,
            &short_json(other),
            &NumberError::NotANumber,
        )),
        (ValueKind::Select(options), other) => {
            Err(option_message(def, options, &short_json(other)))
        }
    }
}

fn short_json(v: &Value) -> String {
    v.to_string()
}

/// `0`, or digits without a leading zero, with an optional `-`: what `number::parse` returns for
/// them, so they need not be parsed.
fn is_plain_integer(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text).as_bytes();
    match digits {
        [] => false,
        [b'0'] => !text.starts_with('-'),
        [first, ..] => {
            *first != b'0' && digits.len() <= 30 && digits.iter().all(u8::is_ascii_digit)
        }
    }
}

/// `"50.000" (number property "Deal size") could be 50 (decimal point) or 50000 (decimal comma):
/// say which with --decimal-separator . or --decimal-separator ,`
fn number_message(def: &Definition, text: &str, e: &NumberError) -> String {
    format!(
        "{} (number property {}) {}",
        quoted(text.trim()),
        quoted(&def.name),
        e.explain()
    )
}

fn option_message(def: &Definition, options: &[SelectOption], text: &str) -> String {
    let spellings: Vec<&str> = options.iter().flat_map(|o| o.spellings()).collect();
    let listed: Vec<String> = options
        .iter()
        .map(|o| match &o.label {
            Some(label) => format!("{} ({})", quoted(&o.value), quoted(label)),
            None => quoted(&o.value),
        })
        .collect();
    let suggestion = super::names::closest(text, &spellings)
        .and_then(|s| options.iter().find(|o| o.spellings().any(|x| x == s)))
        .map(|o| format!("; did you mean {}?", quoted(&o.value)))
        .unwrap_or_default();
    format!(
        "{} is not an option of property {}; its options are {}{suggestion}",
        quoted(text.trim()),
        quoted(&def.name),
        crate::log::list_some(&listed, SHOWN_OPTIONS)
    )
}

enum Matched<'a> {
    One(&'a SelectOption),
    Several(Vec<&'a SelectOption>),
    None,
}

/// The option `text` names: exactly (its value or label), else ignoring case and white space.
fn match_option<'a>(options: &'a [SelectOption], text: &str) -> Matched<'a> {
    if let Some(o) = options.iter().find(|o| o.spellings().any(|s| s == text)) {
        return Matched::One(o);
    }
    let found: Vec<&SelectOption> = options
        .iter()
        .filter(|o| o.spellings().any(|s| same_folded(s, text)))
        .collect();
    match found.as_slice() {
        [] => Matched::None,
        [one] => Matched::One(one),
        _ => Matched::Several(found),
    }
}

/// Equal ignoring case and white space (`north america` is `North America`, `Emea ` is `EMEA`),
/// without allocating for ASCII text.
fn same_folded(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return ascii_folded(a).eq(ascii_folded(b));
    }
    folded(a).eq(folded(b))
}

fn ascii_folded(s: &str) -> impl Iterator<Item = u8> + '_ {
    s.bytes()
        .filter(|b| !b.is_ascii_whitespace())
        .map(|b| b.to_ascii_lowercase())
}

fn folded(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn def(kind: ValueKind) -> Definition {
        Definition {
            id: "p".into(),
            name: match kind {
                ValueKind::Number => "Deal size".into(),
                _ => "Region".into(),
            },
            kind,
        }
    }

    fn region() -> Definition {
        let o = |v: &str| SelectOption {
            value: v.into(),
            label: None,
        };
        def(ValueKind::Select(vec![
            o("North America"),
            o("EMEA"),
            o("APAC"),
            o("LATAM"),
        ]))
    }

    #[test]
    fn numbers_become_plain_decimals() {
        let deal = def(ValueKind::Number);
        let comma = Some(DecimalSeparator::Comma);
        for (text, want) in [
            ("50.000", "50000"),
            ("1 200,50", "1200.5"),
            ("12.500,00", "12500"),
            ("€ 3.000", "3000"),
        ] {
            assert_eq!(check_text(&deal, text, comma).unwrap(), want, "{text}");
        }
        assert!(matches!(
            check_text(&deal, "50000", None),
            Ok(Cow::Borrowed("50000"))
        ));
        for (text, want) in [
            ("0", "0"),
            ("-0", "0"),
            ("007", "7"),
            ("-12", "-12"),
            ("-", ""),
        ] {
            let got = check_text(&deal, text, comma);
            assert_eq!(got.as_deref().unwrap_or(""), want, "{text}");
            assert_eq!(
                got.as_deref().ok(),
                crate::number::parse(text, comma).ok().as_deref(),
                "the fast path agrees with number::parse: {text}"
            );
        }
        assert_eq!(
            check_text(&deal, "50.000", None).unwrap_err(),
            "\"50.000\" (number property \"Deal size\") could be 50 (decimal point) or 50000 \
             (decimal comma): say which with --decimal-separator . or --decimal-separator ,"
        );
        let e = check_text(&deal, "NaN", None).unwrap_err();
        assert!(
            e.starts_with("\"NaN\" (number property \"Deal size\") is not a number"),
            "{e}"
        );
        assert_eq!(check_value(&deal, &json!(50000), None), Ok(json!(50000)));
        assert_eq!(check_value(&deal, &json!("1.5"), None), Ok(json!("1.5")));
        assert!(check_value(&deal, &json!(true), None)
            .unwrap_err()
            .starts_with("\"true\" (number property \"Deal size\") is not a number"));
    }

    #[test]
    fn select_values_take_the_options_spelling() {
        let r = region();
        for (text, want) in [
            ("EMEA", "EMEA"),
            ("emea", "EMEA"),
            ("Emea", "EMEA"),
            (" apac ", "APAC"),
            ("north america", "North America"),
            ("NorthAmerica", "North America"),
        ] {
            assert_eq!(check_text(&r, text, None).unwrap(), want, "{text}");
        }
        assert_eq!(
            check_text(&r, "EMAE", None).unwrap_err(),
            "\"EMAE\" is not an option of property \"Region\"; its options are \"North America\", \
             \"EMEA\", \"APAC\", \"LATAM\"; did you mean \"EMEA\"?"
        );
        let e = check_text(&r, "Mars", None).unwrap_err();
        assert!(e.ends_with("\"LATAM\""), "no suggestion: {e}");
        assert_eq!(check_value(&r, &json!("apac"), None), Ok(json!("APAC")));
        assert!(check_value(&r, &json!({"a": 1}), None).is_err());
        assert_eq!(
            check_value(&def(ValueKind::Any), &json!({"a": 1}), None),
            Ok(json!({"a": 1}))
        );
    }

    #[test]
    fn labels_and_clashes() {
        let r = def(ValueKind::Select(vec![
            SelectOption {
                value: "eu".into(),
                label: Some("Europe".into()),
            },
            SelectOption {
                value: "A B".into(),
                label: None,
            },
            SelectOption {
                value: "AB".into(),
                label: None,
            },
        ]));
        assert_eq!(check_text(&r, "europe", None).unwrap(), "eu");
        assert_eq!(check_text(&r, "AB", None).unwrap(), "AB", "exact wins");
        let e = check_text(&r, "ab", None).unwrap_err();
        assert!(e.contains("matches several options"), "{e}");
        assert!(check_text(&r, "Eurpoe", None)
            .unwrap_err()
            .contains("\"eu\" (\"Europe\"), \"A B\", \"AB\"; did you mean \"eu\"?"));
    }
}
