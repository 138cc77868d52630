use serde::Deserialize;
use serde_yaml::Value;

use super::subset::Repeated;
use crate::error::{Error, Location};

/// Bounds on untrusted input, checked before the parser sees it: serde_yaml is super-linear on
/// deep flow nesting, so depth is checked by a cheap scan first.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest accepted input, in bytes.
    pub max_bytes: usize,
    /// Deepest accepted flow nesting (`[`, `{`).
    pub max_flow_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: 64 << 20,
            max_flow_depth: 128,
        }
    }
}

/// Parses a multi-document YAML (or JSON) text. Empty documents are skipped. Manifests in the
/// common subset are read by [`super::subset`]; the rest, and every error, by serde_yaml.
pub fn parse_documents(text: &str, file: &str, limits: Limits) -> Result<Vec<Value>, Error> {
    if text.len() > limits.max_bytes {
        return Err(Error::Limit {
            location: Location::file(file),
            message: format!(
                "input is {} bytes, over the limit of {} bytes",
                text.len(),
                limits.max_bytes
            ),
        });
    }
    if let Some(docs) = super::subset::parse(text, Repeated::Refuse) {
        return Ok(docs);
    }
    with_serde_yaml(text, file, limits)
}

/// [`parse_documents`] by serde_yaml alone.
fn with_serde_yaml(text: &str, file: &str, limits: Limits) -> Result<Vec<Value>, Error> {
    check_flow_depth(text, file, limits.max_flow_depth)?;
    let mut docs = Vec::new();
    for document in serde_yaml::Deserializer::from_str(text) {
        let value = Value::deserialize(document).map_err(|e| yaml_error(&e, file))?;
        refuse_tags(&value, file)?;
        if !value.is_null() {
            docs.push(value);
        }
    }
    Ok(docs)
}

/// Kubernetes objects carry no YAML tags, kustomize fails on them, and a tag dropped on the
/// way out could make two keys one (the fuzzer found `kind` and `!t kind` in one mapping).
fn refuse_tags(value: &Value, file: &str) -> Result<(), Error> {
    match value {
        Value::Tagged(tagged) => Err(Error::Yaml {
            location: Location::file(file),
            message: format!(
                "the YAML tag {} is not supported: Kubernetes objects have none",
                tagged.tag
            ),
        }),
        Value::Sequence(items) => items.iter().try_for_each(|v| refuse_tags(v, file)),
        Value::Mapping(map) => map.iter().try_for_each(|(k, v)| {
            // The same for keys that are collections: kustomize cannot turn them into JSON,
            // and no writer can keep two of them apart (the fuzzer found `{}: a` and `{x}: b`).
            if matches!(k, Value::Mapping(_) | Value::Sequence(_)) {
                return Err(Error::Yaml {
                    location: Location::file(file),
                    message: "a mapping key that is itself a mapping or a list is not supported: Kubernetes objects have plain keys".into(),
                });
            }
            refuse_tags(k, file)?;
            refuse_tags(v, file)
        }),
        _ => Ok(()),
    }
}

fn yaml_error(e: &serde_yaml::Error, file: &str) -> Error {
    let mut location = Location::file(file);
    if let Some(loc) = e.location() {
        location.line = Some(loc.line());
        location.column = Some(loc.column());
    }
    // serde_yaml appends " at line X column Y"; the location already says it.
    let message = e.to_string();
    let message = match message.find(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message,
    };
    Error::Yaml { location, message }
}

/// Rejects flow collections nested deeper than `max` before serde_yaml sees them. Only brackets
/// that YAML reads as flow collections count: one that opens a value (at the start of a line,
/// after `: `, `- ` or `? `) and every one inside a flow collection, outside quotes, comments
/// and block scalars. A `{` in plain text or in a `|` block is text (the fuzzer found a
/// ConfigMap whose JSON value, written as a block, was refused as deep nesting).
fn check_flow_depth(text: &str, file: &str, max: usize) -> Result<(), Error> {
    let mut depth = 0usize;
    let mut line_no = 1usize;
    let mut quote: Option<u8> = None;
    // Block scalar: lines indented deeper than this are its text.
    let mut block_scalar: Option<usize> = None;
    for line in text.split('\n') {
        let bytes = line.as_bytes();
        let indent = bytes.iter().take_while(|&&b| b == b' ').count();
        if let Some(header) = block_scalar {
            if quote.is_none() && depth == 0 && (indent > header || line.trim().is_empty()) {
                line_no += 1;
                continue;
            }
            block_scalar = None;
        }
        let mut value_start = quote.is_none();
        let mut last = b' ';
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            i += 1;
            if let Some(q) = quote {
                if b == q {
                    // '' inside single quotes is an escaped quote.
                    if q == b'\'' && bytes.get(i) == Some(&b'\'') {
                        i += 1;
                    } else {
                        quote = None;
                    }
                } else if b == b'\\' && q == b'"' {
                    i += 1;
                }
                last = b;
                continue;
            }
            match b {
                b' ' | b'\t' => {
                    if matches!(last, b':' | b'-' | b'?') {
                        value_start = true;
                    }
                    last = b;
                    continue;
                }
                b'#' if last == b' ' || last == b'\t' || i == 1 => break,
                b'"' | b'\'' if value_start => quote = Some(b),
                b'[' | b'{' if value_start || depth > 0 => {
                    depth += 1;
                    if depth > max {
                        let mut location = Location::file(file);
                        location.line = Some(line_no);
                        return Err(Error::Limit {
                            location,
                            message: format!("flow collections nested deeper than {max} levels"),
                        });
                    }
                }
                b']' | b'}' if depth > 0 => depth -= 1,
                b'|' | b'>' if value_start && depth == 0 => {
                    // A block scalar header: the rest of the line is indicators or a comment.
                    let rest = line[i..]
                        .trim_start_matches(|c: char| c.is_ascii_digit() || c == '-' || c == '+');
                    let rest = rest.trim_start();
                    if rest.is_empty() || rest.starts_with('#') {
                        block_scalar = Some(indent);
                        break;
                    }
                }
                _ => {}
            }
            value_start = depth > 0 && matches!(b, b'[' | b'{' | b',');
            last = b;
        }
        line_no += 1;
    }
    Ok(())
}

