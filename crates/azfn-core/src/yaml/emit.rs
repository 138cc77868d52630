use std::fmt::Write as _;

use serde_yaml::Value;

/// Writes one value as a block-style YAML document (no leading `---`), ending in a newline.
///
/// Block style matters: kpt writes a function's output node styles back into the user's files,
/// so flow or JSON output would rewrite them.
pub fn to_string(value: &Value) -> String {
    let mut out = String::new();
    write_root(&mut out, value);
    out
}

/// Writes several values as one YAML stream, documents separated by `---`.
pub fn to_stream<'a>(values: impl IntoIterator<Item = &'a Value>) -> String {
    let mut out = String::new();
    for (i, value) in values.into_iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        write_root(&mut out, value);
    }
    out
}

fn write_root(out: &mut String, value: &Value) {
    match value {
        Value::Mapping(m) if !m.is_empty() => write_mapping(out, m, 0),
        Value::Sequence(s) if !s.is_empty() => write_sequence(out, s, 0),
        Value::Tagged(t) => write_root(out, &t.value),
        // A literal block needs a parent to indent under: a document that is one multi-line
        // string is written quoted (the fuzzer found the unreadable block this used to write).
        Value::String(s) if s.contains('\n') => {
            write_double_quoted(out, s);
            out.push('\n');
        }
        other => {
            write_scalar(out, other, 0);
            out.push('\n');
        }
    }
}

fn indent(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

/// The longest key written in the implicit `key: value` form, in bytes (YAML's limit is 1024
/// characters, and a character is at least a byte).
const MAX_IMPLICIT_KEY: usize = 1000;

fn write_mapping(out: &mut String, map: &serde_yaml::Mapping, level: usize) {
    for (i, (key, value)) in map.iter().enumerate() {
        if i > 0 {
            indent(out, level);
        }
        let start = out.len();
        write_key(out, key);
        // YAML reads an implicit key of at most 1024 characters: a longer one is written
        // explicitly (`? key` then `: value`), or the output would not read back.
        if out.len() - start > MAX_IMPLICIT_KEY {
            out.insert_str(start, "? ");
            out.push('\n');
            indent(out, level);
        }
        out.push(':');
        write_after_key(out, value, level);
    }
}

/// Writes a value that follows `key:` or `-` on the same line.
fn write_after_key(out: &mut String, value: &Value, level: usize) {
    match value {
        Value::Mapping(m) if !m.is_empty() => {
            out.push('\n');
            indent(out, level + 2);
            write_mapping(out, m, level + 2);
        }
        // Sequences under a key are not indented further (kustomize's and kubectl's style).
        Value::Sequence(s) if !s.is_empty() => {
            out.push('\n');
            indent(out, level);
            write_sequence(out, s, level);
        }
        Value::Tagged(t) => write_after_key(out, &t.value, level),
        scalar => {
            out.push(' ');
            write_scalar(out, scalar, level + 2);
            out.push('\n');
        }
    }
}

fn write_sequence(out: &mut String, seq: &[Value], level: usize) {
    for (i, item) in seq.iter().enumerate() {
        if i > 0 {
            indent(out, level);
        }
        out.push('-');
        write_item(out, item, level);
    }
}

fn write_item(out: &mut String, item: &Value, level: usize) {
    match item {
        Value::Mapping(m) if !m.is_empty() => {
            out.push(' ');
            write_mapping(out, m, level + 2);
        }
        Value::Sequence(s) if !s.is_empty() => {
            out.push(' ');
            write_sequence(out, s, level + 2);
        }
        Value::Tagged(t) => write_item(out, &t.value, level),
        scalar => {
            out.push(' ');
            write_scalar(out, scalar, level + 2);
            out.push('\n');
        }
    }
}

fn write_key(out: &mut String, key: &Value) {
    match key {
        Value::String(s) => write_flow_string(out, s),
        Value::Mapping(_) | Value::Sequence(_) | Value::Tagged(_) => {
            // Complex keys never occur in Kubernetes objects; write them as a quoted string.
            let text = serde_json::to_string(key).unwrap_or_default();
            write_double_quoted(out, &text);
        }
        scalar => write_scalar(out, scalar, 0),
    }
}

/// Writes a scalar (or an empty collection) at the current position. `block_indent` is the
/// indentation for the lines of a literal block.
fn write_scalar(out: &mut String, value: &Value, block_indent: usize) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => {
            if literal_block_suits(s) {
                write_literal_block(out, s, block_indent);
            } else {
                write_flow_string(out, s);
            }
        }
        Value::Sequence(_) => out.push_str("[]"),
        Value::Mapping(_) => out.push_str("{}"),
        Value::Tagged(t) => write_scalar(out, &t.value, block_indent),
    }
}

