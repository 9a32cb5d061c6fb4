//! From API models to a `View`: which fields each output format shows.

use serde_json::Value;

use super::{Grid, View};
use crate::api::models::{Channel, Lead, Listed, Purchase, LEAD_FIELDS};

/// Every field of a lead `-o csv` writes, in order: the id, when and where it stands, then the
/// standard fields (`LEAD_FIELDS`), then the channel.
fn csv_columns() -> Vec<&'static str> {
    let mut columns = vec!["id", "created_at", "status"];
    columns.extend_from_slice(LEAD_FIELDS);
    columns.push("channels_id");
    columns
}

fn lead_field<'a>(lead: &'a Lead, name: &str) -> Option<&'a str> {
    match name {
        "id" => Some(&lead.id),
        "created_at" => lead.created_at.as_deref(),
        "status" => lead.status.as_deref(),
        "email" => lead.email.as_deref(),
        "first_name" => lead.first_name.as_deref(),
        "last_name" => lead.last_name.as_deref(),
        "phone" => lead.phone.as_deref(),
        "company_name" => lead.company_name.as_deref(),
        "source" => lead.source.as_deref(),
        "employee" => lead.employee(),
        "notes" => lead.notes.as_deref(),
        "business_id" => lead.business_id.as_deref(),
        "channels_id" => lead.channels_id.as_deref(),
        _ => None,
    }
}

