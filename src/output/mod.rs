//! Data on stdout through `Output`, in the one format chosen with `-o` (`OutputFormat`, owned
//! here), built from the API models by `views.rs`. Messages on stderr are `log.rs`'s.
//! Text that came from a server is cleaned of control and bidi characters before a human sees it
//! on a terminal (`log::sanitize`).

use std::io::{self, Write};

mod count;
pub mod results;
pub mod stream;
mod table;
pub mod views;

pub use count::fmt_count;
pub use table::columns;
use table::{detail_table, grid_table, indent, terminal_width};

use serde_json::Value;

use crate::api::models::Lead;
use crate::log::sanitize;

/// The format of data on stdout (`-o`), decided once per run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Human-readable table (default)
    Table,
    /// The API objects as JSON (an array when there are several)
    Json,
    /// One JSON object per line
    Ndjson,
    /// Comma-separated values with a header row
    Csv,
    /// Only the id, one per line
    Id,
    /// An Excel workbook: `leadctl template` only (so not listed with the others)
    #[value(hide = true)]
    Xlsx,
}

/// A table: column names and rows of cells.
#[derive(Debug, Clone, Default)]
pub struct Grid {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Grid {
    pub fn new(columns: &[&str]) -> Grid {
        Grid {
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: Vec::new(),
        }
    }
}

/// What a command has to show, in every shape an output format needs. Built from the API models
/// in `views.rs`; rendered by `Output::view`.
#[derive(Debug, Clone, Default)]
pub struct View {
    /// The objects as the server sent them: `-o json` / `-o ndjson`.
    pub raw: Vec<Value>,
    /// One object (print it as an object, and as a key/value list in table mode), not a list.
    pub single: bool,
    /// `-o id`.
    pub ids: Vec<String>,
    /// `-o table` for lists. On a narrow terminal, columns from `optional` on are dropped
    /// (the last first) before the others are cut short.
    pub table: Grid,
    /// The index of the first column a narrow terminal may drop (the custom properties); `None`:
    /// none may be.
    pub optional: Option<usize>,
    /// `-o csv` (every field; falls back to `table` when it has no columns).
    pub csv: Grid,
    /// `-o table` for a single object: label/value pairs.
    pub detail: Vec<(String, String)>,
    /// Further tables after the detail in table mode (e.g. a channel's statuses).
    pub sections: Vec<(String, Grid)>,
}

/// Data on stdout, in one format.
pub struct Output {
    pub format: OutputFormat,
    out: Box<dyn Write>,
    last_flush: std::time::Instant,
    /// Stdout is a terminal: server text in csv/id/plain output is cleaned like tables are.
    tty: bool,
    /// The terminal's width, which tables are fitted to; `None` (a pipe, a file): tables are
    /// written whole.
    width: Option<u16>,
    /// A table was cut to fit `width` (cells shortened or columns left out).
    cut: bool,
}

impl Output {
    pub fn new(format: OutputFormat, out: Box<dyn Write>) -> Output {
        Output {
            format,
            out,
            last_flush: std::time::Instant::now(),
            tty: false,
            width: None,
            cut: false,
        }
    }

    /// Tables fitted to `width` columns, as on a terminal that wide.
    pub fn with_width(mut self, width: Option<u16>) -> Output {
        self.width = width;
        self
    }

    /// Whether a table was cut to fit the terminal (so `-o json`/`-o csv` would show more).
    pub fn was_cut(&self) -> bool {
        self.cut
    }

    /// Stdout: line by line on a terminal; in blocks into a pipe or file (a write per line
    /// would cost a system call per row of a 200,000-row import), flushed at least every 200 ms
    /// while rows stream, so a consumer still sees progress.
    pub fn stdout(format: OutputFormat) -> Output {
        use std::io::IsTerminal;
        let tty = io::stdout().is_terminal();
        let out: Box<dyn Write> = if tty {
            Box::new(io::LineWriter::new(io::stdout()))
        } else {
            Box::new(io::BufWriter::with_capacity(64 * 1024, io::stdout()))
        };
        Output {
            tty,
            width: if tty { terminal_width() } else { None },
            ..Output::new(format, out)
        }
    }

