//! A purchase, exactly once: its identity ([`Keyed`]: the purchase, its line's key, its values
//! and their hash), what the ledger says of it ([`judge`], by the engine's rule), and its
//! `create_purchase` as a work of the engine (`work`). It knows no file, row or column: the
//! purchases import maps rows to these (`import::purchase`). See doc/ledger.md, "Purchases".

pub mod work;

use crate::api::models::NewPurchase;
use crate::deliver::rule::{self, day_of, Decision, Policy};
use crate::error::Failure;
use crate::ledger::{Entry, Fields, Ledger, State};

pub use work::Ready;

/// Purchases are kept per API URL, not per channel: a purchase key names one purchase of the
/// company whatever its lead's channel.
pub const CHANNEL: &str = "";

/// A purchase ready to send, with its identity.
#[derive(Debug, Clone)]
pub struct Keyed {
    pub purchase: NewPurchase,
    pub fields: Fields,
    pub hash: String,
    /// Its line's key (`lines`): `purchase:id:<id>`, `purchase:line:<n>:<invoice>`,
    /// `purchase:row:<hash>[:<n>]`.
    pub key: String,
}

/// What a purchase's key comes to before anything is sent.
#[allow(clippy::large_enum_variant)]
pub enum Judged {
    /// Send it (`expect`: the state to take the key over from).
    Send {
        expect: Option<(State, i64)>,
        previous: Option<Entry>,
    },
    /// Left as it is, and why.
    Left(Left, String),
}

/// How a purchase not sent is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Left {
    /// Recorded already with these values.
    Skipped,
    /// Recorded with other values (the API cannot change a purchase).
    Changed,
    /// Refused before (sent again only with `--retry-failed`).
    Failed,
    /// Sent without a reliable answer (sent again only with `--retry-unknown`).
    Unknown,
}

/// What the ledger says of a purchase: the import's rule (`deliver::rule`) with no update and no
/// `--force` (a purchase is never changed, only recorded).
pub fn judge(
    ledger: &Ledger,
    scope_url: &str,
    keyed: &Keyed,
    policy: Policy,
) -> Result<Judged, Failure> {
    let entry = ledger.get(scope_url, CHANNEL, &keyed.key)?;
    let policy = Policy {
        update: false,
        force: false,
        ..policy
    };
    let recorded = |e: &Entry| {
        format!(
            "recorded as purchase {} on {}",
            e.lead_id.as_deref().unwrap_or("(no id)"),
            day_of(e)
        )
    };
    let e = entry.as_ref();
    Ok(
        match rule::decide_owned(
            e,
            &rule::Input::whole(&keyed.hash, &keyed.fields),
            policy,
            // Ages on the ledger's clock, and a live owner's claim never taken over.
            ledger.now(),
            e.map_or(rule::Owner::Untold, |e| {
                crate::deliver::claim::owner_of(ledger, scope_url, e)
            }),
        ) {
            Decision::Create { expect, previous } => Judged::Send { expect, previous },
            Decision::Skip { .. } => Judged::Left(
                Left::Skipped,
                format!("already {}", e.map(recorded).unwrap_or_default()),
            ),
            Decision::Changed { changed, .. } => Judged::Left(
                Left::Changed,
                format!(
                    "{}; it differs now in {} (the API cannot change a purchase: record a \
                     correction with another purchase id)",
                    e.map(recorded).unwrap_or_default(),
                    changed.join(", ")
                ),
            ),
            Decision::Update { .. } => Judged::Left(Left::Changed, "changed".into()),
            Decision::Failed { note } => Judged::Left(Left::Failed, note),
            Decision::Unknown { note, .. } => Judged::Left(
                Left::Unknown,
                note.replace("it may exist", "it may have been recorded"),
            ),
        },
    )
}

/// What a key another run sharing the ledger claimed first comes to, by its entry.
pub fn after_lost_claim(current: &Entry) -> (Left, &'static str) {
    match current.state {
        State::Created => (
            Left::Skipped,
            "recorded by another leadctl run sharing the ledger",
        ),
        State::Failed => (Left::Failed, "refused in another leadctl run"),
        _ => (
            Left::Unknown,
            "another leadctl run sharing the ledger is sending it; it may have been recorded",
        ),
    }
}

/// What the ledger keeps of a purchase: the fields sent.
pub fn fields_of(p: &NewPurchase) -> Fields {
    let mut f = Fields::new();
    f.insert("lead_id".into(), p.lead_id.clone().into());
    if let Some(n) = &p.purchase_amount {
        f.insert("purchase_amount".into(), n.to_string().into());
    }
    for (name, value) in [
        ("product_name", &p.product_name),
        ("product_description", &p.product_description),
        ("date", &p.date),
    ] {
        if let Some(v) = value {
            f.insert(name.into(), v.clone().into());
        }
    }
    if !p.trigger_ids.is_empty() {
        f.insert("trigger_ids".into(), p.trigger_ids.join(",").into());
    }
    f
}
