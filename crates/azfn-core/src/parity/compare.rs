//! The comparison: flatten every environment's resources, match them by kind and base name,
//! and decide for each difference which rule (if any) allows it.
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use serde_yaml::Value;

use super::{
    DifferenceKind, Drift, Environment, Key, ParityPolicy, Partial, Report, Source, flatten, redact,
};
use crate::fieldpath::Segment;

/// A `FunctionApp` field that differs in one environment from the first environment.
pub(crate) struct Substitution {
    pub env: usize,
    /// The `FunctionApp`'s base name.
    pub app: String,
    pub field: String,
    pub segments: Vec<Segment>,
    /// The value in this environment, unredacted: only matched against rendered values.
    raw: Option<String>,
    /// The field's values in every environment, redacted.
    values: BTreeMap<String, Option<String>>,
    /// The rule that allows the difference.
    pub rule: Option<usize>,
}

/// The environments rendered again with `FunctionApp` differences undone.
pub(crate) struct Counterfactual<'a> {
    /// With the allowed differences set to the first environment's values.
    pub allowed: Vec<Environment>,
    /// With every difference set so.
    pub all: Vec<Environment>,
    pub substitutions: &'a [Substitution],
}

pub(crate) type Fields = BTreeMap<String, String>;

struct Flat {
    per_env: Vec<BTreeMap<Key, Fields>>,
    labels: BTreeMap<Key, BTreeMap<String, String>>,
}

/// Adds `value`'s labels to what is known of `key` (in any environment), for label selectors.
fn add_labels(labels: &mut BTreeMap<Key, BTreeMap<String, String>>, key: &Key, value: &Value) {
    let Some(Value::Mapping(l)) = value.get("metadata").and_then(|m| m.get("labels")) else {
        return;
    };
    let entry = labels.entry(key.clone()).or_default();
    for (k, v) in l {
        if let (Some(k), Some(v)) = (k.as_str(), v.as_str()) {
            entry.insert(k.to_owned(), v.to_owned());
        }
    }
}

fn key_of(value: &Value, base: &str) -> Key {
    Key {
        kind: value
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        name: base.to_owned(),
    }
}

pub(crate) fn flat_fields(environments: &[Environment]) -> Vec<BTreeMap<Key, Fields>> {
    flat(environments).per_env
}

fn flat(environments: &[Environment]) -> Flat {
    let mut labels: BTreeMap<Key, BTreeMap<String, String>> = BTreeMap::new();
    let per_env = environments
        .iter()
        .map(|env| {
            let mut renames: BTreeMap<String, String> = env
                .resources
                .iter()
                .filter_map(|(v, base)| {
                    let current = v.get("metadata")?.get("name")?.as_str()?;
                    (current != base).then(|| (current.to_owned(), base.clone()))
                })
                .collect();
            renames.extend(service_account_subjects(env));
            let mut map = BTreeMap::new();
            for (value, base) in &env.resources {
                let key = key_of(value, base);
                add_labels(&mut labels, &key, value);
                map.insert(key, flatten::flatten(value, &renames));
            }
            map
        })
        .collect();
    Flat { per_env, labels }
}

/// A workload-identity subject names a ServiceAccount's namespace and name, which overlays
/// change as they change `metadata.namespace` and `metadata.name` (neither a difference): each
/// ServiceAccount's subject compares by the account's base name.
fn service_account_subjects(env: &Environment) -> impl Iterator<Item = (String, String)> + '_ {
    env.resources.iter().filter_map(|(v, base)| {
        (v.get("kind")?.as_str()? == "ServiceAccount").then_some(())?;
        let metadata = v.get("metadata")?;
        let name = metadata.get("name")?.as_str()?;
        let namespace = metadata
            .get("namespace")
            .and_then(Value::as_str)
            .filter(|ns| !ns.is_empty())
            .unwrap_or("default");
        Some((
            format!("system:serviceaccount:{namespace}:{name}"),
            format!("system:serviceaccount:<namespace>:{base}"),
        ))
    })
}

/// Each environment's value of one field (`None`: absent).
fn values_of(
    names: &[String],
    per_env: &[BTreeMap<Key, Fields>],
    key: &Key,
    field: &str,
) -> BTreeMap<String, Option<String>> {
    names
        .iter()
        .zip(per_env)
        .map(|(n, m)| (n.clone(), m.get(key).and_then(|f| f.get(field)).cloned()))
        .collect()
}

/// A value as Kubernetes reads it: resource quantities by amount (`1Gi` is `1024Mi`).
pub(crate) fn comparable<'a>(field: &str, value: Option<&'a String>) -> Option<Cow<'a, str>> {
    let value = value?;
    if super::quantity::is_quantity_field(field)
        && let Some(amount) = super::quantity::amount(value)
    {
        return Some(Cow::Owned(format!("{amount:e}")));
    }
    Some(Cow::Borrowed(value))
}

