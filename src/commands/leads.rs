//! `leadctl leads list|get|update|status`: reading leads, changing their fields, and moving them
//! through a channel's statuses.

use anyhow::{Context, Result};

use super::properties::{closest, problem_list, resolve_one};
use crate::api::models::{Channel, Lead, LeadUpdate, PropertyInput};
use crate::api::properties::{find_channel, is_uuid};
use crate::api::{ApiClient, ApiError};
use crate::cli::{LeadUpdateArgs, LeadsCommand};
use crate::error::{Failure, Kind};
use crate::output::{views, Output, OutputFormat};
use crate::settings::Settings;

/// `get_leads` never returns more than this many leads.
const GET_LEADS_CAP: usize = 100;

pub fn run(settings: &Settings, command: &LeadsCommand, out: &mut Output) -> Result<()> {
    match command {
        LeadsCommand::List { channel } => list(settings, channel.as_deref(), out),
        LeadsCommand::Get { lead_id, legacy_id } => {
            let client = client(settings)?;
            let lead = match (lead_id, legacy_id) {
                (_, Some(n)) => client.get_lead_by_legacy_id(*n).map_err(|e| {
                    lead_error(e, format!("looking up the lead with legacy id {n}"))
                })?,
                (Some(id), None) => {
                    check_lead_id(id)?;
                    client
                        .get_lead_by_id(id.trim())
                        .map_err(|e| lead_error(e, format!("looking up lead {}", id.trim())))?
                }
                (None, None) => return Err(Failure::usage("give LEAD_ID or --legacy-id N").into()),
            };
            let order = property_order(
                &client,
                lead.channels_id.as_deref(),
                std::slice::from_ref(&lead),
                None,
                out,
            );
            let mut view = views::leads_in(std::slice::from_ref(&lead), true, &order);
            if lead.legacy_id.is_none() {
                // get_lead_by_id answers without it (doc/api.md): say so where --legacy-id
                // shows it, rather than leave the row out as if the lead had none.
                let row = (
                    "Legacy ID".to_string(),
                    "not in get_lead_by_id's answer (only `leads get --legacy-id N` has it)"
                        .to_string(),
                );
                let at = view
                    .detail
                    .iter()
                    .position(|(label, _)| label == "Created")
                    .unwrap_or(view.detail.len());
                view.detail.insert(at, row);
            }
            out.view(&view)?;
            Ok(())
        }
        LeadsCommand::Update(args) => update(settings, args, out),
        LeadsCommand::Status { lead_id, status } => set_status(settings, lead_id, status, out),
    }
}

/// An API error about one lead, with a hint that fits leads (the client's generic 403 hint talks
/// about channel ids). Exit codes stay those of the API error: 5 for 403, 6 for 404.
pub(crate) fn lead_error(e: ApiError, doing: String) -> anyhow::Error {
    let hint = match &e {
        ApiError::Forbidden { message } if message == "Lead not accessible" => Some((
            Kind::Permission,
            "the lead is on a channel this key's company is not part of; `leadctl channels` \
             lists the channels the key can access",
        )),
        ApiError::Rejected {
            status: 404,
            message,
        } if message == "Lead not found" => Some((
            Kind::Input,
            "check the lead id: `leadctl leads list --channel CHANNEL` shows a channel's newest \
             leads, and `leadctl leads get --legacy-id N` finds a lead by its legacy integer id",
        )),
        _ => None,
    };
    match hint {
        Some((kind, hint)) => Failure::new(kind, format!("{doing}: {e}"))
            .with_hint(hint)
            .into(),
        None => anyhow::Error::new(e).context(doing),
    }
}

fn client(settings: &Settings) -> Result<ApiClient> {
    settings.require_key()?;
    Ok(settings.client()?)
}

