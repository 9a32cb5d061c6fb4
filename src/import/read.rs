//! Reading a CSV the way users have them: detecting the encoding (BOM, UTF-8, else
//! Windows-1252) and the delimiter, transcoding to UTF-8 as a stream, and yielding rows with their
//! row and line numbers. Memory stays independent of the file's size.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufReader, Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252};

/// Where the rows come from. A regular file can be read more than once (check, then send); a
/// stream (stdin, a pipe, a FIFO, a device, `/dev/fd/N`) is opened once and read once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    File(PathBuf),
    Stdin,
    /// A path that is not a regular file: read once, never reopened, nothing written beside it.
    Stream(PathBuf),
}

impl Source {
    /// `-` is stdin; a path that (after following symlinks) is a regular file is a file; any
    /// other existing path (a FIFO, a character device, a socket, `/dev/stdin`, `/dev/fd/N`,
    /// `/proc/self/fd/N`, bash's `<(...)`) is a stream. A missing path stays a file, so opening it
    /// says that it is missing.
    pub fn from_arg(arg: &Path) -> Source {
        if arg == Path::new("-") {
            return Source::Stdin;
        }
        if is_descriptor_path(arg) {
            return Source::Stream(arg.to_path_buf());
        }
        match std::fs::metadata(arg) {
            Ok(m) if !m.is_file() && !m.is_dir() => Source::Stream(arg.to_path_buf()),
            _ => Source::File(arg.to_path_buf()),
        }
    }

    pub fn name(&self) -> String {
        match self {
            Source::File(p) | Source::Stream(p) => p.display().to_string(),
            Source::Stdin => "stdin".to_string(),
        }
    }
}

/// A path that names an open descriptor rather than a file: opening it again may give another
/// reader of the same pipe (empty once read) or share its offset, so it is read once.
fn is_descriptor_path(path: &Path) -> bool {
    let text = path.to_string_lossy();
    text == "/dev/stdin"
        || text.starts_with("/dev/fd/")
        || text.starts_with("/proc/self/fd/")
        || text.starts_with("/proc/thread-self/fd/")
        || (text.starts_with("/proc/") && text.split('/').nth(3) == Some("fd"))
}

/// What was detected (or given) about the input, said on stderr before anything else.
#[derive(Debug, Clone)]
pub struct Format {
    pub encoding: &'static Encoding,
    pub encoding_how: &'static str,
    pub bom_len: usize,
    pub delimiter: u8,
    pub delimiter_how: &'static str,
}

impl Format {
    pub fn describe(&self) -> String {
        let bom = if self.bom_len > 0 { " with a BOM" } else { "" };
        format!(
            "{}{bom} ({}), delimiter {} ({})",
            self.encoding.name(),
            self.encoding_how,
            delimiter_name(self.delimiter),
            self.delimiter_how
        )
    }
}

pub fn delimiter_name(d: u8) -> String {
    match d {
        b'\t' => "tab".to_string(),
        b',' => "','".to_string(),
        b';' => "';'".to_string(),
        b'|' => "'|'".to_string(),
        other => format!("{:?}", other as char),
    }
}

/// `--encoding` names: any WHATWG label (utf-8, utf-16le, windows-1252, latin1, iso-8859-15, ...).
pub fn encoding_for_label(label: &str) -> Option<&'static Encoding> {
    match label.trim().to_ascii_lowercase().as_str() {
        "utf16le" | "utf-16" => Some(UTF_16LE),
        "utf16be" => Some(UTF_16BE),
        "utf8" => Some(UTF_8),
        "cp1252" => Some(WINDOWS_1252),
        other => Encoding::for_label(other.as_bytes()),
    }
}

/// `--delimiter`: one ASCII character, or the words tab, comma, semicolon, pipe.
pub fn delimiter_for_arg(arg: &str) -> Option<u8> {
    match arg {
        "tab" | "\\t" | "\t" => Some(b'\t'),
        "comma" => Some(b','),
        "semicolon" => Some(b';'),
        "pipe" => Some(b'|'),
        s if s.len() == 1 && s.is_ascii() && s != "\"" && s != "\n" && s != "\r" => {
            Some(s.as_bytes()[0])
        }
        _ => None,
    }
}

/// An input problem found before any row (exit 6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError(pub String);

/// A readable, transcoded-to-UTF-8 stream plus the format it was read with.
pub struct Opened {
    pub format: Format,
    pub reader: Box<dyn Read + Send>,
}

