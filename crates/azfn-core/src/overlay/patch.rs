//! Patches: strategic merge (kustomize's merge rules: lists of named things merged by key,
//! patched elements first, `$patch: delete|replace`) and JSON 6902 (the json-patch crate), with
//! kustomize's target selectors.
use crate::error::Location;
use serde_yaml::{Mapping, Value};

use super::kustomization::{Kustomization, scalar_string};
use super::resmap::{Res, ResMap, split_api_version, str_at};
use super::{BuildError, Loader, paths};

/// Keys kustomize merges lists of maps by when no schema says otherwise, in its order.
const ASSOCIATIVE_KEYS: &[&str] = &[
    "mountPath",
    "devicePath",
    "ip",
    "type",
    "topologyKey",
    "name",
    "containerPort",
];

/// Merge keys of Kubernetes list fields, by field name.
fn schema_merge_key(field: &str, items: &[&Value]) -> Option<&'static str> {
    Some(match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "volumes"
        | "env"
        | "imagePullSecrets" => "name",
        "volumeMounts" => "mountPath",
        "volumeDevices" => "devicePath",
        "hostAliases" => "ip",
        "topologySpreadConstraints" => "topologyKey",
        "ownerReferences" => "uid",
        "readinessGates" => "conditionType",
        "ports" => {
            if items.iter().any(|i| i.get("containerPort").is_some()) {
                "containerPort"
            } else {
                "port"
            }
        }
        _ => return None,
    })
}

/// Fields whose lists are always replaced by a patch (the schema has no merge key).
const REPLACED_LISTS: &[&str] = &[
    "tolerations",
    "args",
    "command",
    "envFrom",
    "rules",
    "subjects",
];

/// Applies a strategic-merge patch to `target`.
pub(crate) fn strategic_merge(target: &mut Mapping, patch: &Mapping) {
    merge_map(target, patch);
}

fn directive(map: &Mapping) -> Option<&str> {
    map.get("$patch").and_then(Value::as_str)
}

fn merge_map(target: &mut Mapping, patch: &Mapping) {
    if directive(patch) == Some("replace") {
        let mut replaced = patch.clone();
        replaced.remove("$patch");
        *target = replaced;
        return;
    }
    for (key, value) in patch {
        let name = key.as_str().unwrap_or_default();
        if name == "$patch"
            || name.starts_with("$setElementOrder/")
            || name.starts_with("$retainKeys")
        {
            continue;
        }
        if let Some(list) = name.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Sequence(current)), Some(remove)) =
                (target.get_mut(list), value.as_sequence())
            {
                current.retain(|v| !remove.contains(v));
            }
            continue;
        }
        match value {
            Value::Null => {
                target.remove(key);
            }
            Value::Mapping(patch_map) => {
                if directive(patch_map) == Some("delete") {
                    target.remove(key);
                    continue;
                }
                if let Some(Value::Mapping(existing)) = target.get_mut(key) {
                    merge_map(existing, patch_map);
                } else {
                    let mut fresh = Mapping::new();
                    merge_map(&mut fresh, patch_map);
                    target.insert(key.clone(), Value::Mapping(fresh));
                }
            }
            Value::Sequence(patch_items) => {
                let merged = match target.get(key) {
                    Some(Value::Sequence(existing)) => merge_list(name, existing, patch_items),
                    _ => merge_list(name, &[], patch_items),
                };
                target.insert(key.clone(), Value::Sequence(merged));
            }
            scalar => {
                target.insert(key.clone(), scalar.clone());
            }
        }
    }
}

