//! Header → lead field mapping: pure functions, no I/O.
//!
//! A header matches a lead field ignoring case, accents, spaces and punctuation, with the names
//! real exports give it (`aliases.rs`, the one table `leadctl help columns` prints); a header
//! named after one of the channel's property definitions (or `property:NAME_OR_UUID`) becomes a
//! custom property; standard export columns with no lead field are known and left out with a
//! note; `--map COLUMN=FIELD` and a mapping file (`file.rs`) override all of it. A column can
//! also carry a value map, stand-in columns and a `--set` constant (`values.rs`).

use std::collections::BTreeMap;
use std::sync::Arc;

mod after;
pub mod aliases;
pub mod file;
mod meaning;
mod names;
pub mod values;

use aliases::Meaning;
use values::{Extra, StandIn, ValueMap};

use crate::import::read::Row;

/// What a column feeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A standard field, by its API name.
    Field(&'static str),
    /// A custom property: a definition UUID or a name, resolved per row's channel.
    Property(String),
    /// The `channel_id` of the row.
    Channel,
    /// The lead's status, by name or id (moved there with `update_status` when it differs).
    Status,
    /// Not sent.
    Ignore,
}

impl Target {
    pub fn describe(&self) -> String {
        match self {
            Target::Field(f) => f.to_string(),
            Target::Property(p) => format!("property {p:?}"),
            Target::Channel => "channel_id".to_string(),
            Target::Status => "status".to_string(),
            Target::Ignore => "ignored".to_string(),
        }
    }

    /// How a mapping file or `--map` spells it: `email`, `property:Region`, `ignore`.
    pub fn spelled(&self) -> String {
        match self {
            Target::Field(f) => f.to_string(),
            Target::Property(p) => format!("property:{p}"),
            Target::Channel => "channel_id".to_string(),
            Target::Status => "status".to_string(),
            Target::Ignore => "ignore".to_string(),
        }
    }

