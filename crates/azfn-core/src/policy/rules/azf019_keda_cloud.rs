//! AZF019 keda-cloud: an Azure scaler pointed at a private or unknown cloud.
use serde_yaml::Value;

use crate::krm::Severity;
use crate::policy::walk::Catalog;
use crate::policy::{Diagnostic, Meta, Rule};
use crate::yaml::Field;

/// See the [`Meta`] below.
pub struct KedaCloud;

/// `cloud` values KEDA's Azure scalers accept (keda `pkg/scalers/azure/azure_cloud_environment.go`).
const CLOUDS: &[&str] = &[
    "AzurePublicCloud",
    "AzureUSGovernmentCloud",
    "AzureChinaCloud",
    "Private",
];

impl Rule for KedaCloud {
    fn meta(&self) -> &'static Meta {
        &Meta {
            code: "AZF019",
            name: "keda-cloud",
            severity: Severity::Warning,
            explanation: "An Azure scaler sets `cloud: Private` (with an `endpointSuffix`), which only Azure Stack \
         Hub uses: it is usually copied from KEDA's docs, and in a public-cloud app the scaler \
         talks to the wrong endpoint and never activates. A `cloud` value KEDA does not know is \
         an error. Leave `cloud` out for the public cloud, or use `AzureUSGovernmentCloud` or \
         `AzureChinaCloud`.",
        }
    }

    fn check(&self, resources: &Catalog<'_>, findings: &mut Vec<Diagnostic>) {
        for &(scaled, _) in resources.scaled_targets() {
            let triggers = scaled
                .get_path(&["spec", "triggers"])
                .and_then(Value::as_sequence);
            for (i, trigger) in triggers.into_iter().flatten().enumerate() {
                let kind = trigger
                    .field("type")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if !kind.starts_with("azure-") {
                    continue;
                }
                let Some(cloud) = trigger
                    .field("metadata")
                    .and_then(|m| m.field("cloud"))
                    .and_then(Value::as_str)
                else {
                    continue;
                };
                let field = format!("spec.triggers[{i}].metadata.cloud");
                let known = CLOUDS.iter().find(|c| c.eq_ignore_ascii_case(cloud));
                match known {
                    Some(&"Private") => {
                        let suffix = trigger
                            .field("metadata")
                            .and_then(|m| m.field("endpointSuffix"))
                            .and_then(Value::as_str)
                            .map(|s| format!(" with endpointSuffix {s:?}"))
                            .unwrap_or_default();
                        let message = format!(
                            "{kind} trigger of ScaledObject {} uses cloud: Private{suffix}, the Azure Stack Hub setting copied from KEDA's docs; leave cloud out for the public cloud",
                            scaled.name()
                        );
                        findings.push(Diagnostic::finding(self, scaled, field, message));
                    }
                    Some(_) => {}
                    None => {
                        let message = format!(
                            "{kind} trigger of ScaledObject {}: {}",
                            scaled.name(),
                            crate::text::unknown("cloud", cloud, CLOUDS)
                        );
                        findings.push(Diagnostic {
                            severity: Severity::Error,
                            ..Diagnostic::finding(self, scaled, field, message)
                        });
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::rules::test_support::check;

    fn so(cloud: &str) -> String {
        format!(
            "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {{name: q}}\nspec:\n  scaleTargetRef: {{name: app}}\n  triggers:\n  - type: azure-queue\n    metadata: {{queueName: q, accountName: st{cloud}}}\n"
        )
    }

    #[test]
    fn public_clouds_pass_private_warns_unknown_fails() {
        assert_eq!(check(&KedaCloud, &so("")), []);
        assert_eq!(check(&KedaCloud, &so(", cloud: AzureChinaCloud")), []);
        let private = check(
            &KedaCloud,
            &so(", cloud: Private, endpointSuffix: queue.local.azurestack.external"),
        );
        assert_eq!(private.len(), 1);
        assert_eq!(private[0].severity, Severity::Warning);
        assert!(
            private[0]
                .message
                .contains("endpointSuffix \"queue.local.azurestack.external\"")
        );
        let typo = check(&KedaCloud, &so(", cloud: AzurePublicClod"));
        assert_eq!(typo[0].severity, Severity::Error);
        assert!(
            typo[0].message.contains("AzurePublicCloud"),
            "{}",
            typo[0].message
        );
    }
}