fn check_lead_id(id: &str) -> Result<(), Failure> {
    if is_uuid(id) {
        return Ok(());
    }
    let failure = Failure::input(format!("{id:?} is not a lead id (a UUID)"));
    Err(
        if !id.is_empty() && id.trim().chars().all(|c| c.is_ascii_digit()) {
            failure.with_hint(format!(
                "for an integer id from the legacy system use --legacy-id {}",
                id.trim()
            ))
        } else {
            failure.with_hint("lead ids look like 9b2f6c1e-3d4a-4b5c-8d7e-1f2a3b4c5d6e")
        },
    )
}

fn list(settings: &Settings, channel: Option<&str>, out: &mut Output) -> Result<()> {
    let wanted = settings.require_channel(channel)?.value;
    let client = client(settings)?;
    // A title is looked up (`channels show` takes either, and so does this).
    let mut listed = None;
    let channel = if is_uuid(&wanted) {
        wanted.trim().to_string()
    } else {
        let channels = client
            .get_channels()
            .context("looking up the channel by its title (get_channels)")?;
        let id = crate::lead::names::channel(&channels, &wanted)?.id.clone();
        listed = Some(channels);
        id
    };
    let mut leads = client
        .get_leads(&channel)
        .with_context(|| format!("listing the leads of channel {channel}"))?;
    if leads.is_empty() {
        settings
            .log()
            .notice(&format!("channel {channel} has no leads yet"));
    } else if leads.len() >= GET_LEADS_CAP {
        settings.log().notice(&format!(
            "showing the newest {} leads: the API returns at most the newest {GET_LEADS_CAP} of a \
             channel, and older ones cannot be listed",
            leads.len()
        ));
    }
    // The flat form has no channels_id; -o csv fills the column from the channel listed.
    for lead in &mut leads {
        lead.channels_id.get_or_insert_with(|| channel.clone());
    }
    let order = property_order(&client, Some(&channel), &leads, listed.as_deref(), out);
    out.view(&views::leads_in(&leads, false, &order))?;
    Ok(())
}

fn update(settings: &Settings, args: &LeadUpdateArgs, out: &mut Output) -> Result<()> {
    check_lead_id(&args.lead_id)?;
    let mut update = LeadUpdate {
        lead_id: args.lead_id.trim().to_string(),
        fields: args.fields.to_fields(),
        ..LeadUpdate::default()
    };
    for (key, value) in &args.properties {
        update.properties.push(PropertyInput {
            property_definitions_id: key.clone(),
            value: serde_json::Value::String(value.clone()),
        });
    }
    if args.fields.is_empty() && update.properties.is_empty() {
        return Err(
            Failure::usage("nothing to update: give at least one field or --property")
                .with_hint("e.g. `leadctl leads update LEAD_ID --phone +1-555-0100`; see --help")
                .into(),
        );
    }
    let client = client(settings)?;
    if update
        .properties
        .iter()
        .any(|p| !is_uuid(&p.property_definitions_id))
    {
        resolve_names(&client, &mut update)?;
    }
    let lead = client
        .update_lead(&update)
        .map_err(|e| lead_error(e, format!("updating lead {}", update.lead_id)))?;
    let order = property_order(
        &client,
        lead.channels_id.as_deref(),
        std::slice::from_ref(&lead),
        None,
        out,
    );
    out.view(&views::leads_in(std::slice::from_ref(&lead), true, &order))?;
    Ok(())
}

/// Property names are per channel: look up the lead's channel, then its definitions.
fn resolve_names(client: &ApiClient, update: &mut LeadUpdate) -> Result<()> {
    let lead = client.get_lead_by_id(&update.lead_id).map_err(|e| {
        lead_error(
            e,
            format!(
                "looking up lead {} to resolve property names",
                update.lead_id
            ),
        )
    })?;
    let channel_id = lead.channels_id.clone().unwrap_or_default();
    let channels = client
        .get_channels()
        .context("looking up property names (get_channels)")?;
    let Some(channel) = find_channel(&channels, &channel_id) else {
        return Err(Failure::new(
            Kind::Permission,
            format!(
                "the lead's channel {channel_id:?} is not among the channels this key can access"
            ),
        )
        .into());
    };
    let mut problems = Vec::new();
    for p in &mut update.properties {
        match resolve_one(channel, &p.property_definitions_id) {
            Ok(id) => p.property_definitions_id = id,
            Err(msg) => problems.push(msg),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problem_list(
            Kind::Input,
            problems,
            "use one of the names listed, or a property definition UUID",
        )
        .into())
    }
}

