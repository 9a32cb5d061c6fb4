//! Settling what a run left unknown, for any write: first the ledger again (another run sharing
//! it may have the answer now, or soon: a key another live run is sending is waited for), then
//! where the server shows such writes, through a [`Finder`] (a lead create: the channel's newest
//! leads, `lead::window::NewestLeads`): found, the row counts as made; proven never made, its key
//! is released and the row is not sent; else it stays unknown. At the end of a run ([`settle`])
//! and in small batches while it sends ([`Batches`]). The run's results are told through
//! [`Results`]: this module knows no file, row type or counter.

use std::collections::{HashMap, HashSet};

use crate::api::ApiClient;
use crate::error::Failure;
use crate::ledger::{Entry, Fields, Filter, Ledger, Op, State};
use crate::log::Log;

/// An unknown row and what identifies it.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    pub row: u64,
    pub channel: String,
    pub key: String,
    /// The fields it was sent with.
    pub fields: Fields,
    /// Its ledger entry, to record it as created when it is found.
    pub entry: Entry,
    /// Unix seconds when it was sent, if known.
    pub sent_at: Option<u64>,
    /// Unix seconds by which the client had given up on it: the answer's failure, or the start
    /// of a later run for a row an earlier run left without an outcome.
    pub given_up_at: Option<u64>,
}

impl Pending {
    /// A row of this run: its work's channel, key and fields, and its ledger entry; `given_up_at`
    /// when the entry has no answer time.
    pub fn new(
        row: u64,
        (channel, key, fields): (&str, &str, &Fields),
        entry: Entry,
        given_up_at: i64,
    ) -> Pending {
        let given_up = entry.answered_at.unwrap_or(given_up_at);
        Pending {
            row,
            channel: channel.to_string(),
            key: key.to_string(),
            fields: fields.clone(),
            sent_at: entry.sent_at.map(|t| t.max(0) as u64),
            given_up_at: Some(given_up.max(0) as u64),
            entry,
        }
    }

    /// An unsettled key of the ledger (another run's, another shard's) as a competitor.
    pub fn of_entry(e: Entry) -> Pending {
        Pending {
            row: e.row.unwrap_or(0),
            channel: e.channel.clone(),
            key: e.key.clone(),
            fields: e.fields.clone(),
            sent_at: e.sent_at.map(|t| t.max(0) as u64),
            given_up_at: Some(e.answered_at.unwrap_or(e.updated_at).max(0) as u64),
            entry: e,
        }
    }
}

/// What a finder found.
#[derive(Debug, Default)]
pub struct Settled {
    /// (row, lead id) of the rows found.
    pub found: Vec<(u64, String)>,
    /// Channels whose leads could not be read, with the reason.
    pub unreadable: Vec<(String, String)>,
    /// Channels where exactly 100 leads came back: older ones could not be checked.
    pub capped: Vec<String>,
    /// Rows that more than one lead could be, or whose lead could be another row's.
    pub ambiguous: Vec<u64>,
    /// Rows proven never created (for a lead create: `lead::window::proven_absent`): they may be sent again, through a new
    /// claim.
    pub absent: Vec<u64>,
}

/// What else a found lead could belong to, per channel: the lead ids already given to keys (the
/// ledger's and this run's), and the ledger's other unsettled keys (another run's or shard's),
/// which a lead must not be able to be for it to settle one of `pending`; and the ledger's clock,
/// to prove absence by time (none without a ledger: nothing is proven absent).
pub trait Others {
    fn known_ids(&self, channel: &str) -> HashSet<String>;
    fn unsettled(&self, channel: &str) -> Vec<Pending>;
    fn ledger_now(&self) -> Option<i64>;
}

/// Records a key found among the newest leads as created (`via` reconcile), unless another run
/// has taken it over meanwhile (a record never overwrites another run's claim).
pub fn record_found(ledger: &Ledger, e: &Entry, lead_id: &str) {
    let _ = ledger.apply(Op::Record(found_entry(ledger.now(), e, lead_id)));
}

/// A key's entry once found where the server shows it at `now`: created, `via` reconcile.
pub fn found_entry(now: i64, e: &Entry, lead_id: &str) -> Entry {
    Entry {
        state: State::Created,
        lead_id: Some(lead_id.to_string()),
        error: None,
        via: Some("reconcile".to_string()),
        answered_at: Some(e.answered_at.unwrap_or(now)),
        updated_at: now,
        ..e.clone()
    }
}

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

