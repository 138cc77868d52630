//! Field-level provenance: which file and line set each field of a rendered object, and through
//! which step. Recorded only when a build asks for it ([`super::BuildOptions::provenance`]):
//! each step's effect is found by comparing every resource's leaves before and after it, so
//! the steps themselves know nothing about provenance and a build that does not ask pays one
//! branch per step.
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use serde::Serialize;
use serde_yaml::{Mapping, Value};

use super::paths;
use super::resmap::{Res, ResMap};
use crate::error::Location;
use crate::fieldpath::{self, Segment};
use crate::source::FileSource;
use crate::yaml::lines::DocumentLines;

/// The step that set a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Step {
    /// Read from a resource file.
    Resource,
    /// Made by a `configMapGenerator` or `secretGenerator`.
    Generator,
    /// A strategic-merge patch (`patches`, `patchesStrategicMerge`).
    StrategicMergePatch,
    /// A JSON 6902 operation.
    Json6902Patch,
    Namespace,
    NamePrefix,
    NameSuffix,
    Labels,
    Annotations,
    Replicas,
    Images,
    Replacement,
    /// A `transformers:` plugin (azfn's renders `FunctionApp`s).
    Plugin,
    /// A reference updated to a renamed resource's final name.
    NameReference,
    /// A generated name's content hash.
    HashSuffix,
}

impl Step {
    /// How `azfn explain` words it.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Resource => "resource",
            Self::Generator => "generator",
            Self::StrategicMergePatch => "strategic-merge patch",
            Self::Json6902Patch => "JSON 6902 patch",
            Self::Namespace => "namespace",
            Self::NamePrefix => "namePrefix",
            Self::NameSuffix => "nameSuffix",
            Self::Labels => "labels",
            Self::Annotations => "annotations",
            Self::Replicas => "replicas",
            Self::Images => "images",
            Self::Replacement => "replacement",
            Self::Plugin => "transformer",
            Self::NameReference => "name reference",
            Self::HashSuffix => "hash suffix",
        }
    }
}

/// One step that set a field: where it is configured, and for a field a plugin derived from
/// another resource's field, that field with its own origins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origin {
    pub step: Step,
    /// The file, as the build names files (`/overlays/prod/functionapp.yaml`).
    pub file: String,
    /// 1-based, where known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// The kustomization field that configured the step (`patches[0]`), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub derived: Option<Box<Derived>>,
    /// Order of recording across the build: which of two origins is newer.
    #[serde(skip)]
    pub(crate) seq: u64,
}

impl Origin {
    /// The origin a person would edit: a derived field's own, else this one.
    pub fn editable(&self) -> &Origin {
        match &self.derived {
            Some(d) => editable(&d.origins).unwrap_or(self),
            None => self,
        }
    }
}

/// Of `origins` (newest first), the one a person would edit: the newest that wrote the value,
/// passing over steps that only followed a rename (name references, hash suffixes), and
/// through a derived field to its own.
pub fn editable(origins: &[Origin]) -> Option<&Origin> {
    origins
        .iter()
        .find(|o| !matches!(o.step, Step::NameReference | Step::HashSuffix))
        .or_else(|| origins.first())
        .map(Origin::editable)
}

/// Where a person edits to change `field` of a rendered resource (a finding's place): the
/// editable origin of the field, or of what lies below it; for a field the resource does not
/// have, where the resource itself was written (its `kind`).
pub fn edit_site(trace: &Trace, value: &Value, field: &str) -> Option<Origin> {
    let own = if field.is_empty() {
        Vec::new()
    } else {
        origins_of(trace, value, field)
    };
    let origins = if own.is_empty() {
        origins_of(trace, value, "kind")
    } else {
        own
    };
    editable(&origins).cloned()
}

/// The field of another resource a plugin rendered a field from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Derived {
    /// `Kind/name` of the source resource, as the plugin saw it.
    pub resource: String,
    /// Its field path.
    pub field: String,
    /// That field's origins, newest first.
    pub origins: Vec<Origin>,
}

/// What a plugin says a field of an output item was made from: an input item and its field.
pub(crate) type Derive<'a> = dyn Fn(&Mapping, &[Segment]) -> Option<(usize, Vec<Segment>)> + 'a;

/// The resources as a plugin got them: each one's `Kind/base-name` and trace, and the objects.
pub(crate) struct PluginInputs<'a> {
    pub named: Vec<(String, Trace)>,
    pub items: &'a [Mapping],
}

/// Every leaf path of one resource to the origins that set it, oldest first.
pub type Trace = BTreeMap<String, Vec<Origin>>;

/// The origins of `field` (a leaf or a node; either path form) in `trace`, newest first: the
/// leaf's own, or the newest of each leaf below a node. `value` is the resource.
pub fn origins_of(trace: &Trace, value: &Value, field: &str) -> Vec<Origin> {
    let keyed = fieldpath::parse(field)
        .and_then(|segments| fieldpath::keyed(value, &segments))
        .unwrap_or_else(|| field.to_owned());
    origins_below(trace, &keyed)
}

