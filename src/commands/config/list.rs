//! `config list`: the active profile's effective settings, each with where it came from (as
//! `Settings::resolve` decided it), then the file's profiles; as a table, CSV or JSON.

use std::path::Path;

use anyhow::{Context, Result};
use serde_json::{json, Map, Value};

use super::Ctx;
use crate::config::{self, Key, Loaded};
use crate::output::{self, Output, OutputFormat};
use crate::settings::{Origin, Settings};

/// `config list`: the active profile's effective settings with their origins, then the profiles.
pub(super) fn list(ctx: Ctx<'_>) -> Result<()> {
    let path = super::config_path(ctx.env)?;
    let loaded = config::load(Some(path.clone()))?;
    super::warn_mode(&ctx, &loaded);
    let settings = Settings::resolve(ctx.global, ctx.env, &loaded)?;
    let rows: Vec<Row> = Key::ALL
        .into_iter()
        .map(|key| {
            let (value, origin) = effective(&settings, key).unzip();
            (key, value, origin)
        })
        .collect();
    let mut out = Output::new(settings.output, ctx.out);
    let listing = Listing {
        path: &path,
        loaded: &loaded,
        settings: &settings,
        rows: &rows,
    };
    match settings.output {
        OutputFormat::Json | OutputFormat::Ndjson => list_json(&mut out, &listing),
        OutputFormat::Csv => list_csv(&mut out, &rows),
        OutputFormat::Table | OutputFormat::Id | OutputFormat::Xlsx => {
            list_table(&mut out, &listing)
        }
    }
}

/// What `config list` shows: the file, what `Settings` decided, and each key's row.
struct Listing<'a> {
    path: &'a Path,
    loaded: &'a Loaded,
    settings: &'a Settings,
    rows: &'a [Row],
}

/// One row of `config list`: a key, its effective value (masked for the key) and its origin.
type Row = (Key, Option<String>, Option<Origin>);

/// `config list -o json`: one document for scripts.
fn list_json(out: &mut Output, listing: &Listing<'_>) -> Result<()> {
    let Listing {
        path,
        loaded,
        settings,
        rows,
    } = *listing;
    let mut values = Map::new();
    for (key, value, origin) in rows {
        values.insert(
            key.name().to_string(),
            json!({"value": value, "origin": origin.as_ref().map(origin_json)}),
        );
    }
    let profiles: Map<String, Value> = loaded
        .file
        .profiles
        .keys()
        .map(|name| (name.clone(), profile_json(loaded, name)))
        .collect();
    let doc = json!({
        "config_file": path,
        "config_file_exists": path.exists(),
        "profile": settings.profile,
        "profile_origin": origin_json(&settings.origins.profile),
        "default_profile": loaded.file.default_profile,
        "settings": values,
        "profiles": profiles,
    });
    out.json_value(&doc).context("writing output")?;
    Ok(())
}

/// `config list -o csv`: key, value, source, origin.
fn list_csv(out: &mut Output, rows: &[Row]) -> Result<()> {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|(key, value, origin)| {
            vec![
                key.name().to_string(),
                value.clone().unwrap_or_default(),
                origin.as_ref().map(origin_kind).unwrap_or("").to_string(),
                origin.as_ref().map(Origin::to_string).unwrap_or_default(),
            ]
        })
        .collect();
    out.csv_rows(&["key", "value", "source", "origin"], &rows)
        .context("writing output")?;
    Ok(())
}

