//! AZF003 resources: a Functions container without CPU and memory requests or a memory limit.
use crate::krm::Severity;
use crate::policy::walk::Catalog;
use crate::policy::{Diagnostic, Meta, Rule};
use crate::yaml::Field;

/// See the [`Meta`] below.
pub struct Resources;

impl Rule for Resources {
    fn meta(&self) -> &'static Meta {
        &Meta {
            code: "AZF003",
            name: "resources",
            severity: Severity::Warning,
            explanation: "A Functions container sets no CPU and memory requests or no memory limit. Without \
         requests the scheduler packs hosts onto busy nodes and KEDA's or the HPA's CPU scaling \
         has nothing to measure against; without a memory limit one runaway execution can take \
         the node. Set `resources.requests.cpu`, `resources.requests.memory` and \
         `resources.limits.memory`.",
        }
    }

    fn check(&self, resources: &Catalog<'_>, findings: &mut Vec<Diagnostic>) {
        for resource in resources {
            for container in resources.containers_of(resource).iter()
                .filter(|c| c.runs_functions_host(resources))
            {
                let get = |section: &str, key: &str| {
                    container
                        .object
                        .field("resources")
                        .and_then(|r| r.get(section))
                        .and_then(|s| s.get(key))
                        .is_some_and(|v| !v.is_null())
                };
                let missing: Vec<&str> = [
                    ("requests", "cpu", "requests.cpu"),
                    ("requests", "memory", "requests.memory"),
                    ("limits", "memory", "limits.memory"),
                ]
                .into_iter()
                .filter(|(section, key, _)| !get(section, key))
                .map(|(_, _, label)| label)
                .collect();
                if !missing.is_empty() {
                    let message = format!(
                        "container {:?} sets no {}",
                        container.name,
                        missing.join(", ")
                    );
                    findings.push(Diagnostic::finding(
                        self,
                        resource,
                        format!("{}.resources", container.path),
                        message,
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::rules::test_support::check;

    #[test]
    fn missing_requests_and_limits_are_named() {
        let yaml = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      containers:\n      - name: func\n        image: x:1\n        env: [{name: FUNCTIONS_WORKER_RUNTIME, value: node}]\n        resources: {requests: {cpu: 100m}}\n      - name: sidecar\n        image: y:1\n";
        let findings = check(&Resources, yaml);
        assert_eq!(findings.len(), 1, "only the Functions container is checked");
        assert!(
            findings[0]
                .message
                .ends_with("sets no requests.memory, limits.memory"),
            "{}",
            findings[0].message
        );
        let ok = yaml.replace(
            "resources: {requests: {cpu: 100m}}",
            "resources: {requests: {cpu: 100m, memory: 1Gi}, limits: {memory: 1Gi}}",
        );
        assert!(check(&Resources, &ok).is_empty());
    }
}
