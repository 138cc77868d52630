//! Writes a resource exactly as `kustomize build` prints it.
//!
//! kustomize turns every resource into JSON and back into YAML (sigs.k8s.io/yaml over go-yaml
//! v2), so its output has sorted keys, numbers as JSON left them, and go-yaml v2's scalar
//! styles: plain where a YAML 1.1 reader would read the same string back, double quotes where
//! it would not, single quotes where only an indicator character is in the way, literal blocks
//! for multi-line text, and long lines folded after column 80. This module reproduces those
//! rules from their observable behaviour; `tests/` checks it byte for byte against
//! `kubectl kustomize`.
use std::cmp::Ordering;

use serde_yaml::Value;

/// go-yaml's preferred line width: plain and quoted scalars fold at a space past it.
const BEST_WIDTH: usize = 80;
/// Longest key written as `key: value` rather than a complex `? key` entry.
const MAX_SIMPLE_KEY: usize = 128;

/// One resource as kustomize prints it, ending in a newline.
pub fn to_kustomize_yaml(value: &Value) -> String {
    let mut w = Writer::default();
    w.document(value);
    w.out
}

/// Resources as `kustomize build` prints them, separated by `---`.
pub fn to_kustomize_stream<'a>(values: impl IntoIterator<Item = &'a Value>) -> String {
    let mut w = Writer::default();
    for (i, value) in values.into_iter().enumerate() {
        if i > 0 {
            w.out.push_str("---\n");
        }
        w.document(value);
    }
    w.out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    Root,
    /// After `key:`.
    MapValue,
    /// After `- `.
    SeqItem,
}

#[derive(Default)]
struct Writer {
    out: String,
    /// Characters since the last line break.
    column: usize,
}

impl Writer {
    /// One resource, ending in a newline.
    fn document(&mut self, value: &Value) {
        self.column = 0;
        self.node(value, 0, Context::Root);
        if !self.out.ends_with('\n') {
            self.out.push('\n');
        }
    }

    fn push(&mut self, s: &str) {
        self.out.push_str(s);
        self.column += s.chars().count();
    }

