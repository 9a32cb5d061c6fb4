//! Sending the rows: a reader thread feeding a bounded queue, `--concurrency` workers sharing
//! one client, and the calling thread collecting each row's result in row order.
//!
//! Exactly-once rests on the journal: a worker writes a row's `sent` line before its request
//! and its outcome after. Rows the journal shows as created are skipped; rows sent without a
//! reliable answer are `unknown` and never re-sent unless asked (`--retry-unknown`).

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::journal::{self, Journal, Line, State};
use super::read::Rows;
use super::reconcile::Pending;
use super::report::{Outcome, RowResult};
use super::validate::{self, Plan};
use crate::api::models::NewLead;
use crate::api::{ApiClient, ApiError};
use crate::error::Failure;

#[derive(Debug, Clone)]
pub struct Options {
    pub concurrency: usize,
    pub rate: Option<f64>,
    pub retry_unknown: bool,
    pub retry_failed: bool,
    /// (K, N): only rows with (row - 1) mod N == K - 1.
    pub shard: Option<(u64, u64)>,
    pub skip_invalid: bool,
}

/// Whether a row belongs to this shard.
pub fn in_shard(row: u64, shard: Option<(u64, u64)>) -> bool {
    match shard {
        None => true,
        Some((k, n)) => (row - 1) % n == k - 1,
    }
}

struct Job {
    row: u64,
    hash: String,
    lead: NewLead,
    fields: Vec<String>,
}

pub enum Event {
    /// The reader took this row (results are emitted in this order).
    Dispatched(u64),
    /// A row's result, and what identifies it when its outcome is unknown (for reconciling).
    Result(RowResult, Option<Box<Pending>>),
    /// A row's outcome as an earlier run recorded it (not sent now): it does not count towards
    /// `--max-errors` or the rate.
    Replayed(RowResult, Option<Box<Pending>>),
    /// Something that stops the whole run (401, unreachable server, an unwritable journal...).
    Fatal(anyhow::Error),
    /// Reading stopped here (an invalid row from stdin, an unreadable rest of the input); the
    /// rows already taken are still sent.
    InputEnded(anyhow::Error),
}

/// A token bucket for `--rate`: at most `rate` requests a second, bursts of at most one second.
struct Limiter {
    rate: f64,
    state: Mutex<(f64, Instant)>,
}

impl Limiter {
    fn new(rate: f64) -> Limiter {
        Limiter {
            rate,
            state: Mutex::new((1.0, Instant::now())),
        }
    }

    /// Waits for a token; false when `stop` was set meanwhile.
    fn acquire(&self, stop: &AtomicBool) -> bool {
        loop {
            if stop.load(Ordering::SeqCst) {
                return false;
            }
            let wait = {
                let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
                let now = Instant::now();
                let capacity = self.rate.max(1.0);
                s.0 = (s.0 + now.duration_since(s.1).as_secs_f64() * self.rate).min(capacity);
                s.1 = now;
                if s.0 >= 1.0 {
                    s.0 -= 1.0;
                    return true;
                }
                // A tiny --rate (1e-300) makes this too long for a Duration: wait in steps.
                Duration::try_from_secs_f64((1.0 - s.0) / self.rate).unwrap_or(Duration::MAX)
            };
            std::thread::sleep(wait.min(Duration::from_millis(50)));
        }
    }
}

/// What the shared parts of a run are.
pub struct Ctx<'a> {
    pub plan: &'a Plan,
    pub client: &'a ApiClient,
    pub journal: Option<&'a Journal>,
    pub opts: &'a Options,
    pub stop: &'a AtomicBool,
}

/// Runs the reader and the workers; `on_event` is called on this thread for every event.
pub fn run(ctx: &Ctx<'_>, rows: Rows, mut on_event: impl FnMut(Event)) {
    let (job_tx, job_rx) = mpsc::sync_channel::<Job>(ctx.opts.concurrency * 2);
    let job_rx = Arc::new(Mutex::new(job_rx));
    let (ev_tx, ev_rx) = mpsc::channel::<Event>();
    let limiter = ctx.opts.rate.map(Limiter::new);
    std::thread::scope(|s| {
        let reader_tx = ev_tx.clone();
        s.spawn(move || reader(ctx, rows, job_tx, reader_tx));
        for _ in 0..ctx.opts.concurrency {
            let rx = job_rx.clone();
            let tx = ev_tx.clone();
            let limiter = limiter.as_ref();
            s.spawn(move || worker(ctx, &rx, &tx, limiter));
        }
        drop(ev_tx);
        for event in ev_rx {
            on_event(event);
        }
    });
}

