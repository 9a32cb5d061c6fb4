//! A run's sent notes: before each request leaves, the run appends its key's hash to a file of
//! its own beside the ledger (one `write`, no sync: it outlives the process, not the machine).
//! When the run's process is gone but its host is the same boot (a kill, a crash of leadctl, not
//! of the machine), the file holds every key the run ever sent, so a key the run claimed
//! (`sending`) and that is not in its notes was never sent: its claim is as if never made
//! (`deliver::claim::owner_of`, doc/ledger.md, "Claims made ahead"). A run that ends cleanly
//! removes its file; a file that cannot be trusted (another boot, a live process, no file, a
//! header not read) proves nothing, and the claim stays unknown as before.
//!
//! The file: a header line `leadctl-sent 1 PID HOST START` (as a heartbeat names a process:
//! `alive.rs`), then one line per key sent: 16 hex digits, FNV-1a 64 of the entry's API URL,
//! channel and key. A collision can only make a key read as sent (unknown): the safe side.

use std::collections::{HashMap, HashSet};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::alive::{host, start_of};
use super::Entry;
use crate::identity::Fnv;

const MAGIC: &str = "leadctl-sent 1";

/// This run's notes and what other runs' notes say.
pub(super) struct Notes {
    dir: Option<PathBuf>,
    run: String,
    file: Mutex<Writing>,
    /// Other runs' notes, read once each (a dead run's file no longer changes): None, proves
    /// nothing.
    read: Mutex<HashMap<String, Option<Arc<HashSet<u64>>>>>,
}

enum Writing {
    /// Not opened yet.
    Idle,
    Open(File),
    /// No notes this run (the directory cannot be written): nothing can be proven of its keys.
    Off,
}

/// The hash a key is noted by.
fn note_of(e: &Entry) -> u64 {
    let mut h = Fnv::default();
    for part in [&e.api_url, &e.channel, &e.key] {
        h.write(part.as_bytes());
        h.write(&[0]);
    }
    h.value()
}

impl Notes {
    /// Notes kept in `dir` (None: none, a ledger in memory) for the run `run`.
    pub(super) fn new(dir: Option<PathBuf>, run: &str) -> Notes {
        Notes {
            dir,
            run: run.to_string(),
            file: Mutex::new(Writing::Idle),
            read: Mutex::new(HashMap::new()),
        }
    }

    fn path(&self, run: &str) -> Option<PathBuf> {
        // A run id is a UUID; anything else is no file of ours.
        let safe = !run.is_empty() && run.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
        Some(self.dir.as_ref()?.join(format!("{run}.sent"))).filter(|_| safe)
    }

    /// Notes that the request of the claim `e` is about to leave. An error means the note may
    /// be incomplete and the file could not be removed: the request must not be sent.
    pub(super) fn sent(&self, e: &Entry) -> Result<(), String> {
        let mut w = self.file.lock().unwrap_or_else(|p| p.into_inner());
        if let Writing::Idle = *w {
            *w = match self.create() {
                Some(f) => Writing::Open(f),
                None => Writing::Off,
            };
        }
        let Writing::Open(f) = &mut *w else {
            return Ok(());
        };
        let line = format!("{:016x}\n", note_of(e));
        if f.write_all(line.as_bytes()).is_ok() {
            return Ok(());
        }
        // A note that may be missing: the file must not be read as complete.
        *w = Writing::Off;
        let path = self.path(&self.run);
        match path.map(fs::remove_file) {
            None | Some(Ok(())) => Ok(()),
            Some(Err(err)) => Err(format!(
                "its sent notes could not be written or removed ({err})"
            )),
        }
    }

    /// This run's file, made with its header; None when it cannot be (no notes this run).
    fn create(&self) -> Option<File> {
        let path = self.path(&self.run)?;
        let mut dir = fs::DirBuilder::new();
        dir.recursive(true);
        let mut open = OpenOptions::new();
        open.append(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
            dir.mode(0o700);
            open.mode(0o600);
        }
        dir.create(path.parent()?).ok()?;
        let mut f = open.open(&path).ok()?;
        let pid = std::process::id();
        let start = start_of(&pid.to_string())?;
        let header = format!("{MAGIC} {pid} {} {start}\n", host());
        if f.write_all(header.as_bytes()).is_err() {
            let _ = fs::remove_file(&path);
            return None;
        }
        Some(f)
    }

