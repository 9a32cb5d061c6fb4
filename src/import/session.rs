//! One import run: check a file whole (a stream row by row), open the ledger, read what the
//! server holds, send, settle unknown rows, and give the account.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;

use super::check::{self, BodyPrinter};
use super::collect::{self, Collector, Tally};
use super::order::Orderer;
use super::prepare::Prepared;
use super::progress::Progress;
use super::read::{Rows, Source};
use super::report;
use super::send;
use super::summary::{self, Summary};
use super::validate::Duplicates;
use super::{settle, Options, Services};
use crate::deliver::gate::{self, Gate};
use crate::deliver::pipeline::Observer;
use crate::deliver::Policy;
use crate::error::Failure;
use crate::lead::known::Known;
use crate::ledger::Ledger;
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
    let stream = !prepared.source.rereadable();
    if opts.leads().reconcile {
        if stream {
            return Err(Failure::usage(
                "--reconcile needs the file (a stream cannot be read again)",
            )
            .with_hint("save the data to a file and run `leadctl import FILE --reconcile`")
            .into());
        }
        save_mapping(prepared, log)?;
        return settle::reconcile_only(opts, services, prepared, out);
    }
    if opts.plan_out.is_some() {
        super::plan_out::check(services)?;
    }
    if stream && opts.limits.is_set() && !opts.dry_run {
        return Err(Failure::usage(
            "--max-create and --max-changes need the file: the whole plan is counted before the \
             first write, and a stream is read only once",
        )
        .with_hint("save the data to a file and import the file")
        .into());
    }
    if stream {
        // A stream is checked as it is read: the mapping is saved once the columns were.
        save_mapping(prepared, log)?;
        if opts.dry_run && services.key.is_ok() {
            let ready = ready(services, prepared, opts, true)?;
            let printer = Some(BodyPrinter::new(out));
            let planned = plan_rows(
                opts,
                services,
                prepared,
                rows,
                &ready,
                &ready.known,
                printer,
            )?;
            return plan_done(planned, opts, services, prepared, &ready);
        }
        if opts.dry_run {
            let mut printer = BodyPrinter::new(out);
            let checked = match &prepared.purchases {
                Some(p) => check::check_with(
                    &mut rows,
                    &name,
                    opts.shard,
                    |row| p.build(row),
                    |_, k| printer.print_body("create_purchase", &k.purchase),
                )?,
                None => check::check_rows(
                    &mut rows,
                    &prepared.plan,
                    &name,
                    opts.shard,
                    opts.leads().key,
                    |_, lead| printer.print(&lead),
                )?,
            };
            printer.finish()?;
            check::report_checked(&checked, opts, &name, log)?;
            check::dry_run_done(&checked, out.format, log, prepared.purchases.is_some());
            return Ok(());
        }
        return send_all(
            opts,
            services,
            prepared,
            rows,
            0,
            out,
            ready(services, prepared, opts, false),
        );
    }
    // One pass checks every row (and, for a dry run, prints each valid row's body as it goes);
    // meanwhile, for a real run, what sending needs is made ready.
    // A dry run plans against the ledger and the server (when a key is set; without one it
    // only checks the rows and prints their bodies).
    let plans = opts.dry_run && services.key.is_ok();
    let (checked, ready) = std::thread::scope(|s| {
        let pre =
            (!opts.dry_run || plans).then(|| s.spawn(|| ready(services, prepared, opts, plans)));
        let print = opts.dry_run && !plans;
        let checked = check_file(opts, prepared, &mut rows, out, log, print);
        let ready = pre.map(|h| {
            h.join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("preparing to send failed")))
        });
        (checked, ready)
    });
    let mut checked = checked?;
    // Only the keys the check saw more than once are remembered while sending.
    let repeats = checked.repeats.take();
    let ready = ready.map(|r| {
        r.map(|mut r| {
            r.repeats = repeats;
            r
        })
    });
    // Every row passed the check (or --skip-invalid took the invalid ones out).
    save_mapping(prepared, log)?;
    if checked.total == 0 {
        // An empty shard of a file with rows: nothing to do.
        return Ok(());
    }
    let Some(ready) = ready else {
        check::dry_run_done(&checked, out.format, log, prepared.purchases.is_some());
        return Ok(());
    };
    if plans {
        let ready = ready?;
        let printer = Some(BodyPrinter::new(out));
        let planned = plan_rows(
            opts,
            services,
            prepared,
            check::reopen(prepared)?,
            &ready,
            &ready.known,
            printer,
        )?;
        return plan_done(planned, opts, services, prepared, &ready);
    }
    // Limits: the whole plan is counted before the first write.
    let ready = match ready {
        Ok(r) if opts.limits.is_set() => {
            // Read only: a run refused by its limits leaves the ledger as it was. The guard was
            // decided (for the default channel) when the run got ready.
            let known = Known::new(crate::lead::known::Fresh::Go, true);
            let rows = check::reopen(prepared)?;
            let (counts, _) = plan_rows(opts, services, prepared, rows, &r, &known, None)?;
            counts.check(&opts.limits)?;
            Ok(r)
        }
        r => r,
    };
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
        ready,
    )
}