/// Property names across all leads: those the channel defines in its `order`, then any others
/// in first-seen order.
fn property_names(leads: &[Lead], order: &[String]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for lead in leads {
        for (name, _) in lead.properties() {
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    sort_by_order(&mut names, order, |n| n.as_str());
    names
}

/// Stable: items named in `order` first, in its order; the rest keep theirs.
fn sort_by_order<T>(items: &mut [T], order: &[String], name: impl Fn(&T) -> &str) {
    items.sort_by_key(|item| {
        order
            .iter()
            .position(|o| o == name(item))
            .unwrap_or(usize::MAX)
    });
}

/// A channel's property names by their definitions' `order`.
pub fn property_order(c: &Channel) -> Vec<String> {
    sorted_definitions(c)
        .into_iter()
        .filter_map(|d| d.name.clone())
        .collect()
}

fn sorted_definitions(c: &Channel) -> Vec<&crate::api::models::PropertyDefinition> {
    let mut defs: Vec<_> = c.property_definitions.iter().collect();
    defs.sort_by_key(|d| {
        d.extra
            .get("order")
            .and_then(Value::as_i64)
            .unwrap_or(i64::MAX)
    });
    defs
}

fn property_cells(lead: &Lead, names: &[String]) -> Vec<String> {
    let props = lead.properties();
    names
        .iter()
        .map(|n| {
            props
                .iter()
                .find(|(name, _)| name == n)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        })
        .collect()
}

/// The standard columns of `-o table` for leads; the custom properties follow.
const LEAD_TABLE_COLUMNS: &[&str] = &["id", "status", "email", "name", "company", "created"];

pub fn leads(leads: &[Lead], single: bool) -> View {
    leads_in(leads, single, &[])
}

/// Leads with their property columns (and rows) in `order`: the property names of their
/// channel by `order` (`property_order`).
pub fn leads_in(leads: &[Lead], single: bool, order: &[String]) -> View {
    let names = property_names(leads, order);
    let mut table = Grid::new(LEAD_TABLE_COLUMNS);
    table.columns.extend(names.iter().cloned());
    let csv_columns = csv_columns();
    let mut csv = Grid::new(&csv_columns);
    csv.columns.extend(names.iter().cloned());
    for lead in leads {
        let name = [lead.first_name.as_deref(), lead.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        let mut row = vec![
            lead.id.clone(),
            lead.status.clone().unwrap_or_default(),
            lead.email.clone().unwrap_or_default(),
            name,
            lead.company_name.clone().unwrap_or_default(),
            lead.created_at.clone().unwrap_or_default(),
        ];
        row.extend(property_cells(lead, &names));
        table.rows.push(row);
        let mut row: Vec<String> = csv_columns
            .iter()
            .map(|f| lead_field(lead, f).unwrap_or("").to_string())
            .collect();
        row.extend(property_cells(lead, &names));
        csv.rows.push(row);
    }
    let detail = match leads {
        [lead] if single => lead_detail(lead, order),
        _ => Vec::new(),
    };
    View {
        raw: leads.iter().map(|l| l.raw.clone()).collect(),
        single,
        ids: leads.iter().map(|l| l.id.clone()).collect(),
        optional: Some(LEAD_TABLE_COLUMNS.len()),
        table,
        csv,
        detail,
        sections: Vec::new(),
    }
}

fn lead_detail(lead: &Lead, order: &[String]) -> Vec<(String, String)> {
    let status_id = lead.raw.get("lead_status_id").and_then(Value::as_str);
    let rows: [(&str, Option<&str>); 15] = [
        ("ID", Some(&lead.id)),
        ("Status", lead.status.as_deref()),
        ("Status ID", status_id),
        ("Email", lead.email.as_deref()),
        ("First name", lead.first_name.as_deref()),
        ("Last name", lead.last_name.as_deref()),
        ("Company", lead.company_name.as_deref()),
        ("Phone", lead.phone.as_deref()),
        ("Source", lead.source.as_deref()),
        ("Employee", lead.employee()),
        ("Business ID", lead.business_id.as_deref()),
        ("Notes", lead.notes.as_deref()),
        ("Channel", lead.channels_id.as_deref()),
        ("Legacy ID", lead.legacy_id.as_deref()),
        ("Created", lead.created_at.as_deref()),
    ];
    let mut out: Vec<(String, String)> = rows
        .into_iter()
        .filter_map(|(label, value)| value.map(|v| (label.to_string(), v.to_string())))
        .collect();
    let mut props = lead.properties();
    sort_by_order(&mut props, order, |(n, _)| n.as_str());
    out.extend(props);
    out
}

fn yes_no(b: Option<bool>) -> String {
    match b {
        Some(true) => "yes".into(),
        Some(false) => "no".into(),
        None => String::new(),
    }
}

pub fn channels(listed: &[Listed]) -> View {
    let mut table = Grid::new(&[
        "id",
        "title",
        "currency",
        "public api",
        "properties",
        "statuses",
    ]);
    for c in listed.iter().map(|l| &l.channel) {
        table.rows.push(vec![
            c.id.clone(),
            c.title.clone().unwrap_or_default(),
            c.currency.clone().unwrap_or_default(),
            yes_no(c.no_auth_api),
            c.property_definitions.len().to_string(),
            c.lead_status.len().to_string(),
        ]);
    }
    View {
        raw: listed.iter().map(|l| l.raw.clone()).collect(),
        single: false,
        ids: listed.iter().map(|l| l.channel.id.clone()).collect(),
        table,
        ..View::default()
    }
}

/// `channels show`: metadata, then the property definitions and the statuses in order. `raw` is
/// the channel as the server sent it.
pub fn channel_detail(c: &Channel, raw: Value) -> View {
    let mut detail = vec![
        ("ID".to_string(), c.id.clone()),
        ("Title".to_string(), c.title.clone().unwrap_or_default()),
        (
            "Currency".to_string(),
            c.currency.clone().unwrap_or_default(),
        ),
        ("Public API".to_string(), yes_no(c.no_auth_api)),
    ];
    for (key, label) in [
        ("created_at", "Created"),
        ("creator", "Creator company"),
        ("referring_id", "Referring company"),
        ("receiving_id", "Receiving company"),
        ("partner_companies_id", "Partner company"),
    ] {
        if let Some(v) = c.extra.get(key).and_then(Value::as_str) {
            detail.push((label.to_string(), v.to_string()));
        }
    }
    // A select's options where the definition lists them (doc/api.md documents none).
    let any_options = c.property_definitions.iter().any(|d| d.options().is_some());
    let mut props = if any_options {
        Grid::new(&["id", "name", "type", "options"])
    } else {
        Grid::new(&["id", "name", "type"])
    };
    for d in sorted_definitions(c) {
        let mut row = vec![
            d.id.clone(),
            d.name.clone().unwrap_or_default(),
            d.kind.clone().unwrap_or_default(),
        ];
        if any_options {
            row.push(option_list(d));
        }
        props.rows.push(row);
    }
    let mut statuses = Grid::new(&["order", "id", "status"]);
    for s in sorted_statuses(c) {
        statuses.rows.push(vec![
            s.extra
                .get("order")
                .map(|o| o.to_string())
                .unwrap_or_default(),
            s.id.clone(),
            s.status.clone().unwrap_or_default(),
        ]);
    }
    let mut csv = Grid::new(&["kind", "id", "name", "type", "options"]);
    for row in &props.rows {
        csv.rows.push(vec![
            "property".into(),
            row[0].clone(),
            row[1].clone(),
            row[2].clone(),
            row.get(3).cloned().unwrap_or_default(),
        ]);
    }
    for row in &statuses.rows {
        csv.rows.push(vec![
            "status".into(),
            row[1].clone(),
            row[2].clone(),
            String::new(),
            String::new(),
        ]);
    }
    View {
        raw: vec![raw],
        single: true,
        ids: vec![c.id.clone()],
        table: Grid::default(),
        optional: None,
        csv,
        detail,
        sections: vec![
            ("Property definitions".to_string(), props),
            ("Lead statuses".to_string(), statuses),
        ],
    }
}

/// A select's options as `channels show` lists them: `EMEA, APAC`, a label in parentheses
/// (`eu (Europe)`); empty when the definition lists none.
fn option_list(d: &crate::api::models::PropertyDefinition) -> String {
    d.options()
        .unwrap_or_default()
        .iter()
        .map(|o| match &o.label {
            Some(label) => format!("{} ({label})", o.value),
            None => o.value.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A channel's lead statuses by their `order` (the rule is `api::status`'s).
pub use crate::api::status::ordered as sorted_statuses;

pub fn purchase(p: &Purchase) -> View {
    let rows: [(&str, Option<&str>); 7] = [
        ("ID", Some(&p.id)),
        ("Lead", p.leads_id.as_deref()),
        ("Product", p.name.as_deref()),
        ("Description", p.description.as_deref()),
        ("Amount", p.purchase_amount.as_deref()),
        ("Date", p.date.as_deref()),
        ("Created", p.created_at.as_deref()),
    ];
    let detail: Vec<(String, String)> = rows
        .into_iter()
        .filter_map(|(l, v)| v.map(|v| (l.to_string(), v.to_string())))
        .collect();
    let mut table = Grid::new(&[
        "id",
        "lead",
        "product",
        "description",
        "amount",
        "date",
        "created",
    ]);
    table.rows.push(vec![
        p.id.clone(),
        p.leads_id.clone().unwrap_or_default(),
        p.name.clone().unwrap_or_default(),
        p.description.clone().unwrap_or_default(),
        p.purchase_amount.clone().unwrap_or_default(),
        p.date.clone().unwrap_or_default(),
        p.created_at.clone().unwrap_or_default(),
    ]);
    View {
        raw: vec![p.raw.clone()],
        single: true,
        ids: vec![p.id.clone()],
        table,
        optional: None,
        csv: Grid::default(),
        detail,
        sections: Vec::new(),
    }
}