fn reader(ctx: &Ctx<'_>, mut rows: Rows, jobs: SyncSender<Job>, events: Sender<Event>) {
    let send = |e: Event| events.send(e).is_ok();
    loop {
        if ctx.stop.load(Ordering::SeqCst) {
            break;
        }
        let row = match rows.next_row() {
            Ok(Some(row)) => row,
            Ok(None) => break,
            Err(e) => {
                send(Event::Fatal(
                    Failure::input(format!(
                        "the input cannot be read past line {}: {}",
                        e.line, e.message
                    ))
                    .into(),
                ));
                break;
            }
        };
        if !in_shard(row.number, ctx.opts.shard) {
            continue;
        }
        if !send(Event::Dispatched(row.number)) {
            break;
        }
        let result = |outcome,
                      lead_id: Option<String>,
                      error: Option<String>,
                      fields: Vec<String>| RowResult {
            row: row.number,
            outcome,
            lead_id,
            error,
            fields,
        };
        let lead = match validate::build(ctx.plan, &row) {
            Ok(lead) => lead,
            Err(problems) => {
                let text = problems
                    .iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join("; ");
                send(Event::Result(
                    result(
                        Outcome::Invalid,
                        None,
                        Some(text.clone()),
                        row.fields.clone(),
                    ),
                    None,
                ));
                if !ctx.opts.skip_invalid {
                    // Only stdin gets here (a file is checked whole first): stop at this row.
                    send(Event::InputEnded(
                        Failure::input(format!("{text}\n  the import stopped at this row; the rows before it were sent"))
                            .with_hint("fix the row and run the same command again to resume, or pass --skip-invalid")
                            .into(),
                    ));
                    break;
                }
                continue;
            }
        };
        let hash = journal::row_hash(&row.fields);
        let previous = ctx.journal.and_then(|j| j.previous.get(&row.number));
        if let Some(prev) = previous {
            if prev.hash != hash {
                send(Event::Result(
                    result(
                        Outcome::NotSent,
                        None,
                        Some("differs from the row the journal recorded".into()),
                        row.fields.clone(),
                    ),
                    None,
                ));
                send(Event::InputEnded(
                    Failure::input(format!(
                        "row {} differs from the row the journal recorded for it: the input changed",
                        row.number
                    ))
                    .with_hint("feed the same input as the earlier run, or pass another --journal")
                    .into(),
                ));
                break;
            }
            // An earlier run gave up on it when it wrote the outcome, or (killed before that) by the
            // time this run started.
            let given_up = prev.answered_at.unwrap_or_else(journal::now_secs);
            let pending = || pending_of(row.number, &hash, &lead, prev.sent_at, given_up);
            let handled = match prev.state {
                State::Created => Some((
                    result(
                        Outcome::Skipped,
                        prev.lead_id.clone(),
                        None,
                        row.fields.clone(),
                    ),
                    None,
                )),
                State::Sent | State::Unknown if !ctx.opts.retry_unknown => Some((
                    result(
                        Outcome::Unknown,
                        None,
                        Some(prev.error.clone().unwrap_or_else(|| {
                            "sent by an earlier run that ended before the answer; it may exist"
                                .to_string()
                        })),
                        row.fields.clone(),
                    ),
                    Some(pending()),
                )),
                State::Failed if !ctx.opts.retry_failed => Some((
                    result(
                        Outcome::Failed,
                        None,
                        prev.error.clone(),
                        row.fields.clone(),
                    ),
                    None,
                )),
                _ => None,
            };
            if let Some((r, p)) = handled {
                send(Event::Replayed(r, p));
                continue;
            }
        }
        let job = Job {
            row: row.number,
            hash,
            lead,
            fields: row.fields,
        };
        if jobs.send(job).is_err() {
            break;
        }
    }
}

fn pending_of(
    row: u64,
    hash: &str,
    lead: &NewLead,
    sent_at: Option<u64>,
    given_up_at: u64,
) -> Box<Pending> {
    Box::new(Pending {
        given_up_at: Some(given_up_at),
        row,
        hash: hash.to_string(),
        channel: lead.channel_id.clone(),
        email: lead.fields.email.clone(),
        business_id: lead.fields.business_id.clone(),
        sent_at,
    })
}

