//! The sandbox's records: a channel with its properties and statuses (fixed, from `seed`), and a
//! lead, its property values and a purchase as the sandbox stores and persists them.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug)]
pub(crate) struct Channel {
    pub id: Uuid,
    pub public_uuid: Uuid,
    pub title: &'static str,
    pub created_at: &'static str,
    pub referring_id: Uuid,
    pub receiving_id: Uuid,
    pub creator: Uuid,
    /// Optional in doc/api.md: given for the primary channel, absent for the others.
    pub partner_companies_id: Option<Uuid>,
    pub currency: &'static str,
    pub no_auth_api: bool,
    /// Whether the sandbox's API key's company is on this channel.
    pub accessible: bool,
    pub properties: Vec<PropertyDef>,
    /// In `order`; the first is what new leads get.
    pub statuses: Vec<StatusDef>,
}

#[derive(Debug)]
pub(crate) struct PropertyDef {
    pub id: Uuid,
    pub name: &'static str,
    pub kind: &'static str,
    pub order: u32,
    /// Choices of a `select` property: shown in the banner and returned by `get_channels` as
    /// `options` (the emulator's assumption: doc/api.md documents no options in responses), not
    /// enforced.
    pub options: &'static [&'static str],
}

#[derive(Debug)]
pub(crate) struct StatusDef {
    pub id: Uuid,
    pub status: &'static str,
    pub order: u32,
    pub color: &'static str,
}

/// A lead as stored (and persisted). Standard fields are `None` when never set.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct Lead {
    pub id: Uuid,
    pub legacy_id: u64,
    pub created_at: String,
    pub channels_id: Uuid,
    pub lead_status_id: Uuid,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub company_name: Option<String>,
    pub source: Option<String>,
    pub notes: Option<String>,
    pub business_id: Option<String>,
    /// `employee` on create/read pages, `referring_employee` on newer ones: one stored value.
    pub employee: Option<String>,
    pub property_values: Vec<PropertyValue>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct PropertyValue {
    pub id: Uuid,
    pub property_definitions_id: Uuid,
    pub value: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct Purchase {
    pub id: Uuid,
    pub created_at: String,
    pub leads_id: Uuid,
    pub name: Option<String>,
    pub description: Option<String>,
    pub purchase_amount: Option<serde_json::Number>,
    pub date: String,
    #[serde(default)]
    pub trigger_ids: Vec<Uuid>,
}

/// The standard lead fields in API order; `employee` is renamed per view.
pub(crate) const STANDARD_FIELDS: [&str; 9] = [
    "email",
    "first_name",
    "last_name",
    "phone",
    "company_name",
    "source",
    "notes",
    "business_id",
    "employee",
];

impl Lead {
    /// The stored field behind an API field name (`referring_employee` = `employee`).
    pub fn field_mut(&mut self, name: &str) -> Option<&mut Option<String>> {
        Some(match name {
            "email" => &mut self.email,
            "first_name" => &mut self.first_name,
            "last_name" => &mut self.last_name,
            "phone" => &mut self.phone,
            "company_name" => &mut self.company_name,
            "source" => &mut self.source,
            "notes" => &mut self.notes,
            "business_id" => &mut self.business_id,
            "employee" | "referring_employee" => &mut self.employee,
            _ => return None,
        })
    }

    pub fn field(&self, name: &str) -> Option<&str> {
        match name {
            "email" => &self.email,
            "first_name" => &self.first_name,
            "last_name" => &self.last_name,
            "phone" => &self.phone,
            "company_name" => &self.company_name,
            "source" => &self.source,
            "notes" => &self.notes,
            "business_id" => &self.business_id,
            "employee" | "referring_employee" => &self.employee,
            _ => &None,
        }
        .as_deref()
    }
}
