package azfn.labels

test_owner_label_passes if {
	count(deny) == 0 with input as {
		"kind": "Deployment",
		"metadata": {"name": "orders", "labels": {"contoso.com/owner": "team-orders"}},
	}
}

test_missing_owner_fails if {
	some finding in deny with input as {"kind": "ScaledObject", "metadata": {"name": "orders"}}
	finding.msg == "ScaledObject orders has no contoso.com/owner label: name the owning team"
}

test_services_need_no_owner if {
	count(deny) == 0 with input as {"kind": "Service", "metadata": {"name": "orders"}}
}