fn worker(
    ctx: &Ctx<'_>,
    jobs: &Mutex<Receiver<Job>>,
    events: &Sender<Event>,
    limiter: Option<&Limiter>,
) {
    loop {
        let job = {
            let rx = jobs.lock().unwrap_or_else(|p| p.into_inner());
            match rx.recv() {
                Ok(job) => job,
                Err(_) => return,
            }
        };
        let not_sent = |job: Job, why: &str| {
            Event::Result(
                RowResult {
                    row: job.row,
                    outcome: Outcome::NotSent,
                    lead_id: None,
                    error: Some(why.to_string()),
                    fields: job.fields,
                },
                None,
            )
        };
        if ctx.stop.load(Ordering::SeqCst) || limiter.is_some_and(|l| !l.acquire(ctx.stop)) {
            let _ = events.send(not_sent(job, "stopped before it was sent"));
            continue;
        }
        let sent_at = journal::now_secs();
        let line = |state, lead_id: Option<String>, error: Option<String>| Line {
            row: job.row,
            state,
            hash: job.hash.clone(),
            lead_id,
            error,
            at: Some(if state == State::Sent {
                sent_at
            } else {
                journal::now_secs()
            }),
            via: None,
        };
        if let Some(j) = ctx.journal {
            if let Err(e) = j.append_durable(&line(State::Sent, None, None)) {
                ctx.stop.store(true, Ordering::SeqCst);
                let _ = events.send(Event::Fatal(
                    Failure::config(format!(
                        "cannot write the journal {}: {e}",
                        j.path().display()
                    ))
                    .into(),
                ));
                let _ = events.send(not_sent(job, "the journal could not be written"));
                continue;
            }
        }
        let answer = ctx.client.create_lead(&job.lead);
        let (outcome, state, lead_id, error, fatal) = match answer {
            Ok(lead) => (Outcome::Created, State::Created, Some(lead.id), None, None),
            Err(e) => {
                let (outcome, state, fatal) = classify(&e);
                (
                    outcome,
                    state,
                    None,
                    Some(e.to_string()),
                    fatal.then_some(e),
                )
            }
        };
        if let Some(j) = ctx.journal {
            // If this line is lost the row reads as sent-without-answer: unknown, never re-sent.
            let _ = j.append(&line(state, lead_id.clone(), error.clone()));
        }
        let pending = (outcome == Outcome::Unknown).then(|| {
            pending_of(
                job.row,
                &job.hash,
                &job.lead,
                Some(sent_at),
                journal::now_secs(),
            )
        });
        let _ = events.send(Event::Result(
            RowResult {
                row: job.row,
                outcome,
                lead_id,
                error,
                fields: job.fields,
            },
            pending,
        ));
        if let Some(e) = fatal {
            if !ctx.stop.swap(true, Ordering::SeqCst) {
                let _ = events.send(Event::Fatal(anyhow::Error::new(e)));
            }
        }
    }
}

/// A create's error → the row's outcome, the journal state, and whether the run must stop.
pub fn classify(e: &ApiError) -> (Outcome, State, bool) {
    let (outcome, state) = if e.is_unknown_outcome() {
        (Outcome::Unknown, State::Unknown)
    } else {
        match e {
            ApiError::Forbidden { .. } | ApiError::Rejected { .. } => {
                (Outcome::Failed, State::Failed)
            }
            // A redirect other than 307/308 after a POST (303 See Other above all) may follow
            // processing: the row may exist.
            ApiError::Redirect { status, .. } if !matches!(status, 307 | 308) => {
                (Outcome::Unknown, State::Unknown)
            }
            // Provably not processed (Ctrl-C, or a failure every further row would meet).
            _ => (Outcome::NotSent, State::NotSent),
        }
    };
    (outcome, state, e.stops_batch())
}

/// Collects results and emits them in row order. Rows after an unknown one are held back until
/// the end, so that reconciling can settle it before anything is printed.
pub struct Orderer {
    order: VecDeque<u64>,
    held: BTreeMap<u64, RowResult>,
    hold_unknown: bool,
    blocked: bool,
}

impl Orderer {
    pub fn new(hold_unknown: bool) -> Orderer {
        Orderer {
            order: VecDeque::new(),
            held: BTreeMap::new(),
            hold_unknown,
            blocked: false,
        }
    }

    pub fn dispatched(&mut self, row: u64) {
        self.order.push_back(row);
    }

    /// Adds a result; returns those now ready, in order.
    pub fn push(&mut self, r: RowResult) -> Vec<RowResult> {
        self.held.insert(r.row, r);
        let mut ready = Vec::new();
        while !self.blocked {
            let Some(&next) = self.order.front() else {
                break;
            };
            let Some(r) = self.held.get(&next) else { break };
            if self.hold_unknown && r.outcome == Outcome::Unknown {
                self.blocked = true;
                break;
            }
            self.order.pop_front();
            if let Some(r) = self.held.remove(&next) {
                ready.push(r);
            }
        }
        ready
    }

