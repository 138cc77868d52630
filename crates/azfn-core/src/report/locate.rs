//! Lines in the user's files: where each YAML document starts, and (by walking block-style keys
//! and list items) where a field path sits inside it. serde_yaml gives no positions, so this
//! reads the text itself; where the layout defeats it, the document's first line is given.

/// The 1-based first line of each document in a multi-document YAML text (the line of its
/// first key), in document order; empty documents are skipped as the parser skips them.
pub fn document_starts(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut in_document = false;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_end();
        if trimmed == "---" || trimmed.starts_with("--- ") || trimmed == "..." {
            in_document = false;
            continue;
        }
        if in_document || trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        starts.push(i + 1);
        in_document = true;
    }
    starts
}

/// The line of `field` (`spec.template.spec.containers[0].env[1].value`) in the document that
/// starts at `start` (1-based); the deepest part of the path that could be found.
pub fn field_line(text: &str, start: usize, field: &str) -> usize {
    field_line_and_depth(text, start, field).0
}

/// [`field_line`], and how many segments of the path were found there: which of several
/// documents that could hold a field really holds it.
pub fn field_line_and_depth(text: &str, start: usize, field: &str) -> (usize, usize) {
    let lines: Vec<&str> = text.lines().collect();
    let mut depth = 0;
    let mut at = start.saturating_sub(1);
    let mut indent: isize = -1;
    let end = lines[at..]
        .iter()
        .position(|l| l.trim_end() == "---")
        .map_or(lines.len(), |p| at + p);
    for segment in segments(field) {
        let found = match segment {
            Segment::Key(key) => find_key(&lines[..end], at, indent, &key),
            Segment::Index(n) => find_item(&lines[..end], at, indent, n),
        };
        match found {
            Some((line, col)) => {
                at = line;
                indent = col.cast_signed();
                depth += 1;
            }
            None => break,
        }
    }
    (at + 1, depth)
}

enum Segment {
    Key(String),
    Index(usize),
}

fn segments(field: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut rest = field;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("[\"") {
            let Some(close) = after.find("\"]") else {
                break;
            };
            out.push(Segment::Key(after[..close].to_owned()));
            rest = &after[close + 2..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let Some(close) = after.find(']') else { break };
            if let Ok(n) = after[..close].parse() {
                out.push(Segment::Index(n));
            }
            rest = &after[close + 1..];
        } else {
            let rest_trim = rest.strip_prefix('.').unwrap_or(rest);
            let end = rest_trim.find(['.', '[']).unwrap_or(rest_trim.len());
            out.push(Segment::Key(rest_trim[..end].to_owned()));
            rest = &rest_trim[end..];
        }
    }
    out
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// The first line after `from` (inclusive when at the top) holding `key:` deeper than `indent`,
/// before the block at `indent` ends. Returns the line and the key's column.
fn find_key(lines: &[&str], from: usize, indent: isize, key: &str) -> Option<(usize, usize)> {
    let first = if indent < 0 { from } else { from + 1 };
    let mut first_seen = true;
    for (i, line) in lines.iter().enumerate().skip(first) {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let col = indent_of(line);
        let (col, content) = match trimmed.strip_prefix("- ") {
            Some(item) if !(first_seen && i == from) => (col + 2, item),
            _ => (col, trimmed),
        };
        if col.cast_signed() <= indent && !(indent >= 0 && i == from) {
            return None;
        }
        first_seen = false;
        let bare = content
            .strip_prefix('"')
            .and_then(|c| c.strip_prefix(key))
            .and_then(|c| c.strip_prefix('"'));
        let plain = content.strip_prefix(key);
        if bare.or(plain).is_some_and(|after| after.starts_with(':')) {
            return Some((i, col));
        }
    }
    None
}

/// The `n`th list item (`- `) below the key at `from`.
fn find_item(lines: &[&str], from: usize, indent: isize, n: usize) -> Option<(usize, usize)> {
    let mut count = 0;
    let mut item_col = None;
    for (i, line) in lines.iter().enumerate().skip(from + 1) {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let col = indent_of(line);
        if col.cast_signed() < indent || (col.cast_signed() == indent && !trimmed.starts_with('-'))
        {
            return None;
        }
        if trimmed.starts_with("- ") || trimmed == "-" {
            match item_col {
                None => item_col = Some(col),
                Some(c) if c != col => continue,
                _ => {}
            }
            if count == n {
                // The item's own keys start two columns to the right of the dash.
                return Some((i, col + 1));
            }
            count += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "# header\napiVersion: v1\nkind: ConfigMap\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n      containers:\n      - name: func\n        env:\n        - name: A\n          value: a\n        - name: B\n          value: b\n      - name: side\n        image: x\n";

    #[test]
    fn documents_and_fields() {
        assert_eq!(document_starts(TEXT), [2, 5]);
        assert_eq!(
            field_line(TEXT, 5, "spec.template.spec.containers[0].env[1].value"),
            18
        );
        assert_eq!(
            field_line(TEXT, 5, "spec.template.spec.containers[1].image"),
            20
        );
        assert_eq!(field_line(TEXT, 5, "metadata.name"), 8);
        assert_eq!(
            field_line(TEXT, 5, "spec.nothing.here"),
            9,
            "the deepest part found"
        );
    }
}
