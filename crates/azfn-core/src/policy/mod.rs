//! Policy: rules over a set of resources that produce findings. Findings are data, shaped like
//! KRM results; a rule never fails, it reports.
pub(crate) mod azure_identity;
pub(crate) mod environment;
mod finding;
pub mod rules;

pub mod suppress;
mod team;
mod timezones;
pub mod walk;

pub use crate::diagnostic::Diagnostic;
pub(crate) use crate::fieldpath::child as key_path;

use crate::config::{Config, RuleSetting};
use crate::krm::{Resource, Severity};

/// What a rule is, declared once beside its check.
#[derive(Debug, Clone, Copy)]
pub struct Meta {
    /// Stable code, `AZF###`.
    pub code: &'static str,
    /// Short kebab-case name.
    pub name: &'static str,
    /// Severity unless the config says otherwise.
    pub severity: Severity,
    /// One paragraph: what is wrong and how to fix it.
    pub explanation: &'static str,
}

/// One check. Each rule lives in its own file under `policy/rules/` with its tests, and is
/// listed once, in `rules/mod.rs`.
pub trait Rule: Sync {
    /// Its code, name, default severity and explanation.
    fn meta(&self) -> &'static Meta;
    /// Appends a finding for every problem in `resources`, at the default severity.
    fn check(&self, resources: &walk::Catalog<'_>, findings: &mut Vec<Diagnostic>);

    /// Stable code, `AZF###`.
    fn code(&self) -> &'static str {
        self.meta().code
    }
    /// Short kebab-case name.
    fn name(&self) -> &'static str {
        self.meta().name
    }
    /// Severity unless the config says otherwise.
    fn default_severity(&self) -> Severity {
        self.meta().severity
    }
    /// One paragraph: what is wrong and how to fix it.
    fn explanation(&self) -> &'static str {
        self.meta().explanation
    }
}

/// Every rule, in code order.
pub fn registry() -> &'static [&'static dyn Rule] {
    rules::ALL
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

/// Runs every enabled built-in rule over `resources`, with the severities the config sets.
/// The team's Rego policies (`spec.policies`) run in [`check_all`].
pub fn check(resources: &[Resource], config: &Config) -> Vec<Diagnostic> {
    run(resources, config, true, &mut []).unwrap_or_default()
}

/// [`check`] plus the team's Rego policies of `config` (their files passed in by the host),
/// whose findings take the same severities from the config and the same suppressions.
///
/// # Errors
/// A policy that is not Rego, fails or runs past its budget, located in its file.
pub fn check_all(
    resources: &[Resource],
    config: &Config,
) -> Result<Vec<Diagnostic>, crate::rego::RegoError> {
    team::with_team(config, |team| run(resources, config, true, team))?
}

/// The team's Rego policies of `config` alone, without the built-in rules: for a build or a
/// parity run given `--policy` folders, whose built-in findings come from azfn's transformer.
///
/// # Errors
/// As [`check_all`].
pub fn check_team(
    resources: &[Resource],
    config: &Config,
) -> Result<Vec<Diagnostic>, crate::rego::RegoError> {
    team::with_team(config, |team| run(resources, config, false, team))?
}

fn run(
    resources: &[Resource],
    config: &Config,
    builtins: bool,
    team: &mut [crate::rego::Policies],
) -> Result<Vec<Diagnostic>, crate::rego::RegoError> {
    // Copy the items only in the rare case there is an azfn config among them to leave out.
    let checked: std::borrow::Cow<'_, [Resource]> = if resources.iter().any(is_own_config) {
        resources
            .iter()
            .filter(|r| !is_own_config(r))
            .cloned()
            .collect::<Vec<_>>()
            .into()
    } else {
        resources.into()
    };
    let catalog = walk::Catalog::new(&checked).with_options(config.checks);
    let mut all = Vec::new();
    for rule in registry().iter().filter(|_| builtins) {
        let severity = match config.setting(rule.code(), rule.default_severity()) {
            RuleSetting::Off => continue,
            RuleSetting::Severity(s) => s,
        };
        let mut findings = Vec::new();
        rule.check(&catalog, &mut findings);
        // A ConfigMap or Secret that several containers load is reported once per field.
        let mut seen = std::collections::BTreeSet::new();
        findings.retain(|f| {
            seen.insert((
                format!("{:?}", f.resource),
                f.field.clone(),
                f.message.clone(),
            ))
        });
        // A rule may report some findings below its default (a warning beside errors); a
        // configured severity applies to all of them.
        let keep_own = severity == rule.default_severity();
        all.extend(findings.into_iter().map(|f| Diagnostic {
            severity: if keep_own { f.severity } else { severity },
            ..f
        }));
    }
    let mut known: Vec<String> = codes().into_iter().map(str::to_owned).collect();
    for policies in team.iter_mut() {
        known.extend(policies.codes());
        for finding in policies.check(&checked)? {
            match config.setting(&finding.code, finding.severity) {
                RuleSetting::Off => {}
                RuleSetting::Severity(severity) => {
                    known.push(finding.code.clone());
                    all.push(Diagnostic {
                        severity,
                        ..finding
                    });
                }
            }
        }
    }
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    Ok(
        suppress::apply(&catalog, all, config.strict, &config.suppressions, &known)
            .into_iter()
            .filter_map(|f| match config.setting(&f.code, f.severity) {
                RuleSetting::Off => None,
                // Malformed suppressions are the built-in check's to report.
                RuleSetting::Severity(_) if f.code == "AZF000" && !builtins => None,
                // AZF000 findings are made by `suppress`, at its configured severity.
                RuleSetting::Severity(s) if f.code == "AZF000" => {
                    Some(Diagnostic { severity: s, ..f })
                }
                RuleSetting::Severity(_) => Some(f),
            })
            .collect(),
    )
}

/// `docs/rules.md`, generated from the registry.
pub fn rules_markdown() -> String {
    use std::fmt::Write as _;
    let mut out = String::from(
        "# Rules\n\nGenerated from the rule registry (`crates/azfn-core/src/policy/rules/`); `azfn rules` prints the same list.\n\
         Severities and enablement are set per rule in the function config (`spec.rules.AZF001: warning|off`);\n\
         a resource can suppress a rule with a reason (`azfn.dev/ignore: \"AZF014: public API by design\"`).\n\n\
         | code | name | default severity |\n|---|---|---|\n",
    );
    for rule in registry() {
        let _ = writeln!(
            out,
            "| [{}](#{}) | {} | {} |",
            rule.code(),
            rule.code().to_ascii_lowercase(),
            rule.name(),
            rule.default_severity().as_str()
        );
    }
    for rule in registry() {
        let _ = writeln!(
            out,
            "\n## {}\n\n**{}**, {} by default.\n\n{}",
            rule.code(),
            rule.name(),
            rule.default_severity().as_str(),
            rule.explanation()
        );
    }
    out
}
