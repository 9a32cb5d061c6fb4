//! Opening the input and planning: detect the format, read and map the header (asking
//! `get_channels` when property names are involved), and say on stderr what was detected.

use std::collections::{BTreeMap, HashMap};
use std::sync::mpsc::Receiver;
use std::sync::Mutex;

use anyhow::{Context, Result};

use super::columns;
use super::flow::RowKind;
use super::mapping::{self, Mapping, Target};
use super::read::{self, Detected, Rows, Source};
use super::validate::{ChannelInfo, Plan};
use super::{Options, Services};
use crate::api::models::Channel;
use crate::api::properties::{find_channel, is_uuid};
use crate::api::ApiClient;
use crate::error::{Failure, Kind};
use crate::lead::known::Early;
use crate::log::Log;

pub struct Prepared {
    pub source: Source,
    /// A CSV's format, or the workbook sheet read.
    pub format: Detected,
    pub headers: Vec<String>,
    pub plan: Plan,
    pub client: Option<ApiClient>,
    /// What the rows are (leads, purchases), chosen once: how each is checked, decided, sent.
    pub rows: Box<dyn RowKind>,
    /// `--save-mapping`: written once every row was checked (a file), or before sending (a
    /// stream, which is checked as it is sent).
    pub save_mapping: Option<columns::Saved>,
    /// The default channel's newest leads, asked for once the header was read ([`read_early`]);
    /// taken by the first that needs them.
    pub early: Mutex<Option<EarlyRead>>,
}

/// The default channel's newest leads, asked for as soon as the header is read, before the
/// channels' definitions are (`get_channels`), so that the two reads overlap and the first
/// create waits for one round trip, not two (doc/ledger.md, "The newest leads, read early").
pub struct EarlyRead {
    /// The client that asked (a sending client unless the run is a dry run): the run sends
    /// with it, so its connection is reused.
    client: ApiClient,
    sending: bool,
    /// Lower-cased.
    channel: String,
    read: Receiver<Early>,
}

impl EarlyRead {
    /// The client and the read, if they are for `channel` (its id in any case, with or without
    /// blanks around it) and a client of this kind (`sending`); else nothing (dropped: the run
    /// reads the channel itself).
    fn taken_for(self, channel: &str, sending: bool) -> Option<(ApiClient, Receiver<Early>)> {
        let wanted = self.channel == channel.trim().to_lowercase();
        (wanted && sending == self.sending).then_some((self.client, self.read))
    }
}

/// Starts reading the default channel's newest leads, when the run will need them before its
/// first create: a key, a ledger, and a default channel given by its id (a title must first be
/// looked up in the channels). `--reconcile` reads its own way.
fn read_early(args: &Options, services: &Services<'_>) -> Option<EarlyRead> {
    let (channel, _) = services.channel.as_ref().ok()?;
    let channel = channel.trim();
    if services.key.is_err()
        || services.ledger.is_none()
        || args.leads().reconcile
        || !is_uuid(channel)
    {
        return None;
    }
    let sending = !args.dry_run;
    let client = (services.client)(sending).ok()?;
    let read = Early::start(&client, channel);
    Some(EarlyRead {
        client,
        sending,
        channel: channel.to_lowercase(),
        read,
    })
}

/// `early`: start the default channel's read of its newest leads once the header is read
/// ([`read_early`]; a run that will send or plan, not a look at the file).
pub fn prepare(
    args: &Options,
    services: &Services<'_>,
    source: Source,
    early: bool,
) -> Result<(Prepared, Rows)> {
    let log = services.log;
    let name = source.name();
    let (format, mut rows, headers) = open_header(args, log, &source, &name)?;
    let early = early.then(|| read_early(args, services)).flatten();

    // Without property names first: do we need the channels at all? Known columns left out
    // are worth them when there is a key (a channel property of that name takes the column).
    let rules = args.rules();
    let first = mapping::map_with(&headers, &rules, &BTreeMap::new());
    let has_channel_column = first.columns.iter().any(|c| c.target == Target::Channel);
    let wanted = default_channel(services, has_channel_column)?;
    // A channel given by its title is looked up (`lead::names::channel`, as everywhere).
    let by_title = wanted.as_ref().is_some_and(|(c, _)| !is_uuid(c));
    let needs_channels = by_title
        || !first.unknown.is_empty()
        || first
            .columns
            .iter()
            .any(|c| matches!(c.target, Target::Property(_) | Target::Status))
        || (first.has_known() && services.key.is_ok());

    let (client, channels, default_channel) = if needs_channels {
        let (client, list, id) = fetch_channels(services, wanted.as_ref(), has_channel_column)?;
        (Some(client), Some(list), id)
    } else {
        (None, None, wanted.map(|(c, _)| c.trim().to_string()))
    };

    let property_names = property_names(
        channels.as_deref(),
        default_channel.as_deref(),
        has_channel_column,
    );
    let mut m = mapping::map_with(&headers, &rules, &property_names);
    columns::check(&mut m, args, &property_names, &name, log)
        .map_err(|f| title_block(f, args, &headers, &mut rows))?;
    columns::report(&m, log);
    let save_mapping = match &args.leads().save_mapping {
        Some(path) => Some(columns::save(path, &m, &rules, args, &name)?),
        None => None,
    };

    let plan = build_plan(m, args, headers.len(), default_channel, channels);
    Ok((
        Prepared {
            source,
            format,
            headers,
            plan,
            client,
            rows: Box::new(super::send::LeadRows),
            save_mapping,
            early: Mutex::new(early),
        },
        rows,
    ))
}

