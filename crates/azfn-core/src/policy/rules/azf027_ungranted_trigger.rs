//! AZF027 ungranted-trigger: a KEDA trigger authenticates as the app's identity, these manifests
//! assign that identity's roles, and none grants what the trigger's resource needs.
use serde_yaml::Value;

use crate::functionapp::roles::SCALER_NEEDS;
use crate::krm::{Resource, Severity};
use crate::policy::azure_identity::{
    KedaIdentity, accounts_of, assignments, azure_workload_identity, bound_accounts,
};
use crate::policy::walk::Catalog;
use crate::policy::{Diagnostic, Meta, Rule};
use crate::yaml::Field;

/// See the [`Meta`] below.
pub struct UngrantedTrigger;

impl Rule for UngrantedTrigger {
    fn meta(&self) -> &'static Meta {
        &Meta {
            code: "AZF027",
            name: "ungranted-trigger",
            severity: Severity::Error,
            explanation: "A trigger that connects with an identity works only if that identity \
         holds a data role on the resource: KEDA's `azure-servicebus` scaler reads message counts \
         (Azure Service Bus Data Owner, per AKS's KEDA guidance) and the Functions trigger \
         receives (Data Receiver); `azure-queue` needs Storage Queue Data Reader, and the trigger \
         Message Processor as well; `azure-eventhub` needs Event Hubs Data Receiver and, for the \
         checkpoints, Storage Blob Data Reader on `storageAccountName`; `azure-blob` needs Storage \
         Blob Data Reader, and the trigger Blob Data Owner. Without the role the scaler and the \
         trigger get `403 AuthorizationFailure` and nothing is processed. Checked for KEDA \
         triggers whose `azure-workload` authentication names the client id of a ServiceAccount \
         in these manifests (the identity the app and KEDA share), when the manifests assign \
         roles at all (Azure Service Operator `RoleAssignment`s); a stronger role of the same \
         service (Blob Data Owner for Reader) counts. azfn derives these assignments from the \
         FunctionApp's triggers.",
        }
    }

    fn check(&self, resources: &Catalog<'_>, findings: &mut Vec<Diagnostic>) {
        let assignments = assignments(resources);
        if assignments.is_empty() {
            return;
        }
        let accounts = bound_accounts(resources);
        for (scaled, _) in resources.scaled_targets() {
            let triggers = scaled
                .get_path(&["spec", "triggers"])
                .and_then(Value::as_sequence)
                .map_or(&[][..], Vec::as_slice);
            for (i, trigger) in triggers.iter().enumerate() {
                let Some(client_id) = app_identity(resources, &accounts, scaled, trigger) else {
                    continue;
                };
                let scaler = trigger.field("type").and_then(Value::as_str).unwrap_or_default();
                for need in SCALER_NEEDS.iter().filter(|n| n.scaler == scaler) {
                    let Some(name) = trigger
                        .field("metadata")
                        .and_then(|m| m.get(need.key))
                        .and_then(Value::as_str)
                        .filter(|n| !n.is_empty())
                    else {
                        continue;
                    };
                    if assignments
                        .iter()
                        .any(|a| a.grants(need.provider, name, need.role))
                    {
                        continue;
                    }
                    findings.push(Diagnostic::finding(
                        self,
                        scaled,
                        format!("spec.triggers[{i}].metadata.{}", need.key),
                        format!(
                            "{} ({scaler}) needs {} on {} {name} for identity {client_id}, and no \
                             RoleAssignment in these manifests grants it",
                            need.who.describe(),
                            need.role.name,
                            need.provider.path()
                        ),
                    ));
                }
            }
        }
    }
}

