//! From a CSV row to a `create_lead` body, or the list of everything wrong with the row.
//! Pure functions over a `Plan` (the mapping plus what `get_channels` said), unit-tested.
//! Repeated values across rows are found by `Duplicates` (`validate/duplicates.rs`).

use std::collections::HashMap;
use std::fmt;

use serde_json::Value;

use super::mapping::{Column, Target};
use super::read::Row;
use crate::api::models::{NewLead, PropertyInput};
use crate::api::properties::{is_uuid, Definition, ValueKind};
use crate::number::DecimalSeparator;

mod duplicates;
pub mod grouped;

pub use duplicates::{duplicate_keys, Duplicates, Key, Repeats};

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
        // A query's rows have no line (0): the row and the column say where.
        write!(f, "row {}", self.row)?;
        if self.line > 0 {
            write!(f, " (line {})", self.line)?;
        }
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
    pub default_properties: Vec<Option<Result<Definition, String>>>,
    /// The file's decimal separator for number properties (`--decimal-separator`), if known.
    pub decimal_separator: Option<DecimalSeparator>,
    /// The `leadctl_outcome` column of an errors file being imported, unless `--retry-unknown`:
    /// its `unknown` rows may exist already, so they are refused like invalid rows.
    pub unknown_outcome: Option<usize>,
    /// Channels by lowercase id, for a status column (`import::status`); empty without one.
    pub statuses: HashMap<String, crate::api::models::Channel>,
    /// The write rules of the run (`write.rs`: a mapping file's `[fields.*]`, `--clear-empty`).
    pub writes: Option<std::sync::Arc<crate::deliver::write::Rules>>,
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
    if !crate::lead::has_lead_data(&lead.fields) {
        problems.push(problem(
            row,
            None,
            None,
            crate::lead::NO_LEAD_DATA.to_string(),
        ));
    }
    if problems.is_empty() {
        Ok(lead)
    } else {
        Err(problems)
    }
}

/// The fields whose column is in the input but empty in this row (emptied), and the names of
/// the properties its columns feed, by ledger key (`property:<id>`). A field with a value from
/// another column is not emptied; a property that does not resolve is left to `build`'s
/// problems.
pub fn presence(
    plan: &Plan,
    row: &Row,
    channel: &str,
) -> (Vec<String>, crate::deliver::write::Names) {
    let mut emptied = Vec::new();
    let mut names = crate::deliver::write::Names::new();
    for c in &plan.columns {
        let key = match &c.target {
            Target::Field(name) => (*name).to_string(),
            Target::Property(key) => match resolved_property(plan, Some(channel), c, key) {
                Ok(def) => {
                    let k = format!("property:{}", def.id.to_lowercase());
                    names.insert(k.clone(), def.name.clone());
                    k
                }
                Err(_) => continue,
            },
            Target::Channel | Target::Status | Target::Ignore => continue,
        };
        if cell(row, c).is_empty() && !row.cell_errors.iter().any(|(i, _)| *i == c.index) {
            emptied.push(key);
        }
    }
    emptied.sort();
    emptied.dedup();
    (emptied, names)
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

/// The trimmed value of a column's cell ("" when the row is short), through its value map,
/// stand-in columns and `--set` constant (`Column::cell`).
fn cell<'r>(row: &'r Row, c: &'r Column) -> &'r str {
    c.cell(row)
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
            super::read::error_problem(error),
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

/// The row's channel when it names a valid one (its own problems are `build`'s to say), so a
/// row with other problems still has its status checked.
pub fn channel_of(plan: &Plan, row: &Row) -> Option<String> {
    row_channel(plan, row, &mut Vec::new())
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
        Some(c) => match crate::lead::channel_id_problem(c) {
            Some(why) => {
                problems.push(problem(row, channel_col, None, why));
                None
            }
            None => Some(c.trim().to_string()),
        },
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
        Target::Field(_) | Target::Property(_) if value.contains('\0') => {
            problems.push(problem(row, Some(c), None, crate::lead::NUL.to_string()));
        }
        Target::Field(name) if *name == super::mapping::FULL_NAME => {
            let (first, last) = super::mapping::split_full_name(value);
            for (field, part) in [("first_name", first), ("last_name", last)] {
                let Some(part) = part else { continue };
                if let Some(why) = crate::lead::field_problem(field, &part) {
                    problems.push(problem(row, Some(c), None, why));
                }
                lead.set_field(field, part);
            }
        }
        Target::Field(name) => {
            if let Some(why) = crate::lead::field_problem(name, value) {
                problems.push(problem(row, Some(c), None, why));
            }
            lead.set_field(name, value.to_string());
        }
        Target::Property(key) => match property_input(plan, channel, c, key, value) {
            Ok(input) => lead.properties.push(input),
            Err(msg) => problems.push(problem(row, Some(c), None, msg)),
        },
        Target::Channel | Target::Status | Target::Ignore => {}
    }
}

/// A property cell as a `PropertyInput`: its definition resolved and its value fit for it
/// (`lead::values`: numbers as plain decimals, select values in their option's spelling).
fn property_input(
    plan: &Plan,
    channel: Option<&str>,
    c: &Column,
    key: &str,
    value: &str,
) -> Result<PropertyInput, String> {
    let def = resolved_property(plan, channel, c, key)?;
    let value = crate::lead::values::check_text(&def, value, plan.decimal_separator)?;
    Ok(PropertyInput {
        property_definitions_id: def.id.clone(),
        value: Value::String(value.into_owned()),
    })
}

/// A property column's definition for a row: from the cache when the row is on the default
/// channel, else looked up.
fn resolved_property<'p>(
    plan: &'p Plan,
    channel: Option<&str>,
    c: &Column,
    key: &str,
) -> Result<std::borrow::Cow<'p, Definition>, String> {
    let on_default = match (channel, plan.default_channel.as_deref()) {
        (Some(row), Some(default)) => row.eq_ignore_ascii_case(default),
        _ => false,
    };
    if on_default {
        if let Some(Some(cached)) = plan.default_properties.get(c.index) {
            return cached
                .as_ref()
                .map(std::borrow::Cow::Borrowed)
                .map_err(Clone::clone);
        }
    }
    resolve_property(plan, channel, key).map(std::borrow::Cow::Owned)
}

