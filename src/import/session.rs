//! One import run: check a file whole (a stream row by row), open the ledger, read what the
//! server holds, send, settle unknown rows, and give the account.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use anyhow::Result;

use super::check::{self, BodyPrinter};
use super::collect::{self, Collector, Tally};
use super::order::Orderer;
use super::prepare::Prepared;
use super::progress::Progress;
use super::read::{Rows, Source};
use super::report;
use super::send;
use super::validate::Duplicates;
use super::{settle, Options, Services};
use crate::deliver::ending::{self, Ending};
use crate::deliver::gate::{self, Gate};
use crate::deliver::Policy;
use crate::error::Failure;
use crate::lead::known::{Early, Known};
use crate::lead::window::NewestLeads;
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
            let checked = prepared.rows.check(
                &prepared.plan,
                &mut rows,
                &name,
                opts,
                Some(&mut printer),
                None,
            )?;
            printer.finish()?;
            check::report_checked(&checked, opts, &name, log)?;
            check::dry_run_done(&checked, out.format, log, prepared.rows.words().would);
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
        check::dry_run_done(&checked, out.format, log, prepared.rows.words().would);
        return Ok(());
    };
    if plans {
        let ready = ready?;
        let printer = Some(BodyPrinter::new(out));
        let planned = plan_rows(
            opts,
            services,
            prepared,
            prepared.reopen()?,
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
            let rows = prepared.reopen()?;
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
        prepared.reopen()?,
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
    let name = prepared.source.name();
    let mut dups = Duplicates::default();
    let mut printer = print.then(|| BodyPrinter::new(out));
    let checked = prepared.rows.check(
        &prepared.plan,
        rows,
        &name,
        opts,
        printer.as_mut(),
        Some(&mut dups),
    )?;
    if let Some(p) = printer {
        p.finish()?;
    }
    check::report_checked(&checked, opts, &name, log)?;
    if checked.total > 0 && dups.has_candidates() {
        let again = prepared.reopen()?;
        let (shard, key) = (opts.shard, opts.leads().key);
        check::report_duplicates(again, &prepared.plan, &name, &dups, shard, key, log)?;
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
        place: crate::deliver::Place {
            ledger: ready.ledger.as_deref(),
            scope_url: &scope_url,
            input: &input,
        },
        known,
        opts: &send_opts,
        gate: &gate,
        stop: &ready.stop,
        warn: &warn,
        rows: &*prepared.rows,
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
    let words = prepared.rows.words();
    let hint = if matches!(opts.format, OutputFormat::Ndjson | OutputFormat::Json) {
        ""
    } else {
        " (-o ndjson prints each planned request body)"
    };
    services.log.notice(&format!(
        "dry run: {}; nothing was sent{hint}",
        counts.summary(words.purchases)
    ));
    counts.check(&opts.limits)?;
    if let (Some(path), Some(saved)) = (&opts.plan_out, saved) {
        crate::plan::save(
            path,
            crate::plan::Made {
                command: words.command,
                scope_url: ready.scope_url.clone(),
                inputs: match &opts.query {
                    Some(_) => Vec::new(),
                    None => vec![opts.input.as_path()],
                },
                query: super::plan_out::query_source(opts.query.as_ref(), &prepared.source),
                summary: counts.summary(words.purchases),
                ledger: services.ledger.as_ref().map(ToString::to_string),
            },
            saved,
            services.log,
        )?;
    }
    Ok(())
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

/// What sending needs before the first create: the ledger, the client, and what the server
/// holds (each channel's newest leads, the ledger's agreement with it). For a file it is made
/// while the rows are checked, so its round trips cost nothing.
pub struct Ready {
    /// Shared with the run report's recorder, which records the run in the ledger's history
    /// through it after the run (one open a run).
    ledger: Option<Arc<Ledger>>,
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
    let stop = Arc::new(AtomicBool::new(false));
    // The default channel's newest leads: asked for once the header was read
    // (`prepare::read_early`), else now, read while the ledger opens.
    let channel = prepared.plan.default_channel.as_deref();
    let asked = channel.and_then(|c| prepared.take_early(c, !dry));
    let (client, asked) = match asked {
        Some((client, read)) => (client, Some(read)),
        None => ((services.client)(!dry)?, None),
    };
    let client = client.with_cancel(stop.clone());
    let early = match (&services.ledger, channel) {
        (Some(_), Some(channel)) => Some(asked.unwrap_or_else(|| Early::start(&client, channel))),
        _ => None,
    };
    let ledger = if dry {
        open_to_read(services)?.map(Arc::new)
    } else {
        let ledger = services.open_ledger()?.map(Arc::new);
        if let (Some(l), Some(r)) = (&ledger, &services.recorder) {
            r.keep_ledger(l.clone());
        }
        ledger
    };
    let scope_url = crate::deliver::scope::resolve(
        ledger.as_deref(),
        &client,
        &services.api_url,
        prepared.plan.default_channel.as_deref(),
        services.log,
        !dry,
    )?;
    // What the first claim needs on disk, written while the first read is at the server.
    if let (false, Some(l)) = (dry, &ledger) {
        l.ready_to_send(&scope_url);
    }
    let fresh = match opts.leads().fresh {
        crate::lead::known::Fresh::Ask if dry => crate::lead::known::Fresh::Stop,
        f => f,
    };
    let known = Known::new(fresh, dry).with_early(early.and_then(|rx| rx.recv().ok()));
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

/// Sends every row the ledger does not settle; the end of the run (settling, the account) is
/// the engine's (`deliver::ending`), told through the import's collector (`collect::Watch`).
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
    let interrupted = ending::on_ctrl_c(&stop, "rows");
    let warn = |text: &str| log.warn(text);
    let remembered = gate::remembered(ledger.as_deref(), &scope_url);
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
    let reopen = || prepared.reopen();
    let file = prepared.source.rereadable();
    let ctx = super::flow::Ctx {
        plan: &prepared.plan,
        client: &client,
        place: crate::deliver::Place {
            ledger: ledger.as_deref(),
            scope_url: &scope_url,
            input: &input,
        },
        known: &known,
        opts: &send_opts,
        gate: &gate,
        stop: &stop,
        warn: &warn,
        rows: &*prepared.rows,
        split: &split,
        reopen: file.then_some(&reopen as &(dyn Fn() -> Result<Rows> + Sync)),
        repeats: repeats.as_ref(),
        dry: false,
    };

    let mut progress = Progress::new(total, log.quiet(), log.color());
    progress.set_concurrency(gate.label());
    let c = Collector {
        printer: report::ResultPrinter::new(),
        orderer: Orderer::new(true),
        t: Tally {
            recorder: services.recorder.clone(),
            ..Tally::default()
        },
        errors,
        progress,
    };
    let end = Ending {
        ledger: ledger.as_deref(),
        client: &client,
        scope_url: &scope_url,
        gate: &gate,
        interrupted: &interrupted,
        finder: &NewestLeads,
        recorder: services.recorder.as_deref(),
        log,
        started: std::time::Instant::now(),
    };
    let mut watching = end.watching(collect::Watch {
        c,
        out,
        opts,
        stop: &stop,
        log,
        known: &known,
        footer: None,
        total,
        ledger: ledger.as_ref().map(|l| l.location().to_string()),
    });
    // While this run sends, its heartbeat tells other runs sharing the ledger to wait for its
    // answers; its records are on disk before it goes on (`deliver::pipeline`).
    let (footer, flushed) = send::run(&ctx, rows, &mut watching);
    // A stream's footer is known only once it was read through here (a file's was said by the
    // check).
    let stream = !prepared.source.rereadable();
    watching.observer.footer = footer
        .filter(|_| stream)
        .map(|f| format!("{input}: {}", f.note()));
    end.end(watching, flushed)
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
