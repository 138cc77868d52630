# Every Function app's workloads and scalers name the team that owns them.
package azfn.labels

labelled_kinds := {"Deployment", "ScaledObject", "ScaledJob"}

deny contains finding if {
	labelled_kinds[input.kind]
	not input.metadata.labels["contoso.com/owner"]
	finding := {
		"code": "ORG002",
		"field": "metadata.labels",
		"msg": sprintf("%s %s has no contoso.com/owner label: name the owning team", [input.kind, input.metadata.name]),
	}
}
