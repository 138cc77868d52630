//! `replacements:`: copy a field of one resource into fields of others.
use crate::error::Location;
use serde_yaml::{Mapping, Value};

use super::kustomization::{Kustomization, scalar_string};
use super::patch::Selector;
use super::resmap::ResMap;
use super::{BuildError, Loader};

/// One `replacements:` entry: inline, or `path:` to a file of replacements.
pub(crate) fn apply_entry(
    loader: &Loader<'_>,
    k: &Kustomization,
    entry: &Value,
    ra: &mut ResMap,
    at: &Location,
) -> Result<(), BuildError> {
    if let Some(path) = entry.get("path").and_then(Value::as_str) {
        let (path, text) = loader.read_text(&k.dir, path, at)?;
        let docs = crate::yaml::parse_documents(
            &text,
            &super::paths::display(&path),
            crate::yaml::Limits::default(),
        )
        .map_err(|e| BuildError::from(e).within(at))?;
        for doc in docs {
            match doc {
                Value::Sequence(items) => {
                    for item in items {
                        apply(loader, ra, &item, at)?;
                    }
                }
                Value::Null => {}
                item => apply(loader, ra, &item, at)?,
            }
        }
        return Ok(());
    }
    apply(loader, ra, entry, at)
}

struct Options {
    delimiter: String,
    index: i64,
    create: bool,
}

fn options(value: Option<&Value>) -> Options {
    let get = |k: &str| value.and_then(|v| v.get(k));
    Options {
        delimiter: get("delimiter").and_then(scalar_string).unwrap_or_default(),
        index: get("index").and_then(Value::as_i64).unwrap_or(0),
        create: get("create").and_then(Value::as_bool).unwrap_or(false),
    }
}

