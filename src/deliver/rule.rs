//! What to do with a work whose key the ledger may know (skip / changed / update / unknown /
//! failed / create): the one rule every write goes by (doc/ledger.md, "Outcomes"). Pure: the
//! caller looks the key up and acts, so a dry run and a real one decide alike.

use super::write::{self, Changes, Names, Rules};
use crate::identity::{self, Fields};
use crate::ledger::{Entry, State};

/// What the rule compares with the ledger's entry: the input's hash and fields, and how.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub hash: &'a str,
    /// The given values.
    pub fields: &'a Fields,
    /// A lead's input: fields the input does not carry are absent, its `emptied` ones are left
    /// alone unless a clear is asked for, and `rules` apply (`write.rs`). Otherwise (a status,
    /// a purchase) every field recorded is compared.
    pub presence: Option<Presence<'a>>,
}

/// The presence side of a lead's input (`write.rs`).
#[derive(Debug, Clone, Copy)]
pub struct Presence<'a> {
    pub emptied: &'a [String],
    pub rules: &'a Rules,
    pub names: &'a Names,
}

impl<'a> Input<'a> {
    /// Every field compared, as recorded (status moves, purchases).
    pub fn whole(hash: &'a str, fields: &'a Fields) -> Input<'a> {
        Input {
            hash,
            fields,
            presence: None,
        }
    }

    /// What an update would change on a lead the ledger records with `before`.
    pub fn changes(&self, before: &Fields) -> Changes {
        match self.presence {
            Some(p) => write::changes(before, self.fields, p.emptied, p.rules, p.names),
            None => Changes {
                send: identity::changed_fields(before, self.fields),
                ..Changes::default()
            },
        }
    }

    fn names(&self) -> &'a Names {
        static NONE: Names = Names::new();
        self.presence.map_or(&NONE, |p| p.names)
    }
}

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
/// `--retry-unknown` leaves it alone (a claim of a run known alive is never taken over).
pub const LIVE_CLAIM_SECS: i64 = 600;

