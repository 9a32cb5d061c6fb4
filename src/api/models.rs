//! Serde types for the actions' requests and responses (doc/api.md, "Actions" and "Objects"),
//! with the one definition of a lead's standard fields (`LeadFields`, `LEAD_FIELDS`).
//!
//! Responses are read leniently: unknown fields are kept (`raw`), strings may arrive as numbers,
//! `employee` and `referring_employee` are both accepted. Requests send only documented fields and
//! never send an absent field as `null` or `""`.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

mod purchase;
pub use purchase::{NewPurchase, Purchase, PurchaseEnvelope};

/// A request body: `{"action": ..., ...fields}`.
#[derive(Debug, Serialize)]
pub struct ActionBody<'a, T: Serialize> {
    pub action: &'a str,
    #[serde(flatten)]
    pub fields: &'a T,
}

/// The lead fields a request can set, by their `create_lead` names (`update_lead` sends
/// `employee` as `referring_employee`), in the order requests send them: the names of
/// `LeadFields`. One list for the CSV mapping, the flat-lead reader and `--json` drafts.
pub const LEAD_FIELDS: &[&str] = &[
    "email",
    "first_name",
    "last_name",
    "phone",
    "company_name",
    "source",
    "employee",
    "notes",
    "business_id",
];

/// The one definition of a lead's standard fields, as `create_lead` names them. Absent fields
/// are never sent (not as `null`, not as `""`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LeadFields {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employee: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub business_id: Option<String>,
}

impl LeadFields {
    /// The field with this API name (`LEAD_FIELDS`), or `None` for a name that is not one.
    pub fn slot(&mut self, name: &str) -> Option<&mut Option<String>> {
        Some(match name {
            "email" => &mut self.email,
            "first_name" => &mut self.first_name,
            "last_name" => &mut self.last_name,
            "phone" => &mut self.phone,
            "company_name" => &mut self.company_name,
            "source" => &mut self.source,
            "employee" => &mut self.employee,
            "notes" => &mut self.notes,
            "business_id" => &mut self.business_id,
            _ => return None,
        })
    }

    /// Sets a field by its API name; returns false for a name that is not one.
    pub fn set(&mut self, name: &str, value: String) -> bool {
        match self.slot(name) {
            Some(slot) => {
                *slot = Some(value);
                true
            }
            None => false,
        }
    }

    /// Every field with its API name, in `LEAD_FIELDS` order.
    pub fn entries(&self) -> impl Iterator<Item = (&'static str, &Option<String>)> {
        let values = [
            &self.email,
            &self.first_name,
            &self.last_name,
            &self.phone,
            &self.company_name,
            &self.source,
            &self.employee,
            &self.notes,
            &self.business_id,
        ];
        LEAD_FIELDS.iter().copied().zip(values)
    }

    /// The fields that are set, with their API names.
    pub fn given(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.entries()
            .filter_map(|(name, value)| value.as_deref().map(|v| (name, v)))
    }

    pub fn is_empty(&self) -> bool {
        self.given().next().is_none()
    }

    /// A standard field by its API name.
    pub fn field(&self, name: &str) -> Option<&str> {
        match name {
            "email" => self.email.as_deref(),
            "first_name" => self.first_name.as_deref(),
            "last_name" => self.last_name.as_deref(),
            "phone" => self.phone.as_deref(),
            "company_name" => self.company_name.as_deref(),
            "source" => self.source.as_deref(),
            "employee" => self.employee.as_deref(),
            "notes" => self.notes.as_deref(),
            "business_id" => self.business_id.as_deref(),
            _ => None,
        }
    }
}

/// The fields of `create_lead` and `lead_external`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NewLead {
    pub channel_id: String,
    #[serde(flatten)]
    pub fields: LeadFields,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<PropertyInput>,
}

impl NewLead {
    /// Sets a standard field by its API name; returns false for a name that is not one.
    pub fn set_field(&mut self, name: &str, value: String) -> bool {
        self.fields.set(name, value)
    }
}

/// The fields of `update_lead`: a partial update. The employee goes as `referring_employee`, not
/// `employee`, as that action documents; everything else as in `create_lead`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LeadUpdate {
    pub lead_id: String,
    pub fields: LeadFields,
    pub properties: Vec<PropertyInput>,
    /// Standard fields (API names) to clear: sent as `null` (doc/api.md, "Clearing a field").
    pub cleared: Vec<&'static str>,
}

