//! The policies, compiled by regorus.
use super::{DEFAULT_STEPS, InputMode, PolicyFile, RegoError, RuleSet, discover, is_test_file};
use super::{limits, results};
use crate::diagnostic::Diagnostic;
use crate::krm::Resource;

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
