//! A run's inputs as its report names them: path, size and SHA-256 of each file (read in
//! blocks: memory does not grow with the file), so a later step can tell which file a run read.

use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Input {
    /// The file's name (`stdin` for `-`).
    pub name: String,
    /// As given on the command line.
    pub path: String,
    /// Bytes; None for a stream or a file that cannot be read.
    pub size: Option<u64>,
    /// Hex SHA-256 of the content; None for a stream or a file that cannot be read.
    pub sha256: Option<String>,
}

impl Input {
    /// Hex SHA-256 of `bytes`.
    pub fn sha256_of(bytes: &[u8]) -> String {
        sha256_hex(bytes)
    }

    /// Describes `path` (`-` is stdin, never read here: the run reads it). A FIFO or a device
    /// is named without size and checksum: reading it would take the run's data.
    pub fn of(path: &Path) -> Input {
        let shown = path.display().to_string();
        if shown == "-" {
            return Input {
                name: "stdin".into(),
                path: shown,
                size: None,
                sha256: None,
            };
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| shown.clone());
        let regular = std::fs::metadata(path).is_ok_and(|m| m.is_file());
        let (size, sha256) = if regular {
            match digest(path) {
                Ok((n, hex)) => (Some(n), Some(hex)),
                Err(_) => (None, None),
            }
        } else {
            (None, None)
        };
        Input {
            name,
            path: shown,
            size,
            sha256,
        }
    }
}

fn digest(path: &Path) -> std::io::Result<(u64, String)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        total += n as u64;
        hasher.update(&buf[..n]);
    }
    Ok((total, hex(&hasher.finalize())))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_named_sized_and_hashed_and_stdin_is_not_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("leads.csv");
        std::fs::write(&path, "abc").expect("write");
        let i = Input::of(&path);
        assert_eq!(i.name, "leads.csv");
        assert_eq!(i.size, Some(3));
        assert_eq!(
            i.sha256.as_deref(),
            Some("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        );
        let s = Input::of(Path::new("-"));
        assert_eq!((s.name.as_str(), s.size, s.sha256), ("stdin", None, None));
    }
}
