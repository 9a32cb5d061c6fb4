//! `leadctl ledger adopt FILE`: leads that exist in KeenPartner already (made before leadctl,
//! or by another tool) recorded as created, so the first import after adopting skips them. The
//! file is read as `import` reads a CSV (encoding, delimiter, column mapping).

use anyhow::Result;

use crate::cli::LedgerAdoptArgs;
use crate::import::{self, check, prepare, read::Source};
use crate::lead::Keyed;
use crate::ledger::{now_secs, scope_url, Applied, Entry, Ledger, Op, State};
use crate::output::OutputFormat;
use crate::settings::Settings;

/// Entries per transaction.
const BATCH: usize = 2000;

pub fn adopt(settings: &Settings, ledger: &Ledger, args: &LedgerAdoptArgs) -> Result<()> {
    let log = settings.log();
    let key = args.key.or(settings.lead_key);
    // The lead id is not a lead field: its column is read by position and left out of the mapping.
    let mut map = args.map.clone();
    let opts = read_options(args, key, settings.decimal_separator);
    let client = |_: bool| -> Result<crate::api::ApiClient> { Ok(settings.client()?) };
    let services = import::Services {
        // Adopting writes the ledger itself: the engine's reading keeps none.
        ledger: None,
        ..super::import::services(settings, &log, args.channel.as_deref(), &client)
    };
    let source = Source::from_arg(&args.file);
    let name = source.name();
    if !matches!(source, Source::File(_)) {
        return Err(crate::error::Failure::usage(format!(
            "ledger adopt reads its file twice, so {name} must be a regular file"
        ))
        .with_hint("save the CSV to a file first")
        .into());
    }
    let id_column = id_column(&opts, &services, &client, &mut map)?;
    let opts = import::Options { map, ..opts };
    let (prepared, mut rows) = prepare::prepare(&opts, &services, source)?;
    let mut ops = Vec::new();
    let (mut added, mut known, mut invalid) = (0u64, 0u64, 0u64);
    let mut settled = 0u64;
    let mut flush = |ops: &mut Vec<Op>, added: &mut u64, known: &mut u64| -> Result<()> {
        let results = ledger.apply_all(ops)?;
        let mut settle = Vec::new();
        for (op, a) in ops.iter().zip(results) {
            match (op, a) {
                // A key an earlier run left without an answer (unknown, or the claim of a run
                // that is not alive): the lead exists, so it is settled as created.
                (Op::PutIfAbsent(e), Applied::Taken(current)) if unsettled(ledger, &current) => {
                    settle.push(Op::Record(Entry {
                        run: current.run.clone(),
                        sent_at: current.sent_at,
                        first_at: current.first_at,
                        ..e.clone()
                    }));
                }
                (_, Applied::Taken(_)) => *known += 1,
                _ => *added += 1,
            }
        }
        if !settle.is_empty() {
            ledger.apply_all(&settle)?;
            settled += settle.len() as u64;
        }
        ops.clear();
        Ok(())
    };
    let checked = check::check_rows(&mut rows, &prepared.plan, &name, None, key, |row, lead| {
        let Ok(k) = Keyed::new(lead, key) else {
            return Ok(());
        };
        let lead_id = id_column
            .and_then(|i| row.fields.get(i))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
        ops.push(Op::PutIfAbsent(adopted(
            settings, &k, lead_id, &name, row.number,
        )));
        if ops.len() >= BATCH {
            flush(&mut ops, &mut added, &mut known)?;
        }
        Ok(())
    })?;
    flush(&mut ops, &mut added, &mut known)?;
    invalid += checked.invalid_rows.len() as u64;
    let mut text = format!(
        "adopted {added} {} from {name} into the ledger {} ({known} already known",
        if added == 1 { "lead" } else { "leads" },
        ledger.location()
    );
    if settled > 0 {
        text.push_str(&format!(
            ", {settled} an earlier run left without an answer settled as created"
        ));
    }
    if invalid > 0 {
        text.push_str(&format!(", {invalid} row(s) invalid and left out"));
    }
    text.push(')');
    if id_column.is_none() {
        text.push_str(
            "; the file has no id column, so the ledger knows these leads without their ids",
        );
    }
    log.notice(&text);
    for p in checked.problems.iter().take(10) {
        log.warn(&format!("left out: {p}"));
    }
    Ok(())
}

/// Whether a key is one a run would report unknown: `unknown`, or claimed by a run that is not
/// alive.
fn unsettled(ledger: &Ledger, e: &Entry) -> bool {
    match e.state {
        State::Unknown => true,
        State::Sending => !ledger.claim_is_live(&e.api_url, e),
        _ => false,
    }
}

/// How `adopt` reads its file: as `import` does, unknown columns left out, nothing sent.
fn read_options(
    args: &LedgerAdoptArgs,
    key: Option<crate::ledger::KeyKind>,
    decimal_separator: Option<crate::number::DecimalSeparator>,
) -> import::Options {
    import::Options {
        input: args.file.clone(),
        query: None,
        map: Vec::new(),
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
        leads: Some(import::Leads {
            key,
            decimal_separator,
            ..import::Leads::NONE
        }),
    }
}

/// The index of the file's `id` / `lead_id` column, found by a quiet first look at the header;
/// it is mapped to nothing (a lead id is not a lead field).
fn id_column(
    opts: &import::Options,
    services: &import::Services<'_>,
    client: &(dyn Fn(bool) -> Result<crate::api::ApiClient> + Sync),
    map: &mut Vec<(String, String)>,
) -> Result<Option<usize>> {
    let quiet = crate::log::Log::new(true, 0, false);
    let probing = import::Services {
        log: &quiet,
        channel: services.channel.clone(),
        key: services.key.clone(),
        client,
        api_url: services.api_url.clone(),
        ledger: None,
        recorder: None,
    };
    let (probe, _) = prepare::prepare(opts, &probing, Source::from_arg(&opts.input))?;
    let found = probe
        .headers
        .iter()
        .position(|h| matches!(crate::fold::normalize(h).as_str(), "id" | "leadid"));
    if let Some(i) = found {
        map.push((probe.headers[i].clone(), "ignore".into()));
    }
    Ok(found)
}

/// A created entry for a lead that exists already (adopted).
fn adopted(
    settings: &Settings,
    k: &Keyed,
    lead_id: Option<String>,
    input: &str,
    row: u64,
) -> Entry {
    let now = now_secs();
    Entry {
        api_url: scope_url(&settings.api_url.value),
        channel: k.channel.clone(),
        key: k.key.clone(),
        state: State::Created,
        lead_id,
        hash: k.hash.clone(),
        fields: k.fields.clone(),
        error: None,
        via: Some("adopt".into()),
        input: Some(input.to_string()),
        row: Some(row),
        run: None,
        sent_at: None,
        answered_at: Some(now),
        first_at: now,
        updated_at: now,
    }
}
