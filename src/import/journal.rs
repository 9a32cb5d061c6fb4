//! The import journal: an append-only JSON-lines file that makes an import resumable and keeps
//! it exactly-once across Ctrl-C, kill -9 and crashes.
//!
//! For each row a `sent` line is written *before* its request and an outcome line after it.
//! Each line is one `write` of a whole line, so a kill at any instant leaves at most a torn last
//! line, which reading ignores (its request was never sent: the line is written first). The first
//! line holds the input's fingerprint, so a changed file is refused. The API key is never written.
//!
//! Lines survive the process dying at any moment (they are in the kernel once written). A row's
//! `sent` line is also on disk (`fdatasync`, shared by concurrent workers) before its request
//! leaves, so even a power cut cannot make a sent row look unsent; outcome lines are synced at
//! the end of a run (a lost one leaves the row `unknown`, never re-sent).

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};

use serde::{Deserialize, Serialize};

use crate::error::Failure;

pub const VERSION: u32 = 1;

/// The first line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub leadctl_journal: u32,
    pub input: String,
    /// FNV-1a 64 of the whole file, hex; `None` for stdin.
    pub fingerprint: Option<String>,
    pub size: Option<u64>,
    pub created_at: String,
    /// `K/N` when the run was a shard.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
}

/// What happened to a row, as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// The request is about to be sent (or was, without an answer yet).
    Sent,
    Created,
    /// The server refused it (4xx).
    Failed,
    /// Sent, but no reliable answer: it may exist.
    Unknown,
    /// Provably not processed (connection never made, still rate-limited, interrupted before
    /// sending): resuming sends it.
    NotSent,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub row: u64,
    pub state: State,
    /// FNV-1a 64 of the row's fields, hex.
    pub hash: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Unix seconds when the line was written (reconciling compares them with the leads'
    /// creation times).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<u64>,
    /// How an outcome was learned when not from the create's answer ("reconcile").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
}

/// The last recorded state of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub state: State,
    pub hash: String,
    pub lead_id: Option<String>,
    pub error: Option<String>,
    pub sent_at: Option<u64>,
    /// When its outcome line was written.
    pub answered_at: Option<u64>,
}

/// A journal open for appending, shared by the workers.
pub struct Journal {
    path: PathBuf,
    file: Mutex<File>,
    /// A second handle for `fdatasync`, so syncing never holds up writers.
    sync_file: File,
    /// Group commit: lines written and lines known on disk, counted in write order.
    sync: Mutex<SyncState>,
    synced: Condvar,
    /// The state of each row from earlier runs.
    pub previous: HashMap<u64, Entry>,
    pub resumed: bool,
}

#[derive(Debug, Default)]
struct SyncState {
    written: u64,
    on_disk: u64,
    syncing: bool,
}

/// FNV-1a, 64-bit: stable across Rust versions and platforms (unlike `DefaultHasher`).
#[derive(Debug, Clone, Copy)]
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    pub fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    pub fn value(&self) -> u64 {
        self.0
    }

    pub fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }
}

/// The hash of a row's fields, as the journal records it.
pub fn row_hash(fields: &[String]) -> String {
    let mut h = Fnv::default();
    for f in fields {
        h.write(f.as_bytes());
        h.write(&[0x1f]);
    }
    h.hex()
}

/// Size and FNV-1a of a whole file.
pub fn fingerprint(path: &Path) -> std::io::Result<(u64, String)> {
    let mut file = File::open(path)?;
    let mut buf = vec![0u8; 256 * 1024];
    let mut h = Fnv::default();
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        size += n as u64;
        h.write(&buf[..n]);
    }
    Ok((size, h.hex()))
}

pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl Journal {
    /// Opens (or creates) the journal at `path` for an input with `header`'s fingerprint.
    /// An existing journal for a different input, or another run holding it, is refused.
    pub fn open(path: &Path, header: &Header, resume_command: &str) -> Result<Journal, Failure> {
        let display = path.display();
        let mut options = OpenOptions::new();
        options.read(true).append(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(path).map_err(|e| {
            Failure::config(format!("cannot open the journal {display}: {e}"))
                .with_hint("pass --journal PATH for a writable place, or --no-journal (no resume)")
        })?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(Failure::config(format!(
                    "another leadctl import is using the journal {display}"
                ))
                .with_hint(
                    "wait for it to finish; two runs on one journal could send a row twice",
                ))
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(Failure::config(format!(
                    "cannot lock the journal {display}: {e}"
                )))
            }
        }
        let (found_header, previous) = read_all(&mut file, path)?;
        let resumed = found_header.is_some();
        match found_header {
            None => {
                let mut line = serde_json::to_string(header)
                    .map_err(|e| Failure::config(format!("cannot write the journal: {e}")))?;
                line.push('\n');
                file.write_all(line.as_bytes()).map_err(|e| {
                    Failure::config(format!("cannot write the journal {display}: {e}"))
                })?;
            }
            Some(found) => {
                if found.fingerprint != header.fingerprint || found.size != header.size {
                    return Err(Failure::input(format!(
                        "{} changed since the journal {display} was written on {} (it records {} \
                         rows); resuming could send changed rows twice or skip new ones",
                        header.input,
                        found.created_at,
                        previous.len()
                    ))
                    .with_hint(format!(
                        "restore the original file and run `{resume_command}` again; or, to treat \
                         it as a new import (rows already created would be created again), move \
                         the journal away or pass --journal NEW_PATH; to send only rows that were \
                         not created, import the errors file instead"
                    )));
                }
                if found.shard != header.shard {
                    return Err(Failure::input(format!(
                        "the journal {display} belongs to a run with --shard {}, not {}",
                        found.shard.as_deref().unwrap_or("(none)"),
                        header.shard.as_deref().unwrap_or("(none)")
                    ))
                    .with_hint("use the same --shard as that run, or another --journal"));
                }
            }
        }
        let sync_file = file
            .try_clone()
            .map_err(|e| Failure::config(format!("cannot open the journal {display}: {e}")))?;
        Ok(Journal {
            path: path.to_path_buf(),
            file: Mutex::new(file),
            sync_file,
            sync: Mutex::new(SyncState::default()),
            synced: Condvar::new(),
            previous,
            resumed,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one line with a single write. Errors are returned: a row whose `sent` line cannot
    /// be written must not be sent.
    pub fn append(&self, line: &Line) -> std::io::Result<()> {
        self.write_line(line).map(|_| ())
    }

    /// Appends a line and returns once it is on disk, so that not even a power cut can lose it.
    /// This is how a row's `sent` line is written before its request leaves: a `sent` line lost
    /// would make the row look never sent, and a resume would send it again. Concurrent callers
    /// share one `fdatasync` (group commit), so a slow disk does not serialise the workers.
    pub fn append_durable(&self, line: &Line) -> std::io::Result<()> {
        let seq = self.write_line(line)?;
        let mut state = self.sync.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if state.on_disk >= seq {
                return Ok(());
            }
            if state.syncing {
                state = self.synced.wait(state).unwrap_or_else(|p| p.into_inner());
                continue;
            }
            // Every line counted in `written` is complete in the file: one sync covers them all.
            let target = state.written;
            state.syncing = true;
            drop(state);
            let result = self.sync_file.sync_data();
            state = self.sync.lock().unwrap_or_else(|p| p.into_inner());
            state.syncing = false;
            if result.is_ok() {
                state.on_disk = state.on_disk.max(target);
            }
            self.synced.notify_all();
            result?;
        }
    }

    /// Writes one whole line with a single write; returns its number in write order.
    fn write_line(&self, line: &Line) -> std::io::Result<u64> {
        let mut text = serde_json::to_string(line).map_err(std::io::Error::other)?;
        text.push('\n');
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        file.write_all(text.as_bytes())?;
        let mut state = self.sync.lock().unwrap_or_else(|p| p.into_inner());
        state.written += 1;
        Ok(state.written)
    }

    /// Syncs the journal to disk (end of run).
    pub fn sync(&self) -> std::io::Result<()> {
        let file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        file.sync_all()
    }
}

fn not_a_journal(path: &Path) -> Failure {
    Failure::config(format!(
        "{} is not a leadctl journal (version {VERSION})",
        path.display()
    ))
    .with_hint("pass another --journal path; leadctl does not overwrite files it did not write")
}

/// Reads the header and the last state of every row; a torn or unreadable line is skipped.
fn read_all(
    file: &mut File,
    path: &Path,
) -> Result<(Option<Header>, HashMap<u64, Entry>), Failure> {
    let mut reader = BufReader::new(&*file);
    let mut header = None;
    let mut rows: HashMap<u64, Entry> = HashMap::new();
    let mut first = true;
    let mut buf = String::new();
    // Bytes of whole lines read so far: a torn tail past them is cut off before appending.
    let mut whole = 0u64;
    let mut torn = false;
    loop {
        buf.clear();
        let n = reader.read_line(&mut buf).map_err(|e| {
            Failure::config(format!("cannot read the journal {}: {e}", path.display()))
        })?;
        if n == 0 {
            break;
        }
        if !buf.ends_with('\n') {
            // No complete first line: ours, torn by a kill inside its one write, starts afresh
            // (no row can follow a header that was never finished); anything else is someone's
            // file, which must not be appended to.
            if first && !buf.starts_with("{\"leadctl_journal\"") {
                return Err(not_a_journal(path));
            }
            torn = true;
            break; // a torn last line: its request was never sent
        }
        whole += n as u64;
        if first {
            first = false;
            match serde_json::from_str::<Header>(buf.trim_end()) {
                Ok(h) if h.leadctl_journal == VERSION => header = Some(h),
                _ => return Err(not_a_journal(path)),
            }
            continue;
        }
        let Ok(line) = serde_json::from_str::<Line>(buf.trim_end()) else {
            continue;
        };
        let entry = rows.entry(line.row).or_insert(Entry {
            state: line.state,
            hash: line.hash.clone(),
            lead_id: None,
            error: None,
            sent_at: None,
            answered_at: None,
        });
        entry.state = line.state;
        entry.hash = line.hash;
        if line.state == State::Sent {
            entry.sent_at = line.at;
            entry.answered_at = None;
            entry.error = None;
        } else if line.at.is_some() {
            entry.answered_at = line.at;
        }
        if line.lead_id.is_some() {
            entry.lead_id = line.lead_id;
        }
        if line.error.is_some() {
            entry.error = line.error;
        }
    }
    drop(reader);
    if torn {
        // Cut the fragment off, or the next line appended would be glued to it and lost.
        file.set_len(whole).map_err(|e| {
            Failure::config(format!("cannot write the journal {}: {e}", path.display()))
        })?;
    }
    // A journal that is empty (created, then killed before its header) counts as new.
    if header.is_none() && !rows.is_empty() {
        return Err(Failure::config(format!(
            "{} has no header line",
            path.display()
        )));
    }
    Ok((header, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(fp: &str) -> Header {
        Header {
            leadctl_journal: VERSION,
            input: "leads.csv".into(),
            fingerprint: Some(fp.into()),
            size: Some(10),
            created_at: "2026-11-29T00:00:00Z".into(),
            shard: None,
        }
    }

    fn line(row: u64, state: State) -> Line {
        Line {
            row,
            state,
            hash: "h".into(),
            lead_id: (state == State::Created).then(|| format!("L{row}")),
            error: None,
            at: Some(1),
            via: None,
        }
    }

    #[test]
    fn resume_reads_the_last_state_and_ignores_a_torn_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        {
            let j = Journal::open(&path, &header("abc"), "cmd").unwrap();
            assert!(!j.resumed);
            j.append(&line(1, State::Sent)).unwrap();
            j.append(&line(1, State::Created)).unwrap();
            j.append(&line(2, State::Sent)).unwrap();
            j.append(&line(3, State::Sent)).unwrap();
            j.append(&line(3, State::Failed)).unwrap();
        }
        // A kill in the middle of a write.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"{\"row\":4,\"state\":\"se").unwrap();
        drop(f);
        let j = Journal::open(&path, &header("abc"), "cmd").unwrap();
        // The fragment is gone, so the next line is whole.
        j.append(&line(5, State::Sent)).unwrap();
        drop(j);
        let j = Journal::open(&path, &header("abc"), "cmd").unwrap();
        assert_eq!(j.previous[&5].state, State::Sent);
        assert!(j.resumed);
        assert_eq!(j.previous[&1].state, State::Created);
        assert_eq!(j.previous[&1].lead_id.as_deref(), Some("L1"));
        assert_eq!(j.previous[&2].state, State::Sent);
        assert_eq!(j.previous[&3].state, State::Failed);
        assert!(!j.previous.contains_key(&4));
    }

    #[test]
    fn a_changed_file_is_refused_with_the_choices() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        drop(Journal::open(&path, &header("abc"), "cmd").unwrap());
        let err = Journal::open(&path, &header("xyz"), "leadctl import leads.csv")
            .err()
            .unwrap();
        assert!(
            err.message.contains("leads.csv changed since the journal"),
            "{}",
            err.message
        );
        assert!(err.hint.unwrap().contains("--journal NEW_PATH"));
    }

    #[test]
    fn a_second_run_on_the_same_journal_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let _held = Journal::open(&path, &header("abc"), "cmd").unwrap();
        let err = Journal::open(&path, &header("abc"), "cmd").err().unwrap();
        assert!(
            err.message.contains("another leadctl import is using"),
            "{}",
            err.message
        );
    }

    #[test]
    fn a_foreign_file_is_not_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.txt");
        std::fs::write(&path, "my notes\n").unwrap();
        let err = Journal::open(&path, &header("abc"), "cmd").err().unwrap();
        assert!(
            err.message.contains("is not a leadctl journal"),
            "{}",
            err.message
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "my notes\n");
    }

    #[test]
    fn a_foreign_file_without_a_newline_is_not_appended_to_and_a_torn_header_is_redone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.txt");
        std::fs::write(&path, "my notes").unwrap();
        let err = Journal::open(&path, &header("abc"), "cmd").err().unwrap();
        assert!(
            err.message.contains("is not a leadctl journal"),
            "{}",
            err.message
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "my notes");
        // A kill inside the header's write: the next run starts the journal afresh.
        let torn = dir.path().join("j");
        std::fs::write(&torn, "{\"leadctl_journal\":1,\"inp").unwrap();
        let j = Journal::open(&torn, &header("abc"), "cmd").unwrap();
        assert!(!j.resumed);
        j.append(&line(1, State::Sent)).unwrap();
        drop(j);
        let j = Journal::open(&torn, &header("abc"), "cmd").unwrap();
        assert!(j.resumed);
        assert_eq!(j.previous[&1].state, State::Sent);
    }

    #[test]
    fn durable_appends_from_many_threads_all_land() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let j = Journal::open(&path, &header("abc"), "cmd").unwrap();
        std::thread::scope(|s| {
            for t in 0..8u64 {
                let j = &j;
                s.spawn(move || {
                    for i in 0..25u64 {
                        j.append_durable(&line(t * 100 + i, State::Sent)).unwrap();
                    }
                });
            }
        });
        assert_eq!(j.sync.lock().unwrap().on_disk, 200);
        drop(j);
        let j = Journal::open(&path, &header("abc"), "cmd").unwrap();
        assert_eq!(j.previous.len(), 200);
    }

    #[test]
    fn hashes_are_stable() {
        assert_eq!(
            row_hash(&["a".into(), "b".into()]),
            row_hash(&["a".into(), "b".into()])
        );
        assert_ne!(
            row_hash(&["ab".into(), "".into()]),
            row_hash(&["a".into(), "b".into()])
        );
        let mut h = Fnv::default();
        h.write(b"a");
        assert_eq!(h.hex(), "af63dc4c8601ec8c");
    }
}
