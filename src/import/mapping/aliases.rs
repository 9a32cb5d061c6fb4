//! The one table of column names leadctl recognises: for each lead field the names real exports
//! give it (HubSpot, Salesforce, Pipedrive, Excel templates; English, German, French, Spanish,
//! Dutch), and the standard export columns that have no lead field, known and left out with a
//! note rather than refused as unknown. `leadctl help columns` is generated from it.
//!
//! Names match as headers do: case, accents, spaces and punctuation aside (`normalize`). A tier
//! orders the names of one field: when several columns of a file name it (HubSpot's "Phone
//! Number" and "Mobile Phone Number"), the column of the best tier feeds it and the others stand
//! in, in order, where its cell is empty.

use std::collections::HashMap;
use std::sync::OnceLock;

pub use super::meaning::{Group, Meaning, Why};
pub use super::names::GROUPS;
use super::normalize;

/// The meaning and tier of a normalised header, if the table knows it.
pub fn lookup(normalized: &str) -> Option<(Meaning, u8)> {
    static INDEX: OnceLock<HashMap<String, (Meaning, u8)>> = OnceLock::new();
    INDEX
        .get_or_init(|| {
            let mut index = HashMap::new();
            for g in GROUPS {
                for n in g.names {
                    index.entry(normalize(n)).or_insert((g.meaning, g.tier));
                }
            }
            index
        })
        .get(normalized)
        .copied()
}

/// Normalised names worth suggesting for a header that matches nothing: each field's names
/// (not the known-and-left-out ones).
fn suggestions() -> impl Iterator<Item = (String, &'static str)> {
    GROUPS.iter().flat_map(|g| {
        let field = match g.meaning {
            Meaning::Field(f) => Some(f),
            Meaning::Channel => Some("channel_id"),
            Meaning::Status => Some("status"),
            Meaning::Known(_) => None,
        };
        field
            .into_iter()
            .flat_map(move |f| g.names.iter().map(move |n| (normalize(n), f)))
    })
}

/// The closest field to a header that matches nothing ("Emial" → email, "Work E-mail 3" →
/// email), or the closest of the channel's property names; `None` when nothing is close.
pub fn closest(header: &str, property_names: &[&str]) -> Option<String> {
    let n = normalize(header);
    if n.is_empty() || n.chars().count() > 64 {
        return None;
    }
    let budget = |len: usize| (len / 4).max(1);
    let mut best: Option<(usize, String)> = None;
    let mut consider = |distance: usize, what: String| {
        if best.as_ref().is_none_or(|(d, _)| distance < *d) {
            best = Some((distance, what));
        }
    };
    for f in super::FIELDS {
        consider_one(&n, &normalize(f), budget, f.to_string(), &mut consider);
    }
    for (name, f) in suggestions() {
        consider_one(&n, &name, budget, f.to_string(), &mut consider);
    }
    for p in property_names {
        let what = format!("property {}", crate::log::quoted(p));
        consider_one(&n, &normalize(p), budget, what, &mut consider);
    }
    if let Some((_, what)) = best {
        return Some(what);
    }
    // A longer header holding a field's own name ("Work E-mail 3", "Phone (private)").
    [
        "email",
        "phone",
        "mobile",
        "company",
        "firstname",
        "lastname",
        "notes",
    ]
    .iter()
    .find(|w| n.contains(*w))
    .map(|w| match *w {
        "mobile" => "phone".to_string(),
        "company" => "company_name".to_string(),
        "firstname" => "first_name".to_string(),
        "lastname" => "last_name".to_string(),
        other => other.to_string(),
    })
}

fn consider_one(
    header: &str,
    name: &str,
    budget: impl Fn(usize) -> usize,
    what: String,
    consider: &mut impl FnMut(usize, String),
) {
    let distance = strsim::osa_distance(header, name);
    if distance <= budget(name.chars().count()) {
        consider(distance, what);
    }
}

