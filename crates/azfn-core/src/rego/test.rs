//! `azfn policy test`: OPA's convention, each `test_*` rule in a `*_test.rego` file passes
//! when it is true.
use super::{PolicyFile, RegoError};
#[cfg(feature = "rego")]
use super::{RuleSet, discover, limits};

/// How one test went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    /// False or undefined.
    Failed,
    /// It could not run (a builtin's error, the step budget).
    Error(String),
}

/// One test's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestResult {
    /// `data.main.test_deny_latest`.
    pub name: String,
    /// The file that defines it.
    pub file: String,
    pub outcome: Outcome,
}

/// Without the engine (the page's lean module), nothing runs.
///
/// # Errors
/// Always [`RegoError::Unavailable`].
#[cfg(not(feature = "rego"))]
pub fn run(_files: &[PolicyFile], _steps: u64) -> Result<Vec<TestResult>, RegoError> {
    Err(RegoError::Unavailable)
}

/// Runs every test in `files` (policies and tests together, as `opa test DIR` loads them).
///
/// # Errors
/// A file that is not Rego, or no test at all.
#[cfg(feature = "rego")]
pub fn run(files: &[PolicyFile], steps: u64) -> Result<Vec<TestResult>, RegoError> {
    let all: Vec<&PolicyFile> = files.iter().collect();
    let mut engine = discover::engine(&all)?;
    let tests: Vec<(String, String, String)> = files
        .iter()
        .filter(|f| super::is_test_file(&f.path))
        .flat_map(|f| {
            discover::tests(f)
                .into_iter()
                .map(|(package, rule)| (package, rule, f.path.clone()))
        })
        .collect();
    if tests.is_empty() {
        return Err(RegoError::Empty(
            "no tests: write `test_*` rules in `*_test.rego` files".to_owned(),
        ));
    }
    Ok(tests
        .into_iter()
        .map(|(package, rule, file)| {
            let set = RuleSet {
                package: package.clone(),
                rule: rule.clone(),
                file: file.clone(),
            };
            let outcome = match limits::eval(&mut engine, &set, steps) {
                Ok(regorus::Value::Bool(true)) => Outcome::Passed,
                Ok(_) => Outcome::Failed,
                Err(e) => Outcome::Error(e.to_string()),
            };
            TestResult {
                name: format!("{package}.{rule}"),
                file,
                outcome,
            }
        })
        .collect())
}
