//! Checks and conversions shared by the actions: required and optional fields, the channel
//! and lead a request names (with the access rule), `properties` inputs and the standard lead
//! fields (doc/sandbox.md, "Validation").

use serde_json::{Map, Value};
use uuid::Uuid;

use super::super::data::{Channel, Data, Lead, PropertyValue};
use super::{err, ApiError};

/// A required string field: `None` when missing, null, not a string or empty.
pub(super) fn required_str<'a>(body: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    body.get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

pub(super) fn optional_str(
    body: &Map<String, Value>,
    name: &str,
    what: &str,
) -> Result<Option<String>, ApiError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => err(400, format!("{name} must be {what}")),
    }
}

/// The accessible channel named by `channel_id` (400 / 403).
pub(super) fn accessible_channel<'a>(
    data: &'a Data,
    body: &Map<String, Value>,
) -> Result<&'a Channel, ApiError> {
    let Some(raw) = required_str(body, "channel_id") else {
        return err(400, "channel_id required");
    };
    Uuid::try_parse(raw)
        .ok()
        .and_then(|id| data.channel(id))
        .filter(|c| c.accessible)
        .map_or_else(|| err(403, "Channel not accessible"), Ok)
}

/// The index of the lead named by `lead_id`, checked for access (404 / 403). A missing
/// `lead_id` is the caller's to report, as its message differs per action.
pub(super) fn accessible_lead(data: &Data, raw: &str) -> Result<usize, ApiError> {
    let Some(i) = Uuid::try_parse(raw).ok().and_then(|id| data.lead_index(id)) else {
        return err(404, "Lead not found");
    };
    check_access(data, i)
}

pub(super) fn check_access(data: &Data, i: usize) -> Result<usize, ApiError> {
    match data.channel(data.leads[i].channels_id) {
        Some(c) if c.accessible => Ok(i),
        _ => err(403, "Lead not accessible"),
    }
}

/// Validated `properties` of a request: `(definition, text value)` pairs in request order.
pub(super) fn parse_properties(
    channel: &Channel,
    body: &Map<String, Value>,
) -> Result<Vec<(Uuid, String)>, ApiError> {
    let items = match body.get("properties") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => return err(400, "properties must be an array"),
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let Some(item) = item.as_object() else {
            return err(
                400,
                format!("properties[{i}] must be an object with property_definitions_id and value"),
            );
        };
        let Some(raw) = required_str(item, "property_definitions_id") else {
            return err(
                400,
                format!("properties[{i}].property_definitions_id required"),
            );
        };
        let Some(def) = Uuid::try_parse(raw)
            .ok()
            .and_then(|id| channel.properties.iter().find(|d| d.id == id))
        else {
            return err(
                400,
                format!("Property definition \"{raw}\" not found for this channel"),
            );
        };
        let text = match item.get("value") {
            None => return err(400, format!("properties[{i}].value required")),
            Some(Value::Null) => {
                return err(400, format!("properties[{i}].value must not be null"))
            }
            Some(Value::String(s)) => s.clone(),
            Some(v @ (Value::Number(_) | Value::Bool(_) | Value::Array(_) | Value::Object(_))) => {
                v.to_string()
            }
        };
        out.push((def.id, text));
    }
    Ok(out)
}

/// Upserts property values: an existing value for a definition keeps its id.
pub(super) fn upsert_properties(lead: &mut Lead, props: Vec<(Uuid, String)>) {
    for (def, value) in props {
        match lead
            .property_values
            .iter_mut()
            .find(|pv| pv.property_definitions_id == def)
        {
            Some(pv) => pv.value = value,
            None => lead.property_values.push(PropertyValue {
                id: Uuid::new_v4(),
                property_definitions_id: def,
                value,
            }),
        }
    }
}

/// Sets the given standard fields on `lead`. `null` clears the field when `clear_on_null`,
/// else is ignored. Returns how many of `names` were present.
pub(super) fn apply_fields(
    lead: &mut Lead,
    body: &Map<String, Value>,
    names: &[&str],
    clear_on_null: bool,
) -> Result<usize, ApiError> {
    let mut present = 0;
    for &name in names {
        let Some(v) = body.get(name) else { continue };
        present += 1;
        let Some(slot) = lead.field_mut(name) else {
            continue;
        };
        match v {
            Value::String(s) => *slot = Some(s.clone()),
            Value::Null if clear_on_null => *slot = None,
            Value::Null => {}
            _ => return err(400, format!("Field \"{name}\" must be a string")),
        }
    }
    Ok(present)
}

pub(super) const CREATE_FIELDS: [&str; 9] = [
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
pub(super) const UPDATE_FIELDS: [&str; 9] = [
    "email",
    "first_name",
    "last_name",
    "phone",
    "company_name",
    "source",
    "referring_employee",
    "notes",
    "business_id",
];

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::super::super::DEAL_SIZE_PROPERTY_ID;
    use super::super::testing::*;

    #[test]
    fn property_values_are_stored_as_text() {
        let mut d = Data::seeded();
        let lead = create(
            &mut d,
            json!({"properties": [
                {"property_definitions_id": REGION, "value": true},
                {"property_definitions_id": DEAL_SIZE_PROPERTY_ID, "value": 1.5},
                {"property_definitions_id": "F0000001-0000-4000-8000-000000000003", "value": {"a": [1]}},
                {"property_definitions_id": REGION, "value": "APAC"},
            ]}),
        );
        let values: Vec<&Value> = lead["property_values"]
            .as_array()
            .expect("pvs")
            .iter()
            .map(|p| &p["value"])
            .collect();
        assert_eq!(
            values,
            [&json!("APAC"), &json!("1.5"), &json!("{\"a\":[1]}")]
        );
    }
}
