//! Browser bindings of azfn-core. A thin adapter: every decision is made in the core; this
//! crate only converts values to and from JavaScript.
#![forbid(unsafe_code)]
#![warn(
    clippy::disallowed_methods,
    clippy::disallowed_types,
    reason = "the browser build is I/O-free like the core"
)]

use azfn_core::krm::KrmResult;
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
export interface KrmResult {
  message: string;
  severity: "error" | "warning" | "info";
  resourceRef?: { apiVersion: string; kind: string; name: string; namespace?: string };
  field?: { path: string };
  file?: { path: string; index?: number };
  tags?: Record<string, string>;
}
export interface ProcessOutput {
  /** The output ResourceList, block-style YAML: the same bytes the azfn binary writes. */
  output: string;
  /** azfn's findings as KRM results (earlier functions' results stay in `output`). */
  results: KrmResult[];
  /** Whether a result has severity error (the CLI would exit 1). */
  hasErrors: boolean;
  /** The human summary the CLI prints on stderr. */
  summary: string;
}
export interface RuleInfo { code: string; name: string; severity: string; explanation: string }
export interface ParityValues { [environment: string]: string | null }
export interface ParityRow {
  kind: string; name: string; field: string; values: ParityValues;
  allowed: boolean; allowedBy: number | null; rule: string | null;
  source: { kind: string; name: string; field: string; values: ParityValues } | null;
  /** For each environment, the file and line that set its value (an overlay's patch, a FunctionApp field). */
  setAt?: { [environment: string]: { file: string; line?: number | null } } | null;
}
export interface ParityReport {
  environments: string[];
  summary: { resources: number; failures: number; allowed: number; staleRules: number };
  /** Every rendered field that differs, allowed or not. */
  drifts: ParityRow[];
  /** FunctionApp fields that differ. */
  functionApps: ParityRow[];
  partial: { kind: string; name: string; presentIn: string[]; allowedBy: number | null; rule: string | null }[];
  staleRules: { index: number; rule: string }[];
  /** The report as a pull-request comment. */
  markdown: string;
  /** The failures and stale rules as KRM results. */
  results: KrmResult[];
}
/** What azfn reports (a rule's finding, a parity drift, input it cannot process): the same
 * shape as each item of `azfn check --format json`. */
