//! `leadctl import FILE`: CSV rows to leads.
//!
//! Part one (this module, `read`, `mapping`, `validate`): open the file, detect its encoding and
//! delimiter, map the header, and check every row before anything is sent. A file is read again
//! for each later pass (duplicates, then the bodies), so memory does not grow with its size; stdin
//! can be read once only, so its rows are checked as they stream.

pub mod journal;
pub mod mapping;
pub mod read;
pub mod reconcile;
pub mod report;
pub mod send;
pub mod validate;

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::{Context, Result};

use crate::api::models::{ActionBody, Channel, NewLead};
use crate::api::properties::{find_channel, is_uuid};
use crate::api::ApiClient;
use crate::cli::ImportArgs;
use crate::error::{Failure, Kind};
use crate::log::Log;
use crate::output::{Output, OutputFormat};
use crate::progress::{Counts, Progress};
use crate::settings::Settings;
use mapping::{Mapping, Target};
use read::{Format, Row, Rows, Source};
use validate::{ChannelInfo, Duplicates, Plan, Problem};

/// Everything decided before the first row: the format, the header and the plan.
pub struct Prepared {
    pub source: Source,
    pub format: Format,
    pub headers: Vec<String>,
    pub plan: Plan,
    pub client: Option<ApiClient>,
}

pub fn run(settings: &Settings, args: &ImportArgs, out: &mut Output) -> Result<()> {
    let source = Source::from_arg(&args.file);
    let (prepared, rows) = prepare(settings, args, source)?;
    match prepared.source {
        Source::File(_) => run_file(settings, args, &prepared, rows, out),
        Source::Stdin => run_stream(settings, args, &prepared, rows, out),
    }
}

/// Opens the input, reads the header, maps it (asking `get_channels` when property names are
/// involved) and makes the plan. Says on stderr what was detected.
pub fn prepare(settings: &Settings, args: &ImportArgs, source: Source) -> Result<(Prepared, Rows)> {
    let log = &settings.log();
    let name = source.name();
    let forced = args.encoding.as_deref().and_then(read::encoding_for_label);
    let opened = read::open(&source, forced, args.delimiter).map_err(|e| Failure::input(e.0))?;
    let format = opened.format.clone();
    log.notice(&format!("{name}: {}", format.describe()));
    let mut rows = Rows::new(opened);
    let header = rows
        .header()
        .map_err(|e| Failure::input(format!("{name}, line {}: {}", e.line, e.message)))?
        .ok_or_else(|| {
            Failure::input(format!(
                "{name} is empty: a header row naming the columns is needed"
            ))
            .with_hint("the first row names the columns, e.g. Email,First Name,Last Name,Company")
        })?;
    let headers = header.fields;
    if let Some(&i) = header.undecodable.first() {
        return Err(Failure::input(format!(
            "{name}, header column {}: holds bytes that are not valid in the encoding {}",
            i + 1,
            format.encoding.name()
        ))
        .with_hint("re-save the file as UTF-8, or pass --encoding")
        .into());
    }

    // Without property names first: do we need the channels at all?
    let first = mapping::map_headers(&headers, &args.map, &BTreeMap::new());
    let has_channel_column = first.columns.iter().any(|c| c.target == Target::Channel);
    let default_channel = match settings.require_channel(args.channel.as_deref()) {
        Ok(c) => {
            if !is_uuid(&c.value) {
                return Err(Failure::input(format!(
                    "channel id {:?} ({}) is not a UUID",
                    c.value, c.origin
                ))
                .into());
            }
            Some(c.value.trim().to_string())
        }
        Err(_) if has_channel_column => None,
        Err(f) => return Err(f.into()),
    };
    let needs_channels = !first.unknown.is_empty()
        || first
            .columns
            .iter()
            .any(|c| matches!(c.target, Target::Property(_)));

    let mut client = None;
    let mut channels: Option<Vec<Channel>> = None;
    if needs_channels {
        settings.require_key().map_err(|f| {
            let hint = f.hint.clone().unwrap_or_default();
            Failure::config(
                "no API key: matching columns to the channel's property names needs get_channels",
            )
            .with_hint(hint)
        })?;
        let c = settings.client()?;
        let list = c
            .get_channels()
            .context("reading the channels' property definitions (get_channels)")?;
        if let Some(id) = &default_channel {
            if find_channel(&list, id).is_none() && !has_channel_column {
                return Err(Failure::new(
                    Kind::Permission,
                    format!(
                        "channel {id} is not among the {} channel(s) this API key can access",
                        list.len()
                    ),
                )
                .with_hint("check the channel id; `leadctl channels` lists the accessible ones")
                .into());
            }
        }
        channels = Some(list);
        client = Some(c);
    }

    // Property names that headers may carry: the default channel's, or every channel's when rows
    // choose their channel.
    let mut property_names = BTreeMap::new();
    if let Some(list) = &channels {
        for c in list {
            let relevant = has_channel_column
                || default_channel
                    .as_deref()
                    .is_some_and(|d| d.eq_ignore_ascii_case(&c.id));
            if relevant {
                for d in &c.property_definitions {
                    if let Some(n) = &d.name {
                        property_names
                            .entry(mapping::normalize(n))
                            .or_insert_with(|| n.clone());
                    }
                }
            }
        }
    }
    let mut m = mapping::map_headers(&headers, &args.map, &property_names);
    check_mapping(&mut m, args, &property_names, &name, log)?;
    report_mapping(&m, log);

    // Re-importing an errors file: its `unknown` rows are not sent again without being asked.
    let unknown_outcome = m
        .columns
        .iter()
        // The last one: the newest outcome, should columns ever be stacked.
        .rfind(|c| c.target == Target::Ignore && c.header.trim() == "leadctl_outcome")
        .map(|c| c.index)
        .filter(|_| !args.retry_unknown);
    let mut plan = Plan {
        unknown_outcome,
        columns: m.columns,
        header_len: headers.len(),
        default_channel,
        channels: channels.map(|list| {
            list.iter()
                .map(|c| (c.id.to_lowercase(), ChannelInfo::from_channel(c)))
                .collect::<HashMap<_, _>>()
        }),
        ..Plan::default()
    };
    plan.precompute();
    Ok((
        Prepared {
            source,
            format,
            headers,
            plan,
            client,
        },
        rows,
    ))
}

