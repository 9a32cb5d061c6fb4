//! The active profile: its name, where the name came from, and the error for one that is not
//! in the file.

use super::origin::{pick, Env, Origin};
use crate::cli::GlobalArgs;
use crate::config::{Loaded, Profile};
use crate::error::Failure;

/// The active profile's name and where it came from: `-p/--profile` > `LEADCTL_PROFILE` > the
/// file's `default_profile` > `default`. The profile need not exist (`config set` creates it).
pub fn profile_name(args: &GlobalArgs, env: &Env, config: &Loaded) -> (String, Origin) {
    let text = |v: &str| Ok(v.to_string());
    let default_profile = || {
        let origin = Origin::DefaultProfile(config.path.clone().unwrap_or_default());
        Ok(config.file.default_profile.clone().map(|p| (p, origin)))
    };
    match pick(
        args.profile.clone(),
        env,
        Some(("LEADCTL_PROFILE", &text)),
        default_profile,
    ) {
        Ok(Some(name)) => (name.value, name.origin),
        // Nothing here can fail: no value is parsed.
        Ok(None) | Err(_) => ("default".to_string(), Origin::Default),
    }
}

/// The error for a profile that is named but not in the file, listing the ones that are.
pub fn unknown_profile(name: &str, config: &Loaded) -> Failure {
    let known: Vec<&str> = config.file.profiles.keys().map(String::as_str).collect();
    let path = config
        .path
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "the config file".into());
    Failure::config(format!("unknown profile {name:?} (not in {path})")).with_hint(
        if known.is_empty() {
            "the config file has no profiles yet; create one with `leadctl config set-key \
             --profile NAME` or `leadctl config set --profile NAME KEY VALUE`"
                .to_string()
        } else {
            format!("profiles there: {}", known.join(", "))
        },
    )
}

pub(super) fn select_profile(
    args: &GlobalArgs,
    env: &Env,
    config: &Loaded,
) -> Result<(String, Origin, Profile), Failure> {
    let (name, origin) = profile_name(args, env, config);
    match config.file.profiles.get(&name) {
        Some(p) => Ok((name, origin, p.clone())),
        None if origin == Origin::Default => Ok((name, origin, Profile::default())),
        None => Err(unknown_profile(&name, config)),
    }
}
