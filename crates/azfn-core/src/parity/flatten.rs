//! A resource as `field path -> value` pairs: maps by key, lists of named things by their
//! name, other lists by position; names an overlay changed put back to their base names.
use std::collections::BTreeMap;

use serde_yaml::Value;

/// Keys that identify list elements, in order of preference.
const LIST_KEYS: &[&str] = &[
    "name",
    "containerPort",
    "mountPath",
    "devicePath",
    "topologyKey",
    "ip",
    "type",
];

pub(crate) fn flatten(
    value: &Value,
    renames: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    walk(value, String::new(), renames, &mut out);
    // Where a resource lives is the overlay's business, not a difference.
    out.remove("metadata.namespace");
    out.remove("metadata.name");
    // Provenance, not configuration.
    out.remove("metadata.annotations[\"azfn.dev/rendered-from\"]");
    out
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

fn walk(
    value: &Value,
    path: String,
    renames: &BTreeMap<String, String>,
    out: &mut BTreeMap<String, String>,
) {
    match value {
        Value::Mapping(map) if !map.is_empty() => {
            for (k, v) in map {
                let key = match k {
                    Value::String(s) => s.clone(),
                    other => scalar(other, renames),
                };
                walk(v, child(&path, &key), renames, out);
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
                let selector = match key {
                    Some(k) => format!("[{k}={}]", scalar(&item[*k], renames)),
                    None => format!("[{i}]"),
                };
                walk(item, format!("{path}{selector}"), renames, out);
            }
        }
        Value::Tagged(t) => walk(&t.value, path, renames, out),
        other => {
            out.insert(path, scalar(other, renames));
        }
    }
}

/// A scalar as Kubernetes would read it: numbers and strings alike, renamed names restored.
fn scalar(value: &Value, renames: &BTreeMap<String, String>) -> String {
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
