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
mod error;
mod fieldspec;
mod generate;
mod kustomization;
mod loader;
mod nameref;
mod order;
mod patch;
pub(crate) mod paths;
pub mod provenance;
mod replacements;
mod resmap;
mod scope;
#[cfg(test)]
mod tests;
mod transform;

use serde_yaml::{Mapping, Value};

use crate::error::Location;
use crate::source::FileSource;
pub use error::BuildError;
pub use loader::MAX_COPIED_VALUES;
use loader::{Loader, State};
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
    let loader = Loader::new(source, options, traced);
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
                    res.store_previous();
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
