//! Parity: environments may differ only where a policy says so. Each environment is rendered,
//! its resources matched with the others' by kind and the name they had in the base (prefixes,
//! suffixes, hashes and namespaces taken off), compared field by field, and every difference
//! no allow rule covers is drift.
//!
//! Rules on `FunctionApp` fields (`spec.storage.accountName`) allow what those fields render:
//! each environment is rendered again with the allowed `FunctionApp` differences set to the
//! first environment's values, and a rendered difference that disappears there came from them.
mod check;
mod compare;
mod flatten;
mod init;

mod policy;
mod quantity;
mod render;
mod schema;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde_yaml::Value;

use crate::source::FileSource;

pub use check::{check, check_with_team, environment, team_findings};
pub use compare::compare;
pub use init::{allow_all_function_app_differences, init_policy};
pub use policy::{
    AllowRule, Difference as DifferenceKind, KIND, ParityPolicy, PolicyError, SPEC_SHAPE,
};
pub use render::{Context, describe_rule, json, markdown, results, rules, suggested_rule, text};
pub use schema::json_schema;

/// One rendered environment: each resource with the name it had in the base.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    pub name: String,
    pub resources: Vec<(Value, String)>,
    /// The `FunctionApp` specs the environment rendered, with their base names.
    pub function_apps: Vec<(Value, String)>,
    /// What set each field of each resource (same order as `resources`), when recorded.
    pub traces: Vec<crate::overlay::provenance::Trace>,
}

/// A resource as matched across environments: kind and base name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Key {
    pub kind: String,
    pub name: String,
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.kind, self.name)
    }
}

/// A field that differs between environments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    pub resource: Key,
    /// Field path, `spec.template.spec.containers[name=func].image`.
    pub field: String,
    /// The value in each environment (`None`: absent), secret-shaped values redacted.
    pub values: BTreeMap<String, Option<String>>,
    /// The allow rule (index in the policy) that permits it, if any.
    pub allowed_by: Option<usize>,
    /// The `FunctionApp` field this rendered difference comes from, where it comes from one.
    pub source: Option<Source>,
    /// For a difference no rule allows: in each environment that has the field, the file and
    /// line that set it (the line a person would edit).
    pub set_at: BTreeMap<String, Place>,
}

/// A line in the user's files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub file: String,
    /// 1-based, where known.
    pub line: Option<usize>,
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}", self.file),
            None => f.write_str(&self.file),
        }
    }
}

/// A `FunctionApp` field whose difference renders as a drift.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// `FunctionApp/<base name>`.
    pub resource: Key,
    pub field: String,
    /// The `FunctionApp` field's value in each environment, redacted like drift values.
    pub values: BTreeMap<String, Option<String>>,
}

/// The outcome of a comparison.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub environments: Vec<String>,
    pub drifts: Vec<Drift>,
    /// Resources present in some environments only, with where they are and, if allowed,
    /// the rule that allows it.
    pub partial: Vec<Partial>,
    /// Allow rules that matched nothing.
    pub stale_rules: Vec<usize>,
    /// How many resources were compared.
    pub resources: usize,
    /// `FunctionApp` fields that differ, with the rule allowing each. Not failures themselves:
    /// what they render is compared like every other resource.
    pub function_apps: Vec<Drift>,
    /// What limited the comparison (a counterfactual render that failed), for the reader.
    pub notes: Vec<String>,
    /// Findings of rules that need every environment at once (AZF025: federated credentials
    /// on one identity across environments); errors among them are failures.
    pub findings: Vec<crate::diagnostic::Diagnostic>,
    /// Drifts (indices) allowed by `FunctionApp` rules where the values did not tell which.
    pub(crate) uncertain: Vec<usize>,
}

/// A resource that exists in some environments only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partial {
    pub resource: Key,
    pub present_in: Vec<String>,
    pub allowed_by: Option<usize>,
}

impl Report {
    /// Shows every file a drift or finding names through `shown` (the host makes them relative).
    pub fn map_files(&mut self, shown: &dyn Fn(&str) -> String) {
        for drift in &mut self.drifts {
            for place in drift.set_at.values_mut() {
                place.file = shown(&place.file);
            }
        }
        for finding in &mut self.findings {
            if let Some(file) = &mut finding.file {
                *file = shown(file);
            }
        }
    }