/// The client id a trigger authenticates as, when it is the identity of a ServiceAccount in
/// these manifests.
fn app_identity<'a>(
    resources: &Catalog<'a>,
    accounts: &[(&Resource, &str)],
    scaled: &Resource,
    trigger: &Value,
) -> Option<&'a str> {
    let reference = trigger.field("authenticationRef")?;
    let name = reference.field("name").and_then(Value::as_str)?;
    let kind = reference
        .field("kind")
        .and_then(Value::as_str)
        .unwrap_or("TriggerAuthentication");
    let namespace = if kind == "ClusterTriggerAuthentication" {
        ""
    } else {
        scaled.namespace()
    };
    let auth = resources.find(namespace, kind, name)?;
    let KedaIdentity::ClientId(client_id) = azure_workload_identity(auth)? else {
        return None;
    };
    (!accounts_of(accounts, client_id, Some(scaled.namespace())).is_empty()).then_some(client_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::rules::test_support::field_messages;

    const APP: &str = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: orders\n  namespace: orders\n  annotations: {azure.workload.identity/client-id: 00000000-0000-0000-0000-00000000d001}\n---\napiVersion: keda.sh/v1alpha1\nkind: TriggerAuthentication\nmetadata: {name: orders-keda, namespace: orders}\nspec:\n  podIdentity: {provider: azure-workload, identityId: 00000000-0000-0000-0000-00000000d001}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: orders, namespace: orders}\n---\napiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: orders, namespace: orders}\nspec:\n  scaleTargetRef: {name: orders}\n  triggers:\n  - type: azure-servicebus\n    metadata: {namespace: sb-orders, queueName: orders}\n    authenticationRef: {name: orders-keda}\n---\n";

    fn assignment(provider: &str, guid: &str) -> String {
        format!(
            "apiVersion: authorization.azure.com/v1api20220401\nkind: RoleAssignment\nmetadata: {{name: ra-{guid}, namespace: orders}}\nspec:\n  owner: {{armId: /subscriptions/s/resourceGroups/rg/providers/{provider}}}\n  principalId: 00000000-0000-0000-0000-0000000000aa\n  roleDefinitionReference: {{armId: /subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/{guid}}}\n---\n"
        )
    }

    const SB_OWNER: &str = "090c5cfd-751d-490a-894a-3ce6f1109419";
    const SB_RECEIVER: &str = "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0";

    fn messages(yaml: &str) -> Vec<String> {
        field_messages(&UngrantedTrigger, yaml)
    }

    #[test]
    fn a_role_that_covers_both_needs_passes() {
        let yaml = format!(
            "{APP}{}",
            assignment("Microsoft.ServiceBus/namespaces/SB-Orders", SB_OWNER)
        );
        assert_eq!(messages(&yaml), Vec::<String>::new());
    }

    #[test]
    fn a_receiver_alone_leaves_keda_without_its_role() {
        let yaml = format!(
            "{APP}{}",
            assignment("Microsoft.ServiceBus/namespaces/sb-orders", SB_RECEIVER)
        );
        assert_eq!(
            messages(&yaml),
            ["spec.triggers[0].metadata.namespace: KEDA's scaler (azure-servicebus) needs Azure Service Bus Data Owner on Microsoft.ServiceBus/namespaces sb-orders for identity 00000000-0000-0000-0000-00000000d001, and no RoleAssignment in these manifests grants it"]
        );
        // A role on another namespace grants nothing here.
        let other = format!(
            "{APP}{}",
            assignment("Microsoft.ServiceBus/namespaces/sb-payments", SB_OWNER)
        );
        assert_eq!(messages(&other).len(), 2);
    }

    #[test]
    fn identities_whose_roles_are_elsewhere_are_not_checked() {
        // No role assignments at all.
        assert_eq!(messages(APP), Vec::<String>::new());
        // KEDA uses an identity that no ServiceAccount here is bound to.
        let shared = APP.replace(
            "identityId: 00000000-0000-0000-0000-00000000d001",
            "identityId: 00000000-0000-0000-0000-00000000beef",
        ) + &assignment("Microsoft.Storage/storageAccounts/st", SB_OWNER);
        assert_eq!(messages(&shared), Vec::<String>::new());
    }
}
