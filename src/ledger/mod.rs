//! The ledger: leadctl's durable memory of every lead it created, keyed by (API URL, channel,
//! lead key), so that `import` and `create` are exactly-once across files, re-exports, re-runs
//! and processes. See `doc/ledger.md` for the states and the guarantees.
//!
//! This module owns the entry model, the [`Store`] interface every backend implements (a SQLite
//! file, [`sqlite`], or a PostgreSQL database many machines share, [`postgres`]; where it is:
//! [`Location`]), and [`Ledger`], which shares one store between worker threads and
//! group-commits their claims: a claim is durable before the request it covers leaves. It knows
//! nothing of CSV, HTTP or the command line.

pub mod alive;
pub mod checksum;
pub mod clock;
mod group;
mod location;
pub mod postgres;
pub mod runs;
mod sent;
pub mod server;
pub mod sqlite;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Condvar, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

// What identifies a write is a leaf of its own (`crate::identity`), which the ledger keys by.
pub use crate::identity::{self, Fields, KeyKind};
pub use location::{default_path, scope_url, Location};
pub use runs::RunRecord;

use crate::error::Failure;

/// The schema version this build writes; a newer one is refused. Version 2 added the `runs`
/// table (the run history); version 3 the entries' `checksum` column (`checksum`). An older
/// ledger gets what it lacks when opened.
pub const SCHEMA_VERSION: i64 = 3;

/// A key's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Claimed: the request is about to leave or left without an answer yet.
    Sending,
    Created,
    /// The server refused it (4xx): nothing was created.
    Failed,
    /// Sent without a reliable answer: it may exist.
    Unknown,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Sending => "sending",
            State::Created => "created",
            State::Failed => "failed",
            State::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        match s.trim().to_ascii_lowercase().as_str() {
            "sending" => Some(State::Sending),
            "created" => Some(State::Created),
            "failed" => Some(State::Failed),
            "unknown" => Some(State::Unknown),
            _ => None,
        }
    }

    pub const ALL: [State; 4] = [
        State::Sending,
        State::Created,
        State::Failed,
        State::Unknown,
    ];
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One key's record. Never holds the API key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub api_url: String,
    pub channel: String,
    pub key: String,
    pub state: State,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_id: Option<String>,
    /// `identity::hash_fields` of `fields`.
    pub hash: String,
    /// The fields last sent (or adopted).
    #[serde(default)]
    pub fields: Fields,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// How the state was learned when not from a create's answer: `server` (found among the
    /// channel's leads), `reconcile`, `adopt`, `update`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// The input and row that last touched it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row: Option<u64>,
    /// The run (process) that claimed it last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    /// Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_at: Option<i64>,
    pub first_at: i64,
    pub updated_at: i64,
}

/// One write, applied with others in one transaction.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
pub enum Op {
    /// Claim a key for sending: insert it as `sending` when absent, or (retrying) take it over
    /// from the exact state the caller saw (`expect`: the state and its `updated_at`).
    Claim {
        entry: Entry,
        expect: Option<(State, i64)>,
    },
    /// The outcome of this run's claim (the entry as it is now).
    Record(Entry),
    /// Undo this run's claim of a request that provably never left: back to `previous`, or
    /// gone when there was none.
    Release {
        entry: Entry,
        previous: Option<Entry>,
    },
    /// Insert unless the key is known (a lead found on the server, adopted or imported).
    PutIfAbsent(Entry),
    /// Insert or overwrite (`ledger import`).
    Put(Entry),
}

#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum Applied {
    Done,
    /// A claim that is now this run's.
    Claimed,
    /// A claim or insert that lost: the key as someone else left it.
    Taken(Entry),
}

/// What `list`, `forget` and `export` select.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub api_url: Option<String>,
    pub channel: Option<String>,
    pub state: Option<State>,
    pub keys: Vec<String>,
}

/// Counts by (API URL, channel, state).
pub type Counts = Vec<(String, String, State, u64)>;

