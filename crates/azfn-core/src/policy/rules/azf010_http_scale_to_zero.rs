//! AZF010 http-scale-to-zero: a KEDA ScaledObject that can scale an HTTP workload to zero.
use serde_yaml::Value;

use crate::krm::{Resource, Severity};
use crate::policy::walk::Catalog;
use crate::policy::{Diagnostic, Meta, Rule};

/// See the [`Meta`] below.
pub struct HttpScaleToZero;

impl Rule for HttpScaleToZero {
    fn meta(&self) -> &'static Meta {
        &Meta {
            code: "AZF010",
            name: "http-scale-to-zero",
            severity: Severity::Error,
            explanation: "A KEDA ScaledObject with `minReplicaCount: 0` (KEDA's default) targets a workload that a \
         Service sends HTTP traffic to. No KEDA core scaler activates on HTTP requests, so once \
         it scales to zero the app never comes back. Keep HTTP functions in their own Deployment \
         with at least one replica (an HPA on CPU), or use the KEDA HTTP add-on.",
        }
    }

    fn check(&self, resources: &Catalog<'_>, findings: &mut Vec<Diagnostic>) {
        for &(scaled, target) in resources.scaled_targets() {
            let Some(target) = target else { continue };
            let min = scaled
                .get_path(&["spec", "minReplicaCount"])
                .and_then(Value::as_u64)
                .unwrap_or(0);
            if min > 0 {
                continue;
            }
            if let Some(service) = resources.service_selecting(target).map(Resource::name) {
                let message = format!(
                    "scales {}/{} to zero, but Service {service} sends it HTTP traffic that cannot wake it: set minReplicaCount to 1 or split HTTP functions out",
                    target.kind(),
                    target.name()
                );
                findings.push(Diagnostic::finding(
                    self,
                    scaled,
                    "spec.minReplicaCount".into(),
                    message,
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::rules::test_support::check;

    const APP: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  template:\n    metadata: {labels: {app: api}}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: api}\nspec: {selector: {app: api}}\n---\n";

    #[test]
    fn http_target_at_zero_fails_one_replica_passes() {
        let zero = format!(
            "{APP}apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {{name: api}}\nspec: {{scaleTargetRef: {{name: api}}, triggers: []}}\n"
        );
        assert_eq!(check(&HttpScaleToZero, &zero).len(), 1);
        let one = zero.replace("triggers: []", "minReplicaCount: 1, triggers: []");
        assert!(check(&HttpScaleToZero, &one).is_empty());
    }
}
