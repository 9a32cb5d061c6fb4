//! Checking a file whole before anything is sent: every row built and keyed, every problem
//! listed by row and column; values that repeat across rows; the dry run's bodies.

use std::collections::BTreeMap;

use anyhow::Result;

use super::read::{self, Row, Rows};
use super::validate::{self, Duplicates, Plan, Problem};
use super::{fmt_count, order, Options};
use crate::api::models::{ActionBody, NewLead};
use crate::error::Failure;
use crate::identity::{self, KeyKind};
use crate::log::Log;
use crate::output::stream::ItemStream;
use crate::output::Output;
use crate::output::OutputFormat;

/// What a full check of the rows found.
#[derive(Default)]
pub struct Checked {
    pub total: u64,
    pub valid: u64,
    pub problems: Vec<Problem>,
    pub invalid_rows: Vec<u64>,
    /// Rows in the input, in this shard or not.
    pub seen: u64,
    /// The report footer left out at the end, if there was one.
    pub footer: Option<read::Footer>,
    /// The lead keys that may repeat in the input (`None`: any may; not checked for repeats).
    pub repeats: Option<validate::Repeats>,
}

/// Reads every row, building each body; `each` gets the valid ones. A read error that ends the
/// file (an unterminated quote) is returned as a problem of its own.
pub fn check_rows(
    rows: &mut Rows,
    plan: &Plan,
    name: &str,
    shard: Option<(u64, u64)>,
    key: Option<KeyKind>,
    each: impl FnMut(&Row, NewLead) -> Result<()>,
) -> Result<Checked> {
    let build = |row: &Row| {
        super::status::build(plan, row).and_then(|(lead, _)| {
            // Only a forced key kind can be missing (the default rule always finds one).
            if key.is_none() {
                return Ok(lead);
            }
            let fields = identity::fields_of(&lead);
            match identity::key_of(&lead, &fields, key) {
                Ok(_) => Ok(lead),
                Err(why) => Err(vec![Problem {
                    row: row.number,
                    line: row.line,
                    column: None,
                    message: why,
                    sheet: row.sheet.clone(),
                }]),
            }
        })
    };
    check_with(rows, name, shard, build, each)
}

/// As `check_rows`, for rows built by `build` (a lead import's, or a purchase import's).
pub fn check_with<T>(
    rows: &mut Rows,
    name: &str,
    shard: Option<(u64, u64)>,
    mut build: impl FnMut(&Row) -> Result<T, Vec<Problem>>,
    mut each: impl FnMut(&Row, T) -> Result<()>,
) -> Result<Checked> {
    let mut checked = Checked::default();
    let mut last_row = 0;
    let sheet = rows.sheet();
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
                    sheet: sheet.clone(),
                });
                checked.invalid_rows.push(last_row + 1);
                break;
            }
        };
        last_row = row.number;
        checked.seen += 1;
        if !order::in_shard(row.number, shard) {
            continue;
        }
        checked.total += 1;
        let built = build(row);
        match built {
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
    checked.footer = rows.footer().cloned();
    Ok(checked)
}

/// `would`: what a valid row comes to, one and many (`flow::Words::would`).
pub fn dry_run_done(checked: &Checked, format: OutputFormat, log: &Log, would: (&str, &str)) {
    let hint = if matches!(format, OutputFormat::Ndjson | OutputFormat::Json) {
        ""
    } else {
        " (-o ndjson prints the request bodies)"
    };
    log.notice(&format!(
        "dry run: {} {}; nothing was sent{hint}",
        fmt_count(checked.valid),
        match checked.valid == 1 {
            true => would.0,
            false => would.1,
        }
    ));
}

