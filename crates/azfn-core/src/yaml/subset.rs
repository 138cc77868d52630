//! A reader for the YAML manifests are written in: block mappings and sequences, plain, quoted
//! and literal scalars on their own lines, one-line flow collections, comments and `---`.
//! serde_yaml spent about 150 instructions per byte on those (a third of a 1,000-resource
//! build); this reads them at a fraction of that.
//!
//! It answers `None` for anything outside that subset or that it cannot be sure libyaml reads
//! the same way (anchors, aliases, tags, folded and indented block scalars, multi-line plain or
//! quoted scalars, tabs, carriage returns, control characters, repeated keys, every syntax
//! error), and the caller parses the text with serde_yaml instead. So what it returns is what
//! serde_yaml returns; tests and a fuzz target compare the two.
use serde_yaml::{Mapping, Value};

/// Deeper than this, serde_yaml's own recursion limit (128) could answer differently.
const MAX_DEPTH: usize = 100;
/// libyaml refuses simple keys longer than 1,024 characters.
const MAX_KEY: usize = 1000;

/// What a repeated key in one mapping means.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Repeated {
    /// serde_yaml's error: the caller's parser reports it.
    Refuse,
    /// The last one wins, in the first one's place (how kustomize reads kustomization files).
    LastWins,
}

/// The non-null documents of `text`, as serde_yaml reads them; `None` outside the subset.
pub(crate) fn parse(text: &str, repeated: Repeated) -> Option<Vec<Value>> {
    if !plain_characters(text) {
        return None;
    }
    let mut lines: Vec<Line<'_>> = Vec::new();
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', text.as_bytes()).chain([text.len()]) {
        let raw = &text[start..end];
        let indent = raw.bytes().take_while(|&b| b == b' ').count();
        lines.push(Line {
            indent,
            text: &raw[indent..],
            has_break: true,
        });
        start = end + 1;
    }
    if let Some(last) = lines.last_mut() {
        last.has_break = false;
    }
    let mut reader = Reader {
        lines,
        pos: 0,
        depth: 0,
        repeated,
        entries: Vec::new(),
        items: Vec::new(),
    };
    let mut docs = Vec::new();
    loop {
        reader.skip_blank();
        let Some(line) = reader.current() else { break };
        if line.indent == 0 && line.text == "---" {
            reader.pos += 1;
            continue;
        }
        if line.indent == 0 && is_marker(line.text) {
            return None;
        }
        docs.push(reader.node()?);
        reader.skip_blank();
        if let Some(next) = reader.current()
            && !(next.indent == 0 && next.text == "---")
        {
            return None;
        }
    }
    Some(docs)
}

/// Printable characters only, and no tab, carriage return or byte-order mark: libyaml's
/// rules for those differ in corners this reader does not follow.
fn plain_characters(text: &str) -> bool {
    // Whole chunks, without stopping at the first miss, so that the compiler tests 16 or 32
    // bytes per instruction (a byte at a time, this was 3% of reading a ResourceList).
    let printable = |b: u8| b.wrapping_sub(0x20) < 0x5F || b == b'\n';
    if text
        .as_bytes()
        .chunks(64)
        .all(|chunk| chunk.iter().fold(true, |all, &b| all & printable(b)))
    {
        return true;
    }
    text.chars().all(|c| {
        let u = u32::from(c);
        (0x20..0x7F).contains(&u)
            || c == '\n'
            || (u >= 0xA0 && !matches!(u, 0x2028 | 0x2029 | 0xFEFF | 0xFFFE | 0xFFFF))
    })
}

#[derive(Clone, Copy)]
struct Line<'a> {
    /// Leading spaces.
    indent: usize,
    /// The rest of the line, as written.
    text: &'a str,
    /// Whether a line break ends it (all but the last line).
    has_break: bool,
}

/// `---` or `...` followed by a space or nothing, at the start of a line.
fn is_marker(text: &str) -> bool {
    (text.starts_with("---") || text.starts_with("..."))
        && text.as_bytes().get(3).is_none_or(|&b| b == b' ')
}

