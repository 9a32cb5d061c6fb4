//! A saved plan (`--dry-run --plan-out FILE`, run by `leadctl apply FILE`): its versioned JSON
//! format (doc/plan.md), written atomically and read back bounded and checked. It holds what a
//! run decided to send and what the ledger must still say for each write to apply; never the
//! API key or a password. A leaf: it knows the ledger's field and state types, nothing above.

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::Failure;
use crate::fsutil::{self, Accept};
use crate::ledger::{Fields, State};
use crate::report::Input;

/// The format this leadctl writes (and the newest it reads).
pub const SCHEMA: u64 = 2;
/// The oldest format this leadctl reads: schema 1 (creates and purchases) is schema 2 without
/// updates and moves.
pub const OLDEST: u64 = 1;
/// The actions a plan holds.
pub const ACTIONS: [&str; 5] = [
    "create_lead",
    "create_purchase",
    "update_lead",
    "update_status",
    "update_status_id",
];
/// What marks a file as a leadctl plan.
pub const KIND: &str = "leadctl-plan";
/// The largest plan read (a plan holds each write's body: 100,000 rows fit well within it).
pub const MAX_BYTES: u64 = 512 * 1024 * 1024;

/// One saved plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedPlan {
    /// [`KIND`].
    pub kind: String,
    /// [`SCHEMA`].
    pub schema: u64,
    /// The leadctl that wrote it.
    pub leadctl: String,
    /// When it was made (RFC 3339, UTC).
    pub created: String,
    /// The command that planned it (`import`, `purchases import`).
    pub command: String,
    /// The API URL as the ledger scopes keys (no credentials): `apply` refuses another.
    pub api_url: String,
    /// Where the ledger was (a PostgreSQL URL with its password masked), for the reader.
    pub ledger: Option<String>,
    /// The files planned from, as they were then.
    pub inputs: Vec<Input>,
    /// The database query planned from (`import --query ... --from URL`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<QuerySource>,
    /// The plan's counts in words (what the dry run said).
    pub summary: String,
    /// Each write, in the order the run would send it.
    pub writes: Vec<Write>,
    /// Hex SHA-256 of `writes` as saved: a plan edited or cut after it was saved is refused.
    pub checksum: String,
}

/// A query a plan was made from: which database and which SQL, never a password. `apply` does
/// not run it again (a plan's writes are whole in the plan); it names the source in messages
/// and in the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuerySource {
    /// The database as shown in messages, its password masked (`postgres://u:****@h/db`).
    pub from: String,
    /// Where the SQL came from: `--query`, or `--query-file FILE`.
    pub origin: String,
    /// Hex SHA-256 of the SQL as written (the text itself is logged only with `-v`).
    pub sha256: String,
    /// The rows the query returned.
    pub rows: u64,
}

impl QuerySource {
    /// How the source is named in messages and the ledger, as the import named it.
    pub fn name(&self) -> String {
        format!("query on {}", self.from)
    }
}

/// One planned write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Write {
    /// The API action: `create_lead`, `create_purchase`, `update_lead`, `update_status` or
    /// `update_status_id`.
    pub action: String,
    /// The ledger key's scope (a lead's channel; `purchases` for purchases).
    pub channel: String,
    pub key: String,
    /// The hash of `fields` (the ledger's way to tell the same write from a changed one).
    pub hash: String,
    /// The values it writes, as the ledger records them.
    pub fields: Fields,
    /// The input's row it came from.
    pub row: u64,
    /// What the ledger must say of the key for the write to still apply.
    pub expect: Expect,
    /// The exact request body.
    pub body: Value,
}

impl Write {
    /// The body's fields: the body without its `action`, which the client sends first.
    pub fn request_fields(&self) -> Value {
        let mut body = self.body.clone();
        if let Some(map) = body.as_object_mut() {
            map.remove("action");
        }
        body
    }
}

