//! Azure-Functions-shaped ResourceLists of any size, for benchmarks: a Deployment with env, a
//! Service, a ConfigMap and a KEDA ScaledObject per app, as kpt would send them.

/// A ResourceList of `n` items.
pub fn resource_list(n: usize) -> String {
    let mut out = String::from("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n");
    for i in 0..n {
        let app = i / 4;
        let annotations = format!(
            "    annotations:\n      config.kubernetes.io/index: '{}'\n      config.kubernetes.io/path: 'app-{app}.yaml'\n      internal.config.kubernetes.io/index: '{}'\n      internal.config.kubernetes.io/path: 'app-{app}.yaml'\n      internal.config.kubernetes.io/id: '{i}'\n      config.k8s.io/id: '{i}'\n",
            i % 4,
            i % 4
        );
        let item = match i % 4 {
            0 => format!(
                "- apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: app-{app}\n    labels:\n      app.kubernetes.io/name: app-{app}\n{annotations}  spec:\n    replicas: 2\n    selector:\n      matchLabels:\n        app.kubernetes.io/name: app-{app}\n    template:\n      metadata:\n        labels:\n          app.kubernetes.io/name: app-{app}\n          azure.workload.identity/use: \"true\"\n      spec:\n        serviceAccountName: app-{app}\n        containers:\n        - name: func\n          image: contoso.azurecr.io/app-{app}:1.4.2\n          env:\n          - name: AzureWebJobsStorage__accountName\n            value: stapp{app}\n          - name: ServiceBus__fullyQualifiedNamespace\n            value: sb-app-{app}.servicebus.windows.net\n          - name: FUNCTIONS_WORKER_RUNTIME\n            value: dotnet-isolated\n          - name: AzureFunctionsWebHost__hostid\n            value: app-{app}\n          resources:\n            requests:\n              cpu: 250m\n              memory: 256Mi\n            limits:\n              memory: 512Mi\n          readinessProbe:\n            httpGet: {{path: /admin/host/ping, port: 80}}\n          livenessProbe:\n            httpGet: {{path: /admin/host/ping, port: 80}}\n"
            ),
            1 => format!(
                "- apiVersion: v1\n  kind: Service\n  metadata:\n    name: app-{app}\n{annotations}  spec:\n    selector:\n      app.kubernetes.io/name: app-{app}\n    ports:\n    - port: 80\n      targetPort: 8080\n"
            ),
            2 => format!(
                "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: app-{app}-settings\n{annotations}  data:\n    AzureFunctionsWebHost__hostid: app-{app}\n    ORDERS_BATCH_SIZE: \"20\"\n    FEATURE_FLAGS: \"a,b,c\"\n"
            ),
            _ => format!(
                "- apiVersion: keda.sh/v1alpha1\n  kind: ScaledObject\n  metadata:\n    name: app-{app}\n{annotations}  spec:\n    scaleTargetRef:\n      name: app-{app}\n    minReplicaCount: 1\n    maxReplicaCount: 20\n    triggers:\n    - type: azure-servicebus\n      metadata:\n        queueName: orders\n        namespace: sb-app-{app}\n        messageCount: \"20\"\n"
            ),
        };
        out.push_str(&item);
    }
    out
}