fn is_entry(text: &str) -> bool {
    text == "-" || text.starts_with("- ")
}

struct Reader<'a> {
    lines: Vec<Line<'a>>,
    pos: usize,
    depth: usize,
    repeated: Repeated,
    /// The entries of the mappings being read, innermost last: a mapping is made once its
    /// size is known, so it is allocated once instead of growing (and rehashing) as it fills.
    entries: Vec<(Value, Value)>,
    /// The same for the items of sequences.
    items: Vec<Value>,
}

impl<'a> Reader<'a> {
    fn current(&self) -> Option<Line<'a>> {
        self.lines.get(self.pos).copied()
    }

    /// Past empty lines and comment lines.
    fn skip_blank(&mut self) {
        while let Some(line) = self.lines.get(self.pos) {
            if !(line.text.is_empty() || line.text.starts_with('#')) {
                break;
            }
            self.pos += 1;
        }
    }

    /// The block node starting at the current (non-blank) line.
    fn node(&mut self) -> Option<Value> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return None;
        }
        let line = self.current()?;
        let value = if is_entry(line.text) {
            self.sequence(line.indent)
        } else {
            self.mapping(line.indent)
        };
        self.depth -= 1;
        value
    }

    /// Whether the current line ends the block at `indent` (a less indented line, the end, or
    /// a document marker); `None` when it is more indented, which the subset does not allow.
    fn ends_block(&mut self, indent: usize) -> Option<bool> {
        self.skip_blank();
        let Some(line) = self.current() else {
            return Some(true);
        };
        if line.indent < indent || (line.indent == 0 && is_marker(line.text)) {
            return Some(true);
        }
        if line.indent > indent {
            return None;
        }
        Some(false)
    }

    fn mapping(&mut self, indent: usize) -> Option<Value> {
        let first = self.entries.len();
        while !self.ends_block(indent)? {
            let line = self.current()?;
            if is_entry(line.text) {
                break;
            }
            let (key, rest) = key(line.text)?;
            let value = self.value_after_key(rest, indent)?;
            self.entries.push((key, value));
        }
        let mut map = Mapping::with_capacity(self.entries.len() - first);
        for (key, value) in self.entries.drain(first..) {
            // A repeated key keeps its first place and takes the last value: `LastWins`.
            if map.insert(key, value).is_some() && self.repeated == Repeated::Refuse {
                return None;
            }
        }
        Some(Value::Mapping(map))
    }

    fn sequence(&mut self, indent: usize) -> Option<Value> {
        let first = self.items.len();
        while !self.ends_block(indent)? {
            let line = self.current()?;
            if !is_entry(line.text) {
                break;
            }
            let after_dash = &line.text[1..];
            let rest = after_dash.trim_start_matches(' ');
            let item = if rest.is_empty() || rest.starts_with('#') {
                self.pos += 1;
                self.nested_or_null(indent, false)?
            } else if is_entry(rest) {
                return None;
            } else if key(rest).is_some() {
                // `- key: value`: a mapping whose keys line up with this first one.
                let column = line.indent + 1 + (after_dash.len() - rest.len());
                self.lines[self.pos] = Line {
                    indent: column,
                    text: rest,
                    has_break: line.has_break,
                };
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return None;
                }
                let map = self.mapping(column)?;
                self.depth -= 1;
                map
            } else {
                self.inline(rest, indent)?
            };
            self.items.push(item);
        }
        Some(Value::Sequence(self.items.drain(first..).collect()))
    }

    /// The node on the lines after `key:` or `-` with nothing after it: more indented, a
    /// sequence at the key's own indent (`compact`), or null.
    fn nested_or_null(&mut self, indent: usize, compact: bool) -> Option<Value> {
        self.skip_blank();
        match self.current() {
            Some(next) if next.indent > indent => self.node(),
            Some(next) if compact && next.indent == indent && is_entry(next.text) => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return None;
                }
                let seq = self.sequence(indent);
                self.depth -= 1;
                seq
            }
            _ => Some(Value::Null),
        }
    }

    fn value_after_key(&mut self, rest: &'a str, indent: usize) -> Option<Value> {
        let value = rest.trim_start_matches(' ');
        if value.is_empty() || (value.starts_with('#') && value.len() < rest.len()) {
            self.pos += 1;
            return self.nested_or_null(indent, true);
        }
        if value.len() == rest.len() {
            return None;
        }
        self.inline(value, indent)
    }

    /// A value that starts on the current line after `key: ` or `- `, in a block at `indent`.
    fn inline(&mut self, text: &'a str, indent: usize) -> Option<Value> {
        let value = match text.as_bytes()[0] {
            b'|' => return self.literal(text, indent),
            b'"' | b'\'' => {
                let (s, after) = quoted(text)?;
                comment_or_nothing(after)?;
                Value::String(s)
            }
            b'[' | b'{' => {
                let (v, after) = flow(text, self.depth + 1)?;
                comment_or_nothing(after)?;
                v
            }
            _ => resolve(plain_block(text)?)?,
        };
        self.pos += 1;
        // A more indented line next would continue a plain scalar or be an error.
        self.skip_blank();
        if self.current().is_some_and(|next| next.indent > indent) {
            return None;
        }
        Some(value)
    }

    /// A literal block scalar (`|`, `|-`, `|+`) whose header is `header`, in a block at
    /// `indent`.
    fn literal(&mut self, header: &str, indent: usize) -> Option<Value> {
        let (chomp, after) = match header.as_bytes().get(1) {
            Some(b'-') => (Chomp::Strip, &header[2..]),
            Some(b'+') => (Chomp::Keep, &header[2..]),
            _ => (Chomp::Clip, &header[1..]),
        };
        let after_spaces = after.trim_start_matches(' ');
        if !(after_spaces.is_empty()
            || (after_spaces.starts_with('#') && after_spaces.len() < after.len()))
        {
            return None;
        }
        self.pos += 1;
        let start = self.pos;
        let mut first = start;
        while self.lines.get(first).is_some_and(|l| l.text.is_empty()) {
            first += 1;
        }
        let content_indent = match self.lines.get(first) {
            Some(l) if l.indent > indent && first == start => l.indent,
            Some(l) if l.indent > indent => {
                // Leading empty lines: libyaml's rules for their spaces are subtle.
                let widest = self.lines[start..first].iter().map(|l| l.indent).max();
                if widest.is_some_and(|w| w > l.indent) {
                    return None;
                }
                l.indent
            }
            _ if first == start => return Some(Value::String(String::new())),
            _ => return None,
        };
        let mut text = String::new();
        // Length of `text` up to the end of the last non-empty line, and the breaks after it.
        let mut content_end = 0;
        let mut last_break = false;
        let mut trailing_breaks = 0usize;
        let mut pos = start;
        while let Some(line) = self.lines.get(pos) {
            if line.text.is_empty() {
                if line.indent > content_indent {
                    return None;
                }
                if line.has_break {
                    trailing_breaks += 1;
                }
            } else if line.indent >= content_indent {
                for _ in 0..trailing_breaks {
                    text.push('\n');
                }
                for _ in content_indent..line.indent {
                    text.push(' ');
                }
                text.push_str(line.text);
                content_end = text.len();
                last_break = line.has_break;
                if line.has_break {
                    text.push('\n');
                }
                trailing_breaks = 0;
            } else {
                break;
            }
            pos += 1;
        }
        text.truncate(content_end);
        match chomp {
            Chomp::Strip => {}
            Chomp::Clip => {
                if last_break {
                    text.push('\n');
                }
            }
            Chomp::Keep => {
                if last_break {
                    text.push('\n');
                }
                for _ in 0..trailing_breaks {
                    text.push('\n');
                }
            }
        }
        self.pos = pos;
        self.skip_blank();
        if self.current().is_some_and(|next| next.indent > indent) {
            return None;
        }
        Some(Value::String(text))
    }
}

