//! Mapping files (doc/cli.md, "Mapping files"): `--mapping FILE.toml` reads the decisions a run
//! needs besides the column names (columns → fields, ignored columns, constants, value maps per
//! column, the key, the decimal separator); `--save-mapping FILE.toml` writes the ones a run
//! used, so a nightly job is `leadctl import export.csv --mapping crm.toml`.
//!
//! ```toml
//! key = "business_id"
//! decimal_separator = ","
//! date_order = "dmy"
//! timezone = "Europe/Berlin"
//! header_row = 4
//! ignore = ["Internal notes"]
//!
//! [columns]
//! "Kundennummer" = "business_id"
//! "Gebiet" = "property:Region"
//!
//! [constants]
//! source = "HubSpot"
//!
//! [values."Gebiet"]
//! emea = "EMEA"
//!
//! [fields.phone]
//! write = "if_empty"
//! ```
//!
//! `purchases import --mapping` reads the same file with a purchase's fields in `[columns]`
//! (`amount`, `invoice`, `date`, ...); it has no constants, value maps, key or write rules.
//!
//! A file that cannot be used is invalid input (exit 6), as a `--map` naming no field is; the
//! message names the file, the line and the key.

use crate::number::DecimalSeparator;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

use super::values::ValueMap;
use super::{parse_target, Column, Constant, Forced, Mapping, Rules, Target, Values};
use crate::error::Failure;
use crate::identity::KeyKind;

/// The most a mapping file may hold (real ones are a few KiB).
pub const MAX_MAPPING: u64 = 4 * 1024 * 1024;

const HINT: &str = "a mapping file holds key, decimal_separator, date_order, timezone, header_row, max_create, max_changes, ignore = [...], [columns] \
                    \"COLUMN\" = \"FIELD\", [constants] FIELD = \"VALUE\" and [values.\"COLUMN\"] \
                    \"FROM\" = \"TO\" and [fields.FIELD] write = \"always\"|\"if_empty\"|\"never\"|\"clear\" \
                    ([fields.status] write = \"forward_only\", final = [\"Won\", ...]); `leadctl import FILE \
                    --save-mapping NEW.toml` writes one";

/// A mapping file, read and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingFile {
    pub path: PathBuf,
    /// Its columns (and ignored columns), constants and value maps, with their lines.
    pub rules: Rules,
    pub key: Option<KeyKind>,
    /// `","` or `"."`; the command line's `--decimal-separator` wins.
    pub decimal_separator: Option<DecimalSeparator>,
    /// `date_order = "dmy"|"mdy"` and `timezone = "IANA_NAME"`: how the file's dates are read
    /// (`--date-order` and `--timezone` win; they beat the profile's).
    pub date_order: Option<crate::date::DateOrder>,
    pub timezone: Option<String>,
    /// `header_row = N`: the row (a CSV's line) holding the column names below a title block
    /// (`--header-row` wins).
    pub header_row: Option<u64>,
    /// `[fields.NAME] write = "..."`: the write rules (`deliver::write`).
    pub writes: crate::deliver::write::Rules,
    /// `max_create` and `max_changes`: the most one run with this mapping may fire.
    pub limits: crate::import::limits::Limits,
}

/// `[fields.NAME]`: how leadctl writes the field.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    write: Spanned<String>,
    /// `[fields.status] final = ["Won", "Lost"]`: statuses a lead is not moved out of.
    #[serde(default, rename = "final")]
    finals: Option<Spanned<Vec<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    version: Option<Spanned<i64>>,
    key: Option<Spanned<String>>,
    decimal_separator: Option<Spanned<String>>,
    date_order: Option<Spanned<String>>,
    timezone: Option<Spanned<String>>,
    header_row: Option<Spanned<i64>>,
    max_create: Option<u64>,
    max_changes: Option<u64>,
    #[serde(default)]
    ignore: Vec<Spanned<String>>,
    #[serde(default)]
    columns: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    constants: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    values: BTreeMap<String, Spanned<BTreeMap<String, String>>>,
    #[serde(default)]
    fields: BTreeMap<String, RawField>,
}

