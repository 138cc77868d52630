//! A resource as `field path -> value` pairs: maps by key, lists of named things by their
//! name, other lists by position; names an overlay changed put back to their base names.
use std::collections::BTreeMap;

use serde_yaml::Value;

use super::path::Segment;

/// Keys that identify list elements, in order of preference.
const LIST_KEYS: &[&str] = &[
    "name",
    // FunctionApp `secrets.items`.
    "env",
    "containerPort",
    "mountPath",
    "devicePath",
    "topologyKey",
    "ip",
    "type",
];

/// Fields that never count as differences.
const IGNORED: &[&str] = &[
    // Where a resource lives is the overlay's business, not a difference.
    "metadata.namespace",
    "metadata.name",
    // Provenance, not configuration.
    "metadata.annotations[\"azfn.dev/rendered-from\"]",
];

/// The leaves of `value`, keyed by field path.
pub(crate) fn flatten(
    value: &Value,
    renames: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut walker = Walker {
        renames,
        out: &mut out,
        segments: None,
    };
    walker.walk(value, String::new(), &mut Vec::new());
    for field in IGNORED {
        out.remove(*field);
    }
    out
}

/// [`flatten`], with each leaf's path as segments (to read or write it in another value).
pub(crate) fn flatten_with_segments(
    value: &Value,
) -> (BTreeMap<String, String>, BTreeMap<String, Vec<Segment>>) {
    let renames = BTreeMap::new();
    let mut out = BTreeMap::new();
    let mut segments = BTreeMap::new();
    let mut walker = Walker {
        renames: &renames,
        out: &mut out,
        segments: Some(&mut segments),
    };
    walker.walk(value, String::new(), &mut Vec::new());
    for field in IGNORED {
        out.remove(*field);
        segments.remove(*field);
    }
    (out, segments)
}

fn child(prefix: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match (prefix.is_empty(), plain) {
        (true, true) => key.to_owned(),
        (false, true) => format!("{prefix}.{key}"),
        (_, false) => format!("{prefix}[{key:?}]"),
    }
}

struct Walker<'a> {
    renames: &'a BTreeMap<String, String>,
    out: &'a mut BTreeMap<String, String>,
    segments: Option<&'a mut BTreeMap<String, Vec<Segment>>>,
}

impl Walker<'_> {
    /// A map key as text (non-string keys as their scalar).
    fn key(&self, key: &Value) -> String {
        match key {
            Value::String(s) => s.clone(),
            other => scalar(other, self.renames),
        }
    }

    fn walk(&mut self, value: &Value, path: String, at: &mut Vec<Segment>) {
        match value {
            Value::Mapping(map) if !map.is_empty() => {
                for (k, v) in map {
                    let key = self.key(k);
                    at.push(Segment::Key(key.clone()));
                    self.walk(v, child(&path, &key), at);
                    at.pop();
                }
            }
            Value::Sequence(items) if !items.is_empty() => {
                let key = LIST_KEYS.iter().find(|k| {
                    items.iter().all(|i| {
                        i.get(**k)
                            .is_some_and(|v| !v.is_mapping() && !v.is_sequence())
                    })
                });
                for (i, item) in items.iter().enumerate() {
                    // An element's key is in its path already; its own leaf only when it is
                    // all there is, so an element present in one environment shows once.
                    let skip = key.filter(|_| item.as_mapping().is_some_and(|m| m.len() > 1));
                    let (selector, segment) = match key {
                        Some(k) => {
                            let raw = scalar(&item[*k], &BTreeMap::new());
                            (
                                format!("[{k}={}]", scalar(&item[*k], self.renames)),
                                Segment::Select((*k).to_owned(), raw),
                            )
                        }
                        None => (format!("[{i}]"), Segment::Index(i)),
                    };
                    at.push(segment);
                    match (skip, item) {
                        (Some(k), Value::Mapping(m)) => {
                            let path = format!("{path}{selector}");
                            for (field, v) in m {
                                if field.as_str() == Some(*k) {
                                    continue;
                                }
                                let name = self.key(field);
                                at.push(Segment::Key(name.clone()));
                                self.walk(v, child(&path, &name), at);
                                at.pop();
                            }
                        }
                        _ => self.walk(item, format!("{path}{selector}"), at),
                    }
                    at.pop();
                }
            }
            Value::Tagged(t) => self.walk(&t.value, path, at),
            other => {
                if let Some(segments) = self.segments.as_deref_mut() {
                    segments.insert(path.clone(), at.clone());
                }
                self.out.insert(path, scalar(other, self.renames));
            }
        }
    }
}

/// A scalar as Kubernetes would read it: numbers and strings alike, renamed names restored.
pub(crate) fn scalar(value: &Value, renames: &BTreeMap<String, String>) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => renames.get(s).cloned().unwrap_or_else(|| s.clone()),
        Value::Mapping(_) => "{}".into(),
        Value::Sequence(_) => "[]".into(),
        Value::Tagged(t) => scalar(&t.value, renames),
    }
}