    /// Differences no rule allows, and resources missing from some environment.
    pub fn failures(&self) -> usize {
        self.drifts
            .iter()
            .filter(|d| d.allowed_by.is_none())
            .count()
            + self
                .partial
                .iter()
                .filter(|p| p.allowed_by.is_none())
                .count()
            + self
                .findings
                .iter()
                .filter(|f| f.severity == crate::krm::Severity::Error)
                .count()
    }

    /// Differences some rule allows.
    pub fn allowed(&self) -> usize {
        self.drifts
            .iter()
            .filter(|d| d.allowed_by.is_some())
            .count()
            + self
                .partial
                .iter()
                .filter(|p| p.allowed_by.is_some())
                .count()
    }
}

/// An environment that could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("environment {environment}: {error}")]
pub struct ParityError {
    pub environment: String,
    /// Why its build failed, with where.
    pub error: crate::overlay::BuildError,
}

/// Every field parity compares in `resource`, with its JSON pointer (`/spec/template/...`):
/// how a test or an editor finds the value behind a drift.
pub fn field_pointers(resource: &Value) -> Vec<(String, String)> {
    let (_, segments) = flatten::flatten_with_segments(resource);
    segments
        .into_iter()
        .filter_map(|(field, segs)| Some((field, crate::fieldpath::pointer(resource, &segs)?)))
        .collect()
}

/// The base name of a resource rendered elsewhere (`--from`), where kustomize recorded none:
/// the environment's name taken out where it is a dash-separated part (`dev-orders`,
/// `orders-test-http`: prefixes, suffixes, and names azfn derived from a suffixed app), and a
/// generated ConfigMap's or Secret's hash suffix taken off.
pub fn guess_base_name(resource: &Value, environment: &str) -> String {
    let mut name = resource
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let kind = resource
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if matches!(kind, "ConfigMap" | "Secret")
        && let Some((stem, hash)) = name.rsplit_once('-')
        && hash.len() == 10
        && hash.bytes().all(|b| b"2456789bcdfghkmt".contains(&b))
    {
        name = stem;
    }
    let kept: Vec<&str> = name.split('-').filter(|p| *p != environment).collect();
    if kept.is_empty() {
        name.to_owned()
    } else {
        kept.join("-")
    }
}

pub(crate) fn redact(key: &Key, field: &str, value: &str) -> String {
    if key.kind == "Secret" && (field.starts_with("data") || field.starts_with("stringData")) {
        return "<redacted: Secret data>".into();
    }
    match crate::secrets::find_secret(value) {
        Some(found) => format!("<{}: {}>", found.kind, found.redacted),
        None => value.to_owned(),
    }
}

/// A policy read from a tree, with its environments' folders resolved against its directory.
#[derive(Debug, Clone)]
pub struct PolicyInTree {
    pub policy: ParityPolicy,
    /// `(name, folder)` relative to the tree's root.
    pub environments: Vec<(String, String)>,
}

/// Reads the `ParityPolicy` at `path` in `source` (the browser's tree, or the files a host
/// passed in) and resolves its environments' folders.
pub fn read_policy(source: &dyn FileSource, path: &str) -> Result<PolicyInTree, PolicyError> {
    let err = |message: String| PolicyError {
        file: path.to_owned(),
        field: "spec".into(),
        message,
    };
    let bytes = source.read(path).map_err(|e| err(e.to_string()))?;
    let text = crate::text::decode_owned(bytes).map_err(|e| err(e.to_string()))?;
    let docs = crate::yaml::parse_documents(&text, path, crate::yaml::Limits::default())
        .map_err(|e| err(e.to_string()))?;
    let doc = docs.first().ok_or_else(|| err("an empty policy".into()))?;
    let policy = ParityPolicy::from_value(doc, path)?;
    let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
    let environments = policy
        .environments
        .iter()
        .enumerate()
        .map(|(i, (name, folder))| {
            crate::overlay::paths::join(dir, folder)
                .map(|p| (name.clone(), p))
                .ok_or_else(|| PolicyError {
                    file: path.to_owned(),
                    field: format!("spec.environments[{i}].path"),
                    message: format!("{folder}: leaves the tree"),
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(PolicyInTree {
        policy,
        environments,
    })
}
