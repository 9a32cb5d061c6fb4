//! `update_lead`: a partial update of the standard fields and an upsert of property values.
//! A clear, as leadctl assumes the API takes it (doc/api.md, "Clearing a field"): a standard
//! field sent as `null` is emptied; a property value sent as `""` is removed.

use serde_json::{json, Map, Value};

use super::super::data::Data;
use super::super::shapes::View;
use super::validate::{
    accessible_lead, apply_fields, parse_properties, required_str, upsert_properties, UPDATE_FIELDS,
};
use super::{err, ApiError};

pub(super) fn update_lead(data: &mut Data, body: &Map<String, Value>) -> Result<Value, ApiError> {
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
    let (cleared, props): (Vec<_>, Vec<_>) = parse_properties(channel, body)?
        .into_iter()
        .partition(|(_, value)| value.is_empty());
    let mut lead = data.leads[i].clone();
    apply_fields(&mut lead, body, &UPDATE_FIELDS, true)?;
    upsert_properties(&mut lead, props);
    lead.property_values.retain(|pv| {
        !cleared
            .iter()
            .any(|(def, _)| *def == pv.property_definitions_id)
    });
    let out = json!({ "lead": data.lead_json(&lead, View::ById) });
    data.leads[i] = lead;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::super::super::DEAL_SIZE_PROPERTY_ID;
    use super::super::super::{data::Data, PRIVATE_LEAD_ID};
    use super::super::testing::*;

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
        // A clear: `null` empties a field, `""` removes a property value.
        let cleared = ok(call(
            &mut d,
            json!({"action": "update_lead", "lead_id": lead["id"], "first_name": null,
            "properties": [{"property_definitions_id": REGION, "value": ""}]}),
        ))["lead"]
            .clone();
        assert_eq!(cleared["first_name"], Value::Null);
        assert_eq!(cleared["email"], "a@x.example");
        let left: Vec<&Value> = cleared["property_values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| &p["property_definitions_id"])
            .collect();
        assert_eq!(left, [&json!(DEAL_SIZE_PROPERTY_ID)], "the region is gone");
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
}
