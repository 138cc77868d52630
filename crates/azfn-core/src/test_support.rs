//! What the core's unit tests share: the example app, compiled in (the core reads no files).
use crate::source::MemorySource;

/// The repository's example app (`examples/orders`) as a tree.
pub(crate) fn example() -> MemorySource {
    macro_rules! files {
        ($($path:literal),* $(,)?) => {{
            let mut source = MemorySource::new();
            $(source.insert($path, include_str!(concat!("../../../examples/orders/", $path)));)*
            source
        }};
    }
    files!(
        "base/functionapp.yaml",
        "base/kustomization.yaml",
        "overlays/broken/azfn.yaml",
        "overlays/broken/inline-connection-string.yaml",
        "overlays/broken/kustomization.yaml",
        "overlays/dev/azfn.yaml",
        "overlays/dev/kustomization.yaml",
        "overlays/prod-eu/azfn.yaml",
        "overlays/prod-eu/kustomization.yaml",
        "overlays/prod/azfn.yaml",
        "overlays/prod/functionapp.yaml",
        "overlays/prod/kustomization.yaml",
        "overlays/test/azfn.yaml",
        "overlays/test/functionapp.yaml",
        "overlays/test/kustomization.yaml",
        "parity.yaml",
    )
}

/// A FunctionApp spec with its Azure half (identity created, credentials, least-privilege
/// roles), a Service Bus queue trigger and a blob trigger.
pub(crate) const AZURE_APP: &str = "
image: contoso.azurecr.io/orders:1.4.2
runtime: dotnet-isolated
identity:
  clientId: 00000000-0000-0000-0000-00000000d001
  tenantId: 72f988bf-0000-0000-0000-000000000000
  azure:
    issuer: https://westeurope.oic.prod-aks.azure.com/tenant/cluster/
    subscriptionId: 11111111-1111-1111-1111-111111111111
    resourceGroup: rg-orders-prod
    name: id-orders-prod
    create:
      location: westeurope
storage:
  accountName: stordersprod
connections:
  ServiceBus:
    fullyQualifiedNamespace: sb-orders-prod.servicebus.windows.net
  Uploads:
    blobServiceUri: https://stuploadsprod.blob.core.windows.net
    queueServiceUri: https://stuploadsprod.queue.core.windows.net
secrets:
  keyVault:
    name: kv-orders-prod
  items:
  - env: PAYMENT_API_KEY
    secret: payment-api-key
functions:
- name: ProcessOrder
  trigger:
    type: serviceBusQueue
    connection: ServiceBus
    queueName: orders
- name: ResizeUpload
  trigger:
    type: blob
    connection: Uploads
    path: uploads/incoming/{name}
";

/// A value (a FunctionApp spec, say) from YAML text; generic so this module imports no other.
pub(crate) fn from_yaml<T: serde::de::DeserializeOwned>(text: &str) -> T {
    serde_yaml::from_str(text).expect("test YAML parses")
}