/// What the caller could tell of the run that claimed a `sending` key (`Ledger::claim_is_live`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// Still running: its claim is never taken over, whatever its age.
    Alive,
    /// Ended (its process is gone, its heartbeat stopped, or it said so): unknown, never "being
    /// sent by another run".
    Dead,
    /// Ended, and its sent notes show it never sent this key (`ledger::sent`): the claim is as
    /// if never made, and the key is sent through a claim of this run's.
    NeverSent,
    /// Not asked: the claim's age alone decides.
    Untold,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Send `create_lead`; `expect` is the state to take the key over from (retrying).
    Create {
        expect: Option<(State, i64)>,
        previous: Option<Entry>,
    },
    /// Send `update_lead` with the changes (`write::changes`).
    Update {
        lead_id: String,
        changes: Changes,
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

/// Whether `e` is a claim young enough to be a request still in flight (another run sharing the
/// ledger is sending it): its answer is awaited, not taken for a failure.
pub fn in_flight(e: &Entry) -> bool {
    in_flight_at(e, crate::ledger::now_secs())
}

fn in_flight_at(e: &Entry, now: i64) -> bool {
    e.state == State::Sending && now - e.sent_at.unwrap_or(e.updated_at) < LIVE_CLAIM_SECS
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

pub fn decide(entry: Option<&Entry>, input: &Input<'_>, policy: Policy, now: i64) -> Decision {
    decide_owned(entry, input, policy, now, Owner::Untold)
}

/// `decide`, knowing whether the run that claimed the key is alive (`owner`); `now` is on the
/// ledger's clock (`Ledger::now`).
pub fn decide_owned(
    entry: Option<&Entry>,
    input: &Input<'_>,
    policy: Policy,
    now: i64,
    owner: Owner,
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
            if e.hash == input.hash {
                return Decision::Skip {
                    lead_id: id.clone(),
                    note: format!("already created as {shown} on {}{how}", day_of(e)),
                };
            }
            let changes = input.changes(&e.fields);
            // Only absent fields, emptied cells left alone or fields it may not write: nothing
            // to send, so no update without a field (the API's 400).
            if input.presence.is_some() && !changes.any() {
                return Decision::Skip {
                    lead_id: id.clone(),
                    note: format!(
                        "already created as {shown} on {}{how}; {}",
                        day_of(e),
                        changes.why_nothing(input.names())
                    ),
                };
            }
            let changed = changes.listed(input.names());
            match (&id, policy.update) {
                (Some(lead_id), true) if changes.any() => Decision::Update {
                    lead_id: lead_id.clone(),
                    changes,
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
        State::Sending if owner == Owner::NeverSent => take_over(),
        State::Sending | State::Unknown => {
            let sending = e.state == State::Sending;
            let young = in_flight_at(e, now);
            let live = sending && (owner == Owner::Alive || young);
            if policy.retry_unknown && !live {
                return take_over();
            }
            let note = if sending && owner == Owner::Alive {
                "being sent by another leadctl run that is still running; it may exist".to_string()
            } else if sending && owner == Owner::Dead {
                let retry = if young {
                    " (--retry-unknown sends it again once the claim is 10 minutes old)"
                } else {
                    ""
                };
                format!(
                    "claimed by a leadctl run that ended before its answer; it may exist{retry}"
                )
            } else if live {
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
pub fn after_lost_claim(current: &Entry, input: &Input<'_>) -> Decision {
    decide(
        Some(current),
        input,
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
    fn a_live_owner_keeps_its_claim_whatever_its_age_and_a_dead_one_is_named_as_such() {
        let fields = Fields::new();
        let claim = entry(State::Sending, "h");
        let retry = Policy {
            retry_unknown: true,
            ..Policy::default()
        };
        let old = LIVE_CLAIM_SECS * 10;
        match decide_owned(
            Some(&claim),
            &Input::whole("h", &fields),
            retry,
            old,
            Owner::Alive,
        ) {
            Decision::Unknown { note, .. } => assert_eq!(
                note,
                "being sent by another leadctl run that is still running; it may exist"
            ),
            d => panic!("a live run's claim was taken over: {d:?}"),
        }
        assert!(matches!(
            decide_owned(
                Some(&claim),
                &Input::whole("h", &fields),
                retry,
                old,
                Owner::Dead
            ),
            Decision::Create { .. }
        ));
        match decide_owned(
            Some(&claim),
            &Input::whole("h", &fields),
            Policy::default(),
            5,
            Owner::Dead,
        ) {
            Decision::Unknown { note, .. } => assert_eq!(
                note,
                "claimed by a leadctl run that ended before its answer; it may exist \
                 (--retry-unknown sends it again once the claim is 10 minutes old)"
            ),
            d => panic!("{d:?}"),
        }
    }

    #[test]
    fn a_claim_its_dead_run_never_sent_is_taken_over_at_once_whatever_the_policy() {
        let fields = Fields::new();
        let claim = entry(State::Sending, "h");
        for policy in [
            Policy::default(),
            Policy {
                retry_unknown: true,
                ..Policy::default()
            },
        ] {
            assert_eq!(
                decide_owned(
                    Some(&claim),
                    &Input::whole("h", &fields),
                    policy,
                    // Moments after the claim: young, as a killed run's last claims are.
                    claim.updated_at + 1,
                    Owner::NeverSent,
                ),
                Decision::Create {
                    expect: Some((State::Sending, claim.updated_at)),
                    previous: Some(claim.clone()),
                }
            );
        }
        // Only a claim: an answer recorded is the answer, whatever the notes say.
        let unknown = entry(State::Unknown, "h");
        assert!(matches!(
            decide_owned(
                Some(&unknown),
                &Input::whole("h", &fields),
                Policy::default(),
                5,
                Owner::NeverSent
            ),
            Decision::Unknown { .. }
        ));
    }

    #[test]
    fn the_rule() {
        let p = Policy::default();
        let mut now = Fields::new();
        now.insert("email".into(), Value::from("a@x.example"));
        now.insert("phone".into(), Value::from("1"));
        assert!(matches!(
            decide(None, &Input::whole("h", &now), p, 9),
            Decision::Create { expect: None, .. }
        ));
        let created = entry(State::Created, "h");
        assert!(matches!(
            decide(Some(&created), &Input::whole("h", &now), p, 9),
            Decision::Skip { .. }
        ));
        let changed = decide(Some(&created), &Input::whole("h2", &now), p, 9);
        assert!(
            matches!(&changed, Decision::Changed { changed, .. } if changed == &["phone"]),
            "{changed:?}"
        );
        let upd = Policy { update: true, ..p };
        assert!(matches!(
            decide(Some(&created), &Input::whole("h2", &now), upd, 9),
            Decision::Update { .. }
        ));
        let unknown = entry(State::Unknown, "h");
        assert!(matches!(
            decide(Some(&unknown), &Input::whole("h", &now), p, 9),
            Decision::Unknown { .. }
        ));
        let retry = Policy {
            retry_unknown: true,
            ..p
        };
        assert!(matches!(
            decide(Some(&unknown), &Input::whole("h", &now), retry, 9),
            Decision::Create {
                expect: Some((State::Unknown, 0)),
                ..
            }
        ));
        // A fresh claim may be another run's request in flight: never taken over.
        let live = entry(State::Sending, "h");
        assert!(matches!(
            decide(Some(&live), &Input::whole("h", &now), retry, 10),
            Decision::Unknown { .. }
        ));
        assert!(matches!(
            decide(
                Some(&live),
                &Input::whole("h", &now),
                retry,
                LIVE_CLAIM_SECS + 1
            ),
            Decision::Create { .. }
        ));
        let failed = entry(State::Failed, "h");
        assert!(matches!(
            decide(Some(&failed), &Input::whole("h", &now), p, 9),
            Decision::Failed { .. }
        ));
        let force = Policy { force: true, ..p };
        assert!(matches!(
            decide(Some(&created), &Input::whole("h", &now), force, 9),
            Decision::Create { .. }
        ));
    }
}
