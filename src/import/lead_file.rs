//! The import's front door for a command that records the leads of a file without sending them
//! (`ledger adopt`): the file read as an import reads a CSV (encoding, delimiter, header, column
//! mapping, the channel's properties), unknown columns left out, each row mapped and checked and
//! handed over as its lead's identity (`lead::Keyed`), with one column read beside the mapping
//! (a lead's id, which is not a lead field). Nothing is sent and no ledger is kept.

use std::path::PathBuf;

use anyhow::Result;

use super::read::Source;
use super::{check, prepare, Leads, Options, Services};
use crate::error::Failure;
use crate::identity::KeyKind;
use crate::lead::Keyed;
use crate::number::DecimalSeparator;
use crate::output::OutputFormat;

/// A file of leads and how to read it.
pub struct LeadFile<'a> {
    /// The command reading it, for messages ("ledger adopt").
    pub command: &'a str,
    pub input: PathBuf,
    /// `--map COLUMN=FIELD`, as an import's.
    pub map: Vec<(String, String)>,
    /// The kind of key each lead is known by (`--key`), else the default rule.
    pub key: Option<KeyKind>,
    pub decimal_separator: Option<DecimalSeparator>,
    /// The names of the column read beside the lead and left out of the mapping, as
    /// `fold::normalize` writes them (`["id", "leadid"]`).
    pub beside: &'a [&'a str],
}

/// One valid row.
pub struct LeadRow<'r> {
    /// The input's name, as messages say it.
    pub input: &'r str,
    /// Its number in the file (the first data row is 1).
    pub number: u64,
    pub keyed: Keyed,
    /// Its cell in the column read beside the lead, trimmed; None when empty or the file has
    /// no such column.
    pub beside: Option<&'r str>,
}

/// What reading the file came to.
pub struct LeadsRead {
    /// The input's name, as messages say it.
    pub name: String,
    /// Whether the file has the column read beside the lead.
    pub beside: bool,
    /// Rows left out as invalid, and why (row and column named).
    pub invalid: u64,
    pub problems: Vec<String>,
}

/// Reads `file`, handing each valid row to `each` in order. The file is read twice (its header
/// first, quietly, to find the column read beside), so it must be a regular file.
pub fn read_leads(
    file: &LeadFile<'_>,
    services: &Services<'_>,
    mut each: impl FnMut(LeadRow<'_>) -> Result<()>,
) -> Result<LeadsRead> {
    let source = Source::from_arg(&file.input);
    let name = source.name();
    if !matches!(source, Source::File(_)) {
        return Err(Failure::usage(format!(
            "{} reads its file twice, so {name} must be a regular file",
            file.command
        ))
        .with_hint("save the CSV to a file first")
        .into());
    }
    // The first look maps no column: `--map` is the real read's.
    let beside = beside_column(&options(file, Vec::new()), services, file.beside)?;
    let mut map = file.map.clone();
    if let Some((_, header)) = &beside {
        map.push((header.clone(), "ignore".into()));
    }
    let opts = options(file, map);
    let beside = beside.map(|(i, _)| i);
    let (prepared, mut rows) = prepare::prepare(&opts, services, source, false)?;
    let checked = check::check_rows(
        &mut rows,
        &prepared.plan,
        &name,
        None,
        file.key,
        |row, lead| {
            let Ok(keyed) = Keyed::new(lead, file.key) else {
                return Ok(());
            };
            let cell = beside
                .and_then(|i| row.fields.get(i))
                .map(|s| s.trim())
                .filter(|s| !s.is_empty());
            each(LeadRow {
                input: &name,
                number: row.number,
                keyed,
                beside: cell,
            })
        },
    )?;
    Ok(LeadsRead {
        name,
        beside: beside.is_some(),
        invalid: checked.invalid_rows.len() as u64,
        problems: checked.problems.iter().map(|p| p.to_string()).collect(),
    })
}

/// The index and header of the column read beside the lead, found by a quiet first look at
/// the header.
fn beside_column(
    opts: &Options,
    services: &Services<'_>,
    names: &[&str],
) -> Result<Option<(usize, String)>> {
    let quiet = crate::log::Log::new(true, 0, false);
    let probing = Services {
        log: &quiet,
        channel: services.channel.clone(),
        key: services.key.clone(),
        client: services.client,
        api_url: services.api_url.clone(),
        ledger: None,
        recorder: None,
    };
    let (probe, _) = prepare::prepare(opts, &probing, Source::from_arg(&opts.input), false)?;
    Ok(probe
        .headers
        .iter()
        .position(|h| names.contains(&crate::fold::normalize(h).as_str()))
        .map(|i| (i, probe.headers[i].clone())))
}

/// An import's options that read the file as `import` does with `map`, unknown columns left
/// out, nothing sent.
fn options(file: &LeadFile<'_>, map: Vec<(String, String)>) -> Options {
    Options {
        input: file.input.clone(),
        query: None,
        map,
        ignore_unknown: true,
        skip_invalid: true,
        dry_run: true,
        encoding: None,
        delimiter: None,
        sheet: None,
        header_row: None,
        concurrency: crate::deliver::setting::Concurrency::Fixed(1),
        max_concurrency: 1,
        rate: None,
        shard: None,
        max_errors: None,
        retry_unknown: false,
        retry_failed: false,
        errors: None,
        format: OutputFormat::Table,
        resume: String::new(),
        plan_out: None,
        limits: crate::plan::Limits::default(),
        leads: Some(Leads {
            key: file.key,
            decimal_separator: file.decimal_separator,
            ..Leads::NONE
        }),
    }
}
