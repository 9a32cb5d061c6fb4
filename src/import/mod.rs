//! `leadctl import FILE`: CSV rows to leads.
//!
//! Part one (this module, `read`, `mapping`, `validate`): open the file, detect its encoding and
//! delimiter, map the header, and check every row before anything is sent. A file is read again
//! for each later pass (duplicates, then the bodies), so memory does not grow with its size; stdin
//! can be read once only, so its rows are checked as they stream.

pub mod mapping;
pub mod read;
pub mod validate;

use std::collections::{BTreeMap, HashMap};

use anyhow::{Context, Result};

use crate::api::models::{ActionBody, Channel, NewLead};
use crate::api::ApiClient;
use crate::cli::{ImportArgs, OutputFormat};
use crate::exit::{Failure, Kind};
use crate::output::{Log, Output};
use crate::settings::Settings;
use mapping::{Mapping, Target};
use read::{Format, Row, Rows, Source};
use validate::{ChannelInfo, Duplicates, Plan, Problem};

/// Everything decided before the first row: the format, the header and the plan.
pub struct Prepared {
    pub source: Source,
    pub format: Format,
    pub headers: Vec<String>,
    pub plan: Plan,
    pub client: Option<ApiClient>,
}

pub fn run(settings: &Settings, args: &ImportArgs, out: &mut Output) -> Result<()> {
    let source = Source::from_arg(&args.file);
    let (prepared, rows) = prepare(settings, args, source)?;
    match prepared.source {
        Source::File(_) => run_file(settings, args, &prepared, rows, out),
        Source::Stdin => run_stream(settings, args, &prepared, rows, out),
    }
}

/// Opens the input, reads the header, maps it (asking `get_channels` when property names are
/// involved) and makes the plan. Says on stderr what was detected.
pub fn prepare(settings: &Settings, args: &ImportArgs, source: Source) -> Result<(Prepared, Rows)> {
    let log = &settings.log;
    let name = source.name();
    let forced = args.encoding.as_deref().and_then(read::encoding_for_label);
    let opened = read::open(&source, forced, args.delimiter).map_err(|e| Failure::input(e.0))?;
    let format = opened.format.clone();
    log.notice(&format!("{name}: {}", format.describe()));
    let mut rows = Rows::new(opened);
    let header = rows
        .header()
        .map_err(|e| Failure::input(format!("{name}, line {}: {}", e.line, e.message)))?
        .ok_or_else(|| {
            Failure::input(format!(
                "{name} is empty: a header row naming the columns is needed"
            ))
            .with_hint("the first row names the columns, e.g. Email,First Name,Last Name,Company")
        })?;
    let headers = header.fields;
    if let Some(&i) = header.undecodable.first() {
        return Err(Failure::input(format!(
            "{name}, header column {}: holds bytes that are not valid in the encoding {}",
            i + 1,
            format.encoding.name()
        ))
        .with_hint("re-save the file as UTF-8, or pass --encoding")
        .into());
    }

    // Without property names first: do we need the channels at all?
    let first = mapping::map_headers(&headers, &args.map, &BTreeMap::new());
    let has_channel_column = first.columns.iter().any(|c| c.target == Target::Channel);
    let default_channel = match settings.require_channel(args.channel.as_deref()) {
        Ok(c) => {
            if !is_uuid(&c.value) {
                return Err(Failure::input(format!(
                    "channel id {:?} ({}) is not a UUID",
                    c.value, c.origin
                ))
                .into());
            }
            Some(c.value.trim().to_string())
        }
        Err(_) if has_channel_column => None,
        Err(f) => return Err(f.into()),
    };
    let needs_channels = !first.unknown.is_empty()
        || first
            .columns
            .iter()
            .any(|c| matches!(c.target, Target::Property(_)));

    let mut client = None;
    let mut channels: Option<Vec<Channel>> = None;
    if needs_channels {
        settings.require_key().map_err(|f| {
            let hint = f.hint.clone().unwrap_or_default();
            Failure::config(
                "no API key: matching columns to the channel's property names needs get_channels",
            )
            .with_hint(hint)
        })?;
        let c = settings.client()?;
        let list = c
            .get_channels()
            .context("reading the channels' property definitions (get_channels)")?;
        if let Some(id) = &default_channel {
            if validate_find(&list, id).is_none() && !has_channel_column {
                return Err(Failure::new(
                    Kind::Permission,
                    format!(
                        "channel {id} is not among the {} channel(s) this API key can access",
                        list.len()
                    ),
                )
                .with_hint("check the channel id; `leadctl channels` lists the accessible ones")
                .into());
            }
        }
        channels = Some(list);
        client = Some(c);
    }

    // Property names that headers may carry: the default channel's, or every channel's when rows
    // choose their channel.
    let mut property_names = BTreeMap::new();
    if let Some(list) = &channels {
        for c in list {
            let relevant = has_channel_column
                || default_channel
                    .as_deref()
                    .is_some_and(|d| d.eq_ignore_ascii_case(&c.id));
            if relevant {
                for d in &c.property_definitions {
                    if let Some(n) = &d.name {
                        property_names
                            .entry(mapping::normalize(n))
                            .or_insert_with(|| n.clone());
                    }
                }
            }
        }
    }
    let mut m = mapping::map_headers(&headers, &args.map, &property_names);
    check_mapping(&mut m, args, &property_names, &name, log)?;
    report_mapping(&m, log);

    let plan = Plan {
        columns: m.columns,
        header_len: headers.len(),
        default_channel,
        channels: channels.map(|list| {
            list.iter()
                .map(|c| (c.id.to_lowercase(), ChannelInfo::from_channel(c)))
                .collect::<HashMap<_, _>>()
        }),
    };
    Ok((
        Prepared {
            source,
            format,
            headers,
            plan,
            client,
        },
        rows,
    ))
}

