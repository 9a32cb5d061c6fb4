//! `create_lead` and `lead_external` (the same lead, found by another channel rule and shown
//! without `property_values`).

use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::super::data::{Data, Lead};
use super::super::shapes::View;
use super::validate::{
    accessible_channel, apply_fields, parse_properties, required_str, upsert_properties,
    CREATE_FIELDS,
};
use super::{err, ApiError};
use crate::time::now_rfc3339;

/// `create_lead`, or `lead_external` when `public`.
pub(super) fn create_lead(
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

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::super::testing::*;
    use uuid::Uuid;

    use super::super::super::{data::Data, PUBLIC_CHANNEL_PUBLIC_UUID};
    use super::super::super::{
        DEAL_SIZE_PROPERTY_ID, PRIMARY_CHANNEL_ID, PRIVATE_CHANNEL_ID, PUBLIC_CHANNEL_ID,
    };

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
}