/// What the ledger said of a write's key when it was planned: nothing (`absent`), or an entry
/// in this state last changed at `updated_at` by the run `run` (a retry taking a failed or
/// unknown key over; an update or a move from the lead's recorded values or status). The run
/// tells two writes within one second apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expect {
    /// `absent`, `created`, `failed`, `unknown`, `sending`.
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    /// The entry's hash (its values), for a `created` one: an update or a move planned from
    /// what the ledger recorded then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
    /// A move that reads the lead first: the status id the plan read (`""`: none). `apply`
    /// reads it again, and a lead moved since is stale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

impl Expect {
    pub fn absent() -> Expect {
        Expect {
            state: "absent".into(),
            updated_at: None,
            run: None,
            hash: None,
            status: None,
        }
    }

    /// What a planned write's key (`PlanKey`) expects.
    pub fn of(k: &PlanKey) -> Expect {
        let status = k.status.clone();
        match k.expect {
            None => Expect {
                status,
                ..Expect::absent()
            },
            Some((state, at)) => Expect {
                state: state.as_str().into(),
                updated_at: Some(at),
                run: k.expect_run.clone(),
                hash: k.expect_hash.clone(),
                status,
            },
        }
    }

    /// Whether the ledger's entry for the key (`None`: absent) is still the one planned against.
    pub fn holds(&self, entry: Option<&crate::ledger::Entry>) -> bool {
        match (entry, self.claim()) {
            (None, Ok(None)) => true,
            (Some(e), Ok(Some((state, at)))) => {
                e.state == state
                    && e.updated_at == at
                    && e.run == self.run
                    && self.hash.as_ref().is_none_or(|h| *h == e.hash)
            }
            _ => false,
        }
    }

    /// The claim's `expect` (`None`: the key must be absent); an unreadable one is `Err`.
    pub fn claim(&self) -> Result<Option<(State, i64)>, String> {
        if self.state == "absent" {
            return Ok(None);
        }
        match (State::parse(&self.state), self.updated_at) {
            (Some(s), Some(at)) if s != State::Created || self.hash.is_some() => Ok(Some((s, at))),
            _ => Err(format!(
                "its expected ledger state {:?} is not one a plan holds",
                excerpt(&self.state)
            )),
        }
    }
}

/// A planned write's place in the ledger, as the plan decided it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanKey {
    pub channel: String,
    pub key: String,
    pub hash: String,
    pub fields: Fields,
    /// The state a retry takes the key over from; `None`: the key is absent.
    pub expect: Option<(State, i64)>,
    /// The run that wrote that entry.
    pub expect_run: Option<String>,
    /// That entry's hash, when it is `created` (an update, a move to another status).
    pub expect_hash: Option<String>,
    /// A move that read the lead first: the status id read (`""`: none).
    pub status: Option<String>,
}

/// Hex SHA-256 of the writes as they are serialised.
pub fn checksum(writes: &[Write]) -> String {
    // Serialising plain data cannot fail; an empty text would fail every check (never pass one).
    let bytes = serde_json::to_vec(writes).unwrap_or_default();
    crate::report::Input::sha256_of(&bytes)
}

impl SavedPlan {
    /// Writes the plan to `path` atomically (a reader sees the old file or the whole new one).
    pub fn save(&self, path: &Path) -> Result<(), Failure> {
        let mut text = serde_json::to_vec_pretty(self).map_err(|e| {
            Failure::input(format!("cannot write the plan {}: {e}", path.display()))
        })?;
        text.push(b'\n');
        fsutil::write_atomic(path, &text).map_err(|e| {
            Failure::config(format!("cannot write the plan {}: {e}", path.display())).with_hint(
                "name a file in a writable directory with --plan-out FILE; nothing was sent",
            )
        })
    }