/// Sample size for delimiter detection (and for stdin's encoding detection).
const SAMPLE: usize = 64 * 1024;

/// Opens the input: encoding from `forced`, a BOM, or detection; then the delimiter from
/// `delimiter` or detection on the first 64 KiB.
pub fn open(
    source: &Source,
    forced: Option<&'static Encoding>,
    delimiter: Option<u8>,
) -> Result<Opened, ReadError> {
    let name = source.name();
    let io_err = |e: io::Error| ReadError(format!("cannot read {name}: {e}"));
    let mut raw: Box<dyn Read + Send> = match source {
        Source::File(p) => Box::new(BufReader::with_capacity(
            256 * 1024,
            File::open(p).map_err(|e| ReadError(format!("cannot open {}: {e}", p.display())))?,
        )),
        Source::Stdin => Box::new(io::stdin()),
        // Opened once: a FIFO blocks here until a writer opens it, as `cat` would.
        Source::Stream(p) => Box::new(BufReader::with_capacity(
            256 * 1024,
            File::open(p).map_err(|e| ReadError(format!("cannot open {}: {e}", p.display())))?,
        )),
    };
    // The first bytes decide BOM and give the stdin detection sample.
    let mut head = Vec::with_capacity(SAMPLE);
    (&mut raw)
        .take(SAMPLE as u64)
        .read_to_end(&mut head)
        .map_err(io_err)?;

    let (bom_encoding, bom_len) = match Encoding::for_bom(&head) {
        Some((enc, len)) => (Some(enc), len),
        None => (None, 0),
    };
    let (encoding, how) = if let Some(enc) = forced {
        (enc, "--encoding")
    } else if let Some(enc) = bom_encoding {
        (enc, "byte-order mark")
    } else {
        if looks_like_utf16(&head) {
            return Err(ReadError(format!(
                "{name} looks like UTF-16 without a byte-order mark (many NUL bytes); pass \
                 --encoding utf-16le or --encoding utf-16be"
            )));
        }
        let scan = match source {
            Source::File(p) => scan_utf8(File::open(p).map_err(io_err)?, true).map_err(io_err)?,
            Source::Stdin | Source::Stream(_) => scan_utf8(&head[..], false).map_err(io_err)?,
        };
        match scan {
            Utf8Scan::Valid => (UTF_8, "detected"),
            // Valid multi-byte UTF-8 (`é` as C3 A9) next to invalid bytes: a UTF-8 file with a
            // few bad bytes pasted in. Windows-1252 text almost never forms valid UTF-8
            // sequences, and reading this one as Windows-1252 would garble every accent.
            Utf8Scan::Invalid {
                line,
                multibyte: true,
            } => {
                return Err(ReadError(format!(
                    "{name} is UTF-8 except for bytes on line {line} that are not valid UTF-8; \
                     read as Windows-1252 its accented letters would be garbled (é as Ã©), so \
                     it is not guessed: fix that line or re-save the file as UTF-8, or pass \
                     --encoding utf-8 (rows with bad bytes are then reported, and left out with \
                     --skip-invalid) or --encoding windows-1252"
                )))
            }
            Utf8Scan::Invalid { .. } => (WINDOWS_1252, "detected: not valid UTF-8"),
        }
    };
    // Strip a BOM only when it belongs to the encoding read with.
    let skip = if bom_encoding == Some(encoding) {
        bom_len
    } else {
        0
    };
    let rest = Cursor::new(head).chain(raw);
    let mut rest: Box<dyn Read + Send> = Box::new(rest);
    if skip > 0 {
        let mut discard = vec![0; skip];
        rest.read_exact(&mut discard).map_err(io_err)?;
    }
    let mut decoded: Box<dyn Read + Send> = if encoding == UTF_8 {
        rest
    } else {
        Box::new(DecodeReader::new(rest, encoding))
    };

    let mut sample = Vec::with_capacity(SAMPLE);
    (&mut decoded)
        .take(SAMPLE as u64)
        .read_to_end(&mut sample)
        .map_err(io_err)?;
    let (delimiter, delimiter_how) = match delimiter {
        Some(d) => (d, "--delimiter"),
        None => (detect_delimiter(&sample), "detected"),
    };
    Ok(Opened {
        format: Format {
            encoding,
            encoding_how: how,
            bom_len: skip,
            delimiter,
            delimiter_how,
        },
        reader: Box::new(Cursor::new(sample).chain(decoded)),
    })
}