pub(crate) fn uniform<T: PartialEq>(mut values: impl Iterator<Item = T>) -> bool {
    match values.next() {
        None => true,
        Some(first) => values.all(|v| v == first),
    }
}

/// Every `FunctionApp` field that differs from the first environment, with the rule allowing
/// it (if any).
pub(crate) fn function_app_differences(
    environments: &[Environment],
    policy: &ParityPolicy,
) -> Vec<Substitution> {
    let names: Vec<String> = environments.iter().map(|e| e.name.clone()).collect();
    let mut per_env = Vec::new();
    let mut segments: BTreeMap<(Key, String), Vec<Segment>> = BTreeMap::new();
    let mut labels: BTreeMap<Key, BTreeMap<String, String>> = BTreeMap::new();
    for env in environments {
        let mut map = BTreeMap::new();
        for (value, base) in &env.function_apps {
            let key = key_of(value, base);
            let (fields, paths) = flatten::flatten_with_segments(value);
            for (field, segs) in paths {
                segments.entry((key.clone(), field)).or_insert(segs);
            }
            add_labels(&mut labels, &key, value);
            map.insert(key, fields);
        }
        per_env.push(map);
    }
    let index = super::policy::RuleIndex::new(policy);
    let mut out = Vec::new();
    let Some(first) = per_env.first() else {
        return out;
    };
    for key in first.keys() {
        if !per_env.iter().all(|m| m.contains_key(key)) {
            continue;
        }
        let fields: BTreeSet<&String> = per_env.iter().flat_map(|m| m[key].keys()).collect();
        for field in fields {
            let values = values_of(&names, &per_env, key, field);
            if uniform(values.values().map(|v| comparable(field, v.as_ref()))) {
                continue;
            }
            let presence = values.values().any(Option::is_none);
            let rule = index.first(&key.name, |i| {
                policy.allow[i].allows(key, labels.get(key), field, presence, &values)
            });
            let redacted: BTreeMap<String, Option<String>> = values
                .iter()
                .map(|(env, v)| (env.clone(), v.as_deref().map(|v| redact(key, field, v))))
                .collect();
            let reference = per_env[0][key].get(field);
            for (env, map) in per_env.iter().enumerate().skip(1) {
                let raw = map[key].get(field);
                if comparable(field, raw) == comparable(field, reference) {
                    continue;
                }
                out.push(Substitution {
                    env,
                    app: key.name.clone(),
                    field: field.clone(),
                    segments: segments[&(key.clone(), field.clone())].clone(),
                    raw: raw.cloned(),
                    values: redacted.clone(),
                    rule,
                });
            }
        }
    }
    out
}

/// Compares already rendered environments under `policy` (rules on `FunctionApp` fields need
/// [`super::check`], which renders them).
pub fn compare(environments: &[Environment], policy: &ParityPolicy) -> Report {
    compare_with(environments, policy, None)
}

/// The substitution a rendered difference most likely comes from: the one whose value is the
/// rendered value, else the longest one shown inside it, else the first in an environment
/// that differs.
fn attribute<'a>(
    candidates: &[&'a Substitution],
    names: &[String],
    values: &BTreeMap<String, Option<String>>,
) -> (Option<&'a Substitution>, bool) {
    let score = |s: &Substitution| {
        let rendered = values.get(&names[s.env]).cloned().flatten();
        match (&s.raw, rendered) {
            (Some(raw), Some(rendered)) if *raw == rendered => usize::MAX,
            (Some(raw), Some(rendered)) if raw.len() >= 3 && rendered.contains(raw.as_str()) => {
                raw.len()
            }
            _ => 0,
        }
    };
    let mut best: Option<(usize, &Substitution)> = None;
    for s in candidates {
        let score = score(s);
        // The first of equals wins.
        if score > 0 && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, s));
        }
    }
    match best {
        Some((_, s)) => (Some(s), true),
        None => (candidates.first().copied(), candidates.len() <= 1),
    }
}

