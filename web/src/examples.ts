// Examples one click away. The "inline secret" key is assembled at run time from a harmless
// pattern: it has the shape of a storage account key and is nobody's key.
const fakeKey = "ZXhhbXBsZSBvbmx5IG5vdCBhIHJlYWwga2V5".repeat(3).slice(0, 86) + "==";

const deployment = (env: string) => `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: orders
    namespace: orders-prod
    annotations:
      internal.config.kubernetes.io/path: deployment.yaml
  spec:
    replicas: 2
    template:
      metadata:
        labels:
          azure.workload.identity/use: "true"
      spec:
        serviceAccountName: orders
        containers:
        - name: func
          image: contoso.azurecr.io/orders:1.4.2
          resources:
            requests: {cpu: 250m, memory: 256Mi}
            limits: {memory: 512Mi}
          readinessProbe: {httpGet: {path: /admin/host/ping, port: 80}}
          livenessProbe: {httpGet: {path: /admin/host/ping, port: 80}}
          env:
          - name: AzureFunctionsWebHost__hostid
            value: orders-prod
${env}
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: orders-settings
    namespace: orders-prod
  data:
    FUNCTIONS_WORKER_RUNTIME: dotnet-isolated
    AzureFunctionsWebHost__hostid: orders-prod
`;

export const examples: Record<string, string> = {
  clean: deployment(`          - name: AzureWebJobsStorage__accountName
            value: stordersprod
          - name: ServiceBus__fullyQualifiedNamespace
            value: sb-orders-prod.servicebus.windows.net`),
  "inline-secret": deployment(`          - name: AzureWebJobsStorage
            value: DefaultEndpointsProtocol=https;AccountName=stordersprod;AccountKey=${fakeKey};EndpointSuffix=core.windows.net`),
  "broken-yaml": `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: settings
  data:
    a: b
`,
};
