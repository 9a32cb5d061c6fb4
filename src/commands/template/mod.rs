//! `leadctl template`: a file to start an import from, its header naming every lead field and
//! the channel's properties (the names `import` maps), as CSV or as an .xlsx whose select
//! properties get a drop-down of their options (`xlsx`).

mod xlsx;

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::Path;

use anyhow::{Context, Result};

use crate::api::models::{Channel, PropertyDefinition};
use crate::cli::TemplateArgs;
use crate::error::Failure;
use crate::import::mapping::{self, Target};
use crate::output::{Output, OutputFormat};
use crate::settings::Settings;

/// One column of the template.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub header: String,
    /// A lead field: text in a workbook (leading zeros and long numbers kept as typed).
    pub text: bool,
    /// The options of a select property, when its definition lists them.
    pub options: Vec<String>,
}

/// Lead fields as the template names them (each maps back to its field by name or alias).
const FIELD_HEADERS: &[(&str, &str)] = &[
    ("email", "Email"),
    ("first_name", "First Name"),
    ("last_name", "Last Name"),
    ("phone", "Phone"),
    ("company_name", "Company"),
    ("source", "Source"),
    ("employee", "Employee"),
    ("notes", "Notes"),
    ("business_id", "Business ID"),
];

pub fn run(settings: &Settings, args: &TemplateArgs, out: &mut Output) -> Result<()> {
    let xlsx = match out.format {
        OutputFormat::Xlsx => true,
        OutputFormat::Csv => false,
        // No -o csv|xlsx: the file's name decides.
        _ => args.file.as_deref().is_some_and(|p| {
            p.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
        }),
    };
    if let Some(path) = &args.file {
        if std::fs::symlink_metadata(path).is_ok() {
            return Err(Failure::usage(format!(
                "{} exists already; leadctl template never overwrites a file",
                path.display()
            ))
            .with_hint("choose another name, or remove the file first")
            .into());
        }
    } else if xlsx && std::io::stdout().is_terminal() {
        return Err(Failure::usage("an .xlsx workbook is not for a terminal")
            .with_hint("name a FILE (leadctl template -o xlsx leads.xlsx) or redirect stdout")
            .into());
    }
    let wanted = settings.require_channel(args.channel.as_deref())?;
    settings.require_key()?;
    let channels = settings
        .client()?
        .get_channels()
        .context("reading the channel's property definitions (get_channels)")?;
    let channel = crate::lead::names::channel(&channels, &wanted.value)?;
    let columns = columns(channel);
    let bytes = if xlsx {
        xlsx::template(&columns)?
    } else {
        // `> leads.csv` is a file too: a BOM wherever Excel may open it, none on a terminal.
        csv_template(
            &columns,
            args.file.is_some() || !std::io::stdout().is_terminal(),
        )?
    };
    let log = settings.log();
    match &args.file {
        Some(path) => {
            write_new(path, &bytes)?;
            log.notice(&format!(
                "wrote {} ({} columns for channel {}): fill in the rows, then `leadctl import {}`",
                path.display(),
                columns.len(),
                channel.label(),
                shlex::try_quote(&path.display().to_string())
                    .map(|q| q.into_owned())
                    .unwrap_or_else(|_| path.display().to_string())
            ));
        }
        None => {
            out.raw_bytes(&bytes)?;
        }
    }
    Ok(())
}

