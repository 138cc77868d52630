//! Parity: environments may differ only where a policy says so. Each environment is rendered,
//! its resources matched with the others' by kind and the name they had in the base (prefixes,
//! suffixes, hashes and namespaces taken off), compared field by field, and every difference
//! no allow rule covers is drift.
mod flatten;
mod policy;

use std::collections::{BTreeMap, BTreeSet};

use serde_yaml::Value;

pub use policy::{AllowRule, Difference as DifferenceKind, KIND, ParityPolicy, PolicyError};

/// One rendered environment: each resource with the name it had in the base.
#[derive(Debug, Clone)]
pub struct Environment {
    pub name: String,
    pub resources: Vec<(Value, String)>,
}

/// A resource as matched across environments: kind and base name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Key {
    pub kind: String,
    pub name: String,
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
}

/// The outcome of a comparison.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub environments: Vec<String>,
    pub drifts: Vec<Drift>,
    /// Resources present in some environments only, with where they are.
    pub partial: Vec<(Key, Vec<String>)>,
    /// Allow rules that matched nothing.
    pub stale_rules: Vec<usize>,
}

impl Report {
    /// Differences no rule allows, and resources missing from some environment.
    pub fn failures(&self) -> usize {
        self.drifts
            .iter()
            .filter(|d| d.allowed_by.is_none())
            .count()
            + self.partial.len()
    }
}

/// Compares the environments under `policy`.
pub fn compare(environments: &[Environment], policy: &ParityPolicy) -> Report {
    let names: Vec<String> = environments.iter().map(|e| e.name.clone()).collect();
    // Per environment: key -> flattened fields.
    let mut flat: Vec<BTreeMap<Key, BTreeMap<String, String>>> = Vec::new();
    let mut labels: BTreeMap<Key, BTreeMap<String, String>> = BTreeMap::new();
    for env in environments {
        let renames: BTreeMap<String, String> = env
            .resources
            .iter()
            .filter_map(|(v, base)| {
                let current = v.get("metadata")?.get("name")?.as_str()?;
                (current != base).then(|| (current.to_owned(), base.clone()))
            })
            .collect();
        let mut map = BTreeMap::new();
        for (value, base) in &env.resources {
            let kind = value
                .get("kind")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let key = Key {
                kind: kind.to_owned(),
                name: base.clone(),
            };
            if let Some(Value::Mapping(l)) = value.get("metadata").and_then(|m| m.get("labels")) {
                let entry = labels.entry(key.clone()).or_default();
                for (k, v) in l {
                    if let (Some(k), Some(v)) = (k.as_str(), v.as_str()) {
                        entry.insert(k.to_owned(), v.to_owned());
                    }
                }
            }
            map.insert(key, flatten::flatten(value, &renames));
        }
        flat.push(map);
    }
    let keys: BTreeSet<Key> = flat.iter().flat_map(|m| m.keys().cloned()).collect();
    let mut report = Report {
        environments: names.clone(),
        ..Report::default()
    };
    let mut used = vec![false; policy.allow.len()];
    for key in keys {
        let present: Vec<String> = names
            .iter()
            .zip(&flat)
            .filter(|(_, m)| m.contains_key(&key))
            .map(|(n, _)| n.clone())
            .collect();
        if present.len() != names.len() {
            let allowed = policy.allow.iter().enumerate().find(|(_, r)| {
                r.difference == DifferenceKind::Presence
                    && r.matches_resource(&key, labels.get(&key))
                    && r.field.is_none()
            });
            match allowed {
                Some((i, _)) => used[i] = true,
                None => report.partial.push((key, present)),
            }
            continue;
        }
        let fields: BTreeSet<&String> = flat.iter().flat_map(|m| m[&key].keys()).collect();
        for field in fields {
            let values: BTreeMap<String, Option<String>> = names
                .iter()
                .zip(&flat)
                .map(|(n, m)| (n.clone(), m[&key].get(field).cloned()))
                .collect();
            let first = values.values().next().cloned().flatten();
            if values.values().all(|v| *v == first) {
                continue;
            }
            let presence = values.values().any(Option::is_none);
            let allowed_by = policy
                .allow
                .iter()
                .position(|r| r.allows(&key, labels.get(&key), field, presence, &values));
            if let Some(i) = allowed_by {
                used[i] = true;
            }
            let values = values
                .into_iter()
                .map(|(env, v)| (env, v.map(|v| redact(&v))))
                .collect();
            report.drifts.push(Drift {
                resource: key.clone(),
                field: field.clone(),
                values,
                allowed_by,
            });
        }
    }
    report.stale_rules = used
        .iter()
        .enumerate()
        .filter(|(_, u)| !**u)
        .map(|(i, _)| i)
        .collect();
    report
}

fn redact(value: &str) -> String {
    match crate::policy::secrets::find_secret(value) {
        Some(found) => format!("<{}: {}>", found.kind, found.redacted),
        None => value.to_owned(),
    }
}

/// A starting policy that allows exactly today's differences, grouped by field and commented.
pub fn init_policy(report: &Report, environments: &[(String, String)]) -> String {
    use std::fmt::Write as _;
    let mut out = String::from(
        "# Generated by `azfn parity --init`: every difference between the environments today.\n\
         # Review each rule; delete the ones that should not differ, so they fail the build.\n\
         apiVersion: azfn.dev/v1alpha1\nkind: ParityPolicy\nmetadata:\n  name: parity\nspec:\n  environments:\n",
    );
    for (name, path) in environments {
        let _ = writeln!(out, "  - name: {name}\n    path: {}", yaml_scalar(path));
    }
    out.push_str("  allow:\n");
    let mut seen = BTreeSet::new();
    for drift in &report.drifts {
        let rule = (
            drift.resource.kind.clone(),
            drift.resource.name.clone(),
            drift.field.clone(),
        );
        if !seen.insert(rule) {
            continue;
        }
        let values: Vec<String> = drift
            .values
            .iter()
            .map(|(env, v)| format!("{env}={}", v.as_deref().unwrap_or("<absent>")))
            .collect();
        let comment: String = values
            .join(", ")
            .replace(['\n', '\r'], "\u{23ce}")
            .chars()
            .take(160)
            .collect();
        let presence = drift.values.values().any(Option::is_none);
        let _ = writeln!(
            out,
            "  # {comment}\n  - resource: {{kind: {}, name: {}}}\n    field: {}{}",
            yaml_scalar(&drift.resource.kind),
            yaml_scalar(&drift.resource.name),
            yaml_scalar(&drift.field),
            if presence {
                "\n    difference: any"
            } else {
                ""
            }
        );
    }
    for (key, present) in &report.partial {
        let _ = writeln!(
            out,
            "  # only in: {}\n  - resource: {{kind: {}, name: {}}}\n    difference: presence",
            present.join(", "),
            yaml_scalar(&key.kind),
            yaml_scalar(&key.name)
        );
    }
    out
}

fn yaml_scalar(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
        && !matches!(s, "true" | "false" | "null" | "yes" | "no" | "on" | "off");
    if plain {
        s.to_owned()
    } else {
        format!("{s:?}")
    }
}
