//! A bulk run's per-row results on stdout, as they come, in the format chosen with `-o`
//! (`stream`): a row's number, its outcome, the lead it concerns and what happened in words.
//! Every command that streams rows writes them here: `import`, `purchases import`, `apply`.

use serde::Serialize;

use super::stream::ItemStream;
use super::Output;
use crate::deliver::Outcome;

/// One row's result line: `row`, `outcome`, `lead_id`, `message` (what happened, in words) and
/// `error` (the same text, kept for one release for readers of the old name; CHANGELOG).
#[derive(Debug, Clone)]
pub struct RowResult {
    pub row: u64,
    pub outcome: Outcome,
    pub lead_id: Option<String>,
    /// The outcome's text (printed as `message`, and as `error` for one release).
    pub error: Option<String>,
    /// The original cells, for the errors file (not printed).
    pub fields: Vec<String>,
    /// The row's ledger key when the run knew it (for the run report; not printed).
    pub key: Option<String>,
}

impl RowResult {
    /// A row's result with nothing more to say than its outcome (no lead id, text, cells or key).
    pub fn new(row: u64, outcome: Outcome) -> RowResult {
        RowResult {
            row,
            outcome,
            lead_id: None,
            error: None,
            fields: Vec::new(),
            key: None,
        }
    }
}

impl Serialize for RowResult {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("RowResult", 5)?;
        st.serialize_field("row", &self.row)?;
        st.serialize_field("outcome", &self.outcome)?;
        st.serialize_field("lead_id", &self.lead_id)?;
        st.serialize_field("error", &self.error)?;
        st.serialize_field("message", &self.error)?;
        st.end()
    }
}

/// The results' CSV columns (`error` before `message`: the old order, one column added).
const RESULT_COLUMNS: [&str; 5] = ["row", "outcome", "lead_id", "error", "message"];

/// Per-row results on stdout in the chosen format (`output::stream`).
pub struct ResultPrinter {
    stream: ItemStream,
}

impl ResultPrinter {
    pub fn new() -> ResultPrinter {
        ResultPrinter {
            stream: ItemStream::new(&RESULT_COLUMNS),
        }
    }

    pub fn print(&mut self, out: &mut Output, r: &RowResult) -> std::io::Result<()> {
        let cells = || {
            let text = r.error.clone().unwrap_or_default();
            vec![
                r.row.to_string(),
                r.outcome.as_str().to_string(),
                r.lead_id.clone().unwrap_or_default(),
                text.clone(),
                text,
            ]
        };
        self.stream.item(out, r, cells, r.lead_id.as_deref())?;
        Ok(())
    }

    pub fn finish(&mut self, out: &mut Output) -> std::io::Result<()> {
        self.stream.finish(out)
    }
}

impl Default for ResultPrinter {
    fn default() -> ResultPrinter {
        ResultPrinter::new()
    }
}
