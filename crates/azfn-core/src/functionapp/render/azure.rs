//! The Azure half of workload identity as Azure Service Operator objects (research:
//! next-anchors.md §A): the identity (or a reference to an existing one), federated
//! credentials for the app's and KEDA's service accounts, and the role assignments the
//! triggers and Key Vault secrets need, each scoped to the resource its connection names.
use super::*;
use crate::functionapp::roles::{self, Provider, Role, Who};
use crate::functionapp::spec::{AzureIdentity, KedaDesign};

pub(super) const IDENTITY_API: &str = "managedidentity.azure.com/v1api20230131";
pub(super) const ROLE_ASSIGNMENT_API: &str = "authorization.azure.com/v1api20220401";
/// The host's storage connection.
const HOST_STORAGE: &str = "AzureWebJobsStorage";
/// The only audience workload identity federation accepts.
pub const AUDIENCE: &str = "api://AzureADTokenExchange";

/// One role the app (or KEDA) needs on one resource, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Grant {
    /// The connection (`AzureWebJobsStorage`, `KeyVault`, or a `spec.connections` name).
    pub connection: String,
    /// The ARM ID of the resource.
    pub scope: String,
    pub role: &'static str,
    pub guid: &'static str,
    /// `app` or `keda`.
    pub principal: &'static str,
    pub reason: String,
}

/// `system:serviceaccount:<namespace>:<name>`; an object without a namespace lands in `default`.
pub fn subject(namespace: &str, service_account: &str) -> String {
    let namespace = if namespace.is_empty() {
        "default"
    } else {
        namespace
    };
    format!("system:serviceaccount:{namespace}:{service_account}")
}

/// The ARM ID of the user-assigned identity.
pub fn identity_id(azure: &AzureIdentity) -> String {
    format!(
        "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{}",
        azure.subscription_id, azure.resource_group, azure.name
    )
}

/// The ConfigMap Azure Service Operator writes the created identity's IDs into, named after
/// the Azure identity: no overlay renames it (it is not an object of the build), and the
/// environments differ in it exactly where their `identity.azure.name` does.
fn ids_config_map(azure: &AzureIdentity) -> String {
    format!("{}-identity", slug(&azure.name))
}

pub(super) fn azure_objects(app: &App, keda_workload_auth: bool) -> Vec<Mapping> {
    let Some(azure) = &app.spec.identity.azure else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(create) = &azure.create {
        out.push(user_assigned_identity(app, azure, create));
    }
    out.push(federated_credential(
        app,
        azure,
        app.name,
        &subject(app.namespace, &app.service_account),
        "identity",
    ));
    let keda = &azure.keda;
    if keda_workload_auth && keda.design == KedaDesign::App {
        out.push(federated_credential(
            app,
            azure,
            &format!("{}-keda", app.name),
            &subject(keda_namespace(azure), keda_service_account(azure)),
            "worker",
        ));
    }
    if azure.roles.unwrap_or(true) {
        for grant in grants(app.spec, keda_workload_auth) {
            if let Some(assignment) = role_assignment(app, azure, &grant) {
                out.push(assignment);
            }
        }
    }
    out
}

pub(super) fn keda_namespace(azure: &AzureIdentity) -> &str {
    azure.keda.namespace.as_deref().unwrap_or("keda")
}

pub(super) fn keda_service_account(azure: &AzureIdentity) -> &str {
    azure
        .keda
        .service_account
        .as_deref()
        .unwrap_or("keda-operator")
}

fn user_assigned_identity(
    app: &App,
    azure: &AzureIdentity,
    create: &crate::functionapp::spec::CreateIdentity,
) -> Mapping {
    let config_map = ids_config_map(azure);
    let key = |k: &str| map([("name", s(&config_map)), ("key", s(k))]);
    let tags: Mapping = create.tags.iter().map(|(k, v)| (s(k), s(v))).collect();
    let spec = map([
        ("azureName", s(&azure.name)),
        ("location", s(&create.location)),
        (
            "owner",
            map([(
                "armId",
                s(format!(
                    "/subscriptions/{}/resourceGroups/{}",
                    azure.subscription_id, azure.resource_group
                )),
            )]),
        ),
        (
            "tags",
            if tags.is_empty() {
                Value::Null
            } else {
                Value::Mapping(tags)
            },
        ),
        (
            "operatorSpec",
            map([(
                "configMaps",
                map([
                    ("clientId", key("clientId")),
                    ("principalId", key("principalId")),
                    ("tenantId", key("tenantId")),
                ]),
            )]),
        ),
    ]);
    object(
        IDENTITY_API,
        "UserAssignedIdentity",
        app.metadata(app.name, None),
        vec![("spec", spec)],
    )
}