impl Prepared {
    /// The early read of `channel`'s newest leads and the client that asked, if one was started
    /// for it with a client of this kind (`sending`); only once.
    pub fn take_early(&self, channel: &str, sending: bool) -> Option<(ApiClient, Receiver<Early>)> {
        let mut early = self.early.lock().unwrap_or_else(|p| p.into_inner());
        early.take()?.taken_for(channel, sending)
    }

    /// The input's rows again, for the next pass, past the header.
    pub fn reopen(&self) -> Result<Rows> {
        let mut rows = read::reopen(&self.source, &self.format).map_err(|e| Failure::input(e.0))?;
        rows.header().map_err(|e| Failure::input(e.message))?;
        Ok(rows)
    }
}

/// A header that cannot be mapped may be a title (`read::title`): the hint then says
/// `--header-row N` instead of `--map`.
pub(super) fn title_block(
    failure: Failure,
    args: &Options,
    headers: &[String],
    rows: &mut Rows,
) -> Failure {
    if args.header_row.is_some() {
        return failure;
    }
    let workbook = rows.sheet().is_some();
    match read::title::header_below(headers, rows) {
        Some(line) => failure.with_hint(read::title::hint(line, workbook)),
        None => failure,
    }
}

/// Opens the input, says what was detected, and reads the header row.
pub(super) fn open_header(
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
                Detected::Csv { .. } | Detected::Query(_) => format!("{name} is empty"),
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

/// The default channel as given (an id or a title) with where it came from, or `None` when rows
/// carry their own; without either, why not.
fn default_channel(
    services: &Services<'_>,
    has_channel_column: bool,
) -> Result<Option<(String, String)>> {
    match &services.channel {
        Ok(given) => Ok(Some(given.clone())),
        Err(_) if has_channel_column => Ok(None),
        Err(f) => Err(f.clone().into()),
    }
}

/// The channels (`get_channels`), the client that read them, and the default channel's id (its
/// title resolved); the default channel must be among them unless rows choose their channel.
fn fetch_channels(
    services: &Services<'_>,
    default_channel: Option<&(String, String)>,
    has_channel_column: bool,
) -> Result<(ApiClient, Vec<Channel>, Option<String>)> {
    let by_title = default_channel.is_some_and(|(c, _)| !is_uuid(c));
    services.key.clone().map_err(|f| {
        let hint = f.hint.clone().unwrap_or_default();
        Failure::config(if by_title {
            "no API key: finding the channel by its title needs get_channels"
        } else {
            "no API key: matching columns to the channel's property names needs get_channels"
        })
        .with_hint(hint)
    })?;
    let c = (services.client)(false)?;
    let list = c
        .get_channels()
        .context("reading the channels' property definitions (get_channels)")?;
    let Some((wanted, origin)) = default_channel else {
        return Ok((c, list, None));
    };
    if by_title {
        let found = crate::lead::names::channel(&list, wanted)
            .map_err(|u| Failure::input(format!("{} ({origin})", u.message)).with_hint(u.hint))?;
        let id = found.id.clone();
        return Ok((c, list, Some(id)));
    }
    let id = wanted.trim().to_string();
    if find_channel(&list, &id).is_none() && !has_channel_column {
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
    Ok((c, list, Some(id)))
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
    let has_status = m.columns.iter().any(|c| c.target == Target::Status);
    let statuses = match (&channels, has_status) {
        (Some(list), true) => list
            .iter()
            .map(|c| (c.id.to_lowercase(), c.clone()))
            .collect(),
        _ => HashMap::new(),
    };
    let mut rules = args
        .leads()
        .mapping
        .as_ref()
        .map(|f| f.writes.clone())
        .unwrap_or_default();
    rules.clear_empty = args.leads().clear_empty;
    let mut plan = Plan {
        writes: (rules != crate::deliver::write::Rules::default())
            .then(|| std::sync::Arc::new(rules)),
        statuses,
        unknown_outcome,
        decimal_separator: args.leads().decimal_separator,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// An early read goes only to the read of its own channel (the id in any case), made with
    /// the client kind that asked: a dry run's reading client never becomes a run's sending one.
    #[test]
    fn an_early_read_is_taken_only_for_its_channel_and_client_kind() {
        let early = |sending: bool| EarlyRead {
            client: crate::deliver::tests::client("http://127.0.0.1:9/functions/v1/keen-api"),
            sending,
            channel: "a1b2c3d4-e5f6-7890-abcd-ef1234567890".into(),
            read: std::sync::mpsc::sync_channel(1).1,
        };
        let upper = " A1B2C3D4-E5F6-7890-ABCD-EF1234567890 ";
        assert!(early(true).taken_for(upper, true).is_some());
        assert!(early(false).taken_for(upper, false).is_some());
        assert!(
            early(false).taken_for(upper, true).is_none(),
            "another kind"
        );
        assert!(early(true)
            .taken_for("b2c3d4e5-f6a7-4890-8bcd-ef1234567891", true)
            .is_none());
    }
}
