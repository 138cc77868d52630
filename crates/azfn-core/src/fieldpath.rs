//! Field paths, one vocabulary for every part of azfn: `spec.template.spec.containers[name=func]
//! .env[name=X].value`. Maps by key, lists of named things by their name, other lists by
//! position. Parity compares resources by these paths, provenance records who set each one,
//! findings and `azfn explain` name fields with them.
use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_yaml::{Mapping, Value};

/// One step of a field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// A map key.
    Key(String),
    /// The list element whose `key` field is `value`.
    Select(String, String),
    /// A list element by position.
    Index(usize),
}

fn matches(item: &Value, key: &str, value: &str) -> bool {
    item.get(key)
        .is_some_and(|v| scalar(v, &BTreeMap::new()) == value)
}

fn step<'a>(value: &'a Value, segment: &Segment) -> Option<&'a Value> {
    match (segment, value) {
        (Segment::Key(k), Value::Mapping(m)) => m.get(k.as_str()),
        (Segment::Select(k, v), Value::Sequence(items)) => items.iter().find(|i| matches(i, k, v)),
        (Segment::Index(i), Value::Sequence(items)) => items.get(*i),
        (_, Value::Tagged(t)) => step(&t.value, segment),
        _ => None,
    }
}

fn step_mut<'a>(value: &'a mut Value, segment: &Segment) -> Option<&'a mut Value> {
    match (segment, value) {
        (Segment::Key(k), Value::Mapping(m)) => m.get_mut(k.as_str()),
        (Segment::Select(k, v), Value::Sequence(items)) => {
            items.iter_mut().find(|i| matches(i, k, v))
        }
        (Segment::Index(i), Value::Sequence(items)) => items.get_mut(*i),
        (_, Value::Tagged(t)) => step_mut(&mut t.value, segment),
        _ => None,
    }
}

/// The JSON pointer of `path` in `value`, if it is there.
pub fn pointer(value: &Value, path: &[Segment]) -> Option<String> {
    let mut out = String::new();
    let mut at = value;
    for segment in path {
        let token = match (segment, at) {
            (Segment::Select(k, v), Value::Sequence(items)) => {
                items.iter().position(|i| matches(i, k, v))?.to_string()
            }
            (Segment::Index(i), _) => i.to_string(),
            (Segment::Key(k), _) => k.replace('~', "~0").replace('/', "~1"),
            _ => return None,
        };
        out.push('/');
        out.push_str(&token);
        at = step(at, segment)?;
    }
    Some(out)
}

/// [`pointer`] in an object, without wrapping it in a [`Value`] (which would copy it).
pub fn pointer_in(obj: &Mapping, path: &[Segment]) -> Option<String> {
    let (key, child, rest) = first_key(obj, path)?;
    Some(format!(
        "/{}{}",
        key.replace('~', "~0").replace('/', "~1"),
        pointer(child, rest)?
    ))
}

/// The object's field named by the first of `path` (a key), and the rest of `path`.
fn first_key<'a, 'p>(
    obj: &'a Mapping,
    path: &'p [Segment],
) -> Option<(&'p str, &'a Value, &'p [Segment])> {
    match path.split_first()? {
        (Segment::Key(key), rest) => Some((key, obj.get(key.as_str())?, rest)),
        _ => None,
    }
}

/// Makes `target`'s node at `path` what it is in `reference`: the same value, or absent when
/// the reference has none. Where a whole subtree is missing on one side, the subtree moves.
pub fn copy_from(target: &mut Value, reference: &Value, path: &[Segment]) {
    // The deepest prefix both sides have.
    let mut t: &mut Value = target;
    let mut r: &Value = reference;
    for (i, segment) in path.iter().enumerate() {
        let next_r = step(r, segment);
        let has_t = step(t, segment).is_some();
        match (next_r, has_t) {
            (Some(next_r), true) => {
                r = next_r;
                t = step_mut(t, segment).expect("just checked");
                if i + 1 == path.len() {
                    *t = r.clone();
                }
            }
            (None, true) => {
                remove(t, segment);
                return;
            }
            (Some(next_r), false) => {
                insert(t, segment, next_r.clone());
                return;
            }
            (None, false) => return,
        }
    }
}

fn remove(parent: &mut Value, segment: &Segment) {
    match (segment, parent) {
        (Segment::Key(k), Value::Mapping(m)) => {
            m.remove(k.as_str());
        }
        (Segment::Select(k, v), Value::Sequence(items)) => items.retain(|i| !matches(i, k, v)),
        (Segment::Index(i), Value::Sequence(items)) if *i < items.len() => {
            items.remove(*i);
        }
        (_, Value::Tagged(t)) => remove(&mut t.value, segment),
        _ => {}
    }
}

