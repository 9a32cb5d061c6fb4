//! The workbook itself, on the reader thread: opening it with calamine (`Book`), choosing the
//! sheet, and turning its cells into rows sent in batches to `SheetRows`.

use std::fs::File;
use std::io::{self, BufReader, Cursor, Read, Seek, SeekFrom};
use std::sync::mpsc::SyncSender;
use std::sync::Arc;

use calamine::{Data, Ods, Reader, SheetType, SheetVisible, Xls, Xlsb, Xlsx};

use crate::import::read::cell::{self, Text};
use crate::import::read::sniff::WorkbookKind;
use crate::import::read::MAX_FIELD;

use super::{Bytes, Choice, Msg, SheetRow, BATCH, MAX_COLUMNS};

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
    super::bounds::check(bytes, kind, name)?;
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
                while let Some(c) = cells.next_cell_with_formula().map_err(|e| e.to_string())? {
                    let (r, col) = c.pos;
                    // A formula without its computed value (openpyxl, pandas and most
                    // generators write none): an error of its own, never an empty cell.
                    let text = match (&c.value, &c.formula) {
                        (calamine::DataRef::Empty, Some(f)) if !f.trim().is_empty() => {
                            Text::Error(cell::uncomputed(f))
                        }
                        _ => cell::of_ref(&c.value),
                    };
                    if out(r, col, text) == Step::Stop {
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
pub(super) fn produce(
    bytes: &Bytes,
    kind: WorkbookKind,
    choice: &Choice,
    name: &str,
    tx: &SyncSender<Msg>,
) {
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
