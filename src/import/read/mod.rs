//! Reading a CSV the way users have them: detecting the encoding (BOM, UTF-8, else
//! Windows-1252) and the delimiter, transcoding to UTF-8 as a stream, and yielding rows with their
//! row and line numbers. Memory stays independent of the file's size.
//!
//! This module owns `open`, which ties the parts together: `source` says where the bytes come
//! from (a file or a stream), `detect` decides the encoding and delimiter (`Format`), `decode`
//! transcodes to UTF-8, and `rows` turns the stream into the header and rows.

mod decode;
mod detect;
mod footer;
mod rows;
mod source;
#[cfg(test)]
mod test_support;

use std::io::{self, Cursor, Read};

use encoding_rs::{Encoding, UTF_8};

use decode::DecodeReader;
pub use detect::{delimiter_for_arg, delimiter_name, detect_delimiter, encoding_for_label, Format};
pub use footer::{fold, Footer, Trailer};
pub use rows::{Row, RowError, Rows, TooLong, MAX_FIELD, MAX_RECORD};
pub use source::Source;

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
    let mut raw = source::open_raw(source)?;
    // The first bytes decide BOM and give the stdin detection sample.
    let mut head = Vec::with_capacity(SAMPLE);
    (&mut raw)
        .take(SAMPLE as u64)
        .read_to_end(&mut head)
        .map_err(io_err)?;

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
