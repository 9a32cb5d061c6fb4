//! Every entry's checksum: SHA-256 (truncated to 128 bits, hex) over what decides whether a row
//! is sent again: its scope (API URL and channel), key, state and lead id. Damage a database's
//! own check passes (a flipped bit in a data page, an `UPDATE` by hand) changes one of them
//! without the checksum, so the run refuses the ledger before sending (exit 3) instead of
//! creating the lead a second time; `leadctl ledger check` lists what it finds. Not a keyed hash:
//! it finds damage, not a forger.
//!
//! The text hashed is each value as `LENGTH:VALUE\n` (its length in bytes), a missing lead id as
//! `-\n`: the PostgreSQL ledger computes the same text in SQL (`SQL_TEXT`) to check its rows
//! where they are.

use sha2::{Digest, Sha256};

use super::{Entry, State};

/// The checksum of an entry's identity and outcome.
pub fn of(api_url: &str, channel: &str, key: &str, state: State, lead_id: Option<&str>) -> String {
    let mut h = Sha256::new();
    for part in [api_url, channel, key, state.as_str()] {
        h.update(format!("{}:", part.len()));
        h.update(part);
        h.update("\n");
    }
    match lead_id {
        Some(id) => {
            h.update(format!("{}:", id.len()));
            h.update(id);
            h.update("\n");
        }
        None => h.update("-\n"),
    }
    let digest = h.finalize();
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

pub fn of_entry(e: &Entry) -> String {
    of(
        &e.api_url,
        &e.channel,
        &e.key,
        e.state,
        e.lead_id.as_deref(),
    )
}

/// The checksum of a stored row whose state is text (as a database holds it): a state this
/// build does not know cannot match.
pub fn matches(
    api_url: &str,
    channel: &str,
    key: &str,
    state: &str,
    lead_id: Option<&str>,
    stored: Option<&str>,
) -> bool {
    // The stored text exactly (`parse` forgives case and spaces a database never holds).
    let known = State::parse(state).filter(|s| s.as_str() == state);
    let (Some(state), Some(stored)) = (known, stored) else {
        return false;
    };
    of(api_url, channel, key, state, lead_id) == stored
}

/// The same checksum in PostgreSQL's SQL, over columns named `u` (API URL), `c` (channel),
/// `l.key`, `l.state` and `l.lead_id`.
pub const SQL_TEXT: &str = "substr(encode(sha256(convert_to(\
     octet_length(u)::text || ':' || u || E'\\n' || \
     octet_length(c)::text || ':' || c || E'\\n' || \
     octet_length(l.key)::text || ':' || l.key || E'\\n' || \
     octet_length(l.state)::text || ':' || l.state || E'\\n' || \
     coalesce(octet_length(l.lead_id)::text || ':' || l.lead_id, '-') || E'\\n', 'UTF8')), \
     'hex'), 1, 32)";

/// What a check found: how many entries it read, and the damaged ones (the first few named).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Damage {
    pub checked: u64,
    pub damaged: u64,
    /// (API URL, channel, key, why) of the first damaged entries.
    pub named: Vec<(String, String, String, String)>,
}

/// How many damaged entries a check names.
pub const NAMED: usize = 20;

impl Damage {
    pub fn add(&mut self, api_url: &str, channel: &str, key: &str, why: &str) {
        self.damaged += 1;
        if self.named.len() < NAMED {
            self.named.push((
                api_url.to_string(),
                channel.to_string(),
                key.chars().take(120).collect(),
                why.to_string(),
            ));
        }
    }

    /// The damaged entries as lines (`  KEY (channel C, API URL U): WHY`) and "N more".
    pub fn lines(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .named
            .iter()
            .map(|(u, c, k, why)| format!("  {k} (channel {c}, API URL {u}): {why}"))
            .collect();
        let more = self.damaged.saturating_sub(self.named.len() as u64);
        if more > 0 {
            out.push(format!("  and {more} more"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_part_counts_and_no_two_spellings_collide() {
        let base = of(
            "http://a",
            "c",
            "email:a@x.example",
            State::Created,
            Some("L1"),
        );
        assert_eq!(base.len(), 32);
        assert_eq!(
            base,
            of(
                "http://a",
                "c",
                "email:a@x.example",
                State::Created,
                Some("L1")
            )
        );
        for other in [
            of(
                "http://b",
                "c",
                "email:a@x.example",
                State::Created,
                Some("L1"),
            ),
            of(
                "http://a",
                "d",
                "email:a@x.example",
                State::Created,
                Some("L1"),
            ),
            of(
                "http://a",
                "c",
                "email:b@x.example",
                State::Created,
                Some("L1"),
            ),
            of(
                "http://a",
                "c",
                "email:a@x.example",
                State::Unknown,
                Some("L1"),
            ),
            of(
                "http://a",
                "c",
                "email:a@x.example",
                State::Created,
                Some("L2"),
            ),
            of("http://a", "c", "email:a@x.example", State::Created, None),
            of(
                "http://a",
                "c",
                "email:a@x.example",
                State::Created,
                Some(""),
            ),
            // The boundaries between parts are in the text hashed.
            of(
                "http://a",
                "ce",
                "mail:a@x.example",
                State::Created,
                Some("L1"),
            ),
        ] {
            assert_ne!(base, other);
        }
        assert!(matches(
            "http://a",
            "c",
            "email:a@x.example",
            "created",
            Some("L1"),
            Some(&base)
        ));
        assert!(!matches(
            "http://a",
            "c",
            "email:a@x.example",
            "created",
            Some("L1"),
            None
        ));
        assert!(!matches(
            "http://a",
            "c",
            "email:a@x.example",
            "bogus",
            Some("L1"),
            Some(&base)
        ));
    }
}
