//! `leadctl channels` and `leadctl channels show ID_OR_TITLE` (`get_channels`).

use anyhow::{Context, Result};
use serde_json::Value;

use super::properties::closest;
use crate::api::models::Channel;
use crate::api::properties::find_channel;
use crate::cli::{ChannelsArgs, ChannelsCommand};
use crate::error::Failure;
use crate::output::{views, Output};
use crate::settings::Settings;

pub fn run(settings: &Settings, args: &ChannelsArgs, out: &mut Output) -> Result<()> {
    settings.require_key()?;
    let client = settings.client()?;
    let listed = client
        .get_channels_listed()
        .context("listing channels (get_channels)")?;
    match &args.command {
        None => {
            if listed.is_empty() {
                settings
                    .log()
                    .notice("this API key's company is on no channel yet");
            }
            out.view(&views::channels(&listed))?;
        }
        Some(ChannelsCommand::Show { channel }) => {
            let channels: Vec<Channel> = listed.iter().map(|l| l.channel.clone()).collect();
            let found = find(&channels, channel)?;
            let raw = listed
                .iter()
                .find(|l| l.channel.id == found.id)
                .map(|l| l.raw.clone())
                .unwrap_or(Value::Null);
            out.view(&views::channel_detail(found, raw))?;
        }
    }
    Ok(())
}

/// A channel by id, else by title (case-insensitive); several titles matching is an error.
pub fn find<'a>(channels: &'a [Channel], wanted: &str) -> Result<&'a Channel, Failure> {
    let wanted_trim = wanted.trim();
    if let Some(c) = find_channel(channels, wanted_trim) {
        return Ok(c);
    }
    let lower = wanted_trim.to_lowercase();
    let by_title: Vec<&Channel> = channels
        .iter()
        .filter(|c| {
            c.title
                .as_deref()
                .is_some_and(|t| t.trim().to_lowercase() == lower)
        })
        .collect();
    match by_title.as_slice() {
        [one] => Ok(one),
        [] => {
            let titles: Vec<&str> = channels.iter().filter_map(|c| c.title.as_deref()).collect();
            let mut failure = Failure::input(format!(
                "no channel with the id or title {wanted:?} among the {} this key can access",
                crate::log::counted(channels.len(), "channel", "channels")
            ));
            failure.hint = Some(match closest(wanted, &titles) {
                Some(t) => format!("did you mean {t:?}? `leadctl channels` lists them all"),
                None => "`leadctl channels` lists them all".to_string(),
            });
            Err(failure)
        }
        several => Err(Failure::input(format!(
            "{} channels are titled {wanted:?}: {}",
            several.len(),
            several
                .iter()
                .map(|c| c.label())
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .with_hint("name the channel by its id")),
    }
}
