//! Files written so that a reader sees the old content or the new, never a mix: the one atomic,
//! private (0600) write of the crate. And the one bounded whole-file read: every file read whole
//! (a config, a key file, a CA bundle, a JSON input) is read through `read_capped`, so `/dev/zero`
//! or a huge file is an error, not an out-of-memory abort. A leaf: it uses nothing else in the
//! crate.

use std::fs::{self, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Distinguishes the temporary files of one process (threads may write at once).
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Replaces `path` with `contents` so that a reader sees the old file or the new one, never a
/// mix: a temporary file created 0600 in the same directory (a rename is only atomic within one
/// file system) under a name unique to this process and write (pid, a counter and a random
/// part), written, fsynced, renamed over the target, then the directory fsynced. A missing
/// directory is created 0700. A symlinked file (dotfile managers) is written through, to its
/// target, instead of being replaced by a plain file. On failure the temporary file is removed
/// and the old file is left as it was.
pub fn write_atomic(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let target = match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => fs::canonicalize(path)?,
        _ => path.to_path_buf(),
    };
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    create_private_dir(&dir)?;
    let file_name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    let tmp = dir.join(format!(
        ".{file_name}.tmp-{}-{}-{:08x}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        fastrand::u32(..)
    ));
    let result = (|| {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&tmp)?;
        file.write_all(contents)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, &target)?;
        // Make the rename itself durable. Not possible on every platform; best effort.
        #[cfg(unix)]
        if let Ok(d) = fs::File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Creates a directory (and its parents) with mode 0700 at creation time; an existing one is
/// left as it is.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// What a whole-file read accepts besides a regular file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accept {
    /// Only a regular file (symlinks followed): a device or a FIFO is refused before it is opened.
    RegularFile,
    /// Also a pipe, a FIFO or a socket (`<(...)`, `/dev/stdin` of a pipeline), read once, within
    /// the same limit; a device or a directory is still refused.
    FileOrPipe,
}

/// "1 MiB", "4 KiB", "256 MiB": a limit as messages state it.
pub fn describe_size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 && bytes.is_multiple_of(1024 * 1024) {
        format!("{} MiB", bytes / (1024 * 1024))
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

/// What kind of thing a path is, for "... is a character device, not a regular file".
#[cfg(unix)]
fn kind_of(meta: &fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

#[cfg(not(unix))]
fn kind_of(meta: &fs::Metadata) -> &'static str {
    if meta.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// Why a path that must be a regular file is not one (`None`: it is one, or it does not exist,
/// which opening it will say). Symlinks are followed.
pub fn not_regular(path: &Path) -> Option<&'static str> {
    match fs::metadata(path) {
        Ok(m) if !m.is_file() => Some(kind_of(&m)),
        _ => None,
    }
}

/// Whether a path is a pipe, FIFO or socket (what `Accept::FileOrPipe` adds).
#[cfg(unix)]
fn is_pipe(meta: &fs::Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt;
    meta.file_type().is_fifo() || meta.file_type().is_socket()
}

#[cfg(not(unix))]
fn is_pipe(_meta: &fs::Metadata) -> bool {
    false
}

/// Reads a whole file of at most `limit` bytes. A larger one, a device or a directory (and a
/// FIFO unless `accept` allows pipes) is an `InvalidInput`/`InvalidData` error whose text says why
/// ("is a character device, not a regular file", "is larger than 4 MiB, the limit for ..."); a
/// failed allocation is an `OutOfMemory` error, never an abort. `what` names the kind of file in
/// the limit's message ("an API key file"). A missing file keeps its `NotFound`.
pub fn read_capped(path: &Path, limit: u64, accept: Accept, what: &str) -> io::Result<Vec<u8>> {
    let meta = fs::metadata(path)?;
    let pipe_ok = accept == Accept::FileOrPipe && is_pipe(&meta);
    if !meta.is_file() && !pipe_ok {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("it is {}, not a regular file", kind_of(&meta)),
        ));
    }
    if meta.is_file() && meta.len() > limit {
        return Err(too_large(limit, what));
    }
    let file = fs::File::open(path)?;
    let hint = if meta.is_file() { meta.len() } else { 0 };
    read_capped_from(file, limit, hint, what)
}

/// Reads a stream to its end, refusing more than `limit` bytes (stdin for `--json -`). `hint`:
/// the expected size, reserved up front.
pub fn read_capped_from(
    input: impl Read,
    limit: u64,
    hint: u64,
    what: &str,
) -> io::Result<Vec<u8>> {
    let mut bytes: Vec<u8> = Vec::new();
    let reserve = |bytes: &mut Vec<u8>, n: usize| {
        bytes.try_reserve(n).map_err(|_| {
            io::Error::new(
                io::ErrorKind::OutOfMemory,
                format!("not enough memory to read {} more", describe_size(n as u64)),
            )
        })
    };
    reserve(&mut bytes, usize::try_from(hint.min(limit)).unwrap_or(0))?;
    // One byte past the limit tells "exactly at the limit" from "over it".
    let mut input = input.take(limit.saturating_add(1));
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = match input.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if bytes.len() + n > bytes.capacity() {
            let grow = n.max(bytes.len());
            reserve(&mut bytes, grow)?;
        }
        bytes.extend_from_slice(&chunk[..n]);
        if bytes.len() as u64 > limit {
            return Err(too_large(limit, what));
        }
    }
    Ok(bytes)
}

