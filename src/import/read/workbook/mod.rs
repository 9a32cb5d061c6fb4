//! Reading one sheet of a workbook (.xlsx, .xlsm, .xlsb, .xls, .ods, with calamine) as the same
//! `Row`s a CSV gives: the header, then each non-empty row, its cells as the user sees them
//! (`cell`), located by sheet and row so messages name the cell (`Leads!C12`).
//!
//! A reader thread owns the workbook and sends batches of rows over a bounded channel, so the
//! check and send passes stay the CSV path's. xlsx and xlsb sheets stream (calamine's cell
//! readers); their shared strings are held in memory, as calamine reads them up front. xls and
//! ods sheets are read whole. A file is opened again for each pass; a workbook from a stream
//! (stdin, a pipe) is read into memory first.

mod book;
pub mod bounds;

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::{Arc, Once};

use super::cell;
use super::footer::Trailer;
use super::sniff::WorkbookKind;
use super::{ReadError, Row, RowError};

/// The most columns a sheet has (Excel's XFD).
const MAX_COLUMNS: u32 = 16_384;
/// Rows per message from the reader thread, and messages in flight.
const BATCH: usize = 256;
const IN_FLIGHT: usize = 8;
/// The reader thread's name: its panics (calamine on malformed data) become errors, unprinted.
const THREAD: &str = "leadctl-workbook";

/// Panics caught on reader threads (calamine on malformed data), for the fuzz tests.
static PANICS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many reader threads stopped with a panic (caught and reported as an error) so far.
pub fn panics() -> u64 {
    PANICS.load(std::sync::atomic::Ordering::Relaxed)
}

/// Where a workbook's bytes are: its file (opened again for each pass), or in memory when it
/// came from a stream.
#[derive(Clone)]
pub enum Bytes {
    File(PathBuf),
    Memory(Arc<Vec<u8>>),
}

impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Bytes::File(p) => write!(f, "File({})", p.display()),
            Bytes::Memory(m) => write!(f, "Memory({} bytes)", m.len()),
        }
    }
}

/// The sheet a run reads, chosen when the workbook was first opened.
#[derive(Debug, Clone)]
pub struct Sheet {
    pub kind: WorkbookKind,
    pub name: String,
    /// Its position among the workbook's sheets (0-based).
    pub index: usize,
    pub count: usize,
    /// `--header-row` (1-based), else the first non-empty row is the header.
    pub header_row: Option<u64>,
    pub how: &'static str,
    pub bytes: Bytes,
}

impl Sheet {
    /// "an Excel workbook (.xlsx), sheet "Leads" (the only sheet with data)".
    pub fn describe(&self) -> String {
        let header = match self.header_row {
            Some(n) => format!(", header on row {n} (--header-row)"),
            None => String::new(),
        };
        let of = if self.count > 1 {
            format!(" of {}", self.count)
        } else {
            String::new()
        };
        format!(
            "{}, sheet {}{of} ({}){header}",
            self.kind.describe(),
            crate::log::quoted(&self.name),
            self.how
        )
    }
}

/// Which sheet to read.
#[derive(Debug, Clone)]
pub enum Choice {
    /// The only non-empty visible sheet.
    Auto,
    /// `--sheet NAME|N`.
    Given(String),
    /// The one chosen before (a later pass).
    Index(usize),
}

/// One non-empty sheet row: its 1-based row number, its cells from column A (trailing empty ones
/// left out), and the cells holding an error value.
struct SheetRow {
    line: u64,
    cells: Vec<String>,
    errors: Vec<(usize, String)>,
}

enum Msg {
    Chosen {
        name: String,
        index: usize,
        count: usize,
        how: &'static str,
    },
    Rows(Vec<SheetRow>),
    /// Before any row: the workbook cannot be opened or the sheet chosen.
    Refused(String),
    /// While reading rows: the rows after `after` cannot be read.
    Broken {
        after: u64,
        message: String,
    },
    End,
}

