//! Settling what a run left unknown: first the ledger again (another run sharing it may have the
//! answer now), then the channel's newest leads, with every rule of `reconcile`; and
//! `import --reconcile`, which does only that for a file's rows.

use std::collections::{HashMap, HashSet};

use anyhow::Result;

use super::check;
use super::order::Orderer;
use super::prepare::Prepared;
use super::report::{self, Counts, Outcome, RowResult};
use super::send;
use super::summary;
use super::{fmt_count, Options, Services};
use crate::api::ApiClient;
use crate::error::Failure;
use crate::lead::window::{self as reconcile, Pending};
use crate::ledger::{self, Ledger, State};
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
    let (ledger, log) = (place.ledger, place.log);
    let still = match ledger {
        Some(l) => from_other_runs(pending, counts, orderer, l, place),
        None => pending,
    };
    if still.is_empty() {
        return;
    }
    let (settled, _) = look(&still, created_ids, counts, orderer, place);
    summary::report_settled(&settled, still.len(), log);
}

/// What a row proven never created is told.
pub const NEVER_CREATED: &str = "never created: its channel's newest leads reach back past its \
                                 request, which is older than the platform may take to process \
                                 one; not sent (run the same command again to send it)";

/// Looks `rows` up among their channels' newest leads (one `get_leads` per channel): a row found
/// counts as created (recorded `via` reconcile), a row proven never created as not sent (its key
/// released, so a later run sends it through a new claim). What was found, and the rows settled.
fn look(
    rows: &[Pending],
    created_ids: &HashSet<String>,
    counts: &mut Counts,
    orderer: &mut Orderer,
    place: &Where<'_>,
) -> (reconcile::Settled, HashSet<u64>) {
    let (ledger, scope_url) = (place.ledger, place.scope_url);
    let others = LedgerOthers {
        ledger,
        scope_url,
        extra: created_ids,
    };
    let mut settled = reconcile::reconcile(place.client, rows, &others);
    let by_row: HashMap<u64, &Pending> = rows.iter().map(|p| (p.row, p)).collect();
    let mut done = HashSet::new();
    for (row, lead_id) in &settled.found {
        if orderer.settle(*row, lead_id, Outcome::Created) {
            counts.unknown -= 1;
            counts.created += 1;
            done.insert(*row);
            if let (Some(l), Some(p)) = (ledger, by_row.get(row)) {
                reconcile::record_found(l, &p.entry, lead_id);
            }
        }
    }
    let mut absent = Vec::new();
    for row in std::mem::take(&mut settled.absent) {
        let released = match (ledger, by_row.get(&row)) {
            (Some(l), Some(p)) => release(l, scope_url, p),
            _ => false,
        };
        if released && orderer.unsent(row, NEVER_CREATED.to_string()) {
            counts.unknown -= 1;
            counts.not_sent += 1;
            done.insert(row);
            absent.push(row);
        }
    }
    settled.absent = absent;
    (settled, done)
}

/// Releases a row's key proven never created, when the ledger still holds the claim the proof
/// is about (the same request time; this run's, or a run's that is not alive).
fn release(ledger: &Ledger, scope_url: &str, p: &Pending) -> bool {
    let Ok(Some(e)) = ledger.get(scope_url, &p.channel, &p.key) else {
        return false;
    };
    let ours = e.run.as_deref() == Some(ledger.run.as_str());
    let same = e.sent_at == p.entry.sent_at && e.lead_id.is_none();
    let open = match e.state {
        State::Unknown => true,
        State::Sending => ours || !ledger.claim_is_live(scope_url, &e),
        _ => false,
    };
    same && open && matches!(crate::deliver::claim::release_absent(ledger, &e), Ok(true))
}

