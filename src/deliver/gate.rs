//! A run's gate on its requests: how many are in flight (the [`Controller`]: `--concurrency N`,
//! or `auto` starting where the ledger says the last run against this API URL was last good), how
//! fast (`--rate`'s [`Limiter`], and `auto`'s send rate learned from 429s, the [`Pacer`]), and a
//! request's place through it (a [`Slot`], given back with what its answer says about load).
//! What a run shows of it (the label, the changes, the summary's line) and remembering the last
//! good limit for the next run are here too.

use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use super::concurrency::{rate, Cause, Class, Config, Controller, Permit, Sample};
use super::pace::{Limiter, Pacer};
use super::setting::Concurrency;
use crate::api::{ApiError, CallStats};
use crate::ledger::Ledger;

/// The ledger's meta key (per API URL) for the last good `auto` limit.
pub const LAST_GOOD: &str = "concurrency.last_good";
/// The ledger's meta key (per API URL) for where `auto` last met an overload storm ("" none).
pub const WALL: &str = "concurrency.wall";
/// The ledger's meta key (per API URL) for the send rate `auto` learned from 429s ("" none).
pub const RATE: &str = "rate.learned";

/// What earlier runs against this API URL learned (the ledger's meta table).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Remembered {
    /// Where `auto` was last good: where it starts (in slow start).
    pub last_good: Option<usize>,
    /// Where the server pushed back: slow start stops there.
    pub wall: Option<usize>,
    /// The send rate learned from 429s, requests a second: paced at from the start.
    pub rate: Option<f64>,
}

/// What a run asks of its gate: plain values, read from the command line by the command.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// `--concurrency auto|N`.
    pub concurrency: Concurrency,
    /// `--max-concurrency`: the most `auto` goes to (a fixed N is held below it too).
    pub max_concurrency: usize,
    /// `--rate`: requests a second at most.
    pub rate: Option<f64>,
}

impl Options {
    /// One request at a time, unpaced: a plan's (nothing is sent).
    pub const ONE: Options = Options {
        concurrency: Concurrency::Fixed(1),
        max_concurrency: 1,
        rate: None,
    };
}

/// The gate of one run.
pub struct Gate {
    controller: Controller,
    /// `auto`'s learned send rate, within `--rate`; None for a fixed concurrency (which keeps
    /// its fixed behaviour: the pool-wide pause after a 429 only).
    pacer: Option<Pacer>,
    limiter: Option<Limiter>,
}

impl Gate {
    /// Fixed, or `auto` up to `max` (and `--rate`), starting at the last good value an earlier
    /// run against this API URL recorded ([`remembered`]), in slow start up to its wall, paced
    /// from the start at the rate it learned.
    pub fn new(opts: Options, remembered: Option<Remembered>) -> Gate {
        let remembered = remembered.unwrap_or_default();
        let config = match opts.concurrency {
            // Never above `max` (the command refuses a fixed N above an explicit maximum).
            Concurrency::Fixed(n) => Config::fixed(n.min(opts.max_concurrency)),
            Concurrency::Auto => {
                let config = Config::auto(opts.max_concurrency)
                    .with_rate(opts.rate)
                    .with_wall(remembered.wall);
                match remembered.last_good {
                    Some(n) => config.starting_at(n),
                    None => config,
                }
            }
        };
        Gate {
            controller: Controller::new(config),
            pacer: (opts.concurrency == Concurrency::Auto)
                .then(|| Pacer::new(opts.rate).resuming(remembered.rate)),
            limiter: opts.rate.map(Limiter::new),
        }
    }

    /// `auto`'s learned send rate (None for a fixed concurrency).
    pub fn pacer(&self) -> Option<&Pacer> {
        self.pacer.as_ref()
    }

    pub fn controller(&self) -> &Controller {
        &self.controller
    }

    /// As many workers as the limit may reach (not where it starts).
    pub fn workers(&self) -> usize {
        self.controller.config().max.max(1)
    }

