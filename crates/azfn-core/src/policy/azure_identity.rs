//! The Azure half of workload identity as manifests show it (Azure Service Operator objects),
//! read once for the rules that relate it to the Kubernetes half: federated credentials and the
//! identity that owns each, role assignments with their role and scope, and the ServiceAccounts
//! and KEDA TriggerAuthentications that name an identity by client id.
use serde_yaml::Value;

use crate::functionapp::roles::{self, Provider, Role};
use crate::krm::Resource;
use crate::yaml::Field;

pub(crate) use crate::functionapp::render::{AUDIENCE, CLIENT_ID, KEDA_IDENTITY};

/// The namespace an object without one lands in.
pub(crate) fn lands_in(namespace: &str) -> &str {
    if namespace.is_empty() {
        "default"
    } else {
        namespace
    }
}

/// `system:serviceaccount:<namespace>:<name>` of a ServiceAccount, as azfn renders it.
pub(crate) fn subject_of(account: &Resource) -> String {
    crate::functionapp::render::subject(account.namespace(), account.name())
}

/// Namespace and name of a well-formed `system:serviceaccount:<namespace>:<name>` subject.
pub(crate) fn parse_subject(subject: &str) -> Option<(&str, &str)> {
    subject
        .strip_prefix("system:serviceaccount:")
        .and_then(|rest| rest.split_once(':'))
        .filter(|(ns, name)| !ns.is_empty() && !name.is_empty() && !name.contains(':'))
}

/// Whether a subject is the KEDA operator's (`keda:keda-operator`, the AKS add-on's
/// `kube-system:keda-operator`, or a renamed operator account in those namespaces).
pub(crate) fn is_keda_operator(subject: &str) -> bool {
    parse_subject(subject).is_some_and(|(ns, name)| {
        name.contains("keda-operator")
            || ns == "keda"
            || (ns == "kube-system" && name.contains("keda"))
    })
}

/// A federated identity credential.
pub(crate) struct Credential<'a> {
    pub resource: &'a Resource,
    /// Which identity it is on: the owner's ARM ID (lower case), or `<namespace>/<name>` of
    /// the `UserAssignedIdentity` object it names.
    pub owner: Option<String>,
    pub issuer: Option<&'a str>,
    /// `None` for `subjectFromConfig`: not in these manifests.
    pub subject: Option<&'a str>,
}

/// Every Azure Service Operator `FederatedIdentityCredential`, in input order.
pub(crate) fn credentials(resources: &[Resource]) -> Vec<Credential<'_>> {
    resources
        .iter()
        .filter(|r| is_credential(r))
        .map(|resource| Credential {
            resource,
            owner: owner_key(resource),
            issuer: resource
                .get_path(&["spec", "issuer"])
                .and_then(Value::as_str),
            subject: resource
                .get_path(&["spec", "subject"])
                .and_then(Value::as_str),
        })
        .collect()
}

/// Whether `resource` is an Azure Service Operator `FederatedIdentityCredential`.
pub(crate) fn is_credential(resource: &Resource) -> bool {
    resource.kind() == "FederatedIdentityCredential"
        && resource
            .api_version()
            .starts_with("managedidentity.azure.com/")
}

fn owner_key(resource: &Resource) -> Option<String> {
    let owner = resource.get_path(&["spec", "owner"])?;
    if let Some(arm) = owner.field("armId").and_then(Value::as_str) {
        return Some(arm.trim_end_matches('/').to_ascii_lowercase());
    }
    let name = owner.field("name").and_then(Value::as_str)?;
    Some(format!("{}/{name}", lands_in(resource.namespace())))
}

/// The client id a ServiceAccount's pods authenticate as, if it has one.
pub(crate) fn client_id(account: &Resource) -> Option<&str> {
    (account.kind() == "ServiceAccount")
        .then(|| account.annotation(CLIENT_ID))
        .flatten()
        .map(str::trim)
        .filter(|id| !id.is_empty())
}