fn check_mapping(
    m: &mut Mapping,
    args: &ImportArgs,
    property_names: &BTreeMap<String, String>,
    name: &str,
    log: &Log,
) -> Result<(), Failure> {
    if !m.errors.is_empty() {
        return Err(Failure::input(format!(
            "{name}: the columns cannot be mapped:\n  {}",
            m.errors.join("\n  ")
        )));
    }
    if m.unknown.is_empty() {
        return Ok(());
    }
    let listed: Vec<String> = m
        .unknown
        .iter()
        .map(|(i, h)| format!("{h:?} (column {})", i + 1))
        .collect();
    if args.ignore_unknown {
        log.notice(&format!(
            "leaving out unknown columns (--ignore-unknown): {}",
            listed.join(", ")
        ));
        for (index, header) in m.unknown.drain(..) {
            m.columns.push(mapping::Column {
                index,
                header,
                target: Target::Ignore,
                how: "--ignore-unknown",
            });
        }
        m.columns.sort_by_key(|c| c.index);
        return Ok(());
    }
    let props = if property_names.is_empty() {
        String::new()
    } else {
        format!(
            "; the channel's properties: {}",
            property_names
                .values()
                .map(|n| format!("{n:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    Err(Failure::input(format!(
        "{name}: {} column(s) match no lead field: {}. Known fields: {}, channel_id{props}",
        listed.len(),
        listed.join(", "),
        mapping::FIELDS.join(", ")
    ))
    .with_hint("map them with --map 'COLUMN=FIELD' (FIELD may be property:NAME or ignore), or pass --ignore-unknown"))
}

fn report_mapping(m: &Mapping, log: &Log) {
    if log.quiet() {
        return;
    }
    let width = m
        .columns
        .iter()
        .map(|c| c.header.chars().count())
        .max()
        .unwrap_or(0)
        .min(40);
    let mut text = String::from("column mapping:");
    for c in &m.columns {
        let header = if c.header.trim().is_empty() {
            format!("(column {}, no header)", c.index + 1)
        } else {
            c.header.clone()
        };
        let how = match c.how {
            "name" | "alias" | "property name" => String::new(),
            other => format!(" ({other})"),
        };
        text.push_str(&format!(
            "\n  {header:<width$} → {}{how}",
            c.target.describe()
        ));
    }
    log.notice(&text);
}

/// What a full check of the rows found.
#[derive(Default)]
pub struct Checked {
    pub total: u64,
    pub valid: u64,
    pub problems: Vec<Problem>,
    pub invalid_rows: Vec<u64>,
}

/// Reads every row, building each body; `each` gets the valid ones. A read error that ends the
/// file (an unterminated quote) is returned as a problem of its own.
pub fn check_rows(
    rows: &mut Rows,
    plan: &Plan,
    name: &str,
    shard: Option<(u64, u64)>,
    mut each: impl FnMut(&Row, NewLead) -> Result<()>,
) -> Result<Checked> {
    let mut checked = Checked::default();
    let mut last_row = 0;
    loop {
        let row = match rows.next_row_ref() {
            Ok(Some(row)) => row,
            Ok(None) => break,
            Err(e) => {
                // The unreadable rest counts as one (invalid) row.
                checked.total += 1;
                checked.problems.push(Problem {
                    row: last_row + 1,
                    line: e.line,
                    column: None,
                    message: format!("{name} cannot be read past here: {}", e.message),
                });
                checked.invalid_rows.push(last_row + 1);
                break;
            }
        };
        last_row = row.number;
        if !send::in_shard(row.number, shard) {
            continue;
        }
        checked.total += 1;
        match validate::build(plan, row) {
            Ok(lead) => {
                checked.valid += 1;
                each(row, lead)?;
            }
            Err(problems) => {
                checked.invalid_rows.push(row.number);
                checked.problems.extend(problems);
            }
        }
    }
    Ok(checked)
}

/// A file: check everything, look for repeats, then print the bodies (dry run) or send.
fn run_file(
    settings: &Settings,
    args: &ImportArgs,
    prepared: &Prepared,
    mut rows: Rows,
    out: &mut Output,
) -> Result<()> {
    let log = &settings.log();
    let name = prepared.source.name();
    if args.reconcile {
        return reconcile_only(settings, args, prepared, out);
    }
    // One pass checks every row (and, for a dry run, prints each valid row's body as it goes).
    let mut dups = Duplicates::default();
    let mut printer = args.dry_run.then(|| BodyPrinter::new(out));
    let checked = check_rows(&mut rows, &prepared.plan, &name, args.shard, |_, lead| {
        validate::duplicate_keys(&lead, |key, value| dups.see(key, value));
        match printer.as_mut() {
            Some(p) => p.print(&lead),
            None => Ok(()),
        }
    })?;
    if let Some(p) = printer {
        p.finish()?;
    }
    report_checked(&checked, args, &name, log)?;
    if dups.has_candidates() {
        report_duplicates(prepared, &dups, args.shard, log)?;
    }

    if args.dry_run {
        dry_run_done(&checked, out.format, log);
        return Ok(());
    }
    let total = if args.skip_invalid {
        checked.total
    } else {
        checked.valid
    };
    send_all(settings, args, prepared, reopen(prepared)?, total, out)
}

fn dry_run_done(checked: &Checked, format: OutputFormat, log: &Log) {
    let hint = if matches!(format, OutputFormat::Ndjson | OutputFormat::Json) {
        ""
    } else {
        " (-o ndjson prints the request bodies)"
    };
    log.notice(&format!(
        "dry run: {} lead(s) would be created; nothing was sent{hint}",
        fmt_count(checked.valid)
    ));
}

/// Stdin: one pass, each row checked as it arrives.
fn run_stream(
    settings: &Settings,
    args: &ImportArgs,
    prepared: &Prepared,
    mut rows: Rows,
    out: &mut Output,
) -> Result<()> {
    let log = &settings.log();
    let name = prepared.source.name();
    if args.reconcile {
        return Err(Failure::usage("--reconcile needs the file (stdin cannot be read again)")
            .with_hint("run `leadctl import FILE --reconcile --journal PATH` with the data saved to a file")
            .into());
    }
    if args.dry_run {
        let mut printer = BodyPrinter::new(out);
        let checked = check_rows(&mut rows, &prepared.plan, &name, args.shard, |_, lead| {
            printer.print(&lead)
        })?;
        printer.finish()?;
        report_checked(&checked, args, &name, log)?;
        dry_run_done(&checked, out.format, log);
        return Ok(());
    }
    if args.journal.is_none() && !args.no_journal {
        log.warn("reading stdin without --journal PATH: an interrupted import cannot be resumed");
    }
    send_all(settings, args, prepared, rows, 0, out)
}

/// `FILE.leadctl-journal` / `FILE.errors.csv`, with the shard in the name when there is one.
fn beside(source: &Source, shard: Option<(u64, u64)>, suffix: &str) -> Option<std::path::PathBuf> {
    let Source::File(path) = source else {
        return None;
    };
    let mut name = path.as_os_str().to_owned();
    if let Some((k, n)) = shard {
        name.push(format!(".shard-{k}-of-{n}"));
    }
    name.push(suffix);
    Some(name.into())
}

/// The journal's path: `--journal`, else beside the file; none with `--no-journal`, and none by
/// default with `--sandbox` (the emulator's leads end with the command, so a journal would
/// make the next run skip rows that no longer exist).
fn journal_path(args: &ImportArgs, source: &Source, sandbox: bool) -> Option<std::path::PathBuf> {
    if args.no_journal {
        return None;
    }
    match &args.journal {
        Some(path) => Some(path.clone()),
        None if sandbox => None,
        None => beside(source, args.shard, ".leadctl-journal"),
    }
}

fn open_journal(
    args: &ImportArgs,
    prepared: &Prepared,
    sandbox: bool,
    resume: &str,
) -> Result<Option<journal::Journal>> {
    let Some(path) = journal_path(args, &prepared.source, sandbox) else {
        return Ok(None);
    };
    if args.journal.is_none() {
        check_other_shardings(&prepared.source, args.shard)?;
    }
    let (size, fingerprint) = match &prepared.source {
        Source::File(p) => {
            let (size, fp) = journal::fingerprint(p)
                .map_err(|e| Failure::input(format!("cannot read {}: {e}", p.display())))?;
            (Some(size), Some(fp))
        }
        Source::Stdin => (None, None),
    };
    let header = journal::Header {
        leadctl_journal: journal::VERSION,
        input: prepared.source.name(),
        fingerprint,
        size,
        created_at: crate::time::now_rfc3339(),
        shard: args.shard.map(|(k, n)| format!("{k}/{n}")),
    };
    Ok(Some(journal::Journal::open(&path, &header, resume)?))
}

/// Refuses a default journal when the same file has one from a run split differently
/// (`--shard 1/2` before, none or `--shard 1/3` now): that journal's record would not be seen,
/// and its rows would be sent again. Sibling shards (same N, another K) are fine.
fn check_other_shardings(source: &Source, shard: Option<(u64, u64)>) -> Result<(), Failure> {
    let Source::File(path) = source else {
        return Ok(());
    };
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return Ok(());
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(());
    };
    let ours_n = shard.map(|(_, n)| n);
    for entry in entries.flatten() {
        let other = entry.file_name();
        let Some(other) = other.to_str() else {
            continue;
        };
        let Some(middle) = other
            .strip_prefix(name)
            .and_then(|rest| rest.strip_suffix(".leadctl-journal"))
        else {
            continue;
        };
        // "" (no shard) or ".shard-K-of-N".
        let other_n = if middle.is_empty() {
            None
        } else {
            match middle
                .strip_prefix(".shard-")
                .and_then(|kn| kn.split_once("-of-"))
                .and_then(|(_, n)| n.parse::<u64>().ok())
            {
                Some(n) => Some(n),
                None => continue,
            }
        };
        if other_n != ours_n {
            let before = match other_n {
                None => "without --shard".to_string(),
                Some(n) => format!("with --shard K/{n}"),
            };
            let now = match ours_n {
                None => "without --shard".to_string(),
                Some(n) => format!("with --shard K/{n}"),
            };
            return Err(Failure::input(format!(
                "{} was imported {before} (journal {}); importing it {now} would not see that \
                 record and could create its rows again",
                path.display(),
                dir.join(other).display()
            ))
            .with_hint(
                "split the file the same way as before; or, to start a separate record on purpose \
                 (rows already created would be created again), pass --journal PATH",
            ));
        }
    }
    Ok(())
}

