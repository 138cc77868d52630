//! Suppression that stays honest: `azfn.dev/ignore: "AZF014: reason"` on a resource, or an entry
//! of the config's `suppressions` (for manifests that cannot be annotated), turns that rule's
//! findings on it into info results that still show; a suppression without a reason is itself an
//! error, and `strict: true` in the config refuses every suppression.
use crate::config::Suppression;
use crate::krm::Severity;

use super::Diagnostic;

/// The annotation that suppresses findings on its resource.
pub const IGNORE: &str = "azfn.dev/ignore";

/// One parsed entry of the annotation.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    code: String,
    reason: String,
}

/// Entries are `CODE: reason`, separated by `;` or new lines.
fn entries(value: &str) -> Vec<Entry> {
    value
        .split([';', '\n'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|e| match e.split_once(':') {
            Some((code, reason)) => Entry {
                code: code.trim().to_ascii_uppercase(),
                reason: reason.trim().to_owned(),
            },
            None => Entry {
                code: e.to_ascii_uppercase(),
                reason: String::new(),
            },
        })
        .collect()
}

/// Applies the resources' suppressions, then the config's, to `findings` (which name their
/// resource).
pub(crate) fn apply(
    resources: &super::walk::Catalog<'_>,
    findings: Vec<Diagnostic>,
    strict: bool,
    configured: &[Suppression],
    known: &[&str],
) -> Vec<Diagnostic> {
    let mut out = Vec::with_capacity(findings.len());
    let lookup = |f: &Diagnostic| {
        let r = f.resource.as_ref()?;
        resources
            .find(&r.namespace, &r.kind, &r.name)
            .filter(|res| res.api_version() == r.api_version)
    };
    for finding in findings {
        let annotated = lookup(&finding)
            .and_then(|res| res.annotation(IGNORE))
            .and_then(|value| entries(value).into_iter().find(|e| e.code == finding.code));
        let entry = annotated.or_else(|| {
            let resource = finding.resource.as_ref()?;
            configured
                .iter()
                .find(|s| s.covers(&finding.code, resource))
                .map(|s| Entry {
                    code: s.rule.clone(),
                    reason: format!("by the config: {}", s.reason),
                })
        });
        match entry {
            Some(entry) if !entry.reason.is_empty() && !strict => out.push(Diagnostic {
                severity: Severity::Info,
                message: format!("suppressed ({}): {}", entry.reason, finding.message),
                ..finding
            }),
            Some(_) if strict => out.push(Diagnostic {
                message: format!(
                    "{} (a suppression exists, but strict mode refuses suppressions)",
                    finding.message
                ),
                ..finding
            }),
            _ => out.push(finding),
        }
    }
    // Malformed suppressions are findings of their own.
    for resource in resources {
        let Some(value) = resource.annotation(IGNORE) else {
            continue;
        };
        for entry in entries(value) {
            let problem = if !known.contains(&entry.code.as_str()) {
                Some(format!(
                    "suppresses `{}`, which is not a rule code ({})",
                    entry.code,
                    known.join(", ")
                ))
            } else if entry.reason.is_empty() {
                Some(format!(
                    "suppresses {} without a reason: write `{}: <why this is safe>`",
                    entry.code, entry.code
                ))
            } else {
                None
            };
            if let Some(message) = problem {
                out.push(Diagnostic::finding(
                    &super::rules::azf000_suppression::Suppression,
                    resource,
                    super::key_path("metadata.annotations", IGNORE),
                    message,
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_need_codes_and_reasons() {
        assert_eq!(
            entries("AZF001: Azurite key in the dev overlay; azf003:reason two\nAZF004"),
            vec![
                Entry {
                    code: "AZF001".into(),
                    reason: "Azurite key in the dev overlay".into()
                },
                Entry {
                    code: "AZF003".into(),
                    reason: "reason two".into()
                },
                Entry {
                    code: "AZF004".into(),
                    reason: String::new()
                },
            ]
        );
    }
}
