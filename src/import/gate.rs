//! The run's side of `--concurrency auto|N`: the [`Controller`] a run sends through (starting
//! where the ledger says the last run against this API URL was last good) and `auto`'s learned
//! send rate ([`Pacer`]), what the progress bar and `-v` show of them, and remembering the last
//! good value for the next run.

use super::progress::Progress;
use crate::deliver::concurrency::{rate, Config, Controller};
use crate::deliver::pace::Pacer;
use crate::deliver::setting::Concurrency;
use crate::ledger::Ledger;
use crate::log::Log;

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

/// The gate for this run: fixed, or `auto` up to `max` (and `--rate`), starting at the ledger's
/// last good value for this API URL when there is one, in slow start up to its wall.
pub fn controller(
    concurrency: Concurrency,
    max: usize,
    rate: Option<f64>,
    remembered: Option<Remembered>,
) -> Controller {
    let remembered = remembered.unwrap_or_default();
    let config = match concurrency {
        // Never above `max` (the command refuses a fixed N above an explicit maximum).
        Concurrency::Fixed(n) => Config::fixed(n.min(max)),
        Concurrency::Auto => {
            let config = Config::auto(max).with_rate(rate).with_wall(remembered.wall);
            match remembered.last_good {
                Some(n) => config.starting_at(n),
                None => config,
            }
        }
    };
    Controller::new(config)
}

/// `auto`'s learned send rate, within `--rate`, paced from the start at the rate an earlier run
/// learned; None for a fixed concurrency (which keeps its fixed behaviour: the pool-wide pause
/// after a 429 only).
pub fn pacer(
    concurrency: Concurrency,
    rate: Option<f64>,
    remembered: Option<Remembered>,
) -> Option<Pacer> {
    (concurrency == Concurrency::Auto)
        .then(|| Pacer::new(rate).resuming(remembered.and_then(|r| r.rate)))
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

/// Records where `auto` was last good, where it met a wall and the rate it learned, so that
/// the next run (a resume above all) starts there. Nothing is recorded for a fixed concurrency
/// or a run that sent nothing.
pub fn remember(
    controller: &Controller,
    pacer: Option<&Pacer>,
    ledger: Option<&Ledger>,
    scope_url: &str,
    log: &Log,
) {
    let history = controller.history();
    let (Some(ledger), false, true) = (ledger, history.fixed, history.samples > 0) else {
        return;
    };
    let wall = controller.wall().map(|w| w.to_string()).unwrap_or_default();
    // Still paced at the end: the plateau; released, or never throttled: none.
    let learned = pacer
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
            log.warn(&format!(
                "the next run starts at the default concurrency: {}",
                e.message
            ));
            return;
        }
    }
}

/// "auto 23" or "16": what the progress bar and the CI line show.
pub fn label(controller: &Controller) -> String {
    let limit = controller.limit();
    if controller.config().fixed.is_some() {
        limit.to_string()
    } else {
        format!("auto {limit}")
    }
}

/// Shows the current limit, and (`-v`) each change since the last call with its reason, the
/// learned rate's among them.
pub fn show(controller: &Controller, pacer: Option<&Pacer>, progress: &mut Progress, log: &Log) {
    let verbose = log.verbose() > 0 && !log.quiet();
    for change in controller.drain_changes() {
        if verbose {
            progress.println(&format!("leadctl: {change}"));
        }
    }
    for change in pacer.map(Pacer::drain_changes).unwrap_or_default() {
        if verbose {
            progress.println(&format!("leadctl: {change}"));
        }
    }
    progress.set_concurrency(label(controller));
}