    /// Two targets that are one: property names compare normalised.
    fn key(&self) -> Option<String> {
        match self {
            Target::Ignore => None,
            Target::Property(p) => Some(format!("property:{}", normalize(p))),
            other => Some(other.describe()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub index: usize,
    pub header: String,
    pub target: Target,
    /// How the mapping was decided: "name", "alias", "--map", "property name", ...
    pub how: &'static str,
    /// A value map, stand-in columns, a constant, a note; `None` for nearly every column.
    pub extra: Option<Box<Extra>>,
}

impl Column {
    pub fn new(index: usize, header: String, target: Target, how: &'static str) -> Column {
        Column {
            index,
            header,
            target,
            how,
            extra: None,
        }
    }

    /// The value this column gives a row: its trimmed cell (through its value map), else a
    /// stand-in column's, else its constant; "" when there is none.
    pub fn cell<'a>(&'a self, row: &'a Row) -> &'a str {
        let own = row.fields.get(self.index).map_or("", |s| s.trim());
        match &self.extra {
            None => own,
            Some(extra) => extra.value(own, row),
        }
    }

    fn extra_mut(&mut self) -> &mut Extra {
        self.extra.get_or_insert_with(Default::default)
    }

    /// The note said beside the column, if any.
    pub fn note(&self) -> Option<&str> {
        self.extra.as_ref().and_then(|e| e.note.as_deref())
    }

    /// A `--set` column: no cell of its own.
    pub fn is_constant_only(&self) -> bool {
        self.how == "--set"
    }
}

/// The standard fields a column can map to (`--map COLUMN=FIELD` names).
pub const FIELDS: &[&str] = crate::api::models::LEAD_FIELDS;

/// A column holding a whole name (`Full Name`, `Name`, `--map Name=full_name`): first and last
/// name come from it (`split_full_name`) unless the file has columns of their own for them.
pub const FULL_NAME: &str = "full_name";

/// A whole name as (first name, last name): `Jane Smith` → (Jane, Smith), `Mary Ann van Dyke` →
/// (Mary Ann van, Dyke): the last word is the last name; `Smith, Jane` → (Jane, Smith); one word
/// is a first name.
pub fn split_full_name(name: &str) -> (Option<String>, Option<String>) {
    let some = |s: &str| {
        let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
        (!s.is_empty()).then_some(s)
    };
    if let Some((last, first)) = name.split_once(',') {
        return (some(first), some(last));
    }
    match name.trim().rsplit_once(char::is_whitespace) {
        Some((first, last)) => (some(first), some(last)),
        None => (some(name), None),
    }
}

/// The columns leadctl adds to an errors file, so importing that file again just works.
const LEADCTL_COLUMNS: &[&str] = &["leadctl_row", "leadctl_outcome", "leadctl_error"];

pub use crate::fold::normalize;

fn field_for(normalized: &str) -> Option<(&'static str, u8)> {
    match aliases::lookup(normalized) {
        Some((Meaning::Field(f), tier)) => Some((f, tier)),
        _ => None,
    }
}

/// Parses the FIELD of `--map COLUMN=FIELD`.
pub fn parse_target(field: &str) -> Result<Target, String> {
    let f = field.trim();
    if let Some(p) = f.strip_prefix("property:") {
        let p = p.trim();
        return if p.is_empty() {
            Err("property: needs a property name or definition UUID".to_string())
        } else {
            Ok(Target::Property(p.to_string()))
        };
    }
    let n = normalize(f);
    match n.as_str() {
        "ignore" | "skip" | "" => return Ok(Target::Ignore),
        "channelid" | "channel" => return Ok(Target::Channel),
        "status" => return Ok(Target::Status),
        _ => {}
    }
    if let Some(field) = FIELDS.iter().find(|x| normalize(x) == n) {
        return Ok(Target::Field(field));
    }
    if n == normalize(FULL_NAME) {
        return Ok(Target::Field(FULL_NAME));
    }
    if let Some((field, _)) = field_for(&n) {
        return Ok(Target::Field(field));
    }
    if aliases::lookup(&n).is_some_and(|(m, _)| m == Meaning::Status) {
        return Ok(Target::Status);
    }
    Err(format!(
        "unknown field {}; valid: {}, full_name, channel_id, status, property:NAME_OR_UUID, \
         ignore",
        crate::log::quoted(field),
        FIELDS.join(", ")
    ))
}

/// A column → field pair that overrides the names: from `--map` or a mapping file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forced {
    pub column: String,
    pub field: String,
    /// Where it was said, for messages: "--map A=B", "crm.toml, line 4".
    pub origin: String,
    /// "--map" or "--mapping".
    pub how: &'static str,
    /// A missing column is fine (a mapping file's ignored columns).
    pub optional: bool,
}

/// A `--set FIELD=VALUE` (or a mapping file's constant).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constant {
    pub field: String,
    pub value: String,
    pub origin: String,
}

/// A mapping file's value map for one column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Values {
    pub column: String,
    pub map: Arc<ValueMap>,
    pub origin: String,
}

/// What decides the mapping besides the names: in order, a mapping file's and then the
/// command line's (a later pair for the same column, or constant for the same field, wins).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rules {
    pub forced: Vec<Forced>,
    pub constants: Vec<Constant>,
    pub values: Vec<Values>,
}

impl Rules {
    /// `--map` pairs only.
    pub fn from_map(map: &[(String, String)]) -> Rules {
        let mut rules = Rules::default();
        rules.add_flags(map, &[]);
        rules
    }

    /// Adds the command line's `--map` and `--set` pairs after what is there.
    pub fn add_flags(&mut self, map: &[(String, String)], set: &[(String, String)]) {
        for (column, field) in map {
            self.forced.push(Forced {
                column: column.clone(),
                field: field.clone(),
                origin: format!("--map {column}={field}"),
                how: "--map",
                optional: false,
            });
        }
        for (field, value) in set {
            self.constants.push(Constant {
                field: field.clone(),
                value: value.clone(),
                origin: format!("--set {field}={value}"),
            });
        }
    }
}

