//! Repeated values (emails, business ids) found in memory that does not grow with the file.

use std::collections::HashSet;

use crate::api::models::NewLead;

/// Finds values seen more than once (emails, business ids) in memory that does not grow with
/// the file: a fixed-size Bloom filter flags *possible* repeats; only those values are kept, and
/// a second look at the rows (`is_candidate`) counts them exactly.
pub struct Duplicates {
    bits: Vec<u64>,
    candidates: HashSet<String>,
}

/// 32 Mi bits = 4 MiB with 5 probes: about 3 in 100 million false candidates at 400,000 values,
/// so a file without repeats is read only once.
const BLOOM_WORDS: usize = (32 << 20) / 64;
const BLOOM_HASHES: u64 = 5;
/// Past this many candidates (a file full of repeats), stop collecting: the warning says so.
const MAX_CANDIDATES: usize = 100_000;

impl Default for Duplicates {
    fn default() -> Duplicates {
        Duplicates {
            bits: vec![0; BLOOM_WORDS],
            candidates: HashSet::new(),
        }
    }
}

/// The kinds of value checked for repeats, and how each is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// Case-insensitively.
    Email,
    /// Exactly (trimmed).
    BusinessId,
}

impl Key {
    pub fn label(self) -> &'static str {
        match self {
            Key::Email => "email",
            Key::BusinessId => "business id",
        }
    }

    /// The value as compared, with the kind in front: the candidates' form.
    pub fn normalized(self, value: &str) -> String {
        match self {
            Key::Email => format!("e:{}", value.trim().to_lowercase()),
            Key::BusinessId => format!("b:{}", value.trim()),
        }
    }
}

/// splitmix64's finaliser: spreads FNV's bits for the probes.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Duplicates {
    /// Records one value; hashes without allocating (ASCII emails are lowercased on the fly).
    pub fn see(&mut self, key: Key, value: &str) {
        let value = value.trim();
        let mut h = crate::identity::Fnv::default();
        match key {
            Key::Email if value.is_ascii() => {
                h.write(b"e:");
                for &b in value.as_bytes() {
                    h.write(&[b.to_ascii_lowercase()]);
                }
            }
            Key::BusinessId => {
                h.write(b"b:");
                h.write(value.as_bytes());
            }
            Key::Email => h.write(key.normalized(value).as_bytes()),
        }
        let h1 = mix(h.value());
        let h2 = mix(h1 ^ 0x9e37_79b9_7f4a_7c15) | 1;
        let bits = (BLOOM_WORDS * 64) as u64;
        let mut all_set = true;
        for i in 0..BLOOM_HASHES {
            let bit = h1.wrapping_add(i.wrapping_mul(h2)) % bits;
            let (word, mask) = ((bit / 64) as usize, 1u64 << (bit % 64));
            if self.bits[word] & mask == 0 {
                all_set = false;
                self.bits[word] |= mask;
            }
        }
        if all_set && self.candidates.len() < MAX_CANDIDATES {
            self.candidates.insert(key.normalized(value));
        }
    }

    pub fn has_candidates(&self) -> bool {
        !self.candidates.is_empty()
    }

    pub fn is_candidate(&self, key: Key, value: &str) -> bool {
        self.candidates.contains(&key.normalized(value))
    }

    /// The values that may repeat, for the sending pass: `None` when the candidates were capped
    /// (any value may then repeat). The filter's bits are not kept.
    pub fn into_repeats(self) -> Option<Repeats> {
        (self.candidates.len() < MAX_CANDIDATES).then_some(Repeats(self.candidates))
    }
}

/// The values the check pass saw more than once (and its few false candidates): the sending
/// pass remembers the first row of these keys only, so a file of a million distinct keys is not
/// held in memory a second time.
#[derive(Debug, Clone, Default)]
pub struct Repeats(HashSet<String>);

impl Repeats {
    /// Whether a ledger key (`business_id:…`, `email:…`) may be met again in the input; a key of
    /// another kind (`fields:…`) always may.
    pub fn may_repeat(&self, ledger_key: &str) -> bool {
        if let Some(b) = ledger_key.strip_prefix("business_id:") {
            self.0.contains(&Key::BusinessId.normalized(b))
        } else if let Some(e) = ledger_key.strip_prefix("email:") {
            self.0.contains(&Key::Email.normalized(e))
        } else {
            true
        }
    }
}

/// Calls `f` with each value of a lead that is checked for repeats.
pub fn duplicate_keys(lead: &NewLead, mut f: impl FnMut(Key, &str)) {
    if let Some(e) = &lead.fields.email {
        f(Key::Email, e);
    }
    if let Some(b) = &lead.fields.business_id {
        f(Key::BusinessId, b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_are_flagged_in_constant_memory() {
        let mut d = Duplicates::default();
        for i in 0..200_000 {
            d.see(Key::Email, &format!("user{i}@example.com"));
            d.see(Key::BusinessId, &format!("CRM-{i}"));
        }
        assert!(
            !d.has_candidates(),
            "no false candidates: {:?}",
            d.candidates.len()
        );
        d.see(Key::Email, " USER7@example.com");
        d.see(Key::BusinessId, "crm-8");
        assert!(d.is_candidate(Key::Email, "user7@EXAMPLE.com"));
        assert!(
            !d.is_candidate(Key::BusinessId, "crm-8"),
            "business ids are case-sensitive"
        );
        let mut d = Duplicates::default();
        d.see(Key::Email, "zoë@example.com");
        d.see(Key::Email, "ZOË@example.com");
        assert!(d.is_candidate(Key::Email, "zoë@example.com"));
    }

    /// The sending pass remembers the first row of a repeated key only: the key as the ledger
    /// spells it (`identity::key_of`: trimmed, an email lower-cased) finds the check's value.
    #[test]
    fn repeats_answer_for_ledger_keys_and_are_given_up_when_capped() {
        let mut d = Duplicates::default();
        for v in ["Ada@Example.com", "ada@example.com", "bob@example.com"] {
            d.see(Key::Email, v);
        }
        for v in ["CRM-1", "CRM-1 ", "CRM-2"] {
            d.see(Key::BusinessId, v);
        }
        let r = d.into_repeats().expect("not capped");
        assert!(r.may_repeat("email:ada@example.com"));
        assert!(!r.may_repeat("email:bob@example.com"));
        assert!(r.may_repeat("business_id:CRM-1"));
        assert!(!r.may_repeat("business_id:CRM-2"));
        assert!(r.may_repeat("fields:0123abcd"), "a fields key always may");
        let d = Duplicates {
            candidates: (0..MAX_CANDIDATES).map(|i| format!("e:{i}")).collect(),
            ..Duplicates::default()
        };
        assert!(d.into_repeats().is_none(), "capped: any key may repeat");
    }
}