impl Serialize for LeadUpdate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("lead_id", &self.lead_id)?;
        for (name, value) in self.fields.given() {
            let name = if name == "employee" {
                "referring_employee"
            } else {
                name
            };
            map.serialize_entry(name, value)?;
        }
        for &name in &self.cleared {
            let name = if name == "employee" {
                "referring_employee"
            } else {
                name
            };
            map.serialize_entry(name, &())?;
        }
        if !self.properties.is_empty() {
            map.serialize_entry("properties", &self.properties)?;
        }
        map.end()
    }
}

/// One custom property value in a create or update request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PropertyInput {
    pub property_definitions_id: String,
    pub value: Value,
}

/// `{"lead": {...}}`
#[derive(Debug, Deserialize)]
pub struct LeadEnvelope {
    pub lead: Value,
}

/// A channel as leadctl reads it, and the object exactly as the server sent it (what `-o json`
/// prints, so fields leadctl does not know yet and the server's key order are kept).
#[derive(Debug, Clone)]
pub struct Listed {
    pub channel: Channel,
    pub raw: Value,
}

/// `{"channels": [...]}`
#[derive(Debug, Deserialize)]
pub struct ChannelsEnvelope {
    pub channels: Vec<Channel>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Channel {
    pub id: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub currency: Option<String>,
    #[serde(default)]
    pub no_auth_api: Option<bool>,
    #[serde(default)]
    pub property_definitions: Vec<PropertyDefinition>,
    #[serde(default)]
    pub lead_status: Vec<LeadStatus>,
    /// Every other field (created_at, referring_id, partner_companies_id, ...), kept as sent.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Value>,
}

impl Channel {
    pub fn label(&self) -> String {
        match &self.title {
            Some(t) => format!("{t} ({})", self.id),
            None => self.id.clone(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct PropertyDefinition {
    pub id: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub name: Option<String>,
    #[serde(default, rename = "type", deserialize_with = "lenient_string")]
    pub kind: Option<String>,
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Value>,
}

impl PropertyDefinition {
    /// The choices of a select property, when the definition lists them (`options`: strings, or
    /// objects with a `value`, `name` or `label`; doc/api.md documents none, so this is read
    /// tolerantly). `None` when there is no list, or it holds nothing usable.
    pub fn options(&self) -> Option<Vec<SelectOption>> {
        let list = self.extra.get("options")?.as_array()?;
        let options: Vec<SelectOption> = list.iter().filter_map(SelectOption::from_value).collect();
        (!options.is_empty()).then_some(options)
    }
}

/// One choice of a select property: the spelling sent (`value`) and every spelling it is known by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectOption {
    /// What is sent: an object's `value`, else its `name`, else its `label`; a plain string.
    pub value: String,
    /// The `label` or `name` shown for it when it differs from `value`.
    pub label: Option<String>,
}

impl SelectOption {
    fn from_value(v: &Value) -> Option<SelectOption> {
        let text = |v: Option<&Value>| -> Option<String> {
            match v? {
                Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                Value::Bool(b) => Some(b.to_string()),
                _ => None,
            }
        };
        match v {
            Value::Object(m) => {
                let label = text(m.get("label")).or_else(|| text(m.get("name")));
                let value = text(m.get("value")).or_else(|| label.clone())?;
                let label = label.filter(|l| *l != value);
                Some(SelectOption { value, label })
            }
            other => Some(SelectOption {
                value: text(Some(other))?,
                label: None,
            }),
        }
    }

    /// Every spelling a user may type for this option: its value, and its label when it has one.
    pub fn spellings(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.value.as_str()).chain(self.label.as_deref())
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct LeadStatus {
    pub id: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub status: Option<String>,
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Value>,
}

/// A lead in the full (nested) form. `raw` is the object exactly as the server sent it, which is
/// what `-o json` prints, so fields leadctl does not know yet are never lost.
#[derive(Debug, Clone, Deserialize)]
pub struct Lead {
    #[serde(deserialize_with = "required_string")]
    pub id: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub created_at: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub first_name: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub last_name: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub phone: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub company_name: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub source: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub employee: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub referring_employee: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub notes: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub business_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub channels_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub legacy_id: Option<String>,
    #[serde(default)]
    pub property_values: Vec<PropertyValue>,
    #[serde(skip)]
    pub raw: Value,
}

impl Lead {
    /// A lead known only by its id (one leadctl recorded but cannot read back now).
    pub fn with_id(id: &str) -> Lead {
        Lead {
            id: id.to_string(),
            created_at: None,
            email: None,
            first_name: None,
            last_name: None,
            phone: None,
            company_name: None,
            source: None,
            employee: None,
            referring_employee: None,
            notes: None,
            business_id: None,
            status: None,
            channels_id: None,
            legacy_id: None,
            property_values: Vec::new(),
            raw: serde_json::json!({ "id": id }),
        }
    }

    /// Reads a lead object, keeping the original JSON alongside the typed view.
    pub fn from_value(value: Value) -> Result<Lead, serde_json::Error> {
        let mut lead = Lead::deserialize(&value)?;
        lead.raw = value;
        Ok(lead)
    }

    /// `employee` on older pages, `referring_employee` on newer ones.
    pub fn employee(&self) -> Option<&str> {
        self.employee
            .as_deref()
            .or(self.referring_employee.as_deref())
    }

    /// (name, value) of each custom property, falling back to the definition id when no name came.
    pub fn properties(&self) -> Vec<(String, String)> {
        self.property_values
            .iter()
            .map(|p| {
                let name = p
                    .property_definitions
                    .as_ref()
                    .and_then(|d| d.name.clone())
                    .or_else(|| p.property_definitions_id.clone())
                    .unwrap_or_else(|| "(property)".to_string());
                (name, p.value.clone().unwrap_or_default())
            })
            .collect()
    }
}

impl Serialize for Lead {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.raw.serialize(s)
    }
}

/// The keys of a flat (`get_leads`) lead that are neither custom properties nor `LEAD_FIELDS`.
const FLAT_OTHER_KEYS: &[&str] = &[
    "id",
    "created_at",
    "referring_employee",
    "status",
    "lead_status_id",
    "channels_id",
    "legacy_id",
    "lead_status",
    "property_values",
];

impl Lead {
    /// Reads a lead in the flat form of `get_leads`, where each custom property is a top-level
    /// key named after its definition. Those keys become `property_values` with the name only.
    pub fn from_flat_value(value: Value) -> Result<Lead, serde_json::Error> {
        let mut lead = Lead::from_value(value)?;
        if let Value::Object(map) = &lead.raw {
            for (key, v) in map {
                if LEAD_FIELDS.contains(&key.as_str()) || FLAT_OTHER_KEYS.contains(&key.as_str()) {
                    continue;
                }
                let text = match v {
                    Value::Null => String::new(),
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                lead.property_values.push(PropertyValue {
                    value: Some(text),
                    property_definitions_id: None,
                    property_definitions: Some(PropertyRef {
                        name: Some(key.clone()),
                    }),
                });
            }
        }
        Ok(lead)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct PropertyValue {
    #[serde(default, deserialize_with = "lenient_string")]
    pub value: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub property_definitions_id: Option<String>,
    #[serde(default)]
    pub property_definitions: Option<PropertyRef>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PropertyRef {
    #[serde(default, deserialize_with = "lenient_string")]
    pub name: Option<String>,
}

/// A string field that some responses send as a number or boolean: keep it as text.
fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => None,
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        other => Some(other.to_string()),
    })
}

fn required_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    lenient_string(d)?.ok_or_else(|| serde::de::Error::custom("`id` is null"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn absent_fields_are_not_sent() {
        let lead = NewLead {
            channel_id: "c".into(),
            fields: LeadFields {
                email: Some("a@b.example".into()),
                ..LeadFields::default()
            },
            ..NewLead::default()
        };
        let body = serde_json::to_value(ActionBody {
            action: "create_lead",
            fields: &lead,
        })
        .unwrap();
        assert_eq!(
            body,
            json!({"action": "create_lead", "channel_id": "c", "email": "a@b.example"})
        );
    }

    #[test]
    fn lead_reads_both_employee_spellings_and_keeps_unknown_fields() {
        let v = json!({"id": "x", "referring_employee": "Ann", "legacy_id": 7, "phone": 5550199,
                       "brand_new_field": {"a": 1}, "property_values": [
                           {"value": "50000", "property_definitions_id": "p",
                            "property_definitions": {"id": "p", "name": "Deal size", "type": "number"}}]});
        let lead = Lead::from_value(v.clone()).unwrap();
        assert_eq!(lead.employee(), Some("Ann"));
        assert_eq!(lead.legacy_id.as_deref(), Some("7"));
        assert_eq!(lead.phone.as_deref(), Some("5550199"));
        assert_eq!(
            lead.properties(),
            vec![("Deal size".to_string(), "50000".to_string())]
        );
        assert_eq!(serde_json::to_value(&lead).unwrap(), v);
    }

    #[test]
    fn flat_leads_turn_extra_keys_into_properties() {
        let v = json!({"id": "x", "email": "a@b", "status": "New lead", "referring_employee": null,
                       "Deal size": "50000", "Region": "EMEA", "Score": 7});
        let lead = Lead::from_flat_value(v).unwrap();
        assert_eq!(
            lead.properties(),
            vec![
                ("Deal size".to_string(), "50000".to_string()),
                ("Region".to_string(), "EMEA".to_string()),
                ("Score".to_string(), "7".to_string())
            ]
        );
    }

    #[test]
    fn update_sends_referring_employee() {
        let mut u = LeadUpdate {
            lead_id: "l".into(),
            ..LeadUpdate::default()
        };
        assert!(u.fields.set("employee", "Ann".into()));
        let body = serde_json::to_value(ActionBody {
            action: "update_lead",
            fields: &u,
        })
        .unwrap();
        assert_eq!(
            body,
            json!({"action": "update_lead", "lead_id": "l", "referring_employee": "Ann"})
        );
        let p = NewPurchase {
            lead_id: "l".into(),
            purchase_amount: "1250.50".parse().ok(),
            ..NewPurchase::default()
        };
        let body = serde_json::to_value(ActionBody {
            action: "create_purchase",
            fields: &p,
        })
        .unwrap();
        assert_eq!(
            body,
            json!({"action": "create_purchase", "lead_id": "l", "purchase_amount": 1250.5})
        );
    }

    #[test]
    fn one_field_list() {
        let mut fields = LeadFields::default();
        for name in LEAD_FIELDS {
            assert!(fields.set(name, name.to_string()), "{name}");
        }
        let names: Vec<&str> = fields.given().map(|(n, _)| n).collect();
        assert_eq!(names, LEAD_FIELDS);
        assert!(fields.given().all(|(n, v)| n == v));
        let body = serde_json::to_value(&fields).unwrap();
        let keys: Vec<&str> = body
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, LEAD_FIELDS);
        assert!(!fields.set("referring_employee", String::new()));
    }

    #[test]
    fn lead_without_id_is_an_error() {
        assert!(Lead::from_value(json!({"email": "a@b"})).is_err());
        assert!(Lead::from_value(json!({"id": null})).is_err());
    }

    #[test]
    fn select_options_are_read_in_any_of_their_shapes() {
        let d = |options: Value| -> PropertyDefinition {
            serde_json::from_value(json!({"id": "p", "name": "Region", "type": "select",
                "options": options}))
            .unwrap()
        };
        let plain = d(json!(["EMEA", "APAC", "", null, 7]));
        let values: Vec<String> = plain
            .options()
            .unwrap()
            .into_iter()
            .map(|o| o.value)
            .collect();
        assert_eq!(values, ["EMEA", "APAC", "7"]);
        let objects = d(json!([{"value": "eu", "label": "Europe"}, {"name": "APAC"},
            {"label": "LATAM", "value": "LATAM"}, {"id": 3}]));
        let options = objects.options().unwrap();
        assert_eq!(
            options,
            [
                SelectOption {
                    value: "eu".into(),
                    label: Some("Europe".into())
                },
                SelectOption {
                    value: "APAC".into(),
                    label: None
                },
                SelectOption {
                    value: "LATAM".into(),
                    label: None
                },
            ]
        );
        assert_eq!(options[0].spellings().collect::<Vec<_>>(), ["eu", "Europe"]);
        assert!(d(json!("EMEA,APAC")).options().is_none());
        assert!(d(json!([])).options().is_none());
        let none: PropertyDefinition =
            serde_json::from_value(json!({"id": "p", "type": "select"})).unwrap();
        assert!(none.options().is_none());
    }

    #[test]
    fn channel_tolerates_missing_optional_fields() {
        let c: Channel = serde_json::from_value(json!({"id": "c", "title": "T",
            "partner_companies_id": null, "surprise": 1}))
        .unwrap();
        assert!(c.property_definitions.is_empty());
        assert_eq!(c.label(), "T (c)");
        assert_eq!(c.extra.get("surprise"), Some(&json!(1)));
    }
}