#[derive(Clone, Copy)]
enum Chomp {
    Strip,
    Clip,
    Keep,
}

/// After a quoted or flow value: nothing, or spaces and a comment.
fn comment_or_nothing(after: &str) -> Option<()> {
    let rest = after.trim_start_matches(' ');
    (rest.is_empty() || (rest.starts_with('#') && rest.len() < after.len())).then_some(())
}

/// Characters that cannot start a plain scalar here (YAML's indicators, and the ones this
/// reader leaves to serde_yaml).
fn starts_plain(text: &str) -> bool {
    let bytes = text.as_bytes();
    match bytes.first() {
        Some(b'-') => bytes.get(1).is_some_and(|&b| b != b' '),
        None
        | Some(
            b'&' | b'*' | b'!' | b'|' | b'>' | b'%' | b'@' | b'`' | b',' | b'[' | b']' | b'{'
            | b'}' | b'#' | b'?' | b':' | b'\'' | b'"',
        ) => false,
        Some(_) => true,
    }
}

/// The key of a `key: value` line and what follows its colon; `None` when the line is not
/// one (or is one the subset leaves to serde_yaml).
fn key(text: &str) -> Option<(Value, &str)> {
    let (key, after) = if let Some((s, after)) = quoted(text) {
        (Value::String(s), after)
    } else {
        // An unterminated quote ends here too: a quote cannot start a plain scalar.
        if !starts_plain(text) {
            return None;
        }
        let Some(Mark::Colon(colon)) = first_mark(text) else {
            return None;
        };
        let plain = &text[..colon];
        if plain.ends_with(' ') || plain.len() > MAX_KEY {
            return None;
        }
        (resolve(plain)?, &text[colon..])
    };
    let rest = after.strip_prefix(':')?;
    if !(rest.is_empty() || rest.starts_with(' ')) {
        return None;
    }
    Some((key, rest))
}

