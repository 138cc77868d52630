# Images come from the team's registries only.
package azfn.registry

allowed := ["contoso.azurecr.io/", "mcr.microsoft.com/"]

workload_kinds := {"Deployment", "StatefulSet", "DaemonSet", "Job"}

deny contains finding if {
	workload_kinds[input.kind]
	some i, container in input.spec.template.spec.containers
	not from_allowed(container.image)
	finding := {
		"code": "ORG001",
		"field": sprintf("spec.template.spec.containers[%d].image", [i]),
		"msg": sprintf("container %s pulls %s, outside the allowed registries %v", [container.name, container.image, allowed]),
	}
}

from_allowed(image) if {
	some prefix in allowed
	startswith(image, prefix)
}
