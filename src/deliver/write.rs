//! Field truth and write rules (doc/ledger.md, "What an update sends"): which fields of a lead
//! that exists are sent, cleared or left alone. Pure: `changes` compares what the ledger records
//! the server holds with what the input says, `after` is what the ledger records once an update
//! is answered.
//!
//! A field of the input is *given* (a value), *emptied* (its column is there, the cell is
//! empty; a flag or JSON key with an empty value) or *absent* (no such column, flag or key). An
//! absent field is never sent and keeps what the ledger recorded for it. An emptied field is
//! cleared only with `--clear-empty` or `write = "clear"`; otherwise it is left as it is on the
//! server and said once per column. Each field may carry a rule (`[fields.NAME] write = ...` in
//! a mapping file): `always` (the default: send what differs), `if_empty` (only where the
//! server's value is empty; the lead is read first), `never` (created with it, never updated),
//! `clear` (as `always`, and an emptied cell clears it); an `if_empty` value held back is
//! recorded beside the field ([`held_key`]), so the same value is not read for again.
//! `[fields.status] write = "forward_only"` keeps a lead from moving back in its channel's
//! status order, and out of a status its `final = [...]` names (`lead::moves`).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use crate::ledger::Fields;

/// A field's write rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Rule {
    #[default]
    Always,
    IfEmpty,
    Never,
    Clear,
}

impl Rule {
    pub fn parse(s: &str) -> Option<Rule> {
        match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "always" => Some(Rule::Always),
            "if_empty" => Some(Rule::IfEmpty),
            "never" => Some(Rule::Never),
            "clear" => Some(Rule::Clear),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Always => "always",
            Rule::IfEmpty => "if_empty",
            Rule::Never => "never",
            Rule::Clear => "clear",
        }
    }
}

/// Field keys as messages name them, comma-separated (`phone, property "Region"`).
fn shown_list(keys: &[String], names: &Names) -> String {
    keys.iter()
        .map(|k| shown(k, names))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The rules of a run: per field (a standard field by its API name, a property as
/// `property:<name>` normalised the way columns are), `--clear-empty`, and the status rule.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rules {
    pub by_field: BTreeMap<String, Rule>,
    pub clear_empty: bool,
    /// `[fields.status] write = "forward_only"`.
    pub status_forward_only: bool,
    /// `[fields.status] final = ["Won", "Lost"]`: with `forward_only`, a lead at one of these
    /// statuses (names as written) is not moved to any other.
    pub status_final: Vec<String>,
}

/// The rules when none are given.
pub static NO_RULES: Rules = Rules {
    by_field: BTreeMap::new(),
    clear_empty: false,
    status_forward_only: false,
    status_final: Vec::new(),
};

/// How a rule names a field: `phone`, `property:region` (a property's name normalised).
pub fn rule_key(field: &str) -> String {
    match field.split_once(':') {
        Some(("property", name)) => format!("property:{}", crate::fold::normalize(name)),
        _ => field.trim().to_string(),
    }
}

/// A property's name by its ledger key (`property:<id>`), for rules and messages.
pub type Names = BTreeMap<String, String>;

impl Rules {
    /// The rule of a field by its ledger key (`phone`, `property:<id>`).
    pub fn rule(&self, key: &str, names: &Names) -> Rule {
        if self.by_field.is_empty() {
            return Rule::Always;
        }
        // A property by its name, else by its id (`[fields."property:<uuid>"]`), each as the
        // mapping file's keys are normalised (`rule_key`).
        let by_id = |id: &str| self.by_field.get(&rule_key(&format!("property:{id}")));
        let by_name = match (key.strip_prefix("property:"), names.get(key)) {
            (Some(id), Some(name)) => self
                .by_field
                .get(&rule_key(&format!("property:{name}")))
                .or_else(|| by_id(id)),
            (Some(id), None) => by_id(id),
            (None, _) => self.by_field.get(key),
        };
        by_name.copied().unwrap_or_default()
    }
}

/// What an update of a lead that exists would do, field by field (ledger keys, sorted).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Given, and different from what the ledger records: sent.
    pub send: Vec<String>,
    /// Emptied, recorded with a value, and a clear asked for: sent as a clear.
    pub clear: Vec<String>,
    /// Given and different, rule `if_empty`: sent only where the server's value is empty.
    pub if_empty: Vec<String>,
    /// `if_empty` fields the server holds a value for (known once the lead was read).
    pub held: Vec<String>,
    /// Given and different, rule `never`: not sent.
    pub never: Vec<String>,
    /// Emptied, recorded with a value, no clear asked for: left as they are.
    pub emptied: Vec<String>,
}