/// Many NUL bytes in text means UTF-16 (or binary) read as 8-bit.
fn looks_like_utf16(head: &[u8]) -> bool {
    let sample = &head[..head.len().min(4096)];
    sample.len() >= 4 && sample.iter().filter(|&&b| b == 0).count() * 4 >= sample.len()
}

/// What a pass over the bytes found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Utf8Scan {
    Valid,
    /// The first invalid byte is on `line`; `multibyte`: valid multi-byte UTF-8 appears too.
    Invalid {
        line: u64,
        multibyte: bool,
    },
}

/// Checks that the bytes are UTF-8 (a fast streaming pass). `complete`: the input ends here (a
/// file); otherwise (stdin's first 64 KiB) a sequence cut by the end is not an error.
fn scan_utf8(mut input: impl Read, complete: bool) -> io::Result<Utf8Scan> {
    let mut buf = vec![0u8; 256 * 1024];
    let mut carry = 0usize;
    let mut lines = 1u64;
    let mut first_bad: Option<u64> = None;
    let mut multibyte = false;
    loop {
        let n = input.read(&mut buf[carry..])?;
        let filled = carry + n;
        let mut at = 0;
        carry = 0;
        while at < filled {
            match std::str::from_utf8(&buf[at..filled]) {
                Ok(text) => {
                    multibyte |= !text.is_ascii();
                    lines += bytecount_lf(text.as_bytes());
                    at = filled;
                }
                Err(e) => {
                    let valid = &buf[at..at + e.valid_up_to()];
                    multibyte |= !valid.is_ascii();
                    lines += bytecount_lf(valid);
                    at += e.valid_up_to();
                    match e.error_len() {
                        Some(bad) => {
                            first_bad.get_or_insert(lines);
                            at += bad;
                        }
                        // An incomplete sequence at the end: keep it for the next read.
                        None if n > 0 => {
                            buf.copy_within(at..filled, 0);
                            carry = filled - at;
                            at = filled;
                        }
                        None => {
                            if complete {
                                first_bad.get_or_insert(lines);
                            }
                            at = filled;
                        }
                    }
                }
            }
        }
        // Both known: the answer cannot change.
        if n == 0 || (first_bad.is_some() && multibyte) {
            break;
        }
    }
    Ok(match first_bad {
        None => Utf8Scan::Valid,
        Some(line) => Utf8Scan::Invalid { line, multibyte },
    })
}

