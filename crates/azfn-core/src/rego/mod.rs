//! Teams' own rules in Rego, run by regorus: conftest's conventions (`deny`, `warn`,
//! `violation` rule sets of messages, any package), and an azfn shape (`code`, `severity`,
//! `resource`, `field`) for findings as precise as the built-in ones. The files come from the
//! caller (the host reads them under its root confinement); nothing here reads or times.
//!
//! The engine is the `rego` feature (the KRM module, the host and the page's second module have
//! it; the page's first module does not, and says so if asked to run a policy).
#[cfg(feature = "rego")]
mod discover;
#[cfg_attr(not(feature = "rego"), path = "unavailable.rs")]
mod engine;
#[cfg(feature = "rego")]
mod limits;
#[cfg(feature = "rego")]
mod parse_cost;
#[cfg(feature = "rego")]
mod results;
pub mod test;

#[cfg(feature = "rego")]
use crate::krm::Severity;
pub use engine::Policies;

/// Steps a rule may take on one input: far beyond any real policy over one environment
/// (the docs' examples take under a thousand per object), well short of a hang.
pub const DEFAULT_STEPS: u64 = 2_000_000;

/// One `.rego` file: its path as the user wrote it (for errors) and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyFile {
    pub path: String,
    pub text: String,
}

pub use crate::config::InputMode;

/// A policy that cannot be used, located at the file, line and column where known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegoError {
    /// The text is not Rego.
    #[error("{file}:{line}:{column}: {message}")]
    Syntax {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    /// A rule failed while it ran (a type error, a builtin's error).
    #[error("{file}: rule {rule}: {message}")]
    Evaluation {
        file: String,
        rule: String,
        message: String,
    },
    /// A rule ran past its step budget: a runaway policy is stopped, not waited for.
    #[error("{file}: rule {rule} ran past its budget of {steps} steps and was stopped")]
    Budget {
        file: String,
        rule: String,
        steps: u64,
    },
    /// Nothing to run.
    #[error("{0}")]
    Empty(String),
    /// This build of azfn has no Rego engine (the page's lean module).
    #[error("this azfn module has no Rego engine (built without the `rego` feature)")]
    Unavailable,
}

/// One rule set (`deny`, `warn_registry`, …) of one package.
#[cfg(feature = "rego")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RuleSet {
    /// `data.main`, as regorus names a package.
    pub(crate) package: String,
    /// `deny`, `deny_registry`, `warn`, `violation`, …
    pub(crate) rule: String,
    /// The first file that defines it.
    pub(crate) file: String,
}

#[cfg(feature = "rego")]
impl RuleSet {
    /// `main.deny`: the code of the findings of a rule set that gives only messages.
    pub(crate) fn code(&self) -> String {
        format!(
            "{}.{}",
            self.package.strip_prefix("data.").unwrap_or(&self.package),
            self.rule
        )
    }

    /// `warn*` rule sets warn; `deny*` and `violation*` fail.
    pub(crate) fn severity(&self) -> Severity {
        if self.rule.starts_with("warn") {
            Severity::Warning
        } else {
            Severity::Error
        }
    }
}

/// OPA's convention: tests live in `*_test.rego` files.
pub fn is_test_file(path: &str) -> bool {
    path.ends_with("_test.rego")
}

#[cfg(all(test, feature = "rego"))]
mod tests;

impl From<RegoError> for crate::error::Error {
    fn from(error: RegoError) -> Self {
        use crate::error::Location;
        let (location, message) = match error {
            RegoError::Syntax {
                file,
                line,
                column,
                message,
            } => {
                let mut location = Location::file(file).line(line);
                location.column = Some(column);
                (location, message)
            }
            RegoError::Evaluation {
                file,
                rule,
                message,
            } => (Location::file(file), format!("rule {rule}: {message}")),
            RegoError::Budget { file, rule, steps } => (
                Location::file(file),
                format!("rule {rule} ran past its budget of {steps} steps and was stopped"),
            ),
            RegoError::Empty(message) => (Location::default(), message),
            RegoError::Unavailable => (Location::default(), RegoError::Unavailable.to_string()),
        };
        Self::Policy { location, message }
    }
}