/// A mapping file's `header_row`, read before the run starts (the run report needs the line of
/// the header); a file that cannot be read says so later, when the run loads it.
pub fn header_row_of(path: Option<&Path>) -> Option<u64> {
    let text = crate::fsutil::read_capped_string(
        path?,
        MAX_MAPPING,
        crate::fsutil::Accept::RegularFile,
        "a mapping file",
    )
    .ok()?;
    let table: toml::Table = toml::from_str(&text).ok()?;
    table
        .get("header_row")?
        .as_integer()
        .and_then(|n| u64::try_from(n).ok())
        .filter(|n| *n >= 1)
}

/// What a mapping file's `[columns]` map to.
#[derive(Clone, Copy)]
pub enum For<'a> {
    /// A lead import's fields and properties (`import`).
    Leads,
    /// A purchase import's fields (`purchases import`): the check of a field name, and the
    /// valid names for messages.
    Purchases(&'a dyn Fn(&str) -> bool, &'a str),
}

/// Reads and checks a mapping file.
pub fn load(path: &Path) -> Result<MappingFile, Failure> {
    load_for(path, For::Leads)
}

/// Reads and checks a mapping file for leads or for purchases.
pub fn load_for(path: &Path, kind: For<'_>) -> Result<MappingFile, Failure> {
    let text = crate::fsutil::read_capped_string(
        path,
        MAX_MAPPING,
        crate::fsutil::Accept::FileOrPipe,
        "a mapping file",
    )
    .map_err(|e| {
        Failure::input(format!(
            "cannot read the mapping file {}: {e}",
            path.display()
        ))
        .with_hint("check the path given to --mapping")
    })?;
    parse_for(&text, path, kind)
}

/// Whether `--save-mapping PATH` may write there: nothing is there yet, or a mapping file (one
/// `--mapping` reads) that this run's replaces. Anything else (a CSV, a config file, a
/// directory) is refused, never overwritten.
pub fn may_overwrite(path: &Path) -> Result<(), Failure> {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Ok(());
    };
    let refuse = |what: &str| {
        Failure::config(format!(
            "--save-mapping {}: {what}, so it is not overwritten",
            path.display()
        ))
        .with_hint("choose another path for --save-mapping, or move that file away first")
    };
    if !meta.is_file() {
        return Err(refuse("is not a regular file"));
    }
    let text = crate::fsutil::read_capped_string(
        path,
        MAX_MAPPING,
        crate::fsutil::Accept::FileOrPipe,
        "a mapping file",
    )
    .map_err(|_| refuse("exists and is not a readable mapping file"))?;
    parse(&text, path).map_err(|_| refuse("exists and is not a leadctl mapping file"))?;
    Ok(())
}

/// A value a mapping file sets (a constant, a value map's target) obeys the cell value limit.
fn too_long(value: &str) -> Result<(), String> {
    let max = crate::import::read::MAX_FIELD;
    if value.len() > max {
        return Err(format!(
            "the value is {} bytes; a value may hold at most {max} bytes (1 MiB)",
            value.len()
        ));
    }
    Ok(())
}

/// 1-based line of a byte offset.
fn line_at(text: &str, offset: usize) -> usize {
    text.get(..offset.min(text.len()))
        .unwrap_or("")
        .matches('\n')
        .count()
        + 1
}

pub fn parse(text: &str, path: &Path) -> Result<MappingFile, Failure> {
    parse_for(text, path, For::Leads)
}

