//! AZF011 keda-scaler-type: a ScaledObject trigger type KEDA does not have.
use serde_yaml::Value;

use crate::krm::Severity;
use crate::policy::walk::Catalog;
use crate::policy::{Diagnostic, Meta, Rule};
use crate::yaml::Field;

/// See the [`Meta`] below.
pub struct KedaScalerType;

/// KEDA 2.x scaler types (keda-docs 2.20 `content/docs/2.20/scalers`).
pub(crate) const SCALERS: &[&str] = &[
    "activemq",
    "apache-kafka",
    "arangodb",
    "artemis-queue",
    "aws-cloudwatch",
    "aws-dynamodb",
    "aws-dynamodb-streams",
    "aws-kinesis-stream",
    "aws-sqs-queue",
    "azure-app-insights",
    "azure-blob",
    "azure-data-explorer",
    "azure-eventhub",
    "azure-log-analytics",
    "azure-monitor",
    "azure-pipelines",
    "azure-queue",
    "azure-servicebus",
    "beanstalkd",
    "cassandra",
    "couchdb",
    "cpu",
    "cron",
    "datadog",
    "dynatrace",
    "elasticsearch",
    "etcd",
    "external",
    "external-push",
    "forgejo-runner",
    "gcp-cloudtasks",
    "gcp-pubsub",
    "gcp-stackdriver",
    "gcp-storage",
    "github-runner",
    "graphite",
    "huawei-cloudeye",
    "ibmmq",
    "influxdb",
    "kafka",
    "kubernetes-resource",
    "kubernetes-workload",
    "liiklus",
    "loki",
    "memory",
    "metrics-api",
    "mongodb",
    "mssql",
    "mysql",
    "nats-jetstream",
    "new-relic",
    "nsq",
    "openstack-metric",
    "openstack-swift",
    "postgresql",
    "predictkube",
    "prometheus",
    "pulsar",
    "rabbitmq",
    "redis",
    "redis-cluster",
    "redis-cluster-streams",
    "redis-sentinel",
    "redis-sentinel-streams",
    "redis-streams",
    "selenium-grid",
    "solace-direct-messaging",
    "solace-event-queue",
    "solr",
    "splunk",
    "splunk-observability",
    "stan",
    "temporal",
    "vertica",
];

/// Functions binding types `func kubernetes deploy` passes through as scaler types.
const FUNCTIONS_BINDINGS: &[&str] = &[
    "timertrigger",
    "cosmosdbtrigger",
    "httptrigger",
    "eventgridtrigger",
    "queuetrigger",
    "blobtrigger",
    "servicebustrigger",
    "eventhubtrigger",
    "orchestrationtrigger",
    "activitytrigger",
    "entitytrigger",
];

impl Rule for KedaScalerType {
    fn meta(&self) -> &'static Meta {
        &Meta {
            code: "AZF011",
            name: "keda-scaler-type",
            severity: Severity::Error,
            explanation: "A ScaledObject trigger's `type` is not a KEDA scaler. `func kubernetes deploy` passes \
         Functions binding types through (`timertrigger`, `cosmosdbtrigger`), and KEDA answers \
         `no scaler found for type`, leaving the ScaledObject not Ready. Use a KEDA scaler type; \
         for timers keep `minReplicaCount: 1` or add a `cron` window; HTTP and Event Grid need no \
         KEDA trigger.",
        }
    }

    fn check(&self, resources: &Catalog<'_>, findings: &mut Vec<Diagnostic>) {
        for resource in resources
            .iter()
            .filter(|r| r.kind() == "ScaledObject" || r.kind() == "ScaledJob")
        {
            let Some(triggers) = resource
                .get_path(&["spec", "triggers"])
                .and_then(Value::as_sequence)
            else {
                continue;
            };
            for (i, trigger) in triggers.iter().enumerate() {
                let Some(kind) = trigger.field("type").and_then(Value::as_str) else {
                    continue;
                };
                if SCALERS.contains(&kind) {
                    continue;
                }
                let message = if FUNCTIONS_BINDINGS.contains(&kind.to_ascii_lowercase().as_str()) {
                    format!(
                        "trigger type {kind:?} is a Functions binding, not a KEDA scaler: timers need minReplicaCount 1 or a cron window, HTTP and Event Grid no KEDA trigger, Cosmos DB has no KEDA scaler"
                    )
                } else {
                    crate::text::unknown("KEDA scaler type", kind, SCALERS)
                };
                findings.push(Diagnostic::finding(
                    self,
                    resource,
                    format!("spec.triggers[{i}].type"),
                    message,
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::rules::test_support::check;

    #[test]
    fn bindings_and_typos_fail() {
        let yaml = "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: a}\nspec:\n  triggers:\n  - {type: timerTrigger}\n  - {type: azure-queues}\n  - {type: azure-queue}\n";
        let messages: Vec<_> = check(&KedaScalerType, yaml)
            .into_iter()
            .map(|f| f.message)
            .collect();
        assert_eq!(messages.len(), 2);
        assert!(messages[0].contains("is a Functions binding"));
        assert!(
            messages[1].contains("did you mean `azure-queue`?"),
            "{}",
            messages[1]
        );
    }
}
