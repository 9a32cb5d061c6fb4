//! The status column of a lead import: the status a row names, resolved on its channel before
//! anything is sent (`api::status::resolve`: by id, or by name case-insensitively when
//! unambiguous). Moving the lead there is `lead::moves`.

use super::mapping::Target;
use super::read::Row;
use super::validate::{self, Plan, Problem};
use crate::api::models::NewLead;

pub use crate::lead::status::Wanted;

/// The row's lead and the status it names (`None`: no status column, or an empty cell), or
/// every problem with the row.
pub fn build(plan: &Plan, row: &Row) -> Result<(NewLead, Option<Wanted>), Vec<Problem>> {
    let Some(column) = plan.columns.iter().find(|c| c.target == Target::Status) else {
        return validate::build(plan, row).map(|lead| (lead, None));
    };
    // Through the column's value map, stand-ins and `--set` constant, as every other cell.
    let value = column.cell(row);
    let built = validate::build(plan, row);
    if value.is_empty() {
        return built.map(|lead| (lead, None));
    }
    let problem = |message: String| Problem {
        row: row.number,
        line: row.line,
        column: Some((column.index + 1, column.header.clone())),
        message,
        sheet: row.sheet.clone(),
    };
    let channel = match &built {
        Ok(lead) => Some(lead.channel_id.trim().to_lowercase()),
        // A row with other problems has its status checked too (all of a row's problems are
        // said at once); without a channel it cannot be, and the row's problems say why.
        Err(_) => validate::channel_of(plan, row).map(|c| c.to_lowercase()),
    };
    let wanted = channel.map(|c| match plan.statuses.get(&c) {
        None => Err(problem(format!(
            "the statuses of channel {c} are not known (it is not among the channels this API \
             key can access)"
        ))),
        Some(ch) => match (crate::api::status::resolve(ch, value), finals(plan, ch)) {
            (Ok(_), Err(why)) => Err(problem(why)),
            (Ok(s), Ok(finals)) => Ok(Wanted {
                finals,
                id: s.id.clone(),
                name: s.status.clone().unwrap_or_else(|| s.id.clone()),
                by_id: crate::api::properties::is_uuid(value),
                first: crate::api::status::first(ch).is_some_and(|f| f.id == s.id),
                later: crate::api::status::ordered(ch)
                    .into_iter()
                    .skip_while(|o| o.id != s.id)
                    .skip(1)
                    .map(|o| {
                        (
                            o.id.clone(),
                            o.status.clone().unwrap_or_else(|| o.id.clone()),
                        )
                    })
                    .collect(),
            }),
            (Err(e @ crate::api::status::StatusError::Unknown { .. }), _) => Err(problem(format!(
                "{e}; translate a CRM's own stages with a [values.{}] table in a --mapping \
                 file, or leave statuses alone with --map {}",
                toml_key(&column.header),
                shell_word(&format!("{}=ignore", column.header)),
            ))),
            (Err(e), _) => Err(problem(e.to_string())),
        },
    });
    match (built, wanted) {
        (Ok(lead), Some(Ok(w))) => Ok((lead, Some(w))),
        (Ok(_), Some(Err(p))) => Err(vec![p]),
        (Ok(lead), None) => Ok((lead, None)),
        (Err(mut problems), Some(Err(p))) => {
            problems.push(p);
            Err(problems)
        }
        (Err(problems), _) => Err(problems),
    }
}

/// The channel's statuses the run's `[fields.status] final = [...]` names, (id, name); a name
/// the channel does not have is said as the row's problem.
fn finals(plan: &Plan, ch: &crate::api::models::Channel) -> Result<Vec<(String, String)>, String> {
    let Some(rules) = plan.writes.as_deref() else {
        return Ok(Vec::new());
    };
    rules
        .status_final
        .iter()
        .map(|name| {
            crate::api::status::resolve(ch, name)
                .map(|s| {
                    (
                        s.id.clone(),
                        s.status.clone().unwrap_or_else(|| s.id.clone()),
                    )
                })
                .map_err(|e| {
                    format!(
                        "the mapping file's [fields.status] final names a status this lead's \
                         channel does not have: {e}"
                    )
                })
        })
        .collect()
}

/// A header as a TOML table key: bare when it can be, else quoted.
fn toml_key(header: &str) -> String {
    if !header.is_empty()
        && header
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        header.to_string()
    } else {
        format!("\"{}\"", header.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// A header as one word of a shell command line (`'Lead Status'`).
fn shell_word(header: &str) -> String {
    shlex::try_quote(header).map_or_else(|_| header.to_string(), |q| q.into_owned())
}
