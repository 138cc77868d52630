//! FunctionApp → ServiceAccount, Deployments, Service, autoscalers, KEDA objects and Key Vault
//! delivery: what an expert writes by hand (research: azure-functions-on-k8s.md §3–§5). One
//! module per thing rendered; this one holds the order they are rendered in and the helpers
//! they share.
#![allow(
    clippy::wildcard_imports,
    reason = "the renderer's modules share one set of helpers and call each other"
)]

mod azure;
mod identity;
mod keda;
mod secrets;
mod validate;
mod workloads;

use serde_yaml::{Mapping, Value};
use sha2::{Digest, Sha256};

use self::azure::*;
use self::identity::*;
use self::keda::*;
use self::secrets::*;
use self::validate::*;
use self::workloads::*;
use crate::functionapp::spec::{Connection, Delivery, Spec, Trigger};
pub use azure::{AUDIENCE, Grant, grants, identity_id, subject};
pub use workloads::{HOST_ID_MAX, derive_host_id};

/// Label and annotation keys azfn sets.
pub const RENDERED_FROM: &str = "azfn.dev/rendered-from";
/// The annotation on a KEDA `TriggerAuthentication` that says its identity is shared by many
/// apps (`shared`), on purpose not the app's own.
pub const KEDA_IDENTITY: &str = "azfn.dev/keda-identity";
/// The annotation that binds a ServiceAccount to an identity by client id.
pub const CLIENT_ID: &str = "azure.workload.identity/client-id";

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
    let workers: Vec<&crate::functionapp::spec::Function> = spec
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
    let keda_workload_auth = out
        .objects
        .iter()
        .any(|o| o.get("kind").and_then(Value::as_str) == Some("TriggerAuthentication"));
    out.objects.extend(azure_objects(&app, keda_workload_auth));
    Ok(out)
}
