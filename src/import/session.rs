//! One import run: check a file whole (a stream row by row), open the ledger, read what the
//! server holds, send, settle unknown rows, and give the account.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::Result;

use super::check::{self, BodyPrinter};
use super::decide::Policy;
use super::known::Known;
use super::order::Orderer;
use super::prepare::Prepared;
use super::progress::Progress;
use super::read::{Rows, Source};
use super::reconcile::{self, Pending};
use super::report::{self, Counts, Outcome, RowResult};
use super::send::{self, Event};
use super::summary::{self, Summary};
use super::validate::Duplicates;
use super::{fmt_count, Options, Services};
use crate::error::Failure;
use crate::ledger::{self, Ledger, Op, State};
use crate::output::Output;

pub fn run(
    opts: &Options,
    services: &Services<'_>,
    prepared: &Prepared,
    mut rows: Rows,
    out: &mut Output,
) -> Result<()> {
    let log = services.log;
    let name = prepared.source.name();
    let stream = !matches!(prepared.source, Source::File(_));
    if opts.reconcile {
        if stream {
            return Err(Failure::usage(
                "--reconcile needs the file (a stream cannot be read again)",
            )
            .with_hint("save the data to a file and run `leadctl import FILE --reconcile`")
            .into());
        }
        return reconcile_only(opts, services, prepared, out);
    }
    if stream {
        if opts.dry_run {
            let mut printer = BodyPrinter::new(out);
            let checked = check::check_rows(
                &mut rows,
                &prepared.plan,
                &name,
                opts.shard,
                opts.key,
                |_, lead| printer.print(&lead),
            )?;
            printer.finish()?;
            check::report_checked(&checked, opts, &name, log)?;
            check::dry_run_done(&checked, out.format, log);
            return Ok(());
        }
        return send_all(opts, services, prepared, rows, 0, out);
    }
    // One pass checks every row (and, for a dry run, prints each valid row's body as it goes).
    let mut dups = Duplicates::default();
    let mut printer = opts.dry_run.then(|| BodyPrinter::new(out));
    let checked = check::check_rows(
        &mut rows,
        &prepared.plan,
        &name,
        opts.shard,
        opts.key,
        |_, lead| {
            super::validate::duplicate_keys(&lead, |key, value| dups.see(key, value));
            match printer.as_mut() {
                Some(p) => p.print(&lead),
                None => Ok(()),
            }
        },
    )?;
    if let Some(p) = printer {
        p.finish()?;
    }
    check::report_checked(&checked, opts, &name, log)?;
    if checked.total == 0 {
        // An empty shard of a file with rows: nothing to do.
        return Ok(());
    }
    if dups.has_candidates() {
        check::report_duplicates(prepared, &dups, opts.shard, opts.key, log)?;
    }
    if opts.dry_run {
        check::dry_run_done(&checked, out.format, log);
        return Ok(());
    }
    let total = if opts.skip_invalid {
        checked.total
    } else {
        checked.valid
    };
    send_all(
        opts,
        services,
        prepared,
        check::reopen(prepared)?,
        total,
        out,
    )
}

/// The ledger for this run, or none (`--no-ledger`, said as a warning).
pub fn open_ledger(services: &Services<'_>) -> Result<Option<Ledger>, Failure> {
    match &services.ledger {
        Some(location) => Ledger::open(location).map(Some),
        None => {
            services.log.warn(
                "--no-ledger: nothing is remembered, so leads created by earlier runs are created \
                 again, and an interrupted run cannot be resumed without duplicates",
            );
            Ok(None)
        }
    }
}

/// Ctrl-C: the first stops taking rows and lets requests in flight finish; the second exits at
/// once (every claim and outcome is committed whole, so the ledger stays consistent).
fn install_ctrlc(stop: Arc<AtomicBool>, interrupted: Arc<AtomicBool>) {
    let _ = ctrlc::set_handler(move || {
        if interrupted.swap(true, Ordering::SeqCst) {
            crate::exit::exit_interrupted_now();
        }
        stop.store(true, Ordering::SeqCst);
        let _ = writeln!(
            std::io::stderr(),
            "\nleadctl: stopping: no new rows are sent; requests in flight finish (Ctrl-C again to quit at once)"
        );
    });
}

/// Failed or unknown rows printed one by one on stderr before the rest go only to the files.
const SHOWN_FAILURES: u64 = 10;

/// The errors file's default place: beside a regular file, else in the working directory.
fn errors_path(opts: &Options, source: &Source) -> std::path::PathBuf {
    if let Some(p) = &opts.errors {
        return p.clone();
    }
    let Source::File(path) = source else {
        return "stdin.errors.csv".into();
    };
    let mut name = path.as_os_str().to_owned();
    if let Some((k, n)) = opts.shard {
        name.push(format!(".shard-{k}-of-{n}"));
    }
    name.push(".errors.csv");
    name.into()
}

/// What the event loop gathered.
#[derive(Default)]
struct Tally {
    counts: Counts,
    sent: u64,
    failed_now: u64,
    shown_failures: u64,
    max_errors_hit: bool,
    pending: Vec<Pending>,
    created_ids: HashSet<String>,
    fatal: Option<anyhow::Error>,
    write_error: Option<anyhow::Error>,
}

