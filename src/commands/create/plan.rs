//! `create --dry-run`: each lead decided by the rule the real run uses (`once::judge`) against
//! the ledger and the channel's newest leads, both read and neither written; the bodies of the
//! requests that would be sent on stdout, what is left alone and the plan's counts on stderr.

use std::collections::HashSet;

use anyhow::Result;
use serde_json::Value;

use super::send::Flags;
use crate::api::models::{ActionBody, NewLead};
use crate::api::ApiClient;
use crate::deliver::rule::Decision;
use crate::deliver::Place;
use crate::error::Failure;
use crate::import::plan::Counts;
use crate::lead::known::{Fresh, Known};
use crate::lead::once::{self, Judged, Keyed};
use crate::ledger::{identity, scope_url, Ledger};
use crate::settings::Settings;

/// The request bodies that would be sent, in order; notes and the counts go to the log.
pub(super) fn plan_all(
    client: Option<&ApiClient>,
    leads: &[(String, NewLead)],
    action: &str,
    flags: &Flags,
    settings: &Settings,
) -> Result<Vec<Value>> {
    let log = settings.log();
    // Without a key the server is not asked (a `--public` create reads nothing either).
    let client = match client {
        Some(c) => Some(c.clone()),
        None if settings.require_key().is_ok() => Some(settings.client()?),
        None => None,
    };
    let ledger = settings
        .ledger
        .as_ref()
        .map(Ledger::open_to_read)
        .transpose()?;
    let scope = scope_url(&settings.api_url.value);
    let place = Place {
        ledger: ledger.as_ref(),
        scope_url: &scope,
        input: "create",
    };
    let known = Known::new(Fresh::Go, true);
    let warn = |text: &str| log.warn(text);
    let mut counts = Counts::default();
    let mut bodies = Vec::new();
    let mut seen = HashSet::new();
    for (i, (label, lead)) in leads.iter().enumerate() {
        let k = Keyed::new(lead.clone(), flags.key)
            .map_err(|why| Failure::input(format!("{label} {why}")))?;
        if !seen.insert((k.channel.clone(), k.key.clone())) {
            counts.duplicate += 1;
            continue;
        }
        let Some(ledger) = &ledger else {
            counts.create += 1;
            bodies.push(body(action, lead)?);
            continue;
        };
        // As the real run: the server's newest leads are read when a key is set.
        if let Some(client) = &client {
            known.ensure(&k.channel, client, ledger, &scope, &warn)?;
        }
        let judged = once::judge(ledger, &place, &known, &k, i as u64 + 1, flags.policy)?;
        let who = format!("{label} (the lead with {})", identity::describe_key(&k.key));
        match judged {
            Judged::OnServer(id) => {
                counts.skipped += 1;
                log.notice(&format!(
                    "{who}: would not be sent: exists already as {id} (found among the \
                     channel's newest leads)"
                ));
            }
            Judged::Decided(Decision::Create { .. }) => {
                counts.create += 1;
                bodies.push(body(action, lead)?);
            }
            Judged::Decided(Decision::Update {
                lead_id, changes, ..
            }) => {
                counts.update += 1;
                counts.update_fields.extend(changes.listed(&k.names));
                let update = once::update_body(&lead_id, &k, &changes);
                bodies.push(body("update_lead", &update)?);
            }
            Judged::Decided(Decision::Skip { note, .. }) => {
                counts.skipped += 1;
                log.notice(&format!("{who}: would not be sent: {note}"));
            }
            Judged::Decided(Decision::Changed { note, .. }) => {
                counts.changed += 1;
                log.notice(&format!("{who}: would not be sent: {note}"));
            }
            Judged::Decided(Decision::Unknown { note, .. }) => {
                counts.unknown += 1;
                log.notice(&format!("{who}: would not be sent: {note}"));
            }
            Judged::Decided(Decision::Failed { note }) => {
                counts.failed += 1;
                log.notice(&format!("{who}: would not be sent: {note}"));
            }
        }
    }
    // One lead, planned as a create: the body says it all (as before).
    if leads.len() > 1 || counts.create != 1 {
        log.notice(&format!(
            "dry run: {}; nothing was sent",
            counts.summary(false)
        ));
    }
    Ok(bodies)
}

fn body<T: serde::Serialize>(action: &str, fields: &T) -> Result<Value> {
    Ok(serde_json::to_value(ActionBody { action, fields })?)
}