/// What ends a plain scalar on its line.
enum Mark {
    /// A `:` followed by a space or the end of the line, at this byte.
    Colon(usize),
    /// A ` #` comment whose space is at this byte.
    Comment(usize),
}

/// The first [`Mark`] in `text`, which starts a plain scalar (so not with `#`).
fn first_mark(text: &str) -> Option<Mark> {
    let bytes = text.as_bytes();
    let mut from = 0;
    loop {
        let i = from + memchr::memchr2(b':', b'#', &bytes[from..])?;
        if bytes[i] == b'#' {
            // Past the first byte: `#` cannot start a plain scalar.
            if bytes[i - 1] == b' ' {
                return Some(Mark::Comment(i - 1));
            }
        } else if bytes.get(i + 1).is_none_or(|&n| n == b' ') {
            return Some(Mark::Colon(i));
        }
        from = i + 1;
    }
}

/// A plain scalar in block context: up to a comment, without trailing spaces.
fn plain_block(text: &str) -> Option<&str> {
    if !starts_plain(text) {
        return None;
    }
    // Up to a ` #` comment; a `: ` before it would make the line a mapping.
    let end = match first_mark(text) {
        Some(Mark::Colon(_)) => return None,
        Some(Mark::Comment(at)) => at,
        None => text.len(),
    };
    let plain = text[..end].trim_end_matches(' ');
    if plain.ends_with(':') || plain.starts_with("---") || plain.starts_with("...") {
        return None;
    }
    Some(plain)
}

/// A double- or single-quoted scalar at the start of `text` that ends on its line, and the
/// text after it; `None` for anything else.
fn quoted(text: &str) -> Option<(String, &str)> {
    match text.as_bytes().first()? {
        b'"' => double_quoted(text),
        b'\'' => single_quoted(text),
        _ => None,
    }
}

