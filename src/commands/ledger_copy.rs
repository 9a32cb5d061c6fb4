//! `leadctl ledger copy FROM TO`: every key of one ledger into another, a SQLite file and a
//! PostgreSQL database either way (doc/ledger.md, "PostgreSQL"). A key TO already has is kept
//! unless FROM's entry of it is newer; FROM is only read.

use anyhow::Result;

use crate::cli::LedgerCopyArgs;
use crate::error::Failure;
use crate::ledger::{Applied, Entry, Filter, Ledger, Location, Op};
use crate::settings::{ledger_location, Env, Settings};

/// Keys per transaction.
const BATCH: usize = 2000;

pub fn copy(settings: &Settings, args: &LedgerCopyArgs) -> Result<()> {
    let env = Env::from_process();
    let ca = settings.ca_bundle.as_deref();
    let from = ledger_location(&args.from, &env, ca)?;
    let to = ledger_location(&args.to, &env, ca)?;
    if from == to {
        return Err(
            Failure::usage(format!("FROM and TO are the same ledger ({from})"))
                .with_hint("name another ledger to copy to")
                .into(),
        );
    }
    if let Location::File(p) = &from {
        if !p.exists() {
            return Err(
                Failure::usage(format!("the ledger {} does not exist", p.display()))
                    .with_hint("`leadctl ledger path` shows where the ledger is")
                    .into(),
            );
        }
    }
    let source = Ledger::open(&from)?;
    let target = Ledger::open(&to)?;
    let mut tally = Tally::default();
    let mut batch: Vec<Entry> = Vec::with_capacity(BATCH);
    let mut failed: Option<Failure> = None;
    source
        .for_each(&Filter::default(), &mut |e| {
            batch.push(e);
            if batch.len() >= BATCH {
                if let Err(f) = write(&target, &mut batch, &mut tally) {
                    let text = f.message.clone();
                    failed = Some(f);
                    return Err(text);
                }
            }
            Ok(())
        })
        .map_err(|f| failed.take().unwrap_or(f))?;
    write(&target, &mut batch, &mut tally)?;
    settings.log().notice(&format!(
        "copied {} {} from {from} to {to}: {} new, {} replaced by a newer entry, {} kept (TO's \
         entry was as new or newer)",
        tally.total(),
        if tally.total() == 1 { "key" } else { "keys" },
        tally.added,
        tally.replaced,
        tally.kept
    ));
    Ok(())
}

#[derive(Default)]
struct Tally {
    added: u64,
    replaced: u64,
    kept: u64,
}

impl Tally {
    fn total(&self) -> u64 {
        self.added + self.replaced + self.kept
    }
}

/// Inserts the batch where TO lacks a key, then overwrites the keys FROM has newer entries of.
fn write(target: &Ledger, batch: &mut Vec<Entry>, tally: &mut Tally) -> Result<(), Failure> {
    if batch.is_empty() {
        return Ok(());
    }
    let ops: Vec<Op> = batch.iter().cloned().map(Op::PutIfAbsent).collect();
    let mut newer = Vec::new();
    for (applied, e) in target.apply_all(&ops)?.into_iter().zip(batch.drain(..)) {
        match applied {
            Applied::Taken(current) if current.updated_at < e.updated_at => newer.push(Op::Put(e)),
            Applied::Taken(_) => tally.kept += 1,
            _ => tally.added += 1,
        }
    }
    if !newer.is_empty() {
        tally.replaced += newer.len() as u64;
        target.apply_all(&newer)?;
    }
    Ok(())
}
