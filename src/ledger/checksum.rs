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
    digest(api_url, channel, key, state.as_str(), lead_id)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The checksum's 16 bytes (what [`of`] writes in hex), without allocating: a check of a whole
/// ledger sums every entry.
fn digest(api_url: &str, channel: &str, key: &str, state: &str, lead_id: Option<&str>) -> [u8; 16] {
    fn part(h: &mut Sha256, value: &str) {
        h.update(itoa_buf(value.len()).text());
        h.update(b":");
        h.update(value);
        h.update(b"\n");
    }
    let mut h = Sha256::new();
    for value in [api_url, channel, key, state] {
        part(&mut h, value);
    }
    match lead_id {
        Some(id) => part(&mut h, id),
        None => h.update(b"-\n"),
    }
    let mut out = [0u8; 16];
    out.copy_from_slice(&h.finalize()[..16]);
    out
}

/// A length in decimal, on the stack.
struct Decimal {
    buf: [u8; 20],
    start: usize,
}

impl Decimal {
    fn text(&self) -> &[u8] {
        &self.buf[self.start..]
    }
}

fn itoa_buf(mut n: usize) -> Decimal {
    let mut buf = [0u8; 20];
    let mut start = buf.len();
    loop {
        start -= 1;
        buf[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    Decimal { buf, start }
}

/// 32 lower-case hex digits as their 16 bytes; None for anything else.
fn unhex(text: &str) -> Option<[u8; 16]> {
    let bytes = text.as_bytes();
    if bytes.len() != 32 {
        return None;
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut out = [0u8; 16];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        out[i] = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(out)
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
    let (Some(state), Some(stored)) = (known, stored.and_then(unhex)) else {
        return false;
    };
    digest(api_url, channel, key, state.as_str(), lead_id) == stored
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

    /// The text hashed, pinned (SHA-256 of it computed apart): `8:http://a\n1:c\n17:...\n`.
    #[test]
    fn the_sum_is_of_the_documented_text_and_matches_only_its_hex() {
        let at = |lead_id| {
            of(
                "http://a",
                "c",
                "email:a@x.example",
                State::Created,
                lead_id,
            )
        };
        assert_eq!(at(Some("L1")), "ba982e52256edf51e13c6baff9521a92");
        assert_eq!(at(Some("")), "1193184e13998673f9af353754960ba3");
        assert_eq!(at(None), "2bc438f5a99e428428afaaa1c2105182");
        let m = |state: &str, stored: Option<&str>| {
            matches(
                "http://a",
                "c",
                "email:a@x.example",
                state,
                Some("L1"),
                stored,
            )
        };
        assert!(m("created", Some("ba982e52256edf51e13c6baff9521a92")));
        for stored in [
            None,
            Some(""),
            Some("BA982E52256EDF51E13C6BAFF9521A92"),
            Some("ba982e52256edf51e13c6baff9521a9"),
            Some("ba982e52256edf51e13c6baff9521a92 "),
            Some("ba982e52256edf51e13c6baff9521a93"),
            Some("zz982e52256edf51e13c6baff9521a92"),
        ] {
            assert!(!m("created", stored), "{stored:?}");
        }
        assert!(!m("Created", Some("ba982e52256edf51e13c6baff9521a92")));
    }

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