/// A double-quoted scalar that ends on its line, and the text after it.
fn double_quoted(text: &str) -> Option<(String, &str)> {
    let mut out = String::new();
    let mut chars = text[1..].char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, &text[1 + i + 1..])),
            '\\' => {
                let (_, e) = chars.next()?;
                let simple = match e {
                    '0' => Some('\0'),
                    'a' => Some('\u{7}'),
                    'b' => Some('\u{8}'),
                    't' => Some('\t'),
                    'n' => Some('\n'),
                    'v' => Some('\u{b}'),
                    'f' => Some('\u{c}'),
                    'r' => Some('\r'),
                    'e' => Some('\u{1b}'),
                    ' ' => Some(' '),
                    '"' => Some('"'),
                    '/' => Some('/'),
                    '\\' => Some('\\'),
                    'N' => Some('\u{85}'),
                    '_' => Some('\u{a0}'),
                    'L' => Some('\u{2028}'),
                    'P' => Some('\u{2029}'),
                    _ => None,
                };
                if let Some(c) = simple {
                    out.push(c);
                    continue;
                }
                let digits = match e {
                    'x' => 2,
                    'u' => 4,
                    'U' => 8,
                    _ => return None,
                };
                let mut code = 0u32;
                for _ in 0..digits {
                    let (_, d) = chars.next()?;
                    code = code * 16 + d.to_digit(16)?;
                }
                out.push(char::from_u32(code)?);
            }
            c => out.push(c),
        }
    }
    None
}

/// A single-quoted scalar that ends on its line, and the text after it.
fn single_quoted(text: &str) -> Option<(String, &str)> {
    let mut out = String::new();
    let bytes = text.as_bytes();
    let mut i = 1;
    let mut start = 1;
    while i < bytes.len() {
        if bytes[i] == b'\'' {
            out.push_str(&text[start..i]);
            if bytes.get(i + 1) == Some(&b'\'') {
                out.push('\'');
                i += 2;
                start = i;
                continue;
            }
            return Some((out, &text[i + 1..]));
        }
        i += 1;
    }
    None
}

/// A flow collection that closes on its line, and the text after it.
fn flow(text: &str, depth: usize) -> Option<(Value, &str)> {
    if depth > MAX_DEPTH {
        return None;
    }
    let close = if text.starts_with('[') { b']' } else { b'}' };
    let mut rest = text[1..].trim_start_matches(' ');
    if rest.as_bytes().first() == Some(&close) {
        let empty = if close == b']' {
            Value::Sequence(Vec::new())
        } else {
            Value::Mapping(Mapping::new())
        };
        return Some((empty, &rest[1..]));
    }
    let mut items = Vec::new();
    let mut map = Mapping::new();
    loop {
        if close == b'}' {
            let (key, after) = flow_item(rest, depth)?;
            if matches!(key, Value::Mapping(_) | Value::Sequence(_)) {
                return None;
            }
            let after = after.strip_prefix(": ")?.trim_start_matches(' ');
            let (value, after) = flow_item(after, depth)?;
            if map.contains_key(&key) {
                return None;
            }
            map.insert(key, value);
            rest = after;
        } else {
            let (item, after) = flow_item(rest, depth)?;
            items.push(item);
            rest = after;
        }
        rest = rest.trim_start_matches(' ');
        match rest.as_bytes().first()? {
            b',' => {
                rest = rest[1..].trim_start_matches(' ');
                // A trailing comma, or another comma: left to serde_yaml.
                if matches!(rest.as_bytes().first(), None | Some(b',' | b']' | b'}')) {
                    return None;
                }
            }
            &b if b == close => {
                let value = if close == b']' {
                    Value::Sequence(items)
                } else {
                    Value::Mapping(map)
                };
                return Some((value, &rest[1..]));
            }
            _ => return None,
        }
    }
}

/// One item of a flow collection, and the text after it (spaces skipped).
fn flow_item(text: &str, depth: usize) -> Option<(Value, &str)> {
    let (value, after) = match text.as_bytes().first()? {
        b'[' | b'{' => flow(text, depth + 1)?,
        b'"' | b'\'' => {
            let (s, after) = quoted(text)?;
            (Value::String(s), after)
        }
        _ => {
            if !starts_plain(text) {
                return None;
            }
            let bytes = text.as_bytes();
            let mut end = bytes.len();
            for (i, &b) in bytes.iter().enumerate() {
                let stops = match b {
                    b',' | b'[' | b']' | b'{' | b'}' => true,
                    b':' => bytes
                        .get(i + 1)
                        .is_none_or(|&n| matches!(n, b' ' | b',' | b']' | b'}')),
                    b'#' => bytes[i - 1] == b' ',
                    _ => false,
                };
                if stops {
                    end = i;
                    break;
                }
            }
            let plain = text[..end].trim_end_matches(' ');
            (resolve(plain)?, &text[end..])
        }
    };
    Some((value, after.trim_start_matches(' ')))
}