/// `config list` for a human: the file, the profile, the settings, then every profile.
fn list_table(out: &mut Output, listing: &Listing<'_>) -> Result<()> {
    let Listing {
        path,
        loaded,
        settings,
        rows,
    } = *listing;
    let exists = if path.exists() {
        ""
    } else {
        " (does not exist yet)"
    };
    let profile_from = match &settings.origins.profile {
        Origin::Default => "no -p, LEADCTL_PROFILE or default_profile".to_string(),
        other => format!("from {other}"),
    };
    let mut text = format!(
        "Config file: {}{exists}\nProfile:     {} ({profile_from})\n\n",
        path.display(),
        settings.profile,
    );
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|(key, value, origin)| {
            vec![
                key.name().to_string(),
                value.clone().unwrap_or_else(|| "-".into()),
                origin
                    .as_ref()
                    .map(Origin::to_string)
                    .unwrap_or_else(|| "not set".into()),
            ]
        })
        .collect();
    text.push_str(&output::columns(Some(&["KEY", "VALUE", "FROM"]), &table));
    text.push_str("\n\n");
    if loaded.file.profiles.is_empty() {
        text.push_str(
            "No profiles in the file yet: `leadctl config set-key` stores a key in \
             profile \"default\".",
        );
    } else {
        let profiles: Vec<Vec<String>> = loaded
            .file
            .profiles
            .keys()
            .map(|name| {
                let mark = if *name == settings.profile { "*" } else { "" };
                let default = if loaded.file.default_profile.as_deref() == Some(name.as_str()) {
                    "yes"
                } else {
                    ""
                };
                vec![
                    mark.to_string(),
                    name.clone(),
                    default.to_string(),
                    profile_summary(loaded, name),
                ]
            })
            .collect();
        text.push_str(&output::columns(
            Some(&["", "PROFILE", "DEFAULT", "KEYS"]),
            &profiles,
        ));
    }
    out.text(&text).context("writing output")?;
    Ok(())
}

/// A setting's effective value as shown to a human (the key masked) and where it came from.
pub(super) fn effective(settings: &Settings, key: Key) -> Option<(String, Origin)> {
    let pair = match key {
        Key::ApiKey => {
            let k = settings.api_key.as_ref()?;
            (k.value.masked(), k.origin.clone())
        }
        Key::ApiUrl => (
            settings.api_url.value.clone(),
            settings.api_url.origin.clone(),
        ),
        Key::Channel => {
            let c = settings.channel.as_ref()?;
            (c.value.clone(), c.origin.clone())
        }
        Key::Timeout => (
            seconds(settings.timeout.as_secs_f64()),
            settings.origins.timeout.clone(),
        ),
        Key::Concurrency => (
            settings.concurrency.to_string(),
            settings.origins.concurrency.clone(),
        ),
        Key::Output => {
            use clap::ValueEnum;
            let name = settings
                .output
                .to_possible_value()
                .map(|v| v.get_name().to_string())
                .unwrap_or_default();
            (name, settings.origins.output.clone())
        }
        Key::CaBundle => (
            settings.ca_bundle.as_ref()?.display().to_string(),
            settings.origins.ca_bundle.clone()?,
        ),
        Key::Ledger => (
            match &settings.ledger {
                Some(crate::ledger::Location::File(p)) => p.display().to_string(),
                Some(crate::ledger::Location::Memory) => "(in memory)".into(),
                Some(l @ crate::ledger::Location::Postgres(_)) => l.to_string(),
                None => "(none)".into(),
            },
            settings.origins.ledger.clone(),
        ),
        Key::LeadKey => (
            settings.lead_key?.as_str().to_string(),
            settings.origins.lead_key.clone()?,
        ),
        Key::DecimalSeparator => (
            settings.decimal_separator?.to_string(),
            settings.origins.decimal_separator.clone()?,
        ),
        Key::Timezone => (
            settings.timezone.clone()?,
            settings.origins.timezone.clone()?,
        ),
        Key::DateOrder => (
            settings.date_order?.to_string(),
            settings.origins.date_order.clone()?,
        ),
        Key::MaxCreate => (
            settings.limits.max_create?.to_string(),
            settings.origins.max_create.clone()?,
        ),
        Key::MaxChanges => (
            settings.limits.max_changes?.to_string(),
            settings.origins.max_changes.clone()?,
        ),
    };
    Some(pair)
}

