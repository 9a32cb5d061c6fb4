//! `leadctl channels` and `leadctl channels show ID_OR_TITLE` (`get_channels`).

use anyhow::{Context, Result};
use serde_json::Value;

use crate::api::models::Channel;
use crate::cli::{ChannelsArgs, ChannelsCommand};
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
            let found = crate::lead::names::channel(&channels, channel)?;
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
