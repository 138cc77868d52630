//! Finding the places rules look at: pod templates, containers, env vars, ConfigMap data.
use serde_yaml::Value;

use crate::krm::Resource;

/// Where pod specs sit in the workload kinds, as mapping-key paths.
const POD_SPEC_PATHS: &[&[&str]] = &[
    &["spec", "template", "spec"], // Deployment, StatefulSet, DaemonSet, Job, ReplicaSet
    &["spec", "jobTemplate", "spec", "template", "spec"], // CronJob
    &["spec", "jobTargetRef", "template", "spec"], // KEDA ScaledJob
];

/// Each pod spec of a resource with its dotted path.
pub(crate) fn pod_specs(resource: &Resource) -> Vec<(String, &serde_yaml::Mapping)> {
    let mut specs = Vec::new();
    if let Some(spec) = resource
        .get("spec")
        .and_then(Value::as_mapping)
        .filter(|_| resource.kind() == "Pod")
    {
        specs.push(("spec".to_owned(), spec));
    }
    for path in POD_SPEC_PATHS {
        if let Some(spec) = resource.get_path(path).and_then(Value::as_mapping) {
            specs.push((path.join("."), spec));
        }
    }
    specs
}

/// A container inside a pod spec.
pub(crate) struct Container<'a> {
    /// Dotted path of the container, e.g. `spec.template.spec.containers[0]`.
    pub path: String,
    /// `name`, `""` when absent.
    pub name: &'a str,
    /// The container object.
    pub object: &'a serde_yaml::Mapping,
}

/// Every container, init container and ephemeral container of a resource.
pub(crate) fn containers(resource: &Resource) -> Vec<Container<'_>> {
    let mut out = Vec::new();
    for (spec_path, spec) in pod_specs(resource) {
        for list in ["initContainers", "containers", "ephemeralContainers"] {
            let Some(seq) = spec.get(list).and_then(Value::as_sequence) else {
                continue;
            };
            for (i, item) in seq.iter().enumerate() {
                let Some(object) = item.as_mapping() else {
                    continue;
                };
                out.push(Container {
                    path: format!("{spec_path}.{list}[{i}]"),
                    name: object
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or_default(),
                    object,
                });
            }
        }
    }
    out
}

/// `a.b` for plain keys, `a["b.c/d"]` for keys that need quoting in a field path.
pub(crate) fn key_path(prefix: &str, key: &str) -> String {
    if !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        format!("{prefix}.{key}")
    } else {
        format!("{prefix}[{key:?}]")
    }
}