/// [`origins_of`] the field at `segments` of the object `obj`.
fn origins_in(trace: &Trace, obj: &Mapping, segments: &[Segment]) -> Vec<Origin> {
    let keyed = fieldpath::keyed_in(obj, segments).unwrap_or_else(|| fieldpath::format(segments));
    origins_below(trace, &keyed)
}

/// The origins of the leaf `keyed`, or the newest of each leaf below it.
fn origins_below(trace: &Trace, keyed: &str) -> Vec<Origin> {
    if let Some(origins) = trace.get(keyed) {
        return origins.iter().rev().cloned().collect();
    }
    let mut below: Vec<Origin> = trace
        .iter()
        .filter(|(path, _)| fieldpath::is_below(path, keyed))
        .filter_map(|(_, origins)| origins.last().cloned())
        .collect();
    below.sort_by_key(|o| std::cmp::Reverse(o.seq));
    below.dedup_by(|a, b| a.file == b.file && a.line == b.line && a.step == b.step);
    below
}

/// A file's documents as parsed, with their lines.
pub(crate) struct FileLines {
    pub docs: Vec<(Value, DocumentLines)>,
}

impl FileLines {
    /// The line of the deepest node of `segments` in whichever document holds most of it.
    pub(crate) fn best_line(&self, segments: &[Segment]) -> Option<usize> {
        self.docs
            .iter()
            .map(|(value, lines)| {
                let depth = fieldpath::depth(value, segments);
                (depth, lines.line_of(value, segments))
            })
            .max_by_key(|(depth, _)| *depth)
            .map(|(_, line)| line)
    }

    /// The line of the node at `path` (index form) in the first document.
    pub(crate) fn line(&self, path: &str) -> Option<usize> {
        self.docs.first().and_then(|(_, lines)| lines.get(path))
    }
}

/// What a build records provenance with.
pub(crate) struct Recorder<'a> {
    source: &'a dyn FileSource,
    seq: Cell<u64>,
    files: RefCell<BTreeMap<String, Option<Rc<FileLines>>>>,
}

/// Where the origin of a step's change comes from: the kustomization field that configured
/// it, and the file holding the step's own text when that is not the kustomization.
pub(crate) struct At<'a> {
    /// The kustomization, as the source reads it.
    kustomization: &'a str,
    /// Its field: `patches[0]`, `namePrefix`; empty for steps of the build itself.
    entry: String,
    text: Text<'a>,
}