/// The outcome of mapping a header row.
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    pub columns: Vec<Column>,
    /// Headers that match nothing (an error unless `--ignore-unknown`).
    pub unknown: Vec<(usize, String)>,
    /// Problems that no flag excuses: duplicate targets, `--map` naming no column.
    pub errors: Vec<String>,
    /// Things worth saying that stop nothing (a value map for a column the file lacks).
    pub notes: Vec<String>,
}

impl Mapping {
    /// Whether a column is left out as a known export column (a channel property of that name
    /// would take it, so the channels are worth reading).
    pub fn has_known(&self) -> bool {
        self.columns.iter().any(|c| c.how == "known")
    }
}

/// Maps each header. `property_names` are the normalised names of the channels' property
/// definitions (original spelling as value); `overrides` are the `--map` pairs.
pub fn map_headers(
    headers: &[String],
    overrides: &[(String, String)],
    property_names: &BTreeMap<String, String>,
) -> Mapping {
    map_with(headers, &Rules::from_map(overrides), property_names)
}

/// Maps each header by the names and `rules`.
pub fn map_with(
    headers: &[String],
    rules: &Rules,
    property_names: &BTreeMap<String, String>,
) -> Mapping {
    let mut m = Mapping::default();
    let mut forced = forced_targets(headers, &rules.forced, &mut m.errors);
    let mut tiers = BTreeMap::new();
    for (index, header) in headers.iter().enumerate() {
        let Some(d) = target_for(header, forced.remove(&index), property_names) else {
            m.unknown.push((index, header.clone()));
            continue;
        };
        let mut column = Column::new(index, header.clone(), d.target, d.how);
        if let Some(note) = d.note {
            column.extra_mut().note = Some(note.to_string());
        }
        tiers.insert(index, d.tier);
        m.columns.push(column);
    }
    after::attach_values(headers, &rules.values, &mut m);
    after::stand_ins(&mut m.columns, &tiers);
    after::full_name(&mut m.columns);
    after::add_constants(headers.len(), &rules.constants, &mut m);
    after::doubled_targets(&m.columns, &mut m.errors);
    m
}

