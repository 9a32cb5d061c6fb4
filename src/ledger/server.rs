//! Which server a ledger scope is: the API URL's spelling is not enough (a host name beside its
//! IP, a proxy's name, the platform's project URL beside the public one), so the ledger also
//! records, per scope, a fingerprint of what the API key sees (its company and channel ids from
//! `get_channels`). A run through another spelling whose key sees the same company and channels
//! uses the entries of the scope that fingerprint was first recorded under; a spelling the
//! ledger cannot tell apart from one it holds entries for is said, never passed over in silence.
//! See `doc/ledger.md`, "One ledger per server".

use super::identity::Fnv;
use super::Ledger;
use crate::error::Failure;

/// Meta key (per scope): the fingerprint of the server last seen through it.
const IDENTITY: &str = "server.identity";
/// Meta key (per fingerprint pseudo-scope `server:<fingerprint>`): the scope that holds the
/// server's entries.
const HOME: &str = "scope";

/// FNV-1a 64 of the sorted, lower-cased, de-duplicated ids (company and channel ids).
pub fn fingerprint<'a>(ids: impl IntoIterator<Item = &'a str>) -> String {
    let mut ids: Vec<String> = ids
        .into_iter()
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect();
    ids.sort();
    ids.dedup();
    let mut h = Fnv::default();
    for id in &ids {
        h.write(id.as_bytes());
        h.write(b"\n");
    }
    format!("{:016x}", h.value())
}

/// The scope a run uses, and what to say about it on stderr (None: nothing to say).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub scope: String,
    pub note: Option<String>,
}

/// The scope whose entries a run through `url_scope` (already `scope_url`-normalised) uses,
/// given the server's `fingerprint`; records what it learned.
pub fn resolve(ledger: &Ledger, url_scope: &str, fingerprint: &str) -> Result<Resolved, Failure> {
    let home_of = format!("server:{fingerprint}");
    if let Some(home) = ledger.get_meta(&home_of, HOME)? {
        if home != url_scope {
            return Ok(Resolved {
                note: Some(format!(
                    "this API URL ({url_scope}) reaches the server the ledger knows as {home} \
                     (the API key sees the same company and channels): its entries are used"
                )),
                scope: home,
            });
        }
        return Ok(Resolved {
            scope: home,
            note: None,
        });
    }
    // A server the ledger has not seen under this fingerprint: this spelling is its home.
    let mut note = None;
    {
        let counts = ledger.counts()?;
        let mut others: Vec<&str> = counts
            .iter()
            .filter(|(u, _, _, n)| u != url_scope && *n > 0 && !u.starts_with("server:"))
            .map(|(u, _, _, _)| u.as_str())
            .collect();
        others.sort_unstable();
        others.dedup();
        let mut unknown = Vec::new();
        for o in others {
            if ledger.get_meta(o, IDENTITY)?.is_none() {
                unknown.push(o.to_string());
            }
        }
        if !unknown.is_empty() {
            note = Some(format!(
                "the ledger holds entries for {}, whose server it has not identified yet, and \
                 none of them are used for this API URL ({url_scope}): this run is as with a \
                 new ledger; if that is the same server, stop and run once through the URL as \
                 spelled there (--api-url), which links the two spellings",
                unknown.join(", ")
            ));
        }
    }
    // Beside entries of unidentified servers this spelling is not made the server's home: the
    // next run through the spelling those entries were made with claims it (and is linked).
    ledger.set_meta(url_scope, IDENTITY, fingerprint)?;
    if note.is_none() {
        ledger.set_meta(&home_of, HOME, url_scope)?;
    }
    Ok(Resolved {
        scope: url_scope.to_string(),
        note,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Location;

    #[test]
    fn the_fingerprint_ignores_order_case_and_repeats() {
        assert_eq!(fingerprint(["B", "a", "b"]), fingerprint(["a", "b"]));
        assert_ne!(fingerprint(["a", "b"]), fingerprint(["a", "c"]));
    }

    #[test]
    fn a_second_spelling_with_the_same_fingerprint_uses_the_first() {
        let l = Ledger::open(&Location::Memory).unwrap();
        let first = resolve(&l, "http://127.0.0.1:9/x", "f1").unwrap();
        assert_eq!(first.scope, "http://127.0.0.1:9/x");
        assert_eq!(first.note, None);
        let alias = resolve(&l, "http://localhost:9/x", "f1").unwrap();
        assert_eq!(alias.scope, "http://127.0.0.1:9/x");
        assert!(alias
            .note
            .unwrap()
            .contains("knows as http://127.0.0.1:9/x"));
        let other = resolve(&l, "http://other:9/x", "f2").unwrap();
        assert_eq!(other.scope, "http://other:9/x");
        assert_eq!(other.note, None);
    }
}
