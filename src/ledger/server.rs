//! Which server a ledger scope is. The API URL's normalised spelling (`scope_url`) is not enough:
//! a host name beside its IP, a proxy's name, the platform's project URL beside the public one
//! all reach one server. So a spelling the ledger has no entries for, while it holds entries for
//! other spellings, is identified by what the server holds: the newest lead the ledger recorded
//! as created under another spelling, found on this server (`get_lead_by_id`), proves it is the
//! same server (lead ids are UUIDs), and that spelling's entries are used, from then on without
//! asking again. A spelling that cannot be matched is said on stderr and handled as a new
//! ledger, never passed over in silence. See `doc/ledger.md`, "One ledger per server".

use std::collections::BTreeMap;

use super::Ledger;
use crate::error::Failure;

/// Meta key (per spelling): the scope whose entries runs through it use (itself, or the
/// spelling the server was first used through).
const HOME: &str = "server.home";

/// The scope a run uses, and what to say about it on stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub scope: String,
    pub note: Option<Note>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// Another spelling of a server the ledger knows: its entries are used.
    Alias(String),
    /// Entries of other spellings exist that could not be matched: as with a new ledger.
    Unmatched(String),
}

/// The scope whose entries a run through `url_scope` (normalised) uses. `channel` is the run's
/// default channel, if any; `holds` says whether the server behind `url_scope` holds a lead id
/// (`get_lead_by_id`; false when it cannot say), and is only asked when the ledger holds entries
/// for other spellings and none for this one: once per other spelling, about the newest lead
/// created through it. What it learns is kept in the ledger's meta table unless `remember` is
/// false (a dry run writes nothing).
pub fn resolve(
    ledger: &Ledger,
    url_scope: &str,
    channel: Option<&str>,
    holds: &dyn Fn(&str) -> bool,
    remember: bool,
) -> Result<Resolved, Failure> {
    if let Some(home) = ledger.get_meta(url_scope, HOME)? {
        let note = (home != url_scope).then(|| Note::Alias(alias_note(url_scope, &home)));
        return Ok(Resolved { scope: home, note });
    }
    // Channels with entries, by spelling.
    let mut scopes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (url, ch, _, n) in ledger.counts()? {
        if n > 0 {
            scopes.entry(url).or_default().push(ch);
        }
    }
    let own = |scope: String| Resolved { scope, note: None };
    if scopes.is_empty() {
        // A fresh ledger: nothing to match, and nothing written (the next run, which finds this
        // spelling's entries, makes it their home).
        return Ok(own(url_scope.to_string()));
    }
    if scopes.contains_key(url_scope) {
        if remember {
            ledger.set_meta(url_scope, HOME, url_scope)?;
        }
        return Ok(own(url_scope.to_string()));
    }
    for (other, channels) in &scopes {
        let wanted = channel
            .map(str::to_lowercase)
            .filter(|c| channels.contains(c))
            .or_else(|| channels.first().cloned());
        let Some(ch) = wanted else { continue };
        let Some(sample) = ledger.sample_created(other, &ch)? else {
            continue;
        };
        let Some(id) = sample.lead_id.as_deref() else {
            continue;
        };
        if holds(id) {
            if remember {
                ledger.set_meta(url_scope, HOME, other)?;
            }
            return Ok(Resolved {
                scope: other.clone(),
                note: Some(Note::Alias(alias_note(url_scope, other))),
            });
        }
    }
    let others: Vec<&str> = scopes.keys().map(String::as_str).collect();
    Ok(Resolved {
        scope: url_scope.to_string(),
        note: Some(Note::Unmatched(format!(
            "the ledger holds entries for {} but none for this API URL ({url_scope}), and this \
             server does not hold the lead it recorded last there: this run is as with a new \
             ledger; if it is the same server, stop and run through the URL as spelled there \
             (--api-url)",
            others.join(", ")
        ))),
    })
}

fn alias_note(url_scope: &str, home: &str) -> String {
    format!(
        "this API URL ({url_scope}) reaches the server the ledger knows as {home} (a lead it \
         recorded there is on this server): its entries are used"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{Entry, Location, Op, State};

    fn entry(url: &str, key: &str, lead: &str) -> Op {
        Op::Put(Entry {
            api_url: url.into(),
            channel: "c".into(),
            key: key.into(),
            state: State::Created,
            lead_id: Some(lead.into()),
            hash: String::new(),
            fields: Default::default(),
            error: None,
            via: None,
            input: None,
            row: None,
            run: None,
            sent_at: None,
            answered_at: None,
            first_at: 0,
            updated_at: 0,
        })
    }

    #[test]
    fn a_second_spelling_whose_server_holds_a_recorded_lead_uses_the_first() {
        let l = Ledger::open(&Location::Memory).unwrap();
        let none = |_: &str| -> bool { panic!("not asked") };
        assert_eq!(
            resolve(&l, "http://a/x", Some("c"), &none, true)
                .unwrap()
                .note,
            None
        );
        l.apply(entry("http://a/x", "email:1", "L1")).unwrap();
        let same = |id: &str| id == "L1";
        let alias = resolve(&l, "http://b/x", Some("C"), &same, true).unwrap();
        assert_eq!(alias.scope, "http://a/x");
        // Remembered: not asked again.
        let again = resolve(&l, "http://b/x", Some("c"), &none, true).unwrap();
        assert_eq!(again.scope, "http://a/x");
        assert!(matches!(again.note, Some(Note::Alias(_))));
        let other = |id: &str| id == "L9";
        let new = resolve(&l, "http://c/x", Some("c"), &other, true).unwrap();
        assert_eq!(new.scope, "http://c/x");
        assert!(matches!(new.note, Some(Note::Unmatched(_))));
    }
}
