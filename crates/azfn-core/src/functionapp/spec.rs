//! The `FunctionApp` kind (`azfn.dev/v1alpha1`): its schema and its typed form.
use std::collections::BTreeMap;

use serde::Deserialize;
use serde_yaml::Value;

use crate::schema::{Field, Shape, Variant, opt, req};

/// Worker runtimes (`FUNCTIONS_WORKER_RUNTIME`).
pub const RUNTIMES: &[&str] = &[
    "dotnet-isolated",
    "dotnet",
    "node",
    "python",
    "java",
    "powershell",
    "custom",
];

const CONNECTION: &[Field] = &[
    opt(
        "queueServiceUri",
        Shape::Str,
        "Storage queue endpoint, `https://<account>.queue.core.windows.net` (queue triggers; blob triggers need it too).",
    ),
    opt(
        "blobServiceUri",
        Shape::Str,
        "Storage blob endpoint, `https://<account>.blob.core.windows.net` (blob triggers).",
    ),
    opt(
        "tableServiceUri",
        Shape::Str,
        "Storage table endpoint, `https://<account>.table.core.windows.net`.",
    ),
    opt(
        "fullyQualifiedNamespace",
        Shape::Str,
        "Service Bus or Event Hubs namespace, `<name>.servicebus.windows.net`.",
    ),
    opt(
        "accountEndpoint",
        Shape::Str,
        "Cosmos DB endpoint, `https://<account>.documents.azure.com:443/`.",
    ),
];

const SECRET_ITEM: &[Field] = &[
    req(
        "env",
        Shape::Str,
        "The environment variable the function reads.",
    ),
    req("secret", Shape::Str, "The Key Vault secret name."),
    opt(
        "version",
        Shape::Str,
        "A pinned Key Vault secret version; empty or absent means the latest.",
    ),
];

const TRIGGERS: &[Variant] = &[
    Variant {
        tag: "http",
        doc: "HTTP trigger: served by the `<name>-http` Deployment behind a Service, never scaled to zero.",
        fields: &[],
    },
    Variant {
        tag: "storageQueue",
        doc: "Storage queue trigger: KEDA `azure-queue`.",
        fields: &[
            opt(
                "connection",
                Shape::Str,
                "Connection name; absent means `AzureWebJobsStorage` (`spec.storage`).",
            ),
            req("queueName", Shape::Str, "The queue."),
            opt(
                "batchSize",
                Shape::Int,
                "host.json `extensions.queues.batchSize` (default 16): the scaler's `queueLength`.",
            ),
        ],
    },
    Variant {
        tag: "blob",
        doc: "Blob trigger: KEDA `azure-blob`; the function must remove processed blobs, since KEDA counts existing ones.",
        fields: &[
            opt(
                "connection",
                Shape::Str,
                "Connection name; absent means `AzureWebJobsStorage`.",
            ),
            req(
                "path",
                Shape::Str,
                "The blob path, `container/prefix{name}`: the container and prefix come from it.",
            ),
            opt("blobCount", Shape::Int, "Blobs per replica (default 5)."),
        ],
    },
    Variant {
        tag: "serviceBusQueue",
        doc: "Service Bus queue trigger: KEDA `azure-servicebus`.",
        fields: &[
            req(
                "connection",
                Shape::Str,
                "Connection name (`spec.connections.<name>.fullyQualifiedNamespace`).",
            ),
            req("queueName", Shape::Str, "The queue."),
            opt(
                "maxConcurrentCalls",
                Shape::Int,
                "host.json `extensions.serviceBus.maxConcurrentCalls` (default 16): the scaler's `messageCount`.",
            ),
        ],
    },
    Variant {
        tag: "serviceBusTopic",
        doc: "Service Bus topic subscription trigger: KEDA `azure-servicebus`.",
        fields: &[
            req("connection", Shape::Str, "Connection name."),
            req("topicName", Shape::Str, "The topic."),
            req("subscriptionName", Shape::Str, "The subscription."),
            opt(
                "maxConcurrentCalls",
                Shape::Int,
                "The scaler's `messageCount` (default 16).",
            ),
        ],
    },
    Variant {
        tag: "eventHubs",
        doc: "Event Hubs trigger: KEDA `azure-eventhub` reading the Functions checkpoints in the host storage account.",
        fields: &[
            req("connection", Shape::Str, "Connection name."),
            req("eventHubName", Shape::Str, "The event hub."),
            opt(
                "consumerGroup",
                Shape::Str,
                "Consumer group (default `$Default`).",
            ),
            opt(
                "unprocessedEventThreshold",
                Shape::Int,
                "Events per replica (default 64).",
            ),
        ],
    },
    Variant {
        tag: "timer",
        doc: "Timer trigger: no scaler fires on a schedule, so the worker keeps at least one replica, or `scale.timerWindow` keeps one in a cron window.",
        fields: &[req(
            "schedule",
            Shape::Str,
            "The NCRONTAB schedule (six fields).",
        )],
    },
    Variant {
        tag: "kafka",
        doc: "Kafka trigger: KEDA `kafka`.",
        fields: &[
            req("brokerList", Shape::Str, "Bootstrap servers."),
            req("topic", Shape::Str, "The topic."),
            req("consumerGroup", Shape::Str, "The consumer group."),
            opt("lagThreshold", Shape::Int, "Lag per replica (default 10)."),
        ],
    },
    Variant {
        tag: "rabbitMQ",
        doc: "RabbitMQ trigger: KEDA `rabbitmq`; the connection URI comes from a Key Vault secret item.",
        fields: &[
            req("queueName", Shape::Str, "The queue."),
            req(
                "connectionSecret",
                Shape::Str,
                "The `env` of the `spec.secrets.items` entry holding the AMQP URI.",
            ),
            opt(
                "queueLength",
                Shape::Int,
                "Messages per replica (default 20).",
            ),
        ],
    },
    Variant {
        tag: "cosmosDB",
        doc: "Cosmos DB trigger: KEDA 2.x has no Cosmos DB scaler, so the worker never scales to zero and keeps `scale.minReplicas` (at least 1).",
        fields: &[
            req(
                "connection",
                Shape::Str,
                "Connection name (`accountEndpoint`).",
            ),
            req("databaseName", Shape::Str, "The database."),
            req("containerName", Shape::Str, "The monitored container."),
        ],
    },
    Variant {
        tag: "eventGrid",
        doc: "Event Grid trigger: Event Grid pushes to an HTTP webhook, so the function runs in the HTTP Deployment.",
        fields: &[],
    },
];