fn write_number(out: &mut String, n: &serde_yaml::Number) {
    if let Some(f) = n.as_f64().filter(|_| n.is_f64()) {
        if f.is_nan() {
            out.push_str(".nan");
        } else if f.is_infinite() {
            out.push_str(if f > 0.0 { ".inf" } else { "-.inf" });
        } else {
            let _ = write!(out, "{n}");
        }
    } else {
        let _ = write!(out, "{n}");
    }
}

fn write_flow_string(out: &mut String, s: &str) {
    if plain_is_safe(s) {
        out.push_str(s);
    } else {
        write_double_quoted(out, s);
    }
}

fn write_double_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c if (c as u32) < 0x20 || ('\u{7f}'..='\u{9f}').contains(&c) => {
                // C0 and C1 controls: libyaml reads none of them raw (the fuzzer found U+0087).
                let _ = write!(out, "\\x{:02X}", c as u32);
            }
            '\u{feff}' | '\u{2028}' | '\u{2029}' | '\u{fffe}' | '\u{ffff}' => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Multi-line text reads best as a literal block, when every character can stand in one.
fn literal_block_suits(s: &str) -> bool {
    s.contains('\n')
        && !s.chars().any(|c| {
            (c.is_control() && c != '\n' && c != '\t')
                || matches!(
                    c,
                    '\u{feff}' | '\u{2028}' | '\u{2029}' | '\u{fffe}' | '\u{ffff}'
                )
        })
        && !s.lines().any(|line| {
            // libyaml refuses a tab where a block's indentation is being detected.
            line.ends_with(' ') || line.ends_with('\t') || line.starts_with('\t')
        })
}

fn write_literal_block(out: &mut String, s: &str, block_indent: usize) {
    out.push('|');
    if s.starts_with(' ') || s.starts_with('\n') {
        let _ = write!(out, "{}", 2);
    }
    let trailing = s.len() - s.trim_end_matches('\n').len();
    match trailing {
        0 => out.push('-'),
        1 => {}
        _ => out.push('+'),
    }
    let body = s.strip_suffix('\n').unwrap_or(s);
    for line in body.split('\n') {
        out.push('\n');
        if !line.is_empty() {
            indent(out, block_indent);
            out.push_str(line);
        }
    }
}

/// Whether `s` can be written without quotes and read back as the same string.
fn plain_is_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    // `--- x` at the start of a line would open a document (the fuzzer found `--- -`).
    if s.starts_with(' ') || s.ends_with(' ') || s.starts_with("---") || s.starts_with("...") {
        return false;
    }
    if s.chars().any(|c| {
        c.is_control()
            || matches!(
                c,
                '\u{feff}' | '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{fffe}' | '\u{ffff}'
            )
    }) {
        return false;
    }
    let second = s[first.len_utf8()..].chars().next();
    match first {
        '!' | '&' | '*' | '{' | '}' | '[' | ']' | '|' | '>' | '\'' | '"' | '%' | '@' | '`'
        | '#' | ',' => return false,
        '-' | '?' | ':' if second.is_none_or(|c| c == ' ') => return false,
        _ => {}
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return false;
    }
    // Flow indicators are fine in block context, except where a reader might see a flow start.
    !resolves_to_non_string(s)
}

/// Whether a plain scalar `s` would be read as null, a boolean or a number (YAML 1.1 or 1.2,
/// so that every Kubernetes tool reads it back as a string).
fn resolves_to_non_string(s: &str) -> bool {
    const WORDS: &[&str] = &[
        "~", "null", "true", "false", "yes", "no", "on", "off", "y", "n", ".inf", "-.inf", "+.inf",
        ".nan",
    ];
    let lower = s.to_ascii_lowercase();
    if WORDS.contains(&lower.as_str()) {
        return true;
    }
    looks_numeric(s)
}

