//! AZF001 inline-secret: an Azure connection string or key written into the manifests.
use serde_yaml::Value;

use crate::fieldpath::child as key_path;
use crate::krm::{Resource, Severity};
use crate::policy::walk::Catalog;
use crate::policy::walk::containers;
use crate::policy::{Diagnostic, Meta, Rule};
use crate::secrets::{SecretMatch, find_secret};
use crate::yaml::Field;

/// See the [`Meta`] below.
pub struct InlineSecret;

impl Rule for InlineSecret {
    fn meta(&self) -> &'static Meta {
        &Meta {
            code: "AZF001",
            name: "inline-secret",
            severity: Severity::Error,
            explanation: "An Azure connection string or key (storage AccountKey, Service Bus or Event Hubs \
         SharedAccessKey, SAS sig, Cosmos DB AccountKey, App Insights InstrumentationKey, Entra \
         client secret, ...) is written into a container env value, a ConfigMap, an annotation \
         or a Secret's `data` (decoded from base64) or `stringData`, so it lands in git, in \
         kubectl output and in every rendered overlay; any other Secret value in the manifests \
         is a warning. Azurite's published development key is reported too, unless the \
         environment's config sets `allowEmulatorKey: true` (a dev overlay). Use an \
         identity-based connection instead (`AzureWebJobsStorage__accountName`, \
         `<Connection>__fullyQualifiedNamespace`) with workload identity, or keep the secret in \
         Key Vault and reference it (`valueFrom.secretKeyRef` on a Secret synced by the Secrets \
         Store CSI driver).",
        }
    }

    fn check(&self, resources: &Catalog<'_>, findings: &mut Vec<Diagnostic>) {
        let mut found = Vec::new();
        self.check_all(resources, &mut found);
        let allow = resources.options.allow_emulator_key;
        findings.extend(
            found
                .into_iter()
                .filter(|f| !(allow && f.message.contains(EMULATOR_NOTE))),
        );
    }
}

/// Marks findings of Azurite's development key, which `allowEmulatorKey` accepts.
const EMULATOR_NOTE: &str = "It is the Azure Storage emulator's published development key";

/// Secret types whose data a controller fills in, never the manifests.
const CONTROLLER_FILLED: &[&str] = &["kubernetes.io/service-account-token"];

impl InlineSecret {
    fn check_all(&self, resources: &Catalog<'_>, findings: &mut Vec<Diagnostic>) {
        for resource in resources {
            self.check_annotations(resource, findings);
            if resource.kind() == "ConfigMap" && resource.api_version() == "v1" {
                self.check_config_map(resource, findings);
            }
            if resource.kind() == "Secret" && resource.api_version() == "v1" {
                self.check_secret(resource, findings);
            }
            if resource.kind() == crate::functionapp::KIND
                && resource.api_version() == crate::config::API_VERSION
            {
                self.check_function_app(resource, findings);
            }
            // What azfn rendered comes from a FunctionApp, which is checked at the source.
            if resource
                .annotation(crate::functionapp::render::RENDERED_FROM)
                .is_none()
            {
                self.check_env(resource, findings);
            }
        }
    }
}

impl InlineSecret {
    fn report(
        &self,
        resource: &Resource,
        field: String,
        what: &str,
        found: &SecretMatch,
        findings: &mut Vec<Diagnostic>,
    ) {
        let emulator = if found.is_emulator_key {
            format!(
                " {EMULATOR_NOTE}, which works only against Azurite (`allowEmulatorKey: true` in a dev overlay's config accepts it)."
            )
        } else {
            String::new()
        };
        let message = format!(
            "{what} holds {}: {}.{emulator} Keep secrets out of manifests: use an identity-based \
             connection, or a Key Vault secret referenced through valueFrom.secretKeyRef.",
            found.kind, found.redacted
        );
        findings.push(Diagnostic::finding(self, resource, field, message));
    }

    fn check_annotations(&self, resource: &Resource, findings: &mut Vec<Diagnostic>) {
        let Some(annotations) = resource.annotations() else {
            return;
        };
        for (key, value) in annotations {
            let (Some(key), Some(value)) = (key.as_str(), value.as_str()) else {
                continue;
            };
            if let Some(found) = find_secret(value) {
                let field = key_path("metadata.annotations", key);
                self.report(
                    resource,
                    field,
                    &format!("annotation {key:?}"),
                    &found,
                    findings,
                );
            }
        }
    }

