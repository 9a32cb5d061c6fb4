//! The one place that turns a failure into an exit code (the table in doc/cli.md), and prints
//! the final error (`report`).
//!
//! Every expected failure starts as a typed error: `ApiError` from the client, `Failure`
//! (`error.rs`) for the rest. `exit_code` walks the `anyhow` chain and downcasts; anything it
//! does not recognise is 1, which means a bug in leadctl.

use std::process::ExitCode;

use crate::api::ApiError;
use crate::error::{Failure, Kind};
use crate::log::Log;

pub const INTERNAL: u8 = 1;
pub const USAGE: u8 = 2;
pub const CONFIG: u8 = 3;
pub const AUTH: u8 = 4;
pub const PERMISSION: u8 = 5;
pub const INPUT: u8 = 6;
pub const NETWORK: u8 = 7;
pub const PARTIAL: u8 = 8;
pub const INTERRUPTED: u8 = 130;

pub fn code_of_kind(kind: Kind) -> u8 {
    match kind {
        Kind::Usage => USAGE,
        Kind::Config => CONFIG,
        Kind::Input => INPUT,
        Kind::Permission => PERMISSION,
        Kind::Partial => PARTIAL,
        Kind::Interrupted => INTERRUPTED,
        Kind::Network => NETWORK,
    }
}

pub fn code_of_api_error(e: &ApiError) -> u8 {
    match e {
        ApiError::Unauthorized { .. } | ApiError::WrongEndpointAuth { .. } => AUTH,
        ApiError::Forbidden { .. } => PERMISSION,
        ApiError::Cancelled => INTERRUPTED,
        ApiError::Rejected { .. } => INPUT,
        ApiError::EndpointNotFound { .. }
        | ApiError::Redirect { .. }
        | ApiError::BadUrl { .. }
        | ApiError::Setup(_) => CONFIG,
        ApiError::PaymentRequired { .. }
        | ApiError::RateLimited { .. }
        | ApiError::Server { .. }
        | ApiError::ServerDown { .. }
        | ApiError::Connect { .. }
        | ApiError::Certificate { .. }
        | ApiError::Timeout { .. }
        | ApiError::Transport { .. }
        | ApiError::BadResponse { .. } => NETWORK,
    }
}

/// The exit code for an error: the first typed error in the chain decides.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    for cause in err.chain() {
        if let Some(f) = cause.downcast_ref::<Failure>() {
            return code_of_kind(f.kind);
        }
        if let Some(e) = cause.downcast_ref::<ApiError>() {
            return code_of_api_error(e);
        }
        if cause
            .downcast_ref::<crate::sandbox::StateUnreadable>()
            .is_some()
        {
            return CONFIG;
        }
    }
    INTERNAL
}

/// The `hint:` line for an error, from the first typed error that has one.
pub fn hint(err: &anyhow::Error) -> Option<String> {
    for cause in err.chain() {
        if let Some(f) = cause.downcast_ref::<Failure>() {
            return f.hint.clone();
        }
        if let Some(e) = cause.downcast_ref::<ApiError>() {
            return e.hint();
        }
        if cause
            .downcast_ref::<crate::sandbox::StateUnreadable>()
            .is_some()
        {
            return Some("pass another --state file".to_string());
        }
    }
    if exit_code(err) == INTERNAL {
        return Some(
            "this looks like a bug in leadctl; please report it with the output of the same \
             command run with -v"
                .to_string(),
        );
    }
    None
}

/// The end of every run, and the only place that decides the exit code: success; a closed
/// stdout (`| head -1`), which is success too; or the error printed once as
/// `leadctl: error: ...` with its `hint:` line, and its code from the table.
/// A second Ctrl-C: out at once, with the code of an interruption. The one exit besides
/// `report`'s return; everything the run wrote is committed whole (ledger transactions, errors
/// file lines), so nothing is left half-written.
pub fn exit_interrupted_now() -> ! {
    std::process::exit(i32::from(INTERRUPTED))
}

/// Ctrl-C for a run that sends: the first sets `stop` (no new `what` are taken; requests in
/// flight finish and are recorded) and `interrupted`; the second exits at once
/// ([`exit_interrupted_now`]: every claim and record is committed whole).
pub fn stop_on_ctrl_c(
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    interrupted: std::sync::Arc<std::sync::atomic::AtomicBool>,
    what: &'static str,
) {
    use std::sync::atomic::Ordering;
    let _ = ctrlc::set_handler(move || {
        if interrupted.swap(true, Ordering::SeqCst) {
            exit_interrupted_now();
        }
        stop.store(true, Ordering::SeqCst);
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "\nleadctl: stopping: no new {what} are sent; requests in flight finish (Ctrl-C again \
             to quit at once)"
        );
    });
}

pub fn report(result: anyhow::Result<()>, log: &Log) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            log.error(&format!("{e:#}"), hint(&e).as_deref());
            ExitCode::from(exit_code(&e))
        }
    }
}

/// A write to a closed pipe (`leadctl ... | head -1`): not an error worth a message.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;
    use std::time::Duration;

    fn code(e: impl Into<anyhow::Error>) -> u8 {
        exit_code(&e.into())
    }

    #[test]
    fn every_class_has_its_code() {
        assert_eq!(code(Failure::usage("x")), 2);
        assert_eq!(code(Failure::config("x")), 3);
        assert_eq!(
            code(ApiError::Unauthorized {
                message: "Invalid API key".into()
            }),
            4
        );
        assert_eq!(
            code(ApiError::Forbidden {
                message: "Channel not accessible".into()
            }),
            5
        );
        assert_eq!(
            code(ApiError::Rejected {
                status: 404,
                message: "Lead not found".into()
            }),
            6
        );
        assert_eq!(
            code(ApiError::Timeout {
                timeout: Duration::from_secs(1),
                unknown: true
            }),
            7
        );
        assert_eq!(code(Failure::new(Kind::Partial, "x")), 8);
        assert_eq!(code(Failure::new(Kind::Interrupted, "x")), 130);
        assert_eq!(code(Failure::new(Kind::Network, "x")), 7);
        assert_eq!(code(anyhow::anyhow!("surprise")), 1);
    }

    #[test]
    fn the_chain_is_walked() {
        let err = Err::<(), _>(ApiError::Forbidden {
            message: "m".into(),
        })
        .context("creating lead 2 of 3")
        .unwrap_err();
        assert_eq!(exit_code(&err), 5);
        assert!(hint(&err).is_some());
        let io = anyhow::Error::from(std::io::Error::from(std::io::ErrorKind::BrokenPipe))
            .context("writing output");
        assert!(is_broken_pipe(&io));
    }
}
