//! The API key and the ledger's database password, in types that cannot leak: `Debug` and
//! `Display` print `(redacted)`, so logging a `Settings` or an error can never show them. Only
//! `expose()` gives the text, for the one header (or the database's authentication).

use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key, trimming the whitespace a file or a paste brings along.
    pub fn new(key: impl AsRef<str>) -> ApiKey {
        ApiKey(key.as_ref().trim().to_string())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether the key looks like what KeenPartner issues (a UUID).
    pub fn looks_valid(&self) -> bool {
        uuid::Uuid::try_parse(&self.0).is_ok()
    }

    /// `text` with every occurrence of the key (ASCII case ignored: a gateway may change a UUID's
    /// case) replaced by `(redacted)`: for any text that came from the network, before it is
    /// shown or stored. A key under 8 characters is not looked for (it would match ordinary
    /// words of every answer; no real key is that short).
    pub fn redact<'a>(&self, text: &'a [u8]) -> std::borrow::Cow<'a, [u8]> {
        let key = self.0.as_bytes();
        // The shortest spelling leaves the hyphens out.
        let shortest = key.len() - key.iter().filter(|&&b| b == b'-').count();
        if key.len() < MIN_REDACTED || text.len() < shortest {
            return std::borrow::Cow::Borrowed(text);
        }
        let mut out: Option<Vec<u8>> = None;
        let mut start = 0;
        let mut at = 0;
        while at < text.len() {
            if let Some(end) = spelled_at(text, at, key) {
                let buf = out.get_or_insert_with(|| Vec::with_capacity(text.len()));
                buf.extend_from_slice(&text[start..at]);
                buf.extend_from_slice(REDACTED.as_bytes());
                at = end;
                start = at;
            } else {
                at += 1;
            }
        }
        match out {
            None => std::borrow::Cow::Borrowed(text),
            Some(mut buf) => {
                buf.extend_from_slice(&text[start..]);
                std::borrow::Cow::Owned(buf)
            }
        }
    }

    /// `redact` for text.
    pub fn redact_str(&self, text: &str) -> String {
        match self.redact(text.as_bytes()) {
            std::borrow::Cow::Borrowed(_) => text.to_string(),
            // Replacing whole ASCII-matched runs keeps the text valid UTF-8.
            std::borrow::Cow::Owned(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// The last four characters, for `config list` style displays. A key too short for that to
    /// be safe (under 16 characters: four would be a quarter of it or more) shows none.
    pub fn masked(&self) -> String {
        if self.0.chars().count() < 16 {
            return "****".to_string();
        }
        let tail: String = self
            .0
            .chars()
            .rev()
            .take(4)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("****{tail}")
    }
}

/// A database password (the PostgreSQL ledger's), as tight as the API key: `Debug` and `Display`
/// print `(redacted)`; only `expose()` gives the text, for the connection's authentication.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Wraps a password; a file's trailing line break is not part of it.
    pub fn new(text: impl AsRef<str>) -> Password {
        Password(text.as_ref().trim_end_matches(['\r', '\n']).to_string())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `text` with the password (at least 4 characters long) replaced by `(redacted)`: for a
    /// database's error text, which could echo what it was given.
    pub fn redact_str(&self, text: &str) -> String {
        if self.0.chars().count() < 4 {
            return text.to_string();
        }
        text.replace(&self.0, REDACTED)
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// Where a spelling of `key` that starts at `at` ends: each character in either case, or
/// percent-escaped (`%2D`), or JSON-escaped (`\u002d`); a hyphen may also be left out (a server
/// that echoes the key as a bare hex string).
fn spelled_at(text: &[u8], mut at: usize, key: &[u8]) -> Option<usize> {
    for &k in key {
        match one_char_at(text, at, k) {
            Some(next) => at = next,
            None if k == b'-' => {}
            None => return None,
        }
    }
    Some(at)
}

/// Where `k` (in either case, plain or escaped) starting at `at` ends.
fn one_char_at(text: &[u8], at: usize, k: u8) -> Option<usize> {
    let c = *text.get(at)?;
    if c.eq_ignore_ascii_case(&k) {
        return Some(at + 1);
    }
    let escaped = |from: usize, digits: usize| -> Option<usize> {
        let hex = std::str::from_utf8(text.get(from..from + digits)?).ok()?;
        let v = u32::from_str_radix(hex, 16).ok()?;
        let v = u8::try_from(v).ok()?;
        v.eq_ignore_ascii_case(&k).then_some(from + digits)
    };
    match (c, text.get(at + 1)) {
        (b'%', _) => escaped(at + 1, 2),
        (b'\\', Some(b'u')) => escaped(at + 2, 4),
        _ => None,
    }
}

/// What a key is replaced with wherever it would be shown.
pub const REDACTED: &str = "(redacted)";

/// Keys shorter than this are not searched for in server text (see `ApiKey::redact`).
const MIN_REDACTED: usize = 8;

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(redacted)")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(redacted)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_printed() {
        let key = ApiKey::new(" 5a4d1c2b-8e7f-4a3b-9c6d-0e1f2a3b4c5d\n");
        assert_eq!(format!("{key}"), "(redacted)");
        assert_eq!(format!("{key:?}"), "(redacted)");
        assert_eq!(format!("{:?}", Some(key.clone())), "Some((redacted))");
        assert_eq!(key.expose(), "5a4d1c2b-8e7f-4a3b-9c6d-0e1f2a3b4c5d");
        assert_eq!(key.masked(), "****4c5d");
        assert!(key.looks_valid());
        assert!(!ApiKey::new("nope").looks_valid());
        assert_eq!(ApiKey::new("abcd").masked(), "****");
        assert_eq!(ApiKey::new("short-key-12345").masked(), "****");
    }

    #[test]
    fn every_spelling_a_server_can_echo_is_redacted() {
        let key = ApiKey::new("5a4d1c2b-8e7f-4a3b-9c6d-0e1f2a3b4c5d");
        for spelling in [
            "5a4d1c2b-8e7f-4a3b-9c6d-0e1f2a3b4c5d",
            "5A4D1C2B-8E7F-4A3B-9C6D-0E1F2A3B4C5D",
            "5a4d1c2b8e7f4a3b9c6d0e1f2a3b4c5d",
            "5A4D1C2B8E7F4A3B9C6D0E1F2A3B4C5D",
            "5a4d1c2b%2D8e7f%2d4a3b%2D9c6d%2D0e1f2a3b4c5d",
            "%35%61%34%64%31%63%32%62-8e7f-4a3b-9c6d-0e1f2a3b4c5d",
            "5a4d1c2b\\u002d8e7f\\u002D4a3b\\u002d9c6d\\u002d0e1f2a3b4c5d",
        ] {
            assert_eq!(
                key.redact_str(&format!("invalid key {spelling}!")),
                "invalid key (redacted)!",
                "{spelling}"
            );
        }
        // Alone (a header holding just the key), the shortest spelling too.
        assert_eq!(
            key.redact_str("5A4D1C2B8E7F4A3B9C6D0E1F2A3B4C5D"),
            "(redacted)"
        );
        // Not a spelling of it: kept.
        let other = "5a4d1c2b-8e7f-4a3b-9c6d-0e1f2a3b4c5e";
        assert_eq!(key.redact_str(other), other);
    }

    #[test]
    fn a_password_is_never_printed() {
        let pw = Password::new("s3cret-pw\n");
        assert_eq!(pw.expose(), "s3cret-pw");
        assert_eq!(
            format!("{pw} {pw:?} {:?}", Some(pw.clone())),
            "(redacted) (redacted) Some((redacted))"
        );
        assert_eq!(
            pw.redact_str("auth s3cret-pw failed"),
            "auth (redacted) failed"
        );
    }

    #[test]
    fn redacts_the_key_from_server_text() {
        let key = ApiKey::new("5a4d1c2b-8e7f-4a3b-9c6d-0e1f2a3b4c5d");
        assert_eq!(
            key.redact_str(
                "invalid api key 5a4d1c2b-8e7f-4a3b-9c6d-0e1f2a3b4c5d (5A4D1C2B-8E7F-4A3B-9C6D-0E1F2A3B4C5D)"
            ),
            "invalid api key (redacted) ((redacted))"
        );
        assert_eq!(key.redact_str("nothing here: é"), "nothing here: é");
        assert_eq!(
            &*key.redact(
                b"5a4d1c2b-8e7f-4a3b-9c6d-0e1f2a3b4c5d5a4d1c2b-8e7f-4a3b-9c6d-0e1f2a3b4c5d"
            ),
            b"(redacted)(redacted)"
        );
        // A partial key is left alone; a tiny key is never searched for.
        assert_eq!(key.redact_str("5a4d1c2b-8e7f"), "5a4d1c2b-8e7f");
        assert_eq!(ApiKey::new("abc").redact_str("abc abc"), "abc abc");
    }
}
