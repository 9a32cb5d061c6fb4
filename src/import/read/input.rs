//! One input, CSV or workbook, as rows: `open_rows` looks at the first bytes and opens a CSV
//! (`rows`) or a workbook's sheet (`workbook`) behind the one `Rows` type the pipeline reads;
//! `Detected` remembers what was found so `reopen` reads the same rows again for the next pass.

use std::io::{Cursor, Read};
use std::sync::Arc;

use encoding_rs::{Encoding, UTF_8};

use super::sniff::{self, Refusal, Sniffed, WorkbookKind};
use super::workbook::{self, Bytes, Choice, Sheet, SheetRows};
use super::{open_text, rows, source, Format, Opened, ReadError, Row, RowError, Source, SAMPLE};

/// The most a workbook read from a stream (stdin, a pipe) may hold: it is read into memory.
const MAX_STREAMED_WORKBOOK: u64 = 512 * 1024 * 1024;

/// What the command line asks of the reader.
#[derive(Debug, Clone, Default)]
pub struct Wanted {
    pub encoding: Option<&'static Encoding>,
    pub delimiter: Option<u8>,
    /// `--sheet NAME|N`.
    pub sheet: Option<String>,
    /// `--header-row N` (1-based).
    pub header_row: Option<u64>,
}

/// What the input turned out to be, and how it is read again.
#[derive(Debug, Clone)]
pub enum Detected {
    Csv {
        format: Format,
        header_row: Option<u64>,
    },
    Workbook(Sheet),
    /// A query's result, spilled to a temporary file.
    Query(Arc<super::spill::Spilled>),
}

impl Detected {
    /// Said on stderr before anything else.
    pub fn describe(&self) -> String {
        match self {
            Detected::Csv { format, header_row } => match header_row {
                Some(n) => format!("{}, header on line {n} (--header-row)", format.describe()),
                None => format.describe(),
            },
            Detected::Workbook(sheet) => sheet.describe(),
            Detected::Query(q) => q.description.clone(),
        }
    }

    pub fn is_workbook(&self) -> bool {
        matches!(self, Detected::Workbook(_))
    }

    /// The CSV format, `None` for a workbook.
    pub fn csv(&self) -> Option<&Format> {
        match self {
            Detected::Csv { format, .. } => Some(format),
            Detected::Workbook(_) | Detected::Query(_) => None,
        }
    }

    /// The errors file's delimiter: the input's, or `,` for a workbook.
    pub fn errors_delimiter(&self) -> u8 {
        self.csv().map_or(b',', |f| f.delimiter)
    }

    /// A BOM in the errors file when the input had one or was not UTF-8, and always for a
    /// workbook's or a query's (so Excel opens it as UTF-8).
    pub fn errors_bom(&self) -> bool {
        self.csv()
            .is_none_or(|f| f.bom_len > 0 || f.encoding != UTF_8)
    }
}

/// The rows of a CSV or of a workbook's sheet.
pub struct Rows {
    inner: Inner,
}

enum Inner {
    Csv {
        rows: Box<rows::Rows>,
        header_row: Option<u64>,
    },
    Sheet(Box<SheetRows>),
    Spill(Box<super::spill::SpillRows>),
}

impl Rows {
    /// The rows of an opened CSV (its first record is the header).
    pub fn new(opened: Opened) -> Rows {
        Rows::csv(opened, None)
    }

    fn csv(opened: Opened, header_row: Option<u64>) -> Rows {
        Rows {
            inner: Inner::Csv {
                rows: Box::new(rows::Rows::new(opened)),
                header_row,
            },
        }
    }

    /// The header row; `None` for an empty input.
    pub fn header(&mut self) -> Result<Option<Row>, RowError> {
        match &mut self.inner {
            Inner::Csv { rows, header_row } => {
                // `--header-row N` is the file's line N (as a spreadsheet numbers it, blank
                // lines counted); the records above it (a title block) are read and left out.
                let Some(n) = *header_row else {
                    return rows.header();
                };
                loop {
                    match rows.header()? {
                        None => {
                            return Err(RowError {
                                line: n,
                                message: format!(
                                    "--header-row {n}: the file has no data on line {n} or below"
                                ),
                            })
                        }
                        Some(r) if r.line < n => continue,
                        Some(r) if r.line > n => {
                            return Err(RowError {
                                line: n,
                                message: format!(
                                    "--header-row {n}: line {n} is empty; the header row names \
                                     the columns (the first line with data below it is {})",
                                    r.line
                                ),
                            })
                        }
                        Some(r) => return Ok(Some(r)),
                    }
                }
            }
            Inner::Sheet(s) => s.header(),
            Inner::Spill(s) => s.header(),
        }
    }

    /// The sheet of a workbook's rows; `None` for a CSV.
    pub fn sheet(&self) -> Option<Arc<str>> {
        match &self.inner {
            Inner::Csv { .. } | Inner::Spill(_) => None,
            Inner::Sheet(s) => Some(s.sheet()),
        }
    }

