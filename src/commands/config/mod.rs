//! `leadctl config ...`: show where the file is and where every setting comes from, and change
//! the file (`set`, `unset`, `use`, `set-key`). Precedence is `Settings`'s business: `list` shows
//! what `Settings::resolve` decided, it never re-implements the order.
//!
//! The API key is only ever shown masked (last four characters), and `set-key` is the only way in:
//! from stdin, or a no-echo prompt on a terminal, never from an argument.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};

mod list;

use list::effective;

use crate::cli::{ConfigCommand, GlobalArgs};
use crate::config::{self, Editable, Key, Loaded};
use crate::error::Failure;
use crate::log::Log;
use crate::secret::ApiKey;
use crate::settings::{self, Env, Origin, Settings};

/// What a config command needs from outside: the flags, the environment, the stderr log, stdout,
/// and how to read a key (stdin, or a no-echo prompt on a terminal) for `set-key`.
pub struct Ctx<'a> {
    pub global: &'a GlobalArgs,
    pub env: &'a Env,
    pub log: &'a Log,
    pub out: Box<dyn Write>,
    /// Called with the prompt text; returns what the user typed or piped in.
    pub read_key: &'a mut dyn FnMut(&str) -> std::io::Result<String>,
}

pub fn run(cmd: &ConfigCommand, ctx: Ctx<'_>) -> Result<()> {
    match cmd {
        ConfigCommand::Path => path(ctx),
        ConfigCommand::List => list::list(ctx),
        ConfigCommand::Get { key, show_secret } => get(ctx, key, *show_secret),
        ConfigCommand::Set { key, value } => set(ctx, key, value),
        ConfigCommand::Unset { key } => unset(ctx, key),
        ConfigCommand::Use { name } => use_profile(ctx, name.as_deref()),
        ConfigCommand::SetKey => set_key(ctx),
    }
}

fn config_path(env: &Env) -> Result<PathBuf, Failure> {
    config::path(env.get("LEADCTL_CONFIG")).ok_or_else(|| {
        Failure::config("cannot find a config directory (no home directory)")
            .with_hint("set LEADCTL_CONFIG to the config file's path")
    })
}

/// `config path`: works whatever state the file is in (it is never read).
fn path(mut ctx: Ctx<'_>) -> Result<()> {
    let path = config_path(ctx.env)?;
    writeln!(ctx.out, "{}", path.display()).context("writing output")?;
    if !path.exists() {
        ctx.log
            .notice("the file does not exist yet; `leadctl config set` or `set-key` creates it");
    }
    Ok(())
}

/// The file opened for editing, with the model `Settings` reads and the profile to work on.
struct Opened {
    doc: Editable,
    loaded: Loaded,
    profile: String,
    profile_origin: Origin,
}

fn open(ctx: &Ctx<'_>) -> Result<Opened, Failure> {
    let path = config_path(ctx.env)?;
    let doc = Editable::open(&path)?;
    let loaded = Loaded {
        path: Some(path),
        file: doc.model()?,
    };
    let (profile, profile_origin) = settings::profile_name(ctx.global, ctx.env, &loaded);
    Ok(Opened {
        doc,
        loaded,
        profile,
        profile_origin,
    })
}

impl Opened {
    /// The profile must exist, except the implicit `default` of a file that has none.
    fn require_profile(&self) -> Result<(), Failure> {
        if self.doc.has_profile(&self.profile) || self.profile_origin == Origin::Default {
            Ok(())
        } else {
            Err(settings::unknown_profile(&self.profile, &self.loaded))
        }
    }

    fn where_(&self) -> String {
        format!("profile {:?} of {}", self.profile, self.doc.path.display())
    }
}

/// `config get KEY`: the value stored in the profile. Not set: nothing on stdout, exit 0, and
/// a note on stderr saying what is used instead.
fn get(mut ctx: Ctx<'_>, key: &str, show_secret: bool) -> Result<()> {
    let key = Key::parse(key)?;
    let opened = open(&ctx)?;
    warn_mode(&ctx, &opened.loaded);
    opened.require_profile()?;
    match opened.doc.get(&opened.profile, key) {
        Some(value) => {
            let text = match (key, value.as_str()) {
                (Key::ApiKey, Some(k)) => ApiKey::new(k).masked(),
                (Key::Ledger, Some(s)) if !show_secret => crate::ledger::postgres::masked_url(s),
                (_, Some(s)) => s.to_string(),
                (_, None) => value.clone().decorated("", "").to_string(),
            };
            writeln!(ctx.out, "{text}").context("writing output")?;
        }
        None => {
            let effective = match effective_now(&ctx, &opened.loaded, key) {
                Some((value, origin)) => format!("; in effect: {value} ({origin})"),
                None => String::new(),
            };
            ctx.log.notice(&format!(
                "{key} is not set in {}{effective}",
                opened.where_()
            ));
            return Ok(());
        }
    }
    note_override(&ctx, &opened.loaded, &opened.profile, key);
    Ok(())
}