/// What a run's results hold of its unknown rows, each settled as it turns out (its counts with
/// it); false when the row is not (or no longer) held as unknown.
pub trait Results {
    /// Found where the server shows it: made.
    fn found(&mut self, row: u64, id: &str) -> bool;
    /// Made by another run sharing the ledger (`note` says so).
    fn by_other(&mut self, row: u64, id: &str, note: String) -> bool;
    /// Proven never made: not sent (`note` says why).
    fn unsent(&mut self, row: u64, note: String) -> bool;
    /// Rows another live run was still sending when the wait for its answers ended.
    fn unanswered_by_others(&mut self, n: u64);
}

/// Where the server shows writes of a kind, and what that proves of unknown rows.
pub trait Finder {
    fn find(&self, client: &ApiClient, pending: &[Pending], others: &dyn Others) -> Settled;
}

/// Unknown rows: first the ledger (another run sharing it may have the answer now, or soon: a
/// key another live run is sending is waited for), then the channel's newest leads.
/// What `finder` found of the rows still unknown after the ledger, and how many those were
/// (`None`: nothing was left to look for).
pub fn settle(
    pending: Vec<Pending>,
    created_ids: &HashSet<String>,
    results: &mut dyn Results,
    finder: &dyn Finder,
    place: &Where<'_>,
) -> Option<(Settled, usize)> {
    let still = match place.ledger {
        Some(l) => from_other_runs(pending, results, l, place),
        None => pending,
    };
    // Ctrl-C while waiting for another run's answers: the user wants out, the server is not
    // asked (the rows stay unknown, as after a Ctrl-C while sending).
    let stopped = place
        .interrupted
        .is_some_and(|f| f.load(std::sync::atomic::Ordering::SeqCst));
    if still.is_empty() || stopped {
        return None;
    }
    let (settled, _) = look(&still, created_ids, results, finder, place);
    Some((settled, still.len()))
}

/// What a row proven never created is told.
pub const NEVER_CREATED: &str = "never created: its channel's newest leads reach back past its \
                                 request, which is older than the platform may take to process \
                                 one; not sent (run the same command again to send it)";

/// Looks `rows` up where `finder` knows the server shows them: a row found counts as made
/// (recorded `via` reconcile), a row proven never made as not sent (its key released, so a
/// later run sends it through a new claim). What was found, and the rows settled.
fn look(
    rows: &[Pending],
    created_ids: &HashSet<String>,
    results: &mut dyn Results,
    finder: &dyn Finder,
    place: &Where<'_>,
) -> (Settled, HashSet<u64>) {
    let (ledger, scope_url) = (place.ledger, place.scope_url);
    let others = LedgerOthers {
        ledger,
        scope_url,
        extra: created_ids,
    };
    let mut settled = finder.find(place.client, rows, &others);
    let by_row: HashMap<u64, &Pending> = rows.iter().map(|p| (p.row, p)).collect();
    let mut done = HashSet::new();
    for (row, lead_id) in &settled.found {
        if results.found(*row, lead_id) {
            done.insert(*row);
            if let (Some(l), Some(p)) = (ledger, by_row.get(row)) {
                record_found(l, &p.entry, lead_id);
            }
        }
    }
    let mut absent = Vec::new();
    for row in std::mem::take(&mut settled.absent) {
        let released = match (ledger, by_row.get(&row)) {
            (Some(l), Some(p)) => release(l, scope_url, p),
            _ => false,
        };
        if released && results.unsent(row, NEVER_CREATED.to_string()) {
            done.insert(row);
            absent.push(row);
        }
    }
    settled.absent = absent;
    (settled, done)
}

/// The key's entry when it is left without an answer (`sending` or `unknown`).
pub fn unsettled(
    ledger: &Ledger,
    scope_url: &str,
    channel: &str,
    key: &str,
) -> Result<Option<Entry>, Failure> {
    Ok(ledger
        .get(scope_url, channel, key)?
        .filter(|e| matches!(e.state, State::Sending | State::Unknown)))
}