    /// A cell or line as written: cleaned of control and bidi characters on a terminal, exactly
    /// as given into a pipe or file (where it is data).
    fn clean<'a>(&self, text: &'a str) -> std::borrow::Cow<'a, str> {
        if self.tty {
            std::borrow::Cow::Owned(sanitize(text))
        } else {
            std::borrow::Cow::Borrowed(text)
        }
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.last_flush = std::time::Instant::now();
        self.out.flush()
    }

    /// Flushes when the last flush is 200 ms old (streamed rows).
    fn flush_now_and_then(&mut self) -> io::Result<()> {
        if self.last_flush.elapsed() >= std::time::Duration::from_millis(200) {
            self.flush()?;
        }
        Ok(())
    }

    /// Leads as the chosen format: one lead as a key/value table, several as rows.
    pub fn leads(&mut self, leads: &[Lead]) -> io::Result<()> {
        let view = views::leads(leads, leads.len() == 1);
        self.view(&view)
    }

    pub fn view(&mut self, view: &View) -> io::Result<()> {
        match self.format {
            OutputFormat::Table if view.single => {
                let (mut text, mut cut) = detail_table(&view.detail, self.width);
                for (title, grid) in &view.sections {
                    text.push_str(&format!("\n\n{title}:\n"));
                    let (table, c) =
                        grid_table(grid, None, self.width.map(|w| w.saturating_sub(2)));
                    cut |= c;
                    text.push_str(&indent(&table, "  "));
                }
                self.cut |= cut;
                writeln!(self.out, "{text}")?;
            }
            OutputFormat::Table | OutputFormat::Xlsx => {
                if !view.table.rows.is_empty() {
                    let (table, cut) = grid_table(&view.table, view.optional, self.width);
                    self.cut |= cut;
                    writeln!(self.out, "{table}")?;
                }
            }
            OutputFormat::Json if view.single && view.raw.len() == 1 => {
                self.json_pretty(&view.raw[0])?;
            }
            OutputFormat::Json => self.json_pretty(&view.raw)?,
            OutputFormat::Ndjson => {
                for value in &view.raw {
                    self.json_line(value)?;
                }
            }
            OutputFormat::Csv => {
                let grid = if view.csv.columns.is_empty() {
                    &view.table
                } else {
                    &view.csv
                };
                let tty = self.tty;
                let mut w = csv::Writer::from_writer(&mut self.out);
                w.write_record(&grid.columns)?;
                for row in &grid.rows {
                    if tty {
                        w.write_record(row.iter().map(|c| sanitize(c)))?;
                    } else {
                        w.write_record(row)?;
                    }
                }
                w.flush()?;
            }
            OutputFormat::Id => {
                for id in &view.ids {
                    let id = self.clean(id).into_owned();
                    writeln!(self.out, "{id}")?;
                }
            }
        }
        self.out.flush()
    }

    /// Raw JSON documents (request bodies of a dry run, `leadctl api` answers): an object or an
    /// array, or one per line with `-o ndjson`.
    pub fn json_documents(&mut self, docs: &[Value]) -> io::Result<()> {
        match self.format {
            OutputFormat::Ndjson | OutputFormat::Id | OutputFormat::Csv => {
                for doc in docs {
                    self.json_line(doc)?;
                }
            }
            _ if docs.len() == 1 => self.json_pretty(&docs[0])?,
            _ => self.json_pretty(&docs)?,
        }
        self.out.flush()
    }

    /// One JSON value on its own line (streamed output).
    pub fn ndjson_item<T: serde::Serialize + ?Sized>(&mut self, value: &T) -> io::Result<()> {
        self.json_line(value)?;
        self.flush_now_and_then()
    }

    /// One element of a JSON array written as it goes: `[` before the first, `,` between.
    pub fn array_item<T: serde::Serialize + ?Sized>(
        &mut self,
        value: &T,
        first: bool,
    ) -> io::Result<()> {
        self.out
            .write_all(if first { b"[\n  " } else { b",\n  " })?;
        serde_json::to_writer(&mut self.out, value)?;
        self.flush_now_and_then()
    }

    /// Closes a streamed array (`[]` when it had no element).
    pub fn array_end(&mut self, empty: bool) -> io::Result<()> {
        self.out.write_all(if empty { b"[]\n" } else { b"\n]\n" })?;
        self.out.flush()
    }

    /// Plain lines (ids).
    pub fn lines(&mut self, lines: &[String]) -> io::Result<()> {
        for line in lines {
            let line = self.clean(line).into_owned();
            writeln!(self.out, "{line}")?;
        }
        self.out.flush()
    }

    /// A line of plain text (a path, one value), the same in every format.
    pub fn text(&mut self, text: &str) -> io::Result<()> {
        writeln!(self.out, "{text}")?;
        self.out.flush()
    }

    /// A file's bytes as they are (`leadctl template` to stdout).
    pub fn raw_bytes(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.out.flush()
    }

    /// One JSON document: pretty for `-o json`, one line for every other format.
    pub fn json_value(&mut self, value: &Value) -> io::Result<()> {
        match self.format {
            OutputFormat::Json => self.json_pretty(value)?,
            _ => self.json_line(value)?,
        }
        self.out.flush()
    }

    /// One CSV record (streamed output).
    pub fn csv_line(&mut self, cells: &[&str]) -> io::Result<()> {
        let cells: Vec<String> = cells.iter().map(|c| self.clean(c).into_owned()).collect();
        let mut w = csv::Writer::from_writer(&mut self.out);
        w.write_record(&cells)?;
        w.flush()
    }

    /// Rows with a header as CSV.
    pub fn csv_rows(&mut self, header: &[&str], rows: &[Vec<String>]) -> io::Result<()> {
        let tty = self.tty;
        let mut w = csv::Writer::from_writer(&mut self.out);
        w.write_record(header)?;
        for row in rows {
            if tty {
                w.write_record(row.iter().map(|c| sanitize(c)))?;
            } else {
                w.write_record(row)?;
            }
        }
        w.flush()
    }

    fn json_pretty<T: serde::Serialize + ?Sized>(&mut self, value: &T) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut self.out, value)?;
        writeln!(self.out)
    }

    fn json_line<T: serde::Serialize + ?Sized>(&mut self, value: &T) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, value)?;
        writeln!(self.out)
    }
}