const FUNCTION: &[Field] = &[
    req(
        "name",
        Shape::Str,
        "The function's name, as the host knows it.",
    ),
    req("trigger", Shape::Tagged(TRIGGERS), "What starts it."),
];

const TIMER_WINDOW: &[Field] = &[
    req(
        "timezone",
        Shape::Str,
        "IANA time zone, e.g. `Europe/Amsterdam`.",
    ),
    req(
        "start",
        Shape::Str,
        "Five-field cron expression when the window opens.",
    ),
    req(
        "end",
        Shape::Str,
        "Five-field cron expression when the window closes.",
    ),
];

const HTTP_SCALE: &[Field] = &[
    opt(
        "minReplicas",
        Shape::Int,
        "At least 1 (default 2): HTTP is never scaled to zero.",
    ),
    opt("maxReplicas", Shape::Int, "Default 10."),
    opt(
        "cpuUtilization",
        Shape::Int,
        "HPA target CPU utilization in percent (default 70).",
    ),
    opt(
        "mode",
        Shape::Enum(&["hpa", "kedaHttpAddOn"]),
        "`hpa` (default) or the KEDA HTTP add-on (`HTTPScaledObject`).",
    ),
    opt(
        "hosts",
        Shape::List(&Shape::Str),
        "Host names routed by the KEDA HTTP add-on's interceptor.",
    ),
];

const SCALE: &[Field] = &[
    opt(
        "minReplicas",
        Shape::Int,
        "Worker minimum (default 0; raised to 1 by timers and Cosmos DB triggers).",
    ),
    opt("maxReplicas", Shape::Int, "Worker maximum (default 10)."),
    opt(
        "pollingInterval",
        Shape::Int,
        "KEDA polling interval in seconds (default 30).",
    ),
    opt(
        "cooldownPeriod",
        Shape::Int,
        "KEDA cooldown before scaling to zero, in seconds (default 300).",
    ),
    opt(
        "timerWindow",
        Shape::Object(TIMER_WINDOW),
        "A cron window that keeps one replica for timers instead of a permanent minimum.",
    ),
    opt(
        "http",
        Shape::Object(HTTP_SCALE),
        "Scaling of the HTTP Deployment.",
    ),
];

