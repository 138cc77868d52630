//! Teams' own rules in Rego, run by regorus: conftest's conventions (`deny`, `warn`,
//! `violation` rule sets of messages, any package), and an azfn shape (`code`, `severity`,
//! `resource`, `field`) for findings as precise as the built-in ones. The files come from the
//! caller (the host reads them under its root confinement); nothing here reads or times.
mod discover;
mod limits;
mod results;
pub mod test;

use crate::diagnostic::Diagnostic;
use crate::krm::{Resource, Severity};
pub use limits::DEFAULT_STEPS;

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
}

/// One rule set (`deny`, `warn_registry`, …) of one package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RuleSet {
    /// `data.main`, as regorus names a package.
    pub(crate) package: String,
    /// `deny`, `deny_registry`, `warn`, `violation`, …
    pub(crate) rule: String,
    /// The first file that defines it.
    pub(crate) file: String,
}

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

/// Compiled policies, ready to check environments.
#[derive(Debug)]
pub struct Policies {
    engine: regorus::Engine,
    sets: Vec<RuleSet>,
    mode: InputMode,
    steps: u64,
}

impl Policies {
    /// Parses `files` (Rego v1, or v0 for a file that only parses as v0), leaving out
    /// `*_test.rego` files, which only `azfn policy test` runs.
    ///
    /// # Errors
    /// A file that is not Rego, named with its line and column.
    pub fn compile(files: &[PolicyFile], mode: InputMode) -> Result<Self, RegoError> {
        let rules: Vec<&PolicyFile> = files.iter().filter(|f| !is_test_file(&f.path)).collect();
        let engine = discover::engine(&rules)?;
        Ok(Self {
            engine,
            sets: discover::rule_sets(&rules),
            mode,
            steps: DEFAULT_STEPS,
        })
    }

    /// The same policies with another step budget.
    #[must_use]
    pub fn with_steps(mut self, steps: u64) -> Self {
        self.steps = steps;
        self
    }

    /// The rule sets found, as `package.rule` codes.
    pub fn codes(&self) -> Vec<String> {
        self.sets.iter().map(RuleSet::code).collect()
    }

    /// Runs every rule set over `resources` (the caller leaves azfn's own config out).
    ///
    /// # Errors
    /// A rule that fails or runs past its budget.
    pub fn check(&mut self, resources: &[Resource]) -> Result<Vec<Diagnostic>, RegoError> {
        let checked: Vec<&Resource> = resources.iter().collect();
        let mut findings = Vec::new();
        match self.mode {
            InputMode::Document => {
                for resource in &checked {
                    self.engine.set_input(results::input_of(resource));
                    for set in &self.sets {
                        let value = limits::eval(&mut self.engine, set, self.steps)?;
                        results::collect(set, &value, Some(resource), &checked, &mut findings);
                    }
                }
            }
            InputMode::Combined => {
                self.engine.set_input(results::combined_input(&checked));
                for set in &self.sets {
                    let value = limits::eval(&mut self.engine, set, self.steps)?;
                    results::collect(set, &value, None, &checked, &mut findings);
                }
            }
        }
        Ok(findings)
    }
}

/// OPA's convention: tests live in `*_test.rego` files.
pub fn is_test_file(path: &str) -> bool {
    path.ends_with("_test.rego")
}

#[cfg(test)]
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
        };
        Self::Policy { location, message }
    }
}
