//! From a CSV row to a `create_lead` body, or the list of everything wrong with the row.
//! Pure functions over a `Plan` (the mapping plus what `get_channels` said), unit-tested.
//! Repeated values across rows are found by `Duplicates` (`validate/duplicates.rs`).

use std::collections::HashMap;
use std::fmt;

use serde_json::Value;

use super::mapping::{Column, Target};
use super::read::Row;
use crate::api::models::{NewLead, PropertyInput};
use crate::api::properties::{is_uuid, Unresolved};

mod duplicates;

pub use duplicates::{duplicate_keys, Duplicates, Key};

/// One thing wrong with one row, located by row, line and column (in a workbook: by sheet,
/// row and cell, `Leads!C12`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub row: u64,
    /// The CSV line the row starts on, or the workbook row.
    pub line: u64,
    /// 1-based column number and header, when the problem is in one cell.
    pub column: Option<(usize, String)>,
    pub message: String,
    /// The sheet of a workbook row.
    pub sheet: Option<std::sync::Arc<str>>,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(sheet) = &self.sheet {
            return match &self.column {
                Some((n, header)) => {
                    let at = super::read::cell_ref(sheet, n.saturating_sub(1), self.line);
                    write!(f, "row {} ({at})", self.row)?;
                    if !header.trim().is_empty() {
                        write!(f, ", column {}", crate::log::quoted(header))?;
                    }
                    write!(f, ": {}", self.message)
                }
                None => write!(
                    f,
                    "row {} (sheet {}, row {}): {}",
                    self.row,
                    super::read::sheet_ref(sheet),
                    self.line,
                    self.message
                ),
            };
        }
        write!(f, "row {} (line {})", self.row, self.line)?;
        if let Some((n, header)) = &self.column {
            if header.trim().is_empty() {
                write!(f, ", column {n}")?;
            } else {
                write!(f, ", column {n} {}", crate::log::quoted(header))?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

/// What is known about a channel for resolving property names (the one rule, in `api`).
pub use crate::api::properties::ChannelProperties as ChannelInfo;

/// Everything `build` needs besides the row.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub columns: Vec<Column>,
    pub header_len: usize,
    pub default_channel: Option<String>,
    /// Channels by lowercase id, when `get_channels` was asked (property names to resolve).
    pub channels: Option<HashMap<String, ChannelInfo>>,
    /// Property columns resolved once for the default channel, by column (see `precompute`).
    pub default_properties: Vec<Option<Result<String, String>>>,
    /// The `leadctl_outcome` column of an errors file being imported, unless `--retry-unknown`:
    /// its `unknown` rows may exist already, so they are refused like invalid rows.
    pub unknown_outcome: Option<usize>,
}

impl Plan {
    /// Resolves every property column for the default channel once, so rows on that channel
    /// (nearly all of them) do not look names up again.
    pub fn precompute(&mut self) {
        let Some(channel) = self.default_channel.clone() else {
            return;
        };
        let mut resolved = vec![None; self.header_len];
        for c in &self.columns {
            if let (Target::Property(key), Some(slot)) = (&c.target, resolved.get_mut(c.index)) {
                *slot = Some(resolve_property(self, Some(&channel), key));
            }
        }
        self.default_properties = resolved;
    }
}

/// A syntactically valid address with a dotted domain (the server stays the authority).
/// ASCII addresses (nearly all) are checked by a fast byte scan; others, and quoted local
/// parts, by the `email_address` crate's full grammar plus the same domain rule.
pub fn valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    if local.is_empty() || local.len() > 64 || domain.is_empty() || domain.len() > 253 {
        return false;
    }
    if !s.is_ascii() || local.starts_with('"') {
        return email_address::EmailAddress::is_valid(s)
            && domain.contains('.')
            && !domain.starts_with(['.', '['])
            && !domain.ends_with('.');
    }
    valid_dot_atom(local.as_bytes()) && valid_domain(domain.as_bytes())
}

/// RFC 5322 dot-atom: atext characters in runs separated by single dots.
fn valid_dot_atom(local: &[u8]) -> bool {
    let atext = |c: u8| c.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~".contains(&c);
    local
        .split(|&c| c == b'.')
        .all(|run| !run.is_empty() && run.iter().all(|&c| atext(c)))
}

