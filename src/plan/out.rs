//! A plan saved for `leadctl apply` (`saved_plan`, the format; doc/plan.md): the writes kept
//! while planning ([`Saved`]), and the file written with what the plan was made of ([`Made`]:
//! the API URL's scope, the ledger's location, the inputs' names, sizes and checksums, a query's
//! database and the SQL's checksum). Never the API key or a password.

use std::path::Path;

use serde_json::Value;

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

/// The writes of a plan to save (`--plan-out`), and the actions it cannot save.
#[derive(Debug, Default)]
pub struct Saved {
    pub writes: Vec<crate::saved_plan::Write>,
    /// Planned writes `apply` does not run (`lead_external`), by action.
    pub unsupported: std::collections::BTreeMap<String, u64>,
}

impl Saved {
    /// One planned write of `row`, with its key (`None`: a write a plan cannot hold yet).
    pub fn keep(&mut self, row: u64, key: Option<crate::saved_plan::PlanKey>, body: &Value) {
        let action = body
            .get("action")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        match key {
            Some(k) => self.writes.push(crate::saved_plan::Write {
                expect: crate::saved_plan::Expect::of(&k),
                action,
                channel: k.channel,
                key: k.key,
                hash: k.hash,
                fields: k.fields,
                row,
                body: body.clone(),
            }),
            None => *self.unsupported.entry(action).or_default() += 1,
        }
    }
}
