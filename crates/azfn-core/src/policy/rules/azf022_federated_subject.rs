//! AZF022 federated-subject: a federated identity credential that no pod of these manifests can
//! use: its subject names no rendered ServiceAccount, or its audience is not workload identity's.
use serde_yaml::Value;

use crate::krm::Severity;
use crate::policy::azure_identity::{
    AUDIENCE, is_credential, is_keda_operator, lands_in, parse_subject,
};
use crate::policy::walk::Catalog;
use crate::policy::{Diagnostic, Meta, Rule};

/// See the [`Meta`] below.
pub struct FederatedSubject;

impl Rule for FederatedSubject {
    fn meta(&self) -> &'static Meta {
        &Meta {
            code: "AZF022",
            name: "federated-subject",
            severity: Severity::Error,
            explanation: "An Azure Service Operator `FederatedIdentityCredential` must name exactly \
         `system:serviceaccount:<namespace>:<name>` of a ServiceAccount the pods run as, with the \
         audience `api://AzureADTokenExchange`; otherwise Entra ID refuses the token exchange \
         (`AADSTS70021: No matching federated identity record found`) and the pods get no token, \
         typically in the one environment whose overlay renamed or moved the ServiceAccount \
         (`namePrefix`, `nameSuffix`, `namespace`) after the credential was written. The KEDA \
         operator's own subjects (`…:keda-operator`) are not checked against these manifests. \
         List azfn in the overlay that renames, or fix the subject.",
        }
    }

    fn check(&self, resources: &Catalog<'_>, findings: &mut Vec<Diagnostic>) {
        let accounts: Vec<(&str, &str)> = resources
            .iter()
            .filter(|r| r.kind() == "ServiceAccount" && r.api_version() == "v1")
            .map(|r| (r.namespace(), r.name()))
            .collect();
        for credential in resources.iter().filter(|r| is_credential(r)) {
            let audiences: Vec<&str> = credential
                .get_path(&["spec", "audiences"])
                .and_then(Value::as_sequence)
                .map(|s| s.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if audiences != [AUDIENCE] {
                findings.push(Diagnostic::finding(
                    self,
                    credential,
                    "spec.audiences".into(),
                    format!("audiences {audiences:?}: workload identity needs exactly [\"{AUDIENCE}\"]"),
                ));
            }
            let Some(subject) = credential
                .get_path(&["spec", "subject"])
                .and_then(Value::as_str)
            else {
                continue; // `subjectFromConfig`: not in these manifests.
            };
            let Some((namespace, name)) = parse_subject(subject) else {
                findings.push(Diagnostic::finding(
                    self,
                    credential,
                    "spec.subject".into(),
                    format!("subject {subject:?} is not `system:serviceaccount:<namespace>:<name>`"),
                ));
                continue;
            };
            // Only a render with ServiceAccounts can say which one a credential is for, and
            // KEDA's operator runs outside the app's manifests.
            if accounts.is_empty() || is_keda_operator(subject) {
                continue;
            }
            if accounts
                .iter()
                .any(|(ns, n)| *n == name && lands_in(ns) == namespace)
            {
                continue;
            }
            let near: Vec<String> = accounts
                .iter()
                .map(|(ns, n)| format!("system:serviceaccount:{}:{n}", lands_in(ns)))
                .collect();
            findings.push(Diagnostic::finding(
                self,
                credential,
                "spec.subject".into(),
                format!(
                    "subject {subject:?} names no ServiceAccount of these manifests (they are: {})",
                    near.join(", ")
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::rules::test_support::field_messages;

    const SA: &str = "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: prod-orders, namespace: orders-prod}\n---\n";

    fn credential(subject: &str, audience: &str) -> String {
        format!("apiVersion: managedidentity.azure.com/v1api20230131\nkind: FederatedIdentityCredential\nmetadata: {{name: orders, namespace: orders-prod}}\nspec:\n  owner: {{armId: /subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id}}\n  audiences: [{audience}]\n  issuer: https://oidc.example/\n  subject: {subject}\n")
    }

    fn messages(yaml: &str) -> Vec<String> {
        field_messages(&FederatedSubject, yaml)
    }

    #[test]
    fn a_subject_of_the_rendered_service_account_passes() {
        let yaml = format!(
            "{SA}{}---\n{}",
            credential("system:serviceaccount:orders-prod:prod-orders", AUDIENCE),
            credential("system:serviceaccount:keda:keda-operator", AUDIENCE)
        );
        assert_eq!(messages(&yaml), Vec::<String>::new());
    }

    #[test]
    fn a_subject_left_behind_by_a_rename_fails_naming_the_accounts() {
        let yaml = format!(
            "{SA}{}",
            credential("system:serviceaccount:orders-prod:orders", AUDIENCE)
        );
        assert_eq!(
            messages(&yaml),
            ["spec.subject: subject \"system:serviceaccount:orders-prod:orders\" names no ServiceAccount of these manifests (they are: system:serviceaccount:orders-prod:prod-orders)"]
        );
    }

    #[test]
    fn a_wrong_audience_or_a_malformed_subject_fails_even_alone() {
        let yaml = credential("orders-prod/prod-orders", "api://AzureADTokenExchangeX");
        let got = messages(&yaml);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].starts_with("spec.audiences: "), "{got:?}");
        assert!(got[1].starts_with("spec.subject: subject \"orders-prod/prod-orders\" is not"), "{got:?}");
    }
}
