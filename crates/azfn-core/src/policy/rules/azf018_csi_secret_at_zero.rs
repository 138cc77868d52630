//! AZF018 csi-secret-at-zero: a scaler that reads a Secret only the CSI driver creates, on a
//! workload that can scale to zero.
use std::collections::BTreeMap;

use serde_yaml::Value;

use crate::krm::{Resource, Severity};
use crate::policy::walk::{Catalog, containers, landing};
use crate::policy::{Diagnostic, Meta, Rule};
use crate::yaml::Field;

/// See the [`Meta`] below.
pub struct CsiSecretAtZero;

impl Rule for CsiSecretAtZero {
    fn meta(&self) -> &'static Meta {
        &Meta {
            code: "AZF018",
            name: "csi-secret-at-zero",
            severity: Severity::Error,
            explanation: "A KEDA trigger reads its connection from a Secret that exists only because the Secrets \
         Store CSI driver syncs it (`secretObjects` of a SecretProviderClass) while a pod mounts \
         the volume, and the ScaledObject can scale its workload to zero (`minReplicaCount: 0`, \
         KEDA's default). At zero replicas the synced Secret is deleted, KEDA cannot read it, and \
         the app never scales up again (keda #2315). Use workload identity for the scaler \
         (TriggerAuthentication with `podIdentity.provider: azure-workload`), sync the Secret \
         with External Secrets or KEDA's `azureKeyVault` auth, or keep `minReplicaCount: 1`.",
        }
    }

    fn check(&self, resources: &Catalog<'_>, findings: &mut Vec<Diagnostic>) {
        let synced = csi_only_secrets(resources);
        if synced.is_empty() {
            return;
        }
        for &(scaled, target) in resources.scaled_targets() {
            let min = scaled
                .get_path(&["spec", "minReplicaCount"])
                .and_then(Value::as_u64)
                .unwrap_or(0);
            if min > 0 {
                continue;
            }
            let namespace = landing(scaled.namespace());
            let csi = |secret: &str| synced.get(&(namespace, secret)).copied();
            let triggers = scaled
                .get_path(&["spec", "triggers"])
                .and_then(Value::as_sequence);
            for (i, trigger) in triggers.into_iter().flatten().enumerate() {
                let mut report = |field: String, how: String, secret: &str, class: &str| {
                    let message = format!(
                        "trigger {i} of ScaledObject {} {how} Secret {secret}, which only exists while a pod mounts SecretProviderClass {class}; at zero replicas it is gone and KEDA cannot scale up: use workload identity for the scaler or minReplicaCount: 1",
                        scaled.name()
                    );
                    findings.push(Diagnostic::finding(self, scaled, field, message));
                };
                if let Some(auth) = trigger.field("authenticationRef") {
                    let kind = auth
                        .field("kind")
                        .and_then(Value::as_str)
                        .unwrap_or("TriggerAuthentication");
                    let name = auth.field("name").and_then(Value::as_str).unwrap_or_default();
                    if kind == "TriggerAuthentication"
                        && let Some(ta) = resources.find(namespace, kind, name)
                    {
                        for secret in secret_target_refs(ta) {
                            if let Some(class) = csi(secret) {
                                report(
                                    format!("spec.triggers[{i}].authenticationRef"),
                                    format!(
                                        "authenticates through TriggerAuthentication {name}, which reads"
                                    ),
                                    secret,
                                    class,
                                );
                            }
                        }
                    }
                }
                let (Some(target), Some(metadata)) =
                    (target, trigger.field("metadata").and_then(Value::as_mapping))
                else {
                    continue;
                };
                for (key, value) in metadata {
                    let (Some(key), Some(var)) = (key.as_str(), value.as_str()) else {
                        continue;
                    };
                    if !key.ends_with("FromEnv") {
                        continue;
                    }
                    if let Some(secret) = env_secret(scaled, target, var)
                        && let Some(class) = csi(secret)
                    {
                        report(
                            format!("spec.triggers[{i}].metadata.{key}"),
                            format!("takes {key} {var:?} from"),
                            secret,
                            class,
                        );
                    }
                }
            }
        }
    }
}

