//! Where the ledger is: `--no-ledger`, `--ledger`, `LEADCTL_LEDGER`, the profile (a file, or a
//! `postgres://` URL with its password from the URL, `LEADCTL_LEDGER_PASSWORD_FILE` or
//! `PGPASSWORD`), the sandbox's memory, or the default file.

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
        if crate::ledger::postgres::is_postgres_url(&g.value) {
            return postgres(&g.value, env)
                .map(|t| sourced(Some(t), g.origin.clone()))
                .map_err(|why| {
                    Failure::config(format!("the ledger URL ({}) {why}", g.origin)).with_hint(
                        "the form is postgres://USER@HOST:PORT/DATABASE?sslmode=verify-full, the \
                         password in a file named by LEADCTL_LEDGER_PASSWORD_FILE (or PGPASSWORD)",
                    )
                });
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

/// A warning when `--ledger` is a PostgreSQL URL holding a password: a command line is visible
/// to every local user (`ps`, `/proc/PID/cmdline`) for as long as the run lasts.
pub fn command_line_password_warning(args: &GlobalArgs) -> Option<String> {
    let text = args.ledger.as_ref()?.to_string_lossy().into_owned();
    if !crate::ledger::postgres::is_postgres_url(&text) {
        return None;
    }
    reqwest::Url::parse(text.trim())
        .ok()?
        .password()
        .is_some()
        .then(|| {
            "the --ledger URL holds a password, which every local user can read on this \
             command line (ps, /proc) while the run lasts: put it in a file named by \
             LEADCTL_LEDGER_PASSWORD_FILE (mode 0600) and leave it out of the URL"
                .to_string()
        })
}

/// A PostgreSQL ledger's target; the password from the URL, else the file
/// `LEADCTL_LEDGER_PASSWORD_FILE` names, else `PGPASSWORD`.
fn postgres(url: &str, env: &Env) -> Result<crate::ledger::Location, String> {
    use crate::ledger::postgres::{PasswordSources, PgTarget};
    let sources = PasswordSources {
        file: env.get("LEADCTL_LEDGER_PASSWORD_FILE"),
        file_var: "LEADCTL_LEDGER_PASSWORD_FILE",
        env: env.get("PGPASSWORD"),
        default_user: env.get("PGUSER").or_else(|| env.get("USER")),
    };
    PgTarget::parse(url, &sources).map(|t| crate::ledger::Location::Postgres(Box::new(t)))
}

/// A ledger named on a command line (`ledger copy FROM TO`): a file, or a `postgres://` URL with
/// its password from the usual places and `ca_bundle` for TLS unless the URL names one.
pub fn ledger_location(
    text: &str,
    env: &Env,
    ca_bundle: Option<&std::path::Path>,
) -> Result<crate::ledger::Location, Failure> {
    use crate::ledger::Location;
    if !crate::ledger::postgres::is_postgres_url(text) {
        return Ok(Location::File(PathBuf::from(text)));
    }
    let mut location = postgres(text, env).map_err(|why| {
        Failure::usage(format!("the ledger URL {why}"))
            .with_hint("the form is postgres://USER@HOST:PORT/DATABASE?sslmode=verify-full")
    })?;
    if let Location::Postgres(t) = &mut location {
        if t.ca_bundle.is_none() {
            t.ca_bundle = ca_bundle.map(std::path::Path::to_path_buf);
        }
    }
    Ok(location)
}
