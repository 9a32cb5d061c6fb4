//! `leadctl purchases create` (`create_purchase`).

use anyhow::Result;

use super::leads::lead_error;
use crate::api::models::NewPurchase;
use crate::api::properties::is_uuid;
use crate::cli::{PurchaseArgs, PurchaseImportArgs, PurchasesCommand};
use crate::error::Failure;
use crate::output::{views, Output};
use crate::settings::Settings;

pub fn run(settings: &Settings, command: &PurchasesCommand, out: &mut Output) -> Result<()> {
    match command {
        PurchasesCommand::Create(args) => create(settings, args, out),
        PurchasesCommand::Import(args) => {
            let (what, database) = super::import::bulk_run(
                settings,
                super::import::Bulk {
                    command: "purchases import",
                    file: args.file.as_deref(),
                    source: &args.source,
                    channel: args.channel.as_deref(),
                    shard: args.sending.shard,
                    header_row: args.header_row,
                    mapping: args.mapping.as_deref(),
                    dry_run: args.dry_run,
                },
            )?;
            super::run_report::around(settings, &args.ci, what, |recorder| {
                import(settings, args, database, out, recorder)
            })
        }
    }
}

fn create(settings: &Settings, args: &PurchaseArgs, out: &mut Output) -> Result<()> {
    if !is_uuid(&args.lead) {
        return Err(
            Failure::input(format!("--lead {:?} is not a lead id (a UUID)", args.lead))
                .with_hint("`leadctl leads get --legacy-id N -o id` gives the id of a legacy lead")
                .into(),
        );
    }
    let bad: Vec<&String> = args.triggers.iter().filter(|t| !is_uuid(t)).collect();
    if !bad.is_empty() {
        return Err(Failure::input(format!(
            "--trigger needs reward trigger ids (UUIDs); not UUIDs: {}",
            bad.iter()
                .map(|t| format!("{t:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .into());
    }
    if let Some(amount) = &args.amount {
        if !args.allow_refunds && amount.as_f64().is_some_and(|v| v <= 0.0) {
            let what = if amount.as_f64().is_some_and(|v| v == 0.0) {
                "zero"
            } else {
                "negative"
            };
            return Err(Failure::input(format!(
                "--amount {amount} is {what}: a purchase with it still fires the channel's \
                 purchase rewards"
            ))
            .with_hint("pass --allow-refunds to record a refund or correction anyway")
            .into());
        }
    }
    let date = match &args.date {
        Some(text) => {
            let rules = date_rules(settings, (args.timezone.as_deref(), args.date_order), None)?;
            Some(
                crate::date::parse(text, &rules).map_err(|e| {
                    Failure::usage(format!("--date {} {e}", crate::log::quoted(text)))
                })?,
            )
        }
        None => None,
    };
    let nonempty = |s: &Option<String>| s.clone().filter(|v| !v.trim().is_empty());
    let purchase = NewPurchase {
        lead_id: args.lead.trim().to_string(),
        purchase_amount: args.amount.clone(),
        product_name: nonempty(&args.product),
        product_description: nonempty(&args.description),
        date,
        trigger_ids: args.triggers.iter().map(|t| t.trim().to_string()).collect(),
    };
    settings.require_key()?;
    let client = settings.client()?;
    let recorded = client.create_purchase(&purchase).map_err(|e| {
        lead_error(
            e,
            format!("recording a purchase on lead {}", purchase.lead_id),
        )
    })?;
    out.view(&views::purchase(&recorded))?;
    Ok(())
}

/// `purchases import FILE`: the import's engine, with purchases for rows.
fn import(
    settings: &Settings,
    args: &PurchaseImportArgs,
    query: Option<crate::import::query::Query>,
    out: &mut Output,
    recorder: std::sync::Arc<crate::report::Recorder>,
) -> Result<()> {
    let (concurrency, max_concurrency) = super::import::concurrency(
        settings,
        args.sending.gate.concurrency,
        args.sending.gate.max_concurrency,
    )?;
    let mapping = args
        .mapping
        .as_deref()
        .map(|path| {
            let known = crate::import::purchase::columns::is_field;
            let valid = crate::import::purchase::columns::FIELDS;
            crate::import::mapping::file::load_for(
                path,
                crate::import::mapping::file::For::Purchases(&known, valid),
            )
        })
        .transpose()?;
    // The mapping file's columns first: `--map` for the same column wins.
    let mut map: Vec<(String, String)> = mapping
        .iter()
        .flat_map(|m| m.rules.forced.iter())
        .map(|f| (f.column.clone(), f.field.clone()))
        .collect();
    map.extend(args.map.iter().cloned());
    let decimal_separator = args
        .decimal_separator
        .or(mapping.as_ref().and_then(|m| m.decimal_separator))
        .or(settings.decimal_separator);
    let dates = date_rules(
        settings,
        (args.timezone.as_deref(), args.date_order),
        mapping.as_ref(),
    )?;
    let opts = crate::import::Options {
        input: args.file.clone().unwrap_or_default(),
        query,
        map,
        sheet: args.sheet.clone(),
        header_row: args
            .header_row
            .or(mapping.as_ref().and_then(|m| m.header_row)),
        ignore_unknown: args.ignore_unknown,
        skip_invalid: args.skip_invalid,
        dry_run: args.dry_run,
        encoding: args.encoding.clone(),
        delimiter: args.delimiter,
        concurrency,
        max_concurrency,
        rate: args.sending.gate.rate,
        shard: args.sending.shard,
        max_errors: args.sending.max_errors,
        retry_unknown: args.retry_unknown,
        retry_failed: args.retry_failed,
        errors: args.errors.clone(),
        format: out.format,
        resume: super::import::resume_command(),
        plan_out: args.plan_out.clone(),
        limits: super::import::limits(
            settings,
            (args.sending.max_create, args.sending.max_changes),
            mapping.as_ref().map(|m| m.limits).unwrap_or_default(),
        ),
        // The rows are purchases: `purchase` below holds their own options.
        leads: None,
    };
    let purchase = crate::import::purchase::Options {
        allow_refunds: args.allow_refunds,
        decimal_separator,
        dates,
    };
    let counting = super::run_report::counting(&recorder);
    let client = |sending: bool| {
        super::import::client(settings, sending).map(|c| c.also_observed_by(counting.clone()))
    };
    let log = settings.log();
    let mut services = super::import::services(settings, &log, args.channel.as_deref(), &client);
    services.recorder = Some(recorder);
    // No channel is needed: a purchase's lead says where it is.
    services.channel = Err(Failure::config("no channel"));
    crate::import::purchase::run(&opts, &purchase, args.channel.as_deref(), &services, out)
}

/// How dates are read: `--timezone`/`--date-order`, else the mapping file's `timezone`/
/// `date_order`, else the profile's, else UTC and only dates that read one way.
fn date_rules(
    settings: &Settings,
    flags: (Option<&str>, Option<crate::date::DateOrder>),
    mapping: Option<&crate::import::mapping::file::MappingFile>,
) -> Result<crate::date::Rules, Failure> {
    let zone = flags
        .0
        .map(str::to_string)
        .or_else(|| mapping.and_then(|m| m.timezone.clone()))
        .or_else(|| settings.timezone.clone());
    let order = flags
        .1
        .or_else(|| mapping.and_then(|m| m.date_order))
        .or(settings.date_order);
    // Only the flag can be wrong here: the mapping file's and the profile's were checked.
    crate::date::Rules::new(zone.as_deref(), order).map_err(|e| {
        Failure::usage(format!("--timezone: {e}")).with_hint(
            "list the names with `timedatectl list-timezones`, or see the IANA zone list",
        )
    })
}
