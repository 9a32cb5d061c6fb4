//! Reading one sheet of a workbook (.xlsx, .xlsm, .xlsb, .xls, .ods, with calamine) as the same
//! `Row`s a CSV gives: the header, then each non-empty row, its cells as the user sees them
//! (`cell`), located by sheet and row so messages name the cell (`Leads!C12`).
//!
//! A reader thread owns the workbook and sends batches of rows over a bounded channel, so the
//! check and send passes stay the CSV path's. xlsx and xlsb sheets stream (calamine's cell
//! readers); their shared strings are held in memory, as calamine reads them up front. xls and
//! ods sheets are read whole. A file is opened again for each pass; a workbook from a stream
//! (stdin, a pipe) is read into memory first.

use super::footer::Trailer;
use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufReader, Cursor, Read, Seek, SeekFrom};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Once};

use calamine::{Data, Ods, Reader, SheetType, SheetVisible, Xls, Xlsb, Xlsx};

use super::cell::{self, Text};
use super::sniff::WorkbookKind;
use super::{ReadError, Row, RowError, MAX_FIELD};

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
                produce(&thread_bytes, kind, &choice, &label, &tx)
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

/// A workbook's bytes as calamine reads them.
enum Input {
    File(BufReader<File>),
    Memory(Cursor<Shared>),
}

struct Shared(Arc<Vec<u8>>);

impl AsRef<[u8]> for Shared {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Read for Input {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Input::File(f) => f.read(buf),
            Input::Memory(m) => m.read(buf),
        }
    }
}

impl Seek for Input {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        match self {
            Input::File(f) => f.seek(pos),
            Input::Memory(m) => m.seek(pos),
        }
    }
}

impl Bytes {
    fn input(&self) -> io::Result<Input> {
        Ok(match self {
            Bytes::File(p) => Input::File(BufReader::with_capacity(256 * 1024, File::open(p)?)),
            Bytes::Memory(m) => Input::Memory(Cursor::new(Shared(m.clone()))),
        })
    }
}

enum Book {
    Xlsx(Xlsx<Input>),
    Xlsb(Xlsb<Input>),
    Xls(Xls<Input>),
    Ods(Ods<Input>),
}

/// Why a workbook cannot be opened, in the user's terms.
fn open_book(bytes: &Bytes, kind: WorkbookKind, name: &str) -> Result<Book, String> {
    let input = || {
        bytes
            .input()
            .map_err(|e| format!("cannot read {name}: {e}"))
    };
    let password = || {
        format!(
            "{name} is {} protected by a password, which leadctl cannot open; remove the \
             password (in Excel: File > Info > Protect Workbook > Encrypt with Password, clear \
             it; in LibreOffice: File > Properties > Security) and save it, or save it as CSV",
            kind.describe()
        )
    };
    let broken = |detail: String| {
        format!(
            "{name} is {} that cannot be read ({}); open it in Excel or LibreOffice and save it \
             again, or save it as CSV",
            kind.describe(),
            crate::log::cut(&detail)
        )
    };
    match kind {
        WorkbookKind::Xlsx | WorkbookKind::Xlsm => match Xlsx::new(input()?) {
            Ok(b) => Ok(Book::Xlsx(b)),
            Err(calamine::XlsxError::Password) => Err(password()),
            Err(e) => Err(broken(e.to_string())),
        },
        WorkbookKind::Xlsb => match Xlsb::new(input()?) {
            Ok(b) => Ok(Book::Xlsb(b)),
            Err(calamine::XlsbError::Password) => Err(password()),
            Err(e) => Err(broken(e.to_string())),
        },
        WorkbookKind::Ods => match Ods::new(input()?) {
            Ok(b) => Ok(Book::Ods(b)),
            Err(calamine::OdsError::Password) => Err(password()),
            Err(e) => Err(broken(e.to_string())),
        },
        // An OLE2 file: an .xls, or an encrypted .xlsx (Excel stores those in OLE2 too).
        WorkbookKind::Xls => match Xls::new(input()?) {
            Ok(b) => Ok(Book::Xls(b)),
            Err(calamine::XlsError::Password) => Err(password()),
            Err(e) => match Xlsx::new(input()?) {
                Err(calamine::XlsxError::Password) => Err(format!(
                    "{name} is an Excel workbook (.xlsx) protected by a password, which leadctl \
                     cannot open; remove the password (in Excel: File > Info > Protect Workbook > \
                     Encrypt with Password, clear it) and save it, or save it as CSV"
                )),
                _ => Err(format!(
                    "{name} is an OLE2 compound file (an older Microsoft Office format) that is \
                     not a readable Excel workbook ({}); if it is a Word or Outlook file, copy \
                     the table into a spreadsheet and save it as .xlsx or CSV",
                    crate::log::cut(&e.to_string())
                )),
            },
        },
    }
}

