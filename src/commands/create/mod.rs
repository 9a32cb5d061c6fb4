//! `leadctl create`: one lead from flags, or several from JSON (`create_lead`, or `lead_external`
//! with `--public`). Everything is checked locally, and property names are resolved with one
//! `get_channels`, before the first lead is sent.

mod checks;
mod draft;
mod plan;
mod send;

use anyhow::{Context, Result};
use serde_json::Value;

use super::properties::problem_list;
use crate::api::models::NewLead;
use crate::api::properties::is_uuid;
use crate::api::ApiClient;
use crate::cli::CreateArgs;
use crate::error::{Failure, Kind};
use crate::log::Log;
use crate::output::Output;
use crate::settings::Settings;
use draft::{parse_json, read_json, to_new_lead, Checks, Draft, Located, PropertyDraft};

pub fn run(settings: &Settings, args: CreateArgs, out: &mut Output) -> Result<()> {
    let ci = args.ci.clone();
    let json = args.json.clone();
    let channel = args.channel.clone();
    let what = super::run_report::What {
        command: "create",
        inputs: json.iter().map(|p| p.as_path()).collect(),
        query: super::run_report::query(settings, channel.as_deref(), None, None),
        dry_run: args.dry_run,
        header_line: None,
    };
    super::run_report::around(settings, &ci, what, |recorder| {
        create(settings, args, out, &recorder)
    })
}

fn create(
    settings: &Settings,
    args: CreateArgs,
    out: &mut Output,
    recorder: &std::sync::Arc<crate::report::Recorder>,
) -> Result<()> {
    let log = settings.log();
    let located = drafts(&args, &log)?;
    // Fields given empty, per lead: cleared only with --clear-empty.
    let (leads, client, names, emptied) = requests(settings, &args, &located, &log)?;
    let action = if args.public {
        "lead_external"
    } else {
        "create_lead"
    };
    let flags = send::Flags {
        public: args.public,
        policy: crate::deliver::Policy {
            retry_unknown: args.retry_unknown,
            // A 4xx proves nothing was created: `create` sends a failed key again.
            retry_failed: true,
            update: args.update,
            force: args.force,
        },
        key: args.key.or(settings.lead_key),
        names,
        clear_empty: args.clear_empty,
        emptied,
    };
    if args.dry_run {
        if args.plan_out.is_some() {
            settings.require_key()?;
            crate::plan::needs_ledger(settings.ledger.is_some())?;
        }
        let (bodies, saved) = plan::plan_all(
            client.as_ref(),
            &leads,
            action,
            &flags,
            settings,
            args.plan_out.is_some(),
        )?;
        out.json_documents(&bodies)
            .context("writing the request bodies")?;
        if let (Some(path), Some((saved, made))) = (&args.plan_out, saved) {
            let made = crate::plan::Made {
                inputs: args.json.iter().map(|p| p.as_path()).collect(),
                ..made
            };
            crate::plan::save(path, made, saved, &log)?;
        }
        return Ok(());
    }
    let client = match client {
        Some(c) => c,
        None => client_for(settings, &args)?,
    }
    .also_observed_by(super::run_report::counting(recorder));
    send::send_all(&client, &leads, &flags, settings, out, recorder)
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

/// The requests, each with the label that names it in messages.
type Labelled = Vec<(String, NewLead)>;

/// The requests, the client that read the channels, the properties' names by ledger key, and
/// the fields each lead gives empty (`draft::emptied`).
type Requests = (
    Labelled,
    Option<ApiClient>,
    crate::deliver::write::Names,
    Vec<Vec<String>>,
);

/// The drafts checked and turned into requests, each with its label; every problem at once.
/// The channels are read (`get_channels`, once) when a channel is named by its title or a
/// property by its name (both need them), and whenever properties are given and a key is set,
/// so that values are checked by their type as `import` checks them. Returns the client that
/// read them, if any, the names of the channels' properties by ledger key (for messages), and
/// each lead's emptied fields.
fn requests(
    settings: &Settings,
    args: &CreateArgs,
    located: &[Located],
    log: &Log,
) -> Result<Requests> {
    // The default channel is needed only for leads that do not name their own.
    let needs_default =
        args.channel.is_some() || located.iter().any(|l| l.draft.channel_id.is_none());
    let default_channel = if needs_default {
        Some(settings.require_channel(args.channel.as_deref())?.value)
    } else {
        None
    };
    let separator = args.decimal_separator.or(settings.decimal_separator);

    // Everything that needs no channels first: a bad email is refused without a request.
    let offline = Checks {
        default_channel: default_channel.as_deref(),
        channels: None,
        separator,
        names_later: true,
    };
    let mut names_needed = default_channel.as_deref().is_some_and(|c| !is_uuid(c));
    let mut problems = Vec::new();
    for l in located {
        let draft = &l.draft;
        names_needed |= draft.channel_id.as_deref().is_some_and(|c| !is_uuid(c))
            || draft
                .properties
                .iter()
                .any(|p| !is_uuid(&p.property_definitions_id));
        if let Err(found) = to_new_lead(draft, &offline) {
            problems.extend(labelled(&l.label, found));
        }
    }
    fail_on(problems)?;

    let has_properties = located.iter().any(|l| !l.draft.properties.is_empty());
    let has_key = settings.require_key().is_ok();
    let client = if names_needed || (has_properties && has_key) {
        Some(reading_client(settings, args)?)
    } else {
        if has_properties {
            log.notice(
                "property values are not checked against their types: without an API key the \
                 channels cannot be read (get_channels)",
            );
        }
        None
    };
    let cache = checks::cache(settings);
    // With whether they came from the cache.
    let read = |fresh: bool| -> Result<(Option<Vec<crate::api::models::Channel>>, bool)> {
        let Some(c) = &client else {
            return Ok((None, false));
        };
        let (channels, cached) = checks::channels(cache.as_ref(), c, fresh).context(
            "reading the channels to resolve names and check property values (get_channels)",
        )?;
        Ok((Some(channels), cached))
    };
    let check = |channels: Option<&[crate::api::models::Channel]>| {
        let ctx = Checks {
            channels,
            names_later: false,
            ..offline
        };
        let mut leads = Vec::new();
        let mut emptied = Vec::new();
        let mut problems = Vec::new();
        for l in located {
            match to_new_lead(&l.draft, &ctx) {
                Ok(lead) => {
                    leads.push((l.label.clone(), lead));
                    emptied.push(draft::emptied(&l.draft, &ctx));
                }
                Err(found) => problems.extend(labelled(&l.label, found)),
            }
        }
        (leads, emptied, problems)
    };
    let (mut channels, cached) = read(false)?;
    let (mut leads, mut emptied, mut problems) = check(channels.as_deref());
    if !problems.is_empty() && cached {
        // The cached definitions may be older than what was named (a channel or a property
        // made since): judged again by the server's own, before anything is refused.
        channels = read(true)?.0;
        (leads, emptied, problems) = check(channels.as_deref());
    }
    fail_on(problems)?;
    let names = channels
        .iter()
        .flatten()
        .flat_map(|c| &c.property_definitions)
        .filter_map(|d| Some((format!("property:{}", d.id.to_lowercase()), d.name.clone()?)))
        .collect();
    Ok((leads, client, names, emptied))
}

fn labelled(label: &str, found: Vec<draft::Problem>) -> impl Iterator<Item = (String, bool)> + '_ {
    found
        .into_iter()
        .map(move |p| (format!("{label}: {}", p.message), p.permission))
}

