//! Settling what a run left unknown: first the ledger again (another run sharing it may have the
//! answer now), then the channel's newest leads, with every rule of `reconcile`; and
//! `import --reconcile`, which does only that for a file's rows.

use std::collections::{HashMap, HashSet};

use anyhow::Result;

use super::check;
use super::order::Orderer;
use super::prepare::Prepared;
use super::reconcile::{self, Pending};
use super::report::{self, Counts, Outcome, RowResult};
use super::send;
use super::summary;
use super::{fmt_count, Options, Services};
use crate::api::ApiClient;
use crate::error::Failure;
use crate::ledger::{self, Ledger, Op, State};
use crate::log::Log;
use crate::output::Output;

/// Where settling looks and says what it found.
pub struct Where<'a> {
    pub ledger: Option<&'a Ledger>,
    pub client: &'a ApiClient,
    pub scope_url: &'a str,
    pub log: &'a Log,
    /// How long to wait for another run's answer to arrive after its last one (work shared
    /// through one ledger); set (Ctrl-C) stops the wait.
    pub patience: std::time::Duration,
    pub interrupted: Option<&'a std::sync::atomic::AtomicBool>,
}

/// Unknown rows: first the ledger (another run sharing it may have the answer now, or soon: a
/// key another live run is sending is waited for), then the channel's newest leads.
pub fn settle(
    pending: Vec<Pending>,
    created_ids: &HashSet<String>,
    counts: &mut Counts,
    orderer: &mut Orderer,
    place: &Where<'_>,
) {
    let (ledger, client, scope_url, log) = (place.ledger, place.client, place.scope_url, place.log);
    let still = match ledger {
        Some(l) => from_other_runs(pending, counts, orderer, l, place),
        None => pending,
    };
    if still.is_empty() {
        return;
    }
    let others = LedgerOthers {
        ledger,
        scope_url,
        extra: created_ids,
    };
    let settled = reconcile::reconcile(client, &still, &others);
    let by_row: HashMap<u64, &Pending> = still.iter().map(|p| (p.row, p)).collect();
    for (row, lead_id) in &settled.found {
        if orderer.settle(*row, lead_id, Outcome::Created) {
            counts.unknown -= 1;
            counts.created += 1;
            if let (Some(l), Some(p)) = (ledger, by_row.get(row)) {
                record_settled(l, p, lead_id);
            }
        }
    }
    summary::report_settled(&settled, still.len(), log);
}