/// `config set KEY VALUE`: checked before the file is touched.
fn set(ctx: Ctx<'_>, key: &str, value: &str) -> Result<()> {
    let key = Key::parse(key)?;
    let resolved;
    let value = if key == Key::Channel && !crate::api::properties::is_uuid(value) {
        resolved = channel_by_title(&ctx, value)?;
        resolved.as_str()
    } else {
        value
    };
    let checked = key.check(value)?;
    let mut opened = open(&ctx)?;
    for warning in &checked.warnings {
        ctx.log.warn(warning);
    }
    let created = opened.doc.set(&opened.profile, key, checked.value);
    opened.doc.save()?;
    ctx.log.notice(&format!(
        "set {key} in {}{}",
        opened.where_(),
        if created { " (new profile)" } else { "" }
    ));
    let loaded = Loaded {
        path: opened.loaded.path.clone(),
        file: opened.doc.model()?,
    };
    note_override(&ctx, &loaded, &opened.profile, key);
    Ok(())
}

/// `config set channel TITLE`: the channel's id, found by its title through `get_channels` with
/// this profile's key and URL (flags and environment applying), as every command finds it
/// (`lead::names::channel`). The id is what is stored: a title can change.
fn channel_by_title(ctx: &Ctx<'_>, title: &str) -> Result<String> {
    let path = config_path(ctx.env)?;
    let loaded = config::load(Some(path))?;
    let settings = Settings::resolve(ctx.global, ctx.env, &loaded)?;
    if settings.sandbox {
        return Err(Failure::usage(
            "config set channel with --sandbox: the sandbox's channels are not this profile's",
        )
        .with_hint("give the channel's UUID, or drop --sandbox")
        .into());
    }
    settings.require_key().map_err(|f| {
        Failure::config(format!(
            "{} is not a channel id, and finding a channel by its title needs an API key \
             (get_channels)",
            crate::log::quoted(title.trim())
        ))
        .with_hint(format!(
            "give the channel's UUID (`leadctl channels` lists them), or {}",
            f.hint.as_deref().unwrap_or("set an API key first")
        ))
    })?;
    let channels = settings
        .client()?
        .get_channels()
        .context("looking up the channel by its title (get_channels)")?;
    let found = crate::lead::names::channel(&channels, title)?;
    ctx.log.notice(&format!("channel {}", found.label()));
    Ok(found.id.clone())
}

fn unset(ctx: Ctx<'_>, key: &str) -> Result<()> {
    let key = Key::parse(key)?;
    let mut opened = open(&ctx)?;
    opened.require_profile()?;
    if opened.doc.unset(&opened.profile, key) {
        opened.doc.save()?;
        ctx.log
            .notice(&format!("removed {key} from {}", opened.where_()));
    } else {
        warn_mode(&ctx, &opened.loaded);
        ctx.log
            .notice(&format!("{key} was not set in {}", opened.where_()));
    }
    Ok(())
}

/// `config use PROFILE`: sets `default_profile`; the profile must exist.
fn use_profile(ctx: Ctx<'_>, name: Option<&str>) -> Result<()> {
    let name = match (name, ctx.global.profile.as_deref()) {
        (Some(a), Some(b)) if a != b => {
            return Err(Failure::usage(format!(
                "two different profiles given: {a:?} and --profile {b:?}"
            ))
            .into())
        }
        (Some(n), _) | (None, Some(n)) => n.to_string(),
        (None, None) => {
            return Err(Failure::usage("which profile? `leadctl config use PROFILE`").into())
        }
    };
    let mut opened = open(&ctx)?;
    if !opened.doc.has_profile(&name) {
        return Err(settings::unknown_profile(&name, &opened.loaded).into());
    }
    opened.doc.set_default_profile(&name);
    opened.doc.save()?;
    ctx.log.notice(&format!(
        "default profile is now {name:?} ({})",
        opened.doc.path.display()
    ));
    if let Some(p) = ctx.env.get("LEADCTL_PROFILE").filter(|p| *p != name) {
        ctx.log.warn(&format!(
            "LEADCTL_PROFILE={p} is set in this environment and takes precedence over \
             default_profile"
        ));
    }
    Ok(())
}