const KEDA_IDENTITY: &[Field] = &[
    opt(
        "design",
        Shape::Enum(&["app", "shared"]),
        "`app` (default): KEDA authenticates as the app's identity, which gets a federated credential for the KEDA operator. `shared`: one KEDA reader identity for every app (its credential is made once per cluster; this app's TriggerAuthentication names it and azfn renders its role assignments).",
    ),
    opt(
        "namespace",
        Shape::Str,
        "The KEDA operator's namespace: `keda` (default, a Helm install) or `kube-system` (the AKS add-on).",
    ),
    opt(
        "serviceAccount",
        Shape::Str,
        "The KEDA operator's service account (default `keda-operator`).",
    ),
    opt(
        "clientId",
        Shape::Str,
        "`shared` only: the KEDA reader identity's client ID (the TriggerAuthentication's `identityId`).",
    ),
    opt(
        "principalId",
        Shape::Str,
        "`shared` only: the KEDA reader identity's principal (object) ID, for its role assignments.",
    ),
];

const AZURE_IDENTITY: &[Field] = &[
    req(
        "issuer",
        Shape::Str,
        "The cluster's OIDC issuer URL (`az aks show --query oidcIssuerProfile.issuerUrl`), exactly, trailing `/` included: one per cluster, so an overlay sets it.",
    ),
    req(
        "subscriptionId",
        Shape::Str,
        "The subscription of the identity and, unless `scopes` says otherwise, of the resources its connections name.",
    ),
    req(
        "resourceGroup",
        Shape::Str,
        "The resource group of the identity and, unless `scopes` says otherwise, of the resources its connections name.",
    ),
    req(
        "name",
        Shape::Str,
        "The user-assigned managed identity's name in Azure.",
    ),
    opt(
        "create",
        Shape::Object(&[
            req("location", Shape::Str, "Azure region, e.g. `westeurope`."),
            opt("tags", Shape::Dict(&Shape::Str), "Azure tags."),
        ]),
        "Render a `UserAssignedIdentity` for Azure Service Operator to create; without it the identity exists already and is referenced by its ARM ID.",
    ),
    opt(
        "principalId",
        Shape::Str,
        "The existing identity's principal (object) ID: role assignments need it when azfn does not create the identity.",
    ),
    opt(
        "roles",
        Shape::Bool,
        "Render the least-privilege role assignments the triggers and Key Vault secrets need (default true).",
    ),
    opt(
        "scopes",
        Shape::Dict(&Shape::Str),
        "ARM IDs of the resources role assignments are scoped to, by connection name (`AzureWebJobsStorage` for host storage, `KeyVault` for the vault), where the resource is not in `subscriptionId`/`resourceGroup`.",
    ),
    opt(
        "keda",
        Shape::Object(KEDA_IDENTITY),
        "The identity KEDA's `azure-workload` scalers use.",
    ),
];

const IDENTITY: &[Field] = &[
    req(
        "clientId",
        Shape::Str,
        "Client ID of the user-assigned managed identity federated with the service account.",
    ),
    opt(
        "tenantId",
        Shape::Str,
        "Tenant ID (default: the workload-identity webhook's).",
    ),
    opt(
        "serviceAccount",
        Shape::Str,
        "Service account name (default: the FunctionApp's name).",
    ),
    opt(
        "azure",
        Shape::Object(AZURE_IDENTITY),
        "The Azure half of workload identity, rendered as Azure Service Operator objects: the identity (or a reference to it), its federated credentials for the app's and KEDA's service accounts, and least-privilege role assignments.",
    ),
];