export interface Diagnostic {
  code: string;
  rule: string;
  severity: "error" | "warning" | "info";
  message: string;
  resource?: { apiVersion: string; kind: string; name: string; namespace?: string } | null;
  field?: string | null;
  /** The file and line a person would edit. */
  file?: string | null;
  index?: number | null;
  line?: number | null;
  /** Other places that explain it. */
  related?: { message: string; file: string; line?: number | null }[];
  /** What to do about it. */
  suggestion?: string | null;
}
export interface EnvironmentPreview {
  name: string;
  dir: string;
  /** The YAML `azfn build DIR` prints; absent when that build fails. */
  output?: string | null;
  /** Why the build failed, at the file and line it names. */
  error?: Diagnostic | null;
  /** azfn's findings, each at the line that set its field. */
  findings: Diagnostic[];
  fails: boolean;
}
export interface Preview { policy?: string | null; environments: EnvironmentPreview[] }
export interface SecretLine { file: string; line: number; message: string }
// BEGIN GENERATED from the core's field tables (tests/tests/docs.rs; AZFN_BLESS=1 rewrites)
/** The `spec` of a FunctionApp. */
export type FunctionAppSpec = {
  /** Container image with a tag or a digest. */
  image: string;
  /** `FUNCTIONS_WORKER_RUNTIME`; must match the image. */
  runtime: "dotnet-isolated" | "dotnet" | "node" | "python" | "java" | "powershell" | "custom";
  /** `AzureFunctionsWebHost__hostid`: at most 27 characters of `[a-z0-9-]` (the HTTP host appends `-http`). Default: derived from name and namespace. */
  hostId?: string;
  /** Azure workload identity. */
  identity: {
    /** Client ID of the user-assigned managed identity federated with the service account. */
    clientId: string;
    /** Tenant ID (default: the workload-identity webhook's). */
    tenantId?: string;
    /** Service account name (default: the FunctionApp's name). */
    serviceAccount?: string;
    /** The Azure half of workload identity, rendered as Azure Service Operator objects: the identity (or a reference to it), its federated credentials for the app's and KEDA's service accounts, and least-privilege role assignments. */
    azure?: {
      /** The cluster's OIDC issuer URL (`az aks show --query oidcIssuerProfile.issuerUrl`), exactly, trailing `/` included: one per cluster, so an overlay sets it. */
      issuer: string;
      /** The subscription of the identity and, unless `scopes` says otherwise, of the resources its connections name. */
      subscriptionId: string;
      /** The resource group of the identity and, unless `scopes` says otherwise, of the resources its connections name. */
      resourceGroup: string;
      /** The user-assigned managed identity's name in Azure. */
      name: string;
      /** Render a `UserAssignedIdentity` for Azure Service Operator to create; without it the identity exists already and is referenced by its ARM ID. */
      create?: {
        /** Azure region, e.g. `westeurope`. */
        location: string;
        /** Azure tags. */
        tags?: Record<string, string>;
      };
      /** The existing identity's principal (object) ID: role assignments need it when azfn does not create the identity. */
      principalId?: string;
      /** Render the least-privilege role assignments the triggers and Key Vault secrets need (default true). */
      roles?: boolean;
      /** ARM IDs of the resources role assignments are scoped to, by connection name (`AzureWebJobsStorage` for host storage, `KeyVault` for the vault), where the resource is not in `subscriptionId`/`resourceGroup`. */
      scopes?: Record<string, string>;
      /** The identity KEDA's `azure-workload` scalers use. */
      keda?: {
        /** `app` (default): KEDA authenticates as the app's identity, which gets a federated credential for the KEDA operator. `shared`: one KEDA reader identity for every app (its credential is made once per cluster; this app's TriggerAuthentication names it and azfn renders its role assignments). */
        design?: "app" | "shared";
        /** The KEDA operator's namespace: `keda` (default, a Helm install) or `kube-system` (the AKS add-on). */
        namespace?: string;
        /** The KEDA operator's service account (default `keda-operator`). */
        serviceAccount?: string;
        /** `shared` only: the KEDA reader identity's client ID (the TriggerAuthentication's `identityId`). */
        clientId?: string;
        /** `shared` only: the KEDA reader identity's principal (object) ID, for its role assignments. */
        principalId?: string;
      };
    };
  };
  /** Host storage, identity-based. Required for every trigger but HTTP. */
  storage?: {
    /** The host storage account (`AzureWebJobsStorage__accountName`). */
    accountName: string;
  };
  /** Identity-based connections by name, as bindings reference them. */
  connections?: Record<string, {
    /** Storage queue endpoint, `https://<account>.queue.core.windows.net` (queue triggers; blob triggers need it too). */
    queueServiceUri?: string;
    /** Storage blob endpoint, `https://<account>.blob.core.windows.net` (blob triggers). */
    blobServiceUri?: string;
    /** Storage table endpoint, `https://<account>.table.core.windows.net`. */
    tableServiceUri?: string;
    /** Service Bus or Event Hubs namespace, `<name>.servicebus.windows.net`. */
    fullyQualifiedNamespace?: string;
    /** Cosmos DB endpoint, `https://<account>.documents.azure.com:443/`. */
    accountEndpoint?: string;
  }>;
  /** Plain app settings (never secrets: they are checked). */
  settings?: Record<string, string>;
  /** Key Vault secret references. */
  secrets?: {
    /** The Key Vault holding the secrets. */
    keyVault: {
      /** The Key Vault's name. */
      name: string;
      /** Tenant of the Key Vault (default: `spec.identity.tenantId`). */
      tenantId?: string;
    };
    /** `csi` (Secrets Store CSI driver), `externalSecrets` (External Secrets Operator), or `auto` (default): External Secrets when a scaler needs a secret while the worker can scale to zero, else CSI. */
    delivery?: "auto" | "csi" | "externalSecrets";
    /** The secrets, by reference only: never a value. */
    items: Array<{
      /** The environment variable the function reads. */
      env: string;
      /** The Key Vault secret name. */
      secret: string;
      /** A pinned Key Vault secret version; empty or absent means the latest. */
      version?: string;
    }>;
  };
  /** The function inventory. */
  functions: Array<{
    /** The function's name, as the host knows it. */
    name: string;
    /** What starts it. */
    trigger: {
      /** HTTP trigger: served by the `<name>-http` Deployment behind a Service, never scaled to zero. */
      type: "http";
    } | {
      /** Storage queue trigger: KEDA `azure-queue`. */
      type: "storageQueue";
      /** Connection name; absent means `AzureWebJobsStorage` (`spec.storage`). */
      connection?: string;
      /** The queue. */
      queueName: string;
      /** host.json `extensions.queues.batchSize` (default 16): the scaler's `queueLength`. */
      batchSize?: number;
    } | {
      /** Blob trigger: KEDA `azure-blob`; the function must remove processed blobs, since KEDA counts existing ones. */
      type: "blob";
      /** Connection name; absent means `AzureWebJobsStorage`. */
      connection?: string;
      /** The blob path, `container/prefix{name}`: the container and prefix come from it. */
      path: string;
      /** Blobs per replica (default 5). */
      blobCount?: number;
    } | {
      /** Service Bus queue trigger: KEDA `azure-servicebus`. */
      type: "serviceBusQueue";
      /** Connection name (`spec.connections.<name>.fullyQualifiedNamespace`). */
      connection: string;
      /** The queue. */
      queueName: string;
      /** host.json `extensions.serviceBus.maxConcurrentCalls` (default 16): the scaler's `messageCount`. */
      maxConcurrentCalls?: number;
    } | {
      /** Service Bus topic subscription trigger: KEDA `azure-servicebus`. */
      type: "serviceBusTopic";
      /** Connection name. */
      connection: string;
      /** The topic. */
      topicName: string;
      /** The subscription. */
      subscriptionName: string;
      /** The scaler's `messageCount` (default 16). */
      maxConcurrentCalls?: number;
    } | {
      /** Event Hubs trigger: KEDA `azure-eventhub` reading the Functions checkpoints in the host storage account. */
      type: "eventHubs";
      /** Connection name. */
      connection: string;
      /** The event hub. */
      eventHubName: string;
      /** Consumer group (default `$Default`). */
      consumerGroup?: string;
      /** Events per replica (default 64). */
      unprocessedEventThreshold?: number;
    } | {
      /** Timer trigger: no scaler fires on a schedule, so the worker keeps at least one replica, or `scale.timerWindow` keeps one in a cron window. */
      type: "timer";
      /** The NCRONTAB schedule (six fields). */
      schedule: string;
    } | {
      /** Kafka trigger: KEDA `kafka`. */
      type: "kafka";
      /** Bootstrap servers. */
      brokerList: string;
      /** The topic. */
      topic: string;
      /** The consumer group. */
      consumerGroup: string;
      /** Lag per replica (default 10). */
      lagThreshold?: number;
    } | {
      /** RabbitMQ trigger: KEDA `rabbitmq`; the connection URI comes from a Key Vault secret item. */
      type: "rabbitMQ";
      /** The queue. */
      queueName: string;
      /** The `env` of the `spec.secrets.items` entry holding the AMQP URI. */
      connectionSecret: string;
      /** Messages per replica (default 20). */
      queueLength?: number;
    } | {
      /** Cosmos DB trigger: KEDA 2.x has no Cosmos DB scaler, so the worker never scales to zero and keeps `scale.minReplicas` (at least 1). */
      type: "cosmosDB";
      /** Connection name (`accountEndpoint`). */
      connection: string;
      /** The database. */
      databaseName: string;
      /** The monitored container. */
      containerName: string;
    } | {
      /** Event Grid trigger: Event Grid pushes to an HTTP webhook, so the function runs in the HTTP Deployment. */
      type: "eventGrid";
    };
  }>;
  /** Scaling. */
  scale?: {
    /** Worker minimum (default 0; raised to 1 by timers and Cosmos DB triggers). */
    minReplicas?: number;
    /** Worker maximum (default 10). */
    maxReplicas?: number;
    /** KEDA polling interval in seconds (default 30). */
    pollingInterval?: number;
    /** KEDA cooldown before scaling to zero, in seconds (default 300). */
    cooldownPeriod?: number;
    /** A cron window that keeps one replica for timers instead of a permanent minimum. */
    timerWindow?: {
      /** IANA time zone, e.g. `Europe/Amsterdam`. */
      timezone: string;
      /** Five-field cron expression when the window opens. */
      start: string;
      /** Five-field cron expression when the window closes. */
      end: string;
    };
    /** Scaling of the HTTP Deployment. */
    http?: {
      /** At least 1 (default 2): HTTP is never scaled to zero. */
      minReplicas?: number;
      /** Default 10. */
      maxReplicas?: number;
      /** HPA target CPU utilization in percent (default 70). */
      cpuUtilization?: number;
      /** `hpa` (default) or the KEDA HTTP add-on (`HTTPScaledObject`). */
      mode?: "hpa" | "kedaHttpAddOn";
      /** Host names routed by the KEDA HTTP add-on's interceptor. */
      hosts?: Array<string>;
    };
  };
  /** Container resources (default requests cpu 250m, memory 256Mi; limits memory 512Mi). */
  resources?: unknown;
  /** The port the host listens on (default 80, `ASPNETCORE_URLS`). */
  port?: number;
  /** Startup, readiness and liveness probes. */
  probes?: {
    /** Default true. */
    enabled?: boolean;
    /** HTTP path (default `/admin/host/ping`, anonymous in the Functions host). */
    path?: string;
  };
  /** HTTP exposure. */
  http?: {
    /** Default `ClusterIP`. */
    serviceType?: "ClusterIP" | "NodePort" | "LoadBalancer";
    /** Service port (default 80). */
    port?: number;
  };
};
/** The `spec` of a ParityPolicy. */
export type ParityPolicySpec = {
  /** The environments, in the order reports show them; the first is the reference FunctionApp differences are undone against. */
  environments?: Array<{
    /** The environment's name in reports (dev, test, prod). */
    name: string;
    /** Its overlay folder, relative to the policy file. */
    path: string;
  }>;
  /** Where the environments may differ. Nothing differs implicitly. */
  allow?: Array<{
    /** Which resources the rule covers; every given selector must match. Names are base names: prefixes, suffixes, hash suffixes and namespaces taken off. */
    resource?: {
      /** Kind, e.g. Deployment; FunctionApp for a rule on the spec, which allows what the field renders. */
      kind?: string;
      /** Base name. `*` matches within one path segment, `**` across segments. */
      name?: string;
      /** Labels the resource carries (in any environment). */
      labels?: Record<string, string>;
    };
    /** Field path: maps by key (`metadata.labels["a/b"]`), lists of named things by key (`containers[name=func]`, `env[name=X]`), other lists by position (`[0]`). `*` matches within one path segment, `**` across segments. Without a field, the rule is about the whole resource (with `difference: presence`). */
    field?: string;
    /** Only these environments may differ; the others must agree with each other. */
    environments?: Array<string>;
    /** value (default): the field exists everywhere with different values; presence: it (or, without a field, the resource) exists in some environments only; any: either. */
    difference?: "value" | "presence" | "any";
    /** Why the difference is intended, for reviewers. */
    reason?: string;
  }>;
};
/** The `spec` of the function config (`kind: Azfn`). */
export type AzfnConfigSpec = {
  /** Per-rule severity by code (`AZF001: warning`), or `off`. */
  rules?: Record<string, "error" | "warning" | "info" | "off">;
  /** Values CI supplies through the environment; only declared names are ever read. */
  inputs?: Array<{
    /** The environment variable CI sets (A-Z, 0-9 and _). */
    name: string;
    /** The FunctionApp field it sets under `spec`: `image.tag`, or `secrets.items[env=NAME].version`. */
    field: string;
    /** Only this FunctionApp (by its name in the base); all when absent. */
    functionApp?: string;
    /** Whether a missing value is an error (default true). */
    required?: boolean;
  }>;
  /** Refuse every suppression: `azfn.dev/ignore` annotations and `suppressions`. */
  strict?: boolean;
  /** Findings accepted by rule and resource, with a reason, for manifests that cannot carry an `azfn.dev/ignore` annotation (upstream or generated ones). */
  suppressions?: Array<{
    /** The rule's code (`AZF014`). */
    rule: string;
    /** The resource whose findings of that rule are accepted. */
    resource: {
      /** The resource's kind. */
      kind: string;
      /** The resource's name (after the build's prefixes and suffixes). */
      name: string;
      /** The resource's namespace; any namespace when absent. */
      namespace?: string;
    };
    /** Why they are acceptable; shown with each suppressed finding. */
    reason: string;
  }>;
  /** Accept Azurite's published development key (a dev overlay that runs the emulator). */
  allowEmulatorKey?: boolean;
  /** Require images pinned by digest, not by tag (a prod overlay). */
  requireDigests?: boolean;
  /** Compare this build with its sibling environments under a ParityPolicy. */
  parity?: {
    /** The ParityPolicy file, relative to the kustomization. */
    policy: string;
    /** This overlay's environment name in the policy. */
    environment?: string;
    /** Filled in by the host: the policy's folder as path to text. Never written by hand. */
    tree?: Record<string, string>;
  };
  /** The team's own rules: folders of Rego policies run over this build, with the built-in rules' reports and suppressions. */
  policies?: Array<{
    /** A folder of `.rego` files (conftest's conventions), relative to the kustomization; it must lie inside the repository. */
    path: string;
    /** `document` (default): each object is `input`, as `conftest test` does; `combined`: the whole environment as a list of `{path, contents}`, as `conftest test --combine` does. */
    input?: "document" | "combined";
    /** Filled in by the host: the folder's `.rego` files as path to text. Never written by hand. */
    files?: Record<string, string>;
  }>;
};
// END GENERATED
export interface BuildOptions {
  /** "legacy" (kustomize's default kind order) or "none" (as read). */
  reorder?: "legacy" | "none";
  /** "rootOnly" (default) or "none". */
  loadRestrictor?: "rootOnly" | "none";
}
"#;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(typescript_type = "ProcessOutput")]
    pub type JsProcessOutput;
    #[wasm_bindgen(typescript_type = "RuleInfo[]")]
    pub type JsRules;
    #[wasm_bindgen(typescript_type = "Record<string, string>")]
    pub type JsFiles;
    #[wasm_bindgen(typescript_type = "BuildOptions")]
    pub type JsBuildOptions;
    #[wasm_bindgen(typescript_type = "ParityReport")]
    pub type JsParityReport;
    #[wasm_bindgen(typescript_type = "Preview")]
    pub type JsPreview;
    #[wasm_bindgen(typescript_type = "SecretLine[]")]
    pub type JsSecretLines;
    #[wasm_bindgen(typescript_type = "{ name: string; dir: string }[]")]
    pub type JsEnvironments;
}

