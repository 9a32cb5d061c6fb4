//! Rows out of a decoded stream: `LfOnly` turns every line ending into LF, follows the quoting
//! to catch a quote never closed, and enforces the length limits (`MAX_FIELD`, `MAX_RECORD`);
//! `Rows` runs the csv parser over it and yields the header, then each `Row` with its row and
//! line numbers, or a `RowError` that stops the file. A report footer at the end (`footer.rs`)
//! is held back and left out; `Rows::footer` says what it was.

use std::collections::VecDeque;
use std::io::{self, Read};
use std::sync::{Arc, Mutex};

use encoding_rs::UTF_8;

use super::footer::{Footer, Trailer};
use super::Opened;

/// Turns CRLF and lone CR line ends into LF before the CSV parser sees them, so its line count
/// (which counts LF only) is right for Windows files too. A CR inside a quoted value becomes LF
/// as well, which is how spreadsheets store line breaks in a cell anyway.
///
/// It also records where each LF lands in its output (only for the bytes the parser has not
/// passed yet), so a row's line number is exact even after blank lines, which the parser skips.
struct LfOnly<R: Read> {
    inner: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// The previous chunk ended with CR (already emitted as LF): skip a leading LF.
    after_cr: bool,
    emitted: u64,
    newlines: Arc<Mutex<VecDeque<u64>>>,
    /// The CSV quoting state, followed as the csv crate does (a quote opens a quoted value only
    /// at the start of a field; `""` inside one is a quote), to catch a quote never closed: the
    /// parser then silently reads the rest of the file as one cell.
    delimiter: u8,
    quote: Quote,
    /// LFs emitted so far, and (offset, line) of the quote that opened the current quoted value.
    lines: u64,
    opened_at: (u64, u64),
    unclosed: Arc<Mutex<Option<(u64, u64)>>>,
    /// Bytes of the current field and record so far, the line the record starts on, and the
    /// limit the input went past (the csv parser would otherwise buffer a value of any size).
    field_len: usize,
    record_len: usize,
    record_line: u64,
    too_long: Arc<Mutex<Option<TooLong>>>,
}

/// The most one value (cell) may hold. Real cells (notes included) are far below it.
pub const MAX_FIELD: usize = 1024 * 1024;
/// The most one record (a row, or the header) may hold.
pub const MAX_RECORD: usize = 16 * 1024 * 1024;

/// Which limit a row went past, and the line the row starts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLong {
    pub field: bool,
    pub line: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quote {
    FieldStart,
    Unquoted,
    Quoted,
    /// A quote inside a quoted value: it closes the value, or is the first of `""`.
    ClosingOrDoubled,
}

impl<R: Read> LfOnly<R> {
    fn new(
        inner: R,
        newlines: Arc<Mutex<VecDeque<u64>>>,
        delimiter: u8,
        unclosed: Arc<Mutex<Option<(u64, u64)>>>,
    ) -> LfOnly<R> {
        LfOnly {
            inner,
            buf: vec![0; 64 * 1024],
            start: 0,
            end: 0,
            after_cr: false,
            emitted: 0,
            newlines,
            delimiter,
            quote: Quote::FieldStart,
            lines: 0,
            opened_at: (0, 0),
            unclosed,
            field_len: 0,
            record_len: 0,
            record_line: 1,
            too_long: Arc::new(Mutex::new(None)),
        }
    }

    /// Counts one byte of the current field and record; `Some` once a limit is passed. Quote
    /// characters do not count toward a value's length (a quoted 1 MiB value is 1 MiB; a value of
    /// doubled quotes is still bounded by the record's limit).
    fn count(&mut self, ends_field: bool, ends_record: bool, quote: bool) -> Option<TooLong> {
        if self.record_len == 0 {
            self.record_line = self.lines + 1;
        }
        if ends_record {
            self.field_len = 0;
            self.record_len = 0;
            return None;
        }
        self.record_len += 1;
        if ends_field {
            self.field_len = 0;
        } else if !quote {
            self.field_len += 1;
        }
        let field = self.field_len > MAX_FIELD;
        (field || self.record_len > MAX_RECORD).then_some(TooLong {
            field,
            line: self.record_line,
        })
    }

