//! Which `FunctionApp` field each rendered field comes from: what provenance follows through
//! azfn's rendering, so a finding or a drift on a rendered Deployment points at the line of the
//! spec (or of the overlay's patch to it) that a person would edit. Declared beside the
//! renderer as data, one rule per rendered field; a rendered field no rule names comes from the
//! app as a whole (its `metadata.name`).
use serde_yaml::{Mapping, Value};

use crate::fieldpath::Segment;

/// Environment variables azfn sets itself, and the spec field each one comes from.
const ENV: &[(&str, &str)] = &[
    ("FUNCTIONS_WORKER_RUNTIME", "spec.runtime"),
    ("AzureFunctionsWebHost__hostid", "spec.hostId"),
    ("ASPNETCORE_URLS", "spec.port"),
    (
        "AzureWebJobsStorage__accountName",
        "spec.storage.accountName",
    ),
];

/// Rendered fields (kind, path below `spec` or the object, spec field), first match wins;
/// `*` in a rendered path matches one segment.
pub(crate) const FIELDS: &[(&str, &str, &str)] = &[
    (
        "Deployment",
        "spec.template.spec.containers.*.image",
        "spec.image",
    ),
    (
        "Deployment",
        "spec.template.spec.containers.*.resources",
        "spec.resources",
    ),
    (
        "Deployment",
        "spec.template.spec.containers.*.startupProbe",
        "spec.probes",
    ),
    (
        "Deployment",
        "spec.template.spec.containers.*.readinessProbe",
        "spec.probes",
    ),
    (
        "Deployment",
        "spec.template.spec.containers.*.livenessProbe",
        "spec.probes",
    ),
    (
        "Deployment",
        "spec.template.spec.containers.*.ports",
        "spec.port",
    ),
    ("Deployment", "spec.replicas", "spec.scale"),
    ("Service", "spec.type", "spec.http.serviceType"),
    ("Service", "spec.ports", "spec.http.port"),
    (
        "ServiceAccount",
        "metadata.annotations.azure.workload.identity/client-id",
        "spec.identity.clientId",
    ),
    (
        "ServiceAccount",
        "metadata.annotations.azure.workload.identity/tenant-id",
        "spec.identity.tenantId",
    ),
    (
        "TriggerAuthentication",
        "spec.podIdentity.identityId",
        "spec.identity.clientId",
    ),
    (
        "TriggerAuthentication",
        "spec.podIdentity.identityTenantId",
        "spec.identity.tenantId",
    ),
    (
        "ScaledObject",
        "spec.minReplicaCount",
        "spec.scale.minReplicas",
    ),
    (
        "ScaledObject",
        "spec.maxReplicaCount",
        "spec.scale.maxReplicas",
    ),
    (
        "ScaledObject",
        "spec.pollingInterval",
        "spec.scale.pollingInterval",
    ),
    (
        "ScaledObject",
        "spec.cooldownPeriod",
        "spec.scale.cooldownPeriod",
    ),
    ("ScaledObject", "spec.triggers", "spec.functions"),
    ("HTTPScaledObject", "spec.replicas", "spec.scale.http"),
    ("HorizontalPodAutoscaler", "spec", "spec.scale.http"),
    (
        "SecretProviderClass",
        "spec.parameters.keyvaultName",
        "spec.secrets.keyVault.name",
    ),
    (
        "SecretProviderClass",
        "spec.parameters.tenantID",
        "spec.identity.tenantId",
    ),
    (
        "SecretProviderClass",
        "spec.parameters.clientID",
        "spec.identity.clientId",
    ),
    (
        "SecretProviderClass",
        "spec.parameters.objects",
        "spec.secrets.items",
    ),
    (
        "SecretProviderClass",
        "spec.secretObjects",
        "spec.secrets.items",
    ),
    ("SecretStore", "spec", "spec.secrets.keyVault"),
    ("ExternalSecret", "spec.data", "spec.secrets.items"),
];

pub(crate) fn keys(path: &str) -> Vec<&str> {
    // Annotation keys hold dots and slashes: split on the dots that separate path segments only
    // up to a key that starts with a known annotation domain.
    let mut out = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        if rest.starts_with("azure.workload.identity/") {
            out.push(rest);
            break;
        }
        let (head, tail) = rest.split_once('.').unwrap_or((rest, ""));
        out.push(head);
        rest = tail;
    }
    out
}

fn spec_path(path: &str) -> Vec<Segment> {
    key_path(&keys(path))
}

/// `keys` as a path of map keys (a key may hold dots: a setting's name).
fn key_path(keys: &[&str]) -> Vec<Segment> {
    keys.iter().map(|k| Segment::Key((*k).to_owned())).collect()
}

