//! A run's sent notes: before each request leaves, the run appends its key's hash to a file of
//! its own beside the ledger (one `write`, no sync: it outlives the process, not the machine).
//! When the run's process is gone but its host is the same boot (a kill, a crash of leadctl, not
//! of the machine), the file holds every key the run ever sent, so a key the run claimed
//! (`sending`) and that is not in its notes was never sent: its claim is as if never made
//! (`deliver::claim::owner_of`, doc/ledger.md, "Sent notes"). A claim that took a key over (a
//! retry, `--force`) is noted too, before it commits: it replaced what the key held, so it is
//! never read as never made. A run that ends cleanly removes its file; a file that cannot be
//! trusted (another boot, a live process, no file, a header not read) proves nothing, and the
//! claim stays unknown as before.
//!
//! The file: a header line `leadctl-sent 1 PID HOST START` (as a heartbeat names a process:
//! `alive.rs`), then one line per key: 16 hex digits (sent) or `t` and 16 hex digits (taken
//! over), FNV-1a 64 of the entry's API URL, channel and key. A collision can only make a key read
//! as sent (unknown): the safe side.

use std::collections::{HashMap, HashSet};
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::alive::{gone_here, host, start_of};
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
    read: Mutex<HashMap<String, Option<Arc<Noted>>>>,
}

enum Writing {
    /// Not opened yet.
    Idle,
    Open(File),
    /// No file (it could not be made, or it was removed): nothing can be proven of this run's
    /// keys, and nothing need be noted.
    Off,
    /// A note may be missing from a file that could not be removed: nothing more may be sent.
    Broken(String),
}

/// The keys a dead run's notes name, as sent or as taken over: either way not "never sent".
type Noted = HashSet<u64>;

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

    /// Notes that the request of the claim `e` is about to leave. An error: the request must
    /// not be sent (a note may be missing and the file could not be removed).
    pub(super) fn sent(&self, e: &Entry) -> Result<(), String> {
        self.note(format!("{:016x}\n", note_of(e)))
    }

    /// Notes that the claim `e` is about to take its key over (before it commits). An error:
    /// the claim must not be made.
    pub(super) fn taking_over(&self, e: &Entry) -> Result<(), String> {
        self.note(format!("t{:016x}\n", note_of(e)))
    }

    /// Makes this run's file (its header) if it is not made yet.
    pub(super) fn ready(&self) {
        let mut w = self.file.lock().unwrap_or_else(|p| p.into_inner());
        self.open(&mut w);
    }

    fn open(&self, w: &mut Writing) {
        if let Writing::Idle = *w {
            *w = match self.create() {
                Some(f) => Writing::Open(f),
                None => Writing::Off,
            };
        }
    }

    fn note(&self, line: String) -> Result<(), String> {
        let mut w = self.file.lock().unwrap_or_else(|p| p.into_inner());
        self.open(&mut w);
        let err = match &mut *w {
            // Made just above (or off).
            Writing::Idle | Writing::Off => return Ok(()),
            Writing::Broken(why) => return Err(why.clone()),
            Writing::Open(f) => match f.write_all(line.as_bytes()) {
                Ok(()) => return Ok(()),
                Err(e) => e,
            },
        };
        // A note that may be missing: the file must not be read as complete.
        *w = match self.path(&self.run).map(fs::remove_file) {
            None | Some(Ok(())) => Writing::Off,
            Some(Err(gone)) if gone.kind() == std::io::ErrorKind::NotFound => Writing::Off,
            Some(Err(gone)) => Writing::Broken(format!(
                "its sent notes could not be written ({err}) or removed ({gone})"
            )),
        };
        match &*w {
            Writing::Broken(why) => Err(why.clone()),
            _ => Ok(()),
        }
    }

    /// This run's file, made with its header; None when it cannot be (no notes this run).
    fn create(&self) -> Option<File> {
        let path = self.path(&self.run)?;
        let pid = std::process::id();
        let start = start_of(&pid.to_string())?;
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
        let header = format!("{MAGIC} {pid} {} {start}\n", host());
        if f.write_all(header.as_bytes()).is_err() {
            let _ = fs::remove_file(&path);
            return None;
        }
        Some(f)
    }

    /// Whether the claim `e` (`sending`, of a run that is not alive) was never sent: its run's
    /// notes can be trusted, do not name it as sent, and say it took nothing over.
    pub(super) fn never_sent(&self, e: &Entry) -> bool {
        let Some(run) = e.run.as_deref().filter(|r| *r != self.run) else {
            return false;
        };
        let mut read = self.read.lock().unwrap_or_else(|p| p.into_inner());
        let notes = read
            .entry(run.to_string())
            .or_insert_with(|| self.path(run).and_then(|p| trusted(&p)).map(Arc::new));
        let h = note_of(e);
        notes.as_ref().is_some_and(|n| !n.contains(&h))
    }

    /// The run ended cleanly (every outcome recorded): its notes are no longer needed.
    pub(super) fn remove(&self) {
        let mut w = self.file.lock().unwrap_or_else(|p| p.into_inner());
        if let Writing::Open(_) | Writing::Broken(_) = *w {
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
                let dead = open_dead(&path).is_some();
                (run != self.run && dead).then_some((run, path))
            })
            .collect()
    }
}

