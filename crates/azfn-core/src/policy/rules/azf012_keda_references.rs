//! AZF012 keda-references: a ScaledObject whose target or TriggerAuthentication is not in its
//! namespace.
use serde_yaml::Value;

use crate::krm::Severity;
use crate::policy::walk::Catalog;
use crate::policy::{Diagnostic, Meta, Rule};
use crate::yaml::Field;

/// See the [`Meta`] below.
pub struct KedaReferences;

impl Rule for KedaReferences {
    fn meta(&self) -> &'static Meta {
        &Meta {
            code: "AZF012",
            name: "keda-references",
            severity: Severity::Error,
            explanation: "A ScaledObject's `scaleTargetRef` or a trigger's `authenticationRef` names an object that \
         is not in the ScaledObject's namespace among these manifests: KEDA resolves both in the \
         same namespace only (\"scaleTargetRef not found\"), and kustomize's `namePrefix` or \
         `namespace` does not update these fields. Keep the three in one namespace and list azfn \
         in every overlay that renames.",
        }
    }

    fn check(&self, resources: &Catalog<'_>, findings: &mut Vec<Diagnostic>) {
        for scaled in resources
            .iter()
            .filter(|r| r.kind() == "ScaledObject" && r.api_version().starts_with("keda.sh/"))
        {
            let ns = scaled.namespace();
            let kind = scaled
                .get_path(&["spec", "scaleTargetRef", "kind"])
                .and_then(Value::as_str)
                .unwrap_or("Deployment");
            if let Some(name) = scaled
                .get_path(&["spec", "scaleTargetRef", "name"])
                .and_then(Value::as_str)
                && resources.find(ns, kind, name).is_none()
            {
                let elsewhere = resources
                    .iter()
                    .find(|r| r.kind() == kind && r.name() == name);
                let message = match elsewhere {
                    Some(other) => format!(
                        "scaleTargetRef {kind}/{name} is in namespace {:?}, not in the ScaledObject's {ns:?}",
                        other.namespace()
                    ),
                    None => format!(
                        "scaleTargetRef {kind}/{name} is not among these manifests (renamed by an overlay?)"
                    ),
                };
                findings.push(Diagnostic::finding(
                    self,
                    scaled,
                    "spec.scaleTargetRef.name".into(),
                    message,
                ));
            }
            let Some(triggers) = scaled
                .get_path(&["spec", "triggers"])
                .and_then(Value::as_sequence)
            else {
                continue;
            };
            for (i, trigger) in triggers.iter().enumerate() {
                let Some(auth) = trigger.field("authenticationRef") else {
                    continue;
                };
                let Some(name) = auth.field("name").and_then(Value::as_str) else {
                    continue;
                };
                let kind = auth
                    .field("kind")
                    .and_then(Value::as_str)
                    .unwrap_or("TriggerAuthentication");
                let found = if kind == "ClusterTriggerAuthentication" {
                    resources
                        .iter()
                        .any(|r| r.kind() == kind && r.name() == name)
                } else {
                    resources.find(ns, kind, name).is_some()
                };
                if !found {
                    let message = format!(
                        "authenticationRef {kind}/{name} is not in namespace {ns:?} among these manifests"
                    );
                    findings.push(Diagnostic::finding(
                        self,
                        scaled,
                        format!("spec.triggers[{i}].authenticationRef.name"),
                        message,
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::rules::test_support::check;

    #[test]
    fn targets_and_auth_in_other_namespaces_fail() {
        let yaml = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w}\n---\napiVersion: keda.sh/v1alpha1\nkind: TriggerAuthentication\nmetadata: {name: wi, namespace: fn}\n---\napiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: w, namespace: fn}\nspec:\n  scaleTargetRef: {name: w}\n  triggers:\n  - {type: azure-queue, authenticationRef: {name: wi}}\n  - {type: azure-queue, authenticationRef: {name: missing}}\n";
        let messages: Vec<_> = check(&KedaReferences, yaml)
            .into_iter()
            .map(|f| f.message)
            .collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(messages[0].contains("is in namespace \"\", not in the ScaledObject's \"fn\""));
        assert!(messages[1].contains("authenticationRef TriggerAuthentication/missing"));
    }
}
