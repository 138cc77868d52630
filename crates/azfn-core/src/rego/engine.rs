//! The policies, compiled by regorus.
use super::{DEFAULT_STEPS, InputMode, PolicyFile, RegoError, RuleSet, discover, is_test_file};
use super::{limits, results};
use crate::diagnostic::Diagnostic;
use crate::krm::Resource;
use std::collections::BTreeMap;

/// Compiled policies, ready to check environments.
#[derive(Debug)]
pub struct Policies {
    engine: regorus::Engine,
    sets: Vec<RuleSet>,
    mode: InputMode,
    steps: u64,
    /// Each rule set's value for an `input` already evaluated. A rule sees nothing but its
    /// policies and `input`, so the same input gives the same values: the preview checks an
    /// environment's objects in its transformer and again in the output, and a base's objects
    /// again in every overlay on it.
    memo: BTreeMap<regorus::Value, Vec<regorus::Value>>,
}

/// Inputs remembered per compiled policies before the memo starts afresh.
pub(super) const MEMO_INPUTS: usize = 4096;

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
            memo: BTreeMap::new(),
        })
    }

    /// The same policies with another step budget.
    #[must_use]
    pub fn with_steps(mut self, steps: u64) -> Self {
        self.steps = steps;
        self.memo.clear();
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
                    let values = self.values_for(results::input_of(resource))?;
                    for (set, value) in self.sets.iter().zip(&values) {
                        results::collect(set, value, Some(resource), &checked, &mut findings);
                    }
                }
            }
            InputMode::Combined => {
                let values = self.values_for(results::combined_input(&checked))?;
                for (set, value) in self.sets.iter().zip(&values) {
                    results::collect(set, value, None, &checked, &mut findings);
                }
            }
        }
        Ok(findings)
    }

    /// How many inputs the memo holds.
    #[cfg(test)]
    pub(super) fn memo_len(&self) -> usize {
        self.memo.len()
    }

    /// Every rule set's value for `input`, evaluated once per input (errors are not kept:
    /// they fail the check anyway).
    fn values_for(&mut self, input: regorus::Value) -> Result<Vec<regorus::Value>, RegoError> {
        if let Some(values) = self.memo.get(&input) {
            return Ok(values.clone());
        }
        self.engine.set_input(input.clone());
        let values = self
            .sets
            .iter()
            .map(|set| limits::eval(&mut self.engine, set, self.steps))
            .collect::<Result<Vec<_>, _>>()?;
        if self.memo.len() >= MEMO_INPUTS {
            self.memo.clear();
        }
        self.memo.insert(input, values.clone());
        Ok(values)
    }
}