pub fn parse_for(text: &str, path: &Path, kind: For<'_>) -> Result<MappingFile, Failure> {
    let name = path.display().to_string();
    let hint = match kind {
        For::Leads => HINT.to_string(),
        For::Purchases(_, valid) => format!(
            "a purchases mapping holds decimal_separator, date_order, timezone, header_row, \
             max_changes, \
             ignore = [...] and [columns] \"COLUMN\" = \"FIELD\" (FIELD: {valid}), keys before \
             [columns]"
        ),
    };
    let raw: Raw = toml::from_str(text).map_err(|e| {
        let at = e
            .span()
            .map(|s| format!(", line {}", line_at(text, s.start)))
            .unwrap_or_default();
        Failure::input(format!(
            "invalid mapping file {name}{at}: {}",
            e.message().trim_end()
        ))
        .with_hint(hint.clone())
    })?;
    let at = |span: std::ops::Range<usize>, key: &str| {
        format!("{name}, line {}, {key}", line_at(text, span.start))
    };
    let bad = |span: std::ops::Range<usize>, key: &str, why: String| {
        Failure::input(format!("invalid mapping file {}: {why}", at(span, key)))
            .with_hint(hint.clone())
    };
    if let Some(v) = &raw.version {
        if *v.get_ref() != 1 {
            return Err(bad(
                v.span(),
                "version",
                format!("version {} is not one this leadctl reads (1)", v.get_ref()),
            ));
        }
    }
    let key = match &raw.key {
        None => None,
        Some(k) => Some(KeyKind::parse(k.get_ref()).ok_or_else(|| {
            bad(
                k.span(),
                "key",
                format!(
                    "{} is not a key kind: use business_id, email or fields",
                    crate::log::quoted(k.get_ref())
                ),
            )
        })?),
    };
    let decimal_separator = match &raw.decimal_separator {
        None => None,
        Some(d) => match d.get_ref().trim() {
            "," => Some(DecimalSeparator::Comma),
            "." => Some(DecimalSeparator::Dot),
            other => {
                return Err(bad(
                    d.span(),
                    "decimal_separator",
                    format!(
                        "decimal_separator is {}: use \",\" or \".\"",
                        crate::log::quoted(other)
                    ),
                ))
            }
        },
    };
    let (date_order, timezone) = date_keys(&raw, &bad)?;
    let header_row = match &raw.header_row {
        None => None,
        Some(n) => match u64::try_from(*n.get_ref()) {
            Ok(row) if row >= 1 => Some(row),
            _ => {
                return Err(bad(
                    n.span(),
                    "header_row",
                    format!(
                        "header_row is {}: give the row of the column names, 1 or more",
                        n.get_ref()
                    ),
                ))
            }
        },
    };
    if let For::Purchases(..) = kind {
        lead_only(&raw, &bad)?;
    }
    let mut rules = Rules::default();
    for (column, field) in &raw.columns {
        let key = format!("columns.{}", crate::log::quoted(column));
        match kind {
            For::Leads => {
                parse_target(field.get_ref()).map_err(|e| bad(field.span(), &key, e))?;
            }
            For::Purchases(known, valid) if !known(field.get_ref()) => {
                return Err(bad(
                    field.span(),
                    &key,
                    format!(
                        "unknown field {}; valid: {valid}",
                        crate::log::quoted(field.get_ref())
                    ),
                ))
            }
            For::Purchases(..) => {}
        }
        rules.forced.push(Forced {
            column: column.clone(),
            field: field.get_ref().clone(),
            origin: at(field.span(), &key),
            how: "--mapping",
            optional: false,
        });
    }
    for column in &raw.ignore {
        rules.forced.push(Forced {
            column: column.get_ref().clone(),
            field: "ignore".into(),
            origin: at(column.span(), "ignore"),
            how: "--mapping",
            optional: true,
        });
    }
    for (field, value) in &raw.constants {
        let key = format!("constants.{}", crate::log::quoted(field));
        match parse_target(field) {
            Ok(Target::Field(_) | Target::Property(_)) => {}
            Ok(_) => {
                return Err(bad(
                    value.span(),
                    &key,
                    "a constant needs a lead field or property:NAME".into(),
                ))
            }
            Err(e) => return Err(bad(value.span(), &key, e)),
        }
        too_long(value.get_ref()).map_err(|e| bad(value.span(), &key, e))?;
        rules.constants.push(Constant {
            field: field.clone(),
            value: value.get_ref().clone(),
            origin: at(value.span(), &key),
        });
    }
    for (column, pairs) in &raw.values {
        let key = format!("values.{}", crate::log::quoted(column));
        for (from, to) in pairs.get_ref() {
            too_long(to).map_err(|e| {
                bad(
                    pairs.span(),
                    &format!("{key}.{}", crate::log::quoted(&crate::log::cut(from))),
                    e,
                )
            })?;
        }
        rules.values.push(Values {
            column: column.clone(),
            map: Arc::new(ValueMap::new(
                pairs
                    .get_ref()
                    .iter()
                    .map(|(a, b)| (a.clone(), b.clone()))
                    .collect(),
            )),
            origin: at(pairs.span(), &key),
        });
    }
    let writes = write_rules(&raw.fields, &bad)?;
    Ok(MappingFile {
        path: path.to_path_buf(),
        rules,
        key,
        decimal_separator,
        date_order,
        timezone,
        header_row,
        writes,
        limits: crate::import::limits::Limits {
            max_create: raw.max_create,
            max_changes: raw.max_changes,
        },
    })
}

