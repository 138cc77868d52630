//! configMapGenerator and secretGenerator, and the content hash kustomize appends to the names
//! of what they make.
use crate::error::Location;
use serde_yaml::{Mapping, Value};
use sha2::{Digest, Sha256};

use super::kustomization::{Kustomization, scalar_string, string_list, string_map};
use super::paths;
use super::resmap::{Behavior, Generated, Res, metadata};
use super::{BuildError, Loader};

/// Generator options from `generatorOptions` or a generator's own `options`.
#[derive(Debug, Clone, Default)]
struct Options {
    labels: Vec<(String, String)>,
    annotations: Vec<(String, String)>,
    disable_hash: Option<bool>,
    immutable: Option<bool>,
}

fn options(value: Option<&Value>, at: &Location) -> Result<Options, BuildError> {
    let mut out = Options::default();
    let Some(value) = value.filter(|v| !v.is_null()) else {
        return Ok(out);
    };
    let err = |field: &str, m: String| BuildError::at(at, format!("{field}: {m}"));
    if let Some(labels) = value.get("labels").filter(|v| !v.is_null()) {
        out.labels = string_map(labels).map_err(|m| err("labels", m))?;
    }
    if let Some(annotations) = value.get("annotations").filter(|v| !v.is_null()) {
        out.annotations = string_map(annotations).map_err(|m| err("annotations", m))?;
    }
    out.disable_hash = value.get("disableNameSuffixHash").and_then(Value::as_bool);
    out.immutable = value.get("immutable").and_then(Value::as_bool);
    Ok(out)
}

/// Runs the kustomization's generators; returns what they made, in order.
pub(crate) fn run(loader: &Loader<'_>, k: &Kustomization) -> Result<Vec<Res>, BuildError> {
    let shown = paths::display(&k.file);
    let global = options(
        k.generator_options.as_ref(),
        &Location::at(shown.as_str(), "generatorOptions"),
    )?;
    let mut out = Vec::new();
    for (field, list) in [
        ("configMapGenerator", &k.config_map_generator),
        ("secretGenerator", &k.secret_generator),
    ] {
        for (i, args) in list.iter().enumerate() {
            let at = Location::at(shown.as_str(), format!("{field}[{i}]"));
            out.push(generate(
                loader,
                k,
                field == "secretGenerator",
                args,
                &global,
                &at,
            )?);
        }
    }
    Ok(out)
}