fn seconds(s: f64) -> String {
    if s.fract() == 0.0 {
        format!("{s:.0}")
    } else {
        format!("{s}")
    }
}

/// A profile's keys as stored, the API key masked.
fn profile_values(loaded: &Loaded, name: &str) -> Vec<(Key, String)> {
    let Some(p) = loaded.file.profiles.get(name) else {
        return Vec::new();
    };
    let mut values = Vec::new();
    if let Some(k) = &p.api_key {
        values.push((Key::ApiKey, k.masked()));
    }
    if let Some(v) = &p.api_url {
        values.push((Key::ApiUrl, v.clone()));
    }
    if let Some(v) = &p.channel {
        values.push((Key::Channel, v.clone()));
    }
    if let Some(v) = p.timeout {
        values.push((Key::Timeout, seconds(v)));
    }
    if let Some(v) = p.concurrency {
        values.push((Key::Concurrency, v.to_string()));
    }
    if let Some(v) = &p.output {
        values.push((Key::Output, v.clone()));
    }
    if let Some(v) = &p.ca_bundle {
        values.push((Key::CaBundle, v.display().to_string()));
    }
    if let Some(v) = &p.ledger {
        values.push((Key::Ledger, crate::ledger::postgres::masked_url(v)));
    }
    if let Some(v) = &p.key {
        values.push((Key::LeadKey, v.clone()));
    }
    if let Some(v) = &p.decimal_separator {
        values.push((Key::DecimalSeparator, v.clone()));
    }
    if let Some(v) = &p.timezone {
        values.push((Key::Timezone, v.clone()));
    }
    if let Some(v) = &p.date_order {
        values.push((Key::DateOrder, v.clone()));
    }
    if let Some(v) = p.max_create {
        values.push((Key::MaxCreate, v.to_string()));
    }
    if let Some(v) = p.max_changes {
        values.push((Key::MaxChanges, v.to_string()));
    }
    values
}

fn profile_summary(loaded: &Loaded, name: &str) -> String {
    let values = profile_values(loaded, name);
    if values.is_empty() {
        return "(empty)".into();
    }
    values
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn profile_json(loaded: &Loaded, name: &str) -> Value {
    let values: Map<String, Value> = profile_values(loaded, name)
        .into_iter()
        .map(|(k, v)| (k.name().to_string(), Value::String(v)))
        .collect();
    json!({
        "default": loaded.file.default_profile.as_deref() == Some(name),
        "values": values,
    })
}

fn origin_kind(origin: &Origin) -> &'static str {
    match origin {
        Origin::Flag => "flag",
        Origin::Env(_) => "env",
        Origin::KeyFile(_) => "key_file",
        Origin::Profile { .. } | Origin::DefaultProfile(_) => "config_file",
        Origin::Sandbox => "sandbox",
        Origin::Default => "default",
    }
}

/// An origin for scripts: `{"source": "env", "name": "LEADCTL_API_URL", "text": "..."}`.
fn origin_json(origin: &Origin) -> Value {
    let mut v = json!({"source": origin_kind(origin), "text": origin.to_string()});
    match origin {
        Origin::Env(name) => v["name"] = json!(name),
        Origin::KeyFile(path) | Origin::DefaultProfile(path) => v["path"] = json!(path),
        Origin::Profile { profile, path } => {
            v["profile"] = json!(profile);
            v["path"] = json!(path);
        }
        _ => {}
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_for_scripts() {
        let o = origin_json(&Origin::Env("LEADCTL_API_URL"));
        assert_eq!(o["source"], "env");
        assert_eq!(o["name"], "LEADCTL_API_URL");
        assert_eq!(origin_kind(&Origin::KeyFile("/k".into())), "key_file");
        assert_eq!(seconds(30.0), "30");
        assert_eq!(seconds(2.5), "2.5");
    }
}
