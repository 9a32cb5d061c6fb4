//! The API's actions (API.md section 5) applied to the sandbox's [`Data`]: validation, every
//! documented error string and status, and the response shapes.
//!
//! Pure logic: no sockets, no locks, no clock other than `created_at`. The server calls
//! [`dispatch`] with the data lock held, so nothing here may block.
//!
//! Choices where API.md says the behaviour is undocumented or inferred:
//! - Success is always **200** (the client accepts any 2xx; the docs never state a code).
//! - A body that is not JSON, or not a JSON object → 400 `Invalid JSON body`. A body without
//!   `action` → 400 `action required` (after the key check). An unknown action → 400
//!   `Unknown action: X`. The key is checked before the action is looked at, so an unknown
//!   action without a key is a 401, as a function that authenticates first would answer.
//! - A syntactically invalid UUID is treated like an id that does not exist, as a database
//!   lookup would: `channel_id` → 403 `Channel not accessible` (`create_lead`, `get_leads`:
//!   the only documented errors there) or 404 `Channel not found` (`lead_external`);
//!   `lead_id` → 404 `Lead not found`; `status_id` → 404 `Status ID not found`.
//!   A channel id that exists nowhere is also `Channel not accessible` for keyed actions.
//! - An empty string counts as missing for required ids (`"channel_id": ""` → `channel_id required`).
//! - Standard lead fields must be JSON strings (or null); anything else → 400
//!   `Field "F" must be a string`. Unknown fields are ignored, as a real handler that picks
//!   known fields would. `create_lead`/`lead_external` take `employee`; `update_lead` takes
//!   `referring_employee` (each as its page documents; the other spelling is ignored).
//! - `update_lead`: `null` clears a field, `""` stores an empty string; "at least one field"
//!   means one of the nine standard keys present (any value) or a non-empty `properties`;
//!   otherwise 400 `At least one field or a non-empty properties array is required`.
//! - Property inputs: `properties` must be an array (400 `properties must be an array`); each
//!   item an object with `property_definitions_id` (400 `properties[i].property_definitions_id
//!   required`) on the lead's channel (400 `Property definition "X" not found for this
//!   channel`) and a `value` (400 `properties[i].value required`; `null` → 400
//!   `properties[i].value must not be null`). Values are stored as text: strings as is,
//!   numbers and booleans stringified, arrays/objects JSON-encoded. A value is not checked
//!   against the property's type. The same definition twice: the last one wins.
//! - Status names match exactly (case-sensitive). `update_status_id` requires the status to be
//!   on the lead's channel (a status of another channel is `Status ID not found`).
//! - `get_lead_by_legacy_id` takes a non-negative JSON integer or a string of digits (as a
//!   JavaScript handler's `Number(x)` would); anything else is `legacy_id required`.
//! - `create_purchase`: `purchase_amount` must be a JSON number (any sign) or absent/null →
//!   400 `purchase_amount must be a number`; `product_name`, `product_description`, `date`
//!   must be strings (not parsed); `trigger_ids` an array of UUID strings (400 `trigger_ids
//!   must be an array of UUIDs`). The sandbox has no reward triggers: valid ids are recorded
//!   and ignored. `date` defaults to now. Errors: 404 `Lead not found` for an unknown lead.
//! - `get_leads` lists property values by property name, only the properties that have a value.

use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::data::{key_is_valid, Channel, Data, Lead, PropertyValue, Purchase, View};
use crate::time::now_rfc3339;

/// The answer to one API request.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Outcome {
    pub status: u16,
    pub body: Value,
    /// Whether the data changed (the server then saves `--state`).
    pub mutated: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiError {
    pub status: u16,
    pub message: String,
}

fn err<T>(status: u16, message: impl Into<String>) -> Result<T, ApiError> {
    Err(ApiError {
        status,
        message: message.into(),
    })
}

/// Every action name the sandbox answers.
pub(crate) const ACTIONS: [&str; 10] = [
    "get_channels",
    "get_leads",
    "get_lead_by_id",
    "get_lead_by_legacy_id",
    "create_lead",
    "update_lead",
    "update_status",
    "update_status_id",
    "create_purchase",
    "lead_external",
];

/// The request body as a JSON object, or the 400 for it.
pub(crate) fn parse_body(bytes: &[u8]) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => err(400, "Invalid JSON body: expected an object"),
        Err(e) => err(400, format!("Invalid JSON body: {e}")),
    }
}

/// The `action` of a parsed body, if it is a string.
pub(crate) fn action_of(body: &Map<String, Value>) -> Option<&str> {
    body.get("action").and_then(Value::as_str)
}

/// Runs one API request against `data`. `body` is the result of [`parse_body`].
pub(crate) fn dispatch(
    data: &mut Data,
    api_key: Option<&str>,
    body: &Result<Map<String, Value>, ApiError>,
) -> Outcome {
    let result = body
        .as_ref()
        .map_err(Clone::clone)
        .and_then(|b| run(data, api_key, b));
    match result {
        Ok((body, mutated)) => Outcome {
            status: 200,
            body,
            mutated,
        },
        Err(e) => Outcome {
            status: e.status,
            body: json!({ "error": e.message }),
            mutated: false,
        },
    }
}

