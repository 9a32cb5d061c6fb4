//! What the server already holds, read once per channel before the first create: the keys of
//! the channel's newest leads (`get_leads`, at most 100), so a lead another tool or a fresh
//! machine created recently is not created again; and one check that the ledger and the server
//! agree (a lead the ledger recorded must exist), so a reset server or another account behind
//! the same URL stops the run before anything is sent.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::api::{ApiClient, ApiError};
use crate::error::Failure;
use crate::ledger::{identity, Ledger};

/// A channel's newest leads by key (lead id), or why they could not be read.
type ChannelLeads = Result<HashMap<String, String>, String>;

#[derive(Default)]
pub struct Known {
    channels: Mutex<HashMap<String, ChannelLeads>>,
    /// What the input leaves alone of what the ledger records the server holds (emptied cells,
    /// columns gone), counted per field and said once at the end (`write::Tally`).
    pub tally: crate::deliver::write::Tally,
}

impl Known {
    /// Reads a channel's newest leads (once) and checks the ledger against the server; the
    /// error stops the run.
    pub fn ensure(
        &self,
        channel: &str,
        client: &ApiClient,
        ledger: &Ledger,
        scope_url: &str,
        warn: &dyn Fn(&str),
    ) -> anyhow::Result<()> {
        let mut map = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(state) = map.get(channel) {
            return match state {
                Ok(_) => Ok(()),
                Err(e) => Err(Failure::config(e.clone()).into()),
            };
        }
        match read(channel, client, ledger, scope_url) {
            Ok(Ok(keys)) => {
                map.insert(channel.to_string(), Ok(keys));
                Ok(())
            }
            Ok(Err(why)) => {
                warn(&format!(
                    "could not read the newest leads of channel {channel} ({why}): a lead created                      outside leadctl would not be recognised in this run (the ledger still knows                      every lead leadctl created)"
                ));
                map.insert(channel.to_string(), Ok(HashMap::new()));
                Ok(())
            }
            Err(e) => {
                map.insert(channel.to_string(), Err(format!("{e:#}")));
                Err(e)
            }
        }
    }

    /// The id of the lead on the server with one of these keys, if it is among the newest.
    pub fn lead_with(&self, channel: &str, keys: &[String]) -> Option<String> {
        let map = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        let known = map.get(channel)?.as_ref().ok()?;
        keys.iter().find_map(|k| known.get(k).cloned())
    }
}

fn read(
    channel: &str,
    client: &ApiClient,
    ledger: &Ledger,
    scope_url: &str,
) -> anyhow::Result<Result<HashMap<String, String>, String>> {
    if let Some(sample) = ledger.sample_created(scope_url, channel)? {
        let id = sample.lead_id.clone().unwrap_or_default();
        // Not reachable or not allowed: the create requests will say so themselves.
        if let Err(ApiError::Rejected { status: 404, .. }) = client.get_lead_by_id(&id) {
            {
                return Err(Failure::config(format!(
                    "the ledger {} records lead {id} as created in channel {channel} (key {}), \
                     but the server at {scope_url} does not know it: the ledger and the server \
                     disagree, so nothing was sent",
                    ledger.location(),
                    identity::describe_key(&sample.key),
                ))
                .with_hint(format!(
                    "a restarted `sandbox serve` or another account behind the same URL does this; \
                     if the server was reset on purpose, run `leadctl ledger forget --channel \
                     {channel}` and import again"
                ))
                .into());
            }
        }
    }
    let leads = match client.get_leads(channel) {
        Ok(leads) => leads,
        // The channel refuses this key: each create will be refused and reported per row.
        Err(ApiError::Forbidden { .. } | ApiError::Rejected { .. }) => Vec::new(),
        // What every request would meet (a refused key, a wrong endpoint, no connection, a bad
        // certificate) stops here; a slow or failing server does not.
        Err(
            e @ (ApiError::Unauthorized { .. }
            | ApiError::WrongEndpointAuth { .. }
            | ApiError::EndpointNotFound { .. }
            | ApiError::PaymentRequired { .. }
            | ApiError::Certificate { .. }
            | ApiError::Connect { .. }
            | ApiError::Redirect { .. }),
        ) => {
            return Err(anyhow::Error::new(e).context(format!(
                "reading the newest leads of channel {channel} (get_leads) before the first create"
            )))
        }
        // Not readable now (the server is struggling): the ledger still guards leadctl's own
        // leads; only leads made elsewhere go unrecognised, and the caller says so.
        Err(e) => return Ok(Err(e.to_string())),
    };
    let mut keys = HashMap::new();
    for lead in leads {
        for key in identity::server_keys(lead.business_id.as_deref(), lead.email.as_deref()) {
            keys.entry(key).or_insert_with(|| lead.id.clone());
        }
    }
    Ok(Ok(keys))
}