#[allow(
    clippy::too_many_lines,
    reason = "source, then each target, as kustomize reads them"
)]
fn apply(
    loader: &Loader<'_>,
    ra: &mut ResMap,
    replacement: &Value,
    at: &Location,
) -> Result<(), BuildError> {
    let source = replacement
        .get("source")
        .ok_or_else(|| BuildError::at(&at.child("source"), "a replacement needs a source"))?;
    let selector = Selector::from_value(source);
    let sources: Vec<usize> = ra
        .items
        .iter()
        .enumerate()
        .filter(|(_, r)| selector.selects_any_id(r))
        .map(|(i, _)| i)
        .collect();
    let index = match sources.as_slice() {
        [one] => *one,
        [] => {
            return Err(BuildError::at(
                at,
                "nothing selected by the replacement source",
            ));
        }
        _ => {
            return Err(BuildError::at(
                at,
                format!(
                    "multiple matches for the replacement source: {}",
                    sources
                        .iter()
                        .map(|i| ra.items[*i].id().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    };
    let field_path = source
        .get("fieldPath")
        .and_then(Value::as_str)
        .unwrap_or("metadata.name");
    let source_node = Value::Mapping(ra.items[index].obj.clone());
    let path = split_field_path(field_path);
    let mut value = get(&source_node, &path).cloned().ok_or_else(|| {
        BuildError::at(
            at,
            format!(
                "fieldPath `{field_path}` is missing for replacement source {}",
                ra.items[index].id()
            ),
        )
    })?;
    let source_options = options(source.get("options"));
    if !source_options.delimiter.is_empty() {
        let text = scalar_string(&value).unwrap_or_default();
        let parts: Vec<&str> = text.split(source_options.delimiter.as_str()).collect();
        let i = usize::try_from(source_options.index)
            .ok()
            .filter(|i| *i < parts.len())
            .ok_or_else(|| {
                BuildError::at(
                    at,
                    format!(
                        "options.index {} is out of bounds for value {text}",
                        source_options.index
                    ),
                )
            })?;
        value = Value::String(parts[i].to_owned());
    }
    for (t, target) in replacement
        .get("targets")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let at = at.child(&format!("targets[{t}]"));
        let select = target
            .get("select")
            .map(Selector::from_value)
            .unwrap_or_default();
        let rejects: Vec<Selector> = target
            .get("reject")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
            .map(Selector::from_value)
            .collect();
        let target_options = options(target.get("options"));
        let paths: Vec<Vec<String>> = target
            .get("fieldPaths")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(split_field_path)
            .collect();
        // As kustomize's replacement filter: labels and annotations of the selector and of
        // label-only rejects first, then any id the target has had, unless a reject's id
        // fields select one of them.
        for res in ra.items.iter_mut().filter(|r| {
            select.selects_labels_and_annotations(r)
                && !rejects.iter().any(|s| {
                    s.has_label_or_annotation_selector() && s.selects_labels_and_annotations(r)
                })
                && select.selects_any_id(r)
                && !rejects.iter().any(|s| s.has_id() && s.selects_any_id(r))
        }) {
            let id = res.id();
            loader.copying(values(&value).saturating_mul(paths.len()), &at)?;
            let mut node = Value::Mapping(std::mem::take(&mut res.obj));
            let mut result = Ok(());
            for path in &paths {
                result = set(&mut node, path, &value, &target_options)
                    .map_err(|m| BuildError::at(&at, format!("{m} in replacement target {id}")));
                if result.is_err() {
                    break;
                }
            }
            if let Value::Mapping(m) = node {
                res.obj = m;
            }
            result?;
        }
    }
    Ok(())
}

/// The number of values in `value`, itself included.
fn values(value: &Value) -> usize {
    match value {
        Value::Sequence(items) => 1 + items.iter().map(values).sum::<usize>(),
        Value::Mapping(map) => 1 + map.values().map(values).sum::<usize>(),
        Value::Tagged(tagged) => values(&tagged.value),
        _ => 1,
    }
}

/// Splits `spec.containers.[name=app].image` (brackets may hold dots).
fn split_field_path(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut depth = 0;
    for c in path.chars() {
        match c {
            '[' => {
                depth += 1;
                current.push(c);
            }
            ']' => {
                depth -= 1;
                current.push(c);
            }
            '.' if depth == 0 => out.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    out.push(current);
    out.into_iter().filter(|s| !s.is_empty()).collect()
}

/// How one path element selects in a node.
fn select_child<'a>(node: &'a Value, element: &str) -> Option<&'a Value> {
    match node {
        Value::Mapping(map) => map.get(element.trim_start_matches('[').trim_end_matches(']')),
        Value::Sequence(items) => {
            if let Some(inner) = element.strip_prefix('[').and_then(|e| e.strip_suffix(']')) {
                let (key, value) = inner.split_once('=')?;
                return items
                    .iter()
                    .find(|i| i.get(key).and_then(scalar_string).as_deref() == Some(value));
            }
            element.parse::<usize>().ok().and_then(|i| items.get(i))
        }
        _ => None,
    }
}

fn get<'a>(node: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(node, |n, e| select_child(n, e))
}

fn set(node: &mut Value, path: &[String], value: &Value, options: &Options) -> Result<(), String> {
    let Some((first, rest)) = path.split_first() else {
        let new = if options.delimiter.is_empty() {
            value.clone()
        } else {
            let text = scalar_string(node).unwrap_or_default();
            let mut parts: Vec<String> = text
                .split(options.delimiter.as_str())
                .map(str::to_owned)
                .collect();
            let replacement = scalar_string(value).unwrap_or_default();
            match usize::try_from(options.index) {
                Ok(i) if i < parts.len() => parts[i] = replacement,
                Ok(_) => parts.push(replacement),
                Err(_) => parts.insert(0, replacement),
            }
            Value::String(parts.join(options.delimiter.as_str()))
        };
        *node = new;
        return Ok(());
    };
    match node {
        Value::Mapping(map) => {
            let key = Value::String(
                first
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .to_owned(),
            );
            if !map.contains_key(&key) {
                if !options.create {
                    return Err(format!("unable to find field \"{first}\""));
                }
                let fresh = if rest.first().is_some_and(|r| r.starts_with('[')) {
                    Value::Sequence(Vec::new())
                } else {
                    Value::Mapping(Mapping::new())
                };
                map.insert(key.clone(), fresh);
            }
            set(map.get_mut(&key).expect("present"), rest, value, options)
        }
        Value::Sequence(items) => {
            if first == "*" {
                for item in items.iter_mut() {
                    set(item, rest, value, options)?;
                }
                return Ok(());
            }
            let position =
                if let Some(inner) = first.strip_prefix('[').and_then(|e| e.strip_suffix(']')) {
                    let (key, wanted) = inner
                        .split_once('=')
                        .ok_or_else(|| format!("invalid selector {first}"))?;
                    items
                        .iter()
                        .position(|i| i.get(key).and_then(scalar_string).as_deref() == Some(wanted))
                } else {
                    first.parse::<usize>().ok().filter(|i| *i < items.len())
                };
            match position {
                Some(i) => set(&mut items[i], rest, value, options),
                None => Err(format!("unable to find field \"{first}\"")),
            }
        }
        Value::Null if options.create => {
            *node = Value::Mapping(Mapping::new());
            set(node, path, value, options)
        }
        _ => Err(format!("unable to find field \"{first}\"")),
    }
}