fn looks_numeric(s: &str) -> bool {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    if body.is_empty() {
        return false;
    }
    if let Some(hex) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        return !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit() || c == '_');
    }
    if let Some(oct) = body.strip_prefix("0o") {
        return !oct.is_empty() && oct.chars().all(|c| c.is_digit(8));
    }
    if let Some(bin) = body.strip_prefix("0b") {
        return !bin.is_empty() && bin.chars().all(|c| c == '0' || c == '1' || c == '_');
    }
    // Decimal ints and floats, YAML 1.1 underscores and sexagesimal (`1:30`) included.
    let mut digits = 0;
    let mut seen_e = false;
    let mut prev = ' ';
    for c in body.chars() {
        match c {
            '0'..='9' => digits += 1,
            '_' | ':' | '.' => {}
            'e' | 'E' if digits > 0 && !seen_e => seen_e = true,
            '-' | '+' if matches!(prev, 'e' | 'E') => {}
            _ => return false,
        }
        prev = c;
    }
    digits > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(text: &str) -> String {
        let value: Value = serde_yaml::from_str(text).unwrap();
        let out = to_string(&value);
        let again: Value = serde_yaml::from_str(&out).unwrap();
        assert_eq!(value, again, "re-reading changed the value:\n{out}");
        out
    }

    #[test]
    fn writes_block_style_with_kustomize_sequence_indentation() {
        let out = round_trip(
            r#"{"apiVersion": "apps/v1", "spec": {"containers": [{"name": "a", "args": ["x", "y"]}], "empty": {}, "none": []}}"#,
        );
        assert_eq!(
            out,
            "apiVersion: apps/v1\nspec:\n  containers:\n  - name: a\n    args:\n    - x\n    - \"y\"\n  empty: {}\n  none: []\n"
        );
    }

    #[test]
    fn quotes_strings_that_would_read_back_as_other_types() {
        let out = round_trip(
            r##"{"a": "1", "b": "true", "c": "yes", "d": "", "e": "1.5e3", "f": "0x1F", "g": "~", "h": "null", "i": "12:30", "j": "-", "k": "- x", "l": "a: b", "m": "#x", "n": " pad", "o": "*ref", "p": "v1.2.3", "q": "-Xmx512m", "r": "1_000"}"##,
        );
        insta::assert_snapshot!(out);
    }

    #[test]
    fn control_characters_are_escaped() {
        let out = round_trip("a: \"x\\x87y\\x85z\\uFFFE\\x7F\"\n");
        assert_eq!(out, "a: \"x\\x87y\\x85z\\uFFFE\\x7F\"\n");
    }

    #[test]
    fn document_markers_are_quoted() {
        for text in ["\"--- -\"\n", "a: \"--- x\"\n", "- \"...\"\n"] {
            let out = round_trip(text);
            assert!(out.contains('"'), "{out}");
            let value: Value = serde_yaml::from_str(text).unwrap();
            let docs = crate::yaml::parse_documents(
                &to_stream([&value]),
                "t",
                crate::yaml::Limits::default(),
            )
            .unwrap();
            assert_eq!(docs, vec![value]);
        }
    }

    #[test]
    fn lines_starting_with_a_tab_are_quoted() {
        // The fuzzer found a literal block libyaml could not read back.
        let out = round_trip("a: \"\\tx\\ny\"\nb: \"x\\n\\ty\"\n");
        assert_eq!(out, "a: \"\\tx\\ny\"\nb: \"x\\n\\ty\"\n");
    }

    #[test]
    fn writes_multi_line_strings_as_literal_blocks() {
        let out = round_trip(
            "a: \"line1\\nline2\\n\"\nb: \"no newline\\nat end\"\nc: \"two\\n\\n\"\nd: \" indented\\nx\\n\"\ne: \"trailing \\nspace\"\n",
        );
        insta::assert_snapshot!(out);
    }

    #[test]
    fn escapes_control_characters() {
        let out = round_trip("a: \"tab\\there\"\nb: \"bell\\u0007\"\n");
        assert_eq!(out, "a: \"tab\\there\"\nb: \"bell\\x07\"\n");
    }

    #[test]
    fn sequences_of_sequences_and_scalars() {
        let out = round_trip("- [1, 2]\n- a\n- {k: v, l: [x]}\n");
        assert_eq!(out, "- - 1\n  - 2\n- a\n- k: v\n  l:\n  - x\n");
    }

    #[test]
    fn a_document_that_is_a_multi_line_string_reads_back() {
        let value = Value::String("first\n  second\nthird".into());
        let text = to_stream([&value]);
        let back =
            crate::yaml::parse_documents(&text, "t", crate::yaml::Limits::default()).unwrap();
        assert_eq!(back, vec![value]);
    }

    #[test]
    fn a_key_longer_than_yaml_reads_implicitly_is_written_explicitly() {
        for value in ["v", "\"a\\nb\"", "[1, 2]", "{c: d}"] {
            let text = format!("? {}\n: {value}\n", "k".repeat(1500));
            let doc = &crate::yaml::parse_documents(&text, "t", crate::yaml::Limits::default())
                .unwrap()[0];
            let written = to_stream([doc]);
            let back = crate::yaml::parse_documents(&written, "t", crate::yaml::Limits::default())
                .unwrap();
            assert_eq!(&back[0], doc, "{written}");
        }
    }

    #[test]
    fn unicode_line_separators_are_escaped() {
        for s in ["urc\u{2028}'", "a\u{2029}b", "x\n\u{2028}y\n"] {
            let mut map = serde_yaml::Mapping::new();
            map.insert(Value::String(s.into()), Value::String(s.into()));
            let value = Value::Mapping(map);
            let text = to_stream([&value]);
            let back =
                crate::yaml::parse_documents(&text, "t", crate::yaml::Limits::default()).unwrap();
            assert_eq!(back[0], value, "{text}");
        }
    }

    #[test]
    fn stream_separates_documents() {
        let a: Value = serde_yaml::from_str("a: 1").unwrap();
        let b: Value = serde_yaml::from_str("b: 2").unwrap();
        assert_eq!(to_stream([&a, &b]), "a: 1\n---\nb: 2\n");
    }
}