    fn push_char(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn newline(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    fn indent_to(&mut self, indent: usize) {
        if self.column > 0 {
            self.newline();
        }
        self.out.extend(std::iter::repeat_n(' ', indent));
        self.column += indent;
    }

    /// Writes `value` whose first line starts at the current position; `indent` is the column
    /// of the enclosing block (the key of a mapping value, the dash of a sequence item).
    fn node(&mut self, value: &Value, indent: usize, context: Context) {
        match value {
            Value::Mapping(map) if !map.is_empty() => {
                let mut entries: Vec<(&Value, &Value)> = map.iter().collect();
                entries.sort_by(|a, b| compare_keys(a.0, b.0));
                let inner = match context {
                    Context::Root => 0,
                    Context::MapValue | Context::SeqItem => indent + 2,
                };
                for (i, (key, item)) in entries.into_iter().enumerate() {
                    if i > 0 || context == Context::MapValue {
                        self.indent_to(inner);
                    }
                    if let Some(style) = simple_key_style(key) {
                        self.key(key, style);
                        self.push_char(':');
                        self.value_after_key(item, inner);
                    } else {
                        // go-yaml v2 writes a long or multi-line key explicitly, and the value
                        // after `: ` as it writes a sequence item.
                        self.push("? ");
                        self.node(key, inner, Context::SeqItem);
                        self.indent_to(inner);
                        self.push(": ");
                        self.node(item, inner, Context::SeqItem);
                    }
                }
            }
            Value::Sequence(seq) if !seq.is_empty() => {
                // go-yaml v2 does not indent a sequence under a mapping key.
                let dash = match context {
                    Context::Root | Context::MapValue => indent,
                    Context::SeqItem => indent + 2,
                };
                for (i, item) in seq.iter().enumerate() {
                    if i > 0 || context == Context::MapValue {
                        self.indent_to(dash);
                    }
                    self.push("- ");
                    self.node(item, dash, Context::SeqItem);
                }
            }
            Value::Tagged(tagged) => self.node(&tagged.value, indent, context),
            scalar => {
                // A scalar is written one level in from its block.
                let scalar_indent = match context {
                    Context::Root => 0,
                    Context::MapValue | Context::SeqItem => indent + 2,
                };
                self.scalar(scalar, scalar_indent, true);
            }
        }
    }

    fn value_after_key(&mut self, value: &Value, indent: usize) {
        match value {
            Value::Mapping(m) if !m.is_empty() => self.node(value, indent, Context::MapValue),
            Value::Sequence(s) if !s.is_empty() => {
                self.node(value, indent, Context::MapValue);
            }
            _ => {
                self.push_char(' ');
                self.node(value, indent, Context::MapValue);
            }
        }
    }

    /// A simple key; `style` is [`simple_key_style`]'s answer for it.
    fn key(&mut self, key: &Value, style: Style) {
        match key {
            Value::String(s) => self.string(s, style, 0, false),
            // An integral float key keeps a fraction: written as an integer it could repeat an
            // integer key of the same mapping (`0` and `.0`), which would not read back.
            Value::Number(n) if n.is_f64() => {
                let text = number(n);
                self.push(&text);
                if text.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
                    self.push(".0");
                }
            }
            other => self.scalar(other, 0, false),
        }
    }

    fn scalar(&mut self, value: &Value, indent: usize, allow_breaks: bool) {
        match value {
            Value::Null => self.push("null"),
            Value::Bool(b) => self.push(if *b { "true" } else { "false" }),
            Value::Number(n) => {
                let text = number(n);
                self.push(&text);
            }
            Value::String(s) => {
                let style = choose_style(s, false);
                self.string(s, style, indent, allow_breaks);
            }
            Value::Mapping(_) => self.push("{}"),
            Value::Sequence(_) => self.push("[]"),
            Value::Tagged(t) => self.scalar(&t.value, indent, allow_breaks),
        }
    }

    fn string(&mut self, s: &str, style: Style, indent: usize, allow_breaks: bool) {
        match style {
            Style::Plain => self.plain(s, indent, allow_breaks),
            Style::Single => self.single_quoted(s, indent, allow_breaks),
            Style::Double => self.double_quoted(s, indent, allow_breaks),
            Style::Literal => self.literal(s, indent),
        }
    }

    fn plain(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        self.folded(s, indent, allow_breaks, false);
    }

    fn single_quoted(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        self.push_char('\'');
        self.folded(s, indent, allow_breaks, true);
        self.push_char('\'');
    }

    /// A plain or single-quoted scalar's text, folded as libyaml folds it: at a single space
    /// once past the best width. Quoted, a space at either end never breaks and `'` is doubled.
    fn folded(&mut self, s: &str, indent: usize, allow_breaks: bool, quoted: bool) {
        // Breaks come only at a space past the best width.
        let fits = !allow_breaks || !s.contains(' ') || self.column + s.len() <= BEST_WIDTH;
        if fits {
            if quoted && s.contains('\'') {
                self.push(&s.replace('\'', "''"));
            } else {
                self.push(s);
            }
            return;
        }
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                let inside = !quoted || (i > 0 && i + 1 < chars.len());
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && inside
                    && chars.get(i + 1) != Some(&' ')
                {
                    self.indent_to(indent);
                } else {
                    self.push_char(c);
                }
                spaces = true;
            } else {
                if quoted && c == '\'' {
                    self.push_char('\'');
                }
                self.push_char(c);
                spaces = false;
            }
        }
    }

    fn double_quoted(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        if !s.contains(' ')
            && s.bytes()
                .all(|b| (0x20..0x7F).contains(&b) && b != b'"' && b != b'\\')
        {
            // Nothing to escape and nowhere to break.
            self.push_char('"');
            self.push(s);
            self.push_char('"');
            return;
        }
        self.push_char('"');
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if !is_printable(c) || c == '\u{FEFF}' || is_break(c) || c == '"' || c == '\\' {
                self.push_char('\\');
                let escaped = match c {
                    '\0' => "0".to_owned(),
                    '\u{7}' => "a".to_owned(),
                    '\u{8}' => "b".to_owned(),
                    '\t' => "t".to_owned(),
                    '\n' => "n".to_owned(),
                    '\u{b}' => "v".to_owned(),
                    '\u{c}' => "f".to_owned(),
                    '\r' => "r".to_owned(),
                    '\u{1b}' => "e".to_owned(),
                    '"' => "\"".to_owned(),
                    '\\' => "\\".to_owned(),
                    '\u{85}' => "N".to_owned(),
                    '\u{a0}' => "_".to_owned(),
                    '\u{2028}' => "L".to_owned(),
                    '\u{2029}' => "P".to_owned(),
                    c if u32::from(c) <= 0xFF => format!("x{:02X}", u32::from(c)),
                    c if u32::from(c) <= 0xFFFF => format!("u{:04X}", u32::from(c)),
                    c => format!("U{:08X}", u32::from(c)),
                };
                self.push(&escaped);
                spaces = false;
            } else if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i > 0
                    && i + 1 < chars.len()
                {
                    self.indent_to(indent);
                    if chars.get(i + 1) == Some(&' ') {
                        self.push_char('\\');
                    }
                } else {
                    self.push_char(c);
                }
                spaces = true;
            } else {
                self.push_char(c);
                spaces = false;
            }
        }
        self.push_char('"');
    }

    fn literal(&mut self, s: &str, indent: usize) {
        self.push_char('|');
        let first = s.chars().next();
        if first.is_some_and(|c| c == ' ' || is_break(c)) {
            self.push("2");
        }
        let mut rev = s.chars().rev();
        let last = rev.next();
        let before_last = rev.next();
        match last {
            None => self.push_char('-'),
            Some(c) if !is_break(c) => self.push_char('-'),
            Some(_) if before_last.is_none_or(is_break) => self.push_char('+'),
            Some(_) => {}
        }
        // go-yaml ends the header line first, so a leading line break becomes an empty line.
        self.newline();
        let mut breaks = true;
        for c in s.chars() {
            if is_break(c) {
                self.newline();
                breaks = true;
            } else {
                if breaks {
                    for _ in 0..indent {
                        self.push_char(' ');
                    }
                }
                self.push_char(c);
                breaks = false;
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

/// The style go-yaml v2 writes a string in: the encoder asks for plain unless a YAML 1.1
/// reader would resolve it to another type, or literal for multi-line text; the emitter then
/// falls back to single and double quotes where the characters require.
/// go-yaml v2's `yaml_emitter_check_simple_key` for the keys objects have: a scalar of at most
/// 128 bytes on one line.
/// `None` for a key go-yaml writes as a complex key, else the style of a simple one.
fn simple_key_style(key: &Value) -> Option<Style> {
    match key {
        Value::String(s) => {
            let analysis = analyze(s);
            (s.len() <= 128 && !analysis.multiline).then(|| style_of(s, true, &analysis))
        }
        Value::Tagged(t) => simple_key_style(&t.value),
        _ => Some(Style::Plain),
    }
}

fn choose_style(s: &str, simple_key: bool) -> Style {
    style_of(s, simple_key, &analyze(s))
}

fn style_of(s: &str, simple_key: bool, analysis: &Analysis) -> Style {
    let requested = if s.contains('\n') {
        Style::Literal
    } else if resolves_to_string(s) && !is_base60_float(s) {
        Style::Plain
    } else {
        Style::Double
    };
    let mut style = requested;
    if simple_key && analysis.multiline {
        style = Style::Double;
    }
    if style == Style::Plain && (!analysis.block_plain_allowed || (s.is_empty() && simple_key)) {
        style = Style::Single;
    }
    if style == Style::Single && !analysis.single_quoted_allowed {
        style = Style::Double;
    }
    if style == Style::Literal && (!analysis.block_allowed || simple_key) {
        style = Style::Double;
    }
    if simple_key && s.chars().count() > MAX_SIMPLE_KEY {
        // go-yaml would write a complex key; no Kubernetes key is that long.
        style = Style::Double;
    }
    style
}

#[allow(
    clippy::struct_excessive_bools,
    reason = "libyaml's analysis flags, kept as named"
)]
struct Analysis {
    multiline: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

fn is_printable(c: char) -> bool {
    let u = u32::from(c);
    u == 0x0A
        || (0x20..=0x7E).contains(&u)
        || (0xA0..=0xD7FF).contains(&u)
        || ((0xE000..=0xFFFD).contains(&u) && u != 0xFEFF)
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

fn analyze(s: &str) -> Analysis {
    if s.is_empty() {
        return Analysis {
            multiline: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    // Most keys and values (names, images, paths) are letters, digits and `_./-` only: none
    // of libyaml's conditions can hold for them.
    if !s.starts_with(['-', '.'])
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'/' | b'-'))
    {
        return Analysis {
            multiline: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: true,
        };
    }
    let mut block_indicators = s.starts_with("---") || s.starts_with("...");
    let mut line_breaks = false;
    let mut special = false;
    let (mut leading_space, mut leading_break) = (false, false);
    let (mut trailing_space, mut trailing_break) = (false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut previous_space, mut previous_break) = (false, false);
    let mut preceded_by_whitespace = true;
    let mut chars = s.chars().peekable();
    let mut i = 0;
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        let followed_by_whitespace = next.is_none_or(|n| is_blank(n) || is_break(n));
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => block_indicators = true,
                '?' | ':' | '-' if followed_by_whitespace => block_indicators = true,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_by_whitespace => block_indicators = true,
                '#' if preceded_by_whitespace => block_indicators = true,
                _ => {}
            }
        }
        if !is_printable(c) {
            special = true;
        }
        let last = next.is_none();
        if c == ' ' {
            leading_space |= i == 0;
            trailing_space |= last;
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            line_breaks = true;
            leading_break |= i == 0;
            trailing_break |= last;
            space_break |= previous_space;
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = is_blank(c) || is_break(c);
        i += 1;
    }
    let mut a = Analysis {
        multiline: line_breaks,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
        a.block_allowed = false;
    }
    if line_breaks {
        a.block_plain_allowed = false;
    }
    if block_indicators {
        a.block_plain_allowed = false;
    }
    a
}

/// Whether go-yaml v2 reads the plain scalar `s` back as a string (not null, bool, number or
/// timestamp).
fn resolves_to_string(s: &str) -> bool {
    const SPECIAL: &[&str] = &[
        "", "~", "null", "Null", "NULL", "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE",
        "on", "On", "ON", "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off",
        "OFF", ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf",
        "-.Inf", "-.INF",
    ];
    // Every special word starts with one of these.
    if s.is_empty()
        || (matches!(
            s.as_bytes()[0],
            b'~' | b'n'
                | b'N'
                | b'y'
                | b'Y'
                | b't'
                | b'T'
                | b'o'
                | b'O'
                | b'f'
                | b'F'
                | b'.'
                | b'+'
                | b'-'
        ) && SPECIAL.contains(&s))
    {
        return false;
    }
    match s.as_bytes()[0] {
        b'.' => go_parse_float(s).is_none(),
        b'+' | b'-' | b'0'..=b'9' => {
            if is_timestamp(s) {
                return false;
            }
            let plain = s.replace('_', "");
            if go_parse_int(&plain).is_some() || is_yaml_float(&plain) {
                return false;
            }
            let binary = plain
                .strip_prefix("0b")
                .or_else(|| plain.strip_prefix("-0b"));
            !binary.is_some_and(|b| !b.is_empty() && b.bytes().all(|c| c == b'0' || c == b'1'))
        }
        _ => true,
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)` or `ParseUint(s, 0, 64)` succeeding.
fn go_parse_int(s: &str) -> Option<()> {
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (digits, radix) = if let Some(h) = unsigned
        .strip_prefix("0x")
        .or_else(|| unsigned.strip_prefix("0X"))
    {
        (h, 16)
    } else if let Some(o) = unsigned
        .strip_prefix("0o")
        .or_else(|| unsigned.strip_prefix("0O"))
    {
        (o, 8)
    } else if let Some(b) = unsigned
        .strip_prefix("0b")
        .or_else(|| unsigned.strip_prefix("0B"))
    {
        (b, 2)
    } else if unsigned.len() > 1 && unsigned.starts_with('0') {
        (&unsigned[1..], 8)
    } else {
        (unsigned, 10)
    };
    if digits.is_empty() {
        return None;
    }
    u128::from_str_radix(digits, radix)
        .ok()
        .filter(|v| *v <= u128::from(u64::MAX))
        .map(|_| ())
}

/// go-yaml v2's float pattern `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_float(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|c| c.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", frac)) => digits(frac),
        Some((int, frac)) => digits(int) && (frac.is_empty() || digits(frac)),
        None => digits(mantissa),
    };
    mantissa_ok && exponent.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)))
}

