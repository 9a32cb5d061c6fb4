//! `--state FILE`: loading the sandbox's data at start and saving it atomically.
//!
//! A save is the crate's one atomic write (`crate::fsutil::write_atomic`: a 0600 temporary file
//! in the same directory, fsynced, renamed over the target, the directory fsynced), so a crash
//! or `kill -9` leaves either the old or the new file, never half of one.

use std::io;
use std::path::Path;

use anyhow::{anyhow, Context, Result};

use super::data::{Data, Persisted};

/// The most a state file may hold (a sandbox with 100,000 leads writes about 50 MB).
const MAX_STATE: u64 = 1024 * 1024 * 1024;

/// A `--state` file that cannot be read: a configuration error (exit 3), not a bug.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StateUnreadable(pub String);

/// The data saved in `path`, `None` when the file does not exist. A file that exists but
/// cannot be read or does not hold sandbox state is an error naming the file.
pub(crate) fn load(path: &Path) -> Result<Option<Data>> {
    // Written by `save_atomic` only, so a regular file; capped so a wrong path (`/dev/zero`)
    // cannot exhaust memory.
    let bytes = match crate::fsutil::read_capped(
        path,
        MAX_STATE,
        crate::fsutil::Accept::RegularFile,
        "a sandbox state file",
    ) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(StateUnreadable(format!(
                "cannot read sandbox state file {}: {e}",
                path.display()
            ))
            .into())
        }
    };
    let hint = "fix or delete it, or pass another --state file";
    let persisted: Persisted = serde_json::from_slice(&bytes).with_context(|| {
        format!(
            "sandbox state file {} is corrupt or not a leadctl sandbox state ({hint})",
            path.display()
        )
    })?;
    Data::from_persisted(persisted).map(Some).map_err(|e| {
        anyhow!(
            "sandbox state file {} is inconsistent: {e} ({hint})",
            path.display()
        )
    })
}

/// Serializes `data` for [`save_atomic`].
pub(crate) fn encode(p: &Persisted) -> Vec<u8> {
    // Serializing plain structs of strings and numbers cannot fail.
    let mut bytes = serde_json::to_vec_pretty(p).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// Replaces `path` with `bytes` atomically, with the crate's one atomic write
/// ([`crate::fsutil::write_atomic`]: a 0600 temporary file in the same directory, fsync,
/// rename, directory fsync). Unlike that helper, a missing directory is an error, not created:
/// a mistyped `--state` path fails at start instead of growing directories.
pub(crate) fn save_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if path.file_name().is_none() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the state path has no file name",
        ));
    }
    if !dir.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("the directory {} does not exist", dir.display()),
        ));
    }
    crate::fsutil::write_atomic(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn save_then_load_round_trips_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("state.json");
        assert!(load(&path).expect("missing file is fine").is_none());
        let mut data = Data::seeded();
        data.next_legacy_id += 5;
        save_atomic(&path, &encode(&data.to_persisted())).expect("save");
        save_atomic(&path, &encode(&data.to_persisted())).expect("save over an existing file");
        let back = load(&path).expect("load").expect("present");
        assert_eq!(back.next_legacy_id, data.next_legacy_id);
        assert_eq!(back.leads, data.leads);
        let names: Vec<_> = fs::read_dir(dir.path())
            .expect("dir")
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, [std::ffi::OsString::from("state.json")]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "the state file is private");
        }
    }

    #[test]
    fn corrupt_files_are_errors_naming_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("bad.json");
        for content in [
            "",
            "{\"format\": 1, \"leads\": [",
            "[]",
            "{\"format\":2,\"next_legacy_id\":1,\"leads\":[],\"purchases\":[]}",
        ] {
            fs::write(&path, content).expect("write");
            let e = load(&path)
                .err()
                .map(|e| format!("{e:#}"))
                .unwrap_or_default();
            assert!(e.contains("bad.json"), "{content:?}: {e}");
        }
    }

    #[test]
    fn saving_into_a_missing_directory_fails_cleanly() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("no/such/dir/state.json");
        assert!(save_atomic(&path, b"{}").is_err());
    }
}
