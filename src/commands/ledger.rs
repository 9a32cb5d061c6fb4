//! `leadctl ledger path|status|list|forget|adopt|export|import` (`copy` in `ledger_copy`, `runs`
//! in `ledger_runs`):
//! look into and manage the ledger
//! (doc/ledger.md). Listing and exporting stream, so a ledger of millions of keys prints in
//! constant memory.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};

use anyhow::{Context, Result};

use crate::cli::{LedgerCommand, LedgerFilterArgs, LedgerForgetArgs, LedgerImportArgs};
use crate::error::Failure;
use crate::ledger::{identity, scope_url, Entry, Filter, Ledger, Location, Op, State};
use crate::output::stream::ItemStream;
use crate::output::{Output, OutputFormat};
use crate::settings::Settings;

pub fn run(settings: &Settings, command: &LedgerCommand, out: &mut Output) -> Result<()> {
    if let LedgerCommand::Path = command {
        return path(settings, out);
    }
    // Copying names both its ledgers.
    if let LedgerCommand::Copy(args) = command {
        return super::ledger_copy::copy(settings, args);
    }
    let location = settings.ledger.clone().ok_or_else(|| {
        Failure::usage("--no-ledger: there is no ledger to look into")
            .with_hint("drop --no-ledger (or pass --ledger PATH)")
    })?;
    let ledger = Ledger::open(&location)?;
    match command {
        LedgerCommand::Path | LedgerCommand::Copy(_) => Ok(()),
        LedgerCommand::Status => status(&ledger, out),
        LedgerCommand::List(f) => list(&ledger, &filter(settings, f), out),
        LedgerCommand::Forget(args) => forget(settings, &ledger, args),
        LedgerCommand::Adopt(args) => super::ledger_adopt::adopt(settings, &ledger, args),
        LedgerCommand::Export(f) => export(&ledger, &filter(settings, f), out),
        LedgerCommand::Import(args) => import(settings, &ledger, args),
        LedgerCommand::Runs(args) => super::ledger_runs::runs(&ledger, args, out),
    }
}

fn path(settings: &Settings, out: &mut Output) -> Result<()> {
    let text = match &settings.ledger {
        Some(Location::File(p)) => p.display().to_string(),
        Some(Location::Memory) => "(in memory: --sandbox keeps no ledger after the command)".into(),
        Some(l @ Location::Postgres(_)) => l.to_string(),
        None => "(none: --no-ledger)".into(),
    };
    out.text(&text)?;
    Ok(())
}

fn filter(settings: &Settings, f: &LedgerFilterArgs) -> Filter {
    Filter {
        api_url: (!f.all_urls).then(|| scope_url(&settings.api_url.value)),
        channel: f.channel.as_ref().map(|c| c.trim().to_lowercase()),
        state: f.state,
        keys: Vec::new(),
    }
}

/// What an entry records: a lead, a status move (`status:KEY`) or a purchase (`purchase:...`).
fn kind_of(key: &str) -> &'static str {
    if key.starts_with("status:") {
        "moves"
    } else if key.starts_with("purchase:") {
        "purchases"
    } else {
        "leads"
    }
}

const KINDS: [&str; 3] = ["leads", "moves", "purchases"];

/// Counts by (API URL, channel), then kind, then state: a lead with a status is one lead and
/// one move, never two leads.
type ByKind = BTreeMap<(String, String), BTreeMap<&'static str, BTreeMap<State, u64>>>;

