//! Field specs: which fields of which kinds a transformer touches, kustomize's defaults, and
//! the `configurations:` files users write to teach kustomize about custom resources (KEDA's
//! `scaleTargetRef`).
use crate::error::Location;
use serde_yaml::{Mapping, Value};

use super::BuildError;
use super::resmap::split_api_version;

/// A path in resources of some kinds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldSpec {
    pub group: String,
    pub version: String,
    pub kind: String,
    /// Path segments; a list on the way is entered element by element.
    pub path: Vec<String>,
    /// Create missing fields on the way.
    pub create: bool,
}

impl FieldSpec {
    /// Parses `group/version/Kind path create` shorthand used by the tables below.
    fn table(gvk: &str, path: &str, create: bool) -> Self {
        let mut parts = gvk.splitn(3, '/');
        let group = parts.next().unwrap_or_default().to_owned();
        let version = parts.next().unwrap_or_default().to_owned();
        let kind = parts.next().unwrap_or_default().to_owned();
        Self {
            group,
            version,
            kind,
            path: split_path(path),
            create,
        }
    }

    /// Whether the spec applies to a resource of this apiVersion and kind.
    pub(crate) fn matches(&self, api_version: &str, kind: &str) -> bool {
        let (group, version) = split_api_version(api_version);
        (self.kind.is_empty() || self.kind == kind)
            && (self.group.is_empty() || self.group == group)
            && (self.version.is_empty() || self.version == version)
    }

    /// Reads one from a `configurations:` file or a `labels[].fields` entry.
    pub(crate) fn from_value(value: &Value, at: &Location) -> Result<Self, BuildError> {
        let get = |key: &str| {
            value
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let path = get("path");
        if path.is_empty() {
            return Err(BuildError::at(at, "a field spec needs a path"));
        }
        Ok(Self {
            group: get("group"),
            version: get("version"),
            kind: get("kind"),
            path: split_path(&path),
            create: value
                .get("create")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        })
    }
}

/// Splits `a/b\/c/d[]` into `["a", "b/c", "d"]`.
pub(crate) fn split_path(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'/') => {
                current.push('/');
                chars.next();
            }
            '/' => out.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    out.push(current);
    out.into_iter()
        .filter(|s| !s.is_empty())
        .map(|s| s.strip_suffix("[]").map(str::to_owned).unwrap_or(s))
        .collect()
}

/// Calls `visit` on every value at `path` in `node`; with `create`, missing mappings on the way
/// and a missing last field (as null) are created first. Lists on the way are entered element
/// by element.
pub(crate) fn visit(
    node: &mut Value,
    path: &[String],
    create: bool,
    visit: &mut dyn FnMut(&mut Value) -> Result<(), BuildError>,
) -> Result<(), BuildError> {
    if let Value::Sequence(items) = node {
        for item in items {
            self::visit(item, path, create, visit)?;
        }
        return Ok(());
    }
    let Some((first, rest)) = path.split_first() else {
        return visit(node);
    };
    let Value::Mapping(map) = node else {
        return Ok(());
    };
    let key = Value::String(first.clone());
    if !map.contains_key(&key) || map.get(&key).is_some_and(Value::is_null) && !rest.is_empty() {
        if !create {
            return Ok(());
        }
        let fresh = if rest.is_empty() {
            Value::Null
        } else {
            Value::Mapping(Mapping::new())
        };
        map.insert(key.clone(), fresh);
    }
    let child = map.get_mut(&key).expect("present or just inserted");
    if rest.is_empty() {
        return visit(child);
    }
    self::visit(child, rest, create, visit)
}

/// The paths of a pod spec inside each workload kind.
const POD_SPECS: &[(&str, &str)] = &[
    ("/v1/Pod", "spec"),
    ("//PodTemplate", "template/spec"),
    ("//Deployment", "spec/template/spec"),
    ("//ReplicaSet", "spec/template/spec"),
    ("//DaemonSet", "spec/template/spec"),
    ("apps//StatefulSet", "spec/template/spec"),
    ("batch//Job", "spec/template/spec"),
    ("/v1/ReplicationController", "spec/template/spec"),
    ("batch//CronJob", "spec/jobTemplate/spec/template/spec"),
];

/// Label selector paths in a pod spec that select the workload's own pods.
const AFFINITY: &[&str] = &[
    "affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
    "affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
    "affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
    "affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
    "topologySpreadConstraints/labelSelector/matchLabels",
];

