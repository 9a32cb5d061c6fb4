//! `leadctl create`: one lead from flags, or several from JSON (`create_lead`, or `lead_external`
//! with `--public`). Everything is checked locally, and property names are resolved with one
//! `get_channels`, before the first lead is sent.

mod draft;
mod send;

use anyhow::{Context, Result};
use serde_json::Value;

use super::properties::{problem_list, resolve_one};
use crate::api::models::{ActionBody, NewLead};
use crate::api::properties::{
    find_channel, is_uuid, non_finite, number_problem, ChannelProperties,
};
use crate::api::ApiClient;
use crate::cli::CreateArgs;
use crate::error::{Failure, Kind};
use crate::log::Log;
use crate::output::Output;
use crate::settings::Settings;
use draft::{parse_json, read_json, to_new_lead, Draft, Located, PropertyDraft};

pub fn run(settings: &Settings, args: CreateArgs, out: &mut Output) -> Result<()> {
    let located = drafts(&args, &settings.log())?;
    let mut leads = requests(settings, &args, &located)?;
    // A client is needed to resolve property names (with the key) and to send (unless dry-run).
    // A value that reads as a non-finite number (`NaN`, `inf`, `1e999`) needs the definitions'
    // types too: a number property cannot hold it, a text property can.
    let needs_names = leads.iter().any(|(_, l)| {
        l.properties
            .iter()
            .any(|p| !is_uuid(&p.property_definitions_id) || non_finite(&p.value))
    });
    let client = client_for(settings, &args, needs_names)?;
    if needs_names {
        if let Some(client) = &client {
            resolve_property_names(client, &mut leads)?;
        }
    }
    let action = if args.public {
        "lead_external"
    } else {
        "create_lead"
    };
    if args.dry_run {
        let bodies: Vec<Value> = leads
            .iter()
            .map(|(_, lead)| {
                serde_json::to_value(ActionBody {
                    action,
                    fields: lead,
                })
            })
            .collect::<Result<_, _>>()?;
        out.json_documents(&bodies)
            .context("writing the request bodies")?;
        return Ok(());
    }
    let Some(client) = client else {
        return Ok(());
    };
    let flags = send::Flags {
        public: args.public,
        policy: crate::import::decide::Policy {
            retry_unknown: args.retry_unknown,
            // A 4xx proves nothing was created: `create` sends a failed key again.
            retry_failed: true,
            update: args.update,
            force: args.force,
        },
        key: args.key.or(settings.lead_key),
    };
    send::send_all(&client, &leads, &flags, settings, out)
}

/// The leads to create as drafts: from `--json`, or one from the command line; field flags and
/// `--property` apply to a single lead.
fn drafts(args: &CreateArgs, log: &Log) -> Result<Vec<Located>> {
    let mut located = match &args.json {
        Some(path) => read_json(path, log)?,
        None => vec![Located {
            label: "the command line".to_string(),
            draft: Draft::default(),
        }],
    };

    let has_field_flags = !args.fields.is_empty() || !args.properties.is_empty();
    if located.len() > 1 && has_field_flags {
        return Err(Failure::usage(format!(
            "field flags and --property apply to a single lead, but the JSON holds {} leads",
            located.len()
        ))
        .with_hint("put the fields into the JSON objects, or create the leads one at a time")
        .into());
    }
    if let [one] = located.as_mut_slice() {
        if let Some(channel) = &args.channel {
            one.draft.channel_id = Some(channel.clone());
        }
        let given = args.fields.to_fields();
        for (name, value) in given.given() {
            one.draft.fields.set(name, value.to_string());
        }
        for (key, value) in &args.properties {
            one.draft
                .properties
                .retain(|p| !p.property_definitions_id.eq_ignore_ascii_case(key));
            one.draft.properties.push(PropertyDraft {
                property_definitions_id: key.clone(),
                value: Value::String(value.clone()),
            });
        }
    }
    if args.json.is_none() && !has_field_flags {
        return Err(Failure::usage("nothing to create: no lead fields given")
            .with_hint(
                "give at least one field (--email, --first-name, --company, ...) or --json FILE; \
                 see `leadctl create --help`",
            )
            .into());
    }

    Ok(located)
}

/// The drafts checked and turned into requests, each with its label; every problem at once.
fn requests(
    settings: &Settings,
    args: &CreateArgs,
    located: &[Located],
) -> Result<Vec<(String, NewLead)>> {
    // The default channel is needed only for leads that do not name their own.
    let needs_default =
        args.channel.is_some() || located.iter().any(|l| l.draft.channel_id.is_none());
    let default_channel = if needs_default {
        Some(settings.require_channel(args.channel.as_deref())?.value)
    } else {
        None
    };

    let mut problems = Vec::new();
    let mut leads = Vec::new();
    for l in located {
        match to_new_lead(&l.draft, default_channel.as_deref()) {
            Ok(lead) => leads.push((l.label.clone(), lead)),
            Err(msg) => problems.push(format!("{}: {msg}", l.label)),
        }
    }
    if !problems.is_empty() {
        return Err(problem_list(
            Kind::Input,
            problems,
            "fix the values and run the command again",
        )
        .into());
    }

    Ok(leads)
}

