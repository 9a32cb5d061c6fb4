//! What a run learned of a server that the next run may reuse for a stated time: one small JSON
//! file per API URL and key in the data directory (`checks/<hash>.json`, the hash of the URL and
//! the key: the key itself is never written), each value with the time it was learned (in
//! milliseconds). A value older than the stated time is not used (the channel's newest leads have
//! a time of their own, seconds, where the other checks have minutes); `LEADCTL_CHECK_CACHE=0`
//! turns the cache off (doc/ledger.md, "Checks a `create` makes").
//!
//! Best effort on both sides: a missing, unreadable or damaged file is an empty cache, and a
//! failed write only means the next run asks the server again.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::secret::ApiKey;

/// The most a cache file may hold (a channel list with its definitions is a few KiB).
const LIMIT: u64 = 4 * 1024 * 1024;

/// Where cached checks live and how long they are used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Where {
    pub dir: PathBuf,
    pub ttl: Duration,
    /// How long a channel's newest leads are used (`LEADCTL_WINDOW_CACHE`; zero: never).
    pub window_ttl: Duration,
}

/// The cache of one API URL and key.
#[derive(Debug, Clone)]
pub struct Cache {
    path: PathBuf,
    ttl: Duration,
    window_ttl: Duration,
}

impl Cache {
    /// The cache of what `api_url` answered to `key`.
    pub fn new(at: &Where, api_url: &str, key: &ApiKey) -> Cache {
        let mut hash = Sha256::new();
        hash.update(api_url.as_bytes());
        hash.update([0u8]);
        hash.update(key.expose().as_bytes());
        let digest = hash.finalize();
        let name: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        Cache {
            path: at.dir.join(format!("{name}.json")),
            ttl: at.ttl,
            window_ttl: at.window_ttl,
        }
    }

    /// How long a channel's newest leads are used (zero: never).
    pub fn window_ttl(&self) -> Duration {
        self.window_ttl
    }

    /// The value stored under `name`, if it was learned less than the stated time ago.
    pub fn get(&self, name: &str) -> Option<Value> {
        self.get_at(name, self.ttl, now()).map(|(v, _)| v)
    }

    /// The value stored under `name` with its age, if it was learned less than `ttl` ago.
    pub fn get_within(&self, name: &str, ttl: Duration) -> Option<(Value, Duration)> {
        self.get_at(name, ttl, now())
    }

    fn get_at(&self, name: &str, ttl: Duration, now: i64) -> Option<(Value, Duration)> {
        let all = read(&self.path);
        let entry = all.get(name)?;
        let at = entry.get("at_ms")?.as_i64()?;
        let age = now.checked_sub(at)?;
        // A time in the future (a clock set back) is not trusted either.
        if age < 0 || age as u128 >= ttl.as_millis() {
            return None;
        }
        let value = entry.get("value").cloned()?;
        Some((value, Duration::from_millis(age as u64)))
    }

    /// Stores `value` under `name`, learned now; stale entries are dropped as it is written.
    pub fn put(&self, name: &str, value: Value) {
        self.put_at(name, value, now());
    }

    /// Changes the value stored under `name` while it is younger than `ttl`, keeping the time it
    /// was learned (what was learned since is added; the value grows no younger).
    pub fn amend(&self, name: &str, ttl: Duration, change: impl FnOnce(&mut Value)) {
        // One reading of the clock: the time learned is written back exactly as it was read.
        let now = now();
        let Some((mut value, age)) = self.get_at(name, ttl, now) else {
            return;
        };
        change(&mut value);
        let learned = now - age.as_millis() as i64;
        self.put_at_learned(name, value, now, learned);
    }

    fn put_at(&self, name: &str, value: Value, now: i64) {
        self.put_at_learned(name, value, now, now);
    }

    fn put_at_learned(&self, name: &str, value: Value, now: i64, learned: i64) {
        let mut all = read(&self.path);
        let ttl = self.ttl.max(self.window_ttl).as_millis() as i64;
        all.retain(|_, e| {
            e.get("at_ms")
                .and_then(Value::as_i64)
                .is_some_and(|at| now - at < ttl)
        });
        let mut entry = Map::new();
        entry.insert("at_ms".into(), Value::from(learned));
        entry.insert("value".into(), value);
        all.insert(name.to_string(), Value::Object(entry));
        if let Ok(text) = serde_json::to_vec(&Value::Object(all)) {
            let _ = crate::fsutil::write_atomic(&self.path, &text);
        }
    }
}