/// kustomize's default transformer configuration, plus what `configurations:` files add.
#[derive(Debug, Clone, Default)]
pub(crate) struct Config {
    pub common_labels: Vec<FieldSpec>,
    pub template_labels: Vec<FieldSpec>,
    pub common_annotations: Vec<FieldSpec>,
    pub name_prefix: Vec<FieldSpec>,
    pub namespace: Vec<FieldSpec>,
    pub images: Vec<FieldSpec>,
    pub replicas: Vec<FieldSpec>,
    pub name_reference: Vec<NameReference>,
}

/// Fields that refer to objects of one kind by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NameReference {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub referrers: Vec<FieldSpec>,
}

impl Config {
    #[allow(clippy::too_many_lines, reason = "kustomize's default tables")]
    pub(crate) fn builtin() -> Self {
        let mut c = Self {
            common_labels: vec![FieldSpec::table("", "metadata/labels", true)],
            common_annotations: vec![FieldSpec::table("", "metadata/annotations", true)],
            name_prefix: vec![FieldSpec::table("", "metadata/name", false)],
            namespace: vec![FieldSpec::table("", "metadata/namespace", true)],
            ..Self::default()
        };
        let labels = &mut c.common_labels;
        labels.push(FieldSpec::table("/v1/Service", "spec/selector", true));
        labels.push(FieldSpec::table(
            "/v1/ReplicationController",
            "spec/selector",
            false,
        ));
        for (gvk, selector_create) in [
            ("//Deployment", true),
            ("//ReplicaSet", true),
            ("//DaemonSet", true),
            ("apps//StatefulSet", true),
        ] {
            labels.push(FieldSpec::table(
                gvk,
                "spec/selector/matchLabels",
                selector_create,
            ));
        }
        labels.push(FieldSpec::table(
            "batch//Job",
            "spec/selector/matchLabels",
            false,
        ));
        labels.push(FieldSpec::table(
            "batch//CronJob",
            "spec/jobTemplate/spec/selector/matchLabels",
            false,
        ));
        let job_template_labels =
            FieldSpec::table("batch//CronJob", "spec/jobTemplate/metadata/labels", true);
        labels.push(job_template_labels.clone());
        c.template_labels.push(job_template_labels);
        for (gvk, spec) in POD_SPECS
            .iter()
            .filter(|(g, _)| !g.ends_with("/Pod") && !g.ends_with("/PodTemplate"))
        {
            let template = spec.trim_end_matches("/spec");
            let template_labels =
                FieldSpec::table(gvk, &format!("{template}/metadata/labels"), true);
            c.template_labels.push(template_labels.clone());
            labels.push(template_labels);
            if matches!(*gvk, "//Deployment" | "apps//StatefulSet") {
                for path in AFFINITY {
                    let apps = if *gvk == "//Deployment" {
                        "apps//Deployment"
                    } else {
                        "apps//StatefulSet"
                    };
                    labels.push(FieldSpec::table(apps, &format!("{spec}/{path}"), false));
                }
            }
            c.common_annotations.push(FieldSpec::table(
                gvk,
                &format!("{template}/metadata/annotations"),
                true,
            ));
        }
        c.common_annotations.push(FieldSpec::table(
            "batch//CronJob",
            "spec/jobTemplate/metadata/annotations",
            true,
        ));
        labels.push(FieldSpec::table(
            "apps//StatefulSet",
            "spec/volumeClaimTemplates/metadata/labels",
            true,
        ));
        labels.push(FieldSpec::table(
            "policy//PodDisruptionBudget",
            "spec/selector/matchLabels",
            false,
        ));
        for path in [
            "spec/podSelector/matchLabels",
            "spec/ingress/from/podSelector/matchLabels",
            "spec/egress/to/podSelector/matchLabels",
        ] {
            labels.push(FieldSpec::table(
                "networking.k8s.io//NetworkPolicy",
                path,
                false,
            ));
        }
        for gvk in [
            "//Deployment",
            "//ReplicationController",
            "//ReplicaSet",
            "//StatefulSet",
        ] {
            c.replicas
                .push(FieldSpec::table(gvk, "spec/replicas", true));
        }
        for (_, spec) in POD_SPECS {
            for list in ["containers", "initContainers"] {
                c.images
                    .push(FieldSpec::table("", &format!("{spec}/{list}/image"), false));
            }
        }
        c.name_reference = builtin_name_references();
        c
    }