/// Where a step's own text is.
enum Text<'a> {
    /// In the kustomization's entry.
    Entry,
    /// A strategic-merge patch file: the line of the patched field in it.
    Patch(&'a str),
    /// A file of JSON 6902 operations: the line of the operation.
    Operations(&'a str),
}

impl<'a> At<'a> {
    /// `entry` of `kustomization`.
    pub(crate) fn entry(kustomization: &'a str, entry: impl Into<String>) -> Self {
        Self {
            kustomization,
            entry: entry.into(),
            text: Text::Entry,
        }
    }

    /// The entry an error would name (`at.field`) of `kustomization`.
    pub(crate) fn located(kustomization: &'a str, at: &Location) -> Self {
        Self::entry(kustomization, at.field.clone().unwrap_or_default())
    }

    /// A strategic-merge patch, in `file` when it is not inline.
    pub(crate) fn patch(self, file: Option<&'a str>) -> Self {
        Self {
            text: file.map_or(Text::Entry, Text::Patch),
            ..self
        }
    }

    /// JSON 6902 operations, in `file` when they are not inline.
    pub(crate) fn operations(self, file: Option<&'a str>) -> Self {
        Self {
            text: file.map_or(Text::Entry, Text::Operations),
            ..self
        }
    }
}

impl<'a> Recorder<'a> {
    pub(crate) fn new(source: &'a dyn FileSource) -> Self {
        Self {
            source,
            seq: Cell::new(0),
            files: RefCell::default(),
        }
    }

    fn next_seq(&self) -> u64 {
        let seq = self.seq.get() + 1;
        self.seq.set(seq);
        seq
    }

    /// The parsed lines of `path`, read once per build; `None` when unreadable.
    pub(crate) fn file(&self, path: &str) -> Option<Rc<FileLines>> {
        if let Some(cached) = self.files.borrow().get(path) {
            return cached.clone();
        }
        let lines = self.source.read(path).ok().and_then(|bytes| {
            let text = crate::text::decode_owned(bytes).ok()?;
            let values =
                crate::yaml::parse_documents(&text, path, crate::yaml::Limits::default()).ok()?;
            let lines = crate::yaml::lines::index(&text)?;
            (values.len() == lines.len()).then(|| {
                Rc::new(FileLines {
                    docs: values.into_iter().zip(lines).collect(),
                })
            })
        });
        self.files
            .borrow_mut()
            .insert(path.to_owned(), lines.clone());
        lines
    }

    /// An origin of `step` at a known place.
    pub(crate) fn origin(
        &self,
        step: Step,
        file: &str,
        line: Option<usize>,
        entry: Option<String>,
    ) -> Origin {
        Origin {
            step,
            file: paths::display(file),
            line,
            entry,
            derived: None,
            seq: self.next_seq(),
        }
    }

    /// Records every leaf of a resource read from document `doc` (item `item` of a `List`) of
    /// `file`.
    pub(crate) fn resource(&self, res: &mut Res, file: &str, doc: usize, item: Option<usize>) {
        let lines = self.file(file);
        let (_, segments) = fieldpath::leaves_in(&res.obj);
        for (path, segments) in segments {
            let line = lines.as_ref().and_then(|f| {
                let (value, lines) = f.docs.get(doc)?;
                Some(match item {
                    Some(i) => {
                        let mut full = vec![Segment::Key("items".into()), Segment::Index(i)];
                        full.extend(segments.iter().cloned());
                        lines.line_of(value, &full)
                    }
                    None => lines.line_of(value, &segments),
                })
            });
            let origin = self.origin(Step::Resource, file, line, None);
            res.trace.entry(path).or_default().push(origin);
        }
    }

    /// Every resource's leaves before a step.
    pub(crate) fn before(ra: &ResMap) -> Vec<(u64, BTreeMap<String, String>)> {
        ra.items
            .iter()
            .map(|r| (r.uid, fieldpath::scalars_in(&r.obj)))
            .collect()
    }

    /// After a step: each leaf that is new or changed gets an origin from `at`; leaves gone
    /// are forgotten.
    pub(crate) fn after(
        &self,
        ra: &mut ResMap,
        before: &[(u64, BTreeMap<String, String>)],
        step: Step,
        at: &At<'_>,
    ) {
        self.record_changes(ra, before, step, at, None);
    }

    /// The origin of a change `at` made to the leaf at `segments` of `obj`.
    fn origin_at(&self, step: Step, at: &At<'_>, obj: &Mapping, segments: &[Segment]) -> Origin {
        let (file, line) = match at.text {
            Text::Patch(file) => (file, self.file(file).and_then(|f| f.best_line(segments))),
            Text::Operations(file) => {
                let pointer = fieldpath::pointer_in(obj, segments).unwrap_or_default();
                let line = self
                    .file(file)
                    .and_then(|f| operation_line(&f, &pointer).or_else(|| f.line("[0]")));
                (file, line)
            }
            Text::Entry => (
                at.kustomization,
                self.file(at.kustomization).and_then(|f| f.line(&at.entry)),
            ),
        };
        self.origin(step, file, line, Some(at.entry.clone()))
    }

    /// After a plugin: resources it made or changed get an origin for each new or changed leaf,
    /// with what `derive` says the leaf was rendered from (an input resource and its field).
    pub(crate) fn after_plugin(
        &self,
        ra: &mut ResMap,
        before: &[(u64, BTreeMap<String, String>)],
        inputs: &PluginInputs<'_>,
        at: &At<'_>,
        derive: &Derive<'_>,
    ) {
        self.record_changes(ra, before, Step::Plugin, at, Some((inputs, derive)));
    }

    /// The comparison both share: new or changed leaves get an origin (and, after a plugin,
    /// what they were derived from); leaves gone are forgotten.
    fn record_changes(
        &self,
        ra: &mut ResMap,
        before: &[(u64, BTreeMap<String, String>)],
        step: Step,
        at: &At<'_>,
        plugin: Option<(&PluginInputs<'_>, &Derive<'_>)>,
    ) {
        let before: BTreeMap<u64, &BTreeMap<String, String>> =
            before.iter().map(|(uid, leaves)| (*uid, leaves)).collect();
        for res in &mut ra.items {
            let (now, segments) = fieldpath::leaves_in(&res.obj);
            let old = before.get(&res.uid);
            for (path, scalar) in &now {
                if old.is_some_and(|old| old.get(path) == Some(scalar)) {
                    continue;
                }
                let mut origin = self.origin_at(step, at, &res.obj, &segments[path]);
                if let Some((inputs, derive)) = plugin
                    && let Some((index, field)) = derive(&res.obj, &segments[path])
                    && let (Some((name, trace)), Some(input)) =
                        (inputs.named.get(index), inputs.items.get(index))
                {
                    origin.derived = Some(Box::new(Derived {
                        resource: name.clone(),
                        origins: origins_in(trace, input, &field),
                        field: fieldpath::format(&field),
                    }));
                }
                res.trace.entry(path.clone()).or_default().push(origin);
            }
            res.trace.retain(|path, _| now.contains_key(path));
        }
    }
}

/// The line of the last operation whose path is `pointer` or contains it (or lies inside it).
fn operation_line(file: &FileLines, pointer: &str) -> Option<usize> {
    let (value, lines) = file.docs.first()?;
    let ops = value.as_sequence()?;
    ops.iter()
        .enumerate()
        .rev()
        .find(|(_, op)| {
            op.get("path").and_then(Value::as_str).is_some_and(|path| {
                pointer == path
                    || pointer.starts_with(&format!("{path}/"))
                    || path.starts_with(&format!("{pointer}/"))
            })
        })
        .and_then(|(i, _)| lines.get(&format!("[{i}]")))
}