impl Changes {
    /// Whether anything may be sent (before the lead is read for `if_empty`).
    pub fn any(&self) -> bool {
        !(self.sends_nothing() && self.if_empty.is_empty())
    }

    /// Whether an update would carry nothing (once `if_empty` was decided by reading the lead):
    /// not sent, the row `skipped` with [`Changes::why_nothing`].
    pub fn sends_nothing(&self) -> bool {
        self.send.is_empty() && self.clear.is_empty()
    }

    /// The fields a request would carry, for a `changed` note.
    pub fn listed(&self, names: &Names) -> Vec<String> {
        let mut all: Vec<&String> = self
            .send
            .iter()
            .chain(&self.clear)
            .chain(&self.if_empty)
            .collect();
        all.sort();
        all.into_iter().map(|k| shown(k, names)).collect()
    }

    /// Why nothing is sent: `phone emptied (left as it is; --clear-empty clears it)`, ...
    pub fn why_nothing(&self, names: &Names) -> String {
        let mut parts = Vec::new();
        let list = |keys: &[String]| shown_list(keys, names);
        if !self.held.is_empty() {
            let verb = if self.held.len() == 1 { "has" } else { "have" };
            parts.push(format!(
                "{} {verb} a value on the server (write = \"if_empty\")",
                list(&self.held)
            ));
        }
        if !self.never.is_empty() {
            let verb = if self.never.len() == 1 { "is" } else { "are" };
            parts.push(format!(
                "{} {verb} never updated (write = \"never\")",
                list(&self.never)
            ));
        }
        if !self.emptied.is_empty() {
            parts.push(format!(
                "{} emptied (left as it is; --clear-empty clears it)",
                list(&self.emptied)
            ));
        }
        if parts.is_empty() {
            "nothing differs in the fields the input gives".to_string()
        } else {
            format!("nothing to send: {}", parts.join("; "))
        }
    }

    /// What an update left alone because the input gave it empty, said beside what it sent:
    /// `phone: emptied, left as it is on the server; `--clear-empty` clears it`.
    pub fn emptied_note(&self, names: &Names) -> Option<String> {
        let one = self.emptied.len() == 1;
        (!self.emptied.is_empty()).then(|| {
            format!(
                "{}: emptied, left as {} on the server; `--clear-empty` clears {}",
                shown_list(&self.emptied, names),
                if one { "it is" } else { "they are" },
                if one { "it" } else { "them" },
            )
        })
    }

    /// The outcome of an update that went out: `sent first_name, property "Region"; cleared
    /// phone`.
    pub fn sent_note(&self, names: &Names) -> String {
        let mut parts = Vec::new();
        let list = |keys: &[String]| shown_list(keys, names);
        if !self.send.is_empty() {
            parts.push(format!("sent {}", list(&self.send)));
        }
        if !self.clear.is_empty() {
            parts.push(format!("cleared {}", list(&self.clear)));
        }
        parts.join("; ")
    }
}

/// A field as users read it: `phone`, `property "Region"` (the id when the name is not known).
pub fn shown(key: &str, names: &Names) -> String {
    match key.strip_prefix("property:") {
        Some(id) => format!(
            "property {}",
            crate::log::quoted(names.get(key).map_or(id, String::as_str))
        ),
        None => key.to_string(),
    }
}

