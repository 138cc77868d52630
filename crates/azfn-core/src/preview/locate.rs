//! Where in the user's files a finding or an error points: the page links each one to a file
//! and line. A rendered object is not in any file, so a finding is placed on the document that
//! last set its field (an overlay's patch before the base), or on the `FunctionApp` it came from.
use std::cell::OnceCell;

use crate::diagnostic::Diagnostic;
pub use crate::diagnostic::Position;
use crate::error::Location;
use crate::overlay::BuildError;
use crate::report::locate::{document_starts, field_line, field_line_and_depth};
use crate::source::{FileSource, MemorySource};

/// One YAML document of a file: its kind, name and first line.
struct Document {
    kind: String,
    name: String,
    start: usize,
}

/// A YAML file one build read, parsed.
struct File {
    path: String,
    text: String,
    documents: Vec<Document>,
}

/// The YAML files one environment's build read (kustomizations aside), in read order, each
/// parsed once and only when something has to be located in them.
pub(super) struct Files<'a> {
    source: &'a MemorySource,
    reads: &'a [String],
    parsed: OnceCell<Vec<File>>,
}

fn text_of(source: &MemorySource, path: &str) -> Option<String> {
    source
        .read(path)
        .ok()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// A base name matches the rendered name it became (prefixes, suffixes, hashes added).
fn same_object(base: &str, rendered: &str) -> bool {
    !base.is_empty() && rendered.contains(base)
}

impl<'a> Files<'a> {
    pub(super) fn new(source: &'a MemorySource, reads: &'a [String]) -> Self {
        Self {
            source,
            reads,
            parsed: OnceCell::new(),
        }
    }

    fn files(&self) -> &[File] {
        self.parsed.get_or_init(|| {
            self.reads
                .iter()
                .filter(|p| {
                    let file = p.rsplit('/').next().unwrap_or(p);
                    super::is_yaml(file) && !super::KUSTOMIZATION_FILES.contains(&file)
                })
                .filter_map(|path| {
                    let text = text_of(self.source, path)?;
                    let documents = super::documents(&text, path)
                        .iter()
                        .map(|(doc, start)| {
                            let get = |v: Option<&serde_yaml::Value>| {
                                v.and_then(serde_yaml::Value::as_str)
                                    .unwrap_or_default()
                                    .to_owned()
                            };
                            Document {
                                kind: get(doc.get("kind")),
                                name: get(doc.get("metadata").and_then(|m| m.get("name"))),
                                start: *start,
                            }
                        })
                        .collect();
                    Some(File {
                        path: path.clone(),
                        text,
                        documents,
                    })
                })
                .collect()
        })
    }

    /// Where `finding` points.
    pub(super) fn finding(&self, finding: &Diagnostic) -> Position {
        let Some(resource) = &finding.resource else {
            return Position::default();
        };
        self.object_field(
            &resource.kind,
            &resource.name,
            finding.field.as_deref().unwrap_or_default(),
        )
    }

    /// Where a build error points, from the place it carries: the object's field when it
    /// names a resource (azfn's checks of a spec, a rule that stopped the build), else the
    /// file at its line or field.
    pub(super) fn build_error(&self, error: &BuildError) -> Position {
        let location = &error.location;
        if let (Some(resource), Some(field)) = (&location.resource, &location.field)
            && let Some((kind, name)) = resource.split_once('/')
        {
            let position = self.object_field(kind, name, field);
            if position.file.is_some() {
                return position;
            }
        }
        locate(self.source, location)
    }

    /// The document of `kind`/`name` (a rendered name) that holds most of `field`, latest read
    /// first; else the `FunctionApp` of that name, which rendered it.
    fn object_field(&self, kind: &str, name: &str, field: &str) -> Position {
        let mut best: Option<(usize, Position)> = None;
        let mut origin: Option<Position> = None;
        // Later reads are overlays' patches: they win a tie.
        for file in self.files().iter().rev() {
            for doc in file.documents.iter().filter(|d| same_object(&d.name, name)) {
                if doc.kind == kind {
                    let (line, depth) = field_line_and_depth(&file.text, doc.start, field);
                    if best.as_ref().is_none_or(|(d, _)| depth > *d) {
                        best = Some((depth, Position::at(&file.path, line)));
                    }
                } else if doc.kind == crate::functionapp::KIND {
                    // Read first is the base's whole spec: what rendered this object.
                    origin = Some(Position::at(&file.path, doc.start));
                }
            }
        }
        best.map(|(_, p)| p).or(origin).unwrap_or_default()
    }
}

impl Position {
    fn at(file: &str, line: usize) -> Self {
        Self {
            file: Some(file.to_owned()),
            line: Some(line),
        }
    }
}

/// Where `location` is in the tree: its file at its line, else at its field (in the file's
/// first document), else at the top; nothing when the file is not in the tree.
pub fn locate(source: &MemorySource, location: &Location) -> Position {
    // Builds show paths from the tree's root: `/overlays/dev/kustomization.yaml`.
    let path = location.file.trim_start_matches('/');
    let Some(text) = text_of(source, path) else {
        return Position::default();
    };
    let line = location.line.or_else(|| {
        let field = location.field.as_deref()?;
        let start = document_starts(&text).first().copied().unwrap_or(1);
        Some(field_line(&text, start, field))
    });
    Position::at(path, line.unwrap_or(1))
}
