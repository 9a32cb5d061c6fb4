//! `--state FILE`: loading the sandbox's data at start and saving it atomically.
//!
//! A save writes a temporary file in the same directory, fsyncs it, renames it over the
//! target and fsyncs the directory, so a crash or `kill -9` leaves either the old or the new
//! file, never half of one.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};

use super::data::{Data, Persisted};

/// The most a state file may hold (a sandbox with 100,000 leads writes about 50 MB).
const MAX_STATE: u64 = 1024 * 1024 * 1024;

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
            return Err(crate::error::Failure::config(format!(
                "cannot read sandbox state file {}: {e}",
                path.display()
            ))
            .with_hint("pass another --state file")
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

/// Replaces `path` with `bytes` atomically (temp file in the same directory, fsync, rename).
pub(crate) fn save_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let Some(name) = path.file_name() else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the state path has no file name",
        ));
    };
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let written = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    // Make the rename itself durable (a no-op where directories cannot be opened).
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