fn merge_list(field: &str, existing: &[Value], patch: &[Value]) -> Vec<Value> {
    // `- $patch: replace` replaces the whole list with the other elements.
    if patch
        .iter()
        .any(|p| p.as_mapping().and_then(directive) == Some("replace"))
    {
        return patch
            .iter()
            .filter(|p| p.as_mapping().and_then(directive) != Some("replace"))
            .map(clean)
            .collect();
    }
    let all: Vec<&Value> = existing.iter().chain(patch).collect();
    let maps = !all.is_empty() && all.iter().all(|v| v.is_mapping());
    let key = if maps {
        schema_merge_key(field, &all).or_else(|| {
            if REPLACED_LISTS.contains(&field) {
                return None;
            }
            ASSOCIATIVE_KEYS
                .iter()
                .copied()
                .find(|k| all.iter().all(|v| v.get(*k).is_some()))
        })
    } else {
        None
    };
    let Some(key) = key else {
        if maps || field != "finalizers" {
            return patch.iter().map(clean).collect();
        }
        // Primitive lists with a merge strategy: union, existing first.
        let mut out = existing.to_vec();
        for item in patch {
            if !out.contains(item) {
                out.push(item.clone());
            }
        }
        return out;
    };
    let mut out = Vec::new();
    let mut used = vec![false; existing.len()];
    for item in patch {
        let Some(item_map) = item.as_mapping() else {
            continue;
        };
        let id = item_map.get(key);
        let found = existing
            .iter()
            .enumerate()
            .find(|(i, e)| !used[*i] && id.is_some() && e.get(key) == id);
        if directive(item_map) == Some("delete") {
            if let Some((i, _)) = found {
                used[i] = true;
            }
            continue;
        }
        match found {
            Some((i, existing_item)) => {
                used[i] = true;
                let mut merged = existing_item.as_mapping().cloned().unwrap_or_default();
                merge_map(&mut merged, item_map);
                out.push(Value::Mapping(merged));
            }
            None => out.push(clean(item)),
        }
    }
    for (i, item) in existing.iter().enumerate() {
        if !used[i] {
            out.push(item.clone());
        }
    }
    out
}

/// A patch value without directives, as it lands in the output.
fn clean(value: &Value) -> Value {
    match value {
        Value::Mapping(map) => {
            let mut out = Mapping::new();
            merge_map(&mut out, map);
            Value::Mapping(out)
        }
        other => other.clone(),
    }
}

/// One selector field: a literal (compared directly) or a pattern (kustomize matches
/// selector fields as anchored regular expressions).
#[derive(Debug, Clone)]
struct Pattern {
    literal: String,
    regex: Option<regex_lite::Regex>,
}

impl Pattern {
    fn new(text: String) -> Self {
        let plain = text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/'));
        let regex = if plain {
            None
        } else {
            regex_lite::Regex::new(&format!("^(?:{text})$")).ok()
        };
        Self {
            literal: text,
            regex,
        }
    }

    fn is_match(&self, value: &str) -> bool {
        match &self.regex {
            Some(regex) => regex.is_match(value),
            None => self.literal == value,
        }
    }
}

/// A `patches:` target selector.
#[derive(Debug, Clone, Default)]
pub(crate) struct Selector {
    group: Option<Pattern>,
    version: Option<Pattern>,
    kind: Option<Pattern>,
    name: Option<Pattern>,
    namespace: Option<Pattern>,
    labels: Option<String>,
    annotations: Option<String>,
}

impl Selector {
    pub(crate) fn from_value(value: &Value) -> Self {
        let get = |k: &str| {
            value
                .get(k)
                .and_then(scalar_string)
                .filter(|s| !s.is_empty())
        };
        let pattern = |k: &str| get(k).map(Pattern::new);
        Self {
            group: pattern("group"),
            version: pattern("version"),
            kind: pattern("kind"),
            name: pattern("name"),
            namespace: pattern("namespace"),
            labels: get("labelSelector"),
            annotations: get("annotationSelector"),
        }
    }

    /// Whether `res` is selected as a `patches:` target, as kustomize's `resWrangler.Select`:
    /// its name and, separately, its effective namespace match either its original id (the
    /// first it had) or its current one, never one it had only in between (an overlay on an
    /// overlay that renamed objects); group, version and kind are the current ones.
    pub(crate) fn selects_patch_target(&self, res: &Res) -> bool {
        let (group, version) = res.group_version();
        if !(self.group.as_ref().is_none_or(|g| g.is_match(group))
            && self.version.as_ref().is_none_or(|v| v.is_match(version))
            && self.kind.as_ref().is_none_or(|k| k.is_match(res.kind())))
        {
            return false;
        }
        // The ids only when a name or namespace is asked for: most selectors name a kind, and
        // most resources are not of it.
        if self.name.is_some() || self.namespace.is_some() {
            let (current, original) = (res.id_ref(), res.original_ref());
            let selected = self
                .name
                .as_ref()
                .is_none_or(|p| p.is_match(original.name) || p.is_match(current.name))
                && self.namespace.as_ref().is_none_or(|p| {
                    p.is_match(original.effective_namespace())
                        || p.is_match(current.effective_namespace())
                });
            if !selected {
                return false;
            }
        }
        self.selects_labels_and_annotations(res)
    }