const SECRETS: &[Field] = &[
    req(
        "keyVault",
        Shape::Object(&[
            req("name", Shape::Str, "The Key Vault's name."),
            opt(
                "tenantId",
                Shape::Str,
                "Tenant of the Key Vault (default: `spec.identity.tenantId`).",
            ),
        ]),
        "The Key Vault holding the secrets.",
    ),
    opt(
        "delivery",
        Shape::Enum(&["auto", "csi", "externalSecrets"]),
        "`csi` (Secrets Store CSI driver), `externalSecrets` (External Secrets Operator), or `auto` (default): External Secrets when a scaler needs a secret while the worker can scale to zero, else CSI.",
    ),
    req(
        "items",
        Shape::List(&Shape::Object(SECRET_ITEM)),
        "The secrets, by reference only: never a value.",
    ),
];

const PROBES: &[Field] = &[
    opt("enabled", Shape::Bool, "Default true."),
    opt(
        "path",
        Shape::Str,
        "HTTP path (default `/admin/host/ping`, anonymous in the Functions host).",
    ),
];

const SPEC: &[Field] = &[
    req(
        "image",
        Shape::Str,
        "Container image with a tag or a digest.",
    ),
    req(
        "runtime",
        Shape::Enum(RUNTIMES),
        "`FUNCTIONS_WORKER_RUNTIME`; must match the image.",
    ),
    opt(
        "hostId",
        Shape::Str,
        "`AzureFunctionsWebHost__hostid`: at most 27 characters of `[a-z0-9-]` (the HTTP host appends `-http`). Default: derived from name and namespace.",
    ),
    req(
        "identity",
        Shape::Object(IDENTITY),
        "Azure workload identity.",
    ),
    opt(
        "storage",
        Shape::Object(&[req(
            "accountName",
            Shape::Str,
            "The host storage account (`AzureWebJobsStorage__accountName`).",
        )]),
        "Host storage, identity-based. Required for every trigger but HTTP.",
    ),
    opt(
        "connections",
        Shape::Dict(&Shape::Object(CONNECTION)),
        "Identity-based connections by name, as bindings reference them.",
    ),
    opt(
        "settings",
        Shape::Dict(&Shape::Str),
        "Plain app settings (never secrets: they are checked).",
    ),
    opt(
        "secrets",
        Shape::Object(SECRETS),
        "Key Vault secret references.",
    ),
    req(
        "functions",
        Shape::List(&Shape::Object(FUNCTION)),
        "The function inventory.",
    ),
    opt("scale", Shape::Object(SCALE), "Scaling."),
    opt(
        "resources",
        Shape::Any,
        "Container resources (default requests cpu 250m, memory 256Mi; limits memory 512Mi).",
    ),
    opt(
        "port",
        Shape::Int,
        "The port the host listens on (default 80, `ASPNETCORE_URLS`).",
    ),
    opt(
        "probes",
        Shape::Object(PROBES),
        "Startup, readiness and liveness probes.",
    ),
    opt(
        "http",
        Shape::Object(&[
            opt(
                "serviceType",
                Shape::Enum(&["ClusterIP", "NodePort", "LoadBalancer"]),
                "Default `ClusterIP`.",
            ),
            opt("port", Shape::Int, "Service port (default 80)."),
        ]),
        "HTTP exposure.",
    ),
];

/// The schema of `spec`.
pub const SPEC_SHAPE: Shape = Shape::Object(SPEC);

/// Typed `spec`, read after the schema check passed.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(rename_all = "camelCase")]
pub struct Spec {
    pub image: String,
    pub runtime: String,
    pub host_id: Option<String>,
    pub identity: Identity,
    pub storage: Option<Storage>,
    #[serde(default)]
    pub connections: BTreeMap<String, Connection>,
    #[serde(default)]
    pub settings: BTreeMap<String, String>,
    pub secrets: Option<Secrets>,
    pub functions: Vec<Function>,
    #[serde(default)]
    pub scale: Scale,
    pub resources: Option<Value>,
    pub port: Option<u16>,
    #[serde(default)]
    pub probes: Probes,
    #[serde(default)]
    pub http: Http,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    pub client_id: String,
    pub tenant_id: Option<String>,
    pub service_account: Option<String>,
    pub azure: Option<AzureIdentity>,
}

