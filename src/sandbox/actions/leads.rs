//! The read actions on leads: `get_leads` (flat, newest 100), `get_lead_by_id` and
//! `get_lead_by_legacy_id` (full forms).

use serde_json::{json, Map, Value};

use super::super::data::{Data, Lead};
use super::super::shapes::View;
use super::validate::{accessible_channel, accessible_lead, check_access, required_str};
use super::{err, ApiError};

pub(super) fn get_leads(data: &Data, body: &Map<String, Value>) -> Result<Value, ApiError> {
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

pub(super) fn get_lead_by_id(data: &Data, body: &Map<String, Value>) -> Result<Value, ApiError> {
    let Some(raw) = required_str(body, "lead_id") else {
        return err(400, "lead_id required");
    };
    let i = accessible_lead(data, raw)?;
    Ok(json!({ "lead": data.lead_json(&data.leads[i], View::ById) }))
}

pub(super) fn get_lead_by_legacy_id(
    data: &Data,
    body: &Map<String, Value>,
) -> Result<Value, ApiError> {
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::super::{
        DEAL_SIZE_PROPERTY_ID, PRIMARY_CHANNEL_ID, PRIVATE_CHANNEL_ID, PUBLIC_CHANNEL_ID,
    };
    use super::super::super::{PRIVATE_LEAD_ID, PRIVATE_LEAD_LEGACY_ID};
    use super::super::testing::*;

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
}