/// A notes file read past its header, when that header names a process of this boot that is
/// gone (checked before the rest is read: what it holds then is all it will ever hold).
fn open_dead(path: &Path) -> Option<BufReader<std::io::Take<File>>> {
    let mut r = BufReader::new(File::open(path).ok()?.take(MOST));
    let mut header = String::new();
    r.by_ref().take(256).read_line(&mut header).ok()?;
    let rest = header.strip_suffix('\n')?.strip_prefix(MAGIC)?;
    let mut parts = rest.split_whitespace();
    let (Some(pid), Some(h), Some(start), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    gone_here(pid, h, start).then_some(r)
}

/// A notes file holds a line per request a run sent: 64 MiB is millions of them.
const MOST: u64 = 64 << 20;

/// What a dead run of this boot noted, or None when its file proves nothing.
fn trusted(path: &Path) -> Option<Noted> {
    // Read whole or not at all: a key past a cut-off would read as never sent.
    if fs::metadata(path).ok()?.len() > MOST {
        return None;
    }
    let mut r = open_dead(path)?;
    let mut text = String::new();
    r.read_to_string(&mut text).ok()?;
    let mut noted = Noted::new();
    // A line cut short (the process killed inside its write) noted nothing that happened.
    for line in text
        .split_inclusive('\n')
        .filter_map(|l| l.strip_suffix('\n'))
    {
        // A take-over (`t`) is named as much as a send: its claim may have left.
        let hex = line.strip_prefix('t').unwrap_or(line);
        if let Some(h) = (hex.len() == 16)
            .then(|| u64::from_str_radix(hex, 16).ok())
            .flatten()
        {
            noted.insert(h);
        }
    }
    Some(noted)
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

    /// A run's end removes the notes of gone runs that left no claim in the ledger, and keeps
    /// those of a gone run whose claim is still unanswered (they prove what it never sent).
    #[test]
    fn a_runs_end_prunes_only_the_notes_that_prove_nothing_any_more() {
        use crate::ledger::{Ledger, Location, Op};
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("ledger.sqlite3");
        let ledger = Ledger::open(&Location::File(file.clone())).unwrap();
        let notes = dir.path().join("ledger.sqlite3-sent");
        fs::create_dir_all(&notes).unwrap();
        dead_file(&notes, "0a-claiming", &["a@x.io"], "");
        dead_file(&notes, "0b-done", &["b@x.io"], "");
        let claim = entry("c@x.io", "0a-claiming");
        ledger
            .apply(Op::Claim {
                entry: claim.clone(),
                expect: None,
            })
            .unwrap();
        ledger.ended(&claim.api_url);
        assert!(
            notes.join("0a-claiming.sent").exists(),
            "its claim is unanswered"
        );
        assert!(
            !notes.join("0b-done.sent").exists(),
            "nothing left to prove"
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
    fn a_claim_that_took_its_key_over_is_never_read_as_never_made() {
        let dir = tempfile::tempdir().unwrap();
        let run = "0f0e-dead";
        let mut tail = format!("t{:016x}\n", note_of(&entry("forced@x.io", run)));
        tail.push_str(&format!("t{:016x}", note_of(&entry("cut@x.io", run))));
        dead_file(dir.path(), run, &[], &tail);
        let me = Notes::new(Some(dir.path().to_path_buf()), "mine");
        assert!(
            !me.never_sent(&entry("forced@x.io", run)),
            "taken over: unknown"
        );
        assert!(
            me.never_sent(&entry("cut@x.io", run)),
            "a marker cut short: no claim came of it"
        );
        assert!(me.never_sent(&entry("fresh@x.io", run)));
    }

    #[test]
    fn a_note_that_cannot_be_written_removes_the_file_or_stops_every_send() {
        let dir = tempfile::tempdir().unwrap();
        let run = "0a1b";
        // Written, then the disk is full: the file goes, and nothing more is noted or proven.
        let notes = Notes::new(Some(dir.path().to_path_buf()), run);
        notes.sent(&entry("a@x.io", run)).unwrap();
        let path = dir.path().join(format!("{run}.sent"));
        assert!(path.exists());
        *notes.file.lock().unwrap() =
            Writing::Open(OpenOptions::new().append(true).open("/dev/full").unwrap());
        notes.sent(&entry("b@x.io", run)).unwrap();
        assert!(
            !path.exists(),
            "an incomplete file is never left to be trusted"
        );
        notes.sent(&entry("c@x.io", run)).unwrap();
        assert!(!path.exists());
        // The file cannot be removed either (here: a directory stands in its place): this
        // request and every later one are refused.
        let other = dir.path().join("other");
        fs::create_dir_all(other.join(format!("{run}.sent")).join("x")).unwrap();
        let stuck = Notes::new(Some(other), run);
        *stuck.file.lock().unwrap() =
            Writing::Open(OpenOptions::new().append(true).open("/dev/full").unwrap());
        let e = stuck.sent(&entry("d@x.io", run)).unwrap_err();
        assert!(
            e.starts_with("its sent notes could not be written ("),
            "{e}"
        );
        assert_eq!(stuck.sent(&entry("e@x.io", run)).unwrap_err(), e);
        assert_eq!(stuck.taking_over(&entry("f@x.io", run)).unwrap_err(), e);
    }

    #[test]
    fn a_file_too_big_to_read_whole_proves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let run = "0f0e-big";
        dead_file(dir.path(), run, &[], "");
        let f = OpenOptions::new()
            .append(true)
            .open(dir.path().join(format!("{run}.sent")))
            .unwrap();
        f.set_len(MOST + 1).unwrap();
        let me = Notes::new(Some(dir.path().to_path_buf()), "mine");
        assert!(!me.never_sent(&entry("k", run)));
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
