//! The pipeline a bulk run sends through: a reader thread that decides each work and feeds a
//! bounded queue ([`Feed`]), workers that each take a request slot from the run's [`Gate`]
//! before they run a job, and the calling thread telling the run's [`Observer`] every event the
//! reader and the workers give, in the order they arrive. While it runs, the run's heartbeat
//! tells other runs sharing the ledger to wait for its answers (`ledger::alive`), and every
//! record queued for a later commit is on disk before it returns. It knows neither what a job
//! is nor what an event says: the caller's reader makes the jobs, its `work` runs one in the
//! slot it is given, and its observer (progress, results, errors file) hears the events.
//!
//! A job is taken from the queue and given its slot while its worker still holds the queue: only
//! one worker waits at the gate, jobs leave in their order, and a worker that just finished
//! cannot overtake one that has been waiting (which would leave its job behind for the whole
//! run). A job is run only once its slot is held, so no job that claimed its key waits.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use super::ahead::{self, Ahead};
use super::gate::{Gate, Slot};
use crate::error::Failure;
use crate::ledger::{alive, Ledger};

mod feed;

pub use feed::Feed;

/// What travels to the collector: one event (a worker's) or the reader's batch.
enum Msg<E> {
    One(E),
    Batch(Vec<E>),
}

/// A worker's way to the collector.
pub struct Events<E> {
    tx: Sender<Msg<E>>,
}

impl<E> Events<E> {
    /// False once the collector is gone.
    pub fn send(&self, event: E) -> bool {
        self.tx.send(Msg::One(event)).is_ok()
    }
}

/// A job of the pipeline: the claim its first write makes, when it is one to make ahead of the
/// job's slot (`deliver::ahead`: a lead create, a purchase). Made by the pipeline's claimer while
/// the workers' requests are in flight; a job that is not run has it released.
pub trait Job: Send {
    fn ahead(&mut self) -> Option<&mut Ahead> {
        None
    }
}

/// What a run is told as it goes: each event the reader and the workers give, in the order they
/// arrive, and after each the gate as it stands (its limit and its changes, for a progress
/// bar). The import's collector is one (progress bar, results stream, errors file), a dry run's
/// planner another; a closure taking the events is one too.
pub trait Observer<E> {
    fn event(&mut self, event: E);

    fn gate(&mut self, _gate: &Gate) {}
}

impl<E, F: FnMut(E)> Observer<E> for F {
    fn event(&mut self, event: E) {
        self(event)
    }
}

/// How a run's pipeline runs.
pub struct Pipeline<'a> {
    pub gate: &'a Gate,
    /// Set to stop: no further job is run.
    pub stop: &'a AtomicBool,
    /// Worker threads (none: the reader's events alone, as a plan's).
    pub workers: usize,
    /// The ledger the workers record in and the run's scope in it: beaten while the pipeline
    /// runs, flushed at its end (None: a plan, or `--no-ledger`).
    pub ledger: Option<(&'a Ledger, &'a str)>,
}

/// What a pipeline came to.
pub struct Ran<R> {
    /// What the reader returned (None if it panicked).
    pub read: Option<R>,
    /// The ledger's flush of the records queued for a later commit (None without a ledger).
    pub flushed: Option<Result<(), Failure>>,
}

