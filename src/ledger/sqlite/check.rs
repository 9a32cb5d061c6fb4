//! The SQLite ledger's checksums (`ledger::checksum`): the column a version-2 file gets when it
//! is opened (its entries summed as they are), and the checks: every entry against its checksum,
//! and `PRAGMA integrity_check` (`leadctl ledger check`).

use rusqlite::{params, Connection};

use super::{text, SqliteStore};
use crate::ledger::checksum::{self, Damage};

/// Version 2 → 3: the `checksum` column, added when missing, and every entry without one summed.
/// Runs inside the caller's transaction.
pub(super) fn upgrade(c: &Connection) -> rusqlite::Result<()> {
    let has: i64 = c.query_row(
        "SELECT count(*) FROM pragma_table_info('leads') WHERE name = 'checksum'",
        [],
        |r| r.get(0),
    )?;
    if has == 0 {
        c.execute_batch(ADD_COLUMN)?;
    }
    let mut read = c.prepare(
        "SELECT l.scope, s.api_url, s.channel, l.key, l.state, l.lead_id FROM leads l JOIN \
         scopes s ON s.id = l.scope WHERE l.checksum IS NULL",
    )?;
    let mut write = c.prepare("UPDATE leads SET checksum = ?3 WHERE scope = ?1 AND key = ?2")?;
    let rows = read.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, Option<String>>(5)?,
        ))
    })?;
    for row in rows {
        let (scope, url, channel, key, state, lead_id) = row?;
        // A state this build does not know is left without one: the check names it.
        if let Some(st) = crate::ledger::State::parse(&state).filter(|s| s.as_str() == state) {
            let sum = checksum::of(&url, &channel, &key, st, lead_id.as_deref());
            write.execute(params![scope, key, sum])?;
        }
    }
    Ok(())
}

/// The column, for a new file too (after the version-1 tables).
pub(super) const ADD_COLUMN: &str = "ALTER TABLE leads ADD COLUMN checksum TEXT;";

impl SqliteStore {
    /// Every entry against its checksum; an entry whose scope is gone is damaged too.
    pub(super) fn verify(&self) -> Result<Damage, String> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT s.api_url, s.channel, l.key, l.state, l.lead_id, l.checksum, l.scope \
                 FROM leads l LEFT JOIN scopes s ON s.id = l.scope",
            )
            .map_err(text)?;
        let mut rows = stmt.query([]).map_err(text)?;
        let mut damage = Damage::default();
        while let Some(r) = rows.next().map_err(text)? {
            damage.checked += 1;
            // Borrowed, not copied: a check reads every entry of the ledger.
            let get = |i: usize| {
                r.get_ref(i)
                    .ok()
                    .and_then(|v| v.as_str_or_null().ok().flatten())
            };
            let (url, channel) = (get(0), get(1));
            let key = get(2).unwrap_or_default();
            let (Some(url), Some(channel)) = (url, channel) else {
                let scope: i64 = r.get(6).unwrap_or(0);
                damage.add(
                    "?",
                    &format!("? (scope {scope} is missing)"),
                    key,
                    "its scope is gone",
                );
                continue;
            };
            let ok = checksum::matches(
                url,
                channel,
                key,
                get(3).unwrap_or_default(),
                get(4),
                get(5),
            );
            if !ok {
                damage.add(url, channel, key, why(get(5).is_none()));
            }
        }
        Ok(damage)
    }

    /// `PRAGMA integrity_check`: "ok", or the first problems it lists.
    pub(super) fn integrity(&self) -> Result<Vec<String>, String> {
        let mut stmt = self
            .conn
            .prepare("PRAGMA integrity_check(20)")
            .map_err(text)?;
        let found: Vec<String> = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(text)?
            .collect::<Result<_, _>>()
            .map_err(text)?;
        Ok(found
            .into_iter()
            .filter(|l| l != "ok")
            .map(|l| l.chars().take(200).collect())
            .collect())
    }
}

fn why(missing: bool) -> &'static str {
    if missing {
        "it has no checksum"
    } else {
        "its key, state, lead id or scope does not match its checksum"
    }
}

impl Drop for SqliteStore {
    /// The run's writes moved into the main file and the WAL truncated (another process may
    /// keep the file open, so closing alone would leave them in the `-wal` file): a copy of the
    /// file alone then holds them. Best effort, waiting at most a second for readers.
    fn drop(&mut self) {
        if self.conn.path().is_some_and(|p| !p.is_empty()) {
            let _ = self.conn.busy_timeout(std::time::Duration::from_secs(1));
            self.truncate_log();
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::ledger::{Ledger, Location, SCHEMA_VERSION};

    /// A ledger written by schema version 2 (no checksums) opens, its entries are summed as
    /// they are, and damage done afterwards is refused.
    #[test]
    fn a_version_2_file_gets_checksums_when_opened() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("old.sqlite3");
        {
            let c = rusqlite::Connection::open(&path).expect("create");
            c.execute_batch(&format!(
                "{} {} {} INSERT INTO scopes (id, api_url, channel) VALUES (1, 'http://x', 'c');
                 INSERT INTO leads (scope, key, state, lead_id, hash, fields, first_at, updated_at)
                 VALUES (1, 'email:a@x.example', 'created', 'L1', 'h', '{{}}', 1, 1),
                        (1, 'email:b@x.example', 'unknown', NULL, 'h', '{{}}', 1, 1);
                 PRAGMA user_version = 2;",
                super::super::SCHEMA,
                super::super::META,
                super::super::runs::RUNS,
            ))
            .expect("version 2 schema");
        }
        let location = Location::File(path.clone());
        let ledger = Ledger::open(&location).expect("opens and upgrades");
        let damage = ledger.verify().expect("verify");
        assert_eq!((damage.checked, damage.damaged), (2, 0));
        assert!(ledger.integrity().expect("integrity").is_empty());
        drop(ledger);
        let c = rusqlite::Connection::open(&path).expect("reopen");
        let version: i64 = c
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .expect("version");
        assert_eq!(version, SCHEMA_VERSION);
        // Opening again (already upgraded) changes nothing.
        drop(Ledger::open(&location).expect("open again"));
        c.execute(
            "UPDATE leads SET lead_id = 'L2' WHERE key = 'email:a@x.example'",
            [],
        )
        .expect("damage");
        drop(c);
        let refused = Ledger::open(&location).err().expect("refused");
        assert_eq!(refused.kind, crate::error::Kind::Config);
        assert!(
            refused.message.contains(
                "1 of its 2 entries do not match their checksums, so it cannot say which rows \
                 were sent:\n  email:a@x.example (channel c, API URL http://x)"
            ),
            "{}",
            refused.message
        );
        let unchecked = Ledger::open_unchecked(&location).expect("to look into");
        assert_eq!(unchecked.verify().expect("verify").damaged, 1);
    }
}