/// Releases a row's key proven never created, when the ledger still holds the claim the proof
/// is about (the same request time; this run's, or a run's that is not alive).
pub fn release(ledger: &Ledger, scope_url: &str, p: &Pending) -> bool {
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
    same && open && matches!(super::claim::release_absent(ledger, &e), Ok(true))
}

/// Settling during a run: rows that came back unknown are looked for in small batches soon
/// after (every [`Batches::EVERY`] or 20 writes made, each row a few times), while what they
/// made is still where the server shows the newest (a lead: among the channel's newest 100), not only at the end when hundreds more may have pushed it out. Keys
/// another live run is sending are left for the end (`settle`), which waits for its answers.
pub struct Batches {
    next: std::time::Instant,
    /// When the last batch ran.
    last: std::time::Instant,
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
            last: std::time::Instant::now(),
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
    /// The least time between two looks.
    const SOON: std::time::Duration = std::time::Duration::from_millis(100);
    /// Or after this many leads created (a fifth of the window).
    const CREATES: u64 = 20;
    /// How many times a row is looked for during the run.
    const TRIES: u32 = 5;

    /// Settles what is due of `pending` (taken out of it when settled), `created` the writes
    /// this run made so far; whether any row was settled.
    pub fn due(
        &mut self,
        pending: &mut Vec<Pending>,
        (created_ids, created): (&HashSet<String>, u64),
        results: &mut dyn Results,
        finder: &dyn Finder,
        place: &Where<'_>,
    ) -> bool {
        let now = std::time::Instant::now();
        // The window moves with every lead created: look again after a few, or a while.
        // Nothing made since the last batch: the window has not moved, and a server failing
        // every write is not asked to read between them (its answers would hide the streak
        // of errors that stops the run).
        if pending.is_empty() || created == self.created {
            return false;
        }
        let moved = created.saturating_sub(self.created) >= Batches::CREATES;
        // A row new since the last look is looked for at once (at most every SOON): each lead
        // made meanwhile moves the window. (Asked last: it reads every pending row, and this
        // is asked at every event.)
        let new = || {
            now >= self.last + Batches::SOON
                && pending.iter().any(|p| !self.tries.contains_key(&p.row))
        };
        if now < self.next && !moved && !new() {
            return false;
        }
        self.last = now;
        self.next = now + Batches::EVERY;
        self.created = created;
        let Some(ledger) = place.ledger else {
            return false;
        };
        let mut alive: HashMap<String, bool> = HashMap::new();
        let mut live = |e: &Entry| {
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
            return false;
        }
        // This run's outcomes queued for the next commit first: a record written later must not
        // land over what settling writes.
        if self.failed.is_some() {
            pending.extend(now_rows);
            return false;
        }
        if let Err(f) = ledger.flush() {
            self.failed = Some(f);
            pending.extend(now_rows);
            return false;
        }
        let (settled, done) = look(&now_rows, created_ids, results, finder, place);
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
        !done.is_empty()
    }
}

/// Settles the rows other runs sharing the ledger have answered, waiting while they are still
/// sending some (each answer gives them `patience` more); the rest is returned.
fn from_other_runs(
    mut pending: Vec<Pending>,
    results: &mut dyn Results,
    ledger: &Ledger,
    place: &Where<'_>,
) -> Vec<Pending> {
    use std::sync::atomic::Ordering;
    use std::time::Instant;
    let ours = |e: &Entry| e.run.as_deref() == Some(ledger.run.as_str());
    let mut last_answer = Instant::now();
    let mut said = false;
    let mut waiting: HashSet<u64> = HashSet::new();
    loop {
        // Whose claims are worth waiting for: runs that are alive (`ledger::alive`: whatever
        // the claim's age, on any clock), asked once a round.
        let mut alive: HashMap<String, bool> = HashMap::new();
        let mut running = |e: &Entry| {
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
                    if results.by_other(p.row, &id, note) {
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
            results.unanswered_by_others(waiting.len() as u64);
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
fn current(ledger: &Ledger, scope_url: &str, pending: &[Pending]) -> Vec<Option<Entry>> {
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

/// The ledger's view for settling: ids already given, and unsettled keys of other runs.
pub struct LedgerOthers<'a> {
    pub ledger: Option<&'a Ledger>,
    pub scope_url: &'a str,
    /// Ids this run was given.
    pub extra: &'a HashSet<String>,
}

impl Others for LedgerOthers<'_> {
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
            let filter = Filter {
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