    /// Adds what a `configurations:` file declares.
    pub(crate) fn merge_file(&mut self, value: &Value, at: &Location) -> Result<(), BuildError> {
        let Some(map) = value.as_mapping() else {
            return Ok(());
        };
        for (key, list) in map {
            let key = key.as_str().unwrap_or_default();
            let items = list.as_sequence().cloned().unwrap_or_default();
            let specs = |items: &[Value]| -> Result<Vec<FieldSpec>, BuildError> {
                items
                    .iter()
                    .map(|v| FieldSpec::from_value(v, &at.child(key)))
                    .collect()
            };
            let target = match key {
                "commonLabels" => &mut self.common_labels,
                "commonAnnotations" => &mut self.common_annotations,
                "namePrefix" | "nameSuffix" => &mut self.name_prefix,
                "namespace" => &mut self.namespace,
                "images" => &mut self.images,
                "replicas" => &mut self.replicas,
                "templateLabels" => &mut self.template_labels,
                "nameReference" => {
                    for item in &items {
                        let get = |k: &str| {
                            item.get(k)
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                                .to_owned()
                        };
                        let referrers = specs(
                            item.get("fieldSpecs")
                                .and_then(Value::as_sequence)
                                .map_or(&[][..], Vec::as_slice),
                        )?;
                        let reference = NameReference {
                            group: get("group"),
                            version: get("version"),
                            kind: get("kind"),
                            referrers,
                        };
                        match self
                            .name_reference
                            .iter_mut()
                            .find(|r| r.kind == reference.kind && r.group == reference.group)
                        {
                            Some(existing) => {
                                for spec in reference.referrers {
                                    if !existing.referrers.contains(&spec) {
                                        existing.referrers.push(spec);
                                    }
                                }
                            }
                            None => self.name_reference.push(reference),
                        }
                    }
                    continue;
                }
                "varReference" => {
                    return Err(BuildError::unsupported(
                        at,
                        "configurations varReference (vars)",
                    ));
                }
                other => {
                    return Err(BuildError::unsupported(
                        at,
                        &format!("transformer configuration {other:?}"),
                    ));
                }
            };
            for spec in specs(&items)? {
                if !target.contains(&spec) {
                    target.push(spec);
                }
            }
        }
        Ok(())
    }
}

