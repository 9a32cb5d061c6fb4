//! The account of a run, as text: the summary on stderr, what reconciling found, and the final
//! error (exit 8, 130, ...) with the next steps. Pure text from counts: unit-tested here.

use super::fmt_count;
use super::report::Counts;
use crate::error::{Failure, Kind};
use crate::lead::window::Settled;
use crate::log::Log;

pub struct Summary<'a> {
    /// The rows the run meant to go through (0 when unknown: a stream).
    pub total: u64,
    pub counts: Counts,
    /// Rows sent by this run (not those settled without sending).
    pub sent: u64,
    pub elapsed: std::time::Duration,
    pub ledger: Option<String>,
    pub errors: Option<(String, u64)>,
    pub resume: &'a str,
    pub interrupted: bool,
    /// The other runs sharing the ledger that took rows of this input, and how many each.
    pub others: Vec<(String, u64)>,
    /// How the concurrency moved (`concurrency auto: 4 → 27, mostly 24; ...`), when rows were sent.
    pub concurrency: Option<String>,
}

pub fn summary_text(s: &Summary<'_>) -> String {
    let secs = s.elapsed.as_secs_f64();
    let rate = if secs > 0.0 {
        s.sent as f64 / secs
    } else {
        0.0
    };
    let mut text = format!(
        "import {} in {secs:.1}s ({rate:.0} rows/s): {}",
        if s.interrupted {
            "interrupted"
        } else {
            "finished"
        },
        s.counts.describe()
    );
    // Rows the run stopped before reaching (Ctrl-C, --max-errors, a fatal error).
    let reached = s.counts.done();
    if s.total > reached {
        text.push_str(&format!(", {} not reached", fmt_count(s.total - reached)));
    }
    if let Some(c) = &s.concurrency {
        text.push_str(&format!("\n  {c}"));
    }
    if let Some(l) = &s.ledger {
        text.push_str(&format!("\n  ledger: {l}"));
    }
    if !s.others.is_empty() || s.counts.by_others > 0 {
        let took: Vec<String> = s
            .others
            .iter()
            .map(|(run, n)| format!("run {run} took {}", fmt_count(*n)))
            .collect();
        text.push_str(&format!(
            "\n  shared ledger: this run sent {}; {}",
            fmt_count(s.sent),
            if took.is_empty() {
                format!(
                    "{} row(s) were sent by other leadctl runs at the same time",
                    fmt_count(s.counts.by_others)
                )
            } else {
                took.join(", ")
            }
        ));
        if s.counts.by_others_unanswered > 0 {
            text.push_str(&format!(
                " ({} still without an answer when this run ended: unknown here)",
                fmt_count(s.counts.by_others_unanswered)
            ));
        }
    }
    if let Some((path, rows)) = &s.errors {
        text.push_str(&format!(
            "\n  errors file: {path} ({rows} row(s) to fix and import again)"
        ));
    }
    if s.counts.changed > 0 {
        text.push_str(&format!(
            "\n  {} row(s) changed since their lead was created: --update sends the changes",
            fmt_count(s.counts.changed)
        ));
    }
    // Resuming sends only rows not sent yet: failed and unknown rows need a decision first.
    if (s.counts.not_sent > 0 || s.interrupted) && s.ledger.is_some() {
        text.push_str(&format!("\n  to resume: {}", s.resume));
    }
    text
}

pub fn summarize(s: &Summary<'_>, log: &Log) {
    log.notice(&summary_text(s));
}

/// The run's result: `Ok`, or the error that sets the exit code (130, 8, or the fatal one).
pub fn outcome(
    s: &Summary<'_>,
    stdout_closed: bool,
    fatal: Option<anyhow::Error>,
    max_errors: Option<u64>,
) -> anyhow::Result<()> {
    let counts = &s.counts;
    let resume = s.resume;
    if s.interrupted {
        return Err(Failure::new(
            Kind::Interrupted,
            format!("interrupted: {}", counts.describe()),
        )
        .with_hint(format!("run `{resume}` to send the rest"))
        .into());
    }
    if stdout_closed {
        return Err(Failure::new(
            Kind::Partial,
            format!(
                "stdout was closed (broken pipe), so the import stopped after {}",
                counts.describe()
            ),
        )
        .with_hint(format!(
            "run `{resume}` again without closing its output to send the rest"
        ))
        .into());
    }
    if let Some(e) = fatal {
        if counts.created == 0 && counts.skipped == 0 {
            return Err(e.context("the import stopped"));
        }
        return Err(e.context(format!("the import stopped after {}", counts.describe())));
    }
    let open = counts.failed + counts.unknown + counts.invalid + counts.not_sent;
    if open > 0 {
        let mut f = Failure::new(
            Kind::Partial,
            format!(
                "{} of {} row(s) were not created",
                fmt_count(open),
                fmt_count(counts.done())
            ),
        );
        f.hint = Some(next_steps(
            counts,
            resume,
            s.errors.as_ref().map(|(p, _)| p.clone()),
        ));
        if let Some(max) = max_errors {
            f.message
                .push_str(&format!(" (stopped by --max-errors {max})"));
        }
        return Err(f.into());
    }
    Ok(())
}

