//! AZF020 null-setting: a setting, a Secret value or an image that YAML read as null.
use serde_yaml::Value;

use crate::fieldpath::child as key_path;
use crate::krm::{Resource, Severity};
use crate::policy::walk::Catalog;
use crate::policy::{Diagnostic, Meta, Rule};
use crate::yaml::Field;

/// See the [`Meta`] below.
pub struct NullSetting;

impl Rule for NullSetting {
    fn meta(&self) -> &'static Meta {
        &Meta {
            code: "AZF020",
            name: "null-setting",
            severity: Severity::Error,
            explanation: "An env var `value`, a ConfigMap or Secret value, a FunctionApp setting or a container's \
         `image` is null. The usual cause is a release-pipeline token written unquoted, \
         `AzureWebJobsStorage: #{StorageConn}#` or `image: #{Image}#`: YAML reads everything \
         after `#` as a comment, so the value is silently empty in every environment and the \
         host fails at start (or the pod never pulls). Quote the token, or better, let \
         kustomize (`images:`) or azfn inputs supply the value.",
        }
    }

    fn check(&self, resources: &Catalog<'_>, findings: &mut Vec<Diagnostic>) {
        for resource in resources {
            if resource.kind() == "ConfigMap" && resource.api_version() == "v1" {
                self.null_values(resource, "data", "ConfigMap key", findings);
            }
            if resource.kind() == "Secret" && resource.api_version() == "v1" {
                self.null_values(resource, "data", "Secret key", findings);
                self.null_values(resource, "stringData", "Secret key", findings);
            }
            if resource.kind() == crate::functionapp::KIND
                && resource.api_version() == crate::config::API_VERSION
            {
                self.null_values(resource, "spec.settings", "setting", findings);
            }
            for container in resources.containers_of(resource).iter() {
                if container.object.field("image").is_some_and(Value::is_null) {
                    let message = format!(
                        "the image of container {:?} is null (an unquoted `#{{token}}#` is a YAML comment): quote the value, or set it with kustomize's `images:`",
                        container.name
                    );
                    findings.push(Diagnostic::finding(
                        self,
                        resource,
                        format!("{}.image", container.path),
                        message,
                    ));
                }
                for (i, var) in container.env() {
                    if !var.field("value").is_some_and(Value::is_null) {
                        continue;
                    }
                    let name = var.field("name").and_then(Value::as_str).unwrap_or("?");
                    let message = format!(
                        "env var {name:?} of container {:?} is null (an unquoted `#{{token}}#` is a YAML comment): quote the value",
                        container.name
                    );
                    findings.push(Diagnostic::finding(
                        self,
                        resource,
                        format!("{}.env[{i}].value", container.path),
                        message,
                    ));
                }
            }
        }
    }
}

impl NullSetting {
    fn null_values(&self, resource: &Resource, at: &str, what: &str, findings: &mut Vec<Diagnostic>) {
        let path: Vec<&str> = at.split('.').collect();
        let Some(map) = resource.get_path(&path).and_then(Value::as_mapping) else {
            return;
        };
        for (key, value) in map {
            if !value.is_null() {
                continue;
            }
            let key = key.as_str().unwrap_or("?");
            let message = format!(
                "{what} {key:?} of {} {} is null (an unquoted `#{{token}}#` is a YAML comment): quote the value",
                resource.kind(),
                resource.name()
            );
            findings.push(Diagnostic::finding(self, resource, key_path(at, key), message));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::rules::test_support::check;

    #[test]
    fn null_images_and_secret_values_fail() {
        let yaml = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n  key: #{Key}#\n  set: value\ndata:\n  other:\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      containers:\n      - name: func\n        image: #{Image}#\n      - name: fine\n        image: \"#{Image}#\"\n";
        let fields: Vec<_> = check(&NullSetting, yaml)
            .into_iter()
            .map(|f| f.field.unwrap())
            .collect();
        assert_eq!(
            fields,
            [
                "data.other",
                "stringData.key",
                "spec.template.spec.containers[0].image"
            ]
        );
    }

    #[test]
    fn tokens_read_as_comments_fail_quoted_pass() {
        let yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: s}\ndata:\n  AzureWebJobsStorage: #{StorageConn}#\n  quoted: \"#{StorageConn}#\"\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      containers:\n      - name: func\n        env:\n        - name: AzureWebJobsStorage\n          value: #{StorageConn}#\n        - name: Empty\n        - name: Fine\n          value: \"#{x}#\"\n";
        let fields: Vec<_> = check(&NullSetting, yaml)
            .into_iter()
            .map(|f| f.field.unwrap())
            .collect();
        assert_eq!(
            fields,
            [
                "data.AzureWebJobsStorage",
                "spec.template.spec.containers[0].env[0].value"
            ]
        );
    }
}