/// Writes `--save-mapping`'s file, if asked for.
fn save_mapping(prepared: &Prepared, log: &crate::log::Log) -> Result<(), Failure> {
    match &prepared.save_mapping {
        Some(saved) => saved.write(log),
        None => Ok(()),
    }
}

/// Checks every row of a file, says how many are valid, and warns of repeated values.
fn check_file(
    opts: &Options,
    prepared: &Prepared,
    rows: &mut Rows,
    out: &mut Output,
    log: &crate::log::Log,
    print: bool,
) -> Result<check::Checked> {
    let log_name = prepared.source.name();
    let mut dups = Duplicates::default();
    let mut printer = print.then(|| BodyPrinter::new(out));
    if let Some(p) = &prepared.purchases {
        let checked = check::check_with(
            rows,
            &log_name,
            opts.shard,
            |row| p.build(row),
            |_, k| match printer.as_mut() {
                Some(printer) => printer.print_body("create_purchase", &k.purchase),
                None => Ok(()),
            },
        )?;
        if let Some(p) = printer {
            p.finish()?;
        }
        check::report_checked(&checked, opts, &log_name, log)?;
        return Ok(checked);
    }
    let checked = check::check_rows(
        rows,
        &prepared.plan,
        &log_name,
        opts.shard,
        opts.leads().key,
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
    check::report_checked(&checked, opts, &log_name, log)?;
    if checked.total > 0 && dups.has_candidates() {
        check::report_duplicates(prepared, &dups, opts.shard, opts.leads().key, log)?;
    }
    let mut checked = checked;
    checked.repeats = dups.into_repeats();
    Ok(checked)
}

/// The ledger for a plan, to read (see [`Ledger::open_to_read`]).
fn open_to_read(services: &Services<'_>) -> Result<Option<Ledger>, Failure> {
    services
        .ledger
        .as_ref()
        .map(Ledger::open_to_read)
        .transpose()
}

/// Decides every row as the run would (the reader of `send`, with nothing sent) and gathers the
/// plan; `printer` prints it (`--dry-run`).
fn plan_rows(
    opts: &Options,
    services: &Services<'_>,
    prepared: &Prepared,
    rows: Rows,
    ready: &Ready,
    known: &Known,
    printer: Option<BodyPrinter<'_>>,
) -> Result<(crate::plan::Counts, Option<crate::plan::Saved>)> {
    // The run's scope: the server behind the API URL, as the real run reads and writes it.
    let scope_url = ready.scope_url.clone();
    let warn = |text: &str| services.log.warn(text);
    let gate = Gate::new(gate::Options::ONE, None);
    let send_opts = sending(opts);
    let input = prepared.source.name();
    let split = crate::deliver::split::Split::default();
    let ctx = super::flow::Ctx {
        plan: &prepared.plan,
        client: &ready.client,
        ledger: ready.ledger.as_ref(),
        known,
        scope_url: &scope_url,
        input: &input,
        opts: &send_opts,
        gate: &gate,
        stop: &ready.stop,
        warn: &warn,
        rows: match &prepared.purchases {
            Some(plan) => plan,
            None => &super::send::LeadRows,
        },
        split: &split,
        reopen: None,
        repeats: ready.repeats.as_ref(),
        dry: true,
    };
    let mut planner = super::plan::Planner::new(printer).reading(&ready.client);
    if opts.plan_out.is_some() {
        planner = planner.saving();
    }
    send::run(&ctx, rows, &mut |event| planner.on_event(event));
    let saved = planner.saved.take();
    let (counts, fatal) = planner.finish()?;
    match fatal {
        Some(e) => Err(e),
        None => Ok((counts, saved)),
    }
}

/// The dry run's account: the plan's counts, and that nothing was sent; a plan over a limit
/// fails as the real run would (exit 6), so a dry run can gate a job. Within its limits, the
/// plan is saved (`--plan-out`).
fn plan_done(
    (counts, saved): (crate::plan::Counts, Option<crate::plan::Saved>),
    opts: &Options,
    services: &Services<'_>,
    prepared: &Prepared,
    ready: &Ready,
) -> Result<()> {
    use crate::output::OutputFormat;
    // As the run says them: emptied cells left alone and columns gone, once per field (said
    // here, not by every planning: the count for --max-create plans too, and the run says its own).
    for line in ready.known.tally.lines() {
        services.log.warn(&line);
    }
    let purchases = prepared.purchases.is_some();
    let hint = if matches!(opts.format, OutputFormat::Ndjson | OutputFormat::Json) {
        ""
    } else {
        " (-o ndjson prints each planned request body)"
    };
    services.log.notice(&format!(
        "dry run: {}; nothing was sent{hint}",
        counts.summary(purchases)
    ));
    counts.check(&opts.limits)?;
    if let (Some(path), Some(saved)) = (&opts.plan_out, saved) {
        crate::plan::save(
            path,
            crate::plan::Made {
                command: if purchases {
                    "purchases import"
                } else {
                    "import"
                },
                scope_url: ready.scope_url.clone(),
                inputs: match &opts.query {
                    Some(_) => Vec::new(),
                    None => vec![opts.input.as_path()],
                },
                query: super::plan_out::query_source(opts.query.as_ref(), &prepared.source),
                summary: counts.summary(purchases),
                ledger: services.ledger.as_ref().map(ToString::to_string),
            },
            saved,
            services.log,
        )?;
    }
    Ok(())
}

/// What a run's pipeline tells: the collector hears each event (and the unknown rows are
/// settled in batches as they come due), and the progress bar the gate.
struct Watch<'a, 'w> {
    c: &'a mut Collector,
    out: &'a mut Output,
    opts: &'a Options,
    stop: &'a AtomicBool,
    log: &'a crate::log::Log,
    batches: &'a mut settle::Batches,
    batch_place: &'a settle::Where<'w>,
}

impl Observer<super::flow::Event> for Watch<'_, '_> {
    fn event(&mut self, event: super::flow::Event) {
        let c = &mut *self.c;
        c.on_event(event, self.out, self.opts, self.stop);
        // Unknown rows settled soon after, while they are among the newest leads.
        let ready = settle::batch(
            self.batches,
            &mut c.t.pending,
            &c.t.created_ids,
            &mut c.t.counts,
            &mut c.orderer,
            self.batch_place,
        );
        for r in ready {
            collect::emit(
                &mut c.printer,
                &mut c.errors,
                &mut c.t,
                r,
                self.out,
                self.stop,
            );
        }
    }

    fn gate(&mut self, gate: &Gate) {
        show(gate, &mut self.c.progress, self.log);
    }
}

/// Shows the gate's current limit, and (`-v`) each change since the last call with its reason,
/// the learned rate's among them.
fn show(gate: &Gate, progress: &mut Progress, log: &crate::log::Log) {
    let verbose = log.verbose() > 0 && !log.quiet();
    for change in gate.changes() {
        if verbose {
            progress.println(&format!("leadctl: {change}"));
        }
    }
    progress.set_concurrency(gate.label());
}

/// The errors file's default place: beside a regular file, else in the working directory.
fn errors_path(opts: &Options, source: &Source) -> std::path::PathBuf {
    if let Some(p) = &opts.errors {
        return p.clone();
    }
    // A query's: `query.errors.csv` in the working directory.
    let path = match source {
        Source::File(path) => path.as_path(),
        Source::Query(_) => std::path::Path::new("query"),
        Source::Stdin | Source::Stream(_) => return "stdin.errors.csv".into(),
    };
    let mut name = path.as_os_str().to_owned();
    if let Some((k, n)) = opts.shard {
        name.push(format!(".shard-{k}-of-{n}"));
    }
    name.push(".errors.csv");
    name.into()
}

/// Sends every row the ledger does not settle, and gives the account.
/// What sending needs before the first create: the ledger, the client, and what the server
/// holds (each channel's newest leads, the ledger's agreement with it). For a file it is made
/// while the rows are checked, so its round trips cost nothing.
pub struct Ready {
    ledger: Option<Ledger>,
    client: crate::api::ApiClient,
    known: Known,
    stop: Arc<AtomicBool>,
    /// The ledger scope: the server behind the API URL (`super::server`).
    scope_url: String,
    /// The lead keys the check pass saw more than once (`None`: not checked, any may repeat).
    repeats: Option<super::validate::Repeats>,
}

/// `dry`: for a plan only (`--dry-run`): the ledger is read, never written (a ledger file not
/// made yet reads as empty), and a ledger new to a full channel stops the plan as it would stop
/// the run (it never asks).
fn ready(services: &Services<'_>, prepared: &Prepared, opts: &Options, dry: bool) -> Result<Ready> {
    services.key.clone()?;
    let ledger = if dry {
        open_to_read(services)?
    } else {
        services.open_ledger()?
    };
    let stop = Arc::new(AtomicBool::new(false));
    let client = (services.client)(!dry)?.with_cancel(stop.clone());
    let scope_url = crate::deliver::scope::resolve(
        ledger.as_ref(),
        &client,
        &services.api_url,
        prepared.plan.default_channel.as_deref(),
        services.log,
        !dry,
    )?;
    let fresh = match opts.leads().fresh {
        crate::lead::known::Fresh::Ask if dry => crate::lead::known::Fresh::Stop,
        f => f,
    };
    let known = Known::new(fresh, dry);
    // Before the first create: what the server holds, and whether it agrees with the ledger.
    let warn = |text: &str| services.log.warn(text);
    if let (Some(l), Some(channel)) = (&ledger, &prepared.plan.default_channel) {
        let channel = channel.to_lowercase();
        known.ensure(&channel, &client, l, &scope_url, &warn)?;
        // Settle first (`lead::window::settle_first`, done as the channel is read): what earlier
        // runs left unknown, while it is among the newest leads.
        known.say_settled(services.log);
    }
    Ok(Ready {
        ledger,
        client,
        known,
        stop,
        scope_url,
        repeats: None,
    })
}

fn send_all(
    opts: &Options,
    services: &Services<'_>,
    prepared: &Prepared,
    rows: Rows,
    total: u64,
    out: &mut Output,
    ready: Result<Ready>,
) -> Result<()> {
    let log = services.log;
    services.key.clone()?;
    let errors = errors_file(opts, prepared)?;
    let Ready {
        ledger,
        client,
        known,
        stop,
        scope_url,
        repeats,
    } = ready?;
    let interrupted = Arc::new(AtomicBool::new(false));
    crate::exit::stop_on_ctrl_c(stop.clone(), interrupted.clone(), "rows");
    let warn = |text: &str| log.warn(text);
    let remembered = gate::remembered(ledger.as_ref(), &scope_url);
    let gate = Gate::new(
        gate::Options {
            concurrency: opts.concurrency,
            max_concurrency: opts.max_concurrency,
            rate: opts.rate,
        },
        remembered,
    );
    let send_opts = sending(opts);
    let input = prepared.source.name();
    let split = crate::deliver::split::Split::default();
    let reopen = || check::reopen(prepared);
    let file = prepared.source.rereadable();
    let ctx = super::flow::Ctx {
        plan: &prepared.plan,
        client: &client,
        ledger: ledger.as_ref(),
        known: &known,
        scope_url: &scope_url,
        input: &input,
        opts: &send_opts,
        gate: &gate,
        stop: &stop,
        warn: &warn,
        rows: match &prepared.purchases {
            Some(plan) => plan,
            None => &super::send::LeadRows,
        },
        split: &split,
        reopen: file.then_some(&reopen as &(dyn Fn() -> Result<Rows> + Sync)),
        repeats: repeats.as_ref(),
        dry: false,
    };

    let mut progress = Progress::new(total, log.quiet(), log.color());
    progress.set_concurrency(gate.label());
    let mut c = Collector {
        printer: report::ResultPrinter::new(),
        orderer: Orderer::new(true),
        t: Tally {
            recorder: services.recorder.clone(),
            ..Tally::default()
        },
        errors,
        progress,
    };
    // A stream's footer is known only once it was read through here (a file's was said by the
    // check).
    let stream = !prepared.source.rereadable();
    let mut batches = settle::Batches::default();
    let batch_place = settle::Where {
        ledger: ledger.as_ref(),
        client: &client,
        scope_url: &scope_url,
        log,
        patience: Duration::ZERO,
        interrupted: Some(&interrupted),
    };
    // While this run sends, its heartbeat tells other runs sharing the ledger to wait for its
    // answers; its records are on disk before it goes on (`deliver::pipeline`).
    let mut watch = Watch {
        c: &mut c,
        out,
        opts,
        stop: &stop,
        log,
        batches: &mut batches,
        batch_place: &batch_place,
    };
    let (footer, flushed) = send::run(&ctx, rows, &mut watch);
    let Collector {
        printer,
        orderer,
        mut t,
        errors,
        mut progress,
    } = c;
    show(&gate, &mut progress, log);
    progress.finish();
    if let Some(f) = footer.filter(|_| stream) {
        log.notice(&format!("{input}: {}", f.note()));
    }
    // Channels named by a column were settled first as each was first read.
    known.say_settled(log);
    // Emptied cells left alone and columns gone: once per field, nothing blanked.
    for line in known.tally.lines() {
        log.warn(&line);
    }
    let elapsed = progress.elapsed();
    if batches.found + batches.absent > 0 {
        log.notice(&format!(
            "settled during the run: {} row(s) without a reliable answer found among their \
             channel's newest leads, {} proven never created",
            batches.found, batches.absent
        ));
    }
    let flushed = match (batches.failed.take(), flushed) {
        (Some(f), _) => Some(Err(f)),
        (None, f) => f,
    };
    if let Some(Err(f)) = flushed {
        // Outcomes that could not be written are named even when something stopped the run
        // first (the same lost connection, most often).
        match &t.fatal {
            Some(_) => log.warn(&f.to_string()),
            None => t.fatal = Some(f.into()),
        }
    }
    gate.remember(ledger.as_ref(), &scope_url, &|text| log.warn(text));

    let ends = Ends {
        ledger: ledger.as_ref(),
        client: &client,
        scope_url: &scope_url,
        interrupted: &interrupted,
        stop: &stop,
        gate: &gate,
        elapsed,
        total,
        others: known.shared.others(),
    };
    account(
        Collector {
            printer,
            orderer,
            t,
            errors,
            progress,
        },
        &ends,
        opts,
        log,
        out,
    )
}

/// What the end of a run needs from its set-up.
struct Ends<'a> {
    ledger: Option<&'a Ledger>,
    client: &'a crate::api::ApiClient,
    scope_url: &'a str,
    interrupted: &'a Arc<AtomicBool>,
    stop: &'a AtomicBool,
    gate: &'a Gate,
    elapsed: std::time::Duration,
    /// The rows the run meant to go through (0 for a stream).
    total: u64,
    /// Other runs sharing the ledger that took rows of this input.
    others: Vec<(String, u64)>,
}