/// Owned by ARM ID, not by the `UserAssignedIdentity`'s Kubernetes name: an overlay's
/// `namePrefix` renames the object, and nothing would rename a reference to it.
fn federated_credential(
    app: &App,
    azure: &AzureIdentity,
    name: &str,
    subject: &str,
    component: &str,
) -> Mapping {
    let spec = map([
        ("owner", map([("armId", s(identity_id(azure)))])),
        ("audiences", Value::Sequence(vec![s(AUDIENCE)])),
        ("issuer", s(&azure.issuer)),
        ("subject", s(subject)),
    ]);
    object(
        IDENTITY_API,
        "FederatedIdentityCredential",
        app.metadata(name, Some(component)),
        vec![("spec", spec)],
    )
}

fn role_assignment(app: &App, azure: &AzureIdentity, grant: &Grant) -> Option<Mapping> {
    let principal = if grant.principal == "keda" {
        map([("principalId", s(azure.keda.principal_id.as_deref()?))])
    } else {
        match (&azure.create, &azure.principal_id) {
            (_, Some(id)) => map([("principalId", s(id))]),
            (Some(_), None) => map([(
                "principalIdFromConfig",
                map([
                    ("name", s(ids_config_map(azure))),
                    ("key", s("principalId")),
                ]),
            )]),
            (None, None) => return None,
        }
    };
    let mut spec = Mapping::new();
    spec.insert("owner".into(), map([("armId", s(&grant.scope))]));
    if let Value::Mapping(principal) = principal {
        spec.extend(principal);
    }
    spec.insert("principalType".into(), s("ServicePrincipal"));
    spec.insert(
        "roleDefinitionReference".into(),
        map([(
            "armId",
            s(roles::definition_id(
                &azure.subscription_id,
                Role {
                    name: grant.role,
                    guid: grant.guid,
                },
            )),
        )]),
    );
    spec.insert("description".into(), s(&grant.reason));
    let name = format!(
        "{}-{}-{}",
        app.name,
        if grant.principal == "keda" {
            format!("keda-{}", slug(&grant.connection))
        } else {
            slug(&grant.connection)
        },
        slug(grant.role)
            .trim_start_matches("azure-")
            .trim_start_matches("storage-")
    );
    let component = if grant.principal == "keda" {
        Some("worker")
    } else {
        None
    };
    let mut metadata = app.metadata(&name, component);
    // Only `identity.azure.scopes` can make a scope this broad: the user asked for it.
    if let Some(what) = roles::broad_scope(&grant.scope) {
        metadata["annotations"]
            .as_mapping_mut()
            .expect("metadata has annotations")
            .insert(
                "azfn.dev/ignore".into(),
                s(format!(
                    "AZF026: spec.identity.azure.scopes.{} sets {what} explicitly",
                    grant.connection
                )),
            );
    }
    Some(object(
        ROLE_ASSIGNMENT_API,
        "RoleAssignment",
        metadata,
        vec![("spec", Value::Mapping(spec))],
    ))
}

fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

/// Where each connection's resource is: the ARM IDs role assignments are scoped to.
struct Scopes<'a> {
    spec: &'a Spec,
    azure: &'a AzureIdentity,
}

