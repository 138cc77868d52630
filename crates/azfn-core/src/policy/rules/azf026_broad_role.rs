//! AZF026 broad-role: a role assignment that grants more than a Functions app's identity needs:
//! a control-plane role, a secrets-writing role, or a whole subscription or resource group.
use crate::functionapp::roles;
use crate::krm::Severity;
use crate::policy::azure_identity::{Scope, assignments};
use crate::policy::walk::Catalog;
use crate::policy::{Diagnostic, Meta, Rule};

/// See the [`Meta`] below.
pub struct BroadRole;

impl Rule for BroadRole {
    fn meta(&self) -> &'static Meta {
        &Meta {
            code: "AZF026",
            name: "broad-role",
            severity: Severity::Error,
            explanation: "The identity a Functions app runs as needs data roles on the resources \
         its connections name (Storage Queue Data Reader on one account, Azure Service Bus Data \
         Receiver on one namespace), and nothing else. `Owner`, `Contributor` and `User Access \
         Administrator` control resources and their access instead (a leaked token could delete \
         the account or grant itself more), `Key Vault Secrets Officer` writes and deletes the \
         secrets the app only reads (`Key Vault Secrets User`), and a scope of a subscription or \
         resource group extends the role to every resource in it. Assign the data role on the \
         resource; azfn derives both from the FunctionApp. A broad scope azfn renders because \
         `identity.azure.scopes` asks for it carries a suppression with that reason.",
        }
    }

    fn check(&self, resources: &Catalog<'_>, findings: &mut Vec<Diagnostic>) {
        for assignment in assignments(resources) {
            if let Some(role) = assignment.role {
                let why = match role {
                    roles::OWNER | roles::CONTRIBUTOR | roles::USER_ACCESS_ADMINISTRATOR => Some(
                        "manages the resource and its access, which no Functions app needs at run \
                         time; assign the data role its connection needs",
                    ),
                    roles::KEY_VAULT_SECRETS_OFFICER => Some(
                        "can write and delete secrets the app only reads; assign Key Vault Secrets \
                         User",
                    ),
                    _ => None,
                };
                if let Some(why) = why {
                    let field = if assignment
                        .resource
                        .get_path(&["spec", "roleDefinitionReference", "armId"])
                        .is_some()
                    {
                        "spec.roleDefinitionReference.armId"
                    } else {
                        "spec.roleDefinitionReference"
                    };
                    findings.push(Diagnostic::finding(
                        self,
                        assignment.resource,
                        field.into(),
                        format!("grants {}: it {why}", role.name),
                    ));
                }
            }
            let broad = match assignment.scope {
                Scope::Arm(arm) => roles::broad_scope(arm).map(|what| (what, "spec.owner.armId")),
                Scope::Object {
                    kind: "ResourceGroup",
                    ..
                } => {
                    Some(("a resource group", "spec.owner"))
                }
                _ => None,
            };
            if let Some((what, field)) = broad {
                findings.push(Diagnostic::finding(
                    self,
                    assignment.resource,
                    field.into(),
                    format!(
                        "is scoped to {what}, so {} applies to every resource in it; scope it to \
                         the resource the connection names",
                        assignment.role.map_or("its role", |r| r.name)
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::rules::test_support::field_messages;

    fn assignment(scope: &str, role: &str) -> String {
        format!(
            "apiVersion: authorization.azure.com/v1api20220401\nkind: RoleAssignment\nmetadata: {{name: ra, namespace: orders}}\nspec:\n  owner: {scope}\n  principalId: 00000000-0000-0000-0000-0000000000aa\n  roleDefinitionReference: {role}\n"
        )
    }

    const ACCOUNT: &str = "{armId: /subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st}";

    fn messages(yaml: &str) -> Vec<String> {
        field_messages(&BroadRole, yaml)
    }

    #[test]
    fn a_data_role_on_the_resource_passes() {
        let yaml = assignment(
            ACCOUNT,
            "{armId: /subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/19e7f393-937e-4f77-808e-94535e297925}",
        );
        assert_eq!(messages(&yaml), Vec::<String>::new());
        // An unknown (custom) role is not judged.
        let custom = assignment(ACCOUNT, "{armId: /subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/0000}");
        assert_eq!(messages(&custom), Vec::<String>::new());
    }

    #[test]
    fn control_plane_and_secrets_writing_roles_fail() {
        let owner = assignment(
            ACCOUNT,
            "{armId: /subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635}",
        );
        assert_eq!(
            messages(&owner),
            ["spec.roleDefinitionReference.armId: grants Owner: it manages the resource and its access, which no Functions app needs at run time; assign the data role its connection needs"]
        );
        let officer = assignment(ACCOUNT, "{wellKnownName: Key Vault Secrets Officer}");
        assert_eq!(
            messages(&officer),
            ["spec.roleDefinitionReference: grants Key Vault Secrets Officer: it can write and delete secrets the app only reads; assign Key Vault Secrets User"]
        );
    }

    #[test]
    fn a_subscription_or_resource_group_scope_fails() {
        let reader = "{armId: /subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/2a2b9908-6ea1-4ae2-8e65-a410df84e7d1}";
        assert_eq!(
            messages(&assignment("{armId: /subscriptions/s/resourceGroups/rg}", reader)),
            ["spec.owner.armId: is scoped to a resource group, so Storage Blob Data Reader applies to every resource in it; scope it to the resource the connection names"]
        );
        assert_eq!(
            messages(&assignment("{armId: /subscriptions/s}", reader)).len(),
            1
        );
        assert_eq!(
            messages(&assignment("{kind: ResourceGroup, group: resources.azure.com, name: rg}", reader)),
            ["spec.owner: is scoped to a resource group, so Storage Blob Data Reader applies to every resource in it; scope it to the resource the connection names"]
        );
    }
}