/// Every lead field, then the channel's properties by name (as `property:NAME` when the name is
/// also a lead field's or a column leadctl reserves, so it still maps to the property).
pub fn columns(channel: &Channel) -> Vec<Column> {
    let mut columns: Vec<Column> = FIELD_HEADERS
        .iter()
        .map(|(_, header)| Column {
            header: header.to_string(),
            text: true,
            options: Vec::new(),
        })
        .collect();
    let names: BTreeMap<String, String> = channel
        .property_definitions
        .iter()
        .filter_map(|d| d.name.clone())
        .map(|n| (mapping::normalize(&n), n))
        .collect();
    for d in &channel.property_definitions {
        let Some(name) = d.name.as_deref().filter(|n| !n.trim().is_empty()) else {
            continue;
        };
        let plain = mapping::map_headers(&[name.to_string()], &[], &names);
        let maps_to_it = plain
            .columns
            .first()
            .is_some_and(|c| matches!(&c.target, Target::Property(p) if p == name));
        let header = if maps_to_it {
            name.to_string()
        } else {
            format!("property:{name}")
        };
        columns.push(Column {
            header,
            text: false,
            options: select_options(d),
        });
    }
    columns
}

/// The options a select property's definition lists (`options`: strings, or objects with a
/// `value`, `name` or `label`), read tolerantly: the documented `get_channels` answer has none.
fn select_options(d: &PropertyDefinition) -> Vec<String> {
    // The one reading of a definition's `options` (`api::models`), the spelling that is sent.
    d.options()
        .map(|list| list.into_iter().map(|o| o.value).collect())
        .unwrap_or_default()
}

/// The header row as CSV; with a BOM in a file or a pipe, so Excel opens it as UTF-8.
fn csv_template(columns: &[Column], bom: bool) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    if bom {
        out.extend_from_slice(b"\xEF\xBB\xBF");
    }
    let mut w = csv::Writer::from_writer(&mut out);
    w.write_record(columns.iter().map(|c| c.header.as_str()))?;
    w.flush()?;
    drop(w);
    Ok(out)
}

/// Writes a file that must not exist yet (created exclusively, so a file made meanwhile is not
/// overwritten either).
fn write_new(path: &Path, bytes: &[u8]) -> Result<()> {
    let fail = |e: std::io::Error| {
        Failure::input(format!("cannot write {}: {e}", path.display()))
            .with_hint("check the folder exists and is writable")
    };
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(fail)?;
    file.write_all(bytes).map_err(fail)?;
    file.sync_all().map_err(fail)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn channel(props: serde_json::Value) -> Channel {
        serde_json::from_value(serde_json::json!({
            "id": "a1b2c3d4-e5f6-7890-abcd-ef1234567890", "title": "Acme",
            "property_definitions": props
        }))
        .unwrap()
    }

    #[test]
    fn fields_then_properties_each_mapping_back() {
        let ch = channel(serde_json::json!([
            {"id": "p1", "name": "Deal size", "type": "number"},
            {"id": "p2", "name": "Region", "type": "select",
             "options": ["EMEA", {"value": "NA", "label": "North America"}, {"name": "APAC"}, 7, null]},
            {"id": "p3", "name": "Source", "type": "text"},
            {"id": "p4", "name": " "}
        ]));
        let cols = columns(&ch);
        let headers: Vec<&str> = cols.iter().map(|c| c.header.as_str()).collect();
        assert_eq!(
            headers,
            [
                "Email",
                "First Name",
                "Last Name",
                "Phone",
                "Company",
                "Source",
                "Employee",
                "Notes",
                "Business ID",
                "Deal size",
                "Region",
                "property:Source"
            ]
        );
        assert_eq!(cols[10].options, ["EMEA", "NA", "APAC", "7"]);
        assert!(cols[0].text && !cols[9].text);
        // Every header maps back to what it stands for.
        let names: BTreeMap<String, String> = ["Deal size", "Region", "Source"]
            .iter()
            .map(|n| (mapping::normalize(n), n.to_string()))
            .collect();
        let headers: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
        let m = mapping::map_headers(&headers, &[], &names);
        assert!(m.unknown.is_empty() && m.errors.is_empty(), "{m:?}");
        let fields: Vec<String> = FIELD_HEADERS.iter().map(|(f, _)| f.to_string()).collect();
        assert_eq!(fields, crate::api::models::LEAD_FIELDS);
    }
}