    /// Whether any id `res` has had, current or previous, is selected by this selector's id
    /// fields compared literally (kustomize's `ResId.IsSelectedBy` over `MakeResIds`, which
    /// replacements use); labels and annotations are not looked at.
    pub(crate) fn selects_any_id(&self, res: &Res) -> bool {
        res.id_refs().any(|id| self.selects_id(&id))
    }

    fn selects_id(&self, id: &super::resmap::IdRef<'_>) -> bool {
        fn field(p: Option<&Pattern>) -> &str {
            p.map_or("", |p| p.literal.as_str())
        }
        let literal = |p: Option<&Pattern>, value: &str| p.is_none_or(|p| p.literal == value);
        literal(self.group.as_ref(), id.group)
            && literal(self.version.as_ref(), id.version)
            && literal(self.kind.as_ref(), id.kind)
            && literal(self.name.as_ref(), id.name)
            && self.namespace.as_ref().is_none_or(|p| {
                super::scope::effective_namespace(
                    field(self.group.as_ref()),
                    field(self.version.as_ref()),
                    field(self.kind.as_ref()),
                    &p.literal,
                ) == id.effective_namespace()
            })
    }

    /// Whether the selector names any id field (kustomize's `!ResId.IsEmpty()`).
    pub(crate) fn has_id(&self) -> bool {
        self.group.is_some()
            || self.version.is_some()
            || self.kind.is_some()
            || self.name.is_some()
            || self.namespace.is_some()
    }

    /// Whether the selector has a label or annotation selector.
    pub(crate) fn has_label_or_annotation_selector(&self) -> bool {
        self.labels.is_some() || self.annotations.is_some()
    }

    /// Whether `res`'s labels and annotations satisfy the selector's (true when it has none).
    pub(crate) fn selects_labels_and_annotations(&self, res: &Res) -> bool {
        self.labels.as_deref().is_none_or(|s| {
            label_selector_matches(s, res.obj.get("metadata").and_then(|m| m.get("labels")))
        }) && self.annotations.as_deref().is_none_or(|s| {
            label_selector_matches(
                s,
                res.obj.get("metadata").and_then(|m| m.get("annotations")),
            )
        })
    }
}

