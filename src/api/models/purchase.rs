//! The purchase actions' types (`create_purchase`, doc/api.md).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{lenient_string, required_string};

/// The fields of `create_purchase` (the form current since 2026-04-21).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NewPurchase {
    pub lead_id: String,
    /// Sent as a JSON number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purchase_amount: Option<serde_json::Number>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trigger_ids: Vec<String>,
}

/// `{"purchase": {...}}`
#[derive(Debug, Deserialize)]
pub struct PurchaseEnvelope {
    pub purchase: Value,
}

/// A recorded purchase; `raw` is what the server sent.
#[derive(Debug, Clone, Deserialize)]
pub struct Purchase {
    #[serde(deserialize_with = "required_string")]
    pub id: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub created_at: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub leads_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub purchase_amount: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub date: Option<String>,
    #[serde(skip)]
    pub raw: Value,
}

impl Purchase {
    pub fn from_value(value: Value) -> Result<Purchase, serde_json::Error> {
        let mut p = Purchase::deserialize(&value)?;
        p.raw = value;
        Ok(p)
    }
}
