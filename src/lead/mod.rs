//! What a lead may say: the one copy of the rules `create` (flags and `--json`) and `import` (CSV
//! rows) both apply, with the same messages and so the same exit codes. A field's value
//! (`field_problem`: a valid email, no NUL), the channel id (`channel_id_problem`), that the lead
//! says anything at all (`has_lead_data`), property values by their definition's type
//! (`values::check_text`, `values::check_value`: numbers, select options), and names resolved the
//! same everywhere (`names`: a channel by id or title, a property key; statuses by name are
//! `api::status::resolve`).
//!
//! A lead's works and how a bulk run decides and sends them are here too (`once`, `moves`,
//! `bulk`), with what the ledger and the server say of a lead (`known`, `window`, `find`).
//!
//! Each check returns its message without a location: callers put the row and column (import), or
//! the input and item (create), in front. Between the engine and `api`: it uses `api`'s models and
//! indexes and the leaves, and is used by `import` and `commands`.

pub mod bulk;
mod email;
pub mod find;
pub mod known;
pub mod moves;
pub mod names;
pub mod once;
pub mod status;
pub mod values;
pub mod window;

pub use once::{CreateLead, Keyed};

pub use email::valid_email;

use crate::api::models::LeadFields;

/// What a NUL in a value is told (the API's database cannot store U+0000 in text; its error
/// could come as a 500 that leaves the lead's outcome unknown).
pub const NUL: &str = "holds a NUL character (U+0000), which the API cannot store; remove it";

/// Why this value cannot go into the standard field `name` (an API name, `LEAD_FIELDS`), if it
/// cannot: a NUL anywhere, an email address that is not one.
pub fn field_problem(name: &str, value: &str) -> Option<String> {
    if value.contains('\0') {
        return Some(NUL.to_string());
    }
    if name == "email" && !valid_email(value.trim()) {
        return Some(format!(
            "{} is not a valid email address",
            crate::log::quoted(value.trim())
        ));
    }
    None
}

/// Why this is not a channel id, if it is not (a channel's title is resolved to its id before).
pub fn channel_id_problem(id: &str) -> Option<String> {
    (!crate::api::properties::is_uuid(id)).then(|| {
        format!(
            "channel id {} is not a UUID (e.g. a1b2c3d4-e5f6-7890-abcd-ef1234567890)",
            crate::log::quoted(id.trim())
        )
    })
}

/// The fields that make a lead a lead: without any of them it would be a blank record.
pub const LEAD_DATA_FIELDS: &[&str] = &[
    "email",
    "phone",
    "first_name",
    "last_name",
    "company_name",
    "business_id",
];

/// What a lead without any of `LEAD_DATA_FIELDS` is told.
pub const NO_LEAD_DATA: &str = "has no lead data: none of email, phone, first or last name, \
     company or business id is given, so it would be a blank lead";

/// Whether a lead has at least one of `LEAD_DATA_FIELDS` (not blank).
pub fn has_lead_data(fields: &LeadFields) -> bool {
    LEAD_DATA_FIELDS
        .iter()
        .any(|f| fields.field(f).is_some_and(|v| !v.trim().is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields() {
        assert_eq!(
            field_problem("email", "not-an-email").as_deref(),
            Some("\"not-an-email\" is not a valid email address")
        );
        assert_eq!(field_problem("email", " a@b.example "), None);
        assert_eq!(field_problem("notes", "not-an-email"), None);
        assert_eq!(field_problem("notes", "a\0b").as_deref(), Some(NUL));
        assert!(channel_id_problem("Acme")
            .unwrap()
            .starts_with("channel id \"Acme\" is not a UUID"));
        assert_eq!(
            channel_id_problem(" a1b2c3d4-e5f6-7890-abcd-ef1234567890 "),
            None
        );
    }

    #[test]
    fn a_lead_needs_one_identifying_field() {
        let mut f = LeadFields::default();
        assert!(!has_lead_data(&f));
        f.notes = Some("call back".into());
        f.source = Some("Web".into());
        f.employee = Some("Ann".into());
        assert!(
            !has_lead_data(&f),
            "notes, source and employee alone are blank"
        );
        f.phone = Some("  ".into());
        assert!(!has_lead_data(&f));
        for name in LEAD_DATA_FIELDS {
            let mut f = LeadFields::default();
            f.set(name, "x".into());
            assert!(has_lead_data(&f), "{name}");
        }
    }
}