/// The client, when one is needed: to resolve property names (which needs the key, even with
/// `--public`) or to send (not for `--dry-run`).
fn client_for(
    settings: &Settings,
    args: &CreateArgs,
    needs_names: bool,
) -> Result<Option<ApiClient>> {
    Ok(if needs_names || !args.dry_run {
        if !args.public || needs_names {
            settings.require_key().map_err(|f| {
                if args.public {
                    Failure::config("resolving property names needs an API key (get_channels)")
                        .with_hint("use property definition UUIDs with --public, or provide a key")
                } else {
                    f
                }
            })?;
        }
        Some(settings.client()?)
    } else {
        None
    })
}

/// What a run with these failures comes to: success, the one error, or the partial result
/// (exit 8) that counts the leads created, not created and of unknown outcome.
pub(super) fn batch_result(
    created: usize,
    total: usize,
    mut failures: Vec<(usize, anyhow::Error)>,
    unsent: usize,
) -> Result<()> {
    if failures.is_empty() {
        return Ok(());
    }
    if total == 1 || (created == 0 && failures.len() == 1) {
        let (_, err) = failures.remove(0);
        return Err(if unsent > 0 {
            err.context(if unsent == 1 {
                "stopped; 1 more lead was not sent".to_string()
            } else {
                format!("stopped; {unsent} more leads were not sent")
            })
        } else {
            err
        });
    }
    let unknown = failures.iter().filter(|(_, e)| send::is_unknown(e)).count();
    let mut message = format!(
        "{} of {total} leads created; {} not created",
        created,
        failures.len() - unknown + unsent
    );
    if unknown > 0 {
        message.push_str(&format!(
            ", {unknown} with an unknown outcome (they may exist)"
        ));
    }
    let rows: Vec<String> = failures.iter().map(|(i, _)| (i + 1).to_string()).collect();
    let mut failure = Failure::new(Kind::Partial, message).with_hint(format!(
        "the failures are listed above (leads {}); re-send only those, and check the unknown ones \
         before re-sending them",
        rows.join(", ")
    ));
    if created == 0 {
        // Nothing landed: the first error's own class decides the exit code.
        let (_, first) = failures.remove(0);
        failure.kind = match crate::exit::exit_code(&first) {
            crate::exit::AUTH
            | crate::exit::PERMISSION
            | crate::exit::INPUT
            | crate::exit::CONFIG => {
                return Err(first.context(failure.message));
            }
            _ => Kind::Partial,
        };
    }
    Err(failure.into())
}

/// Replaces property names with their definition ids, using one `get_channels`.
fn resolve_property_names(client: &ApiClient, leads: &mut [(String, NewLead)]) -> Result<()> {
    let channels = client
        .get_channels()
        .context("looking up the channel's property names (get_channels)")?;
    let mut problems = Vec::new();
    let mut kind = Kind::Input;
    let mut numbers = false;
    for (label, lead) in leads.iter_mut() {
        let Some(channel) = find_channel(&channels, &lead.channel_id) else {
            kind = Kind::Permission;
            problems.push(format!(
                "{label}: channel {} is not among the {} this API key can access, so its \
                 property names cannot be resolved",
                lead.channel_id,
                crate::log::counted(channels.len(), "channel", "channels")
            ));
            continue;
        };
        let props = ChannelProperties::from_channel(channel);
        for p in &mut lead.properties {
            match resolve_one(channel, &p.property_definitions_id) {
                Ok(id) => {
                    if props.is_number(&id) {
                        if let Some(why) = number_problem(&p.value) {
                            numbers = true;
                            problems.push(format!(
                                "{label}: property {}: {why}",
                                crate::log::quoted(&p.property_definitions_id)
                            ));
                        }
                    }
                    p.property_definitions_id = id;
                }
                Err(msg) => problems.push(format!("{label}: {msg}")),
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        let hint = if numbers {
            "give number properties a finite number (e.g. 50000 or 1.5); property names: use \
             one of the names listed, or a property definition UUID"
        } else {
            "use one of the names listed, or a property definition UUID"
        };
        Err(problem_list(kind, problems, hint).into())
    }
}

/// The `--json` parser and checks, without I/O or network: the requests that `text` would become
/// (property names left unresolved). Public only for the fuzz targets and the bad-input tests.
#[doc(hidden)]
pub fn requests_from_json(
    text: &str,
    default_channel: Option<&str>,
) -> Result<Vec<Result<NewLead, String>>, Failure> {
    Ok(parse_json("input", text)?
        .iter()
        .map(|l| to_new_lead(&l.draft, default_channel))
        .collect())
}