/// At least two labels of letters, digits and inner hyphens, each at most 63 long.
fn valid_domain(domain: &[u8]) -> bool {
    let mut labels = 0;
    for label in domain.split(|&c| c == b'.') {
        let (Some(&first), Some(&last)) = (label.first(), label.last()) else {
            return false;
        };
        if label.len() > 63
            || !first.is_ascii_alphanumeric()
            || !last.is_ascii_alphanumeric()
            || !label
                .iter()
                .all(|&c| c.is_ascii_alphanumeric() || c == b'-')
        {
            return false;
        }
        labels += 1;
    }
    labels >= 2
}

/// The body for one row, or every problem with it.
pub fn build(plan: &Plan, row: &Row) -> Result<NewLead, Vec<Problem>> {
    if let Some(p) = shape_problem(plan, row) {
        return Err(vec![p]);
    }
    let mut problems = cell_problems(plan, row);
    let channel = row_channel(plan, row, &mut problems);
    let mut lead = NewLead {
        channel_id: channel.clone().unwrap_or_default(),
        ..NewLead::default()
    };
    for c in &plan.columns {
        // An error cell is reported once, by `cell_problems`.
        if row.cell_errors.iter().any(|(i, _)| *i == c.index) {
            continue;
        }
        add_column(plan, row, c, channel.as_deref(), &mut lead, &mut problems);
    }
    if problems.is_empty() {
        Ok(lead)
    } else {
        Err(problems)
    }
}

/// A problem with `row`, located in a mapped column, else at a bare column index, else in
/// the row as a whole.
fn problem(row: &Row, column: Option<&Column>, index: Option<usize>, message: String) -> Problem {
    Problem {
        row: row.number,
        line: row.line,
        column: column
            .map(|c| (c.index + 1, c.header.clone()))
            .or_else(|| index.map(|i| (i + 1, String::new()))),
        message,
        sheet: row.sheet.clone(),
    }
}

/// The trimmed value of a column's cell ("" when the row is short).
fn cell<'r>(row: &'r Row, c: &Column) -> &'r str {
    row.fields.get(c.index).map(|s| s.trim()).unwrap_or("")
}

/// A row whose field count does not match the header (beyond trailing empty fields): nothing
/// else about it is checked.
fn shape_problem(plan: &Plan, row: &Row) -> Option<Problem> {
    if row.fields.len() == plan.header_len {
        return None;
    }
    let extra_empty = row.fields.len() > plan.header_len
        && row.fields[plan.header_len..]
            .iter()
            .all(|f| f.trim().is_empty());
    if extra_empty {
        return None;
    }
    if row.sheet.is_some() {
        // A workbook row is as wide as the header unless a cell past it holds something.
        let (i, value) = row
            .fields
            .iter()
            .enumerate()
            .skip(plan.header_len)
            .find(|(_, f)| !f.trim().is_empty())?;
        return Some(problem(
            row,
            None,
            Some(i),
            format!(
                "holds a value ({}) in a column without a header; name the column in the \
                 header row or remove the value",
                crate::log::quoted(value)
            ),
        ));
    }
    Some(problem(
        row,
        None,
        None,
        format!(
            "has {}, but the header has {}; check for a missing or extra delimiter \
             or an unquoted delimiter inside a value",
            crate::log::counted(row.fields.len(), "field", "fields"),
            plan.header_len
        ),
    ))
}

/// Cells that cannot be read (undecodable bytes), and an `unknown` outcome from an earlier run.
fn cell_problems(plan: &Plan, row: &Row) -> Vec<Problem> {
    let mut problems = Vec::new();
    for &i in &row.undecodable {
        let col = plan.columns.iter().find(|c| c.index == i);
        problems.push(problem(
            row,
            col,
            Some(i),
            "holds bytes that are not valid in the file's encoding; re-save it as UTF-8 or pass \
             --encoding"
                .to_string(),
        ));
    }
    for (i, error) in &row.cell_errors {
        // An error in a column that is left out does not matter.
        let col = plan.columns.iter().find(|c| c.index == *i);
        if col.is_some_and(|c| c.target == Target::Ignore) {
            continue;
        }
        problems.push(problem(
            row,
            col,
            Some(*i),
            format!(
                "holds the error value {error} (a formula that failed in the workbook); fix it \
                 there, or empty the cell"
            ),
        ));
    }
    if let Some(i) = plan.unknown_outcome {
        if row.fields.get(i).is_some_and(|v| v.trim() == "unknown") {
            problems.push(problem(
                row,
                plan.columns.iter().find(|c| c.index == i),
                Some(i),
                "the earlier run sent this row without a reliable answer, so it may exist \
                 already; check it in KeenPartner, then remove the row, or pass --retry-unknown \
                 to send it anyway"
                    .to_string(),
            ));
        }
    }
    problems
}

