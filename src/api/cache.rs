//! What a run learned of a server that the next run may reuse for a stated time: one small JSON
//! file per API URL and key in the data directory (`checks/<hash>.json`, the hash of the URL and
//! the key: the key itself is never written), each value with the time it was learned. A value
//! older than the stated time is not used; `LEADCTL_CHECK_CACHE=0` turns the cache off
//! (doc/ledger.md, "Checks a `create` makes").
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
}

/// The cache of one API URL and key.
#[derive(Debug, Clone)]
pub struct Cache {
    path: PathBuf,
    ttl: Duration,
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
        }
    }

    /// The value stored under `name`, if it was learned less than the stated time ago.
    pub fn get(&self, name: &str) -> Option<Value> {
        self.get_at(name, now())
    }

    fn get_at(&self, name: &str, now: i64) -> Option<Value> {
        let all = read(&self.path);
        let entry = all.get(name)?;
        let at = entry.get("at")?.as_i64()?;
        let age = now.checked_sub(at)?;
        // A time in the future (a clock set back) is not trusted either.
        if age < 0 || age as u64 >= self.ttl.as_secs() {
            return None;
        }
        entry.get("value").cloned()
    }

    /// Stores `value` under `name`, learned now; stale entries are dropped as it is written.
    pub fn put(&self, name: &str, value: Value) {
        self.put_at(name, value, now());
    }

    fn put_at(&self, name: &str, value: Value, now: i64) {
        let mut all = read(&self.path);
        let ttl = self.ttl.as_secs() as i64;
        all.retain(|_, e| {
            e.get("at")
                .and_then(Value::as_i64)
                .is_some_and(|at| now - at < ttl)
        });
        let mut entry = Map::new();
        entry.insert("at".into(), Value::from(now));
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

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(dir: &Path, key: &str) -> Cache {
        let at = Where {
            dir: dir.to_path_buf(),
            ttl: Duration::from_secs(600),
        };
        Cache::new(&at, "http://127.0.0.1:1/x", &ApiKey::new(key))
    }

    #[test]
    fn a_value_is_used_for_the_stated_time_only() {
        let dir = tempfile::tempdir().unwrap();
        let c = cache(dir.path(), "k1");
        c.put_at("a", Value::from(1), 1000);
        assert_eq!(c.get_at("a", 1000), Some(Value::from(1)));
        assert_eq!(c.get_at("a", 1599), Some(Value::from(1)));
        assert_eq!(c.get_at("a", 1600), None);
        // A clock set back does not make an old value new.
        assert_eq!(c.get_at("a", 999), None);
        assert_eq!(c.get_at("b", 1000), None);
    }

    #[test]
    fn each_key_has_its_own_file_and_the_key_is_never_written() {
        let dir = tempfile::tempdir().unwrap();
        let secret = "5a4d1c2b-8e7f-4a3b-9c6d-0e1f2a3b4c5d";
        let one = cache(dir.path(), secret);
        one.put_at("a", Value::from("seen"), 1000);
        assert_eq!(cache(dir.path(), "another").get_at("a", 1000), None);
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
        assert_eq!(c.get_at("a", 1000), None);
        c.put_at("a", Value::from(2), 1000);
        assert_eq!(c.get_at("a", 1000), Some(Value::from(2)));
    }

    #[test]
    fn stale_entries_are_dropped_when_another_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let c = cache(dir.path(), "k");
        c.put_at("old", Value::from(1), 1000);
        c.put_at("new", Value::from(2), 2000);
        let text = std::fs::read_to_string(&c.path).unwrap();
        assert!(!text.contains("old"), "{text}");
    }
}