/// Every ServiceAccount bound to an identity, with its client id.
pub(crate) fn bound_accounts(resources: &[Resource]) -> Vec<(&Resource, &str)> {
    resources
        .iter()
        .filter_map(|r| Some((r, client_id(r)?)))
        .collect()
}

/// The identity a KEDA `azure-workload` authentication makes the operator use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KedaIdentity<'a> {
    /// The identity with this client id (`identityId`).
    ClientId(&'a str),
    /// The KEDA operator's own, federated when KEDA was installed.
    Operator,
}

/// The identity of a KEDA `TriggerAuthentication` or `ClusterTriggerAuthentication` with the
/// `azure-workload` provider.
pub(crate) fn azure_workload_identity(auth: &Resource) -> Option<KedaIdentity<'_>> {
    let is_auth = matches!(
        auth.kind(),
        "TriggerAuthentication" | "ClusterTriggerAuthentication"
    ) && auth.api_version().starts_with("keda.sh/");
    let identity = auth.get_path(&["spec", "podIdentity"])?;
    (is_auth && identity.field("provider").and_then(Value::as_str) == Some("azure-workload")).then(
        || {
            identity
                .field("identityId")
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|id| !id.is_empty())
                .map_or(KedaIdentity::Operator, KedaIdentity::ClientId)
        },
    )
}

/// The ServiceAccounts bound to `client_id` that an authentication in `namespace` (`None`: a
/// cluster-wide one) can mean.
pub(crate) fn accounts_of<'a>(
    accounts: &[(&'a Resource, &str)],
    client_id: &str,
    namespace: Option<&str>,
) -> Vec<&'a Resource> {
    accounts
        .iter()
        .filter(|(a, id)| {
            id.eq_ignore_ascii_case(client_id)
                && namespace.is_none_or(|ns| lands_in(a.namespace()) == lands_in(ns))
        })
        .map(|(a, _)| *a)
        .collect()
}

/// A role assignment: its role (when azfn knows it) and its scope.
pub(crate) struct Assignment<'a> {
    pub resource: &'a Resource,
    pub role: Option<Role>,
    pub scope: Scope<'a>,
}

/// Where a role assignment applies.
pub(crate) enum Scope<'a> {
    /// An ARM ID.
    Arm(&'a str),
    /// An Azure Service Operator object by kind and name.
    Object {
        kind: &'a str,
        name: &'a str,
    },
    Unknown,
}

/// Every Azure Service Operator `RoleAssignment`, in input order.
pub(crate) fn assignments(resources: &[Resource]) -> Vec<Assignment<'_>> {
    resources
        .iter()
        .filter(|r| {
            r.kind() == "RoleAssignment" && r.api_version().starts_with("authorization.azure.com/")
        })
        .map(|resource| {
            let reference = resource.get_path(&["spec", "roleDefinitionReference"]);
            let role = reference
                .and_then(|r| r.field("armId"))
                .and_then(Value::as_str)
                .and_then(roles::by_definition)
                .or_else(|| {
                    let name = reference?.field("wellKnownName")?.as_str()?;
                    roles::ALL
                        .iter()
                        .copied()
                        .find(|r| r.name.eq_ignore_ascii_case(name))
                });
            let owner = resource.get_path(&["spec", "owner"]);
            let scope = match (
                owner.and_then(|o| o.field("armId")).and_then(Value::as_str),
                owner.and_then(|o| o.field("name")).and_then(Value::as_str),
            ) {
                (Some(arm), _) => Scope::Arm(arm),
                (None, Some(name)) => Scope::Object {
                    kind: owner
                        .and_then(|o| o.field("kind"))
                        .and_then(Value::as_str)
                        .unwrap_or_default(),
                    name,
                },
                (None, None) => Scope::Unknown,
            };
            Assignment {
                resource,
                role,
                scope,
            }
        })
        .collect()
}

