//! Which purchase a row is: its key. A purchase is a line of an invoice, so a row's key is its
//! own purchase id when the file has one (a line item's or a transaction's), else its invoice
//! (or order) id plus the line's position among that invoice's rows in the file, else its values
//! plus its position among the rows with the same values. So two lines of one invoice are two
//! purchases, the same file imported again records nothing more, and a line added to an invoice
//! later records that line only. See doc/ledger.md, "Purchases".
//!
//! Keys (the first line keeps the key the previous release gave it):
//! - `purchase:id:<purchase id>`
//! - `purchase:id:<invoice>` (its first line), `purchase:line:<n>:<invoice>` (line n ≥ 2)
//! - `purchase:row:<hash>` (the first such row), `purchase:row:<hash>:<n>` (the n-th, n ≥ 2)

use std::collections::HashMap;
use std::sync::Mutex;

use super::super::read::Row;
use super::columns::{Column, Field};

/// What a row's key is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// The row's own purchase id.
    Id(String),
    /// The n-th line (from 1) of an invoice.
    Invoice(String, u64),
    /// The n-th row (from 1) with these values.
    Row(u64),
}

impl Line {
    /// The ledger key; `hash` is the hash of the fields sent.
    pub fn key(&self, hash: &str) -> String {
        match self {
            Line::Id(id) => format!("purchase:id:{id}"),
            Line::Invoice(id, 1) => format!("purchase:id:{id}"),
            Line::Invoice(id, n) => format!("purchase:line:{n}:{id}"),
            Line::Row(1) => format!("purchase:row:{hash}"),
            Line::Row(n) => format!("purchase:row:{hash}:{n}"),
        }
    }
}

/// A row whose purchase id an earlier row has, with other values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clash {
    pub id: String,
    pub first: u64,
}

#[derive(Default)]
struct Seen {
    /// Row number → its line (rows are seen once each, in file order, maybe in several passes).
    by_row: HashMap<u64, (Line, Option<Clash>)>,
    /// Invoice id or row values → how many rows of it were seen.
    counts: HashMap<String, u64>,
    /// Purchase id → the first row with it and that row's values.
    ids: HashMap<String, (u64, String)>,
}

/// The lines of one file, counted as its rows go by: every row of the file must be seen, in
/// order, before a later one's line is asked (`see` on each row; the check pass and the file's
/// first read do).
#[derive(Default)]
pub struct Lines {
    seen: Mutex<Seen>,
}

impl Lines {
    /// The row's line, counting it if this is its first sight; with the earlier row whose
    /// purchase id it shares with other values, if any.
    pub fn see(&self, columns: &[Column], row: &Row) -> (Line, Option<Clash>) {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(known) = seen.by_row.get(&row.number) {
            return known.clone();
        }
        let cell = |f: Field| {
            columns
                .iter()
                .find(|c| c.field == f)
                .and_then(|c| row.fields.get(c.index))
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
        };
        let values = columns
            .iter()
            .filter(|c| c.field != Field::Ignore)
            .map(|c| row.fields.get(c.index).map(|s| s.trim()).unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\u{1f}");
        let found = if let Some(id) = cell(Field::PurchaseId) {
            let id = id.to_string();
            let clash = match seen.ids.get(&id) {
                Some((first, v)) if *v != values => Some(Clash {
                    id: id.clone(),
                    first: *first,
                }),
                Some(_) => None,
                None => {
                    seen.ids.insert(id.clone(), (row.number, values));
                    None
                }
            };
            (Line::Id(id), clash)
        } else {
            let group = match cell(Field::Invoice) {
                Some(invoice) => format!("i\u{1f}{invoice}"),
                None => format!("v\u{1f}{values}"),
            };
            let n = seen.counts.entry(group).or_insert(0);
            *n += 1;
            let n = *n;
            match cell(Field::Invoice) {
                Some(invoice) => (Line::Invoice(invoice.to_string(), n), None),
                None => (Line::Row(n), None),
            }
        };
        seen.by_row.insert(row.number, found.clone());
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns(headers: &[&str]) -> Vec<Column> {
        let h: Vec<String> = headers.iter().map(|s| s.to_string()).collect();
        super::super::columns::map(&h, &[], false)
            .expect("mapped")
            .0
    }

    fn row(number: u64, cells: &[&str]) -> Row {
        Row {
            number,
            line: number + 1,
            fields: cells.iter().map(|s| s.to_string()).collect(),
            undecodable: Vec::new(),
            sheet: None,
            cell_errors: Vec::new(),
        }
    }

    #[test]
    fn lines_of_an_invoice_are_counted_in_file_order_once() {
        let c = columns(&["Invoice Number", "Customer ID", "Product", "Amount"]);
        let lines = Lines::default();
        let a = row(1, &["INV-1", "C-1", "Pro", "1000"]);
        let b = row(2, &["INV-1", "C-1", "Setup", "500"]);
        let d = row(3, &["INV-2", "C-1", "Pro", "1000"]);
        assert_eq!(lines.see(&c, &a).0, Line::Invoice("INV-1".into(), 1));
        assert_eq!(lines.see(&c, &b).0, Line::Invoice("INV-1".into(), 2));
        assert_eq!(lines.see(&c, &d).0, Line::Invoice("INV-2".into(), 1));
        // A second pass asks again: the same answers.
        assert_eq!(lines.see(&c, &b).0, Line::Invoice("INV-1".into(), 2));
        assert_eq!(lines.see(&c, &a).0.key("h"), "purchase:id:INV-1");
        assert_eq!(lines.see(&c, &b).0.key("h"), "purchase:line:2:INV-1");
    }

    #[test]
    fn identical_rows_without_ids_are_told_apart_by_occurrence() {
        let c = columns(&["Customer ID", "Amount"]);
        let lines = Lines::default();
        let keys: Vec<String> = (1..=3)
            .map(|n| lines.see(&c, &row(n, &["C-1", "10"])).0.key("h"))
            .collect();
        assert_eq!(
            keys,
            ["purchase:row:h", "purchase:row:h:2", "purchase:row:h:3"]
        );
        let other = lines.see(&c, &row(4, &["C-1", "11"])).0;
        assert_eq!(other, Line::Row(1));
    }

    #[test]
    fn one_purchase_id_with_other_values_is_a_clash_naming_the_first_row() {
        let c = columns(&["Transaction ID", "Customer ID", "Amount"]);
        let lines = Lines::default();
        assert_eq!(lines.see(&c, &row(1, &["T-1", "C-1", "10"])).1, None);
        assert_eq!(lines.see(&c, &row(2, &["T-1", "C-1", "10"])).1, None);
        assert_eq!(
            lines.see(&c, &row(3, &["T-1", "C-1", "12"])).1,
            Some(Clash {
                id: "T-1".into(),
                first: 1
            })
        );
    }
}