    fn check_config_map(&self, resource: &Resource, findings: &mut Vec<Diagnostic>) {
        let Some(data) = resource.field("data").and_then(Value::as_mapping) else {
            return;
        };
        for (key, value) in data {
            let (Some(key), Some(value)) = (key.as_str(), value.as_str()) else {
                continue;
            };
            if let Some(found) = find_secret(value) {
                let field = key_path("data", key);
                self.report(
                    resource,
                    field,
                    &format!("ConfigMap key {key:?}"),
                    &found,
                    findings,
                );
            }
        }
    }

    /// A Secret's values in the manifests are in git, base64 or not: each Azure secret is an
    /// error, any other value a warning.
    fn check_secret(&self, resource: &Resource, findings: &mut Vec<Diagnostic>) {
        let kind = resource
            .field("type")
            .and_then(Value::as_str)
            .unwrap_or("Opaque");
        if CONTROLLER_FILLED.contains(&kind) {
            return;
        }
        let mut plain = Vec::new();
        for (section, encoded) in [("data", true), ("stringData", false)] {
            let Some(data) = resource.field(section).and_then(Value::as_mapping) else {
                continue;
            };
            for (key, value) in data {
                let (Some(key), Some(value)) = (key.as_str(), value.as_str()) else {
                    continue;
                };
                if value.is_empty() {
                    continue;
                }
                let decoded = if encoded {
                    crate::secrets::decode_base64(value).and_then(|b| String::from_utf8(b).ok())
                } else {
                    Some(value.to_owned())
                };
                let field = key_path(section, key);
                match decoded.as_deref().and_then(find_secret) {
                    Some(found) => self.report(
                        resource,
                        field,
                        &format!("Secret key {key:?}"),
                        &found,
                        findings,
                    ),
                    None => plain.push(field),
                }
            }
        }
        if let Some(first) = plain.first() {
            let message = format!(
                "Secret {} carries {} value(s) in the manifests ({}); base64 is not encryption, so they are in git: deliver them from Key Vault (CSI driver or External Secrets) instead",
                resource.name(),
                plain.len(),
                plain.join(", ")
            );
            findings.push(Diagnostic {
                severity: Severity::Warning,
                ..Diagnostic::finding(self, resource, first.clone(), message)
            });
        }
    }

    fn check_function_app(&self, resource: &Resource, findings: &mut Vec<Diagnostic>) {
        let Some(settings) = resource
            .get_path(&["spec", "settings"])
            .and_then(Value::as_mapping)
        else {
            return;
        };
        for (key, value) in settings {
            let (Some(key), Some(value)) = (key.as_str(), value.as_str()) else {
                continue;
            };
            if let Some(found) = find_secret(value) {
                let field = key_path("spec.settings", key);
                self.report(
                    resource,
                    field,
                    &format!("setting {key:?}"),
                    &found,
                    findings,
                );
            }
        }
    }

