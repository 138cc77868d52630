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
    /// Parses the `group/version/Kind` shorthand used by the tables below (read from the
    /// right: kustomize's table has a group with a slash in it).
    fn table(gvk: &str, path: &str, create: bool) -> Self {
        let mut parts = gvk.rsplitn(3, '/');
        let kind = parts.next().unwrap_or_default().to_owned();
        let version = parts.next().unwrap_or_default().to_owned();
        let group = parts.next().unwrap_or_default().to_owned();
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
        self.selects(group, version, kind)
    }

    /// Whether the spec's group, version and kind select this id's (kustomize's
    /// `Gvk.IsSelected`: an empty field selects any).
    pub(crate) fn selects(&self, group: &str, version: &str, kind: &str) -> bool {
        (self.kind.is_empty() || self.kind == kind)
            && (self.group.is_empty() || self.group == group)
            && (self.version.is_empty() || self.version == version)
    }

    /// `Kind.version.group` as kustomize prints a field spec's GVK in errors.
    pub(crate) fn gvk_string(&self) -> String {
        let or = super::resmap::or_placeholder;
        format!(
            "{}.{}.{}",
            or(&self.kind, "[noKind]"),
            or(&self.version, "[noVer]"),
            or(&self.group, "[noGrp]")
        )
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

/// Splits `a/b\/c/d[]` into `["a", "b/c", "d[]"]`; a `[]` segment names a list, which is
/// never created.
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
    out.into_iter().filter(|s| !s.is_empty()).collect()
}

/// Calls `visit` on every value at `path` in `node`, as kustomize's field spec filter walks:
/// lists on the way are entered element by element; with `create`, missing mappings on the
/// way and a missing last field (as null) are created first, but never a segment marked `[]`
/// (a list), which a null becomes an empty list of; a scalar where the path goes on is an
/// error.
pub(crate) fn visit(
    node: &mut Value,
    path: &[String],
    create: bool,
    visit: &mut dyn FnMut(&mut Value) -> Result<(), BuildError>,
) -> Result<(), BuildError> {
    let Some((first, rest)) = path.split_first() else {
        return visit(node);
    };
    let map = match node {
        Value::Null => return Ok(()),
        Value::Sequence(items) => {
            for item in items {
                self::visit(item, path, create, visit)?;
            }
            return Ok(());
        }
        Value::Mapping(map) => map,
        _ => {
            return Err(BuildError::new(format!(
                "considering field '{}': expected sequence or mapping node",
                path.join("/")
            )));
        }
    };
    let (name, list) = match first.strip_suffix("[]") {
        Some(name) => (name, true),
        None => (first.as_str(), false),
    };
    if crate::yaml::get(map, name).is_none() {
        if !create || list {
            return Ok(());
        }
        let fresh = if rest.is_empty() {
            Value::Null
        } else {
            Value::Mapping(Mapping::new())
        };
        map.insert(Value::String(name.to_owned()), fresh);
    }
    let child = crate::yaml::get_mut(map, name).expect("present or just inserted");
    if child.is_null() {
        if list {
            *child = Value::Sequence(Vec::new());
        } else if create && !rest.is_empty() {
            *child = Value::Mapping(Mapping::new());
        }
    }
    self::visit(child, rest, create, visit)
}

