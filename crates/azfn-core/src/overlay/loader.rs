//! The Loader: reads the files one build references (and no others: the load restrictor),
//! accumulates resources from files, nested kustomizations, generators and components, and
//! keeps the build's budgets and its provenance recorder.
use serde_yaml::{Mapping, Value};

use super::kustomization::{self, Kustomization};
use super::resmap::{self, Res, ResMap};
use super::{
    BuildError, BuildOptions, LoadRestrictor, fieldspec, generate, order, paths, provenance,
    transform,
};
use crate::error::Location;
use crate::source::{FileSource, SourceError};

/// What the whole build shares across kustomizations.
#[derive(Default)]
pub(super) struct State {
    pub(super) config: fieldspec::Config,
    config_loaded: bool,
    /// Directories being built, for cycle detection.
    stack: Vec<String>,
    pub(super) sort: Option<order::Sort>,
    pub(super) build_metadata: Vec<String>,
}

/// Values one build may copy with JSON 6902 `copy` operations and replacements. Honest
/// overlays copy names and images, a few values each; a patch that copies a document into
/// itself doubles it per operation, and forty operations would outgrow any machine.
pub const MAX_COPIED_VALUES: usize = 1_000_000;

/// Reads files for one build, enforcing the load restrictor.
pub(crate) struct Loader<'a> {
    pub(super) source: &'a dyn FileSource,
    pub(super) options: &'a BuildOptions,
    /// Values copied so far (see [`MAX_COPIED_VALUES`]).
    copied: std::cell::Cell<usize>,
    /// Set when the build records provenance.
    pub(super) recorder: Option<provenance::Recorder<'a>>,
}

impl<'a> Loader<'a> {
    /// A loader for one build; `traced` records provenance.
    pub(super) fn new(source: &'a dyn FileSource, options: &'a BuildOptions, traced: bool) -> Self {
        Self {
            source,
            options,
            copied: std::cell::Cell::new(0),
            recorder: traced.then(|| provenance::Recorder::new(source)),
        }
    }

    /// Whether this build records provenance.
    pub(crate) fn recording(&self) -> bool {
        self.recorder.is_some()
    }