/// Kubernetes label selector syntax: `a=b,c!=d,e in (x,y),f notin (z),g,!h`.
fn label_selector_matches(selector: &str, labels: Option<&Value>) -> bool {
    let get = |k: &str| labels.and_then(|l| l.get(k)).and_then(scalar_string);
    let mut terms = Vec::new();
    let mut depth = 0;
    let mut current = String::new();
    for c in selector.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                terms.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    terms.push(current);
    terms
        .iter()
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
        .all(|term| {
            let set = |rest: &str| -> Vec<String> {
                rest.trim()
                    .trim_start_matches('(')
                    .trim_end_matches(')')
                    .split(',')
                    .map(|s| s.trim().to_owned())
                    .collect()
            };
            if let Some((k, v)) = term.split_once("!=") {
                return get(k.trim()).as_deref() != Some(v.trim());
            }
            if let Some((k, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
                return get(k.trim()).as_deref() == Some(v.trim());
            }
            if let Some((k, rest)) = term.split_once(" notin ") {
                return get(k.trim()).is_none_or(|v| !set(rest).contains(&v));
            }
            if let Some((k, rest)) = term.split_once(" in ") {
                return get(k.trim()).is_some_and(|v| set(rest).contains(&v));
            }
            if let Some(k) = term.strip_prefix('!') {
                return get(k.trim()).is_none();
            }
            get(term).is_some()
        })
}

/// Parses a patch: from `file`, or inline at `at` when `file` is `None`.
fn parse_patch_documents(
    text: &str,
    file: Option<&str>,
    at: &Location,
) -> Result<Vec<Value>, BuildError> {
    crate::yaml::parse_documents(
        text,
        file.unwrap_or(&at.file),
        crate::yaml::Limits::default(),
    )
    .map_err(|e| match file {
        Some(_) => BuildError::from(e).within(at),
        None => BuildError::inline(e, at),
    })
    .map(|docs| docs.into_iter().filter(|d| !d.is_null()).collect())
}

/// Reads a patch given inline or as a path.
fn patch_text(
    loader: &Loader<'_>,
    k: &Kustomization,
    entry: &Value,
    at: &Location,
) -> Result<(Option<String>, String), BuildError> {
    if let Some(path) = entry.get("path").and_then(Value::as_str) {
        return loader
            .read_text(&k.dir, path, at)
            .map(|(path, text)| (Some(paths::display(&path)), text));
    }
    if let Some(inline) = entry.get("patch").and_then(Value::as_str) {
        return Ok((None, inline.to_owned()));
    }
    Err(BuildError::at(
        at,
        "must specify a patch file or an inline patch",
    ))
}

/// Whether a `patches` entry holds JSON 6902 operations (one document that is a list).
pub(crate) fn is_json6902(
    loader: &Loader<'_>,
    k: &Kustomization,
    entry: &Value,
    at: &Location,
) -> bool {
    patch_text(loader, k, entry, at)
        .and_then(|(file, text)| parse_patch_documents(&text, file.as_deref(), at))
        .is_ok_and(|docs| docs.len() == 1 && docs[0].is_sequence())
}

/// One `patchesStrategicMerge` entry: a file path or inline YAML.
pub(crate) fn strategic_merge_entry(
    loader: &Loader<'_>,
    k: &Kustomization,
    entry: &Value,
    ra: &mut ResMap,
    at: &Location,
) -> Result<(), BuildError> {
    let (file, text) = match entry.as_str() {
        Some(s) if !s.contains('\n') && !s.trim_start().starts_with('{') && !s.contains(": ") => {
            let (path, text) = loader.read_text(&k.dir, s, at)?;
            (Some(paths::display(&path)), text)
        }
        Some(s) => (None, s.to_owned()),
        None => (None, serde_yaml::to_string(entry).unwrap_or_default()),
    };
    let docs = parse_patch_documents(&text, file.as_deref(), at)?;
    if docs.is_empty() {
        return Err(BuildError::at(at, "patch appears to be empty"));
    }
    for doc in docs {
        apply_smp_by_id(ra, &doc, Renames::default(), at)?;
    }
    ra.items.retain(|r| !r.obj.is_empty());
    Ok(())
}

/// A strategic-merge patch finds its target by its own apiVersion, kind, name and namespace,
/// matched against every id the target has had (kustomize's `GetById`).
fn apply_smp_by_id(
    ra: &mut ResMap,
    doc: &Value,
    allow: Renames,
    at: &Location,
) -> Result<(), BuildError> {
    let Some(patch) = doc.as_mapping() else {
        return Err(BuildError::at(at, "a patch must be an object"));
    };
    let kind = str_at(patch, &["kind"]);
    let name = str_at(patch, &["metadata", "name"]);
    let namespace = str_at(patch, &["metadata", "namespace"]);
    let (group, version) = split_api_version(str_at(patch, &["apiVersion"]));
    let matches: Vec<usize> = ra
        .items
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            let (g, v) = r.group_version();
            g == group
                && (version.is_empty() || v == version)
                && r.id_refs().any(|id| {
                    id.kind == kind
                        && id.name == name
                        && (namespace.is_empty()
                            || super::resmap::same_namespace(id.namespace, namespace))
                })
        })
        .map(|(i, _)| i)
        .collect();
    match matches.as_slice() {
        [] => Err(BuildError::at(
            at,
            format!(
                "no resource matches strategic merge patch \"{kind}.{version}.{}/{name}.{}\"",
                if group.is_empty() { "[noGrp]" } else { group },
                if namespace.is_empty() {
                    "[noNs]"
                } else {
                    namespace
                }
            ),
        )),
        [index] => {
            apply_smp(&mut ra.items[*index], patch, allow);
            Ok(())
        }
        _ => {
            let id = ra.items[matches[0]].id();
            Err(BuildError::at(
                at,
                format!(
                    "multiple matches for Id {id}; failed to find unique target for patch {id}"
                ),
            ))
        }
    }
}

