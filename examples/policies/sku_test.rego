package azfn.sku

namespace(environment, sku) := {
	"apiVersion": "servicebus.azure.com/v1api20211101",
	"kind": "Namespace",
	"metadata": {"name": "sb-orders", "labels": {"contoso.com/environment": environment}},
	"spec": {"sku": {"name": sku}},
}

test_standard_in_prod_fails if {
	deny["Service Bus namespace sb-orders is Standard in prod: use Premium"] with input as namespace("prod", "Standard")
}

test_premium_in_prod_passes if {
	count(deny) == 0 with input as namespace("prod", "Premium")
}

test_standard_in_dev_passes if {
	count(deny) == 0 with input as namespace("dev", "Standard")
}

test_kubernetes_namespaces_are_not_service_bus if {
	count(deny) == 0 with input as {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "orders-prod", "labels": {"contoso.com/environment": "prod"}}}
}
