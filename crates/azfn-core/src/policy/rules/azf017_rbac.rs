//! AZF017 rbac: a function's service account bound to cluster-admin or to every Secret.
use std::collections::BTreeSet;

use serde_yaml::Value;

use crate::krm::{Resource, Severity};
use crate::policy::walk::{Catalog, containers, pod_specs};
use crate::policy::{Diagnostic, Meta, Rule};
use crate::yaml::Field;

/// See the [`Meta`] below.
pub struct Rbac;

/// Built-in ClusterRoles that read every Secret they reach (Kubernetes user-facing roles).
const BUILT_IN: &[(&str, &str)] = &[
    ("cluster-admin", "full control of the cluster"),
    ("admin", "read and write access to every Secret"),
    ("edit", "read and write access to every Secret"),
];

/// Verbs that reveal or change a Secret's contents.
const SECRET_VERBS: &[&str] = &[
    "get", "list", "watch", "update", "patch", "create", "delete", "*",
];

impl Rule for Rbac {
    fn meta(&self) -> &'static Meta {
        &Meta {
            code: "AZF017",
            name: "rbac",
            severity: Severity::Error,
            explanation: "The service account of a Functions workload is bound to `cluster-admin`, `admin` or \
         `edit`, or to a Role that grants access to all Secrets (no `resourceNames`) or to \
         everything (`*`). Generated manifests grant the host read and write on every Secret \
         to keep its function keys; copied samples bind `cluster-admin`. A compromised function \
         then reads every credential in the namespace or cluster. Grant only the named Secrets \
         the host needs (`resourceNames`), or keep keys out of Kubernetes Secrets altogether.",
        }
    }

    fn check(&self, resources: &Catalog<'_>, findings: &mut Vec<Diagnostic>) {
        let accounts = function_accounts(resources);
        if accounts.is_empty() {
            return;
        }
        for binding in resources.iter().filter(|r| {
            matches!(r.kind(), "RoleBinding" | "ClusterRoleBinding")
                && r.api_version().starts_with("rbac.authorization.k8s.io/")
        }) {
            let Some(account) = bound_account(binding, &accounts) else {
                continue;
            };
            let role_kind = binding
                .get_path(&["roleRef", "kind"])
                .and_then(Value::as_str)
                .unwrap_or_default();
            let role_name = binding
                .get_path(&["roleRef", "name"])
                .and_then(Value::as_str)
                .unwrap_or_default();
            let role_namespace = if role_kind == "Role" {
                binding.namespace()
            } else {
                ""
            };
            let scope = if binding.kind() == "ClusterRoleBinding" {
                "in every namespace"
            } else {
                "in its namespace"
            };
            if let Some(role) = resources.find(role_namespace, role_kind, role_name) {
                for (i, grant) in broad_grants(role) {
                    let message = format!(
                        "{role_kind} {role_name} grants {grant} {scope} to the Functions service account {account} (through {} {}); name the Secrets in resourceNames",
                        binding.kind(),
                        binding.name()
                    );
                    findings.push(Diagnostic::finding(self, role, format!("rules[{i}]"), message));
                }
            } else if role_kind == "ClusterRole"
                && let Some((_, what)) = BUILT_IN.iter().find(|(n, _)| *n == role_name)
            {
                let message = format!(
                    "{} {} gives the Functions service account {account} the built-in {role_name} role, {what} {scope}",
                    binding.kind(),
                    binding.name()
                );
                findings.push(Diagnostic::finding(self, binding, "roleRef.name".into(), message));
            }
        }
    }
}

/// `namespace/name` of every service account a Functions container runs as.
fn function_accounts(resources: &Catalog<'_>) -> BTreeSet<(String, String)> {
    let mut accounts = BTreeSet::new();
    for resource in resources {
        if !containers(resource)
            .iter()
            .any(|c| c.runs_functions_host(resources))
        {
            continue;
        }
        for (_, spec) in pod_specs(resource) {
            let name = spec
                .field("serviceAccountName")
                .or_else(|| spec.field("serviceAccount"))
                .and_then(Value::as_str)
                .unwrap_or("default");
            accounts.insert((resource.namespace().to_owned(), name.to_owned()));
        }
    }
    accounts
}