fn insert(parent: &mut Value, segment: &Segment, node: Value) {
    match (segment, parent) {
        (Segment::Key(k), Value::Mapping(m)) => {
            m.insert(Value::String(k.clone()), node);
        }
        (Segment::Select(..) | Segment::Index(_), Value::Sequence(items)) => items.push(node),
        (Segment::Key(k), parent @ Value::Null) => {
            let mut m = Mapping::new();
            m.insert(Value::String(k.clone()), node);
            *parent = Value::Mapping(m);
        }
        (_, Value::Tagged(t)) => insert(&mut t.value, segment, node),
        _ => {}
    }
}

/// Keys that identify list elements, in order of preference.
pub(crate) const LIST_KEYS: &[&str] = &[
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

/// `prefix.key`, or `prefix["key"]` for a key that is not a plain word.
pub fn child(prefix: &str, key: &str) -> String {
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

/// The leaves of `value`: each field path with its scalar (names in `renames` replaced by
/// what they map to) and its segments.
pub fn leaves(
    value: &Value,
    renames: &BTreeMap<String, String>,
) -> (BTreeMap<String, String>, BTreeMap<String, Vec<Segment>>) {
    let mut out = BTreeMap::new();
    let mut segments = BTreeMap::new();
    let mut walker = Walker {
        renames,
        out: &mut out,
        segments: Some(&mut segments),
    };
    walker.walk(value, String::new(), &mut Vec::new());
    (out, segments)
}

/// [`leaves`] of an object, without wrapping it in a [`Value`] (which would copy it).
pub fn leaves_in(obj: &Mapping) -> (BTreeMap<String, String>, BTreeMap<String, Vec<Segment>>) {
    let renames = BTreeMap::new();
    let mut out = BTreeMap::new();
    let mut segments = BTreeMap::new();
    let mut walker = Walker {
        renames: &renames,
        out: &mut out,
        segments: Some(&mut segments),
    };
    walker.walk_mapping(obj, String::new(), &mut Vec::new());
    (out, segments)
}

/// [`scalars`] of an object, without wrapping it in a [`Value`].
pub fn scalars_in(obj: &Mapping) -> BTreeMap<String, String> {
    let renames = BTreeMap::new();
    let mut out = BTreeMap::new();
    let mut walker = Walker {
        renames: &renames,
        out: &mut out,
        segments: None,
    };
    walker.walk_mapping(obj, String::new(), &mut Vec::new());
    out
}

/// [`leaves`] without the segments.
pub fn scalars(value: &Value, renames: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut walker = Walker {
        renames,
        out: &mut out,
        segments: None,
    };
    walker.walk(value, String::new(), &mut Vec::new());
    out
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

    /// An object's fields; an empty object is a leaf of its own, as in [`Self::walk`].
    fn walk_mapping(&mut self, map: &Mapping, path: String, at: &mut Vec<Segment>) {
        if map.is_empty() {
            self.leaf(&Value::Mapping(Mapping::new()), path, at);
            return;
        }
        for (k, v) in map {
            let key = self.key(k);
            at.push(Segment::Key(key.clone()));
            self.walk(v, child(&path, &key), at);
            at.pop();
        }
    }

    fn leaf(&mut self, value: &Value, path: String, at: &[Segment]) {
        if let Some(segments) = self.segments.as_deref_mut() {
            segments.insert(path.clone(), at.to_vec());
        }
        self.out.insert(path, scalar(value, self.renames));
    }

    fn walk(&mut self, value: &Value, path: String, at: &mut Vec<Segment>) {
        match value {
            Value::Mapping(map) if !map.is_empty() => self.walk_mapping(map, path, at),
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
            other => self.leaf(other, path, at),
        }
    }
}

/// A scalar as Kubernetes would read it: numbers and strings alike, renamed names restored.
pub fn scalar(value: &Value, renames: &BTreeMap<String, String>) -> String {
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

/// Parses a field path in either form (`a.b[0].c`, `a.b[name=x].c`, `a["k.with.dots"]`).
pub fn parse(field: &str) -> Option<Vec<Segment>> {
    let mut out = Vec::new();
    let mut rest = field;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("[\"") {
            let close = after.find("\"]")?;
            out.push(Segment::Key(after[..close].replace("\\\"", "\"")));
            rest = &after[close + 2..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let close = after.find(']')?;
            let inner = &after[..close];
            match inner.split_once('=') {
                Some((key, value)) => out.push(Segment::Select(key.to_owned(), value.to_owned())),
                None => out.push(Segment::Index(inner.parse().ok()?)),
            }
            rest = &after[close + 1..];
        } else {
            let rest_trim = rest.strip_prefix('.').unwrap_or(rest);
            let end = rest_trim.find(['.', '[']).unwrap_or(rest_trim.len());
            if end == 0 {
                return None;
            }
            out.push(Segment::Key(rest_trim[..end].to_owned()));
            rest = &rest_trim[end..];
        }
    }
    Some(out)
}

/// The keyed form of `segments` in `value` (list items by their name where the list has one,
/// as [`leaves`] writes paths); `None` when `value` has no such node.
pub fn keyed(value: &Value, segments: &[Segment]) -> Option<String> {
    let mut out = String::new();
    let mut at = value;
    for segment in segments {
        match (segment, at) {
            (Segment::Key(k), Value::Mapping(m)) => {
                at = m.get(k.as_str())?;
                out = child(&out, k);
            }
            (Segment::Select(..) | Segment::Index(_), Value::Sequence(items)) => {
                let index = match segment {
                    Segment::Index(i) => *i,
                    Segment::Select(k, v) => items.iter().position(|i| matches(i, k, v))?,
                    Segment::Key(_) => unreachable!("matched above"),
                };
                let item = items.get(index)?;
                match list_key(items) {
                    Some(k) => {
                        let _ = write!(out, "[{k}={}]", scalar(&item[k], &BTreeMap::new()));
                    }
                    None => {
                        let _ = write!(out, "[{index}]");
                    }
                }
                at = item;
            }
            (_, Value::Tagged(t)) => {
                return keyed(&t.value, segments).filter(|_| out.is_empty());
            }
            _ => return None,
        }
    }
    Some(out)
}

/// [`keyed`] in an object, without wrapping it in a [`Value`].
pub fn keyed_in(obj: &Mapping, segments: &[Segment]) -> Option<String> {
    let (key, child, rest) = first_key(obj, segments)?;
    let below = keyed(child, rest)?;
    let top = self::child("", key);
    Some(if below.is_empty() {
        top
    } else if below.starts_with('[') {
        format!("{top}{below}")
    } else {
        format!("{top}.{below}")
    })
}

/// The key that names a list's items, as [`leaves`] chooses it.
fn list_key(items: &[Value]) -> Option<&'static str> {
    LIST_KEYS.iter().copied().find(|k| {
        items.iter().all(|i| {
            i.get(*k)
                .is_some_and(|v| !v.is_mapping() && !v.is_sequence())
        })
    })
}

/// `segments` written as a path (keyed segments as `[key=value]`).
pub fn format(segments: &[Segment]) -> String {
    let mut out = String::new();
    for segment in segments {
        match segment {
            Segment::Key(k) => out = child(&out, k),
            Segment::Select(k, v) => {
                let _ = write!(out, "[{k}={v}]");
            }
            Segment::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
        }
    }
    out
}

/// Whether `path` is `node` or lies below it.
pub fn is_below(path: &str, node: &str) -> bool {
    node.is_empty()
        || path == node
        || path
            .strip_prefix(node)
            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
}

/// [`depth`] in an object, without wrapping it in a [`Value`].
pub fn depth_in(obj: &Mapping, segments: &[Segment]) -> usize {
    first_key(obj, segments).map_or(0, |(_, child, rest)| 1 + depth(child, rest))
}

/// How many of `segments` `value` has, from the first.
pub fn depth(value: &Value, segments: &[Segment]) -> usize {
    let mut at = value;
    for (i, segment) in segments.iter().enumerate() {
        match step(at, segment) {
            Some(next) => at = next,
            None => return i,
        }
    }
    segments.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(text: &str) -> Value {
        serde_yaml::from_str(text).unwrap()
    }

    #[test]
    fn copies_a_value_removes_and_inserts_subtrees() {
        let reference = yaml("spec: {a: 1, items: [{name: x, v: 1}]}");
        let mut target = yaml("spec: {a: 2, b: 3, items: [{name: x, v: 2}, {name: y, v: 9}]}");
        let key = |k: &str| Segment::Key(k.into());
        copy_from(&mut target, &reference, &[key("spec"), key("a")]);
        copy_from(&mut target, &reference, &[key("spec"), key("b")]);
        let select = |v: &str| Segment::Select("name".into(), v.into());
        copy_from(
            &mut target,
            &reference,
            &[key("spec"), key("items"), select("x"), key("v")],
        );
        copy_from(
            &mut target,
            &reference,
            &[key("spec"), key("items"), select("y"), key("v")],
        );
        assert_eq!(target, reference);
        let mut empty = yaml("spec: {}");
        copy_from(
            &mut empty,
            &reference,
            &[key("spec"), key("items"), select("x"), key("v")],
        );
        assert_eq!(empty, yaml("spec: {items: [{name: x, v: 1}]}"));
    }
}
