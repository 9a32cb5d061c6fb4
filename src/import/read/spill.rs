//! A query's result kept on disk for the passes over it (check every row, then send; settle):
//! the database is asked once, its rows written as they arrive to a private temporary file
//! (created 0600, removed when the run ends), and each pass reads that file again, so memory
//! stays independent of the result's size and every pass sees the same rows (doc/sources.md,
//! "Why a spill file").
//!
//! The format is leadctl's own and lives only as long as the run: per row, a u32 count of cells,
//! then per cell a u32 length and its UTF-8 bytes (little-endian). The first row is the header.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::Path;
use std::sync::Arc;

use super::{ReadError, Row, RowError, MAX_FIELD, MAX_RECORD};

/// Where a query's rows are being written.
pub struct SpillWriter {
    file: tempfile::NamedTempFile,
    out: BufWriter<File>,
    rows: u64,
}

/// A query's result, written whole: what the passes read.
pub struct Spilled {
    /// How the source is named in messages (`query on sqlite:leads.db`).
    pub name: String,
    file: tempfile::NamedTempFile,
    /// Data rows (the header excluded).
    pub rows: u64,
    /// What was read, said on stderr.
    pub description: String,
}

impl std::fmt::Debug for Spilled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Spilled({}, {} rows)", self.name, self.rows)
    }
}

/// Two spills are the same source only when they are the same file.
impl PartialEq for Spilled {
    fn eq(&self, other: &Spilled) -> bool {
        self.file.path() == other.file.path()
    }
}

impl Eq for Spilled {}

impl SpillWriter {
    /// A new private temporary file (in `TMPDIR`, else the system's temporary directory).
    pub fn create() -> io::Result<SpillWriter> {
        let file = tempfile::Builder::new()
            .prefix("leadctl-query-")
            .suffix(".spill")
            .tempfile()?;
        let out = BufWriter::with_capacity(256 * 1024, file.as_file().try_clone()?);
        Ok(SpillWriter { file, out, rows: 0 })
    }

    /// Writes one row (the first is the header). The caller bounds the cells (`MAX_FIELD`).
    pub fn push<S: AsRef<str>>(&mut self, cells: &[S]) -> io::Result<()> {
        self.out.write_all(&len32(cells.len())?.to_le_bytes())?;
        for c in cells {
            let c = c.as_ref().as_bytes();
            self.out.write_all(&len32(c.len())?.to_le_bytes())?;
            self.out.write_all(c)?;
        }
        self.rows += 1;
        Ok(())
    }

    /// Flushes and hands the result over; `rows` excludes the header.
    pub fn finish(mut self, name: String, description: String) -> io::Result<Spilled> {
        self.out.flush()?;
        Ok(Spilled {
            name,
            file: self.file,
            rows: self.rows.saturating_sub(1),
            description,
        })
    }
}

fn len32(n: usize) -> io::Result<u32> {
    u32::try_from(n).map_err(|_| io::Error::other("a value is too long for the spill file"))
}

impl Spilled {
    pub fn path(&self) -> &Path {
        self.file.path()
    }

    /// The rows again, from the header.
    pub fn open(self: &Arc<Spilled>) -> Result<SpillRows, ReadError> {
        let file = File::open(self.path()).map_err(|e| {
            ReadError(format!(
                "cannot read the query's rows back from {}: {e}",
                self.path().display()
            ))
        })?;
        Ok(SpillRows {
            input: BufReader::with_capacity(256 * 1024, file),
            number: 0,
            header_read: false,
            row: Row {
                number: 0,
                line: 0,
                fields: Vec::new(),
                undecodable: Vec::new(),
                sheet: None,
                cell_errors: Vec::new(),
            },
            buf: Vec::new(),
        })
    }
}

/// A spilled result's header, then its rows numbered 1, 2, ... as the result gave them. A row's
/// `line` is 0: a query's rows have no line (messages name the row and the column).
pub struct SpillRows {
    input: BufReader<File>,
    number: u64,
    header_read: bool,
    row: Row,
    buf: Vec<u8>,
}

impl SpillRows {
    pub fn header(&mut self) -> Result<Option<Row>, RowError> {
        self.header_read = true;
        Ok(self.read()?.then(|| self.row.clone()))
    }

    pub fn next_row_ref(&mut self) -> Result<Option<&Row>, RowError> {
        if !self.header_read {
            self.header()?;
        }
        if !self.read()? {
            return Ok(None);
        }
        self.number += 1;
        self.row.number = self.number;
        Ok(Some(&self.row))
    }

    /// Reads the next record into `self.row`; false at the end.
    fn read(&mut self) -> Result<bool, RowError> {
        let broken = |e: io::Error| RowError {
            line: 0,
            message: format!("the query's spill file cannot be read: {e}"),
        };
        let mut word = [0u8; 4];
        match self.input.read_exact(&mut word) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(false),
            Err(e) => return Err(broken(e)),
        }
        let cells = u32::from_le_bytes(word) as usize;
        self.row.fields.truncate(cells);
        let mut total = 0usize;
        for i in 0..cells {
            self.input.read_exact(&mut word).map_err(broken)?;
            let len = u32::from_le_bytes(word) as usize;
            total += len;
            if len > MAX_FIELD || total > MAX_RECORD {
                return Err(broken(io::Error::other("a value is longer than written")));
            }
            self.buf.resize(len, 0);
            self.input.read_exact(&mut self.buf).map_err(broken)?;
            let text = std::str::from_utf8(&self.buf)
                .map_err(|_| broken(io::Error::other("not UTF-8")))?;
            match self.row.fields.get_mut(i) {
                Some(f) => {
                    f.clear();
                    f.push_str(text);
                }
                None => self.row.fields.push(text.to_string()),
            }
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_come_back_as_written_in_every_pass() {
        let mut w = SpillWriter::create().unwrap();
        w.push(&["email", "notes"]).unwrap();
        w.push(&["a@example.com", ""]).unwrap();
        w.push(&["b@example.com", "two\nlines, \"quoted\""])
            .unwrap();
        w.push(&["c@example.com", "é"]).unwrap();
        let s = Arc::new(w.finish("query".into(), "d".into()).unwrap());
        assert_eq!(s.rows, 3);
        for _ in 0..2 {
            let mut r = s.open().unwrap();
            assert_eq!(r.header().unwrap().unwrap().fields, ["email", "notes"]);
            let mut seen = Vec::new();
            while let Some(row) = r.next_row_ref().unwrap() {
                seen.push((row.number, row.line, row.fields.clone()));
            }
            assert_eq!(
                seen,
                [
                    (1, 0, vec!["a@example.com".to_string(), String::new()]),
                    (
                        2,
                        0,
                        vec!["b@example.com".into(), "two\nlines, \"quoted\"".into()]
                    ),
                    (3, 0, vec!["c@example.com".into(), "é".into()]),
                ]
            );
        }
        let path = s.path().to_path_buf();
        drop(s);
        assert!(!path.exists(), "the spill file is removed with the run");
    }
}