/// [`parse_documents`] that accepts repeated mapping keys, the last one winning, as kustomize
/// reads kustomization files.
pub fn parse_documents_lenient(
    text: &str,
    file: &str,
    limits: Limits,
) -> Result<Vec<Value>, Error> {
    if text.len() > limits.max_bytes {
        return parse_documents(text, file, limits);
    }
    if let Some(docs) = super::subset::parse(text, Repeated::LastWins) {
        return Ok(docs);
    }
    lenient_with_serde_yaml(text, file, limits)
}

/// [`parse_documents_lenient`] by serde_yaml alone.
fn lenient_with_serde_yaml(text: &str, file: &str, limits: Limits) -> Result<Vec<Value>, Error> {
    check_flow_depth(text, file, limits.max_flow_depth)?;
    let mut docs = Vec::new();
    for document in serde_yaml::Deserializer::from_str(text) {
        let Lenient(value) = Lenient::deserialize(document).map_err(|e| yaml_error(&e, file))?;
        refuse_tags(&value, file)?;
        if !value.is_null() {
            docs.push(value);
        }
    }
    Ok(docs)
}

/// For tests and fuzzing: what the subset reader makes of `text` (`None`: it leaves the text
/// to serde_yaml) and what serde_yaml alone makes of it (`None`: an error), with repeated keys
/// refused or, `lenient`, the last one winning.
#[doc(hidden)]
pub fn both_readers(text: &str, lenient: bool) -> (Option<Vec<Value>>, Option<Vec<Value>>) {
    let limits = Limits::default();
    if lenient {
        (
            super::subset::parse(text, Repeated::LastWins),
            lenient_with_serde_yaml(text, "t", limits).ok(),
        )
    } else {
        (
            super::subset::parse(text, Repeated::Refuse),
            with_serde_yaml(text, "t", limits).ok(),
        )
    }
}

/// A YAML value whose mappings keep the last of repeated keys.
struct Lenient(Value);

impl<'de> Deserialize<'de> for Lenient {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LenientVisitor).map(Lenient)
    }
}

struct LenientVisitor;

impl<'de> serde::de::Visitor<'de> for LenientVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Lenient::deserialize(d).map(|l| l.0)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Lenient(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Sequence(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = serde_yaml::Mapping::new();
        while let Some((Lenient(key), Lenient(value))) = map.next_entry()? {
            out.insert(key, value);
        }
        Ok(Value::Mapping(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_multiple_documents_and_skips_empty_ones() {
        let docs =
            parse_documents("a: 1\n---\n---\nb: [1, 2]\n", "x.yaml", Limits::default()).unwrap();
        assert_eq!(docs.len(), 2);
    }

    #[test]
    fn syntax_error_names_file_and_line() {
        let err = parse_documents("a: 1\nb: [\n", "in.yaml", Limits::default()).unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("in.yaml:"), "{text}");
        assert!(matches!(
            err,
            Error::Yaml {
                location: Location { line: Some(_), .. },
                ..
            }
        ));
    }

    #[test]
    fn custom_tags_are_refused_and_core_tags_read() {
        let e = parse_documents("kind: x\n!t kind: y\n", "f.yaml", Limits::default()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "f.yaml: not valid YAML: the YAML tag !t is not supported: Kubernetes objects have none"
        );
        let docs =
            parse_documents("a: !!str 123\nb: !!int \"4\"\n", "f", Limits::default()).unwrap();
        assert_eq!(docs[0]["a"], Value::String("123".into()));
    }

    #[test]
    fn deep_flow_nesting_is_refused_before_parsing() {
        let text = "[".repeat(10_000);
        let err = parse_documents(&text, "deep.yaml", Limits::default()).unwrap_err();
        assert!(err.to_string().contains("nested deeper than 128"), "{err}");
    }

    #[test]
    fn brackets_in_text_are_not_nesting() {
        let deep_text = "{".repeat(200);
        for text in [
            format!("a: b{deep_text}\n"),
            format!("a: |\n  {deep_text}\n  {deep_text}\nb: c\n"),
            format!("a: \"{deep_text}\"\n"),
            format!("a: '{deep_text}'\n"),
            format!("a: [\"{deep_text}\", 'x''{deep_text}']\n"),
            format!("a: x # {deep_text}\n"),
            format!(
                "{}\n",
                (0..200)
                    .map(|i| format!("k{i}: v{{"))
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
        ] {
            check_flow_depth(&text, "t", 128).unwrap_or_else(|e| panic!("{e}: {text}"));
        }
        for text in [
            format!("a: {}\n", "[".repeat(200)),
            format!("- {}\n", "{a: ".repeat(200)),
            format!("a:\n  {}\n", "[ ".repeat(200)),
        ] {
            assert!(check_flow_depth(&text, "t", 128).is_err(), "{text}");
        }
    }

    #[test]
    fn oversized_input_is_refused() {
        let limits = Limits {
            max_bytes: 10,
            ..Limits::default()
        };
        let err = parse_documents("a: 123456789012", "big.yaml", limits).unwrap_err();
        assert!(
            err.to_string().contains("over the limit of 10 bytes"),
            "{err}"
        );
    }
}