impl Scopes<'_> {
    fn of(&self, connection: &str, provider: Provider, resource: Option<&str>) -> Option<String> {
        self.azure.scopes.get(connection).cloned().or_else(|| {
            resource.map(|r| {
                roles::resource_id(
                    &self.azure.subscription_id,
                    &self.azure.resource_group,
                    provider,
                    r,
                )
            })
        })
    }

    fn storage_account(&self, connection: &str) -> Option<String> {
        if connection == HOST_STORAGE {
            let account = self.spec.storage.as_ref().map(|s| s.account_name.as_str());
            return self.of(connection, Provider::StorageAccount, account);
        }
        let endpoint = self.spec.connections.get(connection).and_then(|c| {
            c.queue_service_uri
                .as_deref()
                .or(c.blob_service_uri.as_deref())
                .or(c.table_service_uri.as_deref())
        });
        self.of(
            connection,
            Provider::StorageAccount,
            endpoint.and_then(roles::endpoint_resource),
        )
    }

    /// The connection and resource a scaler's need is on: the checkpoint store is the host's
    /// storage account, everything else the resource the trigger's connection names.
    fn of_need<'c>(
        &self,
        need: &roles::ScalerNeed,
        connection: &'c str,
    ) -> (&'c str, Option<String>) {
        match (need.key, need.provider) {
            ("storageAccountName", _) => (HOST_STORAGE, self.storage_account(HOST_STORAGE)),
            (_, Provider::StorageAccount) => (connection, self.storage_account(connection)),
            (_, provider) => (connection, self.namespace(connection, provider)),
        }
    }

    fn namespace(&self, connection: &str, provider: Provider) -> Option<String> {
        let fqdn = self
            .spec
            .connections
            .get(connection)
            .and_then(|c| c.fully_qualified_namespace.as_deref());
        self.of(
            connection,
            provider,
            fqdn.and_then(roles::endpoint_resource),
        )
    }
}

/// Grants being collected.
struct Collect(Vec<Grant>);

impl Collect {
    fn add(
        &mut self,
        connection: &str,
        scope: Option<String>,
        role: Role,
        principal: &'static str,
        reason: String,
    ) {
        if let Some(scope) = scope {
            self.0.push(Grant {
                connection: connection.to_owned(),
                scope,
                role: role.name,
                guid: role.guid,
                principal,
                reason,
            });
        }
    }
}

/// Every role the spec's triggers, host storage and Key Vault secrets need, least privilege
/// first (docs/functionapp.md lists each with its source), without duplicates.
pub fn grants(spec: &Spec, keda_workload_auth: bool) -> Vec<Grant> {
    let Some(azure) = &spec.identity.azure else {
        return Vec::new();
    };
    let scopes = Scopes { spec, azure };
    let mut out = Collect(Vec::new());
    // Whose identity KEDA's scalers use, when any scaler authenticates.
    let keda = keda_workload_auth.then_some(match azure.keda.design {
        KedaDesign::App => "app",
        KedaDesign::Shared => "keda",
    });
    if spec.storage.is_some() {
        out.add(
            HOST_STORAGE,
            scopes.storage_account(HOST_STORAGE),
            roles::STORAGE_BLOB_DATA_OWNER,
            "app",
            "the Functions host's storage: leases, keys and checkpoints in blobs".into(),
        );
    }
    for function in &spec.functions {
        trigger_grants(&scopes, &function.name, &function.trigger, keda, &mut out);
    }
    if let Some(secrets) = &spec.secrets {
        out.add(
            "KeyVault",
            scopes.of(
                "KeyVault",
                Provider::KeyVault,
                Some(&secrets.key_vault.name),
            ),
            roles::KEY_VAULT_SECRETS_USER,
            "app",
            "Key Vault secrets delivered to the pods".into(),
        );
    }
    merge(out.0)
}

