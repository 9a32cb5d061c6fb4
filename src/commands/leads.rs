//! `leadctl leads list|get|update|status`: reading leads, changing their fields, and moving them
//! through a channel's statuses.

use anyhow::{Context, Result};

use super::properties::{closest, find_channel, is_uuid, problem_list, resolve_one};
use crate::api::models::{LeadUpdate, PropertyInput};
use crate::api::{ApiClient, ApiError};
use crate::cli::{LeadUpdateArgs, LeadsCommand};
use crate::exit::{Failure, Kind};
use crate::output::{views, Output};
use crate::settings::Settings;

/// `get_leads` never returns more than this many leads.
const GET_LEADS_CAP: usize = 100;

pub fn run(settings: &Settings, command: &LeadsCommand, out: &mut Output) -> Result<()> {
    match command {
        LeadsCommand::List { channel } => list(settings, channel.as_deref(), out),
        LeadsCommand::Get { lead_id, legacy_id } => {
            let client = client(settings)?;
            let lead = match (lead_id, legacy_id) {
                (_, Some(n)) => client
                    .get_lead_by_legacy_id(*n)
                    .with_context(|| format!("looking up legacy lead {n}"))?,
                (Some(id), None) => {
                    check_lead_id(id)?;
                    client
                        .get_lead_by_id(id.trim())
                        .with_context(|| format!("looking up lead {id}"))?
                }
                (None, None) => return Err(Failure::usage("give LEAD_ID or --legacy-id N").into()),
            };
            out.view(&views::leads(std::slice::from_ref(&lead), true))?;
            Ok(())
        }
        LeadsCommand::Update(args) => update(settings, args, out),
        LeadsCommand::Status { lead_id, status } => set_status(settings, lead_id, status, out),
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
    let channel = settings.require_channel(channel)?.value;
    if !is_uuid(&channel) {
        return Err(
            Failure::input(format!("channel id {channel:?} is not a UUID"))
                .with_hint("`leadctl channels` lists the channel ids")
                .into(),
        );
    }
    let client = client(settings)?;
    let leads = client
        .get_leads(channel.trim())
        .with_context(|| format!("listing the leads of channel {channel}"))?;
    if leads.is_empty() {
        settings
            .log
            .notice(&format!("channel {channel} has no leads yet"));
    } else if leads.len() >= GET_LEADS_CAP {
        settings.log.notice(&format!(
            "showing the newest {} leads: the API returns at most the newest {GET_LEADS_CAP} of a \
             channel, and older ones cannot be listed",
            leads.len()
        ));
    }
    out.view(&views::leads(&leads, false))?;
    Ok(())
}

fn update(settings: &Settings, args: &LeadUpdateArgs, out: &mut Output) -> Result<()> {
    check_lead_id(&args.lead_id)?;
    let mut update = LeadUpdate {
        lead_id: args.lead_id.trim().to_string(),
        ..LeadUpdate::default()
    };
    for (name, value) in args.fields.pairs() {
        update.set_field(name, value.to_string());
    }
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
        .with_context(|| format!("updating lead {}", update.lead_id))?;
    out.view(&views::leads(std::slice::from_ref(&lead), true))?;
    Ok(())
}

/// Property names are per channel: look up the lead's channel, then its definitions.
fn resolve_names(client: &ApiClient, update: &mut LeadUpdate) -> Result<()> {
    let lead = client.get_lead_by_id(&update.lead_id).with_context(|| {
        format!(
            "looking up lead {} to resolve property names",
            update.lead_id
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
    let status = status.trim();
    if status.is_empty() {
        return Err(Failure::usage("STATUS is empty").into());
    }
    let client = client(settings)?;
    let by_id = is_uuid(status);
    let result = if by_id {
        client.update_status_id(lead_id.trim(), status)
    } else {
        client.update_status(lead_id.trim(), status)
    };
    match result {
        Ok(lead) => {
            out.view(&views::leads(std::slice::from_ref(&lead), true))?;
            Ok(())
        }
        Err(ApiError::Rejected {
            status: 404,
            message,
        }) if message.starts_with("Status") => {
            // Say which statuses exist, and which one was probably meant.
            match explain_status(&client, lead_id.trim(), status, by_id) {
                Some(failure) => Err(anyhow::Error::new(ApiError::Rejected {
                    status: 404,
                    message,
                })
                .context(failure)),
                None => Err(anyhow::Error::new(ApiError::Rejected {
                    status: 404,
                    message,
                })
                .context(format!("moving lead {lead_id} to {status:?}"))),
            }
        }
        Err(e) => {
            Err(anyhow::Error::new(e).context(format!("moving lead {lead_id} to {status:?}")))
        }
    }
}

/// The statuses of the lead's channel, for an error message; `None` if they cannot be read.
fn explain_status(client: &ApiClient, lead_id: &str, wanted: &str, by_id: bool) -> Option<Failure> {
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
            .map(|s| format!("{} ({})", s.status.as_deref().unwrap_or("?"), s.id))
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        names
            .iter()
            .map(|n| format!("{n:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let what = if by_id { "status id" } else { "status" };
    let mut failure = Failure::input(format!(
        "{what} {wanted:?} is not on the lead's channel {}; its statuses are {listing}",
        channel.label()
    ));
    if !by_id {
        if let Some(near) = closest(wanted, &names) {
            failure.hint = Some(format!("did you mean {near:?}?"));
        }
    }
    Some(failure)
}
