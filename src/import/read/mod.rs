//! Reading the input the way users have it: a CSV (detecting the encoding: BOM, UTF-8, else
//! Windows-1252; and the delimiter; transcoding to UTF-8 as a stream) or a workbook (one sheet of
//! an .xlsx, .xlsm, .xlsb, .xls or .ods), yielding the same rows with their row and line (or
//! sheet row) numbers. Memory stays independent of a CSV's size.
//!
//! `input` ties the parts together (`open_rows`, `reopen`, `Rows`, `Detected`): `source` says
//! where the bytes come from (a file or a stream), `sniff` what they are (text, a workbook,
//! another binary format, refused), `detect` decides a CSV's encoding and delimiter (`Format`),
//! `decode` transcodes to UTF-8, `rows` turns the stream into the header and rows; `workbook`
//! reads a sheet's rows, `cell` its cells as text; `spill` keeps a query's result on disk for
//! the passes over it.

mod cell;
mod decode;
mod detect;
mod footer;
mod input;
mod rows;
pub mod sniff;
mod source;
pub mod spill;
#[cfg(test)]
mod test_support;
pub mod title;
mod workbook;

use std::io::{self, Cursor, Read};

use encoding_rs::{Encoding, UTF_8};

pub use cell::{cell_ref, column_letters, error_problem, sheet_ref};
use decode::DecodeReader;
pub use detect::{delimiter_for_arg, delimiter_name, detect_delimiter, encoding_for_label, Format};
pub use footer::{Footer, Trailer};
pub use input::{open_rows, reopen, Detected, Rows, Wanted};
pub use rows::{Row, RowError, TooLong, MAX_FIELD, MAX_RECORD};
pub use source::Source;
pub use workbook::{panics as workbook_reader_panics, Sheet};

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

/// Opens the input as a CSV: encoding from `forced`, a BOM, or detection; then the delimiter
/// from `delimiter` or detection on the first 64 KiB. A workbook or other binary input is
/// refused (`open_rows` reads workbooks).
pub fn open(
    source: &Source,
    forced: Option<&'static Encoding>,
    delimiter: Option<u8>,
) -> Result<Opened, ReadError> {
    let (raw, head) = input::head(source)?;
    match sniff::sniff(&head) {
        sniff::Sniffed::Text => open_text(source, raw, head, forced, delimiter),
        sniff::Sniffed::Binary(r) => Err(input::refused(&source.name(), &r)),
        sniff::Sniffed::Zip | sniff::Sniffed::Ole => Err(ReadError(format!(
            "{} is a zip or OLE2 file (a workbook?), not a CSV file",
            source.name()
        ))),
    }
}

/// Opens a text input whose first bytes (`head`) were read from `raw` already.
fn open_text(
    source: &Source,
    raw: Box<dyn Read + Send>,
    head: Vec<u8>,
    forced: Option<&'static Encoding>,
    delimiter: Option<u8>,
) -> Result<Opened, ReadError> {
    let name = source.name();
    let io_err = |e: io::Error| ReadError(format!("cannot read {name}: {e}"));
    let (encoding, how, skip) = detect::choose_encoding(source, &head, forced)?;
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
