//! Policy: rules over a set of resources that produce findings. Findings are data, shaped like
//! KRM results; a rule never fails, it reports.
mod finding;
pub mod rules;
pub mod secrets;
mod walk;

pub use finding::Finding;
pub(crate) use walk::key_path;

use crate::config::{Config, RuleSetting};
use crate::krm::{Resource, Severity};

/// One check. Each rule lives in its own file under `policy/rules/` with its tests.
pub trait Rule: Sync {
    /// Stable code, `AZF###`.
    fn code(&self) -> &'static str;
    /// Short kebab-case name.
    fn name(&self) -> &'static str;
    /// Severity unless the config says otherwise.
    fn default_severity(&self) -> Severity;
    /// One paragraph: what is wrong and how to fix it.
    fn explanation(&self) -> &'static str;
    /// Appends a finding for every problem in `resources`, at the default severity.
    fn check(&self, resources: &[Resource], findings: &mut Vec<Finding>);
}

/// Every rule, in code order.
pub fn registry() -> &'static [&'static dyn Rule] {
    &[&rules::azf001_inline_secret::InlineSecret]
}

/// The codes of every rule.
pub fn codes() -> Vec<&'static str> {
    registry().iter().map(|r| r.code()).collect()
}

/// Kinds that are azfn's own configuration, never checked.
fn is_own_config(resource: &Resource) -> bool {
    resource.api_version() == crate::config::API_VERSION
        && resource.kind() == crate::config::CONFIG_KIND
}

/// Runs every enabled rule over `resources`, with the severities the config sets.
pub fn check(resources: &[Resource], config: &Config) -> Vec<Finding> {
    let checked: Vec<Resource> = resources
        .iter()
        .filter(|r| !is_own_config(r))
        .cloned()
        .collect();
    let mut all = Vec::new();
    for rule in registry() {
        let severity = match config.setting(rule.code(), rule.default_severity()) {
            RuleSetting::Off => continue,
            RuleSetting::Severity(s) => s,
        };
        let mut findings = Vec::new();
        rule.check(&checked, &mut findings);
        all.extend(findings.into_iter().map(|f| Finding { severity, ..f }));
    }
    all
}
