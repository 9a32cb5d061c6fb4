//! `purchases import`: open the file, map its header, make ready what resolving the leads
//! needs, and hand it to the import's session (check whole first, send, account).

use anyhow::Result;

use super::columns::{self, Field, LeadBy};
use super::{Options, Plan};
use crate::error::Failure;
use crate::import::prepare::{self, Prepared};
use crate::import::{session, validate, Services};
use crate::lead::find::Resolver;

/// Runs a purchases import; `channel` is `--channel` (resolving business ids and emails only
/// among that channel's leads).
pub fn run(
    opts: &crate::import::Options,
    purchase: &Options,
    channel: Option<&str>,
    services: &Services<'_>,
    out: &mut crate::output::Output,
) -> Result<()> {
    let log = services.log;
    let source = crate::import::source(opts, services)?;
    let name = source.name();
    let (format, mut rows, headers) = prepare::open_header(opts, log, &source, &name)?;
    let (columns, unknown) =
        columns::map(&headers, &opts.map, opts.ignore_unknown).map_err(|errors| {
            let failure = Failure::input(format!(
                "{name}: the columns cannot be mapped:\n  {}",
                errors.join("\n  ")
            ));
            prepare::title_block(failure, opts, &headers, &mut rows)
        })?;
    report(&columns, &unknown, log);
    if columns.iter().any(|c| c.field == Field::Date) {
        let d = &purchase.dates;
        log.notice(&format!(
            "dates without a time zone are read in {}{}",
            d.zone_name,
            if d.zone_name == "UTC" {
                " (--timezone NAME for another zone)"
            } else {
                ""
            }
        ));
    }
    let channel = channel.map(|c| c.trim().to_lowercase());
    let by = |kinds: &[LeadBy]| {
        columns
            .iter()
            .any(|c| matches!(c.field, Field::Lead(k) if kinds.contains(&k)))
    };
    // The ledger is opened only to find leads by business id or email.
    let ledger = services
        .ledger
        .as_ref()
        .filter(|_| by(&[LeadBy::BusinessId, LeadBy::Email]));
    let leads = |client| Resolver::new(ledger, &services.api_url, channel, client);
    let client = match by(&[LeadBy::LegacyId]) && services.key.is_ok() {
        true => Some((services.client)(false)?),
        false => None,
    };
    let plan = Plan {
        columns,
        header_len: headers.len(),
        options: purchase.clone(),
        leads: leads(client)?,
        lines: Default::default(),
    };
    if opts.shard.is_some() && source.rereadable() {
        // A shard builds only its own rows; a line's position counts every row before it.
        let mut all =
            crate::import::read::reopen(&source, &format).map_err(|e| Failure::input(e.0))?;
        all.header().map_err(|e| Failure::input(e.message))?;
        while let Ok(Some(row)) = all.next_row_ref() {
            plan.lines.see(&plan.columns, row);
        }
    }
    let prepared = Prepared {
        save_mapping: None,
        source,
        format,
        plan: validate::Plan {
            header_len: headers.len(),
            ..validate::Plan::default()
        },
        headers,
        client: None,
        rows: Box::new(plan),
        early: Default::default(),
    };
    session::run(opts, services, &prepared, rows, out)
}

/// Says on stderr how the columns were read.
fn report(columns: &[columns::Column], unknown: &[String], log: &crate::log::Log) {
    let lines = columns
        .iter()
        .map(|c| (c.header.clone(), c.field.name().to_string()));
    crate::import::columns::say_mapping(lines, log);
    if !unknown.is_empty() {
        log.notice(&format!(
            "leaving out unknown columns (--ignore-unknown): {}",
            unknown.join(", ")
        ));
    }
}
