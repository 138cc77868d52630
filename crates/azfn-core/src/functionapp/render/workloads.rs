//! The Deployments the Functions host runs in, its HTTP Service and autoscaler, and the host ID.
use super::*;

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

pub(super) use crate::text::hex;

pub(super) fn env(name: &str, value: impl Into<String>) -> Value {
    map([("name", s(name)), ("value", s(value))])
}

pub(super) fn container_env(
    app: &App,
    host_id: &str,
    functions: &[&str],
    delivery: Delivery,
) -> Vec<Value> {
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

pub(super) fn probe(path: &str, period: u64, failure_threshold: u64) -> Value {
    map([
        ("httpGet", map([("path", s(path)), ("port", s("http"))])),
        ("periodSeconds", n(period)),
        ("timeoutSeconds", n(5)),
        ("failureThreshold", n(failure_threshold)),
    ])
}

pub(super) fn default_resources() -> Value {
    map([
        (
            "requests",
            map([("cpu", s("250m")), ("memory", s("256Mi"))]),
        ),
        ("limits", map([("memory", s("512Mi"))])),
    ])
}

pub(super) fn deployment(
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

pub(super) fn service(app: &App, name: &str) -> Mapping {
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

pub(super) fn http_autoscaler(app: &App, name: &str, min: u64) -> Mapping {
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