fn resolve_property(plan: &Plan, channel: Option<&str>, key: &str) -> Result<Definition, String> {
    let Some(channel) = channel else {
        return Err("cannot resolve the property without a channel".to_string());
    };
    let shown = crate::log::quoted(key);
    let info = match &plan.channels {
        // Without the channels (never when a column names a property: `prepare` reads them),
        // a UUID goes as it is.
        None if is_uuid(key) => {
            return Ok(Definition {
                id: key.trim().to_string(),
                name: key.trim().to_string(),
                kind: ValueKind::Any,
            })
        }
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
    info.resolve_definition(key)
        .cloned()
        .map_err(|why| crate::lead::names::property_problem(info, key, &why))
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
    const REGION: &str = "f0000001-0000-4000-8000-000000000002";

    fn plan(headers: &[&str], with_channels: bool) -> Plan {
        let headers: Vec<String> = headers.iter().map(|s| s.to_string()).collect();
        let names: BTreeMap<String, String> = [
            ("dealsize".to_string(), "Deal size".to_string()),
            ("region".to_string(), "Region".to_string()),
        ]
        .into();
        let mapping = map_headers(&headers, &[], &names);
        let channel: Channel = serde_json::from_value(json!({"id": CH, "title": "Acme",
            "property_definitions": [{"id": DEAL, "name": "Deal size", "type": "number"},
                {"id": REGION, "name": "Region", "type": "select", "options": ["EMEA", "APAC"]}]}))
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
            "row 3 (line 4), column 2 \"Channel ID\": channel id \"not-a-uuid\" is not a UUID \
             (e.g. a1b2c3d4-e5f6-7890-abcd-ef1234567890)"
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
                .contains("unknown property \"Budget\" on channel Acme"),
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
            "row 1 (line 2), column 2 \"First Name\": holds a NUL character (U+0000), which the \
             API cannot store; remove it"
        );
    }

    #[test]
    fn a_row_without_lead_data_is_invalid() {
        let p = plan(&["Email", "Notes", "Deal size"], true);
        let errs = build(&p, &row(7, &["", "call back", "5"])).unwrap_err();
        assert_eq!(
            errs[0].to_string(),
            "row 7 (line 8): has no lead data: none of email, phone, first or last name, company \
             or business id is given, so it would be a blank lead"
        );
        assert_eq!(build(&p, &row(8, &[" ", "", ""])).unwrap_err().len(), 1);
    }

    #[test]
    fn property_values_by_type() {
        let mut p = plan(&["Email", "Deal size", "Region"], true);
        let body = |p: &Plan, deal: &str, region: &str| {
            build(p, &row(1, &["a@b.example", deal, region]))
                .map(|l| {
                    l.properties
                        .iter()
                        .map(|p| p.value.as_str().unwrap().to_string())
                        .collect::<Vec<_>>()
                })
                .map_err(|e| e.iter().map(|e| e.to_string()).collect::<Vec<_>>())
        };
        assert_eq!(
            body(&p, "50000", "emea"),
            Ok(vec!["50000".into(), "EMEA".into()])
        );
        let errs = body(&p, "50.000", "Mars").unwrap_err();
        assert_eq!(
            errs[0],
            "row 1 (line 2), column 2 \"Deal size\": \"50.000\" (number property \"Deal size\") \
             could be 50 (decimal point) or 50000 (decimal comma): say which with \
             --decimal-separator . or --decimal-separator ,"
        );
        assert!(
            errs[1].starts_with(
                "row 1 (line 2), column 3 \"Region\": \"Mars\" is not an option of property \
                 \"Region\"; its options are \"EMEA\", \"APAC\""
            ),
            "{}",
            errs[1]
        );
        p.decimal_separator = Some(DecimalSeparator::Comma);
        assert_eq!(
            body(&p, "1 200,50", "APAC"),
            Ok(vec!["1200.5".into(), "APAC".into()])
        );
    }
}
