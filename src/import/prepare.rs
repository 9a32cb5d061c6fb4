//! Opening the input and planning: detect the format, read and map the header (asking
//! `get_channels` when property names are involved), and say on stderr what was detected.

use std::collections::{BTreeMap, HashMap};

use anyhow::{Context, Result};

use super::mapping::{self, Mapping, Target};
use super::read::{self, Detected, Rows, Source};
use super::validate::{ChannelInfo, Plan};
use super::{Options, Services};
use crate::api::models::Channel;
use crate::api::ApiClient;
use crate::error::{Failure, Kind};
use crate::log::{list_some, quoted, Log};

pub struct Prepared {
    pub source: Source,
    /// A CSV's format, or the workbook sheet read.
    pub format: Detected,
    pub headers: Vec<String>,
    pub plan: Plan,
    pub client: Option<ApiClient>,
}

pub fn prepare(
    args: &Options,
    services: &Services<'_>,
    source: Source,
) -> Result<(Prepared, Rows)> {
    let log = services.log;
    let name = source.name();
    let (format, rows, headers) = open_header(args, log, &source, &name)?;

    // Without property names first: do we need the channels at all?
    let first = mapping::map_headers(&headers, &args.map, &BTreeMap::new());
    let has_channel_column = first.columns.iter().any(|c| c.target == Target::Channel);
    let default_channel = default_channel(services, has_channel_column)?;
    let needs_channels = !first.unknown.is_empty()
        || first
            .columns
            .iter()
            .any(|c| matches!(c.target, Target::Property(_)));

    let (client, channels) = if needs_channels {
        let (client, list) =
            fetch_channels(services, default_channel.as_deref(), has_channel_column)?;
        (Some(client), Some(list))
    } else {
        (None, None)
    };

    let property_names = property_names(
        channels.as_deref(),
        default_channel.as_deref(),
        has_channel_column,
    );
    let mut m = mapping::map_headers(&headers, &args.map, &property_names);
    check_mapping(&mut m, args, &property_names, &name, log)?;
    report_mapping(&m, log);

    let plan = build_plan(m, args, headers.len(), default_channel, channels);
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

/// Opens the input, says what was detected, and reads the header row.
fn open_header(
    args: &Options,
    log: &Log,
    source: &Source,
    name: &str,
) -> Result<(Detected, Rows, Vec<String>)> {
    let wanted = read::Wanted {
        encoding: args.encoding.as_deref().and_then(read::encoding_for_label),
        delimiter: args.delimiter,
        sheet: args.sheet.clone(),
        header_row: args.header_row,
    };
    let (format, mut rows) = read::open_rows(source, &wanted).map_err(|e| Failure::input(e.0))?;
    if format.is_workbook() {
        for (flag, given) in [
            ("--encoding", args.encoding.is_some()),
            ("--delimiter", args.delimiter.is_some()),
        ] {
            if given {
                log.warn(&format!(
                    "{flag} is for CSV files; {name} is a workbook, so it is ignored"
                ));
            }
        }
    } else if args.sheet.is_some() {
        return Err(Failure::usage(format!(
            "--sheet is for workbooks; {name} is a CSV file (it has one table)"
        ))
        .with_hint("drop --sheet")
        .into());
    }
    log.notice(&format!("{name}: {}", format.describe()));
    let header = rows
        .header()
        .map_err(|e| match format.is_workbook() {
            true => Failure::input(format!("{name}: {}", e.message)),
            false => Failure::input(format!("{name}, line {}: {}", e.line, e.message)),
        })?
        .ok_or_else(|| {
            let what = match &format {
                Detected::Workbook(sheet) => {
                    format!("{name}: sheet {} is empty", crate::log::quoted(&sheet.name))
                }
                Detected::Csv { .. } => format!("{name} is empty"),
            };
            Failure::input(format!("{what}: a header row naming the columns is needed")).with_hint(
                "the first row names the columns, e.g. Email,First Name,Last Name,Company",
            )
        })?;
    if let (Some(&i), Some(csv)) = (header.undecodable.first(), format.csv()) {
        return Err(Failure::input(format!(
            "{name}, header column {}: holds bytes that are not valid in the encoding {}",
            i + 1,
            csv.encoding.name()
        ))
        .with_hint("re-save the file as UTF-8, or pass --encoding")
        .into());
    }
    Ok((format, rows, header.fields))
}

/// The default channel (a UUID), or `None` when rows carry their own; without either, why not.
fn default_channel(services: &Services<'_>, has_channel_column: bool) -> Result<Option<String>> {
    match &services.channel {
        Ok((value, origin)) => {
            if !is_uuid(value) {
                return Err(Failure::input(format!(
                    "channel id {value:?} ({origin}) is not a UUID"
                ))
                .into());
            }
            Ok(Some(value.trim().to_string()))
        }
        Err(_) if has_channel_column => Ok(None),
        Err(f) => Err(f.clone().into()),
    }
}

/// The channels (`get_channels`) and the client that read them, for resolving property names;
/// the default channel must be among them unless rows choose their channel.
fn fetch_channels(
    services: &Services<'_>,
    default_channel: Option<&str>,
    has_channel_column: bool,
) -> Result<(ApiClient, Vec<Channel>)> {
    services.key.clone().map_err(|f| {
        let hint = f.hint.clone().unwrap_or_default();
        Failure::config(
            "no API key: matching columns to the channel's property names needs get_channels",
        )
        .with_hint(hint)
    })?;
    let c = (services.client)(false)?;
    let list = c
        .get_channels()
        .context("reading the channels' property definitions (get_channels)")?;
    if let Some(id) = default_channel {
        if validate_find(&list, id).is_none() && !has_channel_column {
            return Err(Failure::new(
                Kind::Permission,
                format!(
                    "channel {id} is not among the {} this API key can access",
                    crate::log::counted(list.len(), "channel", "channels")
                ),
            )
            .with_hint("check the channel id; `leadctl channels` lists the accessible ones")
            .into());
        }
    }
    Ok((c, list))
}

/// Property names that headers may carry: the default channel's, or every channel's when rows
/// choose their channel.
fn property_names(
    channels: Option<&[Channel]>,
    default_channel: Option<&str>,
    has_channel_column: bool,
) -> BTreeMap<String, String> {
    let mut property_names = BTreeMap::new();
    if let Some(list) = channels {
        for c in list {
            let relevant = has_channel_column
                || default_channel.is_some_and(|d| d.eq_ignore_ascii_case(&c.id));
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
    property_names
}

/// The plan `validate::build` works from, its default-channel properties resolved once.
fn build_plan(
    m: Mapping,
    args: &Options,
    header_len: usize,
    default_channel: Option<String>,
    channels: Option<Vec<Channel>>,
) -> Plan {
    // Re-importing an errors file: its `unknown` rows are not sent again without being asked.
    let unknown_outcome = m
        .columns
        .iter()
        // The last one: the newest outcome, should columns ever be stacked.
        .rfind(|c| c.target == Target::Ignore && c.header.trim() == "leadctl_outcome")
        .map(|c| c.index)
        .filter(|_| !args.retry_unknown);
    let mut plan = Plan {
        unknown_outcome,
        columns: m.columns,
        header_len,
        default_channel,
        channels: channels.map(|list| {
            list.iter()
                .map(|c| (c.id.to_lowercase(), ChannelInfo::from_channel(c)))
                .collect::<HashMap<_, _>>()
        }),
        ..Plan::default()
    };
    plan.precompute();
    plan
}

fn validate_find<'a>(list: &'a [Channel], id: &str) -> Option<&'a Channel> {
    list.iter().find(|c| c.id.eq_ignore_ascii_case(id))
}

fn is_uuid(s: &str) -> bool {
    uuid::Uuid::try_parse(s.trim()).is_ok()
}

/// Unknown columns named in a message; a 100,000-column header lists these and a count.
const SHOWN_COLUMNS: usize = 20;

/// Lines of the column mapping said on stderr; the rest are counted.
const SHOWN_MAPPED: usize = 100;

fn check_mapping(
    m: &mut Mapping,
    args: &Options,
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
        .map(|(i, h)| format!("{} (column {})", quoted(h), i + 1))
        .collect();
    if args.ignore_unknown {
        log.notice(&format!(
            "leaving out unknown columns (--ignore-unknown): {}",
            list_some(&listed, SHOWN_COLUMNS)
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
                .map(|n| quoted(n))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    Err(Failure::input(format!(
        "{name}: {} no lead field: {}. Known fields: {}, channel_id{props}",
        match listed.len() {
            1 => "1 column matches".to_string(),
            n => format!("{n} columns match"),
        },
        list_some(&listed, SHOWN_COLUMNS),
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
    for (shown, c) in m.columns.iter().enumerate() {
        if shown == SHOWN_MAPPED {
            text.push_str(&format!(
                "\n  ... and {} more {}",
                m.columns.len() - SHOWN_MAPPED,
                if m.columns.len() - SHOWN_MAPPED == 1 {
                    "column"
                } else {
                    "columns"
                }
            ));
            break;
        }
        let header = if c.header.trim().is_empty() {
            format!("(column {}, no header)", c.index + 1)
        } else {
            crate::log::cut(&c.header)
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