fn set_status(settings: &Settings, lead_id: &str, status: &str, out: &mut Output) -> Result<()> {
    check_lead_id(lead_id)?;
    let lead_id = lead_id.trim();
    let status = status.trim();
    if status.is_empty() {
        return Err(Failure::usage("STATUS is empty")
            .with_hint("give a status name such as \"Qualified\", or a status id")
            .into());
    }
    let client = client(settings)?;
    let by_id = is_uuid(status);
    let doing = if by_id {
        format!("moving lead {lead_id} to status id {status}")
    } else {
        format!("moving lead {lead_id} to {status:?}")
    };
    // A table shows what changed and the whole lead: the status-change answer is partial (no
    // company, employee or properties), which would look as if the change had wiped them.
    let table = out.format == OutputFormat::Table;
    let before = if table {
        match client.get_lead_by_id(lead_id) {
            Ok(lead) => lead.status,
            Err(e) => {
                settings
                    .log()
                    .debug(&format!("reading lead {lead_id} before the change: {e}"));
                None
            }
        }
    } else {
        None
    };
    let mut result = if by_id {
        client.update_status_id(lead_id, status)
    } else {
        client.update_status(lead_id, status)
    };
    // The server matches names exactly; leadctl, as the import does, case-insensitively when
    // that is unambiguous (`api::status::resolve`). A 404 proves nothing moved: ask again.
    let mut status = status;
    let exact;
    let mut ambiguous = None;
    if !by_id && is_status_404(&result) {
        match exact_status_name(&client, lead_id, status) {
            Ok(Some(name)) => {
                exact = name;
                status = &exact;
                result = client.update_status(lead_id, status);
            }
            Ok(None) => {}
            Err(why) => ambiguous = Some(why),
        }
    }
    let mut lead = match result {
        Ok(lead) => lead,
        Err(e @ ApiError::Rejected { status: 404, .. }) if matches!(&e, ApiError::Rejected { message, .. } if message.starts_with("Status")) =>
        {
            if let Some(why) = ambiguous {
                return Err(Failure::input(format!("{doing}: {e}\n  {why}"))
                    .with_hint("give the status's exact spelling, or its id")
                    .into());
            }
            // Say which statuses exist, and which one was probably meant.
            return Err(match explain_status(&client, lead_id, status, by_id) {
                Some((listing, hint)) => Failure::input(format!("{doing}: {e}\n  {listing}"))
                    .with_hint(hint)
                    .into(),
                None => anyhow::Error::new(e).context(doing),
            });
        }
        Err(e) => return Err(lead_error(e, doing)),
    };
    // The documented answer may still carry the old status name (doc/api.md, "Objects"), so the
    // table shows the status that was asked for.
    if by_id {
        if matches!(out.format, OutputFormat::Table | OutputFormat::Csv) {
            if let Some(name) = status_name(&client, &lead, status) {
                lead.status = Some(name);
            }
        }
    } else {
        lead.status = Some(status.to_string());
    }
    if table {
        match client.get_lead_by_id(lead_id) {
            // The lead as it is now; its status is the one just set.
            Ok(mut whole) => {
                if whole.status.is_none() {
                    whole.status = lead.status.clone();
                }
                lead = whole;
            }
            Err(e) => settings.log().warn(&format!(
                "lead {lead_id} was moved, but reading it back failed ({e}); showing the fields \
                 the status change answered with"
            )),
        }
        let after = crate::log::sanitize(lead.status.as_deref().unwrap_or(status));
        let before = before.as_deref().map(crate::log::sanitize);
        out.text(&match before {
            Some(before) if before == after => format!("status: {after} (unchanged)\n"),
            Some(before) => format!("status: {before} \u{2192} {after}\n"),
            None => format!("status: now {after}\n"),
        })?;
    }
    let order = property_order(
        &client,
        lead.channels_id.as_deref(),
        std::slice::from_ref(&lead),
        None,
        out,
    );
    out.view(&views::leads_in(std::slice::from_ref(&lead), true, &order))?;
    Ok(())
}

