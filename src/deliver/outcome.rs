//! What a work came to, and what an API error says about it: sent and refused (`failed`),
//! maybe processed (`unknown`), provably not processed (`not_sent`), and whether the run must
//! stop (every further work would meet the same).

use serde::Serialize;

use crate::api::ApiError;

/// What one work came to (a row's fate in an import: every outcome a results stream names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Created,
    Failed,
    Unknown,
    Invalid,
    Skipped,
    NotSent,
    /// An existing lead's changed fields were sent with `update_lead` (`--update`).
    Updated,
    /// Created earlier with other field values; nothing sent (see `--update`).
    Changed,
    /// The same key as an earlier row of this input: not sent.
    Duplicate,
    /// An existing lead moved to the row's status (`update_status`).
    Moved,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::Failed => "failed",
            Outcome::Unknown => "unknown",
            Outcome::Invalid => "invalid",
            Outcome::Skipped => "skipped",
            Outcome::NotSent => "not_sent",
            Outcome::Updated => "updated",
            Outcome::Changed => "changed",
            Outcome::Duplicate => "duplicate",
            Outcome::Moved => "moved",
        }
    }

    /// Rows the user has to act on (they go to the errors file).
    pub fn needs_action(self) -> bool {
        matches!(self, Outcome::Failed | Outcome::Unknown | Outcome::Invalid)
    }
}

/// Counts per outcome, for the bar and the summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub created: u64,
    pub failed: u64,
    pub unknown: u64,
    pub invalid: u64,
    pub skipped: u64,
    pub not_sent: u64,
    pub updated: u64,
    pub changed: u64,
    pub duplicate: u64,
    pub moved: u64,
    /// Of the skipped and unknown rows: those another leadctl run sharing the ledger was sending
    /// while this one ran (work shared; not an outcome of its own).
    pub by_others: u64,
    /// Of those: still unanswered when this run ended.
    pub by_others_unanswered: u64,
}

impl Counts {
    /// How many came to `outcome`.
    pub fn of(&self, outcome: Outcome) -> u64 {
        match outcome {
            Outcome::Created => self.created,
            Outcome::Failed => self.failed,
            Outcome::Unknown => self.unknown,
            Outcome::Invalid => self.invalid,
            Outcome::Skipped => self.skipped,
            Outcome::NotSent => self.not_sent,
            Outcome::Updated => self.updated,
            Outcome::Changed => self.changed,
            Outcome::Duplicate => self.duplicate,
            Outcome::Moved => self.moved,
        }
    }

    pub fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Created => self.created += 1,
            Outcome::Failed => self.failed += 1,
            Outcome::Unknown => self.unknown += 1,
            Outcome::Invalid => self.invalid += 1,
            Outcome::Skipped => self.skipped += 1,
            Outcome::NotSent => self.not_sent += 1,
            Outcome::Updated => self.updated += 1,
            Outcome::Changed => self.changed += 1,
            Outcome::Duplicate => self.duplicate += 1,
            Outcome::Moved => self.moved += 1,
        }
    }

    pub fn done(&self) -> u64 {
        self.created
            + self.failed
            + self.unknown
            + self.invalid
            + self.skipped
            + self.not_sent
            + self.updated
            + self.changed
            + self.duplicate
            + self.moved
    }

    pub fn describe(&self) -> String {
        let mut parts = vec![format!("{} created", self.created)];
        for (n, what) in [
            (self.failed, "failed"),
            (self.unknown, "unknown"),
            (self.invalid, "invalid"),
            (self.updated, "updated"),
            (self.moved, "moved"),
            (self.skipped, "skipped"),
            (self.changed, "changed"),
            (self.duplicate, "duplicate"),
            (self.not_sent, "not sent"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {what}"));
            }
        }
        parts.join(", ")
    }
}

/// A write's error → its outcome, and whether the run must stop.
pub fn classify(e: &ApiError) -> (Outcome, bool) {
    if e.is_unknown_outcome() {
        return (Outcome::Unknown, false);
    }
    match e {
        ApiError::Forbidden { .. } | ApiError::Rejected { .. } => (Outcome::Failed, false),
        ApiError::Cancelled => (Outcome::NotSent, false),
        // A redirect other than 307/308 after a POST (303 See Other above all) may follow
        // processing: the row may exist. It also stops the run (every row would meet it).
        ApiError::Redirect { status, .. } if !matches!(status, 307 | 308) => {
            (Outcome::Unknown, true)
        }
        // Provably not processed, and every further row would meet the same.
        _ => (Outcome::NotSent, true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification() {
        use std::time::Duration;
        let unknown = ApiError::Timeout {
            timeout: Duration::from_secs(1),
            unknown: true,
        };
        assert_eq!(classify(&unknown), (Outcome::Unknown, false));
        let refused = ApiError::Forbidden {
            message: "Channel not accessible".into(),
        };
        assert_eq!(classify(&refused), (Outcome::Failed, false));
        let down = ApiError::Connect {
            url: "u".into(),
            cause: "refused".into(),
        };
        assert_eq!(classify(&down), (Outcome::NotSent, true));
        assert_eq!(classify(&ApiError::Cancelled), (Outcome::NotSent, false));
        let moved = |status| ApiError::Redirect {
            status,
            location: "l".into(),
        };
        assert_eq!(classify(&moved(303)), (Outcome::Unknown, true));
        assert_eq!(classify(&moved(307)), (Outcome::NotSent, true));
    }
}