type Bad<'a> = &'a dyn Fn(std::ops::Range<usize>, &str, String) -> Failure;

/// `date_order` and `timezone`, checked.
fn date_keys(
    raw: &Raw,
    bad: Bad<'_>,
) -> Result<(Option<crate::date::DateOrder>, Option<String>), Failure> {
    let order = match &raw.date_order {
        None => None,
        Some(d) => Some(
            d.get_ref()
                .parse::<crate::date::DateOrder>()
                .map_err(|e| bad(d.span(), "date_order", e))?,
        ),
    };
    let zone = match &raw.timezone {
        None => None,
        Some(z) => {
            crate::date::Rules::new(Some(z.get_ref()), None)
                .map_err(|e| bad(z.span(), "timezone", e))?;
            Some(z.get_ref().trim().to_string())
        }
    };
    Ok((order, zone))
}

/// A purchases mapping holds no lead import's decisions: a key, constants, value maps or write
/// rules there would be silently unused.
fn lead_only(raw: &Raw, bad: Bad<'_>) -> Result<(), Failure> {
    let span = |s: Option<std::ops::Range<usize>>, key: &str| (s, key.to_string());
    let found = [
        span(raw.key.as_ref().map(|k| k.span()), "key"),
        span(raw.constants.values().next().map(|v| v.span()), "constants"),
        span(raw.values.values().next().map(|v| v.span()), "values"),
        span(raw.fields.values().next().map(|f| f.write.span()), "fields"),
    ];
    for (at, key) in found {
        if let Some(at) = at {
            return Err(bad(
                at,
                &key,
                format!(
                    "{key} is for lead imports; a purchases mapping holds [columns], ignore, \
                     decimal_separator, date_order, timezone, header_row and max_changes"
                ),
            ));
        }
    }
    Ok(())
}

