//! Saying what the column mapping is: problems refused (exit 6), unknown columns listed one per
//! line with the closest field, the mapping said on stderr once, and `--save-mapping` written.

use std::collections::BTreeMap;
use std::path::Path;

use super::mapping::{self, aliases, file, Mapping, Rules, Target};
use super::Options;
use crate::error::Failure;
use crate::log::{quoted, Log};

/// Unknown columns named in a message; a 100,000-column header lists these and a count.
const SHOWN_COLUMNS: usize = 20;

/// Lines of the column mapping said on stderr; the rest are counted.
const SHOWN_MAPPED: usize = 100;

/// Refuses a mapping with problems, or unknown columns unless `--ignore-unknown` (then they are
/// left out, said once in the mapping).
pub fn check(
    m: &mut Mapping,
    args: &Options,
    property_names: &BTreeMap<String, String>,
    name: &str,
    log: &Log,
) -> Result<(), Failure> {
    if !m.errors.is_empty() {
        return Err(Failure::input(format!(
            "{name}: the columns cannot be mapped:\n  {}",
            m.errors.join("\n  ")
        ))
        .with_hint("`leadctl help columns` lists the column names leadctl recognises"));
    }
    for note in &m.notes {
        log.notice(note);
    }
    if m.unknown.is_empty() {
        return Ok(());
    }
    if args.ignore_unknown {
        for (index, header) in m.unknown.drain(..) {
            m.columns.push(mapping::Column::new(
                index,
                header,
                Target::Ignore,
                "--ignore-unknown",
            ));
        }
        m.columns.sort_by_key(|c| c.index);
        return Ok(());
    }
    let names: Vec<&str> = property_names.values().map(String::as_str).collect();
    let mut listed: Vec<String> = m
        .unknown
        .iter()
        .take(SHOWN_COLUMNS)
        .map(|(i, h)| {
            let closest = aliases::closest(h, &names)
                .map(|c| format!(": did you mean {c}?"))
                .unwrap_or_default();
            format!("{} (column {}){closest}", quoted(h), i + 1)
        })
        .collect();
    if m.unknown.len() > SHOWN_COLUMNS {
        listed.push(format!("... and {} more", m.unknown.len() - SHOWN_COLUMNS));
    }
    let props = if names.is_empty() {
        String::new()
    } else {
        format!(
            "\nthe channel's properties: {}",
            names
                .iter()
                .map(|n| quoted(n))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    Err(Failure::input(format!(
        "{name}: {} no lead field:\n  {}\nknown fields: {}, channel_id, status{props}",
        match m.unknown.len() {
            1 => "1 column matches".to_string(),
            n => format!("{n} columns match"),
        },
        listed.join("\n  "),
        mapping::FIELDS.join(", ")
    ))
    .with_hint(
        "map them with --map 'COLUMN=FIELD' (FIELD may be property:NAME or ignore), or pass \
         --ignore-unknown; `leadctl help columns` lists the names leadctl recognises",
    ))
}

/// The column mapping on stderr, one column a line, with why a column is left out.
pub fn report(m: &Mapping, log: &Log) {
    let lines = m.columns.iter().map(|c| {
        let header = if c.header.trim().is_empty() {
            format!("(column {}, no header)", c.index + 1)
        } else {
            c.header.clone()
        };
        (header, described(c))
    });
    say_mapping(lines, log);
}

/// "column mapping:" and one aligned `HEADER → WHAT` line per column (the first
/// `SHOWN_MAPPED`, then a count): the lead import's and the purchase import's.
pub fn say_mapping(lines: impl Iterator<Item = (String, String)>, log: &Log) {
    if log.quiet() {
        return;
    }
    let lines: Vec<(String, String)> = lines.collect();
    let total = lines.len();
    // Aligned to the widest header of them all (at most 40), as shown or not.
    let width = lines
        .iter()
        .map(|(h, _)| h.chars().count())
        .max()
        .unwrap_or(0)
        .min(40);
    let mut text = String::from("column mapping:");
    for (header, what) in lines.iter().take(SHOWN_MAPPED) {
        text.push_str(&format!("\n  {:<width$} → {what}", crate::log::cut(header)));
    }
    if total > SHOWN_MAPPED {
        text.push_str(&format!(
            "\n  ... and {}",
            crate::log::counted(total - SHOWN_MAPPED, "more column", "more columns")
        ));
    }
    log.notice(&text);
}

/// "email", "ignored (a status: ...)", "phone where "Phone Number" is empty", "source = "HubSpot"".
fn described(c: &mapping::Column) -> String {
    let extra = c.extra.as_deref();
    let constant = extra.and_then(|e| e.constant.as_deref());
    if c.is_constant_only() {
        return format!(
            "{} = {} (--set)",
            c.target.describe(),
            quoted(constant.unwrap_or(""))
        );
    }
    let mut text = match (c.how, c.note()) {
        ("stand-in", Some(note)) => note.to_string(),
        (_, Some(note)) => format!("ignored ({note})"),
        ("name" | "alias" | "property name", None) => c.target.describe(),
        ("--ignore-unknown", None) => "ignored (unknown; --ignore-unknown)".to_string(),
        (how, None) => format!("{} ({how})", c.target.describe()),
    };
    if let Some(e) = extra {
        if let Some(v) = &e.values {
            text.push_str(&format!(
                ", {}",
                crate::log::counted(v.pairs.len(), "value mapped", "values mapped")
            ));
        }
        if !e.stand_ins.is_empty() {
            let names: Vec<String> = e.stand_ins.iter().map(|s| quoted(&s.header)).collect();
            text.push_str(&format!(", else {}", names.join(", else ")));
        }
        if let Some(k) = constant {
            text.push_str(&format!(", else {} (--set)", quoted(k)));
        }
    }
    text
}

/// The mapping this run used (`--save-mapping`), rendered: refused at once when `path` holds
/// something that is not a mapping file; written by [`Saved::write`] once the rows were checked.
pub fn save(
    path: &Path,
    m: &Mapping,
    rules: &Rules,
    args: &Options,
    name: &str,
) -> Result<Saved, Failure> {
    file::may_overwrite(path)?;
    let text = file::render(&file::Saved {
        mapping: m,
        constants: &rules.constants,
        key: args.leads().key,
        // The convention the run read numbers with (flag, mapping file, environment or profile).
        decimal_separator: args.leads().decimal_separator,
        writes: args.leads().mapping.as_ref().map(|f| &f.writes),
        // The header row the run read (flag or mapping file), so the saved file reads it again.
        header_row: args.header_row,
        input: name,
    });
    Ok(Saved {
        path: path.to_path_buf(),
        text,
    })
}

/// A mapping file to write (`--save-mapping`).
#[derive(Debug, Clone)]
pub struct Saved {
    path: std::path::PathBuf,
    text: String,
}

impl Saved {
    /// Writes it, atomically.
    pub fn write(&self, log: &Log) -> Result<(), Failure> {
        let path = &self.path;
        crate::fsutil::write_atomic(path, self.text.as_bytes()).map_err(|e| {
            Failure::config(format!(
                "cannot write the mapping file {}: {e}",
                path.display()
            ))
            .with_hint("choose another path for --save-mapping")
        })?;
        log.notice(&format!(
            "saved the column mapping to {} (use it with --mapping {})",
            path.display(),
            shlex::try_quote(&path.display().to_string()).unwrap_or_default()
        ));
        Ok(())
    }
}