#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct BuildOptionsDto {
    reorder: Option<String>,
    load_restrictor: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProcessOutput {
    output: String,
    results: Vec<KrmResult>,
    has_errors: bool,
    summary: String,
}

#[derive(Serialize)]
struct RuleInfo {
    code: &'static str,
    name: &'static str,
    severity: &'static str,
    explanation: &'static str,
}

/// Installs the panic hook so a Rust panic shows its message in the console.
#[wasm_bindgen(start)]
pub fn start() {
    #[cfg(feature = "console_error_panic_hook")]
    console_error_panic_hook::set_once();
}

/// Panics, which traps the instance: how the page's tests prove that a trapped worker is
/// replaced (a trap leaves a wasm-bindgen instance unusable). Nothing in the page calls it.
#[wasm_bindgen(js_name = trapForTests)]
pub fn trap_for_tests() {
    panic!("trap requested by a test of the worker's restart");
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    let serializer = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
    Ok(value.serialize(&serializer)?)
}

/// Runs azfn over a ResourceList (YAML or JSON text), exactly as the KRM function does.
/// Unusable input throws an `Error` whose message names the file, field and line.
#[wasm_bindgen]
pub fn process(resource_list: &str) -> Result<JsProcessOutput, JsError> {
    input_size(resource_list.len())?;
    let out = azfn_core::process_resource_list(resource_list, "ResourceList")
        .map_err(|e| JsError::new(&e.to_string()))?;
    let dto = ProcessOutput {
        output: out.yaml.clone(),
        results: out
            .findings
            .iter()
            .map(azfn_core::policy::Diagnostic::to_krm_result)
            .collect(),
        has_errors: out.has_errors(),
        summary: out.summary(),
    };
    Ok(to_js(&dto)?.unchecked_into())
}