fn read(path: &Path) -> Map<String, Value> {
    let Ok(bytes) = crate::fsutil::read_capped(
        path,
        LIMIT,
        crate::fsutil::Accept::RegularFile,
        "a cache file",
    ) else {
        return Map::new();
    };
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

/// Milliseconds since the epoch.
fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(dir: &Path, key: &str) -> Cache {
        let at = Where {
            dir: dir.to_path_buf(),
            ttl: Duration::from_secs(600),
            window_ttl: Duration::from_secs(5),
        };
        Cache::new(&at, "http://127.0.0.1:1/x", &ApiKey::new(key))
    }

    #[test]
    fn a_value_is_used_for_the_stated_time_only() {
        let dir = tempfile::tempdir().unwrap();
        let c = cache(dir.path(), "k1");
        let ttl = Duration::from_secs(600);
        c.put_at("a", Value::from(1), 1_000_000);
        assert_eq!(
            c.get_at("a", ttl, 1_000_000).map(|(v, _)| v),
            Some(Value::from(1))
        );
        assert_eq!(
            c.get_at("a", ttl, 1_599_999).map(|(v, _)| v),
            Some(Value::from(1))
        );
        assert_eq!(c.get_at("a", ttl, 1_600_000).map(|(v, _)| v), None);
        // A clock set back does not make an old value new.
        assert_eq!(c.get_at("a", ttl, 999_999).map(|(v, _)| v), None);
        assert_eq!(c.get_at("b", ttl, 1_000_000).map(|(v, _)| v), None);
        // The newest leads are used for their own, shorter time.
        let window = Duration::from_secs(5);
        assert_eq!(
            c.get_at("a", window, 1_004_999).map(|(v, _)| v),
            Some(Value::from(1))
        );
        assert_eq!(c.get_at("a", window, 1_005_000).map(|(v, _)| v), None);
    }

    #[test]
    fn each_key_has_its_own_file_and_the_key_is_never_written() {
        let dir = tempfile::tempdir().unwrap();
        let secret = "5a4d1c2b-8e7f-4a3b-9c6d-0e1f2a3b4c5d";
        let one = cache(dir.path(), secret);
        one.put_at("a", Value::from("seen"), 1000);
        assert_eq!(
            cache(dir.path(), "another")
                .get_at("a", Duration::from_secs(600), 1000)
                .map(|(v, _)| v),
            None
        );
        let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(files.len(), 1);
        let path = files[0].as_ref().unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains(secret) && !path.to_string_lossy().contains(secret));
    }

    #[test]
    fn a_damaged_file_is_an_empty_cache_and_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let c = cache(dir.path(), "k");
        std::fs::write(&c.path, b"{not json").unwrap();
        let ttl = Duration::from_secs(600);
        assert_eq!(c.get_at("a", ttl, 1000).map(|(v, _)| v), None);
        c.put_at("a", Value::from(2), 1000);
        assert_eq!(
            c.get_at("a", ttl, 1000).map(|(v, _)| v),
            Some(Value::from(2))
        );
    }

    #[test]
    fn an_amended_value_keeps_the_time_it_was_learned() {
        let dir = tempfile::tempdir().unwrap();
        let c = cache(dir.path(), "k");
        let window = Duration::from_secs(5);
        let learned_at = |c: &Cache| read(&c.path)["w"]["at_ms"].as_i64();
        c.put("w", serde_json::json!({"a": "1"}));
        let learned = learned_at(&c);
        assert!(learned.is_some());
        std::thread::sleep(Duration::from_millis(20));
        c.amend("w", window, |v| {
            v.as_object_mut()
                .unwrap()
                .insert("b".into(), Value::from("2"));
        });
        let (value, _) = c.get_within("w", window).unwrap();
        assert_eq!(value, serde_json::json!({"a": "1", "b": "2"}));
        assert_eq!(learned_at(&c), learned, "the time it was learned moved");
        // Nothing fresh to amend: nothing is written.
        c.amend("none", window, |v| *v = Value::from(1));
        assert_eq!(c.get("none"), None);
    }

    #[test]
    fn stale_entries_are_dropped_when_another_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let c = cache(dir.path(), "k");
        c.put_at("old", Value::from(1), 1_000_000);
        c.put_at("new", Value::from(2), 2_000_000);
        let text = std::fs::read_to_string(&c.path).unwrap();
        assert!(!text.contains("old"), "{text}");
    }
}
