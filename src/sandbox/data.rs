//! The sandbox's data: the fixed seeded company and channels, the leads and purchases created
//! since, and the JSON shapes the API returns them in (doc/api.md's object shapes; doc/sandbox.md
//! lists the ids).
//!
//! Seeded things have fixed ids so that docs, tests and scripts can name them. Only leads,
//! purchases and the legacy-id counter change; they are what `--state` persists.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::{
    API_KEY, DEAL_SIZE_PROPERTY_ID, PRIMARY_CHANNEL_ID, PRIVATE_CHANNEL_ID, PUBLIC_CHANNEL_ID,
};

/// Parses a seeded id at compile time (a typo fails the build, not a request).
const fn id(s: &str) -> Uuid {
    match Uuid::try_parse(s) {
        Ok(u) => u,
        Err(_) => panic!("invalid seeded UUID"),
    }
}

/// The company the sandbox's API key acts for ("Acme Corporation").
pub(crate) const ACME_COMPANY_ID: Uuid = id("c0000000-0000-4000-8000-00000000000a");
/// The partner on the primary channel ("Initech").
pub(crate) const INITECH_COMPANY_ID: Uuid = id("c0000000-0000-4000-8000-00000000000b");
/// The owner of the private channel ("Globex Corporation"), which Acme is not part of.
pub(crate) const GLOBEX_COMPANY_ID: Uuid = id("c0000000-0000-4000-8000-00000000000c");
/// Receiving company on the private channel ("Umbrella Corporation").
pub(crate) const UMBRELLA_COMPANY_ID: Uuid = id("c0000000-0000-4000-8000-00000000000d");

/// The public `uuid` of the public channel: `lead_external` accepts it as well as the
/// channel's `id` (doc/api.md, `lead_external`). Not shown by `get_channels`, as in the real API.
pub(crate) const PUBLIC_CHANNEL_PUBLIC_UUID: &str = "b2c3d4e5-0000-4000-8000-00000000beef";
/// The one seeded lead: on the private channel, so that "Lead not accessible" can be seen.
pub(crate) const PRIVATE_LEAD_ID: &str = "d0000000-0000-4000-8000-000000000001";
/// Legacy id of [`PRIVATE_LEAD_ID`].
pub(crate) const PRIVATE_LEAD_LEGACY_ID: u64 = 100_000;
/// Legacy id given to the first lead created.
pub(crate) const FIRST_LEGACY_ID: u64 = 100_001;

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
    /// Choices of a `select` property: shown in the banner only, not returned by the API
    /// (doc/api.md: options are not documented in responses) and not enforced.
    pub options: &'static [&'static str],
}

#[derive(Debug)]
pub(crate) struct StatusDef {
    pub id: Uuid,
    pub status: &'static str,
    pub order: u32,
    pub color: &'static str,
}

const STATUS_NAMES: [(&str, &str); 5] = [
    ("New lead", "#3B82F6"),
    ("Qualified", "#8B5CF6"),
    ("Proposal sent", "#F59E0B"),
    ("Won", "#10B981"),
    ("Lost", "#EF4444"),
];

/// Status ids are `e000000N-0000-4000-8000-00000000000M`: N = channel 1..3, M = order 1..5.
fn statuses(channel: u128) -> Vec<StatusDef> {
    (1u128..)
        .zip(STATUS_NAMES)
        .map(|(i, (status, color))| StatusDef {
            id: Uuid::from_u128(0xe000_0000_0000_4000_8000_0000_0000_0000 | channel << 96 | i),
            status,
            order: i as u32,
            color,
        })
        .collect()
}

fn prop(id: Uuid, name: &'static str, kind: &'static str, order: u32) -> PropertyDef {
    PropertyDef {
        id,
        name,
        kind,
        order,
        options: &[],
    }
}

