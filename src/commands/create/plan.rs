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
use crate::lead::known::{Fresh, Known};
use crate::lead::once::{self, Judged};
use crate::ledger::{identity, scope_url, Ledger};
use crate::plan::Made;
use crate::plan::{Counts, Saved};
use crate::settings::Settings;

/// What a saved plan keeps of a `create` dry run: its writes, and what it is made of.
pub(super) type ToSave = Option<(Saved, Made<'static>)>;

/// The request bodies that would be sent, in order; notes and the counts go to the log. `save`:
/// also the writes a saved plan keeps (`--plan-out`), and what it is made of (its inputs are the
/// caller's).
pub(super) fn plan_all(
    client: Option<&ApiClient>,
    leads: &[(String, NewLead)],
    action: &str,
    flags: &Flags,
    settings: &Settings,
    save: bool,
) -> Result<(Vec<Value>, ToSave)> {
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
    // The server behind the URL, whatever its spelling, as the real run reads it (not
    // remembered: a dry run writes nothing).
    let scope = match &client {
        Some(c) => crate::deliver::scope::resolve(
            ledger.as_ref(),
            c,
            &settings.api_url.value,
            leads
                .first()
                .map(|(_, l)| l.channel_id.to_lowercase())
                .as_deref(),
            &log,
            false,
        )?,
        None => scope_url(&settings.api_url.value),
    };
    let place = Place {
        ledger: ledger.as_ref(),
        scope_url: &scope,
        input: "create",
    };
    let known = Known::new(Fresh::Go, true);
    let warn = |text: &str| log.warn(text);
    let mut counts = Counts::default();
    let mut bodies = Vec::new();
    let mut saved = Saved::default();
    let mut seen = HashSet::new();
    for (i, (label, lead)) in leads.iter().enumerate() {
        let k = flags.keyed(i, label, lead)?;
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
            known.say_settled(&log);
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
            Judged::Decided(Decision::Create { expect, previous }) => {
                counts.create += 1;
                let b = body(action, lead)?;
                // `lead_external` (--public) is not a write a plan holds.
                let key = (action == "create_lead")
                    .then(|| crate::lead::planned::create_key(&k, expect, previous));
                saved.keep(i as u64 + 1, key, &b);
                bodies.push(b);
            }
            Judged::Decided(Decision::Update {
                lead_id,
                mut changes,
                previous,
            }) => {
                // As the real run: `if_empty` fields only where the server holds none.
                if let Some(client) = &client {
                    once::settle_if_empty(client, &lead_id, &mut changes);
                }
                if changes.sends_nothing() {
                    counts.skipped += 1;
                    log.notice(&format!(
                        "{who}: would not be sent: exists already; {}",
                        changes.why_nothing(&k.names)
                    ));
                    continue;
                }
                if let Some(left) = changes.emptied_note(&k.names) {
                    log.notice(&format!("{who}: {left}"));
                }
                counts.update += 1;
                counts.update_fields.extend(changes.listed(&k.names));
                let update = once::update_body(&lead_id, &k, &changes);
                let b = body("update_lead", &update)?;
                let key = crate::lead::planned::update_key(&k, &previous, &changes);
                saved.keep(i as u64 + 1, Some(key), &b);
                bodies.push(b);
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
    let made = Made {
        command: "create",
        scope_url: scope,
        inputs: Vec::new(),
        query: None,
        summary: counts.summary(false),
        ledger: settings.ledger.as_ref().map(ToString::to_string),
    };
    Ok((bodies, save.then_some((saved, made))))
}

fn body<T: serde::Serialize>(action: &str, fields: &T) -> Result<Value> {
    Ok(serde_json::to_value(ActionBody { action, fields })?)
}