    /// Reads and checks a saved plan: a leadctl plan, of a schema this leadctl reads, whole and
    /// unchanged since it was saved. Every refusal is an input error (exit 6) naming the file.
    pub fn load(path: &Path) -> Result<SavedPlan, Failure> {
        let shown = path.display();
        let bad = |why: String| {
            Failure::input(format!("{shown} is not a plan leadctl can apply: {why}")).with_hint(
                "make a plan with `leadctl import FILE --dry-run --plan-out PLAN`, then `leadctl \
                 apply PLAN`",
            )
        };
        let text = fsutil::read_capped_string(path, MAX_BYTES, Accept::RegularFile, "a plan")
            .map_err(|e| {
                if e.kind() == std::io::ErrorKind::NotFound {
                    Failure::input(format!("cannot read the plan {shown}: no such file"))
                        .with_hint("check the path given to `leadctl apply`")
                } else {
                    bad(e.to_string())
                }
            })?;
        let value: Value = serde_json::from_str(&text).map_err(|e| {
            let what = if e.is_eof() {
                "it ends early (cut off while written or copied?)"
            } else {
                "it is not valid JSON"
            };
            bad(format!("{what}: line {}, column {}", e.line(), e.column()))
        })?;
        if value.get("kind").and_then(Value::as_str) != Some(KIND) {
            return Err(bad(format!("it has no \"kind\": \"{KIND}\"")));
        }
        match value.get("schema").and_then(Value::as_u64) {
            Some(OLDEST..=SCHEMA) => {}
            Some(n) if n > SCHEMA => {
                return Err(Failure::input(format!(
                    "{shown} is a plan of schema {n}, made by a newer leadctl; this leadctl \
                     ({}) applies schemas {OLDEST} to {SCHEMA}",
                    env!("CARGO_PKG_VERSION")
                ))
                .with_hint("apply it with the leadctl that made it, or upgrade leadctl"))
            }
            _ => {
                return Err(bad(
                    "its \"schema\" is not a version this leadctl knows".into()
                ))
            }
        }
        let plan: SavedPlan = serde_json::from_value(value).map_err(|e| bad(e.to_string()))?;
        if checksum(&plan.writes) != plan.checksum {
            return Err(bad(
                "its writes differ from what was saved (the checksum does not match): it was \
                 edited or damaged; a plan is applied exactly as made or not at all"
                    .into(),
            ));
        }
        for (i, w) in plan.writes.iter().enumerate() {
            if w.body.get("action").and_then(Value::as_str) != Some(w.action.as_str())
                || !w.body.is_object()
            {
                return Err(bad(format!(
                    "write {} has a body that is not a request of its action",
                    i + 1
                )));
            }
            if !ACTIONS.contains(&w.action.as_str()) {
                return Err(bad(format!(
                    "write {} has action {:?}, which this leadctl does not apply",
                    i + 1,
                    excerpt(&w.action)
                )));
            }
            let expect = w
                .expect
                .claim()
                .map_err(|why| bad(format!("write {}: {why}", i + 1)))?;
            let created = matches!(expect, Some((State::Created, _)));
            // A create takes over only what was never created; an update changes a lead that is.
            let fits = match w.action.as_str() {
                "create_lead" | "create_purchase" => !created,
                "update_lead" => created,
                _ => true,
            };
            if !fits {
                return Err(bad(format!(
                    "write {}: its expected ledger state {:?} is not one a plan holds for {}",
                    i + 1,
                    excerpt(&w.expect.state),
                    w.action
                )));
            }
        }
        Ok(plan)
    }
}