/// Settling during a run: rows that came back unknown are looked for in small batches soon
/// after (every [`Batches::EVERY`] or 20 leads created, each row a few times), while a lead of theirs is still among
/// the channel's newest, not only at the end when hundreds more may have pushed it out. Keys
/// another live run is sending are left for the end (`settle`), which waits for its answers.
pub struct Batches {
    next: std::time::Instant,
    /// Leads created when the last batch ran.
    created: u64,
    tries: HashMap<u64, u32>,
    /// Rows settled so far: found, proven never created.
    pub found: usize,
    pub absent: usize,
    /// The ledger could not take this run's queued outcomes (said at the end, as `flush`).
    pub failed: Option<Failure>,
}

impl Default for Batches {
    fn default() -> Batches {
        Batches {
            next: std::time::Instant::now() + Batches::EVERY,
            created: 0,
            tries: HashMap::new(),
            found: 0,
            absent: 0,
            failed: None,
        }
    }
}

impl Batches {
    pub const EVERY: std::time::Duration = std::time::Duration::from_secs(1);
    /// Or after this many leads created (a fifth of the window).
    const CREATES: u64 = 20;
    /// How many times a row is looked for during the run.
    const TRIES: u32 = 5;

    /// Settles what is due of `pending` (taken out of it when settled); returns the results
    /// now ready in row order.
    pub fn due(
        &mut self,
        pending: &mut Vec<Pending>,
        created_ids: &HashSet<String>,
        counts: &mut Counts,
        orderer: &mut Orderer,
        place: &Where<'_>,
    ) -> Vec<report::RowResult> {
        let now = std::time::Instant::now();
        // The window moves with every lead created: look again after a few, or a while.
        let moved = counts.created.saturating_sub(self.created) >= Batches::CREATES;
        if pending.is_empty() || (now < self.next && !moved) {
            return Vec::new();
        }
        self.next = now + Batches::EVERY;
        self.created = counts.created;
        let Some(ledger) = place.ledger else {
            return Vec::new();
        };
        let mut alive: HashMap<String, bool> = HashMap::new();
        let mut live = |e: &ledger::Entry| {
            let ours = e.run.as_deref() == Some(ledger.run.as_str());
            e.state == State::Sending
                && !ours
                && *alive
                    .entry(e.run.clone().unwrap_or_default())
                    .or_insert_with(|| ledger.claim_is_live(place.scope_url, e))
        };
        let (now_rows, rest): (Vec<Pending>, Vec<Pending>) =
            std::mem::take(pending).into_iter().partition(|p| {
                self.tries.get(&p.row).copied().unwrap_or(0) < Batches::TRIES && !live(&p.entry)
            });
        *pending = rest;
        if now_rows.is_empty() {
            return Vec::new();
        }
        // This run's outcomes queued for the next commit first: a record written later must not
        // land over what settling writes.
        if self.failed.is_some() {
            pending.extend(now_rows);
            return Vec::new();
        }
        if let Err(f) = ledger.flush() {
            self.failed = Some(f);
            pending.extend(now_rows);
            return Vec::new();
        }
        let (settled, done) = look(&now_rows, created_ids, counts, orderer, place);
        self.found += settled
            .found
            .iter()
            .filter(|(r, _)| done.contains(r))
            .count();
        self.absent += settled.absent.len();
        for p in now_rows {
            if !done.contains(&p.row) {
                *self.tries.entry(p.row).or_default() += 1;
                pending.push(p);
            }
        }
        orderer.release()
    }
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

    fn ledger_now(&self) -> Option<i64> {
        self.ledger.map(Ledger::now)
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
        opts.leads().key,
        |row, _| {
            let Ok(k) = send::key_row(&prepared.plan, row, opts.leads().key) else {
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
    let by_row: HashMap<u64, &Pending> = pending.iter().map(|p| (p.row, p)).collect();
    let mut settled = settled;
    settled.absent.retain(|row| {
        by_row
            .get(row)
            .is_some_and(|p| release(&ledger, &scope_url, p))
    });
    let absent: HashSet<u64> = settled.absent.iter().copied().collect();
    let mut printer = report::ResultPrinter::new();
    for p in &pending {
        let r = match found.get(&p.row) {
            Some(id) => {
                reconcile::record_found(&ledger, &p.entry, id);
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