    /// Whether the claim `e` (`sending`, of a run that is not alive) was never sent: its run's
    /// notes can be trusted and do not name it.
    pub(super) fn never_sent(&self, e: &Entry) -> bool {
        let Some(run) = e.run.as_deref().filter(|r| *r != self.run) else {
            return false;
        };
        let mut read = self.read.lock().unwrap_or_else(|p| p.into_inner());
        let notes = read
            .entry(run.to_string())
            .or_insert_with(|| self.path(run).and_then(|p| trusted(&p)).map(Arc::new));
        notes.as_ref().is_some_and(|n| !n.contains(&note_of(e)))
    }

    /// The run ended cleanly (every outcome recorded): its notes are no longer needed.
    pub(super) fn remove(&self) {
        let mut w = self.file.lock().unwrap_or_else(|p| p.into_inner());
        if let Writing::Open(_) = *w {
            if let Some(p) = self.path(&self.run) {
                let _ = fs::remove_file(&p);
                // The directory too, when no other run keeps notes in it.
                if let Some(dir) = p.parent() {
                    let _ = fs::remove_dir(dir);
                }
            }
        }
        *w = Writing::Off;
    }

    /// The runs of this host whose process is gone and that left notes: (run, file).
    pub(super) fn dead_runs(&self) -> Vec<(String, PathBuf)> {
        let Some(dir) = &self.dir else {
            return Vec::new();
        };
        let Ok(entries) = fs::read_dir(dir) else {
            return Vec::new();
        };
        entries
            .filter_map(|d| {
                let path = d.ok()?.path();
                let run = path
                    .file_name()?
                    .to_str()?
                    .strip_suffix(".sent")?
                    .to_string();
                (run != self.run && trusted_header(&path)).then_some((run, path))
            })
            .collect()
    }
}

/// The keys a dead run of this boot noted, or None when its file proves nothing.
fn trusted(path: &Path) -> Option<HashSet<u64>> {
    let text = read_bounded(path)?;
    let mut lines = text.split_inclusive('\n');
    if !header_is_dead_here(lines.next()?) {
        return None;
    }
    // A line cut short (the process killed inside its write) was no request sent.
    Some(
        lines
            .filter_map(|l| l.strip_suffix('\n'))
            .filter(|l| l.len() == 16)
            .filter_map(|l| u64::from_str_radix(l, 16).ok())
            .collect(),
    )
}

fn trusted_header(path: &Path) -> bool {
    let Ok(f) = File::open(path) else {
        return false;
    };
    let mut first = String::new();
    use std::io::{BufRead, Read};
    let mut r = std::io::BufReader::new(f.take(4096));
    r.read_line(&mut first).is_ok() && header_is_dead_here(&first)
}

/// A notes file holds at most a line per request a run sent: 64 MiB is millions of them.
const MOST: u64 = 64 << 20;

fn read_bounded(path: &Path) -> Option<String> {
    use std::io::Read;
    let f = File::open(path).ok()?;
    let mut text = String::new();
    f.take(MOST + 1).read_to_string(&mut text).ok()?;
    (text.len() as u64 <= MOST).then_some(text)
}