/// The row's channel: its `channel_id` cell, else the default; `None` (with a problem) when
/// there is none or it is not a UUID.
fn row_channel(plan: &Plan, row: &Row, problems: &mut Vec<Problem>) -> Option<String> {
    let channel_col = plan.columns.iter().find(|c| c.target == Target::Channel);
    let channel = channel_col
        .map(|c| cell(row, c))
        .filter(|s| !s.is_empty())
        .or(plan.default_channel.as_deref());
    match channel {
        None => {
            problems.push(problem(
                row,
                channel_col,
                None,
                "no channel: the channel_id cell is empty and no --channel (or LEADCTL_CHANNEL, \
                 or profile channel) is set"
                    .to_string(),
            ));
            None
        }
        Some(c) if !is_uuid(c) => {
            problems.push(problem(
                row,
                channel_col,
                None,
                format!("channel id {c:?} is not a UUID"),
            ));
            None
        }
        Some(c) => Some(c.to_string()),
    }
}

/// One column's cell into the lead (a field or a property), or its problem.
fn add_column(
    plan: &Plan,
    row: &Row,
    c: &Column,
    channel: Option<&str>,
    lead: &mut NewLead,
    problems: &mut Vec<Problem>,
) {
    let value = cell(row, c);
    match &c.target {
        Target::Ignore if c.header.trim().is_empty() && !value.is_empty() => {
            problems.push(problem(
                row,
                Some(c),
                None,
                format!(
                    "has a value ({}) in a column without a header; name the column or remove it",
                    crate::log::quoted(value)
                ),
            ));
        }
        _ if value.is_empty() => {}
        // Text columns in the API's database cannot hold U+0000: the create would fail on
        // the server, possibly as a 500 that leaves the row unknown.
        Target::Field(_) | Target::Property(_) if value.contains('\0') => {
            problems.push(problem(
                row,
                Some(c),
                None,
                "holds a NUL byte (U+0000), which the API cannot store; remove it".to_string(),
            ));
        }
        Target::Field(name) => {
            if *name == "email" && !valid_email(value) {
                problems.push(problem(
                    row,
                    Some(c),
                    None,
                    format!("{} is not a valid email address", crate::log::quoted(value)),
                ));
            }
            lead.set_field(name, value.to_string());
        }
        Target::Property(key) => match property_input(plan, channel, c, key, value) {
            Ok(input) => lead.properties.push(input),
            Err(msg) => problems.push(problem(row, Some(c), None, msg)),
        },
        Target::Channel | Target::Ignore => {}
    }
}

/// A property cell as a `PropertyInput`: its definition resolved and its value fit for it.
fn property_input(
    plan: &Plan,
    channel: Option<&str>,
    c: &Column,
    key: &str,
    value: &str,
) -> Result<PropertyInput, String> {
    let id = resolved_property(plan, channel, c, key)?;
    let value = Value::String(value.to_string());
    match number_problem_on(plan, channel, &id, &value) {
        Some(msg) => Err(msg),
        None => Ok(PropertyInput {
            property_definitions_id: id,
            value,
        }),
    }
}

/// Why a value cannot go to this property: a number property given a value that is not a finite
/// number (the definition's type is known once the channels were read).
fn number_problem_on(
    plan: &Plan,
    channel: Option<&str>,
    id: &str,
    value: &Value,
) -> Option<String> {
    // The cheap test first: nearly every value is finite or not a number at all.
    if !crate::api::properties::non_finite(value) {
        return None;
    }
    let info = plan.channels.as_ref()?.get(&channel?.to_lowercase())?;
    if info.is_number(id) {
        crate::api::properties::number_problem(value)
    } else {
        None
    }
}