/// Go's `strconv.ParseFloat(s, 64)` succeeding, for strings that start with `.`.
fn go_parse_float(s: &str) -> Option<f64> {
    if is_yaml_float(s) {
        return s.parse().ok();
    }
    None
}

/// go-yaml's timestamp forms: `2006-1-2`, `2006-1-2T15:4:5.999999999Z07:00` (also `t`), and
/// `2006-1-2 15:4:5.999999999`.
fn is_timestamp(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() < 8 || !bytes[..4].iter().all(u8::is_ascii_digit) || bytes[4] != b'-' {
        return false;
    }
    let rest = &text[5..];
    let (date, time) = match rest.find(['T', 't', ' ']) {
        Some(i) => (&rest[..i], Some((&rest[i..=i], &rest[i + 1..]))),
        None => (rest, None),
    };
    let Some((month, day)) = date.split_once('-') else {
        return false;
    };
    let small = |digits: &str, max: u32| -> Option<u32> {
        (!digits.is_empty() && digits.len() <= 2 && digits.bytes().all(|c| c.is_ascii_digit()))
            .then(|| digits.parse().ok())
            .flatten()
            .filter(|v| *v <= max)
    };
    let (Some(month), Some(day)) = (small(month, 12), small(day, 31)) else {
        return false;
    };
    let year: u32 = text[..4].parse().unwrap_or(0);
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if month == 0 || day == 0 || day > days {
        return false;
    }
    let Some((separator, time)) = time else {
        return true;
    };
    let (clock, zone) = if separator == " " {
        (time, None)
    } else {
        match time.find(['Z', '+', '-']) {
            Some(i) => (&time[..i], Some(&time[i..])),
            None => return false,
        }
    };
    let (hms, fraction) = match clock.split_once('.') {
        Some((hms, f)) => (hms, Some(f)),
        None => (clock, None),
    };
    let parts: Vec<&str> = hms.split(':').collect();
    let clock_ok = parts.len() == 3
        && small(parts[0], 23).is_some()
        && small(parts[1], 59).is_some()
        && small(parts[2], 59).is_some()
        && fraction.is_none_or(|f| !f.is_empty() && f.bytes().all(|c| c.is_ascii_digit()));
    let zone_ok = zone.is_none_or(|z| {
        z == "Z" || {
            let z = &z[1..];
            z.len() == 5
                && z.as_bytes()[2] == b':'
                && small(&z[..2], 23).is_some()
                && small(&z[3..], 59).is_some()
        }
    });
    clock_ok && zone_ok
}