impl Assignment<'_> {
    /// Whether this assignment applies to resource `name` of `provider`: scoped to it, or to
    /// something that contains it (a resource group or subscription).
    pub(crate) fn applies_to(&self, provider: Provider, name: &str) -> bool {
        match self.scope {
            Scope::Arm(arm) => {
                roles::broad_scope(arm).is_some()
                    || arm
                        .trim_end_matches('/')
                        .to_ascii_lowercase()
                        .ends_with(&format!("/{}/{}", provider.path(), name).to_ascii_lowercase())
            }
            Scope::Object { kind, name: object } => {
                kind == "ResourceGroup" || (provider.kind() == kind && object == name)
            }
            Scope::Unknown => false,
        }
    }

    /// Whether it grants `needed` on resource `name` of `provider`.
    pub(crate) fn grants(&self, provider: Provider, name: &str, needed: Role) -> bool {
        self.applies_to(provider, name)
            && self
                .role
                .is_some_and(|held| held == needed || roles::covers(held, needed))
    }
}

#[cfg(test)]
mod tests {
    //! azfn's own rendering of the Azure half passes the rules that check it.
    use crate::functionapp::spec::Spec;

    use crate::krm::Resource;
    use crate::test_support::AZURE_APP;

    fn spec(text: &str) -> crate::functionapp::spec::Spec {
        crate::test_support::from_yaml(text)
    }

    /// [`AZURE_APP`] with an Event Hubs connection, and a storage queue and an Event Hubs
    /// trigger besides its Service Bus and blob triggers.
    fn every_trigger() -> String {
        AZURE_APP.replace(
            "connections:\n",
            "connections:\n  Events:\n    fullyQualifiedNamespace: evh-orders-prod.servicebus.windows.net\n",
        ) + "- name: Audit
  trigger:
    type: storageQueue
    connection: Uploads
    queueName: audit
- name: Telemetry
  trigger:
    type: eventHubs
    connection: Events
    eventHubName: telemetry
"
    }

    fn rendered(spec: &Spec) -> Vec<Resource> {
        crate::functionapp::render::render(
            "orders",
            "orders-prod",
            serde_yaml::Mapping::new(),
            spec,
        )
        .expect("renders")
        .objects
        .into_iter()
        .map(Resource::new)
        .collect()
    }

    /// The findings of every rule over the whole render, as `CODE Kind/name field message`.
    fn findings(spec: &Spec) -> Vec<String> {
        super::super::check(&rendered(spec), &crate::config::Config::default())
            .into_iter()
            .map(|f| {
                let r = f.resource.expect("a resource");
                format!(
                    "{} {}/{} {} {}",
                    f.code,
                    r.kind,
                    r.name,
                    f.field.unwrap_or_default(),
                    f.message
                )
            })
            .collect()
    }

    #[test]
    fn the_rendered_azure_half_passes_the_identity_rules_in_both_designs() {
        let app = every_trigger();
        assert_eq!(findings(&spec(&app)), Vec::<String>::new());
        let shared = app.replace(
            "    create:\n      location: westeurope\n",
            "    principalId: 22222222-2222-2222-2222-222222222222\n    keda:\n      design: shared\n      clientId: 33333333-3333-3333-3333-333333333333\n      principalId: 44444444-4444-4444-4444-444444444444\n",
        );
        assert_eq!(findings(&spec(&shared)), Vec::<String>::new());
    }

    #[test]
    fn an_explicitly_broad_scope_renders_suppressed_with_its_reason() {
        let broad = every_trigger().replace(
            "    create:\n",
            "    scopes:\n      ServiceBus: /subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-messaging\n    create:\n",
        );
        let resources = rendered(&spec(&broad));
        let annotation = resources
            .iter()
            .find(|r| r.kind() == "RoleAssignment" && r.name().contains("servicebus"))
            .and_then(|r| r.annotation("azfn.dev/ignore"));
        assert_eq!(
            annotation,
            Some("AZF026: spec.identity.azure.scopes.ServiceBus sets a resource group explicitly")
        );
        let found = super::super::check(&resources, &crate::config::Config::default());
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, "AZF026");
        assert_eq!(found[0].severity, crate::krm::Severity::Info, "suppressed");
    }
}