    /// Runs one step over `ra`; when recording provenance, each field it set or changed gets
    /// an origin of `step` at `at`.
    pub(crate) fn step<'k, T>(
        &self,
        ra: &mut ResMap,
        step: provenance::Step,
        at: impl FnOnce() -> provenance::At<'k>,
        run: impl FnOnce(&mut ResMap) -> Result<T, BuildError>,
    ) -> Result<T, BuildError> {
        let Some(recorder) = &self.recorder else {
            return run(ra);
        };
        let before = provenance::Recorder::before(ra);
        let out = run(ra)?;
        recorder.after(ra, &before, step, &at());
        Ok(out)
    }

    /// Counts `values` more copied values against [`MAX_COPIED_VALUES`].
    pub(crate) fn copying(&self, values: usize, at: &Location) -> Result<(), BuildError> {
        let total = self.copied.get().saturating_add(values);
        self.copied.set(total);
        if total > MAX_COPIED_VALUES {
            return Err(BuildError::at(
                at,
                format!(
                    "the build copies more than {MAX_COPIED_VALUES} values (JSON 6902 copy operations and replacements); a patch that keeps doubling a document is refused"
                ),
            ));
        }
        Ok(())
    }

    pub(crate) fn read(&self, path: &str, at: &Location) -> Result<Vec<u8>, BuildError> {
        self.source.read(path).map_err(|e| match e {
            SourceError::NotFound(_) => BuildError::at(
                at,
                format!("open {}: no such file or directory", paths::display(path)),
            ),
            other => BuildError::at(at, format!("{other}")),
        })
    }

    /// The text of a file a kustomization in `dir` refers to, with its path, read through the
    /// load restrictor.
    pub(crate) fn read_text(
        &self,
        dir: &str,
        relative: &str,
        at: &Location,
    ) -> Result<(String, String), BuildError> {
        let path = self.restricted_path(dir, relative, at)?;
        let bytes = self.read(&path, at)?;
        let text = crate::text::decode_owned(bytes)
            .map_err(|e| BuildError::at(at, format!("{}: {e}", paths::display(&path))))?;
        Ok((path, text))
    }

    /// A file a kustomization in `dir` refers to, checked against the load restrictor.
    pub(crate) fn restricted_path(
        &self,
        dir: &str,
        relative: &str,
        at: &Location,
    ) -> Result<String, BuildError> {
        if relative.contains("://") {
            return Err(BuildError::unsupported(
                at,
                &format!("remote file {relative}"),
            ));
        }
        let path = paths::join(dir, relative)
            .ok_or_else(|| BuildError::at(at, format!("{relative}: path escapes the root")))?;
        if self.options.load_restrictor == LoadRestrictor::RootOnly {
            let real = self.source.resolve(&path).unwrap_or_else(|_| path.clone());
            let real_dir = self.source.resolve(dir).unwrap_or_else(|_| dir.to_owned());
            if !paths::is_within(&real, &real_dir) {
                return Err(BuildError::at(
                    at,
                    format!(
                        "security; file '{}' is not in or below '{}'",
                        paths::display(&real),
                        paths::display(&real_dir)
                    ),
                ));
            }
        }
        Ok(path)
    }

    pub(super) fn accumulate(
        &self,
        k: &Kustomization,
        ra: &mut ResMap,
        state: &mut State,
    ) -> Result<(), BuildError> {
        if state.stack.contains(&k.dir) {
            let mut cycle: Vec<String> = state.stack.iter().map(|d| paths::display(d)).collect();
            cycle.push(paths::display(&k.dir));
            return Err(BuildError::new(format!(
                "cycle detected: {}",
                cycle.join(" -> ")
            )));
        }
        if !state.config_loaded {
            state.config = fieldspec::Config::builtin();
            state.config_loaded = true;
        }
        state.stack.push(k.dir.clone());
        let result = self.accumulate_inner(k, ra, state);
        state.stack.pop();
        result
    }

    fn accumulate_inner(
        &self,
        k: &Kustomization,
        ra: &mut ResMap,
        state: &mut State,
    ) -> Result<(), BuildError> {
        let shown = paths::display(&k.file);
        // Collected first and checked for duplicate ids once, so accumulation stays linear.
        let mut batch = ResMap::default();
        for entry in &k.resources {
            self.accumulate_resource(k, entry, &mut batch, state)
                .map_err(|e| e.context("accumulating resources"))?;
        }
        ra.append_all(batch)
            .map_err(|e| e.context("accumulating resources"))?;
        for file in &k.configurations {
            let at = Location::at(shown.as_str(), "configurations");
            let (path, text) = self.read_text(&k.dir, file, &at)?;
            for doc in crate::yaml::parse_documents(
                &text,
                &paths::display(&path),
                crate::yaml::Limits::default(),
            )
            .map_err(|e| BuildError::from(e).within(&at))?
            {
                state
                    .config
                    .merge_file(&doc, &Location::file(paths::display(&path)))?;
            }
        }
        let entries = (0..k.config_map_generator.len())
            .map(|i| format!("configMapGenerator[{i}]"))
            .chain((0..k.secret_generator.len()).map(|i| format!("secretGenerator[{i}]")));
        for (generated, entry) in generate::run(self, k)?.into_iter().zip(entries) {
            self.step(
                ra,
                provenance::Step::Generator,
                || provenance::At::entry(&k.file, entry),
                |ra| absorb(ra, generated),
            )?;
        }
        for entry in &k.components {
            let at = Location::at(shown.as_str(), "components");
            let dir = paths::join(&k.dir, entry)
                .ok_or_else(|| BuildError::at(&at, format!("{entry}: path escapes the root")))?;
            if self.source.read(&dir).is_ok() {
                return Err(BuildError::new(format!(
                    "accumulating components: must build at directory: '{}': file is not directory",
                    paths::display(&dir)
                )));
            }
            let component = kustomization::load(self.source, &dir)
                .map_err(|e| e.context("accumulating components"))?;
            if !component.is_component {
                return Err(BuildError::new(format!(
                    "accumulating components: accumulateDirectory: \"expected kind 'Component' for path '{}' but got 'Kustomization'\"",
                    paths::display(&dir)
                )));
            }
            self.accumulate(&component, ra, state)
                .map_err(|e| e.context("accumulating components"))?;
        }
        transform::run(self, k, ra, state)?;
        // Ordering and build metadata are the top kustomization's choice.
        if state.stack.len() == 1 {
            if let Some(sort) = &k.sort_options {
                state.sort = Some(order::parse(
                    sort,
                    &Location::at(shown.as_str(), "sortOptions"),
                )?);
            }
            state.build_metadata.clone_from(&k.build_metadata);
        }
        Ok(())
    }

    fn accumulate_resource(
        &self,
        k: &Kustomization,
        entry: &str,
        ra: &mut ResMap,
        state: &mut State,
    ) -> Result<(), BuildError> {
        let shown = paths::display(&k.file);
        if entry.contains("://") || entry.starts_with("github.com/") || entry.starts_with("git@") {
            return Err(BuildError::unsupported(
                &Location::at(shown.as_str(), "resources"),
                &format!("remote resource {entry}"),
            ));
        }
        let path = paths::join(&k.dir, entry).ok_or_else(|| {
            BuildError::at(
                &Location::file(shown.as_str()),
                format!("resources: {entry}: path escapes the root"),
            )
        })?;
        match self.source.read(&path) {
            Ok(bytes) => {
                self.restricted_path(&k.dir, entry, &Location::at(shown.as_str(), "resources"))?;
                let docs = load_documents(&bytes, &path)?;
                ra.items
                    .extend(docs.into_iter().map(|(doc, document, item)| {
                        let mut res = Res::new(doc);
                        res.origin = Some(resmap::ResourceOrigin::File(path.clone()));
                        if let Some(recorder) = &self.recorder {
                            recorder.resource(&mut res, &path, document, item);
                        }
                        res
                    }));
                Ok(())
            }
            Err(SourceError::NotFound(_)) => {
                if self.source.list(&path).is_err() {
                    return Err(BuildError::at(
                        &Location::at(shown.as_str(), "resources"),
                        format!(
                            "accumulation err='accumulating resources from '{entry}': open {}: no such file or directory'",
                            paths::display(&path)
                        ),
                    ));
                }
                let sub = kustomization::load(self.source, &path).map_err(|e| {
                    e.context(&format!(
                        "accumulation err='accumulating resources from '{entry}'"
                    ))
                })?;
                if sub.is_component {
                    return Err(BuildError::new(format!(
                        "accumulating resources from '{entry}': expected kind != 'Component' for path '{}'",
                        paths::display(&path)
                    )));
                }
                let mut sub_map = ResMap::default();
                self.accumulate(&sub, &mut sub_map, state)?;
                ra.items.extend(sub_map.items);
                Ok(())
            }
            Err(other) => Err(BuildError::at(
                &Location::file(shown.as_str()),
                format!("{other}"),
            )),
        }
    }
}