    fn check_env(&self, resource: &Resource, findings: &mut Vec<Diagnostic>) {
        for container in containers(resource) {
            let Some(env) = container.object.field("env").and_then(Value::as_sequence) else {
                continue;
            };
            for (i, var) in env.iter().enumerate() {
                let Some(value) = var.field("value").and_then(Value::as_str) else {
                    continue;
                };
                let Some(found) = find_secret(value) else {
                    continue;
                };
                let name = var.field("name").and_then(Value::as_str).unwrap_or("?");
                let what = format!("env var {name:?} of container {:?}", container.name);
                self.report(
                    resource,
                    format!("{}.env[{i}].value", container.path),
                    &what,
                    &found,
                    findings,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> String {
        "QWxsIHlvdXIgYmFzZSBhcmUgYmVsb25nIHRvIHVz"
            .chars()
            .cycle()
            .take(86)
            .collect()
    }

    fn check(text: &str) -> Vec<Diagnostic> {
        let resources: Vec<Resource> =
            crate::yaml::parse_documents(text, "t.yaml", crate::yaml::Limits::default())
                .unwrap()
                .into_iter()
                .map(|v| Resource::new(v.as_mapping().unwrap().clone()))
                .collect();
        let mut findings = Vec::new();
        InlineSecret.check(
            &crate::policy::walk::Catalog::new(&resources),
            &mut findings,
        );
        findings
    }

    #[test]
    fn env_value_config_map_and_annotation() {
        let conn = format!(
            "DefaultEndpointsProtocol=https;AccountName=st;AccountKey={}==",
            key()
        );
        let text = format!(
            "apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders
  namespace: func
  annotations:
    internal.config.kubernetes.io/path: deploy.yaml
    note: \"{conn}\"
spec:
  template:
    spec:
      initContainers:
      - name: init
      containers:
      - name: func
        env:
        - name: FUNCTIONS_WORKER_RUNTIME
          value: dotnet-isolated
        - name: AzureWebJobsStorage
          value: \"{conn}\"
        - name: FromSecret
          valueFrom: {{secretKeyRef: {{name: s, key: k}}}}
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: settings}}
data:
  app.settings: \"{conn}\"
  plain: hello
"
        );
        let findings = check(&text);
        let fields: Vec<_> = findings.iter().map(|f| f.field.clone().unwrap()).collect();
        assert_eq!(
            fields,
            [
                "metadata.annotations.note",
                "spec.template.spec.containers[0].env[1].value",
                "data[\"app.settings\"]",
            ]
        );
        let env = &findings[1];
        assert_eq!(env.severity, Severity::Error);
        assert_eq!(env.file.as_deref(), Some("deploy.yaml"));
        assert!(env.message.starts_with(
            "env var \"AzureWebJobsStorage\" of container \"func\" holds an Azure Storage account key: QWxs… (88 characters, redacted)."
        ), "{}", env.message);
        for finding in &findings {
            assert!(
                !finding.message.contains(&key()[..10]),
                "secret leaked: {}",
                finding.message
            );
        }
    }

    #[test]
    fn references_are_clean() {
        let text = "apiVersion: apps/v1
kind: Deployment
metadata: {name: orders}
spec:
  template:
    spec:
      containers:
      - name: func
        env:
        - {name: AzureWebJobsStorage__accountName, value: stordersprod}
        - {name: ServiceBus__fullyQualifiedNamespace, value: sb-orders.servicebus.windows.net}
        - {name: Secret, value: \"@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/x/)\"}
";
        assert_eq!(check(text), []);
    }

    #[test]
    fn secret_data_is_decoded_and_the_emulator_key_can_be_allowed() {
        let azurite = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://azurite:10000/devstoreaccount1;";
        let real = format!(
            "Endpoint=sb://sb.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey={}=",
            &key()[..43]
        );
        let b64 = |s: &str| {
            const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            let mut out = String::new();
            for chunk in s.as_bytes().chunks(3) {
                let n = chunk
                    .iter()
                    .enumerate()
                    .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
                for i in 0..4 {
                    out.push(if i <= chunk.len() {
                        A[(n >> (18 - 6 * i) & 63) as usize] as char
                    } else {
                        '='
                    });
                }
            }
            out
        };
        let text = format!(
            "apiVersion: v1\nkind: Secret\nmetadata: {{name: conn}}\ndata:\n  sb: {}\n  tls: {}\nstringData:\n  storage: \"{azurite}\"\n---\napiVersion: v1\nkind: Secret\nmetadata: {{name: token}}\ntype: kubernetes.io/service-account-token\ndata: {{token: {}}}\n",
            b64(&real),
            b64("-----BEGIN CERTIFICATE-----"),
            b64("abc")
        );
        let findings = check(&text);
        let got: Vec<_> = findings
            .iter()
            .map(|f| (f.field.clone().unwrap(), f.severity))
            .collect();
        assert_eq!(
            got,
            [
                ("data.sb".to_owned(), Severity::Error),
                ("stringData.storage".to_owned(), Severity::Error),
                ("data.tls".to_owned(), Severity::Warning),
            ]
        );
        assert!(
            findings[0].message.contains("Service Bus"),
            "{}",
            findings[0].message
        );
        assert!(
            findings[2]
                .message
                .contains("1 value(s) in the manifests (data.tls)")
        );
        let allowed = crate::policy::rules::test_support::check_with(
            &InlineSecret,
            &text,
            crate::config::CheckOptions {
                allow_emulator_key: true,
                ..Default::default()
            },
        );
        assert_eq!(
            allowed.len(),
            2,
            "the Azurite key is accepted, the real one is not"
        );
        assert_eq!(allowed[0].field.as_deref(), Some("data.sb"));
    }

    #[test]
    fn cron_jobs_are_scanned() {
        let text = format!(
            "apiVersion: batch/v1\nkind: CronJob\nmetadata: {{name: nightly}}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n          - name: job\n            env:\n            - name: CONN\n              value: \"AccountKey={}==\"\n",
            key()
        );
        let findings = check(&text);
        assert_eq!(
            findings[0].field.as_deref(),
            Some("spec.jobTemplate.spec.template.spec.containers[0].env[0].value")
        );
    }
}
