//! The sandbox's data: the fixed channels (from `seed`) and the leads and purchases created
//! since, as the sandbox stores them; `shapes` renders them as the API's JSON.
//!
//! Only leads, purchases and the legacy-id counter change; they are what `--state` persists,
//! checked on load against the seeded channels.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub(crate) use super::records::{Channel, Lead, PropertyValue, Purchase, STANDARD_FIELDS};
use super::seed::{seeded_channels, seeded_leads, FIRST_LEGACY_ID};
use super::API_KEY;

/// Everything the sandbox holds. Channels are fixed; the rest changes.
#[derive(Debug)]
pub(crate) struct Data {
    pub channels: Vec<Channel>,
    pub leads: Vec<Lead>,
    pub purchases: Vec<Purchase>,
    /// Status moves (`update_status`, `update_status_id`) answered with success, per lead.
    pub status_moves: std::collections::BTreeMap<Uuid, u64>,
    pub next_legacy_id: u64,
}

/// What `--state` keeps: leads, purchases and the legacy-id counter.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Persisted {
    pub format: u32,
    pub next_legacy_id: u64,
    pub leads: Vec<Lead>,
    pub purchases: Vec<Purchase>,
    /// Absent from files written before status moves were counted.
    #[serde(default)]
    pub status_moves: std::collections::BTreeMap<Uuid, u64>,
}

pub(crate) const STATE_FORMAT: u32 = 1;

impl Default for Data {
    fn default() -> Self {
        Self::seeded()
    }
}

impl Data {
    pub fn seeded() -> Self {
        let channels = seeded_channels();
        let leads = seeded_leads(&channels);
        Data {
            channels,
            leads,
            purchases: Vec::new(),
            status_moves: Default::default(),
            next_legacy_id: FIRST_LEGACY_ID,
        }
    }

    pub fn to_persisted(&self) -> Persisted {
        Persisted {
            format: STATE_FORMAT,
            next_legacy_id: self.next_legacy_id,
            leads: self.leads.clone(),
            purchases: self.purchases.clone(),
            status_moves: self.status_moves.clone(),
        }
    }

    /// The seeded channels with the saved leads and purchases, after checking that they fit
    /// together (every lead on a known channel with one of its statuses and properties,
    /// unique ids, every purchase on a known lead).
    pub fn from_persisted(p: Persisted) -> Result<Self, String> {
        if p.format != STATE_FORMAT {
            return Err(format!(
                "unsupported format {} (expected {STATE_FORMAT})",
                p.format
            ));
        }
        // JavaScript's largest safe integer: legacy ids are JSON numbers.
        if p.next_legacy_id > 9_007_199_254_740_991 {
            return Err(format!(
                "next_legacy_id {} is out of range",
                p.next_legacy_id
            ));
        }
        let channels = seeded_channels();
        let mut ids = std::collections::HashSet::new();
        let mut legacy = std::collections::HashSet::new();
        for lead in &p.leads {
            let Some(ch) = channels.iter().find(|c| c.id == lead.channels_id) else {
                return Err(format!(
                    "lead {} is on unknown channel {}",
                    lead.id, lead.channels_id
                ));
            };
            if !ch.statuses.iter().any(|s| s.id == lead.lead_status_id) {
                return Err(format!(
                    "lead {} has unknown status {}",
                    lead.id, lead.lead_status_id
                ));
            }
            if let Some(pv) = lead.property_values.iter().find(|pv| {
                !ch.properties
                    .iter()
                    .any(|d| d.id == pv.property_definitions_id)
            }) {
                return Err(format!(
                    "lead {} has a value for unknown property {}",
                    lead.id, pv.property_definitions_id
                ));
            }
            if !ids.insert(lead.id) || !legacy.insert(lead.legacy_id) {
                return Err(format!("lead {} appears twice", lead.id));
            }
            if lead.legacy_id >= p.next_legacy_id {
                return Err(format!(
                    "lead {} has legacy_id {} but next_legacy_id is {}",
                    lead.id, lead.legacy_id, p.next_legacy_id
                ));
            }
        }
        if let Some(pu) = p.purchases.iter().find(|pu| !ids.contains(&pu.leads_id)) {
            return Err(format!(
                "purchase {} is on unknown lead {}",
                pu.id, pu.leads_id
            ));
        }
        Ok(Data {
            channels,
            leads: p.leads,
            purchases: p.purchases,
            status_moves: p.status_moves,
            next_legacy_id: p.next_legacy_id,
        })
    }

    pub fn channel(&self, id: Uuid) -> Option<&Channel> {
        self.channels.iter().find(|c| c.id == id)
    }

    pub fn lead_index(&self, id: Uuid) -> Option<usize> {
        self.leads.iter().position(|l| l.id == id)
    }

    pub fn status(&self, channel: &Channel, id: Uuid) -> Option<&'static str> {
        channel
            .statuses
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.status)
    }
}

/// The key checked by every action except `lead_external`.
pub(crate) fn key_is_valid(key: Option<&str>) -> bool {
    key == Some(API_KEY)
}

#[cfg(test)]
mod tests {
    use super::super::seed::PRIVATE_LEAD_LEGACY_ID;
    use super::*;

    #[test]
    fn persisted_state_round_trips_and_bad_state_is_refused() {
        let data = Data::seeded();
        let text = serde_json::to_string(&data.to_persisted()).expect("serialize");
        let back: Persisted = serde_json::from_str(&text).expect("parse");
        let again = Data::from_persisted(back).expect("valid");
        assert_eq!(again.leads, data.leads);
        assert_eq!(again.next_legacy_id, FIRST_LEGACY_ID);

        let mut p = data.to_persisted();
        p.leads[0].channels_id = Uuid::nil();
        assert!(Data::from_persisted(p).is_err_and(|e| e.contains("unknown channel")));
        let mut p = data.to_persisted();
        p.next_legacy_id = PRIVATE_LEAD_LEGACY_ID;
        assert!(Data::from_persisted(p).is_err_and(|e| e.contains("next_legacy_id")));
        let mut p = data.to_persisted();
        p.leads.push(p.leads[0].clone());
        assert!(Data::from_persisted(p).is_err_and(|e| e.contains("twice")));
        let mut p = data.to_persisted();
        p.format = 99;
        assert!(Data::from_persisted(p).is_err_and(|e| e.contains("format")));
    }
}