/// A property column's definition id for a row: from the cache when the row is on the default
/// channel, else looked up.
fn resolved_property(
    plan: &Plan,
    channel: Option<&str>,
    c: &Column,
    key: &str,
) -> Result<String, String> {
    let on_default = match (channel, plan.default_channel.as_deref()) {
        (Some(row), Some(default)) => row.eq_ignore_ascii_case(default),
        _ => false,
    };
    if on_default {
        if let Some(Some(cached)) = plan.default_properties.get(c.index) {
            return cached.clone();
        }
    }
    resolve_property(plan, channel, key)
}

fn resolve_property(plan: &Plan, channel: Option<&str>, key: &str) -> Result<String, String> {
    let Some(channel) = channel else {
        return Err("cannot resolve the property without a channel".to_string());
    };
    let shown = crate::log::quoted(key);
    let info = match &plan.channels {
        None if is_uuid(key) => return Ok(key.to_string()),
        None => {
            return Err(format!(
                "property {shown} cannot be resolved: channels were not read"
            ))
        }
        Some(all) => all.get(&channel.to_lowercase()),
    };
    let Some(info) = info else {
        return Err(format!(
            "channel {channel} is not among the channels this API key can access, so property \
             {shown} cannot be checked"
        ));
    };
    info.resolve(key).map_err(|why| match why {
        Unresolved::NotOnChannel => {
            format!("property definition {key} is not on channel {}", info.label)
        }
        Unresolved::Ambiguous(_) => format!(
            "property name {shown} is ambiguous on channel {}; map the column to property:UUID",
            info.label
        ),
        Unresolved::Unknown => format!(
            "property {shown} is not on channel {}; its properties are {}",
            info.label,
            if info.names.is_empty() {
                "none".to_string()
            } else {
                info.names
                    .iter()
                    .map(|n| crate::log::quoted(n))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::super::mapping::map_headers;
    use super::*;
    use crate::api::models::Channel;
    use serde_json::json;
    use std::collections::BTreeMap;

    const CH: &str = "a1b2c3d4-e5f6-7890-abcd-ef1234567890";
    const DEAL: &str = "11111111-2222-3333-4444-555555555555";

    fn plan(headers: &[&str], with_channels: bool) -> Plan {
        let headers: Vec<String> = headers.iter().map(|s| s.to_string()).collect();
        let names: BTreeMap<String, String> =
            [("dealsize".to_string(), "Deal size".to_string())].into();
        let mapping = map_headers(&headers, &[], &names);
        let channel: Channel = serde_json::from_value(json!({"id": CH, "title": "Acme",
            "property_definitions": [{"id": DEAL, "name": "Deal size", "type": "number"}]}))
        .unwrap();
        let mut plan = Plan {
            columns: mapping.columns,
            header_len: headers.len(),
            default_channel: Some(CH.to_string()),
            channels: with_channels
                .then(|| [(CH.to_string(), ChannelInfo::from_channel(&channel))].into()),
            ..Plan::default()
        };
        plan.precompute();
        plan
    }

    fn row(n: u64, fields: &[&str]) -> Row {
        Row {
            number: n,
            line: n + 1,
            fields: fields.iter().map(|s| s.to_string()).collect(),
            undecodable: Vec::new(),
            sheet: None,
            cell_errors: Vec::new(),
        }
    }

    #[test]
    fn workbook_problems_name_the_sheet_and_the_cell() {
        let p = plan(&["Email", "First Name", "Deal size"], true);
        let mut r = row(3, &["jane@", "#N/A", "5"]);
        r.line = 12;
        r.sheet = Some("Q3 leads".into());
        r.cell_errors = vec![(1, "#N/A".to_string())];
        let text: Vec<String> = build(&p, &r)
            .unwrap_err()
            .iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(
            text,
            [
                "row 3 ('Q3 leads'!B12), column \"First Name\": holds the error value #N/A (a \
                 formula that failed in the workbook); fix it there, or empty the cell",
                "row 3 ('Q3 leads'!A12), column \"Email\": \"jane@\" is not a valid email address",
            ]
        );
        // A value right of the header's last column.
        let mut wide = row(1, &["jane@example.com", "Jane", "5", "", "stray"]);
        wide.sheet = Some("Leads".into());
        wide.line = 2;
        let text = build(&p, &wide).unwrap_err()[0].to_string();
        assert_eq!(
            text,
            "row 1 (Leads!E2): holds a value (\"stray\") in a column without a header; name the \
             column in the header row or remove the value"
        );
        let whole = Problem {
            row: 1,
            line: 2,
            column: None,
            message: "m".to_string(),
            sheet: Some("Leads".into()),
        };
        assert_eq!(whole.to_string(), "row 1 (sheet Leads, row 2): m");
    }

    #[test]
    fn a_good_row_becomes_a_body_without_empty_fields() {
        let p = plan(&["Email", "First Name", "Notes", "Deal size"], true);
        let lead = build(&p, &row(1, &[" jane@example.com ", "Jane", "", "50000"])).unwrap();
        let body = serde_json::to_value(&lead).unwrap();
        assert_eq!(
            body,
            json!({"channel_id": CH, "email": "jane@example.com", "first_name": "Jane",
                   "properties": [{"property_definitions_id": DEAL, "value": "50000"}]})
        );
    }

    #[test]
    fn every_problem_is_located() {
        let p = plan(&["Email", "Channel ID", "property:Budget"], true);
        let errs = build(&p, &row(3, &["jane@", "not-a-uuid", "5"])).unwrap_err();
        let text: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
        assert_eq!(text.len(), 3, "{text:?}");
        assert_eq!(
            text[0],
            "row 3 (line 4), column 2 \"Channel ID\": channel id \"not-a-uuid\" is not a UUID"
        );
        assert_eq!(
            text[1],
            "row 3 (line 4), column 1 \"Email\": \"jane@\" is not a valid email address"
        );
        assert!(
            text[2].contains(
                "column 3 \"property:Budget\": cannot resolve the property without a channel"
            ),
            "{}",
            text[2]
        );

        let errs = build(&p, &row(4, &["a@b.example", "", "5"])).unwrap_err();
        assert!(
            errs[0]
                .message
                .contains("property \"Budget\" is not on channel Acme"),
            "{}",
            errs[0]
        );
    }

    #[test]
    fn ragged_rows() {
        let p = plan(&["Email", "First Name"], false);
        let errs = build(&p, &row(2, &["a@b.example"])).unwrap_err();
        assert_eq!(errs[0].to_string(), "row 2 (line 3): has 1 field, but the header has 2; check for a missing or extra delimiter or an unquoted delimiter inside a value");
        assert!(build(&p, &row(2, &["a@b.example", "A", "x"])).is_err());
        assert!(
            build(&p, &row(2, &["a@b.example", "A", "", " "])).is_ok(),
            "trailing empty cells are tolerated"
        );
    }

    #[test]
    fn undecodable_and_headerless_cells() {
        let p = plan(&["Email", ""], false);
        let mut r = row(5, &["a@b.example", "x"]);
        r.undecodable = vec![0];
        let errs = build(&p, &r).unwrap_err();
        assert_eq!(errs.len(), 2);
        assert!(errs[0]
            .to_string()
            .starts_with("row 5 (line 6), column 1 \"Email\": holds bytes that are not valid"));
        assert!(errs[1].to_string().starts_with(
            "row 5 (line 6), column 2: has a value (\"x\") in a column without a header"
        ));
    }

    #[test]
    fn a_nul_byte_is_refused_before_the_server_sees_it() {
        let p = plan(&["Email", "First Name"], false);
        let errs = build(&p, &row(1, &["a@b.example", "A\0nn"])).unwrap_err();
        assert_eq!(
            errs[0].to_string(),
            "row 1 (line 2), column 2 \"First Name\": holds a NUL byte (U+0000), which the API \
             cannot store; remove it"
        );
    }

    #[test]
    fn emails() {
        for ok in [
            "a@b.example",
            "first.last+tag@sub.example.co.uk",
            "JOSE@EXAMPLE.COM",
        ] {
            assert!(valid_email(ok), "{ok}");
        }
        for bad in [
            "",
            "a",
            "a@",
            "@b.example",
            "a@b",
            "a b@c.example",
            "a@b.example.",
            "a..b@c.example",
            "a@[127.0.0.1]",
        ] {
            assert!(!valid_email(bad), "{bad}");
        }
    }
}
