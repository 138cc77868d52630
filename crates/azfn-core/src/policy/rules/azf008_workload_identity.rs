//! AZF008 workload-identity: identity-based settings without the pod label the webhook needs,
//! and client IDs that disagree between the places that name one.
use std::collections::BTreeSet;

use serde_yaml::Value;

use crate::krm::{Resource, Severity};
use crate::policy::walk::Catalog;
use crate::policy::walk::pod_specs;
use crate::policy::{Diagnostic, Meta, Rule};

/// See the [`Meta`] below.
pub struct WorkloadIdentity;

const USE: &str = "azure.workload.identity/use";
use crate::policy::azure_identity::{CLIENT_ID, KEDA_IDENTITY};
use crate::yaml::Field;

impl Rule for WorkloadIdentity {
    fn meta(&self) -> &'static Meta {
        &Meta {
            code: "AZF008",
            name: "workload-identity",
            severity: Severity::Error,
            explanation: "A workload uses Azure workload identity (identity-based `__credential`/`__clientId` \
         settings, a service account with a client-id annotation, a Key Vault CSI class with a \
         `clientID`) but its pod template lacks the label `azure.workload.identity/use: \"true\"`: \
         since webhook 1.0 the label must be on the pod template, not on the service account or \
         the Deployment, or no token is injected and the SDK falls back to IMDS. Also, the client \
         ID in the service account annotation, the `__clientId` settings, the CSI class and the \
         KEDA TriggerAuthentication should name identities federated with these service accounts \
         (a TriggerAuthentication annotated `azfn.dev/keda-identity: shared` names a KEDA identity \
         shared by many apps, and is left out of the comparison).",
        }
    }

    #[expect(
        clippy::too_many_lines,
        reason = "gathers every identity fact of one pod spec in one pass; split when the rule grows"
    )]
    fn check(&self, resources: &Catalog<'_>, findings: &mut Vec<Diagnostic>) {
        for resource in resources {
            for (spec_path, pod) in pod_specs(resource) {
                let ns = resource.namespace();
                let account = pod
                    .field("serviceAccountName")
                    .and_then(Value::as_str)
                    .and_then(|sa| resources.find(ns, "ServiceAccount", sa));
                let mut ids: BTreeSet<(String, String)> = BTreeSet::new();
                if let Some(id) = account.and_then(|sa| sa.annotation(CLIENT_ID)) {
                    ids.insert((
                        format!(
                            "ServiceAccount/{} annotation",
                            account.map_or("", Resource::name)
                        ),
                        id.to_owned(),
                    ));
                }
                let mut uses_identity = account.and_then(|sa| sa.annotation(CLIENT_ID)).is_some();
                for container in resources.containers_of(resource).iter() {
                    for (_, entry) in container.env() {
                        let name = entry
                            .field("name")
                            .and_then(Value::as_str)
                            .unwrap_or_default();
                        let value = entry
                            .field("value")
                            .and_then(Value::as_str)
                            .unwrap_or_default();
                        if name.ends_with("__credential")
                            && matches!(value, "workloadidentity" | "managedidentity")
                        {
                            uses_identity = true;
                        }
                        if name.ends_with("__clientId") && !value.is_empty() {
                            uses_identity = true;
                            ids.insert((format!("env {name}"), value.to_owned()));
                        }
                    }
                }
                for volume in pod
                    .field("volumes")
                    .and_then(Value::as_sequence)
                    .into_iter()
                    .flatten()
                {
                    let Some(class) = volume
                        .field("csi")
                        .and_then(|c| c.field("volumeAttributes"))
                        .and_then(|a| a.field("secretProviderClass"))
                        .and_then(Value::as_str)
                    else {
                        continue;
                    };
                    if let Some(id) = resources
                        .find(ns, "SecretProviderClass", class)
                        .and_then(|c| c.get_path(&["spec", "parameters", "clientID"]))
                        .and_then(Value::as_str)
                    {
                        uses_identity = true;
                        ids.insert((
                            format!("SecretProviderClass/{class} clientID"),
                            id.to_owned(),
                        ));
                    }
                }
                for so in resources.scalers_of(resource) {
                    for trigger in so
                        .get_path(&["spec", "triggers"])
                        .and_then(Value::as_sequence)
                        .into_iter()
                        .flatten()
                    {
                        let Some(auth) = trigger
                            .field("authenticationRef")
                            .and_then(|a| a.field("name"))
                            .and_then(Value::as_str)
                        else {
                            continue;
                        };
                        // A KEDA identity shared by many apps differs by design.
                        if let Some(id) = resources
                            .find(ns, "TriggerAuthentication", auth)
                            .filter(|ta| ta.annotation(KEDA_IDENTITY) != Some("shared"))
                            .and_then(|ta| ta.get_path(&["spec", "podIdentity", "identityId"]))
                            .and_then(Value::as_str)
                        {
                            ids.insert((
                                format!("TriggerAuthentication/{auth} identityId"),
                                id.to_owned(),
                            ));
                        }
                    }
                }
                // The pod template holding `spec_path` (a bare Pod is its own template).
                let template = spec_path.strip_suffix(".spec");
                let labels_field = template.map_or_else(
                    || "metadata.labels".to_owned(),
                    |t| format!("{t}.metadata.labels"),
                );
                let labels_path: Vec<&str> = labels_field.split('.').collect();
                let template_labels = resource.get_path(&labels_path);
                let labelled = template_labels
                    .and_then(|l| l.get(USE))
                    .and_then(Value::as_str)
                    == Some("true");
                if uses_identity && !labelled {
                    let misplaced = if resource
                        .get_path(&["metadata", "labels"])
                        .and_then(|l| l.get(USE))
                        .is_some()
                        && template.is_some()
                    {
                        " (it is on the Deployment's own labels, where the webhook does not look)"
                    } else if account
                        .and_then(|sa| sa.get_path(&["metadata", "labels"]))
                        .and_then(|l| l.get(USE))
                        .is_some()
                    {
                        " (it is on the ServiceAccount, where webhook 1.0 no longer looks)"
                    } else {
                        ""
                    };
                    let field = labels_field.clone();
                    let message = format!(
                        "uses workload identity but the pod template lacks the label {USE}: \"true\"{misplaced}"
                    );
                    findings.push(Diagnostic::finding(self, resource, field, message));
                }
                let distinct: BTreeSet<&str> = ids.iter().map(|(_, id)| id.as_str()).collect();
                if distinct.len() > 1 {
                    let listing: Vec<String> = ids
                        .iter()
                        .map(|(place, id)| format!("{place} = {id}"))
                        .collect();
                    let message = format!("client IDs disagree: {}", listing.join(", "));
                    findings.push(Diagnostic {
                        severity: Severity::Warning,
                        ..Diagnostic::finding(
                            self,
                            resource,
                            format!("{spec_path}.serviceAccountName"),
                            message,
                        )
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::rules::test_support::check;

    const SA: &str = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: app\n  annotations: {azure.workload.identity/client-id: 11111111-1111-1111-1111-111111111111}\n---\n";

    fn deployment(template_labels: &str, client_id: &str) -> String {
        format!(
            "{SA}apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: app}}\nspec:\n  template:\n    metadata: {{labels: {{{template_labels}}}}}\n    spec:\n      serviceAccountName: app\n      containers:\n      - name: func\n        env: [{{name: AzureWebJobsStorage__clientId, value: {client_id}}}]\n"
        )
    }

    #[test]
    fn label_on_the_pod_template_and_matching_ids() {
        let ok = deployment(
            "app: a, azure.workload.identity/use: \"true\"",
            "11111111-1111-1111-1111-111111111111",
        );
        assert!(check(&WorkloadIdentity, &ok).is_empty());
        let unlabelled = deployment("app: a", "11111111-1111-1111-1111-111111111111");
        let findings = check(&WorkloadIdentity, &unlabelled);
        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].field.as_deref(),
            Some("spec.template.metadata.labels")
        );
        let mismatch = deployment(
            "azure.workload.identity/use: \"true\"",
            "22222222-2222-2222-2222-222222222222",
        );
        let findings = check(&WorkloadIdentity, &mismatch);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].severity, Severity::Warning);
        assert!(
            findings[0]
                .message
                .starts_with("client IDs disagree: ServiceAccount/app annotation = 1111"),
            "{}",
            findings[0].message
        );
    }
}