/// The roles one trigger needs, from [`roles::SCALER_NEEDS`] (the table AZF027 checks): the
/// Functions trigger's, a blob trigger's queues, then KEDA's for its scaler.
fn trigger_grants(
    scopes: &Scopes,
    f: &str,
    trigger: &Trigger,
    keda: Option<&'static str>,
    out: &mut Collect,
) {
    let (scaler, connection, label) = match trigger {
        Trigger::StorageQueue { connection, .. } => (
            "azure-queue",
            connection.as_deref().unwrap_or(HOST_STORAGE),
            "queue trigger",
        ),
        Trigger::Blob { connection, .. } => (
            "azure-blob",
            connection.as_deref().unwrap_or(HOST_STORAGE),
            "blob trigger",
        ),
        Trigger::ServiceBusQueue { connection, .. }
        | Trigger::ServiceBusTopic { connection, .. } => (
            "azure-servicebus",
            connection.as_str(),
            "Service Bus trigger",
        ),
        Trigger::EventHubs { connection, .. } => {
            ("azure-eventhub", connection.as_str(), "Event Hubs trigger")
        }
        _ => return,
    };
    for need in roles::needs_of(scaler, Who::Trigger) {
        let (c, scope) = scopes.of_need(need, connection);
        out.add(c, scope, need.role, "app", format!("{label} {f}"));
    }
    if matches!(trigger, Trigger::Blob { .. }) {
        out.add(
            connection,
            scopes.storage_account(connection),
            roles::STORAGE_QUEUE_DATA_CONTRIBUTOR,
            "app",
            format!("blob trigger {f}: poison-blob queue"),
        );
        out.add(
            HOST_STORAGE,
            scopes.storage_account(HOST_STORAGE),
            roles::STORAGE_QUEUE_DATA_CONTRIBUTOR,
            "app",
            format!("blob trigger {f}: blob receipts and queues in host storage"),
        );
    }
    if let Some(principal) = keda {
        for need in roles::needs_of(scaler, Who::Keda) {
            let (c, scope) = scopes.of_need(need, connection);
            out.add(
                c,
                scope,
                need.role,
                principal,
                format!("KEDA {scaler} scaler of {f}{}", need.note),
            );
        }
    }
}

