//! GitHub Actions (`GITHUB_ACTIONS=true`): a run's report as a Markdown job summary (appended to
//! `$GITHUB_STEP_SUMMARY`), workflow annotations on stderr (`::error file=…,line=…::…` for
//! invalid and failed rows, `::warning` for unknown ones, at most [`MAX_ANNOTATIONS`] of each and
//! then one line with the rest's count: GitHub drops the rest) and step outputs (`created=…`,
//! `failed=…`, `report=…` appended to `$GITHUB_OUTPUT`). Pure text from the report document.
//!
//! Escaping follows GitHub's runner (`CommandExtensions`): in a message `%`, CR and LF become
//! `%25`, `%0D`, `%0A`; in a property (`file=`, `title=`) also `:` and `,` (`%3A`, `%2C`).

use std::path::PathBuf;

use serde_json::Value;

/// Where GitHub Actions reads a step's summary and outputs (`GITHUB_STEP_SUMMARY`,
/// `GITHUB_OUTPUT`); present when `GITHUB_ACTIONS=true`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Actions {
    pub step_summary: Option<PathBuf>,
    pub output: Option<PathBuf>,
}

impl Actions {
    /// From the environment (`get` reads a variable): None unless `GITHUB_ACTIONS=true`.
    pub fn from_env<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Option<Actions> {
        if get("GITHUB_ACTIONS") != Some("true") {
            return None;
        }
        let path = |k: &str| get(k).filter(|v| !v.trim().is_empty()).map(PathBuf::from);
        Some(Actions {
            step_summary: path("GITHUB_STEP_SUMMARY"),
            output: path("GITHUB_OUTPUT"),
        })
    }
}

/// Annotations of each kind shown at most (GitHub shows 10 per step and kind).
pub const MAX_ANNOTATIONS: usize = 10;

/// Rows needing attention listed in the job summary.
const SUMMARY_ROWS: usize = 10;

/// A message's text for a workflow command.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property's value (`file=`, `title=`) for a workflow command.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn count(doc: &Value, name: &str) -> u64 {
    doc["counts"][name].as_u64().unwrap_or(0)
}

fn rows(doc: &Value) -> &[Value] {
    doc["attention"]["rows"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// The annotations of a run: `file` is the input as the workflow names it (a path relative to
/// the repository) and the line of its header (a row's line is the header's plus its number),
/// None for stdin or `create`.
pub fn annotations(doc: &Value, file: Option<(&str, u64)>) -> Vec<String> {
    let mut lines = Vec::new();
    let errors_file = doc["errors_file"]["path"].as_str();
    for (kind, outcomes, total) in [
        (
            "error",
            &["invalid", "failed"][..],
            count(doc, "invalid") + count(doc, "failed"),
        ),
        ("warning", &["unknown"][..], count(doc, "unknown")),
    ] {
        let of_kind: Vec<&Value> = rows(doc)
            .iter()
            .filter(|r| outcomes.contains(&r["outcome"].as_str().unwrap_or("")))
            .collect();
        for r in of_kind.iter().take(MAX_ANNOTATIONS) {
            let row = r["row"].as_u64().unwrap_or(0);
            let outcome = r["outcome"].as_str().unwrap_or("");
            let mut message = format!("row {row}: {outcome}");
            if let Some(key) = r["key"].as_str() {
                message.push_str(&format!(" ({key})"));
            }
            if let Some(m) = r["message"].as_str().filter(|m| !m.is_empty()) {
                message.push_str(&format!(": {m}"));
            }
            lines.push(format!(
                "::{kind} {}title={}::{}",
                place(file, Some(row)),
                escape_property(&format!("leadctl: {outcome} row")),
                escape_data(&message)
            ));
        }
        let shown = of_kind.len().min(MAX_ANNOTATIONS) as u64;
        if total > shown {
            let first_left = of_kind.get(MAX_ANNOTATIONS).and_then(|r| r["row"].as_u64());
            let what = if kind == "error" {
                "invalid or failed"
            } else {
                "unknown"
            };
            let mut message = format!("{} more {what} row(s) not shown", total - shown);
            if let Some(path) = errors_file {
                message.push_str(&format!("; the errors file {path} lists them all"));
            }
            lines.push(format!(
                "::{kind} {}title={}::{}",
                place(file, first_left),
                escape_property(&format!("leadctl: {what} rows")),
                escape_data(&message)
            ));
        }
    }
    lines
}

fn place(file: Option<(&str, u64)>, row: Option<u64>) -> String {
    let mut s = String::new();
    if let Some((f, header)) = file {
        s.push_str(&format!("file={},", escape_property(f)));
        if let Some(r) = row {
            s.push_str(&format!("line={},", r + header));
        }
    }
    s
}

/// A cell of a Markdown table: one line, `|` escaped.
fn cell(s: &str) -> String {
    let one_line: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let cut: String = one_line.chars().take(200).collect();
    cut.replace('|', "\\|")
}

/// The job summary of a run, in Markdown.
pub fn summary(doc: &Value, report: Option<&str>) -> String {
    let command = doc["command"].as_str().unwrap_or("run");
    let status = doc["status"].as_str().unwrap_or("");
    let code = doc["exit_code"].as_u64().unwrap_or(0);
    let inputs: Vec<String> = doc["inputs"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|i| i["path"].as_str())
                .map(|p| format!("`{}`", cell(p)))
                .collect()
        })
        .unwrap_or_default();
    let mut md = format!("### leadctl {command}: {status} (exit {code})\n\n");
    if !inputs.is_empty() {
        md.push_str(&format!("Input: {}\n\n", inputs.join(", ")));
    }
    if let Some(e) = doc["error"]["message"].as_str() {
        md.push_str(&format!("> {}\n\n", cell(e)));
    }
    md.push_str("| outcome | rows |\n|---|---:|\n");
    if let Some(counts) = doc["counts"].as_object() {
        for (name, n) in counts {
            let n = n.as_u64().unwrap_or(0);
            if n > 0 || name == "created" || name == "failed" {
                md.push_str(&format!("| {name} | {n} |\n"));
            }
        }
    }
    let rows = rows(doc);
    let total = doc["attention"]["total"].as_u64().unwrap_or(0);
    if !rows.is_empty() {
        let shown = rows.len().min(SUMMARY_ROWS);
        md.push_str(&format!(
            "\n**Rows needing attention** ({})\n\n| row | outcome | key | message |\n|---:|---|---|---|\n",
            if total as usize > shown {
                format!("the first {shown} of {total}")
            } else {
                total.to_string()
            }
        ));
        for r in rows.iter().take(SUMMARY_ROWS) {
            md.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                r["row"].as_u64().unwrap_or(0),
                cell(r["outcome"].as_str().unwrap_or("")),
                cell(r["key"].as_str().unwrap_or("")),
                cell(r["message"].as_str().unwrap_or(""))
            ));
        }
    }
    md.push('\n');
    if let Some(path) = doc["errors_file"]["path"].as_str() {
        md.push_str(&format!(
            "Errors file: `{}` ({} row(s) to fix and import again)\n\n",
            cell(path),
            doc["errors_file"]["rows"].as_u64().unwrap_or(0)
        ));
    }
    if let Some(r) = report {
        md.push_str(&format!("Report: `{}`\n\n", cell(r)));
    }
    md
}

