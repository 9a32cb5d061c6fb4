//! What to do with a work whose key the ledger may know (skip / changed / update / unknown /
//! failed / create): the one rule every write goes by (doc/ledger.md, "Outcomes"). Pure: the
//! caller looks the key up and acts, so a dry run and a real one decide alike.

use crate::ledger::{identity, Entry, Fields, State};

/// The flags that change the rule.
#[derive(Debug, Clone, Copy, Default)]
pub struct Policy {
    pub retry_unknown: bool,
    pub retry_failed: bool,
    /// Send `update_lead` for a created key whose fields changed.
    pub update: bool,
    /// Create another lead even for a created key (`create --force`).
    pub force: bool,
}

/// A claim younger than this may belong to a run that is still waiting for its answer, so even
/// `--retry-unknown` leaves it alone.
pub const LIVE_CLAIM_SECS: i64 = 600;

#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Send `create_lead`; `expect` is the state to take the key over from (retrying).
    Create {
        expect: Option<(State, i64)>,
        previous: Option<Entry>,
    },
    /// Send `update_lead` with the changed fields.
    Update {
        lead_id: String,
        changed: Vec<String>,
        previous: Entry,
    },
    Skip {
        lead_id: Option<String>,
        note: String,
    },
    Changed {
        lead_id: Option<String>,
        changed: Vec<String>,
        note: String,
    },
    Unknown {
        note: String,
        previous: Entry,
    },
    Failed {
        note: String,
    },
}

/// The day an entry was last settled, for messages.
pub fn day_of(e: &Entry) -> String {
    let at = e.answered_at.unwrap_or(e.updated_at).max(0) as u64;
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(at);
    crate::time::format_rfc3339(t)
        .get(..10)
        .unwrap_or_default()
        .to_string()
}

pub fn decide(
    entry: Option<&Entry>,
    hash: &str,
    fields: &Fields,
    policy: Policy,
    now: i64,
) -> Decision {
    let Some(e) = entry else {
        return Decision::Create {
            expect: None,
            previous: None,
        };
    };
    let take_over = || Decision::Create {
        expect: Some((e.state, e.updated_at)),
        previous: Some(e.clone()),
    };
    match e.state {
        State::Created if policy.force => take_over(),
        State::Created => {
            let id = e.lead_id.clone();
            let shown = id.as_deref().unwrap_or("a lead without a known id");
            let how = match e.via.as_deref() {
                Some("server") => " (found among the channel's leads)",
                Some("adopt") => " (adopted)",
                Some("reconcile") => " (found by reconciling)",
                _ => "",
            };
            if e.hash == hash {
                return Decision::Skip {
                    lead_id: id.clone(),
                    note: format!("already created as {shown} on {}{how}", day_of(e)),
                };
            }
            let changed = identity::changed_fields(&e.fields, fields);
            match (&id, policy.update) {
                (Some(lead_id), true) if !changed.is_empty() => Decision::Update {
                    lead_id: lead_id.clone(),
                    changed,
                    previous: e.clone(),
                },
                _ => {
                    let list = if changed.is_empty() {
                        "its fields".to_string()
                    } else {
                        changed.join(", ")
                    };
                    Decision::Changed {
                        lead_id: id.clone(),
                        note: format!(
                            "created as {shown} on {}{how}; it differs now in {list} (--update \
                             sends the changes)",
                            day_of(e)
                        ),
                        changed,
                    }
                }
            }
        }
        State::Sending | State::Unknown => {
            let live = e.state == State::Sending
                && now - e.sent_at.unwrap_or(e.updated_at) < LIVE_CLAIM_SECS;
            if policy.retry_unknown && !live {
                return take_over();
            }
            let note = if live {
                "being sent by another leadctl run (claimed moments ago); it may exist".to_string()
            } else {
                e.error.clone().map_or_else(
                    || "sent by an earlier run that ended before the answer; it may exist".into(),
                    |err| format!("sent earlier without a reliable answer ({err}); it may exist"),
                )
            };
            Decision::Unknown {
                note,
                previous: e.clone(),
            }
        }
        State::Failed if policy.retry_failed => take_over(),
        State::Failed => Decision::Failed {
            note: e.error.clone().map_or_else(
                || "refused by the server in an earlier run (--retry-failed sends it again)".into(),
                |err| format!("{err} (an earlier run; --retry-failed sends it again)"),
            ),
        },
    }
}

/// What a claim that lost comes to: the rule applied, with no retry or update, to the key as
/// the run that won it left it (created: skipped or changed; no answer yet: unknown).
pub fn after_lost_claim(current: &Entry, hash: &str, fields: &Fields) -> Decision {
    decide(
        Some(current),
        hash,
        fields,
        Policy::default(),
        crate::ledger::now_secs(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn entry(state: State, hash: &str) -> Entry {
        let mut fields = Fields::new();
        fields.insert("email".into(), Value::from("a@x.example"));
        Entry {
            api_url: "u".into(),
            channel: "c".into(),
            key: "email:a@x.example".into(),
            state,
            lead_id: Some("L1".into()),
            hash: hash.into(),
            fields,
            error: None,
            via: None,
            input: None,
            row: None,
            run: None,
            sent_at: Some(0),
            answered_at: Some(0),
            first_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn the_rule() {
        let p = Policy::default();
        let mut now = Fields::new();
        now.insert("email".into(), Value::from("a@x.example"));
        now.insert("phone".into(), Value::from("1"));
        assert!(matches!(
            decide(None, "h", &now, p, 9),
            Decision::Create { expect: None, .. }
        ));
        let created = entry(State::Created, "h");
        assert!(matches!(
            decide(Some(&created), "h", &now, p, 9),
            Decision::Skip { .. }
        ));
        let changed = decide(Some(&created), "h2", &now, p, 9);
        assert!(
            matches!(&changed, Decision::Changed { changed, .. } if changed == &["phone"]),
            "{changed:?}"
        );
        let upd = Policy { update: true, ..p };
        assert!(matches!(
            decide(Some(&created), "h2", &now, upd, 9),
            Decision::Update { .. }
        ));
        let unknown = entry(State::Unknown, "h");
        assert!(matches!(
            decide(Some(&unknown), "h", &now, p, 9),
            Decision::Unknown { .. }
        ));
        let retry = Policy {
            retry_unknown: true,
            ..p
        };
        assert!(matches!(
            decide(Some(&unknown), "h", &now, retry, 9),
            Decision::Create {
                expect: Some((State::Unknown, 0)),
                ..
            }
        ));
        // A fresh claim may be another run's request in flight: never taken over.
        let live = entry(State::Sending, "h");
        assert!(matches!(
            decide(Some(&live), "h", &now, retry, 10),
            Decision::Unknown { .. }
        ));
        assert!(matches!(
            decide(Some(&live), "h", &now, retry, LIVE_CLAIM_SECS + 1),
            Decision::Create { .. }
        ));
        let failed = entry(State::Failed, "h");
        assert!(matches!(
            decide(Some(&failed), "h", &now, p, 9),
            Decision::Failed { .. }
        ));
        let force = Policy { force: true, ..p };
        assert!(matches!(
            decide(Some(&created), "h", &now, force, 9),
            Decision::Create { .. }
        ));
    }
}
