//! Name references: after prefixes, suffixes, namespaces and hashes changed names, every field
//! that names another object (a Deployment's ConfigMap, a RoleBinding's ServiceAccount, and what
//! `configurations:` add, such as a ScaledObject's `scaleTargetRef`) is pointed at the new name.
//!
//! This follows kustomize's name reference transformer step by step, quirks included, because
//! its output is the reference: a referral is found among the objects the referrer could see,
//! by a name it had *before* (an object never renamed is never a referral), then narrowed by
//! kind, role kind, namespace and finally by the prefixes and suffixes both were given.
use std::collections::BTreeMap;

use serde_yaml::Value;

use super::BuildError;
use super::fieldspec::{self, Config, NameReference};
use super::resmap::{ResId, ResMap};

/// What the sieve needs to know about every resource, read before any field is rewritten
/// (name references never change `metadata`, so this stays true while they run).
struct Snapshot {
    current: ResId,
    previous: Vec<ResId>,
    prefixes: Vec<String>,
    suffixes: Vec<String>,
    /// Whether the current id is cluster-scoped, and its effective namespace (worked out once:
    /// every name field compares them).
    cluster_scoped: bool,
    namespace: String,
}

impl Snapshot {
    fn new(res: &super::resmap::Res) -> Self {
        let current = res.id();
        Self {
            cluster_scoped: current.is_cluster_scoped(),
            namespace: current.effective_namespace().to_owned(),
            previous: res.previous_ids(),
            prefixes: res.prefixes.clone(),
            suffixes: res.suffixes.clone(),
            current,
        }
    }

    fn original(&self) -> &ResId {
        self.previous.first().unwrap_or(&self.current)
    }

    /// kustomize's `PrefixesSuffixesEquals`.
    fn affixes_equal(&self, other: &Snapshot, allow_empty: bool) -> bool {
        let prefixes = allow_empty && (self.prefixes.is_empty() || other.prefixes.is_empty());
        let suffixes = allow_empty && (self.suffixes.is_empty() || other.suffixes.is_empty());
        (prefixes || same_ending(&self.prefixes, &other.prefixes))
            && (suffixes || same_ending(&self.suffixes, &other.suffixes))
    }
}

/// kustomize's `SameEndingSubSlice`: the shorter list is the end of the longer one (two empty
/// lists end alike; an empty and a non-empty one do not).
fn same_ending(a: &[String], b: &[String]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.is_empty() {
        return long.is_empty();
    }
    long.ends_with(short)
}

/// kustomize's `Gvk.IsSelected`: an empty selector field selects any.
fn gvk_selected(id: &ResId, group: &str, version: &str, kind: &str) -> bool {
    (group.is_empty() || id.group == group)
        && (version.is_empty() || id.version == version)
        && (kind.is_empty() || id.kind == kind)
}

/// All resources and, for each name any of them had before, which ones (in build order).
struct Referrals {
    all: Vec<Snapshot>,
    by_previous_name: BTreeMap<String, Vec<usize>>,
}

/// One name field being rewritten: who holds it and what it may name.
struct Field<'a> {
    referrals: &'a Referrals,
    referrer: usize,
    reference: &'a NameReference,
    /// `roleRef`'s group and kind when this field is a `roleRef/name`.
    role: Option<(String, String)>,
    /// Namespaces of ServiceAccount subjects, for a RoleBinding (it may name objects there).
    binding_namespaces: &'a [String],
}

