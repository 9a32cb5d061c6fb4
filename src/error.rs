//! The typed failures that are not an API answer: what went wrong, its class (which `exit.rs`
//! turns into an exit code) and, where there is one, what to do next. A leaf: it uses nothing
//! else in the crate.

/// The classes of failure that are not an API answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Usage,
    Config,
    Input,
    Permission,
    Partial,
    Interrupted,
    /// A server leadctl depends on that is not the API (the PostgreSQL ledger) cannot be reached.
    Network,
}

/// An expected failure with a message and, where there is one, what to do next.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct Failure {
    pub kind: Kind,
    pub message: String,
    pub hint: Option<String>,
}

impl Failure {
    pub fn new(kind: Kind, message: impl Into<String>) -> Failure {
        Failure {
            kind,
            message: message.into(),
            hint: None,
        }
    }

    pub fn usage(message: impl Into<String>) -> Failure {
        Failure::new(Kind::Usage, message)
    }

    pub fn config(message: impl Into<String>) -> Failure {
        Failure::new(Kind::Config, message)
    }

    pub fn input(message: impl Into<String>) -> Failure {
        Failure::new(Kind::Input, message)
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Failure {
        self.hint = Some(hint.into());
        self
    }
}
