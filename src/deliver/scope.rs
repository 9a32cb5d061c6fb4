//! The ledger scope of a run (the entries it reads and writes): the API URL's normalised
//! spelling, resolved to the server behind it (`ledger::server`, asking the server whether it
//! holds a lead the ledger recorded), so that two spellings of one server share one set of
//! entries. Every command that sends or plans writes starts here.

use anyhow::Result;

use crate::api::ApiClient;
use crate::ledger::server::{self, Note};
use crate::ledger::{self, Ledger};
use crate::log::Log;

/// The scope whose entries this run reads and writes; says on stderr when it is another
/// spelling of a known server, or a spelling that could not be matched beside entries of
/// others. Without a ledger, the URL's scope. A dry run (`remember` false) writes nothing.
pub fn resolve(
    ledger: Option<&Ledger>,
    client: &ApiClient,
    api_url: &str,
    channel: Option<&str>,
    log: &Log,
    remember: bool,
) -> Result<String> {
    let url_scope = ledger::scope_url(api_url);
    let Some(ledger) = ledger else {
        return Ok(url_scope);
    };
    let holds = |id: &str| client.get_lead_by_id(id).is_ok_and(|l| l.id == id);
    let resolved = server::resolve(ledger, &url_scope, channel, &holds, remember)?;
    match &resolved.note {
        Some(Note::Alias(text)) => log.notice(text),
        Some(Note::Unmatched(text)) => log.warn(text),
        None => {}
    }
    Ok(resolved.scope)
}
