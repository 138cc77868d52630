//! Which objects live outside namespaces, as kustomize decides it: by apiVersion and kind
//! together, from the built-in Kubernetes schema it ships (`kubectl kustomize` v5.5.0). A kind
//! it does not know, a custom resource such as a `ClusterIssuer` among them, counts as
//! namespaced and gets the namespace transformer's namespace, as it does under kustomize.

/// kustomize's namespace that is not one: the effective namespace of cluster-scoped objects.
pub(crate) const NOT_A_NAMESPACE: &str = "_non_namespaceable_";

/// (apiVersion, kind) pairs kustomize knows to be cluster-scoped.
const CLUSTER_SCOPED: &[(&str, &str)] = &[
    (
        "admissionregistration.k8s.io/v1",
        "MutatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io/v1",
        "ValidatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        "MutatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        "ValidatingWebhookConfiguration",
    ),
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
    ("apiextensions.k8s.io/v1beta1", "CustomResourceDefinition"),
    ("apiregistration.k8s.io/v1", "APIService"),
    ("apiregistration.k8s.io/v1beta1", "APIService"),
    ("certificates.k8s.io/v1", "CertificateSigningRequest"),
    ("certificates.k8s.io/v1beta1", "CertificateSigningRequest"),
    ("flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema"),
    (
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "PriorityLevelConfiguration",
    ),
    ("networking.k8s.io/v1", "IngressClass"),
    ("networking.k8s.io/v1beta1", "IngressClass"),
    ("node.k8s.io/v1", "RuntimeClass"),
    ("node.k8s.io/v1beta1", "RuntimeClass"),
    ("policy/v1beta1", "PodSecurityPolicy"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRoleBinding"),
    ("scheduling.k8s.io/v1", "PriorityClass"),
    ("scheduling.k8s.io/v1beta1", "PriorityClass"),
    ("storage.k8s.io/v1", "CSIDriver"),
    ("storage.k8s.io/v1", "CSINode"),
    ("storage.k8s.io/v1", "StorageClass"),
    ("storage.k8s.io/v1", "VolumeAttachment"),
    ("storage.k8s.io/v1beta1", "CSIDriver"),
    ("storage.k8s.io/v1beta1", "CSINode"),
    ("storage.k8s.io/v1beta1", "StorageClass"),
    ("storage.k8s.io/v1beta1", "VolumeAttachment"),
    ("v1", "ComponentStatus"),
    ("v1", "Namespace"),
    ("v1", "Node"),
    ("v1", "NodeProxyOptions"),
    ("v1", "PersistentVolume"),
];

/// Whether kustomize knows objects of this group, version and kind to be cluster-scoped.
pub(crate) fn is_cluster_scoped(group: &str, version: &str, kind: &str) -> bool {
    CLUSTER_SCOPED.iter().any(|(api_version, k)| {
        *k == kind
            && match api_version.split_once('/') {
                Some((g, v)) => g == group && v == version,
                None => group.is_empty() && *api_version == version,
            }
    })
}

/// The namespace kustomize compares ids by: [`NOT_A_NAMESPACE`] for cluster-scoped objects,
/// `default` for none.
pub(crate) fn effective_namespace<'a>(
    group: &str,
    version: &str,
    kind: &str,
    namespace: &'a str,
) -> &'a str {
    if is_cluster_scoped(group, version, kind) {
        NOT_A_NAMESPACE
    } else if namespace.is_empty() {
        "default"
    } else {
        namespace
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_is_decided_by_api_version_and_kind_together() {
        assert!(is_cluster_scoped(
            "rbac.authorization.k8s.io",
            "v1",
            "ClusterRole"
        ));
        assert!(is_cluster_scoped("", "v1", "Namespace"));
        // kustomize does not know these: it gives them a namespace.
        assert!(!is_cluster_scoped("", "v1", "ClusterRole"));
        assert!(!is_cluster_scoped("cert-manager.io", "v1", "ClusterIssuer"));
        assert!(!is_cluster_scoped(
            "admissionregistration.k8s.io",
            "v1",
            "ValidatingAdmissionPolicy"
        ));
        assert_eq!(effective_namespace("", "v1", "ConfigMap", ""), "default");
        assert_eq!(effective_namespace("", "v1", "Node", "x"), NOT_A_NAMESPACE);
    }
}
