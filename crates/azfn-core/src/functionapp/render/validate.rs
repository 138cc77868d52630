//! What a spec must satisfy before anything is rendered: pinned images, known connections,
//! triggers whose settings name what exists. Each problem names its field.
use super::*;

pub(super) fn validate(spec: &Spec) -> Vec<Problem> {
    let mut problems = Vec::new();
    let image = spec.image.as_str();
    let last = image.rsplit('/').next().unwrap_or(image);
    if !image.contains("@sha256:") && !last.contains(':') {
        problems.push((
            "spec.image".into(),
            format!("`{image}` has no tag or digest: pin an immutable tag or a digest"),
        ));
    } else if last.ends_with(":latest") {
        problems.push((
            "spec.image".into(),
            format!("`{image}` uses `latest`: pin an immutable tag or a digest"),
        ));
    }
    if let Some(id) = &spec.host_id {
        let valid = !id.is_empty()
            && id.len() <= HOST_ID_MAX
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !id.starts_with('-')
            && !id.ends_with('-');
        if !valid {
            problems.push(("spec.hostId".into(), format!("`{id}` is not a valid host ID: at most {HOST_ID_MAX} characters of a-z, 0-9 and `-`, not starting or ending with `-`")));
        }
    }
    for reserved in ["POD_NAMESPACE", "WEBSITE_INSTANCE_ID"] {
        if spec.settings.contains_key(reserved) {
            problems.push((format!("spec.settings.{reserved}"), format!("never set {reserved} in a Functions container: it switches the host into App Service or Arc hosting")));
        }
    }
    for key in spec.settings.keys() {
        if key == "FUNCTIONS_WORKER_RUNTIME"
            || key.starts_with("AzureFunctionsWebHost__")
            || key.starts_with("AzureFunctionsJobHost__functions__")
            || key.starts_with("AzureWebJobsStorage")
        {
            problems.push((
                format!("spec.settings.{key}"),
                "azfn sets this from the spec: use `runtime`, `hostId`, `functions` or `storage`"
                    .into(),
            ));
        }
    }
    let needs_storage = spec.functions.iter().any(|f| !f.trigger.is_http());
    if needs_storage && spec.storage.is_none() {
        problems.push((
            "spec.storage".into(),
            "non-HTTP triggers need the host storage account: set `storage.accountName`".into(),
        ));
    }
    validate_triggers(spec, &mut problems);
    validate_azure_identity(spec, &mut problems);
    if spec
        .secrets
        .as_ref()
        .is_some_and(|s| s.key_vault.tenant_id.is_none())
        && spec.identity.tenant_id.is_none()
    {
        problems.push(("spec.secrets.keyVault.tenantId".into(), "the Key Vault provider needs a tenant: set `secrets.keyVault.tenantId` or `identity.tenantId`".into()));
    }
    problems
}

pub(super) fn validate_triggers(spec: &Spec, problems: &mut Vec<Problem>) {
    let secret_envs: Vec<&str> = spec
        .secrets
        .iter()
        .flat_map(|s| s.items.iter().map(|i| i.env.as_str()))
        .collect();
    for (i, function) in spec.functions.iter().enumerate() {
        let at = format!("spec.functions[{i}].trigger");
        let need = |connection: &Option<String>, keys: &[&str], problems: &mut Vec<Problem>| {
            let Some(name) = connection
                .as_deref()
                .filter(|c| *c != "AzureWebJobsStorage")
            else {
                return;
            };
            check_connection(spec, name, keys, &at, problems);
        };
        match &function.trigger {
            Trigger::StorageQueue { connection, .. } => {
                need(connection, &["queueServiceUri"], problems);
            }
            Trigger::Blob {
                connection, path, ..
            } => {
                need(connection, &["blobServiceUri", "queueServiceUri"], problems);
                if path.split('/').next().is_none_or(str::is_empty) {
                    problems.push((format!("{at}.path"), "expected `container/…`".into()));
                }
            }
            Trigger::ServiceBusQueue { connection, .. }
            | Trigger::ServiceBusTopic { connection, .. }
            | Trigger::EventHubs { connection, .. } => {
                check_connection(
                    spec,
                    connection,
                    &["fullyQualifiedNamespace"],
                    &at,
                    problems,
                );
            }
            Trigger::CosmosDb { connection, .. } => {
                check_connection(spec, connection, &["accountEndpoint"], &at, problems);
            }
            Trigger::RabbitMq {
                connection_secret, ..
            } => {
                if !secret_envs.contains(&connection_secret.as_str()) {
                    problems.push((format!("{at}.connectionSecret"), format!("`{connection_secret}` is not the `env` of an entry in `spec.secrets.items`")));
                }
            }
            Trigger::Http {}
            | Trigger::EventGrid {}
            | Trigger::Timer { .. }
            | Trigger::Kafka { .. } => {}
        }
    }
}

