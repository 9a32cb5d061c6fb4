//! The API key, in a type that cannot leak: `Debug` and `Display` print `(redacted)`, so logging a
//! `Settings` or an error can never show it. Only `expose()` gives the text, for the one header.

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
}