/// The step outputs: one `name=value` line each (values on one line).
pub fn outputs(doc: &Value, report: Option<&str>) -> String {
    let one_line = |s: &str| -> String {
        s.chars()
            .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
            .collect()
    };
    let mut out = String::new();
    if let Some(counts) = doc["counts"].as_object() {
        for (name, n) in counts {
            out.push_str(&format!("{name}={}\n", n.as_u64().unwrap_or(0)));
        }
    }
    out.push_str(&format!(
        "exit_code={}\n",
        doc["exit_code"].as_u64().unwrap_or(0)
    ));
    out.push_str(&format!(
        "status={}\n",
        one_line(doc["status"].as_str().unwrap_or(""))
    ));
    out.push_str(&format!(
        "run_id={}\n",
        one_line(doc["run_id"].as_str().unwrap_or(""))
    ));
    if let Some(path) = doc["errors_file"]["path"].as_str() {
        out.push_str(&format!("errors_file={}\n", one_line(path)));
    }
    if let Some(r) = report {
        out.push_str(&format!("report={}\n", one_line(r)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_and_properties_are_escaped_as_the_runner_reads_them() {
        assert_eq!(escape_data("50% off\r\nnext"), "50%25 off%0D%0Anext");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    #[test]
    fn at_most_ten_of_each_kind_then_one_count_line() {
        let rows: Vec<Value> = (2..=14)
            .map(|row| serde_json::json!({"row": row, "key": null, "outcome": "failed", "message": "bad: x, y"}))
            .chain([serde_json::json!({"row": 20, "key": "email:a@x.example", "outcome": "unknown", "message": "timeout"})])
            .collect();
        let doc = serde_json::json!({
            "counts": {"failed": 13, "unknown": 1, "invalid": 0},
            "attention": {"total": 14, "rows": rows},
            "errors_file": {"path": "in.csv.errors.csv", "rows": 14},
        });
        let lines = annotations(&doc, Some(("data/in,1.csv", 1)));
        assert_eq!(lines.len(), 12);
        assert_eq!(
            lines[0],
            "::error file=data/in%2C1.csv,line=3,title=leadctl%3A failed row::row 2: failed: bad: x, y"
        );
        assert_eq!(
            lines[10],
            "::error file=data/in%2C1.csv,line=13,title=leadctl%3A invalid or failed rows::3 more \
             invalid or failed row(s) not shown; the errors file in.csv.errors.csv lists them all"
        );
        assert_eq!(
            lines[11],
            "::warning file=data/in%2C1.csv,line=21,title=leadctl%3A unknown row::row 20: unknown \
             (email:a@x.example): timeout"
        );
    }
}
