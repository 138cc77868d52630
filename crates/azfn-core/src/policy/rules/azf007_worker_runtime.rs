//! AZF007 worker-runtime: `FUNCTIONS_WORKER_RUNTIME` misspelled or set to an unknown runtime.
use serde_yaml::Value;

use crate::functionapp::spec::RUNTIMES;
use crate::krm::Severity;
use crate::policy::walk::Catalog;
use crate::policy::walk::containers;
use crate::policy::{Diagnostic, Meta, Rule};

/// See the [`Meta`] below.
pub struct WorkerRuntime;

const SETTING: &str = "FUNCTIONS_WORKER_RUNTIME";

impl Rule for WorkerRuntime {
    fn meta(&self) -> &'static Meta {
        &Meta {
            code: "AZF007",
            name: "worker-runtime",
            severity: Severity::Error,
            explanation: "`FUNCTIONS_WORKER_RUNTIME` is misspelled (`FUNCTION_WORKER_RUNTIME` is seen in real \
         repositories) or names no runtime. The base images set it, so a misspelling hides until \
         someone changes the image; a wrong value starts a host that loads no functions. Use the \
         exact name with one of dotnet-isolated, dotnet, node, python, java, powershell, custom, \
         matching the image.",
        }
    }

    fn check(&self, resources: &Catalog<'_>, findings: &mut Vec<Diagnostic>) {
        for resource in resources {
            for container in containers(resource) {
                for (i, entry) in container.env() {
                    let name = entry
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    let field = format!("{}.env[{i}]", container.path);
                    if name != SETTING && near(name, SETTING) {
                        let message = format!(
                            "env var {name:?} of container {:?} looks like a misspelled {SETTING}, which the host ignores",
                            container.name
                        );
                        findings.push(Diagnostic::finding(
                            self,
                            resource,
                            format!("{field}.name"),
                            message,
                        ));
                    } else if name == SETTING {
                        let Some(value) = entry.get("value").and_then(Value::as_str) else {
                            continue;
                        };
                        if !RUNTIMES.contains(&value) {
                            let message = format!(
                                "{SETTING} {value:?} is not a runtime: {}",
                                RUNTIMES.join(", ")
                            );
                            findings.push(Diagnostic::finding(
                                self,
                                resource,
                                format!("{field}.value"),
                                message,
                            ));
                        }
                    }
                }
            }
        }
    }
}

/// Within two edits, ignoring case (the host's configuration keys are case-insensitive).
pub(crate) fn near(found: &str, wanted: &str) -> bool {
    crate::text::edit_distance(&found.to_ascii_lowercase(), &wanted.to_ascii_lowercase()) <= 2
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::rules::test_support::check;

    #[test]
    fn misspelled_name_and_unknown_value() {
        let yaml = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      containers:\n      - name: func\n        env:\n        - {name: FUNCTION_WORKER_RUNTIME, value: python}\n        - {name: FUNCTIONS_WORKER_RUNTIME, value: dotnet-isolate}\n        - {name: FUNCTIONS_EXTENSION_VERSION, value: \"~4\"}\n";
        let fields: Vec<_> = check(&WorkerRuntime, yaml)
            .into_iter()
            .map(|f| f.field.unwrap())
            .collect();
        assert_eq!(
            fields,
            [
                "spec.template.spec.containers[0].env[0].name",
                "spec.template.spec.containers[0].env[1].value"
            ]
        );
        let ok = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      containers:\n      - name: func\n        env: [{name: FUNCTIONS_WORKER_RUNTIME, value: python}]\n";
        assert!(check(&WorkerRuntime, ok).is_empty());
    }
}
