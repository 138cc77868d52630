//! AZF000 suppression: an `azfn.dev/ignore` annotation that names no rule or gives no reason.
//! Findings come from [`crate::policy::suppress`]; the rule itself checks nothing.
use crate::krm::Severity;
use crate::policy::walk::Catalog;
use crate::policy::{Diagnostic, Meta, Rule};

/// See the [`Meta`] below.
pub struct Suppression;

impl Rule for Suppression {
    fn meta(&self) -> &'static Meta {
        &Meta {
            code: "AZF000",
            name: "suppression",
            severity: Severity::Error,
            explanation: "An `azfn.dev/ignore` annotation must name rule codes and give a reason for each \
         (`azfn.dev/ignore: \"AZF001: Azurite development key, dev overlay only\"`), so every \
         exception is explained where it is made. Suppressed findings still appear, as info \
         results. For manifests that cannot carry an annotation (upstream or generated ones), \
         the function config's `suppressions` accept a rule's findings on a resource with a \
         reason. `strict: true` in the function config refuses all suppressions.",
        }
    }

    fn check(&self, _resources: &Catalog<'_>, _findings: &mut Vec<Diagnostic>) {}
}
