//! The template as an .xlsx: one sheet "Leads" with the header (bold, frozen), its lead-field
//! columns formatted as text, and a drop-down (a list data validation) on each select property
//! whose options are known, the options on a hidden sheet "Lists" (which `import` passes over).
//! Written directly with the zip crate calamine already builds: a few small XML parts, no
//! spreadsheet library in the binary.

use std::io::{Cursor, Write};

use anyhow::Result;

use super::Column;
use crate::import::read::column_letters;

const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const PKG_REL: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
const XML: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#;

/// Styles: 0 default, 1 the bold header, 2 text (number format `@`).
const STYLES: &str = r#"<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/><xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>"#;

/// The workbook's bytes.
pub fn template(columns: &[Column]) -> Result<Vec<u8>> {
    let lists: Vec<(usize, &Column)> = columns
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.options.is_empty())
        .collect();
    let mut parts: Vec<(&str, String)> = vec![
        ("[Content_Types].xml", content_types(!lists.is_empty())),
        (
            "_rels/.rels",
            format!(
                r#"{XML}<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
            ),
        ),
        ("xl/workbook.xml", workbook(!lists.is_empty())),
        (
            "xl/_rels/workbook.xml.rels",
            workbook_rels(!lists.is_empty()),
        ),
        (
            "xl/styles.xml",
            format!(r#"{XML}<styleSheet xmlns="{MAIN}">{STYLES}</styleSheet>"#),
        ),
        ("xl/worksheets/sheet1.xml", leads_sheet(columns, &lists)),
    ];
    if !lists.is_empty() {
        parts.push(("xl/worksheets/sheet2.xml", lists_sheet(&lists)));
    }
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, body) in parts {
        zip.start_file(name, zip::write::SimpleFileOptions::default())?;
        zip.write_all(body.as_bytes())?;
    }
    Ok(zip.finish()?.into_inner())
}

fn content_types(lists: bool) -> String {
    let sheet = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml";
    let second = if lists {
        format!(r#"<Override PartName="/xl/worksheets/sheet2.xml" ContentType="{sheet}"/>"#)
    } else {
        String::new()
    };
    format!(
        r#"{XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="{sheet}"/>{second}</Types>"#
    )
}

fn workbook(lists: bool) -> String {
    let second = if lists {
        r#"<sheet name="Lists" sheetId="2" state="hidden" r:id="rId2"/>"#
    } else {
        ""
    };
    format!(
        r#"{XML}<workbook xmlns="{MAIN}" xmlns:r="{REL}"><bookViews><workbookView activeTab="0"/></bookViews><sheets><sheet name="Leads" sheetId="1" r:id="rId1"/>{second}</sheets></workbook>"#
    )
}

fn workbook_rels(lists: bool) -> String {
    let second = if lists {
        format!(
            r#"<Relationship Id="rId2" Type="{REL}/worksheet" Target="worksheets/sheet2.xml"/>"#
        )
    } else {
        String::new()
    };
    format!(
        r#"{XML}<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>{second}<Relationship Id="rId3" Type="{REL}/styles" Target="styles.xml"/></Relationships>"#
    )
}

/// An inline-string cell.
fn text_cell(at: &str, text: &str, style: u8) -> String {
    let style = if style > 0 {
        format!(r#" s="{style}""#)
    } else {
        String::new()
    };
    format!(
        r#"<c r="{at}" t="inlineStr"{style}><is><t xml:space="preserve">{}</t></is></c>"#,
        escape(text)
    )
}

fn leads_sheet(columns: &[Column], lists: &[(usize, &Column)]) -> String {
    let mut cols = String::new();
    let mut header = String::new();
    for (i, c) in columns.iter().enumerate() {
        let n = i + 1;
        let width = (c.header.chars().count().max(10) + 4).min(60);
        let style = if c.text { r#" style="2""# } else { "" };
        cols.push_str(&format!(
            r#"<col min="{n}" max="{n}" width="{width}" customWidth="1"{style}/>"#
        ));
        header.push_str(&text_cell(&format!("{}1", column_letters(i)), &c.header, 1));
    }
    let mut validations = String::new();
    if !lists.is_empty() {
        validations.push_str(&format!(r#"<dataValidations count="{}">"#, lists.len()));
        for (k, (i, c)) in lists.iter().enumerate() {
            let col = column_letters(*i);
            let list = column_letters(k);
            validations.push_str(&format!(
                r#"<dataValidation type="list" allowBlank="1" showInputMessage="1" showErrorMessage="1" errorTitle="{title}" error="Choose one of the options in the list." sqref="{col}2:{col}1048576"><formula1>Lists!${list}$1:${list}${}</formula1></dataValidation>"#,
                c.options.len(),
                title = escape(&crate::log::cut(&c.header)),
            ));
        }
        validations.push_str("</dataValidations>");
    }
    let last = column_letters(columns.len().saturating_sub(1));
    format!(
        r#"{XML}<worksheet xmlns="{MAIN}" xmlns:r="{REL}"><dimension ref="A1:{last}1"/><sheetViews><sheetView tabSelected="1" workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData><row r="1">{header}</row></sheetData>{validations}</worksheet>"#
    )
}

/// Each select property's options in a column of its own.
fn lists_sheet(lists: &[(usize, &Column)]) -> String {
    let rows = lists
        .iter()
        .map(|(_, c)| c.options.len())
        .max()
        .unwrap_or(0);
    let mut data = String::new();
    for r in 0..rows {
        data.push_str(&format!(r#"<row r="{}">"#, r + 1));
        for (k, (_, c)) in lists.iter().enumerate() {
            if let Some(option) = c.options.get(r) {
                data.push_str(&text_cell(
                    &format!("{}{}", column_letters(k), r + 1),
                    option,
                    0,
                ));
            }
        }
        data.push_str("</row>");
    }
    format!(
        r#"{XML}<worksheet xmlns="{MAIN}" xmlns:r="{REL}"><sheetData>{data}</sheetData></worksheet>"#
    )
}

/// Text for XML content and attributes; characters XML 1.0 cannot hold are left out.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(ch),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(escape("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;");
    }
}
