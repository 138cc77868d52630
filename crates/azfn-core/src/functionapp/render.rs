//! FunctionApp → ServiceAccount, Deployments, Service, autoscalers, KEDA objects and Key Vault
//! delivery: what an expert writes by hand (research: azure-functions-on-k8s.md §3–§5).
use serde_yaml::{Mapping, Value};
use sha2::{Digest, Sha256};

use super::spec::{Connection, Delivery, Spec, Trigger};

/// Label and annotation keys azfn sets.
pub const RENDERED_FROM: &str = "azfn.dev/rendered-from";
const SECRETS_DIGEST: &str = "azfn.dev/secret-versions";
const MANAGED_BY: &str = "app.kubernetes.io/managed-by";

/// A problem with a spec: the field path and what is wrong.
pub type Problem = (String, String);

/// What rendering produced.
#[derive(Debug, Default)]
pub struct Rendered {
    /// The objects, in a fixed order.
    pub objects: Vec<Mapping>,
    /// Facts the user should know (e.g. a trigger kind KEDA cannot scale), as info results.
    pub notes: Vec<(String, String)>,
}

/// Builds a mapping from pairs, skipping nulls.
fn map<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    let mut m = Mapping::new();
    for (k, v) in pairs {
        if !v.is_null() {
            m.insert(k.into(), v);
        }
    }
    Value::Mapping(m)
}

fn s(text: impl Into<String>) -> Value {
    Value::String(text.into())
}

fn n(number: u64) -> Value {
    Value::Number(number.into())
}

fn opt_s(text: Option<&str>) -> Value {
    text.map_or(Value::Null, s)
}

/// The identity of the app being rendered.
struct App<'a> {
    name: &'a str,
    namespace: &'a str,
    labels: Mapping,
    spec: &'a Spec,
    service_account: String,
    host_id: String,
}

impl App<'_> {
    fn metadata(&self, name: &str, component: Option<&str>) -> Value {
        let mut labels = self.labels.clone();
        labels.insert("app.kubernetes.io/name".into(), s(self.name));
        if let Some(component) = component {
            labels.insert("app.kubernetes.io/component".into(), s(component));
        }
        labels.insert(MANAGED_BY.into(), s("azfn"));
        map([
            ("name", s(name)),
            (
                "namespace",
                if self.namespace.is_empty() {
                    Value::Null
                } else {
                    s(self.namespace)
                },
            ),
            ("labels", Value::Mapping(labels)),
            (
                "annotations",
                map([(RENDERED_FROM, s(format!("FunctionApp/{}", self.name)))]),
            ),
        ])
    }

    fn selector(&self, component: &str) -> Value {
        map([
            ("app.kubernetes.io/name", s(self.name)),
            ("app.kubernetes.io/component", s(component)),
        ])
    }
}

fn object(api_version: &str, kind: &str, metadata: Value, rest: Vec<(&str, Value)>) -> Mapping {
    let mut m = Mapping::new();
    m.insert("apiVersion".into(), s(api_version));
    m.insert("kind".into(), s(kind));
    m.insert("metadata".into(), metadata);
    for (k, v) in rest {
        if !v.is_null() {
            m.insert(k.into(), v);
        }
    }
    m
}

/// Host IDs: at most 32 characters of `[a-z0-9-]`; the HTTP host adds `-http`.
pub const HOST_ID_MAX: usize = 27;