/// What a `patches:` entry's options let a strategic-merge patch change.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Renames {
    pub name: bool,
    pub kind: bool,
}

/// Applies a strategic-merge patch as kustomize's `Resource.ApplySmPatch` does: the target
/// keeps its namespace, and its name and kind unless the options allow the patch to change
/// them (then its id before is recorded).
fn apply_smp(res: &mut Res, patch: &Mapping, allow: Renames) {
    if directive(patch) == Some("delete") {
        res.obj = Mapping::new();
        return;
    }
    if allow.name || allow.kind {
        res.store_previous();
    }
    let mut patch = patch.clone();
    let patch_name = str_at(&patch, &["metadata", "name"]).is_empty();
    if let Some(Value::Mapping(meta)) = patch.get_mut("metadata") {
        meta.remove("namespace");
        if !allow.name || patch_name {
            meta.remove("name");
        }
    }
    if !allow.kind || str_at(&patch, &["kind"]).is_empty() {
        patch.remove("kind");
    }
    strategic_merge(&mut res.obj, &patch);
}

/// One `patches:` entry: a strategic-merge or JSON 6902 patch, with an optional target.
pub(crate) fn patch_entry(
    loader: &Loader<'_>,
    k: &Kustomization,
    entry: &Value,
    ra: &mut ResMap,
    at: &Location,
) -> Result<(), BuildError> {
    let (file, text) = patch_text(loader, k, entry, at)?;
    let target = entry
        .get("target")
        .filter(|t| !t.is_null())
        .map(Selector::from_value);
    let options = entry.get("options");
    let allow_name = options
        .and_then(|o| o.get("allowNameChange"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let allow_kind = options
        .and_then(|o| o.get("allowKindChange"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let docs = parse_patch_documents(&text, file.as_deref(), at)?;
    if docs.is_empty() {
        return Err(BuildError::at(at, "patch appears to be empty"));
    }
    let is_json6902 = docs.len() == 1 && docs[0].is_sequence();
    if is_json6902 {
        let Some(target) = target else {
            return Err(BuildError::at(at, "a JSON 6902 patch needs a target"));
        };
        let ops = yaml_to_json(&docs[0]);
        return apply_json6902_to_selected(loader, ra, &target, &ops, true, at);
    }
    let allow = Renames {
        name: allow_name,
        kind: allow_kind,
    };
    match target {
        None => {
            for doc in &docs {
                apply_smp_by_id(ra, doc, allow, at)?;
            }
            ra.items.retain(|r| !r.obj.is_empty());
            Ok(())
        }
        Some(selector) => {
            let [doc] = docs.as_slice() else {
                return Err(BuildError::at(
                    at,
                    "Multiple Strategic-Merge Patches in one `patches` entry is not allowed to set `patches.target` field",
                ));
            };
            let Some(patch) = doc.as_mapping() else {
                return Err(BuildError::at(at, "a patch must be an object"));
            };
            // The patch takes each target's apiVersion; its kind only where allowed.
            let mut patch = patch.clone();
            patch.remove("apiVersion");
            for res in ra
                .items
                .iter_mut()
                .filter(|r| selector.selects_patch_target(r))
            {
                apply_smp(res, &patch, allow);
            }
            ra.items.retain(|r| !r.obj.is_empty());
            Ok(())
        }
    }
}

/// One `patchesJson6902` entry.
pub(crate) fn json6902_entry(
    loader: &Loader<'_>,
    k: &Kustomization,
    entry: &Value,
    ra: &mut ResMap,
    at: &Location,
) -> Result<(), BuildError> {
    let target = entry
        .get("target")
        .map(Selector::from_value)
        .ok_or_else(|| BuildError::at(&at.child("target"), "a JSON 6902 patch needs a target"))?;
    let (file, text) = patch_text(loader, k, entry, at)?;
    let docs = parse_patch_documents(&text, file.as_deref(), at)?;
    let Some(doc) = docs.first() else {
        return Err(BuildError::at(at, "patch appears to be empty"));
    };
    // kustomize's legacy `patchesJson6902` records no previous id, even on a rename.
    apply_json6902_to_selected(loader, ra, &target, &yaml_to_json(doc), false, at)
}

fn apply_json6902_to_selected(
    loader: &Loader<'_>,
    ra: &mut ResMap,
    target: &Selector,
    ops: &serde_json::Value,
    store_previous: bool,
    at: &Location,
) -> Result<(), BuildError> {
    let patch: json_patch::Patch = serde_json::from_value(ops.clone())
        .map_err(|e| BuildError::at(at, format!("invalid JSON 6902 patch: {e}")))?;
    let copies = patch
        .0
        .iter()
        .any(|op| matches!(op, json_patch::PatchOperation::Copy(_)));
    for res in ra
        .items
        .iter_mut()
        .filter(|r| target.selects_patch_target(r))
    {
        if store_previous {
            res.store_previous();
        }
        let whole = Value::Mapping(std::mem::take(&mut res.obj));
        let mut doc = yaml_to_json(&whole);
        if let Value::Mapping(obj) = whole {
            res.obj = obj;
        }
        let failed = |e: json_patch::PatchError| {
            BuildError::at(at, format!("applying JSON 6902 patch to {}: {e}", res.id()))
        };
        if copies {
            // One operation at a time, each copy counted before it is made.
            for op in &patch.0 {
                if let json_patch::PatchOperation::Copy(copy) = op
                    && let Some(from) = doc.pointer(copy.from.as_str())
                {
                    loader.copying(json_values(from), at)?;
                }
                json_patch::patch(&mut doc, std::slice::from_ref(op)).map_err(failed)?;
            }
        } else {
            json_patch::patch(&mut doc, &patch).map_err(failed)?;
        }
        let Value::Mapping(obj) = json_to_yaml(&doc) else {
            return Err(BuildError::at(at, "the patch did not leave an object"));
        };
        res.obj = obj;
    }
    Ok(())
}

/// The number of values in `value`, itself included.
fn json_values(value: &serde_json::Value) -> usize {
    match value {
        serde_json::Value::Array(items) => 1 + items.iter().map(json_values).sum::<usize>(),
        serde_json::Value::Object(map) => 1 + map.values().map(json_values).sum::<usize>(),
        _ => 1,
    }
}

pub(crate) fn yaml_to_json(value: &Value) -> serde_json::Value {
    match value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into()
            } else if let Some(u) = n.as_u64() {
                u.into()
            } else {
                serde_json::Number::from_f64(n.as_f64().unwrap_or(0.0))
                    .map_or(serde_json::Value::Null, serde_json::Value::Number)
            }
        }
        Value::String(s) => serde_json::Value::String(s.clone()),
        Value::Sequence(items) => {
            serde_json::Value::Array(items.iter().map(yaml_to_json).collect())
        }
        Value::Mapping(map) => serde_json::Value::Object(
            map.iter()
                .map(|(k, v)| (scalar_string(k).unwrap_or_default(), yaml_to_json(v)))
                .collect(),
        ),
        Value::Tagged(t) => yaml_to_json(&t.value),
    }
}

pub(crate) fn json_to_yaml(value: &serde_json::Value) -> Value {
    match value {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::Number(i.into())
            } else if let Some(u) = n.as_u64() {
                Value::Number(u.into())
            } else {
                Value::Number(n.as_f64().unwrap_or(0.0).into())
            }
        }
        serde_json::Value::String(s) => Value::String(s.clone()),
        serde_json::Value::Array(items) => {
            Value::Sequence(items.iter().map(json_to_yaml).collect())
        }
        serde_json::Value::Object(map) => Value::Mapping(
            map.iter()
                .map(|(k, v)| (Value::String(k.clone()), json_to_yaml(v)))
                .collect(),
        ),
    }
}