/// The `FunctionApp` field the rendered field `field` of `rendered` comes from: a path in
/// `app`, as deep as `app` has it.
pub fn source_of(rendered: &Mapping, field: &[Segment], app: &Mapping) -> Vec<Segment> {
    let kind = rendered
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let spec = app.get("spec");
    // Metadata the app carries itself (its namespace, labels an overlay added) is the app's.
    let own_metadata = matches!(field.first(), Some(Segment::Key(k)) if k == "metadata")
        && !matches!(field.get(1), Some(Segment::Key(k)) if k == "name")
        && crate::fieldpath::depth_in(app, field) == field.len();
    if own_metadata {
        return field.to_vec();
    }
    let found = env_source(field, spec).or_else(|| {
        FIELDS.iter().find_map(|(k, pattern, source)| {
            (*k == kind && matches_prefix(&keys(pattern), field)).then(|| spec_path(source))
        })
    });
    let mut path = found.unwrap_or_else(|| spec_path("metadata.name"));
    // As deep as the app has it: a default rendered for an absent field points at its parent.
    let depth = crate::fieldpath::depth_in(app, &path);
    if depth == 0 {
        return spec_path("metadata.name");
    }
    path.truncate(depth);
    path
}

/// An `env` entry of a container: the setting, connection, secret or own variable it renders.
fn env_source(field: &[Segment], spec: Option<&Value>) -> Option<Vec<Segment>> {
    let at = field
        .iter()
        .position(|s| matches!(s, Segment::Key(k) if k == "env"))?;
    let name = match field.get(at + 1)? {
        Segment::Select(key, name) if key == "name" => name.as_str(),
        _ => return None,
    };
    let has = |section: &str, key: &str| {
        spec.and_then(|s| s.get(section))
            .and_then(|s| s.get(key))
            .is_some()
    };
    if has("settings", name) {
        return Some(key_path(&["spec", "settings", name]));
    }
    if let Some((_, source)) = ENV.iter().find(|(env, _)| *env == name) {
        return Some(spec_path(source));
    }
    if name.starts_with("AzureFunctionsJobHost__functions__") {
        return Some(spec_path("spec.functions"));
    }
    if let Some((connection, key)) = name.split_once("__") {
        if matches!(key, "clientId" | "credential") {
            return Some(spec_path("spec.identity.clientId"));
        }
        if has("connections", connection) {
            return Some(key_path(&["spec", "connections", connection, key]));
        }
    }
    let is_secret = spec
        .and_then(|s| s.get("secrets"))
        .and_then(|s| s.get("items"))
        .and_then(Value::as_sequence)
        .is_some_and(|items| {
            items
                .iter()
                .any(|i| i.get("env").and_then(Value::as_str) == Some(name))
        });
    is_secret.then(|| {
        let mut path = key_path(&["spec", "secrets", "items"]);
        path.push(Segment::Select("env".into(), name.to_owned()));
        path
    })
}

/// Whether `field` starts with `pattern` (`*` matches any one segment).
pub(crate) fn matches_prefix(pattern: &[&str], field: &[Segment]) -> bool {
    pattern.len() <= field.len()
        && pattern.iter().zip(field).all(|(p, s)| match s {
            Segment::Key(k) => *p == "*" || p == k,
            Segment::Select(..) | Segment::Index(_) => *p == "*",
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app() -> Mapping {
        serde_yaml::from_str(
            "metadata: {name: orders}\nspec:\n  image: x\n  settings: {A: b}\n  identity: {clientId: c}\n  connections: {Bus: {fullyQualifiedNamespace: n}}\n  scale: {maxReplicas: 3}\n",
        )
        .unwrap()
    }

    fn deployment() -> Mapping {
        serde_yaml::from_str("kind: Deployment").unwrap()
    }

    fn env(name: &str) -> Vec<Segment> {
        crate::fieldpath::parse(&format!(
            "spec.template.spec.containers[name=func].env[name={name}].value"
        ))
        .unwrap()
    }

    fn text(path: &[Segment]) -> String {
        crate::fieldpath::format(path)
    }

    #[test]
    fn rendered_fields_point_at_the_spec_field() {
        let app = app();
        let d = deployment();
        assert_eq!(text(&source_of(&d, &env("A"), &app)), "spec.settings.A");
        assert_eq!(
            text(&source_of(&d, &env("Bus__fullyQualifiedNamespace"), &app)),
            "spec.connections.Bus.fullyQualifiedNamespace"
        );
        assert_eq!(
            text(&source_of(&d, &env("Bus__clientId"), &app)),
            "spec.identity.clientId"
        );
        let image =
            crate::fieldpath::parse("spec.template.spec.containers[name=func].image").unwrap();
        assert_eq!(text(&source_of(&d, &image, &app)), "spec.image");
        let so: Mapping = serde_yaml::from_str("kind: ScaledObject").unwrap();
        let max = crate::fieldpath::parse("spec.maxReplicaCount").unwrap();
        assert_eq!(text(&source_of(&so, &max, &app)), "spec.scale.maxReplicas");
        let min = crate::fieldpath::parse("spec.minReplicaCount").unwrap();
        assert_eq!(
            text(&source_of(&so, &min, &app)),
            "spec.scale",
            "as deep as the app has it"
        );
        let other = crate::fieldpath::parse("spec.selector.matchLabels.x").unwrap();
        assert_eq!(text(&source_of(&d, &other, &app)), "metadata.name");
    }
}