/// The rows of one sheet, as `Row`s.
pub struct SheetRows {
    rx: Receiver<Msg>,
    pending: VecDeque<SheetRow>,
    sheet: Arc<str>,
    header_row: Option<u64>,
    header_len: usize,
    row: Row,
    number: u64,
    last_line: u64,
    ended: bool,
    /// Holds back the rows at the end that may be a report footer.
    trailer: Trailer,
    /// The sheet row of the last row read (the header's at first): a gap is a blank line.
    previous_line: u64,
    finished: bool,
    error: Option<RowError>,
}

/// Opens `bytes` as a workbook of `kind` and picks its sheet; `name` is the input's name for
/// messages.
pub fn open(
    bytes: Bytes,
    kind: WorkbookKind,
    choice: Choice,
    header_row: Option<u64>,
    name: &str,
) -> Result<(Sheet, SheetRows), ReadError> {
    quiet_panics();
    let (tx, rx) = sync_channel(IN_FLIGHT);
    let thread_bytes = bytes.clone();
    let label = name.to_string();
    std::thread::Builder::new()
        .name(THREAD.to_string())
        .spawn(move || {
            let run = catch_unwind(AssertUnwindSafe(|| {
                book::produce(&thread_bytes, kind, &choice, &label, &tx)
            }));
            if run.is_err() {
                PANICS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let _ = tx.send(Msg::Broken {
                    after: 0,
                    message: "the workbook reader stopped on malformed data".to_string(),
                });
            }
        })
        .map_err(|e| ReadError(format!("cannot read {name}: {e}")))?;
    let (sheet_name, index, count, how) = match rx.recv() {
        Ok(Msg::Chosen {
            name,
            index,
            count,
            how,
        }) => (name, index, count, how),
        Ok(Msg::Refused(message)) => return Err(ReadError(message)),
        Ok(Msg::Broken { message, .. }) => {
            return Err(ReadError(format!(
                "{name} is {} that cannot be read: {message}; open it in Excel or LibreOffice \
                 and save it again",
                kind.describe()
            )))
        }
        _ => return Err(ReadError(format!("cannot read {name}"))),
    };
    let sheet: Arc<str> = Arc::from(sheet_name.as_str());
    Ok((
        Sheet {
            kind,
            name: sheet_name,
            index,
            count,
            header_row,
            how,
            bytes,
        },
        SheetRows {
            rx,
            pending: VecDeque::new(),
            sheet: sheet.clone(),
            header_row,
            header_len: 0,
            row: Row {
                number: 0,
                line: 0,
                fields: Vec::new(),
                undecodable: Vec::new(),
                sheet: Some(sheet),
                cell_errors: Vec::new(),
            },
            number: 0,
            last_line: 0,
            ended: false,
            trailer: Trailer::new(0),
            previous_line: 0,
            finished: false,
            error: None,
        },
    ))
}

/// Panics on the reader thread are caught and reported as errors; the default hook would print
/// them first.
fn quiet_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().name() != Some(THREAD) {
                previous(info);
            }
        }));
    });
}

impl SheetRows {
    pub fn sheet(&self) -> Arc<str> {
        self.sheet.clone()
    }

    fn sheet_ref(&self) -> String {
        cell::sheet_ref(&self.sheet)
    }

    /// The next non-empty sheet row from the reader thread.
    fn next_sheet_row(&mut self) -> Result<Option<SheetRow>, RowError> {
        loop {
            if let Some(r) = self.pending.pop_front() {
                self.last_line = r.line;
                return Ok(Some(r));
            }
            if self.ended {
                return Ok(None);
            }
            match self.rx.recv() {
                Ok(Msg::Rows(rows)) => self.pending.extend(rows),
                Ok(Msg::End) => self.ended = true,
                Ok(Msg::Broken { after, message }) => {
                    self.ended = true;
                    let after = after.max(self.last_line);
                    return Err(RowError {
                        line: after + 1,
                        message: format!("{message} (after row {after})"),
                    });
                }
                Ok(Msg::Chosen { .. } | Msg::Refused(_)) | Err(_) => {
                    self.ended = true;
                    return Err(RowError {
                        line: self.last_line + 1,
                        message: format!(
                            "the workbook reader stopped after row {}",
                            self.last_line
                        ),
                    });
                }
            }
        }
    }