    fn follow_quotes(&mut self, b: u8, offset: u64) {
        let ends_field = b == self.delimiter || b == b'\n';
        let outside = self.quote != Quote::Quoted;
        if let Some(hit) = self.count(ends_field && outside, b == b'\n' && outside, b == b'"') {
            let mut slot = self.too_long.lock().unwrap_or_else(|p| p.into_inner());
            slot.get_or_insert(hit);
        }
        self.quote = match (self.quote, b) {
            (Quote::FieldStart, b'"') => {
                self.opened_at = (offset, self.lines + 1);
                Quote::Quoted
            }
            (Quote::FieldStart | Quote::Unquoted, _) if ends_field => Quote::FieldStart,
            (Quote::FieldStart | Quote::Unquoted, _) => Quote::Unquoted,
            (Quote::Quoted, b'"') => Quote::ClosingOrDoubled,
            (Quote::Quoted, _) => Quote::Quoted,
            (Quote::ClosingOrDoubled, b'"') => Quote::Quoted,
            (Quote::ClosingOrDoubled, _) if ends_field => Quote::FieldStart,
            (Quote::ClosingOrDoubled, _) => Quote::Unquoted,
        };
        if b == b'\n' {
            self.lines += 1;
        }
    }
}

impl<R: Read> Read for LfOnly<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.start == self.end {
                let n = self.inner.read(&mut self.buf)?;
                if n == 0 {
                    if self.quote == Quote::Quoted {
                        *self.unclosed.lock().unwrap_or_else(|p| p.into_inner()) =
                            Some(self.opened_at);
                    }
                    return Ok(0);
                }
                self.start = 0;
                self.end = n;
            }
            let mut written = 0;
            let mut found = Vec::new();
            let avail = (self.end - self.start).min(out.len());
            let chunk = &self.buf[self.start..self.start + avail];
            if !self.after_cr && !chunk.contains(&b'\r') {
                // The common case (LF files, or a stretch without CR): copy, note the LFs.
                out[..avail].copy_from_slice(chunk);
                for (i, &b) in out[..avail].iter().enumerate() {
                    let offset = self.emitted + i as u64;
                    if b == b'\n' {
                        found.push(offset);
                    }
                    self.follow_quotes(b, offset);
                }
                self.start += avail;
                written = avail;
            }
            while self.start < self.end && written < out.len() {
                let b = self.buf[self.start];
                self.start += 1;
                if self.after_cr {
                    self.after_cr = false;
                    if b == b'\n' {
                        continue;
                    }
                }
                let b = if b == b'\r' {
                    self.after_cr = true;
                    b'\n'
                } else {
                    b
                };
                if b == b'\n' {
                    found.push(self.emitted + written as u64);
                }
                self.follow_quotes(b, self.emitted + written as u64);
                out[written] = b;
                written += 1;
            }
            self.emitted += written as u64;
            if !found.is_empty() {
                self.newlines
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .extend(found);
            }
            // Past a limit: the parser gets an error instead of more bytes to buffer.
            if self
                .too_long
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .is_some()
            {
                return Err(io::Error::other("a value or row is too long"));
            }
            if written > 0 || out.is_empty() {
                return Ok(written);
            }
        }
    }
}

/// One data row: its 1-based number (header excluded) and the line it starts on.
#[derive(Debug, Clone)]
pub struct Row {
    pub number: u64,
    pub line: u64,
    pub fields: Vec<String>,
    /// Columns (0-based) whose bytes could not be decoded.
    pub undecodable: Vec<usize>,
    /// The sheet of a workbook row (`line` is then its row number on the sheet); `None` in a CSV.
    pub sheet: Option<std::sync::Arc<str>>,
    /// Workbook cells holding an error value (`#N/A`), by column (0-based), with that value.
    pub cell_errors: Vec<(usize, String)>,
}

/// The header and then the rows of an opened input.
pub struct Rows {
    reader: csv::Reader<Box<dyn Read + Send>>,
    record: csv::ByteRecord,
    /// The current row; its strings are reused from row to row.
    row: Row,
    number: u64,
    replacement_is_error: bool,
    /// Offsets of LFs not yet behind the current row, and how many were passed.
    newlines: Arc<Mutex<VecDeque<u64>>>,
    lines_before: u64,
    /// Where a quoted value that is never closed opens (offset, line), known at the end.
    unclosed: Arc<Mutex<Option<(u64, u64)>>>,
    /// Set when a value or record went past `MAX_FIELD` / `MAX_RECORD`.
    too_long: Arc<Mutex<Option<TooLong>>>,
    /// The header is being read (messages call it the header, not row 1).
    in_header: bool,
    /// After the header: the rows on their way out, the footer held back.
    trailer: Option<Trailer>,
    /// The parser reached the end (or an error, kept here until the rows before it are out).
    ended: bool,
    error: Option<RowError>,
    /// The last two LF offsets passed (a blank line before a row is two LFs right before it).
    last_lfs: [u64; 2],
}

