//! A rule's diagnostic: about a field of a resource, at the rule's default severity, in the
//! file the resource came from.
use super::Rule;
use crate::diagnostic::Diagnostic;
use crate::krm::{Resource, ResourceRef};

impl Diagnostic {
    /// A finding of `rule` about `field` of `resource`.
    pub fn finding(rule: &dyn Rule, resource: &Resource, field: String, message: String) -> Self {
        Self {
            resource: Some(ResourceRef {
                api_version: resource.api_version().to_owned(),
                kind: resource.kind().to_owned(),
                name: resource.name().to_owned(),
                namespace: resource.namespace().to_owned(),
            }),
            field: Some(field),
            file: resource.file_path().map(str::to_owned),
            index: resource
                .file_path()
                .map(|_| resource.file_index().unwrap_or(0)),
            ..Self::new((rule.code(), rule.name()), rule.default_severity(), message)
        }
    }
}