/// The property names of a channel in its `order`, for the columns of a table or CSV (other
/// formats, and leads without properties, need none): from `channels` when already read, else
/// one `get_channels`; empty when it cannot be read (the columns keep the answer's order).
fn property_order(
    client: &ApiClient,
    channel_id: Option<&str>,
    leads: &[Lead],
    channels: Option<&[Channel]>,
    out: &Output,
) -> Vec<String> {
    if !matches!(out.format, OutputFormat::Table | OutputFormat::Csv)
        || leads.iter().all(|l| l.property_values.is_empty())
    {
        return Vec::new();
    }
    let Some(channel_id) = channel_id else {
        return Vec::new();
    };
    let fetched;
    let channels = match channels {
        Some(c) => c,
        None => match client.get_channels() {
            Ok(c) => {
                fetched = c;
                &fetched[..]
            }
            Err(_) => return Vec::new(),
        },
    };
    find_channel(channels, channel_id)
        .map(views::property_order)
        .unwrap_or_default()
}

fn is_status_404(result: &Result<Lead, ApiError>) -> bool {
    matches!(result, Err(ApiError::Rejected { status: 404, message }) if message.starts_with("Status"))
}

/// The exact name of the lead's channel's status that `wanted` names case-insensitively, when
/// it differs from `wanted` and can be read; `Err` (what to say) when several statuses answer to
/// it, differing only in case.
fn exact_status_name(
    client: &ApiClient,
    lead_id: &str,
    wanted: &str,
) -> Result<Option<String>, String> {
    let read = || {
        let lead = client.get_lead_by_id(lead_id).ok()?;
        let channels = client.get_channels().ok()?;
        find_channel(&channels, lead.channels_id.as_deref()?).cloned()
    };
    let Some(channel) = read() else {
        return Ok(None);
    };
    match crate::api::status::resolve(&channel, wanted) {
        Ok(s) => Ok(s.status.clone().filter(|name| name != wanted)),
        Err(e @ crate::api::status::StatusError::Ambiguous { .. }) => Err(e.to_string()),
        Err(_) => Ok(None),
    }
}

/// The name of a status id on the lead's channel, if it can be read.
fn status_name(client: &ApiClient, lead: &Lead, status_id: &str) -> Option<String> {
    let channels = client.get_channels().ok()?;
    let channel = find_channel(&channels, lead.channels_id.as_deref()?)?;
    channel
        .lead_status
        .iter()
        .find(|s| s.id.eq_ignore_ascii_case(status_id))
        .and_then(|s| s.status.clone())
}

/// The statuses of the lead's channel, and a hint, for the error message of an unknown status;
/// `None` if they cannot be read.
fn explain_status(
    client: &ApiClient,
    lead_id: &str,
    wanted: &str,
    by_id: bool,
) -> Option<(String, String)> {
    let lead = client.get_lead_by_id(lead_id).ok()?;
    let channels = client.get_channels().ok()?;
    let channel = find_channel(&channels, lead.channels_id.as_deref()?)?;
    let statuses = views::sorted_statuses(channel);
    let names: Vec<&str> = statuses
        .iter()
        .filter_map(|s| s.status.as_deref())
        .collect();
    let listing = if by_id {
        statuses
            .iter()
            .map(|s| format!("{} ({:?})", s.id, s.status.as_deref().unwrap_or("?")))
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        names
            .iter()
            .map(|n| format!("{n:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let listing = format!(
        "the statuses of the lead's channel {} are {listing}",
        channel.label()
    );
    let near = if by_id { None } else { closest(wanted, &names) };
    let hint = match near {
        Some(near) => format!("did you mean {near:?}?"),
        None => format!(
            "use one of these ids (or a status name); `leadctl channels show {}` lists them",
            channel.id
        ),
    };
    Some((listing, hint))
}