    /// The report footer left out at the end, once every row was read (`footer.rs`).
    pub fn footer(&self) -> Option<&super::Footer> {
        match &self.inner {
            Inner::Csv { rows, .. } => rows.footer(),
            Inner::Sheet(s) => s.footer(),
            Inner::Spill(_) => None,
        }
    }

    /// The next row, owned.
    pub fn next_row(&mut self) -> Result<Option<Row>, RowError> {
        Ok(self.next_row_ref()?.cloned())
    }

    /// The next row, borrowed.
    pub fn next_row_ref(&mut self) -> Result<Option<&Row>, RowError> {
        match &mut self.inner {
            Inner::Csv { rows, .. } => rows.next_row_ref(),
            Inner::Sheet(s) => s.next_row_ref(),
            Inner::Spill(s) => s.next_row_ref(),
        }
    }
}

/// The input's raw bytes and its first 64 KiB (which are also still to come from the reader).
pub(super) fn head(source: &Source) -> Result<(Box<dyn Read + Send>, Vec<u8>), ReadError> {
    let name = source.name();
    let mut raw = source::open_raw(source)?;
    let mut head = Vec::with_capacity(SAMPLE);
    (&mut raw)
        .take(SAMPLE as u64)
        .read_to_end(&mut head)
        .map_err(|e| ReadError(format!("cannot read {name}: {e}")))?;
    Ok((raw, head))
}

/// "report.pdf is a PDF document, not a CSV file or a workbook: {what to do}".
pub(super) fn refused(name: &str, r: &Refusal) -> ReadError {
    ReadError(format!(
        "{name} is {}, not a CSV file or a workbook; {}",
        r.what, r.hint
    ))
}

/// Opens the input, CSV or workbook, as `wanted` says; the rows start with the header.
pub fn open_rows(source: &Source, wanted: &Wanted) -> Result<(Detected, Rows), ReadError> {
    if let Source::Query(q) = source {
        let rows = q.open()?;
        return Ok((
            Detected::Query(q.clone()),
            Rows {
                inner: Inner::Spill(Box::new(rows)),
            },
        ));
    }
    let name = source.name();
    let (raw, head) = head(source)?;
    let kind = match sniff::sniff(&head) {
        Sniffed::Text => {
            let opened = open_text(source, raw, head, wanted.encoding, wanted.delimiter)?;
            let detected = Detected::Csv {
                format: opened.format.clone(),
                header_row: wanted.header_row,
            };
            return Ok((detected, Rows::csv(opened, wanted.header_row)));
        }
        Sniffed::Binary(r) => return Err(refused(&name, &r)),
        Sniffed::Zip => None,
        Sniffed::Ole => Some(WorkbookKind::Xls),
    };
    let bytes = match source {
        Source::File(p) => {
            drop(raw);
            Bytes::File(p.clone())
        }
        // A workbook is read at random offsets: a stream's bytes are kept in memory.
        Source::Stdin | Source::Stream(_) | Source::Query(_) => {
            let rest = crate::fsutil::read_capped_from(
                Cursor::new(head).chain(raw),
                MAX_STREAMED_WORKBOOK,
                0,
                "a workbook read from a stream",
            )
            .map_err(|e| ReadError(format!("cannot read {name}: {e}; save it to a file first")))?;
            Bytes::Memory(Arc::new(rest))
        }
    };
    let kind = match kind {
        Some(k) => k,
        None => zip_kind(&bytes, &name)?,
    };
    let choice = match &wanted.sheet {
        Some(s) => Choice::Given(s.clone()),
        None => Choice::Auto,
    };
    let (sheet, rows) = workbook::open(bytes, kind, choice, wanted.header_row, &name)?;
    Ok((
        Detected::Workbook(sheet),
        Rows {
            inner: Inner::Sheet(Box::new(rows)),
        },
    ))
}

/// A zip's kind of workbook, or why it is none.
fn zip_kind(bytes: &Bytes, name: &str) -> Result<WorkbookKind, ReadError> {
    let classified = match bytes {
        Bytes::File(p) => {
            let file = std::fs::File::open(p)
                .map_err(|e| ReadError(format!("cannot open {name}: {e}")))?;
            sniff::classify_zip(std::io::BufReader::new(file))
        }
        Bytes::Memory(m) => sniff::classify_zip(Cursor::new(m.as_slice())),
    };
    classified.map_err(|r| refused(name, &r))
}

/// The same rows again, for the next pass over a file, positioned before the header.
pub fn reopen(source: &Source, detected: &Detected) -> Result<Rows, ReadError> {
    match detected {
        Detected::Query(q) => Ok(Rows {
            inner: Inner::Spill(Box::new(q.open()?)),
        }),
        Detected::Csv { format, header_row } => {
            let opened = super::open(source, Some(format.encoding), Some(format.delimiter))?;
            Ok(Rows::csv(opened, *header_row))
        }
        Detected::Workbook(sheet) => {
            let (_, rows) = workbook::open(
                sheet.bytes.clone(),
                sheet.kind,
                Choice::Index(sheet.index),
                sheet.header_row,
                &source.name(),
            )?;
            Ok(Rows {
                inner: Inner::Sheet(Box::new(rows)),
            })
        }
    }
}