/// The `[fields.NAME] write = "..."` rules.
fn write_rules(
    fields: &BTreeMap<String, RawField>,
    bad: &dyn Fn(std::ops::Range<usize>, &str, String) -> Failure,
) -> Result<crate::deliver::write::Rules, Failure> {
    use crate::deliver::write::{rule_key, Rule, Rules};
    let mut rules = Rules::default();
    for (field, raw) in fields {
        let key = format!("fields.{field}.write");
        let value = raw.write.get_ref();
        let span = raw.write.span();
        if field == "status" {
            if value.trim() != "forward_only" {
                return Err(bad(
                    span,
                    &key,
                    format!(
                        "{} is not a write rule for the status: use forward_only",
                        crate::log::quoted(value)
                    ),
                ));
            }
            rules.status_forward_only = true;
            if let Some(finals) = &raw.finals {
                for name in finals.get_ref() {
                    if name.trim().is_empty() {
                        return Err(bad(
                            finals.span(),
                            "fields.status.final",
                            "final holds an empty status name".to_string(),
                        ));
                    }
                    if !rules
                        .status_final
                        .iter()
                        .any(|n: &String| n.eq_ignore_ascii_case(name.trim()))
                    {
                        rules.status_final.push(name.trim().to_string());
                    }
                }
            }
            continue;
        }
        if let Some(finals) = &raw.finals {
            return Err(bad(
                finals.span(),
                &format!("fields.{field}.final"),
                "final is for [fields.status] only (the statuses a lead is not moved out of)"
                    .to_string(),
            ));
        }
        match parse_target(field) {
            Ok(Target::Field(_) | Target::Property(_)) => {}
            Ok(_) | Err(_) => {
                return Err(bad(
                    span,
                    &key,
                    format!(
                        "{} is not a lead field or property:NAME",
                        crate::log::quoted(field)
                    ),
                ))
            }
        }
        let rule = match Rule::parse(value) {
            Some(r) => r,
            None if value.trim() == "forward_only" => {
                return Err(bad(
                    span,
                    &key,
                    "\"forward_only\" is for [fields.status] only".to_string(),
                ))
            }
            None => {
                return Err(bad(
                    span,
                    &key,
                    format!(
                        "{} is not a write rule: use always, if_empty, never or clear",
                        crate::log::quoted(value)
                    ),
                ))
            }
        };
        rules.by_field.insert(rule_key(field), rule);
    }
    Ok(rules)
}

/// What `--save-mapping` writes: the decisions of a run that the column names do not make.
pub struct Saved<'a> {
    pub mapping: &'a Mapping,
    /// The constants in force (a mapping file's, then `--set`'s).
    pub constants: &'a [Constant],
    pub key: Option<KeyKind>,
    pub decimal_separator: Option<DecimalSeparator>,
    /// The write rules of the mapping file read (`[fields.*]`), kept.
    pub writes: Option<&'a crate::deliver::write::Rules>,
    /// `--header-row` (or the mapping file's `header_row`) of the run.
    pub header_row: Option<u64>,
    /// The command that wrote it, for its first comment.
    pub input: &'a str,
}

/// A TOML basic string.
fn quote(s: &str) -> String {
    toml_edit::Value::from(s).to_string().trim().to_string()
}

