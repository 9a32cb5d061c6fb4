//! Tables on a terminal: comfy-table without borders, fitted to the terminal's width (long cells
//! cut with an ellipsis, property columns dropped last), and plain aligned columns.

use comfy_table::{presets, CellAlignment, ContentArrangement, Row, Table};

use std::io;

use super::Grid;
use crate::log::sanitize;

pub(super) fn plain_table() -> Table {
    let mut table = Table::new();
    table
        .load_style(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled);
    table
}

/// The width of the terminal on stdout: `COLUMNS` when set (as shells and tests set it), else
/// what the terminal says.
pub(super) fn terminal_width() -> Option<u16> {
    if let Some(w) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<u16>().ok())
        .filter(|w| *w > 0)
    {
        return Some(w);
    }
    terminal_size::terminal_size_of(io::stdout()).map(|(w, _)| w.0)
}

/// Narrower than this, a table is not worth fitting: it is written whole and the terminal wraps.
pub(super) const MIN_FIT_WIDTH: u16 = 20;
/// A cut column keeps at least this many characters (or its header's width, if wider).
pub(super) const MIN_COLUMN: usize = 6;

/// One line per row, cut with `…` where a cell does not fit (`width`: fitted, else whole).
pub(super) fn fit(table: &mut Table, width: Option<u16>) {
    if let Some(w) = width.filter(|w| *w >= MIN_FIT_WIDTH) {
        table
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(w)
            .set_truncation_indicator("…");
    }
}

pub(super) fn row(cells: Vec<String>, fitted: bool) -> Row {
    let mut row = Row::from(cells);
    if fitted {
        row.max_height(1);
    }
    row
}

/// Display width of a rendered line (each `char` one column; the table's own measure is the
/// same for the text it holds after `sanitize`).
pub(super) fn line_width(s: &str) -> usize {
    s.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

/// `kubectl describe` style: a label column and a value column. The bool: a value was cut.
pub(super) fn detail_table(rows: &[(String, String)], width: Option<u16>) -> (String, bool) {
    let whole = detail_table_at(rows, None);
    match width {
        Some(w) if w >= MIN_FIT_WIDTH && line_width(&whole) > usize::from(w) => {
            (detail_table_at(rows, Some(w)), true)
        }
        _ => (whole, false),
    }
}

pub(super) fn detail_table_at(rows: &[(String, String)], width: Option<u16>) -> String {
    let mut table = plain_table();
    fit(&mut table, width);
    for (label, value) in rows {
        table.add_row(row(
            vec![format!("{}:", sanitize(label)), sanitize(value)],
            width.is_some(),
        ));
    }
    if let Some(col) = table.column_mut(0) {
        col.set_cell_alignment(CellAlignment::Left);
        col.set_padding((0, 1));
    }
    if let Some(col) = table.column_mut(1) {
        col.set_padding((0, 0));
    }
    if width.is_some() {
        // The labels stay whole; the values take the rest.
        if let Some(col) = table.column_mut(0) {
            col.set_constraint(comfy_table::ColumnConstraint::ContentWidth);
        }
    }
    trim_lines(&table.to_string())
}

/// Rows under upper-case headers, columns two spaces apart. With a `width`, a table wider than
/// it drops columns from the last on down to `optional` (the custom properties) while the rest
/// would still not fit with every column cut to a few characters, then cuts long cells with `…`.
/// The bool: something was cut or left out.
pub(super) fn grid_table(
    grid: &Grid,
    optional: Option<usize>,
    width: Option<u16>,
) -> (String, bool) {
    let whole = grid_table_of(grid, None);
    let Some(w) = width.filter(|w| *w >= MIN_FIT_WIDTH) else {
        return (whole, false);
    };
    if line_width(&whole) <= usize::from(w) {
        return (whole, false);
    }
    let mut keep = grid.columns.len();
    let floor = optional.unwrap_or(keep).min(keep);
    // The narrowest the first `n` columns can be: each cut to MIN_COLUMN (or its header), two
    // spaces between them.
    let least = |n: usize| -> usize {
        (0..n)
            .map(|i| {
                let header = grid.columns[i].chars().count();
                let widest = grid
                    .rows
                    .iter()
                    .filter_map(|r| r.get(i))
                    .map(|c| sanitize(c).chars().count())
                    .max()
                    .unwrap_or(0)
                    .max(header);
                if i == 0 {
                    widest
                } else {
                    widest.min(MIN_COLUMN.max(header))
                }
            })
            .sum::<usize>()
            + 2 * n.saturating_sub(1)
    };
    while keep > floor && least(keep) > usize::from(w) {
        keep -= 1;
    }
    let shown = Grid {
        columns: grid.columns[..keep].to_vec(),
        rows: grid
            .rows
            .iter()
            .map(|r| r.iter().take(keep).cloned().collect())
            .collect(),
    };
    (grid_table_of(&shown, Some(w)), true)
}

pub(super) fn grid_table_of(grid: &Grid, width: Option<u16>) -> String {
    let mut table = plain_table();
    fit(&mut table, width);
    table.set_header(row(
        grid.columns.iter().map(|c| c.to_uppercase()).collect(),
        width.is_some(),
    ));
    for r in &grid.rows {
        table.add_row(row(
            r.iter().map(|c| sanitize(c)).collect(),
            width.is_some(),
        ));
    }
    let last = grid.columns.len().saturating_sub(1);
    for i in 0..grid.columns.len() {
        if let Some(col) = table.column_mut(i) {
            col.set_padding((0, if i == last { 0 } else { 2 }));
        }
    }
    if width.is_some() {
        // The first column is the id a further command needs: never cut it.
        if let Some(col) = table.column_mut(0) {
            col.set_constraint(comfy_table::ColumnConstraint::ContentWidth);
        }
    }
    trim_lines(&table.to_string())
}

pub(super) fn indent(text: &str, prefix: &str) -> String {
    text.lines()
        .map(|l| format!("{prefix}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Rows as aligned columns with no borders (`kubectl get` style), every cell cleaned for the
/// terminal; the header, when given, is the first line.
pub fn columns(header: Option<&[&str]>, rows: &[Vec<String>]) -> String {
    let mut table = plain_table();
    if let Some(header) = header {
        table.set_header(header.to_vec());
    }
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    for row in rows {
        table.add_row(row.iter().map(|c| sanitize(c)).collect::<Vec<_>>());
    }
    for i in 0..width {
        if let Some(col) = table.column_mut(i) {
            col.set_padding((0, 2));
        }
    }
    trim_lines(&table.to_string())
}

pub(super) fn trim_lines(s: &str) -> String {
    s.lines().map(str::trim_end).collect::<Vec<_>>().join("\n")
}