fn too_large(limit: u64, what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "it is larger than {}, the limit for {what}",
            describe_size(limit)
        ),
    )
}

/// Like `read_capped`, as UTF-8 text (a leading BOM kept; callers strip it where they allow it).
pub fn read_capped_string(
    path: &Path,
    limit: u64,
    accept: Accept,
    what: &str,
) -> io::Result<String> {
    String::from_utf8(read_capped(path, limit, accept, what)?).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "it is not valid UTF-8 text".to_string(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[cfg(unix)]
    #[test]
    fn writes_are_atomic_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/config.toml");
        write_atomic(&path, b"x = 1\n").unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        assert_eq!(mode(&dir.path().join("a")), 0o700);
        // A world-readable file is replaced by a private one, and no temporary file is left.
        fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
        write_atomic(&path, b"x = 2\n").unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(fs::read_to_string(&path).unwrap(), "x = 2\n");
        let names: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("config.toml")]);
        // A failed write leaves the old file alone and no temporary file behind.
        let blocked = dir.path().join("blocked");
        fs::create_dir(&blocked).unwrap();
        fs::write(blocked.join("config.toml"), "old").unwrap();
        fs::set_permissions(
            &blocked,
            std::os::unix::fs::PermissionsExt::from_mode(0o500),
        )
        .unwrap();
        let failed = write_atomic(&blocked.join("config.toml"), b"new");
        fs::set_permissions(
            &blocked,
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )
        .unwrap();
        if failed.is_err() {
            // (root ignores directory permissions, so this half only runs as a normal user)
            assert_eq!(
                fs::read_to_string(blocked.join("config.toml")).unwrap(),
                "old"
            );
            assert_eq!(fs::read_dir(&blocked).unwrap().count(), 1);
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_config_is_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("dotfiles/leadctl.toml");
        fs::create_dir_all(real.parent().unwrap()).unwrap();
        fs::write(&real, "").unwrap();
        let link = dir.path().join("config.toml");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_atomic(&link, b"x = 1\n").unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read_to_string(&real).unwrap(), "x = 1\n");
    }

    #[test]
    fn concurrent_writes_of_one_process_do_not_collide() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        std::thread::scope(|s| {
            for i in 0..8 {
                let path = &path;
                s.spawn(move || write_atomic(path, format!("{i}").as_bytes()).unwrap());
            }
        });
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("state.json")]);
    }
}

#[cfg(test)]
mod capped_tests {
    use super::*;

    #[test]
    fn whole_file_reads_are_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        fs::write(&path, vec![b'x'; 100]).unwrap();
        assert_eq!(
            read_capped(&path, 100, Accept::RegularFile, "x")
                .unwrap()
                .len(),
            100
        );
        let err = read_capped(&path, 99, Accept::RegularFile, "a key file").unwrap_err();
        assert_eq!(
            err.to_string(),
            "it is larger than 99 bytes, the limit for a key file"
        );
        // A stream longer than the limit stops at the limit, not at its end.
        let err = read_capped_from(io::repeat(0), 4096, 0, "a config file").unwrap_err();
        assert_eq!(
            err.to_string(),
            "it is larger than 4 KiB, the limit for a config file"
        );
        assert_eq!(read_capped_from(&b"abc"[..], 3, 0, "x").unwrap(), b"abc");
        let err = read_capped(dir.path(), 10, Accept::FileOrPipe, "x").unwrap_err();
        assert_eq!(err.to_string(), "it is a directory, not a regular file");
        assert_eq!(
            read_capped(&dir.path().join("missing"), 10, Accept::RegularFile, "x")
                .unwrap_err()
                .kind(),
            io::ErrorKind::NotFound
        );
        assert_eq!(describe_size(256 * 1024 * 1024), "256 MiB");
        assert_eq!(describe_size(8 * 1024), "8 KiB");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn devices_are_refused_before_they_are_read() {
        let err =
            read_capped(Path::new("/dev/zero"), 1 << 20, Accept::FileOrPipe, "x").unwrap_err();
        assert_eq!(
            err.to_string(),
            "it is a character device, not a regular file"
        );
        assert_eq!(
            not_regular(Path::new("/dev/full")),
            Some("a character device")
        );
        assert_eq!(not_regular(Path::new("/nonexistent/x")), None);
    }
}
