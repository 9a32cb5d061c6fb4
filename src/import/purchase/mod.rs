//! `leadctl purchases import FILE`: one `create_purchase` per row, exactly once through the
//! ledger, by the lead import's run (check whole first, dry run, concurrency, progress, errors
//! file, results, summary, exit codes). This module is the row mapper: the columns (`columns`),
//! a row's purchase and its line's key (here, `lines`), the lead a row names (`lead`), and a row
//! decided and sent as the purchase work of `crate::purchase` (`decide`). See doc/ledger.md,
//! "Purchases".

pub mod columns;
pub mod decide;
pub mod lines;
pub mod run;

use crate::api::models::NewPurchase;
use crate::identity;
use crate::number::DecimalSeparator;

use super::read::Row;
use super::validate::Problem;
use columns::{Column, Field};

pub use crate::purchase::{fields_of, Keyed, CHANNEL};
pub use run::run;

/// A purchase's own options (the rest are the import's).
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Zero and negative amounts are sent (refunds, corrections).
    pub allow_refunds: bool,
    /// The file's decimal separator for amounts; `None`: only unambiguous amounts.
    pub decimal_separator: Option<DecimalSeparator>,
    /// The zone and day/month order of dates written without them.
    pub dates: crate::date::Rules,
}

/// Everything a row needs besides itself.
pub struct Plan {
    pub columns: Vec<Column>,
    pub header_len: usize,
    pub options: Options,
    pub leads: crate::lead::find::Resolver,
    /// The file's lines, counted as its rows go by.
    pub lines: lines::Lines,
}

impl Plan {
    /// The row's purchase and its key, or every problem with it.
    pub fn build(&self, row: &Row) -> Result<Keyed, Vec<Problem>> {
        // Every row counts for the lines after it, a bad one too.
        let (line, clash) = self.lines.see(&self.columns, row);
        let mut problems = Vec::new();
        let problem = |c: Option<&Column>, message: String| Problem {
            row: row.number,
            line: row.line,
            column: c.map(|c| (c.index + 1, c.header.clone())),
            message,
            sheet: row.sheet.clone(),
        };
        if row.fields.len() != self.header_len
            && !row
                .fields
                .get(self.header_len..)
                .is_some_and(|rest| rest.iter().all(|f| f.trim().is_empty()))
        {
            return Err(vec![problem(
                None,
                format!(
                    "has {}, but the header has {}; check for a missing or extra delimiter",
                    crate::log::counted(row.fields.len(), "field", "fields"),
                    self.header_len
                ),
            )]);
        }
        let cell = |c: &Column| row.fields.get(c.index).map(|s| s.trim()).unwrap_or("");
        let mut purchase = NewPurchase::default();
        let mut lead = None;
        if let Some(clash) = clash {
            let c = self.columns.iter().find(|c| c.field == Field::PurchaseId);
            problems.push(problem(
                c,
                format!(
                    "purchase id {} is also row {}'s, with other values: one id names one \
                     purchase; correct one of the two rows (or, if the column numbers invoices \
                     of several lines, map it with --map {})",
                    crate::log::quoted(&clash.id),
                    clash.first,
                    shlex::try_quote(&format!(
                        "{}=invoice",
                        c.map(|c| c.header.as_str()).unwrap_or("COLUMN")
                    ))
                    .unwrap_or_default()
                ),
            ));
        }
        for c in &self.columns {
            if c.field == Field::Ignore {
                continue;
            }
            if let Some((_, error)) = row.cell_errors.iter().find(|(i, _)| *i == c.index) {
                problems.push(problem(Some(c), super::read::error_problem(error)));
                continue;
            }
            let value = cell(c);
            if value.is_empty() {
                continue;
            }
            if value.contains('\0') {
                problems.push(problem(
                    Some(c),
                    "holds a NUL byte (U+0000), which the API cannot store; remove it".into(),
                ));
                continue;
            }
            match c.field {
                Field::Lead(kind) => {
                    // The first lead column with a value names the lead.
                    if lead.is_none() {
                        lead = Some((c, kind, value));
                    }
                }
                Field::Amount => match self.amount(value) {
                    Ok(n) => purchase.purchase_amount = Some(n),
                    Err(m) => problems.push(problem(Some(c), m)),
                },
                Field::Product => purchase.product_name = Some(value.to_string()),
                Field::Description => purchase.product_description = Some(value.to_string()),
                Field::Date => match crate::date::parse(value, &self.options.dates) {
                    Ok(date) => purchase.date = Some(date),
                    Err(e) => problems.push(problem(
                        Some(c),
                        format!("date {} {}", crate::log::quoted(value), e.explain()),
                    )),
                },
                Field::Triggers => {
                    for t in value.split([',', ';', ' ', '|']).filter(|t| !t.is_empty()) {
                        if crate::api::properties::is_uuid(t) {
                            purchase.trigger_ids.push(t.to_lowercase());
                        } else {
                            problems.push(problem(
                                Some(c),
                                format!(
                                    "{} is not a reward trigger id (a UUID)",
                                    crate::log::quoted(t)
                                ),
                            ));
                        }
                    }
                }
                Field::PurchaseId | Field::Invoice | Field::Ignore => {}
            }
        }
        match lead {
            None => problems.push(problem(
                None,
                "names no lead: give a lead_id, legacy_id, business_id or email".into(),
            )),
            Some((c, kind, value)) => match self.leads.resolve(kind, value) {
                Ok(id) => purchase.lead_id = id,
                Err(m) => problems.push(problem(Some(c), m)),
            },
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let fields = fields_of(&purchase);
        let hash = identity::hash_fields(&fields);
        let key = line.key(&hash);
        Ok(Keyed {
            purchase,
            fields,
            hash,
            key,
        })
    }

    /// An amount cell as the JSON number sent; zero and negative ones only with
    /// `--allow-refunds`.
    fn amount(&self, value: &str) -> Result<serde_json::Number, String> {
        let plain = crate::number::parse(value, self.options.decimal_separator)
            .map_err(|e| format!("amount {} {}", crate::log::quoted(value), e.explain()))?;
        let n: serde_json::Number = plain
            .parse()
            .map_err(|_| format!("amount {} is out of range", crate::log::quoted(value)))?;
        let negative = plain.starts_with('-');
        let zero = plain
            .trim_start_matches('-')
            .chars()
            .all(|c| c == '0' || c == '.');
        if !self.options.allow_refunds && (negative || zero) {
            return Err(format!(
                "amount {} is {}: a purchase with it still fires the channel's purchase rewards \
                 (pass --allow-refunds to record refunds and corrections)",
                crate::log::quoted(value),
                if zero { "zero" } else { "negative" }
            ));
        }
        Ok(n)
    }
}