/// A test's stdout: what an [`Output`] wrote, shared with the test that reads it back.
#[cfg(test)]
#[derive(Clone, Default)]
pub(crate) struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

#[cfg(test)]
impl Captured {
    /// What was written, as text.
    pub(crate) fn text(&self) -> String {
        let bytes = self.0.lock().unwrap_or_else(|p| p.into_inner()).clone();
        String::from_utf8(bytes).expect("utf-8")
    }
}

#[cfg(test)]
impl Write for Captured {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    type Buf = Captured;

    fn render(format: OutputFormat, leads: &[Lead]) -> String {
        let buf = Buf::default();
        Output::new(format, Box::new(buf.clone()))
            .leads(leads)
            .unwrap();
        buf.text()
    }

    fn sample(id: &str, email: &str) -> Lead {
        Lead::from_value(json!({"id": id, "email": email, "first_name": "Jane", "status": "New lead",
            "property_values": [{"value": "50000", "property_definitions": {"name": "Deal size"}}]}))
        .unwrap()
    }

    #[test]
    fn each_format() {
        let one = [sample("L1", "jane@example.com")];
        let two = [sample("L1", "a@x.example"), sample("L2", "b@x.example")];
        assert_eq!(
            render(OutputFormat::Table, &one),
            "ID:         L1\nStatus:     New lead\nEmail:      jane@example.com\nFirst name: Jane\nDeal size:  50000\n"
        );
        let rows = render(OutputFormat::Table, &two);
        assert!(rows.starts_with("ID  STATUS    EMAIL        NAME  COMPANY  CREATED  DEAL SIZE\nL1  New lead  a@x.example  Jane"), "{rows}");
        assert_eq!(render(OutputFormat::Id, &two), "L1\nL2\n");
        assert_eq!(render(OutputFormat::Ndjson, &two).lines().count(), 2);
        let json: Value = serde_json::from_str(&render(OutputFormat::Json, &two)).unwrap();
        assert_eq!(json.as_array().map(Vec::len), Some(2));
        let json: Value = serde_json::from_str(&render(OutputFormat::Json, &one)).unwrap();
        assert_eq!(json["id"], "L1");
        let csv = render(OutputFormat::Csv, &one);
        assert!(csv.starts_with("id,created_at,status,email,"), "{csv}");
        assert!(csv.lines().next().unwrap().ends_with(",Deal size"));
        assert!(csv.lines().nth(1).unwrap().ends_with(",50000"));
    }

