//! What the mapping does once each header has its target: value maps onto their columns,
//! lower-tier columns as stand-ins, `--set` constants, and two columns for one field refused.

use std::collections::BTreeMap;

use super::*;

/// Attaches each value map to its column; a map for a column the input lacks is a note.
pub(super) fn attach_values(headers: &[String], values: &[Values], m: &mut Mapping) {
    for v in values {
        let named = columns_named(headers, &v.column);
        let Some(column) = m.columns.iter_mut().find(|c| named.contains(&c.index)) else {
            m.notes.push(format!(
                "{}: no column is named {}, so its value map is not used",
                v.origin,
                crate::log::quoted(&v.column)
            ));
            continue;
        };
        column.extra_mut().values = Some(v.map.clone());
    }
}

/// Several columns named after one field by its aliases: when one has the best tier, it feeds
/// the field and the others stand in, in tier and column order, where its cell is empty. Columns
/// of one tier stay doubled (an error that asks to choose).
pub(super) fn stand_ins(columns: &mut [Column], tiers: &BTreeMap<usize, u8>) {
    let mut by_field: BTreeMap<&'static str, Vec<usize>> = BTreeMap::new();
    for (pos, c) in columns.iter().enumerate() {
        if let (Target::Field(f), "alias" | "name") = (&c.target, c.how) {
            by_field.entry(f).or_default().push(pos);
        }
    }
    for (field, mut positions) in by_field {
        if positions.len() < 2 {
            continue;
        }
        let tier = |pos: &usize| tiers.get(&columns[*pos].index).copied().unwrap_or(1);
        positions.sort_by_key(|p| (tier(p), *p));
        if tier(&positions[0]) == tier(&positions[1]) {
            continue;
        }
        let primary = positions[0];
        let primary_header = crate::log::quoted(&columns[primary].header);
        let mut list = Vec::new();
        for &pos in &positions[1..] {
            let c = &mut columns[pos];
            c.target = Target::Ignore;
            c.how = "stand-in";
            let values = c.extra.as_ref().and_then(|e| e.values.clone());
            c.extra_mut().note = Some(format!("{field} where {primary_header} is empty"));
            list.push(StandIn {
                index: c.index,
                header: c.header.clone(),
                values,
            });
        }
        columns[primary].extra_mut().stand_ins = list;
    }
}

/// A whole-name column is left out, with a note, when first or last name have columns of their
/// own (they say it better).
pub(super) fn full_name(columns: &mut [Column]) {
    let own = columns
        .iter()
        .any(|c| matches!(c.target, Target::Field(f) if f == "first_name" || f == "last_name"));
    if !own {
        return;
    }
    for c in columns.iter_mut() {
        if c.target == Target::Field(super::FULL_NAME) {
            c.target = Target::Ignore;
            c.how = "known";
            c.extra_mut().note =
                Some("a whole name: first and last name come from their own columns".into());
        }
    }
}

/// Each constant goes to the column feeding its field (used where that column's cell is
/// empty), else to a column of its own after the header's.
pub(super) fn add_constants(header_len: usize, constants: &[Constant], m: &mut Mapping) {
    for k in constants {
        let target = match parse_target(&k.field) {
            Ok(t @ (Target::Field(_) | Target::Property(_) | Target::Status)) => t,
            Ok(Target::Channel) => {
                m.errors.push(format!(
                    "{}: the channel is set with --channel, not --set",
                    k.origin
                ));
                continue;
            }
            Ok(Target::Ignore) => {
                m.errors.push(format!(
                    "{}: --set needs a lead field or property:NAME; valid: {}, property:NAME_OR_UUID",
                    k.origin,
                    FIELDS.join(", ")
                ));
                continue;
            }
            Err(e) => {
                m.errors.push(format!("{}: {e}", k.origin));
                continue;
            }
        };
        let value = k.value.trim().to_string();
        if let Some(c) = m
            .columns
            .iter_mut()
            .find(|c| c.target.key() == target.key())
        {
            c.extra_mut().constant = Some(value);
            continue;
        }
        let index = header_len + m.columns.iter().filter(|c| c.is_constant_only()).count();
        let mut c = Column::new(
            index,
            format!("--set {}", target.spelled()),
            target,
            "--set",
        );
        c.extra_mut().constant = Some(value);
        m.columns.push(c);
    }
}

/// Two columns feeding one field would make one of them silently lost: each such target goes
/// to `errors`.
pub(super) fn doubled_targets(columns: &[Column], errors: &mut Vec<String>) {
    let mut seen: BTreeMap<String, Vec<&Column>> = BTreeMap::new();
    for c in columns {
        if let Some(key) = c.target.key() {
            seen.entry(key).or_default().push(c);
        }
    }
    for (target, cols) in seen {
        if cols.len() > 1 {
            let names: Vec<String> = cols
                .iter()
                .map(|c| format!("{} (column {})", crate::log::quoted(&c.header), c.index + 1))
                .collect();
            errors.push(format!(
                "columns {} all map to {target}; keep one with --map, e.g. --map {}=ignore",
                if names.len() <= 20 {
                    names.join(" and ")
                } else {
                    crate::log::list_some(&names, 20)
                },
                crate::log::quoted(&cols[1].header)
            ));
        }
    }
}