fn bytecount_lf(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

/// The candidate among `,` `;` tab `|` that splits the sample into the most columns with every
/// record agreeing; `,` when none splits anything.
pub fn detect_delimiter(sample: &[u8]) -> u8 {
    // Cut at the last newline so a record split by the sample's end does not count.
    let cut = sample
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(sample.len(), |i| i + 1);
    let sample = &sample[..cut];
    let mut best = (b',', 0usize, 0usize);
    for d in [b',', b';', b'\t', b'|'] {
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(d)
            .has_headers(false)
            .flexible(true)
            .from_reader(sample);
        let mut counts = Vec::new();
        for rec in rdr.byte_records().take(50) {
            match rec {
                Ok(r) => counts.push(r.len()),
                Err(_) => break,
            }
        }
        let Some(&header) = counts.first() else {
            continue;
        };
        let agreeing = counts.iter().filter(|&&c| c == header).count();
        // Prefer more columns; among equals, more agreeing records; ties keep the earlier one.
        if header > 1 && (header, agreeing) > (best.1, best.2) && agreeing * 10 >= counts.len() * 8
        {
            best = (d, header, agreeing);
        }
    }
    best.0
}

/// Transcodes any encoding_rs encoding to UTF-8 as a `Read`; malformed input becomes U+FFFD,
/// which the row reader reports as undecodable bytes.
struct DecodeReader<R: Read> {
    inner: R,
    decoder: encoding_rs::Decoder,
    input: Vec<u8>,
    in_start: usize,
    in_end: usize,
    output: Vec<u8>,
    out_start: usize,
    out_end: usize,
    eof: bool,
    done: bool,
}

impl<R: Read> DecodeReader<R> {
    fn new(inner: R, encoding: &'static Encoding) -> DecodeReader<R> {
        DecodeReader {
            inner,
            decoder: encoding.new_decoder_without_bom_handling(),
            input: vec![0; 64 * 1024],
            in_start: 0,
            in_end: 0,
            output: vec![0; 3 * 64 * 1024 + 16],
            out_start: 0,
            out_end: 0,
            eof: false,
            done: false,
        }
    }
}

impl<R: Read> Read for DecodeReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.out_start == self.out_end {
            if self.done {
                return Ok(0);
            }
            if self.in_start == self.in_end && !self.eof {
                let n = self.inner.read(&mut self.input)?;
                self.in_start = 0;
                self.in_end = n;
                self.eof = n == 0;
            }
            let (_, read, written, _) = self.decoder.decode_to_utf8(
                &self.input[self.in_start..self.in_end],
                &mut self.output,
                self.eof,
            );
            self.in_start += read;
            self.out_start = 0;
            self.out_end = written;
            if self.eof && self.in_start == self.in_end {
                self.done = true;
            }
        }
        let n = buf.len().min(self.out_end - self.out_start);
        buf[..n].copy_from_slice(&self.output[self.out_start..self.out_start + n]);
        self.out_start += n;
        Ok(n)
    }
}

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
            },
            number: 0,
            replacement_is_error,
            newlines,
            lines_before: 0,
            unclosed,
            too_long,
            in_header: true,
        }
    }

    /// The header row (the first record); `None` for an empty input.
    pub fn header(&mut self) -> Result<Option<Row>, RowError> {
        let row = self.next_row()?;
        self.number = 0;
        self.in_header = false;
        Ok(row)
    }

    /// The next row, owned.
    pub fn next_row(&mut self) -> Result<Option<Row>, RowError> {
        Ok(self.next_row_ref()?.cloned())
    }

    /// The next row, borrowed: no allocation per row once the buffers have grown.
    pub fn next_row_ref(&mut self) -> Result<Option<&Row>, RowError> {
        if self.next_record()? {
            Ok(Some(&self.row))
        } else {
            Ok(None)
        }
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
    /// jumped over.
    fn line_of(&mut self, mut start: u64) -> u64 {
        let mut newlines = self.newlines.lock().unwrap_or_else(|p| p.into_inner());
        while let Some(&offset) = newlines.front() {
            if offset <= start {
                newlines.pop_front();
                self.lines_before += 1;
                if offset == start {
                    start += 1;
                }
            } else {
                break;
            }
        }
        self.lines_before + 1
    }

    fn next_record(&mut self) -> Result<bool, RowError> {
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => Ok(false),
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
                let line = self.line_of(start);
                let row = &mut self.row;
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
                Ok(true)
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
    use super::*;

    fn read_all(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.csv");
        std::fs::write(&path, bytes).unwrap();
        let opened = open(&Source::File(path), None, None).map_err(|e| e.0)?;
        let mut rows = Rows::new(opened);
        let mut out = Vec::new();
        match rows.header() {
            Ok(Some(r)) => out.push(r.fields),
            Ok(None) => return Ok(out),
            Err(e) => return Err(format!("line {}: {}", e.line, e.message)),
        }
        loop {
            match rows.next_row() {
                Ok(Some(r)) => out.push(r.fields),
                Ok(None) => return Ok(out),
                Err(e) => return Err(format!("line {}: {}", e.line, e.message)),
            }
        }
    }

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
    fn utf8_with_a_stray_latin1_byte_is_refused_not_garbled() {
        let err = read_all(
            "Email,Name\na@x.example,José\nb@x.example,M"
                .as_bytes()
                .iter()
                .copied()
                .chain(*b"\xfcller\n")
                .collect::<Vec<u8>>()
                .as_slice(),
        )
        .unwrap_err();
        assert!(err.contains("is UTF-8 except for bytes on line 3"), "{err}");
        // Pure Windows-1252 (no valid multi-byte UTF-8) is still detected as such.
        let ok = read_all(b"Email,Name\na@x.example,Jos\xe9\n").unwrap();
        assert_eq!(ok[1][1], "José");
        assert_eq!(scan_utf8(&b"ab\xc3"[..], false).unwrap(), Utf8Scan::Valid);
        assert_eq!(
            scan_utf8(&b"ab\xc3"[..], true).unwrap(),
            Utf8Scan::Invalid {
                line: 1,
                multibyte: false
            }
        );
    }

    fn rows_of(bytes: &[u8], forced: Option<&'static Encoding>) -> (Format, Vec<Row>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.csv");
        std::fs::write(&path, bytes).unwrap();
        let opened = open(&Source::File(path), forced, None).unwrap();
        let format = opened.format.clone();
        let mut rows = Rows::new(opened);
        let mut out = vec![rows.header().unwrap().unwrap()];
        while let Some(r) = rows.next_row().unwrap() {
            out.push(r);
        }
        (format, out)
    }

    #[test]
    fn utf8_with_bom_and_semicolons() {
        let (f, rows) = rows_of(
            "\u{feff}Email;Vorname\r\njose@example.com;José\r\n".as_bytes(),
            None,
        );
        assert_eq!(f.encoding, UTF_8);
        assert_eq!(f.bom_len, 3);
        assert_eq!(f.delimiter, b';');
        assert_eq!(rows[0].fields, ["Email", "Vorname"]);
        assert_eq!(rows[1].fields, ["jose@example.com", "José"]);
        assert_eq!((rows[1].number, rows[1].line), (1, 2));
    }

    #[test]
    fn windows_1252_is_detected_when_not_utf8() {
        let (f, rows) = rows_of(b"Email;Name\nj@example.com;Jos\xe9 M\xfcller\n", None);
        assert_eq!(f.encoding, WINDOWS_1252);
        assert_eq!(rows[1].fields[1], "José Müller");
        assert!(rows[1].undecodable.is_empty());
    }

    #[test]
    fn utf16_with_bom() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "Email\tName\nj@example.com\tJosé\n".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        let (f, rows) = rows_of(&bytes, None);
        assert_eq!(f.encoding, UTF_16LE);
        assert_eq!(f.delimiter, b'\t');
        assert_eq!(rows[1].fields, ["j@example.com", "José"]);
    }

    #[test]
    fn utf16_without_bom_is_refused() {
        let mut bytes = Vec::new();
        for u in "Email,Name\na@b.example,X\n".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("u16.csv");
        std::fs::write(&path, bytes).unwrap();
        let err = open(&Source::File(path.clone()), None, None).err().unwrap();
        assert!(
            err.0
                .contains("looks like UTF-16 without a byte-order mark"),
            "{}",
            err.0
        );
        assert!(open(&Source::File(path), Some(UTF_16LE), None).is_ok());
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
    fn delimiters() {
        assert_eq!(detect_delimiter(b"a,b,c\n1,2,3\n"), b',');
        assert_eq!(detect_delimiter(b"a;b;c\n1,5;2;3\n"), b';');
        assert_eq!(detect_delimiter(b"a\tb\n1\t2\n"), b'\t');
        assert_eq!(detect_delimiter(b"a|b|c\n1|2|3\n"), b'|');
        assert_eq!(detect_delimiter(b"email\nx@y.example\n"), b',');
        assert_eq!(delimiter_for_arg("tab"), Some(b'\t'));
        assert_eq!(delimiter_for_arg(";"), Some(b';'));
        assert_eq!(delimiter_for_arg("ab"), None);
        assert_eq!(encoding_for_label("latin1"), Some(WINDOWS_1252));
        assert_eq!(encoding_for_label("UTF-16LE"), Some(UTF_16LE));
        assert_eq!(encoding_for_label("klingon"), None);
    }

    #[test]
    fn pipes_and_descriptors_are_streams_and_files_are_files() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("in.csv");
        std::fs::write(&file, "Email\n").unwrap();
        assert_eq!(Source::from_arg(&file), Source::File(file.clone()));
        assert_eq!(Source::from_arg(Path::new("-")), Source::Stdin);
        for p in [
            "/dev/stdin",
            "/dev/fd/0",
            "/proc/self/fd/0",
            "/proc/123/fd/4",
        ] {
            assert_eq!(
                Source::from_arg(Path::new(p)),
                Source::Stream(p.into()),
                "{p}"
            );
        }
        // A symlink to a regular file is that file; a missing path is a file (opening it
        // says it is missing).
        #[cfg(unix)]
        {
            let link = dir.path().join("link.csv");
            std::os::unix::fs::symlink(&file, &link).unwrap();
            assert_eq!(Source::from_arg(&link), Source::File(link.clone()));
            assert_eq!(
                Source::from_arg(Path::new("/dev/null")),
                Source::Stream("/dev/null".into())
            );
        }
        let missing = dir.path().join("missing.csv");
        assert_eq!(Source::from_arg(&missing), Source::File(missing));
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

    #[test]
    fn utf8_split_across_buffer_boundaries_is_still_utf8() {
        let mut bytes = b"Email,Name\n".to_vec();
        while bytes.len() < 600 * 1024 {
            bytes.extend_from_slice("a@b.example,Zoë\n".as_bytes());
        }
        let (f, _) = rows_of(&bytes, None);
        assert_eq!(f.encoding, UTF_8);
    }
}