pub(super) fn check_connection(
    spec: &Spec,
    name: &str,
    keys: &[&str],
    at: &str,
    problems: &mut Vec<Problem>,
) {
    let Some(connection) = spec.connections.get(name) else {
        let known: Vec<&str> = spec.connections.keys().map(String::as_str).collect();
        problems.push((
            format!("{at}.connection"),
            crate::text::unknown("connection", name, &known),
        ));
        return;
    };
    for key in keys {
        if connection_value(connection, key).is_none() {
            problems.push((
                format!("spec.connections.{name}.{key}"),
                format!("required by the trigger at {at}"),
            ));
        }
    }
}

pub(super) fn connection_value<'a>(connection: &'a Connection, key: &str) -> Option<&'a str> {
    match key {
        "queueServiceUri" => connection.queue_service_uri.as_deref(),
        "blobServiceUri" => connection.blob_service_uri.as_deref(),
        "tableServiceUri" => connection.table_service_uri.as_deref(),
        "fullyQualifiedNamespace" => connection.fully_qualified_namespace.as_deref(),
        "accountEndpoint" => connection.account_endpoint.as_deref(),
        _ => None,
    }
}

/// The Azure half of the identity: what Azure would refuse, and what role assignments need.
pub(super) fn validate_azure_identity(spec: &Spec, problems: &mut Vec<Problem>) {
    let Some(azure) = &spec.identity.azure else {
        return;
    };
    let at = "spec.identity.azure";
    // ASO's pattern for `issuer`; workload identity issuers are https URLs.
    if !azure.issuer.starts_with("https://") || azure.issuer.chars().any(char::is_whitespace) {
        problems.push((
            format!("{at}.issuer"),
            format!(
                "`{}` is not an OIDC issuer URL: expected `https://…` exactly as `az aks show --query oidcIssuerProfile.issuerUrl` prints it",
                azure.issuer
            ),
        ));
    }
    for (field, value) in [
        ("subscriptionId", &azure.subscription_id),
        ("resourceGroup", &azure.resource_group),
        ("name", &azure.name),
    ] {
        if value.is_empty() || value.contains('/') {
            problems.push((
                format!("{at}.{field}"),
                format!("`{value}` is not a valid {field}: a single ARM path segment"),
            ));
        }
    }
    let roles = azure.roles.unwrap_or(true);
    if roles && azure.create.is_none() && azure.principal_id.is_none() {
        problems.push((
            format!("{at}.principalId"),
            "role assignments need the existing identity's principal (object) ID: set `principalId`, set `create` so Azure Service Operator creates the identity, or set `roles: false`".into(),
        ));
    }
    for (connection, scope) in &azure.scopes {
        if connection != "AzureWebJobsStorage"
            && connection != "KeyVault"
            && !spec.connections.contains_key(connection)
        {
            let mut known: Vec<&str> = vec!["AzureWebJobsStorage", "KeyVault"];
            known.extend(spec.connections.keys().map(String::as_str));
            problems.push((
                format!("{at}.scopes.{connection}"),
                crate::text::unknown("connection", connection, &known),
            ));
        }
        if !scope.to_ascii_lowercase().starts_with("/subscriptions/") {
            problems.push((
                format!("{at}.scopes.{connection}"),
                format!("`{scope}` is not an ARM resource ID (`/subscriptions/…/providers/…`)"),
            ));
        }
    }
    let keda = &azure.keda;
    if keda.design == crate::functionapp::spec::KedaDesign::Shared {
        if keda.client_id.is_none() {
            problems.push((
                format!("{at}.keda.clientId"),
                "the `shared` design needs the KEDA reader identity's client ID".into(),
            ));
        }
        if roles && keda.principal_id.is_none() {
            problems.push((
                format!("{at}.keda.principalId"),
                "the `shared` design's role assignments need the KEDA reader identity's principal ID (or set `roles: false`)".into(),
            ));
        }
    } else if keda.client_id.is_some() || keda.principal_id.is_some() {
        problems.push((
            format!("{at}.keda"),
            "`clientId` and `principalId` belong to the `shared` design: with `app`, KEDA uses the app's identity".into(),
        ));
    }
}