/// `leadctl help columns`: every recognised name, by field, then the known columns left out.
pub fn help_text() -> String {
    use std::fmt::Write as _;
    let mut text = String::from(
        "Column names leadctl import recognises\n\n\
         A header matches ignoring case, accents, spaces and punctuation:\n\
         \"E-Mail-Adresse\", \"email address\" and \"EMAIL_ADDRESS\" are alike. A column\n\
         named after one of the channel's property definitions becomes that property;\n\
         --map COLUMN=FIELD, --mapping FILE.toml and --set FIELD=VALUE decide the rest.\n\
         When several columns name one field, a column of the first list feeds it and\n\
         the \"else\" list stands in, in order, where its cell is empty.\n",
    );
    let mut fields: Vec<&str> = super::FIELDS.to_vec();
    fields.push(super::FULL_NAME);
    fields.push("channel_id");
    fields.push("status");
    for f in fields {
        let _ = writeln!(text, "\n{f}");
        for tier in [1, 2] {
            let names: Vec<&str> = GROUPS
                .iter()
                .filter(|g| g.tier == tier && meaning_field(g.meaning) == Some(f))
                .flat_map(|g| g.names.iter().copied())
                .collect();
            if names.is_empty() {
                continue;
            }
            let lead = if tier == 1 { "    " } else { "    else: " };
            text.push_str(&wrap_list(&names, lead, 80));
        }
    }
    text.push_str(
        "\nKnown export columns with no lead field, left out with a note (a channel\n\
         property of the same name takes the column; --map COLUMN=FIELD sends it)\n",
    );
    for why in [
        Why::Lifecycle,
        Why::Owner,
        Why::Title,
        Why::Address,
        Why::Date,
        Why::Other,
    ] {
        let _ = writeln!(text, "\n{}", why.heading());
        let names: Vec<&str> = GROUPS
            .iter()
            .filter(|g| g.meaning == Meaning::Known(why))
            .flat_map(|g| g.names.iter().copied())
            .collect();
        text.push_str(&wrap_list(&names, "    ", 80));
    }
    text
}

/// Names joined by ", ", wrapped to `width` columns: the first line starts with `lead`, the
/// others are indented as far.
fn wrap_list(names: &[&str], lead: &str, width: usize) -> String {
    let indent = " ".repeat(lead.chars().count().min(10));
    let mut out = String::new();
    let mut line = lead.to_string();
    let mut empty = true;
    for (i, n) in names.iter().enumerate() {
        let item = if i + 1 < names.len() {
            format!("{n},")
        } else {
            n.to_string()
        };
        if !empty && line.chars().count() + 1 + item.chars().count() > width {
            out.push_str(&line);
            out.push('\n');
            line = indent.clone();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(&item);
        empty = false;
    }
    out.push_str(&line);
    out.push('\n');
    out
}

fn meaning_field(m: Meaning) -> Option<&'static str> {
    match m {
        Meaning::Field(f) => Some(f),
        Meaning::Channel => Some("channel_id"),
        Meaning::Status => Some("status"),
        Meaning::Known(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_name_has_two_meanings_or_tiers() {
        let mut seen: HashMap<String, (Meaning, u8, &str)> = HashMap::new();
        for g in GROUPS {
            for n in g.names {
                let key = normalize(n);
                assert!(!key.is_empty(), "{n}");
                if let Some((m, t, first)) = seen.get(&key) {
                    assert!(
                        *m == g.meaning && *t == g.tier,
                        "{n:?} and {first:?} normalise alike but mean {:?}/{} and {:?}/{}",
                        g.meaning,
                        g.tier,
                        m,
                        t
                    );
                }
                seen.insert(key, (g.meaning, g.tier, n));
            }
        }
        // A field's own API name is never another field's alias.
        for f in super::super::FIELDS {
            if let Some((m, _)) = lookup(&normalize(f)) {
                assert_eq!(m, Meaning::Field(f));
            }
        }
    }

    #[test]
    fn real_export_names() {
        for (header, meaning, tier) in [
            ("Mobile Phone Number", Meaning::Field("phone"), 2),
            ("Company / Account", Meaning::Field("company_name"), 1),
            ("E-Mail-Adresse", Meaning::Field("email"), 1),
            ("Téléphone", Meaning::Field("phone"), 1),
            ("telefono", Meaning::Field("phone"), 1),
            ("Prenom", Meaning::Field("first_name"), 1),
            ("Notizen", Meaning::Field("notes"), 1),
            ("Person - Email - Work", Meaning::Field("email"), 1),
            ("Lifecycle Stage", Meaning::Known(Why::Lifecycle), 1),
            ("Lead Status", Meaning::Status, 1),
            ("Deal Stage", Meaning::Status, 1),
            ("Contact owner", Meaning::Known(Why::Owner), 1),
            ("Create Date", Meaning::Known(Why::Date), 1),
        ] {
            assert_eq!(
                lookup(&normalize(header)),
                Some((meaning, tier)),
                "{header}"
            );
        }
        assert_eq!(lookup("favouritecolour"), None);
    }

    #[test]
    fn closest_fields() {
        assert_eq!(closest("Emial", &[]).as_deref(), Some("email"));
        assert_eq!(closest("Frist Name", &[]).as_deref(), Some("first_name"));
        assert_eq!(closest("Work E-mail 3", &[]).as_deref(), Some("email"));
        assert_eq!(
            closest("Deal sise", &["Deal size"]).as_deref(),
            Some("property \"Deal size\"")
        );
        assert_eq!(closest("Favourite colour", &["Deal size"]), None);
    }

    #[test]
    fn help_lists_every_name() {
        let text = help_text();
        for g in GROUPS {
            for n in g.names {
                assert!(text.contains(n), "{n} missing from help columns");
            }
        }
        assert!(text.contains("\nphone\n"), "{text}");
        assert!(text.contains("else: Mobile"), "{text}");
        assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
    }
}
