//! What `create` asks the server before it sends, and what it remembers of the answers for a
//! while (`api::cache`, per API URL and key): the channels' definitions (`get_channels`), that
//! the ledger and the server agree (a lead the ledger recorded, found on the server), and, for
//! a few seconds, the keys of a channel's newest leads (`get_leads`). The
//! checks try once (`--timeout` bounds them: a hung server is not asked again and again before
//! the create), and run at once (`Known::ensure_with`). Why each check that is left out is safe:
//! doc/ledger.md, "Checks a `create` makes".

use std::collections::HashMap;
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::api::cache::Cache;
use crate::api::models::Channel;
use crate::api::{ApiClient, ApiError};
use crate::error::Failure;
use crate::lead::known::Skip;
use crate::lead::once::{lookup, Keyed};
use crate::ledger::{Filter, Ledger, State};
use crate::settings::Settings;

/// The cache of this API URL and key, when there is a key and the cache is on.
pub(super) fn cache(settings: &Settings) -> Option<Cache> {
    let at = settings.check_cache.as_ref()?;
    let key = settings.api_key.as_ref()?;
    Some(Cache::new(at, &settings.api_url.value, &key.value))
}

/// The client for the checks: no retry starts once `--timeout` has passed since a check began
/// (a hung server is asked once; a refused connection is tried again while time is left).
pub(super) fn client(client: &ApiClient) -> ApiClient {
    client.clone().with_budget(client.timeout())
}

/// The channels with their definitions, and whether they came from the cache: cached (unless
/// `fresh`), else read, and cached.
pub(super) fn channels(
    cache: Option<&Cache>,
    client: &ApiClient,
    fresh: bool,
) -> Result<(Vec<Channel>, bool), ApiError> {
    const NAME: &str = "get_channels";
    if let Some(channels) = cache
        .filter(|_| !fresh)
        .and_then(|c| c.get(NAME))
        .and_then(|v| serde_json::from_value(v).ok())
    {
        return Ok((channels, true));
    }
    let channels = self::client(client).get_channels()?;
    if let (Some(c), Ok(value)) = (cache, serde_json::to_value(&channels)) {
        c.put(NAME, value);
    }
    Ok((channels, false))
}

/// The cache's name for "this ledger and the server agree in this channel" (a hash: the
/// ledger's location may name a database).
fn agreed(ledger: &Ledger, scope_url: &str, channel: &str) -> String {
    let mut hash = Sha256::new();
    for part in [&ledger.location().to_string(), scope_url, channel] {
        hash.update(part.as_bytes());
        hash.update([0u8]);
    }
    let digest = hash.finalize();
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("agrees {hex}")
}

/// What a lead's checks may leave out: the agreement of ledger and server when it was found
/// a short while ago, and the newest leads when the ledger knows the lead's key and holds no
/// key of the channel whose outcome is open (unknown or sending: those are settled by the
/// newest leads).
pub(super) fn skip(
    cache: Option<&Cache>,
    ledger: &Ledger,
    scope_url: &str,
    k: &Keyed,
) -> Result<Skip, Failure> {
    let same_server = agrees(cache, ledger, scope_url, &k.channel);
    let known = lookup(ledger, scope_url, k)?.0.is_some();
    let window = known && !any_open(ledger, scope_url, &k.channel)?;
    Ok(Skip {
        same_server,
        window,
    })
}

/// Remembers that the ledger and the server agree in this channel.
pub(super) fn remember(cache: Option<&Cache>, ledger: &Ledger, scope_url: &str, channel: &str) {
    if let Some(c) = cache {
        c.put(
            &agreed(ledger, scope_url, channel),
            serde_json::Value::Bool(true),
        );
    }
}

/// Forgets it (a lead the ledger recorded was not found).
pub(super) fn doubt(cache: Option<&Cache>, ledger: &Ledger, scope_url: &str, channel: &str) {
    if let Some(c) = cache {
        c.put(&agreed(ledger, scope_url, channel), serde_json::Value::Null);
    }
}

/// Whether the cache says they agree (a `null` is a doubt).
pub(super) fn agrees(
    cache: Option<&Cache>,
    ledger: &Ledger,
    scope_url: &str,
    channel: &str,
) -> bool {
    cache
        .and_then(|c| c.get(&agreed(ledger, scope_url, channel)))
        .is_some_and(|v| v == serde_json::Value::Bool(true))
}

/// The keys of a channel's newest leads (lead ids by key), and how long ago they were read.
pub(super) type Earlier = (HashMap<String, String>, Duration);

/// The cache's name for a channel's newest leads.
fn window_name(channel: &str) -> String {
    format!("newest leads {channel}")
}

/// The keys of a channel's newest leads (lead ids) as an earlier `create` read them less than
/// `LEADCTL_WINDOW_CACHE` seconds ago, with their age: only while the ledger holds no key of the
/// channel whose outcome is open (those are settled with a fresh read).
pub(super) fn window(
    cache: Option<&Cache>,
    ledger: &Ledger,
    scope_url: &str,
    channel: &str,
) -> Result<Option<Earlier>, Failure> {
    let Some(c) = cache.filter(|c| !c.window_ttl().is_zero()) else {
        return Ok(None);
    };
    let Some((value, age)) = c.get_within(&window_name(channel), c.window_ttl()) else {
        return Ok(None);
    };
    let Ok(keys) = serde_json::from_value::<HashMap<String, String>>(value) else {
        return Ok(None);
    };
    if any_open(ledger, scope_url, channel)? {
        return Ok(None);
    }
    Ok(Some((keys, age)))
}

/// Remembers the keys of a channel's newest leads, read now.
pub(super) fn remember_window(
    cache: Option<&Cache>,
    channel: &str,
    keys: &HashMap<String, String>,
) {
    if let (Some(c), Ok(value)) = (
        cache.filter(|c| !c.window_ttl().is_zero()),
        serde_json::to_value(keys),
    ) {
        c.put(&window_name(channel), value);
    }
}

/// Adds a lead this process just created to the channel's newest leads as remembered (while they
/// are fresh, keeping when they were read): a later `create` on another ledger, or without one,
/// that trusts them then knows this lead too.
pub(super) fn created(cache: Option<&Cache>, channel: &str, lead: &crate::api::models::Lead) {
    let Some(c) = cache.filter(|c| !c.window_ttl().is_zero()) else {
        return;
    };
    let keys = crate::identity::server_keys(lead.business_id.as_deref(), lead.email.as_deref());
    if keys.is_empty() {
        return;
    }
    c.amend(&window_name(channel), c.window_ttl(), |value| {
        if let Some(map) = value.as_object_mut() {
            for key in keys {
                map.entry(key)
                    .or_insert_with(|| serde_json::Value::from(lead.id.clone()));
            }
        }
    });
}

/// Whether the ledger holds a key of this channel whose outcome is open.
fn any_open(ledger: &Ledger, scope_url: &str, channel: &str) -> Result<bool, Failure> {
    for state in [State::Unknown, State::Sending] {
        let filter = Filter {
            api_url: Some(scope_url.to_string()),
            channel: Some(channel.to_string()),
            state: Some(state),
            ..Filter::default()
        };
        let mut found = false;
        // The callback's error only stops the reading at the first one.
        match ledger.for_each(&filter, &mut |_| {
            found = true;
            Err("found".into())
        }) {
            Err(_) if found => return Ok(true),
            Err(e) => return Err(e),
            Ok(()) if found => return Ok(true),
            Ok(()) => {}
        }
    }
    Ok(false)
}
