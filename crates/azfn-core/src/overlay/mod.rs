//! A kustomize-compatible overlay renderer over a [`FileSource`]: the same bytes as
//! `kubectl kustomize` (kustomize v5.5.0) on the fields Azure Functions overlays use, so the
//! browser and `azfn parity` need no kustomize binary.
//!
//! The steps follow kustomize's: load the kustomization, accumulate resources (files and
//! nested kustomizations), run generators, apply components, run the built-in transformers in
//! kustomize's order (patches, namespace, prefix and suffix, labels, annotations, JSON 6902
//! patches, replicas, images, replacements), then the plugins `transformers:` names (passed in
//! through [`Transformer`]: azfn's own is one, in `crate::function`); at the top, append
//! content hashes to generated names, fix name references, drop local-config objects, order.
mod fieldspec;
mod generate;
mod kustomization;
mod nameref;
mod order;
mod patch;
pub(crate) mod paths;
pub mod provenance;
mod replacements;
mod resmap;
#[cfg(test)]
mod tests;
mod transform;

use serde_yaml::{Mapping, Value};

use crate::error::{Error, Location};
use crate::source::{FileSource, SourceError};
use kustomization::Kustomization;
use resmap::{Res, ResMap};

/// How `azfn build` orders its output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reorder {
    /// kustomize's legacy kind order (its default).
    #[default]
    Legacy,
    /// The order resources were read in.
    None,
}

/// Which files a kustomization may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LoadRestrictor {
    /// Files only in or below the kustomization's own directory (kustomize's default).
    #[default]
    RootOnly,
    /// Any file the source can read.
    None,
}

/// Options of one build.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    pub reorder: Reorder,
    pub load_restrictor: LoadRestrictor,
    /// The plugins `transformers:` entries may name, tried in order; an entry no plugin
    /// accepts is refused. None by default: the renderer knows no transformer of its own.
    pub transformers: Transformers,
    /// Rewrites each resource (given its base name) just before a plugin sees it: how
    /// `azfn parity` asks what an environment would render with another's values.
    pub plugin_input: PluginInputRewrite,
}

impl BuildOptions {
    /// These options with `plugin` added to the transformers.
    #[must_use]
    pub fn with_transformer(mut self, plugin: impl Transformer + 'static) -> Self {
        self.transformers.0.push(std::sync::Arc::new(plugin));
        self
    }
}

/// A `transformers:` plugin run in-process: kustomize's model of builtin transformers plus
/// plugins, with the plugin passed in so the renderer depends on no plugin's code.
pub trait Transformer: Send + Sync {
    /// Whether configurations of this `apiVersion` and `kind` are this plugin's.
    fn accepts(&self, api_version: &str, kind: &str) -> bool;

    /// Transforms `items` under `config`, as a KRM function would: each item carries the
    /// names kustomize remembers (`internal.config.kubernetes.io/previousNames`); the result
    /// is the new list. `at` names the entry for errors.
    fn transform(
        &self,
        config: &Value,
        items: Vec<Mapping>,
        at: &Location,
    ) -> Result<Vec<Mapping>, BuildError>;

    /// Which input item (index into `inputs`, the items as the plugin got them) and which of
    /// its fields the field `field` of the output item `output` was made from; asked only by
    /// builds that record provenance. None by default: the plugin itself is the origin.
    fn derived_from(
        &self,
        output: &Mapping,
        field: &[crate::fieldpath::Segment],
        inputs: &[Mapping],
    ) -> Option<(usize, Vec<crate::fieldpath::Segment>)> {
        let _ = (output, field, inputs);
        None
    }
}

/// The plugins of one build.
#[derive(Clone, Default)]
pub struct Transformers(Vec<std::sync::Arc<dyn Transformer>>);

impl Transformers {
    fn find(&self, api_version: &str, kind: &str) -> Option<&dyn Transformer> {
        self.0
            .iter()
            .find(|p| p.accepts(api_version, kind))
            .map(|p| &**p)
    }
}

impl std::fmt::Debug for Transformers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Transformers({})", self.0.len())
    }
}

type Rewrite = dyn Fn(&str, &mut Mapping) + Send + Sync;

/// A rewrite of the resources a plugin gets; none by default.
#[derive(Clone, Default)]
pub struct PluginInputRewrite(Option<std::sync::Arc<Rewrite>>);

impl PluginInputRewrite {
    /// Calls `rewrite(base_name, resource)` on each resource before a plugin sees it.
    pub fn new(rewrite: impl Fn(&str, &mut Mapping) + Send + Sync + 'static) -> Self {
        Self(Some(std::sync::Arc::new(rewrite)))
    }

    pub(crate) fn apply(&self, base_name: &str, obj: &mut Mapping) {
        if let Some(f) = &self.0 {
            f(base_name, obj);
        }
    }
}