/// A valid host ID from free text: lowercase, `[a-z0-9-]`, no leading or trailing dash, short
/// enough, and made unique with a digest when it had to be cut.
pub fn derive_host_id(name: &str, namespace: &str) -> String {
    let full = if namespace.is_empty() || name.contains(namespace) {
        name.to_owned()
    } else {
        format!("{name}-{namespace}")
    };
    let clean: String = full
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let clean = clean.trim_matches('-').to_owned();
    if clean.len() <= HOST_ID_MAX {
        return clean;
    }
    let digest = hex(&Sha256::digest(full.as_bytes()))[..6].to_owned();
    format!(
        "{}-{digest}",
        clean[..HOST_ID_MAX - 7].trim_end_matches('-')
    )
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut out, b| {
        use std::fmt::Write as _;
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// The account name in `https://<account>.<service>.core.windows.net`.
fn account_of(uri: &str) -> Option<&str> {
    let host = uri.strip_prefix("https://")?.split('/').next()?;
    let (account, rest) = host.split_once('.')?;
    rest.contains(".core.").then_some(account)
}

/// `sb-orders` from `sb-orders.servicebus.windows.net` (KEDA wants the short name).
fn short_namespace(fqdn: &str) -> &str {
    fqdn.split('.').next().unwrap_or(fqdn)
}

const WORKLOAD_IDENTITY: &str = "workloadidentity";

/// Renders one FunctionApp. `labels` are the FunctionApp's own labels (commonLabels reach the
/// rendered objects through them).
pub fn render(
    name: &str,
    namespace: &str,
    labels: Mapping,
    spec: &Spec,
) -> Result<Rendered, Vec<Problem>> {
    let problems = validate(spec);
    if !problems.is_empty() {
        return Err(problems);
    }
    let host_id = spec
        .host_id
        .clone()
        .unwrap_or_else(|| derive_host_id(name, namespace));
    let app = App {
        name,
        namespace,
        labels,
        spec,
        service_account: spec
            .identity
            .service_account
            .clone()
            .unwrap_or_else(|| name.to_owned()),
        host_id,
    };
    let mut out = Rendered::default();
    out.objects.push(service_account(&app));

    let http: Vec<&str> = spec
        .functions
        .iter()
        .filter(|f| f.trigger.is_http())
        .map(|f| f.name.as_str())
        .collect();
    let workers: Vec<&super::spec::Function> = spec
        .functions
        .iter()
        .filter(|f| !f.trigger.is_http())
        .collect();
    let worker_min = worker_min_replicas(spec, &mut out.notes);
    let delivery = secret_delivery(spec, worker_min, !workers.is_empty());
    if let Some(secrets) = &spec.secrets {
        match delivery {
            Delivery::ExternalSecrets => {
                out.objects.push(secret_store(&app, secrets));
                out.objects.push(external_secret(&app, secrets));
            }
            Delivery::Csi | Delivery::Auto => {
                out.objects.push(secret_provider_class(&app, secrets));
            }
        }
    }
    if !http.is_empty() {
        let http_name = format!("{name}-http");
        let host_id = format!("{}-http", app.host_id);
        let min = spec.scale.http.min_replicas.unwrap_or(2).max(1);
        out.objects.push(deployment(
            &app, &http_name, "http", &host_id, &http, min, delivery,
        ));
        out.objects.push(service(&app, &http_name));
        out.objects.push(http_autoscaler(&app, &http_name, min));
    }
    if !workers.is_empty() {
        let names: Vec<&str> = workers.iter().map(|f| f.name.as_str()).collect();
        let triggers = scaler_triggers(&app, &workers, &mut out.notes);
        // The first rollout starts one pod: a Deployment created at zero never gets a CSI-synced
        // Secret (research §5.3), and KEDA takes over the replica count afterwards.
        let replicas = if triggers.is_empty() {
            worker_min.max(1)
        } else {
            1
        };
        out.objects.push(deployment(
            &app,
            name,
            "worker",
            &app.host_id,
            &names,
            replicas,
            delivery,
        ));
        if !triggers.is_empty() {
            if triggers
                .iter()
                .any(|t| t.get("authenticationRef").is_some())
            {
                out.objects.push(trigger_authentication(&app));
            }
            out.objects.push(scaled_object(&app, worker_min, triggers));
        }
    }
    Ok(out)
}

fn validate(spec: &Spec) -> Vec<Problem> {
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

fn validate_triggers(spec: &Spec, problems: &mut Vec<Problem>) {
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

fn check_connection(spec: &Spec, name: &str, keys: &[&str], at: &str, problems: &mut Vec<Problem>) {
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

fn connection_value<'a>(connection: &'a Connection, key: &str) -> Option<&'a str> {
    match key {
        "queueServiceUri" => connection.queue_service_uri.as_deref(),
        "blobServiceUri" => connection.blob_service_uri.as_deref(),
        "tableServiceUri" => connection.table_service_uri.as_deref(),
        "fullyQualifiedNamespace" => connection.fully_qualified_namespace.as_deref(),
        "accountEndpoint" => connection.account_endpoint.as_deref(),
        _ => None,
    }
}

fn worker_min_replicas(spec: &Spec, notes: &mut Vec<(String, String)>) -> u64 {
    let mut min = spec.scale.min_replicas.unwrap_or(0);
    for (i, function) in spec.functions.iter().enumerate() {
        match &function.trigger {
            Trigger::Timer { .. } if spec.scale.timer_window.is_none() && min == 0 => {
                min = 1;
                notes.push((format!("spec.functions[{i}].trigger"), format!("timer function {} keeps the worker at one replica at least: no scaler fires on a schedule (set scale.timerWindow for a cron window instead)", function.name)));
            }
            Trigger::CosmosDb { .. } if min == 0 => {
                min = 1;
                notes.push((format!("spec.functions[{i}].trigger"), format!("Cosmos DB function {} keeps the worker at one replica at least: KEDA 2.x has no Cosmos DB scaler", function.name)));
            }
            _ => {}
        }
    }
    min
}

fn secret_delivery(spec: &Spec, worker_min: u64, has_workers: bool) -> Delivery {
    let Some(secrets) = &spec.secrets else {
        return Delivery::Csi;
    };
    match secrets.delivery {
        Delivery::Auto => {
            let scaler_needs_secret = spec
                .functions
                .iter()
                .any(|f| matches!(f.trigger, Trigger::RabbitMq { .. }));
            if has_workers && worker_min == 0 && scaler_needs_secret {
                Delivery::ExternalSecrets
            } else {
                Delivery::Csi
            }
        }
        chosen => chosen,
    }
}

fn service_account(app: &App) -> Mapping {
    let mut metadata = app.metadata(&app.service_account, None);
    let annotations = metadata["annotations"]
        .as_mapping_mut()
        .expect("metadata has annotations");
    annotations.insert(
        "azure.workload.identity/client-id".into(),
        s(&app.spec.identity.client_id),
    );
    if let Some(tenant) = &app.spec.identity.tenant_id {
        annotations.insert("azure.workload.identity/tenant-id".into(), s(tenant));
    }
    object("v1", "ServiceAccount", metadata, vec![])
}

fn secret_name(app: &App) -> String {
    format!("{}-kv", app.name)
}

fn tenant(app: &App, secrets: &super::spec::Secrets) -> String {
    secrets
        .key_vault
        .tenant_id
        .clone()
        .or_else(|| app.spec.identity.tenant_id.clone())
        .unwrap_or_default()
}

fn secret_provider_class(app: &App, secrets: &super::spec::Secrets) -> Mapping {
    use std::fmt::Write as _;
    let mut objects = String::from("array:\n");
    for item in &secrets.items {
        let _ = write!(
            objects,
            "  - |\n    objectName: {}\n    objectType: secret\n    objectAlias: {}\n    objectVersion: \"{}\"\n",
            item.secret,
            item.env,
            item.version.as_deref().unwrap_or_default()
        );
    }
    let parameters = map([
        ("usePodIdentity", s("false")),
        ("clientID", s(&app.spec.identity.client_id)),
        ("keyvaultName", s(&secrets.key_vault.name)),
        ("tenantID", s(tenant(app, secrets))),
        ("objects", s(objects)),
    ]);
    let data: Vec<Value> = secrets
        .items
        .iter()
        .map(|i| map([("objectName", s(&i.env)), ("key", s(&i.env))]))
        .collect();
    let spec = map([
        ("provider", s("azure")),
        ("parameters", parameters),
        (
            "secretObjects",
            Value::Sequence(vec![map([
                ("secretName", s(secret_name(app))),
                ("type", s("Opaque")),
                ("data", Value::Sequence(data)),
            ])]),
        ),
    ]);
    object(
        "secrets-store.csi.x-k8s.io/v1",
        "SecretProviderClass",
        app.metadata(&secret_name(app), None),
        vec![("spec", spec)],
    )
}

fn secret_store(app: &App, secrets: &super::spec::Secrets) -> Mapping {
    let spec = map([(
        "provider",
        map([(
            "azurekv",
            map([
                ("authType", s("WorkloadIdentity")),
                (
                    "vaultUrl",
                    s(format!(
                        "https://{}.vault.azure.net",
                        secrets.key_vault.name
                    )),
                ),
                (
                    "tenantId",
                    opt_s(Some(tenant(app, secrets).as_str()).filter(|t| !t.is_empty())),
                ),
                (
                    "serviceAccountRef",
                    map([("name", s(&app.service_account))]),
                ),
            ]),
        )]),
    )]);
    object(
        "external-secrets.io/v1",
        "SecretStore",
        app.metadata(&secret_name(app), None),
        vec![("spec", spec)],
    )
}

fn external_secret(app: &App, secrets: &super::spec::Secrets) -> Mapping {
    let data: Vec<Value> = secrets
        .items
        .iter()
        .map(|i| {
            map([
                ("secretKey", s(&i.env)),
                (
                    "remoteRef",
                    map([
                        ("key", s(&i.secret)),
                        (
                            "version",
                            opt_s(i.version.as_deref().filter(|v| !v.is_empty())),
                        ),
                    ]),
                ),
            ])
        })
        .collect();
    let spec = map([
        ("refreshInterval", s("1h")),
        (
            "secretStoreRef",
            map([("kind", s("SecretStore")), ("name", s(secret_name(app)))]),
        ),
        (
            "target",
            map([
                ("name", s(secret_name(app))),
                ("creationPolicy", s("Owner")),
            ]),
        ),
        ("data", Value::Sequence(data)),
    ]);
    object(
        "external-secrets.io/v1",
        "ExternalSecret",
        app.metadata(&secret_name(app), None),
        vec![("spec", spec)],
    )
}

fn env(name: &str, value: impl Into<String>) -> Value {
    map([("name", s(name)), ("value", s(value))])
}

fn identity_env(out: &mut Vec<Value>, prefix: &str, client_id: &str) {
    out.push(env(&format!("{prefix}__credential"), WORKLOAD_IDENTITY));
    out.push(env(&format!("{prefix}__clientId"), client_id));
}

fn container_env(app: &App, host_id: &str, functions: &[&str], delivery: Delivery) -> Vec<Value> {
    let spec = app.spec;
    let mut out = vec![
        env("FUNCTIONS_WORKER_RUNTIME", &spec.runtime),
        env("AzureFunctionsWebHost__hostid", host_id),
    ];
    for (i, function) in functions.iter().enumerate() {
        out.push(env(
            &format!("AzureFunctionsJobHost__functions__{i}"),
            *function,
        ));
    }
    if let Some(port) = spec.port.filter(|p| *p != 80) {
        out.push(env("ASPNETCORE_URLS", format!("http://+:{port}")));
    }
    if let Some(storage) = &spec.storage {
        out.push(env(
            "AzureWebJobsStorage__accountName",
            &storage.account_name,
        ));
        identity_env(&mut out, "AzureWebJobsStorage", &spec.identity.client_id);
    }
    for (name, connection) in &spec.connections {
        for key in [
            "queueServiceUri",
            "blobServiceUri",
            "tableServiceUri",
            "fullyQualifiedNamespace",
            "accountEndpoint",
        ] {
            if let Some(value) = connection_value(connection, key) {
                out.push(env(&format!("{name}__{key}"), value));
            }
        }
        identity_env(&mut out, name, &spec.identity.client_id);
    }
    for (key, value) in &spec.settings {
        out.push(env(key, value));
    }
    if let Some(secrets) = &spec.secrets {
        let _ = delivery;
        for item in &secrets.items {
            out.push(map([
                ("name", s(&item.env)),
                (
                    "valueFrom",
                    map([(
                        "secretKeyRef",
                        map([("name", s(secret_name(app))), ("key", s(&item.env))]),
                    )]),
                ),
            ]));
        }
    }
    out
}

fn probe(path: &str, period: u64, failure_threshold: u64) -> Value {
    map([
        ("httpGet", map([("path", s(path)), ("port", s("http"))])),
        ("periodSeconds", n(period)),
        ("timeoutSeconds", n(5)),
        ("failureThreshold", n(failure_threshold)),
    ])
}

fn default_resources() -> Value {
    map([
        (
            "requests",
            map([("cpu", s("250m")), ("memory", s("256Mi"))]),
        ),
        ("limits", map([("memory", s("512Mi"))])),
    ])
}

fn secrets_digest(app: &App) -> Option<String> {
    let secrets = app.spec.secrets.as_ref()?;
    let mut lines: Vec<String> = secrets
        .items
        .iter()
        .map(|i| {
            format!(
                "{}={}@{}",
                i.env,
                i.secret,
                i.version.as_deref().unwrap_or("latest")
            )
        })
        .collect();
    lines.sort();
    Some(hex(&Sha256::digest(lines.join("\n").as_bytes()))[..16].to_owned())
}

fn deployment(
    app: &App,
    name: &str,
    component: &str,
    host_id: &str,
    functions: &[&str],
    replicas: u64,
    delivery: Delivery,
) -> Mapping {
    let spec = app.spec;
    let port = spec.port.unwrap_or(80);
    let mut container = Mapping::new();
    container.insert("name".into(), s("func"));
    container.insert("image".into(), s(&spec.image));
    container.insert(
        "ports".into(),
        Value::Sequence(vec![map([
            ("name", s("http")),
            ("containerPort", n(port.into())),
        ])]),
    );
    container.insert(
        "env".into(),
        Value::Sequence(container_env(app, host_id, functions, delivery)),
    );
    container.insert(
        "resources".into(),
        spec.resources.clone().unwrap_or_else(default_resources),
    );
    if spec.probes.enabled.unwrap_or(true) {
        let path = spec.probes.path.as_deref().unwrap_or("/admin/host/ping");
        container.insert("startupProbe".into(), probe(path, 5, 60));
        container.insert("readinessProbe".into(), probe(path, 10, 3));
        container.insert("livenessProbe".into(), probe(path, 30, 5));
    }
    container.insert(
        "securityContext".into(),
        map([("allowPrivilegeEscalation", Value::Bool(false))]),
    );
    let csi = spec.secrets.is_some() && delivery != Delivery::ExternalSecrets;
    if csi {
        container.insert(
            "volumeMounts".into(),
            Value::Sequence(vec![map([
                ("name", s("keyvault")),
                ("mountPath", s("/mnt/secrets-store")),
                ("readOnly", Value::Bool(true)),
            ])]),
        );
    }
    let mut template_labels = app.labels.clone();
    template_labels.insert("app.kubernetes.io/name".into(), s(app.name));
    template_labels.insert("app.kubernetes.io/component".into(), s(component));
    template_labels.insert("azure.workload.identity/use".into(), s("true"));
    let template_annotations =
        secrets_digest(app).map_or(Value::Null, |d| map([(SECRETS_DIGEST, s(d))]));
    let pod = map([
        ("serviceAccountName", s(&app.service_account)),
        ("automountServiceAccountToken", Value::Bool(false)),
        ("terminationGracePeriodSeconds", n(60)),
        (
            "containers",
            Value::Sequence(vec![Value::Mapping(container)]),
        ),
        (
            "volumes",
            if csi {
                Value::Sequence(vec![map([
                    ("name", s("keyvault")),
                    (
                        "csi",
                        map([
                            ("driver", s("secrets-store.csi.k8s.io")),
                            ("readOnly", Value::Bool(true)),
                            (
                                "volumeAttributes",
                                map([("secretProviderClass", s(secret_name(app)))]),
                            ),
                        ]),
                    ),
                ])])
            } else {
                Value::Null
            },
        ),
    ]);
    let spec = map([
        ("replicas", n(replicas)),
        ("selector", map([("matchLabels", app.selector(component))])),
        (
            "template",
            map([
                (
                    "metadata",
                    map([
                        ("labels", Value::Mapping(template_labels)),
                        ("annotations", template_annotations),
                    ]),
                ),
                ("spec", pod),
            ]),
        ),
    ]);
    object(
        "apps/v1",
        "Deployment",
        app.metadata(name, Some(component)),
        vec![("spec", spec)],
    )
}

fn service(app: &App, name: &str) -> Mapping {
    let spec = map([
        (
            "type",
            s(app.spec.http.service_type.as_deref().unwrap_or("ClusterIP")),
        ),
        ("selector", app.selector("http")),
        (
            "ports",
            Value::Sequence(vec![map([
                ("name", s("http")),
                ("port", n(app.spec.http.port.unwrap_or(80).into())),
                ("targetPort", s("http")),
            ])]),
        ),
    ]);
    object(
        "v1",
        "Service",
        app.metadata(name, Some("http")),
        vec![("spec", spec)],
    )
}

fn http_autoscaler(app: &App, name: &str, min: u64) -> Mapping {
    let scale = &app.spec.scale.http;
    let max = scale.max_replicas.unwrap_or(10).max(min);
    if scale.mode.as_deref() == Some("kedaHttpAddOn") {
        let spec = map([
            (
                "hosts",
                Value::Sequence(scale.hosts.iter().map(s).collect()),
            ),
            (
                "scaleTargetRef",
                map([
                    ("name", s(name)),
                    ("kind", s("Deployment")),
                    ("apiVersion", s("apps/v1")),
                    ("service", s(name)),
                    ("port", n(app.spec.http.port.unwrap_or(80).into())),
                ]),
            ),
            ("replicas", map([("min", n(min)), ("max", n(max))])),
        ]);
        return object(
            "http.keda.sh/v1alpha1",
            "HTTPScaledObject",
            app.metadata(name, Some("http")),
            vec![("spec", spec)],
        );
    }
    let spec = map([
        (
            "scaleTargetRef",
            map([
                ("apiVersion", s("apps/v1")),
                ("kind", s("Deployment")),
                ("name", s(name)),
            ]),
        ),
        ("minReplicas", n(min)),
        ("maxReplicas", n(max)),
        (
            "metrics",
            Value::Sequence(vec![map([
                ("type", s("Resource")),
                (
                    "resource",
                    map([
                        ("name", s("cpu")),
                        (
                            "target",
                            map([
                                ("type", s("Utilization")),
                                ("averageUtilization", n(scale.cpu_utilization.unwrap_or(70))),
                            ]),
                        ),
                    ]),
                ),
            ])]),
        ),
    ]);
    object(
        "autoscaling/v2",
        "HorizontalPodAutoscaler",
        app.metadata(name, Some("http")),
        vec![("spec", spec)],
    )
}

fn trigger_authentication(app: &App) -> Mapping {
    let spec = map([(
        "podIdentity",
        map([
            ("provider", s("azure-workload")),
            ("identityId", s(&app.spec.identity.client_id)),
            (
                "identityTenantId",
                opt_s(app.spec.identity.tenant_id.as_deref()),
            ),
        ]),
    )]);
    object(
        "keda.sh/v1alpha1",
        "TriggerAuthentication",
        app.metadata(&format!("{}-keda", app.name), Some("worker")),
        vec![("spec", spec)],
    )
}

fn scaled_object(app: &App, min: u64, triggers: Vec<Value>) -> Mapping {
    let scale = &app.spec.scale;
    let spec = map([
        (
            "scaleTargetRef",
            map([("name", s(app.name)), ("envSourceContainerName", s("func"))]),
        ),
        ("pollingInterval", n(scale.polling_interval.unwrap_or(30))),
        ("cooldownPeriod", n(scale.cooldown_period.unwrap_or(300))),
        ("minReplicaCount", n(min)),
        (
            "maxReplicaCount",
            n(scale.max_replicas.unwrap_or(10).max(min.max(1))),
        ),
        ("triggers", Value::Sequence(triggers)),
    ]);
    object(
        "keda.sh/v1alpha1",
        "ScaledObject",
        app.metadata(app.name, Some("worker")),
        vec![("spec", spec)],
    )
}

/// What building one KEDA trigger needs to know about the app.
struct Scalers<'a> {
    app: &'a App<'a>,
    storage_account: &'a str,
    auth: Value,
}

impl Scalers<'_> {
    /// The storage account behind a connection's endpoint, else the host storage account.
    fn account(&self, connection: Option<&str>, key: &str) -> String {
        connection
            .filter(|c| *c != "AzureWebJobsStorage")
            .and_then(|c| self.app.spec.connections.get(c))
            .and_then(|c| connection_value(c, key))
            .and_then(account_of)
            .unwrap_or(self.storage_account)
            .to_owned()
    }

    /// The short Service Bus / Event Hubs namespace of a connection.
    fn namespace(&self, connection: &str) -> String {
        self.app
            .spec
            .connections
            .get(connection)
            .and_then(|c| c.fully_qualified_namespace.as_deref())
            .map(short_namespace)
            .unwrap_or_default()
            .to_owned()
    }

    fn trigger(&self, kind: &str, function: &str, metadata: Value, identity: bool) -> Value {
        map([
            ("type", s(kind)),
            ("name", s(function.to_ascii_lowercase())),
            ("metadata", metadata),
            (
                "authenticationRef",
                if identity {
                    self.auth.clone()
                } else {
                    Value::Null
                },
            ),
        ])
    }

    /// The trigger for one function, or `None` when no KEDA scaler exists for its kind.
    #[expect(
        clippy::too_many_lines,
        reason = "one arm per trigger kind, each a table of KEDA metadata"
    )]
    fn scaler(&self, function: &super::spec::Function) -> Option<Value> {
        let name = function.name.as_str();
        let count = |n: &Option<u64>, default: u64| s(n.unwrap_or(default).to_string());
        Some(match &function.trigger {
            Trigger::StorageQueue {
                connection,
                queue_name,
                batch_size,
            } => {
                let metadata = map([
                    ("queueName", s(queue_name)),
                    (
                        "accountName",
                        s(self.account(connection.as_deref(), "queueServiceUri")),
                    ),
                    ("queueLength", count(batch_size, 16)),
                ]);
                self.trigger("azure-queue", name, metadata, true)
            }
            Trigger::Blob {
                connection,
                path,
                blob_count,
            } => {
                let (container, rest) = path.split_once('/').unwrap_or((path, ""));
                let prefix = rest.split('{').next().unwrap_or_default();
                let metadata = map([
                    ("blobContainerName", s(container)),
                    (
                        "blobPrefix",
                        if prefix.is_empty() {
                            Value::Null
                        } else {
                            s(prefix)
                        },
                    ),
                    (
                        "accountName",
                        s(self.account(connection.as_deref(), "blobServiceUri")),
                    ),
                    ("blobCount", count(blob_count, 5)),
                ]);
                self.trigger("azure-blob", name, metadata, true)
            }
            Trigger::ServiceBusQueue {
                connection,
                queue_name,
                max_concurrent_calls,
            } => {
                let metadata = map([
                    ("queueName", s(queue_name)),
                    ("namespace", s(self.namespace(connection))),
                    ("messageCount", count(max_concurrent_calls, 16)),
                ]);
                self.trigger("azure-servicebus", name, metadata, true)
            }
            Trigger::ServiceBusTopic {
                connection,
                topic_name,
                subscription_name,
                max_concurrent_calls,
            } => {
                let metadata = map([
                    ("topicName", s(topic_name)),
                    ("subscriptionName", s(subscription_name)),
                    ("namespace", s(self.namespace(connection))),
                    ("messageCount", count(max_concurrent_calls, 16)),
                ]);
                self.trigger("azure-servicebus", name, metadata, true)
            }
            Trigger::EventHubs {
                connection,
                event_hub_name,
                consumer_group,
                unprocessed_event_threshold,
            } => {
                let metadata = map([
                    ("eventHubNamespace", s(self.namespace(connection))),
                    ("eventHubName", s(event_hub_name)),
                    (
                        "consumerGroup",
                        s(consumer_group.as_deref().unwrap_or("$Default")),
                    ),
                    ("storageAccountName", s(self.storage_account)),
                    ("checkpointStrategy", s("azureFunction")),
                    (
                        "unprocessedEventThreshold",
                        count(unprocessed_event_threshold, 64),
                    ),
                ]);
                self.trigger("azure-eventhub", name, metadata, true)
            }
            Trigger::Kafka {
                broker_list,
                topic,
                consumer_group,
                lag_threshold,
            } => {
                let metadata = map([
                    ("bootstrapServers", s(broker_list)),
                    ("consumerGroup", s(consumer_group)),
                    ("topic", s(topic)),
                    ("lagThreshold", count(lag_threshold, 10)),
                ]);
                self.trigger("kafka", name, metadata, false)
            }
            Trigger::RabbitMq {
                queue_name,
                connection_secret,
                queue_length,
            } => {
                let metadata = map([
                    ("queueName", s(queue_name)),
                    ("mode", s("QueueLength")),
                    ("value", count(queue_length, 20)),
                    ("hostFromEnv", s(connection_secret)),
                ]);
                self.trigger("rabbitmq", name, metadata, false)
            }
            Trigger::Timer { .. }
            | Trigger::CosmosDb { .. }
            | Trigger::Http {}
            | Trigger::EventGrid {} => return None,
        })
    }
}

