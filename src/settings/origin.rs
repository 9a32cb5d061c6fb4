//! The environment leadctl reads, and where each value came from: `Env`, `Origin`, `Sourced`,
//! and the one precedence chain (`pick`) every setting goes through.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;

use crate::cli::ColorChoice;
use crate::error::Failure;

/// The environment variables leadctl reads, captured once (tests pass their own).
#[derive(Debug, Default, Clone)]
pub struct Env(HashMap<String, String>);

impl Env {
    pub fn from_process() -> Env {
        Env(std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .filter(|(k, _)| {
                k.starts_with("LEADCTL_")
                    || [
                        "NO_COLOR",
                        "CLICOLOR_FORCE",
                        "PGPASSWORD",
                        "PGUSER",
                        "USER",
                        "GITHUB_ACTIONS",
                        "GITHUB_STEP_SUMMARY",
                        "GITHUB_OUTPUT",
                        "HOSTNAME",
                        "COMPUTERNAME",
                    ]
                    .contains(&k.as_str())
            })
            .collect())
    }

    pub fn from_pairs(pairs: &[(&str, &str)]) -> Env {
        Env(pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect())
    }

    /// A variable's value; set-but-empty counts as unset.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

/// Whether to colour a stream: `--color always|never` decides; else (`--color auto`, the default)
/// `NO_COLOR` turns colour off, `CLICOLOR_FORCE` (not `0`) turns it on, and otherwise only a
/// terminal gets colour. The same rules as clap's own colouring of help and usage errors.
pub fn use_color(choice: Option<ColorChoice>, env: &Env, is_terminal: bool) -> bool {
    match choice {
        Some(ColorChoice::Always) => true,
        Some(ColorChoice::Never) => false,
        Some(ColorChoice::Auto) | None => {
            if env.get("NO_COLOR").is_some() {
                false
            } else if env.get("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
                true
            } else {
                is_terminal
            }
        }
    }
}

/// Where a value came from, for messages and `config list`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Flag,
    Env(&'static str),
    KeyFile(PathBuf),
    Profile {
        profile: String,
        path: PathBuf,
    },
    /// The profile name from the file's top-level `default_profile`.
    DefaultProfile(PathBuf),
    Sandbox,
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Flag => f.write_str("command-line flag"),
            Origin::Env(name) => write!(f, "environment variable {name}"),
            Origin::KeyFile(path) => {
                write!(f, "key file {} (LEADCTL_API_KEY_FILE)", path.display())
            }
            Origin::Profile { profile, path } => {
                write!(f, "profile {profile:?} in {}", path.display())
            }
            Origin::DefaultProfile(path) => write!(f, "default_profile in {}", path.display()),
            Origin::Sandbox => f.write_str("the built-in sandbox"),
            Origin::Default => f.write_str("default"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Sourced<T> {
    pub value: T,
    pub origin: Origin,
}

pub(super) fn sourced<T>(value: T, origin: Origin) -> Sourced<T> {
    Sourced { value, origin }
}

/// Reads an environment variable's text into a setting's value.
pub(super) type EnvParser<T> = dyn Fn(&str) -> Result<T, Failure>;

/// The precedence chain, written once: the command-line flag, else the environment variable
/// (read with `parse`), else what `file` finds (the profile, with its origin). `None` when none
/// of them has a value: the caller's default applies. Later layers are only looked at (and only
/// fail) when the earlier ones are empty.
pub(super) fn pick<T>(
    flag: Option<T>,
    env: &Env,
    var: Option<(&'static str, &EnvParser<T>)>,
    file: impl FnOnce() -> Result<Option<(T, Origin)>, Failure>,
) -> Result<Option<Sourced<T>>, Failure> {
    if let Some(value) = flag {
        return Ok(Some(sourced(value, Origin::Flag)));
    }
    if let Some((name, parse)) = var {
        if let Some(raw) = env.get(name) {
            return Ok(Some(sourced(parse(raw)?, Origin::Env(name))));
        }
    }
    Ok(file()?.map(|(value, origin)| sourced(value, origin)))
}
