//! A workbook cell as the user sees it, as text: whole numbers without `.0`, text exactly,
//! dates and times in ISO 8601 (either epoch), booleans `true`/`false`, formulas by their cached
//! value; an error value (`#N/A`) is kept apart so its row is refused naming the cell. And how a
//! cell is named in messages (`Leads!C12`, `'Q3 leads'!C12`).

use calamine::{Data, DataRef, ExcelDateTime};

/// One cell's text, or the error value it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Text {
    Value(String),
    Error(String),
}

/// A cell read through a streaming cell reader (xlsx, xlsb).
pub fn of_ref(d: &DataRef<'_>) -> Text {
    Text::Value(match d {
        DataRef::Empty => String::new(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => number(*f),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_string(),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(dt) => date_time(dt),
        DataRef::DateTimeIso(s) => iso(s),
        DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => return Text::Error(e.to_string()),
    })
}

/// A cell of a sheet read whole (xls, ods).
pub fn of_data(d: &Data) -> Text {
    Text::Value(match d {
        Data::Empty => String::new(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number(*f),
        Data::String(s) => s.clone(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => date_time(dt),
        Data::DateTimeIso(s) => iso(s),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => return Text::Error(e.to_string()),
    })
}

/// The error text of a formula cell without a computed value: the formula, `=` first (no error
/// value of a spreadsheet starts with `=`).
pub fn uncomputed(formula: &str) -> String {
    let f = formula.trim();
    let f = f.strip_prefix('=').unwrap_or(f);
    format!("={}", f.chars().take(60).collect::<String>())
}

/// What is wrong with a cell holding `error` (an error value such as `#N/A`, or an
/// `uncomputed` formula) and what to do, after the cell is named.
pub fn error_problem(error: &str) -> String {
    if error.starts_with('=') {
        format!(
            "holds the formula {} without a computed value (the workbook was written by a \
             program that does not calculate, such as openpyxl or pandas): open the workbook in \
             Excel or LibreOffice and save it, or compute the column before exporting",
            crate::log::quoted(error)
        )
    } else {
        format!(
            "holds the error value {error} (a formula that failed in the workbook); fix it \
             there, or empty the cell"
        )
    }
}

/// A number as Excel's General format shows it, to 15 significant digits, without an exponent:
/// `4512345678`, `100042`, `1200.5`, `0.3` (for 0.30000000000000004).
pub fn number(f: f64) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    if f.fract() == 0.0 && f.abs() < 1e15 {
        // Whole, and exact in an f64: no rounding, no `.0`, no `-0`.
        return format!("{}", f as i64);
    }
    let rounded: f64 = format!("{f:.14e}").parse().unwrap_or(f);
    let text = rounded.to_string();
    if text == "-0" {
        "0".to_string()
    } else {
        text
    }
}

/// A date `2024-03-15`, a date-time `2024-03-15T14:30:00` (milliseconds when there are any), a
/// time of day `14:30:00` (a value under one day with a time format), a duration `36:15:00`.
fn date_time(dt: &ExcelDateTime) -> String {
    let value = dt.as_f64();
    if dt.is_duration() {
        let total_ms = (value * 86_400_000.0).round();
        if !total_ms.is_finite() || total_ms.abs() > 1e15 {
            return number(value);
        }
        let ms = total_ms.abs() as u64;
        let sign = if total_ms < 0.0 { "-" } else { "" };
        let (h, m, s) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60);
        return format!("{sign}{h:02}:{m:02}:{s:02}");
    }
    // Outside Excel's range (before its epoch, after 9999-12-31): the number itself.
    if !(0.0..2_958_466.0).contains(&value) {
        return number(value);
    }
    let (y, mo, d, h, mi, s, ms) = dt.to_ymd_hms_milli();
    let time = if ms > 0 {
        format!("{h:02}:{mi:02}:{s:02}.{ms:03}")
    } else {
        format!("{h:02}:{mi:02}:{s:02}")
    };
    if value < 1.0 {
        return time;
    }
    if (h, mi, s, ms) == (0, 0, 0, 0) {
        format!("{y:04}-{mo:02}-{d:02}")
    } else {
        format!("{y:04}-{mo:02}-{d:02}T{time}")
    }
}

/// An OpenDocument date or date-time, as the xlsx ones read: no `T00:00:00` on a plain date.
fn iso(s: &str) -> String {
    match s.strip_suffix("T00:00:00") {
        Some(date) => date.to_string(),
        None => s.to_string(),
    }
}

/// Column letters for a 0-based index: 0 → A, 25 → Z, 26 → AA.
pub fn column_letters(index: usize) -> String {
    let mut n = index + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// A sheet name as a reference writes it: quoted when it is more than letters, digits and `_`.
pub fn sheet_ref(name: &str) -> String {
    if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        name.to_string()
    } else {
        format!("'{}'", name.replace('\'', "''"))
    }
}

/// `Leads!C12`: column `index` (0-based) of sheet row `row` (1-based).
pub fn cell_ref(sheet: &str, index: usize, row: u64) -> String {
    format!("{}!{}{row}", sheet_ref(sheet), column_letters(index))
}

#[cfg(test)]
mod tests {
    use calamine::ExcelDateTimeType;

    use super::*;

    #[test]
    fn numbers_as_excel_shows_them() {
        assert_eq!(number(4512345678.0), "4512345678");
        assert_eq!(number(100042.0), "100042");
        assert_eq!(number(1200.5), "1200.5");
        assert_eq!(number(0.1 + 0.2), "0.3");
        assert_eq!(number(-0.0), "0");
        assert_eq!(number(-3.0), "-3");
        assert_eq!(number(1e20), "100000000000000000000");
        assert_eq!(number(1234567890123456789.0), "1234567890123460000");
        assert_eq!(number(0.000001), "0.000001");
    }

    #[test]
    fn dates_in_both_epochs() {
        let dt = |v, epoch_1904| {
            date_time(&ExcelDateTime::new(
                v,
                ExcelDateTimeType::DateTime,
                epoch_1904,
            ))
        };
        // 2024-03-15 is serial 45366 in the 1900 system, 43904 in the 1904 system.
        assert_eq!(dt(45366.0, false), "2024-03-15");
        assert_eq!(dt(43904.0, true), "2024-03-15");
        assert_eq!(dt(45366.5, false), "2024-03-15T12:00:00");
        assert_eq!(dt(45366.604166666664, false), "2024-03-15T14:30:00");
        assert_eq!(dt(0.75, false), "18:00:00");
        assert_eq!(dt(-5.0, false), "-5");
        let dur = ExcelDateTime::new(1.5, ExcelDateTimeType::TimeDelta, false);
        assert_eq!(date_time(&dur), "36:00:00");
        assert_eq!(iso("2024-03-15T00:00:00"), "2024-03-15");
        assert_eq!(iso("2024-03-15T14:30:00"), "2024-03-15T14:30:00");
    }

    #[test]
    fn references() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(16383), "XFD");
        assert_eq!(cell_ref("Leads", 2, 12), "Leads!C12");
        assert_eq!(cell_ref("Q3 leads", 0, 2), "'Q3 leads'!A2");
        assert_eq!(sheet_ref("it's"), "'it''s'");
    }
}
