//! Helpers shared by the unit tests of `detect` and `rows`: a CSV written to a temporary file,
//! opened and read to the end.

use encoding_rs::Encoding;

use super::{open, Format, Row, Rows, Source};

pub(super) fn read_all(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
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

pub(super) fn rows_of(bytes: &[u8], forced: Option<&'static Encoding>) -> (Format, Vec<Row>) {
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
