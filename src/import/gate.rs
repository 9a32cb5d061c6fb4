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

/// The gate for this run: fixed, or `auto` up to `max` (and `--rate`), starting at the ledger's
/// last good value for this API URL when there is one.
pub fn controller(
    concurrency: Concurrency,
    max: usize,
    rate: Option<f64>,
    remembered: Option<usize>,
) -> Controller {
    let config = match concurrency {
        // Never above `max` (the command refuses a fixed N above an explicit maximum).
        Concurrency::Fixed(n) => Config::fixed(n.min(max)),
        Concurrency::Auto => {
            let config = Config::auto(max).with_rate(rate);
            match remembered {
                Some(n) => config.starting_at(n),
                None => config,
            }
        }
    };
    Controller::new(config)
}

/// `auto`'s learned send rate, within `--rate`; None for a fixed concurrency (which keeps its
/// fixed behaviour: the pool-wide pause after a 429 only).
pub fn pacer(concurrency: Concurrency, rate: Option<f64>) -> Option<Pacer> {
    (concurrency == Concurrency::Auto).then(|| Pacer::new(rate))
}

/// The last good `auto` limit an earlier run recorded for this API URL (an unreadable or
/// foreign value counts as none: it only sets where `auto` starts).
pub fn remembered(ledger: Option<&Ledger>, scope_url: &str) -> Option<usize> {
    let value = ledger?.get_meta(scope_url, LAST_GOOD).ok().flatten()?;
    value.trim().parse::<usize>().ok().filter(|n| *n > 0)
}

/// Records where `auto` was last good, so that the next run (a resume above all) starts there.
/// Nothing is recorded for a fixed concurrency or a run that sent nothing.
pub fn remember(controller: &Controller, ledger: Option<&Ledger>, scope_url: &str, log: &Log) {
    let history = controller.history();
    let (Some(ledger), false, true) = (ledger, history.fixed, history.samples > 0) else {
        return;
    };
    let value = controller.last_good().to_string();
    if let Err(e) = ledger.set_meta(scope_url, LAST_GOOD, &value) {
        log.warn(&format!(
            "the next run starts at the default concurrency: {}",
            e.message
        ));
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
        assert_eq!(remembered(Some(&ledger), url), None);
        let c = controller(Concurrency::Auto, 32, None, None);
        assert_eq!(label(&c), "auto 4");
        // Nothing sent: nothing recorded.
        remember(&c, Some(&ledger), url, &Log::new(true, 0, false));
        assert_eq!(remembered(Some(&ledger), url), None);

        ledger.set_meta(url, LAST_GOOD, "19").expect("write");
        assert_eq!(remembered(Some(&ledger), url), Some(19));
        assert_eq!(remembered(Some(&ledger), "http://other"), None);
        let c = controller(Concurrency::Auto, 32, None, Some(19));
        assert_eq!(label(&c), "auto 19");
        let c = controller(Concurrency::Auto, 8, None, Some(19));
        assert_eq!(label(&c), "auto 8", "within --max-concurrency");
        let c = controller(Concurrency::Fixed(16), 32, None, Some(19));
        assert_eq!(label(&c), "16");
        assert_eq!(c.config().max, 16, "fixed: as many workers as asked");

        ledger.set_meta(url, LAST_GOOD, "many").expect("write");
        assert_eq!(remembered(Some(&ledger), url), None);
    }
}
