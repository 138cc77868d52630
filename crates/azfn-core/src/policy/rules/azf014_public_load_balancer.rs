//! AZF014 public-load-balancer: a Service of type LoadBalancer without the internal annotation.
use serde_yaml::Value;

use crate::krm::Severity;
use crate::policy::walk::Catalog;
use crate::policy::{Diagnostic, Meta, Rule};

/// See the [`Meta`] below.
pub struct PublicLoadBalancer;

const INTERNAL: &str = "service.beta.kubernetes.io/azure-load-balancer-internal";

impl Rule for PublicLoadBalancer {
    fn meta(&self) -> &'static Meta {
        &Meta {
            code: "AZF014",
            name: "public-load-balancer",
            severity: Severity::Warning,
            explanation: "A Service of type LoadBalancer gets a public IP on AKS unless it is annotated \
         `service.beta.kubernetes.io/azure-load-balancer-internal: \"true\"`; \
         `func kubernetes deploy` makes every HTTP app public this way. Use ClusterIP behind an \
         ingress, or mark the load balancer internal; suppress with a reason where a public \
         endpoint is intended.",
        }
    }

    fn check(&self, resources: &Catalog<'_>, findings: &mut Vec<Diagnostic>) {
        for resource in resources
            .iter()
            .filter(|r| r.kind() == "Service" && r.api_version() == "v1")
        {
            if resource.get_path(&["spec", "type"]).and_then(Value::as_str) != Some("LoadBalancer")
            {
                continue;
            }
            if resource.annotation(INTERNAL) == Some("true") {
                continue;
            }
            let message = format!(
                "Service {} is a public load balancer: annotate {INTERNAL}: \"true\" or use ClusterIP",
                resource.name()
            );
            findings.push(Diagnostic::finding(self, resource, "spec.type".into(), message));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::rules::test_support::check;

    #[test]
    fn public_fails_internal_and_cluster_ip_pass() {
        let yaml = "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {type: LoadBalancer}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: b\n  annotations: {service.beta.kubernetes.io/azure-load-balancer-internal: \"true\"}\nspec: {type: LoadBalancer}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: c}\nspec: {type: ClusterIP}\n";
        let names: Vec<_> = check(&PublicLoadBalancer, yaml)
            .into_iter()
            .map(|f| f.resource.unwrap().name)
            .collect();
        assert_eq!(names, ["a"]);
    }
}
