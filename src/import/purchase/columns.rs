//! A purchases file's header: which column is the lead, the amount, the purchase key, ...
//! Matched as the lead import matches (case and punctuation aside, common aliases), `--map
//! COLUMN=FIELD` first.

use super::super::mapping::normalize;

/// How a row names its lead.
pub use crate::lead::find::LeadBy;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Lead(LeadBy),
    Amount,
    Product,
    Description,
    Date,
    Triggers,
    /// The purchase's own id in the billing system (a line item's, a transaction's): its key in
    /// the ledger; two rows with one id are one purchase.
    PurchaseId,
    /// The invoice or order a row is a line of: its key with the line's position in the file.
    Invoice,
    Ignore,
}

impl Field {
    pub fn name(self) -> &'static str {
        match self {
            Field::Lead(LeadBy::Id) => "lead_id",
            Field::Lead(LeadBy::LegacyId) => "legacy_id",
            Field::Lead(LeadBy::BusinessId) => "business_id",
            Field::Lead(LeadBy::Email) => "email",
            Field::Amount => "amount",
            Field::Product => "product",
            Field::Description => "description",
            Field::Date => "date",
            Field::Triggers => "trigger_ids",
            Field::PurchaseId => "purchase_id",
            Field::Invoice => "invoice",
            Field::Ignore => "ignored",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub index: usize,
    pub header: String,
    pub field: Field,
}

/// The fields and their spellings (normalised: lowercase letters and digits).
const ALIASES: &[(Field, &[&str])] = &[
    (
        Field::Lead(LeadBy::Id),
        &["leadid", "leadsid", "lead", "leaduuid"],
    ),
    (Field::Lead(LeadBy::LegacyId), &["legacyid", "legacyleadid"]),
    (
        Field::Lead(LeadBy::BusinessId),
        &[
            "businessid",
            "crmid",
            "externalid",
            "customerid",
            "accountid",
        ],
    ),
    (
        Field::Lead(LeadBy::Email),
        &["email", "emailaddress", "mail", "customeremail"],
    ),
    (
        Field::Amount,
        &[
            "amount",
            "purchaseamount",
            "total",
            "price",
            "value",
            "revenue",
            "net",
        ],
    ),
    (
        Field::Product,
        &["product", "productname", "item", "name", "sku"],
    ),
    (
        Field::Description,
        &["description", "productdescription", "notes", "details"],
    ),
    (
        Field::Date,
        &[
            "date",
            "purchasedate",
            "orderdate",
            "invoicedate",
            "paidat",
            "createdat",
        ],
    ),
    (
        Field::Triggers,
        &["triggerids", "triggers", "trigger", "triggerid"],
    ),
    (
        Field::PurchaseId,
        &[
            "purchaseid",
            "transactionid",
            "paymentid",
            "chargeid",
            "lineitemid",
            "lineid",
            "invoicelineid",
            "invoicelineitemid",
            "invoiceitemid",
            "orderlineid",
            "orderitemid",
        ],
    ),
    (
        Field::Invoice,
        &[
            "invoice",
            "invoiceid",
            "invoicenumber",
            "invoiceno",
            "invoicenr",
            "orderid",
            "order",
            "ordernumber",
            "orderno",
            "ordernr",
        ],
    ),
];

/// The names `--map COLUMN=FIELD` takes.
pub const FIELDS: &str = "lead_id, legacy_id, business_id, email, amount, product, description, \
                          date, trigger_ids, purchase_id, invoice, ignore";

/// Whether `text` names a purchase field (a mapping file's `[columns]` value).
pub fn is_field(text: &str) -> bool {
    field_for(text).is_some()
}

fn field_for(text: &str) -> Option<Field> {
    let n = normalize(text);
    if matches!(n.as_str(), "ignore" | "skip") {
        return Some(Field::Ignore);
    }
    ALIASES
        .iter()
        .find(|(_, names)| names.contains(&n.as_str()))
        .map(|(f, _)| *f)
}

/// The columns, or every problem: unknown columns (unless `ignore_unknown`), a `--map` that
/// names no column or no field, two columns for one field.
pub fn map(
    headers: &[String],
    overrides: &[(String, String)],
    ignore_unknown: bool,
) -> Result<(Vec<Column>, Vec<String>), Vec<String>> {
    let mut errors = Vec::new();
    let mut forced = std::collections::BTreeMap::new();
    for (column, field) in overrides {
        let Some(f) = field_for(field) else {
            errors.push(format!(
                "--map {column}={field}: unknown field {}; valid: {FIELDS}",
                crate::log::quoted(field)
            ));
            continue;
        };
        match headers
            .iter()
            .position(|h| h.trim() == column.trim() || normalize(h) == normalize(column))
        {
            Some(i) => {
                forced.insert(i, f);
            }
            // Leaving out a column the file does not have loses nothing (a mapping file's
            // `ignore` list is written for many exports).
            None if f == Field::Ignore => {}
            None => errors.push(format!(
                "--map {column}={field}: no column is named {}",
                crate::log::quoted(column)
            )),
        }
    }
    let mut columns = Vec::new();
    let mut unknown = Vec::new();
    for (index, header) in headers.iter().enumerate() {
        let field = match forced.remove(&index) {
            Some(f) => Some(f),
            None if header.trim().is_empty() => Some(Field::Ignore),
            None if header.trim().starts_with("leadctl_") => Some(Field::Ignore),
            None => field_for(header),
        };
        match field {
            Some(field) => columns.push(Column {
                index,
                header: header.clone(),
                field,
            }),
            None => unknown.push(format!(
                "{} (column {})",
                crate::log::quoted(header),
                index + 1
            )),
        }
    }
    for f in ALIASES.iter().map(|(f, _)| *f) {
        let with: Vec<&Column> = columns.iter().filter(|c| c.field == f).collect();
        if with.len() > 1 {
            errors.push(format!(
                "columns {} all map to {}; keep one with --map, e.g. --map {}=ignore",
                with.iter()
                    .map(|c| crate::log::quoted(&c.header))
                    .collect::<Vec<_>>()
                    .join(" and "),
                f.name(),
                crate::log::quoted(&with[1].header)
            ));
        }
    }
    if !unknown.is_empty() && !ignore_unknown {
        errors.push(format!(
            "{} no purchase field: {}. Known fields: {FIELDS} (--map COLUMN=FIELD maps one, \
             --ignore-unknown leaves them out)",
            if unknown.len() == 1 {
                "1 column matches".to_string()
            } else {
                format!("{} columns match", unknown.len())
            },
            unknown.join(", ")
        ));
    }
    if !columns.iter().any(|c| matches!(c.field, Field::Lead(_))) {
        errors.push(format!(
            "no column names the lead: one of lead_id, legacy_id, business_id or email is needed \
             (the columns are {})",
            headers
                .iter()
                .map(|h| crate::log::quoted(h))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if errors.is_empty() {
        Ok((columns, unknown))
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(h: &[&str]) -> Vec<String> {
        h.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn billing_exports_map() {
        let (cols, _) = map(
            &headers(&[
                "Invoice No.",
                "Customer Email",
                "Total",
                "Product Name",
                "Paid At",
            ]),
            &[],
            false,
        )
        .expect("mapped");
        let fields: Vec<&str> = cols.iter().map(|c| c.field.name()).collect();
        assert_eq!(fields, ["invoice", "email", "amount", "product", "date"]);
        let e = map(&headers(&["Total", "Shoe"]), &[], false).unwrap_err();
        assert!(e[0].starts_with("1 column matches no purchase field: \"Shoe\" (column 2)"));
        assert!(e[1].starts_with("no column names the lead"));
    }
}