/// Settles the rows other runs sharing the ledger have answered, waiting while they are still
/// sending some (each answer gives them `patience` more); the rest is returned.
fn from_other_runs(
    mut pending: Vec<Pending>,
    counts: &mut Counts,
    orderer: &mut Orderer,
    ledger: &Ledger,
    place: &Where<'_>,
) -> Vec<Pending> {
    use std::sync::atomic::Ordering;
    use std::time::Instant;
    let ours = |e: &ledger::Entry| e.run.as_deref() == Some(ledger.run.as_str());
    let mut last_answer = Instant::now();
    let mut said = false;
    let mut waiting: HashSet<u64> = HashSet::new();
    loop {
        // Whose claims are worth waiting for: runs that are alive (`ledger::alive`: whatever
        // the claim's age, on any clock), asked once a round.
        let mut alive: HashMap<String, bool> = HashMap::new();
        let mut running = |e: &ledger::Entry| {
            let run = e.run.clone().unwrap_or_default();
            *alive
                .entry(run)
                .or_insert_with_key(|run| ledger.is_alive(place.scope_url, run))
        };
        let mut live = 0usize;
        let mut left = Vec::new();
        let now = current(ledger, place.scope_url, &pending);
        for (p, now) in pending.into_iter().zip(now) {
            match now {
                Some(e) if e.state == State::Created && !ours(&e) => {
                    let id = e.lead_id.clone().unwrap_or_default();
                    let note = format!(
                        "created by another leadctl run sharing the ledger (as {id}); not sent \
                         by this one"
                    );
                    if orderer.settle_with(p.row, &id, Outcome::Skipped, Some(note)) {
                        counts.unknown -= 1;
                        counts.skipped += 1;
                        counts.by_others += 1;
                        last_answer = Instant::now();
                    }
                    waiting.remove(&p.row);
                }
                Some(e) if e.state == State::Sending && !ours(&e) && running(&e) => {
                    live += 1;
                    waiting.insert(p.row);
                    left.push(p);
                }
                _ => left.push(p),
            }
        }
        pending = left;
        let stopped = place.interrupted.is_some_and(|f| f.load(Ordering::SeqCst));
        if live == 0 || stopped || last_answer.elapsed() >= place.patience {
            let unanswered = waiting.len() as u64;
            counts.by_others += unanswered;
            counts.by_others_unanswered += unanswered;
            return pending;
        }
        if !said {
            place.log.notice(&format!(
                "waiting for {live} row(s) another leadctl run sharing the ledger is sending \
                 (up to {} s after its last answer)",
                place.patience.as_secs()
            ));
            said = true;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// The ledger's entries of the pending rows' keys now, in their order (one lookup per channel
/// and thousand keys; a key that cannot be read counts as unknown).
fn current(ledger: &Ledger, scope_url: &str, pending: &[Pending]) -> Vec<Option<ledger::Entry>> {
    let mut out = vec![None; pending.len()];
    let mut by_channel: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, p) in pending.iter().enumerate() {
        by_channel.entry(p.channel.as_str()).or_default().push(i);
    }
    for (channel, idx) in by_channel {
        let keys: Vec<String> = idx.iter().map(|&i| pending[i].key.clone()).collect();
        if let Ok(found) = ledger.get_many(scope_url, channel, &keys) {
            for (i, e) in idx.into_iter().zip(found) {
                out[i] = e;
            }
        }
    }
    out
}

/// The ledger's view for reconciling: lead ids already given, and unsettled keys of other runs.
struct LedgerOthers<'a> {
    ledger: Option<&'a Ledger>,
    scope_url: &'a str,
    /// Lead ids this run was given.
    extra: &'a HashSet<String>,
}

impl reconcile::Others for LedgerOthers<'_> {
    fn known_ids(&self, channel: &str) -> HashSet<String> {
        let mut ids = self.extra.clone();
        if let Some(l) = self.ledger {
            ids.extend(l.lead_ids(self.scope_url, channel).unwrap_or_default());
        }
        ids
    }

    fn unsettled(&self, channel: &str) -> Vec<Pending> {
        let Some(l) = self.ledger else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for state in [State::Sending, State::Unknown] {
            let filter = ledger::Filter {
                api_url: Some(self.scope_url.to_string()),
                channel: Some(channel.to_string()),
                state: Some(state),
                keys: Vec::new(),
            };
            let _ = l.for_each(&filter, &mut |e| {
                out.push(Pending::of_entry(e));
                Ok(())
            });
        }
        out
    }
}

/// Settle first: before a run creates anything in a channel, the channel's keys earlier runs
/// left without an answer (`unknown`, and `sending` claims of runs that are not alive) are looked
/// for among `leads`, the channel's newest leads the run reads anyway, while the killed run's
/// leads are still among them. Every rule of `reconcile` holds (the fields, the time, no lead id
/// given twice, unique both ways; a live run's claims are rivals, never settled). Found keys are
/// recorded as created (`via` reconcile); the count is returned.
pub fn settle_first(
    ledger: &Ledger,
    scope_url: &str,
    channel: &str,
    leads: &[crate::api::models::Lead],
) -> usize {
    let found = would_settle(ledger, scope_url, channel, leads);
    for entry in &found {
        let _ = ledger.apply(Op::Record(entry.clone()));
    }
    found.len()
}

