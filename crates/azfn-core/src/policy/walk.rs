//! Finding the places rules look at: pod templates, containers, env vars, ConfigMap data.
use std::cell::OnceCell;
use std::collections::BTreeMap;

use serde_yaml::Value;

use super::environment::Environment;
use crate::krm::Resource;
use crate::yaml::Field;

/// Where pod specs sit in the workload kinds, as mapping-key paths and written out (every rule
/// walks these for every resource, so the dotted form is not joined again each time).
const POD_SPEC_PATHS: &[(&[&str], &str)] = &[
    // Deployment, StatefulSet, DaemonSet, Job, ReplicaSet
    (&["spec", "template", "spec"], "spec.template.spec"),
    // CronJob
    (
        &["spec", "jobTemplate", "spec", "template", "spec"],
        "spec.jobTemplate.spec.template.spec",
    ),
    // KEDA ScaledJob
    (
        &["spec", "jobTargetRef", "template", "spec"],
        "spec.jobTargetRef.template.spec",
    ),
];

/// Each pod spec of a resource with its dotted path.
pub(crate) fn pod_specs(
    resource: &Resource,
) -> impl Iterator<Item = (&'static str, &serde_yaml::Mapping)> {
    let pod = resource
        .field("spec")
        .and_then(Value::as_mapping)
        .filter(|_| resource.kind() == "Pod")
        .map(|spec| ("spec", spec));
    let templates = POD_SPEC_PATHS.iter().filter_map(|(path, dotted)| {
        let spec = resource.get_path(path).and_then(Value::as_mapping)?;
        Some((*dotted, spec))
    });
    pod.into_iter().chain(templates)
}

/// A container inside a pod spec.
#[derive(Clone)]
pub(crate) struct Container<'a> {
    /// Dotted path of the container, e.g. `spec.template.spec.containers[0]`.
    pub path: String,
    /// `name`, `""` when absent.
    pub name: &'a str,
    /// The container object.
    pub object: &'a serde_yaml::Mapping,
    /// The resource whose pod spec holds it.
    pub owner: &'a Resource,
    /// Its place in `containers(owner)`.
    pub index: usize,
}

/// Every container, init container and ephemeral container of a resource.
pub(crate) fn containers(resource: &Resource) -> Vec<Container<'_>> {
    let mut out = Vec::new();
    for (spec_path, spec) in pod_specs(resource) {
        for list in ["initContainers", "containers", "ephemeralContainers"] {
            let Some(seq) = crate::yaml::get(spec, list).and_then(Value::as_sequence) else {
                continue;
            };
            for (i, item) in seq.iter().enumerate() {
                let Some(object) = item.as_mapping() else {
                    continue;
                };
                out.push(Container {
                    path: format!("{spec_path}.{list}[{i}]"),
                    name: crate::yaml::get(object, "name")
                        .and_then(Value::as_str)
                        .unwrap_or_default(),
                    object,
                    owner: resource,
                    index: out.len(),
                });
            }
        }
    }
    out
}

impl<'a> Container<'a> {
    /// The container's `env` entries with their index.
    pub(crate) fn env(&self) -> impl Iterator<Item = (usize, &'a serde_yaml::Mapping)> + use<'a> {
        let object: &'a serde_yaml::Mapping = self.object;
        crate::yaml::get(object, "env")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
            .enumerate()
            .filter_map(|(i, e)| e.as_mapping().map(|m| (i, m)))
    }

    /// Whether this container runs the Azure Functions host by what it says itself: a
    /// Functions base image or Functions settings in `env` (see `runs_functions_host` for the
    /// sources `envFrom` names too).
    pub(crate) fn is_functions_host(&self) -> bool {
        let image = self
            .object
            .field("image")
            .and_then(Value::as_str)
            .unwrap_or_default();
        image.contains("azure-functions")
            || self.env().any(|(_, e)| {
                e.field("name")
                    .and_then(Value::as_str)
                    .is_some_and(super::environment::is_functions_setting)
            })
    }
}

pub(crate) use crate::krm::landing;

/// A container the catalog found, with its environment made the first time a rule asks for it.
pub(crate) struct Kept<'a> {
    container: Container<'a>,
    environment: OnceCell<Environment<'a>>,
}

