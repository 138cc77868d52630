//! Where in the user's files a finding or an error points: the page links each one to a file
//! and line. A rendered object is not in any file, so a finding is placed on the document that
//! last set its field (an overlay's patch before the base), or on the `FunctionApp` it came from.
use std::cell::OnceCell;

use serde::Serialize;

use crate::policy::Finding;
use crate::report::locate::{document_starts, field_line, field_line_and_depth};
use crate::source::{FileSource, MemorySource};

/// A place in the tree; both parts are absent when nothing in the tree matches.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Position {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// 1-based.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

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
    pub(super) fn finding(&self, finding: &Finding) -> Position {
        let Some(resource) = &finding.resource else {
            return Position::default();
        };
        self.object_field(
            &resource.kind,
            &resource.name,
            finding.field.as_deref().unwrap_or_default(),
        )
    }

    /// Where a build error points: at the object's field when it names one
    /// (`FunctionApp/prod-orders: spec.image: …`, azfn's own checks of a spec), else at the file
    /// and line it names.
    pub(super) fn build_error(&self, message: &str) -> Position {
        static OBJECT_FIELD: std::sync::LazyLock<regex_lite::Regex> =
            std::sync::LazyLock::new(|| {
                regex_lite::Regex::new(
                    r"(?:^|: )([A-Z][A-Za-z]+)/([a-z0-9][a-z0-9.-]*): ([A-Za-z][\w.\[\]=/-]*): ",
                )
                .unwrap_or_else(|e| panic!("{e}"))
            });
        if let Some(c) = OBJECT_FIELD.captures(message) {
            let position = self.object_field(&c[1], &c[2], &c[3]);
            if position.file.is_some() {
                return position;
            }
        }
        locate_error(self.source, message)
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

/// Where an error message points: the first tree file it names, at `file:LINE` when given, or
/// at the field named right after the file (`kustomization.yaml: patches[0].path: …`).
pub fn locate_error(source: &MemorySource, message: &str) -> Position {
    let mut found: Vec<(usize, &str)> = source
        .paths()
        .filter_map(|path| find_path(message, path).map(|at| (at, path)))
        .collect();
    // The file a `file:LINE` names is the most precise; then the first file named.
    found.sort_by_key(|(at, path)| {
        (
            !has_line(&message[at + path.len()..]),
            *at,
            usize::MAX - path.len(),
        )
    });
    let Some(&(at, path)) = found.first() else {
        return Position::default();
    };
    let rest = &message[at + path.len()..];
    let line = if let Some(after) = rest.strip_prefix(':')
        && let Some(n) = after
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .and_then(|d| d.parse::<usize>().ok())
    {
        Some(n)
    } else if let Some(after) = rest.strip_prefix(": ")
        && let Some(token) = after.split(": ").next()
        && !token.is_empty()
        && !token.contains(' ')
    {
        text_of(source, path).map(|text| {
            let start = document_starts(&text).first().copied().unwrap_or(1);
            field_line(&text, start, token)
        })
    } else {
        None
    };
    Position::at(path, line.unwrap_or(1))
}

fn has_line(rest: &str) -> bool {
    rest.strip_prefix(':')
        .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
}

/// The byte offset of `path` in `message` as a whole path (not the tail of a longer one).
fn find_path(message: &str, path: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = message[from..].find(path) {
        let at = from + i;
        let before = message[..at].chars().next_back();
        let after = message[at + path.len()..].chars().next();
        // Build errors show paths from the tree's root: `/overlays/dev/kustomization.yaml`.
        let opens = |c: Option<char>| c.is_none_or(|c| c.is_whitespace() || "'\"(".contains(c));
        let rooted = before == Some('/') && opens(message[..at - 1].chars().next_back());
        let boundary_before = rooted || opens(before);
        let boundary_after =
            after.is_none_or(|c| c == ':' || c.is_whitespace() || "'\")".contains(c));
        if boundary_before && boundary_after {
            return Some(at);
        }
        from = at + path.len();
    }
    None
}
