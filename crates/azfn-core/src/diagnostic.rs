//! One diagnostic model for everything azfn reports: a rule's finding, a parity drift and input
//! it cannot process are all a [`Diagnostic`], built once in the core and rendered by `report`
//! into text, JSON, SARIF and JUnit, by `to_krm_result` for kpt and kustomize, and serialized for
//! the browser page.
use serde::Serialize;

use crate::krm::{FieldRef, FileRef, KrmResult, ResourceRef, Severity};

/// Code and rule name of a diagnostic that is not a rule's: input azfn cannot process at all
/// (not YAML, a kustomization that does not build, an invalid FunctionApp or config).
pub const INPUT_ERROR: (&str, &str) = ("AZF900", "invalid-input");

/// A place in the user's files; both parts are absent when nothing there matches.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Position {
    /// The file, as shown from the tree's root (or as given on the command line).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// 1-based line, where known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

/// Another place that explains a diagnostic: the line that set a value in one environment,
/// the base a patch changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Related {
    /// What this place is.
    pub message: String,
    /// The file.
    pub file: String,
    /// 1-based line, where known.
    pub line: Option<usize>,
}

/// What azfn reports: what, how serious, about which resource and field, where (the file and
/// line a person would edit), other places that explain it, and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Diagnostic {
    /// `AZF###` (a rule), `AZP###` (parity) or [`INPUT_ERROR`]'s.
    pub code: String,
    /// The rule's kebab-case name.
    pub rule: String,
    /// Effective severity.
    pub severity: Severity,
    /// What is wrong. Never contains a secret value.
    pub message: String,
    /// The resource concerned.
    pub resource: Option<ResourceRef>,
    /// The field concerned, as a path in the resource.
    pub field: Option<String>,
    /// The file of the primary location.
    pub file: Option<String>,
    /// The document in `file` the resource is (0-based), where known.
    pub index: Option<u64>,
    /// The line of the primary location (1-based), where known.
    pub line: Option<usize>,
    /// Other places that explain it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Related>,
    /// What to do about it, where azfn knows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
    /// Its identity across unrelated edits ([`crate::baseline`]), where the resource was at hand.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
}