/// The three seeded channels, in the order `get_channels` lists the accessible ones.
pub(crate) fn seeded_channels() -> Vec<Channel> {
    vec![
        Channel {
            id: id(PRIMARY_CHANNEL_ID),
            public_uuid: id("a1b2c3d4-0000-4000-8000-00000000beef"),
            title: "Acme Referral Program",
            created_at: "2025-01-15T09:00:00.000Z",
            referring_id: INITECH_COMPANY_ID,
            receiving_id: ACME_COMPANY_ID,
            creator: ACME_COMPANY_ID,
            partner_companies_id: Some(INITECH_COMPANY_ID),
            currency: "USD",
            no_auth_api: false,
            accessible: true,
            properties: vec![
                prop(id(DEAL_SIZE_PROPERTY_ID), "Deal size", "number", 1),
                PropertyDef {
                    options: &["North America", "EMEA", "APAC", "LATAM"],
                    ..prop(
                        id("f0000001-0000-4000-8000-000000000002"),
                        "Region",
                        "select",
                        2,
                    )
                },
                prop(
                    id("f0000001-0000-4000-8000-000000000003"),
                    "Industry",
                    "text",
                    3,
                ),
            ],
            statuses: statuses(1),
        },
        Channel {
            id: id(PUBLIC_CHANNEL_ID),
            public_uuid: id(PUBLIC_CHANNEL_PUBLIC_UUID),
            title: "Website Signups",
            created_at: "2025-02-01T12:00:00.000Z",
            referring_id: ACME_COMPANY_ID,
            receiving_id: ACME_COMPANY_ID,
            creator: ACME_COMPANY_ID,
            partner_companies_id: None,
            currency: "EUR",
            no_auth_api: true,
            accessible: true,
            properties: vec![
                prop(
                    id("f0000002-0000-4000-8000-000000000001"),
                    "Budget",
                    "number",
                    1,
                ),
                PropertyDef {
                    options: &["Germany", "France", "Spain", "Other"],
                    ..prop(
                        id("f0000002-0000-4000-8000-000000000002"),
                        "Country",
                        "select",
                        2,
                    )
                },
                prop(
                    id("f0000002-0000-4000-8000-000000000003"),
                    "Message",
                    "text",
                    3,
                ),
            ],
            statuses: statuses(2),
        },
        Channel {
            id: id(PRIVATE_CHANNEL_ID),
            public_uuid: id("c3d4e5f6-0000-4000-8000-00000000beef"),
            title: "Globex Partner Channel",
            created_at: "2025-03-10T08:30:00.000Z",
            referring_id: GLOBEX_COMPANY_ID,
            receiving_id: UMBRELLA_COMPANY_ID,
            creator: GLOBEX_COMPANY_ID,
            partner_companies_id: None,
            currency: "USD",
            no_auth_api: false,
            accessible: false,
            properties: vec![prop(
                id("f0000003-0000-4000-8000-000000000001"),
                "Contract value",
                "number",
                1,
            )],
            statuses: statuses(3),
        },
    ]
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

/// The seeded lead on the private channel.
pub(crate) fn seeded_leads(channels: &[Channel]) -> Vec<Lead> {
    let status = channels
        .iter()
        .find(|c| c.id == id(PRIVATE_CHANNEL_ID))
        .and_then(|c| c.statuses.first())
        .map_or(Uuid::nil(), |s| s.id);
    vec![Lead {
        id: id(PRIVATE_LEAD_ID),
        legacy_id: PRIVATE_LEAD_LEGACY_ID,
        created_at: "2025-03-11T10:00:00.000Z".into(),
        channels_id: id(PRIVATE_CHANNEL_ID),
        lead_status_id: status,
        email: Some("hank@globex.example".into()),
        first_name: Some("Hank".into()),
        last_name: Some("Scorpio".into()),
        phone: None,
        company_name: Some("Globex Corporation".into()),
        source: Some("Referral".into()),
        notes: None,
        business_id: Some("GLX-0001".into()),
        employee: None,
        property_values: Vec::new(),
    }]
}

/// Which documented shape of the full lead to render (they differ per action: doc/sandbox.md, "Actions").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum View {
    /// `create_lead`: `employee`, `property_values`.
    Create,
    /// `lead_external`: `employee`, no `property_values` (as the docs' example).
    External,
    /// `get_lead_by_id` and `update_lead`: `referring_employee`, `lead_status` object.
    ById,
    /// `get_lead_by_legacy_id`: `legacy_id`, `employee`.
    ByLegacy,
    /// `update_status(_id)`: the short form of the docs' example.
    StatusChange,
    /// `GET /__sandbox/leads`: everything, for tests.
    Inspect,
}

