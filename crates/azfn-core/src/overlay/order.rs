//! Output order: the order resources were read in (`fifo`, `--reorder none`) or kustomize's
//! legacy order (kinds in dependency order, then by group, version, kind, namespace, name).
use crate::error::Location;
use serde_yaml::Value;

use super::BuildError;
use super::kustomization::string_list;
use super::resmap::{ResId, ResMap};

/// Kinds sorted first, in order (kustomize's `orderFirst`).
const ORDER_FIRST: &[&str] = &[
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Endpoints",
    "Service",
    "LimitRange",
    "PriorityClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
];

/// Kinds sorted last, in order.
const ORDER_LAST: &[&str] = &[
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LegacyOrder {
    first: Vec<String>,
    last: Vec<String>,
}

impl Default for LegacyOrder {
    fn default() -> Self {
        Self {
            first: ORDER_FIRST.iter().map(|s| (*s).to_owned()).collect(),
            last: ORDER_LAST.iter().map(|s| (*s).to_owned()).collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Sort {
    Fifo,
    Legacy(LegacyOrder),
}

/// Reads `sortOptions`.
pub(crate) fn parse(value: &Value, at: &Location) -> Result<Sort, BuildError> {
    let order = value
        .get("order")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let legacy = value.get("legacySortOptions").filter(|v| !v.is_null());
    match order {
        "fifo" => {
            if legacy.is_some() {
                return Err(BuildError::at(
                    at,
                    "the field 'sortOptions.legacySortOptions' is set but the selected sort order is 'fifo', not 'legacy'",
                ));
            }
            Ok(Sort::Fifo)
        }
        "legacy" => {
            let mut options = LegacyOrder::default();
            if let Some(legacy) = legacy {
                let list = |key: &str| -> Result<Vec<String>, BuildError> {
                    legacy
                        .get(key)
                        .filter(|v| !v.is_null())
                        .map(string_list)
                        .transpose()
                        .map_err(|m| {
                            BuildError::at(&at.child(&format!("legacySortOptions.{key}")), m)
                        })
                        .map(Option::unwrap_or_default)
                };
                options.first = list("orderFirst")?;
                options.last = list("orderLast")?;
            }
            Ok(Sort::Legacy(options))
        }
        _ => Err(BuildError::at(
            at,
            "the field 'sortOptions.order' must be one of [fifo, legacy]",
        )),
    }
}

/// Puts the resources in output order.
pub(crate) fn apply(resources: &mut ResMap, sort: &Sort) {
    let Sort::Legacy(order) = sort else {
        return;
    };
    let rank = |kind: &str| -> i64 {
        let as_i64 = |i: usize| i64::try_from(i).unwrap_or(i64::MAX);
        if let Some(i) = order.first.iter().position(|k| k == kind) {
            return as_i64(i) - as_i64(order.first.len());
        }
        if let Some(i) = order.last.iter().position(|k| k == kind) {
            return as_i64(i) + 1;
        }
        0
    };
    // The sort strings are computed once per resource, not once per comparison.
    let mut keyed: Vec<(ResId, String, String, super::resmap::Res)> =
        std::mem::take(&mut resources.items)
            .into_iter()
            .map(|r| {
                let id = r.id();
                let (gvk, full) = (gvk_string(&id), id_string(&id));
                (id, gvk, full, r)
            })
            .collect();
    keyed.sort_by(|(a, gvk_a, id_a, _), (b, gvk_b, id_b, _)| {
        if (&a.group, &a.version, &a.kind) != (&b.group, &b.version, &b.kind) {
            let (ra, rb) = (rank(&a.kind), rank(&b.kind));
            if ra != rb {
                return ra.cmp(&rb);
            }
            if a.kind == "Namespace"
                && b.kind == "Namespace"
                && (a.group.is_empty() || b.group.is_empty())
            {
                return gvk_b.cmp(gvk_a);
            }
            return gvk_a.cmp(gvk_b);
        }
        id_a.cmp(id_b)
    });
    resources.items = keyed.into_iter().map(|(_, _, _, r)| r).collect();
}

/// `s`, or kustomize's placeholder for an empty field.
fn or_marker<'a>(s: &'a str, marker: &'a str) -> &'a str {
    if s.is_empty() { marker } else { s }
}

fn gvk_string(id: &ResId) -> String {
    format!(
        "{}_{}_{}",
        or_marker(&id.group, "~G"),
        or_marker(&id.version, "~V"),
        or_marker(&id.kind, "~K")
    )
}

fn id_string(id: &ResId) -> String {
    format!(
        "{}|{}|{}",
        gvk_string(id),
        or_marker(&id.namespace, "~X"),
        or_marker(&id.name, "~N")
    )
}