pub fn next_steps(c: &Counts, resume: &str, errors: Option<String>) -> String {
    let mut steps = Vec::new();
    if c.not_sent > 0 {
        steps.push(format!(
            "run `{resume}` to send the {} row(s) not sent",
            c.not_sent
        ));
    }
    if c.unknown > 0 {
        steps.push(format!(
            "check the {} unknown row(s) in KeenPartner before re-sending any (`--reconcile` \
             looks again; `--retry-unknown` re-sends them, so use it only for rows you know do \
             not exist)",
            c.unknown
        ));
    }
    if c.failed + c.invalid > 0 {
        match errors {
            Some(path) => steps.push(format!("fix the rows in {path} and import that file")),
            None => steps.push("fix the failed rows and import them again".to_string()),
        }
    }
    steps.join("; ")
}

pub fn report_settled(settled: &Settled, unknown: usize, log: &Log) {
    log.notice(&settled_text(settled, unknown));
}

pub fn settled_text(settled: &Settled, unknown: usize) -> String {
    let found = settled.found.len();
    let mut text = format!(
        "{found} of {unknown} row(s) without a reliable answer were found among their channel's \
         newest leads and count as created"
    );
    let absent = settled.absent.len();
    if absent > 0 {
        text.push_str(&format!(
            "; {absent} were proven never created (not sent: the same command sends them)"
        ));
    }
    let left = unknown - (found + absent).min(unknown);
    if left > 0 && !settled.capped.is_empty() {
        text.push_str(&format!(
            "; {left} remain unknown: the API lists only the newest 100 leads of a channel, so an \
             older lead cannot be checked, and absence there proves nothing"
        ));
    } else if left > 0 && settled.unreadable.is_empty() && settled.ambiguous.is_empty() {
        text.push_str(&format!(
            "; {left} remain unknown: they are not among their channel's leads (all of which \
             were checked), but were sent less than {} s ago, and the server may still be \
             creating them (`import FILE --reconcile` settles them after that)",
            crate::lead::window::PROCESSING_SECS + crate::lead::window::PROCESSING_MARGIN_SECS
        ));
    } else if left > 0 {
        text.push_str(&format!("; {left} remain unknown"));
    }
    if !settled.ambiguous.is_empty() {
        let rows: Vec<String> = settled
            .ambiguous
            .iter()
            .take(10)
            .map(u64::to_string)
            .collect();
        text.push_str(&format!(
            "\n  ambiguous: row(s) {} match a lead that could also be another row's (or more \
             than one lead), so none was given one; check them in KeenPartner",
            rows.join(", ")
        ));
    }
    for (channel, why) in &settled.unreadable {
        text.push_str(&format!(
            "\n  could not read the leads of channel {channel}: {why}"
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_names_the_new_outcomes() {
        let counts = Counts {
            created: 5,
            skipped: 10,
            changed: 1,
            duplicate: 2,
            ..Counts::default()
        };
        let s = Summary {
            others: Vec::new(),
            total: 25,
            counts,
            sent: 5,
            elapsed: std::time::Duration::from_secs(2),
            ledger: Some("/tmp/l.sqlite3".into()),
            errors: None,
            resume: "leadctl import x.csv",
            interrupted: false,
            concurrency: Some("concurrency auto: 4 → 27, mostly 24; never backed off".into()),
        };
        let text = summary_text(&s);
        assert!(
            text.contains("\n  concurrency auto: 4 → 27, mostly 24; never backed off\n"),
            "{text}"
        );
        assert!(
            text.contains("5 created, 10 skipped, 1 changed, 2 duplicate"),
            "{text}"
        );
        assert!(text.contains("ledger: /tmp/l.sqlite3"), "{text}");
        assert!(text.contains("--update sends the changes"), "{text}");
        assert!(
            text.contains("2 duplicate, 7 not reached"),
            "rows never reached are counted: {text}"
        );
        assert!(outcome(&s, false, None, None).is_ok());
    }

    #[test]
    fn unknown_rows_are_never_simply_re_sent() {
        let c = Counts {
            unknown: 2,
            ..Counts::default()
        };
        let steps = next_steps(&c, "leadctl import x.csv", None);
        assert!(
            steps.contains("only for rows you know do not exist"),
            "{steps}"
        );
    }
}