fn run(
    data: &mut Data,
    key: Option<&str>,
    body: &Map<String, Value>,
) -> Result<(Value, bool), ApiError> {
    let action = action_of(body);
    if action != Some("lead_external") && !key_is_valid(key) {
        return err(401, "Invalid API key");
    }
    let Some(action) = action else {
        return err(400, "action required");
    };
    let read = |v: Value| Ok((v, false));
    let write = |v: Value| Ok((v, true));
    match action {
        "get_channels" => read(get_channels(data)),
        "get_leads" => read(get_leads(data, body)?),
        "get_lead_by_id" => read(get_lead_by_id(data, body)?),
        "get_lead_by_legacy_id" => read(get_lead_by_legacy_id(data, body)?),
        "create_lead" => write(create_lead(data, body, false)?),
        "lead_external" => write(create_lead(data, body, true)?),
        "update_lead" => write(update_lead(data, body)?),
        "update_status" => write(update_status(data, body, false)?),
        "update_status_id" => write(update_status(data, body, true)?),
        "create_purchase" => write(create_purchase(data, body)?),
        other => err(400, format!("Unknown action: {other}")),
    }
}

/// A required string field: `None` when missing, null, not a string or empty.
fn required_str<'a>(body: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    body.get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

fn get_channels(data: &Data) -> Value {
    let channels: Vec<Value> = data
        .channels
        .iter()
        .filter(|c| c.accessible)
        .map(Data::channel_json)
        .collect();
    json!({ "channels": channels })
}

/// The accessible channel named by `channel_id` (400 / 403).
fn accessible_channel<'a>(
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

fn get_leads(data: &Data, body: &Map<String, Value>) -> Result<Value, ApiError> {
    let channel = accessible_channel(data, body)?;
    let mut leads: Vec<&Lead> = data
        .leads
        .iter()
        .filter(|l| l.channels_id == channel.id)
        .collect();
    leads.sort_by(|a, b| {
        (b.created_at.as_str(), b.legacy_id).cmp(&(a.created_at.as_str(), a.legacy_id))
    });
    Ok(Value::Array(
        leads
            .into_iter()
            .take(100)
            .map(|l| data.flat_lead_json(l))
            .collect(),
    ))
}

/// The index of the lead named by `lead_id`, checked for access (404 / 403). A missing
/// `lead_id` is the caller's to report, as its message differs per action.
fn accessible_lead(data: &Data, raw: &str) -> Result<usize, ApiError> {
    let Some(i) = Uuid::try_parse(raw).ok().and_then(|id| data.lead_index(id)) else {
        return err(404, "Lead not found");
    };
    check_access(data, i)
}

fn check_access(data: &Data, i: usize) -> Result<usize, ApiError> {
    match data.channel(data.leads[i].channels_id) {
        Some(c) if c.accessible => Ok(i),
        _ => err(403, "Lead not accessible"),
    }
}

fn get_lead_by_id(data: &Data, body: &Map<String, Value>) -> Result<Value, ApiError> {
    let Some(raw) = required_str(body, "lead_id") else {
        return err(400, "lead_id required");
    };
    let i = accessible_lead(data, raw)?;
    Ok(json!({ "lead": data.lead_json(&data.leads[i], View::ById) }))
}

fn get_lead_by_legacy_id(data: &Data, body: &Map<String, Value>) -> Result<Value, ApiError> {
    let legacy = match body.get("legacy_id") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse().ok()
        }
        _ => None,
    };
    let Some(legacy) = legacy else {
        return err(400, "legacy_id required");
    };
    let Some(i) = data.leads.iter().position(|l| l.legacy_id == legacy) else {
        return err(404, "Lead not found");
    };
    let i = check_access(data, i)?;
    Ok(json!({ "lead": data.lead_json(&data.leads[i], View::ByLegacy) }))
}

