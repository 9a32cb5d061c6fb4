//! The import's side of settling unknown rows (`deliver::settle`, run by `deliver::ending` with
//! the lead finder `lead::window::NewestLeads`): its held results and counts told what settled
//! (`Held`); and `import --reconcile`, which does only that for a file's rows.

use std::collections::{HashMap, HashSet};

use anyhow::Result;

use super::check;
use super::order::Orderer;
use super::prepare::Prepared;
use super::report::{self, Counts, Outcome, RowResult};
use super::send;
use super::summary;
use super::{fmt_count, Options, Services};
use crate::deliver::settle::NEVER_CREATED;
use crate::deliver::settle::{self as engine, LedgerOthers, Pending};
use crate::error::Failure;
use crate::lead::window;
use crate::output::Output;

/// The run's held results and counts, as settling changes them.
pub struct Held<'a> {
    pub counts: &'a mut Counts,
    pub orderer: &'a mut Orderer,
}

impl engine::Results for Held<'_> {
    fn found(&mut self, row: u64, id: &str) -> bool {
        let settled = self.orderer.settle(row, id, Outcome::Created);
        if settled {
            self.counts.unknown -= 1;
            self.counts.created += 1;
        }
        settled
    }

    fn by_other(&mut self, row: u64, id: &str, note: String) -> bool {
        let settled = self
            .orderer
            .settle_with(row, id, Outcome::Skipped, Some(note));
        if settled {
            self.counts.unknown -= 1;
            self.counts.skipped += 1;
            self.counts.by_others += 1;
        }
        settled
    }

    fn unsent(&mut self, row: u64, note: String) -> bool {
        let settled = self.orderer.unsent(row, note);
        if settled {
            self.counts.unknown -= 1;
            self.counts.not_sent += 1;
        }
        settled
    }

    fn unanswered_by_others(&mut self, n: u64) {
        self.counts.by_others += n;
        self.counts.by_others_unanswered += n;
    }
}

/// `--reconcile`: settle the ledger's unknown keys among this file's rows; send nothing.
pub fn reconcile_only(
    opts: &Options,
    services: &Services<'_>,
    prepared: &Prepared,
    out: &mut Output,
) -> Result<()> {
    let log = services.log;
    services.key.clone()?;
    let Some(ledger) = services.open_ledger()? else {
        return Err(Failure::usage("--reconcile needs the ledger (drop --no-ledger)").into());
    };
    let client = (services.client)(false)?;
    // The server behind the URL, whatever its spelling, as a run reads and writes it.
    let scope_url = super::server::scope(
        Some(&ledger),
        &client,
        &services.api_url,
        prepared.plan.default_channel.as_deref(),
        log,
        true,
    )?;
    let mut pending = Vec::new();
    let mut rows = prepared.reopen()?;
    let now = ledger.now();
    check::check_rows(
        &mut rows,
        &prepared.plan,
        &prepared.source.name(),
        opts.shard,
        opts.leads().key,
        |row, _| {
            let Ok(k) = send::key_row(&prepared.plan, row, opts.leads().key) else {
                return Ok(());
            };
            if let Some(e) = engine::unsettled(&ledger, &scope_url, &k.channel, &k.key)? {
                pending.push(window::pending(row.number, &k, e, now));
            }
            Ok(())
        },
    )?;
    if pending.is_empty() {
        log.notice(&format!(
            "the ledger {} has no unknown rows for {}",
            ledger.location(),
            prepared.source.name()
        ));
        return Ok(());
    }
    // One key once (rows repeating a key are the same lead).
    let mut keys = HashSet::new();
    pending.retain(|p| keys.insert((p.channel.clone(), p.key.clone())));
    let none = HashSet::new();
    let others = LedgerOthers {
        ledger: Some(&ledger),
        scope_url: &scope_url,
        extra: &none,
    };
    let settled = window::reconcile(&client, &pending, &others);
    let found: HashMap<u64, String> = settled.found.iter().cloned().collect();
    let ambiguous: HashSet<u64> = settled.ambiguous.iter().copied().collect();
    let by_row: HashMap<u64, &Pending> = pending.iter().map(|p| (p.row, p)).collect();
    let mut settled = settled;
    settled.absent.retain(|row| {
        by_row
            .get(row)
            .is_some_and(|p| engine::release(&ledger, &scope_url, p))
    });
    let absent: HashSet<u64> = settled.absent.iter().copied().collect();
    let mut printer = report::ResultPrinter::new();
    for p in &pending {
        let r = match found.get(&p.row) {
            Some(id) => {
                engine::record_found(&ledger, &p.entry, id);
                RowResult {
                    row: p.row,
                    outcome: Outcome::Created,
                    lead_id: Some(id.clone()),
                    error: None,
                    fields: Vec::new(),
                    key: Some(p.key.clone()),
                }
            }
            None if absent.contains(&p.row) => RowResult {
                row: p.row,
                outcome: Outcome::NotSent,
                lead_id: None,
                error: Some(NEVER_CREATED.to_string()),
                fields: Vec::new(),
                key: Some(p.key.clone()),
            },
            None => RowResult {
                row: p.row,
                outcome: Outcome::Unknown,
                lead_id: None,
                error: Some(if ambiguous.contains(&p.row) {
                    "more than one lead or row could be this one; check it in KeenPartner".into()
                } else {
                    "not found among the channel's newest leads; it may still exist".into()
                }),
                fields: Vec::new(),
                key: Some(p.key.clone()),
            },
        };
        printer.print(out, &r)?;
    }
    printer.finish(out)?;
    summary::report_settled(&settled, pending.len(), log);
    let left = pending.len() - found.len() - absent.len();
    if left > 0 {
        return Err(Failure::new(
            crate::error::Kind::Partial,
            match left {
                1 => "1 row remains unknown".to_string(),
                n => format!("{} rows remain unknown", fmt_count(n as u64)),
            },
        )
        .with_hint(
            "check them in the KeenPartner app; re-send those that do not exist with \
             --retry-unknown",
        )
        .into());
    }
    Ok(())
}