/// What `now` (the input's given values) and `emptied` (its emptied fields) change on a lead
/// whose server values the ledger records as `before`. Fields of `before` the input does not
/// carry (absent) are not touched.
pub fn changes(
    before: &Fields,
    now: &Fields,
    emptied: &[String],
    rules: &Rules,
    names: &Names,
) -> Changes {
    let mut c = Changes::default();
    for (k, v) in now {
        if before.get(k) == Some(v) {
            continue;
        }
        match rules.rule(k, names) {
            Rule::Always | Rule::Clear => c.send.push(k.clone()),
            // Held back for this very value before: the server had one, and no read is
            // needed until the input says something else.
            Rule::IfEmpty if before.get(&held_key(k)) == Some(v) => c.held.push(k.clone()),
            Rule::IfEmpty => c.if_empty.push(k.clone()),
            Rule::Never => c.never.push(k.clone()),
        }
    }
    for k in emptied {
        // Recorded empty (or never known): nothing to clear.
        if now.contains_key(k) || !before.contains_key(k) {
            continue;
        }
        match rules.rule(k, names) {
            Rule::Never | Rule::IfEmpty => {}
            Rule::Clear => c.clear.push(k.clone()),
            Rule::Always if rules.clear_empty => c.clear.push(k.clone()),
            Rule::Always => c.emptied.push(k.clone()),
        }
    }
    c.clear.sort();
    c.clear.dedup();
    c.emptied.sort();
    c.emptied.dedup();
    c
}

/// The ledger key beside a field that records the input's value an `if_empty` rule held back
/// (the server had a value): `held:phone`. The field's own key keeps what the server was last
/// known to hold from leadctl; this one spares a read of the lead on every run whose input
/// still gives that value.
pub fn held_key(field: &str) -> String {
    format!("{HELD}{field}")
}

const HELD: &str = "held:";

/// What the ledger records after an update that sent `changes.send` (their values from `now`)
/// and cleared `changes.clear`, and held back `changes.held` (their values from `now`, under
/// [`held_key`]): every other field keeps its recorded value.
pub fn after(before: &Fields, now: &Fields, changes: &Changes) -> Fields {
    let mut out = before.clone();
    for k in &changes.send {
        if let Some(v) = now.get(k) {
            out.insert(k.clone(), v.clone());
        }
        out.remove(&held_key(k));
    }
    for k in &changes.clear {
        out.remove(k);
        out.remove(&held_key(k));
    }
    for k in &changes.held {
        if let Some(v) = now.get(k) {
            out.insert(held_key(k), v.clone());
        }
    }
    out
}

/// The fields the ledger records a value for that the input has no column (flag, key) for:
/// absent, so kept. For the "column disappeared" note.
pub fn absent<'a>(
    before: &'a Fields,
    now: &'a Fields,
    emptied: &'a [String],
) -> impl Iterator<Item = &'a String> {
    before
        .keys()
        .filter(move |k| !k.starts_with(HELD) && !now.contains_key(*k) && !emptied.contains(k))
}

/// Per field over a run: how many leads had an emptied cell left alone, and how many carry a
/// recorded value for a field the input does not have. Said once each at the end; a column gone
/// only when most of the input's created leads carry a value for it (a field only some leads
/// ever had is no column that disappeared).
#[derive(Debug, Default)]
pub struct Tally {
    counts: Mutex<BTreeMap<String, (u64, u64, String)>>,
    /// Rows whose key the ledger records as created.
    created: AtomicU64,
}

impl Tally {
    /// One more row whose key the ledger records as created.
    pub fn created(&self) {
        self.created.fetch_add(1, Ordering::Relaxed);
    }

    pub fn count(&self, c: &Changes, absent: &[String], names: &Names) {
        if c.emptied.is_empty() && absent.is_empty() {
            return;
        }
        let mut m = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        for k in &c.emptied {
            m.entry(k.clone()).or_insert((0, 0, shown(k, names))).0 += 1;
        }
        for k in absent {
            m.entry(k.clone()).or_insert((0, 0, shown(k, names))).1 += 1;
        }
    }