    /// Everything still held, in order (at the end).
    pub fn drain(&mut self) -> Vec<RowResult> {
        self.order.clear();
        std::mem::take(&mut self.held).into_values().collect()
    }

    /// Marks a held unknown row as created (found by reconciling).
    pub fn settle(&mut self, row: u64, lead_id: &str) -> bool {
        match self.held.get_mut(&row) {
            Some(r) if r.outcome == Outcome::Unknown => {
                r.outcome = Outcome::Created;
                r.lead_id = Some(lead_id.to_string());
                r.error = None;
                true
            }
            _ => false,
        }
    }
}

/// The lead ids the journal knows as created (reconciling must not give one to a second row).
pub fn known_ids(journal: Option<&Journal>) -> HashSet<String> {
    journal
        .map(|j| {
            j.previous
                .values()
                .filter_map(|e| e.lead_id.clone())
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(row: u64, outcome: Outcome) -> RowResult {
        RowResult {
            row,
            outcome,
            lead_id: None,
            error: None,
            fields: Vec::new(),
        }
    }

    #[test]
    fn results_come_out_in_row_order() {
        let mut o = Orderer::new(false);
        for row in [1, 2, 3] {
            o.dispatched(row);
        }
        assert!(o.push(r(2, Outcome::Created)).is_empty());
        assert!(o.push(r(3, Outcome::Failed)).is_empty());
        let ready: Vec<u64> = o
            .push(r(1, Outcome::Created))
            .iter()
            .map(|r| r.row)
            .collect();
        assert_eq!(ready, [1, 2, 3]);
    }

    #[test]
    fn unknown_rows_hold_the_rest_until_settled() {
        let mut o = Orderer::new(true);
        for row in [1, 2, 3] {
            o.dispatched(row);
        }
        assert_eq!(o.push(r(1, Outcome::Created)).len(), 1);
        assert!(o.push(r(2, Outcome::Unknown)).is_empty());
        assert!(o.push(r(3, Outcome::Created)).is_empty());
        assert!(o.settle(2, "L2"));
        let rest = o.drain();
        assert_eq!(
            rest.iter().map(|r| (r.row, r.outcome)).collect::<Vec<_>>(),
            [(2, Outcome::Created), (3, Outcome::Created)]
        );
    }

    #[test]
    fn shards_split_rows() {
        let rows: Vec<u64> = (1..=7).filter(|&r| in_shard(r, Some((2, 3)))).collect();
        assert_eq!(rows, [2, 5]);
        assert!((1..=7).all(|r| in_shard(r, None)));
    }

    #[test]
    fn classification() {
        use std::time::Duration;
        let unknown = ApiError::Timeout {
            timeout: Duration::from_secs(1),
            unknown: true,
        };
        assert_eq!(
            classify(&unknown),
            (Outcome::Unknown, State::Unknown, false)
        );
        let refused = ApiError::Forbidden {
            message: "Channel not accessible".into(),
        };
        assert_eq!(classify(&refused), (Outcome::Failed, State::Failed, false));
        let down = ApiError::Connect {
            url: "u".into(),
            cause: "refused".into(),
        };
        assert_eq!(classify(&down), (Outcome::NotSent, State::NotSent, true));
        assert_eq!(
            classify(&ApiError::Cancelled),
            (Outcome::NotSent, State::NotSent, false)
        );
        let moved = |status| ApiError::Redirect {
            status,
            location: "l".into(),
        };
        assert_eq!(
            classify(&moved(303)),
            (Outcome::Unknown, State::Unknown, true)
        );
        assert_eq!(
            classify(&moved(307)),
            (Outcome::NotSent, State::NotSent, true)
        );
    }

    #[test]
    fn a_tiny_rate_waits_instead_of_panicking() {
        let l = Limiter::new(1e-300);
        let stop = AtomicBool::new(false);
        assert!(l.acquire(&stop), "the first token is there at once");
        let started = Instant::now();
        std::thread::scope(|s| {
            s.spawn(|| {
                std::thread::sleep(Duration::from_millis(120));
                stop.store(true, Ordering::SeqCst);
            });
            assert!(
                !l.acquire(&stop),
                "the next one never comes; stop ends the wait"
            );
        });
        assert!(started.elapsed() >= Duration::from_millis(100));
    }

    #[test]
    fn the_limiter_paces() {
        let l = Limiter::new(20.0);
        let stop = AtomicBool::new(false);
        let started = Instant::now();
        for _ in 0..11 {
            assert!(l.acquire(&stop));
        }
        assert!(
            started.elapsed() >= Duration::from_millis(450),
            "{:?}",
            started.elapsed()
        );
    }
}
