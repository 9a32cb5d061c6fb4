//! The end of every `import`, `create`, `purchases import` and `apply` run (each calls
//! [`around`]): the run report written atomically to `--report
//! FILE` / `LEADCTL_REPORT` (a first document with status `running` when the run starts, so
//! the path is checked before anything is sent and a killed run leaves a trace), the run
//! recorded in the ledger's history, and, under GitHub Actions, the job summary, annotations and
//! step outputs. The engine only fills the [`Recorder`] it is handed.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Result;

use crate::api::event::{Event, Observer};
use crate::cli::CiArgs;
use crate::error::Failure;
use crate::ledger::{Ledger, Location, RunRecord};
use crate::log::Log;
use crate::report::{self, github, Exit, Input, Recorder, Run};
use crate::settings::Settings;

/// What a run is, for its report and history.
pub struct What<'a> {
    /// `import`, `create`, `purchases import`.
    pub command: &'a str,
    pub inputs: Vec<&'a Path>,
    /// What else decides what the run does (channel, flags): part of its fingerprint.
    pub query: Vec<String>,
    /// A dry run: reported, not recorded in the history.
    pub dry_run: bool,
    /// The input's header line (`--header-row`, else 1): a row's line is this plus its number.
    /// None where rows are not lines of a file (`create`).
    pub header_line: Option<u64>,
}

impl What<'_> {
    /// The fingerprint `report::Run::start` gives this run (`report::run_fingerprint`).
    pub fn fingerprint(&self, settings: &Settings) -> String {
        let paths: Vec<String> = self
            .inputs
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
        let query: Vec<&str> = self.query.iter().map(String::as_str).collect();
        report::run_fingerprint(
            self.command,
            &crate::ledger::scope_url(&settings.api_url.value),
            &paths,
            &query,
        )
    }
}

/// Runs `body` with a recorder, then reports the run however it ended.
pub fn around(
    settings: &Settings,
    ci: &CiArgs,
    what: What<'_>,
    body: impl FnOnce(Arc<Recorder>) -> Result<()>,
) -> Result<()> {
    let log = settings.log();
    let path = ci.report.clone().or_else(|| settings.report.clone());
    let inputs: Vec<Input> = what.inputs.iter().map(|p| Input::of(p)).collect();
    let query: Vec<&str> = what.query.iter().map(String::as_str).collect();
    let run = Run::start(
        what.command,
        inputs,
        &crate::ledger::scope_url(&settings.api_url.value),
        settings.ledger.as_ref().map(ToString::to_string),
        report::host(settings.host_hint.as_deref()),
        &query,
    );
    let recorder = Arc::new(Recorder::new());
    if let Some(path) = &path {
        report::write(path, &run.started_document()).map_err(|e| {
            Failure::config(format!(
                "cannot write the run report {}: {e}",
                path.display()
            ))
            .with_hint("name a file in a writable directory with --report FILE (or LEADCTL_REPORT); nothing was sent")
        })?;
    }
    let result = body(recorder.clone());
    let exit = exit_of(&result);
    let document = run.document(&recorder, &exit);
    if let Some(path) = &path {
        if let Err(e) = report::write(path, &document) {
            log.warn(&format!(
                "cannot write the run report {}: {e}",
                path.display()
            ));
        }
    }
    if !what.dry_run {
        record(
            settings,
            &run,
            &document,
            &exit,
            &log,
            recorder.take_ledger(),
        );
    }
    if let Some(actions) = settings.github.as_ref().filter(|_| !ci.no_ci_annotations) {
        let file = what
            .inputs
            .first()
            .map(|p| p.display().to_string())
            .filter(|p| p != "-");
        let place = file.as_deref().zip(what.header_line);
        to_github(actions, &document, place, path.as_deref(), &log);
    }
    result
}

/// The exit code and message `exit::report` will give the result.
fn exit_of(result: &Result<()>) -> Exit {
    match result {
        Ok(()) => Exit {
            code: 0,
            error: None,
        },
        Err(e) if crate::exit::is_broken_pipe(e) => Exit {
            code: 0,
            error: None,
        },
        Err(e) => Exit {
            code: crate::exit::exit_code(e),
            error: Some((format!("{e:#}"), crate::exit::hint(e))),
        },
    }
}

/// The run in the ledger's history (not for `--no-ledger` or `--sandbox`'s in-memory ledger),
/// through the ledger the run `kept`, else opened for it. A run whose ledger could not be used
/// says nothing more about it; any other failure is a warning: the run's own exit code stands.
fn record(
    settings: &Settings,
    run: &Run,
    document: &serde_json::Value,
    exit: &Exit,
    log: &Log,
    kept: Option<Arc<Ledger>>,
) {
    let Some(location) = settings.ledger.as_ref() else {
        return;
    };
    if matches!(location, Location::Memory) {
        return;
    }
    let record = RunRecord {
        id: run.id.clone(),
        started_at: crate::ledger::runs::millis(run.started),
        ended_at: crate::ledger::runs::millis(std::time::SystemTime::now()),
        host: run.host.clone(),
        command: run.command.clone(),
        fingerprint: run.fingerprint.clone(),
        exit_code: i32::from(exit.code),
        inputs: document["inputs"].clone(),
        counts: document["counts"].clone(),
        report: document.clone(),
    };
    let written = match kept.filter(|l| l.location() == location) {
        Some(l) => l.record_run(&record),
        None => Ledger::open_unchecked(location).and_then(|l| l.record_run(&record)),
    };
    if let Err(e) = written {
        // Exit 3 and 7 before sending are most often the ledger itself: said already.
        if matches!(exit.code, 0 | 8 | 130) {
            log.warn(&format!(
                "the run was not recorded in the ledger's history: {e}"
            ));
        } else {
            log.debug(&format!(
                "the run was not recorded in the ledger's history: {e}"
            ));
        }
    }
}

/// The job summary, the annotations and the step outputs; a file that cannot be written is a
/// warning.
fn to_github(
    actions: &github::Actions,
    document: &serde_json::Value,
    file: Option<(&str, u64)>,
    report_path: Option<&Path>,
    log: &Log,
) {
    for line in github::annotations(document, file) {
        log.workflow_command(&line);
    }
    let report = report_path.map(|p| p.display().to_string());
    let append = |path: &PathBuf, text: &str, what: &str| {
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|mut f| f.write_all(text.as_bytes()));
        if let Err(e) = written {
            log.warn(&format!("cannot write the {what} {}: {e}", path.display()));
        }
    };
    if let Some(p) = &actions.step_summary {
        append(
            p,
            &github::summary(document, report.as_deref()),
            "job summary",
        );
    }
    if let Some(p) = &actions.output {
        append(
            p,
            &github::outputs(document, report.as_deref()),
            "step outputs",
        );
    }
}

/// An observer for the run's API client: counts 429 answers and retries into the recorder.
pub fn counting(recorder: &Arc<Recorder>) -> Observer {
    let recorder = recorder.clone();
    Observer::new(move |e| match e {
        Event::Response { status, .. } if status.as_u16() == 429 => recorder.rate_limited(),
        Event::Retry { why, .. } if !why.starts_with("rate-limited") => recorder.retried(),
        _ => {}
    })
}