    /// The header: `--header-row`'s row, else the first non-empty one; `None` for an empty sheet.
    pub fn header(&mut self) -> Result<Option<Row>, RowError> {
        let found = loop {
            let Some(r) = self.next_sheet_row()? else {
                if let Some(n) = self.header_row {
                    return Err(RowError {
                        line: n,
                        message: format!(
                            "--header-row {n}: sheet {} has no data on row {n} or below",
                            self.sheet_ref()
                        ),
                    });
                }
                return Ok(None);
            };
            match self.header_row {
                Some(n) if r.line < n => continue,
                Some(n) if r.line > n => {
                    return Err(RowError {
                        line: n,
                        message: format!(
                            "--header-row {n}: row {n} of sheet {} is empty; the header row \
                             names the columns (the first row with data below it is {})",
                            self.sheet_ref(),
                            r.line
                        ),
                    })
                }
                _ => break r,
            }
        };
        self.header_len = found.cells.len();
        self.previous_line = found.line;
        self.trailer = Trailer::new(self.header_len);
        Ok(Some(Row {
            number: 0,
            line: found.line,
            fields: found.cells,
            undecodable: Vec::new(),
            sheet: Some(self.sheet.clone()),
            cell_errors: Vec::new(),
        }))
    }

    /// The next data row, its cells padded to the header's width. A report footer at the end
    /// of the sheet (Salesforce's "Grand Totals", copyright and "Generated By" rows below the
    /// data) is held back and left out by the same rule as a CSV's (`footer.rs`): a gap of empty
    /// sheet rows counts as the blank line, a row's own width is its last non-empty cell.
    pub fn next_row_ref(&mut self) -> Result<Option<&Row>, RowError> {
        loop {
            if let Some(mut row) = self.trailer.pop() {
                if row.fields.len() < self.header_len {
                    row.fields.resize(self.header_len, String::new());
                }
                let passed = std::mem::replace(&mut self.row, row);
                self.trailer.recycle(passed);
                return Ok(Some(&self.row));
            }
            if let Some(e) = self.error.take() {
                return Err(e);
            }
            if self.finished {
                return Ok(None);
            }
            match self.next_sheet_row() {
                Ok(Some(r)) => {
                    let blank_before = r.line > self.previous_line + 1;
                    self.previous_line = r.line;
                    self.number += 1;
                    let mut row = self.trailer.buffer();
                    row.number = self.number;
                    row.line = r.line;
                    row.fields = r.cells;
                    let width = row
                        .fields
                        .iter()
                        .rposition(|c| !c.trim().is_empty())
                        .map_or(0, |i| i + 1);
                    row.fields.truncate(width.max(r_errors_width(&r.errors)));
                    row.undecodable.clear();
                    row.sheet = Some(self.sheet.clone());
                    row.cell_errors = r.errors;
                    self.trailer.push(row, blank_before);
                }
                Ok(None) => {
                    self.finished = true;
                    self.trailer.finish();
                }
                Err(e) => {
                    self.finished = true;
                    self.error = Some(e);
                    self.trailer.release_held();
                }
            }
        }
    }

    /// The report footer left out at the end of the sheet, once every row was read.
    pub fn footer(&self) -> Option<&super::Footer> {
        self.trailer.footer()
    }
}

/// A row keeps the cells up to its last error cell, so the error is still found in it.
fn r_errors_width(errors: &[(usize, String)]) -> usize {
    errors.iter().map(|(i, _)| i + 1).max().unwrap_or(0)
}
