package azfn.registry

deployment(image) := {
	"kind": "Deployment",
	"metadata": {"name": "orders"},
	"spec": {"template": {"spec": {"containers": [{"name": "func", "image": image}]}}},
}

test_team_registry_passes if {
	count(deny) == 0 with input as deployment("contoso.azurecr.io/orders:1.4.2")
}

test_docker_hub_fails_at_the_image if {
	some finding in deny with input as deployment("docker.io/library/orders:1.4.2")
	finding.code == "ORG001"
	finding.field == "spec.template.spec.containers[0].image"
}

test_other_kinds_are_not_workloads if {
	count(deny) == 0 with input as {"kind": "ConfigMap", "metadata": {"name": "x"}}
}