/// Sends every row the ledger does not settle, and gives the account.
fn send_all(
    opts: &Options,
    services: &Services<'_>,
    prepared: &Prepared,
    rows: Rows,
    total: u64,
    out: &mut Output,
) -> Result<()> {
    let log = services.log;
    services.key.clone()?;
    let bom = prepared.format.bom_len > 0 || prepared.format.encoding != encoding_rs::UTF_8;
    let mut errors = report::ErrorsFile::prepare(
        &errors_path(opts, &prepared.source),
        &prepared.headers,
        prepared.format.delimiter,
        bom,
    )?;
    let ledger = open_ledger(services)?;
    let scope_url = ledger::scope_url(&services.api_url);
    let stop = Arc::new(AtomicBool::new(false));
    let interrupted = Arc::new(AtomicBool::new(false));
    install_ctrlc(stop.clone(), interrupted.clone());
    let client = (services.client)(true)?.with_cancel(stop.clone());
    let known = Known::default();
    // Before the first create: what the server holds, and whether it agrees with the ledger.
    let warn = |text: &str| log.warn(text);
    if let (Some(l), Some(channel)) = (&ledger, &prepared.plan.default_channel) {
        known.ensure(&channel.to_lowercase(), &client, l, &scope_url, &warn)?;
    }
    let remembered = super::gate::remembered(ledger.as_ref(), &scope_url);
    let controller = super::gate::controller(
        opts.concurrency,
        opts.max_concurrency,
        opts.rate,
        remembered,
    );
    let send_opts = send::Options {
        rate: opts.rate,
        policy: Policy {
            retry_unknown: opts.retry_unknown,
            retry_failed: opts.retry_failed,
            update: opts.update,
            force: false,
        },
        key: opts.key,
        shard: opts.shard,
        skip_invalid: opts.skip_invalid,
    };
    let input = prepared.source.name();
    let ctx = send::Ctx {
        plan: &prepared.plan,
        client: &client,
        ledger: ledger.as_ref(),
        known: &known,
        scope_url: &scope_url,
        input: &input,
        opts: &send_opts,
        controller: &controller,
        stop: &stop,
        warn: &warn,
    };

    let mut progress = Progress::new(total, log.quiet(), log.color());
    progress.set_concurrency(super::gate::label(&controller));
    let mut printer = report::ResultPrinter::new();
    let mut orderer = Orderer::new(true);
    let mut t = Tally::default();
    let mut emit =
        |r: RowResult, out: &mut Output, errors: &mut report::ErrorsFile, t: &mut Tally| {
            let result = printer
                .print(out, &r)
                .map_err(anyhow::Error::from)
                .and_then(|()| {
                    if r.outcome.needs_action() {
                        errors.write(&r).map_err(Into::into)
                    } else {
                        Ok(())
                    }
                });
            if let Err(e) = result {
                stop.store(true, Ordering::SeqCst);
                t.write_error.get_or_insert(e);
            }
        };

    send::run(&ctx, rows, |event| match event {
        Event::Dispatched(row) => orderer.dispatched(row),
        Event::Result(r, p) => {
            on_result(&mut t, &r, p, true, opts, &stop, &progress);
            for ready in orderer.push(r) {
                emit(ready, out, &mut errors, &mut t);
            }
            super::gate::show(&controller, &mut progress, log);
            progress.update(&t.counts);
        }
        Event::Replayed(r, p) => {
            on_result(&mut t, &r, p, false, opts, &stop, &progress);
            for ready in orderer.push(r) {
                emit(ready, out, &mut errors, &mut t);
            }
            progress.update(&t.counts);
        }
        Event::Fatal(e) => {
            stop.store(true, Ordering::SeqCst);
            t.fatal.get_or_insert(e);
        }
        Event::InputEnded(e) => {
            t.fatal.get_or_insert(e);
        }
        // `send::run` hands batches over one event at a time.
        Event::Batch(_) => {}
    });
    super::gate::show(&controller, &mut progress, log);
    progress.finish();
    let elapsed = progress.elapsed();
    // The workers' outcomes, queued for the next commit: all on disk now.
    if let Some(l) = &ledger {
        if let Err(f) = l.flush() {
            t.fatal.get_or_insert(f.into());
        }
    }
    super::gate::remember(&controller, ledger.as_ref(), &scope_url, log);

    // Settle the unknown rows (not after Ctrl-C: the user wants out).
    if !t.pending.is_empty() && !interrupted.load(Ordering::SeqCst) {
        let reader = client.clone().with_cancel(interrupted.clone());
        settle(
            &mut t,
            &mut orderer,
            ledger.as_ref(),
            &reader,
            &scope_url,
            log,
        );
    }
    let was_interrupted = interrupted.load(Ordering::SeqCst);
    for r in orderer.drain() {
        emit(r, out, &mut errors, &mut t);
    }
    // The last buffered results may meet a closed stdout only now: after every row was sent,
    // that loses output, not leads, so it is no reason to call the run partial.
    if let Err(e) = printer.finish(out) {
        if t.write_error.is_none() && e.kind() != std::io::ErrorKind::BrokenPipe {
            t.write_error = Some(e.into());
        }
    }
    let errors_left = errors.finish()?;
    let stdout_closed = t
        .write_error
        .as_ref()
        .is_some_and(crate::exit::is_broken_pipe);
    if let Some(e) = t.write_error.take().filter(|_| !stdout_closed) {
        return Err(e);
    }
    let summary = Summary {
        counts: t.counts,
        sent: t.sent,
        elapsed,
        ledger: ledger.as_ref().map(|l| l.location().to_string()),
        errors: errors_left.then(|| (errors.path().display().to_string(), errors.rows)),
        resume: &opts.resume,
        interrupted: was_interrupted,
        concurrency: super::gate::summary(&controller),
    };
    summary::summarize(&summary, log);
    summary::outcome(
        &summary,
        stdout_closed,
        t.fatal,
        t.max_errors_hit.then_some(opts.max_errors.unwrap_or(0)),
    )
}