/// The first function service account among the binding's subjects, as `namespace/name`.
fn bound_account(binding: &Resource, accounts: &BTreeSet<(String, String)>) -> Option<String> {
    binding
        .field("subjects")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .find_map(|subject| {
            if subject.field("kind").and_then(Value::as_str) != Some("ServiceAccount") {
                return None;
            }
            let name = subject.field("name").and_then(Value::as_str)?;
            let namespace = subject
                .field("namespace")
                .and_then(Value::as_str)
                .unwrap_or(binding.namespace());
            accounts
                .contains(&(namespace.to_owned(), name.to_owned()))
                .then(|| format!("{namespace}/{name}"))
        })
}

/// Rules that reach every Secret (or everything), with their index and a description.
fn broad_grants(role: &Resource) -> Vec<(usize, String)> {
    let strings = |rule: &Value, key: &str| -> Vec<String> {
        rule.get(key)
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    };
    let mut out = Vec::new();
    for (i, rule) in role
        .field("rules")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let groups = strings(rule, "apiGroups");
        let kinds = strings(rule, "resources");
        let verbs = strings(rule, "verbs");
        let named = !strings(rule, "resourceNames").is_empty();
        let any = |list: &[String]| list.iter().any(|v| v == "*");
        if any(&groups) && any(&kinds) && any(&verbs) {
            out.push((i, "every verb on every resource".to_owned()));
            continue;
        }
        let core = groups.iter().any(|g| g.is_empty() || g == "*");
        let secrets = kinds.iter().any(|k| k == "secrets" || k == "*");
        let reveal: Vec<&str> = verbs
            .iter()
            .map(String::as_str)
            .filter(|v| SECRET_VERBS.contains(v))
            .collect();
        if core && secrets && !reveal.is_empty() && !named {
            out.push((i, format!("{} on all Secrets", reveal.join(", "))));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::rules::test_support::check;

    const APP: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: app, namespace: fn}
spec:
  template:
    spec:
      serviceAccountName: app
      containers:
      - {name: func, image: mcr.microsoft.com/azure-functions/node:4}
---
";

    fn fields(rest: &str) -> Vec<String> {
        check(&Rbac, &format!("{APP}{rest}"))
            .into_iter()
            .map(|f| {
                let r = f.resource.unwrap();
                format!("{}/{} {}", r.kind, r.name, f.field.unwrap())
            })
            .collect()
    }

    #[test]
    fn cluster_admin_and_all_secrets_fail() {
        let admin = "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: app-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: app, namespace: fn}]
";
        assert_eq!(fields(admin), ["ClusterRoleBinding/app-admin roleRef.name"]);
        let secrets = "apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: keys, namespace: fn}
rules:
- {apiGroups: [\"\"], resources: [configmaps], verbs: [get]}
- {apiGroups: [\"\"], resources: [secrets], verbs: [get, list, create, update]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: keys, namespace: fn}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: keys}
subjects: [{kind: ServiceAccount, name: app}]
";
        let found = check(&Rbac, &format!("{APP}{secrets}"));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].field.as_deref(), Some("rules[1]"));
        assert!(
            found[0]
                .message
                .starts_with("Role keys grants get, list, create, update on all Secrets in its namespace to the Functions service account fn/app (through RoleBinding keys)"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn named_secrets_and_other_accounts_pass() {
        let named = "apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: keys, namespace: fn}
rules:
- {apiGroups: [\"\"], resources: [secrets], resourceNames: [app-keys], verbs: [get, update]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: keys, namespace: fn}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: keys}
subjects: [{kind: ServiceAccount, name: app}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ops-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: ops, namespace: fn}]
";
        assert_eq!(fields(named), Vec::<String>::new());
    }
}