/// A header of this boot and PID namespace whose process is gone (a complete header line).
fn header_is_dead_here(line: &str) -> bool {
    let Some(rest) = line.strip_suffix('\n').and_then(|l| l.strip_prefix(MAGIC)) else {
        return false;
    };
    let mut parts = rest.split_whitespace();
    let (Some(pid), Some(h), Some(start), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    h == host() && h != "-" && start_of(pid).is_none_or(|now| now != start)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::State;

    fn entry(key: &str, run: &str) -> Entry {
        let mut e = crate::ledger::tests::entry(key, State::Sending);
        e.run = Some(run.to_string());
        e
    }

    /// A notes file as a run of this host whose process is gone would have left it.
    fn dead_file(dir: &Path, run: &str, keys: &[&str], tail: &str) {
        let mut text = format!("{MAGIC} 999999999 {} 1\n", host());
        for k in keys {
            text.push_str(&format!("{:016x}\n", note_of(&entry(k, run))));
        }
        text.push_str(tail);
        fs::write(dir.join(format!("{run}.sent")), text).unwrap();
    }

    #[test]
    fn a_dead_runs_notes_say_which_of_its_claims_never_left() {
        let dir = tempfile::tempdir().unwrap();
        let run = "0f0e-dead";
        dead_file(dir.path(), run, &["a@x.io", "b@x.io"], "0123");
        let me = Notes::new(Some(dir.path().to_path_buf()), "mine");
        assert!(
            !me.never_sent(&entry("a@x.io", run)),
            "noted: it may have left"
        );
        assert!(!me.never_sent(&entry("b@x.io", run)));
        assert!(
            me.never_sent(&entry("c@x.io", run)),
            "not noted: never sent"
        );
        // Another run's key with the same name is another entry.
        assert!(!me.never_sent(&entry("c@x.io", "mine")), "its own: never");
        assert!(
            !me.never_sent(&entry("c@x.io", "abc-no-file")),
            "no notes: nothing proven"
        );
        assert_eq!(
            me.dead_runs(),
            vec![(run.to_string(), dir.path().join(format!("{run}.sent")))]
        );
    }

    #[test]
    fn notes_of_a_live_process_another_boot_or_a_bad_header_prove_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let me = Notes::new(Some(dir.path().to_path_buf()), "mine");
        let pid = std::process::id();
        let start = start_of(&pid.to_string()).unwrap();
        let cases = [
            ("a1", format!("{MAGIC} {pid} {} {start}\n", host())),
            ("a2", format!("{MAGIC} 999999999 another-boot/pid:[1] 1\n")),
            ("a3", format!("{MAGIC} 999999999 {} 1", host())),
            ("a4", "something else\n".to_string()),
            ("a5", String::new()),
        ];
        for (run, header) in &cases {
            fs::write(dir.path().join(format!("{run}.sent")), header).unwrap();
            assert!(!me.never_sent(&entry("k", run)), "{run}: {header:?}");
        }
        assert!(me.dead_runs().is_empty());
    }

    #[test]
    fn a_run_notes_each_key_before_it_leaves_and_removes_its_notes_at_a_clean_end() {
        let dir = tempfile::tempdir().unwrap();
        let run = "0a1b-2c3d";
        let notes = Notes::new(Some(dir.path().join("sent")), run);
        notes.sent(&entry("a@x.io", run)).unwrap();
        notes.sent(&entry("b@x.io", run)).unwrap();
        let path = dir.path().join("sent").join(format!("{run}.sent"));
        let text = fs::read_to_string(&path).unwrap();
        let pid = std::process::id();
        let start = start_of(&pid.to_string()).unwrap();
        assert_eq!(
            text,
            format!(
                "{MAGIC} {pid} {} {start}\n{:016x}\n{:016x}\n",
                host(),
                note_of(&entry("a@x.io", run)),
                note_of(&entry("b@x.io", run))
            )
        );
        // While this process lives, its notes prove nothing to anyone.
        let other = Notes::new(Some(dir.path().join("sent")), "other");
        assert!(!other.never_sent(&entry("c@x.io", run)));
        notes.remove();
        assert!(!path.exists());
        assert!(
            !dir.path().join("sent").exists(),
            "its directory, once empty"
        );
        // Nothing more is noted once removed (the run has ended).
        notes.sent(&entry("c@x.io", run)).unwrap();
        assert!(!path.exists());
    }

    #[test]
    fn without_a_place_for_notes_a_run_sends_and_proves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("not-a-dir");
        fs::write(&file, "").unwrap();
        let notes = Notes::new(Some(file.join("sent")), "0a1b");
        notes.sent(&entry("a@x.io", "0a1b")).unwrap();
        let none = Notes::new(None, "0a1b");
        none.sent(&entry("a@x.io", "0a1b")).unwrap();
        assert!(!none.never_sent(&entry("a@x.io", "dead")));
    }
}
