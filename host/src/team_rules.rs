//! Team rules named on the command line (`azfn build --policy DIR`, `azfn parity --rego DIR`):
//! the folders' Rego policies run on what the command rendered, after azfn's transformer ran
//! the built-in rules and the config's own policies. Their findings are traced back to the
//! line a person edits, as `azfn check` does.
use std::path::PathBuf;

use anyhow::Result;
use azfn_core::config::{Config, PolicyConfig};
use azfn_core::diagnostic::{Diagnostic, Related};
use azfn_core::krm::{Resource, Severity};
use azfn_core::overlay::BuildOptions;
use azfn_core::yaml::Value;

use crate::build::DiskSource;

/// A config running the `.rego` files of each folder in `dirs` (read with the limits of
/// [`crate::policy_files`]), or `None` when there are none.
pub(crate) fn config(dirs: &[PathBuf], flag: &str) -> Result<Option<Config>> {
    if dirs.is_empty() {
        return Ok(None);
    }
    let mut config = Config::default();
    for dir in dirs {
        let shown = dir.display().to_string();
        let files = crate::policy_files::read_folder(dir, &shown)
            .map_err(|e| anyhow::anyhow!("{flag} {e}"))?;
        config.policies.push(PolicyConfig {
            path: shown,
            files,
            ..PolicyConfig::default()
        });
    }
    Ok(Some(config))
}

/// What the team's rules said about one build.
pub(crate) struct Verdict {
    /// The findings as text, empty when there are none.
    pub text: String,
    /// How many are errors.
    pub errors: usize,
}

/// Runs `team`'s policies on `values`, the build of `root` (as the build names it) made with
/// `options`, and places each finding at the line that set its field.
pub(crate) fn check(
    values: &[Value],
    root: &str,
    options: &BuildOptions,
    team: &Config,
) -> Result<Verdict> {
    let resources: Vec<Resource> = values
        .iter()
        .filter_map(|v| v.as_mapping().cloned().map(Resource::new))
        .collect();
    let mut findings = azfn_core::policy::check_team(&resources, team)
        .map_err(|e| anyhow::Error::new(azfn_core::Error::from(e)))?;
    if findings.is_empty() {
        return Ok(Verdict {
            text: String::new(),
            errors: 0,
        });
    }
    locate(&mut findings, root, options);
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let text = azfn_core::report::render(
        azfn_core::report::Format::Text { color: false },
        &findings,
        &azfn_core::report::RuleInfo::policy_rules_and_team(&findings),
        1,
        "azfn",
    );
    Ok(Verdict { text, errors })
}

/// Builds `root` again recording provenance (only when there are findings) and moves each
/// finding to the line that set its field, naming the kustomization as a related place.
fn locate(findings: &mut [Diagnostic], root: &str, options: &BuildOptions) {
    let show = crate::build::from_cwd();
    let kustomization = show(&format!("/{root}/kustomization.yaml"));
    let Ok(rendered) = azfn_core::overlay::build_traced(&DiskSource::default(), root, options)
    else {
        return;
    };
    for finding in findings {
        let place = finding.resource.as_ref().and_then(|r| {
            rendered
                .resources
                .iter()
                .zip(&rendered.traces)
                .find(|((value, _), _)| {
                    let meta = |key: &str| {
                        value
                            .get("metadata")
                            .and_then(|m| m.get(key))
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                    };
                    value.get("kind").and_then(Value::as_str) == Some(r.kind.as_str())
                        && meta("name") == r.name
                        && meta("namespace") == r.namespace
                })
        });
        let origin = place.and_then(|((value, _), trace)| {
            azfn_core::overlay::provenance::edit_site(
                trace,
                value,
                finding.field.as_deref().unwrap_or_default(),
            )
        });
        match origin {
            Some(origin) => {
                finding.file = Some(show(&origin.file));
                finding.line = origin.line;
                finding.related.push(Related {
                    message: format!("in the build of {}", show(&format!("/{root}"))),
                    file: kustomization.clone(),
                    line: None,
                });
            }
            None => finding.file = Some(kustomization.clone()),
        }
        finding.index = None;
    }
}
