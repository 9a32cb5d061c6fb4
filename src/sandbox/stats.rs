//! The request counters and data counts behind `GET /__sandbox/stats` (doc/sandbox.md,
//! "Inspection endpoints").

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::data::Data;
use super::load::LoadStats;

/// Request counters for `/__sandbox/stats`: every request except `/__sandbox/*` ones,
/// including malformed (400), faulted and unknown-path requests. `total` = sum of
/// `by_status` + `dropped`. `by_action` counts API-path POSTs by their `action`, `(none)` when
/// the body has no readable action.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    total: u64,
    by_status: BTreeMap<String, u64>,
    by_action: BTreeMap<String, u64>,
    dropped: u64,
}

impl Stats {
    /// Counts one request: `status` `None` when the answer was withheld (`--drop-rate`).
    pub fn record(&mut self, status: Option<u16>, action: Option<&str>) {
        self.total += 1;
        match status {
            Some(code) => *self.by_status.entry(code.to_string()).or_default() += 1,
            None => self.dropped += 1,
        }
        if let Some(a) = action {
            *self.by_action.entry(a.to_string()).or_default() += 1;
        }
    }

    /// The statistics document, from these counters, the data's [`Counts`] and the load
    /// figures (`--capacity`, `--overload-at`).
    pub fn json(&self, counts: Counts, load: LoadStats) -> Value {
        json!({
            "leads": counts.leads,
            "leads_by_channel": counts.by_channel,
            "purchases": counts.purchases,
            "purchases_by_lead": counts.purchases_by_lead,
            "status_moves": counts.status_moves,
            "status_moves_by_lead": counts.status_moves_by_lead,
            "requests": {"total": self.total, "by_status": self.by_status, "by_action": self.by_action},
            "dropped": self.dropped,
            "overloaded": {"before": load.overloaded_before, "after": load.overloaded_after},
            "in_flight": load.in_flight,
            "in_flight_peak": load.in_flight_peak,
            "processing_peak": load.processing_peak,
            "duplicates": {"business_id": counts.dup_business, "email": counts.dup_email},
        })
    }
}

/// What the statistics say about the data (computed under the data lock, which is then let go
/// before the counters' lock is taken).
pub(crate) struct Counts {
    leads: usize,
    by_channel: serde_json::Map<String, Value>,
    purchases: usize,
    purchases_by_lead: BTreeMap<String, u64>,
    status_moves: u64,
    status_moves_by_lead: BTreeMap<String, u64>,
    dup_business: Vec<String>,
    dup_email: Vec<String>,
}

impl Counts {
    pub fn of(d: &Data) -> Self {
        let by_channel = d
            .channels
            .iter()
            .map(|c| {
                (
                    c.id.to_string(),
                    json!(d.leads.iter().filter(|l| l.channels_id == c.id).count()),
                )
            })
            .collect();
        let mut purchases_by_lead: BTreeMap<String, u64> = BTreeMap::new();
        for p in &d.purchases {
            *purchases_by_lead.entry(p.leads_id.to_string()).or_default() += 1;
        }
        Counts {
            leads: d.leads.len(),
            by_channel,
            purchases: d.purchases.len(),
            purchases_by_lead,
            status_moves: d.status_moves.values().sum(),
            status_moves_by_lead: d
                .status_moves
                .iter()
                .map(|(id, n)| (id.to_string(), *n))
                .collect(),
            dup_business: duplicates(d.leads.iter().filter_map(|l| l.business_id.clone())),
            dup_email: duplicates(
                d.leads
                    .iter()
                    .filter_map(|l| l.email.as_deref().map(|e| e.trim().to_lowercase())),
            ),
        }
    }
}

/// Values (non-empty) seen more than once, sorted.
fn duplicates(values: impl Iterator<Item = String>) -> Vec<String> {
    let mut seen: BTreeMap<String, u32> = BTreeMap::new();
    for v in values.filter(|v| !v.is_empty()) {
        *seen.entry(v).or_default() += 1;
    }
    seen.into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(v, _)| v)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_lists_values_seen_twice() {
        let v = ["b", "a", "b", "", "", "c", "a", "a"].map(String::from);
        assert_eq!(duplicates(v.into_iter()), ["a", "b"]);
    }
}
