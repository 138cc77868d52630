//! Where in the user's files a finding or an error points: the page links each one to a file
//! and line. A rendered object is not in any file, so a finding is placed on the document that
//! last set its field (an overlay's patch before the base), or on the `FunctionApp` it came from.
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

fn documents(text: &str, path: &str) -> Vec<Document> {
    let Ok(docs) = crate::yaml::parse_documents(text, path, crate::yaml::Limits::default()) else {
        return Vec::new();
    };
    let starts = document_starts(text);
    if starts.len() != docs.len() {
        return Vec::new();
    }
    docs.iter()
        .zip(starts)
        .map(|(doc, start)| {
            let get = |v: Option<&serde_yaml::Value>| {
                v.and_then(serde_yaml::Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            Document {
                kind: get(doc.get("kind")),
                name: get(doc.get("metadata").and_then(|m| m.get("name"))),
                start,
            }
        })
        .collect()
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

/// Where `finding` points, among the files its environment read (`reads`, in read order).
pub(super) fn finding(source: &MemorySource, reads: &[String], finding: &Finding) -> Position {
    let Some(resource) = &finding.resource else {
        return Position::default();
    };
    object_field(
        source,
        reads,
        &resource.kind,
        &resource.name,
        finding.field.as_deref().unwrap_or_default(),
    )
}

/// Where a build error points: at the object's field when it names one (`FunctionApp/prod-orders:
/// spec.image: …`, azfn's own checks of a spec), else at the file and line it names.
pub(super) fn build_error(
    source: &MemorySource,
    reads: &[String],
    paths: &[&str],
    message: &str,
) -> Position {
    static OBJECT_FIELD: std::sync::LazyLock<regex_lite::Regex> = std::sync::LazyLock::new(|| {
        regex_lite::Regex::new(
            r"(?:^|: )([A-Z][A-Za-z]+)/([a-z0-9][a-z0-9.-]*): ([A-Za-z][\w.\[\]=/-]*): ",
        )
        .unwrap_or_else(|e| panic!("{e}"))
    });
    if let Some(c) = OBJECT_FIELD.captures(message) {
        let position = object_field(source, reads, &c[1], &c[2], &c[3]);
        if position.file.is_some() {
            return position;
        }
    }
    locate_error(source, paths, message)
}

/// The document of `kind`/`name` (a rendered name) that holds most of `field`, latest read first.
fn object_field(
    source: &MemorySource,
    reads: &[String],
    kind: &str,
    name: &str,
    field: &str,
) -> Position {
    let yaml = |p: &&String| {
        let file = p.rsplit('/').next().unwrap_or(p);
        super::is_yaml(file) && !super::KUSTOMIZATION_FILES.contains(&file)
    };
    let mut best: Option<(usize, Position)> = None;
    let mut origin: Option<Position> = None;
    // Later reads are overlays' patches: they win a tie.
    for path in reads.iter().filter(yaml).rev() {
        let Some(text) = text_of(source, path) else {
            continue;
        };
        for doc in documents(&text, path) {
            if !same_object(&doc.name, name) {
                continue;
            }
            if doc.kind == kind {
                let (line, depth) = field_line_and_depth(&text, doc.start, field);
                if best.as_ref().is_none_or(|(d, _)| depth > *d) {
                    best = Some((
                        depth,
                        Position {
                            file: Some(path.clone()),
                            line: Some(line),
                        },
                    ));
                }
            } else if doc.kind == crate::functionapp::KIND {
                // Read first is the base's whole spec: what rendered this object.
                origin = Some(Position {
                    file: Some(path.clone()),
                    line: Some(doc.start),
                });
            }
        }
    }
    best.map(|(_, p)| p).or(origin).unwrap_or_default()
}

/// Where an error message points: the first tree file it names, at `file:LINE` when given, or
/// at the field named right after the file (`kustomization.yaml: patches[0].path: …`).
pub fn locate_error(source: &MemorySource, paths: &[&str], message: &str) -> Position {
    let mut found: Vec<(usize, &str)> = paths
        .iter()
        .filter_map(|path| find_path(message, path).map(|at| (at, *path)))
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
    Position {
        file: Some(path.to_owned()),
        line: line.or(Some(1)),
    }
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
        let rooted = before == Some('/')
            && message[..at - 1]
                .chars()
                .next_back()
                .is_none_or(|c| c.is_whitespace() || "'\"(".contains(c));
        let boundary_before =
            rooted || before.is_none_or(|c| c.is_whitespace() || "'\"(".contains(c));
        let boundary_after =
            after.is_none_or(|c| c == ':' || c.is_whitespace() || "'\")".contains(c));
        if boundary_before && boundary_after {
            return Some(at);
        }
        from = at + path.len();
    }
    None
}
