//! `leadctl ledger adopt FILE`: leads that exist in KeenPartner already (made before leadctl,
//! or by another tool) recorded as created, so the first import after adopting skips them. The
//! file is read as `import` reads a CSV (encoding, delimiter, column mapping).

use anyhow::Result;

use crate::cli::LedgerAdoptArgs;
use crate::import::{self, LeadFile};
use crate::lead::Keyed;
use crate::ledger::{now_secs, scope_url, Applied, Entry, Ledger, Op, State};
use crate::settings::Settings;

/// Entries per transaction.
const BATCH: usize = 2000;

pub fn adopt(settings: &Settings, ledger: &Ledger, args: &LedgerAdoptArgs) -> Result<()> {
    let log = settings.log();
    let key = args.key.or(settings.lead_key);
    let client = |_: bool| -> Result<crate::api::ApiClient> { Ok(settings.client()?) };
    let services = import::Services {
        // Adopting writes the ledger itself: the engine's reading keeps none.
        ledger: None,
        ..super::import::services(settings, &log, args.channel.as_deref(), &client)
    };
    let file = LeadFile {
        command: "ledger adopt",
        input: args.file.clone(),
        map: args.map.clone(),
        key,
        decimal_separator: settings.decimal_separator,
        // The lead id is not a lead field: its column is read beside the mapping.
        beside: &["id", "leadid"],
    };
    let mut ops = Vec::new();
    let (mut added, mut known) = (0u64, 0u64);
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
    let read = import::read_leads(&file, &services, |row| {
        let lead_id = row.beside.map(str::to_string);
        ops.push(Op::PutIfAbsent(adopted(
            settings, &row.keyed, lead_id, row.input, row.number,
        )));
        if ops.len() >= BATCH {
            flush(&mut ops, &mut added, &mut known)?;
        }
        Ok(())
    })?;
    flush(&mut ops, &mut added, &mut known)?;
    let (name, invalid) = (read.name, read.invalid);
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
    if !read.beside {
        text.push_str(
            "; the file has no id column, so the ledger knows these leads without their ids",
        );
    }
    log.notice(&text);
    for p in read.problems.iter().take(10) {
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