/// Says how many rows were checked; stops (exit 6) on invalid rows unless `--skip-invalid`.
pub fn report_checked(
    checked: &Checked,
    args: &Options,
    name: &str,
    log: &Log,
) -> Result<(), Failure> {
    let invalid = checked.invalid_rows.len() as u64;
    if let Some(f) = &checked.footer {
        log.notice(&format!("{name}: {}", f.note()));
    }
    log.notice(&format!(
        "{name}: {} row(s) checked: {} valid, {} invalid",
        fmt_count(checked.total),
        fmt_count(checked.valid),
        fmt_count(invalid)
    ));
    if checked.total == 0 && invalid == 0 && checked.seen > 0 {
        if let Some((k, n)) = args.shard {
            log.notice(&format!(
                "shard {k}/{n} holds no rows of {name} (it has {}): nothing to do",
                fmt_count(checked.seen)
            ));
            return Ok(());
        }
    }
    if checked.total == 0 && invalid == 0 && args.query.is_some() {
        // An incremental query often finds nothing new: that is a finished run.
        log.notice(&format!("{name} returned no rows: nothing to do"));
        return Ok(());
    }
    if checked.total == 0 && invalid == 0 {
        return Err(Failure::input(format!(
            "{name} has a header but no rows: nothing to import"
        )));
    }
    if invalid == 0 {
        return Ok(());
    }
    // Problems of one kind met on many rows are said once (validate::grouped).
    let list = validate::grouped::listed(&checked.problems).join("\n  ");
    if args.skip_invalid {
        log.warn(&format!(
            "skipping {} invalid {} (--skip-invalid):\n  {list}",
            fmt_count(invalid),
            if invalid == 1 { "row" } else { "rows" }
        ));
        return Ok(());
    }
    Err(Failure::input(format!(
        "{} of {} {} invalid, so nothing was sent:\n  {list}",
        fmt_count(invalid),
        fmt_count(checked.total),
        match (checked.total, invalid) {
            (1, _) => "row is",
            (_, 1) => "rows is",
            _ => "rows are",
        }
    ))
    .with_hint("fix those rows and run the same command again, or pass --skip-invalid to send the valid rows"))
}

/// Re-reads the file for the values flagged as possible repeats and warns with their rows.
pub fn report_duplicates(
    mut rows: Rows,
    plan: &Plan,
    name: &str,
    dups: &Duplicates,
    shard: Option<(u64, u64)>,
    key: Option<KeyKind>,
    log: &Log,
) -> Result<()> {
    let mut seen: BTreeMap<(&'static str, String), Vec<u64>> = BTreeMap::new();
    check_rows(&mut rows, plan, name, shard, key, |row, lead| {
        validate::duplicate_keys(&lead, |key, value| {
            if dups.is_candidate(key, value) {
                let shown = key.normalized(value)[2..].to_string();
                seen.entry((key.label(), shown))
                    .or_default()
                    .push(row.number);
            }
        });
        Ok(())
    })?;
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
            format!(
                "{kind} {} in rows {}{more}",
                crate::log::quoted(&value),
                shown.join(", ")
            )
        })
        .collect();
    if !repeats.is_empty() {
        log.warn(&format!(
            "{} more than once in the file (a lead's key is its business id, else \
             its email: rows with the same key become one lead, the later ones `duplicate`):\n  {}",
            match repeats.len() {
                1 => "1 value appears".to_string(),
                n => format!("{n} values appear"),
            },
            repeats.join("\n  ")
        ));
    }
    Ok(())
}

/// Prints request bodies as they come: one per line (ndjson) or a streamed JSON array (json);
/// nothing in the other formats (`output::stream`).
pub struct BodyPrinter<'a> {
    out: &'a mut Output,
    stream: ItemStream,
}

impl<'a> BodyPrinter<'a> {
    pub fn new(out: &'a mut Output) -> BodyPrinter<'a> {
        BodyPrinter {
            out,
            stream: ItemStream::new(&[]),
        }
    }

    pub fn print(&mut self, lead: &NewLead) -> Result<()> {
        self.print_body("create_lead", lead)
    }

    /// One request body of `action`.
    pub fn print_body<T: serde::Serialize>(&mut self, action: &str, fields: &T) -> Result<()> {
        if matches!(self.out.format, OutputFormat::Ndjson | OutputFormat::Json) {
            let body = ActionBody { action, fields };
            self.stream.item(self.out, &body, Vec::new, None)?;
        }
        Ok(())
    }

    /// One item as it is (a result line, a built body).
    pub fn print_item<T: serde::Serialize>(&mut self, item: &T) -> Result<()> {
        if matches!(self.out.format, OutputFormat::Ndjson | OutputFormat::Json) {
            self.stream.item(self.out, item, Vec::new, None)?;
        }
        Ok(())
    }

    pub fn finish(mut self) -> Result<()> {
        if self.out.format == OutputFormat::Json {
            self.stream.finish(self.out)?;
        }
        self.out.flush()?;
        Ok(())
    }
}