/// Secrets synced by a SecretProviderClass and not defined any other way, by (namespace, name),
/// with the class that syncs them.
fn csi_only_secrets<'a>(resources: &Catalog<'a>) -> BTreeMap<(&'a str, &'a str), &'a str> {
    let mut synced = BTreeMap::new();
    for class in resources.into_iter().filter(|r| {
        r.kind() == "SecretProviderClass"
            && r.api_version().starts_with("secrets-store.csi.x-k8s.io/")
    }) {
        for object in class
            .get_path(&["spec", "secretObjects"])
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
        {
            if let Some(name) = object.field("secretName").and_then(Value::as_str) {
                synced.insert((landing(class.namespace()), name), class.name());
            }
        }
    }
    synced.retain(|&(namespace, name), _| {
        resources.find(namespace, "Secret", name).is_none()
            && !external_secret(resources, namespace, name)
    });
    synced
}

/// Whether an External Secrets `ExternalSecret` in `namespace` creates Secret `name`.
fn external_secret(resources: &Catalog<'_>, namespace: &str, name: &str) -> bool {
    resources.iter().any(|r| {
        r.kind() == "ExternalSecret"
            && landing(r.namespace()) == landing(namespace)
            && r.get_path(&["spec", "target", "name"])
                .and_then(Value::as_str)
                .unwrap_or(r.name())
                == name
    })
}

/// The Secret names a TriggerAuthentication's `secretTargetRef` entries read.
fn secret_target_refs(ta: &Resource) -> impl Iterator<Item = &str> {
    ta.get_path(&["spec", "secretTargetRef"])
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(|r| r.field("name").and_then(Value::as_str))
}

/// The Secret the env var `var` of the scaled container comes from, if any.
fn env_secret<'a>(scaled: &Resource, target: &'a Resource, var: &str) -> Option<&'a str> {
    let source = scaled
        .get_path(&["spec", "scaleTargetRef", "envSourceContainerName"])
        .and_then(Value::as_str);
    let container = containers(target)
        .into_iter()
        .filter(|c| c.path.contains(".containers["))
        .find(|c| source.is_none_or(|s| s == c.name))?;
    if let Some((_, entry)) = container
        .env()
        .find(|(_, e)| e.field("name").and_then(Value::as_str) == Some(var))
    {
        return entry
            .field("valueFrom")
            .and_then(|v| v.field("secretKeyRef"))
            .and_then(|r| r.field("name"))
            .and_then(Value::as_str);
    }
    container
        .object
        .field("envFrom")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .find_map(|from| {
            let prefix = from.field("prefix").and_then(Value::as_str).unwrap_or("");
            var.strip_prefix(prefix)?;
            from.field("secretRef")?.field("name")?.as_str()
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::rules::test_support::check;

    const BASE: &str = "apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata: {name: kv, namespace: fn}
spec:
  provider: azure
  secretObjects: [{secretName: kv-synced, type: Opaque, data: [{objectName: sb, key: sb}]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app, namespace: fn}
spec:
  template:
    spec:
      containers:
      - name: func
        env:
        - {name: SB, valueFrom: {secretKeyRef: {name: kv-synced, key: sb}}}
---
apiVersion: keda.sh/v1alpha1
kind: TriggerAuthentication
metadata: {name: sb-auth, namespace: fn}
spec:
  secretTargetRef: [{parameter: connection, name: kv-synced, key: sb}]
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: app, namespace: fn}
spec:
  scaleTargetRef: {name: app}
  triggers:
  - type: azure-servicebus
    metadata: {queueName: q, connectionFromEnv: SB}
  - type: azure-servicebus
    metadata: {queueName: q}
    authenticationRef: {name: sb-auth}
";

    fn fields(yaml: &str) -> Vec<String> {
        check(&CsiSecretAtZero, yaml)
            .into_iter()
            .map(|f| f.field.unwrap())
            .collect()
    }

    #[test]
    fn env_and_trigger_authentication_on_a_synced_secret_fail_at_zero() {
        assert_eq!(
            fields(BASE),
            [
                "spec.triggers[0].metadata.connectionFromEnv",
                "spec.triggers[1].authenticationRef",
            ]
        );
    }

    #[test]
    fn one_replica_or_an_external_secret_passes() {
        let kept = BASE.replace(
            "  scaleTargetRef: {name: app}\n",
            "  scaleTargetRef: {name: app}\n  minReplicaCount: 1\n",
        );
        assert_eq!(fields(&kept), Vec::<String>::new());
        let external = format!(
            "{BASE}---\napiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nmetadata: {{name: x, namespace: fn}}\nspec:\n  target: {{name: kv-synced}}\n"
        );
        assert_eq!(fields(&external), Vec::<String>::new());
    }
}
