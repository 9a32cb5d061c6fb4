//! What an import tells afterwards: one result per row on stdout (`-o ndjson|json|csv`, in row
//! order) and the errors file, the original rows that were not created plus `leadctl_row`,
//! `leadctl_outcome` and `leadctl_error`, ready to fix and import again.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::Failure;
use crate::output::stream::ItemStream;
use crate::output::Output;

pub use crate::deliver::{Counts, Outcome};

/// One row's result line: `row`, `outcome`, `lead_id`, `message` (what happened, in words) and
/// `error` (the same text, kept for one release for readers of the old name; CHANGELOG).
#[derive(Debug, Clone)]
pub struct RowResult {
    pub row: u64,
    pub outcome: Outcome,
    pub lead_id: Option<String>,
    /// The outcome's text (printed as `message`, and as `error` for one release).
    pub error: Option<String>,
    /// The original cells, for the errors file (not printed).
    pub fields: Vec<String>,
    /// The row's ledger key when the run knew it (for the run report; not printed).
    pub key: Option<String>,
}

impl Serialize for RowResult {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("RowResult", 5)?;
        st.serialize_field("row", &self.row)?;
        st.serialize_field("outcome", &self.outcome)?;
        st.serialize_field("lead_id", &self.lead_id)?;
        st.serialize_field("error", &self.error)?;
        st.serialize_field("message", &self.error)?;
        st.end()
    }
}

/// The results' CSV columns (`error` before `message`: the old order, one column added).
const RESULT_COLUMNS: [&str; 5] = ["row", "outcome", "lead_id", "error", "message"];

/// Per-row results on stdout in the chosen format (`output::stream`).
pub struct ResultPrinter {
    stream: ItemStream,
}

impl ResultPrinter {
    pub fn new() -> ResultPrinter {
        ResultPrinter {
            stream: ItemStream::new(&RESULT_COLUMNS),
        }
    }

    pub fn print(&mut self, out: &mut Output, r: &RowResult) -> std::io::Result<()> {
        let cells = || {
            let text = r.error.clone().unwrap_or_default();
            vec![
                r.row.to_string(),
                r.outcome.as_str().to_string(),
                r.lead_id.clone().unwrap_or_default(),
                text.clone(),
                text,
            ]
        };
        self.stream.item(out, r, cells, r.lead_id.as_deref())?;
        Ok(())
    }

    pub fn finish(&mut self, out: &mut Output) -> std::io::Result<()> {
        self.stream.finish(out)
    }
}

impl Default for ResultPrinter {
    fn default() -> ResultPrinter {
        ResultPrinter::new()
    }
}

const MARKER: [&str; 3] = ["leadctl_row", "leadctl_outcome", "leadctl_error"];

/// The errors file, created on the first row that needs it.
pub struct ErrorsFile {
    path: PathBuf,
    header: Vec<String>,
    /// The input's columns that are copied: all but the `leadctl_*` ones of an errors file
    /// being imported again, which are replaced (never stacked, where a stale outcome would hide).
    keep: Vec<usize>,
    delimiter: u8,
    bom: bool,
    writer: Option<csv::Writer<BufWriter<File>>>,
    pub rows: u64,
    /// An errors file of an earlier run was found at `path` (it is replaced or removed).
    pub replaced_earlier: bool,
}