/// Everything the sandbox holds. Channels are fixed; the rest changes.
#[derive(Debug)]
pub(crate) struct Data {
    pub channels: Vec<Channel>,
    pub leads: Vec<Lead>,
    pub purchases: Vec<Purchase>,
    pub next_legacy_id: u64,
}

/// What `--state` keeps: leads, purchases and the legacy-id counter.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Persisted {
    pub format: u32,
    pub next_legacy_id: u64,
    pub leads: Vec<Lead>,
    pub purchases: Vec<Purchase>,
}

pub(crate) const STATE_FORMAT: u32 = 1;

impl Default for Data {
    fn default() -> Self {
        Self::seeded()
    }
}

impl Data {
    pub fn seeded() -> Self {
        let channels = seeded_channels();
        let leads = seeded_leads(&channels);
        Data {
            channels,
            leads,
            purchases: Vec::new(),
            next_legacy_id: FIRST_LEGACY_ID,
        }
    }

    pub fn to_persisted(&self) -> Persisted {
        Persisted {
            format: STATE_FORMAT,
            next_legacy_id: self.next_legacy_id,
            leads: self.leads.clone(),
            purchases: self.purchases.clone(),
        }
    }

    /// The seeded channels with the saved leads and purchases, after checking that they fit
    /// together (every lead on a known channel with one of its statuses and properties,
    /// unique ids, every purchase on a known lead).
    pub fn from_persisted(p: Persisted) -> Result<Self, String> {
        if p.format != STATE_FORMAT {
            return Err(format!(
                "unsupported format {} (expected {STATE_FORMAT})",
                p.format
            ));
        }
        // JavaScript's largest safe integer: legacy ids are JSON numbers.
        if p.next_legacy_id > 9_007_199_254_740_991 {
            return Err(format!(
                "next_legacy_id {} is out of range",
                p.next_legacy_id
            ));
        }
        let channels = seeded_channels();
        let mut ids = std::collections::HashSet::new();
        let mut legacy = std::collections::HashSet::new();
        for lead in &p.leads {
            let Some(ch) = channels.iter().find(|c| c.id == lead.channels_id) else {
                return Err(format!(
                    "lead {} is on unknown channel {}",
                    lead.id, lead.channels_id
                ));
            };
            if !ch.statuses.iter().any(|s| s.id == lead.lead_status_id) {
                return Err(format!(
                    "lead {} has unknown status {}",
                    lead.id, lead.lead_status_id
                ));
            }
            if let Some(pv) = lead.property_values.iter().find(|pv| {
                !ch.properties
                    .iter()
                    .any(|d| d.id == pv.property_definitions_id)
            }) {
                return Err(format!(
                    "lead {} has a value for unknown property {}",
                    lead.id, pv.property_definitions_id
                ));
            }
            if !ids.insert(lead.id) || !legacy.insert(lead.legacy_id) {
                return Err(format!("lead {} appears twice", lead.id));
            }
            if lead.legacy_id >= p.next_legacy_id {
                return Err(format!(
                    "lead {} has legacy_id {} but next_legacy_id is {}",
                    lead.id, lead.legacy_id, p.next_legacy_id
                ));
            }
        }
        if let Some(pu) = p.purchases.iter().find(|pu| !ids.contains(&pu.leads_id)) {
            return Err(format!(
                "purchase {} is on unknown lead {}",
                pu.id, pu.leads_id
            ));
        }
        Ok(Data {
            channels,
            leads: p.leads,
            purchases: p.purchases,
            next_legacy_id: p.next_legacy_id,
        })
    }