/// The Azure half: what Azure Service Operator creates for the identity.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(rename_all = "camelCase")]
pub struct AzureIdentity {
    pub issuer: String,
    pub subscription_id: String,
    pub resource_group: String,
    pub name: String,
    pub create: Option<CreateIdentity>,
    pub principal_id: Option<String>,
    pub roles: Option<bool>,
    #[serde(default)]
    pub scopes: BTreeMap<String, String>,
    #[serde(default)]
    pub keda: KedaIdentity,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
pub struct CreateIdentity {
    pub location: String,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(rename_all = "camelCase")]
pub struct KedaIdentity {
    #[serde(default)]
    pub design: KedaDesign,
    pub namespace: Option<String>,
    pub service_account: Option<String>,
    pub client_id: Option<String>,
    pub principal_id: Option<String>,
}

/// Whose identity KEDA's scalers use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(rename_all = "camelCase")]
pub enum KedaDesign {
    #[default]
    App,
    Shared,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(rename_all = "camelCase")]
pub struct Storage {
    pub account_name: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    pub queue_service_uri: Option<String>,
    pub blob_service_uri: Option<String>,
    pub table_service_uri: Option<String>,
    pub fully_qualified_namespace: Option<String>,
    pub account_endpoint: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(rename_all = "camelCase")]
pub struct Secrets {
    pub key_vault: KeyVault,
    #[serde(default)]
    pub delivery: Delivery,
    pub items: Vec<SecretItem>,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(rename_all = "camelCase")]
pub struct KeyVault {
    pub name: String,
    pub tenant_id: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(rename_all = "camelCase")]
pub enum Delivery {
    #[default]
    Auto,
    Csi,
    ExternalSecrets,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
pub struct SecretItem {
    pub env: String,
    pub secret: String,
    pub version: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
pub struct Function {
    pub name: String,
    pub trigger: Trigger,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Trigger {
    Http {},
    StorageQueue {
        connection: Option<String>,
        queue_name: String,
        batch_size: Option<u64>,
    },
    Blob {
        connection: Option<String>,
        path: String,
        blob_count: Option<u64>,
    },
    ServiceBusQueue {
        connection: String,
        queue_name: String,
        max_concurrent_calls: Option<u64>,
    },
    ServiceBusTopic {
        connection: String,
        topic_name: String,
        subscription_name: String,
        max_concurrent_calls: Option<u64>,
    },
    EventHubs {
        connection: String,
        event_hub_name: String,
        consumer_group: Option<String>,
        unprocessed_event_threshold: Option<u64>,
    },
    Timer {
        schedule: String,
    },
    Kafka {
        broker_list: String,
        topic: String,
        consumer_group: String,
        lag_threshold: Option<u64>,
    },
    #[serde(rename = "rabbitMQ")]
    RabbitMq {
        queue_name: String,
        connection_secret: String,
        queue_length: Option<u64>,
    },
    #[serde(rename = "cosmosDB")]
    CosmosDb {
        connection: String,
        database_name: String,
        container_name: String,
    },
    EventGrid {},
}

impl Trigger {
    /// Whether the function runs in the HTTP Deployment.
    pub fn is_http(&self) -> bool {
        matches!(self, Self::Http {} | Self::EventGrid {})
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(rename_all = "camelCase")]
pub struct Scale {
    pub min_replicas: Option<u64>,
    pub max_replicas: Option<u64>,
    pub polling_interval: Option<u64>,
    pub cooldown_period: Option<u64>,
    pub timer_window: Option<TimerWindow>,
    #[serde(default)]
    pub http: HttpScale,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
pub struct TimerWindow {
    pub timezone: String,
    pub start: String,
    pub end: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(rename_all = "camelCase")]
pub struct HttpScale {
    pub min_replicas: Option<u64>,
    pub max_replicas: Option<u64>,
    pub cpu_utilization: Option<u64>,
    pub mode: Option<String>,
    #[serde(default)]
    pub hosts: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
pub struct Probes {
    pub enabled: Option<bool>,
    pub path: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(rename_all = "camelCase")]
pub struct Http {
    pub service_type: Option<String>,
    pub port: Option<u16>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field of `SPEC` is a field of `Spec` and back (`resources` is any value).
    #[test]
    fn spec_struct_matches_the_table() {
        crate::schema::every_field::assert_struct_matches_table::<Spec>(&SPEC_SHAPE, "spec");
    }
}