pub(crate) fn fix(ra: &mut ResMap, config: &Config) -> Result<(), BuildError> {
    let all: Vec<Snapshot> = ra.items.iter().map(Snapshot::new).collect();
    let mut by_previous_name: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, snapshot) in all.iter().enumerate() {
        for id in &snapshot.previous {
            let entry = by_previous_name.entry(id.name.clone()).or_default();
            if entry.last() != Some(&i) {
                entry.push(i);
            }
        }
    }
    let referrals = Referrals {
        all,
        by_previous_name,
    };
    for (index, res) in ra.items.iter_mut().enumerate() {
        let original = referrals.all[index].original().clone();
        let binding_namespaces = binding_namespaces(res.kind(), &res.obj, &referrals.all[index])?;
        let mut node = Value::Mapping(std::mem::take(&mut res.obj));
        let mut result = Ok(());
        'references: for reference in &config.name_reference {
            for spec in reference
                .referrers
                .iter()
                .filter(|s| s.selects(&original.group, &original.version, &original.kind))
            {
                // kustomize: the path ends with `roleRef/name` (no string joined per spec).
                let role = matches!(
                    spec.path.as_slice(),
                    [.., parent, last] if last == "name" && parent.ends_with("roleRef")
                )
                .then(|| role_ref(&node))
                .flatten();
                let field = Field {
                    referrals: &referrals,
                    referrer: index,
                    reference,
                    role,
                    binding_namespaces: &binding_namespaces,
                };
                result =
                    fieldspec::visit(&mut node, &spec.path, false, &mut |value| field.set(value))
                        .map_err(|e| {
                            BuildError::new(format!(
                                "updating name reference in '{}' field of '{}': {}",
                                spec.path.join("/"),
                                referrals.all[index].current,
                                e.message
                            ))
                        });
                if result.is_err() {
                    break 'references;
                }
            }
        }
        if let Value::Mapping(m) = node {
            res.obj = m;
        }
        result?;
    }
    Ok(())
}

/// `roleRef`'s `apiGroup` and `kind`, when both are there.
fn role_ref(node: &Value) -> Option<(String, String)> {
    let role = node.get("roleRef")?;
    let group = role.get("apiGroup")?;
    let kind = role.get("kind")?;
    let text = |v: &Value| super::kustomization::scalar_string(v).unwrap_or_default();
    Some((text(group), text(kind)))
}