/// One assignment per principal, scope and role, and none a stronger role on the same scope
/// already grants; the reasons of what was merged are kept, joined.
fn merge(grants: Vec<Grant>) -> Vec<Grant> {
    let mut out: Vec<Grant> = Vec::new();
    for grant in grants {
        let role = |g: &Grant| Role {
            name: g.role,
            guid: g.guid,
        };
        if let Some(held) = out.iter_mut().find(|h| {
            h.principal == grant.principal
                && h.scope == grant.scope
                && (h.guid == grant.guid || roles::covers(role(h), role(&grant)))
        }) {
            if !held.reason.split("; ").any(|r| r == grant.reason) {
                held.reason = format!("{}; {}", held.reason, grant.reason);
            }
            continue;
        }
        // A stronger role replaces the weaker ones it covers.
        let mut reasons: Vec<String> = Vec::new();
        out.retain(|h| {
            let covered = h.principal == grant.principal
                && h.scope == grant.scope
                && roles::covers(role(&grant), role(h));
            if covered {
                reasons.push(h.reason.clone());
            }
            !covered
        });
        let mut grant = grant;
        for reason in reasons {
            grant.reason = format!("{reason}; {}", grant.reason);
        }
        out.push(grant);
    }
    out.sort_by(|a, b| {
        (a.principal, &a.connection, &a.scope, a.role).cmp(&(
            b.principal,
            &b.connection,
            &b.scope,
            b.role,
        ))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_support::AZURE_APP as SPEC;

    fn spec(text: &str) -> Spec {
        crate::test_support::from_yaml(text)
    }

    fn azure_only(spec: &Spec) -> String {
        let rendered = render("orders", "orders-prod", Mapping::new(), spec).expect("renders");
        let azure: Vec<Value> = rendered
            .objects
            .into_iter()
            .filter(|o| {
                o.get("apiVersion")
                    .and_then(Value::as_str)
                    .is_some_and(|a| a.contains(".azure.com/"))
            })
            .map(Value::Mapping)
            .collect();
        crate::yaml::to_kustomize_stream(&azure)
    }

    #[test]
    fn identity_credentials_and_least_privilege_roles() {
        insta::assert_snapshot!(azure_only(&spec(SPEC)));
    }

    #[test]
    fn roles_follow_the_triggers() {
        let grants = grants(&spec(SPEC), true);
        let table: Vec<(&str, &str, &str)> = grants
            .iter()
            .map(|g| {
                (
                    g.principal,
                    g.role,
                    g.scope.rsplit_once("/providers/").map_or("", |(_, p)| p),
                )
            })
            .collect();
        assert_eq!(
            table,
            [
                (
                    "app",
                    "Storage Blob Data Owner",
                    "Microsoft.Storage/storageAccounts/stordersprod"
                ),
                (
                    "app",
                    "Storage Queue Data Contributor",
                    "Microsoft.Storage/storageAccounts/stordersprod"
                ),
                (
                    "app",
                    "Key Vault Secrets User",
                    "Microsoft.KeyVault/vaults/kv-orders-prod"
                ),
                // KEDA uses the app's identity (design `app`): its Service Bus scaler reads
                // message counts, which takes Data Owner; that covers the trigger's Receiver.
                (
                    "app",
                    "Azure Service Bus Data Owner",
                    "Microsoft.ServiceBus/namespaces/sb-orders-prod"
                ),
                (
                    "app",
                    "Storage Blob Data Owner",
                    "Microsoft.Storage/storageAccounts/stuploadsprod"
                ),
                (
                    "app",
                    "Storage Queue Data Contributor",
                    "Microsoft.Storage/storageAccounts/stuploadsprod"
                ),
            ]
        );
        // Without KEDA authentication, the trigger's own role is enough.
        let without = grants_table(&spec(SPEC), false);
        assert!(
            without.contains(&("app", "Azure Service Bus Data Receiver")),
            "{without:?}"
        );
        assert!(
            !without.contains(&("app", "Azure Service Bus Data Owner")),
            "{without:?}"
        );
    }

    fn grants_table(spec: &Spec, keda: bool) -> Vec<(&'static str, &'static str)> {
        grants(spec, keda)
            .iter()
            .map(|g| (g.principal, g.role))
            .collect()
    }

    #[test]
    fn a_shared_keda_identity_gets_the_scaler_roles_and_no_credential() {
        let shared = SPEC.replace(
            "    create:\n      location: westeurope\n",
            "    principalId: 22222222-2222-2222-2222-222222222222\n    keda:\n      design: shared\n      namespace: kube-system\n      clientId: 33333333-3333-3333-3333-333333333333\n      principalId: 44444444-4444-4444-4444-444444444444\n",
        );
        let spec = spec(&shared);
        let table = grants_table(&spec, true);
        assert!(
            table.contains(&("app", "Azure Service Bus Data Receiver")),
            "{table:?}"
        );
        assert!(
            table.contains(&("keda", "Azure Service Bus Data Owner")),
            "{table:?}"
        );
        assert!(
            table.contains(&("keda", "Storage Blob Data Reader")),
            "{table:?}"
        );
        let yaml = azure_only(&spec);
        assert!(!yaml.contains("kind: UserAssignedIdentity"), "{yaml}");
        assert_eq!(
            yaml.matches("kind: FederatedIdentityCredential").count(),
            1,
            "{yaml}"
        );
        assert!(
            yaml.contains("principalId: 44444444-4444-4444-4444-444444444444"),
            "{yaml}"
        );
        let all = render("orders", "orders-prod", Mapping::new(), &spec).expect("renders");
        let auth = all
            .objects
            .iter()
            .find(|o| o.get("kind").and_then(Value::as_str) == Some("TriggerAuthentication"))
            .expect("a TriggerAuthentication");
        assert_eq!(
            auth["spec"]["podIdentity"]["identityId"],
            s("33333333-3333-3333-3333-333333333333")
        );
    }

    #[test]
    fn subjects_name_the_rendered_service_account_and_namespace() {
        let yaml = azure_only(&spec(SPEC));
        assert!(
            yaml.contains("subject: system:serviceaccount:orders-prod:orders\n"),
            "{yaml}"
        );
        assert!(
            yaml.contains("subject: system:serviceaccount:keda:keda-operator\n"),
            "{yaml}"
        );
        assert_eq!(
            subject("", "orders"),
            "system:serviceaccount:default:orders"
        );
    }

    #[test]
    fn invalid_azure_fields_are_problems_at_their_fields() {
        let bad = SPEC
            .replace("https://westeurope", "http://westeurope")
            .replace(
                "    create:\n      location: westeurope\n",
                "    scopes:\n      Nope: rg-only\n",
            );
        let problems = render("orders", "orders-prod", Mapping::new(), &spec(&bad)).unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            [
                "spec.identity.azure.issuer",
                "spec.identity.azure.principalId",
                "spec.identity.azure.scopes.Nope",
                "spec.identity.azure.scopes.Nope",
            ]
        );
    }
}
