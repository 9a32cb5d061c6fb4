//! Where the rows come from: a regular file (read once per pass), a stream (stdin, a pipe, a
//! FIFO, a device, `/dev/fd/N`: opened once, read once), or a database query's result (spilled
//! to a temporary file, read once per pass), and opening a file or stream as raw bytes.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::ReadError;

/// Where the rows come from. A regular file can be read more than once (check, then send); a
/// stream (stdin, a pipe, a FIFO, a device, `/dev/fd/N`) is opened once and read once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    File(PathBuf),
    Stdin,
    /// A path that is not a regular file: read once, never reopened, nothing written beside it.
    Stream(PathBuf),
    /// The rows of a query (`--query ... --from URL`), fetched once and kept in a spill file.
    Query(Arc<super::spill::Spilled>),
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
            Source::Query(q) => q.name.clone(),
        }
    }

    /// Whether a pass can read the rows again (a file, a query's spilled result); a stream is
    /// read once.
    pub fn rereadable(&self) -> bool {
        matches!(self, Source::File(_) | Source::Query(_))
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

/// The raw bytes of the input, before any decoding.
pub(super) fn open_raw(source: &Source) -> Result<Box<dyn Read + Send>, ReadError> {
    Ok(match source {
        Source::File(p) => Box::new(BufReader::with_capacity(
            256 * 1024,
            File::open(p).map_err(|e| ReadError(format!("cannot open {}: {e}", p.display())))?,
        )),
        Source::Stdin => Box::new(io::stdin()),
        Source::Query(q) => Box::new(q.raw()),
        // Opened once: a FIFO blocks here until a writer opens it, as `cat` would.
        Source::Stream(p) => Box::new(BufReader::with_capacity(
            256 * 1024,
            File::open(p).map_err(|e| ReadError(format!("cannot open {}: {e}", p.display())))?,
        )),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