/// The file's text: forced columns in `[columns]`, columns left out by `--ignore-unknown` or
/// `ignore` in `ignore`, the columns matched by their names as comments.
pub fn render(saved: &Saved<'_>) -> String {
    use std::fmt::Write as _;
    let mut text = format!(
        "# leadctl import mapping, saved from {}.\n# Use it with: leadctl import FILE --mapping \
         THIS.toml (options on the command line win over it).\n# Columns matched by their names \
         (`leadctl help columns`) need no line; they are listed as comments.\nversion = 1\n",
        saved.input.replace('\n', " ")
    );
    if let Some(k) = saved.key {
        let _ = writeln!(text, "key = {}", quote(k.as_str()));
    }
    if let Some(d) = saved.decimal_separator {
        let _ = writeln!(text, "decimal_separator = {}", quote(&d.to_string()));
    }
    if let Some(n) = saved.header_row {
        let _ = writeln!(text, "header_row = {n}");
    }
    let columns: Vec<&Column> = saved
        .mapping
        .columns
        .iter()
        .filter(|c| !c.is_constant_only())
        .collect();
    let forced = |c: &&&Column| matches!(c.how, "--map" | "--mapping" | "--ignore-unknown");
    let ignored: Vec<String> = columns
        .iter()
        .filter(forced)
        .filter(|c| c.target == Target::Ignore)
        .map(|c| quote(&c.header))
        .collect();
    if !ignored.is_empty() {
        let _ = writeln!(text, "ignore = [{}]", ignored.join(", "));
    }
    text.push_str("\n[columns]\n");
    for c in &columns {
        if forced(&c) && c.target != Target::Ignore {
            let _ = writeln!(
                text,
                "{} = {}",
                quote(&c.header),
                quote(&c.target.spelled())
            );
        } else if !forced(&c) {
            let what = match c.note() {
                Some(note) => format!("{} ({note})", c.target.spelled()),
                None => c.target.spelled(),
            };
            let _ = writeln!(text, "# {} = {}", quote(&c.header), what.replace('\n', " "));
        }
    }
    if !saved.constants.is_empty() {
        text.push_str("\n[constants]\n");
        let mut last: BTreeMap<String, &Constant> = BTreeMap::new();
        for k in saved.constants {
            last.insert(k.field.trim().to_string(), k);
        }
        for (field, k) in last {
            let _ = writeln!(text, "{} = {}", quote(&field), quote(k.value.trim()));
        }
    }
    for c in &columns {
        let Some(map) = c.extra.as_ref().and_then(|e| e.values.as_ref()) else {
            continue;
        };
        let _ = writeln!(text, "\n[values.{}]", quote(&c.header));
        for (from, to) in &map.pairs {
            let _ = writeln!(text, "{} = {}", quote(from), quote(to));
        }
    }
    if let Some(w) = saved.writes {
        for (field, rule) in &w.by_field {
            let _ = writeln!(
                text,
                "\n[fields.{}]\nwrite = {}",
                quote(field),
                quote(rule.as_str())
            );
        }
        if w.status_forward_only {
            text.push_str("\n[fields.status]\nwrite = \"forward_only\"\n");
            if !w.status_final.is_empty() {
                let names: Vec<String> = w.status_final.iter().map(|n| quote(n)).collect();
                let _ = writeln!(text, "final = [{}]", names.join(", "));
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::super::map_with;
    use super::*;

    #[test]
    fn date_keys_and_the_header_row_are_read_and_checked() {
        let m = parse(
            "date_order = \"MDY\"\ntimezone = \" America/New_York \"\nheader_row = 4\n",
            Path::new("m.toml"),
        )
        .unwrap();
        assert_eq!(m.date_order, Some(crate::date::DateOrder::Mdy));
        assert_eq!(m.timezone.as_deref(), Some("America/New_York"));
        assert_eq!(m.header_row, Some(4));
        for (text, why) in [
            (
                "header_row = -1\n",
                "m.toml, line 1, header_row: header_row is -1",
            ),
            (
                "date_order = \"ydm\"\n",
                "m.toml, line 1, date_order: \"ydm\" is not",
            ),
            (
                "timezone = \"Nowhere\"\n",
                "m.toml, line 1, timezone: \"Nowhere\" is not",
            ),
        ] {
            let err = parse(text, Path::new("m.toml")).unwrap_err();
            assert!(err.message.contains(why), "{}", err.message);
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.toml");
        std::fs::write(&path, "header_row = 3\n[columns]\n").unwrap();
        assert_eq!(header_row_of(Some(&path)), Some(3));
        std::fs::write(&path, "header_row = 0\n").unwrap();
        assert_eq!(header_row_of(Some(&path)), None, "refused by the real load");
        assert_eq!(header_row_of(Some(&dir.path().join("none.toml"))), None);
        assert_eq!(header_row_of(None), None);
    }

    fn file(text: &str) -> Result<MappingFile, String> {
        parse(text, Path::new("crm.toml")).map_err(|f| f.message)
    }

    #[test]
    fn a_mapping_file_round_trips() {
        let m = file(
            "key = \"email\"\ndecimal_separator = \",\"\nignore = [\"Internal\"]\n[columns]\n\
             \"Kundennummer\" = \"business_id\"\n\"Gebiet\" = \"property:Region\"\n[constants]\n\
             source = \"HubSpot\"\n[values.\"Gebiet\"]\nemea = \"EMEA\"\n[fields.phone]\n\
             write = \"if_empty\"\n[fields.\"property:Region\"]\nwrite = \"never\"\n\
             [fields.status]\nwrite = \"forward_only\"\nfinal = [\"Won\", \" Lost \", \"won\"]\n",
        )
        .unwrap();
        assert_eq!(m.writes.by_field.len(), 2);
        assert!(m.writes.status_forward_only);
        assert_eq!(m.writes.status_final, ["Won", "Lost"]);
        assert_eq!(m.key, Some(KeyKind::Email));
        assert_eq!(m.decimal_separator, Some(DecimalSeparator::Comma));
        let headers: Vec<String> = ["Kundennummer", "Gebiet", "Internal", "Email", "Quux"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mut rules = m.rules.clone();
        rules.add_flags(&[("Quux".into(), "ignore".into())], &[]);
        let mapping = map_with(&headers, &rules, &BTreeMap::new());
        assert!(
            mapping.errors.is_empty() && mapping.unknown.is_empty(),
            "{mapping:?}"
        );
        let text = render(&Saved {
            mapping: &mapping,
            constants: &rules.constants,
            key: m.key,
            decimal_separator: m.decimal_separator,
            writes: Some(&m.writes),
            header_row: Some(4),
            input: "leads.csv",
        });
        assert!(
            text.contains("\"Kundennummer\" = \"business_id\"\n"),
            "{text}"
        );
        assert!(
            text.contains("ignore = [\"Internal\", \"Quux\"]\n"),
            "{text}"
        );
        assert!(text.contains("# \"Email\" = email\n"), "{text}");
        let again = file(&text).unwrap();
        assert_eq!(again.writes, m.writes, "the write rules round-trip: {text}");
        let remapped = map_with(&headers, &again.rules, &BTreeMap::new());
        let shape = |m: &Mapping| {
            m.columns
                .iter()
                .map(|c| (c.index, c.header.clone(), c.target.clone(), c.extra.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(shape(&remapped), shape(&mapping));
        assert_eq!(
            (again.key, again.decimal_separator, again.header_row),
            (m.key, m.decimal_separator, Some(4))
        );
    }

    #[test]
    fn invalid_files_name_the_line_and_the_key() {
        for (text, wanted) in [
            (
                "[columns]\n\"Region\" = \"proprety\"\n",
                "crm.toml, line 2, columns.\"Region\": unknown field \"proprety\"",
            ),
            (
                "key = \"id\"\n",
                "crm.toml, line 1, key: \"id\" is not a key kind",
            ),
            (
                "\n\ndecimal_separator = \";\"\n",
                "crm.toml, line 3, decimal_separator: decimal_separator is \";\"",
            ),
            (
                "[constants]\nchannel_id = \"x\"\n",
                "line 2, constants.\"channel_id\": a constant needs a lead field",
            ),
            (
                "colums = 1\n",
                "invalid mapping file crm.toml, line 1: unknown field `colums`",
            ),
            ("[columns]\nEmail = 5\n", "crm.toml, line 2"),
            (
                &format!("[constants]\nnotes = \"{}\"\n", "x".repeat(1024 * 1024 + 1)),
                "crm.toml, line 2, constants.\"notes\": the value is 1048577 bytes; a value may \
                 hold at most 1048576 bytes (1 MiB)",
            ),
            (
                &format!(
                    "[values.\"Region\"]\nemea = \"{}\"\n",
                    "x".repeat(1024 * 1024 + 1)
                ),
                "crm.toml, line 1, values.\"Region\".\"emea\": the value is 1048577 bytes",
            ),
            ("[columns\n", "crm.toml, line 1"),
            (
                "[fields.phone]\nwrite = \"always\"\nfinal = [\"Won\"]\n",
                "crm.toml, line 3, fields.phone.final: final is for [fields.status] only",
            ),
            (
                "[fields.status]\nwrite = \"forward_only\"\nfinal = [\"Won\", \" \"]\n",
                "crm.toml, line 3, fields.status.final: final holds an empty status name",
            ),
        ] {
            let err = file(text).unwrap_err();
            assert!(err.contains(wanted), "{text:?}: {err}");
        }
    }
}