/// Validated `properties` of a request: `(definition, text value)` pairs in request order.
fn parse_properties(
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
fn upsert_properties(lead: &mut Lead, props: Vec<(Uuid, String)>) {
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
fn apply_fields(
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

const CREATE_FIELDS: [&str; 9] = [
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
const UPDATE_FIELDS: [&str; 9] = [
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

/// `create_lead`, or `lead_external` when `public`.
fn create_lead(
    data: &mut Data,
    body: &Map<String, Value>,
    public: bool,
) -> Result<Value, ApiError> {
    let channel = if public {
        let Some(raw) = required_str(body, "channel_id") else {
            return err(400, "channel_id required");
        };
        let id = Uuid::try_parse(raw).ok();
        let Some(c) = data
            .channels
            .iter()
            .find(|c| id.is_some_and(|id| c.id == id || c.public_uuid == id))
        else {
            return err(404, "Channel not found");
        };
        if !c.no_auth_api {
            return err(403, "Public API not enabled for this channel");
        }
        c
    } else {
        accessible_channel(data, body)?
    };
    let props = parse_properties(channel, body)?;
    let Some(first_status) = channel.statuses.first() else {
        return err(500, "Channel has no lead statuses");
    };
    let mut lead = Lead {
        id: Uuid::new_v4(),
        legacy_id: data.next_legacy_id,
        created_at: now_rfc3339(),
        channels_id: channel.id,
        lead_status_id: first_status.id,
        email: None,
        first_name: None,
        last_name: None,
        phone: None,
        company_name: None,
        source: None,
        notes: None,
        business_id: None,
        employee: None,
        property_values: Vec::new(),
    };
    apply_fields(&mut lead, body, &CREATE_FIELDS, false)?;
    upsert_properties(&mut lead, props);
    let view = if public { View::External } else { View::Create };
    let out = json!({ "lead": data.lead_json(&lead, view) });
    data.next_legacy_id = data.next_legacy_id.saturating_add(1);
    data.leads.push(lead);
    Ok(out)
}

fn update_lead(data: &mut Data, body: &Map<String, Value>) -> Result<Value, ApiError> {
    let Some(raw) = required_str(body, "lead_id") else {
        return err(400, "lead_id required");
    };
    let has_fields = UPDATE_FIELDS.iter().any(|f| body.contains_key(*f));
    // A `properties` that is not an array counts as given: parse_properties reports it.
    let has_props = match body.get("properties") {
        None | Some(Value::Null) => false,
        Some(Value::Array(items)) => !items.is_empty(),
        Some(_) => true,
    };
    if !has_fields && !has_props {
        return err(
            400,
            "At least one field or a non-empty properties array is required",
        );
    }
    let i = accessible_lead(data, raw)?;
    let Some(channel) = data.channel(data.leads[i].channels_id) else {
        return err(403, "Lead not accessible");
    };
    let props = parse_properties(channel, body)?;
    let mut lead = data.leads[i].clone();
    apply_fields(&mut lead, body, &UPDATE_FIELDS, true)?;
    upsert_properties(&mut lead, props);
    let out = json!({ "lead": data.lead_json(&lead, View::ById) });
    data.leads[i] = lead;
    Ok(out)
}

/// `update_status` (by name), or `update_status_id` when `by_id`.
fn update_status(
    data: &mut Data,
    body: &Map<String, Value>,
    by_id: bool,
) -> Result<Value, ApiError> {
    let field = if by_id { "status_id" } else { "status" };
    let (Some(raw), Some(wanted)) = (required_str(body, "lead_id"), required_str(body, field))
    else {
        return err(400, format!("lead_id and {field} required"));
    };
    let i = accessible_lead(data, raw)?;
    let Some(channel) = data.channel(data.leads[i].channels_id) else {
        return err(403, "Lead not accessible");
    };
    let status = if by_id {
        let id = Uuid::try_parse(wanted).ok();
        let Some(s) = channel.statuses.iter().find(|s| Some(s.id) == id) else {
            return err(404, "Status ID not found");
        };
        s.id
    } else {
        let Some(s) = channel.statuses.iter().find(|s| s.status == wanted) else {
            return err(
                404,
                format!("Status \"{wanted}\" not found for this channel"),
            );
        };
        s.id
    };
    data.leads[i].lead_status_id = status;
    Ok(json!({ "lead": data.lead_json(&data.leads[i], View::StatusChange) }))
}

fn optional_str(
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

fn create_purchase(data: &mut Data, body: &Map<String, Value>) -> Result<Value, ApiError> {
    let Some(raw) = required_str(body, "lead_id") else {
        return err(400, "lead_id required");
    };
    let i = accessible_lead(data, raw)?;
    let purchase_amount = match body.get("purchase_amount") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => Some(n.clone()),
        Some(_) => return err(400, "purchase_amount must be a number"),
    };
    let name = optional_str(body, "product_name", "a string")?;
    let description = optional_str(body, "product_description", "a string")?;
    let date = optional_str(body, "date", "an ISO-8601 timestamp string")?;
    let trigger_ids = match body.get("trigger_ids") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => {
            let ids: Option<Vec<Uuid>> = items
                .iter()
                .map(|v| v.as_str().and_then(|s| Uuid::try_parse(s).ok()))
                .collect();
            match ids {
                Some(ids) => ids,
                None => return err(400, "trigger_ids must be an array of UUIDs"),
            }
        }
        Some(_) => return err(400, "trigger_ids must be an array of UUIDs"),
    };
    let created_at = now_rfc3339();
    let purchase = Purchase {
        id: Uuid::new_v4(),
        date: date.unwrap_or_else(|| created_at.clone()),
        created_at,
        leads_id: data.leads[i].id,
        name,
        description,
        purchase_amount,
        trigger_ids,
    };
    let out = json!({ "purchase": Data::purchase_json(&purchase) });
    data.purchases.push(purchase);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::data::{PRIVATE_LEAD_ID, PRIVATE_LEAD_LEGACY_ID, PUBLIC_CHANNEL_PUBLIC_UUID};
    use super::super::{
        API_KEY, DEAL_SIZE_PROPERTY_ID, PRIMARY_CHANNEL_ID, PRIVATE_CHANNEL_ID, PUBLIC_CHANNEL_ID,
    };
    use super::*;

    const NIL: &str = "00000000-0000-0000-0000-000000000000";
    const REGION: &str = "f0000001-0000-4000-8000-000000000002";
    const QUALIFIED: &str = "e0000001-0000-4000-8000-000000000002";
    const PUBLIC_WON: &str = "e0000002-0000-4000-8000-000000000004";

    fn call_with_key(data: &mut Data, key: Option<&str>, body: Value) -> Outcome {
        let parsed = parse_body(body.to_string().as_bytes());
        dispatch(data, key, &parsed)
    }

    fn call(data: &mut Data, body: Value) -> Outcome {
        call_with_key(data, Some(API_KEY), body)
    }

    /// Asserts an error answer and that nothing changed.
    #[track_caller]
    fn assert_error(o: &Outcome, status: u16, message: &str) {
        assert_eq!((o.status, &o.body), (status, &json!({ "error": message })));
        assert!(!o.mutated);
    }

    fn ok(o: Outcome) -> Value {
        assert_eq!(o.status, 200, "{}", o.body);
        o.body
    }

    fn create(data: &mut Data, extra: Value) -> Value {
        let mut body = json!({"action": "create_lead", "channel_id": PRIMARY_CHANNEL_ID});
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        let o = call(data, body);
        assert!(o.mutated);
        ok(o)["lead"].clone()
    }

    #[test]
    fn body_and_key_errors() {
        let mut d = Data::seeded();
        assert_error(
            &dispatch(&mut d, Some(API_KEY), &parse_body(b"not json")),
            400,
            "Invalid JSON body: expected ident at line 1 column 2",
        );
        assert_error(
            &dispatch(&mut d, Some(API_KEY), &parse_body(b"[1]")),
            400,
            "Invalid JSON body: expected an object",
        );
        for key in [None, Some(""), Some("wrong"), Some(&API_KEY.to_uppercase())] {
            let o = call_with_key(&mut d, key, json!({"action": "get_channels"}));
            assert_error(&o, 401, "Invalid API key");
        }
        assert_error(
            &call_with_key(&mut d, None, json!({"action": "nope"})),
            401,
            "Invalid API key",
        );
        assert_error(
            &call(&mut d, json!({"action": "nope"})),
            400,
            "Unknown action: nope",
        );
        assert_error(
            &call(&mut d, json!({"channel_id": PRIMARY_CHANNEL_ID})),
            400,
            "action required",
        );
        assert_error(&call(&mut d, json!({"action": 5})), 400, "action required");
    }

    #[test]
    fn get_channels_lists_the_two_accessible_channels() {
        let mut d = Data::seeded();
        let body = ok(call(&mut d, json!({"action": "get_channels"})));
        let channels = body["channels"].as_array().expect("array");
        assert_eq!(channels.len(), 2);
        assert_eq!(channels[0]["id"], PRIMARY_CHANNEL_ID);
        assert_eq!(channels[0]["title"], "Acme Referral Program");
        assert_eq!(channels[0]["currency"], "USD");
        assert_eq!(channels[0]["no_auth_api"], false);
        assert_eq!(
            channels[0]["property_definitions"][0]["id"],
            DEAL_SIZE_PROPERTY_ID
        );
        assert_eq!(channels[0]["property_definitions"][0]["type"], "number");
        assert_eq!(channels[0]["lead_status"][0]["status"], "New lead");
        assert_eq!(channels[0]["lead_status"][4]["status"], "Lost");
        assert_eq!(channels[1]["id"], PUBLIC_CHANNEL_ID);
        assert_eq!(channels[1]["no_auth_api"], true);
        assert!(channels[1].get("partner_companies_id").is_none());
    }

    #[test]
    fn create_lead_returns_the_full_form_with_first_status_and_properties() {
        let mut d = Data::seeded();
        let lead = create(
            &mut d,
            json!({
                "email": "jane@example.com", "first_name": "Jane", "employee": "Bob",
                "unknown_field": 1, "phone": null,
                "properties": [
                    {"property_definitions_id": DEAL_SIZE_PROPERTY_ID, "value": 50000},
                    {"property_definitions_id": REGION, "value": "EMEA"},
                ],
            }),
        );
        assert_eq!(lead["email"], "jane@example.com");
        assert_eq!(lead["employee"], "Bob");
        assert_eq!(lead["phone"], Value::Null);
        assert_eq!(lead["status"], "New lead");
        assert_eq!(
            lead["lead_status_id"],
            "e0000001-0000-4000-8000-000000000001"
        );
        assert_eq!(lead["channels_id"], PRIMARY_CHANNEL_ID);
        assert!(lead.get("legacy_id").is_none() && lead.get("unknown_field").is_none());
        assert_eq!(lead["property_values"][0]["value"], "50000");
        assert_eq!(
            lead["property_values"][0]["property_definitions"]["name"],
            "Deal size"
        );
        assert_eq!(lead["property_values"][1]["value"], "EMEA");
        let id = lead["id"].as_str().expect("id");
        assert_eq!(Uuid::try_parse(id).map(|u| u.get_version_num()), Ok(4));
        assert!(lead["created_at"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z') && t.len() == 24));
        assert_eq!(d.leads.last().map(|l| l.legacy_id), Some(100_001));
        create(&mut d, json!({}));
        assert_eq!(d.leads.last().map(|l| l.legacy_id), Some(100_002));
    }

    #[test]
    fn create_lead_errors() {
        let mut d = Data::seeded();
        let n = d.leads.len();
        let c = |extra: Value| {
            let mut b = json!({"action": "create_lead"});
            if let (Some(b), Some(e)) = (b.as_object_mut(), extra.as_object()) {
                b.extend(e.clone());
            }
            b
        };
        assert_error(&call(&mut d, c(json!({}))), 400, "channel_id required");
        assert_error(
            &call(&mut d, c(json!({"channel_id": ""}))),
            400,
            "channel_id required",
        );
        assert_error(
            &call(&mut d, c(json!({"channel_id": 7}))),
            400,
            "channel_id required",
        );
        for ch in [PRIVATE_CHANNEL_ID, NIL, "not-a-uuid"] {
            assert_error(
                &call(&mut d, c(json!({"channel_id": ch}))),
                403,
                "Channel not accessible",
            );
        }
        let p = |props: Value| c(json!({"channel_id": PRIMARY_CHANNEL_ID, "properties": props}));
        assert_error(
            &call(&mut d, p(json!({}))),
            400,
            "properties must be an array",
        );
        assert_error(
            &call(&mut d, p(json!([5]))),
            400,
            "properties[0] must be an object with property_definitions_id and value",
        );
        assert_error(
            &call(&mut d, p(json!([{"value": "x"}]))),
            400,
            "properties[0].property_definitions_id required",
        );
        let foreign = "f0000002-0000-4000-8000-000000000001";
        assert_error(
            &call(
                &mut d,
                p(json!([{"property_definitions_id": foreign, "value": "1"}])),
            ),
            400,
            &format!("Property definition \"{foreign}\" not found for this channel"),
        );
        assert_error(
            &call(&mut d, p(json!([{"property_definitions_id": REGION}]))),
            400,
            "properties[0].value required",
        );
        assert_error(
            &call(
                &mut d,
                p(json!([{"property_definitions_id": REGION, "value": null}])),
            ),
            400,
            "properties[0].value must not be null",
        );
        assert_error(
            &call(
                &mut d,
                c(json!({"channel_id": PRIMARY_CHANNEL_ID, "email": 42})),
            ),
            400,
            "Field \"email\" must be a string",
        );
        assert_eq!(d.leads.len(), n);
        assert_eq!(d.next_legacy_id, 100_001, "failed creates use no legacy id");
    }

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

    #[test]
    fn get_leads_is_flat_newest_first_and_capped_at_100() {
        let mut d = Data::seeded();
        for i in 0..105 {
            create(
                &mut d,
                json!({"email": format!("{i}@x.example"), "employee": "E",
                "properties": [{"property_definitions_id": DEAL_SIZE_PROPERTY_ID, "value": i}]}),
            );
        }
        // Same-millisecond creates are ordered by legacy id.
        let body = ok(call(
            &mut d,
            json!({"action": "get_leads", "channel_id": PRIMARY_CHANNEL_ID}),
        ));
        let leads = body.as_array().expect("bare array");
        assert_eq!(leads.len(), 100);
        assert_eq!(leads[0]["email"], "104@x.example");
        assert_eq!(leads[99]["email"], "5@x.example");
        assert_eq!(leads[0]["Deal size"], "104");
        assert_eq!(leads[0]["referring_employee"], "E");
        assert_eq!(leads[0]["status"], "New lead");
        for absent in [
            "lead_status_id",
            "channels_id",
            "property_values",
            "Region",
            "employee",
        ] {
            assert!(leads[0].get(absent).is_none(), "{absent}");
        }
        let body = ok(call(
            &mut d,
            json!({"action": "get_leads", "channel_id": PUBLIC_CHANNEL_ID}),
        ));
        assert_eq!(body, json!([]));
        assert_error(
            &call(&mut d, json!({"action": "get_leads"})),
            400,
            "channel_id required",
        );
        assert_error(
            &call(
                &mut d,
                json!({"action": "get_leads", "channel_id": PRIVATE_CHANNEL_ID}),
            ),
            403,
            "Channel not accessible",
        );
    }

    #[test]
    fn get_lead_by_id_and_legacy_id() {
        let mut d = Data::seeded();
        let lead = create(&mut d, json!({"employee": "Bob"}));
        let id = lead["id"].clone();
        let by_id = ok(call(
            &mut d,
            json!({"action": "get_lead_by_id", "lead_id": id}),
        ))["lead"]
            .clone();
        assert_eq!(by_id["referring_employee"], "Bob");
        assert!(by_id.get("employee").is_none());
        assert_eq!(
            by_id["lead_status"],
            json!({"id": lead["lead_status_id"], "status": "New lead"})
        );
        assert_eq!(by_id["property_values"], json!([]));
        let upper = id.as_str().map(str::to_uppercase);
        assert_eq!(
            ok(call(
                &mut d,
                json!({"action": "get_lead_by_id", "lead_id": upper})
            ))["lead"]["id"],
            id
        );

        for legacy in [json!(100_001), json!("100001")] {
            let by_legacy = ok(call(
                &mut d,
                json!({"action": "get_lead_by_legacy_id", "legacy_id": legacy}),
            ))["lead"]
                .clone();
            assert_eq!(by_legacy["id"], id);
            assert_eq!(by_legacy["legacy_id"], 100_001);
            assert_eq!(by_legacy["employee"], "Bob");
        }

        assert_error(
            &call(&mut d, json!({"action": "get_lead_by_id"})),
            400,
            "lead_id required",
        );
        assert_error(
            &call(&mut d, json!({"action": "get_lead_by_id", "lead_id": NIL})),
            404,
            "Lead not found",
        );
        assert_error(
            &call(&mut d, json!({"action": "get_lead_by_id", "lead_id": "x"})),
            404,
            "Lead not found",
        );
        assert_error(
            &call(
                &mut d,
                json!({"action": "get_lead_by_id", "lead_id": PRIVATE_LEAD_ID}),
            ),
            403,
            "Lead not accessible",
        );
        for bad in [
            json!(null),
            json!("abc"),
            json!(-1),
            json!(1.5),
            json!(""),
            json!([1]),
        ] {
            assert_error(
                &call(
                    &mut d,
                    json!({"action": "get_lead_by_legacy_id", "legacy_id": bad}),
                ),
                400,
                "legacy_id required",
            );
        }
        assert_error(
            &call(&mut d, json!({"action": "get_lead_by_legacy_id"})),
            400,
            "legacy_id required",
        );
        assert_error(
            &call(
                &mut d,
                json!({"action": "get_lead_by_legacy_id", "legacy_id": 1}),
            ),
            404,
            "Lead not found",
        );
        assert_error(
            &call(
                &mut d,
                json!({"action": "get_lead_by_legacy_id", "legacy_id": PRIVATE_LEAD_LEGACY_ID}),
            ),
            403,
            "Lead not accessible",
        );
    }

    #[test]
    fn update_lead_is_partial_and_upserts_properties() {
        let mut d = Data::seeded();
        let lead = create(
            &mut d,
            json!({"email": "a@x.example", "first_name": "A", "notes": "n",
            "properties": [{"property_definitions_id": REGION, "value": "EMEA"}]}),
        );
        let pv_id = lead["property_values"][0]["id"].clone();
        let o = call(
            &mut d,
            json!({"action": "update_lead", "lead_id": lead["id"],
            "first_name": "B", "notes": null, "referring_employee": "Carol", "employee": "ignored",
            "properties": [
                {"property_definitions_id": REGION, "value": "APAC"},
                {"property_definitions_id": DEAL_SIZE_PROPERTY_ID, "value": 10},
            ]}),
        );
        assert!(o.mutated);
        let up = ok(o)["lead"].clone();
        assert_eq!(up["email"], "a@x.example");
        assert_eq!(up["first_name"], "B");
        assert_eq!(up["notes"], Value::Null);
        assert_eq!(up["referring_employee"], "Carol");
        assert_eq!(up["lead_status"]["status"], "New lead");
        assert_eq!(up["property_values"][0]["id"], pv_id);
        assert_eq!(up["property_values"][0]["value"], "APAC");
        assert_eq!(up["property_values"][1]["value"], "10");
        // Properties alone are enough.
        ok(call(
            &mut d,
            json!({"action": "update_lead", "lead_id": lead["id"],
            "properties": [{"property_definitions_id": REGION, "value": "LATAM"}]}),
        ));
    }

    #[test]
    fn update_lead_errors() {
        let mut d = Data::seeded();
        let id = create(&mut d, json!({"email": "a@x.example"}))["id"].clone();
        let before = d.leads.clone();
        let u = |extra: Value| {
            let mut b = json!({"action": "update_lead"});
            if let (Some(b), Some(e)) = (b.as_object_mut(), extra.as_object()) {
                b.extend(e.clone());
            }
            b
        };
        const NONE: &str = "At least one field or a non-empty properties array is required";
        assert_error(
            &call(&mut d, u(json!({"email": "b@x.example"}))),
            400,
            "lead_id required",
        );
        assert_error(&call(&mut d, u(json!({"lead_id": id}))), 400, NONE);
        assert_error(
            &call(&mut d, u(json!({"lead_id": id, "properties": []}))),
            400,
            NONE,
        );
        assert_error(
            &call(&mut d, u(json!({"lead_id": id, "employee": "x"}))),
            400,
            NONE,
        );
        assert_error(
            &call(&mut d, u(json!({"lead_id": id, "properties": 3}))),
            400,
            "properties must be an array",
        );
        assert_error(
            &call(&mut d, u(json!({"lead_id": NIL, "email": "x"}))),
            404,
            "Lead not found",
        );
        assert_error(
            &call(&mut d, u(json!({"lead_id": PRIVATE_LEAD_ID, "email": "x"}))),
            403,
            "Lead not accessible",
        );
        assert_error(
            &call(
                &mut d,
                u(json!({"lead_id": id, "email": "b@x.example", "phone": 1})),
            ),
            400,
            "Field \"phone\" must be a string",
        );
        assert_error(
            &call(
                &mut d,
                u(
                    json!({"lead_id": id, "properties": [{"property_definitions_id": REGION, "value": null}]}),
                ),
            ),
            400,
            "properties[0].value must not be null",
        );
        assert_eq!(d.leads, before, "failed updates change nothing");
    }

    #[test]
    fn update_status_by_name_and_by_id() {
        let mut d = Data::seeded();
        let id = create(&mut d, json!({"email": "a@x.example"}))["id"].clone();
        let o = call(
            &mut d,
            json!({"action": "update_status", "lead_id": id, "status": "Qualified", "old_status_id": NIL}),
        );
        assert!(o.mutated);
        let lead = ok(o)["lead"].clone();
        let keys: Vec<&String> = lead.as_object().expect("object").keys().collect();
        assert_eq!(
            keys,
            [
                "id",
                "created_at",
                "email",
                "first_name",
                "last_name",
                "status",
                "lead_status_id",
                "channels_id"
            ]
        );
        assert_eq!(lead["status"], "Qualified");
        assert_eq!(lead["lead_status_id"], QUALIFIED);
        let lead = ok(call(&mut d, json!({"action": "update_status_id", "lead_id": id, "status_id": "e0000001-0000-4000-8000-000000000004"})))["lead"].clone();
        assert_eq!(lead["status"], "Won");

        for body in [
            json!({"lead_id": id}),
            json!({"status": "Won"}),
            json!({"lead_id": id, "status": ""}),
        ] {
            let mut b = body;
            b["action"] = json!("update_status");
            assert_error(&call(&mut d, b), 400, "lead_id and status required");
        }
        assert_error(
            &call(
                &mut d,
                json!({"action": "update_status", "lead_id": id, "status": "won"}),
            ),
            404,
            "Status \"won\" not found for this channel",
        );
        assert_error(
            &call(
                &mut d,
                json!({"action": "update_status", "lead_id": NIL, "status": "Won"}),
            ),
            404,
            "Lead not found",
        );
        assert_error(
            &call(
                &mut d,
                json!({"action": "update_status", "lead_id": PRIVATE_LEAD_ID, "status": "Won"}),
            ),
            403,
            "Lead not accessible",
        );
        assert_error(
            &call(&mut d, json!({"action": "update_status_id", "lead_id": id})),
            400,
            "lead_id and status_id required",
        );
        assert_error(
            &call(
                &mut d,
                json!({"action": "update_status_id", "status_id": QUALIFIED}),
            ),
            400,
            "lead_id and status_id required",
        );
        for sid in [NIL, "nope", PUBLIC_WON] {
            assert_error(
                &call(
                    &mut d,
                    json!({"action": "update_status_id", "lead_id": id, "status_id": sid}),
                ),
                404,
                "Status ID not found",
            );
        }
        assert_error(
            &call(
                &mut d,
                json!({"action": "update_status_id", "lead_id": PRIVATE_LEAD_ID, "status_id": QUALIFIED}),
            ),
            403,
            "Lead not accessible",
        );
        assert_eq!(
            d.leads.last().map(|l| l.lead_status_id.to_string()),
            Some("e0000001-0000-4000-8000-000000000004".into())
        );
    }

    #[test]
    fn create_purchase_and_its_errors() {
        let mut d = Data::seeded();
        let id = create(&mut d, json!({}))["id"].clone();
        let o = call(
            &mut d,
            json!({"action": "create_purchase", "lead_id": id, "purchase_amount": 1250.5,
            "product_name": "Pro plan", "product_description": "Annual", "date": "2026-04-21T10:00:00Z",
            "trigger_ids": ["e0000001-0000-4000-8000-000000000004"]}),
        );
        assert!(o.mutated);
        let p = ok(o)["purchase"].clone();
        let keys: Vec<&String> = p.as_object().expect("object").keys().collect();
        assert_eq!(
            keys,
            [
                "id",
                "created_at",
                "leads_id",
                "name",
                "description",
                "purchase_amount",
                "date"
            ]
        );
        assert_eq!(
            (&p["leads_id"], &p["name"], &p["description"]),
            (&id, &json!("Pro plan"), &json!("Annual"))
        );
        assert_eq!(p["purchase_amount"], 1250.5);
        assert_eq!(p["date"], "2026-04-21T10:00:00Z");
        let p = ok(call(
            &mut d,
            json!({"action": "create_purchase", "lead_id": id, "purchase_amount": 100}),
        ))["purchase"]
            .clone();
        assert_eq!(p["purchase_amount"], json!(100));
        assert_eq!(p["date"], p["created_at"]);
        assert_eq!(d.purchases.len(), 2);

        assert_error(
            &call(&mut d, json!({"action": "create_purchase"})),
            400,
            "lead_id required",
        );
        assert_error(
            &call(&mut d, json!({"action": "create_purchase", "lead_id": NIL})),
            404,
            "Lead not found",
        );
        assert_error(
            &call(
                &mut d,
                json!({"action": "create_purchase", "lead_id": PRIVATE_LEAD_ID}),
            ),
            403,
            "Lead not accessible",
        );
        assert_error(
            &call(
                &mut d,
                json!({"action": "create_purchase", "lead_id": id, "purchase_amount": "12"}),
            ),
            400,
            "purchase_amount must be a number",
        );
        assert_error(
            &call(
                &mut d,
                json!({"action": "create_purchase", "lead_id": id, "product_name": 1}),
            ),
            400,
            "product_name must be a string",
        );
        assert_error(
            &call(
                &mut d,
                json!({"action": "create_purchase", "lead_id": id, "date": 1}),
            ),
            400,
            "date must be an ISO-8601 timestamp string",
        );
        for t in [json!("x"), json!(["x"]), json!([1])] {
            assert_error(
                &call(
                    &mut d,
                    json!({"action": "create_purchase", "lead_id": id, "trigger_ids": t}),
                ),
                400,
                "trigger_ids must be an array of UUIDs",
            );
        }
        assert_eq!(d.purchases.len(), 2);
    }

    #[test]
    fn lead_external_needs_no_key_and_a_public_channel() {
        let mut d = Data::seeded();
        for ch in [PUBLIC_CHANNEL_ID, PUBLIC_CHANNEL_PUBLIC_UUID] {
            let o = call_with_key(
                &mut d,
                None,
                json!({"action": "lead_external", "channel_id": ch,
                "email": "v@x.example", "employee": "Web",
                "properties": [{"property_definitions_id": "f0000002-0000-4000-8000-000000000002", "value": "Spain"}]}),
            );
            assert!(o.mutated);
            let lead = ok(o)["lead"].clone();
            assert_eq!(lead["channels_id"], PUBLIC_CHANNEL_ID);
            assert_eq!(lead["status"], "New lead");
            assert_eq!(lead["employee"], "Web");
            assert!(lead.get("property_values").is_none());
        }
        assert_eq!(d.leads.last().map(|l| l.property_values.len()), Some(1));
        // A wrong key is ignored, not refused.
        ok(call_with_key(
            &mut d,
            Some("wrong"),
            json!({"action": "lead_external", "channel_id": PUBLIC_CHANNEL_ID}),
        ));

        let e = |ch: Value| json!({"action": "lead_external", "channel_id": ch});
        assert_error(
            &call_with_key(&mut d, None, json!({"action": "lead_external"})),
            400,
            "channel_id required",
        );
        for ch in [
            PRIMARY_CHANNEL_ID,
            PRIVATE_CHANNEL_ID,
            "a1b2c3d4-0000-4000-8000-00000000beef",
        ] {
            assert_error(
                &call_with_key(&mut d, None, e(json!(ch))),
                403,
                "Public API not enabled for this channel",
            );
        }
        for ch in [NIL, "nope"] {
            assert_error(
                &call_with_key(&mut d, None, e(json!(ch))),
                404,
                "Channel not found",
            );
        }
        assert_error(
            &call_with_key(
                &mut d,
                None,
                json!({"action": "lead_external", "channel_id": PUBLIC_CHANNEL_ID,
                "properties": [{"property_definitions_id": DEAL_SIZE_PROPERTY_ID, "value": 1}]}),
            ),
            400,
            &format!("Property definition \"{DEAL_SIZE_PROPERTY_ID}\" not found for this channel"),
        );
    }

    #[test]
    fn read_actions_do_not_mutate() {
        let mut d = Data::seeded();
        for action in [
            "get_channels",
            "get_leads",
            "get_lead_by_id",
            "get_lead_by_legacy_id",
        ] {
            let o = call(
                &mut d,
                json!({"action": action, "channel_id": PRIMARY_CHANNEL_ID}),
            );
            assert!(!o.mutated, "{action}");
        }
        assert!(ACTIONS.iter().all(|a| {
            let o = call(&mut Data::seeded(), json!({"action": a}));
            !o.body["error"]
                .as_str()
                .is_some_and(|e| e.starts_with("Unknown action"))
        }));
    }
}