impl std::fmt::Debug for PluginInputRewrite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "PluginInputRewrite(..)"
        } else {
            "PluginInputRewrite(none)"
        })
    }
}

/// Why a build failed: what, and where as data (the file as shown from the tree's root, the
/// kustomization entry or the resource and field, the line where known), so a caller points
/// at it without reading the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildError {
    /// What the build was doing, outermost first (`accumulating resources`).
    pub context: Vec<String>,
    /// Where; empty for kustomize's own messages that name their path in the text.
    pub location: Location,
    /// What is wrong.
    pub message: String,
    /// Further problems found at the same time (every invalid field of a `FunctionApp`).
    pub also: Vec<BuildError>,
}

impl std::error::Error for BuildError {}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for context in &self.context {
            write!(f, "{context}: ")?;
        }
        if !self.location.is_empty() {
            write!(f, "{}: ", self.location)?;
        }
        f.write_str(&self.message)?;
        for also in &self.also {
            write!(f, "\n{also}")?;
        }
        Ok(())
    }
}

impl BuildError {
    /// An error whose message says where (kustomize's own wording).
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            context: Vec::new(),
            location: Location::default(),
            message: message.into(),
            also: Vec::new(),
        }
    }

    /// An error at `location`.
    pub fn at(location: &Location, message: impl Into<String>) -> Self {
        Self {
            location: location.clone(),
            ..Self::new(message)
        }
    }

    pub(crate) fn unsupported(at: &Location, what: &str) -> Self {
        Self::at(at, format!("not supported by azfn build: {what}"))
    }

    pub(crate) fn missing_kustomization(dir: &str) -> Self {
        Self::new(format!(
            "unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory '{}'",
            paths::display(dir)
        ))
    }

    fn context(mut self, prefix: &str) -> Self {
        self.context.insert(0, prefix.to_owned());
        self
    }

    /// A YAML error in text written inline at `at`: placed at the entry, whose text the
    /// error's line counts from.
    pub(crate) fn inline(error: Error, at: &Location) -> Self {
        match error {
            Error::Yaml { location, message } => Self::at(
                at,
                match location.line {
                    Some(line) => {
                        format!("not valid YAML at line {line} of the inline text: {message}")
                    }
                    None => format!("not valid YAML: {message}"),
                },
            ),
            other => Self {
                location: at.clone(),
                ..Self::from(other)
            },
        }
    }

    /// The same error, inside `entry` (a `transformers:` entry that ran a plugin).
    #[must_use]
    pub fn within(self, entry: &Location) -> Self {
        self.context(&entry.to_string())
    }
}

/// Input errors keep their place: a `FunctionApp`'s invalid fields stay one error each.
impl From<Error> for BuildError {
    fn from(error: Error) -> Self {
        match error {
            Error::Yaml { location, message } => {
                Self::at(&location, format!("not valid YAML: {message}"))
            }
            Error::Limit { location, message } | Error::Shape { location, message } => {
                Self::at(&location, message)
            }
            Error::Config { location, message } => {
                Self::at(&location, format!("invalid function config: {message}"))
            }
            Error::Spec {
                file,
                resource,
                problems,
            } => {
                let mut errors = problems.into_iter().map(|(field, message)| {
                    Self::at(
                        &Location::file(file.clone())
                            .resource(resource.clone())
                            .field(field),
                        message,
                    )
                });
                let mut first = errors.next().unwrap_or_else(|| {
                    Self::at(
                        &Location::file(file.clone()).resource(resource.clone()),
                        "invalid",
                    )
                });
                first.also = errors.collect();
                first
            }
        }
    }
}

/// Builds the kustomization in `dir` and returns its resources in output order.
pub fn build(
    source: &dyn FileSource,
    dir: &str,
    options: &BuildOptions,
) -> Result<Vec<Value>, BuildError> {
    Ok(build_resmap(source, dir, options)?
        .items
        .into_iter()
        .map(|r| Value::Mapping(r.obj))
        .collect())
}

/// One build with each resource's base name (before prefixes, suffixes and hash suffixes):
/// how `azfn parity` matches resources across environments.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// Output resources, in output order, with their base names.
    pub resources: Vec<(Value, String)>,
    /// The local-config resources the build dropped (`config.kubernetes.io/local-config`),
    /// as the last plugin saw them, with their base names.
    pub local: Vec<(Value, String)>,
    /// What set each field of each resource, in the same order ([`build_traced`] only).
    pub traces: Vec<provenance::Trace>,
    /// The same for the local-config resources.
    pub local_traces: Vec<provenance::Trace>,
}

/// [`build`], with base names and the dropped local-config resources.
pub fn build_with_base_names(
    source: &dyn FileSource,
    dir: &str,
    options: &BuildOptions,
) -> Result<Rendered, BuildError> {
    let (resources, local) = build_resmap_with_local(source, dir, options, false)?;
    Ok(rendered(resources, local, false))
}

