# In prod, Service Bus namespaces (Azure Service Operator) are Premium: Standard has no
# isolation and no availability zones. Other environments may save money.
package azfn.sku

deny contains msg if {
	input.kind == "Namespace"
	startswith(input.apiVersion, "servicebus.azure.com/")
	input.metadata.labels["contoso.com/environment"] == "prod"
	input.spec.sku.name != "Premium"
	msg := sprintf("Service Bus namespace %s is %s in prod: use Premium", [input.metadata.name, input.spec.sku.name])
}