/// The command line of this run, quoted for a POSIX shell: what to run to resume.
fn resume_command() -> String {
    std::env::args_os()
        .enumerate()
        .map(|(i, a)| {
            let a = a.to_string_lossy().into_owned();
            let a = if i == 0 { "leadctl".to_string() } else { a };
            if !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_./:=@%+-,".contains(c))
            {
                a
            } else {
                format!("'{}'", a.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Ctrl-C: the first stops taking rows and lets requests in flight finish; the second exits at
/// once (every journal line is written whole, so the journal stays consistent).
fn install_ctrlc(stop: Arc<AtomicBool>, interrupted: Arc<AtomicBool>) {
    let _ = ctrlc::set_handler(move || {
        if interrupted.swap(true, Ordering::SeqCst) {
            std::process::exit(i32::from(crate::exit::INTERRUPTED));
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

/// Sends every row (skipping what the journal says is done) and gives the account.
fn send_all(
    settings: &Settings,
    args: &ImportArgs,
    prepared: &Prepared,
    rows: Rows,
    total: u64,
    out: &mut Output,
) -> Result<()> {
    let log = &settings.log();
    settings.require_key()?;
    let errors_path = args
        .errors
        .clone()
        .or_else(|| beside(&prepared.source, args.shard, ".errors.csv"))
        .unwrap_or_else(|| "stdin.errors.csv".into());
    let bom = prepared.format.bom_len > 0 || prepared.format.encoding != encoding_rs::UTF_8;
    let mut errors = report::ErrorsFile::prepare(
        &errors_path,
        &prepared.headers,
        prepared.format.delimiter,
        bom,
    )?;

    let resume = resume_command();
    let journal = open_journal(args, prepared, settings.sandbox, &resume)?;
    if let Some(j) = &journal {
        if j.resumed {
            let created = j
                .previous
                .values()
                .filter(|e| e.state == journal::State::Created)
                .count();
            log.notice(&format!(
                "resuming from the journal {}: {} row(s) already created are skipped",
                j.path().display(),
                fmt_count(created as u64)
            ));
        }
    }
    let stop = Arc::new(AtomicBool::new(false));
    let interrupted = Arc::new(AtomicBool::new(false));
    install_ctrlc(stop.clone(), interrupted.clone());
    let mut retry = settings.retry.clone();
    retry.rate_limit_attempts = 30;
    let client = settings.client_with(retry)?.with_cancel(stop.clone());
    let opts = send::Options {
        concurrency: args.concurrency.map_or(settings.concurrency, usize::from),
        rate: args.rate,
        retry_unknown: args.retry_unknown,
        retry_failed: args.retry_failed,
        shard: args.shard,
        skip_invalid: args.skip_invalid,
    };
    let ctx = send::Ctx {
        plan: &prepared.plan,
        client: &client,
        journal: journal.as_ref(),
        opts: &opts,
        stop: &stop,
    };

    let mut progress = Progress::new(total, log.quiet(), log.color());
    let mut counts = Counts::default();
    let mut printer = report::ResultPrinter::new();
    let mut orderer = send::Orderer::new(true);
    let mut pending = Vec::new();
    let mut created_ids = send::known_ids(journal.as_ref());
    let mut fatal: Option<anyhow::Error> = None;
    let mut write_error: Option<anyhow::Error> = None;
    let mut max_errors_hit = false;
    let mut shown_failures = 0u64;
    let mut emit = |r: report::RowResult,
                    out: &mut Output,
                    errors: &mut report::ErrorsFile,
                    write_error: &mut Option<anyhow::Error>| {
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
            write_error.get_or_insert(e);
        }
    };

    let (mut sent_now, mut failed_now_count) = (0u64, 0u64);
    send::run(&ctx, rows, |event| {
        let replayed = matches!(event, send::Event::Replayed(..));
        match event {
            send::Event::Dispatched(row) => orderer.dispatched(row),
            send::Event::Result(r, p) | send::Event::Replayed(r, p) => {
                counts.add(r.outcome);
                let failed_now = !replayed
                    && matches!(
                        r.outcome,
                        report::Outcome::Failed | report::Outcome::Unknown
                    );
                if !replayed && matches!(r.outcome, report::Outcome::Created) || failed_now {
                    sent_now += 1;
                }
                if failed_now {
                    failed_now_count += 1;
                }
                if matches!(
                    r.outcome,
                    report::Outcome::Failed | report::Outcome::Unknown
                ) {
                    shown_failures += 1;
                    if shown_failures <= SHOWN_FAILURES {
                        progress.println(&format!(
                            "leadctl: row {}: {}: {}",
                            r.row,
                            r.outcome.as_str(),
                            crate::log::sanitize(r.error.as_deref().unwrap_or(""))
                        ));
                    } else if shown_failures == SHOWN_FAILURES + 1 {
                        progress.println(
                            "leadctl: (further failures are in the errors file and the summary)",
                        );
                    }
                }
                if let Some(id) = &r.lead_id {
                    created_ids.insert(id.clone());
                }
                if let Some(p) = p {
                    pending.push(*p);
                }
                if let Some(max) = args.max_errors {
                    if !max_errors_hit && failed_now_count >= max {
                        max_errors_hit = true;
                        stop.store(true, Ordering::SeqCst);
                        progress.println(&format!(
                            "leadctl: {max} row(s) failed (--max-errors {max}): stopping"
                        ));
                    }
                }
                for ready in orderer.push(r) {
                    emit(ready, out, &mut errors, &mut write_error);
                }
                progress.update(&counts);
            }
            send::Event::Fatal(e) => {
                stop.store(true, Ordering::SeqCst);
                fatal.get_or_insert(e);
            }
            send::Event::InputEnded(e) => {
                fatal.get_or_insert(e);
            }
        }
    });
    progress.finish();
    let elapsed = progress.elapsed();

    // Settle the unknown rows among the newest leads (not after Ctrl-C: the user wants out).
    if !pending.is_empty() && !interrupted.load(Ordering::SeqCst) {
        // Its own cancel flag: --max-errors or a fatal error stopped the sending, not this; a
        // Ctrl-C now does stop it.
        let reader = client.clone().with_cancel(interrupted.clone());
        let settled = reconcile::reconcile(&reader, &pending, &created_ids);
        let by_row: HashMap<u64, &reconcile::Pending> =
            pending.iter().map(|p| (p.row, p)).collect();
        for (row, lead_id) in &settled.found {
            if orderer.settle(*row, lead_id) {
                counts.unknown -= 1;
                counts.created += 1;
                if let Some(p) = by_row.get(row) {
                    record_settled(journal.as_ref(), p, lead_id);
                }
            }
        }
        report_settled(&settled, pending.len(), log);
    }
    let was_interrupted = interrupted.load(Ordering::SeqCst);
    for r in orderer.drain() {
        emit(r, out, &mut errors, &mut write_error);
    }
    // The last buffered results may meet a closed stdout only now: after every row was sent,
    // that loses output, not leads, so it is no reason to call the run partial.
    if let Err(e) = printer.finish(out) {
        if write_error.is_none() && e.kind() != std::io::ErrorKind::BrokenPipe {
            write_error = Some(e.into());
        }
    }
    let errors_left = errors.finish()?;
    if let Some(j) = &journal {
        let _ = j.sync();
    }
    // A closed stdout (`leadctl import ... -o ndjson | head`) stopped the sending: unlike a
    // read-only command, that is not a quiet success, since rows were left unsent.
    let stdout_closed = write_error
        .as_ref()
        .is_some_and(crate::exit::is_broken_pipe);
    if let Some(e) = write_error.filter(|_| !stdout_closed) {
        return Err(e);
    }

    summarize(
        &Summary {
            counts,
            sent: sent_now,
            elapsed,
            journal: journal.as_ref().map(|j| j.path().display().to_string()),
            errors: errors_left.then(|| (errors.path().display().to_string(), errors.rows)),
            resume: &resume,
            interrupted: was_interrupted,
        },
        log,
    );
    if was_interrupted {
        return Err(Failure::new(
            Kind::Interrupted,
            format!("interrupted: {}", counts.describe()),
        )
        .with_hint(format!("run `{resume}` to send the rest"))
        .into());
    }
    if stdout_closed {
        return Err(Failure::new(
            Kind::Partial,
            format!(
                "stdout was closed (broken pipe), so the import stopped after {}",
                counts.describe()
            ),
        )
        .with_hint(format!(
            "run `{resume}` again without closing its output to send the rest"
        ))
        .into());
    }
    if let Some(e) = fatal {
        if counts.created == 0 && counts.skipped == 0 {
            return Err(e.context("the import stopped"));
        }
        return Err(e.context(format!("the import stopped after {}", counts.describe())));
    }
    let open = counts.failed + counts.unknown + counts.invalid + counts.not_sent;
    if open > 0 {
        let mut f = Failure::new(
            Kind::Partial,
            format!(
                "{} of {} row(s) were not created",
                fmt_count(open),
                fmt_count(counts.done())
            ),
        );
        f.hint = Some(next_steps(
            &counts,
            &resume,
            errors_left.then(|| errors.path().display().to_string()),
        ));
        if max_errors_hit {
            f.message.push_str(&format!(
                " (stopped by --max-errors {})",
                args.max_errors.unwrap_or(0)
            ));
        }
        return Err(f.into());
    }
    Ok(())
}

/// Journals a row found by reconciling as created.
fn record_settled(journal: Option<&journal::Journal>, p: &reconcile::Pending, lead_id: &str) {
    let Some(j) = journal else { return };
    let _ = j.append(&journal::Line {
        row: p.row,
        state: journal::State::Created,
        hash: p.hash.clone(),
        lead_id: Some(lead_id.to_string()),
        error: None,
        at: None,
        via: Some("reconcile".to_string()),
    });
}

fn report_settled(settled: &reconcile::Settled, unknown: usize, log: &Log) {
    let found = settled.found.len();
    let mut text = format!(
        "{found} of {unknown} row(s) without a reliable answer were found among their channel's newest leads and count as created"
    );
    if found < unknown && !settled.capped.is_empty() {
        text.push_str(&format!(
            "; {} remain unknown: the API lists only the newest 100 leads of a channel, so an older lead cannot be checked, and absence there proves nothing",
            unknown - found
        ));
    } else if found < unknown && settled.unreadable.is_empty() {
        text.push_str(&format!(
            "; {} remain unknown: they are not among their channel's leads (all of which were checked), so they were probably not created; `--retry-unknown` sends them again",
            unknown - found
        ));
    } else if found < unknown {
        text.push_str(&format!("; {} remain unknown", unknown - found));
    }
    for (channel, why) in &settled.unreadable {
        text.push_str(&format!(
            "\n  could not read the leads of channel {channel}: {why}"
        ));
    }
    if settled.unidentifiable > 0 {
        text.push_str(&format!(
            "\n  {} row(s) have neither email nor business id to look for",
            settled.unidentifiable
        ));
    }
    log.notice(&text);
}

struct Summary<'a> {
    counts: Counts,
    /// Rows sent by this run (not those an earlier run recorded).
    sent: u64,
    elapsed: std::time::Duration,
    journal: Option<String>,
    errors: Option<(String, u64)>,
    resume: &'a str,
    interrupted: bool,
}

fn summarize(s: &Summary<'_>, log: &Log) {
    let secs = s.elapsed.as_secs_f64();
    let sent = s.sent;
    let rate = if secs > 0.0 { sent as f64 / secs } else { 0.0 };
    let mut text = format!(
        "import {} in {secs:.1}s ({rate:.0} rows/s): {}",
        if s.interrupted {
            "interrupted"
        } else {
            "finished"
        },
        s.counts.describe()
    );
    if let Some(j) = &s.journal {
        text.push_str(&format!("\n  journal: {j}"));
    }
    if let Some((path, rows)) = &s.errors {
        text.push_str(&format!(
            "\n  errors file: {path} ({rows} row(s) to fix and import again)"
        ));
    }
    // Resuming sends only rows not sent yet: failed and unknown rows need a decision first.
    if (s.counts.not_sent > 0 || s.interrupted) && s.journal.is_some() {
        text.push_str(&format!("\n  to resume: {}", s.resume));
    }
    log.notice(&text);
}

fn next_steps(c: &Counts, resume: &str, errors: Option<String>) -> String {
    let mut steps = Vec::new();
    if c.not_sent > 0 {
        steps.push(format!(
            "run `{resume}` to send the {} row(s) not sent",
            c.not_sent
        ));
    }
    if c.unknown > 0 {
        steps.push(format!(
            "check the {} unknown row(s) in KeenPartner before re-sending them (`--reconcile` looks again; `--retry-unknown` re-sends them)",
            c.unknown
        ));
    }
    if c.failed + c.invalid > 0 {
        match errors {
            Some(path) => steps.push(format!("fix the rows in {path} and import that file")),
            None => steps.push("fix the failed rows and import them again".to_string()),
        }
    }
    steps.join("; ")
}

/// `--reconcile`: settle the journal's unknown rows, send nothing.
fn reconcile_only(
    settings: &Settings,
    args: &ImportArgs,
    prepared: &Prepared,
    out: &mut Output,
) -> Result<()> {
    let log = &settings.log();
    let path = journal_path(args, &prepared.source, settings.sandbox)
        .ok_or_else(|| Failure::usage("--reconcile needs a journal (pass --journal PATH)"))?;
    if !path.exists() {
        return Err(Failure::input(format!(
            "no journal at {}: nothing to reconcile",
            path.display()
        ))
        .with_hint("pass --journal PATH if the import used another journal")
        .into());
    }
    let resume = resume_command();
    let journal = open_journal(args, prepared, settings.sandbox, &resume)?
        .ok_or_else(|| Failure::usage("--reconcile needs a journal"))?;
    // (sent at, gave up at) of each row the journal leaves without a reliable answer.
    type Times = (Option<u64>, Option<u64>);
    let unknown: std::collections::BTreeMap<u64, Times> = journal
        .previous
        .iter()
        .filter(|(_, e)| matches!(e.state, journal::State::Sent | journal::State::Unknown))
        .map(|(row, e)| (*row, (e.sent_at, e.answered_at)))
        .collect();
    if unknown.is_empty() {
        log.notice(&format!(
            "the journal {} has no unknown rows",
            journal.path().display()
        ));
        return Ok(());
    }
    settings.require_key()?;
    let mut pending = Vec::new();
    let mut rows = reopen(prepared)?;
    check_rows(
        &mut rows,
        &prepared.plan,
        &prepared.source.name(),
        args.shard,
        |row, lead| {
            if let Some(sent_at) = unknown.get(&row.number) {
                pending.push(reconcile::Pending {
                    row: row.number,
                    hash: journal::row_hash(&row.fields),
                    channel: lead.channel_id.clone(),
                    email: lead.fields.email.clone(),
                    business_id: lead.fields.business_id.clone(),
                    sent_at: sent_at.0,
                    given_up_at: Some(sent_at.1.unwrap_or_else(journal::now_secs)),
                });
            }
            Ok(())
        },
    )?;
    let client = match &prepared.client {
        Some(c) => c.clone(),
        None => settings.client()?,
    };
    let settled = reconcile::reconcile(&client, &pending, &send::known_ids(Some(&journal)));
    let found: std::collections::HashMap<u64, String> = settled.found.iter().cloned().collect();
    let mut printer = report::ResultPrinter::new();
    for p in &pending {
        let r = match found.get(&p.row) {
            Some(id) => {
                record_settled(Some(&journal), p, id);
                report::RowResult {
                    row: p.row,
                    outcome: report::Outcome::Created,
                    lead_id: Some(id.clone()),
                    error: None,
                    fields: Vec::new(),
                }
            }
            None => report::RowResult {
                row: p.row,
                outcome: report::Outcome::Unknown,
                lead_id: None,
                error: Some(
                    "not found among the channel's newest leads; it may still exist".to_string(),
                ),
                fields: Vec::new(),
            },
        };
        printer.print(out, &r)?;
    }
    printer.finish(out)?;
    let _ = journal.sync();
    report_settled(&settled, pending.len(), log);
    // Rows the journal leaves unknown that no longer pass the checks were not looked for: they
    // stay unknown too.
    let unchecked = unknown.len() - pending.len();
    if unchecked > 0 {
        log.warn(&format!(
            "{unchecked} unknown row(s) in the journal no longer pass the checks (the mapping or the \
             channel's properties changed), so they were not looked for"
        ));
    }
    let left = unknown.len() - found.len();
    if left > 0 {
        return Err(
            Failure::new(Kind::Partial, format!("{left} row(s) remain unknown"))
                .with_hint(
                    "check them in the KeenPartner app; re-send those that do not exist with \
                 --retry-unknown (running the same import again also rewrites the errors file)",
                )
                .into(),
        );
    }
    Ok(())
}

/// Opens the file again with what was detected the first time.
pub fn reopen(prepared: &Prepared) -> Result<Rows> {
    let opened = read::open(
        &prepared.source,
        Some(prepared.format.encoding),
        Some(prepared.format.delimiter),
    )
    .map_err(|e| Failure::input(e.0))?;
    let mut rows = Rows::new(opened);
    rows.header().map_err(|e| Failure::input(e.message))?;
    Ok(rows)
}

/// Says how many rows were checked; stops (exit 6) on invalid rows unless `--skip-invalid`.
fn report_checked(
    checked: &Checked,
    args: &ImportArgs,
    name: &str,
    log: &Log,
) -> Result<(), Failure> {
    let invalid = checked.invalid_rows.len() as u64;
    log.notice(&format!(
        "{name}: {} row(s) checked: {} valid, {} invalid",
        fmt_count(checked.total),
        fmt_count(checked.valid),
        fmt_count(invalid)
    ));
    if checked.total == 0 && invalid == 0 {
        return Err(Failure::input(format!(
            "{name} has a header but no rows: nothing to import"
        )));
    }
    if invalid == 0 {
        return Ok(());
    }
    let list = checked
        .problems
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join("\n  ");
    if args.skip_invalid {
        log.warn(&format!(
            "skipping {} invalid row(s) (--skip-invalid):\n  {list}",
            fmt_count(invalid)
        ));
        return Ok(());
    }
    Err(Failure::input(format!(
        "{} of {} row(s) are invalid, so nothing was sent:\n  {list}",
        fmt_count(invalid),
        fmt_count(checked.total)
    ))
    .with_hint("fix those rows and run the same command again, or pass --skip-invalid to send the valid rows"))
}

/// Re-reads the file for the values flagged as possible repeats and warns with their rows.
fn report_duplicates(
    prepared: &Prepared,
    dups: &Duplicates,
    shard: Option<(u64, u64)>,
    log: &Log,
) -> Result<()> {
    let mut seen: BTreeMap<(&'static str, String), Vec<u64>> = BTreeMap::new();
    let mut rows = reopen(prepared)?;
    check_rows(
        &mut rows,
        &prepared.plan,
        &prepared.source.name(),
        shard,
        |row, lead| {
            validate::duplicate_keys(&lead, |key, value| {
                if dups.is_candidate(key, value) {
                    let shown = key.normalized(value)[2..].to_string();
                    seen.entry((key.label(), shown))
                        .or_default()
                        .push(row.number);
                }
            });
            Ok(())
        },
    )?;
    let repeats: Vec<String> = seen
        .into_iter()
        .filter(|(_, rows)| rows.len() > 1)
        .map(|((kind, value), rows)| {
            let shown: Vec<String> = rows.iter().take(10).map(u64::to_string).collect();
            let more = if rows.len() > 10 {
                format!(" and {} more", rows.len() - 10)
            } else {
                String::new()
            };
            format!("{kind} {value:?} in rows {}{more}", shown.join(", "))
        })
        .collect();
    if !repeats.is_empty() {
        log.warn(&format!(
            "{} value(s) appear more than once in the file (each row still becomes its own lead):\n  {}",
            repeats.len(),
            repeats.join("\n  ")
        ));
    }
    Ok(())
}

/// Prints request bodies as they come: one per line (ndjson) or a streamed JSON array (json).
struct BodyPrinter<'a> {
    out: &'a mut Output,
    count: u64,
}

impl<'a> BodyPrinter<'a> {
    fn new(out: &'a mut Output) -> BodyPrinter<'a> {
        BodyPrinter { out, count: 0 }
    }

    fn print(&mut self, lead: &NewLead) -> Result<()> {
        let body = ActionBody {
            action: "create_lead",
            fields: lead,
        };
        match self.out.format {
            OutputFormat::Ndjson => self.out.ndjson_item(&body)?,
            OutputFormat::Json => self.out.array_item(&body, self.count == 0)?,
            _ => {}
        }
        self.count += 1;
        Ok(())
    }

    fn finish(self) -> Result<()> {
        if self.out.format == OutputFormat::Json {
            self.out.array_end(self.count == 0)?;
        }
        self.out.flush()?;
        Ok(())
    }
}

/// 1234567 → "1,234,567".
pub fn fmt_count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts() {
        assert_eq!(fmt_count(0), "0");
        assert_eq!(fmt_count(999), "999");
        assert_eq!(fmt_count(1000), "1,000");
        assert_eq!(fmt_count(1234567), "1,234,567");
    }
}