/// Every problem in one error (exit 6; exit 5 when a channel is not accessible).
fn fail_on(problems: Vec<(String, bool)>) -> Result<(), Failure> {
    if problems.is_empty() {
        return Ok(());
    }
    let permission = problems.iter().any(|(_, p)| *p);
    let kind = if permission {
        Kind::Permission
    } else {
        Kind::Input
    };
    let hint = if permission {
        "check the channel id; `leadctl channels` lists the accessible ones"
    } else {
        "fix the values and run the command again"
    };
    Err(problem_list(
        kind,
        problems.into_iter().map(|(m, _)| m).collect(),
        hint,
    ))
}

/// The client for reading the channels, which needs the key even with `--public`.
fn reading_client(settings: &Settings, args: &CreateArgs) -> Result<ApiClient> {
    settings.require_key().map_err(|f| {
        if args.public {
            Failure::config(
                "resolving a channel title or property names needs an API key (get_channels)",
            )
            .with_hint("use the channel's and the property definitions' UUIDs with --public, or provide a key")
        } else {
            f
        }
    })?;
    Ok(settings.client()?)
}

/// The client for sending: the key is needed except for `--public`.
fn client_for(settings: &Settings, args: &CreateArgs) -> Result<ApiClient> {
    if !args.public {
        settings.require_key()?;
    }
    Ok(settings.client()?)
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

/// The `--json` parser and checks, without I/O or network: the requests that `text` would become
/// (property names left unresolved). Public only for the fuzz targets and the bad-input tests.
#[doc(hidden)]
pub fn requests_from_json(
    text: &str,
    default_channel: Option<&str>,
) -> Result<Vec<Result<NewLead, String>>, Failure> {
    let ctx = Checks {
        default_channel,
        channels: None,
        separator: None,
        names_later: false,
    };
    Ok(parse_json("input", text)?
        .iter()
        .map(|l| {
            to_new_lead(&l.draft, &ctx).map_err(|problems| {
                problems
                    .into_iter()
                    .map(|p| p.message)
                    .collect::<Vec<_>>()
                    .join("; ")
            })
        })
        .collect())
}