/// Builds the kustomization in `dir` from an in-memory tree (path to text), exactly as
/// `azfn build` does, and returns the YAML `kubectl kustomize` would print. An unusable tree
/// throws an `Error` naming the kustomization file and field.
#[wasm_bindgen]
pub fn build(
    files: JsFiles,
    dir: &str,
    options: Option<JsBuildOptions>,
) -> Result<String, JsError> {
    let source = memory_source(files)?;
    let options: BuildOptionsDto = match options {
        Some(o) if !o.is_undefined() => serde_wasm_bindgen::from_value(o.into())?,
        _ => BuildOptionsDto::default(),
    };
    let options = azfn_core::overlay::BuildOptions {
        reorder: match options.reorder.as_deref() {
            None | Some("legacy") => azfn_core::overlay::Reorder::Legacy,
            Some("none") => azfn_core::overlay::Reorder::None,
            Some(other) => return Err(JsError::new(&format!("reorder: unknown order {other:?}"))),
        },
        load_restrictor: match options.load_restrictor.as_deref() {
            None | Some("rootOnly") => azfn_core::overlay::LoadRestrictor::RootOnly,
            Some("none") => azfn_core::overlay::LoadRestrictor::None,
            Some(other) => {
                return Err(JsError::new(&format!(
                    "loadRestrictor: unknown value {other:?}"
                )));
            }
        },
        ..azfn_core::function::build_options()
    };
    azfn_core::overlay::build_yaml(&source, dir, &options).map_err(|e| JsError::new(&e.to_string()))
}