impl Book {
    fn sheets(&self) -> Vec<calamine::Sheet> {
        match self {
            Book::Xlsx(b) => b.sheets_metadata().to_vec(),
            Book::Xlsb(b) => b.sheets_metadata().to_vec(),
            Book::Xls(b) => b.sheets_metadata().to_vec(),
            Book::Ods(b) => b.sheets_metadata().to_vec(),
        }
    }

    /// Reads the sheet's cells in order into `out`; stops early when `out` says so.
    fn cells(
        &mut self,
        sheet: &str,
        out: &mut dyn FnMut(u32, u32, Text) -> Step,
    ) -> Result<(), String> {
        let range = |r: Result<calamine::Range<Data>, String>,
                     out: &mut dyn FnMut(u32, u32, Text) -> Step| {
            let r = r?;
            let (r0, c0) = r.start().unwrap_or((0, 0));
            for (i, row) in r.rows().enumerate() {
                for (j, v) in row.iter().enumerate() {
                    if matches!(v, Data::Empty) {
                        continue;
                    }
                    let at = (r0.saturating_add(i as u32), c0.saturating_add(j as u32));
                    if out(at.0, at.1, cell::of_data(v)) == Step::Stop {
                        return Ok(());
                    }
                }
            }
            Ok(())
        };
        match self {
            Book::Xlsx(b) => {
                let mut cells = b.worksheet_cells_reader(sheet).map_err(|e| e.to_string())?;
                while let Some(c) = cells.next_cell().map_err(|e| e.to_string())? {
                    let (r, col) = c.get_position();
                    if out(r, col, cell::of_ref(c.get_value())) == Step::Stop {
                        break;
                    }
                }
                Ok(())
            }
            Book::Xlsb(b) => {
                let mut cells = b.worksheet_cells_reader(sheet).map_err(|e| e.to_string())?;
                while let Some(c) = cells.next_cell().map_err(|e| e.to_string())? {
                    let (r, col) = c.get_position();
                    if out(r, col, cell::of_ref(c.get_value())) == Step::Stop {
                        break;
                    }
                }
                Ok(())
            }
            Book::Xls(b) => range(b.worksheet_range(sheet).map_err(|e| e.to_string()), out),
            Book::Ods(b) => range(b.worksheet_range(sheet).map_err(|e| e.to_string()), out),
        }
    }