/// A ledger backend. Methods take `&mut self`: [`Ledger`] serialises access.
pub trait Store: Send {
    fn get(&mut self, api_url: &str, channel: &str, key: &str) -> Result<Option<Entry>, String>;
    /// As `get`, but the entry's fields may be left empty when its hash is `hash` (the caller
    /// has them): a re-import of known rows need not read them back.
    fn get_unless(
        &mut self,
        api_url: &str,
        channel: &str,
        key: &str,
        hash: &str,
    ) -> Result<Option<Entry>, String> {
        let _ = hash;
        self.get(api_url, channel, key)
    }
    /// The entries of several keys of one channel (None where a key is unknown), in `keys`'
    /// order: a backend across a network answers them in one round trip.
    fn get_many(
        &mut self,
        api_url: &str,
        channel: &str,
        keys: &[String],
    ) -> Result<Vec<Option<Entry>>, String> {
        keys.iter().map(|k| self.get(api_url, channel, k)).collect()
    }
    /// All `ops` in one durable transaction (on disk before it returns).
    fn apply(&mut self, ops: &[Op]) -> Result<Vec<Applied>, String>;
    fn for_each(
        &mut self,
        filter: &Filter,
        each: &mut dyn FnMut(Entry) -> Result<(), String>,
    ) -> Result<(), String>;
    fn forget(&mut self, filter: &Filter) -> Result<u64, String>;
    fn counts(&mut self) -> Result<Counts, String>;
    /// Every lead id recorded for a channel (reconciling never gives one to a second row).
    fn lead_ids(&mut self, api_url: &str, channel: &str) -> Result<Vec<String>, String>;
    /// The newest `created` entry of a channel that has a lead id, to check against the server.
    fn sample_created(&mut self, api_url: &str, channel: &str) -> Result<Option<Entry>, String>;
    /// A small value remembered for an API URL between runs (`concurrency.last_good`), None
    /// when unset. A backend that keeps none remembers nothing: the default.
    fn get_meta(&mut self, _api_url: &str, _key: &str) -> Result<Option<String>, String> {
        Ok(None)
    }
    /// Sets such a value (durably, in its own transaction).
    fn set_meta(&mut self, _api_url: &str, _key: &str, _value: &str) -> Result<(), String> {
        Ok(())
    }
    /// The values kept for an API URL whose key starts with `prefix`, as (key, value).
    fn meta_starting(
        &mut self,
        _api_url: &str,
        _prefix: &str,
    ) -> Result<Vec<(String, String)>, String> {
        Ok(Vec::new())
    }
    /// Removes a value, only while it is still `value` (another writer may have changed it).
    fn remove_meta_if(&mut self, _api_url: &str, _key: &str, _value: &str) -> Result<(), String> {
        Ok(())
    }
    /// Records a run and prunes the history (`runs`); a backend without one keeps nothing.
    fn record_run(&mut self, _run: &RunRecord) -> Result<(), String> {
        Ok(())
    }
    /// The newest `limit` runs, newest first.
    fn runs(&mut self, _limit: u64) -> Result<Vec<RunRecord>, String> {
        Ok(Vec::new())
    }
    /// The runs whose id starts with `prefix`.
    fn runs_by_id(&mut self, _prefix: &str) -> Result<Vec<RunRecord>, String> {
        Ok(Vec::new())
    }
    /// The start (unix ms) of the newest run of `fingerprint` that exited 0.
    fn last_success(&mut self, _fingerprint: &str) -> Result<Option<i64>, String> {
        Ok(None)
    }
    /// Every entry against its checksum ([`checksum`]); a backend without checksums finds none.
    fn verify(&mut self) -> Result<checksum::Damage, String> {
        Ok(checksum::Damage::default())
    }
    /// The database's own integrity check: the problems it lists (none: empty).
    fn integrity(&mut self) -> Result<Vec<String>, String> {
        Ok(Vec::new())
    }
    /// Moves what a write-ahead log holds into the main file and empties the log, when no other
    /// connection uses the file this moment (it never waits for one); nothing for a store
    /// without such a log. For a run whose last requests are out: its close is left little to
    /// move and a short log to empty.
    fn checkpoint_if_free(&mut self) {}
    /// Whether the last call failed because the connection to the store's server was lost (or
    /// could not be made again): the run stops with exit 7, and outcomes are tried again.
    fn lost_connection(&self) -> bool {
        false
    }
    /// The store's own clock in Unix seconds (PostgreSQL's `now()`), None for a store on this
    /// machine: ages are measured on it (`clock.rs`).
    fn clock(&mut self) -> Result<Option<i64>, String> {
        Ok(None)
    }
}

