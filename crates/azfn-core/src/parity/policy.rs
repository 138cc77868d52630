//! `ParityPolicy` (azfn.dev/v1alpha1): the environments and where they may differ.
use std::collections::BTreeMap;

use serde::Deserialize;
use serde_yaml::Value;

use super::Key;
use crate::schema::{self, Field, Shape, opt, req};

/// The policy kind.
pub const KIND: &str = "ParityPolicy";

/// The environments, in report order.
const ENVIRONMENT: &[Field] = &[
    req(
        "name",
        Shape::Str,
        "The environment's name in reports (dev, test, prod).",
    ),
    req(
        "path",
        Shape::Str,
        "Its overlay folder, relative to the policy file.",
    ),
];

const RESOURCE: &[Field] = &[
    opt(
        "kind",
        Shape::Str,
        "Kind, e.g. Deployment; FunctionApp for a rule on the spec, which allows what the field renders.",
    ),
    opt(
        "name",
        Shape::Str,
        "Base name. `*` matches within one path segment, `**` across segments.",
    ),
    opt(
        "labels",
        Shape::Dict(&Shape::Str),
        "Labels the resource carries (in any environment).",
    ),
];

const RULE: &[Field] = &[
    opt(
        "resource",
        Shape::Object(RESOURCE),
        "Which resources the rule covers; every given selector must match. Names are base names: prefixes, suffixes, hash suffixes and namespaces taken off.",
    ),
    opt(
        "field",
        Shape::Str,
        "Field path: maps by key (`metadata.labels[\"a/b\"]`), lists of named things by key (`containers[name=func]`, `env[name=X]`), other lists by position (`[0]`). `*` matches within one path segment, `**` across segments. Without a field, the rule is about the whole resource (with `difference: presence`).",
    ),
    opt(
        "environments",
        Shape::List(&Shape::Str),
        "Only these environments may differ; the others must agree with each other.",
    ),
    opt(
        "difference",
        Shape::Enum(&["value", "presence", "any"]),
        "value (default): the field exists everywhere with different values; presence: it (or, without a field, the resource) exists in some environments only; any: either.",
    ),
    opt(
        "reason",
        Shape::Str,
        "Why the difference is intended, for reviewers.",
    ),
];

const SPEC: &[Field] = &[
    opt(
        "environments",
        Shape::List(&Shape::Object(ENVIRONMENT)),
        "The environments, in the order reports show them; the first is the reference FunctionApp differences are undone against.",
    ),
    opt(
        "allow",
        Shape::List(&Shape::Object(RULE)),
        "Where the environments may differ. Nothing differs implicitly.",
    ),
];

/// The schema of a ParityPolicy's `spec`.
pub const SPEC_SHAPE: Shape = Shape::Object(SPEC);

