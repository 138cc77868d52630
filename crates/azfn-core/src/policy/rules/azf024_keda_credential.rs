//! AZF024 keda-credential: a KEDA `azure-workload` authentication names an identity whose
//! federated credentials are in these manifests, and none is for the KEDA operator.
use std::fmt::Write as _;

use serde_yaml::Value;

use crate::krm::Severity;
use crate::policy::azure_identity::{
    KedaIdentity, accounts_of, azure_workload_identity, bound_accounts, credentials, is_keda_operator,
    subject_of,
};
use crate::policy::walk::Catalog;
use crate::policy::{Diagnostic, Meta, Rule};

/// See the [`Meta`] below.
pub struct KedaCredential;

impl Rule for KedaCredential {
    fn meta(&self) -> &'static Meta {
        &Meta {
            code: "AZF024",
            name: "keda-credential",
            severity: Severity::Error,
            explanation: "A KEDA `TriggerAuthentication` with `podIdentity.provider: azure-workload` \
         makes the KEDA operator, not the app's pods, ask Entra ID for a token of the identity in \
         `identityId`. That identity therefore needs a second federated credential, for the \
         operator's ServiceAccount (`system:serviceaccount:keda:keda-operator`, or \
         `kube-system:keda-operator` with the AKS add-on). Without it the scaler fails, the \
         ScaledObject reports no metrics and the app never scales out (or never wakes from zero). \
         Checked when `identityId` is the client id of a ServiceAccount in these manifests whose \
         credential is here too (the app's own identity); a shared KEDA identity and the \
         operator's own identity are federated outside them. Add the credential (azfn renders \
         it with `identity.azure.keda.design: app`).",
        }
    }

    fn check(&self, resources: &Catalog<'_>, findings: &mut Vec<Diagnostic>) {
        let credentials = credentials(resources);
        if credentials.is_empty() {
            return;
        }
        let accounts = bound_accounts(resources);
        for auth in resources {
            let Some(KedaIdentity::ClientId(client_id)) = azure_workload_identity(auth) else {
                continue;
            };
            let namespace = (auth.kind() == "TriggerAuthentication").then(|| auth.namespace());
            // The identities this client id is, as far as these manifests federate it.
            let owners: Vec<&str> = accounts_of(&accounts, client_id, namespace)
                .into_iter()
                .flat_map(|account| {
                    let subject = subject_of(account);
                    credentials
                        .iter()
                        .filter(move |c| c.subject == Some(subject.as_str()))
                        .filter_map(|c| c.owner.as_deref())
                })
                .collect();
            if owners.is_empty() {
                continue;
            }
            let operator: Vec<&crate::policy::azure_identity::Credential<'_>> = credentials
                .iter()
                .filter(|c| c.subject.is_some_and(is_keda_operator))
                .collect();
            if operator
                .iter()
                .any(|c| c.owner.as_deref().is_some_and(|o| owners.contains(&o)))
            {
                continue;
            }
            let mut message = format!(
                "KEDA authenticates as identity {client_id}, and none of its federated credentials \
                 in these manifests names the KEDA operator (system:serviceaccount:keda:keda-operator, \
                 or kube-system:keda-operator for the AKS add-on): the scaler gets no token"
            );
            if let Some(other) = operator.first() {
                let _ = write!(
                    message,
                    " (FederatedIdentityCredential {} federates the operator with another identity: {})",
                    other.resource.name(),
                    other.owner.as_deref().unwrap_or("?")
                );
            }
            let field = if auth
                .get_path(&["spec", "podIdentity", "identityId"])
                .and_then(Value::as_str)
                .is_some()
            {
                "spec.podIdentity.identityId"
            } else {
                "spec.podIdentity"
            };
            findings.push(Diagnostic::finding(self, auth, field.into(), message));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::rules::test_support::field_messages;

    const APP: &str = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: orders\n  namespace: orders\n  annotations: {azure.workload.identity/client-id: 00000000-0000-0000-0000-00000000d001}\n---\napiVersion: keda.sh/v1alpha1\nkind: TriggerAuthentication\nmetadata: {name: orders-keda, namespace: orders}\nspec:\n  podIdentity: {provider: azure-workload, identityId: 00000000-0000-0000-0000-00000000d001}\n---\n";

    fn credential(name: &str, identity: &str, subject: &str) -> String {
        format!(
            "apiVersion: managedidentity.azure.com/v1api20230131\nkind: FederatedIdentityCredential\nmetadata: {{name: {name}, namespace: orders}}\nspec:\n  owner: {{armId: /subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{identity}}}\n  audiences: [api://AzureADTokenExchange]\n  issuer: https://oidc.example/\n  subject: {subject}\n---\n"
        )
    }

    fn messages(yaml: &str) -> Vec<String> {
        field_messages(&KedaCredential, yaml)
    }

    #[test]
    fn an_identity_federated_with_the_operator_passes() {
        for operator in [
            "system:serviceaccount:keda:keda-operator",
            "system:serviceaccount:kube-system:keda-operator",
        ] {
            let yaml = format!(
                "{APP}{}{}",
                credential("orders", "id-orders", "system:serviceaccount:orders:orders"),
                credential("orders-keda", "ID-Orders", operator)
            );
            assert_eq!(messages(&yaml), Vec::<String>::new(), "{operator}");
        }
    }

    #[test]
    fn an_app_identity_without_the_operator_fails() {
        let yaml = format!(
            "{APP}{}",
            credential("orders", "id-orders", "system:serviceaccount:orders:orders")
        );
        let got = messages(&yaml);
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(
            got[0].starts_with("spec.podIdentity.identityId: KEDA authenticates as identity 00000000-0000-0000-0000-00000000d001, and none"),
            "{got:?}"
        );
        let elsewhere = format!(
            "{yaml}{}",
            credential("shared-keda", "id-keda", "system:serviceaccount:keda:keda-operator")
        );
        let got = messages(&elsewhere);
        assert!(
            got[0].ends_with("(FederatedIdentityCredential shared-keda federates the operator with another identity: /subscriptions/s/resourcegroups/rg/providers/microsoft.managedidentity/userassignedidentities/id-keda)"),
            "{got:?}"
        );
    }

    #[test]
    fn identities_federated_elsewhere_are_not_checked() {
        // No credentials at all, or none for the identity KEDA uses (a shared KEDA identity).
        assert_eq!(messages(APP), Vec::<String>::new());
        let shared = APP.replace(
            "identityId: 00000000-0000-0000-0000-00000000d001",
            "identityId: 00000000-0000-0000-0000-00000000beef",
        ) + &credential("orders", "id-orders", "system:serviceaccount:orders:orders");
        assert_eq!(messages(&shared), Vec::<String>::new());
        // The operator's own identity.
        let operator = APP.replace(", identityId: 00000000-0000-0000-0000-00000000d001", "")
            + &credential("orders", "id-orders", "system:serviceaccount:orders:orders");
        assert_eq!(messages(&operator), Vec::<String>::new());
    }
}