    /// Whether a sheet holds any cell with something in it (not blank).
    fn has_data(&mut self, sheet: &str) -> bool {
        let mut found = false;
        let read = self.cells(sheet, &mut |_, _, text| match text {
            Text::Value(v) if v.trim().is_empty() => Step::Go,
            _ => {
                found = true;
                Step::Stop
            }
        });
        // A sheet that cannot be read counts as one with data: choosing it says why.
        found || read.is_err()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Go,
    Stop,
}

/// The reader thread: open, choose, then stream the rows.
fn produce(bytes: &Bytes, kind: WorkbookKind, choice: &Choice, name: &str, tx: &SyncSender<Msg>) {
    let mut book = match open_book(bytes, kind, name) {
        Ok(b) => b,
        Err(message) => {
            let _ = tx.send(Msg::Refused(message));
            return;
        }
    };
    let sheets = book.sheets();
    let (index, how) = match choose(&mut book, &sheets, choice, name) {
        Ok(c) => c,
        Err(message) => {
            let _ = tx.send(Msg::Refused(message));
            return;
        }
    };
    let sheet = sheets[index].name.clone();
    let chosen = Msg::Chosen {
        name: sheet.clone(),
        index,
        count: sheets.len(),
        how,
    };
    if tx.send(chosen).is_err() {
        return;
    }
    let mut rows = Assembler {
        tx,
        sheet: &sheet,
        batch: Vec::with_capacity(BATCH),
        line: None,
        cells: Vec::new(),
        errors: Vec::new(),
        failed: None,
        gone: false,
    };
    let read = book.cells(&sheet, &mut |r, c, text| rows.cell(r, c, text));
    let after = rows.line.unwrap_or(0) as u64;
    rows.finish_row();
    let failed = rows.failed.take().or(read.err());
    rows.flush();
    if rows.gone {
        return;
    }
    let _ = tx.send(match failed {
        Some(message) => Msg::Broken { after, message },
        None => Msg::End,
    });
}

/// The sheet to read and how it was chosen; else why none can be.
fn choose(
    book: &mut Book,
    sheets: &[calamine::Sheet],
    choice: &Choice,
    name: &str,
) -> Result<(usize, &'static str), String> {
    let listed = |which: &[usize]| {
        which
            .iter()
            .map(|&i| format!("{} ({})", crate::log::quoted(&sheets[i].name), i + 1))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let all: Vec<usize> = (0..sheets.len()).collect();
    if sheets.is_empty() {
        return Err(format!(
            "{name} is a workbook without sheets: nothing to import"
        ));
    }
    match choice {
        Choice::Index(i) if *i < sheets.len() => Ok((*i, "as before")),
        Choice::Index(_) => Err(format!(
            "{name} changed while it was read: its sheet is gone"
        )),
        Choice::Given(wanted) => {
            if let Some(i) = sheets.iter().position(|s| s.name == *wanted) {
                return Ok((i, "--sheet"));
            }
            let folded: Vec<usize> = (0..sheets.len())
                .filter(|&i| sheets[i].name.trim().to_lowercase() == wanted.trim().to_lowercase())
                .collect();
            if let [i] = folded[..] {
                return Ok((i, "--sheet"));
            }
            if let Ok(n) = wanted.trim().parse::<usize>() {
                if (1..=sheets.len()).contains(&n) {
                    return Ok((n - 1, "--sheet"));
                }
            }
            Err(format!(
                "{name} has no sheet {}; its sheets: {} (pass --sheet NAME or --sheet N)",
                crate::log::quoted(wanted),
                listed(&all)
            ))
        }
        Choice::Auto => {
            if sheets.len() == 1 {
                return Ok((0, "the only sheet"));
            }
            let mut visible = Vec::new();
            let mut hidden = Vec::new();
            for (i, s) in sheets.iter().enumerate() {
                if s.typ != SheetType::WorkSheet || !book.has_data(&s.name) {
                    continue;
                }
                if s.visible == SheetVisible::Visible {
                    visible.push(i);
                } else {
                    hidden.push(i);
                }
            }
            match (&visible[..], &hidden[..]) {
                ([i], _) => Ok((*i, "the only sheet with data")),
                ([], []) => Ok((0, "no sheet has data")),
                ([], some) => Err(format!(
                    "{name} has data only on hidden sheets: {}; pass --sheet NAME or --sheet N \
                     to read one",
                    listed(some)
                )),
                (several, _) => Err(format!(
                    "{name} has {} sheets with data: {}; choose one with --sheet NAME or --sheet N",
                    several.len(),
                    listed(several)
                )),
            }
        }
    }
}

/// Cells into rows, rows into batches for the channel.
struct Assembler<'a> {
    tx: &'a SyncSender<Msg>,
    sheet: &'a str,
    batch: Vec<SheetRow>,
    /// The sheet row being assembled (0-based).
    line: Option<u32>,
    cells: Vec<String>,
    errors: Vec<(usize, String)>,
    failed: Option<String>,
    /// The reading side stopped listening.
    gone: bool,
}

impl Assembler<'_> {
    fn cell(&mut self, row: u32, col: u32, text: Text) -> Step {
        if self.line != Some(row) {
            self.finish_row();
            if self.gone {
                return Step::Stop;
            }
            self.line = Some(row);
        }
        let (value, error) = match text {
            Text::Value(v) if v.trim().is_empty() => return Step::Go,
            Text::Value(v) => (v, false),
            Text::Error(e) => (e, true),
        };
        if col >= MAX_COLUMNS {
            self.failed = Some(format!(
                "a cell on row {} lies past column XFD, the last one Excel has",
                row as u64 + 1
            ));
            return Step::Stop;
        }
        if value.len() > MAX_FIELD {
            self.failed = Some(format!(
                "the value in {} is longer than {}, the limit for one value",
                cell::cell_ref(self.sheet, col as usize, row as u64 + 1),
                crate::fsutil::describe_size(MAX_FIELD as u64)
            ));
            return Step::Stop;
        }
        let col = col as usize;
        if self.cells.len() <= col {
            self.cells.resize(col + 1, String::new());
        }
        if error {
            self.errors.push((col, value.clone()));
        }
        self.cells[col] = value;
        Step::Go
    }

    fn finish_row(&mut self) {
        let Some(line) = self.line.take() else {
            return;
        };
        if self.cells.is_empty() {
            return;
        }
        self.batch.push(SheetRow {
            line: line as u64 + 1,
            cells: std::mem::take(&mut self.cells),
            errors: std::mem::take(&mut self.errors),
        });
        if self.batch.len() >= BATCH {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.batch.is_empty() || self.gone {
            return;
        }
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
        if self.tx.send(Msg::Rows(batch)).is_err() {
            self.gone = true;
        }
    }
}
