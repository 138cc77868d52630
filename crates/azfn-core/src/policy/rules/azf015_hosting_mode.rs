//! AZF015 hosting-mode: `POD_NAMESPACE` or `WEBSITE_INSTANCE_ID` in a Functions container.
use crate::krm::Severity;
use crate::policy::walk::Catalog;
use crate::policy::{Diagnostic, Meta, Rule};

/// See the [`Meta`] below.
pub struct HostingMode;

impl Rule for HostingMode {
    fn meta(&self) -> &'static Meta {
        &Meta {
            code: "AZF015",
            name: "hosting-mode",
            severity: Severity::Error,
            explanation: "`POD_NAMESPACE` (with the `KUBERNETES_SERVICE_HOST` every pod has) switches the Functions \
         host into App Service on Arc mode, which calls a leader-election sidecar plain AKS does \
         not have (\"Connection refused\", \"The 'file' scheme is not supported\"); \
         `WEBSITE_INSTANCE_ID` makes the host believe it runs on App Service. Remove both from \
         Functions containers; use another name if the app needs its namespace.",
        }
    }

    fn check(&self, resources: &Catalog<'_>, findings: &mut Vec<Diagnostic>) {
        for resource in resources {
            for container in resources.containers_of(resource).iter()
                .filter(|c| c.runs_functions_host(resources))
            {
                for setting in container.environment(resources).settings() {
                    let name = setting.name.as_str();
                    let why = match name {
                        "POD_NAMESPACE" => "switches the host into App Service on Arc hosting",
                        "WEBSITE_INSTANCE_ID" => "makes the host believe it runs on App Service",
                        _ => continue,
                    };
                    let message = format!(
                        "container {:?} sets {name}{}, which {why}",
                        container.name,
                        setting.via()
                    );
                    let at = setting.name_site();
                    findings.push(Diagnostic::finding(
                        self,
                        at.resource,
                        at.field.to_owned(),
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
    fn arc_switches_in_functions_containers_only() {
        let yaml = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      containers:\n      - name: func\n        env:\n        - {name: FUNCTIONS_WORKER_RUNTIME, value: node}\n        - name: POD_NAMESPACE\n          valueFrom: {fieldRef: {fieldPath: metadata.namespace}}\n      - name: other\n        env: [{name: POD_NAMESPACE, value: x}]\n";
        let findings = check(&HostingMode, yaml);
        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].field.as_deref(),
            Some("spec.template.spec.containers[0].env[1].name")
        );
    }
}