#[allow(
    clippy::too_many_lines,
    reason = "presence, then fields, each against direct rules and then FunctionApp rules"
)]
pub(crate) fn compare_with(
    environments: &[Environment],
    policy: &ParityPolicy,
    counterfactual: Option<&Counterfactual<'_>>,
) -> Report {
    let names: Vec<String> = environments.iter().map(|e| e.name.clone()).collect();
    let Flat { per_env, labels } = flat(environments);
    let allowed_cf = counterfactual.map(|c| flat(&c.allowed).per_env);
    let all_cf = counterfactual.map(|c| flat(&c.all).per_env);
    let substitutions: &[Substitution] = counterfactual.map_or(&[], |c| c.substitutions);
    let differing = |field: &str, values: &BTreeMap<String, Option<String>>| -> BTreeSet<usize> {
        let value = |i: usize| comparable(field, values.get(&names[i]).and_then(Option::as_ref));
        (0..names.len()).filter(|&i| value(i) != value(0)).collect()
    };
    // Whether the field is the same everywhere once FunctionApp differences are undone.
    let explained = |cf: Option<&Vec<BTreeMap<Key, Fields>>>, key: &Key, field: Option<&str>| {
        cf.is_some_and(|cf| match field {
            Some(field) => {
                cf.iter().all(|m| m.contains_key(key))
                    && uniform(cf.iter().map(|m| comparable(field, m[key].get(field))))
            }
            None => uniform(cf.iter().map(|m| m.contains_key(key))),
        })
    };
    let index = super::policy::RuleIndex::new(policy);
    let keys: BTreeSet<&Key> = per_env.iter().flat_map(BTreeMap::keys).collect();
    let mut report = Report {
        environments: names.clone(),
        resources: keys.len(),
        ..Report::default()
    };
    let mut used = vec![false; policy.allow.len()];
    let mut seen = BTreeSet::new();
    for s in substitutions {
        if let Some(rule) = s.rule {
            used[rule] = true;
        }
        if seen.insert((&s.app, &s.field)) {
            report.function_apps.push(Drift {
                resource: Key {
                    kind: crate::functionapp::KIND.to_owned(),
                    name: s.app.clone(),
                },
                field: s.field.clone(),
                values: s.values.clone(),
                allowed_by: s.rule,
                source: None,
                set_at: BTreeMap::new(),
            });
        }
    }
    for key in keys {
        let present: Vec<String> = names
            .iter()
            .zip(&per_env)
            .filter(|(_, m)| m.contains_key(key))
            .map(|(n, _)| n.clone())
            .collect();
        if present.len() != names.len() {
            let mut allowed_by = policy.allow.iter().position(|r| {
                r.difference == DifferenceKind::Presence
                    && r.field.is_none()
                    && r.matches_resource(key, labels.get(key))
            });
            if allowed_by.is_none() && explained(allowed_cf.as_ref(), key, None) {
                let envs: BTreeSet<usize> = (0..names.len())
                    .filter(|i| present.contains(&names[*i]) != present.contains(&names[0]))
                    .collect();
                allowed_by = substitutions
                    .iter()
                    .find(|s| s.rule.is_some() && envs.contains(&s.env))
                    .and_then(|s| s.rule);
            }
            if let Some(i) = allowed_by {
                used[i] = true;
            }
            report.partial.push(Partial {
                resource: key.clone(),
                present_in: present,
                allowed_by,
            });
            continue;
        }
        let fields: BTreeSet<&String> = per_env.iter().flat_map(|m| m[key].keys()).collect();
        for field in fields {
            let values = values_of(&names, &per_env, key, field);
            if uniform(values.values().map(|v| comparable(field, v.as_ref()))) {
                continue;
            }
            let presence = values.values().any(Option::is_none);
            let mut allowed_by = index.first(&key.name, |i| {
                policy.allow[i].allows(key, labels.get(key), field, presence, &values)
            });
            let mut source = None;
            if allowed_by.is_none() && !substitutions.is_empty() {
                let envs = differing(field, &values);
                if explained(allowed_cf.as_ref(), key, Some(field)) {
                    let candidates: Vec<&Substitution> = substitutions
                        .iter()
                        .filter(|s| s.rule.is_some() && envs.contains(&s.env))
                        .collect();
                    let (found, certain) = attribute(&candidates, &names, &values);
                    allowed_by = found.and_then(|s| s.rule);
                    if !certain {
                        report.uncertain.push(report.drifts.len());
                    }
                } else if explained(all_cf.as_ref(), key, Some(field)) {
                    let candidates: Vec<&Substitution> = substitutions
                        .iter()
                        .filter(|s| s.rule.is_none() && envs.contains(&s.env))
                        .collect();
                    source = attribute(&candidates, &names, &values).0.map(|s| Source {
                        resource: Key {
                            kind: crate::functionapp::KIND.to_owned(),
                            name: s.app.clone(),
                        },
                        field: s.field.clone(),
                        values: s.values.clone(),
                    });
                }
            }
            if let Some(i) = allowed_by {
                used[i] = true;
            }
            let values = values
                .into_iter()
                .map(|(env, v)| {
                    let v = v.map(|v| redact(key, field, &v));
                    (env, v)
                })
                .collect();
            report.drifts.push(Drift {
                resource: key.clone(),
                field: field.clone(),
                values,
                allowed_by,
                source,
                set_at: BTreeMap::new(),
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