/// Settles the unknown rows, writes the last results and gives the account (the summary and the
/// run's result).
fn account(
    c: Collector,
    e: &Ends<'_>,
    opts: &Options,
    log: &crate::log::Log,
    out: &mut Output,
) -> Result<()> {
    let Collector {
        mut printer,
        mut orderer,
        mut t,
        mut errors,
        ..
    } = c;
    let (ledger, scope_url, interrupted, stop, elapsed) =
        (e.ledger, e.scope_url, e.interrupted, e.stop, e.elapsed);
    let client = e.client;
    // Settle the unknown rows (not after Ctrl-C: the user wants out).
    if !t.pending.is_empty() && !interrupted.load(Ordering::SeqCst) {
        let reader = client.clone().with_cancel(interrupted.clone());
        let pending = std::mem::take(&mut t.pending);
        let place = settle::Where {
            ledger,
            client: &reader,
            scope_url,
            log,
            // Another run's request takes at most its timeout (taken to be ours).
            patience: client
                .timeout()
                .clamp(Duration::from_secs(5), Duration::from_secs(60)),
            interrupted: Some(interrupted),
        };
        settle::settle(pending, &t.created_ids, &mut t.counts, &mut orderer, &place);
    }
    let was_interrupted = interrupted.load(Ordering::SeqCst);
    for r in orderer.drain() {
        collect::emit(&mut printer, &mut errors, &mut t, r, out, stop);
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
        total: e.total,
        counts: t.counts,
        sent: t.sent,
        elapsed,
        ledger: ledger.map(|l| l.location().to_string()),
        errors: errors_left.then(|| (errors.path().display().to_string(), errors.rows)),
        resume: &opts.resume,
        interrupted: was_interrupted,
        others: e.others.clone(),
        concurrency: e.gate.summary(),
    };
    summary::summarize(&summary, log);
    if let Some(rec) = &t.recorder {
        rec.ending(ending(&summary));
    }
    summary::outcome(
        &summary,
        stdout_closed,
        t.fatal,
        t.max_errors_hit.then_some(opts.max_errors.unwrap_or(0)),
    )
}