/// A generated resource joins the map: created, or merged into / replacing one from a base.
fn absorb(ra: &mut ResMap, mut res: Res) -> Result<(), BuildError> {
    let id = res.id();
    let matches: Vec<usize> = ra
        .items
        .iter()
        .enumerate()
        .filter(|(_, r)| r.all_ids().iter().any(|other| other.same(&id)))
        .map(|(i, _)| i)
        .collect();
    let behavior = res
        .generated
        .as_ref()
        .map_or(resmap::Behavior::Create, |g| g.behavior);
    match matches.as_slice() {
        [] => match behavior {
            resmap::Behavior::Create => ra.append(res),
            _ => Err(BuildError::new(format!(
                "id {id} does not exist; cannot merge or replace"
            ))),
        },
        [index] => {
            let old = &ra.items[*index];
            match behavior {
                resmap::Behavior::Create => {
                    return Err(BuildError::new(format!(
                        "id {id} exists; behavior must be merge or replace"
                    )));
                }
                resmap::Behavior::Replace => {}
                resmap::Behavior::Merge => {
                    for key in ["data", "binaryData"] {
                        let mut merged = old
                            .obj
                            .get(key)
                            .and_then(Value::as_mapping)
                            .cloned()
                            .unwrap_or_default();
                        if let Some(new) = res.obj.get(key).and_then(Value::as_mapping) {
                            for (k, v) in new {
                                merged.insert(k.clone(), v.clone());
                            }
                        }
                        if !merged.is_empty() {
                            res.obj.insert(key.into(), Value::Mapping(merged));
                        }
                    }
                }
            }
            // The merged object keeps the base's metadata, name and namespace.
            for key in ["labels", "annotations"] {
                let mut merged = old
                    .obj
                    .get("metadata")
                    .and_then(|m| m.get(key))
                    .and_then(Value::as_mapping)
                    .cloned()
                    .unwrap_or_default();
                if let Some(new) = res
                    .obj
                    .get("metadata")
                    .and_then(|m| m.get(key))
                    .and_then(Value::as_mapping)
                {
                    for (k, v) in new {
                        merged.insert(k.clone(), v.clone());
                    }
                }
                if !merged.is_empty() {
                    resmap::metadata(&mut res.obj).insert(key.into(), Value::Mapping(merged));
                }
            }
            let meta = resmap::metadata(&mut res.obj);
            meta.insert("name".into(), old.name().into());
            if old.namespace().is_empty() {
                meta.remove("namespace");
            } else {
                meta.insert("namespace".into(), old.namespace().into());
            }
            // The same resource to provenance: its fields keep their origins unless changed.
            res.uid = old.uid;
            res.trace.clone_from(&old.trace);
            res.previous.clone_from(&old.previous);
            res.prefixes.clone_from(&old.prefixes);
            res.suffixes.clone_from(&old.suffixes);
            res.transformations.clone_from(&old.transformations);
            if behavior == resmap::Behavior::Merge {
                res.origin.clone_from(&old.origin);
            }
            // Only a generated base keeps a hash suffix.
            let hash = old.generated.as_ref().is_some_and(|g| g.hash)
                && res.generated.as_ref().is_none_or(|g| g.hash);
            res.generated = Some(resmap::Generated {
                behavior: resmap::Behavior::Create,
                hash,
            });
            ra.items[*index] = res;
            Ok(())
        }
        _ => Err(BuildError::new(format!(
            "found multiple objects that could accept merge of {id}"
        ))),
    }
}