    /// Waits for a request slot, then for `--rate` and the learned rate; None once `stop` is set.
    pub fn take(&self, stop: &AtomicBool) -> Option<Slot<'_>> {
        let permit = self.controller.acquire(stop)?;
        self.paced(permit, stop)
    }

    /// The rates' wait for a slot already held (see [`Gate::take`]).
    pub fn paced<'a>(&'a self, permit: Permit<'a>, stop: &AtomicBool) -> Option<Slot<'a>> {
        let limited = match &self.limiter {
            None => false,
            Some(l) => l.acquire_waited(stop)?,
        };
        let paced = match &self.pacer {
            None => false,
            Some(p) => p.acquire_waited(stop)?,
        };
        Some(Slot {
            permit,
            rate_waited: limited || paced,
            pacer: self.pacer.as_ref(),
        })
    }

    /// A 429 as the client meets it, before its pool-wide pause: the gate backs off at once
    /// (once per storm), rather than when the retried call ends a pause later, and the learned
    /// rate is set from the rate that met it.
    pub fn on_429(&self) -> impl Fn(Instant, Duration) + '_ {
        move |sent, pause| {
            // Within the first second the window met may not be this run's own (see
            // `Controller::signal_early`).
            if self
                .pacer
                .as_ref()
                .is_some_and(|p| p.throttled(sent, pause))
            {
                self.controller.signal_early(Cause::RateLimited);
            } else {
                self.controller.signal(Cause::RateLimited);
            }
        }
    }

    /// Records where `auto` was last good, where it met a wall and the rate it learned, so that
    /// the next run (a resume above all) starts there. Nothing is recorded for a fixed
    /// concurrency or a run that sent nothing; `warn` hears why it could not be.
    pub fn remember(&self, ledger: Option<&Ledger>, scope_url: &str, warn: &dyn Fn(&str)) {
        let controller = &self.controller;
        let history = controller.history();
        let (Some(ledger), false, true) = (ledger, history.fixed, history.samples > 0) else {
            return;
        };
        let wall = controller.wall().map(|w| w.to_string()).unwrap_or_default();
        // Still paced at the end: the plateau; released, or never throttled: none.
        let learned = self
            .pacer
            .as_ref()
            .map(Pacer::history)
            .filter(|h| !h.released)
            .and_then(|h| h.plateau)
            .map(|r| format!("{r:.1}"))
            .unwrap_or_default();
        let values = [
            (LAST_GOOD, controller.last_good().to_string()),
            (WALL, wall),
            (RATE, learned),
        ];
        for (key, value) in values {
            if let Err(e) = ledger.set_meta(scope_url, key, &value) {
                warn(&format!(
                    "the next run starts at the default concurrency: {}",
                    e.message
                ));
                return;
            }
        }
    }

    /// "auto 23" or "16": what the progress bar and the CI line show.
    pub fn label(&self) -> String {
        let limit = self.controller.limit();
        if self.controller.config().fixed.is_some() {
            limit.to_string()
        } else {
            format!("auto {limit}")
        }
    }

    /// Each change of the limit and of the learned rate since the last call, with its reason
    /// (what `-v` shows).
    pub fn changes(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .controller
            .drain_changes()
            .into_iter()
            .map(|c| c.to_string())
            .collect();
        if let Some(p) = &self.pacer {
            lines.extend(p.drain_changes().into_iter().map(|c| c.to_string()));
        }
        lines
    }

    /// The summary's line, when anything was sent: how the limit moved, and the learned rate.
    pub fn summary(&self) -> Option<String> {
        let history = self.controller.history();
        if history.samples == 0 {
            return None;
        }
        let mut line = self.controller.summary();
        if let Some(paced) = self
            .pacer
            .as_ref()
            .and_then(|p| rate::describe(&p.history()))
        {
            if !super::concurrency::too_few(&history) {
                line.push_str("; ");
                line.push_str(&paced);
            }
        }
        Some(line)
    }
}

/// What earlier runs recorded for this API URL (an unreadable or foreign value counts as none:
/// each only sets where `auto` starts). None without a ledger.
pub fn remembered(ledger: Option<&Ledger>, scope_url: &str) -> Option<Remembered> {
    let ledger = ledger?;
    let read = |key: &str| ledger.get_meta(scope_url, key).ok().flatten();
    let count = |key: &str| read(key)?.trim().parse::<usize>().ok().filter(|n| *n > 0);
    let rate = read(RATE)
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|r| r.is_finite() && *r > 0.0);
    Some(Remembered {
        last_good: count(LAST_GOOD),
        wall: count(WALL),
        rate,
    })
}

/// One request's place through the gate, whether a rate made it wait, and the learned rate.
pub struct Slot<'a> {
    permit: Permit<'a>,
    rate_waited: bool,
    pacer: Option<&'a Pacer>,
}

