//! Baselines: today's findings recorded by fingerprint, so a repository that cannot fix them all
//! at once (upstream manifests, generated ones) fails only on findings that are new.
//!
//! A fingerprint is the rule, the resource (API group, kind, namespace, name), the field in its
//! keyed form (`env[name=X]`, not `env[3]`, so adding a setting above does not move it) and the
//! value there, normalised. A value azfn treats as secret never enters a fingerprint, not even
//! hashed: the baseline file names rules, resources and fields, and nothing else.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_yaml::Value;
use sha2::{Digest, Sha256};

use crate::diagnostic::{Diagnostic, INPUT_ERROR};
use crate::error::{Error, Location};
use crate::fieldpath;
use crate::krm::{Resource, Severity};

/// The baseline file's format version.
const VERSION: u32 = 1;

/// One recorded finding: its fingerprint, and for the reader the rule, resource and field.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Entry {
    /// Hex SHA-256 of the fingerprint's parts (its first 32 digits).
    pub fingerprint: String,
    /// The rule's code.
    pub code: String,
    /// `Kind/name` or `Kind/namespace/name`.
    pub resource: String,
    /// The keyed field path.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub field: String,
}

/// A baseline file: `{"version": 1, "findings": [...]}`, entries sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// The format version.
    pub version: u32,
    /// The recorded findings; an entry appears once per finding it stands for.
    pub findings: Vec<Entry>,
}

/// What a baseline makes of today's findings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Findings the baseline does not hold (and every info, input error and suppressed one).
    pub new: Vec<Diagnostic>,
    /// How many findings the baseline holds.
    pub known: usize,
    /// Recorded findings that are gone (fixed, or changed into new ones).
    pub fixed: Vec<Entry>,
}

/// Whether a finding is one a baseline records: an error or warning of a rule. Input errors
/// (a build that fails) and infos (suppressed findings among them) never are.
fn recordable(finding: &Diagnostic) -> bool {
    finding.severity != Severity::Info && finding.code != INPUT_ERROR.0
}

/// The API group of `apiVersion`: `apps/v1` is `apps`, `v1` is the core group (empty).
fn group(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(g, _)| g)
}

/// The field in its keyed form where the resource has it (as far as it has it); else as given.
fn keyed_field(field: &str, object: Option<&Value>) -> String {
    let (Some(object), Some(segments)) = (object, fieldpath::parse(field)) else {
        return field.to_owned();
    };
    let depth = fieldpath::depth(object, &segments);
    let Some(head) = fieldpath::keyed(object, &segments[..depth]) else {
        return field.to_owned();
    };
    let tail = fieldpath::format(&segments[depth..]);
    if head.is_empty() || tail.is_empty() || tail.starts_with('[') {
        format!("{head}{tail}")
    } else {
        format!("{head}.{tail}")
    }
}

