//! The KRM function itself: a ResourceList in, the same ResourceList with results out.
use crate::config::Config;
use crate::error::Error;
use crate::krm::{ResourceList, Severity};
use crate::policy::{self, Finding};
use crate::report;
use crate::yaml::Limits;

/// What one run produced.
#[derive(Debug, Clone)]
pub struct FunctionOutput {
    /// The output ResourceList: input items unchanged, results appended.
    pub list: ResourceList,
    /// Our findings, in the order they were found.
    pub findings: Vec<Finding>,
}

impl FunctionOutput {
    /// Whether a finding has error severity (the run must exit non-zero).
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// A short human summary for stderr: kustomize shows only stderr, and only on failure.
    pub fn summary(&self) -> String {
        report::summary(&self.findings)
    }
}

/// Runs azfn over a ResourceList given as YAML or JSON text. `source` names it in errors.
pub fn process_resource_list(text: &str, source: &str) -> Result<FunctionOutput, Error> {
    let list = ResourceList::parse(text, source, Limits::default())?;
    process(list, source)
}

/// Runs azfn over a parsed ResourceList.
pub fn process(mut list: ResourceList, source: &str) -> Result<FunctionOutput, Error> {
    let config =
        Config::from_function_config(list.function_config.as_ref(), source, &policy::codes())?;
    let findings = policy::check(&list.items, &config);
    for finding in &findings {
        list.push_result(&finding.to_krm_result());
    }
    Ok(FunctionOutput { list, findings })
}