#[allow(
    clippy::too_many_lines,
    reason = "one step per generator source, in kustomize's order"
)]
fn generate(
    loader: &Loader<'_>,
    k: &Kustomization,
    secret: bool,
    args: &Value,
    global: &Options,
    at: &Location,
) -> Result<Res, BuildError> {
    let get = |key: &str| args.get(key).and_then(scalar_string);
    let name = get("name").unwrap_or_default();
    let behavior = match get("behavior").as_deref() {
        None | Some("" | "create") => Behavior::Create,
        Some("merge") => Behavior::Merge,
        Some("replace") => Behavior::Replace,
        Some(other) => {
            return Err(BuildError::at(
                &at.child("behavior"),
                format!("unknown behavior {other:?}, expected create, merge or replace"),
            ));
        }
    };
    let own = options(args.get("options"), &at.child("options"))?;
    let mut pairs: Vec<(String, Vec<u8>)> = Vec::new();
    let list = |key: &str| -> Result<Vec<String>, BuildError> {
        match args.get(key).filter(|v| !v.is_null()) {
            None => Ok(Vec::new()),
            Some(v) => string_list(v).map_err(|m| BuildError::at(at, format!("{key}: {m}"))),
        }
    };
    let mut envs = list("envs")?;
    if let Some(env) = get("env") {
        envs.insert(0, env);
    }
    for env in envs {
        let path = loader.restricted_path(&k.dir, &env, at)?;
        let bytes = loader.read(&path, at)?;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        for (line_no, line) in text.lines().enumerate() {
            let line = line.trim_start_matches('\u{feff}');
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            let (key, value) = match line.split_once('=') {
                Some((key, value)) => (key.to_owned(), value.to_owned()),
                None => (line.to_owned(), String::new()),
            };
            let key = key.trim_start().to_owned();
            if key.is_empty() || key.contains(char::is_whitespace) {
                return Err(BuildError::at(
                    at,
                    format!(
                        "{}:{}: invalid key {key:?} in env file",
                        paths::display(&path),
                        line_no + 1
                    ),
                ));
            }
            pairs.push((key, value.into_bytes()));
        }
    }
    for literal in list("literals")? {
        let Some((key, value)) = literal.split_once('=') else {
            return Err(BuildError::at(
                &at.child("literals"),
                format!("invalid literal source {literal:?}, expected key=value"),
            ));
        };
        pairs.push((key.to_owned(), strip_quotes(value).as_bytes().to_vec()));
    }
    for file in list("files")? {
        let (key, relative) = match file.split_once('=') {
            Some((key, path)) => (Some(key.to_owned()), path.to_owned()),
            None => (None, file.clone()),
        };
        let path = loader.restricted_path(&k.dir, &relative, at)?;
        let bytes = loader.read(&path, at)?;
        let key = key.unwrap_or_else(|| paths::base_name(&path).to_owned());
        pairs.push((key, bytes));
    }
    let mut data = Mapping::new();
    let mut binary = Mapping::new();
    for (key, bytes) in pairs {
        if data.contains_key(key.as_str()) || binary.contains_key(key.as_str()) {
            return Err(BuildError::at(
                at,
                format!("configmap {name} illegally repeats the key `{key}`"),
            ));
        }
        if secret {
            data.insert(key.into(), base64_lines(&bytes).into());
        } else {
            match String::from_utf8(bytes) {
                Ok(text) => {
                    data.insert(key.into(), text.into());
                }
                Err(e) => {
                    binary.insert(key.into(), base64_lines(e.as_bytes()).into());
                }
            }
        }
    }
    let mut obj = Mapping::new();
    obj.insert("apiVersion".into(), "v1".into());
    obj.insert(
        "kind".into(),
        if secret { "Secret" } else { "ConfigMap" }.into(),
    );
    let meta = metadata(&mut obj);
    meta.insert("name".into(), name.clone().into());
    if let Some(namespace) = get("namespace") {
        meta.insert("namespace".into(), namespace.into());
    }
    let labels = merge_pairs(&global.labels, &own.labels);
    if !labels.is_empty() {
        meta.insert("labels".into(), Value::Mapping(labels));
    }
    let annotations = merge_pairs(&global.annotations, &own.annotations);
    if !annotations.is_empty() {
        meta.insert("annotations".into(), Value::Mapping(annotations));
    }
    if secret {
        obj.insert(
            "type".into(),
            get("type").unwrap_or_else(|| "Opaque".into()).into(),
        );
    }
    if !data.is_empty() {
        obj.insert("data".into(), Value::Mapping(data));
    }
    if !binary.is_empty() {
        obj.insert("binaryData".into(), Value::Mapping(binary));
    }
    if own.immutable.or(global.immutable).unwrap_or(false) {
        obj.insert("immutable".into(), Value::Bool(true));
    }
    let disable = own.disable_hash.or(global.disable_hash).unwrap_or(false);
    let mut res = Res::new(obj);
    res.origin = Some(super::resmap::ResourceOrigin::Generator {
        kustomization: k.file.clone(),
        kind: if secret {
            "SecretGenerator"
        } else {
            "ConfigMapGenerator"
        },
    });
    res.generated = Some(Generated {
        behavior,
        hash: !disable,
    });
    Ok(res)
}

fn merge_pairs(global: &[(String, String)], own: &[(String, String)]) -> Mapping {
    let mut out = Mapping::new();
    for (k, v) in global.iter().chain(own) {
        out.insert(k.clone().into(), v.clone().into());
    }
    out
}

