//! Name references: after prefixes, suffixes, namespaces and hashes changed names, every field
//! that names another object (a Deployment's ConfigMap, a RoleBinding's ServiceAccount, and what
//! `configurations:` add, such as a ScaledObject's `scaleTargetRef`) is pointed at the new name.
use serde_yaml::Value;

use super::BuildError;
use super::fieldspec::{self, Config, NameReference};
use super::resmap::{ResMap, str_at};
use super::transform::is_cluster_scoped;

/// A referral candidate: everything needed to decide and to rewrite.
struct Candidate {
    kind: String,
    names: Vec<String>,
    namespaces: Vec<String>,
    name: String,
    namespace: String,
    id: String,
    renamed: bool,
    prefixes: Vec<String>,
    suffixes: Vec<String>,
}

/// Candidates and, for each name any of them had, which ones.
struct Index<'a> {
    candidates: &'a [Candidate],
    by_name: std::collections::BTreeMap<&'a str, Vec<usize>>,
}

/// What selection needs to know about the referrer.
struct Referrer<'a> {
    kind: &'a str,
    namespace: &'a str,
    prefixes: &'a [String],
    suffixes: &'a [String],
}

pub(crate) fn fix(ra: &mut ResMap, config: &Config) -> Result<(), BuildError> {
    for reference in &config.name_reference {
        let candidates: Vec<Candidate> = ra
            .items
            .iter()
            .filter(|r| referral_matches(reference, r.group_version(), r.kind()))
            .map(|r| {
                let ids = r.all_ids();
                Candidate {
                    kind: r.kind().to_owned(),
                    names: ids.iter().map(|i| i.name.clone()).collect(),
                    namespaces: ids.iter().map(|i| i.namespace.clone()).collect(),
                    name: r.name().to_owned(),
                    namespace: r.namespace().to_owned(),
                    id: r.id().to_string(),
                    renamed: !r.previous.is_empty(),
                    prefixes: r.prefixes.clone(),
                    suffixes: r.suffixes.clone(),
                }
            })
            .collect();
        if !candidates.iter().any(|c| c.renamed) {
            continue;
        }
        let mut by_name: std::collections::BTreeMap<&str, Vec<usize>> =
            std::collections::BTreeMap::new();
        for (i, c) in candidates.iter().enumerate() {
            for name in &c.names {
                let entry = by_name.entry(name.as_str()).or_default();
                if entry.last() != Some(&i) {
                    entry.push(i);
                }
            }
        }
        let index = Index {
            candidates: &candidates,
            by_name,
        };
        for res in &mut ra.items {
            let api_version = str_at(&res.obj, &["apiVersion"]).to_owned();
            let kind = res.kind().to_owned();
            let referrer_namespace = res.namespace().to_owned();
            let (prefixes, suffixes) = (res.prefixes.clone(), res.suffixes.clone());
            let referrer = Referrer {
                kind: &kind,
                namespace: &referrer_namespace,
                prefixes: &prefixes,
                suffixes: &suffixes,
            };
            // A binding's roleRef names a Role or a ClusterRole: only that kind is a candidate.
            let role_kind = str_at(&res.obj, &["roleRef", "kind"]).to_owned();
            let mut node = Value::Mapping(std::mem::take(&mut res.obj));
            let mut result = Ok(());
            for spec in reference
                .referrers
                .iter()
                .filter(|s| s.matches(&api_version, &kind))
                .filter(|s| s.path != ["roleRef", "name"] || role_kind == reference.kind)
            {
                result = fieldspec::visit(&mut node, &spec.path, false, &mut |value| {
                    rewrite(value, &index, reference, &referrer)
                });
                if result.is_err() {
                    break;
                }
            }
            if let Value::Mapping(m) = node {
                res.obj = m;
            }
            result?;
        }
    }
    Ok(())
}

fn referral_matches(reference: &NameReference, (group, version): (&str, &str), kind: &str) -> bool {
    reference.kind == kind
        && (reference.group.is_empty() || reference.group == group)
        && (reference.version.is_empty() || reference.version == version)
}

fn rewrite(
    value: &mut Value,
    candidates: &Index<'_>,
    reference: &NameReference,
    referrer: &Referrer<'_>,
) -> Result<(), BuildError> {
    let referrer_kind = referrer.kind;
    let referrer_namespace = referrer.namespace;
    match value {
        Value::String(old) => {
            if let Some(found) = select(candidates, old, None, referrer)? {
                *old = found.name.clone();
            }
        }
        Value::Sequence(items) => {
            for item in items {
                rewrite(item, candidates, reference, referrer)?;
            }
        }
        Value::Mapping(map) => {
            // Subjects and webhook services: `{kind?, name, namespace?}`.
            if let Some(kind) = map.get("kind").and_then(Value::as_str)
                && kind != reference.kind
            {
                return Ok(());
            }
            let Some(old) = map.get("name").and_then(Value::as_str).map(str::to_owned) else {
                return Ok(());
            };
            let namespace = map
                .get("namespace")
                .and_then(Value::as_str)
                .map(str::to_owned);
            if let Some(found) = select(
                candidates,
                &old,
                Some(namespace.as_deref().unwrap_or(referrer_namespace)),
                referrer,
            )? {
                map.insert("name".into(), found.name.clone().into());
                let explicit = namespace.is_some() || map.contains_key("namespace");
                let cluster_binding = referrer_kind == "ClusterRoleBinding";
                if explicit || (!found.namespace.is_empty() && cluster_binding) {
                    map.insert("namespace".into(), found.namespace.clone().into());
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// The one candidate an old name refers to from a referrer (kustomize's sieve: name, namespace,
/// then the same prefixes and suffixes); `None` when nothing matches.
fn select<'a>(
    index: &Index<'a>,
    old: &str,
    explicit_namespace: Option<&str>,
    referrer: &Referrer<'_>,
) -> Result<Option<&'a Candidate>, BuildError> {
    let named: Vec<&Candidate> = index
        .by_name
        .get(old)
        .map(|ids| ids.iter().map(|&i| &index.candidates[i]).collect())
        .unwrap_or_default();
    let scoped: Vec<&Candidate> = named
        .into_iter()
        .filter(|c| {
            if let Some(ns) = explicit_namespace {
                return is_cluster_scoped(&c.kind)
                    || c.namespaces
                        .iter()
                        .any(|n| super::resmap::same_namespace(n, ns));
            }
            is_cluster_scoped(referrer.kind)
                || is_cluster_scoped(&c.kind)
                || c.kind == "ServiceAccount"
                || super::resmap::same_namespace(&c.namespace, referrer.namespace)
        })
        .collect();
    if scoped.len() <= 1 {
        return Ok(scoped.into_iter().next());
    }
    let alike: Vec<&Candidate> = scoped
        .iter()
        .copied()
        .filter(|c| c.prefixes == referrer.prefixes && c.suffixes == referrer.suffixes)
        .collect();
    match alike.as_slice() {
        [one] => return Ok(Some(one)),
        [] => {}
        many if many.iter().all(|c| c.name == many[0].name) => return Ok(Some(many[0])),
        _ => {}
    }
    if alike.is_empty() {
        return Ok(None);
    }
    let ids: Vec<&str> = alike.iter().map(|c| c.id.as_str()).collect();
    Err(BuildError::new(format!(
        "found multiple possible referrals: {}",
        ids.join(", ")
    )))
}