/// Renders every environment the `ParityPolicy` at `policy` names (folders relative to the
/// policy) from an in-memory tree and compares them, exactly as `azfn parity --policy` does.
/// Unusable input throws an `Error` naming the file and field.
#[wasm_bindgen]
pub fn parity(files: JsFiles, policy: &str) -> Result<JsParityReport, JsError> {
    let source = memory_source(files)?;
    let report = azfn_core::preview::parity_report(&source, Some(policy), &[])
        .map_err(|e| JsError::new(&e.message))?;
    Ok(json_compatible(&report)?.unchecked_into())
}

/// The preview page's view of a tree: its environments (the `ParityPolicy`'s, then every
/// kustomization nothing else includes), each one's `azfn build` output, and azfn's findings
/// located at the file and line that caused them. Never throws for a bad tree: each
/// environment carries its own error.
#[wasm_bindgen]
pub fn preview(files: JsFiles) -> Result<JsPreview, JsError> {
    let source = memory_source(files)?;
    let preview = azfn_core::preview::preview(&source);
    Ok(json_compatible(&preview)?.unchecked_into())
}

/// The parity report between environments: by the tree's `ParityPolicy` when `policy` names
/// it, else every difference between `environments`. Throws an `Error` whose message names
/// the file and field, with `file` and `line` properties where known.
#[wasm_bindgen(js_name = previewParity)]
#[allow(
    clippy::needless_pass_by_value,
    reason = "wasm-bindgen passes an optional string by value"
)]
pub fn preview_parity(
    files: JsFiles,
    policy: Option<String>,
    environments: JsEnvironments,
) -> Result<JsParityReport, JsValue> {
    let source = memory_source(files).map_err(JsValue::from)?;
    let environments: Vec<azfn_core::preview::EnvironmentRef> =
        serde_wasm_bindgen::from_value(environments.into())?;
    match azfn_core::preview::parity_report(&source, policy.as_deref(), &environments) {
        Ok(report) => Ok(json_compatible(&report)?.unchecked_into()),
        Err(e) => {
            let error = js_sys::Error::new(&e.message);
            let set = |key: &str, value: JsValue| js_sys::Reflect::set(&error, &key.into(), &value);
            if let Some(file) = &e.file {
                set("file", file.into())?;
            }
            if let Some(line) = e.line {
                set("line", u32::try_from(line).unwrap_or(u32::MAX).into())?;
            }
            Err(error.into())
        }
    }
}

