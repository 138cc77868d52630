//! AZF023 missing-credential: a ServiceAccount bound to an identity by client id, in a
//! namespace whose federated credentials are in these manifests, and none of them names it.
use crate::krm::Severity;
use crate::policy::azure_identity::{
    CLIENT_ID, bound_accounts, credentials, is_keda_operator, lands_in, subject_of,
};
use crate::policy::walk::Catalog;
use crate::policy::{Diagnostic, Meta, Rule};

/// See the [`Meta`] below.
pub struct MissingCredential;

impl Rule for MissingCredential {
    fn meta(&self) -> &'static Meta {
        &Meta {
            code: "AZF023",
            name: "missing-credential",
            severity: Severity::Error,
            explanation: "A ServiceAccount annotated `azure.workload.identity/client-id` lets its \
         pods ask Entra ID for that identity's token, which works only if the identity has a \
         federated credential whose subject is exactly `system:serviceaccount:<namespace>:<name>` \
         of this account. When the manifests carry the Azure half (Azure Service Operator \
         `FederatedIdentityCredential`s in the account's namespace) and none names this account, \
         the pods start and fail at their first Azure call (`AADSTS70021`): typically an overlay \
         renamed the account and the credential kept the old subject, or a second app in the \
         namespace was never federated. Add the credential (azfn renders it from `identity.azure`) \
         or correct its subject. Namespaces without credentials in the manifests are not checked: \
         their Azure half is managed elsewhere.",
        }
    }

    fn check(&self, resources: &Catalog<'_>, findings: &mut Vec<Diagnostic>) {
        let credentials = credentials(resources);
        if credentials.is_empty() {
            return;
        }
        for (account, _) in bound_accounts(resources) {
            let subject = subject_of(account);
            if credentials.iter().any(|c| c.subject == Some(subject.as_str())) {
                continue;
            }
            let namespace = lands_in(account.namespace());
            let neighbours: Vec<&str> = credentials
                .iter()
                .filter(|c| lands_in(c.resource.namespace()) == namespace)
                .filter_map(|c| c.subject)
                .filter(|s| !is_keda_operator(s))
                .collect();
            if neighbours.is_empty() {
                continue;
            }
            findings.push(Diagnostic::finding(
                self,
                account,
                format!("metadata.annotations[\"{CLIENT_ID}\"]"),
                format!(
                    "no FederatedIdentityCredential names {subject}: the pods get no token \
                     (the credentials in namespace {namespace} name {})",
                    neighbours.join(", ")
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::rules::test_support::check;

    const SA: &str = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: prod-orders\n  namespace: orders-prod\n  annotations: {azure.workload.identity/client-id: 00000000-0000-0000-0000-00000000d001}\n---\n";

    fn credential(namespace: &str, subject: &str) -> String {
        format!(
            "apiVersion: managedidentity.azure.com/v1api20230131\nkind: FederatedIdentityCredential\nmetadata: {{name: orders, namespace: {namespace}}}\nspec:\n  owner: {{armId: /subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id}}\n  audiences: [api://AzureADTokenExchange]\n  issuer: https://oidc.example/\n  subject: {subject}\n---\n"
        )
    }

    fn messages(yaml: &str) -> Vec<String> {
        check(&MissingCredential, yaml)
            .into_iter()
            .map(|f| format!("{} {}: {}", f.resource.unwrap().name, f.field.unwrap(), f.message))
            .collect()
    }

    #[test]
    fn an_account_its_credential_names_passes() {
        let yaml = format!(
            "{SA}{}{}",
            credential("orders-prod", "system:serviceaccount:orders-prod:prod-orders"),
            credential("orders-prod", "system:serviceaccount:keda:keda-operator")
        );
        assert_eq!(messages(&yaml), Vec::<String>::new());
    }

    #[test]
    fn an_account_renamed_away_from_its_credential_fails() {
        let yaml = format!(
            "{SA}{}",
            credential("orders-prod", "system:serviceaccount:orders-prod:orders")
        );
        assert_eq!(
            messages(&yaml),
            ["prod-orders metadata.annotations[\"azure.workload.identity/client-id\"]: no FederatedIdentityCredential names system:serviceaccount:orders-prod:prod-orders: the pods get no token (the credentials in namespace orders-prod name system:serviceaccount:orders-prod:orders)"]
        );
    }

    #[test]
    fn without_credentials_in_its_namespace_an_account_is_not_checked() {
        assert_eq!(messages(SA), Vec::<String>::new());
        let elsewhere = format!(
            "{SA}{}",
            credential("payments", "system:serviceaccount:payments:payments")
        );
        assert_eq!(messages(&elsewhere), Vec::<String>::new());
        // The KEDA operator's credential alone says nothing about the app's.
        let keda_only = format!(
            "{SA}{}",
            credential("orders-prod", "system:serviceaccount:keda:keda-operator")
        );
        assert_eq!(messages(&keda_only), Vec::<String>::new());
    }
}