/// KEDA triggers for the worker's functions; metadata values are strings, as the CRD types them.
fn scaler_triggers(
    app: &App,
    workers: &[&super::spec::Function],
    notes: &mut Vec<(String, String)>,
) -> Vec<Value> {
    let scalers = Scalers {
        app,
        storage_account: app
            .spec
            .storage
            .as_ref()
            .map_or("", |st| st.account_name.as_str()),
        auth: map([("name", s(format!("{}-keda", app.name)))]),
    };
    let mut triggers: Vec<Value> = workers.iter().filter_map(|f| scalers.scaler(f)).collect();
    let has_timer = workers
        .iter()
        .any(|f| matches!(f.trigger, Trigger::Timer { .. }));
    if let (true, Some(window)) = (has_timer, &app.spec.scale.timer_window) {
        triggers.push(map([
            ("type", s("cron")),
            ("name", s("timer-window")),
            (
                "metadata",
                map([
                    ("timezone", s(&window.timezone)),
                    ("start", s(&window.start)),
                    ("end", s(&window.end)),
                    ("desiredReplicas", s("1")),
                ]),
            ),
        ]));
        notes.push((
            "spec.scale.timerWindow".into(),
            "timer functions run only while the cron window keeps a replica".into(),
        ));
    }
    triggers
}
