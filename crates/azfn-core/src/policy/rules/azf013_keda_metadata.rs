//! AZF013 keda-metadata: Azure scaler metadata KEDA ignores or cannot use.
use serde_yaml::Value;

use crate::krm::Severity;
use crate::policy::walk::Catalog;
use crate::policy::walk::containers;
use crate::policy::{Diagnostic, Meta, Rule};
use crate::yaml::Field;

/// See the [`Meta`] below.
pub struct KedaMetadata;

/// Metadata keys per scaler (keda-docs 2.20 `scalers/*.md`, keda `pkg/scalers/*.go`).
const KEYS: &[(&str, &[&str])] = &[
    (
        "azure-queue",
        &[
            "queueName",
            "accountName",
            "connectionFromEnv",
            "queueLength",
            "activationQueueLength",
            "queueLengthStrategy",
            "cloud",
            "endpointSuffix",
        ],
    ),
    (
        "azure-blob",
        &[
            "blobContainerName",
            "blobPrefix",
            "blobDelimiter",
            "recursive",
            "globPattern",
            "accountName",
            "connectionFromEnv",
            "blobCount",
            "activationBlobCount",
            "cloud",
            "endpointSuffix",
        ],
    ),
    (
        "azure-servicebus",
        &[
            "queueName",
            "topicName",
            "subscriptionName",
            "namespace",
            "connectionFromEnv",
            "messageCount",
            "activationMessageCount",
            "useRegex",
            "operation",
            "cloud",
            "endpointSuffix",
        ],
    ),
    (
        "azure-eventhub",
        &[
            "eventHubName",
            "eventHubNameFromEnv",
            "eventHubNamespace",
            "eventHubNamespaceFromEnv",
            "consumerGroup",
            "connectionFromEnv",
            "storageConnectionFromEnv",
            "storageAccountName",
            "blobContainer",
            "checkpointStrategy",
            "unprocessedEventThreshold",
            "activationUnprocessedEventThreshold",
            "cloud",
            "endpointSuffix",
            "activeDirectoryEndpoint",
            "eventHubResourceURL",
        ],
    ),
    ("cron", &["timezone", "start", "end", "desiredReplicas"]),
];

impl Rule for KedaMetadata {
    fn meta(&self) -> &'static Meta {
        &Meta {
            code: "AZF013",
            name: "keda-metadata",
            severity: Severity::Error,
            explanation: "An Azure scaler's metadata has a key KEDA does not know (an `authenticationRef` indented \
         into `metadata` is silently ignored), a value that is not a string (the CRD types \
         metadata as strings), a blob trigger without `blobContainerName`, an Event Hubs trigger \
         without a checkpoint store (`storageAccountName` or `storageConnectionFromEnv`), or a \
         `connectionFromEnv` naming an env var the target container does not define. Fix the \
         metadata as KEDA's scaler docs give it.",
        }
    }

    fn check(&self, resources: &Catalog<'_>, findings: &mut Vec<Diagnostic>) {
        for &(scaled, target) in resources.scaled_targets() {
            let Some(triggers) = scaled
                .get_path(&["spec", "triggers"])
                .and_then(Value::as_sequence)
            else {
                continue;
            };
            let source = scaled
                .get_path(&["spec", "scaleTargetRef", "envSourceContainerName"])
                .and_then(Value::as_str);
            for (i, trigger) in triggers.iter().enumerate() {
                let kind = trigger
                    .field("type")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let Some(known) = KEYS.iter().find(|(k, _)| *k == kind).map(|(_, keys)| *keys)
                else {
                    continue;
                };
                let Some(metadata) = trigger.field("metadata").and_then(Value::as_mapping) else {
                    continue;
                };
                let at = |key: &str| format!("spec.triggers[{i}].metadata.{key}");
                let mut report = |field: String, message: String| {
                    findings.push(Diagnostic::finding(self, scaled, field, message));
                };
                for (key, value) in metadata {
                    let key = key.as_str().unwrap_or_default();
                    if !known.contains(&key) {
                        let hint = if matches!(key, "authenticationRef" | "type" | "name") {
                            format!(
                                "`{key}` belongs to the trigger, not its metadata (check the indentation): KEDA ignores it here"
                            )
                        } else {
                            crate::text::unknown(&format!("{kind} metadata key"), key, known)
                        };
                        report(at(key), hint);
                    } else if !value.is_string() {
                        report(
                            at(key),
                            format!(
                                "metadata value {key} must be a string (quote it): KEDA's CRD types metadata as strings"
                            ),
                        );
                    }
                }
                let has = |key: &str| metadata.contains_key(key);
                if kind == "azure-blob" && !has("blobContainerName") {
                    report(format!("spec.triggers[{i}].metadata"), "azure-blob needs blobContainerName (the container part of the function's blob path)".into());
                }
                if kind == "azure-eventhub"
                    && !has("storageAccountName")
                    && !has("storageConnectionFromEnv")
                {
                    report(format!("spec.triggers[{i}].metadata"), "azure-eventhub needs a checkpoint store: storageAccountName (Functions checkpoints in AzureWebJobsStorage) or storageConnectionFromEnv".into());
                }
                let Some(env) = metadata.field("connectionFromEnv").and_then(Value::as_str) else {
                    continue;
                };
                let Some(target) = target else { continue };
                let container = containers(target)
                    .into_iter()
                    .find(|c| source.is_none_or(|s| s == c.name));
                if let Some(container) = container
                    && container.environment(resources).lookup(env).is_missing()
                {
                    report(
                        at("connectionFromEnv"),
                        format!(
                            "connectionFromEnv {env:?} is not an env var of container {:?} of {}/{}",
                            container.name,
                            target.kind(),
                            target.name()
                        ),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::rules::test_support::check;

    #[test]
    fn misplaced_keys_numbers_missing_container_checkpoint_and_env() {
        let yaml = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w}\nspec:\n  template:\n    spec:\n      containers:\n      - name: func\n        env: [{name: Present, value: x}]\n---\napiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: w}\nspec:\n  scaleTargetRef: {name: w}\n  triggers:\n  - type: azure-queue\n    metadata: {queueName: q, queueLength: 16, connectionFromEnv: Missing, authenticationRef: {name: x}}\n  - type: azure-blob\n    metadata: {accountName: st}\n  - type: azure-eventhub\n    metadata: {eventHubName: e, eventHubNamespace: n}\n  - type: azure-queue\n    metadata: {queueName: q, connectionFromEnv: Present}\n";
        let fields: Vec<_> = check(&KedaMetadata, yaml)
            .into_iter()
            .map(|f| f.field.unwrap())
            .collect();
        assert_eq!(
            fields,
            [
                "spec.triggers[0].metadata.queueLength",
                "spec.triggers[0].metadata.authenticationRef",
                "spec.triggers[0].metadata.connectionFromEnv",
                "spec.triggers[1].metadata",
                "spec.triggers[2].metadata",
            ]
        );
    }
}
