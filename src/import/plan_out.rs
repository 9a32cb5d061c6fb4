//! An import's side of `--dry-run --plan-out FILE` (the plan itself: `crate::plan`): what it
//! needs before anything is read, and what it records of the query it was made from.

use super::Services;
use crate::error::Failure;
use crate::plan::needs_ledger;
use crate::saved_plan::QuerySource;

/// What a saved plan needs before anything is read: the API key (a plan is decided against the
/// server) and the ledger (what `apply` goes by).
pub fn check(services: &Services<'_>) -> Result<(), Failure> {
    services.key.clone()?;
    needs_ledger(services.ledger.is_some())
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
