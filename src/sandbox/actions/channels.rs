//! `get_channels`: the channels the key's company is on.

use serde_json::{json, Value};

use super::super::data::Data;

pub(super) fn get_channels(data: &Data) -> Value {
    let channels: Vec<Value> = data
        .channels
        .iter()
        .filter(|c| c.accessible)
        .map(Data::channel_json)
        .collect();
    json!({ "channels": channels })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::super::{DEAL_SIZE_PROPERTY_ID, PRIMARY_CHANNEL_ID, PUBLIC_CHANNEL_ID};
    use super::super::testing::*;

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
}