/// A plain scalar's value, by serde_yaml's rules: null, booleans and numbers by their YAML 1.2
/// spellings, every other text a string. Text that might be a number in a form this does not
/// decide (signs, radixes, floats, huge integers) is handed to serde_yaml alone.
fn resolve(plain: &str) -> Option<Value> {
    match plain {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Value::Null),
        "true" | "True" | "TRUE" => return Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Value::Bool(false)),
        _ => {}
    }
    let bytes = plain.as_bytes();
    if !matches!(bytes[0], b'0'..=b'9' | b'+' | b'-' | b'.') {
        return Some(Value::String(plain.to_owned()));
    }
    if bytes.iter().all(u8::is_ascii_digit) {
        if bytes.len() > 1 && bytes[0] == b'0' {
            // Leading zeros: a string in YAML 1.2.
            return Some(Value::String(plain.to_owned()));
        }
        if let Ok(n) = plain.parse::<u64>() {
            return Some(Value::Number(n.into()));
        }
    }
    // Only these characters occur in the integers (with 0x, 0o, 0b), floats, .inf and .nan
    // serde_yaml reads.
    let numeric = |b: &u8| {
        matches!(
            b,
            b'0'..=b'9'
                | b'a'..=b'f'
                | b'A'..=b'F'
                | b'+'
                | b'-'
                | b'.'
                | b'x'
                | b'X'
                | b'o'
                | b'O'
                | b'i'
                | b'I'
                | b'n'
                | b'N'
        )
    };
    if !bytes.iter().all(numeric) {
        return Some(Value::String(plain.to_owned()));
    }
    // On its own, `---` or `...` is a document marker to serde_yaml, not this scalar.
    if plain.starts_with("---") || plain.starts_with("...") {
        return None;
    }
    match serde_yaml::from_str::<Value>(plain).ok()? {
        v @ (Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_)) => Some(v),
        Value::Sequence(_) | Value::Mapping(_) | Value::Tagged(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::Repeated;

    /// What serde_yaml alone reads, non-null documents only.
    fn serde_yaml(text: &str, repeated: Repeated) -> Option<Vec<serde_yaml::Value>> {
        crate::yaml::both_readers(text, repeated == Repeated::LastWins).1
    }

    fn agrees(text: &str) -> bool {
        for repeated in [Repeated::Refuse, Repeated::LastWins] {
            if let Some(ours) = super::parse(text, repeated) {
                assert_eq!(
                    Some(ours),
                    serde_yaml(text, repeated),
                    "the subset reader differs from serde_yaml on {text:?}"
                );
            }
        }
        super::parse(text, Repeated::Refuse).is_some()
    }

    #[test]
    fn manifests_are_read_as_serde_yaml_reads_them() {
        let read = [
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\n  labels:\n    app: a\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n      - name: c\n        image: r/a:1.2\n        args: [\"--x\", '--y', z]\n        env:\n        - name: A\n          value: \"1\"\n        resources: {limits: {cpu: 250m}, requests: {}}\n",
            "a: 1\n---\n---\nb: [1, 2]\n",
            "# leading comment\n---\na: b # trailing\n# between\nc:   d   \n",
            "a:\n- 1\n- -2\n- 0x1F\n- 0o17\n- 0b101\n- 1.5\n- -1.5e3\n- .inf\n- -.Inf\n- .nan\n- 007\n- +12\n- 1_000\n- 1.2.3\n- 250m\n- ~\n- null\n- Null\n- true\n- False\n- yes\n- off\n- ''\n- \"\"\n",
            "data:\n  script: |\n    #!/bin/sh\n    echo \"a: b\" # not a comment\n\n      indented\n  keep: |+\n    x\n\n  strip: |-\n    y\n\n  clip: |\n    z\n\n\nnext: 1\n",
            "a: |\n  x",
            "a: |+\n  x\n",
            "a: |\nb: 1\n",
            "- a: 1\n  b: 2\n-   c: 3\n    d:\n    - e\n    - f\n-\n  g: 4\n",
            "k: \"esc \\t \\\" \\\\ \\/ \\u00e9 \\x41 \\U0001F600 \\N \\_\"\nq: 'it''s'\n",
            "80: http\ntrue: t\n~: n\n1.5: f\n\"quoted key\": v\n'single': w\n",
            "url: http://x:8080/a#b\nimage: repo:tag\nweird: a#b\ncolon:x: y\n",
            "a:\n  b:\n    c:\n      d: [[1, [2]], {e: [f]}, {}, []]\n",
            "root:\n  - x\nnext: y\n",
            "  indented: root\n  second: 2\n",
            "é: ü\nemoji: \"😀\"\n",
            "a: x\n  # deeper comment\nb: y\n",
            "a:\n\n  b: 1\n",
            "a: 'x' # c\nb: \"y\"   # c\nc: [1] # c\n",
            "flow: {a : 1, \"b\": 2, 'c': [x, y]}\n",
            "a: -x\nb: .5\nc: +.inf\nd: -0\ne: 0\n",
        ];
        for text in read {
            assert!(agrees(text), "left to serde_yaml: {text:?}");
        }
    }

    #[test]
    fn what_it_is_not_sure_of_is_left_to_serde_yaml() {
        let left = [
            "a: &x 1\nb: *x\n",
            "a: !t 1\n",
            "a: >\n  folded\n",
            "a: |2\n   x\n",
            "a: plain\n  continued\n",
            "a: \"quoted\n  continued\"\n",
            "a:\tb\n",
            "a: b\r\n",
            "a: 1\na: 2\n",
            "? complex\n: key\n",
            "a: [1,\n  2]\n",
            "{\"json\": true}\n",
            "a: b: c\n",
            "- - nested\n",
            "%YAML 1.2\n---\na: 1\n",
            "a: 1\n...\n",
            "--- a: 1\n",
            "just a scalar\n",
            "a: [1, 2,]\n",
            "a: {b}\n",
            "a:\n  b: 1\n c: 2\n",
            "a: 1\n- b\n",
            "a: 'unterminated\n",
            "a: \"\\q\"\n",
            "a: \u{85}\n",
            "a: [x: y]\n",
            "<<: *base\n",
            "a: @x\n",
            "a: `x\n",
            "'a' : b\n",
            "a:\n  |\n",
            "a: -\n",
            // Found by the fuzzer: a key or flow item that serde_yaml would read as a marker.
            "---:\n",
            "...: a\n",
            "a: [---]\n",
            "a: {b: ...}\n",
        ];
        for text in left {
            assert!(!agrees(text), "read by the subset: {text:?}");
        }
    }

    #[test]
    fn a_repeated_key_is_refused_or_the_last_one_wins() {
        let text = "a: 1\nb: 2\na: 3\n";
        assert_eq!(super::parse(text, Repeated::Refuse), None);
        let lenient = super::parse(text, Repeated::LastWins).expect("read");
        assert_eq!(Some(lenient), serde_yaml(text, Repeated::LastWins));
    }

    #[test]
    fn deep_nesting_is_left_to_serde_yaml() {
        let mut text = String::new();
        for depth in 0..150 {
            text.push_str(&" ".repeat(depth));
            text.push_str("a:\n");
        }
        assert_eq!(super::parse(&text, Repeated::Refuse), None);
        let flow = format!("a: {}{}\n", "[".repeat(150), "]".repeat(150));
        assert_eq!(super::parse(&flow, Repeated::Refuse), None);
        let entries = format!("{}x\n", "- ".repeat(150));
        assert_eq!(super::parse(&entries, Repeated::Refuse), None);
    }
}