/// [`build_with_base_names`], recording which file and line set each field (slower: every
/// step compares each resource before and after; the output is the same).
pub fn build_traced(
    source: &dyn FileSource,
    dir: &str,
    options: &BuildOptions,
) -> Result<Rendered, BuildError> {
    let (resources, local) = build_resmap_with_local(source, dir, options, true)?;
    Ok(rendered(resources, local, true))
}

fn rendered(mut resources: ResMap, mut local: Vec<Res>, with_traces: bool) -> Rendered {
    let (traces, local_traces) = if with_traces {
        (
            resources
                .items
                .iter_mut()
                .map(|r| std::mem::take(&mut r.trace))
                .collect(),
            local
                .iter_mut()
                .map(|r| std::mem::take(&mut r.trace))
                .collect(),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let with_base = |r: Res| {
        let base = r.base_name().to_owned();
        (Value::Mapping(r.obj), base)
    };
    Rendered {
        resources: resources.items.into_iter().map(with_base).collect(),
        local: local.into_iter().map(with_base).collect(),
        traces,
        local_traces,
    }
}

fn build_resmap(
    source: &dyn FileSource,
    dir: &str,
    options: &BuildOptions,
) -> Result<ResMap, BuildError> {
    build_resmap_with_local(source, dir, options, false).map(|(r, _)| r)
}

/// The build, and the local-config resources it dropped (`FunctionApp` specs among them).
fn build_resmap_with_local(
    source: &dyn FileSource,
    dir: &str,
    options: &BuildOptions,
    traced: bool,
) -> Result<(ResMap, Vec<Res>), BuildError> {
    let dir = paths::join("", dir)
        .ok_or_else(|| BuildError::new(format!("{dir}: path escapes the root")))?;
    let loader = Loader {
        source,
        options,
        copied: std::cell::Cell::new(0),
        recorder: traced.then(|| provenance::Recorder::new(source)),
    };
    let mut state = State::default();
    let top = kustomization::load(source, &dir)?;
    let mut resources = ResMap::default();
    loader.accumulate(&top, &mut resources, &mut state)?;
    // At the top only, as kustomize does: hashes, then references to the final names.
    let top_file = top.file.clone();
    loader.step(
        &mut resources,
        provenance::Step::HashSuffix,
        || provenance::At::entry(&top_file, ""),
        |resources| {
            for res in &mut resources.items {
                if res.generated.as_ref().is_some_and(|g| g.hash) {
                    let hash = generate::content_hash(&res.obj);
                    let name = format!("{}-{hash}", res.name());
                    res.set_name(&name);
                }
            }
            Ok(())
        },
    )?;
    loader.step(
        &mut resources,
        provenance::Step::NameReference,
        || provenance::At::entry(&top_file, ""),
        |resources| nameref::fix(resources, &state.config),
    )?;
    let (local, kept): (Vec<Res>, Vec<Res>) = std::mem::take(&mut resources.items)
        .into_iter()
        .partition(|r| r.annotation("config.kubernetes.io/local-config") == Some("true"));
    resources.items = kept;
    let order = state.sort.unwrap_or(match options.reorder {
        Reorder::Legacy => order::Sort::Legacy(order::LegacyOrder::default()),
        Reorder::None => order::Sort::Fifo,
    });
    order::apply(&mut resources, &order);
    if !state.build_metadata.is_empty() {
        transform::build_metadata(&mut resources, &state.build_metadata, &dir)?;
    }
    Ok((resources, local))
}

/// Builds and writes the output as `kubectl kustomize` prints it.
pub fn build_yaml(
    source: &dyn FileSource,
    dir: &str,
    options: &BuildOptions,
) -> Result<String, BuildError> {
    let values = build(source, dir, options)?;
    Ok(crate::yaml::to_kustomize_stream(&values))
}

/// What the whole build shares across kustomizations.
#[derive(Default)]
struct State {
    config: fieldspec::Config,
    config_loaded: bool,
    /// Directories being built, for cycle detection.
    stack: Vec<String>,
    sort: Option<order::Sort>,
    build_metadata: Vec<String>,
}

/// Values one build may copy with JSON 6902 `copy` operations and replacements. Honest
/// overlays copy names and images, a few values each; a patch that copies a document into
/// itself doubles it per operation, and forty operations would outgrow any machine.
pub const MAX_COPIED_VALUES: usize = 1_000_000;

/// Reads files for one build, enforcing the load restrictor.
pub(crate) struct Loader<'a> {
    source: &'a dyn FileSource,
    options: &'a BuildOptions,
    /// Values copied so far (see [`MAX_COPIED_VALUES`]).
    copied: std::cell::Cell<usize>,
    /// Set when the build records provenance.
    recorder: Option<provenance::Recorder<'a>>,
}

impl Loader<'_> {
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

    fn accumulate(
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