fn validate_find<'a>(list: &'a [Channel], id: &str) -> Option<&'a Channel> {
    list.iter().find(|c| c.id.eq_ignore_ascii_case(id))
}

fn is_uuid(s: &str) -> bool {
    uuid::Uuid::try_parse(s.trim()).is_ok()
}

fn check_mapping(
    m: &mut Mapping,
    args: &ImportArgs,
    property_names: &BTreeMap<String, String>,
    name: &str,
    log: &Log,
) -> Result<(), Failure> {
    if !m.errors.is_empty() {
        return Err(Failure::input(format!(
            "{name}: the columns cannot be mapped:\n  {}",
            m.errors.join("\n  ")
        )));
    }
    if m.unknown.is_empty() {
        return Ok(());
    }
    let listed: Vec<String> = m
        .unknown
        .iter()
        .map(|(i, h)| format!("{h:?} (column {})", i + 1))
        .collect();
    if args.ignore_unknown {
        log.notice(&format!(
            "leaving out unknown columns (--ignore-unknown): {}",
            listed.join(", ")
        ));
        for (index, header) in m.unknown.drain(..) {
            m.columns.push(mapping::Column {
                index,
                header,
                target: Target::Ignore,
                how: "--ignore-unknown",
            });
        }
        m.columns.sort_by_key(|c| c.index);
        return Ok(());
    }
    let props = if property_names.is_empty() {
        String::new()
    } else {
        format!(
            "; the channel's properties: {}",
            property_names
                .values()
                .map(|n| format!("{n:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    Err(Failure::input(format!(
        "{name}: {} column(s) match no lead field: {}. Known fields: {}, channel_id{props}",
        listed.len(),
        listed.join(", "),
        mapping::FIELDS.join(", ")
    ))
    .with_hint("map them with --map 'COLUMN=FIELD' (FIELD may be property:NAME or ignore), or pass --ignore-unknown"))
}

fn report_mapping(m: &Mapping, log: &Log) {
    if log.quiet() {
        return;
    }
    let width = m
        .columns
        .iter()
        .map(|c| c.header.chars().count())
        .max()
        .unwrap_or(0)
        .min(40);
    let mut text = String::from("column mapping:");
    for c in &m.columns {
        let header = if c.header.trim().is_empty() {
            format!("(column {}, no header)", c.index + 1)
        } else {
            c.header.clone()
        };
        let how = match c.how {
            "name" | "alias" | "property name" => String::new(),
            other => format!(" ({other})"),
        };
        text.push_str(&format!(
            "\n  {header:<width$} → {}{how}",
            c.target.describe()
        ));
    }
    log.notice(&text);
}

/// What a full check of the rows found.
#[derive(Default)]
pub struct Checked {
    pub total: u64,
    pub valid: u64,
    pub problems: Vec<Problem>,
    pub invalid_rows: Vec<u64>,
}

/// Reads every row, building each body; `each` gets the valid ones. A read error that ends the
/// file (an unterminated quote) is returned as a problem of its own.
pub fn check_rows(
    rows: &mut Rows,
    plan: &Plan,
    name: &str,
    mut each: impl FnMut(&Row, NewLead) -> Result<()>,
) -> Result<Checked> {
    let mut checked = Checked::default();
    loop {
        let row = match rows.next_row() {
            Ok(Some(row)) => row,
            Ok(None) => break,
            Err(e) => {
                checked.problems.push(Problem {
                    row: checked.total + 1,
                    line: e.line,
                    column: None,
                    message: format!("{name} cannot be read past here: {}", e.message),
                });
                checked.invalid_rows.push(checked.total + 1);
                break;
            }
        };
        checked.total += 1;
        match validate::build(plan, &row) {
            Ok(lead) => {
                checked.valid += 1;
                each(&row, lead)?;
            }
            Err(problems) => {
                checked.invalid_rows.push(row.number);
                checked.problems.extend(problems);
            }
        }
    }
    Ok(checked)
}

/// A file: check everything, look for repeats, then (dry run) print the bodies.
fn run_file(
    settings: &Settings,
    args: &ImportArgs,
    prepared: &Prepared,
    mut rows: Rows,
    out: &mut Output,
) -> Result<()> {
    let log = &settings.log;
    let name = prepared.source.name();
    let mut dups = Duplicates::default();
    let checked = check_rows(&mut rows, &prepared.plan, &name, |_, lead| {
        for key in validate::duplicate_keys(&lead) {
            dups.see(&key);
        }
        Ok(())
    })?;
    report_checked(&checked, args, &name, log)?;
    if dups.has_candidates() {
        report_duplicates(prepared, &dups, log)?;
    }

    if args.dry_run {
        let mut printer = BodyPrinter::new(out);
        let mut rows = reopen(prepared)?;
        check_rows(&mut rows, &prepared.plan, &name, |_, lead| {
            printer.print(&lead)
        })?;
        printer.finish()?;
        log.notice(&format!(
            "dry run: {} lead(s) would be created; nothing was sent{}",
            fmt_count(checked.valid),
            if matches!(out.format, OutputFormat::Ndjson | OutputFormat::Json) {
                ""
            } else {
                " (-o ndjson prints the request bodies)"
            }
        ));
        return Ok(());
    }
    Err(Failure::usage("sending is not available yet: use --dry-run").into())
}

/// Stdin: one pass, each row checked as it arrives.
fn run_stream(
    settings: &Settings,
    args: &ImportArgs,
    prepared: &Prepared,
    mut rows: Rows,
    out: &mut Output,
) -> Result<()> {
    let log = &settings.log;
    let name = prepared.source.name();
    if args.dry_run {
        let mut printer = BodyPrinter::new(out);
        let checked = check_rows(&mut rows, &prepared.plan, &name, |_, lead| {
            printer.print(&lead)
        })?;
        printer.finish()?;
        report_checked(&checked, args, &name, log)?;
        log.notice(&format!(
            "dry run: {} lead(s) would be created; nothing was sent",
            fmt_count(checked.valid)
        ));
        return Ok(());
    }
    Err(Failure::usage("sending is not available yet: use --dry-run").into())
}

/// Opens the file again with what was detected the first time.
pub fn reopen(prepared: &Prepared) -> Result<Rows> {
    let opened = read::open(
        &prepared.source,
        Some(prepared.format.encoding),
        Some(prepared.format.delimiter),
    )
    .map_err(|e| Failure::input(e.0))?;
    let mut rows = Rows::new(opened);
    rows.header().map_err(|e| Failure::input(e.message))?;
    Ok(rows)
}

/// Says how many rows were checked; stops (exit 6) on invalid rows unless `--skip-invalid`.
fn report_checked(
    checked: &Checked,
    args: &ImportArgs,
    name: &str,
    log: &Log,
) -> Result<(), Failure> {
    let invalid = checked.invalid_rows.len() as u64;
    log.notice(&format!(
        "{name}: {} row(s) checked: {} valid, {} invalid",
        fmt_count(checked.total),
        fmt_count(checked.valid),
        fmt_count(invalid)
    ));
    if checked.total == 0 && invalid == 0 {
        return Err(Failure::input(format!(
            "{name} has a header but no rows: nothing to import"
        )));
    }
    if invalid == 0 {
        return Ok(());
    }
    let list = checked
        .problems
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join("\n  ");
    if args.skip_invalid {
        log.warn(&format!(
            "skipping {} invalid row(s) (--skip-invalid):\n  {list}",
            fmt_count(invalid)
        ));
        return Ok(());
    }
    Err(Failure::input(format!(
        "{} of {} row(s) are invalid, so nothing was sent:\n  {list}",
        fmt_count(invalid),
        fmt_count(checked.total)
    ))
    .with_hint("fix those rows and run the same command again, or pass --skip-invalid to send the valid rows"))
}

/// Re-reads the file for the values flagged as possible repeats and warns with their rows.
fn report_duplicates(prepared: &Prepared, dups: &Duplicates, log: &Log) -> Result<()> {
    let mut seen: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let mut rows = reopen(prepared)?;
    check_rows(
        &mut rows,
        &prepared.plan,
        &prepared.source.name(),
        |row, lead| {
            for key in validate::duplicate_keys(&lead) {
                if dups.is_candidate(&key) {
                    seen.entry(key).or_default().push(row.number);
                }
            }
            Ok(())
        },
    )?;
    let repeats: Vec<String> = seen
        .into_iter()
        .filter(|(_, rows)| rows.len() > 1)
        .map(|(key, rows)| {
            let (kind, value) = key.split_once(':').unwrap_or(("value", &key));
            let kind = kind.replace('_', " ");
            let shown: Vec<String> = rows.iter().take(10).map(u64::to_string).collect();
            let more = if rows.len() > 10 {
                format!(" and {} more", rows.len() - 10)
            } else {
                String::new()
            };
            format!("{kind} {value:?} in rows {}{more}", shown.join(", "))
        })
        .collect();
    if !repeats.is_empty() {
        log.warn(&format!(
            "{} value(s) appear more than once in the file (each row still becomes its own lead):\n  {}",
            repeats.len(),
            repeats.join("\n  ")
        ));
    }
    Ok(())
}

/// Prints request bodies as they come: one per line (ndjson) or a streamed JSON array (json).
struct BodyPrinter<'a> {
    out: &'a mut Output,
    count: u64,
}

impl<'a> BodyPrinter<'a> {
    fn new(out: &'a mut Output) -> BodyPrinter<'a> {
        BodyPrinter { out, count: 0 }
    }

    fn print(&mut self, lead: &NewLead) -> Result<()> {
        let body = ActionBody {
            action: "create_lead",
            fields: lead,
        };
        match self.out.format {
            OutputFormat::Ndjson => self.out.ndjson_item(&body)?,
            OutputFormat::Json => self.out.array_item(&body, self.count == 0)?,
            _ => {}
        }
        self.count += 1;
        Ok(())
    }

    fn finish(self) -> Result<()> {
        if self.out.format == OutputFormat::Json {
            self.out.array_end(self.count == 0)?;
        }
        Ok(())
    }
}

/// 1234567 → "1,234,567".
pub fn fmt_count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts() {
        assert_eq!(fmt_count(0), "0");
        assert_eq!(fmt_count(999), "999");
        assert_eq!(fmt_count(1000), "1,000");
        assert_eq!(fmt_count(1234567), "1,234,567");
    }
}