    /// The lines to say: one per column with emptied cells left alone, one per field whose
    /// column is gone.
    pub fn lines(&self) -> Vec<String> {
        let m = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let created = self.created.load(Ordering::Relaxed);
        let mut out = Vec::new();
        for (shown, (emptied, absent)) in m.values().map(|(e, a, s)| (s, (*e, *a))) {
            if emptied > 0 {
                out.push(format!(
                    "{shown}: {} left as {} on the server; `--clear-empty` or `write = \
                     \"clear\"` clears them",
                    crate::log::counted(emptied as usize, "emptied cell", "emptied cells"),
                    if emptied == 1 { "it is" } else { "they are" },
                ));
            }
            if absent > 0 && absent * 2 > created {
                out.push(format!(
                    "the column for {shown} is not in this input, though {} in the ledger \
                     {} a value for it: their {shown} is left as it is on the server",
                    crate::log::counted(absent as usize, "lead", "leads"),
                    if absent == 1 { "carries" } else { "carry" },
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Value::from(*v)))
            .collect()
    }

    fn names() -> Names {
        let mut n = Names::new();
        n.insert("property:f1".into(), "Region".into());
        n
    }

    #[test]
    fn absent_fields_are_never_sent_and_emptied_ones_only_when_asked() {
        let before = fields(&[("email", "a@x"), ("phone", "1"), ("property:f1", "EMEA")]);
        let now = fields(&[("email", "a@x")]);
        let none = changes(&before, &now, &[], &NO_RULES, &names());
        assert_eq!(none, Changes::default(), "absent: nothing");
        assert!(!none.any());
        assert_eq!(
            absent(&before, &now, &[]).collect::<Vec<_>>(),
            ["phone", "property:f1"]
        );
        let emptied = vec!["phone".to_string(), "property:f1".to_string()];
        let left = changes(&before, &now, &emptied, &NO_RULES, &names());
        assert_eq!(left.emptied, emptied);
        assert!(!left.any());
        assert_eq!(
            left.emptied_note(&names()).as_deref(),
            Some(
                "phone, property \"Region\": emptied, left as they are on the server; \
                 `--clear-empty` clears them"
            )
        );
        assert_eq!(none.emptied_note(&names()), None);
        assert_eq!(
            left.why_nothing(&names()),
            "nothing to send: phone, property \"Region\" emptied (left as it is; \
             --clear-empty clears it)"
        );
        let asked = Rules {
            clear_empty: true,
            ..Rules::default()
        };
        let cleared = changes(&before, &now, &emptied, &asked, &names());
        assert_eq!(cleared.clear, emptied);
        assert_eq!(
            cleared.sent_note(&names()),
            "cleared phone, property \"Region\""
        );
        // Emptied where the ledger records nothing: nothing to clear.
        let bare = fields(&[("email", "a@x")]);
        assert!(!changes(&bare, &now, &emptied, &asked, &names()).any());
    }

    #[test]
    fn rules_per_field() {
        let mut by_field = BTreeMap::new();
        by_field.insert("phone".to_string(), Rule::IfEmpty);
        by_field.insert("first_name".to_string(), Rule::Never);
        by_field.insert(rule_key("property:region"), Rule::Clear);
        let rules = Rules {
            by_field,
            ..Rules::default()
        };
        let before = fields(&[("first_name", "A"), ("phone", "1"), ("property:f1", "X")]);
        let now = fields(&[("first_name", "B"), ("phone", "2"), ("notes", "n")]);
        let emptied = vec!["property:f1".to_string()];
        let c = changes(&before, &now, &emptied, &rules, &names());
        assert_eq!(c.send, ["notes"]);
        assert_eq!(c.if_empty, ["phone"]);
        assert_eq!(c.never, ["first_name"]);
        assert_eq!(c.clear, ["property:f1"]);
        assert_eq!(
            c.listed(&names()),
            ["notes", "phone", "property \"Region\""]
        );
        assert_eq!(Rule::parse(" If-Empty "), Some(Rule::IfEmpty));
        assert_eq!(Rule::parse("sometimes"), None);
    }

    #[test]
    fn the_ledger_records_what_the_server_holds() {
        let before = fields(&[("email", "a@x"), ("phone", "1"), ("notes", "old")]);
        let now = fields(&[("email", "a@x"), ("notes", "new"), ("first_name", "Ann")]);
        let c = Changes {
            send: vec!["notes".into()],
            clear: vec!["phone".into()],
            ..Changes::default()
        };
        let got = after(&before, &now, &c);
        assert_eq!(got, fields(&[("email", "a@x"), ("notes", "new")]));
    }

    #[test]
    fn an_if_empty_value_held_back_is_not_read_again_until_the_input_changes() {
        let mut by_field = BTreeMap::new();
        by_field.insert("phone".to_string(), Rule::IfEmpty);
        let rules = Rules {
            by_field,
            ..Rules::default()
        };
        let before = fields(&[("email", "a@x"), ("phone", "1")]);
        let now = fields(&[("email", "a@x"), ("phone", "2")]);
        let first = changes(&before, &now, &[], &rules, &names());
        assert_eq!(first.if_empty, ["phone"], "the lead is read");
        // The server had a phone: held, and recorded as held for "2".
        let held = Changes {
            held: first.if_empty.clone(),
            ..Changes::default()
        };
        let recorded = after(&before, &now, &held);
        assert_eq!(
            recorded,
            fields(&[("email", "a@x"), ("phone", "1"), ("held:phone", "2")])
        );
        assert_eq!(absent(&recorded, &now, &[]).count(), 0, "no column gone");
        // The next run with the same input: held without a read, nothing to send.
        let again = changes(&recorded, &now, &[], &rules, &names());
        assert_eq!(again.held, ["phone"]);
        assert!(!again.any());
        assert_eq!(
            again.why_nothing(&names()),
            "nothing to send: phone has a value on the server (write = \"if_empty\")"
        );
        // Another value: read again; sent (the server's was emptied), the mark goes.
        let other = fields(&[("email", "a@x"), ("phone", "3")]);
        let c = changes(&recorded, &other, &[], &rules, &names());
        assert_eq!(c.if_empty, ["phone"]);
        let sent = Changes {
            send: c.if_empty,
            ..Changes::default()
        };
        assert_eq!(
            after(&recorded, &other, &sent),
            fields(&[("email", "a@x"), ("phone", "3")])
        );
    }

    #[test]
    fn the_tally_says_each_column_once() {
        let t = Tally::default();
        t.created();
        let c = Changes {
            emptied: vec!["phone".into()],
            ..Changes::default()
        };
        t.count(&c, &[], &names());
        t.count(&c, &["property:f1".into()], &names());
        assert_eq!(
            t.lines(),
            [
                "phone: 2 emptied cells left as they are on the server; `--clear-empty` or \
                 `write = \"clear\"` clears them",
                "the column for property \"Region\" is not in this input, though 1 lead in the \
                 ledger carries a value for it: their property \"Region\" is left as it is on the \
                 server"
            ]
        );
        // Most created leads lack it: not a column that disappeared.
        t.created();
        t.created();
        assert_eq!(t.lines().len(), 1);
    }

    /// A property's rule by its id, as a mapping file writes it (a dashed UUID): found, as the
    /// file's keys are normalised the same way.
    #[test]
    fn a_property_rule_by_its_id_applies() {
        let id = "f0000001-0000-4000-8000-000000000002";
        let mut by_field = BTreeMap::new();
        by_field.insert(
            rule_key(&format!("property:{}", id.to_uppercase())),
            Rule::Never,
        );
        let rules = Rules {
            by_field,
            ..Rules::default()
        };
        let key = format!("property:{id}");
        assert_eq!(rules.rule(&key, &Names::new()), Rule::Never);
        let mut names = Names::new();
        names.insert(key.clone(), "Region".into());
        assert_eq!(
            rules.rule(&key, &names),
            Rule::Never,
            "no rule by name: by id"
        );
    }
}
