//! The PostgreSQL ledger's checksums (`ledger::checksum`): the column a version-2 schema gets
//! when opened (its entries summed in SQL, as they are), and the check of every entry, done by
//! the server (only the damaged entries come back).

use super::PgStore;
use crate::ledger::checksum::{Damage, NAMED, SQL_TEXT};

/// Version 2 → 3 (idempotent): the column, and every entry without a checksum summed.
pub(super) fn upgrade_sql(s: &str) -> String {
    format!(
        "ALTER TABLE {s}.leads ADD COLUMN IF NOT EXISTS checksum text;
UPDATE {s}.leads l SET checksum = {SQL_TEXT} FROM (SELECT id, api_url AS u, channel AS c FROM \
         {s}.scopes) sc WHERE sc.id = l.scope AND l.checksum IS NULL;"
    )
}

impl PgStore {
    pub(super) fn verify_entries(&mut self) -> Result<Damage, String> {
        let s = self.target.schema_sql();
        let (checked, bad) = self.with(|c, _| {
            let checked: i64 = c
                .query_one(&format!("SELECT count(*) FROM {s}.leads"), &[])?
                .get(0);
            let bad = c.query(
                &format!(
                    "SELECT u, c, l.key, l.checksum IS NULL, count(*) OVER () FROM {s}.leads l \
                     LEFT JOIN (SELECT id, api_url AS u, channel AS c FROM {s}.scopes) sc ON \
                     sc.id = l.scope WHERE l.checksum IS DISTINCT FROM {SQL_TEXT} ORDER BY u, \
                     c, l.key LIMIT {NAMED}"
                ),
                &[],
            )?;
            Ok((checked, bad))
        })?;
        let mut damage = Damage {
            checked: checked.max(0) as u64,
            ..Damage::default()
        };
        for r in &bad {
            let url: Option<String> = r.try_get(0).ok().flatten();
            let channel: Option<String> = r.try_get(1).ok().flatten();
            let key: String = r.try_get(2).unwrap_or_default();
            let missing: bool = r.try_get(3).unwrap_or(false);
            let why = match (&url, missing) {
                (None, _) => "its scope is gone",
                (_, true) => "it has no checksum",
                _ => "its key, state, lead id or scope does not match its checksum",
            };
            damage.add(
                url.as_deref().unwrap_or("?"),
                channel.as_deref().unwrap_or("?"),
                &key,
                why,
            );
        }
        // Only the first few came back; the window count is all of them.
        if let Some(total) = bad.first().and_then(|r| r.try_get::<_, i64>(4).ok()) {
            damage.damaged = total.max(0) as u64;
        }
        Ok(damage)
    }
}