impl Diagnostic {
    /// A diagnostic with nothing but its code, rule, severity and message.
    pub fn new((code, rule): (&str, &str), severity: Severity, message: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            rule: rule.to_owned(),
            severity,
            message: message.into(),
            resource: None,
            field: None,
            file: None,
            index: None,
            line: None,
            related: Vec::new(),
            suggestion: None,
            fingerprint: None,
        }
    }

    /// The same diagnostic, at `position` (its file and line, where known).
    #[must_use]
    pub fn placed(mut self, position: Position) -> Self {
        if position.file.is_some() {
            self.file = position.file;
            self.index = None;
        }
        self.line = position.line.or(self.line);
        self
    }

    /// Its primary location.
    pub fn position(&self) -> Position {
        Position {
            file: self.file.clone(),
            line: self.line,
        }
    }

    /// `Kind/name` or `Kind/namespace/name` of its resource; empty without one.
    pub fn resource_name(&self) -> String {
        self.resource.as_ref().map_or_else(String::new, |r| {
            if r.namespace.is_empty() {
                format!("{}/{}", r.kind, r.name)
            } else {
                format!("{}/{}/{}", r.kind, r.namespace, r.name)
            }
        })
    }

    /// As a KRM result; the code leads the message so kpt's console shows it, and the
    /// suggestion follows it.
    pub fn to_krm_result(&self) -> KrmResult {
        let mut tags = std::collections::BTreeMap::new();
        tags.insert("code".to_owned(), self.code.clone());
        tags.insert("rule".to_owned(), self.rule.clone());
        let mut message = format!("{} {}: {}", self.code, self.rule, self.message);
        if let Some(suggestion) = &self.suggestion {
            message = format!("{message} ({suggestion})");
        }
        KrmResult {
            message,
            severity: self.severity,
            resource_ref: self.resource.clone(),
            field: self.field.clone().map(|path| FieldRef { path }),
            file: self.file.clone().map(|path| FileRef {
                path,
                index: self.index.unwrap_or(0),
            }),
            tags,
        }
    }

    /// A KRM result another run wrote (the sandboxed module's, another function's): its code
    /// and rule from its tags, its message without the prefix `to_krm_result` adds.
    pub fn from_krm_result(result: KrmResult) -> Self {
        let code = result.tags.get("code").cloned().unwrap_or_default();
        let rule = result.tags.get("rule").cloned().unwrap_or_default();
        let prefix = format!("{code} {rule}: ");
        let message = match result.message.strip_prefix(&prefix) {
            Some(rest) if !code.is_empty() => rest.to_owned(),
            _ => result.message,
        };
        Self {
            code,
            rule,
            severity: result.severity,
            message,
            resource: result.resource_ref,
            field: result.field.map(|f| f.path),
            index: result.file.as_ref().map(|f| f.index),
            file: result.file.map(|f| f.path),
            line: None,
            related: Vec::new(),
            suggestion: None,
            fingerprint: None,
        }
    }

    /// Input azfn cannot process, from the location the error carries.
    pub fn input_error(location: &crate::error::Location, message: impl Into<String>) -> Self {
        Self {
            field: location.field.clone().filter(|f| !f.is_empty()),
            file: (!location.file.is_empty()).then(|| location.file.clone()),
            line: location.line,
            ..Self::new(INPUT_ERROR, Severity::Error, message)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Diagnostic {
        Diagnostic {
            resource: Some(ResourceRef {
                api_version: "apps/v1".into(),
                kind: "Deployment".into(),
                name: "orders".into(),
                namespace: "prod".into(),
            }),
            field: Some("spec.replicas".into()),
            file: Some("overlays/prod/patch.yaml".into()),
            index: Some(1),
            ..Diagnostic::new(("AZF099", "sample"), Severity::Warning, "too few")
        }
    }

    /// A KRM result carries code, rule, resource, field and file, and reads back as the same
    /// diagnostic (lines and related places are not part of kpt's result format).
    #[test]
    fn krm_results_round_trip() {
        let diagnostic = sample();
        let result = diagnostic.to_krm_result();
        assert_eq!(result.message, "AZF099 sample: too few");
        assert_eq!(result.file.as_ref().map(|f| f.index), Some(1));
        assert_eq!(Diagnostic::from_krm_result(result), diagnostic);
    }

    #[test]
    fn a_suggestion_follows_the_message_in_a_krm_result() {
        let diagnostic = Diagnostic {
            suggestion: Some("to allow it: {field: spec.replicas}".into()),
            ..sample()
        };
        assert_eq!(
            diagnostic.to_krm_result().message,
            "AZF099 sample: too few (to allow it: {field: spec.replicas})"
        );
    }

    #[test]
    fn input_errors_keep_file_line_and_field() {
        let location = crate::error::Location::at("base/kustomization.yaml", "patches[0]").line(7);
        let diagnostic = Diagnostic::input_error(&location, "no such file");
        assert_eq!(
            (diagnostic.code.as_str(), diagnostic.rule.as_str()),
            INPUT_ERROR
        );
        assert_eq!(diagnostic.severity, Severity::Error);
        assert_eq!(diagnostic.file.as_deref(), Some("base/kustomization.yaml"));
        assert_eq!(diagnostic.line, Some(7));
        assert_eq!(diagnostic.field.as_deref(), Some("patches[0]"));
    }

    #[test]
    fn placing_keeps_what_the_position_does_not_know() {
        let placed = sample().placed(Position {
            file: None,
            line: Some(3),
        });
        assert_eq!(placed.file.as_deref(), Some("overlays/prod/patch.yaml"));
        assert_eq!(placed.line, Some(3));
        let moved = sample().placed(Position {
            file: Some("base/app.yaml".into()),
            line: None,
        });
        assert_eq!(moved.position().file.as_deref(), Some("base/app.yaml"));
        assert_eq!(moved.index, None);
    }
}
