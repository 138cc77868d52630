use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How serious a result is. kpt and kustomize only fail on a non-zero exit, which azfn gives
/// whenever a result is an [`Severity::Error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Fails the build.
    Error,
    /// Reported, does not fail.
    Warning,
    /// For the record (suppressions, summaries).
    Info,
}

impl Severity {
    /// The lowercase name used on the wire and in text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
            Self::Info => "info",
        }
    }
}

/// The resource a result is about (the flat form kpt shows).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceRef {
    /// apiVersion.
    pub api_version: String,
    /// kind.
    pub kind: String,
    /// metadata.name.
    pub name: String,
    /// metadata.namespace.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
}

/// The field a result is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldRef {
    /// Dotted path with list indices, e.g. `spec.template.spec.containers[0].env[1].value`.
    pub path: String,
}

/// The file a result is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRef {
    /// Slash-separated path relative to the package or kustomization.
    pub path: String,
    /// Document index inside the file; omitted when 0, as kpt does.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub index: u64,
}

#[allow(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's skip_serializing_if signature; only 64-bit targets warn"
)]
fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// One structured result in a ResourceList (`results[]`), in the form kpt prints and stores.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KrmResult {
    /// What is wrong and how to fix it. Never contains a secret value.
    pub message: String,
    /// Always set: kpt and kyaml disagree on the default.
    pub severity: Severity,
    /// The resource concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_ref: Option<ResourceRef>,
    /// The field concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<FieldRef>,
    /// The file concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<FileRef>,
    /// Free-form tags: the rule code and name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

impl KrmResult {
    /// The line kpt prints for a result:
    /// `[severity] apiVersion/Kind/namespace/name field.path: message`.
    pub fn to_line(&self) -> String {
        let mut line = format!("[{}]", self.severity.as_str());
        if let Some(r) = &self.resource_ref {
            line.push(' ');
            line.push_str(&r.api_version);
            line.push('/');
            line.push_str(&r.kind);
            line.push('/');
            if !r.namespace.is_empty() {
                line.push_str(&r.namespace);
                line.push('/');
            }
            line.push_str(&r.name);
        }
        if let Some(f) = &self.field {
            line.push(' ');
            line.push_str(&f.path);
        }
        line.push_str(": ");
        line.push_str(&self.message);
        line
    }
}