fn status(ledger: &Ledger, out: &mut Output) -> Result<()> {
    let mut by: ByKind = BTreeMap::new();
    ledger.for_each(&Filter::default(), &mut |e| {
        *by.entry((e.api_url.clone(), e.channel.clone()))
            .or_default()
            .entry(kind_of(&e.key))
            .or_default()
            .entry(e.state)
            .or_default() += 1;
        Ok(())
    })?;
    let n = |kinds: &BTreeMap<&str, BTreeMap<State, u64>>, kind: Option<&str>, st: State| -> u64 {
        kinds
            .iter()
            .filter(|(k, _)| kind.is_none_or(|want| **k == want))
            .map(|(_, states)| states.get(&st).copied().unwrap_or(0))
            .sum()
    };
    match out.format {
        OutputFormat::Json | OutputFormat::Ndjson => {
            let items: Vec<serde_json::Value> = by
                .iter()
                .map(|((url, channel), kinds)| {
                    let mut v = serde_json::json!({ "api_url": url, "channel": channel });
                    // The top-level counts are the leads' (a move or a purchase is no lead).
                    for s in State::ALL {
                        v[s.as_str()] = n(kinds, Some("leads"), s).into();
                    }
                    for kind in KINDS {
                        let mut k = serde_json::json!({});
                        for s in State::ALL {
                            k[s.as_str()] = n(kinds, Some(kind), s).into();
                        }
                        v[kind] = k;
                    }
                    v
                })
                .collect();
            if out.format == OutputFormat::Json {
                out.json_value(&serde_json::Value::Array(items))?;
            } else {
                for i in &items {
                    out.ndjson_item(i)?;
                }
            }
        }
        _ => {
            // Created leads, moves and purchases each in a column of their own; the other
            // states over all three.
            let header = [
                "api_url",
                "channel",
                "leads",
                "moves",
                "purchases",
                "unknown",
                "sending",
                "failed",
            ];
            let rows: Vec<Vec<String>> = by
                .iter()
                .map(|((url, channel), kinds)| {
                    let c = |kind| n(kinds, Some(kind), State::Created).to_string();
                    let all = |st| n(kinds, None, st).to_string();
                    vec![
                        url.clone(),
                        channel.clone(),
                        c("leads"),
                        c("moves"),
                        c("purchases"),
                        all(State::Unknown),
                        all(State::Sending),
                        all(State::Failed),
                    ]
                })
                .collect();
            if out.format == OutputFormat::Csv {
                out.csv_rows(&header, &rows)?;
            } else if rows.is_empty() {
                out.text(&format!("the ledger {} is empty", ledger.location()))?;
            } else {
                out.text(&crate::output::columns(Some(&header), &rows))?;
            }
        }
    }
    out.flush()?;
    Ok(())
}

const LIST_COLUMNS: [&str; 8] = [
    "channel", "key", "state", "lead_id", "updated", "input", "row", "via",
];

fn cells(e: &Entry) -> Vec<String> {
    vec![
        e.channel.clone(),
        e.key.clone(),
        e.state.to_string(),
        e.lead_id.clone().unwrap_or_default(),
        day(e.updated_at),
        e.input.clone().unwrap_or_default(),
        e.row.map(|r| r.to_string()).unwrap_or_default(),
        e.via.clone().unwrap_or_default(),
    ]
}

fn day(at: i64) -> String {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(at.max(0) as u64);
    crate::time::format_rfc3339(t)
}

/// Each entry the filter selects, to `each`; an output error (a closed pipe) is returned as such.
fn stream(
    ledger: &Ledger,
    filter: &Filter,
    mut each: impl FnMut(Entry) -> std::io::Result<()>,
) -> Result<()> {
    let mut failed: Option<std::io::Error> = None;
    ledger
        .for_each(filter, &mut |e| {
            each(e).map_err(|err| {
                let text = err.to_string();
                failed = Some(err);
                text
            })
        })
        .map_err(|f| match failed.take() {
            Some(io) => anyhow::Error::new(io),
            None => f.into(),
        })
}

fn list(ledger: &Ledger, filter: &Filter, out: &mut Output) -> Result<()> {
    let mut table: Vec<Vec<String>> = Vec::new();
    let mut items = ItemStream::new(&LIST_COLUMNS);
    // `--state unknown` is every key a run would report unknown: the claims (`sending`) of
    // runs that are not alive too, read first (the ledger is not asked while it is read).
    let dead_claims: Vec<Entry> = if filter.state == Some(State::Unknown) {
        let mut claims = Vec::new();
        let sending = Filter {
            state: Some(State::Sending),
            ..filter.clone()
        };
        ledger.for_each(&sending, &mut |e| {
            claims.push(e);
            Ok(())
        })?;
        claims.retain(|e| !ledger.claim_is_live(&e.api_url, e));
        claims
    } else {
        Vec::new()
    };
    let mut extra = dead_claims.into_iter();
    let mut emit = |e: Entry| -> std::io::Result<()> {
        if !items.item(out, &e, || cells(&e), e.lead_id.as_deref())? {
            table.push(cells(&e));
        }
        Ok(())
    };
    stream(ledger, filter, &mut emit)?;
    extra.try_for_each(&mut emit)?;
    items.finish(out)?;
    match out.format {
        OutputFormat::Table if table.is_empty() => out.text("no keys match")?,
        OutputFormat::Table => out.text(&crate::output::columns(Some(&LIST_COLUMNS), &table))?,
        _ => {}
    }
    out.flush()?;
    Ok(())
}

