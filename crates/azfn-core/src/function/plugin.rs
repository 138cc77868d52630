//! azfn's transformer as a plugin of the overlay renderer: `transformers:` entries with an
//! `Azfn` config run in-process, as kustomize would run the function. It renders and checks;
//! it never runs a parity check (that is `azfn parity`'s job, and the one place that could
//! build again), because [`super::render_and_check`] has no path to parity.
use crate::error::Location;
use std::sync::{Arc, Mutex, PoisonError};

use serde_yaml::{Mapping, Value};

use crate::config::{API_VERSION, CONFIG_KIND, Config};
use crate::diagnostic::Diagnostic;
use crate::fieldpath::Segment;
use crate::krm::{Resource, ResourceList, Severity};
use crate::overlay::{BuildError, BuildOptions, Transformer};

/// Build options whose `transformers:` entries run azfn's transformer (and nothing else).
pub fn build_options() -> BuildOptions {
    BuildOptions::default().with_transformer(AzfnTransformer::default())
}

/// azfn's transformer, with where its declared inputs come from and where its findings go.
#[derive(Debug, Clone, Default)]
pub struct AzfnTransformer {
    /// Values of declared `FunctionApp` inputs (the host reads its environment; only declared
    /// names are asked for).
    pub inputs: InputLookup,
    /// Where findings go instead of failing the build on an error.
    pub findings: FindingSink,
    /// Where the `.rego` files of `spec.policies` come from (the host reads them, confined).
    pub policies: PolicyLookup,
    /// Renders without checking: for a second build that only traces where each field was
    /// set, whose findings the first build already has.
    pub render_only: bool,
}

impl Transformer for AzfnTransformer {
    fn accepts(&self, api_version: &str, kind: &str) -> bool {
        api_version == API_VERSION && kind == CONFIG_KIND
    }

    fn transform(
        &self,
        config: &Value,
        items: Vec<Mapping>,
        at: &Location,
    ) -> Result<Vec<Mapping>, BuildError> {
        let items = items.into_iter().map(Resource::new).collect();
        let mut config = config.clone();
        if !self.render_only {
            self.policies.fill(&mut config, at)?;
        }
        let list = ResourceList::new(items, Some(config));
        // `at` is where the config is: its file, or the kustomization entry holding it inline.
        let source = at.file.as_str();
        let declared = Config::from_function_config(
            list.function_config.as_ref(),
            source,
            &crate::policy::codes(),
        )?;
        let mut values = crate::functionapp::inputs::Values::new();
        for (i, input) in declared.inputs.iter().enumerate() {
            match self.inputs.get(&input.name) {
                Ok(Some(value)) => {
                    values.insert(input.name.clone(), value);
                }
                Ok(None) => {}
                Err(refused) => {
                    return Err(BuildError::at(
                        &Location::at(source, format!("functionConfig.spec.inputs[{i}]")),
                        refused.clone(),
                    ));
                }
            }
        }
        if self.render_only {
            let (list, _, _) = super::render(list, source, &values)?;
            return Ok(list.items.into_iter().map(|r| r.object().clone()).collect());
        }
        let checked = super::render_and_check(list, source, &values)?;
        if let Some(findings) = self.findings.keep(checked.findings, &checked.config) {
            let mut errors = findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .map(failed_rule);
            if let Some(mut first) = errors.next() {
                first.also = errors.collect();
                return Err(first);
            }
        }
        Ok(checked
            .list
            .items
            .into_iter()
            .map(|r| r.object().clone())
            .collect())
    }

    /// A rendered object's fields come from its `FunctionApp`'s (see
    /// [`crate::functionapp::origins`]).
    fn derived_from(
        &self,
        output: &Mapping,
        field: &[Segment],
        inputs: &[Mapping],
    ) -> Option<(usize, Vec<Segment>)> {
        let app = crate::functionapp::rendered_from(output)?;
        let index = inputs.iter().position(|input| {
            input.get("kind").and_then(Value::as_str) == Some(crate::functionapp::KIND)
                && input
                    .get("metadata")
                    .and_then(|m| m.get("name"))
                    .and_then(Value::as_str)
                    == Some(app)
        })?;
        Some((
            index,
            crate::functionapp::origins::source_of(output, field, &inputs[index]),
        ))
    }
}

/// Findings azfn's in-process transformer reported, when the caller collects them; by
/// default there is no sink and an error finding fails the build, as under kustomize.
#[derive(Clone, Default)]
pub struct FindingSink(Option<Arc<Mutex<Collected>>>);

/// What a collecting sink holds.
#[derive(Debug, Clone, Default)]
pub struct Collected {
    /// Every finding, in the order reported.
    pub findings: Vec<Diagnostic>,
    /// The last transformer's configuration (rule settings): how to check the final output.
    pub config: Option<Config>,
}