/// kustomize drops one pair of matching quotes around a literal's value.
fn strip_quotes(value: &str) -> &str {
    let bytes = value.as_bytes();
    if bytes.len() >= 2
        && (bytes[0] == b'"' || bytes[0] == b'\'')
        && bytes[bytes.len() - 1] == bytes[0]
    {
        return &value[1..value.len() - 1];
    }
    value
}

pub(crate) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Base64 as kustomize writes generated data: lines of 70 characters, each ending in a line
/// break, once the text is longer than one line.
fn base64_lines(bytes: &[u8]) -> String {
    const LINE: usize = 70;
    let encoded = base64(bytes);
    if encoded.len() < LINE {
        return encoded;
    }
    let mut out = String::with_capacity(encoded.len() + encoded.len() / LINE + 1);
    for chunk in encoded.as_bytes().chunks(LINE) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out
}

/// kustomize's name hash of a ConfigMap or Secret: SHA-256 of a JSON encoding of its kind,
/// type and data, the first ten hex digits with vowel-like digits remapped.
pub(crate) fn content_hash(obj: &Mapping) -> String {
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or_default();
    let mut fields: Vec<(&str, String)> = Vec::new();
    let data = |key: &str| -> Option<String> {
        let map = obj.get(key).and_then(Value::as_mapping)?;
        let mut entries: Vec<(String, String)> = map
            .iter()
            .map(|(k, v)| {
                (
                    scalar_string(k).unwrap_or_default(),
                    scalar_string(v).unwrap_or_default(),
                )
            })
            .collect();
        entries.sort();
        let body: Vec<String> = entries
            .iter()
            .map(|(k, v)| format!("{}:{}", json_string(k), json_string(v)))
            .collect();
        Some(format!("{{{}}}", body.join(",")))
    };
    match kind {
        "ConfigMap" => {
            if let Some(b) = data("binaryData").filter(|b| b != "{}") {
                fields.push(("binaryData", b));
            }
            fields.push(("data", data("data").unwrap_or_else(|| json_string(""))));
            fields.push(("kind", json_string("ConfigMap")));
            fields.push(("name", json_string("")));
        }
        "Secret" => {
            fields.push(("data", data("data").unwrap_or_else(|| json_string(""))));
            fields.push(("kind", json_string("Secret")));
            fields.push(("name", json_string("")));
            let kind = obj.get("type").and_then(Value::as_str).unwrap_or_default();
            fields.push(("type", json_string(kind)));
        }
        _ => {
            let json = serde_json::to_string(&Value::Mapping(obj.clone())).unwrap_or_default();
            return encode(&Sha256::digest(json.as_bytes()));
        }
    }
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}:{v}", json_string(k)))
        .collect();
    encode(&Sha256::digest(
        format!("{{{}}}", body.join(",")).as_bytes(),
    ))
}

fn encode(digest: &[u8]) -> String {
    let hex = crate::text::hex(digest);
    hex[..10]
        .chars()
        .map(|c| match c {
            '0' => 'g',
            '1' => 'h',
            '3' => 'k',
            'a' => 'm',
            'e' => 't',
            other => other,
        })
        .collect()
}

/// A string as Go's `encoding/json` writes it (HTML characters escaped).
pub(crate) fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if u32::from(c) < 0x20 => {
                use std::fmt::Write as _;
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_matches_kustomize() {
        // `configMapGenerator: [{name: cm, literals: [a=b]}]` is `cm-4h2mbtbbt6` in kustomize v5.5.0.
        let obj: Mapping = serde_yaml::from_str(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {a: b}\n",
        )
        .unwrap();
        assert_eq!(content_hash(&obj), "4h2mbtbbt6");
        assert_eq!(base64(b"hello!"), "aGVsbG8h");
        assert_eq!(base64(b"hi"), "aGk=");
    }
}