    pub fn channel(&self, id: Uuid) -> Option<&Channel> {
        self.channels.iter().find(|c| c.id == id)
    }

    pub fn lead_index(&self, id: Uuid) -> Option<usize> {
        self.leads.iter().position(|l| l.id == id)
    }

    pub fn status(&self, channel: &Channel, id: Uuid) -> Option<&'static str> {
        channel
            .statuses
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.status)
    }

    pub fn channel_json(c: &Channel) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), json!(c.id));
        m.insert("title".into(), json!(c.title));
        m.insert("created_at".into(), json!(c.created_at));
        m.insert("referring_id".into(), json!(c.referring_id));
        m.insert("receiving_id".into(), json!(c.receiving_id));
        m.insert("creator".into(), json!(c.creator));
        if let Some(p) = c.partner_companies_id {
            m.insert("partner_companies_id".into(), json!(p));
        }
        m.insert("currency".into(), json!(c.currency));
        m.insert("no_auth_api".into(), json!(c.no_auth_api));
        let props: Vec<Value> = c
            .properties
            .iter()
            .map(|p| {
                json!({"id": p.id, "name": p.name, "type": p.kind, "order": p.order, "visible": true})
            })
            .collect();
        m.insert("property_definitions".into(), Value::Array(props));
        let statuses: Vec<Value> = c
            .statuses
            .iter()
            .map(|s| {
                json!({"id": s.id, "status": s.status, "order": s.order, "visible": true, "color": s.color})
            })
            .collect();
        m.insert("lead_status".into(), Value::Array(statuses));
        Value::Object(m)
    }

    /// A lead in one of its documented full shapes.
    pub fn lead_json(&self, lead: &Lead, view: View) -> Value {
        let channel = self.channel(lead.channels_id);
        let status = channel.and_then(|c| self.status(c, lead.lead_status_id));
        let mut m = Map::new();
        m.insert("id".into(), json!(lead.id));
        if matches!(view, View::ByLegacy | View::Inspect) {
            m.insert("legacy_id".into(), json!(lead.legacy_id));
        }
        m.insert("created_at".into(), json!(lead.created_at));
        let fields: &[&str] = if view == View::StatusChange {
            &["email", "first_name", "last_name"]
        } else {
            &STANDARD_FIELDS
        };
        for &f in fields {
            let key = match (f, view) {
                ("employee", View::ById) => "referring_employee",
                _ => f,
            };
            m.insert(key.into(), json!(lead.field(f)));
        }
        m.insert("status".into(), json!(status));
        m.insert("lead_status_id".into(), json!(lead.lead_status_id));
        if matches!(view, View::ById | View::Inspect) {
            m.insert(
                "lead_status".into(),
                json!({"id": lead.lead_status_id, "status": status}),
            );
        }
        m.insert("channels_id".into(), json!(lead.channels_id));
        if !matches!(view, View::External | View::StatusChange) {
            let pvs: Vec<Value> = lead
                .property_values
                .iter()
                .map(|pv| {
                    let def = channel.and_then(|c| {
                        c.properties
                            .iter()
                            .find(|d| d.id == pv.property_definitions_id)
                    });
                    json!({
                        "id": pv.id,
                        "value": pv.value,
                        "property_definitions_id": pv.property_definitions_id,
                        "property_definitions": {
                            "id": pv.property_definitions_id,
                            "name": def.map(|d| d.name),
                            "type": def.map(|d| d.kind),
                        },
                    })
                })
                .collect();
            m.insert("property_values".into(), Value::Array(pvs));
        }
        Value::Object(m)
    }

    /// The flat `get_leads` shape: standard fields, then one key per property value, named
    /// by the property's name. A property whose name equals a standard key does not
    /// overwrite it (none of the seeded ones do).
    pub fn flat_lead_json(&self, lead: &Lead) -> Value {
        let channel = self.channel(lead.channels_id);
        let mut m = Map::new();
        m.insert("id".into(), json!(lead.id));
        for f in [
            "email",
            "first_name",
            "last_name",
            "phone",
            "company_name",
            "source",
        ] {
            m.insert(f.into(), json!(lead.field(f)));
        }
        m.insert("referring_employee".into(), json!(lead.employee));
        m.insert("business_id".into(), json!(lead.business_id));
        m.insert("notes".into(), json!(lead.notes));
        m.insert("created_at".into(), json!(lead.created_at));
        let status = channel.and_then(|c| self.status(c, lead.lead_status_id));
        m.insert("status".into(), json!(status));
        for pv in &lead.property_values {
            let name = channel
                .and_then(|c| {
                    c.properties
                        .iter()
                        .find(|d| d.id == pv.property_definitions_id)
                })
                .map(|d| d.name);
            if let Some(name) = name {
                if !m.contains_key(name) {
                    m.insert(name.into(), json!(pv.value));
                }
            }
        }
        Value::Object(m)
    }

    pub fn purchase_json(p: &Purchase) -> Value {
        json!({
            "id": p.id,
            "created_at": p.created_at,
            "leads_id": p.leads_id,
            "name": p.name,
            "description": p.description,
            "purchase_amount": p.purchase_amount,
            "date": p.date,
        })
    }
}