/// This machine's clock in Unix seconds (see `clock::machine_secs`).
pub fn now_secs() -> i64 {
    clock::machine_secs()
}

/// A store shared by the reader and the workers of a run, with group commit: concurrent
/// writes are applied together in one transaction (one sync) by whichever caller finds the
/// store free, and each caller returns once its own write is durable.
pub struct Ledger {
    store: Mutex<Box<dyn Store>>,
    group: Mutex<Group>,
    committed: Condvar,
    /// Told when a write is queued for a later commit (`commit_queued` waits on it).
    queued: Condvar,
    location: Location,
    /// This process's id in the ledger's `run` column.
    pub run: String,
    /// The store's clock against this machine's (`clock.rs`).
    skew: clock::Skew,
    /// This run's sent notes, and other runs' (`sent.rs`).
    notes: sent::Notes,
    /// When this run last said it was alive (`alive.rs`), on this machine's monotonic clock.
    beaten: Mutex<Option<std::time::Instant>>,
}

#[derive(Default)]
struct Group {
    queue: Vec<(u64, Op)>,
    done: HashMap<u64, group::Written>,
    /// Writes queued by `apply_later`: no one waits for their results.
    later: std::collections::HashSet<u64>,
    deferred_error: Option<(String, bool)>,
    /// Outcomes (`Record`) that could not be written, whoever queued them.
    unrecorded: Vec<Entry>,
    next: u64,
    busy: bool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Ledger {
    /// Opens the ledger for a run: a damaged one (an entry that does not match its checksum) is
    /// refused before anything is sent (exit 3, naming the entries).
    pub fn open(location: &Location) -> Result<Ledger, Failure> {
        let ledger = Ledger::open_unchecked(location)?;
        if !matches!(location, Location::Memory) {
            ledger.refuse_damage()?;
        }
        Ok(ledger)
    }

    /// Opens the ledger without checking its entries: to look into it, export, repair or check
    /// it (`leadctl ledger ...`), never to send.
    pub fn open_unchecked(location: &Location) -> Result<Ledger, Failure> {
        let store: Box<dyn Store> = match location {
            Location::File(path) => Box::new(sqlite::SqliteStore::open(path)?),
            Location::Memory => Box::new(sqlite::SqliteStore::memory()?),
            Location::Postgres(t) => Box::new(postgres::PgStore::open(t)?),
        };
        let ledger = Ledger::with_store(store, location.clone());
        ledger.measure_clock();
        Ok(ledger)
    }

    /// The ledger for a plan (`--dry-run`), to read: a ledger file not made yet reads as an empty
    /// ledger kept in memory, so a dry run leaves no file behind.
    pub fn open_to_read(location: &Location) -> Result<Ledger, Failure> {
        match location {
            Location::File(path) if !path.exists() => Ok(Ledger::with_store(
                Box::new(sqlite::SqliteStore::memory()?),
                location.clone(),
            )),
            _ => Ledger::open(location),
        }
    }

    /// Every entry against its checksum ([`checksum`]).
    pub fn verify(&self) -> Result<checksum::Damage, Failure> {
        self.call("cannot be checked", |s| s.verify())
    }

    /// The database's own integrity check (SQLite's `PRAGMA integrity_check`): its problems.
    pub fn integrity(&self) -> Result<Vec<String>, Failure> {
        self.call("cannot be checked", |s| s.integrity())
    }

    fn refuse_damage(&self) -> Result<(), Failure> {
        let damage = self.verify()?;
        if damage.damaged == 0 {
            return Ok(());
        }
        Err(Failure::config(format!(
            "the ledger {} is damaged: {} of its {} entries do not match their checksums, so it \
             cannot say which rows were sent:\n{}",
            self.location,
            damage.damaged,
            damage.checked,
            damage.lines().join("\n")
        ))
        .with_hint(damage_hint()))
    }

    pub fn with_store(store: Box<dyn Store>, location: Location) -> Ledger {
        let run = uuid::Uuid::new_v4().to_string();
        Ledger {
            store: Mutex::new(store),
            group: Mutex::new(Group::default()),
            committed: Condvar::new(),
            queued: Condvar::new(),
            notes: sent::Notes::new(location::notes_dir(&location), &run),
            location,
            run,
            skew: clock::Skew::default(),
            beaten: Mutex::new(None),
        }
    }

    /// Notes that the request of this run's claim `claimed` is about to leave (`sent.rs`): an
    /// error means it must not be sent.
    pub fn note_sent(&self, claimed: &Entry) -> Result<(), Failure> {
        self.notes.sent(claimed).map_err(|e| self.notes_failure(e))
    }

    fn notes_failure(&self, e: String) -> Failure {
        Failure::config(format!("the ledger {}: {e}", self.location))
    }

    /// See [`Store::checkpoint_if_free`]; best effort.
    pub fn checkpoint_if_free(&self) {
        lock(&self.store).checkpoint_if_free();
    }

    /// Makes this run's sent notes file now, before its first claim commits, so that a run
    /// killed before its first request leaves notes that say it sent nothing.
    pub fn notes_ready(&self) {
        self.notes.ready();
    }

    /// Notes that this run's claim `claiming` is about to take its key over (a retry, `--force`:
    /// it replaces what the key held), before it commits (`sent.rs`): an error means it must not
    /// be made.
    pub fn note_taking_over(&self, claiming: &Entry) -> Result<(), Failure> {
        self.notes
            .taking_over(claiming)
            .map_err(|e| self.notes_failure(e))
    }

    /// Whether `e`, claimed (`sending`) by a run that is not alive, was never sent: that run's
    /// sent notes can be trusted and do not name it (`sent.rs`).
    pub fn never_sent(&self, e: &Entry) -> bool {
        e.state == State::Sending && self.notes.never_sent(e)
    }

    /// Removes the sent notes of runs of this host that are gone and left no claim without an
    /// answer (nothing is left for their notes to prove).
    fn prune_notes(&self) {
        let dead = self.notes.dead_runs();
        if dead.is_empty() {
            return;
        }
        let mut claiming = std::collections::HashSet::new();
        let filter = Filter {
            state: Some(State::Sending),
            ..Filter::default()
        };
        let read = self.for_each(&filter, &mut |e| {
            claiming.extend(e.run);
            Ok(())
        });
        if read.is_err() {
            return;
        }
        for (run, path) in dead {
            if !claiming.contains(&run) {
                let _ = std::fs::remove_file(path);
            }
        }
    }

    /// The ledger's clock in Unix seconds: every age of a claim or a heartbeat is measured on
    /// it (the database's for PostgreSQL, this machine's for a file).
    pub fn now(&self) -> i64 {
        self.skew.now()
    }

    /// The ledger's clock minus this machine's, in seconds.
    pub fn clock_offset(&self) -> i64 {
        self.skew.offset()
    }

    /// Reads the store's clock again (at open, and with each heartbeat).
    pub fn measure_clock(&self) {
        if let Ok(t) = self.call("cannot read", |s| s.clock()) {
            self.skew.measured(t);
        }
    }

    pub fn location(&self) -> &Location {
        &self.location
    }

    /// A store's error as a failure: a lost connection is a network failure (exit 7).
    fn failure_of(&self, what: &str, e: String, lost: bool) -> Failure {
        let text = format!("the ledger {}: {what}: {e}", self.location);
        match (&self.location, lost) {
            (Location::Postgres(_), true) => Failure::new(crate::error::Kind::Network, text)
                .with_hint(
                    "the connection to the ledger database was lost: no row is sent without its \
                     claim committed; run the same command again once the database is back",
                ),
            (Location::Postgres(_), false) => Failure::config(text).with_hint(
                "check the database user's permissions on the ledger's schema; `leadctl ledger \
                 status` checks the connection",
            ),
            (Location::File(path), _) if e.contains(sqlite::wait::LOCKED) => {
                Failure::config(format!(
                "{text}: its write lock stayed held by another writer for the whole wait ({} s)",
                sqlite::wait::total().as_secs()
            ))
                .with_hint(format!(
                "{}; run the same command again once it is done (LEADCTL_LEDGER_LOCK_WAIT=SECONDS \
                 waits longer)",
                sqlite::wait::holder(path)
            ))
            }
            _ => Failure::config(text).with_hint(
                "check the disk and the file's permissions; `leadctl ledger path` shows where it \
                 is, --ledger PATH chooses another",
            ),
        }
    }

    /// The outcomes that could not be recorded, named with their rows and lead ids (they read
    /// as `sending` in the ledger: unknown to the next run, which settles them by reconciling).
    fn unrecorded_failure(&self, e: String, lost: bool, entries: &[Entry]) -> Failure {
        let mut f = self.failure_of("cannot write", e, lost);
        if entries.is_empty() {
            return f;
        }
        let named: Vec<String> = entries
            .iter()
            .take(10)
            .map(|e| {
                let row = e.row.map_or_else(String::new, |r| format!("row {r} "));
                match &e.lead_id {
                    Some(id) => format!("{row}({}, {}: lead {id})", e.key, e.state),
                    None => format!("{row}({}, {})", e.key, e.state),
                }
            })
            .collect();
        let more = entries.len().saturating_sub(named.len());
        f.message.push_str(&format!(
            "\n  {} outcome(s) could not be recorded, so the ledger holds them as unknown: {}{}",
            entries.len(),
            named.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        ));
        f
    }

    /// Runs a call on the store; its error as a failure (of the right kind).
    fn call<T>(
        &self,
        what: &str,
        f: impl FnOnce(&mut dyn Store) -> Result<T, String>,
    ) -> Result<T, Failure> {
        let mut store = lock(&self.store);
        f(store.as_mut()).map_err(|e| {
            let lost = store.lost_connection();
            self.failure_of(what, e, lost)
        })
    }

    pub fn get(&self, api_url: &str, channel: &str, key: &str) -> Result<Option<Entry>, Failure> {
        self.call("cannot read", |s| s.get(api_url, channel, key))
    }

    /// The entries of several keys of one channel, in `keys`' order (see [`Store::get_many`]).
    pub fn get_many(
        &self,
        api_url: &str,
        channel: &str,
        keys: &[String],
    ) -> Result<Vec<Option<Entry>>, Failure> {
        self.call("cannot read", |s| s.get_many(api_url, channel, keys))
    }

    /// As `get`; the fields are left empty when the entry's hash is `hash`.
    pub fn get_unless(
        &self,
        api_url: &str,
        channel: &str,
        key: &str,
        hash: &str,
    ) -> Result<Option<Entry>, Failure> {
        self.call("cannot read", |s| s.get_unless(api_url, channel, key, hash))
    }

    /// Applies one write, grouped with whatever other threads are writing at the moment.
    pub fn apply(&self, op: Op) -> Result<Applied, Failure> {
        self.apply_each(vec![op])
            .pop()
            .unwrap_or_else(|| Err(self.failure_of("cannot write", "no result".into(), false)))
    }

    /// Applies several writes in one group commit (one sync for all of them, with whatever
    /// other threads are writing): each write's own result, in order. For claims made ahead of
    /// their requests (`deliver::ahead`).
    pub fn apply_each(&self, ops: Vec<Op>) -> Vec<Result<Applied, Failure>> {
        let count = ops.len() as u64;
        let mut g = lock(&self.group);
        let first = g.next;
        g.next += count;
        for (id, op) in (first..).zip(ops) {
            g.queue.push((id, op));
        }
        let mut results = Vec::with_capacity(count as usize);
        let mut id = first;
        while id < first + count {
            match g.done.remove(&id) {
                Some(result) => {
                    results
                        .push(result.map_err(|(e, lost)| self.failure_of("cannot write", e, lost)));
                    id += 1;
                }
                None => g = self.commit_or_wait(g),
            }
        }
        results
    }

    /// Queues a write that nobody waits for: it goes into the next transaction (another
    /// thread's claim, or `flush`). For outcomes: if one is lost (the process dies first), its
    /// key reads as `sending`, which is `unknown`, never re-sent on its own, so a request's
    /// answer need not wait for a sync of its own.
    pub fn apply_later(&self, op: Op) {
        let mut g = lock(&self.group);
        let id = g.next;
        g.next += 1;
        g.later.insert(id);
        g.queue.push((id, op));
        self.queued.notify_one();
    }

    /// Wakes a thread waiting in [`Ledger::commit_queued`] (its `done` was set).
    pub fn wake_committer(&self) {
        let _g = lock(&self.group);
        self.queued.notify_all();
    }

    /// Commits the writes queued for a later commit as they come: waits up to `wait` for one,
    /// then commits the queue (or waits for the commit under way). For a thread of a run's own
    /// (`deliver::pipeline`), so that an answer is on disk within a sync of its arrival while
    /// no worker waits for it; an error is kept for the run's `flush`.
    /// `done`: set (then [`Ledger::wake_committer`]) when no more writes will come; it is
    /// looked at under the queue's lock, so the wake-up is never missed.
    pub fn commit_queued(&self, wait: std::time::Duration, done: &std::sync::atomic::AtomicBool) {
        let mut g = lock(&self.group);
        if g.queue.is_empty() {
            if done.load(std::sync::atomic::Ordering::SeqCst) {
                return;
            }
            g = self
                .queued
                .wait_timeout(g, wait)
                .map(|(g, _)| g)
                .unwrap_or_else(|p| p.into_inner().0);
        }
        if !g.queue.is_empty() {
            drop(self.commit_or_wait(g));
        }
    }

    /// Commits every queued write; the first error of a deferred one.
    pub fn flush(&self) -> Result<(), Failure> {
        let mut g = lock(&self.group);
        loop {
            if let Some((e, lost)) = g.deferred_error.take() {
                let unrecorded = std::mem::take(&mut g.unrecorded);
                return Err(self.unrecorded_failure(e, lost, &unrecorded));
            }
            if g.queue.is_empty() && !g.busy {
                return Ok(());
            }
            g = self.commit_or_wait(g);
        }
    }

    /// Commits the queue when no one else is, else waits for the commit under way.
    fn commit_or_wait<'a>(&'a self, mut g: MutexGuard<'a, Group>) -> MutexGuard<'a, Group> {
        if g.busy {
            return self.committed.wait(g).unwrap_or_else(|p| p.into_inner());
        }
        g.busy = true;
        let batch = std::mem::take(&mut g.queue);
        drop(g);
        let ops: Vec<Op> = batch.iter().map(|(_, op)| op.clone()).collect();
        let results = group::commit(lock(&self.store).as_mut(), &ops);
        let mut g = lock(&self.group);
        for ((id, op), result) in batch.iter().zip(results) {
            if g.later.remove(id) {
                if let Err(e) = result {
                    if let Op::Record(entry) = op {
                        g.unrecorded.push(entry.clone());
                    }
                    g.deferred_error.get_or_insert(e);
                }
            } else {
                g.done.insert(*id, result);
            }
        }
        g.busy = false;
        self.committed.notify_all();
        g
    }

    /// Several writes in one transaction (adopting, importing a backup).
    pub fn apply_all(&self, ops: &[Op]) -> Result<Vec<Applied>, Failure> {
        self.call("cannot write", |s| s.apply(ops))
    }

    pub fn for_each(
        &self,
        filter: &Filter,
        each: &mut dyn FnMut(Entry) -> Result<(), String>,
    ) -> Result<(), Failure> {
        self.call("cannot read", |s| s.for_each(filter, each))
    }

    pub fn forget(&self, filter: &Filter) -> Result<u64, Failure> {
        self.call("cannot write", |s| s.forget(filter))
    }

    pub fn counts(&self) -> Result<Counts, Failure> {
        self.call("cannot read", |s| s.counts())
    }

    pub fn lead_ids(&self, api_url: &str, channel: &str) -> Result<Vec<String>, Failure> {
        self.call("cannot read", |s| s.lead_ids(api_url, channel))
    }

    pub fn sample_created(&self, api_url: &str, channel: &str) -> Result<Option<Entry>, Failure> {
        self.call("cannot read", |s| s.sample_created(api_url, channel))
    }

    /// A value remembered for an API URL (see [`Store::get_meta`]).
    pub fn get_meta(&self, api_url: &str, key: &str) -> Result<Option<String>, Failure> {
        self.call("cannot read", |s| s.get_meta(api_url, key))
    }

    pub fn set_meta(&self, api_url: &str, key: &str, value: &str) -> Result<(), Failure> {
        self.call("cannot write", |s| s.set_meta(api_url, key, value))
    }
}

/// What to do about a damaged ledger (a run's refusal, `ledger check`).
pub fn damage_hint() -> String {
    "nothing was sent. Restore the ledger from a good backup (`leadctl ledger import \
     BACKUP.ndjson` overwrites the entries it holds, or `leadctl ledger copy`); `leadctl ledger \
     export > now.ndjson` saves what it holds now; `leadctl ledger check` lists every damaged \
     entry. Check a named key against the server (`leadctl leads list`) before you forget it \
     (`leadctl ledger forget KEY`): a forgotten key is sent again"
        .to_string()
}

impl Drop for Ledger {
    /// Deferred writes are committed before the ledger goes (an early return, an error).
    fn drop(&mut self) {
        // Every outcome on disk: this run's sent notes have nothing left to prove. Not while
        // a panic unwinds: what it cut short may still need them.
        if self.flush().is_ok() && !std::thread::panicking() {
            self.notes.remove();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn entry(key: &str, state: State) -> Entry {
        Entry {
            api_url: "http://127.0.0.1:1".into(),
            channel: "c".into(),
            key: key.into(),
            state,
            lead_id: None,
            hash: "h".into(),
            fields: Fields::new(),
            error: None,
            via: None,
            input: Some("in.csv".into()),
            row: Some(1),
            run: Some("r1".into()),
            sent_at: Some(1),
            answered_at: None,
            first_at: 1,
            updated_at: 1,
        }
    }

    #[test]
    fn concurrent_claims_of_one_key_give_it_to_one_thread() {
        let ledger = Ledger::open(&Location::Memory).expect("memory ledger");
        let winners = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    for i in 0..50 {
                        let e = entry(&format!("email:{i}@x.example"), State::Sending);
                        let got = ledger.apply(Op::Claim {
                            entry: e,
                            expect: None,
                        });
                        if matches!(got, Ok(Applied::Claimed)) {
                            winners.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        }
                    }
                });
            }
        });
        assert_eq!(winners.into_inner(), 50);
        let counts = ledger.counts().expect("counts");
        assert_eq!(counts.len(), 1);
        assert_eq!(counts[0].3, 50);
    }

    #[test]
    fn deferred_writes_land_with_the_next_commit_or_the_flush() {
        let ledger = Ledger::open(&Location::Memory).expect("memory ledger");
        let mut done = entry("email:a@x.example", State::Created);
        done.lead_id = Some("L".into());
        ledger.apply_later(Op::Put(done));
        // Not yet visible to a reader: nobody committed.
        assert!(ledger
            .get("http://127.0.0.1:1", "c", "email:a@x.example")
            .expect("get")
            .is_none());
        // A claim commits it with itself.
        let claim = entry("email:b@x.example", State::Sending);
        assert!(matches!(
            ledger.apply(Op::Claim {
                entry: claim,
                expect: None
            }),
            Ok(Applied::Claimed)
        ));
        assert!(ledger
            .get("http://127.0.0.1:1", "c", "email:a@x.example")
            .expect("get")
            .is_some());
        ledger.apply_later(Op::Put(entry("email:c@x.example", State::Failed)));
        ledger.flush().expect("flush");
        let total: u64 = ledger.counts().expect("counts").iter().map(|c| c.3).sum();
        assert_eq!(total, 3);
    }

    #[test]
    fn meta_values_are_kept_per_api_url() {
        let ledger = Ledger::open(&Location::Memory).expect("memory ledger");
        assert_eq!(ledger.get_meta("http://a", "k").expect("read"), None);
        ledger.set_meta("http://a", "k", "12").expect("write");
        ledger.set_meta("http://a", "k", "13").expect("overwrite");
        ledger.set_meta("http://b", "k", "2").expect("write");
        assert_eq!(
            ledger.get_meta("http://a", "k").expect("read").as_deref(),
            Some("13")
        );
        assert_eq!(
            ledger.get_meta("http://b", "k").expect("read").as_deref(),
            Some("2")
        );
    }

    #[test]
    fn scope_urls_drop_credentials_and_slashes() {
        assert_eq!(
            scope_url("https://user:pw@Example.com/functions/v1/keen-api/"),
            "https://example.com/functions/v1/keen-api"
        );
        let one = "http://127.0.0.1:8/functions/v1/keen-api";
        for spelling in [
            "HTTP://127.0.0.1:8/functions/v1/keen-api?",
            "http://127.0.0.1:8/functions/v1/keen-api?utm=1",
            "http://127.0.0.1:8/functions/v1/keen-api/#top",
            " http://u@127.0.0.1:8/functions/v1/keen-api ",
        ] {
            assert_eq!(scope_url(spelling), one, "{spelling}");
        }
        assert_eq!(
            scope_url("https://example.com:443/functions/v1/keen-api"),
            "https://example.com/functions/v1/keen-api"
        );
    }
}