/// The summary's line, when anything was sent: how the limit moved, and the learned rate.
pub fn summary(controller: &Controller, pacer: Option<&Pacer>) -> Option<String> {
    let history = controller.history();
    if history.samples == 0 {
        return None;
    }
    let mut line = controller.summary();
    if let Some(paced) = pacer.and_then(|p| rate::describe(&p.history())) {
        if !crate::deliver::concurrency::too_few(&history) {
            line.push_str("; ");
            line.push_str(&paced);
        }
    }
    Some(line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Location;

    #[test]
    fn auto_starts_where_the_ledger_says_and_fixed_ignores_it() {
        let ledger = Ledger::open(&Location::Memory).expect("memory ledger");
        let url = "http://127.0.0.1:1";
        let none = Some(Remembered::default());
        assert_eq!(remembered(Some(&ledger), url), none);
        assert_eq!(remembered(None, url), None);
        let c = controller(Concurrency::Auto, 32, None, None);
        assert_eq!(label(&c), "auto 4");
        // Nothing sent: nothing recorded.
        remember(&c, None, Some(&ledger), url, &Log::new(true, 0, false));
        assert_eq!(remembered(Some(&ledger), url), none);

        ledger.set_meta(url, LAST_GOOD, "19").expect("write");
        let at_19 = Some(Remembered {
            last_good: Some(19),
            ..Remembered::default()
        });
        assert_eq!(remembered(Some(&ledger), url), at_19);
        assert_eq!(remembered(Some(&ledger), "http://other"), none);
        let c = controller(Concurrency::Auto, 32, None, at_19);
        assert_eq!(label(&c), "auto 19");
        let c = controller(Concurrency::Auto, 8, None, at_19);
        assert_eq!(label(&c), "auto 8", "within --max-concurrency");
        let c = controller(Concurrency::Fixed(16), 32, None, at_19);
        assert_eq!(label(&c), "16");
        assert_eq!(c.config().max, 16, "fixed: as many workers as asked");

        ledger.set_meta(url, LAST_GOOD, "many").expect("write");
        assert_eq!(remembered(Some(&ledger), url), none);
    }

    #[test]
    fn the_wall_and_the_learned_rate_are_remembered_and_used() {
        use crate::deliver::concurrency::{Cause, Sample};
        use std::time::Duration;
        let ledger = Ledger::open(&Location::Memory).expect("memory ledger");
        let url = "http://127.0.0.1:1";
        let log = Log::new(true, 0, false);
        // A run that met a storm at 16 and learned a rate.
        let c = controller(Concurrency::Auto, 32, None, None);
        for _ in 0..3 {
            let permits: Vec<_> = (0..c.limit()).filter_map(|_| c.try_acquire()).collect();
            for p in permits {
                p.done(Sample::ok(Duration::from_millis(100)));
            }
        }
        assert_eq!(c.limit(), 16);
        let p = c.try_acquire().expect("free");
        p.done(Sample::overload(
            Cause::WorkerLimit,
            Duration::from_millis(100),
        ));
        let pacer = Pacer::new(None).resuming(Some(42.0));
        remember(&c, Some(&pacer), Some(&ledger), url, &log);
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
        let next = controller(Concurrency::Auto, 32, None, Some(got));
        assert_eq!(next.wall(), Some(15));
        assert_eq!(next.limit(), 8, "the last good value");
        let permits: Vec<_> = (0..8).filter_map(|_| next.try_acquire()).collect();
        for p in permits {
            p.done(Sample::ok(Duration::from_millis(100)));
        }
        assert_eq!(next.limit(), 15, "slow start up to the wall, not past it");
        let paced = pacer_for(Some(got));
        assert!(paced.history().plateau.is_some());
        // A run that ends free of both clears them.
        let free = controller(Concurrency::Auto, 32, None, None);
        let p = free.try_acquire().expect("free");
        p.done(Sample::ok(Duration::from_millis(100)));
        remember(&free, Some(&Pacer::new(None)), Some(&ledger), url, &log);
        let got = remembered(Some(&ledger), url).expect("a ledger");
        assert_eq!((got.wall, got.rate), (None, None));
    }

    fn pacer_for(r: Option<Remembered>) -> Pacer {
        pacer(Concurrency::Auto, None, r).expect("auto paces")
    }
}
