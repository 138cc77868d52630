//! The KRM function itself: a ResourceList in, the same ResourceList with results out.
//!
//! Two layers, so that nothing can build recursively: [`render_and_check`] renders
//! `FunctionApp`s and runs the rules (what azfn's in-process transformer runs inside an overlay
//! build), and [`process`] adds the parity check, which builds every environment with that
//! transformer.
mod parity;
pub mod plugin;
#[cfg(test)]
mod render_tests;

pub use plugin::{
    AzfnTransformer, Collected, FindingSink, InputLookup, PolicyLookup, build_options,
};

use serde_yaml::{Mapping, Value};

use crate::config::Config;
use crate::error::Error;
use crate::functionapp::{self, Note};
use crate::krm::{FieldRef, KrmResult, ResourceRef};
use crate::krm::{ResourceList, Severity};
use crate::policy::{self, Diagnostic};
use crate::report;
use crate::yaml::{self, Limits};

/// What one run produced.
#[derive(Debug, Clone)]
pub struct FunctionOutput {
    /// The output ResourceList: input items unchanged, results appended.
    pub list: ResourceList,
    /// Our findings, in the order they were found.
    pub findings: Vec<Diagnostic>,
    /// The output document, block-style YAML.
    pub yaml: String,
}

impl FunctionOutput {
    /// Whether a finding has error severity (the run must exit non-zero).
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// A short human summary for stderr: kustomize shows only stderr, and only on failure.
    pub fn summary(&self) -> String {
        report::summary(&self.findings)
    }
}

/// Runs azfn over a ResourceList given as YAML or JSON text. `source` names it in errors.
pub fn process_resource_list(text: &str, source: &str) -> Result<FunctionOutput, Error> {
    process_resource_list_with(text, source, &functionapp::inputs::Values::new())
}

/// [`process_resource_list`] with the values of declared inputs (read by the host).
pub fn process_resource_list_with(
    text: &str,
    source: &str,
    inputs: &functionapp::inputs::Values,
) -> Result<FunctionOutput, Error> {
    let list = ResourceList::parse(text, source, Limits::default())?;
    // Rendering replaces items; keep the originals to pass the untouched ones through as text.
    let original = list
        .items
        .iter()
        .any(|i| i.kind() == functionapp::KIND)
        .then(|| list.items.clone());
    let (list, findings, new_results) = process(list, source, inputs)?;
    let yaml = match &original {
        None => passthrough(text, &new_results, &list),
        Some(original) => splice(text, original, &new_results, &list),
    }
    .unwrap_or_else(|| list.to_yaml());
    Ok(FunctionOutput {
        list,
        findings,
        yaml,
    })
}

/// What [`render_and_check`] produced.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The list with `FunctionApp`s rendered (no results added).
    pub list: ResourceList,
    /// The rules' findings.
    pub findings: Vec<Diagnostic>,
    /// Notes about what was rendered.
    pub notes: Vec<Note>,
    /// The function config as read.
    pub config: Config,
}

/// Renders the `FunctionApp`s of `list`, checking nothing: [`render_and_check`] without its
/// checks, with the notes and the config as read.
///
/// # Errors
/// A config or `FunctionApp` azfn cannot read, or an input it refuses.
pub fn render(
    mut list: ResourceList,
    source: &str,
    inputs: &functionapp::inputs::Values,
) -> Result<(ResourceList, Vec<Note>, Config), Error> {
    let config =
        Config::from_function_config(list.function_config.as_ref(), source, &policy::codes())?;
    functionapp::inputs::apply(&mut list, &config.inputs, inputs, source)?;
    let notes = functionapp::transform(&mut list, source)?;
    Ok((list, notes, config))
}

/// Renders the `FunctionApp`s of `list` and runs the rules over the result; a parity
/// configuration is read (and checked for mistakes) but never run here.
pub fn render_and_check(
    list: ResourceList,
    source: &str,
    inputs: &functionapp::inputs::Values,
) -> Result<Checked, Error> {
    let (list, notes, config) = render(list, source, inputs)?;
    let findings = policy::check_all(&list.items, &config)?;
    Ok(Checked {
        list,
        findings,
        notes,
        config,
    })
}