/// kustomize's `getNamespacesForRoleBinding`: the namespaces of a RoleBinding's
/// ServiceAccount subjects.
fn binding_namespaces(
    kind: &str,
    obj: &serde_yaml::Mapping,
    snapshot: &Snapshot,
) -> Result<Vec<String>, BuildError> {
    if kind != "RoleBinding" {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for subject in obj
        .get("subjects")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
    {
        let (Some(namespace), Some(subject_kind)) = (subject.get("namespace"), subject.get("kind"))
        else {
            continue;
        };
        if subject_kind.as_str() != Some("ServiceAccount") {
            continue;
        }
        match namespace.as_str() {
            Some(ns) => out.push(ns.to_owned()),
            None => {
                return Err(BuildError::new(format!(
                    "Invalid Input: namespace is blank for resource \"{}\"",
                    snapshot.current
                )));
            }
        }
    }
    Ok(out)
}

impl Field<'_> {
    fn referrer(&self) -> &Snapshot {
        &self.referrals.all[self.referrer]
    }

    /// kustomize's `SubsetThatCouldBeReferencedByResource`, for one candidate.
    fn could_reference(&self, candidate: &Snapshot) -> bool {
        let referrer = self.referrer();
        referrer.cluster_scoped
            || candidate.cluster_scoped
            || candidate.namespace == referrer.namespace
            || self
                .binding_namespaces
                .contains(&candidate.current.namespace)
    }

    /// The resources that had the name `old` before and that the referrer could see, in build
    /// order (the first two steps of kustomize's sieve, over its index rather than every
    /// resource).
    fn named(&self, old: &str) -> Vec<usize> {
        self.referrals
            .by_previous_name
            .get(old)
            .into_iter()
            .flatten()
            .copied()
            .filter(|&i| self.could_reference(&self.referrals.all[i]))
            .collect()
    }

    /// The value found at the field's path: a name, a list of names or of `{name, namespace}`
    /// maps, or one such map.
    fn set(&self, value: &mut Value) -> Result<(), BuildError> {
        match value {
            Value::Null => Ok(()),
            Value::Mapping(_) => self.set_mapping(value),
            Value::Sequence(items) => {
                for item in items {
                    match item {
                        Value::Null => {}
                        Value::Mapping(_) => self.set_mapping(item)?,
                        Value::Sequence(_) => {
                            return Err(BuildError::new(
                                "a list element is expected to be either a string or a map of string",
                            ));
                        }
                        _ => self.set_scalar(item)?,
                    }
                }
                Ok(())
            }
            _ => self.set_scalar(value),
        }
    }

    fn set_scalar(&self, value: &mut Value) -> Result<(), BuildError> {
        let old = super::kustomization::scalar_string(value).unwrap_or_default();
        let Some(found) = self.select(self.named(&old), false)? else {
            return Ok(());
        };
        let name = &self.referrals.all[found].current.name;
        if *name != old {
            *value = Value::String(name.clone());
        }
        Ok(())
    }

    /// A `{name, namespace?}` map (binding subjects, webhook services): a namespace given
    /// narrows the candidates to those first in it, or else now in it.
    fn set_mapping(&self, value: &mut Value) -> Result<(), BuildError> {
        let Value::Mapping(map) = value else {
            return Ok(());
        };
        let Some(old) = map.get("name") else {
            return Err(BuildError::new(
                "path config error; no 'name' field in node",
            ));
        };
        let old = super::kustomization::scalar_string(old).unwrap_or_default();
        let mut candidates = self.named(&old);
        if let Some(namespace) = map.get("namespace") {
            // kustomize groups every object the referrer could see by its original namespace
            // and takes that group when there is one, else the group by current namespace.
            let namespace = super::kustomization::scalar_string(namespace).unwrap_or_default();
            let all = &self.referrals.all;
            let in_namespace =
                |id: &ResId| !id.is_cluster_scoped() && id.effective_namespace() == namespace;
            let by_original = all
                .iter()
                .any(|c| in_namespace(c.original()) && self.could_reference(c));
            candidates.retain(|&i| {
                in_namespace(if by_original {
                    all[i].original()
                } else {
                    &all[i].current
                })
            });
        }
        let Some(found) = self.select(candidates, true)? else {
            return Ok(());
        };
        let referral = &self.referrals.all[found].current;
        if referral.name == old && referral.namespace.is_empty() {
            return Ok(());
        }
        map.insert("name".into(), referral.name.clone().into());
        if !referral.namespace.is_empty() {
            map.insert("namespace".into(), referral.namespace.clone().into());
        }
        Ok(())
    }

    /// kustomize's `selectReferral` over `candidates` (those that had the name and that the
    /// referrer could see): the one referral, `None` when there is none; several that differ
    /// are an error.
    fn select(
        &self,
        candidates: Vec<usize>,
        with_namespace: bool,
    ) -> Result<Option<usize>, BuildError> {
        let all = &self.referrals.all;
        let reference = self.reference;
        let referrer = self.referrer();
        let mut left: Vec<usize> = candidates
            .into_iter()
            .filter(|&i| {
                all[i].previous.iter().any(|id| {
                    gvk_selected(id, &reference.group, &reference.version, &reference.kind)
                })
            })
            .filter(|&i| {
                self.role.as_ref().is_none_or(|(group, kind)| {
                    all[i]
                        .previous
                        .iter()
                        .any(|id| gvk_selected(id, group, "", kind))
                })
            })
            .filter(|&i| {
                referrer.cluster_scoped
                    || all[i].cluster_scoped
                    || all[i].current.kind == "ServiceAccount"
                    || all[i].namespace == referrer.namespace
            })
            .collect();
        if left.len() == 1 {
            return Ok(left.pop());
        }
        left.retain(|&i| all[i].affixes_equal(referrer, true));
        if left.len() > 1 {
            left.retain(|&i| all[i].affixes_equal(referrer, false));
        }
        match left.as_slice() {
            [] => return Ok(None),
            [one] => return Ok(Some(*one)),
            _ => {}
        }
        let first = &all[left[0]].current;
        let identical = left.iter().all(|&i| {
            all[i].current.name == first.name
                && (!with_namespace || all[i].current.namespace == first.namespace)
        });
        if identical {
            return Ok(Some(left[0]));
        }
        let ids: Vec<String> = left.iter().map(|&i| all[i].current.to_string()).collect();
        Err(BuildError::new(format!(
            "found multiple possible referrals: {}",
            ids.join(", ")
        )))
    }
}
