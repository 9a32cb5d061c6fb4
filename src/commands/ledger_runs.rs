//! `leadctl ledger runs [-n N]` and `ledger runs show ID`: the run history the ledger keeps
//! (`ledger::runs`), listed newest first, or one run's report as `--report` wrote it.

use anyhow::Result;
use serde_json::{json, Value};

use crate::cli::{LedgerRunsArgs, LedgerRunsCommand};
use crate::error::Failure;
use crate::ledger::runs::time_of;
use crate::ledger::{Ledger, RunRecord};
use crate::output::{Output, OutputFormat};

const COLUMNS: [&str; 8] = [
    "id", "started", "seconds", "host", "command", "exit", "counts", "inputs",
];

pub fn runs(ledger: &Ledger, args: &LedgerRunsArgs, out: &mut Output) -> Result<()> {
    if let Some(LedgerRunsCommand::Show { id }) = &args.show {
        return show(ledger, id, out);
    }
    let runs = ledger.runs(args.limit)?;
    match out.format {
        OutputFormat::Json => {
            let items: Vec<Value> = runs.iter().map(listed).collect();
            out.json_value(&Value::Array(items))?;
        }
        OutputFormat::Ndjson => {
            for r in &runs {
                out.ndjson_item(&listed(r))?;
            }
        }
        OutputFormat::Id => {
            for r in &runs {
                out.text(&r.id)?;
            }
        }
        OutputFormat::Csv => {
            let rows: Vec<Vec<String>> = runs.iter().map(|r| cells(r, false)).collect();
            out.csv_rows(&COLUMNS, &rows)?;
        }
        OutputFormat::Table | OutputFormat::Xlsx => {
            if runs.is_empty() {
                out.text(&format!(
                    "no runs are recorded in the ledger {}",
                    ledger.location()
                ))?;
            } else {
                let rows: Vec<Vec<String>> = runs.iter().map(|r| cells(r, true)).collect();
                out.text(&crate::output::columns(Some(&COLUMNS), &rows))?;
            }
        }
    }
    out.flush()?;
    Ok(())
}

/// One run's report, as `--report` wrote it.
fn show(ledger: &Ledger, id: &str, out: &mut Output) -> Result<()> {
    let id = id.trim();
    if id.is_empty() {
        return Err(Failure::usage("ledger runs show needs a run id")
            .with_hint("`leadctl ledger runs` lists them")
            .into());
    }
    let found = ledger.runs_by_id(id)?;
    match found.as_slice() {
        [] => Err(Failure::input(format!(
            "no run with an id starting {} is recorded in the ledger {}",
            crate::log::quoted(id),
            ledger.location()
        ))
        .with_hint("`leadctl ledger runs` lists the recorded runs (the newest 1000, 90 days)")
        .into()),
        [run] => {
            if out.format == OutputFormat::Ndjson {
                out.ndjson_item(&run.report)?;
            } else {
                out.json_value(&run.report)?;
            }
            out.flush()?;
            Ok(())
        }
        many => Err(Failure::usage(format!(
            "{} runs have an id starting {}: {}",
            many.len(),
            crate::log::quoted(id),
            many.iter()
                .map(|r| r.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .with_hint("give more of the id")
        .into()),
    }
}

fn listed(r: &RunRecord) -> Value {
    json!({
        "id": r.id,
        "started_at": crate::time::format_rfc3339(time_of(r.started_at)),
        "ended_at": crate::time::format_rfc3339(time_of(r.ended_at)),
        "host": r.host,
        "command": r.command,
        "exit_code": r.exit_code,
        "inputs": r.inputs,
        "counts": r.counts,
    })
}

/// A run's cells; `short` gives the id's first 8 characters (enough for `runs show`).
fn cells(r: &RunRecord, short: bool) -> Vec<String> {
    let counts = match &r.counts {
        Value::Object(m) => m
            .iter()
            .filter(|(_, n)| n.as_u64().is_some_and(|n| n > 0))
            .map(|(k, n)| format!("{n} {k}"))
            .collect::<Vec<_>>()
            .join(", "),
        _ => String::new(),
    };
    let inputs = match &r.inputs {
        Value::Array(a) => a
            .iter()
            .filter_map(|i| i.get("name").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(", "),
        _ => String::new(),
    };
    let id = if short {
        r.id.chars().take(8).collect()
    } else {
        r.id.clone()
    };
    vec![
        id,
        crate::time::format_rfc3339(time_of(r.started_at)),
        format!("{:.1}", (r.ended_at - r.started_at).max(0) as f64 / 1000.0),
        r.host.clone(),
        r.command.clone(),
        r.exit_code.to_string(),
        counts,
        inputs,
    ]
}
