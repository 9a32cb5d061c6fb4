//! What a column feeds besides its own cell: a value map (`emea` → `EMEA`), columns that stand
//! in where its cell is empty (HubSpot's "Mobile Phone Number" for "Phone Number"), and a
//! constant (`--set`). Read per row by `Column::cell`.

use std::collections::HashMap;
use std::sync::Arc;

use crate::import::read::Row;

/// A column's value map: cells matched ignoring case and surrounding or repeated spaces.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValueMap {
    map: HashMap<String, String>,
    /// In the order given, for saving.
    pub pairs: Vec<(String, String)>,
}

impl ValueMap {
    pub fn new(pairs: Vec<(String, String)>) -> ValueMap {
        let map = pairs
            .iter()
            .map(|(from, to)| (key(from), to.clone()))
            .collect();
        ValueMap { map, pairs }
    }

    /// The value sent for `cell` (itself when the map does not name it).
    pub fn apply<'a>(&'a self, cell: &'a str) -> &'a str {
        if self.map.is_empty() {
            return cell;
        }
        self.map.get(&key(cell)).map_or(cell, String::as_str)
    }
}

fn key(value: &str) -> String {
    value
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A cell standing in for a column's empty one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandIn {
    pub index: usize,
    pub header: String,
    pub values: Option<Arc<ValueMap>>,
}

/// Everything about a column besides its own cell.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extra {
    pub values: Option<Arc<ValueMap>>,
    pub stand_ins: Vec<StandIn>,
    /// `--set`: the value when the cells are empty.
    pub constant: Option<String>,
    /// Said beside the column in the mapping on stderr (why it is left out, what it stands in
    /// for).
    pub note: Option<String>,
}

impl Extra {
    /// The value for a row whose own cell (trimmed) is `own`.
    pub fn value<'a>(&'a self, own: &'a str, row: &'a Row) -> &'a str {
        if !own.is_empty() {
            return self.values.as_deref().map_or(own, |m| m.apply(own));
        }
        for s in &self.stand_ins {
            let cell = row.fields.get(s.index).map_or("", |f| f.trim());
            if !cell.is_empty() {
                return s.values.as_deref().map_or(cell, |m| m.apply(cell));
            }
        }
        self.constant.as_deref().unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_maps_match_loosely_and_stand_ins_fill_empty_cells() {
        let m = ValueMap::new(vec![
            ("emea".into(), "EMEA".into()),
            ("Closed  Won".into(), "Won".into()),
        ]);
        assert_eq!(m.apply("Emea"), "EMEA");
        assert_eq!(m.apply("closed won"), "Won");
        assert_eq!(m.apply("APAC"), "APAC");
        let row = Row {
            number: 1,
            line: 2,
            fields: vec!["".into(), " +1 555 ".into(), "".into()],
            undecodable: vec![],
            sheet: None,
            cell_errors: Vec::new(),
        };
        let extra = Extra {
            stand_ins: vec![
                StandIn {
                    index: 2,
                    header: "c".into(),
                    values: None,
                },
                StandIn {
                    index: 1,
                    header: "b".into(),
                    values: None,
                },
            ],
            constant: Some("fallback".into()),
            ..Extra::default()
        };
        assert_eq!(extra.value("", &row), "+1 555");
        assert_eq!(extra.value("own", &row), "own");
        let constant = Extra {
            constant: Some("HubSpot".into()),
            ..Extra::default()
        };
        assert_eq!(constant.value("", &row), "HubSpot");
    }
}