/// The value at the field, normalised (trimmed, inner whitespace collapsed); empty where the
/// field holds no scalar or where the value is, or may be, a secret.
fn normalised_value(finding: &Diagnostic, kind: &str, object: Option<&Value>) -> String {
    let Some(field) = finding.field.as_deref() else {
        return String::new();
    };
    let (Some(object), Some(segments)) = (object, fieldpath::parse(field)) else {
        return String::new();
    };
    if finding.code == "AZF001" || kind == "Secret" {
        return String::new();
    }
    let mut at = object;
    for segment in &segments {
        let next = match (segment, at) {
            (fieldpath::Segment::Key(k), Value::Mapping(m)) => m.get(k.as_str()),
            (fieldpath::Segment::Index(i), Value::Sequence(items)) => items.get(*i),
            (fieldpath::Segment::Select(k, v), Value::Sequence(items)) => items
                .iter()
                .find(|i| i.get(k.as_str()).and_then(Value::as_str) == Some(v)),
            _ => None,
        };
        match next {
            Some(next) => at = next,
            None => return String::new(),
        }
    }
    let text = match at {
        Value::String(s) => s.clone(),
        Value::Bool(_) | Value::Number(_) => fieldpath::scalar(at, &BTreeMap::new()),
        _ => return String::new(),
    };
    if crate::secrets::find_secret(&text).is_some() {
        return String::new();
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The baseline entry of `finding`, about `resource` (the object it names, when at hand).
pub fn entry(finding: &Diagnostic, resource: Option<&Resource>) -> Entry {
    let object = resource.map(|r| Value::Mapping(r.object().clone()));
    let (api_version, kind, namespace, name) = finding.resource.as_ref().map_or_else(
        || ("", "", "", ""),
        |r| {
            (
                r.api_version.as_str(),
                r.kind.as_str(),
                r.namespace.as_str(),
                r.name.as_str(),
            )
        },
    );
    let field = finding
        .field
        .as_deref()
        .map(|f| keyed_field(f, object.as_ref()))
        .unwrap_or_default();
    let value = normalised_value(finding, kind, object.as_ref());
    let mut hasher = Sha256::new();
    for part in [
        "azfn-baseline-1",
        &finding.code,
        group(api_version),
        kind,
        namespace,
        name,
        &field,
        &value,
    ] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    let digest = hasher.finalize();
    let fingerprint = crate::text::hex(&digest[..16]);
    Entry {
        fingerprint,
        code: finding.code.clone(),
        resource: finding.resource_name(),
        field,
    }
}

impl Baseline {
    /// Records the recordable `findings` (each with the resource it names, when at hand).
    pub fn record<'a>(
        findings: impl IntoIterator<Item = (&'a Diagnostic, Option<&'a Resource>)>,
    ) -> Self {
        let mut entries: Vec<Entry> = findings
            .into_iter()
            .filter(|(f, _)| recordable(f))
            .map(|(f, r)| entry(f, r))
            .collect();
        entries.sort();
        Self {
            version: VERSION,
            findings: entries,
        }
    }

    /// The file's text: pretty JSON with a final new line.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Reads a baseline file's text; errors name `source`.
    pub fn parse(text: &str, source: &str) -> Result<Self, Error> {
        let baseline: Self = serde_json::from_str(text).map_err(|e| {
            Error::shape(
                Location::file(source).line(e.line()),
                format!("not an azfn baseline (record one with --update-baseline): {e}"),
            )
        })?;
        if baseline.version != VERSION {
            return Err(Error::shape(
                Location::at(source, "version"),
                format!(
                    "baseline version {} is not one this azfn reads ({VERSION}): record it again with --update-baseline",
                    baseline.version
                ),
            ));
        }
        if let Some(bad) = baseline.findings.iter().position(|e| {
            e.fingerprint.len() != 32 || !e.fingerprint.bytes().all(|b| b.is_ascii_hexdigit())
        }) {
            return Err(Error::shape(
                Location::at(source, format!("findings[{bad}].fingerprint")),
                "a fingerprint is 32 hexadecimal digits",
            ));
        }
        Ok(baseline)
    }

    /// Splits today's `findings` into the new ones and those the baseline holds (by their
    /// `fingerprint` when set, else by [`entry`]'s). An entry accounts for one finding: two
    /// identical findings where one was recorded leave one new.
    pub fn split<'a>(
        &self,
        findings: impl IntoIterator<Item = (Diagnostic, Option<&'a Resource>)>,
    ) -> Outcome {
        let mut left: BTreeMap<&str, Vec<&Entry>> = BTreeMap::new();
        for entry in &self.findings {
            left.entry(entry.fingerprint.as_str())
                .or_default()
                .push(entry);
        }
        let mut new = Vec::new();
        let mut known = 0;
        for (finding, resource) in findings {
            if !recordable(&finding) {
                new.push(finding);
                continue;
            }
            // The fingerprint the caller already gave it, else its own.
            let fingerprint = finding
                .fingerprint
                .clone()
                .unwrap_or_else(|| entry(&finding, resource).fingerprint);
            match left.get_mut(fingerprint.as_str()).and_then(Vec::pop) {
                Some(_) => known += 1,
                None => new.push(finding),
            }
        }
        let fixed = left.into_values().flatten().cloned().collect();
        Outcome { new, known, fixed }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::krm::ResourceRef;

    fn deployment(env: &str) -> Resource {
        let text = format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: orders, namespace: prod}}\nspec:\n  template:\n    spec:\n      containers:\n      - name: func\n        image: orders:latest\n        env:\n{env}"
        );
        let Value::Mapping(object) = serde_yaml::from_str(&text).unwrap() else {
            unreachable!()
        };
        Resource::new(object)
    }

    fn finding(code: &str, field: &str) -> Diagnostic {
        Diagnostic {
            resource: Some(ResourceRef {
                api_version: "apps/v1".into(),
                kind: "Deployment".into(),
                name: "orders".into(),
                namespace: "prod".into(),
            }),
            field: Some(field.into()),
            ..Diagnostic::new((code, "rule"), Severity::Error, "message")
        }
    }

    const ONE: &str = "        - {name: AzureWebJobsStorage, value: 'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0cw=='}\n        - {name: HOST_ID, value: ' orders '}\n";

    /// A setting added above moves `env[1]` to `env[2]`; the keyed field does not move.
    #[test]
    fn fingerprints_survive_a_setting_added_above() {
        let before = deployment(ONE);
        let after = deployment(&format!("        - {{name: FIRST, value: x}}\n{ONE}"));
        let a = entry(
            &finding("AZF006", "spec.template.spec.containers[0].env[1].value"),
            Some(&before),
        );
        let b = entry(
            &finding("AZF006", "spec.template.spec.containers[0].env[2].value"),
            Some(&after),
        );
        assert_eq!(a, b);
        assert_eq!(
            a.field,
            "spec.template.spec.containers[name=func].env[name=HOST_ID].value"
        );
    }

    /// The value is part of it (normalised); a secret never is.
    #[test]
    fn values_count_but_secrets_never_enter() {
        let one = deployment(ONE);
        let other = deployment(&ONE.replace("' orders '", "'billing'"));
        let spaced = deployment(&ONE.replace("' orders '", "'orders'"));
        let field = "spec.template.spec.containers[0].env[1].value";
        assert_ne!(
            entry(&finding("AZF006", field), Some(&one)),
            entry(&finding("AZF006", field), Some(&other))
        );
        assert_eq!(
            entry(&finding("AZF006", field), Some(&one)),
            entry(&finding("AZF006", field), Some(&spaced))
        );
        let secret = "spec.template.spec.containers[0].env[0].value";
        let rotated = deployment(&ONE.replace("c2Vj", "ZZZZ"));
        assert_eq!(
            entry(&finding("AZF005", secret), Some(&one)),
            entry(&finding("AZF005", secret), Some(&rotated))
        );
        let baseline = Baseline::record([(&finding("AZF001", secret), Some(&one))]);
        assert!(
            !baseline.to_json().contains("c2VjcmV0"),
            "{}",
            baseline.to_json()
        );
    }

    #[test]
    fn split_counts_each_entry_once_and_reports_what_is_gone() {
        let resource = deployment(ONE);
        let host = finding("AZF006", "spec.template.spec.containers[0].env[1].value");
        let image = finding("AZF002", "spec.template.spec.containers[0].image");
        let baseline = Baseline::record([(&host, Some(&resource)), (&image, Some(&resource))]);
        let parsed = Baseline::parse(&baseline.to_json(), "baseline.json").unwrap();
        assert_eq!(parsed, baseline);
        let outcome = parsed.split([
            (host.clone(), Some(&resource)),
            (host.clone(), Some(&resource)),
            (
                Diagnostic {
                    severity: Severity::Info,
                    ..finding("AZF003", "spec")
                },
                None,
            ),
        ]);
        assert_eq!(outcome.known, 1);
        assert_eq!(outcome.new.len(), 2);
        assert_eq!(outcome.fixed.len(), 1);
        assert_eq!(outcome.fixed[0].code, "AZF002");
    }

    #[test]
    fn a_file_that_is_not_a_baseline_is_a_clear_error() {
        let error = Baseline::parse("{\"version\": 1, \"findings\": [{\"fingerprint\": \"xyz\", \"code\": \"AZF001\", \"resource\": \"a\"}]}", "b.json").unwrap_err();
        assert!(
            error.to_string().contains("findings[0].fingerprint"),
            "{error}"
        );
        let error = Baseline::parse("[1, 2]", "b.json").unwrap_err();
        assert!(error.to_string().contains("b.json"), "{error}");
        let error = Baseline::parse("{\"version\": 7, \"findings\": []}", "b.json").unwrap_err();
        assert!(error.to_string().contains("--update-baseline"), "{error}");
    }
}