impl FindingSink {
    /// A sink that keeps every finding; the build no longer fails on them.
    pub fn collecting() -> Self {
        Self(Some(Arc::default()))
    }

    /// What was collected so far.
    pub fn take(&self) -> Collected {
        self.0
            .as_ref()
            .map(|c| std::mem::take(&mut *c.lock().unwrap_or_else(PoisonError::into_inner)))
            .unwrap_or_default()
    }

    /// Keeps `findings` (and the config that produced them) if collecting; gives them back
    /// otherwise.
    fn keep(&self, findings: Vec<Diagnostic>, config: &Config) -> Option<Vec<Diagnostic>> {
        match &self.0 {
            Some(sink) => {
                let mut sink = sink.lock().unwrap_or_else(PoisonError::into_inner);
                sink.findings.extend(findings);
                sink.config = Some(config.clone());
                None
            }
            None => Some(findings),
        }
    }
}

impl std::fmt::Debug for FindingSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "FindingSink(collecting)"
        } else {
            "FindingSink(none)"
        })
    }
}

type Folder =
    dyn Fn(&str, &str) -> Result<std::collections::BTreeMap<String, String>, String> + Send + Sync;

/// A reader of policy folders: given the folder holding the config (as the build names it)
/// and a `spec.policies[].path`, the folder's `.rego` files as path to text, or why not.
#[derive(Clone, Default)]
pub struct PolicyLookup(Option<Arc<Folder>>);

impl PolicyLookup {
    /// Reads folders with `read`.
    pub fn new(
        read: impl Fn(&str, &str) -> Result<std::collections::BTreeMap<String, String>, String>
        + Send
        + Sync
        + 'static,
    ) -> Self {
        Self(Some(Arc::new(read)))
    }

    /// Fills in `files` of each `spec.policies` entry of `config` that has none. Without a
    /// reader, entries stay empty and the check says the files were not passed in.
    fn fill(&self, config: &mut Value, at: &Location) -> Result<(), BuildError> {
        let Some(read) = &self.0 else {
            return Ok(());
        };
        let Some(Value::Sequence(entries)) =
            config.get_mut("spec").and_then(|s| s.get_mut("policies"))
        else {
            return Ok(());
        };
        let base = at
            .file
            .rsplit_once('/')
            .map_or("", |(dir, _)| dir)
            .to_owned();
        for (i, entry) in entries.iter_mut().enumerate() {
            let Value::Mapping(entry) = entry else {
                continue;
            };
            if entry.get("files").is_some_and(|f| !f.is_null()) {
                continue;
            }
            let Some(path) = entry.get("path").and_then(Value::as_str) else {
                continue;
            };
            let files = read(&base, path).map_err(|message| {
                BuildError::at(
                    &Location::at(
                        at.file.as_str(),
                        format!("functionConfig.spec.policies[{i}].path"),
                    ),
                    message,
                )
            })?;
            let mut map = Mapping::new();
            for (name, text) in files {
                map.insert(Value::String(name), Value::String(text));
            }
            entry.insert("files".into(), Value::Mapping(map));
        }
        Ok(())
    }
}

impl std::fmt::Debug for PolicyLookup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "PolicyLookup(..)"
        } else {
            "PolicyLookup(none)"
        })
    }
}

type Lookup = dyn Fn(&str) -> Result<Option<String>, String> + Send + Sync;

/// A lookup of declared input values by name.
#[derive(Clone, Default)]
pub struct InputLookup(Option<Arc<Lookup>>);

impl InputLookup {
    /// Looks names up with `lookup`.
    pub fn new(lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        Self(Some(Arc::new(move |name: &str| Ok(lookup(name)))))
    }

    /// Looks names up with `lookup`, which may refuse a name (the host does when the caller
    /// did not allow it): the refusal fails the build with its message.
    pub fn checked(
        lookup: impl Fn(&str) -> Result<Option<String>, String> + Send + Sync + 'static,
    ) -> Self {
        Self(Some(Arc::new(lookup)))
    }

    fn get(&self, name: &str) -> Result<Option<String>, String> {
        self.0.as_ref().map_or(Ok(None), |f| f(name))
    }
}

impl std::fmt::Debug for InputLookup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "InputLookup(..)"
        } else {
            "InputLookup(none)"
        })
    }
}

/// An error finding stops the build: placed on the rendered object's field, as the finding is.
fn failed_rule(finding: &Diagnostic) -> BuildError {
    let mut location = Location::default();
    if let Some(file) = &finding.file {
        location.file.clone_from(file);
    }
    if let Some(resource) = &finding.resource {
        location.resource = Some(format!("{}/{}", resource.kind, resource.name));
    }
    location.field.clone_from(&finding.field);
    BuildError::at(
        &location,
        format!("{} {}: {}", finding.code, finding.rule, finding.message),
    )
}