/// `config set-key`: the key from stdin or a no-echo prompt, checked to be a UUID (else exit 6,
/// without echoing what was read), stored in the profile.
fn set_key(ctx: Ctx<'_>) -> Result<()> {
    // The file first: typing a key only to hear the file is broken would be a waste.
    let mut opened = open(&ctx)?;
    let prompt = format!("API key for profile {:?} (input hidden): ", opened.profile);
    let raw = (ctx.read_key)(&prompt).map_err(|e| {
        Failure::input(format!("cannot read the API key: {e}")).with_hint(
            "pipe it in (`leadctl config set-key < FILE`) or run on a terminal to be prompted",
        )
    })?;
    let key = ApiKey::new(raw);
    if key.is_empty() {
        return Err(Failure::input("no API key was given; nothing was saved")
            .with_hint(
                "pipe it in (`leadctl config set-key < FILE`) or run on a terminal to be prompted",
            )
            .into());
    }
    if !key.looks_valid() {
        // What was read is not shown, not even masked: it may be some other secret pasted by mistake.
        return Err(Failure::input(
            "what was read is not a KeenPartner API key (keys are UUIDs, 36 characters like \
             0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a); nothing was saved",
        )
        .with_hint(
            "copy the key again from the KeenPartner web app (Settings > API keys); a file \
             must hold the key alone, on one line",
        )
        .into());
    }
    let created = opened.doc.set(
        &opened.profile,
        Key::ApiKey,
        toml_edit::Value::from(key.expose()),
    );
    opened.doc.save()?;
    ctx.log.notice(&format!(
        "saved the API key {} in {}{}; the file is readable by you only (mode 0600)",
        key.masked(),
        opened.where_(),
        if created { " (a new profile)" } else { "" }
    ));
    for var in ["LEADCTL_API_KEY", "LEADCTL_API_KEY_FILE"] {
        if ctx.env.get(var).is_some() {
            ctx.log.warn(&format!(
                "{var} is set in this environment and takes precedence over the saved key"
            ));
            break;
        }
    }
    Ok(())
}

/// The key-file permission warning, for commands that read the file without rewriting it (a
/// rewrite makes it 0600 anyway).
fn warn_mode(ctx: &Ctx<'_>, loaded: &Loaded) {
    if let Some(w) = config::permission_warning(loaded) {
        ctx.log.warn(&w);
    }
}

/// The effective value for this run, when the settings resolve at all.
fn effective_now(ctx: &Ctx<'_>, loaded: &Loaded, key: Key) -> Option<(String, Origin)> {
    let settings = Settings::resolve(ctx.global, ctx.env, loaded).ok()?;
    effective(&settings, key)
}

