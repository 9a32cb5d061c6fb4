//! A title block above the header (a Salesforce report: `Report: Leads by Owner`, a date line, a
//! blank line, then the column names): when the first row's columns cannot be mapped, the rows
//! below are looked at for the real header, so the error says `--header-row N` with its N
//! instead of `--map`. Only a hint: nothing is read past the rows looked at, nothing is guessed
//! into the import itself.

use super::Rows;

/// Rows looked at below the first.
const LOOK: usize = 30;

/// The line (CSV) or sheet row (workbook) of the first row below `header` that names clearly
/// more columns than every row above it (at least two, more than twice as many as any above):
/// the header under a title block. `rows` is positioned after `header` and is used up.
pub fn header_below(header: &[String], rows: &mut Rows) -> Option<u64> {
    let filled = |cells: &[String]| cells.iter().filter(|c| !c.trim().is_empty()).count();
    let mut most_above = filled(header);
    for _ in 0..LOOK {
        let row = rows.next_row_ref().ok()??;
        let n = filled(&row.fields);
        if n >= 2 && n > 2 * most_above {
            return Some(row.line);
        }
        most_above = most_above.max(n);
    }
    None
}

/// The hint that replaces `--map`'s when the header looks to sit below a title block.
pub fn hint(line: u64, workbook: bool) -> String {
    let at = if workbook { "row" } else { "line" };
    format!(
        "the first row looks like a title, and the column names like they are on {at} {line}: \
         pass --header-row {line}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::read::{open, Source};

    fn found(text: &str) -> Option<u64> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.csv");
        std::fs::write(&path, text).unwrap();
        let mut rows = Rows::new(open(&Source::File(path), None, None).unwrap());
        let header = rows.header().unwrap().unwrap();
        header_below(&header.fields, &mut rows)
    }

    #[test]
    fn a_title_block_points_at_the_header_below_it() {
        // Salesforce: a title, a date line, a blank line, then the header (line 4).
        assert_eq!(
            found(
                "Report: Leads by Owner\nAs of 06/01/2024\n\nFirst Name,Last Name,Email\na,b,c\n"
            ),
            Some(4)
        );
        // Excel pads a title row with delimiters.
        assert_eq!(
            found("Leads Q3,,,\n,,,\nEmail,Name,Phone,Company\n"),
            Some(3)
        );
        // A one-column file, a normal file: nothing to say.
        assert_eq!(found("Email\na@example.com\nb@example.com\n"), None);
        assert_eq!(found("Email,Name\na@example.com,A\n"), None);
        assert_eq!(found("Shoe size,Email\n42,a@example.com\n"), None);
    }
}