    #[test]
    fn tables_fit_a_width_cutting_cells_then_dropping_properties() {
        let long = |id: &str| {
            Lead::from_value(json!({"id": id, "email": "someone.with.a.long.address@example.com",
                "first_name": "Jane", "company_name": "Initech Incorporated Worldwide",
                "status": "New lead", "created_at": "2026-04-21T10:00:00.000Z",
                "property_values": [{"value": "50000", "property_definitions": {"name": "Deal size"}},
                                    {"value": "EMEA", "property_definitions": {"name": "Region"}}]}))
            .unwrap()
        };
        let leads = [
            long("9b2f6c1e-3d4a-4b5c-8d7e-1f2a3b4c5d6e"),
            long("0b2f6c1e-3d4a-4b5c-8d7e-1f2a3b4c5d6e"),
        ];
        let fitted = |width: Option<u16>| {
            let buf = Buf::default();
            let mut out = Output::new(OutputFormat::Table, Box::new(buf.clone())).with_width(width);
            out.leads(&leads).unwrap();
            let text = buf.text();
            (text, out.was_cut())
        };
        let (whole, cut) = fitted(None);
        assert!(!cut && !whole.contains('…'));
        assert!(whole.lines().next().unwrap().ends_with("DEAL SIZE  REGION"));
        // Wide enough: as whole.
        assert_eq!(fitted(Some(200)), (whole.clone(), false));
        // Cut with an ellipsis, the id whole, the properties kept while they fit.
        let (text, cut) = fitted(Some(110));
        assert!(cut && text.contains('…'), "{text}");
        assert!(text.lines().all(|l| l.chars().count() <= 110), "{text}");
        assert!(text.contains("9b2f6c1e-3d4a-4b5c-8d7e-1f2a3b4c5d6e"));
        assert!(text.lines().next().unwrap().contains("REGION"), "{text}");
        // Narrower: the last property goes first, then the others; the standard columns stay.
        let (text, _) = fitted(Some(80));
        let header = text.lines().next().unwrap();
        assert!(
            !header.contains("REGION") && header.starts_with("ID "),
            "{text}"
        );
        assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
        assert_eq!(text.lines().count(), 3, "one line per row: {text}");
    }

    #[test]
    fn csv_and_id_output_is_cleaned_on_a_terminal_only() {
        let lead = Lead::from_value(
            json!({"id": "L\u{1b}[2J", "email": "a@x.example", "notes": "x\u{202e}y"}),
        )
        .unwrap();
        for (format, tty, expect_escaped) in [
            (OutputFormat::Csv, true, true),
            (OutputFormat::Id, true, true),
            (OutputFormat::Csv, false, false),
        ] {
            let buf = Buf::default();
            let mut out = Output {
                tty,
                ..Output::new(format, Box::new(buf.clone()))
            };
            out.leads(std::slice::from_ref(&lead)).unwrap();
            let text = buf.text();
            assert_eq!(
                text.contains("\\u{1b}"),
                expect_escaped,
                "{format:?} tty={tty}: {text}"
            );
            assert_eq!(
                text.contains('\u{1b}'),
                !expect_escaped,
                "{format:?} tty={tty}: {text}"
            );
        }
    }
}
