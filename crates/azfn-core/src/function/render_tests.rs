use crate::function::process_resource_list;

fn list(apps: &str) -> String {
    format!("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n{apps}")
}

const ORDERS: &str = "- apiVersion: azfn.dev/v1alpha1
  kind: FunctionApp
  metadata:
    name: orders
    namespace: orders-prod
    labels:
      team: payments
    annotations:
      config.kubernetes.io/local-config: \"true\"
  spec:
    image: contoso.azurecr.io/orders:1.4.2
    runtime: dotnet-isolated
    identity:
      clientId: 11111111-2222-3333-4444-555555555555
      tenantId: 66666666-7777-8888-9999-000000000000
    storage:
      accountName: stordersprod
    connections:
      ServiceBus:
        fullyQualifiedNamespace: sb-orders-prod.servicebus.windows.net
      Images:
        blobServiceUri: https://stimagesprod.blob.core.windows.net
        queueServiceUri: https://stimagesprod.queue.core.windows.net
    settings:
      ORDERS_FEATURE_X: \"on\"
    secrets:
      keyVault:
        name: kv-orders-prod
      items:
      - env: PAYMENT_API_KEY
        secret: payment-api-key
        version: 0123456789abcdef
    functions:
    - name: Api
      trigger: {type: http}
    - name: ProcessOrder
      trigger: {type: serviceBusQueue, connection: ServiceBus, queueName: orders, maxConcurrentCalls: 32}
    - name: Receipts
      trigger: {type: storageQueue, queueName: receipts}
    - name: Thumbnail
      trigger: {type: blob, connection: Images, path: \"images/uploads/{name}\"}
    - name: Nightly
      trigger: {type: timer, schedule: \"0 0 2 * * *\"}
    scale:
      maxReplicas: 30
      http:
        minReplicas: 2
        maxReplicas: 8
";

const EVERYTHING_ELSE: &str = "- apiVersion: azfn.dev/v1alpha1
  kind: FunctionApp
  metadata:
    name: telemetry
  spec:
    image: contoso.azurecr.io/telemetry@sha256:0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9
    runtime: python
    hostId: telemetry-dev
    port: 8080
    identity:
      clientId: 11111111-2222-3333-4444-555555555555
      serviceAccount: telemetry-wi
    storage:
      accountName: sttelemetry
    connections:
      Events:
        fullyQualifiedNamespace: evhns-telemetry.servicebus.windows.net
      Bus:
        fullyQualifiedNamespace: sb-telemetry.servicebus.windows.net
      Cosmos:
        accountEndpoint: https://cosmos-telemetry.documents.azure.com:443/
    secrets:
      keyVault:
        name: kv-telemetry
        tenantId: 66666666-7777-8888-9999-000000000000
      items:
      - env: RABBIT_URI
        secret: rabbit-uri
    functions:
    - name: Ingest
      trigger: {type: eventHubs, connection: Events, eventHubName: telemetry}
    - name: Audit
      trigger: {type: serviceBusTopic, connection: Bus, topicName: audit, subscriptionName: archive}
    - name: Stream
      trigger: {type: kafka, brokerList: \"kafka:9092\", topic: clicks, consumerGroup: azfn}
    - name: Legacy
      trigger: {type: rabbitMQ, queueName: legacy, connectionSecret: RABBIT_URI}
    - name: Changes
      trigger: {type: cosmosDB, connection: Cosmos, databaseName: db, containerName: items}
    - name: Grid
      trigger: {type: eventGrid}
    - name: Cleanup
      trigger: {type: timer, schedule: \"0 */5 * * * *\"}
    scale:
      minReplicas: 0
      timerWindow: {timezone: Europe/Amsterdam, start: \"0 1 * * *\", end: \"0 3 * * *\"}
      http: {mode: kedaHttpAddOn, hosts: [telemetry.contoso.com]}
    probes: {path: /api/health}
    http: {serviceType: LoadBalancer, port: 8080}
";

#[test]
fn renders_the_orders_app() {
    let out = process_resource_list(&list(ORDERS), "<stdin>").unwrap();
    assert!(!out.has_errors(), "{}", out.summary());
    insta::assert_snapshot!(out.yaml);
}

#[test]
fn renders_every_other_trigger_and_option() {
    let out = process_resource_list(&list(EVERYTHING_ELSE), "<stdin>").unwrap();
    assert!(!out.has_errors(), "{}", out.summary());
    insta::assert_snapshot!(out.yaml);
}

#[test]
fn rendering_is_idempotent_and_deterministic() {
    for app in [ORDERS, EVERYTHING_ELSE] {
        let once = process_resource_list(&list(app), "<stdin>").unwrap().yaml;
        let again = process_resource_list(&list(app), "<stdin>").unwrap().yaml;
        assert_eq!(once, again);
        // Running on its own output (results stripped) changes nothing.
        let items_only = once.split("\nresults:\n").next().unwrap().to_owned() + "\n";
        let twice = process_resource_list(&items_only, "<stdin>").unwrap().yaml;
        assert_eq!(
            twice.split("\nresults:\n").next(),
            once.split("\nresults:\n").next()
        );
    }
}

#[test]
fn a_renamed_app_replaces_what_it_rendered_before() {
    let first = process_resource_list(&list(ORDERS), "<stdin>")
        .unwrap()
        .yaml;
    let items_only = first.split("\nresults:\n").next().unwrap().to_owned() + "\n";
    // What kustomize does to every object in an overlay with namePrefix: prod- (the rendered
    // objects keep their old references, the FunctionApp remembers its old name).
    let renamed = items_only
        .replace("  metadata:\n    name: orders\n    namespace: orders-prod\n    labels:\n      team: payments\n    annotations:\n", "  metadata:\n    name: prod-orders\n    namespace: orders-prod\n    labels:\n      team: payments\n    annotations:\n      internal.config.kubernetes.io/previousNames: orders,orders\n");
    assert_ne!(renamed, items_only, "the test must rename the FunctionApp");
    let out = process_resource_list(&renamed, "<stdin>").unwrap().yaml;
    assert!(
        !out.contains("rendered-from: FunctionApp/orders\n"),
        "stale objects kept:\n{out}"
    );
    for reference in [
        "scaleTargetRef:\n      name: prod-orders\n",
        "serviceAccountName: prod-orders\n",
        "secretProviderClass: prod-orders-kv\n",
        "authenticationRef:\n        name: prod-orders-keda\n",
        "secretName: prod-orders-kv\n",
    ] {
        assert!(out.contains(reference), "missing {reference:?} in\n{out}");
    }
}

fn error(spec_patch: &str) -> String {
    let app = ORDERS.replacen(
        "    image: contoso.azurecr.io/orders:1.4.2\n",
        spec_patch,
        1,
    );
    process_resource_list(&list(&app), "<stdin>")
        .unwrap_err()
        .to_string()
}

#[test]
fn spec_errors_name_the_file_resource_and_field() {
    let cases = [
        (
            "    imag: contoso.azurecr.io/orders:1.4.2\n",
            "<stdin>: FunctionApp/orders: spec.imag: unknown field `imag`; did you mean `image`?",
        ),
        (
            "    image: contoso.azurecr.io/orders:1.4.2\n    replicas: 3\n",
            "spec.replicas: unknown field `replicas`; known: ",
        ),
        (
            "    image: contoso.azurecr.io/orders\n",
            "spec.image: `contoso.azurecr.io/orders` has no tag or digest",
        ),
        (
            "    image: contoso.azurecr.io/orders:latest\n",
            "spec.image: `contoso.azurecr.io/orders:latest` uses `latest`",
        ),
        (
            "    image: contoso.azurecr.io/orders:1.4.2\n    hostId: Orders_Prod\n",
            "spec.hostId: `Orders_Prod` is not a valid host ID",
        ),
        (
            "    image: 3\n",
            "spec.image: expected a string, found a number",
        ),
    ];
    for (patch, expected) in cases {
        let err = error(patch);
        assert!(err.contains(expected), "{patch:?}:\n{err}");
    }
    let missing = process_resource_list(
        &list(&ORDERS.replace("    runtime: dotnet-isolated\n", "")),
        "<stdin>",
    )
    .unwrap_err()
    .to_string();
    assert!(
        missing.contains("spec.runtime: required field `runtime` is missing"),
        "{missing}"
    );
    let bad_runtime = process_resource_list(
        &list(&ORDERS.replace("runtime: dotnet-isolated", "runtime: dotnet-isolate")),
        "<stdin>",
    )
    .unwrap_err()
    .to_string();
    assert!(
        bad_runtime.contains(
            "spec.runtime: unknown value `dotnet-isolate`; did you mean `dotnet-isolated`?"
        ),
        "{bad_runtime}"
    );
    let bad_trigger = process_resource_list(
        &list(&ORDERS.replace("type: serviceBusQueue", "type: serviceBusQeue")),
        "<stdin>",
    )
    .unwrap_err()
    .to_string();
    assert!(bad_trigger.contains("spec.functions[1].trigger.type: unknown type `serviceBusQeue`; did you mean `serviceBusQueue`?"), "{bad_trigger}");
    let bad_connection = process_resource_list(
        &list(&ORDERS.replace("connection: ServiceBus,", "connection: ServiceBuss,")),
        "<stdin>",
    )
    .unwrap_err()
    .to_string();
    assert!(bad_connection.contains("spec.functions[1].trigger.connection: unknown connection `ServiceBuss`; did you mean `ServiceBus`?"), "{bad_connection}");
    let pod_namespace = process_resource_list(
        &list(&ORDERS.replace(
            "      ORDERS_FEATURE_X: \"on\"\n",
            "      POD_NAMESPACE: x\n",
        )),
        "<stdin>",
    )
    .unwrap_err()
    .to_string();
    assert!(
        pod_namespace.contains("spec.settings.POD_NAMESPACE: never set POD_NAMESPACE"),
        "{pod_namespace}"
    );
}

#[test]
fn secret_values_in_settings_fail_the_build_without_being_shown() {
    let key: String = "c2V0dGluZ3Mga2V5IG5vdCByZWFs"
        .chars()
        .cycle()
        .take(86)
        .collect();
    let app = ORDERS.replace(
        "      ORDERS_FEATURE_X: \"on\"\n",
        &format!("      LegacyStorage: \"AccountKey={key}==\"\n"),
    );
    let out = process_resource_list(&list(&app), "<stdin>").unwrap();
    assert!(out.has_errors());
    assert!(!out.summary().contains(&key[..16]));
}

#[test]
fn host_ids_are_valid_and_distinct_per_environment() {
    use crate::functionapp::render::{HOST_ID_MAX, derive_host_id};
    assert_eq!(
        derive_host_id("orders", "orders-prod"),
        "orders-orders-prod"
    );
    assert_eq!(derive_host_id("prod-orders", "prod"), "prod-orders");
    assert_eq!(derive_host_id("Orders_API", ""), "orders-api");
    let long = derive_host_id(
        "a-very-long-function-app-name",
        "a-very-long-namespace-name",
    );
    assert!(long.len() <= HOST_ID_MAX, "{long}");
    assert_ne!(
        long,
        derive_host_id(
            "a-very-long-function-app-name",
            "a-very-long-namespace-other"
        )
    );
}

#[test]
fn json_schema_and_reference_cover_every_field() {
    let schema = crate::functionapp::json_schema();
    let triggers = &schema["properties"]["spec"]["properties"]["functions"]["items"]["properties"]
        ["trigger"]["oneOf"];
    assert_eq!(triggers.as_array().unwrap().len(), 11);
    let table = crate::functionapp::reference_table();
    for field in [
        "spec.identity.clientId",
        "spec.secrets.items[].version",
        "spec.functions[].trigger.type: eventHubs",
        "spec.scale.http.mode",
    ] {
        assert!(table.contains(field), "{field} missing from the reference");
    }
}

/// An app whose scaler needs a secret while it runs no pod: External Secrets, not the CSI driver.
const EXTERNAL_SECRETS: &str = "- apiVersion: azfn.dev/v1alpha1
  kind: FunctionApp
  metadata: {name: legacy}
  spec:
    image: contoso.azurecr.io/legacy:2.0.0
    runtime: node
    identity: {clientId: 11111111-2222-3333-4444-555555555555, tenantId: 66666666-7777-8888-9999-000000000000}
    storage: {accountName: stlegacy}
    secrets:
      keyVault: {name: kv-legacy}
      items:
      - {env: RABBIT_URI, secret: rabbit-uri, version: abc123}
    functions:
    - name: Consume
      trigger: {type: rabbitMQ, queueName: jobs, connectionSecret: RABBIT_URI}
";

#[test]
fn external_secrets_when_a_scaler_needs_a_secret_at_zero() {
    let app = EXTERNAL_SECRETS;
    let out = process_resource_list(&list(app), "<stdin>").unwrap();
    assert!(!out.has_errors(), "{}", out.summary());
    assert!(
        !out.yaml.contains("SecretProviderClass"),
        "CSI must not be used: its Secret vanishes at zero"
    );
    insta::assert_snapshot!(out.yaml);
}

#[test]
fn every_provenance_rule_names_a_field_azfn_renders() {
    use crate::functionapp::origins::{FIELDS, keys, matches_prefix};
    let mut rendered: Vec<(String, Vec<crate::fieldpath::Segment>)> = Vec::new();
    for apps in [ORDERS, EVERYTHING_ELSE, EXTERNAL_SECRETS] {
        let out = process_resource_list(&list(apps), "<stdin>").unwrap();
        for item in &out.list.items {
            let value = serde_yaml::Value::Mapping(item.object().clone());
            let (_, segments) =
                crate::fieldpath::leaves(&value, &std::collections::BTreeMap::new());
            rendered.extend(segments.into_values().map(|s| (item.kind().to_owned(), s)));
        }
    }
    for (kind, pattern, _) in FIELDS {
        let pattern = keys(pattern);
        assert!(
            rendered
                .iter()
                .any(|(k, field)| k == kind && matches_prefix(&pattern, field)),
            "no rendered {kind} has {pattern:?}: the provenance table names a field azfn does not render"
        );
    }
}