impl ErrorsFile {
    /// Checks that `path` is free or holds an earlier leadctl errors file (never someone else's).
    pub fn prepare(
        path: &Path,
        header: &[String],
        delimiter: u8,
        bom: bool,
    ) -> Result<ErrorsFile, Failure> {
        // A FIFO would block the open (and the header check would wait for a newline from
        // `/dev/zero` or `/dev/full` forever): only a regular file is an errors file.
        if let Some(kind) = crate::fsutil::not_regular(path) {
            return Err(Failure::config(format!(
                "the errors file {} is {kind}, not a regular file; it is not written to",
                path.display()
            ))
            .with_hint("pass --errors PATH naming a regular file (or a new one)"));
        }
        let replaced_earlier = match File::open(path) {
            Ok(f) => {
                if !is_errors_file(f) {
                    return Err(Failure::config(format!(
                        "{} exists and was not written by leadctl; it is not overwritten",
                        path.display()
                    ))
                    .with_hint("move it away, or pass --errors PATH for the errors file"));
                }
                true
            }
            Err(_) => false,
        };
        Ok(ErrorsFile {
            path: path.to_path_buf(),
            keep: (0..header.len())
                .filter(|&i| !MARKER.contains(&header[i].trim()))
                .collect(),
            header: header.to_vec(),
            delimiter,
            bom,
            writer: None,
            rows: 0,
            replaced_earlier,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn write(&mut self, r: &RowResult) -> Result<(), Failure> {
        let err = |e: &dyn std::fmt::Display| {
            Failure::config(format!(
                "cannot write the errors file {}: {e}",
                self.path.display()
            ))
        };
        if self.writer.is_none() {
            let mut options = OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let file = options.open(&self.path).map_err(|e| err(&e))?;
            let mut buf = BufWriter::new(file);
            if self.bom {
                buf.write_all("\u{feff}".as_bytes()).map_err(|e| err(&e))?;
            }
            let mut w = csv::WriterBuilder::new()
                .delimiter(self.delimiter)
                .flexible(true)
                .from_writer(buf);
            let mut header: Vec<String> =
                self.keep.iter().map(|&i| self.header[i].clone()).collect();
            header.extend(MARKER.iter().map(|s| s.to_string()));
            w.write_record(&header).map_err(|e| err(&e))?;
            // The header reaches the disk before any row is counted as written: a run killed
            // after this leaves a file the next run recognises as leadctl's (see `prepare`).
            w.flush().map_err(|e| err(&e))?;
            w.get_ref().get_ref().sync_data().map_err(|e| err(&e))?;
            self.writer = Some(w);
        }
        let Some(w) = self.writer.as_mut() else {
            return Ok(());
        };
        // The kept columns (a ragged row's missing cells empty, so the columns stay aligned).
        let mut record: Vec<String> = self
            .keep
            .iter()
            .map(|&i| r.fields.get(i).cloned().unwrap_or_default())
            .collect();
        record.push(r.row.to_string());
        record.push(r.outcome.as_str().to_string());
        record.push(r.error.clone().unwrap_or_default());
        w.write_record(&record).map_err(|e| {
            Failure::config(format!(
                "cannot write the errors file {}: {e}",
                self.path.display()
            ))
        })?;
        self.rows += 1;
        Ok(())
    }

    /// Flushes; with no row written, removes an earlier run's file (its rows are all accounted
    /// for now, and re-importing it would create them twice). Returns whether a file remains.
    pub fn finish(&mut self) -> Result<bool, Failure> {
        if let Some(w) = self.writer.as_mut() {
            w.flush().map_err(|e| {
                Failure::config(format!(
                    "cannot write the errors file {}: {e}",
                    self.path.display()
                ))
            })?;
            return Ok(true);
        }
        if self.replaced_earlier {
            let _ = std::fs::remove_file(&self.path);
        }
        Ok(false)
    }
}

/// Whether a file's header row ends with leadctl's three columns, or the file is empty: leadctl
/// creates its errors file empty, and a run killed before its header reached the disk leaves it
/// so (an empty file holds nothing to lose). Only the first 1 MiB is looked at.
fn is_errors_file(f: File) -> bool {
    let mut first = String::new();
    let mut head = BufReader::new(f).take(1024 * 1024);
    if head.read_line(&mut first).is_err() {
        return false;
    }
    if first.is_empty() {
        return true;
    }
    let first = first
        .trim_end_matches(['\r', '\n'])
        .trim_start_matches('\u{feff}');
    MARKER.iter().all(|m| first.contains(m))
        && first.trim_end_matches('"').ends_with("leadctl_error")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(row: u64, outcome: Outcome, error: &str) -> RowResult {
        RowResult {
            row,
            outcome,
            lead_id: None,
            error: Some(error.into()),
            fields: vec!["a@b.example".into(), "Ann; \"A\"".into()],
            key: None,
        }
    }

    #[test]
    fn errors_file_round_trip_and_safety() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("leads.errors.csv");
        let header = vec!["Email".to_string(), "Name".to_string()];
        let mut f = ErrorsFile::prepare(&path, &header, b';', true).unwrap();
        f.write(&result(
            3,
            Outcome::Failed,
            "permission refused (403): Channel not accessible",
        ))
        .unwrap();
        assert!(f.finish().unwrap());
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "\u{feff}Email;Name;leadctl_row;leadctl_outcome;leadctl_error\na@b.example;\"Ann; \"\"A\"\"\";3;failed;permission refused (403): Channel not accessible\n"
        );
        // An earlier errors file is replaced; with nothing to write, it is removed.
        let mut again = ErrorsFile::prepare(&path, &header, b';', true).unwrap();
        assert!(again.replaced_earlier);
        assert!(!again.finish().unwrap());
        assert!(!path.exists());
        // An errors file imported again gets its leadctl columns replaced, not stacked.
        let again_path = dir.path().join("again.errors.csv");
        let again_header: Vec<String> =
            ["Email", "leadctl_row", "leadctl_outcome", "leadctl_error"]
                .iter()
                .map(|s| s.to_string())
                .collect();
        let mut again = ErrorsFile::prepare(&again_path, &again_header, b',', false).unwrap();
        again
            .write(&RowResult {
                row: 1,
                outcome: Outcome::Unknown,
                lead_id: None,
                error: Some("server error (500)".into()),
                fields: vec![
                    "a@b.example".into(),
                    "7".into(),
                    "failed".into(),
                    "403".into(),
                ],
                key: None,
            })
            .unwrap();
        again.finish().unwrap();
        assert_eq!(
            std::fs::read_to_string(&again_path).unwrap(),
            "Email,leadctl_row,leadctl_outcome,leadctl_error\na@b.example,1,unknown,server error (500)\n"
        );
        // Someone else's file is never touched.
        std::fs::write(&path, "my,own,data\n").unwrap();
        let err = ErrorsFile::prepare(&path, &header, b',', false)
            .err()
            .unwrap();
        assert!(
            err.message.contains("was not written by leadctl"),
            "{}",
            err.message
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "my,own,data\n");
    }

    #[test]
    fn the_header_is_on_disk_once_the_first_row_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("leads.errors.csv");
        let header = vec!["Email".to_string()];
        let mut f = ErrorsFile::prepare(&path, &header, b',', false).unwrap();
        f.write(&result(1, Outcome::Unknown, "server error (500)"))
            .unwrap();
        // Not finished (a kill -9 here): the header is in the file already.
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("Email,leadctl_row,leadctl_outcome,leadctl_error\n"),
            "{text:?}"
        );
        drop(f);
        // An empty file (killed before even the header) is taken for leadctl's own.
        std::fs::write(&path, "").unwrap();
        let again = ErrorsFile::prepare(&path, &header, b',', false).unwrap();
        assert!(again.replaced_earlier);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_device_is_never_an_errors_file() {
        let err = ErrorsFile::prepare(Path::new("/dev/full"), &[], b',', false)
            .err()
            .unwrap();
        assert_eq!(
            err.message,
            "the errors file /dev/full is a character device, not a regular file; it is not \
             written to"
        );
    }
}
