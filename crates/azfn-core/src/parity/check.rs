//! Rendering the environments for a comparison, and again with `FunctionApp` differences
//! undone, so that rules on `FunctionApp` fields allow exactly what those fields render.
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde_yaml::Value;

use super::compare::{self, Counterfactual, Substitution};
use super::{Environment, ParityError, ParityPolicy, Place, Report};
use crate::functionapp::KIND;
use crate::overlay::Rendered;
use crate::overlay::provenance::{editable, origins_of};
use crate::overlay::{BuildOptions, PluginInputRewrite};
use crate::source::FileSource;

/// Renders each `(name, overlay folder)` with azfn's overlay renderer and compares them under
/// `policy`, `FunctionApp` rules included.
pub fn check(
    source: &dyn FileSource,
    environments: &[(String, String)],
    policy: &ParityPolicy,
    options: &BuildOptions,
) -> Result<Report, ParityError> {
    check_with_team(
        source,
        environments,
        policy,
        options,
        &crate::config::Config::default(),
    )
}

/// [`check`], and the team's Rego policies of `team` run on each environment's output: their
/// findings join the report's (errors fail it), each named by its environment.
///
/// # Errors
/// An environment that does not build, or a policy that is not Rego or runs past its budget
/// (reported as the first environment's error).
pub fn check_with_team(
    source: &dyn FileSource,
    environments: &[(String, String)],
    policy: &ParityPolicy,
    options: &BuildOptions,
    team: &crate::config::Config,
) -> Result<Report, ParityError> {
    let (mut report, rendered) = compare_rendered(source, environments, policy, options)?;
    if !team.policies.is_empty() {
        let places: Vec<(String, String)> = environments
            .iter()
            .filter_map(|(name, _)| Some((name.clone(), kustomization_of(environments, name)?)))
            .collect();
        let found = team_findings(&rendered, &places, team).map_err(|e| ParityError {
            environment: environments
                .first()
                .map(|(n, _)| n.clone())
                .unwrap_or_default(),
            error: crate::error::Error::from(e).into(),
        })?;
        report.findings.extend(found);
    }
    Ok(report)
}

/// The findings of the team's Rego policies of `team` on each environment of `rendered`, each
/// message led by the environment, the resource and the field; a finding without a file is
/// placed at its environment's file in `places` (`(name, file)`: its kustomization, or the
/// rendered file it was read from).
///
/// # Errors
/// A policy that is not Rego, fails or runs past its budget.
pub fn team_findings(
    rendered: &[Environment],
    places: &[(String, String)],
    team: &crate::config::Config,
) -> Result<Vec<crate::diagnostic::Diagnostic>, crate::rego::RegoError> {
    let mut out = Vec::new();
    for env in rendered {
        let resources: Vec<crate::krm::Resource> = env
            .resources
            .iter()
            .filter_map(|(value, _)| value.as_mapping().cloned())
            .map(crate::krm::Resource::new)
            .collect();
        for mut finding in crate::policy::check_team(&resources, team)? {
            let mut lead = vec![env.name.clone()];
            if let Some(resource) = &finding.resource {
                lead.push(format!("{}/{}", resource.kind, resource.name));
            }
            lead.extend(finding.field.iter().cloned());
            finding.message = format!("{}: {}", lead.join(": "), finding.message);
            if finding.file.is_none() {
                finding.file = places
                    .iter()
                    .find(|(name, _)| *name == env.name)
                    .map(|(_, file)| file.clone());
            }
            out.push(finding);
        }
    }
    Ok(out)
}

/// The kustomization file of the environment `name`, as shown.
fn kustomization_of(environments: &[(String, String)], name: &str) -> Option<String> {
    environments
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, dir)| {
            crate::overlay::paths::display(&format!(
                "{}/kustomization.yaml",
                dir.trim_end_matches('/')
            ))
        })
}