impl Pipeline<'_> {
    /// Runs `read` on a thread of its own (it feeds the queue and tells the observer what it
    /// decided itself), the workers, and the observer on this thread. A job met after the stop
    /// was set, or whose slot the stop took, is not run: `unsent` says so to the observer.
    pub fn run<J, E, R>(
        &self,
        read: impl FnOnce(&mut Feed<'_, J, E>) -> R + Send,
        work: impl Fn(J, Slot<'_>, &Events<E>) + Sync,
        unsent: impl Fn(J) -> E + Sync,
        observer: &mut impl Observer<E>,
    ) -> Ran<R>
    where
        J: Job,
        E: Send,
        R: Send,
    {
        let beating = AtomicBool::new(false);
        // The run says it is alive before its first claim, and its sent notes are ready
        // (nothing written here when the run did so already, while its first read was out).
        if let Some((ledger, scope_url)) = self.ledger {
            ledger.ready_to_send(scope_url);
        }
        std::thread::scope(|s| {
            let beats = self.ledger.map(|(ledger, scope_url)| {
                let beating = &beating;
                s.spawn(move || alive::keep_beating(ledger, scope_url, beating))
            });
            // Ends the heartbeat thread however the pipeline ends, a panic on this thread
            // included (the scope would wait for it for ever): its flag set, its pause woken.
            let thread = beats.map(|h| h.thread().clone());
            let stop_beats = OnDrop(|| {
                beating.store(true, Ordering::SeqCst);
                if let Some(t) = &thread {
                    t.unpark();
                }
            });
            let read = run(self, read, work, unsent, observer);
            // The workers' outcomes, queued for the next commit: all on disk before the run
            // says it ended.
            let flushed = self.ledger.map(|(l, _)| l.flush());
            drop(stop_beats);
            Ran { read, flushed }
        })
    }
}

/// How long the committer waits for an answer to write before it looks again (a wake-up it
/// cannot miss ends it sooner).
const COMMIT_WAIT: std::time::Duration = std::time::Duration::from_millis(20);

/// Runs its closure when dropped: a thread's end told however the pipeline ends, a panic
/// included.
struct OnDrop<F: FnMut()>(F);

impl<F: FnMut()> Drop for OnDrop<F> {
    fn drop(&mut self) {
        (self.0)()
    }
}

fn run<J, E, R>(
    p: &Pipeline<'_>,
    read: impl FnOnce(&mut Feed<'_, J, E>) -> R + Send,
    work: impl Fn(J, Slot<'_>, &Events<E>) + Sync,
    unsent: impl Fn(J) -> E + Sync,
    observer: &mut impl Observer<E>,
) -> Option<R>
where
    J: Job,
    E: Send,
    R: Send,
{
    let (gate, stop, workers) = (p.gate, p.stop, p.workers);
    let ledger = p.ledger.map(|(l, _)| l);
    let (job_tx, job_rx) = mpsc::sync_channel::<J>(workers.max(1) * 2);
    let (ev_tx, ev_rx) = mpsc::channel::<Msg<E>>();
    let mut tell = |e: E| {
        observer.event(e);
        observer.gate(gate);
    };
    let workers_done = AtomicBool::new(false);
    // Every worker counted before the claimer starts: it never sees none at the start.
    let ready = Ready::with_workers(workers);
    std::thread::scope(|s| {
        // Ends the committer once the events are all told, a panic here included: its flag
        // set, its wait woken.
        let _done = OnDrop(|| {
            workers_done.store(true, Ordering::SeqCst);
            if let Some(l) = ledger {
                l.wake_committer();
            }
        });
        let reader_tx = ev_tx.clone();
        let read = s.spawn(move || {
            let mut feed = Feed::new(&reader_tx, job_tx);
            read(&mut feed)
        });
        // With a ledger, the claimer stands between the reader and the workers: it claims the
        // next jobs while the workers' requests are in flight, and hands each on only as a
        // worker takes it. The committer writes the workers' answers as they come: no worker
        // waits for that sync, and none waits for the next claim to carry it.
        let job_rx = match ledger.filter(|_| workers > 0) {
            Some(l) => {
                let (ready_tx, ready_rx) = mpsc::channel::<J>();
                let ready = &ready;
                s.spawn(move || claimer(l, gate, stop, &job_rx, &ready_tx, ready));
                let workers_done = &workers_done;
                s.spawn(move || {
                    while !workers_done.load(Ordering::SeqCst) {
                        l.commit_queued(COMMIT_WAIT, workers_done);
                    }
                });
                ready_rx
            }
            None => job_rx,
        };
        let job_rx = Arc::new(Mutex::new(job_rx));
        for _ in 0..workers {
            let rx = job_rx.clone();
            let events = Events { tx: ev_tx.clone() };
            let (work, unsent) = (&work, &unsent);
            let ready = ledger.map(|_| &ready);
            s.spawn(move || {
                // Counted out however it ends (a panic too).
                let _runs = ready.map(WorkerRuns);
                worker(gate, stop, ledger, ready, &rx, &events, work, unsent)
            });
        }
        // The workers hold the queue's end: once they have all ended (a panic), the claimer's
        // hand-on fails and it releases the claim (jobs already in the queue are left to the
        // sent notes). Without workers it stays: the reader's jobs are then never taken.
        if workers > 0 {
            drop(job_rx);
        }
        drop(ev_tx);
        for msg in ev_rx {
            match msg {
                Msg::Batch(events) => events.into_iter().for_each(&mut tell),
                Msg::One(e) => tell(e),
            }
        }
        read.join().ok()
    })
}

/// Claims the jobs the reader queued ahead of the workers, many in one commit (one sync), so
/// that as many claimed jobs wait for a worker as the gate lets requests be in flight: a worker
/// back from its answer finds its next job claimed. Once the run stops, nothing more is claimed:
/// the workers release what they are handed.
fn claimer<J: Job>(
    ledger: &Ledger,
    gate: &Gate,
    stop: &AtomicBool,
    from: &Receiver<J>,
    to: &Sender<J>,
    ready: &Ready,
) {
    while let Ok(first) = from.recv() {
        // No worker left (they all ended: a panic): nothing more is claimed or handed on.
        let Some(room) = ready.room(|| gate.controller().limit()) else {
            return;
        };
        // No claimed job waits (the run's start, or the reader fell behind): the workers wait
        // for this batch, so it takes what the reader queues within `GATHER` of the last job
        // too. The reader judges a row in tens of microseconds when no commit holds the ledger:
        // the first round's claims go in one commit, not one commit each, and its requests
        // leave together.
        let starving = ready.waiting() == 0;
        let mut batch = vec![first];
        while batch.len() < room {
            let next = match starving {
                true => from.recv_timeout(GATHER).ok(),
                false => from.try_recv().ok(),
            };
            match next {
                Some(job) => batch.push(job),
                None => break,
            }
        }
        if !stop.load(Ordering::SeqCst) {
            let mut claims: Vec<&mut Ahead> = batch.iter_mut().filter_map(J::ahead).collect();
            if !claims.is_empty() {
                ahead::claim_all(ledger, &mut claims);
            }
        }
        ready.put(batch.len());
        for job in batch {
            if let Err(mpsc::SendError(mut job)) = to.send(job) {
                if let Some(a) = job.ahead() {
                    ahead::release(ledger, a);
                }
            }
        }
    }
    // Everything is claimed; what is left is the last rounds (in flight, or claimed and
    // waiting for a worker): the ledger's log is emptied now, not when the run closes it.
    ledger.checkpoint_if_free();
}

/// How long the claimer waits for the reader's next job while the workers wait for its batch.
const GATHER: std::time::Duration = std::time::Duration::from_millis(1);

/// How many claimed jobs wait for a worker, and how many workers are there to take them.
struct Ready {
    /// (jobs waiting, workers running)
    counts: Mutex<(usize, usize)>,
    taken: Condvar,
}

impl Ready {
    fn with_workers(workers: usize) -> Ready {
        Ready {
            counts: Mutex::new((0, workers)),
            taken: Condvar::new(),
        }
    }

    fn counts(&self) -> MutexGuard<'_, (usize, usize)> {
        self.counts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits until fewer jobs wait than `limit` says (read again now and then: `auto` changes
    /// it), then how many more may; None at once when no worker is left (they all ended).
    fn room(&self, limit: impl Fn() -> usize) -> Option<usize> {
        let mut counts = self.counts();
        loop {
            let limit = limit().max(1);
            match *counts {
                (_, 0) => return None,
                (waiting, _) if waiting < limit => return Some(limit - waiting),
                _ => {}
            }
            counts = self
                .taken
                .wait_timeout(counts, std::time::Duration::from_millis(50))
                .map(|(c, _)| c)
                .unwrap_or_else(|p| p.into_inner().0);
        }
    }

    /// How many claimed jobs wait for a worker now.
    fn waiting(&self) -> usize {
        self.counts().0
    }

    fn put(&self, n: usize) {
        self.counts().0 += n;
    }

    /// A worker took one.
    fn took(&self) {
        let mut counts = self.counts();
        counts.0 = counts.0.saturating_sub(1);
        self.taken.notify_one();
    }
}

/// A worker of the count; dropped when it ends.
struct WorkerRuns<'a>(&'a Ready);

impl Drop for WorkerRuns<'_> {
    fn drop(&mut self) {
        let mut counts = self.0.counts();
        counts.1 = counts.1.saturating_sub(1);
        self.0.taken.notify_all();
    }
}

#[allow(clippy::too_many_arguments)]
fn worker<J: Job, E>(
    gate: &Gate,
    stop: &AtomicBool,
    ledger: Option<&Ledger>,
    ready: Option<&Ready>,
    jobs: &Mutex<Receiver<J>>,
    events: &Events<E>,
    work: &(impl Fn(J, Slot<'_>, &Events<E>) + Sync),
    unsent: &(impl Fn(J) -> E + Sync),
) {
    loop {
        let (job, permit) = {
            let rx = jobs.lock().unwrap_or_else(|p| p.into_inner());
            let Ok(job) = rx.recv() else {
                return;
            };
            if let Some(r) = ready {
                r.took();
            }
            let permit = match stop.load(Ordering::SeqCst) {
                true => None,
                false => gate.controller().acquire(stop),
            };
            (job, permit)
        };
        match permit.and_then(|permit| gate.paced(permit, stop)) {
            Some(slot) => work(job, slot, events),
            None => {
                let mut job = job;
                if let (Some(l), Some(a)) = (ledger, job.ahead()) {
                    ahead::release(l, a);
                }
                events.send(unsent(job));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deliver::gate::Options;
    use crate::deliver::setting::Concurrency;

    impl Job for u32 {}

    #[derive(Debug, PartialEq)]
    enum Ev {
        Read(u32),
        Ran(u32),
        Unsent(u32),
    }

    fn gate(n: usize) -> Gate {
        Gate::new(
            Options {
                concurrency: Concurrency::Fixed(n),
                max_concurrency: n,
                rate: None,
            },
            None,
        )
    }

    #[test]
    fn every_job_runs_once_in_a_slot_after_what_the_reader_said_of_it() {
        let gate = gate(4);
        let stop = AtomicBool::new(false);
        let in_flight = std::sync::atomic::AtomicUsize::new(0);
        let most = std::sync::atomic::AtomicUsize::new(0);
        let mut seen = Vec::new();
        let read = pipeline_run(&gate, &stop, 4, 200, &in_flight, &most, &mut seen);
        assert_eq!(read, Some(200), "the reader's own return");
        for n in 0..200 {
            let said = seen.iter().position(|e| *e == Ev::Read(n));
            let ran = seen.iter().position(|e| *e == Ev::Ran(n));
            assert!(
                said.is_some() && ran.is_some() && said < ran,
                "job {n}: {seen:?}"
            );
        }
        assert_eq!(seen.len(), 400, "each event once");
        let most = most.load(Ordering::SeqCst);
        assert!(
            (1..=4).contains(&most),
            "at most the gate's limit at once: {most}"
        );
    }

    #[test]
    fn a_job_met_after_the_stop_is_not_run_and_says_so() {
        let gate = gate(2);
        let stop = AtomicBool::new(true);
        let mut seen = Vec::new();
        let p = Pipeline {
            gate: &gate,
            stop: &stop,
            workers: 2,
            ledger: None,
        };
        p.run(
            |feed: &mut Feed<'_, u32, Ev>| {
                for n in 0..3 {
                    feed.job(n);
                }
            },
            |n, _slot, events: &Events<Ev>| {
                events.send(Ev::Ran(n));
            },
            Ev::Unsent,
            &mut |e| seen.push(e),
        );
        seen.sort_by_key(|e| match e {
            Ev::Read(n) | Ev::Ran(n) | Ev::Unsent(n) => *n,
        });
        assert_eq!(seen, [Ev::Unsent(0), Ev::Unsent(1), Ev::Unsent(2)]);
    }

    #[test]
    fn without_workers_only_the_readers_events_arrive() {
        let gate = gate(1);
        let stop = AtomicBool::new(false);
        let mut seen = Vec::new();
        let p = Pipeline {
            gate: &gate,
            stop: &stop,
            workers: 0,
            ledger: None,
        };
        let read = p.run(
            |feed: &mut Feed<'_, u32, Ev>| {
                for n in 0..600 {
                    feed.send(Ev::Read(n));
                }
                "done"
            },
            |n, _slot, events: &Events<Ev>| {
                events.send(Ev::Ran(n));
            },
            Ev::Unsent,
            &mut |e| seen.push(e),
        );
        assert_eq!(read.read, Some("done"));
        assert!(read.flushed.is_none(), "no ledger, nothing flushed");
        assert_eq!(seen, (0..600).map(Ev::Read).collect::<Vec<_>>(), "in order");
    }

    /// A job of the claim-ahead test: its key's claim, made ahead.
    struct Keyed(u64, Option<Ahead>);

    impl Job for Keyed {
        fn ahead(&mut self) -> Option<&mut Ahead> {
            self.1.as_mut()
        }
    }

    /// Job `n` of the claim-ahead tests: key `k<n>` of channel `c`, its claim to be made ahead.
    fn keyed(
        place: &crate::deliver::claim::Place<'_>,
        fields: &crate::ledger::Fields,
        n: u64,
    ) -> Keyed {
        let key = format!("k{n}");
        let claim = crate::deliver::claim::Claim {
            channel: "c",
            key: &key,
            hash: "h",
            fields,
            lead_id: None,
            row: n,
            previous: None,
        };
        Keyed(n, Ahead::new(place, claim, None))
    }

    #[test]
    fn jobs_are_claimed_before_a_worker_takes_them_and_a_job_not_run_is_released() {
        use crate::deliver::claim::{Claimed, Place};
        use crate::ledger::{Fields, Location, Op, State};
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::open(&Location::File(dir.path().join("l.sqlite3"))).unwrap();
        let place = Place {
            ledger: Some(&ledger),
            scope_url: "http://x",
            input: "in.csv",
        };
        let fields = Fields::new();
        let key = |n: u64| format!("k{n}");
        // One worker, two claims ahead: the jobs run in order, and the stop job 3 sets is the
        // only thing that ends them.
        let gate = gate(2);
        let stop = AtomicBool::new(false);
        let p = Pipeline {
            gate: &gate,
            stop: &stop,
            workers: 1,
            ledger: Some((&ledger, "http://x")),
        };
        let mut seen = Vec::new();
        p.run(
            |feed: &mut Feed<'_, Keyed, Ev>| {
                // The run beat before anything was claimed: another run meeting its first
                // claim finds it alive, never a dead run's.
                assert!(ledger.is_alive("http://x", &ledger.run), "no beat yet");
                for n in 1..=40u64 {
                    feed.job(keyed(&place, &fields, n));
                }
            },
            |mut job, _slot, events: &Events<Ev>| {
                // Claimed before this worker took it: sent as the engine would, then recorded.
                let current = ledger.get("http://x", "c", &key(job.0)).unwrap();
                assert_eq!(current.map(|e| e.state), Some(State::Sending), "{}", job.0);
                let Some(Ok(Claimed::Ours(mut entry))) = job.1.as_mut().and_then(Ahead::take)
                else {
                    panic!("job {} was not claimed ahead", job.0);
                };
                entry.state = State::Created;
                ledger.apply_later(Op::Record(entry));
                if job.0 == 3 {
                    // Job 4 is claimed ahead by now: the stop leaves a claim to release.
                    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
                    while ledger
                        .get("http://x", "c", &key(4))
                        .unwrap()
                        .map(|e| e.state)
                        != Some(State::Sending)
                    {
                        assert!(std::time::Instant::now() < deadline, "job 4 never claimed");
                        std::thread::sleep(std::time::Duration::from_millis(1));
                    }
                    stop.store(true, Ordering::SeqCst);
                }
                events.send(Ev::Ran(job.0 as u32));
            },
            |job| Ev::Unsent(job.0 as u32),
            &mut |e| seen.push(e),
        );
        let ran: Vec<u64> = seen
            .iter()
            .filter_map(|e| match e {
                Ev::Ran(n) => Some(u64::from(*n)),
                _ => None,
            })
            .collect();
        assert_eq!(ran, [1, 2, 3]);
        assert_eq!(seen.len(), 40, "every job told once: {seen:?}");
        for n in 1..=40 {
            let e = ledger.get("http://x", "c", &key(n)).unwrap();
            match ran.contains(&n) {
                true => assert_eq!(e.map(|e| e.state), Some(State::Created), "{n}"),
                false => assert_eq!(e, None, "job {n} was not run: its claim is released"),
            }
        }
    }

    /// The run's first round: while no claimed job waits, the claimer takes what the reader
    /// queues within `GATHER` of the last job into its batch, so the first requests leave
    /// together after one commit instead of one commit each. The reader here queues a job every
    /// 100 µs; no worker may start before the 16th is queued. (Tried up to 3 times: a loaded
    /// machine may pause the reader longer than `GATHER` once.)
    #[test]
    fn the_first_rounds_jobs_are_claimed_together() {
        use crate::deliver::claim::Place;
        use crate::ledger::{Fields, Location};
        use std::time::{Duration, Instant};
        let gathered = || {
            let ledger = Ledger::open(&Location::Memory).unwrap();
            let place = Place {
                ledger: Some(&ledger),
                scope_url: "http://x",
                input: "in.csv",
            };
            let fields = Fields::new();
            let gate = gate(16);
            let stop = AtomicBool::new(false);
            let p = Pipeline {
                gate: &gate,
                stop: &stop,
                workers: 16,
                ledger: Some((&ledger, "http://x")),
            };
            let last_queued = Mutex::new(None::<Instant>);
            let first_run = Mutex::new(None::<Instant>);
            p.run(
                |feed: &mut Feed<'_, Keyed, Ev>| {
                    for n in 1..=16u64 {
                        if n == 16 {
                            *last_queued.lock().unwrap() = Some(Instant::now());
                        }
                        feed.job(keyed(&place, &fields, n));
                        std::thread::sleep(Duration::from_micros(100));
                    }
                },
                |job, slot, events: &Events<Ev>| {
                    first_run.lock().unwrap().get_or_insert_with(Instant::now);
                    slot.done::<()>(&Ok(()), &crate::api::CallStats::default());
                    events.send(Ev::Ran(job.0 as u32));
                },
                |job| Ev::Unsent(job.0 as u32),
                &mut |_| {},
            );
            let (last, first) = (
                last_queued.into_inner().unwrap(),
                first_run.into_inner().unwrap(),
            );
            first.unwrap() > last.unwrap()
        };
        assert!(
            (0..3).any(|_| gathered()),
            "a worker started before the reader had queued the first round"
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn pipeline_run(
        gate: &Gate,
        stop: &AtomicBool,
        workers: usize,
        jobs: u32,
        in_flight: &std::sync::atomic::AtomicUsize,
        most: &std::sync::atomic::AtomicUsize,
        seen: &mut Vec<Ev>,
    ) -> Option<u32> {
        let p = Pipeline {
            gate,
            stop,
            workers,
            ledger: None,
        };
        p.run(
            |feed: &mut Feed<'_, u32, Ev>| {
                for n in 0..jobs {
                    feed.send(Ev::Read(n));
                    feed.job(n);
                }
                jobs
            },
            |n, slot, events: &Events<Ev>| {
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_micros(200));
                in_flight.fetch_sub(1, Ordering::SeqCst);
                slot.done::<()>(&Ok(()), &crate::api::CallStats::default());
                events.send(Ev::Ran(n));
            },
            Ev::Unsent,
            &mut |e| seen.push(e),
        )
        .read
    }
}
