//! `update_status` (by name) and `update_status_id` (by id): moving a lead to a status of its
//! own channel.

use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::super::data::Data;
use super::super::shapes::View;
use super::validate::{accessible_lead, required_str};
use super::{err, ApiError};

/// `update_status` (by name), or `update_status_id` when `by_id`.
pub(super) fn update_status(
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
    // Every successful move is an event (rewards, webhooks) even to the status it had.
    *data.status_moves.entry(data.leads[i].id).or_default() += 1;
    Ok(json!({ "lead": data.lead_json(&data.leads[i], View::StatusChange) }))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::super::{data::Data, PRIVATE_LEAD_ID};
    use super::super::testing::*;

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
}