/// The comparison, and the environments as rendered.
fn compare_rendered(
    source: &dyn FileSource,
    environments: &[(String, String)],
    policy: &ParityPolicy,
    options: &BuildOptions,
) -> Result<(Report, Vec<Environment>), ParityError> {
    let mut renderer = Renderer {
        source,
        environments,
        options,
        rendered: Vec::new(),
        reference: Arc::default(),
        substitutions: Vec::new(),
        notes: RefCell::new(Vec::new()),
    };
    renderer.rendered = environments
        .iter()
        .map(|(name, dir)| renderer.build(name, dir, options))
        .collect::<Result<Vec<_>, _>>()?;
    let findings = across_environments(&renderer.rendered, environments);
    renderer.substitutions = compare::function_app_differences(&renderer.rendered, policy);
    if renderer.substitutions.is_empty() {
        let mut report = compare::compare_with(&renderer.rendered, policy, None);
        report.findings = findings;
        if report.failures() > 0 {
            locate_drifts(&mut report, source, environments, options);
        }
        return Ok((report, renderer.rendered));
    }
    renderer.reference = Arc::new(
        renderer.rendered[0]
            .function_apps
            .iter()
            .map(|(v, base)| (base.clone(), v.clone()))
            .collect(),
    );
    // Once with the allowed differences undone, once with all of them (to name a source).
    let allowed = renderer.counterfactual(&|s| s.rule.is_some());
    let all = renderer.counterfactual(&|_| true);
    let mut report = compare::compare_with(
        &renderer.rendered,
        policy,
        Some(&Counterfactual {
            allowed,
            all,
            substitutions: &renderer.substitutions,
        }),
    );
    // Where the values did not tell which rule a drift comes from (a hash, say), one rule at a
    // time until each is explained.
    let rules: BTreeSet<usize> = renderer
        .substitutions
        .iter()
        .filter_map(|s| s.rule)
        .collect();
    let mut open = std::mem::take(&mut report.uncertain);
    for rule in rules {
        if open.is_empty() {
            break;
        }
        let fields = compare::flat_fields(&renderer.counterfactual(&|s| s.rule == Some(rule)));
        open.retain(|&i| {
            let drift = &report.drifts[i];
            let explained = fields.iter().all(|m| m.contains_key(&drift.resource))
                && compare::uniform(fields.iter().map(|m| {
                    compare::comparable(&drift.field, m[&drift.resource].get(&drift.field))
                }));
            if explained {
                report.drifts[i].allowed_by = Some(rule);
            }
            !explained
        });
    }
    report.notes = renderer.notes.into_inner();
    report.findings = findings;
    if report.failures() > 0 {
        locate_drifts(&mut report, source, environments, options);
    }
    Ok((report, renderer.rendered))
}

/// Findings of the rules that need every environment at once: federated credentials on one
/// identity counted across environments (AZF025), each at its environment's kustomization.
fn across_environments(
    rendered: &[Environment],
    environments: &[(String, String)],
) -> Vec<crate::diagnostic::Diagnostic> {
    // Only the credentials are copied, not every environment's resources.
    let resources: Vec<(&str, Vec<crate::krm::Resource>)> = rendered
        .iter()
        .map(|env| {
            let items = env
                .resources
                .iter()
                .filter(|(value, _)| {
                    value.get("kind").and_then(Value::as_str) == Some("FederatedIdentityCredential")
                })
                .filter_map(|(value, _)| value.as_mapping().cloned())
                .map(crate::krm::Resource::new)
                .collect();
            (env.name.as_str(), items)
        })
        .collect();
    crate::policy::rules::azf025_credential_limit::over_environments(&resources)
        .into_iter()
        .map(|(env, mut finding)| {
            if finding.file.is_none() {
                finding.file = kustomization_of(environments, &env);
            }
            finding
        })
        .collect()
}

/// For each difference no rule allows, the file and line that set it in each environment: the
/// environments built again recording provenance (only when something failed, so a passing
/// check pays nothing for it).
fn locate_drifts(
    report: &mut Report,
    source: &dyn FileSource,
    environments: &[(String, String)],
    options: &BuildOptions,
) {
    for (name, dir) in environments {
        let Ok(rendered) = crate::overlay::build_traced(source, dir, options) else {
            continue;
        };
        let env = environment(name, rendered);
        for drift in report.drifts.iter_mut().filter(|d| d.allowed_by.is_none()) {
            let Some(index) = env.resources.iter().position(|(value, base)| {
                value.get("kind").and_then(Value::as_str) == Some(drift.resource.kind.as_str())
                    && *base == drift.resource.name
            }) else {
                continue;
            };
            let (value, _) = &env.resources[index];
            let Some(trace) = env.traces.get(index) else {
                continue;
            };
            if let Some(origin) = editable(&origins_of(trace, value, &drift.field)) {
                drift.set_at.insert(
                    name.clone(),
                    Place {
                        file: origin.file.clone(),
                        line: origin.line,
                    },
                );
            }
        }
    }
}