/// The run's end as the run report tells it.
fn ending(s: &Summary<'_>) -> crate::report::Ending {
    use super::report::Outcome::*;
    let c = &s.counts;
    let counts = [
        Created, Updated, Moved, Skipped, Changed, Duplicate, Failed, Unknown, Invalid, NotSent,
    ]
    .into_iter()
    .map(|o| {
        let n = match o {
            Created => c.created,
            Updated => c.updated,
            Moved => c.moved,
            Skipped => c.skipped,
            Changed => c.changed,
            Duplicate => c.duplicate,
            Failed => c.failed,
            Unknown => c.unknown,
            Invalid => c.invalid,
            NotSent => c.not_sent,
        };
        (o.as_str().to_string(), n)
    })
    .collect();
    crate::report::Ending {
        counts,
        not_reached: s.total.saturating_sub(c.done()),
        sent: s.sent,
        elapsed_secs: s.elapsed.as_secs_f64(),
        concurrency: s.concurrency.clone(),
        errors_file: s.errors.clone(),
        interrupted: s.interrupted,
    }
}

/// The sending side's options.
fn sending(opts: &Options) -> super::flow::Options {
    super::flow::Options {
        policy: Policy {
            retry_unknown: opts.retry_unknown,
            retry_failed: opts.retry_failed,
            update: opts.leads().update,
            force: false,
        },
        key: opts.leads().key,
        shard: opts.shard,
        skip_invalid: opts.skip_invalid,
    }
}

/// The errors file, in the input's delimiter, with a BOM when the input had one or was not
/// UTF-8; a workbook's is a CSV with `,` and a BOM (Excel then opens it as UTF-8).
fn errors_file(opts: &Options, prepared: &Prepared) -> Result<report::ErrorsFile, Failure> {
    report::ErrorsFile::prepare(
        &errors_path(opts, &prepared.source),
        &prepared.headers,
        prepared.format.errors_delimiter(),
        prepared.format.errors_bom(),
    )
}
