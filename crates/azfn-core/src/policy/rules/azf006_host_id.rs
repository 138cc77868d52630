//! AZF006 host-id: a Functions host without an explicit, valid host ID.
use crate::krm::Severity;
use crate::policy::walk::Catalog;
use crate::policy::environment::Lookup;
use crate::policy::walk::landing;
use crate::policy::{Diagnostic, Meta, Rule};

/// See the [`Meta`] below.
pub struct HostId;

const SETTING: &str = "AzureFunctionsWebHost__hostid";

/// Whether a host ID is valid: at most 32 characters of `[a-z0-9-]`, no dash at either end.
pub(crate) fn valid(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 32
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !id.starts_with('-')
        && !id.ends_with('-')
}

impl Rule for HostId {
    fn meta(&self) -> &'static Meta {
        &Meta {
            code: "AZF006",
            name: "host-id",
            severity: Severity::Error,
            explanation: "A Functions host in a pod without `AzureFunctionsWebHost__hostid` takes its host ID from \
         the pod name, so every replica is a different host: timer triggers fire on every \
         replica, and environments sharing a storage account collide. Set it explicitly, at most \
         32 characters of lowercase letters, digits and dashes, distinct per app and environment; \
         two Deployments in one namespace must not share one.",
        }
    }

    fn check(&self, resources: &Catalog<'_>, findings: &mut Vec<Diagnostic>) {
        // (namespace, host ID) -> every host using it: (Kind/name, container path, resource,
        // field, whether a Secret holds it). One of them (the first by name, so the input's
        // order does not matter) keeps it; each other one is a finding.
        type Users<'r> = Vec<(String, String, &'r crate::krm::Resource, String, bool)>;
        let mut shared: std::collections::BTreeMap<(String, String), Users<'_>> =
            std::collections::BTreeMap::new();
        for resource in resources {
            for container in resources.containers_of(resource).iter() {
                let env = container.environment(resources);
                if !container.runs_functions_host_in(&env) {
                    continue;
                }
                let setting = match env.lookup(SETTING) {
                    Lookup::Found(setting) => setting,
                    Lookup::Unknown => continue,
                    Lookup::Missing => {
                        let message = format!(
                            "container {:?} does not set {SETTING}: every replica becomes its own host and timers fire on each",
                            container.name
                        );
                        findings.push(Diagnostic::finding(
                            self,
                            resource,
                            format!("{}.env", container.path),
                            message,
                        ));
                        continue;
                    }
                };
                let Some(id) = setting.value.as_deref() else {
                    continue;
                };
                if valid(id) {
                    // The host that shares it is told where its ID comes in: its env entry,
                    // or the envFrom entry of a source it shares.
                    let field = if setting.source.is_none() {
                        setting.value_site().field.to_owned()
                    } else {
                        setting.entry.clone()
                    };
                    shared
                        .entry((landing(resource.namespace()).to_owned(), id.to_owned()))
                        .or_default()
                        .push((
                            format!("{}/{}", resource.kind(), resource.name()),
                            container.path.clone(),
                            resource,
                            field,
                            setting.secret,
                        ));
                } else {
                    let message = format!(
                        "host ID {} is invalid: at most 32 characters of a-z, 0-9 and -, not starting or ending with -",
                        setting.shown()
                    );
                    let at = setting.value_site();
                    findings.push(Diagnostic::finding(
                        self,
                        at.resource,
                        at.field.to_owned(),
                        message,
                    ));
                }
            }
        }
        for ((_, id), mut users) in shared {
            users.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
            // A Secret's value is never printed, not even through a host that shares it.
            let shown = if users.iter().any(|u| u.4) {
                "its host ID".to_owned()
            } else {
                format!("host ID {id:?}")
            };
            let (keeper, ..) = users.remove(0);
            for (_, _, resource, field, _) in users {
                let message = format!(
                    "{shown} is also used by {keeper}: hosts sharing an ID steal each other's locks and keys"
                );
                findings.push(Diagnostic::finding(self, resource, field, message));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::rules::test_support::check;

    fn deployment(name: &str, env: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: f}}\nspec:\n  template:\n    spec:\n      containers:\n      - name: func\n        image: x:1\n        env: [{{name: FUNCTIONS_WORKER_RUNTIME, value: node}}{env}]\n"
        )
    }

    #[test]
    fn missing_invalid_and_shared_host_ids() {
        let yaml = [
            deployment("a", ""),
            deployment(
                "b",
                ", {name: AzureFunctionsWebHost__hostid, value: Orders_Prod}",
            ),
            deployment(
                "c",
                ", {name: AzureFunctionsWebHost__hostid, value: orders-prod}",
            ),
            deployment(
                "d",
                ", {name: AzureFunctionsWebHost__hostid, value: orders-prod}",
            ),
        ]
        .join("---\n");
        let messages: Vec<_> = check(&HostId, &yaml)
            .into_iter()
            .map(|f| f.message)
            .collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(messages[0].contains("does not set AzureFunctionsWebHost__hostid"));
        assert!(messages[1].contains("\"Orders_Prod\" is invalid"));
        assert!(messages[2].contains("also used by Deployment/c"));
        let ok = deployment(
            "e",
            ", {name: AzureFunctionsWebHost__hostid, value: orders-prod-e}",
        );
        assert!(check(&HostId, &ok).is_empty());
    }
}

