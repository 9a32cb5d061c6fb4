//! Where the ledger is: `--no-ledger`, `--ledger`, `LEADCTL_LEDGER`, the profile, the sandbox's
//! memory, or the default file.

use std::path::PathBuf;

use super::origin::{pick, sourced, Env, Origin, Sourced};
use crate::cli::GlobalArgs;
use crate::error::Failure;

/// `--no-ledger` > `--ledger` > `LEADCTL_LEDGER` > the profile's `ledger` > in memory for
/// `--sandbox` > the default file.
pub(super) fn resolve_ledger(
    args: &GlobalArgs,
    env: &Env,
    sandbox: bool,
    profile: impl FnOnce() -> Result<Option<(String, Origin)>, Failure>,
) -> Result<Sourced<Option<crate::ledger::Location>>, Failure> {
    use crate::ledger::Location;
    if args.no_ledger {
        return Ok(sourced(None, Origin::Flag));
    }
    let text = |v: &str| Ok(v.to_string());
    let flag = args
        .ledger
        .clone()
        .map(|p| p.to_string_lossy().into_owned());
    let given = pick(flag, env, Some(("LEADCTL_LEDGER", &text)), profile)?
        .filter(|g| !g.value.trim().is_empty());
    if let Some(g) = given {
        if g.value.starts_with("postgres://") || g.value.starts_with("postgresql://") {
            return Err(Failure::config(format!(
                "a PostgreSQL ledger ({}) is not supported by this build yet",
                g.origin
            ))
            .with_hint("use a SQLite file (--ledger PATH) on a disk the runs share"));
        }
        return Ok(sourced(
            Some(Location::File(PathBuf::from(g.value))),
            g.origin,
        ));
    }
    if sandbox {
        return Ok(sourced(Some(Location::Memory), Origin::Sandbox));
    }
    crate::ledger::default_path()
        .map(|p| sourced(Some(Location::File(p)), Origin::Default))
        .ok_or_else(|| {
            Failure::config("no home directory for the ledger's default place")
                .with_hint("pass --ledger PATH (or set LEADCTL_LEDGER)")
        })
}