/// Every line of the tree that holds a secret (by azfn's inline-secret rule and secret
/// patterns), without the secret: the page refuses to make a share link while any is found.
#[wasm_bindgen(js_name = scanSecrets)]
pub fn scan_secrets(files: JsFiles) -> Result<JsSecretLines, JsError> {
    let source = memory_source(files)?;
    let found = azfn_core::preview::scan_secrets(&source);
    Ok(json_compatible(&found)?.unchecked_into())
}

/// Every environment's findings as SARIF 2.1.0 text, each at its file and line.
#[wasm_bindgen(js_name = previewSarif)]
pub fn preview_sarif(files: JsFiles) -> Result<String, JsError> {
    let source = memory_source(files)?;
    Ok(azfn_core::preview::sarif(&azfn_core::preview::preview(
        &source,
    )))
}

fn memory_source(files: JsFiles) -> Result<azfn_core::source::MemorySource, JsError> {
    let files: std::collections::BTreeMap<String, String> =
        serde_wasm_bindgen::from_value(files.into())?;
    let total: usize = files.values().map(String::len).sum();
    input_size(total)?;
    let mut source = azfn_core::source::MemorySource::new();
    for (path, text) in files {
        source.insert(path, text.into_bytes());
    }
    Ok(source)
}

/// The host's input limit, here too: past it the answer is an error at once, not a long parse.
fn input_size(bytes: usize) -> Result<(), JsError> {
    if bytes > azfn_core::MAX_INPUT_BYTES {
        return Err(JsError::new(&format!(
            "the input is {} MiB, over the limit of {} MiB",
            bytes >> 20,
            azfn_core::MAX_INPUT_BYTES >> 20
        )));
    }
    Ok(())
}

/// As JSON has it: an absent value is `null`, as the CLI's JSON prints.
fn json_compatible<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    Ok(value.serialize(&serializer)?)
}

/// Every rule azfn checks.
#[wasm_bindgen]
pub fn rules() -> Result<JsRules, JsError> {
    let rules: Vec<RuleInfo> = azfn_core::policy::registry()
        .iter()
        .map(|r| RuleInfo {
            code: r.code(),
            name: r.name(),
            severity: r.default_severity().as_str(),
            explanation: r.explanation(),
        })
        .collect();
    Ok(to_js(&rules)?.unchecked_into())
}

/// The JSON Schemas of the kinds users write, for the editor's completion and hover docs:
/// `{ functionApp, parityPolicy, azfn }`.
#[wasm_bindgen]
pub fn schemas() -> Result<JsValue, JsError> {
    let schemas = serde_json::json!({
        "functionApp": azfn_core::functionapp::json_schema(),
        "parityPolicy": azfn_core::parity::json_schema(),
        "azfn": azfn_core::config::json_schema(),
    });
    json_compatible(&schemas)
}

/// azfn's version.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
