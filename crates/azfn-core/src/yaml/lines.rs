//! Where each field of a YAML text sits: serde_yaml gives values without positions, so a second,
//! event-level reader (saphyr-parser) walks the same text once and records the line of every
//! key and list item, by document and field path. Used only where a line is asked for
//! (provenance, `azfn explain`); where that reader disagrees with serde_yaml, lines are absent,
//! never wrong.
use std::collections::BTreeMap;

use saphyr_parser::{Event, Parser};
use serde_yaml::Value;

use crate::fieldpath::Segment;

/// The lines of one document: each node's path in index form (`spec.containers[0].env[1]
/// .value`, keys as [`crate::fieldpath::child`] writes them) to its 1-based line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentLines {
    /// The line of the document's first node.
    pub start: usize,
    lines: BTreeMap<String, usize>,
}

impl DocumentLines {
    /// The line of the node at `path` (index form), if the document has it.
    pub fn get(&self, path: &str) -> Option<usize> {
        self.lines.get(path).copied()
    }

    /// The line of the deepest node of `segments` that `value` (this document, as parsed) has:
    /// named list items are found by their key, so a path from another object still lands on
    /// this document's item of the same name.
    pub fn line_of(&self, value: &Value, segments: &[Segment]) -> usize {
        let mut line = self.start;
        let mut path = String::new();
        let mut at = value;
        for segment in segments {
            let next = match (segment, at) {
                (Segment::Key(key), Value::Mapping(map)) => map
                    .get(key.as_str())
                    .map(|v| (crate::fieldpath::child(&path, key), v)),
                (Segment::Select(key, wanted), Value::Sequence(items)) => items
                    .iter()
                    .position(|item| {
                        item.get(key.as_str()).is_some_and(|v| {
                            crate::fieldpath::scalar(v, &BTreeMap::new()) == *wanted
                        })
                    })
                    .map(|i| (format!("{path}[{i}]"), &items[i])),
                (Segment::Index(i), Value::Sequence(items)) => {
                    items.get(*i).map(|v| (format!("{path}[{i}]"), v))
                }
                _ => None,
            };
            let Some((next_path, next)) = next else { break };
            path = next_path;
            match self.lines.get(&path) {
                Some(found) => line = *found,
                None => break,
            }
            at = next;
        }
        line
    }
}

enum Frame {
    Mapping { path: String, key: Option<String> },
    Sequence { path: String, next: usize },
}

/// The lines of every non-empty document of `text`, in the order
/// [`super::parse_documents`] returns them; `None` when the event reader cannot read it.
pub fn index(text: &str) -> Option<Vec<DocumentLines>> {
    let mut documents = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut current = DocumentLines::default();
    let mut empty = true;
    for event in Parser::new_from_str(text) {
        let (event, span) = event.ok()?;
        let line = span.start.line();
        match event {
            Event::DocumentStart(_) => {
                current = DocumentLines::default();
                empty = true;
                stack.clear();
            }
            Event::DocumentEnd if !empty => {
                documents.push(std::mem::take(&mut current));
            }
            Event::Scalar(text, style, _, _) => {
                if stack.is_empty() {
                    // A document that is one scalar: null ones are skipped by the parser.
                    let null = matches!(style, saphyr_parser::ScalarStyle::Plain)
                        && matches!(text.as_ref(), "" | "~" | "null" | "Null" | "NULL");
                    if !null {
                        current.start = line;
                        empty = false;
                    }
                    continue;
                }
                node(&mut stack, &mut current, line, Some(text.as_ref()));
            }
            Event::Alias(_) => {
                node(&mut stack, &mut current, line, None);
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let path = if stack.is_empty() {
                    current.start = line;
                    empty = false;
                    String::new()
                } else {
                    node(&mut stack, &mut current, line, None).unwrap_or_default()
                };
                stack.push(if matches!(event, Event::MappingStart(..)) {
                    Frame::Mapping { path, key: None }
                } else {
                    Frame::Sequence { path, next: 0 }
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
            }
            _ => {}
        }
    }
    Some(documents)
}

/// A node inside the top collection: a mapping key (remembered), or a value or list item
/// (recorded). Returns the node's path when it is a value.
fn node(
    stack: &mut [Frame],
    current: &mut DocumentLines,
    line: usize,
    scalar: Option<&str>,
) -> Option<String> {
    match stack.last_mut()? {
        Frame::Mapping { path, key } => match key.take() {
            None => {
                // A key: the line a person edits for this field.
                let name = scalar.unwrap_or_default();
                let child = crate::fieldpath::child(path, name);
                current.lines.entry(child).or_insert(line);
                *key = Some(name.to_owned());
                None
            }
            Some(name) => Some(crate::fieldpath::child(path, &name)),
        },
        Frame::Sequence { path, next } => {
            let child = format!("{path}[{next}]");
            *next += 1;
            current.lines.entry(child.clone()).or_insert(line);
            Some(child)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "# header\napiVersion: v1\nkind: ConfigMap\n---\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n      containers:\n      - name: func\n        env:\n        - name: A\n          value: a\n        - {name: B, value: b}\n      - name: side\n        image: x\n";

    #[test]
    fn every_key_and_item_has_its_line() {
        let docs = index(TEXT).unwrap();
        assert_eq!(docs.len(), 2, "the empty document is skipped");
        assert_eq!(docs[0].start, 2);
        assert_eq!(docs[0].get("kind"), Some(3));
        let d = &docs[1];
        assert_eq!(d.start, 6);
        assert_eq!(d.get("metadata.name"), Some(9));
        assert_eq!(d.get("spec.template.spec.containers[0]"), Some(14));
        assert_eq!(
            d.get("spec.template.spec.containers[0].env[0].value"),
            Some(17)
        );
        assert_eq!(
            d.get("spec.template.spec.containers[0].env[1].value"),
            Some(18)
        );
        assert_eq!(d.get("spec.template.spec.containers[1].image"), Some(20));
    }

    #[test]
    fn a_path_lands_on_the_item_of_the_same_name() {
        let docs = index(TEXT).unwrap();
        let value: Value = serde_yaml::from_str(TEXT.split("---\n").nth(2).unwrap()).unwrap();
        let select = |k: &str, v: &str| Segment::Select(k.into(), v.into());
        let key = |k: &str| Segment::Key(k.into());
        let path = [
            key("spec"),
            key("template"),
            key("spec"),
            key("containers"),
            select("name", "func"),
            key("env"),
            select("name", "B"),
            key("value"),
        ];
        assert_eq!(docs[1].line_of(&value, &path), 18);
        let missing = [key("spec"), key("template"), key("nothing")];
        assert_eq!(
            docs[1].line_of(&value, &missing),
            11,
            "the deepest node found"
        );
    }

    #[test]
    fn unreadable_text_has_no_lines() {
        assert_eq!(index("a: [unclosed"), None);
    }
}
