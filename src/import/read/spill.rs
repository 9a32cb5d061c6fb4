//! A query's result kept on disk for the passes over it (check every row, then send; settle):
//! the database is asked once, its rows written as they arrive to a private temporary file, and
//! each pass reads that file again, so memory stays independent of the result's size and every
//! pass sees the same rows (doc/sources.md, "Why a spill file"). The file has no name: it is
//! removed from its directory as it is created, so the system frees it when the process ends,
//! however it ends (Ctrl-C before sending, `kill -9`); each pass reads it by position.
//!
//! The format is leadctl's own and lives only as long as the run: per row, a u32 count of cells,
//! then per cell a u32 length and its UTF-8 bytes (little-endian). The first row is the header.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::sync::Arc;

use super::{ReadError, Row, RowError, MAX_FIELD, MAX_RECORD};

/// Where a query's rows are being written.
pub struct SpillWriter {
    out: BufWriter<File>,
    rows: u64,
}

/// A query's result, written whole: what the passes read.
pub struct Spilled {
    /// How the source is named in messages (`query on sqlite:leads.db`).
    pub name: String,
    file: Arc<File>,
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
        Arc::ptr_eq(&self.file, &other.file)
    }
}

impl Eq for Spilled {}

impl SpillWriter {
    /// A new private temporary file without a name (in `TMPDIR`, else the system's temporary
    /// directory).
    pub fn create() -> io::Result<SpillWriter> {
        Self::writer(tempfile::tempfile()?)
    }

    #[cfg(test)]
    fn create_in(dir: &std::path::Path) -> io::Result<SpillWriter> {
        Self::writer(tempfile::tempfile_in(dir)?)
    }

    fn writer(file: File) -> io::Result<SpillWriter> {
        Ok(SpillWriter {
            out: BufWriter::with_capacity(256 * 1024, file),
            rows: 0,
        })
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
    pub fn finish(self, name: String, description: String) -> io::Result<Spilled> {
        let file = self.out.into_inner().map_err(|e| e.into_error())?;
        Ok(Spilled {
            name,
            file: Arc::new(file),
            rows: self.rows.saturating_sub(1),
            description,
        })
    }
}

fn len32(n: usize) -> io::Result<u32> {
    u32::try_from(n).map_err(|_| io::Error::other("a value is too long for the spill file"))
}

impl Spilled {
    /// The file's bytes, from its start.
    pub fn raw(&self) -> BufReader<impl Read + Send> {
        self.reader()
    }

    /// A reader of the file from its start, at its own position (passes read it side by side).
    fn reader(&self) -> BufReader<At> {
        BufReader::with_capacity(
            256 * 1024,
            At {
                file: self.file.clone(),
                at: 0,
            },
        )
    }

    /// The rows again, from the header.
    pub fn open(self: &Arc<Spilled>) -> Result<SpillRows, ReadError> {
        Ok(SpillRows {
            input: self.reader(),
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
    input: BufReader<At>,
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

/// The spill file read from a position of its own (passes may read it at once).
struct At {
    file: Arc<File>,
    at: u64,
}

impl Read for At {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        #[cfg(unix)]
        let n = std::os::unix::fs::FileExt::read_at(&*self.file, buf, self.at)?;
        #[cfg(windows)]
        let n = std::os::windows::fs::FileExt::seek_read(&*self.file, buf, self.at)?;
        self.at += n as u64;
        Ok(n)
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
        // Two passes at once, each from its own position.
        let (mut a, mut b) = (s.open().unwrap(), s.open().unwrap());
        assert_eq!(a.next_row_ref().unwrap().unwrap().number, 1);
        assert_eq!(b.next_row_ref().unwrap().unwrap().number, 1);
        assert_eq!(a.next_row_ref().unwrap().unwrap().number, 2);
        assert_eq!(
            b.next_row_ref().unwrap().unwrap().fields[0],
            "b@example.com"
        );
    }

    /// The file has no name in its directory: nothing is left there however the process ends.
    #[test]
    fn the_spill_file_has_no_name_to_leave_behind() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = SpillWriter::create_in(dir.path()).unwrap();
        w.push(&["email"]).unwrap();
        w.push(&["a@example.com"]).unwrap();
        let s = Arc::new(w.finish("query".into(), "d".into()).unwrap());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let mut r = s.open().unwrap();
        assert_eq!(r.next_row_ref().unwrap().unwrap().fields, ["a@example.com"]);
    }
}