/// `spec` as written, read after the table's check passed.
#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct SpecDoc {
    #[serde(default)]
    environments: Vec<EnvironmentDoc>,
    #[serde(default)]
    allow: Vec<RuleDoc>,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct EnvironmentDoc {
    name: String,
    path: String,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct RuleDoc {
    resource: Option<ResourceDoc>,
    field: Option<String>,
    #[serde(default)]
    environments: Vec<String>,
    #[serde(default)]
    difference: Difference,
    reason: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct ResourceDoc {
    kind: Option<String>,
    name: Option<String>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
}

/// An unusable policy: the message names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {field}: {message}")]
pub struct PolicyError {
    pub file: String,
    pub field: String,
    pub message: String,
}

/// What kind of difference a rule allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(rename_all = "lowercase")]
pub enum Difference {
    /// The field exists everywhere with different values.
    #[default]
    Value,
    /// The field, or with no field the resource, exists in some environments only.
    Presence,
    /// Either.
    Any,
}

/// One place where environments may differ.
#[derive(Debug, Clone, Default)]
pub struct AllowRule {
    pub kind: Option<String>,
    /// Base name, `*` wildcards allowed.
    pub name: Option<regex_lite::Regex>,
    pub name_text: Option<String>,
    pub labels: BTreeMap<String, String>,
    /// Field path pattern (`*` one segment, `**` any depth); `None`: the whole resource.
    pub field: Option<regex_lite::Regex>,
    pub field_text: Option<String>,
    /// The environments the difference may involve; empty: any.
    pub environments: Vec<String>,
    pub difference: Difference,
    pub reason: Option<String>,
}

/// The parsed policy.
#[derive(Debug, Clone, Default)]
pub struct ParityPolicy {
    /// (name, overlay folder) in order.
    pub environments: Vec<(String, String)>,
    pub allow: Vec<AllowRule>,
}

pub(crate) fn glob(pattern: &str, segment: &str) -> Option<regex_lite::Regex> {
    let mut re = String::from("^");
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '*' {
            if chars.peek() == Some(&'*') {
                chars.next();
                re.push_str(".*");
            } else {
                re.push_str(segment);
            }
        } else {
            re.push_str(&regex_lite::escape(&c.to_string()));
        }
    }
    re.push('$');
    regex_lite::Regex::new(&re).ok()
}

impl ParityPolicy {
    /// Reads a policy document; `file` names it in errors.
    pub fn from_value(value: &Value, file: &str) -> Result<Self, PolicyError> {
        let err = |field: &str, message: &str| PolicyError {
            file: file.to_owned(),
            field: field.to_owned(),
            message: message.to_owned(),
        };
        let api_version = value
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let kind = value
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if api_version != crate::config::API_VERSION || kind != KIND {
            return Err(err(
                "kind",
                &format!(
                    "expected apiVersion {} kind {KIND}, found {api_version} {kind}",
                    crate::config::API_VERSION
                ),
            ));
        }
        let spec = match value.get("spec") {
            None | Some(Value::Null) => Value::Mapping(serde_yaml::Mapping::new()),
            Some(spec) => spec.clone(),
        };
        let mut problems = Vec::new();
        schema::check(&spec, &SPEC_SHAPE, "spec", &mut problems);
        if let Some((field, message)) = problems.into_iter().next() {
            return Err(err(&field, &message));
        }
        let spec: SpecDoc =
            serde_yaml::from_value(spec).map_err(|e| err("spec", &e.to_string()))?;
        let mut policy = Self {
            environments: spec
                .environments
                .into_iter()
                .map(|e| (e.name, e.path))
                .collect(),
            allow: Vec::new(),
        };
        for (i, rule) in spec.allow.into_iter().enumerate() {
            let field = match &rule.field {
                Some(text) => Some(glob(text, "[^.]*").ok_or_else(|| {
                    err(
                        &format!("spec.allow[{i}].field"),
                        "not a valid field pattern",
                    )
                })?),
                None => None,
            };
            let resource = rule.resource.unwrap_or_default();
            policy.allow.push(AllowRule {
                kind: resource.kind,
                name: resource.name.as_deref().and_then(|n| glob(n, ".*")),
                name_text: resource.name,
                labels: resource.labels,
                field,
                field_text: rule.field,
                environments: rule.environments,
                difference: rule.difference,
                reason: rule.reason,
            });
        }
        Ok(policy)
    }
}

/// The rules that can match a resource, by its base name: a policy `--init` wrote has a rule
/// per field, and a lookup by name keeps the comparison linear in the number of differences.
pub(crate) struct RuleIndex {
    by_name: BTreeMap<String, Vec<usize>>,
    /// Rules with no name or a wildcard name.
    any_name: Vec<usize>,
}

impl RuleIndex {
    pub(crate) fn new(policy: &ParityPolicy) -> Self {
        let mut index = Self {
            by_name: BTreeMap::new(),
            any_name: Vec::new(),
        };
        for (i, rule) in policy.allow.iter().enumerate() {
            match rule.name_text.as_deref().filter(|n| !n.contains('*')) {
                Some(name) => index.by_name.entry(name.to_owned()).or_default().push(i),
                None => index.any_name.push(i),
            }
        }
        index
    }

    /// The first rule (in policy order) for which `allows` holds.
    pub(crate) fn first(&self, name: &str, allows: impl Fn(usize) -> bool) -> Option<usize> {
        let named = self.by_name.get(name).map_or(&[][..], Vec::as_slice);
        let (mut a, mut b) = (named.iter().peekable(), self.any_name.iter().peekable());
        loop {
            let next = match (a.peek(), b.peek()) {
                (Some(&&x), Some(&&y)) if x < y => a.next(),
                (Some(_) | None, Some(_)) => b.next(),
                (Some(_), None) => a.next(),
                (None, None) => return None,
            };
            if let Some(&i) = next
                && allows(i)
            {
                return Some(i);
            }
        }
    }
}

impl AllowRule {
    pub(crate) fn matches_resource(
        &self,
        key: &Key,
        labels: Option<&BTreeMap<String, String>>,
    ) -> bool {
        self.kind.as_deref().is_none_or(|k| k == key.kind)
            && match (&self.name_text, &self.name) {
                (Some(text), _) if !text.contains('*') => *text == key.name,
                (_, Some(n)) => n.is_match(&key.name),
                _ => true,
            }
            && self
                .labels
                .iter()
                .all(|(k, v)| labels.and_then(|l| l.get(k)) == Some(v))
    }

    /// Whether the rule allows this difference of `field`.
    pub(crate) fn allows(
        &self,
        key: &Key,
        labels: Option<&BTreeMap<String, String>>,
        field: &str,
        presence: bool,
        values: &BTreeMap<String, Option<String>>,
    ) -> bool {
        let kind_ok = match self.difference {
            Difference::Value => !presence,
            Difference::Presence => presence,
            Difference::Any => true,
        };
        let field_ok = match (&self.field_text, &self.field) {
            (Some(text), _) if !text.contains('*') => text == field,
            (_, Some(f)) => f.is_match(field),
            _ => false,
        };
        // Outside the listed environments the value must be the same everywhere.
        let confined = self.environments.is_empty() || {
            super::compare::uniform(
                values
                    .iter()
                    .filter(|(env, _)| !self.environments.contains(env))
                    .map(|(_, v)| super::compare::comparable(field, v.as_ref())),
            )
        };
        kind_ok && field_ok && confined && self.matches_resource(key, labels)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field of the ParityPolicy table is read by the parser's struct and back.
    #[test]
    fn spec_struct_matches_the_table() {
        crate::schema::every_field::assert_struct_matches_table::<SpecDoc>(&SPEC_SHAPE, "spec");
    }

    #[test]
    fn errors_name_the_field() {
        let parse = |spec: &str| {
            let text = format!("apiVersion: azfn.dev/v1alpha1\nkind: ParityPolicy\nspec:\n{spec}");
            ParityPolicy::from_value(&serde_yaml::from_str(&text).unwrap(), "parity.yaml")
                .map(|_| ())
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            parse("  allow:\n  - feild: spec.replicas\n"),
            "parity.yaml: spec.allow[0].feild: unknown field `feild`; known: resource, field, environments, difference, reason"
        );
        assert_eq!(
            parse("  environments:\n  - name: dev\n"),
            "parity.yaml: spec.environments[0].path: required field `path` is missing: Its overlay folder, relative to the policy file."
        );
        assert_eq!(
            parse("  allow:\n  - difference: some\n"),
            "parity.yaml: spec.allow[0].difference: unknown value `some`; known: value, presence, any"
        );
    }
}
