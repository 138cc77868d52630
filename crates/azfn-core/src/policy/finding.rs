use std::collections::BTreeMap;

use super::Rule;
use crate::krm::{FieldRef, FileRef, KrmResult, Resource, ResourceRef, Severity};

/// A problem a rule found: which rule, how serious, where, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Rule code, `AZF###`.
    pub code: &'static str,
    /// Rule name.
    pub rule: &'static str,
    /// Effective severity.
    pub severity: Severity,
    /// What is wrong and how to fix it. Never contains a secret value.
    pub message: String,
    /// The resource concerned.
    pub resource: Option<ResourceRef>,
    /// The field concerned.
    pub field: Option<String>,
    /// The file concerned, from the resource's path annotations.
    pub file: Option<FileRef>,
}

impl Finding {
    /// A finding of `rule` about `field` of `resource`.
    pub fn at(rule: &dyn Rule, resource: &Resource, field: String, message: String) -> Self {
        Self {
            code: rule.code(),
            rule: rule.name(),
            severity: rule.default_severity(),
            message,
            resource: Some(ResourceRef {
                api_version: resource.api_version().to_owned(),
                kind: resource.kind().to_owned(),
                name: resource.name().to_owned(),
                namespace: resource.namespace().to_owned(),
            }),
            field: Some(field),
            file: resource.file_path().map(|path| FileRef {
                path: path.to_owned(),
                index: resource.file_index().unwrap_or(0),
            }),
        }
    }

    /// The finding as a KRM result; the code leads the message so kpt's console shows it.
    pub fn to_krm_result(&self) -> KrmResult {
        let mut tags = BTreeMap::new();
        tags.insert("code".to_owned(), self.code.to_owned());
        tags.insert("rule".to_owned(), self.rule.to_owned());
        KrmResult {
            message: format!("{} {}: {}", self.code, self.rule, self.message),
            severity: self.severity,
            resource_ref: self.resource.clone(),
            field: self.field.clone().map(|path| FieldRef { path }),
            file: self.file.clone(),
            tags,
        }
    }
}