fn on_result(
    t: &mut Tally,
    r: &RowResult,
    pending: Option<Box<Pending>>,
    sent_now: bool,
    opts: &Options,
    stop: &AtomicBool,
    progress: &Progress,
) {
    t.counts.add(r.outcome);
    let failed = matches!(r.outcome, Outcome::Failed | Outcome::Unknown);
    if sent_now && (failed || matches!(r.outcome, Outcome::Created | Outcome::Updated)) {
        t.sent += 1;
    }
    if sent_now && failed {
        t.failed_now += 1;
    }
    if failed {
        t.shown_failures += 1;
        if t.shown_failures <= SHOWN_FAILURES {
            progress.println(&format!(
                "leadctl: row {}: {}: {}",
                r.row,
                r.outcome.as_str(),
                crate::log::sanitize(r.error.as_deref().unwrap_or(""))
            ));
        } else if t.shown_failures == SHOWN_FAILURES + 1 {
            progress.println("leadctl: (further failures are in the errors file and the summary)");
        }
    }
    if let Some(id) = &r.lead_id {
        t.created_ids.insert(id.clone());
    }
    if let Some(p) = pending {
        t.pending.push(*p);
    }
    if let Some(max) = opts.max_errors {
        if !t.max_errors_hit && t.failed_now >= max {
            t.max_errors_hit = true;
            stop.store(true, Ordering::SeqCst);
            progress.println(&format!(
                "leadctl: {max} {} failed (--max-errors {max}): stopping",
                if max == 1 { "row" } else { "rows" }
            ));
        }
    }
}

/// Unknown rows: first the ledger (another run sharing it may have the answer now), then the
/// channel's newest leads.
fn settle(
    t: &mut Tally,
    orderer: &mut Orderer,
    ledger: Option<&Ledger>,
    client: &crate::api::ApiClient,
    scope_url: &str,
    log: &crate::log::Log,
) {
    let mut still = Vec::new();
    for p in std::mem::take(&mut t.pending) {
        let now = ledger.and_then(|l| l.get(scope_url, &p.channel, &p.key).ok().flatten());
        match now {
            Some(e)
                if e.state == State::Created
                    && e.run.as_deref() != ledger.map(|l| l.run.as_str()) =>
            {
                let id = e.lead_id.clone().unwrap_or_default();
                if orderer.settle(p.row, &id, Outcome::Skipped) {
                    t.counts.unknown -= 1;
                    t.counts.skipped += 1;
                }
            }
            _ => still.push(p),
        }
    }
    if still.is_empty() {
        return;
    }
    let others = LedgerOthers {
        ledger,
        scope_url,
        extra: &t.created_ids,
    };
    let settled = reconcile::reconcile(client, &still, &others);
    let by_row: HashMap<u64, &Pending> = still.iter().map(|p| (p.row, p)).collect();
    for (row, lead_id) in &settled.found {
        if orderer.settle(*row, lead_id, Outcome::Created) {
            t.counts.unknown -= 1;
            t.counts.created += 1;
            if let (Some(l), Some(p)) = (ledger, by_row.get(row)) {
                record_settled(l, p, lead_id);
            }
        }
    }
    summary::report_settled(&settled, still.len(), log);
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

/// Records a row found by reconciling as created.
pub fn record_settled(ledger: &Ledger, p: &Pending, lead_id: &str) {
    let now = ledger::now_secs();
    let _ = ledger.apply(Op::Record(ledger::Entry {
        state: State::Created,
        lead_id: Some(lead_id.to_string()),
        error: None,
        via: Some("reconcile".to_string()),
        answered_at: Some(p.entry.answered_at.unwrap_or(now)),
        updated_at: now,
        ..p.entry.clone()
    }));
}

/// `--reconcile`: settle the ledger's unknown keys among this file's rows; send nothing.
fn reconcile_only(
    opts: &Options,
    services: &Services<'_>,
    prepared: &Prepared,
    out: &mut Output,
) -> Result<()> {
    let log = services.log;
    services.key.clone()?;
    let Some(ledger) = open_ledger(services)? else {
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
