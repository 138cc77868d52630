//! A field path as segments, to read a value in one environment's `FunctionApp` and put it
//! into another's.
use serde_yaml::{Mapping, Value};

use super::flatten::scalar;

/// One step of a field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    /// A map key.
    Key(String),
    /// The list element whose `key` field is `value`.
    Select(String, String),
    /// A list element by position.
    Index(usize),
}

fn matches(item: &Value, key: &str, value: &str) -> bool {
    item.get(key)
        .is_some_and(|v| scalar(v, &std::collections::BTreeMap::new()) == value)
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
pub(crate) fn pointer(value: &Value, path: &[Segment]) -> Option<String> {
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

/// Makes `target`'s node at `path` what it is in `reference`: the same value, or absent when
/// the reference has none. Where a whole subtree is missing on one side, the subtree moves.
pub(crate) fn copy_from(target: &mut Value, reference: &Value, path: &[Segment]) {
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
