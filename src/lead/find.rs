//! A lead by what names it (a purchase row's lead): a lead id as given; a legacy id through
//! `get_lead_by_legacy_id` (a read, before anything is sent); a business id or email through
//! the ledger's record of the leads leadctl created or adopted. Each value is resolved once.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::api::{ApiClient, ApiError};
use crate::error::Failure;
use crate::identity;
use crate::ledger::{Filter, Ledger, Location, State};

/// What names a lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeadBy {
    Id,
    LegacyId,
    BusinessId,
    Email,
}

/// Finds the lead each value names, each value once.
pub struct Resolver {
    ledger: Option<Ledger>,
    scope_url: String,
    /// Only leads of this channel (`--channel`), else of any channel.
    pub channel: Option<String>,
    /// For legacy ids; `None` without an API key.
    pub client: Option<ApiClient>,
    cache: Mutex<HashMap<(u8, String), Result<String, String>>>,
    /// The ledger's leads by their business id's and email's keys, read once.
    index: std::sync::OnceLock<Result<HashMap<String, Found>, String>>,
}

/// The leads the ledger has under one business id or email.
#[derive(Default)]
struct Found {
    /// (lead id, channel) of the created ones.
    ids: Vec<(String, String)>,
    /// One was sent without a reliable answer.
    open: bool,
}

/// Reads the ledger's leads of an API URL (one channel's, when given) once: each by the keys of
/// its business id and its email, whatever key it was created under.
fn build_index(
    ledger: &Ledger,
    scope_url: &str,
    channel: &Option<String>,
) -> Result<HashMap<String, Found>, String> {
    let filter = Filter {
        api_url: Some(scope_url.to_string()),
        channel: channel.clone(),
        state: None,
        keys: Vec::new(),
    };
    let mut index: HashMap<String, Found> = HashMap::new();
    ledger
        .for_each(&filter, &mut |e| {
            if e.key.starts_with("status:") || e.key.starts_with("purchase:") {
                return Ok(());
            }
            let text = |name: &str| {
                e.fields
                    .get(name)
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            };
            let mut keys =
                identity::server_keys(text("business_id").as_deref(), text("email").as_deref());
            keys.push(e.key.clone());
            keys.sort();
            keys.dedup();
            for k in keys {
                let f = index.entry(k).or_default();
                match (e.state, &e.lead_id) {
                    (State::Created, Some(id)) => f.ids.push((id.clone(), e.channel.clone())),
                    (State::Sending | State::Unknown, _) => f.open = true,
                    _ => {}
                }
            }
            Ok(())
        })
        .map_err(|f| f.message)?;
    Ok(index)
}

impl Resolver {
    /// `ledger`: where business ids and emails are looked up (opened here; none: `--no-ledger`,
    /// or no value names a lead that way), the leads of `api_url`'s server.
    pub fn new(
        ledger: Option<&Location>,
        api_url: &str,
        channel: Option<String>,
        client: Option<ApiClient>,
    ) -> Result<Resolver, Failure> {
        Ok(Resolver {
            ledger: ledger.map(Ledger::open).transpose()?,
            scope_url: crate::ledger::scope_url(api_url),
            channel,
            client,
            cache: Mutex::new(HashMap::new()),
            index: std::sync::OnceLock::new(),
        })
    }

    /// The lead's id, or why the cell names none.
    pub fn resolve(&self, by: LeadBy, value: &str) -> Result<String, String> {
        let value = value.trim();
        if by == LeadBy::Id {
            return if crate::api::properties::is_uuid(value) {
                Ok(value.to_lowercase())
            } else {
                Err(format!(
                    "lead id {} is not a UUID",
                    crate::log::quoted(value)
                ))
            };
        }
        let slot = (by as u8, value.to_string());
        if let Some(known) = self
            .cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&slot)
        {
            return known.clone();
        }
        let found = match by {
            LeadBy::LegacyId => self.by_legacy_id(value),
            LeadBy::BusinessId => self.in_ledger(&identity::server_keys(Some(value), None), value),
            _ => self.in_ledger(&identity::server_keys(None, Some(value)), value),
        };
        self.cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(slot, found.clone());
        found
    }

    fn by_legacy_id(&self, value: &str) -> Result<String, String> {
        let Ok(n) = value.parse::<i64>() else {
            return Err(format!(
                "legacy id {} is not a whole number",
                crate::log::quoted(value)
            ));
        };
        let Some(client) = &self.client else {
            return Err(
                "a legacy id is looked up with get_lead_by_legacy_id, which needs an \
                        API key (LEADCTL_API_KEY)"
                    .into(),
            );
        };
        match client.get_lead_by_legacy_id(n) {
            Ok(lead) => Ok(lead.id),
            Err(ApiError::Rejected { status: 404, .. }) => {
                Err(format!("no lead has legacy id {n}"))
            }
            Err(e) => Err(format!("looking up legacy id {n}: {e}")),
        }
    }

    fn in_ledger(&self, keys: &[String], value: &str) -> Result<String, String> {
        let what = || {
            keys.first()
                .map(|k| identity::describe_key(k))
                .unwrap_or_else(|| crate::log::quoted(value))
        };
        let Some(ledger) = &self.ledger else {
            return Err(format!(
                "{} names the lead through the ledger, and --no-ledger keeps none; give a \
                 lead_id column",
                what()
            ));
        };
        let index = self
            .index
            .get_or_init(|| build_index(ledger, &self.scope_url, &self.channel));
        let index = index.as_ref().map_err(|e| e.clone())?;
        let mut ids: Vec<(String, String)> = Vec::new();
        let mut open = false;
        for key in keys {
            if let Some(found) = index.get(key) {
                ids.extend(found.ids.iter().cloned());
                open |= found.open;
            }
        }
        ids.sort();
        ids.dedup_by(|a, b| a.0 == b.0);
        match ids.as_slice() {
            [(id, _)] => Ok(id.clone()),
            [] if open => Err(format!(
                "the lead with {} was sent without a reliable answer (unknown in the ledger); \
                 settle it first (`leadctl import FILE --reconcile`)",
                what()
            )),
            [] => Err(format!(
                "no lead with {} is in the ledger (leadctl finds leads it created or adopted by \
                 business id or email); give a lead_id or legacy_id column, or `leadctl ledger \
                 adopt` the leads",
                what()
            )),
            several => Err(format!(
                "{} leads in the ledger have {} (channels {}); pass --channel",
                several.len(),
                what(),
                several
                    .iter()
                    .map(|(_, c)| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }
}
