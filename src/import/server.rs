//! The ledger scope of a run: the API URL's normalised spelling, resolved to the server behind
//! it by what the API key sees (`ledger::server`), so that two spellings of one server share
//! one set of entries.

use anyhow::{Context, Result};

use crate::api::ApiClient;
use crate::ledger::{self, Ledger};
use crate::log::Log;

/// The channel fields that name companies (`get_channels`).
const COMPANY_FIELDS: [&str; 4] = [
    "referring_id",
    "receiving_id",
    "creator",
    "partner_companies_id",
];

/// The scope whose entries this run reads and writes; says on stderr when it is an alias or an
/// unknown spelling beside entries of unidentified servers. Without a ledger, the URL's scope.
pub fn scope(
    ledger: Option<&Ledger>,
    client: &ApiClient,
    api_url: &str,
    log: &Log,
) -> Result<String> {
    let url_scope = ledger::scope_url(api_url);
    let Some(ledger) = ledger else {
        return Ok(url_scope);
    };
    let channels = client
        .get_channels()
        .context("learning which server the API URL reaches (get_channels)")?;
    let mut ids: Vec<&str> = Vec::new();
    for c in &channels {
        ids.push(&c.id);
        for f in COMPANY_FIELDS {
            if let Some(id) = c.extra.get(f).and_then(|v| v.as_str()) {
                ids.push(id);
            }
        }
    }
    let fingerprint = ledger::server::fingerprint(ids);
    let resolved = ledger::server::resolve(ledger, &url_scope, &fingerprint)?;
    if let Some(note) = &resolved.note {
        if resolved.scope == url_scope {
            log.warn(note);
        } else {
            log.notice(note);
        }
    }
    Ok(resolved.scope)
}