fn export(ledger: &Ledger, filter: &Filter, out: &mut Output) -> Result<()> {
    stream(ledger, filter, |e| out.ndjson_item(&e))?;
    out.flush()?;
    Ok(())
}

fn forget(settings: &Settings, ledger: &Ledger, args: &LedgerForgetArgs) -> Result<()> {
    let mut filter = filter(settings, &args.filter);
    filter.keys = args.keys.iter().map(|k| k.trim().to_string()).collect();
    if filter.keys.is_empty() && filter.channel.is_none() && filter.state.is_none() {
        return Err(Failure::usage(
            "say what to forget: KEY..., --channel UUID and/or --state STATE",
        )
        .with_hint("`leadctl ledger list` shows the keys; forgetting all of a channel's keys: --channel UUID")
        .into());
    }
    let mut n = 0u64;
    ledger.for_each(&filter, &mut |_| {
        n += 1;
        Ok(())
    })?;
    let log = settings.log();
    if n == 0 {
        log.notice("no keys match: nothing forgotten");
        return Ok(());
    }
    let what = describe(&filter, n);
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            return Err(Failure::usage(format!("forgetting {what} needs --yes (stdin is not a terminal)"))
                .with_hint("the next import or create sends forgotten keys again (unless their leads are among the channel's newest): check `leadctl ledger list` first")
                .into());
        }
        let mut err = std::io::stderr().lock();
        write!(
            err,
            "leadctl: forget {what}? The next import or create sends them again unless their leads \
             are among the channel's newest. [y/N] "
        )?;
        err.flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
            log.notice("nothing forgotten");
            return Ok(());
        }
    }
    let gone = ledger.forget(&filter)?;
    log.notice(&format!("forgot {}", describe(&filter, gone)));
    Ok(())
}

fn describe(f: &Filter, n: u64) -> String {
    let mut text = format!("{n} {}", if n == 1 { "key" } else { "keys" });
    if let Some(s) = f.state {
        text.push_str(&format!(" in state {s}"));
    }
    if let Some(c) = &f.channel {
        text.push_str(&format!(" of channel {c}"));
    }
    if let Some(u) = &f.api_url {
        text.push_str(&format!(" at {u}"));
    }
    text
}

/// Entries per transaction when importing.
const BATCH: usize = 2000;

fn import(settings: &Settings, ledger: &Ledger, args: &LedgerImportArgs) -> Result<()> {
    let name = args.file.display().to_string();
    let reader: Box<dyn BufRead> = if name == "-" {
        Box::new(std::io::BufReader::new(std::io::stdin()))
    } else {
        let f = std::fs::File::open(&args.file)
            .map_err(|e| Failure::input(format!("cannot open {name}: {e}")))?;
        Box::new(std::io::BufReader::new(f))
    };
    // Check every line first: a bad line writes nothing.
    let mut entries = Vec::new();
    for (i, line) in reader.lines().enumerate() {
        let line = line.with_context(|| format!("reading {name}"))?;
        if line.trim().is_empty() {
            continue;
        }
        let e: Entry = serde_json::from_str(&line).map_err(|e| {
            Failure::input(format!("{name}, line {}: not a ledger entry ({e})", i + 1))
                .with_hint("the file must be what `leadctl ledger export` wrote")
        })?;
        if e.hash != identity::hash_fields(&e.fields) {
            return Err(Failure::input(format!(
                "{name}, line {}: the fields do not match their hash (the line was edited)",
                i + 1
            ))
            .into());
        }
        entries.push(e);
    }
    let total = entries.len();
    for chunk in entries.chunks(BATCH) {
        let ops: Vec<Op> = chunk.iter().cloned().map(Op::Put).collect();
        ledger.apply_all(&ops)?;
    }
    settings.log().notice(&format!(
        "imported {total} {} into the ledger {}",
        if total == 1 { "key" } else { "keys" },
        ledger.location()
    ));
    Ok(())
}
