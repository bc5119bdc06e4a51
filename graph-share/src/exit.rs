//! Exit codes scripts can rely on, and the one-line failures that carry them.

use std::fmt;

use graph_core::Error;

/// How a run ended, as its process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// 0: done.
    Ok = 0,
    /// 1: Graph (or the network) refused or failed the request.
    Graph = 1,
    /// 2: usage: refused before anything was sent (clap's own code too).
    Usage = 2,
    /// 3: sign-in required or failed.
    SignIn = 3,
    /// 4: some of the work was done and some failed.
    Partial = 4,
    /// 5: a request may or may not have taken effect.
    Unknown = 5,
}

/// A run that did not end well: one line for stderr and its exit code.
#[derive(Debug)]
pub struct Failure {
    /// What went wrong, in one line.
    pub message: String,
    /// The exit code.
    pub code: Code,
}

impl Failure {
    /// A failure with its own code.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code,
        }
    }

    /// A usage error (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Code::Usage, message)
    }

    /// Sign-in required or failed (exit 3).
    pub fn sign_in(message: impl Into<String>) -> Self {
        Self::new(Code::SignIn, message)
    }

    /// A Graph answer that could not be used (exit 1).
    pub fn graph_text(message: impl Into<String>) -> Self {
        Self::new(Code::Graph, message)
    }

    /// `context: error`, with the code the error's kind calls for.
    pub fn graph(context: impl fmt::Display, error: &Error) -> Self {
        Self::new(code_of(error), format!("{context}: {}", describe(error)))
    }

    /// Like [`graph`](Self::graph) for a read (a GET): a read changes
    /// nothing, so one left without a usable answer failed (exit 1) rather
    /// than "may have taken effect" (exit 5).
    pub fn read(context: impl fmt::Display, error: &Error) -> Self {
        if !error.is_fate_unknown() {
            return Self::graph(context, error);
        }
        Self::new(
            Code::Graph,
            format!(
                "{context}: {} — no usable answer; nothing was changed",
                one_line(error)
            ),
        )
    }
}

/// The exit code for a library error. "Unknown" comes first: an error whose
/// request may have run is never reported as a failure
/// ([`Error::is_fate_unknown`]).
pub fn code_of(error: &Error) -> Code {
    if error.is_fate_unknown() {
        Code::Unknown
    } else if matches!(error, Error::Auth(_)) {
        Code::SignIn
    } else if matches!(error, Error::Validation(_)) {
        // Refused by the client before sending, by a documented rule.
        Code::Usage
    } else {
        Code::Graph
    }
}

/// The error in one line: its text (the library keeps secrets out of it),
/// the request-id when Graph gave one, and what "unknown" means.
pub fn describe(error: &Error) -> String {
    let mut line = one_line(error);
    if error.is_fate_unknown() {
        line.push_str(
            " — the outcome is unknown: it may have taken effect; check with `graph-share list`",
        );
    }
    line
}

/// The error's text and request-id on one line.
fn one_line(error: &Error) -> String {
    let mut line = error.to_string().replace(['\n', '\r'], " ");
    if let Some(id) = error.request_id()
        && !line.contains(id)
    {
        line.push_str(&format!(" (request-id {id})"));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_validation_error_is_a_usage_error() {
        let error = Error::Validation(graph_core::ValidationError::new("message", "too long"));
        assert_eq!(code_of(&error), Code::Usage);
        let failure = Failure::graph("invite", &error);
        assert!(
            failure.message.starts_with("invite: "),
            "{}",
            failure.message
        );
    }
}