/// The targets the forced pairs set, by column index; what cannot be applied goes to `errors`.
fn forced_targets(
    headers: &[String],
    overrides: &[Forced],
    errors: &mut Vec<String>,
) -> BTreeMap<usize, (Target, &'static str)> {
    let mut forced = BTreeMap::new();
    for o in overrides {
        let target = match parse_target(&o.field) {
            Ok(t) => t,
            Err(e) => {
                errors.push(format!("{}: {e}", o.origin));
                continue;
            }
        };
        match columns_named(headers, &o.column).as_slice() {
            [] if o.optional => {}
            [] => errors.push(format!(
                "{}: no column is named {}; the columns are {}",
                o.origin,
                crate::log::quoted(&o.column),
                crate::log::list_some(
                    &headers
                        .iter()
                        .map(|h| crate::log::quoted(h))
                        .collect::<Vec<_>>(),
                    20
                )
            )),
            [i] => {
                forced.insert(*i, (target, o.how));
            }
            several => errors.push(format!(
                "{}: {} columns are named {} (columns {})",
                o.origin,
                several.len(),
                crate::log::quoted(&o.column),
                several
                    .iter()
                    .map(|i| (i + 1).to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }
    forced
}

/// The indexes of the columns a `--map` names: by exact header first, then the normalised
/// spelling.
fn columns_named(headers: &[String], column: &str) -> Vec<usize> {
    let exact: Vec<usize> = (0..headers.len())
        .filter(|&i| headers[i].trim() == column.trim())
        .collect();
    if exact.is_empty() {
        (0..headers.len())
            .filter(|&i| normalize(&headers[i]) == normalize(column))
            .collect()
    } else {
        exact
    }
}

/// What one header feeds, how that was decided, its tier and a note.
struct Decided {
    target: Target,
    how: &'static str,
    tier: u8,
    note: Option<&'static str>,
}

/// What one header feeds, or `None` for an unknown column.
fn target_for(
    header: &str,
    forced: Option<(Target, &'static str)>,
    property_names: &BTreeMap<String, String>,
) -> Option<Decided> {
    let n = normalize(header);
    let decided = |target, how| Decided {
        target,
        how,
        tier: 1,
        note: None,
    };
    let looked_up = aliases::lookup(&n);
    Some(if let Some((t, how)) = forced {
        decided(t, how)
    } else if header.trim().is_empty() {
        decided(Target::Ignore, "no header")
    } else if LEADCTL_COLUMNS.contains(&header.trim()) {
        decided(Target::Ignore, "an errors file's own column")
    } else if let Some(p) = header.trim().strip_prefix("property:") {
        decided(Target::Property(p.trim().to_string()), "property:")
    } else if looked_up.is_some_and(|(m, _)| m == Meaning::Channel) {
        decided(Target::Channel, "name")
    } else if looked_up.is_some_and(|(m, _)| m == Meaning::Status) {
        decided(Target::Status, if n == "status" { "name" } else { "alias" })
    } else if let Some(field) = FIELDS.iter().find(|f| normalize(f) == n) {
        decided(Target::Field(field), "name")
    } else if let Some((field, tier)) = field_for(&n) {
        Decided {
            tier,
            ..decided(Target::Field(field), "alias")
        }
    } else if let Some(name) = property_names.get(&n) {
        decided(Target::Property(name.clone()), "property name")
    } else if let Some((Meaning::Known(why), _)) = looked_up {
        Decided {
            note: Some(why.note()),
            ..decided(Target::Ignore, "known")
        }
    } else if let Some(rest) = export_prefix(header) {
        // `Person - Deal size`: the name without its export's prefix.
        return target_for(rest, None, property_names);
    } else if let Some((base, rank)) = kind_suffix(header) {
        // `Email - Work`, `Phone - Mobile`: the field, standing in for a plain column of it.
        let d = target_for(base, None, property_names)?;
        match d.target {
            Target::Field(_) => Decided {
                tier: d.tier.saturating_add(rank),
                how: "alias",
                ..d
            },
            _ => return None,
        }
    } else {
        return None;
    })
}

/// The rest of a header after a CRM export's record prefix (Pipedrive's `Person - Name`,
/// `Organization - Address`, `Deal - Value`, `Lead - Title`).
fn export_prefix(header: &str) -> Option<&str> {
    let h = header.trim();
    [
        "Person",
        "Organization",
        "Organisation",
        "Deal",
        "Lead",
        "Contact",
    ]
    .iter()
    .find_map(|p| {
        let rest = h.get(p.len()..)?;
        (h[..p.len()].eq_ignore_ascii_case(p))
            .then(|| rest.trim_start().strip_prefix('-'))
            .flatten()
            .map(str::trim)
            .filter(|r| !r.is_empty())
    })
}

/// A header `BASE - KIND` with a kind of email or phone (work, home, mobile, other, ...), and
/// how far its kind stands behind a plain column (work first, other last).
fn kind_suffix(header: &str) -> Option<(&str, u8)> {
    let (base, kind) = header.trim().rsplit_once(" - ")?;
    let rank = match normalize(kind).as_str() {
        "work" | "main" | "business" | "office" => 1,
        "mobile" | "cell" => 2,
        "home" | "private" | "personal" => 3,
        "other" => 4,
        _ => return None,
    };
    Some((base.trim(), rank))
}

#[cfg(test)]
mod tests;
