//! KEDA: a scaler per non-HTTP trigger, the TriggerAuthentication through workload identity, and
//! the ScaledObject; and the worker's floor when a trigger has no scaler.
use super::*;

/// The account name in `https://<account>.<service>.core.windows.net`.
pub(super) fn account_of(uri: &str) -> Option<&str> {
    let host = uri.strip_prefix("https://")?.split('/').next()?;
    let (account, rest) = host.split_once('.')?;
    rest.contains(".core.").then_some(account)
}

/// `sb-orders` from `sb-orders.servicebus.windows.net` (KEDA wants the short name).
pub(super) fn short_namespace(fqdn: &str) -> &str {
    fqdn.split('.').next().unwrap_or(fqdn)
}

pub(super) fn worker_min_replicas(spec: &Spec, notes: &mut Vec<(String, String)>) -> u64 {
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

/// The client ID KEDA authenticates as: the shared KEDA reader's, or the app's own.
fn keda_identity<'a>(app: &App<'a>) -> &'a str {
    app.spec
        .identity
        .azure
        .as_ref()
        .filter(|a| a.keda.design == crate::functionapp::spec::KedaDesign::Shared)
        .and_then(|a| a.keda.client_id.as_deref())
        .unwrap_or(&app.spec.identity.client_id)
}

pub(super) fn trigger_authentication(app: &App) -> Mapping {
    let spec = map([(
        "podIdentity",
        map([
            ("provider", s("azure-workload")),
            ("identityId", s(keda_identity(app))),
            (
                "identityTenantId",
                opt_s(app.spec.identity.tenant_id.as_deref()),
            ),
        ]),
    )]);
    let mut metadata = app.metadata(&format!("{}-keda", app.name), Some("worker"));
    if keda_identity(app) != app.spec.identity.client_id {
        metadata["annotations"]
            .as_mapping_mut()
            .expect("metadata has annotations")
            .insert(KEDA_IDENTITY.into(), s("shared"));
    }
    object(
        "keda.sh/v1alpha1",
        "TriggerAuthentication",
        metadata,
        vec![("spec", spec)],
    )
}

pub(super) fn scaled_object(app: &App, min: u64, triggers: Vec<Value>) -> Mapping {
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
pub(super) struct Scalers<'a> {
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
    fn scaler(&self, function: &crate::functionapp::spec::Function) -> Option<Value> {
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
pub(super) fn scaler_triggers(
    app: &App,
    workers: &[&crate::functionapp::spec::Function],
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