/// Runs azfn over a parsed ResourceList: renders, checks (parity included, when configured)
/// and appends the results. Returns the list, the findings and the results that were added.
pub fn process(
    list: ResourceList,
    source: &str,
    inputs: &functionapp::inputs::Values,
) -> Result<(ResourceList, Vec<Diagnostic>, Vec<Value>), Error> {
    let Checked {
        mut list,
        mut findings,
        notes,
        config,
    } = render_and_check(list, source, inputs)?;
    if let Some(parity) = &config.parity {
        findings.extend(parity::findings(parity));
    }
    let before = list.results.len();
    for note in notes {
        list.push_result(&note_result(&note));
    }
    for finding in &findings {
        list.push_result(&finding.to_krm_result());
    }
    let added = list.results[before..].to_vec();
    Ok((list, findings, added))
}

fn note_result(note: &Note) -> KrmResult {
    KrmResult {
        message: format!("render: {}", note.message),
        severity: Severity::Info,
        resource_ref: Some(ResourceRef {
            api_version: note.resource.api_version().to_owned(),
            kind: note.resource.kind().to_owned(),
            name: note.resource.name().to_owned(),
            namespace: note.resource.namespace().to_owned(),
        }),
        field: Some(FieldRef {
            path: note.field.clone(),
        }),
        file: None,
        tags: std::collections::BTreeMap::from([("code".to_owned(), "render".to_owned())]),
    }
}

/// The input text itself, with our results appended, when that is exactly the output.
///
/// azfn changes no item, and kpt writes the function's node styles back into the user's files
/// (quotes, flow maps, indentation): passing the input through byte for byte is the only way a
/// check changes nothing in them. Used only for a block-style ResourceList without earlier
/// results, and checked by reading the spliced text back.
fn passthrough(text: &str, new_results: &[Value], list: &ResourceList) -> Option<String> {
    let (first_at, first) = first_content_line(text)?;
    let block_style = first.starts_with(|c: char| c.is_ascii_alphabetic());
    if !block_style
        || !results_can_follow(&text[first_at..])
        || list.results.len() != new_results.len()
    {
        return None;
    }
    if new_results.is_empty() {
        return Some(text.to_owned());
    }
    let mut results = Mapping::new();
    results.insert("results".into(), Value::Sequence(new_results.to_vec()));
    let mut out = text.to_owned();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&yaml::to_string(&Value::Mapping(results)));
    // The splice must read back as exactly the list we mean to write.
    let again = ResourceList::parse(&out, "output", Limits::default()).ok()?;
    (again == *list).then_some(out)
}

/// The first line that is not empty, a comment or `---`, with the offset it starts at.
fn first_content_line(text: &str) -> Option<(usize, &str)> {
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end();
        if !content.is_empty() && !content.starts_with('#') && content != "---" {
            return Some((at, content));
        }
        at += line.len();
    }
    None
}

/// Whether a `results:` key appended to `text` (one document, from its first content line)
/// ends up at its top level: no line is a document marker, a `results:` key already, or a
/// `kind:` other than `kind: ResourceList`. One pass over the line starts, looking closer only
/// at lines that begin with `-`, `.`, `r` or `k`.
fn results_can_follow(text: &str) -> bool {
    let bytes = text.as_bytes();
    std::iter::once(0)
        .chain(memchr::memchr_iter(b'\n', bytes).map(|i| i + 1))
        .all(|start| {
            if !matches!(bytes.get(start), Some(b'-' | b'.' | b'r' | b'k')) {
                return true;
            }
            let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |e| start + e);
            let line = text[start..end].trim_end();
            !(line == "---"
                || line == "..."
                || line.starts_with("--- ")
                || line.starts_with("results:")
                || (line.starts_with("kind:") && line != "kind: ResourceList"))
        })
}