/// The key checked by every action except `lead_external`.
pub(crate) fn key_is_valid(key: Option<&str>) -> bool {
    key == Some(API_KEY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_ids_match_the_public_constants_and_are_unique() {
        let data = Data::seeded();
        let ids: Vec<String> = data.channels.iter().map(|c| c.id.to_string()).collect();
        assert_eq!(
            ids,
            [PRIMARY_CHANNEL_ID, PUBLIC_CHANNEL_ID, PRIVATE_CHANNEL_ID]
        );
        assert_eq!(
            data.channels[0].properties[0].id.to_string(),
            DEAL_SIZE_PROPERTY_ID
        );
        assert_eq!(data.channels[0].properties[0].name, "Deal size");
        assert_eq!(
            data.channels[0].statuses[0].id.to_string(),
            "e0000001-0000-4000-8000-000000000001"
        );
        assert_eq!(
            data.channels[2].statuses[4].id.to_string(),
            "e0000003-0000-4000-8000-000000000005"
        );
        let mut all: Vec<Uuid> = Vec::new();
        for c in &data.channels {
            all.push(c.id);
            all.push(c.public_uuid);
            all.extend(c.properties.iter().map(|p| p.id));
            all.extend(c.statuses.iter().map(|s| s.id));
        }
        let n = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), n, "seeded ids must be unique");
    }

    #[test]
    fn persisted_state_round_trips_and_bad_state_is_refused() {
        let data = Data::seeded();
        let text = serde_json::to_string(&data.to_persisted()).expect("serialize");
        let back: Persisted = serde_json::from_str(&text).expect("parse");
        let again = Data::from_persisted(back).expect("valid");
        assert_eq!(again.leads, data.leads);
        assert_eq!(again.next_legacy_id, FIRST_LEGACY_ID);

        let mut p = data.to_persisted();
        p.leads[0].channels_id = Uuid::nil();
        assert!(Data::from_persisted(p).is_err_and(|e| e.contains("unknown channel")));
        let mut p = data.to_persisted();
        p.next_legacy_id = PRIVATE_LEAD_LEGACY_ID;
        assert!(Data::from_persisted(p).is_err_and(|e| e.contains("next_legacy_id")));
        let mut p = data.to_persisted();
        p.leads.push(p.leads[0].clone());
        assert!(Data::from_persisted(p).is_err_and(|e| e.contains("twice")));
        let mut p = data.to_persisted();
        p.format = 99;
        assert!(Data::from_persisted(p).is_err_and(|e| e.contains("format")));
    }
}