#[allow(
    clippy::too_many_lines,
    reason = "kustomize's default name reference table"
)]
fn builtin_name_references() -> Vec<NameReference> {
    let mut refs = Vec::new();
    let mut add = |gvk: &str, referrers: Vec<FieldSpec>| {
        let spec = FieldSpec::table(gvk, "", false);
        refs.push(NameReference {
            group: spec.group,
            version: spec.version,
            kind: spec.kind,
            referrers,
        });
    };
    let pods = |relative: &[&str]| -> Vec<FieldSpec> {
        let mut out = Vec::new();
        for (gvk, spec) in POD_SPECS {
            for path in relative {
                out.push(FieldSpec::table(gvk, &format!("{spec}/{path}"), false));
            }
        }
        out
    };
    let hpa = || {
        vec![FieldSpec::table(
            "//HorizontalPodAutoscaler",
            "spec/scaleTargetRef/name",
            false,
        )]
    };
    for kind in [
        "//Deployment",
        "//ReplicationController",
        "//ReplicaSet",
        "apps//StatefulSet",
    ] {
        add(kind, hpa());
    }
    let mut config_map = pods(&[
        "volumes/configMap/name",
        "containers/env/valueFrom/configMapKeyRef/name",
        "initContainers/env/valueFrom/configMapKeyRef/name",
        "containers/envFrom/configMapRef/name",
        "initContainers/envFrom/configMapRef/name",
        "volumes/projected/sources/configMap/name",
    ]);
    config_map.push(FieldSpec::table(
        "//Node",
        "spec/configSource/configMap",
        false,
    ));
    for role in [
        "rbac.authorization.k8s.io//Role",
        "rbac.authorization.k8s.io//ClusterRole",
    ] {
        config_map.push(FieldSpec::table(role, "rules/resourceNames", false));
    }
    add("/v1/ConfigMap", config_map);
    let mut secret = pods(&[
        "volumes/secret/secretName",
        "containers/env/valueFrom/secretKeyRef/name",
        "initContainers/env/valueFrom/secretKeyRef/name",
        "containers/envFrom/secretRef/name",
        "initContainers/envFrom/secretRef/name",
        "imagePullSecrets/name",
        "volumes/projected/sources/secret/name",
        "volumes/csi/nodePublishSecretRef/name",
    ]);
    for (gvk, path) in [
        ("//Ingress", "spec/tls/secretName"),
        (
            "//Ingress",
            "metadata/annotations/ingress.kubernetes.io\\/auth-secret",
        ),
        (
            "//Ingress",
            "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret",
        ),
        (
            "//Ingress",
            "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-tls-secret",
        ),
        ("/v1/ServiceAccount", "imagePullSecrets/name"),
        ("/v1/ServiceAccount", "secrets/name"),
        ("rbac.authorization.k8s.io//Role", "rules/resourceNames"),
        (
            "rbac.authorization.k8s.io//ClusterRole",
            "rules/resourceNames",
        ),
        ("//StorageClass", "parameters/secretName"),
    ] {
        secret.push(FieldSpec::table(gvk, path, false));
    }
    add("/v1/Secret", secret);
    add(
        "/v1/Service",
        vec![
            FieldSpec::table("apps//StatefulSet", "spec/serviceName", false),
            FieldSpec::table(
                "//Ingress",
                "spec/rules/http/paths/backend/serviceName",
                false,
            ),
            FieldSpec::table("//Ingress", "spec/backend/serviceName", false),
            FieldSpec::table(
                "//Ingress",
                "spec/rules/http/paths/backend/service/name",
                false,
            ),
            FieldSpec::table("//Ingress", "spec/defaultBackend/service/name", false),
            FieldSpec::table(
                "apiregistration.k8s.io//APIService",
                "spec/service/name",
                false,
            ),
            FieldSpec::table(
                "//ValidatingWebhookConfiguration",
                "webhooks/clientConfig/service",
                false,
            ),
            FieldSpec::table(
                "//MutatingWebhookConfiguration",
                "webhooks/clientConfig/service",
                false,
            ),
        ],
    );
    add(
        "rbac.authorization.k8s.io//Role",
        vec![FieldSpec::table(
            "rbac.authorization.k8s.io//RoleBinding",
            "roleRef/name",
            false,
        )],
    );
    add(
        "rbac.authorization.k8s.io//ClusterRole",
        vec![
            FieldSpec::table(
                "rbac.authorization.k8s.io//RoleBinding",
                "roleRef/name",
                false,
            ),
            FieldSpec::table(
                "rbac.authorization.k8s.io//ClusterRoleBinding",
                "roleRef/name",
                false,
            ),
        ],
    );
    let mut account = pods(&["serviceAccountName"]);
    account.push(FieldSpec::table(
        "rbac.authorization.k8s.io//RoleBinding",
        "subjects",
        false,
    ));
    account.push(FieldSpec::table(
        "rbac.authorization.k8s.io//ClusterRoleBinding",
        "subjects",
        false,
    ));
    add("/v1/ServiceAccount", account);
    add(
        "/v1/PersistentVolumeClaim",
        pods(&["volumes/persistentVolumeClaim/claimName"]),
    );
    add(
        "/v1/PersistentVolume",
        vec![
            FieldSpec::table("//PersistentVolumeClaim", "spec/volumeName", false),
            FieldSpec::table(
                "rbac.authorization.k8s.io//ClusterRole",
                "rules/resourceNames",
                false,
            ),
        ],
    );
    add(
        "storage.k8s.io//StorageClass",
        vec![
            FieldSpec::table("//PersistentVolume", "spec/storageClassName", false),
            FieldSpec::table("//PersistentVolumeClaim", "spec/storageClassName", false),
            FieldSpec::table(
                "apps//StatefulSet",
                "spec/volumeClaimTemplates/spec/storageClassName",
                false,
            ),
        ],
    );
    add(
        "scheduling.k8s.io//PriorityClass",
        pods(&["priorityClassName"]),
    );
    add(
        "networking.k8s.io//IngressClass",
        vec![FieldSpec::table(
            "//Ingress",
            "spec/ingressClassName",
            false,
        )],
    );
    refs
}