/// The output with every item that azfn left as it was copied from the input text, and only
/// new or changed items written by the emitter; `None` when the input's layout does not allow
/// it. Checked by reading the result back.
fn splice(
    text: &str,
    original: &[crate::krm::Resource],
    new_results: &[Value],
    list: &ResourceList,
) -> Option<String> {
    let items_at = text
        .find("\nitems:\n")
        .map(|i| i + 1)
        .or_else(|| text.starts_with("items:\n").then_some(0))?;
    let header = &text[..items_at + "items:\n".len()];
    let mut chunks: Vec<String> = Vec::new();
    let mut rest = &text[header.len()..];
    while !rest.is_empty() {
        let line_end = rest.find('\n').map_or(rest.len(), |i| i + 1);
        let line = &rest[..line_end];
        if line.starts_with('-') {
            chunks.push(line.to_owned());
        } else if line.starts_with(' ') || line.trim().is_empty() {
            chunks.last_mut()?.push_str(line);
        } else if line.starts_with('#') {
            return None;
        } else {
            break;
        }
        rest = &rest[line_end..];
    }
    let suffix = rest;
    if chunks.len() != original.len() || suffix.lines().any(|l| l.starts_with("results:")) {
        return None;
    }
    let mut out = header.to_owned();
    let mut cursor = 0;
    for item in &list.items {
        if let Some(offset) = original[cursor..].iter().position(|o| o == item) {
            let chunk = &chunks[cursor + offset];
            out.push_str(chunk);
            if !chunk.ends_with('\n') {
                out.push('\n');
            }
            cursor += offset + 1;
        } else {
            let value = Value::Sequence(vec![Value::Mapping(item.object().clone())]);
            out.push_str(&yaml::to_string(&value));
        }
    }
    out.push_str(suffix);
    if !new_results.is_empty() {
        if !out.ends_with('\n') {
            out.push('\n');
        }
        let mut results = Mapping::new();
        results.insert("results".into(), Value::Sequence(new_results.to_vec()));
        out.push_str(&yaml::to_string(&Value::Mapping(results)));
    }
    let again = ResourceList::parse(&out, "output", Limits::default()).ok()?;
    (again == *list).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line-by-line test `passthrough` made before it looked only at line starts.
    fn lines_allow_results(text: &str) -> Option<bool> {
        let first = text
            .lines()
            .map(str::trim_end)
            .find(|l| !l.is_empty() && !l.starts_with('#') && *l != "---")?;
        let single_document = !text.lines().skip_while(|l| l.trim_end() != first).any(|l| {
            let l = l.trim_end();
            l == "---" || l == "..." || l.starts_with("--- ") || l.starts_with("results:")
        });
        let other_kind = text
            .lines()
            .any(|l| l.starts_with("kind:") && l.trim_end() != "kind: ResourceList");
        Some(single_document && !other_kind)
    }

    #[test]
    fn the_line_start_scan_allows_results_where_the_line_by_line_test_did() {
        let parts = [
            "",
            "\n",
            "\r\n",
            "# c\n",
            "---\n",
            "--- \n",
            "--- x\n",
            "...\n",
            "... \n",
            "kind: ResourceList\n",
            "kind: ResourceList  \r\n",
            "kind: List\n",
            "kind:\n",
            "  kind: Deployment\n",
            "results:\n",
            "results: []\n",
            "resultsX: 1\n",
            "items:\n",
            "- kind: Pod\n",
            "-- x\n",
            "r\n",
            "k",
            ".\n",
            "apiVersion: v1\n",
        ];
        let mut checked = 0;
        for a in parts {
            for b in parts {
                for c in parts {
                    let text = format!("{a}{b}{c}");
                    let scanned =
                        first_content_line(&text).map(|(at, _)| results_can_follow(&text[at..]));
                    assert_eq!(scanned, lines_allow_results(&text), "{text:?}");
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, parts.len().pow(3));
    }

    const CLEAN: &str = "apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: c # comment kept
    annotations:
      config.kubernetes.io/index: '0'
  data: {a: \"1\", b: 'x'}
";

    #[test]
    fn clean_input_passes_through_byte_for_byte() {
        let out = process_resource_list(CLEAN, "<stdin>").unwrap();
        assert_eq!(out.yaml, CLEAN);
        assert!(!out.has_errors());
    }

    #[test]
    fn findings_are_appended_after_untouched_items() {
        let key: String = "c2VjcmV0".chars().cycle().take(86).collect();
        let text = format!(
            "{CLEAN}- apiVersion: v1\n  kind: ConfigMap\n  metadata: {{name: d}}\n  data: {{conn: \"AccountKey={key}==\"}}\n"
        );
        let out = process_resource_list(&text, "<stdin>").unwrap();
        assert!(out.has_errors());
        assert!(
            out.yaml.starts_with(&text),
            "items must pass through unchanged"
        );
        assert!(out.yaml[text.len()..].starts_with(
            "results:\n- message: \"AZF001 inline-secret: ConfigMap key \\\"conn\\\""
        ));
    }

    #[test]
    fn json_and_earlier_results_are_rewritten_as_block_yaml() {
        let json = r#"{"apiVersion":"config.kubernetes.io/v1","kind":"ResourceList","items":[{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}]}"#;
        let out = process_resource_list(json, "<stdin>").unwrap();
        assert_eq!(
            out.yaml,
            "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: c\n"
        );
        let with_results = format!("{CLEAN}results:\n- message: earlier\n  severity: info\n");
        let out = process_resource_list(&with_results, "<stdin>").unwrap();
        assert!(
            out.yaml
                .contains("data:\n    a: \"1\"\n    b: x\nresults:\n- message: earlier\n"),
            "{}",
            out.yaml
        );
    }
}