struct Renderer<'a> {
    source: &'a dyn FileSource,
    environments: &'a [(String, String)],
    options: &'a BuildOptions,
    rendered: Vec<Environment>,
    /// The first environment's FunctionApps by base name: what counterfactuals copy from.
    reference: Arc<BTreeMap<String, Value>>,
    substitutions: Vec<Substitution>,
    notes: RefCell<Vec<String>>,
}

impl Renderer<'_> {
    fn build(
        &self,
        name: &str,
        dir: &str,
        options: &BuildOptions,
    ) -> Result<Environment, ParityError> {
        crate::overlay::build_with_base_names(self.source, dir, options)
            .map(|r| environment(name, r))
            .map_err(|e| ParityError {
                environment: name.to_owned(),
                error: e,
            })
    }

    /// Each environment again with the `FunctionApp` differences `keep` selects set to the
    /// first environment's values.
    fn counterfactual(&self, keep: &dyn Fn(&Substitution) -> bool) -> Vec<Environment> {
        let mut envs = Vec::new();
        for (index, (name, dir)) in self.environments.iter().enumerate() {
            let mine: Vec<_> = self
                .substitutions
                .iter()
                .filter(|s| s.env == index && keep(s))
                .map(|s| (s.app.clone(), s.segments.clone()))
                .collect();
            if mine.is_empty() {
                envs.push(self.rendered[index].clone());
                continue;
            }
            let reference = Arc::clone(&self.reference);
            let options = BuildOptions {
                plugin_input: PluginInputRewrite::new(move |base, obj| {
                    if obj.get("kind").and_then(Value::as_str) != Some(KIND) {
                        return;
                    }
                    let Some(reference) = reference.get(base) else {
                        return;
                    };
                    let mut value = Value::Mapping(std::mem::take(obj));
                    for (app, segments) in &mine {
                        if app == base {
                            crate::fieldpath::copy_from(&mut value, reference, segments);
                        }
                    }
                    if let Value::Mapping(m) = value {
                        *obj = m;
                    }
                }),
                ..self.options.clone()
            };
            // An overlay may patch what only its own values render; then this environment
            // is compared as rendered, and nothing in it is explained by FunctionApp rules.
            match self.build(name, dir, &options) {
                Ok(env) => envs.push(env),
                Err(e) => {
                    let note = format!(
                        "environment {name}: rendering it with {}'s FunctionApp values failed, so FunctionApp rules allow nothing in it ({})",
                        self.environments[0].0, e.error
                    );
                    if !self.notes.borrow().contains(&note) {
                        self.notes.borrow_mut().push(note);
                    }
                    envs.push(self.rendered[index].clone());
                }
            }
        }
        envs
    }
}

/// One environment as parity compares it: each resource with its base name, what azfn rendered
/// under its `FunctionApp`'s base name, and the `FunctionApp` specs as azfn's transformer saw
/// them last.
pub fn environment(name: &str, rendered: Rendered) -> Environment {
    let is_app = |v: &Value| v.get("kind").and_then(Value::as_str) == Some(KIND);
    let has_traces = rendered.traces.len() == rendered.resources.len();
    let mut traces = Vec::new();
    let function_apps: Vec<(Value, String)> = rendered
        .local
        .iter()
        .chain(&rendered.resources)
        .filter(|(v, _)| is_app(v))
        .cloned()
        .collect();
    let apps: BTreeMap<&str, &str> = function_apps
        .iter()
        .filter_map(|(v, base)| Some((v.get("metadata")?.get("name")?.as_str()?, base.as_str())))
        .collect();
    let mut trace_of = rendered.traces.into_iter();
    let resources = rendered
        .resources
        .into_iter()
        .filter(|(v, _)| {
            let trace = if has_traces { trace_of.next() } else { None };
            let keep = !is_app(v);
            if keep && let Some(trace) = trace {
                traces.push(trace);
            }
            keep
        })
        .map(|(v, mut base)| {
            // What azfn rendered carries its FunctionApp's final name: put the base name back.
            let current = v
                .get("metadata")
                .and_then(|m| m.get("name"))
                .and_then(Value::as_str);
            if current == Some(base.as_str())
                && let Some(renamed) = v.as_mapping().and_then(|m| {
                    crate::functionapp::rendered_base_name(m, &base, |app| apps.get(app).copied())
                })
            {
                base = renamed;
            }
            (v, base)
        })
        .collect();
    Environment {
        name: name.to_owned(),
        resources,
        function_apps,
        traces,
    }
}
