//! `create_purchase`: a purchase recorded on an accessible lead.

use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::super::data::{Data, Purchase};
use super::validate::{accessible_lead, optional_str, required_str};
use super::{err, ApiError};
use crate::time::now_rfc3339;

pub(super) fn create_purchase(
    data: &mut Data,
    body: &Map<String, Value>,
) -> Result<Value, ApiError> {
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
    use serde_json::json;

    use super::super::super::{data::Data, PRIVATE_LEAD_ID};
    use super::super::testing::*;

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
}
