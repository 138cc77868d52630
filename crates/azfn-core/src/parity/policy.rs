//! `ParityPolicy` (azfn.dev/v1alpha1): the environments and where they may differ.
use std::collections::BTreeMap;

use serde_yaml::Value;

use super::Key;

/// The policy kind.
pub const KIND: &str = "ParityPolicy";

/// Fields of an allow rule.
const RULE_FIELDS: &[&str] = &["resource", "field", "environments", "difference", "reason"];
/// Fields of a rule's resource selector, of `spec`, and of an environment.
const RESOURCE_FIELDS: &[&str] = &["kind", "name", "labels"];
const SPEC_FIELDS: &[&str] = &["environments", "allow"];
const ENVIRONMENT_FIELDS: &[&str] = &["name", "path"];

/// The first key of `value` not in `known`, as `Err((key, message))`.
fn known_keys(value: &Value, known: &[&str]) -> Result<(), (String, String)> {
    for key in value.as_mapping().into_iter().flat_map(|m| m.keys()) {
        let key = key.as_str().unwrap_or_default();
        if !known.contains(&key) {
            return Err((key.to_owned(), crate::text::unknown("field", key, known)));
        }
    }
    Ok(())
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
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
    #[allow(
        clippy::too_many_lines,
        reason = "environments, then each allow rule's fields"
    )]
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
        let spec = value.get("spec").cloned().unwrap_or_default();
        known_keys(&spec, SPEC_FIELDS).map_err(|(k, m)| err(&format!("spec.{k}"), &m))?;
        let mut policy = Self::default();
        for (i, env) in spec
            .get("environments")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let at = format!("spec.environments[{i}]");
            known_keys(env, ENVIRONMENT_FIELDS).map_err(|(k, m)| err(&format!("{at}.{k}"), &m))?;
            let name = env
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| err(&format!("{at}.name"), "an environment needs a name"))?;
            let path = env.get("path").and_then(Value::as_str).ok_or_else(|| {
                err(
                    &format!("{at}.path"),
                    "an environment needs its overlay folder",
                )
            })?;
            policy.environments.push((name.to_owned(), path.to_owned()));
        }
        for (i, rule) in spec
            .get("allow")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let at = format!("spec.allow[{i}]");
            if let Some(map) = rule.as_mapping() {
                for key in map.keys().filter_map(Value::as_str) {
                    if !RULE_FIELDS.contains(&key) {
                        return Err(err(
                            &format!("{at}.{key}"),
                            &crate::text::unknown("field", key, RULE_FIELDS),
                        ));
                    }
                }
            }
            let resource = rule.get("resource");
            if let Some(resource) = resource {
                known_keys(resource, RESOURCE_FIELDS)
                    .map_err(|(k, m)| err(&format!("{at}.resource.{k}"), &m))?;
            }
            let get = |k: &str| {
                resource
                    .and_then(|r| r.get(k))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            };
            let labels = resource
                .and_then(|r| r.get("labels"))
                .and_then(Value::as_mapping)
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| Some((k.as_str()?.to_owned(), v.as_str()?.to_owned())))
                        .collect()
                })
                .unwrap_or_default();
            let field_text = rule.get("field").and_then(Value::as_str).map(str::to_owned);
            let field = match &field_text {
                Some(text) => Some(
                    glob(text, "[^.]*")
                        .ok_or_else(|| err(&format!("{at}.field"), "not a valid field pattern"))?,
                ),
                None => None,
            };
            let difference = match rule.get("difference").and_then(Value::as_str) {
                None | Some("value") => Difference::Value,
                Some("presence") => Difference::Presence,
                Some("any") => Difference::Any,
                Some(other) => {
                    return Err(err(
                        &format!("{at}.difference"),
                        &format!("expected value, presence or any, found {other:?}"),
                    ));
                }
            };
            let environments = rule
                .get("environments")
                .and_then(Value::as_sequence)
                .map(|s| {
                    s.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            policy.allow.push(AllowRule {
                kind: get("kind"),
                name: get("name").and_then(|n| glob(&n, ".*")),
                name_text: get("name"),
                labels,
                field,
                field_text,
                environments,
                difference,
                reason: rule
                    .get("reason")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
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
