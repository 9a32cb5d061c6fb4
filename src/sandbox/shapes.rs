//! The JSON shapes the API returns channels, leads and purchases in (doc/api.md's object
//! shapes; which action answers which lead shape: doc/sandbox.md, "Actions").

use serde_json::{json, Map, Value};

use super::data::{Channel, Data, Lead, Purchase, STANDARD_FIELDS};

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

impl Data {
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
                let mut d = json!({"id": p.id, "name": p.name, "type": p.kind, "order": p.order, "visible": true});
                // The emulator's assumption (doc/sandbox.md): a select lists its choices.
                if !p.options.is_empty() {
                    d["options"] = json!(p.options);
                }
                d
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
