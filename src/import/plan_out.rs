//! `--dry-run --plan-out FILE`: the dry run's plan saved for `leadctl apply` (`saved_plan`, the
//! format; doc/plan.md): the API URL's scope, the ledger's location, the input's name, size and
//! checksum (a query's database and the SQL's checksum), and each planned write with its ledger
//! key and exact body. Never the API key or a password.

use std::path::Path;

use super::plan::Saved;
use super::Services;
use crate::error::Failure;
use crate::log::Log;
use crate::report::Input;
use crate::saved_plan::{checksum, QuerySource, SavedPlan, KIND, SCHEMA};

/// What a plan is made of besides its writes.
pub struct Made<'a> {
    /// `import`, `purchases import`, `create`.
    pub command: &'a str,
    /// The scope the plan was decided in (the server behind the API URL).
    pub scope_url: String,
    /// The files read (none for `create` from flags, nor for a query).
    pub inputs: Vec<&'a Path>,
    /// The query read (`--query ... --from URL`), if any.
    pub query: Option<QuerySource>,
    /// The plan's counts in words.
    pub summary: String,
    /// The ledger's location (a password masked).
    pub ledger: Option<String>,
}

/// What a saved plan needs before anything is read: the API key (a plan is decided against the
/// server) and the ledger (what `apply` goes by).
pub fn check(services: &Services<'_>) -> Result<(), Failure> {
    services.key.clone()?;
    needs_ledger(services.ledger.is_some())
}

/// `--plan-out` without a ledger: refused (exit 2).
pub fn needs_ledger(has_ledger: bool) -> Result<(), Failure> {
    if !has_ledger {
        return Err(Failure::usage(
            "--plan-out needs the ledger: a saved plan is applied through it, exactly once",
        )
        .with_hint("drop --no-ledger"));
    }
    Ok(())
}

/// Saves the plan atomically; a plan holding writes `apply` does not run (`lead_external`) is
/// not saved (exit 2), and says so.
pub fn save(path: &Path, made: Made<'_>, saved: Saved, log: &Log) -> Result<(), Failure> {
    if !saved.unsupported.is_empty() {
        let list: Vec<String> = saved
            .unsupported
            .iter()
            .map(|(action, n)| format!("{n} {action}"))
            .collect();
        return Err(Failure::usage(format!(
            "the plan was not saved to {}: it holds {}, which apply does not run",
            path.display(),
            list.join(", ")
        ))
        .with_hint(
            "run the command itself (its dry run above shows what it will send), or plan without \
             --public",
        ));
    }
    let plan = SavedPlan {
        kind: KIND.to_string(),
        schema: SCHEMA,
        leadctl: env!("CARGO_PKG_VERSION").to_string(),
        created: crate::time::now_rfc3339(),
        command: made.command.to_string(),
        api_url: made.scope_url,
        ledger: made.ledger,
        inputs: made.inputs.into_iter().map(Input::of).collect(),
        query: made.query,
        summary: made.summary,
        checksum: checksum(&saved.writes),
        writes: saved.writes,
    };
    plan.save(path)?;
    let n = plan.writes.len();
    log.notice(&format!(
        "plan saved to {}: {n} {} (apply it with `leadctl apply {}`)",
        path.display(),
        if n == 1 { "write" } else { "writes" },
        path.display()
    ));
    Ok(())
}

/// What a plan records of the query it was made from, if any: the database as shown (password
/// masked), where the SQL came from, the SQL's checksum, and how many rows it returned.
pub fn query_source(
    q: Option<&super::query::Query>,
    source: &super::read::Source,
) -> Option<QuerySource> {
    let q = q?;
    let rows = match source {
        super::read::Source::Query(s) => s.rows,
        _ => 0,
    };
    Some(QuerySource {
        from: q.from.shown(),
        origin: q.origin.clone(),
        sha256: crate::report::Input::sha256_of(q.sql.as_bytes()),
        rows,
    })
}