/// Reading failed in a way that stops the whole file (an unterminated quote at the end, I/O).
#[derive(Debug, Clone)]
pub struct RowError {
    pub line: u64,
    pub message: String,
}

impl Rows {
    pub fn new(opened: Opened) -> Rows {
        let replacement_is_error = opened.format.encoding != UTF_8;
        let newlines = Arc::new(Mutex::new(VecDeque::new()));
        let unclosed = Arc::new(Mutex::new(None));
        let lf = LfOnly::new(
            opened.reader,
            newlines.clone(),
            opened.format.delimiter,
            unclosed.clone(),
        );
        let too_long = lf.too_long.clone();
        let reader = csv::ReaderBuilder::new()
            .delimiter(opened.format.delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(Box::new(lf) as Box<dyn Read + Send>);
        Rows {
            reader,
            record: csv::ByteRecord::new(),
            row: Row {
                number: 0,
                line: 0,
                fields: Vec::new(),
                undecodable: Vec::new(),
                sheet: None,
                cell_errors: Vec::new(),
            },
            number: 0,
            replacement_is_error,
            newlines,
            lines_before: 0,
            unclosed,
            too_long,
            in_header: true,
            trailer: None,
            ended: false,
            error: None,
            last_lfs: [u64::MAX; 2],
        }
    }

    /// The header row (the first record); `None` for an empty input.
    pub fn header(&mut self) -> Result<Option<Row>, RowError> {
        let mut row = self.row.clone();
        let read = self.next_record(&mut row)?;
        self.number = 0;
        self.in_header = false;
        self.trailer = Some(Trailer::new(row.fields.len()));
        Ok(read.map(|_| row))
    }

    /// The next row, owned (tests).
    #[cfg(test)]
    pub fn next_row(&mut self) -> Result<Option<Row>, RowError> {
        Ok(self.next_row_ref()?.cloned())
    }

    /// The next row, borrowed: no allocation per row once the buffers have grown.
    pub fn next_row_ref(&mut self) -> Result<Option<&Row>, RowError> {
        if self.trailer.is_none() {
            // Rows without a header first (tests read every record as a row).
            self.trailer = Some(Trailer::new(0));
        }
        loop {
            let trailer = self.trailer.as_mut().expect("set above");
            if let Some(row) = trailer.pop() {
                let passed = std::mem::replace(&mut self.row, row);
                trailer.recycle(passed);
                return Ok(Some(&self.row));
            }
            if let Some(e) = self.error.take() {
                return Err(e);
            }
            if self.ended {
                return Ok(None);
            }
            let mut row = trailer.buffer();
            match self.next_record(&mut row) {
                Ok(Some(blank_before)) => self.trailer_mut().push(row, blank_before),
                Ok(None) => {
                    self.ended = true;
                    self.trailer_mut().finish();
                }
                Err(e) => {
                    self.ended = true;
                    self.error = Some(e);
                    self.trailer_mut().release_held();
                }
            }
        }
    }

    fn trailer_mut(&mut self) -> &mut Trailer {
        self.trailer.get_or_insert_with(|| Trailer::new(0))
    }

    /// The report footer left out at the end, once every row was read.
    pub fn footer(&self) -> Option<&Footer> {
        self.trailer.as_ref().and_then(Trailer::footer)
    }

    /// "row 7 (line 9): a value is longer than 1 MiB, the limit for one value; ...".
    fn too_long_error(&self, hit: TooLong) -> RowError {
        let what = if self.in_header {
            "the header".to_string()
        } else {
            format!("row {}", self.number + 1)
        };
        let limit = if hit.field {
            format!(
                "a value in {what} (line {}) is longer than {}, the limit for one value",
                hit.line,
                crate::fsutil::describe_size(MAX_FIELD as u64)
            )
        } else {
            format!(
                "{what} (line {}) is longer than {}, the limit for one row",
                hit.line,
                crate::fsutil::describe_size(MAX_RECORD as u64)
            )
        };
        RowError {
            line: hit.line,
            message: format!(
                "{limit}; is this a CSV file? (a quote that is never closed makes the rest of a \
                 file one value)"
            ),
        }
    }

    /// The line a record starting at byte `start` begins on, skipping the blank lines the parser
    /// jumped over, and whether a blank line comes right before it.
    fn line_of(&mut self, mut start: u64) -> (u64, bool) {
        let mut newlines = self.newlines.lock().unwrap_or_else(|p| p.into_inner());
        while let Some(&offset) = newlines.front() {
            if offset <= start {
                newlines.pop_front();
                self.lines_before += 1;
                self.last_lfs = [self.last_lfs[1], offset];
                if offset == start {
                    start += 1;
                }
            } else {
                break;
            }
        }
        let blank_before = start >= 2 && self.last_lfs == [start - 2, start - 1];
        (self.lines_before + 1, blank_before)
    }

    /// Reads the next record into `row`: `Some(blank line before it)`, or `None` at the end.
    fn next_record(&mut self, row: &mut Row) -> Result<Option<bool>, RowError> {
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => Ok(None),
            Ok(true) => {
                self.number += 1;
                let start = self.record.position().map_or(0, |p| p.byte());
                let unclosed = *self.unclosed.lock().unwrap_or_else(|p| p.into_inner());
                if let Some((offset, line)) = unclosed {
                    if start <= offset {
                        return Err(RowError {
                            line,
                            message: format!(
                                "a quoted value opened on line {line} is never closed, so the \
                                 rest of the file would be read as one cell; close the quote (a \
                                 quote inside a quoted value is written twice: \"\")"
                            ),
                        });
                    }
                }
                let (line, blank_before) = self.line_of(start);
                row.number = self.number;
                row.line = line;
                row.undecodable.clear();
                row.fields.truncate(self.record.len());
                for (i, bytes) in self.record.iter().enumerate() {
                    if row.fields.len() <= i {
                        row.fields.push(String::new());
                    }
                    let field = &mut row.fields[i];
                    field.clear();
                    match std::str::from_utf8(bytes) {
                        Ok(s) => {
                            if self.replacement_is_error && s.contains('\u{FFFD}') {
                                row.undecodable.push(i);
                            }
                            field.push_str(s);
                        }
                        Err(_) => {
                            row.undecodable.push(i);
                            field.push_str(&String::from_utf8_lossy(bytes));
                        }
                    }
                }
                Ok(Some(blank_before))
            }
            Err(e) => {
                let too_long = *self.too_long.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(hit) = too_long {
                    return Err(self.too_long_error(hit));
                }
                let line = e.position().map_or(0, |p| p.line());
                Err(RowError {
                    line,
                    message: match e.kind() {
                        csv::ErrorKind::Io(io) => format!("read error: {io}"),
                        _ => e.to_string(),
                    },
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use encoding_rs::UTF_8;

    use super::super::test_support::{read_all, rows_of};
    use super::super::Format;
    use super::*;

    #[test]
    fn a_quote_never_closed_is_an_error_not_one_giant_cell() {
        let err = read_all(b"Email,Name\na@x.example,Ann\nb@x.example,\"Bob\nc@x.example,Carl\n")
            .unwrap_err();
        assert!(
            err.starts_with("line 3: a quoted value opened on line 3 is never closed"),
            "{err}"
        );
        // Closed quotes, escaped quotes, quotes inside unquoted values and CR line ends are fine.
        let ok = read_all(
            b"Email;Name\r\na@x.example;\"Le; \"\"B\"\"\"\r\nb@x.example;O\"Neil\rc@x.example;\"x\"y\n",
        )
        .unwrap();
        assert_eq!(ok.len(), 4);
        assert_eq!(ok[1][1], "Le; \"B\"");
        assert_eq!(ok[2][1], "O\"Neil");
        assert_eq!(ok[3][1], "xy");
        // A quote opened at the very end of a header.
        let err = read_all(b"Email,\"Name\n").unwrap_err();
        assert!(err.contains("opened on line 1"), "{err}");
    }

    #[test]
    fn a_report_footer_after_a_blank_line_is_held_back_with_any_line_ending() {
        for bytes in [
            &b"Email,Name,Notes\na@x.example,Ann,\"two\nlines\"\n\n\"Total\"\n\"Confidential Information - Do Not Distribute\"\n"[..],
            b"Email,Name,Notes\r\na@x.example,Ann,\"two\r\nlines\"\r\n\r\n\"Total\"\r\n\"Confidential Information - Do Not Distribute\"\r\n",
        ] {
            let (_, rows, footer) = rows_and_footer(bytes);
            assert_eq!(rows.len(), 2, "{:?}", String::from_utf8_lossy(bytes));
            let f = footer.unwrap();
            assert_eq!((f.after_row, f.first_line, f.last_line), (1, 5, 6));
        }
        // No blank line, full-width rows: nothing is held back.
        let (_, rows, footer) = rows_and_footer(b"Email,Name\na@x.example,Ann\nTotal,2\n");
        assert_eq!((rows.len(), footer), (3, None));
        // A row that ends in a one-character cell right before the next row is no blank line.
        let (_, rows, footer) = rows_and_footer(b"Email,N\na@x.example,A\nTotal,\n");
        assert_eq!((rows.len(), footer), (3, None));
    }

    fn rows_and_footer(bytes: &[u8]) -> (Format, Vec<Row>, Option<super::super::Footer>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.csv");
        std::fs::write(&path, bytes).unwrap();
        let opened = super::super::open(&super::super::Source::File(path), None, None).unwrap();
        let format = opened.format.clone();
        let mut rows = Rows::new(opened);
        let mut out = vec![rows.header().unwrap().unwrap()];
        while let Some(r) = rows.next_row().unwrap() {
            out.push(r);
        }
        (format, out, rows.footer().cloned())
    }

    #[test]
    fn forced_utf8_reports_bad_bytes_per_field() {
        let (_, rows) = rows_of(b"Email,Name\na@b.example,Jos\xe9\n", Some(UTF_8));
        assert_eq!(rows[1].undecodable, [1]);
    }

    #[test]
    fn quoted_fields_with_delimiters_and_newlines() {
        let (f, rows) = rows_of(
            b"Email,Notes\na@b.example,\"one, two\nthree\"\nc@d.example,x\n",
            None,
        );
        assert_eq!(f.delimiter, b',');
        assert_eq!(rows[1].fields[1], "one, two\nthree");
        assert_eq!((rows[2].number, rows[2].line), (2, 4));
    }

    #[test]
    fn line_numbers_with_every_line_ending() {
        for bytes in [
            &b"h1,h2\r\na,b\r\n\r\nc,\"x\r\ny\"\r\nd,e\r\n"[..],
            b"h1,h2\ra,b\r\rc,\"x\ry\"\rd,e\r",
            b"h1,h2\na,b\n\nc,\"x\ny\"\nd,e\n",
        ] {
            let (_, rows) = rows_of(bytes, None);
            let lines: Vec<(u64, u64)> = rows[1..].iter().map(|r| (r.number, r.line)).collect();
            assert_eq!(
                lines,
                [(1, 2), (2, 4), (3, 6)],
                "{:?}",
                String::from_utf8_lossy(bytes)
            );
            assert_eq!(rows[2].fields[1], "x\ny");
        }
    }

    #[test]
    fn values_and_rows_past_their_limits_are_errors_naming_the_row() {
        let mut long = b"Email,Notes\na@b.example,ok\n\"x@b.example\",\"".to_vec();
        long.extend(std::iter::repeat_n(b'y', MAX_FIELD + 1));
        long.extend_from_slice(b"\"\n");
        let err = read_all(&long).unwrap_err();
        assert!(
            err.starts_with(
                "line 3: a value in row 2 (line 3) is longer than 1 MiB, the limit for one value"
            ),
            "{}",
            &err[..err.len().min(200)]
        );
        // Many values of a legal size still make a row too long.
        let mut wide = b"Email\n".to_vec();
        let cell = vec![b'z'; 1024];
        for _ in 0..(MAX_RECORD / 1025 + 1) {
            wide.extend_from_slice(&cell);
            wide.push(b',');
        }
        wide.push(b'\n');
        let err = read_all(&wide).unwrap_err();
        assert!(
            err.contains("row 1 (line 2) is longer than 16 MiB, the limit for one row"),
            "{}",
            &err[..err.len().min(200)]
        );
        // A quoted value of exactly the limit is read whole.
        let mut exact = b"Email,Notes\na@b.example,\"".to_vec();
        exact.extend(std::iter::repeat_n(b'e', MAX_FIELD));
        exact.extend_from_slice(b"\"\n");
        assert_eq!(read_all(&exact).unwrap()[1][1].len(), MAX_FIELD);
        // A value just under the limit, with delimiters and newlines inside quotes, is fine.
        let mut ok = b"Email,Notes\na@b.example,\"".to_vec();
        ok.extend(std::iter::repeat_n(b'q', MAX_FIELD - 10));
        ok.extend_from_slice(b",\n\"\n");
        assert_eq!(read_all(&ok).unwrap()[1][1].len(), MAX_FIELD - 8);
    }
}