/// The objects of one resource file, each with its document's index and, for the items of a
/// `List`, its index there.
fn load_documents(
    bytes: &[u8],
    path: &str,
) -> Result<Vec<(Mapping, usize, Option<usize>)>, BuildError> {
    let shown = paths::display(path);
    let text = crate::text::decode(bytes)
        .map_err(|e| BuildError::at(&Location::file(shown.as_str()), format!("{e}")))?;
    let docs = crate::yaml::parse_documents(&text, &shown, crate::yaml::Limits::default())
        .map_err(|e| {
            let mut error = BuildError::from(e);
            // go-yaml's wording for a repeated key, which kustomize users search for.
            if let Some((_, key)) = error.message.split_once("duplicate entry with key ") {
                let key = key.trim().to_owned();
                error.message = format!("{} (mapping key {key} already defined)", error.message);
            }
            error.context("MalformedYAMLError")
        })?;
    let mut out = Vec::new();
    for (index, doc) in docs.into_iter().enumerate() {
        match doc {
            Value::Null => {}
            Value::Mapping(map) if map.is_empty() => {}
            Value::Mapping(map) => {
                let is_list = map
                    .get("kind")
                    .and_then(Value::as_str)
                    .is_some_and(|k| k.ends_with("List"))
                    && map.get("items").is_some_and(Value::is_sequence);
                if is_list {
                    for (i, item) in map
                        .get("items")
                        .and_then(Value::as_sequence)
                        .into_iter()
                        .flatten()
                        .enumerate()
                    {
                        if let Value::Mapping(m) = item {
                            out.push((m.clone(), index, Some(i)));
                        }
                    }
                } else {
                    out.push((map, index, None));
                }
            }
            _ => {
                return Err(BuildError::at(
                    &Location::file(shown.as_str()),
                    "expected a Kubernetes object",
                ));
            }
        }
    }
    for (obj, _, _) in &mut out {
        if obj
            .get("kind")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            return Err(BuildError::at(
                &Location::file(shown.as_str()),
                "missing kind in object",
            ));
        }
        normalize_metadata(obj);
        check_subjects(obj)?;
    }
    Ok(out)
}

/// kustomize reads labels and annotations as strings: `happy: true` becomes `"true"`.
fn normalize_metadata(obj: &mut Mapping) {
    let Some(Value::Mapping(meta)) = obj.get_mut("metadata") else {
        return;
    };
    for key in ["labels", "annotations"] {
        if let Some(Value::Mapping(map)) = meta.get_mut(key) {
            for value in map.iter_mut().map(|(_, v)| v) {
                let text = match &*value {
                    Value::Bool(b) => b.to_string(),
                    Value::Number(n) => n.to_string(),
                    Value::Null => String::new(),
                    _ => continue,
                };
                *value = Value::String(text);
            }
        }
    }
}

/// A RoleBinding subject with an empty `namespace:` is refused, as kustomize refuses it.
fn check_subjects(obj: &Mapping) -> Result<(), BuildError> {
    let Some(subjects) = obj.get("subjects").and_then(Value::as_sequence) else {
        return Ok(());
    };
    for subject in subjects {
        if let Some(namespace) = subject.get("namespace")
            && (namespace.is_null() || namespace.as_str() == Some(""))
        {
            let res = Res::new(obj.clone());
            return Err(BuildError::new(format!(
                "Invalid Input: namespace is blank for resource {}",
                res.id()
            )));
        }
    }
    Ok(())
}