/// kustomize's default transformer configuration, plus what `configurations:` files add.
#[derive(Debug, Clone, Default)]
pub(crate) struct Config {
    pub common_labels: Vec<FieldSpec>,
    pub template_labels: Vec<FieldSpec>,
    pub common_annotations: Vec<FieldSpec>,
    pub name_prefix: Vec<FieldSpec>,
    pub name_suffix: Vec<FieldSpec>,
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

/// kustomize's default field specs (v5.5.0), table by table in its order: `group/version/Kind
/// path`, `create` where a missing field is made. A `[]` segment is a list, never created.
/// The namespace table lists only the fields besides `metadata/namespace`, which kustomize
/// sets itself on namespaced objects. kustomize appends its metadata-labels list to both
/// `commonLabels` and `templateLabels`; here that list is the `templateLabels` table, added to
/// the end of `commonLabels` once read.
const FIELD_SPECS: &str = r"
commonLabels:
    /v1/Service spec/selector create
    /v1/ReplicationController spec/selector create
    //Deployment spec/selector/matchLabels create
    apps//Deployment spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels
    apps//Deployment spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels
    apps//Deployment spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels
    apps//Deployment spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels
    apps//Deployment spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels
    //ReplicaSet spec/selector/matchLabels create
    //DaemonSet spec/selector/matchLabels create
    apps//StatefulSet spec/selector/matchLabels create
    apps//StatefulSet spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels
    apps//StatefulSet spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels
    apps//StatefulSet spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels
    apps//StatefulSet spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels
    apps//StatefulSet spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels
    batch//Job spec/selector/matchLabels
    batch//CronJob spec/jobTemplate/spec/selector/matchLabels
    policy//PodDisruptionBudget spec/selector/matchLabels
    networking.k8s.io//NetworkPolicy spec/podSelector/matchLabels
    networking.k8s.io//NetworkPolicy spec/ingress/from/podSelector/matchLabels
    networking.k8s.io//NetworkPolicy spec/egress/to/podSelector/matchLabels
templateLabels:
    // metadata/labels create
    /v1/ReplicationController spec/template/metadata/labels create
    //Deployment spec/template/metadata/labels create
    //ReplicaSet spec/template/metadata/labels create
    //DaemonSet spec/template/metadata/labels create
    apps//StatefulSet spec/template/metadata/labels create
    apps//StatefulSet spec/volumeClaimTemplates[]/metadata/labels create
    batch//Job spec/template/metadata/labels create
    batch//CronJob spec/jobTemplate/metadata/labels create
    batch//CronJob spec/jobTemplate/spec/template/metadata/labels create
commonAnnotations:
    // metadata/annotations create
    /v1/ReplicationController spec/template/metadata/annotations create
    //Deployment spec/template/metadata/annotations create
    //ReplicaSet spec/template/metadata/annotations create
    //DaemonSet spec/template/metadata/annotations create
    //StatefulSet spec/template/metadata/annotations create
    batch//Job spec/template/metadata/annotations create
    batch//CronJob spec/jobTemplate/metadata/annotations create
    batch//CronJob spec/jobTemplate/spec/template/metadata/annotations create
namePrefix:
    // metadata/name
nameSuffix:
    // metadata/name
namespace:
    //Namespace metadata/name create
    apiregistration.k8s.io//APIService spec/service/namespace create
    apiextensions.k8s.io//CustomResourceDefinition spec/conversion/webhook/clientConfig/service/namespace
images:
    // spec/containers[]/image create
    // spec/initContainers[]/image create
    // spec/template/spec/containers[]/image create
    // spec/template/spec/initContainers[]/image create
replicas:
    //Deployment spec/replicas create
    //ReplicationController spec/replicas create
    //ReplicaSet spec/replicas create
    //StatefulSet spec/replicas create
";

impl Config {
    pub(crate) fn builtin() -> Self {
        let mut c = Self::default();
        let mut table: Option<&mut Vec<FieldSpec>> = None;
        for line in FIELD_SPECS.lines().filter(|l| !l.trim().is_empty()) {
            if let Some(row) = line.strip_prefix("    ") {
                let (row, create) = match row.strip_suffix(" create") {
                    Some(row) => (row, true),
                    None => (row, false),
                };
                let (gvk, path) = row.split_once(' ').unwrap_or((row, ""));
                if let Some(table) = table.as_mut() {
                    table.push(FieldSpec::table(gvk, path, create));
                }
                continue;
            }
            table = match line.trim_end_matches(':') {
                "commonLabels" => Some(&mut c.common_labels),
                "templateLabels" => Some(&mut c.template_labels),
                "commonAnnotations" => Some(&mut c.common_annotations),
                "namePrefix" => Some(&mut c.name_prefix),
                "nameSuffix" => Some(&mut c.name_suffix),
                "namespace" => Some(&mut c.namespace),
                "images" => Some(&mut c.images),
                "replicas" => Some(&mut c.replicas),
                _ => None,
            };
        }
        c.common_labels.extend(c.template_labels.iter().cloned());
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
                "namePrefix" => &mut self.name_prefix,
                "nameSuffix" => &mut self.name_suffix,
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

/// kustomize's default name references (v5.5.0), in its order: each object kind, then the
/// fields of other kinds that name one. Written `group/version/Kind`, empty parts selecting
/// any. kustomize's own table has quirks kept here, because its output has them: the
/// `IngressClass` entry's group is `networking.k8s.io/v1`, which no object has, so an
/// `ingressClassName` is never renamed; `PriorityClass` and `ServiceAccount` names are
/// followed in fewer workload kinds than `ConfigMap` names are.
const NAME_REFERENCES: &str = r"
//Deployment
    //HorizontalPodAutoscaler spec/scaleTargetRef/name
//ReplicationController
    //HorizontalPodAutoscaler spec/scaleTargetRef/name
//ReplicaSet
    //HorizontalPodAutoscaler spec/scaleTargetRef/name
//StatefulSet
    //HorizontalPodAutoscaler spec/scaleTargetRef/name
/v1/ConfigMap
    /v1/Pod spec/volumes/configMap/name
    /v1/Pod spec/containers/env/valueFrom/configMapKeyRef/name
    /v1/Pod spec/initContainers/env/valueFrom/configMapKeyRef/name
    /v1/Pod spec/containers/envFrom/configMapRef/name
    /v1/Pod spec/initContainers/envFrom/configMapRef/name
    /v1/Pod spec/volumes/projected/sources/configMap/name
    //PodTemplate template/spec/volumes/configMap/name
    //PodTemplate template/spec/containers/env/valueFrom/configMapKeyRef/name
    //PodTemplate template/spec/initContainers/env/valueFrom/configMapKeyRef/name
    //PodTemplate template/spec/containers/envFrom/configMapRef/name
    //PodTemplate template/spec/initContainers/envFrom/configMapRef/name
    //PodTemplate template/spec/volumes/projected/sources/configMap/name
    //Deployment spec/template/spec/volumes/configMap/name
    //Deployment spec/template/spec/containers/env/valueFrom/configMapKeyRef/name
    //Deployment spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name
    //Deployment spec/template/spec/containers/envFrom/configMapRef/name
    //Deployment spec/template/spec/initContainers/envFrom/configMapRef/name
    //Deployment spec/template/spec/volumes/projected/sources/configMap/name
    //ReplicaSet spec/template/spec/volumes/configMap/name
    //ReplicaSet spec/template/spec/containers/env/valueFrom/configMapKeyRef/name
    //ReplicaSet spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name
    //ReplicaSet spec/template/spec/containers/envFrom/configMapRef/name
    //ReplicaSet spec/template/spec/initContainers/envFrom/configMapRef/name
    //ReplicaSet spec/template/spec/volumes/projected/sources/configMap/name
    //DaemonSet spec/template/spec/volumes/configMap/name
    //DaemonSet spec/template/spec/containers/env/valueFrom/configMapKeyRef/name
    //DaemonSet spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name
    //DaemonSet spec/template/spec/containers/envFrom/configMapRef/name
    //DaemonSet spec/template/spec/initContainers/envFrom/configMapRef/name
    //DaemonSet spec/template/spec/volumes/projected/sources/configMap/name
    //StatefulSet spec/template/spec/volumes/configMap/name
    //StatefulSet spec/template/spec/containers/env/valueFrom/configMapKeyRef/name
    //StatefulSet spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name
    //StatefulSet spec/template/spec/containers/envFrom/configMapRef/name
    //StatefulSet spec/template/spec/initContainers/envFrom/configMapRef/name
    //StatefulSet spec/template/spec/volumes/projected/sources/configMap/name
    //Job spec/template/spec/volumes/configMap/name
    //Job spec/template/spec/containers/env/valueFrom/configMapKeyRef/name
    //Job spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name
    //Job spec/template/spec/containers/envFrom/configMapRef/name
    //Job spec/template/spec/initContainers/envFrom/configMapRef/name
    //Job spec/template/spec/volumes/projected/sources/configMap/name
    //CronJob spec/jobTemplate/spec/template/spec/volumes/configMap/name
    //CronJob spec/jobTemplate/spec/template/spec/volumes/projected/sources/configMap/name
    //CronJob spec/jobTemplate/spec/template/spec/containers/env/valueFrom/configMapKeyRef/name
    //CronJob spec/jobTemplate/spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name
    //CronJob spec/jobTemplate/spec/template/spec/containers/envFrom/configMapRef/name
    //CronJob spec/jobTemplate/spec/template/spec/initContainers/envFrom/configMapRef/name
    //Node spec/configSource/configMap
    //Role rules/resourceNames
    //ClusterRole rules/resourceNames
    //Ingress metadata/annotations/nginx.ingress.kubernetes.io\/fastcgi-params-configmap
/v1/Secret
    /v1/Pod spec/volumes/secret/secretName
    /v1/Pod spec/containers/env/valueFrom/secretKeyRef/name
    /v1/Pod spec/initContainers/env/valueFrom/secretKeyRef/name
    /v1/Pod spec/containers/envFrom/secretRef/name
    /v1/Pod spec/initContainers/envFrom/secretRef/name
    /v1/Pod spec/imagePullSecrets/name
    /v1/Pod spec/volumes/projected/sources/secret/name
    //PodTemplate template/spec/volumes/secret/secretName
    //PodTemplate template/spec/containers/env/valueFrom/secretKeyRef/name
    //PodTemplate template/spec/initContainers/env/valueFrom/secretKeyRef/name
    //PodTemplate template/spec/containers/envFrom/secretRef/name
    //PodTemplate template/spec/initContainers/envFrom/secretRef/name
    //PodTemplate template/spec/imagePullSecrets/name
    //PodTemplate template/spec/volumes/projected/sources/secret/name
    //Deployment spec/template/spec/volumes/secret/secretName
    //Deployment spec/template/spec/containers/env/valueFrom/secretKeyRef/name
    //Deployment spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name
    //Deployment spec/template/spec/containers/envFrom/secretRef/name
    //Deployment spec/template/spec/initContainers/envFrom/secretRef/name
    //Deployment spec/template/spec/imagePullSecrets/name
    //Deployment spec/template/spec/volumes/projected/sources/secret/name
    //ReplicaSet spec/template/spec/volumes/secret/secretName
    //ReplicaSet spec/template/spec/containers/env/valueFrom/secretKeyRef/name
    //ReplicaSet spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name
    //ReplicaSet spec/template/spec/containers/envFrom/secretRef/name
    //ReplicaSet spec/template/spec/initContainers/envFrom/secretRef/name
    //ReplicaSet spec/template/spec/imagePullSecrets/name
    //ReplicaSet spec/template/spec/volumes/projected/sources/secret/name
    //DaemonSet spec/template/spec/volumes/secret/secretName
    //DaemonSet spec/template/spec/containers/env/valueFrom/secretKeyRef/name
    //DaemonSet spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name
    //DaemonSet spec/template/spec/containers/envFrom/secretRef/name
    //DaemonSet spec/template/spec/initContainers/envFrom/secretRef/name
    //DaemonSet spec/template/spec/imagePullSecrets/name
    //DaemonSet spec/template/spec/volumes/projected/sources/secret/name
    //StatefulSet spec/template/spec/volumes/secret/secretName
    //StatefulSet spec/template/spec/containers/env/valueFrom/secretKeyRef/name
    //StatefulSet spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name
    //StatefulSet spec/template/spec/containers/envFrom/secretRef/name
    //StatefulSet spec/template/spec/initContainers/envFrom/secretRef/name
    //StatefulSet spec/template/spec/imagePullSecrets/name
    //StatefulSet spec/template/spec/volumes/projected/sources/secret/name
    //Job spec/template/spec/volumes/secret/secretName
    //Job spec/template/spec/containers/env/valueFrom/secretKeyRef/name
    //Job spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name
    //Job spec/template/spec/containers/envFrom/secretRef/name
    //Job spec/template/spec/initContainers/envFrom/secretRef/name
    //Job spec/template/spec/imagePullSecrets/name
    //Job spec/template/spec/volumes/projected/sources/secret/name
    //CronJob spec/jobTemplate/spec/template/spec/volumes/secret/secretName
    //CronJob spec/jobTemplate/spec/template/spec/volumes/projected/sources/secret/name
    //CronJob spec/jobTemplate/spec/template/spec/containers/env/valueFrom/secretKeyRef/name
    //CronJob spec/jobTemplate/spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name
    //CronJob spec/jobTemplate/spec/template/spec/containers/envFrom/secretRef/name
    //CronJob spec/jobTemplate/spec/template/spec/initContainers/envFrom/secretRef/name
    //CronJob spec/jobTemplate/spec/template/spec/imagePullSecrets/name
    //Ingress spec/tls/secretName
    //Ingress metadata/annotations/ingress.kubernetes.io\/auth-secret
    //Ingress metadata/annotations/nginx.ingress.kubernetes.io\/auth-secret
    //Ingress metadata/annotations/nginx.ingress.kubernetes.io\/auth-tls-secret
    //Ingress spec/tls/secretName
    //ServiceAccount imagePullSecrets/name
    //StorageClass parameters/secretName
    //StorageClass parameters/adminSecretName
    //StorageClass parameters/userSecretName
    //StorageClass parameters/secretRef
    //Role rules/resourceNames
    //ClusterRole rules/resourceNames
    serving.knative.dev/v1/Service spec/template/spec/containers/env/valueFrom/secretKeyRef/name
    //PersistentVolume spec/azureFile/secretName
/v1/Service
    apps//StatefulSet spec/serviceName
    //Ingress spec/rules/http/paths/backend/serviceName
    //Ingress spec/backend/serviceName
    //Ingress spec/rules/http/paths/backend/service/name
    //Ingress spec/defaultBackend/service/name
    apiregistration.k8s.io//APIService spec/service/name
    admissionregistration.k8s.io//ValidatingWebhookConfiguration webhooks/clientConfig/service
    admissionregistration.k8s.io//MutatingWebhookConfiguration webhooks/clientConfig/service
rbac.authorization.k8s.io//Role
    rbac.authorization.k8s.io//RoleBinding roleRef/name
rbac.authorization.k8s.io//ClusterRole
    rbac.authorization.k8s.io//RoleBinding roleRef/name
    rbac.authorization.k8s.io//ClusterRoleBinding roleRef/name
/v1/ServiceAccount
    rbac.authorization.k8s.io//RoleBinding subjects
    rbac.authorization.k8s.io//ClusterRoleBinding subjects
    //Pod spec/serviceAccountName
    //StatefulSet spec/template/spec/serviceAccountName
    //Deployment spec/template/spec/serviceAccountName
    //ReplicationController spec/template/spec/serviceAccountName
    //CronJob spec/jobTemplate/spec/template/spec/serviceAccountName
    //Job spec/template/spec/serviceAccountName
    //DaemonSet spec/template/spec/serviceAccountName
/v1/PersistentVolumeClaim
    //Pod spec/volumes/persistentVolumeClaim/claimName
    //StatefulSet spec/template/spec/volumes/persistentVolumeClaim/claimName
    //Deployment spec/template/spec/volumes/persistentVolumeClaim/claimName
    //ReplicationController spec/template/spec/volumes/persistentVolumeClaim/claimName
    //CronJob spec/jobTemplate/spec/template/spec/volumes/persistentVolumeClaim/claimName
    //Job spec/template/spec/volumes/persistentVolumeClaim/claimName
    //DaemonSet spec/template/spec/volumes/persistentVolumeClaim/claimName
/v1/PersistentVolume
    //PersistentVolumeClaim spec/volumeName
    //ClusterRole rules/resourceNames
storage.k8s.io/v1/StorageClass
    //PersistentVolume spec/storageClassName
    //PersistentVolumeClaim spec/storageClassName
    //StatefulSet spec/volumeClaimTemplates/spec/storageClassName
scheduling.k8s.io/v1/PriorityClass
    //Pod spec/priorityClassName
    //StatefulSet spec/template/spec/priorityClassName
    //Deployment spec/template/spec/priorityClassName
    //ReplicationController spec/template/spec/priorityClassName
    //CronJob spec/jobTemplate/spec/template/spec/priorityClassName
    //Job spec/template/spec/priorityClassName
    //DaemonSet spec/template/spec/priorityClassName
networking.k8s.io/v1/v1/IngressClass
    //Ingress spec/ingressClassName
admissionregistration.k8s.io//ValidatingAdmissionPolicy
    admissionregistration.k8s.io//ValidatingAdmissionPolicyBinding spec/policyName
";

fn builtin_name_references() -> Vec<NameReference> {
    let mut refs: Vec<NameReference> = Vec::new();
    for line in NAME_REFERENCES.lines().filter(|l| !l.trim().is_empty()) {
        if let Some(referrer) = line.strip_prefix("    ") {
            let (gvk, path) = referrer.split_once(' ').unwrap_or((referrer, ""));
            if let Some(last) = refs.last_mut() {
                last.referrers.push(FieldSpec::table(gvk, path, false));
            }
        } else {
            let spec = FieldSpec::table(line, "", false);
            refs.push(NameReference {
                group: spec.group,
                version: spec.version,
                kind: spec.kind,
                referrers: Vec::new(),
            });
        }
    }
    refs
}
