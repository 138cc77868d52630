//! AZF005 host-storage: a Functions host with non-HTTP triggers and no `AzureWebJobsStorage`
//! connection, or a misspelled one.
use crate::krm::Severity;
use crate::policy::walk::Catalog;
use crate::policy::{Diagnostic, Meta, Rule};

/// See the [`Meta`] below.
pub struct HostStorage;

const SETTING: &str = "AzureWebJobsStorage";
/// The identity-based forms (research §4.4).
const IDENTITY_KEYS: &[&str] = &[
    "accountName",
    "blobServiceUri",
    "queueServiceUri",
    "tableServiceUri",
    "credential",
    "clientId",
];

impl Rule for HostStorage {
    fn meta(&self) -> &'static Meta {
        &Meta {
            code: "AZF005",
            name: "host-storage",
            severity: Severity::Error,
            explanation: "Timers, blob and Event Hubs triggers, Durable Functions and host keys need the host \
         storage connection `AzureWebJobsStorage`. A host scaled by KEDA without it, or with a \
         misspelled name (`AzureWebStorage__accountName`, a single underscore), starts and then \
         runs nothing. Set `AzureWebJobsStorage__accountName` (with `__credential` and \
         `__clientId` for workload identity).",
        }
    }

    fn check(&self, resources: &Catalog<'_>, findings: &mut Vec<Diagnostic>) {
        for resource in resources {
            for container in resources.containers_of(resource).iter() {
                let env = container.environment(resources);
                if !container.runs_functions_host_in(&env) {
                    continue;
                }
                let mut has_storage = false;
                for setting in env.settings() {
                    let name = setting.name.as_str();
                    let (base, suffix) = name.split_once("__").unwrap_or((name, ""));
                    if base == SETTING
                        && (suffix.is_empty()
                            || IDENTITY_KEYS.iter().any(|k| k.eq_ignore_ascii_case(suffix)))
                    {
                        has_storage = true;
                    } else if let Some(fixed) = misspelled(name) {
                        let message = format!(
                            "env var {name:?}{} looks like a misspelled {fixed}, which the host never reads",
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
                let is_scaled = !resources.scalers_of(resource).is_empty();
                if is_scaled && !has_storage && !env.is_open() {
                    let message = format!(
                        "container {:?} is scaled by KEDA for non-HTTP triggers but sets no {SETTING} connection (e.g. {SETTING}__accountName)",
                        container.name
                    );
                    findings.push(Diagnostic::finding(
                        self,
                        resource,
                        format!("{}.env", container.path),
                        message,
                    ));
                }
            }
        }
    }
}

/// The intended setting when `name` is a near miss of an `AzureWebJobsStorage` form.
fn misspelled(name: &str) -> Option<String> {
    if name == SETTING {
        return None;
    }
    // A single underscore where two belong: AzureWebJobsStorage_accountName.
    if let Some(suffix) = name
        .strip_prefix("AzureWebJobsStorage_")
        .filter(|s| !s.starts_with('_'))
    {
        return Some(format!("{SETTING}__{suffix}"));
    }
    let (base, suffix) = name.split_once("__").unwrap_or((name, ""));
    // Lengths more than four apart are more than four edits apart, without computing them.
    let close = base.chars().count().abs_diff(SETTING.len()) <= 4
        && crate::text::within_edits(base, SETTING, 4);
    (base != SETTING && close && !base.eq_ignore_ascii_case(SETTING)).then(|| {
        if suffix.is_empty() {
            SETTING.to_owned()
        } else {
            format!("{SETTING}__{suffix}")
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::rules::test_support::check;

    fn app(env: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: w}}\nspec:\n  template:\n    spec:\n      containers:\n      - name: func\n        env: [{{name: FUNCTIONS_WORKER_RUNTIME, value: node}}{env}]\n---\napiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {{name: w}}\nspec: {{scaleTargetRef: {{name: w}}}}\n"
        )
    }

    #[test]
    fn missing_and_misspelled_storage() {
        let missing = check(&HostStorage, &app(""));
        assert_eq!(missing.len(), 1);
        assert!(
            missing[0]
                .message
                .contains("sets no AzureWebJobsStorage connection")
        );
        let typo = check(
            &HostStorage,
            &app(", {name: AzureWebStorage__accountName, value: st}"),
        );
        assert_eq!(typo.len(), 2, "{typo:?}");
        assert!(
            typo[0]
                .message
                .contains("misspelled AzureWebJobsStorage__accountName")
        );
        let single = check(
            &HostStorage,
            &app(", {name: AzureWebJobsStorage_accountName, value: st}"),
        );
        assert!(
            single[0]
                .message
                .contains("misspelled AzureWebJobsStorage__accountName")
        );
        assert!(
            check(
                &HostStorage,
                &app(", {name: AzureWebJobsStorage__accountName, value: st}")
            )
            .is_empty()
        );
        assert!(
            check(
                &HostStorage,
                &app(", {name: AzureWebJobsStorage, valueFrom: {secretKeyRef: {name: s, key: k}}}")
            )
            .is_empty()
        );
    }
}

#[cfg(test)]
mod resolved_tests {
    use super::*;
    use crate::policy::rules::test_support::field_messages;

    /// A non-HTTP host scaled by KEDA whose settings all come from `source`.
    fn scaled(source: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: w}}\nspec:\n  template:\n    spec:\n      containers:\n      - name: w\n        image: contoso.azurecr.io/w:1.0.0\n        envFrom: [{{secretRef: {{name: w}}}}]\n---\napiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {{name: w}}\nspec: {{scaleTargetRef: {{name: w}}}}\n---\n{source}"
        )
    }

    #[test]
    fn storage_is_looked_for_in_the_sources_in_the_input() {
        let typo = scaled(
            "apiVersion: v1\nkind: Secret\nmetadata: {name: w}\nstringData: {FUNCTIONS_WORKER_RUNTIME: node, AzureWebJobStorage: UseDevelopmentStorage=true}\n",
        );
        assert_eq!(
            field_messages(&HostStorage, &typo),
            [
                "stringData.AzureWebJobStorage: env var \"AzureWebJobStorage\" (from Secret \"w\") looks like a misspelled AzureWebJobsStorage, which the host never reads",
                "spec.template.spec.containers[0].env: container \"w\" is scaled by KEDA for non-HTTP triggers but sets no AzureWebJobsStorage connection (e.g. AzureWebJobsStorage__accountName)",
            ]
        );
        let right = typo.replace("AzureWebJobStorage", "AzureWebJobsStorage");
        assert!(field_messages(&HostStorage, &right).is_empty());
        let absent = scaled("");
        assert!(
            field_messages(&HostStorage, &absent).is_empty(),
            "the Secret is not in the input: no guess"
        );
    }
}