impl Slot<'_> {
    /// Gives the slot back with what the answer says about load; its latency is the last
    /// attempt's alone. A 429 was told to the gate when it arrived ([`Gate::on_429`]), so a call
    /// that met one is not an overload answer again: a 429 that ended it counts as nothing.
    pub fn done<T>(self, result: &Result<T, ApiError>, stats: &CallStats) {
        let class = match Class::of(result) {
            Class::Overload(Cause::RateLimited) if stats.rate_limited => Class::Neutral,
            class => class,
        };
        if let (Class::Ok, Some(p)) = (class, self.pacer) {
            p.success();
        }
        self.permit
            .done(Sample::new(stats.latency, class).rate_waited(self.rate_waited));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Location;

    fn gate(concurrency: Concurrency, max: usize, remembered: Option<Remembered>) -> Gate {
        let opts = Options {
            concurrency,
            max_concurrency: max,
            rate: None,
        };
        Gate::new(opts, remembered)
    }

    #[test]
    fn auto_starts_where_the_ledger_says_and_fixed_ignores_it() {
        let ledger = Ledger::open(&Location::Memory).expect("memory ledger");
        let url = "http://127.0.0.1:1";
        let none = Some(Remembered::default());
        assert_eq!(remembered(Some(&ledger), url), none);
        assert_eq!(remembered(None, url), None);
        let g = gate(Concurrency::Auto, 32, None);
        assert_eq!(g.label(), "auto 8");
        // Nothing sent: nothing recorded.
        g.remember(Some(&ledger), url, &|_| {});
        assert_eq!(remembered(Some(&ledger), url), none);

        ledger.set_meta(url, LAST_GOOD, "19").expect("write");
        let at_19 = Some(Remembered {
            last_good: Some(19),
            ..Remembered::default()
        });
        assert_eq!(remembered(Some(&ledger), url), at_19);
        assert_eq!(remembered(Some(&ledger), "http://other"), none);
        let g = gate(Concurrency::Auto, 32, at_19);
        assert_eq!(g.label(), "auto 19");
        let g = gate(Concurrency::Auto, 8, at_19);
        assert_eq!(g.label(), "auto 8", "within --max-concurrency");
        let g = gate(Concurrency::Fixed(16), 32, at_19);
        assert_eq!(g.label(), "16");
        assert_eq!(
            g.controller().config().max,
            16,
            "fixed: as many workers as asked"
        );
        assert_eq!(g.workers(), 16);

        ledger.set_meta(url, LAST_GOOD, "many").expect("write");
        assert_eq!(remembered(Some(&ledger), url), none);
    }

    #[test]
    fn the_wall_and_the_learned_rate_are_remembered_and_used() {
        use crate::deliver::concurrency::Sample;
        use std::time::Duration;
        let ledger = Ledger::open(&Location::Memory).expect("memory ledger");
        let url = "http://127.0.0.1:1";
        // A run that met a storm at 16 and learned a rate.
        let mut g = gate(Concurrency::Auto, 32, None);
        let c = g.controller();
        // Slow start: 8 → 16 in one round trip.
        let permits: Vec<_> = (0..c.limit()).filter_map(|_| c.try_acquire()).collect();
        for p in permits {
            p.done(Sample::ok(Duration::from_millis(100)));
        }
        assert_eq!(c.limit(), 16);
        let p = c.try_acquire().expect("free");
        p.done(Sample::overload(
            Cause::WorkerLimit,
            Duration::from_millis(100),
        ));
        g.pacer = Some(Pacer::new(None).resuming(Some(42.0)));
        g.remember(Some(&ledger), url, &|_| {});
        let got = remembered(Some(&ledger), url).expect("a ledger");
        assert_eq!(
            got,
            Remembered {
                last_good: Some(8),
                wall: Some(15),
                rate: Some(42.0)
            }
        );
        // The next run: slow start stops at the wall; paced from the start.
        let next = gate(Concurrency::Auto, 32, Some(got));
        assert_eq!(next.controller().wall(), Some(15));
        assert_eq!(next.controller().limit(), 8, "the last good value");
        let permits: Vec<_> = (0..8)
            .filter_map(|_| next.controller().try_acquire())
            .collect();
        for p in permits {
            p.done(Sample::ok(Duration::from_millis(100)));
        }
        assert_eq!(
            next.controller().limit(),
            15,
            "slow start up to the wall, not past it"
        );
        assert!(next
            .pacer()
            .expect("auto paces")
            .history()
            .plateau
            .is_some());
        // A run that ends free of both clears them.
        let free = gate(Concurrency::Auto, 32, None);
        let p = free.controller().try_acquire().expect("free");
        p.done(Sample::ok(Duration::from_millis(100)));
        free.remember(Some(&ledger), url, &|_| {});
        let got = remembered(Some(&ledger), url).expect("a ledger");
        assert_eq!((got.wall, got.rate), (None, None));
    }
}
