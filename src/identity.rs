//! What identifies a write: a lead's identity within its channel, and the fingerprint of what
//! was sent for it (the ledger keys its entries by them; a leaf, it knows no ledger).
//!
//! The key is the lead's `business_id` when it has one (trimmed), else its email (trimmed,
//! lower-cased), else a hash of all its fields; `--key` forces one kind. The fields a lead was
//! sent with are kept as a flat map (`email`, ..., `property:<definition id>`), so that a later
//! row with the same key can be compared field by field (`changed`, `--update`).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::api::models::{NewLead, LEAD_FIELDS};

/// Which field identifies a lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    BusinessId,
    Email,
    Fields,
}

impl KeyKind {
    pub fn parse(s: &str) -> Option<KeyKind> {
        match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "business_id" | "businessid" => Some(KeyKind::BusinessId),
            "email" => Some(KeyKind::Email),
            "fields" | "hash" => Some(KeyKind::Fields),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::BusinessId => "business_id",
            KeyKind::Email => "email",
            KeyKind::Fields => "fields",
        }
    }
}

/// The fields of a lead as compared across runs: standard fields by API name, custom
/// properties as `property:<definition id>`. Empty values are left out.
pub type Fields = BTreeMap<String, Value>;

pub fn fields_of(lead: &NewLead) -> Fields {
    let mut fields = Fields::new();
    for &name in LEAD_FIELDS {
        if let Some(v) = lead.fields.field(name).filter(|v| !v.is_empty()) {
            fields.insert(name.to_string(), Value::String(v.to_string()));
        }
    }
    for p in &lead.properties {
        fields.insert(
            format!("property:{}", p.property_definitions_id.to_lowercase()),
            p.value.clone(),
        );
    }
    fields
}

/// FNV-1a, 64-bit: stable across Rust versions and platforms (unlike `DefaultHasher`).
#[derive(Debug, Clone, Copy)]
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    pub fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    pub fn value(&self) -> u64 {
        self.0
    }
}

impl std::io::Write for Fnv {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        Fnv::write(self, buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// FNV-1a 64 of the fields' canonical JSON (keys sorted): stable across versions and machines.
pub fn hash_fields(fields: &Fields) -> String {
    let mut h = Fnv::default();
    // Straight into the hash: no JSON text is built.
    let _ = serde_json::to_writer(&mut h, fields);
    format!("{:016x}", h.value())
}

/// The lead's key within its channel (`business_id:…`, `email:…` or `fields:…`), or why it has
/// none of the forced kind.
pub fn key_of(lead: &NewLead, fields: &Fields, forced: Option<KeyKind>) -> Result<String, String> {
    let bid = lead
        .fields
        .business_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let email = lead
        .fields
        .email
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    match forced {
        Some(KeyKind::BusinessId) => bid
            .map(|b| format!("business_id:{b}"))
            .ok_or_else(|| "has no business_id, which --key business_id needs".to_string()),
        Some(KeyKind::Email) => email
            .map(|e| format!("email:{}", e.to_lowercase()))
            .ok_or_else(|| "has no email, which --key email needs".to_string()),
        Some(KeyKind::Fields) => Ok(format!("fields:{}", hash_fields(fields))),
        None => Ok(match (bid, email) {
            (Some(b), _) => format!("business_id:{b}"),
            (None, Some(e)) => format!("email:{}", e.to_lowercase()),
            (None, None) => format!("fields:{}", hash_fields(fields)),
        }),
    }
}

/// The keys a lead already on the server answers to (business id and email; a fields hash
/// cannot be compared with what the server returns).
pub fn server_keys(business_id: Option<&str>, email: Option<&str>) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(b) = business_id.map(str::trim).filter(|s| !s.is_empty()) {
        keys.push(format!("business_id:{b}"));
    }
    if let Some(e) = email.map(str::trim).filter(|s| !s.is_empty()) {
        keys.push(format!("email:{}", e.to_lowercase()));
    }
    keys
}

/// The names of the fields that differ between what was sent and what a row says now.
pub fn changed_fields(before: &Fields, now: &Fields) -> Vec<String> {
    let mut names: Vec<String> = now
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(v))
        .map(|(k, _)| k.clone())
        .collect();
    names.extend(before.keys().filter(|k| !now.contains_key(*k)).cloned());
    names.sort();
    names.dedup();
    names
}

/// The key as shown to users: `email a@b.example`, `business_id X-1`, `fields 1f2e…`.
pub fn describe_key(key: &str) -> String {
    match key.split_once(':') {
        Some((kind, value)) => format!("{kind} {value:?}"),
        None => key.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::models::PropertyInput;

    fn lead(email: Option<&str>, bid: Option<&str>) -> NewLead {
        let mut l = NewLead {
            channel_id: "c".into(),
            ..NewLead::default()
        };
        l.fields.email = email.map(str::to_string);
        l.fields.business_id = bid.map(str::to_string);
        l.fields.first_name = Some("Ada".into());
        l
    }

    #[test]
    fn the_key_prefers_business_id_then_email_then_fields() {
        let l = lead(Some(" Ada@Example.COM "), Some(" B-1 "));
        let f = fields_of(&l);
        assert_eq!(key_of(&l, &f, None).as_deref(), Ok("business_id:B-1"));
        let l = lead(Some(" Ada@Example.COM "), Some("  "));
        let f = fields_of(&l);
        assert_eq!(key_of(&l, &f, None).as_deref(), Ok("email:ada@example.com"));
        let l = lead(None, None);
        let f = fields_of(&l);
        assert!(key_of(&l, &f, None)
            .unwrap_or_default()
            .starts_with("fields:"));
    }

    #[test]
    fn a_forced_key_must_be_there() {
        let l = lead(Some("a@b.example"), None);
        let f = fields_of(&l);
        assert!(key_of(&l, &f, Some(KeyKind::BusinessId))
            .unwrap_err()
            .contains("no business_id"));
        assert_eq!(
            key_of(&l, &f, Some(KeyKind::Email)).as_deref(),
            Ok("email:a@b.example")
        );
    }

    #[test]
    fn changes_are_named() {
        let mut a = lead(Some("a@b.example"), None);
        let before = fields_of(&a);
        a.fields.phone = Some("1".into());
        a.fields.first_name = None;
        a.properties.push(PropertyInput {
            property_definitions_id: "ABC".into(),
            value: Value::from(3),
        });
        let now = fields_of(&a);
        assert_eq!(
            changed_fields(&before, &now),
            ["first_name", "phone", "property:abc"]
        );
        assert_ne!(hash_fields(&before), hash_fields(&now));
        assert_eq!(hash_fields(&before), hash_fields(&before.clone()));
    }
}