/// After `get`/`set`: say so when a flag or an environment variable overrides the profile's value
/// for this run (the mistake AWS CLI users make: a stale variable silently winning).
fn note_override(ctx: &Ctx<'_>, loaded: &Loaded, profile: &str, key: Key) {
    let Ok(settings) = Settings::resolve(ctx.global, ctx.env, loaded) else {
        return;
    };
    if settings.profile != profile {
        return;
    }
    if let Some((value, origin)) = effective(&settings, key) {
        if matches!(
            origin,
            Origin::Flag | Origin::Env(_) | Origin::KeyFile(_) | Origin::Sandbox
        ) {
            ctx.log.warn(&format!(
                "{key} from {origin} ({value}) takes precedence over the profile's value"
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::OutputFormat;
    use serde_json::Value;

    const KEY: &str = "0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a";

    use crate::output::Captured as Buf;

    /// Runs a config command against a file in a temporary directory.
    fn run_cmd(
        cmd: ConfigCommand,
        file: &std::path::Path,
        global: GlobalArgs,
        key_input: &str,
    ) -> (Result<()>, String) {
        let env = Env::from_pairs(&[("LEADCTL_CONFIG", file.to_str().unwrap())]);
        let log = Log::new(true, 0, false);
        let buf = Buf::default();
        let input = key_input.to_string();
        let mut read_key = move |_: &str| Ok(input.clone());
        let result = run(
            &cmd,
            Ctx {
                global: &global,
                env: &env,
                log: &log,
                out: Box::new(buf.clone()),
                read_key: &mut read_key,
            },
        );
        (result, buf.text())
    }

    fn code(r: &Result<()>) -> u8 {
        crate::exit::exit_code(r.as_ref().unwrap_err())
    }

    #[test]
    fn set_get_unset_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        let g = GlobalArgs::default();
        let set = |k: &str, v: &str| ConfigCommand::Set {
            key: k.into(),
            value: v.into(),
        };
        let get = |k: &str| ConfigCommand::Get {
            key: k.into(),
            show_secret: false,
        };
        run_cmd(set("timeout", "2.5"), &file, g.clone(), "")
            .0
            .unwrap();
        assert_eq!(run_cmd(get("timeout"), &file, g.clone(), "").1, "2.5\n");
        run_cmd(set("OUTPUT", "JSON"), &file, g.clone(), "")
            .0
            .unwrap();
        assert_eq!(run_cmd(get("output"), &file, g.clone(), "").1, "json\n");
        run_cmd(
            ConfigCommand::Unset {
                key: "timeout".into(),
            },
            &file,
            g.clone(),
            "",
        )
        .0
        .unwrap();
        assert_eq!(run_cmd(get("timeout"), &file, g.clone(), "").1, "");
        let text = std::fs::read_to_string(&file).unwrap();
        assert_eq!(text, "[profiles.default]\noutput = \"json\"\n");
    }

    #[test]
    fn set_key_stores_a_uuid_and_refuses_anything_else() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        let g = GlobalArgs {
            profile: Some("ci".into()),
            ..GlobalArgs::default()
        };
        let (r, _) = run_cmd(ConfigCommand::SetKey, &file, g.clone(), "not-a-key\n");
        assert_eq!(code(&r), 6);
        assert!(!file.exists(), "nothing is written for a refused key");
        let (r, _) = run_cmd(ConfigCommand::SetKey, &file, g.clone(), "  \n");
        assert_eq!(code(&r), 6);
        run_cmd(ConfigCommand::SetKey, &file, g.clone(), &format!("{KEY}\n"))
            .0
            .unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        assert_eq!(text, format!("[profiles.ci]\napi_key = \"{KEY}\"\n"));
        let (_, out) = run_cmd(
            ConfigCommand::Get {
                key: "api_key".into(),
                show_secret: false,
            },
            &file,
            g,
            "",
        );
        assert_eq!(out, "****2b1a\n");
    }

    #[test]
    fn use_needs_an_existing_profile() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "[profiles.prod]\ntimeout = 5\n").unwrap();
        let g = GlobalArgs::default();
        let (r, _) = run_cmd(
            ConfigCommand::Use {
                name: Some("staging".into()),
            },
            &file,
            g.clone(),
            "",
        );
        assert_eq!(code(&r), 3);
        let f = r.unwrap_err();
        let f = f.downcast_ref::<Failure>().unwrap();
        assert_eq!(f.hint.as_deref(), Some("profiles there: prod"));
        run_cmd(
            ConfigCommand::Use {
                name: Some("prod".into()),
            },
            &file,
            g.clone(),
            "",
        )
        .0
        .unwrap();
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "default_profile = \"prod\"\n[profiles.prod]\ntimeout = 5\n"
        );
        let (r, _) = run_cmd(ConfigCommand::Use { name: None }, &file, g, "");
        assert_eq!(code(&r), 2);
    }

    #[test]
    fn list_json_masks_keys_and_names_origins() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(
            &file,
            format!("[profiles.default]\napi_key = \"{KEY}\"\ntimeout = 7\n"),
        )
        .unwrap();
        let g = GlobalArgs {
            output: Some(OutputFormat::Json),
            ..GlobalArgs::default()
        };
        let (r, out) = run_cmd(ConfigCommand::List, &file, g, "");
        r.unwrap();
        assert!(!out.contains(KEY), "{out}");
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["settings"]["api_key"]["value"], "****2b1a");
        assert_eq!(v["settings"]["api_key"]["origin"]["source"], "config_file");
        assert_eq!(v["settings"]["timeout"]["value"], "7");
        assert_eq!(v["settings"]["output"]["origin"]["source"], "flag");
        assert_eq!(v["settings"]["concurrency"]["origin"]["source"], "default");
        assert_eq!(v["settings"]["channel"]["value"], Value::Null);
        assert_eq!(v["profiles"]["default"]["values"]["api_key"], "****2b1a");
    }
}