/// At most 40 characters of a value from the file, for messages.
fn excerpt(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> SavedPlan {
        let writes = vec![Write {
            action: "create_lead".into(),
            channel: "c1".into(),
            key: "email:a@example.com".into(),
            hash: "h".into(),
            fields: Fields::new(),
            row: 1,
            expect: Expect::absent(),
            body: serde_json::json!({"action": "create_lead", "channel_id": "c1", "email": "a@example.com"}),
        }];
        SavedPlan {
            kind: KIND.into(),
            schema: SCHEMA,
            leadctl: "0".into(),
            created: "2026-12-06T00:00:00Z".into(),
            command: "import".into(),
            api_url: "http://127.0.0.1:1".into(),
            ledger: None,
            inputs: Vec::new(),
            query: None,
            summary: String::new(),
            checksum: checksum(&writes),
            writes,
        }
    }

    #[test]
    fn a_saved_plan_reads_back_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.json");
        let p = plan();
        p.save(&path).unwrap();
        assert_eq!(SavedPlan::load(&path).unwrap(), p);
    }

    #[test]
    fn expectations_read_as_claims() {
        assert_eq!(Expect::absent().claim(), Ok(None));
        let failed = Expect {
            state: "failed".into(),
            updated_at: Some(7),
            ..Expect::absent()
        };
        assert_eq!(failed.claim(), Ok(Some((State::Failed, 7))));
        let created = Expect {
            state: "created".into(),
            updated_at: Some(1),
            ..Expect::absent()
        };
        assert!(
            created.claim().is_err(),
            "a created entry is expected by its hash"
        );
        let with_hash = Expect {
            hash: Some("h".into()),
            ..created
        };
        assert_eq!(with_hash.claim(), Ok(Some((State::Created, 1))));
    }

    #[test]
    fn a_write_must_be_a_request_this_leadctl_applies() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.json");
        let refused = |p: &SavedPlan| {
            let mut p = p.clone();
            p.checksum = checksum(&p.writes);
            p.save(&path).unwrap();
            SavedPlan::load(&path).unwrap_err().message
        };
        let mut p = plan();
        p.writes[0].body["action"] = "create_purchase".into();
        assert!(refused(&p).ends_with("write 1 has a body that is not a request of its action"));
        let mut p = plan();
        p.writes[0].action = "delete_lead".into();
        p.writes[0].body["action"] = "delete_lead".into();
        assert!(refused(&p)
            .ends_with("write 1 has action \"delete_lead\", which this leadctl does not apply"));
        let created = Expect {
            state: "created".into(),
            updated_at: Some(1),
            hash: Some("h".into()),
            ..Expect::absent()
        };
        let mut p = plan();
        p.writes[0].expect = created.clone();
        assert!(refused(&p).ends_with(
            "write 1: its expected ledger state \"created\" is not one a plan holds for \
             create_lead"
        ));
        // An update changes a lead the ledger records as created, nothing else.
        let mut p = plan();
        p.writes[0].action = "update_lead".into();
        p.writes[0].body["action"] = "update_lead".into();
        assert!(refused(&p).ends_with(
            "write 1: its expected ledger state \"absent\" is not one a plan holds for \
             update_lead"
        ));
        p.writes[0].expect = created;
        p.checksum = checksum(&p.writes);
        p.save(&path).unwrap();
        assert!(SavedPlan::load(&path).is_ok());
    }

    #[test]
    fn a_plan_of_schema_1_still_reads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.json");
        let mut p = plan();
        p.schema = 1;
        p.save(&path).unwrap();
        assert_eq!(SavedPlan::load(&path).unwrap(), p);
        p.schema = SCHEMA + 1;
        p.save(&path).unwrap();
        let e = SavedPlan::load(&path).unwrap_err();
        assert_eq!(e.kind, crate::error::Kind::Input);
        assert!(
            e.message
                .ends_with(&format!("applies schemas 1 to {SCHEMA}")),
            "{}",
            e.message
        );
    }

    #[test]
    fn an_edited_plan_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.json");
        let mut p = plan();
        p.writes[0].body["email"] = "b@example.com".into();
        p.save(&path).unwrap();
        let e = SavedPlan::load(&path).unwrap_err();
        assert_eq!(e.kind, crate::error::Kind::Input);
        assert!(
            e.message.contains("the checksum does not match"),
            "{}",
            e.message
        );
    }
}