/// What settling first ([`settle_first`]) would find, read only: the entries it would record
/// (created, `via` reconcile). Nothing is written; a plan (`--dry-run`) decides its rows with
/// them, so it counts what the real run, settling first, then does.
pub fn would_settle(
    ledger: &Ledger,
    scope_url: &str,
    channel: &str,
    leads: &[crate::api::models::Lead],
) -> Vec<ledger::Entry> {
    if leads.is_empty() {
        return Vec::new();
    }
    let mut entries = Vec::new();
    for state in [State::Sending, State::Unknown] {
        let filter = ledger::Filter {
            api_url: Some(scope_url.to_string()),
            channel: Some(channel.to_string()),
            state: Some(state),
            keys: Vec::new(),
        };
        // Collected first: the ledger is not asked anything while it is being read.
        let _ = ledger.for_each(&filter, &mut |e| {
            entries.push(e);
            Ok(())
        });
    }
    let mut alive: HashMap<String, bool> = HashMap::new();
    let (mut open, mut rivals) = (Vec::new(), Vec::new());
    for e in entries {
        let live = e.state == State::Sending
            && *alive
                .entry(e.run.clone().unwrap_or_default())
                .or_insert_with(|| ledger.claim_is_live(scope_url, &e));
        if live {
            rivals.push(Pending::of_entry(e));
        } else {
            open.push(Pending::of_entry(e));
        }
    }
    if open.is_empty() {
        return Vec::new();
    }
    // Rows by position: the entries of several inputs may share row numbers.
    for (i, p) in open.iter_mut().enumerate() {
        p.row = i as u64;
    }
    let known_ids: HashSet<String> = ledger
        .lead_ids(scope_url, channel)
        .unwrap_or_default()
        .into_iter()
        .collect();
    let rows: Vec<&Pending> = open.iter().collect();
    let rival_refs: Vec<&Pending> = rivals.iter().collect();
    let (found, _) = reconcile::match_rows(&rows, &rival_refs, leads, &known_ids);
    found
        .iter()
        .filter_map(|(i, lead_id)| open.get(*i as usize).map(|p| settled(p, lead_id)))
        .collect()
}

/// Records a row found by reconciling as created.
pub fn record_settled(ledger: &Ledger, p: &Pending, lead_id: &str) {
    let _ = ledger.apply(Op::Record(settled(p, lead_id)));
}

/// The entry of a row found by reconciling: created, `via` reconcile.
fn settled(p: &Pending, lead_id: &str) -> ledger::Entry {
    let now = ledger::now_secs();
    ledger::Entry {
        state: State::Created,
        lead_id: Some(lead_id.to_string()),
        error: None,
        via: Some("reconcile".to_string()),
        answered_at: Some(p.entry.answered_at.unwrap_or(now)),
        updated_at: now,
        ..p.entry.clone()
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
    let scope_url = ledger::scope_url(&services.api_url);
    let mut pending = Vec::new();
    let mut rows = check::reopen(prepared)?;
    let now = ledger::now_secs();
    check::check_rows(
        &mut rows,
        &prepared.plan,
        &prepared.source.name(),
        opts.shard,
        opts.key,
        |row, _| {
            let Ok(k) = send::key_row(&prepared.plan, row, opts.key) else {
                return Ok(());
            };
            if let Some(e) = ledger.get(&scope_url, &k.channel, &k.key)? {
                if matches!(e.state, State::Sending | State::Unknown) {
                    pending.push(Pending::of(row.number, &k, e, now));
                }
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
    let client = (services.client)(false)?;
    // One key once (rows repeating a key are the same lead).
    let mut keys = HashSet::new();
    pending.retain(|p| keys.insert((p.channel.clone(), p.key.clone())));
    let none = HashSet::new();
    let others = LedgerOthers {
        ledger: Some(&ledger),
        scope_url: &scope_url,
        extra: &none,
    };
    let settled = reconcile::reconcile(&client, &pending, &others);
    let found: HashMap<u64, String> = settled.found.iter().cloned().collect();
    let ambiguous: HashSet<u64> = settled.ambiguous.iter().copied().collect();
    let mut printer = report::ResultPrinter::new();
    for p in &pending {
        let r = match found.get(&p.row) {
            Some(id) => {
                record_settled(&ledger, p, id);
                RowResult {
                    row: p.row,
                    outcome: Outcome::Created,
                    lead_id: Some(id.clone()),
                    error: None,
                    fields: Vec::new(),
                    key: Some(p.key.clone()),
                }
            }
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
    let left = pending.len() - found.len();
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