#[cfg(test)]
mod env_from_tests {
    use super::*;
    use crate::policy::rules::test_support::check;

    #[test]
    fn a_host_id_from_a_config_map_counts_and_an_unseen_source_is_not_guessed() {
        let with_map = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      containers:\n      - name: func\n        env: [{name: FUNCTIONS_WORKER_RUNTIME, value: node}]\n        envFrom: [{configMapRef: {name: settings}}]\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {AzureFunctionsWebHost__hostid: a-prod}\n";
        assert!(check(&HostId, with_map).is_empty());
        let unseen = with_map.split("---").next().unwrap();
        assert!(
            check(&HostId, unseen).is_empty(),
            "the ConfigMap is not in the set: no guess"
        );
        let without = with_map.replace("AzureFunctionsWebHost__hostid: a-prod", "OTHER: x");
        assert_eq!(check(&HostId, &without).len(), 1);
    }
}

#[cfg(test)]
mod resolved_tests {
    use super::*;
    use crate::policy::rules::test_support::field_messages;

    fn host(name: &str, from: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: f}}\nspec:\n  template:\n    spec:\n      containers:\n      - name: func\n        image: contoso.azurecr.io/{name}:1.0.0\n        envFrom: [{from}]\n---\n"
        )
    }

    #[test]
    fn a_host_id_from_a_secret_is_checked_and_never_printed() {
        // `func kubernetes deploy`: every setting in a Secret the Deployment loads.
        let yaml = host("myapp", "{secretRef: {name: myapp}}")
            + "apiVersion: v1\nkind: Secret\nmetadata: {name: myapp, namespace: f}\ndata:\n  FUNCTIONS_WORKER_RUNTIME: bm9kZQ==\n  AzureFunctionsWebHost__hostid: TXlBcHBfUHJvZA==\n";
        let found = field_messages(&HostId, &yaml);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("data.AzureFunctionsWebHost__hostid: host ID in Secret \"myapp\" is invalid"),
            "{found:?}"
        );
        assert!(!found[0].contains("MyApp_Prod"), "a Secret's value is never shown");
        let without = yaml.replace("  AzureFunctionsWebHost__hostid: TXlBcHBfUHJvZA==\n", "");
        assert_eq!(
            field_messages(&HostId, &without),
            ["spec.template.spec.containers[0].env: container \"func\" does not set AzureFunctionsWebHost__hostid: every replica becomes its own host and timers fire on each"]
        );
    }

    #[test]
    fn hosts_loading_one_config_map_share_its_host_id() {
        let yaml = host("a", "{configMapRef: {name: shared}}")
            + &host("b", "{configMapRef: {name: shared}}")
            + "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shared, namespace: f}\ndata: {FUNCTIONS_WORKER_RUNTIME: node, AzureFunctionsWebHost__hostid: orders}\n";
        assert_eq!(
            field_messages(&HostId, &yaml),
            ["spec.template.spec.containers[0].envFrom[0]: host ID \"orders\" is also used by Deployment/a: hosts sharing an ID steal each other's locks and keys"]
        );
    }
}