/// The containers of one resource: the catalog's own, or found afresh for an object that is
/// not one of its items.
pub(crate) enum Containers<'s, 'a> {
    Kept(&'s [Kept<'a>]),
    Found(Vec<Container<'a>>),
}

impl<'a> Containers<'_, 'a> {
    /// The containers in [`containers`]'s order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Container<'a>> {
        let (kept, found): (&[Kept<'a>], &[Container<'a>]) = match self {
            Containers::Kept(kept) => (kept, &[]),
            Containers::Found(found) => (&[], found),
        };
        kept.iter().map(|k| &k.container).chain(found)
    }
}

/// The resources a check runs over, indexed once so that rules which relate objects (a
/// ScaledObject to its Deployment, a Service to its pods) stay linear in the number of objects.
pub struct Catalog<'a> {
    items: &'a [Resource],
    /// Items by (name, namespace, kind): names differ most, so a search compares one string
    /// per step instead of first the kinds and namespaces most items share.
    by_id: BTreeMap<(&'a str, &'a str, &'a str), usize>,
    scaled: Vec<(&'a Resource, Option<&'a Resource>)>,
    scalers_of: BTreeMap<usize, Vec<&'a Resource>>,
    /// Services by (first selector value, its key, namespace), values first for the same reason.
    services: BTreeMap<(&'a str, &'a str, &'a str), Vec<&'a Resource>>,
    /// The containers of `items[i]`, found the first time a rule asks: most rules look at
    /// every container, and some callers at none.
    containers: Vec<OnceCell<Vec<Kept<'a>>>>,
    /// What the environment's config lets rules accept.
    pub(crate) options: crate::config::CheckOptions,
}

impl<'a> Catalog<'a> {
    /// Indexes `items`.
    pub fn new(items: &'a [Resource]) -> Self {
        let mut by_id = BTreeMap::new();
        let mut services: BTreeMap<(&str, &str, &str), Vec<&Resource>> = BTreeMap::new();
        for (i, r) in items.iter().enumerate() {
            by_id
                .entry((r.name(), landing(r.namespace()), r.kind()))
                .or_insert(i);
            if r.kind() == "Service" {
                let first = r
                    .get_path(&["spec", "selector"])
                    .and_then(Value::as_mapping)
                    .and_then(|m| m.iter().next());
                if let Some((Value::String(k), Value::String(v))) = first {
                    services
                        .entry((v.as_str(), k.as_str(), landing(r.namespace())))
                        .or_default()
                        .push(r);
                }
            }
        }
        let mut catalog = Self {
            items,
            by_id,
            scaled: Vec::new(),
            scalers_of: BTreeMap::new(),
            services,
            containers: std::iter::repeat_with(OnceCell::new)
                .take(items.len())
                .collect(),
            options: crate::config::CheckOptions::default(),
        };
        for so in items
            .iter()
            .filter(|r| r.kind() == "ScaledObject" && r.api_version().starts_with("keda.sh/"))
        {
            let kind = so
                .get_path(&["spec", "scaleTargetRef", "kind"])
                .and_then(Value::as_str)
                .unwrap_or("Deployment");
            let name = so
                .get_path(&["spec", "scaleTargetRef", "name"])
                .and_then(Value::as_str)
                .unwrap_or_default();
            let target = catalog.find(so.namespace(), kind, name);
            if let Some(target) = target {
                catalog
                    .scalers_of
                    .entry(std::ptr::from_ref(target) as usize)
                    .or_default()
                    .push(so);
            }
            catalog.scaled.push((so, target));
        }
        catalog
    }

    /// The same catalog, with the environment's options.
    #[must_use]
    pub fn with_options(mut self, options: crate::config::CheckOptions) -> Self {
        self.options = options;
        self
    }

    /// The object of `kind` called `name` in `namespace`.
    pub fn find(&self, namespace: &str, kind: &str, name: &str) -> Option<&'a Resource> {
        self.by_id
            .get(&(name, landing(namespace), kind))
            .map(|&i| &self.items[i])
    }

    /// The containers of `resource` ([`containers`]): kept when it is one of the catalog's
    /// items, found afresh otherwise.
    pub(crate) fn containers_of<'s>(&'s self, resource: &'a Resource) -> Containers<'s, 'a> {
        match self.index_of(resource) {
            Some(i) => Containers::Kept(self.kept(i)),
            None => Containers::Found(containers(resource)),
        }
    }

    /// The containers of `items[i]`, found on the first call.
    fn kept(&self, i: usize) -> &[Kept<'a>] {
        self.containers[i].get_or_init(|| {
            containers(&self.items[i])
                .into_iter()
                .map(|container| Kept {
                    container,
                    environment: OnceCell::new(),
                })
                .collect()
        })
    }

    /// Where the environment of `container` is kept, when it is one of the catalog's.
    pub(crate) fn environment_cell(
        &self,
        container: &Container<'_>,
    ) -> Option<&OnceCell<Environment<'a>>> {
        let kept = self
            .kept(self.index_of(container.owner)?)
            .get(container.index)?;
        std::ptr::eq(kept.container.object, container.object).then_some(&kept.environment)
    }

    /// Where `resource` is in `items`, when it is one of them (the same object, not an equal one).
    fn index_of(&self, resource: &Resource) -> Option<usize> {
        let size = std::mem::size_of::<Resource>().max(1);
        let offset =
            (std::ptr::from_ref(resource) as usize).checked_sub(self.items.as_ptr() as usize)?;
        let i = offset / size;
        self.items
            .get(i)
            .filter(|item| offset % size == 0 && std::ptr::eq(*item, resource))
            .map(|_| i)
    }

    /// Every KEDA ScaledObject with the workload it targets (when that is in the set).
    pub(crate) fn scaled_targets(&self) -> &[(&'a Resource, Option<&'a Resource>)] {
        &self.scaled
    }

    /// The ScaledObjects that target `workload`.
    pub(crate) fn scalers_of(&self, workload: &Resource) -> &[&'a Resource] {
        self.scalers_of
            .get(&(std::ptr::from_ref(workload) as usize))
            .map_or(&[], Vec::as_slice)
    }

    /// A Service in the workload's namespace whose selector matches its pod template.
    pub(crate) fn service_selecting(&self, workload: &Resource) -> Option<&'a Resource> {
        let labels = workload
            .get_path(&["spec", "template", "metadata", "labels"])
            .and_then(Value::as_mapping)?;
        labels.iter().find_map(|(k, v)| {
            let (Value::String(k), Value::String(v)) = (k, v) else {
                return None;
            };
            self.services
                .get(&(v.as_str(), k.as_str(), landing(workload.namespace())))?
                .iter()
                .copied()
                .find(|service| {
                    service
                        .get_path(&["spec", "selector"])
                        .and_then(Value::as_mapping)
                        .is_some_and(|selector| {
                            selector.iter().all(|(k, v)| labels.get(k) == Some(v))
                        })
                })
        })
    }
}

impl<'a> IntoIterator for &Catalog<'a> {
    type Item = &'a Resource;
    type IntoIter = std::slice::Iter<'a, Resource>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl std::ops::Deref for Catalog<'_> {
    type Target = [Resource];

    fn deref(&self) -> &[Resource] {
        self.items
    }
}

#[cfg(test)]
mod tests {
    use super::POD_SPEC_PATHS;

    #[test]
    fn each_pod_spec_path_is_written_out_as_its_keys_joined() {
        for (path, dotted) in POD_SPEC_PATHS {
            assert_eq!(path.join("."), *dotted);
        }
    }
}
