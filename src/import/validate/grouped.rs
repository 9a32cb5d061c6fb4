//! The invalid rows as a person reads them: problems of one kind in one column, met on many
//! rows, are said once, with how many rows, which (as ranges) and the first as an example;
//! every distinct problem is still listed, and rare ones row by row as before. One ambiguous
//! column of a 6,673-row file is one line, not 6,673. The errors file keeps every row.

use std::collections::BTreeMap;

use super::Problem;
use crate::import::fmt_count;

/// From this many rows on, a problem is said once for them all.
const GROUP_FROM: usize = 3;

/// How many row ranges a grouped line shows before "...".
const RANGES_SHOWN: usize = 6;

/// The lines that say `problems`, in the order of their first row.
pub fn listed(problems: &[Problem]) -> Vec<String> {
    // (column, kind) → the problems of that kind, in file order.
    let mut groups: BTreeMap<(Option<usize>, String), Vec<&Problem>> = BTreeMap::new();
    for p in problems {
        groups
            .entry((p.column.as_ref().map(|c| c.0), kind(&p.message)))
            .or_default()
            .push(p);
    }
    let mut lines: Vec<(u64, usize, String)> = Vec::new();
    for (_, group) in groups {
        let mut rows: Vec<u64> = group.iter().map(|p| p.row).collect();
        rows.dedup();
        if rows.len() < GROUP_FROM {
            for p in &group {
                lines.push((p.row, lines.len(), p.to_string()));
            }
            continue;
        }
        let first = group[0];
        let column = match &first.column {
            Some((n, h)) if !h.trim().is_empty() => {
                format!("column {n} {}", crate::log::quoted(h))
            }
            Some((n, _)) => format!("column {n}"),
            None => "the row".to_string(),
        };
        lines.push((
            first.row,
            lines.len(),
            format!(
                "{column}: {} rows have this problem (rows {}), e.g. {first}",
                fmt_count(rows.len() as u64),
                ranges(&rows)
            ),
        ));
    }
    lines.sort_by_key(|(row, order, _)| (*row, *order));
    lines.into_iter().map(|(_, _, l)| l).collect()
}

/// A message with what varies from row to row taken out (quoted values, numbers): the kind of
/// problem it says.
fn kind(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut quoted = false;
    let mut digits = false;
    for c in message.chars() {
        if c == '"' {
            quoted = !quoted;
            if quoted {
                out.push_str("\"…\"");
            }
            continue;
        }
        if quoted {
            continue;
        }
        if c.is_ascii_digit() || (digits && matches!(c, '.' | ',')) {
            if !digits {
                out.push('#');
            }
            digits = true;
            continue;
        }
        digits = false;
        out.push(c);
    }
    out
}

/// Sorted row numbers as ranges: `2-6,674`, `3, 5-7, 9`; past a few, "... (N ranges)".
fn ranges(rows: &[u64]) -> String {
    let mut spans: Vec<(u64, u64)> = Vec::new();
    for &r in rows {
        match spans.last_mut() {
            Some((_, end)) if *end + 1 == r => *end = r,
            _ => spans.push((r, r)),
        }
    }
    let shown: Vec<String> = spans
        .iter()
        .take(RANGES_SHOWN)
        .map(|&(a, b)| {
            if a == b {
                fmt_count(a)
            } else {
                format!("{}-{}", fmt_count(a), fmt_count(b))
            }
        })
        .collect();
    let mut text = shown.join(", ");
    if spans.len() > RANGES_SHOWN {
        text.push_str(&format!(", ... ({} ranges)", fmt_count(spans.len() as u64)));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(row: u64, col: usize, message: &str) -> Problem {
        Problem {
            row,
            line: row + 1,
            column: Some((col, "Deal size".into())),
            message: message.into(),
            sheet: None,
        }
    }

    #[test]
    fn many_rows_of_one_kind_are_one_line_and_rare_ones_stay_rows() {
        let mut problems: Vec<Problem> = (1..=5000)
            .map(|r| {
                p(
                    r,
                    3,
                    &format!(
                        "\"{r}.500\" could be {r}.5 (decimal point) or {r}500 (decimal comma)"
                    ),
                )
            })
            .collect();
        problems.push(p(7, 2, "\"x\" is not an email address"));
        let lines = listed(&problems);
        assert_eq!(
            lines,
            [
                "column 3 \"Deal size\": 5,000 rows have this problem (rows 1-5,000), e.g. row 1 \
                 (line 2), column 3 \"Deal size\": \"1.500\" could be 1.5 (decimal point) or \
                 1500 (decimal comma)",
                "row 7 (line 8), column 2 \"Deal size\": \"x\" is not an email address",
            ]
        );
    }

    #[test]
    fn ranges_are_compact() {
        assert_eq!(ranges(&[2, 3, 4, 9, 11, 12]), "2-4, 9, 11-12");
        let many: Vec<u64> = (1..=40).map(|r| r * 2).collect();
        assert_eq!(ranges(&many), "2, 4, 6, 8, 10, 12, ... (40 ranges)");
    }
}