/// go-yaml's base-60 float check (`1:20`), which it quotes for YAML 1.1 readers.
fn is_base60_float(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let Some(first) = s.chars().next() else {
        return false;
    };
    if !first.is_ascii_digit() || !s.contains(':') {
        return false;
    }
    let (main, _) = s.split_once('.').unwrap_or((s, ""));
    let fraction_ok = s
        .split_once('.')
        .is_none_or(|(_, f)| f.bytes().all(|c| c.is_ascii_digit() || c == b'_'));
    let mut parts = main.split(':');
    let head = parts.next().unwrap_or_default();
    head.bytes().all(|c| c.is_ascii_digit() || c == b'_')
        && parts.all(|p| {
            !p.is_empty()
                && p.len() <= 2
                && p.bytes().all(|c| c.is_ascii_digit())
                && (p.len() == 1 || p.as_bytes()[0] <= b'5')
        })
        && fraction_ok
}

/// A number after kustomize's JSON round trip: integers as integers, integral floats below
/// 1e21 as integers, other floats in Go's shortest `%g` form.
fn number(n: &serde_yaml::Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    let f = n.as_f64().unwrap_or(0.0);
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    if f.fract() == 0.0 && f.abs() < 1e21 {
        // JSON writes it without a fraction; go-yaml reads that back as an integer if it fits.
        if f.abs() < 9.223_372_036_854_775e18 {
            #[allow(clippy::cast_possible_truncation)]
            return (f as i64).to_string();
        }
        if f > 0.0 && f < 1.844_674_407_370_955_2e19 {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            return (f as u64).to_string();
        }
    }
    go_format_g(f)
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)`: shortest digits, `%e` form when the exponent
/// is below -4 or at least 6.
fn go_format_g(f: f64) -> String {
    // Rust's `{:e}` gives the shortest round-trip digits: `1.5e20`, `-2.5e-7`.
    let sci = format!("{f:e}");
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exponent.parse().unwrap_or(0);
    if (-4..6).contains(&exp) {
        return format!("{f}");
    }
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exp.abs())
}

/// go-yaml v2's key order: letters after other characters, runs of digits compared as numbers.
fn compare_keys(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::String(a), Value::String(b)) => compare_strings(a, b),
        (Value::String(_), _) => Ordering::Greater,
        (_, Value::String(_)) => Ordering::Less,
        _ => Ordering::Equal,
    }
}

fn compare_strings(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        return compare_runes(a.as_bytes(), b.as_bytes());
    }
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    compare_runes(&ar, &br)
}

/// A character of a key: a `char`, or a byte of an ASCII key (no allocation).
trait Rune: Copy + Ord {
    fn is_letter(self) -> bool;
    fn is_digit(self) -> bool;
    fn digit(self) -> i64;
    fn is_zero(self) -> bool;
}

impl Rune for char {
    fn is_letter(self) -> bool {
        char::is_alphabetic(self)
    }
    fn is_digit(self) -> bool {
        char::is_ascii_digit(&self)
    }
    fn digit(self) -> i64 {
        i64::from(u32::from(self) - u32::from('0'))
    }
    fn is_zero(self) -> bool {
        self == '0'
    }
}

impl Rune for u8 {
    fn is_letter(self) -> bool {
        self.is_ascii_alphabetic()
    }
    fn is_digit(self) -> bool {
        u8::is_ascii_digit(&self)
    }
    fn digit(self) -> i64 {
        i64::from(self - b'0')
    }
    fn is_zero(self) -> bool {
        self == b'0'
    }
}

fn compare_runes<R: Rune>(ar: &[R], br: &[R]) -> Ordering {
    for i in 0..ar.len().min(br.len()) {
        if ar[i] == br[i] {
            continue;
        }
        let al = ar[i].is_letter();
        let bl = br[i].is_letter();
        if al && bl {
            return ar[i].cmp(&br[i]);
        }
        if al || bl {
            return if bl {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        }
        let mut an: i64 = 0;
        let mut bn: i64 = 0;
        if ar[i].is_zero() || br[i].is_zero() {
            let mut j = i;
            while j > 0 && ar[j - 1].is_digit() {
                j -= 1;
                if !ar[j].is_zero() {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && ar[ai].is_digit() {
            an = an.wrapping_mul(10).wrapping_add(ar[ai].digit());
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && br[bi].is_digit() {
            bn = bn.wrapping_mul(10).wrapping_add(br[bi].digit());
            bi += 1;
        }
        if an != bn {
            return an.cmp(&bn);
        }
        if ai != bi {
            return ai.cmp(&bi);
        }
        return ar[i].cmp(&br[i]);
    }
    ar.len().cmp(&br.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(text: &str) -> String {
        to_kustomize_yaml(&serde_yaml::from_str(text).unwrap())
    }

    #[test]
    fn styles_follow_go_yaml_v2() {
        assert_eq!(choose_style("yes", false), Style::Double);
        assert_eq!(choose_style("N", false), Style::Double);
        assert_eq!(choose_style("a: b", false), Style::Single);
        assert_eq!(choose_style("x ", false), Style::Single);
        assert_eq!(choose_style("#hash", false), Style::Single);
        assert_eq!(choose_style("it's", false), Style::Plain);
        assert_eq!(choose_style("a\tb", false), Style::Double);
        assert_eq!(choose_style("2024-01-01", false), Style::Double);
        assert_eq!(choose_style("0755", false), Style::Double);
        assert_eq!(choose_style("1e3", false), Style::Double);
        assert_eq!(choose_style("--x=1", false), Style::Plain);
        assert_eq!(choose_style("line1\nline2", false), Style::Literal);
        assert_eq!(choose_style("", false), Style::Double);
        assert_eq!(choose_style("1:20", false), Style::Double);
    }

    #[test]
    fn numbers_as_after_a_json_round_trip() {
        let n = |t: &str| yaml(&format!("a: {t}"));
        assert_eq!(n("1e3"), "a: 1000\n");
        assert_eq!(n("2.50"), "a: 2.5\n");
        assert_eq!(n("1.5e20"), "a: 1.5e+20\n");
        assert_eq!(n("-0.0"), "a: 0\n");
        assert_eq!(n("0.0000001"), "a: 1e-07\n");
        assert_eq!(n("1000000.5"), "a: 1.0000005e+06\n");
        assert_eq!(n("12345678901234567890"), "a: 12345678901234567890\n");
    }

    #[test]
    fn a_float_key_never_repeats_an_integer_key() {
        // Found by the fuzzer: `0` and `.0` are two keys, and both were written `0`.
        let text = "0: null\n.0: r\n-1: a\n-1.0: b\n1e3: c\n";
        let written = yaml(text);
        let again: Value = serde_yaml::from_str(&written).expect("reads back");
        assert_eq!(
            again,
            serde_yaml::from_str::<Value>(text).unwrap(),
            "{written}"
        );
    }

    #[test]
    fn keys_sort_naturally_and_blocks_indent_like_kustomize() {
        // Expected bytes from `kubectl kustomize` (kustomize v5.5.0).
        assert_eq!(
            yaml(
                "b: \"1\"\na10: x\na9: y\nA: z\n_: w\n\"~x\": q\na-b: 1\nab: 2\na.b: 3\na0: 4\na00: 5\na01: 6\nx1y: 7\nx01y: 8\n\"1\": n\n\"10\": n\n\"9\": n\nÜber: u\n"
            ),
            "_: w\n~x: q\n\"1\": \"n\"\n\"9\": \"n\"\n\"10\": \"n\"\nA: z\na-b: 1\na.b: 3\na0: 4\na00: 5\na01: 6\na9: \"y\"\na10: x\nab: 2\nb: \"1\"\nx1y: 7\nx01y: 8\nÜber: u\n"
        );
        assert_eq!(
            yaml(
                "spec:\n  containers:\n  - name: c\n    args: [a, \"yes\"]\n    env: []\n  m: {}\n  s: \"x\\ny\\n\"\n"
            ),
            "spec:\n  containers:\n  - args:\n    - a\n    - \"yes\"\n    env: []\n    name: c\n  m: {}\n  s: |\n    x\n    y\n"
        );
    }
}
