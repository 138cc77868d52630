//! AZF007 worker-runtime: `FUNCTIONS_WORKER_RUNTIME` misspelled or set to an unknown runtime.
use crate::functionapp::spec::RUNTIMES;
use crate::krm::Severity;
use crate::policy::walk::Catalog;
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
            for container in resources.containers_of(resource).iter() {
                for setting in container.environment(resources).settings() {
                    let name = setting.name.as_str();
                    if name != SETTING && near(name, SETTING) {
                        // A source's key is reported once, whichever containers load it.
                        let whose = if setting.source.is_some() {
                            setting.via()
                        } else {
                            format!(" of container {:?}", container.name)
                        };
                        let message = format!(
                            "env var {name:?}{whose} looks like a misspelled {SETTING}, which the host ignores"
                        );
                        let at = setting.name_site();
                        findings.push(Diagnostic::finding(
                            self,
                            at.resource,
                            at.field.to_owned(),
                            message,
                        ));
                    } else if name == SETTING {
                        let Some(value) = setting.value.as_deref() else {
                            continue;
                        };
                        if !RUNTIMES.contains(&value) {
                            let message = format!(
                                "{SETTING} {} is not a runtime: {}",
                                setting.shown(),
                                RUNTIMES.join(", ")
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
            }
        }
    }
}

/// Within two edits, ignoring case (the host's configuration keys are case-insensitive).
pub(crate) fn near(found: &str, wanted: &str) -> bool {
    // Lengths two apart are at least two edits apart, without computing them.
    if found.chars().count().abs_diff(wanted.chars().count()) > 2 {
        return false;
    }
    crate::text::within_edits(found, wanted, 2)
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

#[cfg(test)]
mod resolved_tests {
    use super::*;
    use crate::policy::rules::test_support::field_messages;

    #[test]
    fn settings_from_config_maps_and_secrets_are_checked_where_they_are_written() {
        let yaml = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      containers:\n      - name: func\n        envFrom: [{configMapRef: {name: settings}}]\n        env:\n        - name: FUNCTIONS_WORKER_RUNTIME\n          valueFrom: {secretKeyRef: {name: app, key: runtime}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {FUNCTION_WORKER_RUNTIME: node}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: app}\nstringData: {runtime: nodejs}\n";
        assert_eq!(
            field_messages(&WorkerRuntime, yaml),
            [
                "data.FUNCTION_WORKER_RUNTIME: env var \"FUNCTION_WORKER_RUNTIME\" (from ConfigMap \"settings\") looks like a misspelled FUNCTIONS_WORKER_RUNTIME, which the host ignores",
                "stringData.runtime: FUNCTIONS_WORKER_RUNTIME in Secret \"app\" key \"runtime\" is not a runtime: dotnet-isolated, dotnet, node, python, java, powershell, custom",
            ]
        );
        let fixed = yaml.replace("nodejs", "node");
        assert_eq!(field_messages(&WorkerRuntime, &fixed).len(), 1);
    }
}
