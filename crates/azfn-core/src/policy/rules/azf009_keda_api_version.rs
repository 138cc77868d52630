//! AZF009 keda-api-version: KEDA v1 objects (`keda.k8s.io`) that a KEDA 2 cluster rejects.
use crate::krm::Severity;
use crate::policy::walk::Catalog;
use crate::policy::{Diagnostic, Meta, Rule};

/// See the [`Meta`] below.
pub struct KedaApiVersion;

impl Rule for KedaApiVersion {
    fn meta(&self) -> &'static Meta {
        &Meta {
            code: "AZF009",
            name: "keda-api-version",
            severity: Severity::Error,
            explanation: "A ScaledObject or TriggerAuthentication uses KEDA v1's API group `keda.k8s.io` (or v1's \
         `scaleTargetRef.deploymentName`), which old `func kubernetes deploy` versions still write: \
         a KEDA 2 cluster answers `no matches for kind \"ScaledObject\" in version \
         \"keda.k8s.io/v1alpha1\"`. Use `keda.sh/v1alpha1` and `scaleTargetRef.name`.",
        }
    }

    fn check(&self, resources: &Catalog<'_>, findings: &mut Vec<Diagnostic>) {
        for resource in resources {
            if resource.api_version().starts_with("keda.k8s.io/") {
                let message = format!(
                    "{} uses KEDA v1's API group {}: KEDA 2 serves keda.sh/v1alpha1",
                    resource.kind(),
                    resource.api_version()
                );
                findings.push(Diagnostic::finding(self, resource, "apiVersion".into(), message));
            }
            if resource.kind() == "ScaledObject"
                && resource
                    .get_path(&["spec", "scaleTargetRef", "deploymentName"])
                    .is_some()
            {
                let message =
                    "scaleTargetRef.deploymentName is KEDA v1: use scaleTargetRef.name".to_owned();
                findings.push(Diagnostic::finding(
                    self,
                    resource,
                    "spec.scaleTargetRef.deploymentName".into(),
                    message,
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::rules::test_support::check;

    #[test]
    fn v1_group_and_fields_fail_v2_passes() {
        let v1 = "apiVersion: keda.k8s.io/v1alpha1\nkind: ScaledObject\nmetadata: {name: a}\nspec: {scaleTargetRef: {deploymentName: a}}\n";
        assert_eq!(check(&KedaApiVersion, v1).len(), 2);
        let v2 = "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: a}\nspec: {scaleTargetRef: {name: a}}\n";
        assert!(check(&KedaApiVersion, v2).is_empty());
    }
}
