//! The one description of azfn's own kinds (FunctionApp, ParityPolicy, Azfn): each field is
//! declared once, in a table, and everything else comes from it: the check of user input
//! (unknown fields named with a suggestion, wrong types, missing required fields, all with their
//! path), the JSON Schemas editors and the web page use, the field reference in the docs and the
//! TypeScript types of the browser module. The serde structs that read a checked document are
//! held to the same table by a test that walks every field (`every_field`).
#[cfg(test)]
pub(crate) mod every_field;
mod typescript;

use serde_json::{Map, Value as Json, json};
use serde_yaml::Value;
pub use typescript::typescript;

use crate::text::unknown;

/// The shape of a value.
#[derive(Debug, Clone, Copy)]
pub enum Shape {
    /// A string.
    Str,
    /// A string from a fixed set.
    Enum(&'static [&'static str]),
    /// A non-negative integer.
    Int,
    /// A boolean.
    Bool,
    /// An object with known fields.
    Object(&'static [Field]),
    /// An object with free keys, all of one shape.
    Dict(&'static Shape),
    /// A list.
    List(&'static Shape),
    /// An object whose `type` field selects the other fields.
    Tagged(&'static [Variant]),
    /// Any value (passed through, e.g. Kubernetes resource requirements).
    Any,
}

/// A field of an object.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// Its key.
    pub name: &'static str,
    /// Its shape.
    pub shape: Shape,
    /// Whether it must be present.
    pub required: bool,
    /// One sentence for the reference and editor hovers.
    pub doc: &'static str,
}

/// One alternative of a [`Shape::Tagged`] object.
#[derive(Debug, Clone, Copy)]
pub struct Variant {
    /// The value of `type`.
    pub tag: &'static str,
    /// What this alternative is.
    pub doc: &'static str,
    /// Its fields besides `type`.
    pub fields: &'static [Field],
}

/// A required field.
pub const fn req(name: &'static str, shape: Shape, doc: &'static str) -> Field {
    Field {
        name,
        shape,
        required: true,
        doc,
    }
}

/// An optional field.
pub const fn opt(name: &'static str, shape: Shape, doc: &'static str) -> Field {
    Field {
        name,
        shape,
        required: false,
        doc,
    }
}

/// Checks `value` against `shape`; problems are `(path, message)` pairs in document order.
pub fn check(value: &Value, shape: &Shape, path: &str, problems: &mut Vec<(String, String)>) {
    match (shape, value) {
        (Shape::Any, _) | (Shape::Str, Value::String(_)) | (Shape::Bool, Value::Bool(_)) => {}
        (Shape::Int, Value::Number(n)) if n.as_u64().is_some() => {}
        (Shape::Enum(options), Value::String(s)) => {
            if !options.contains(&s.as_str()) {
                problems.push((path.to_owned(), unknown("value", s, options)));
            }
        }
        (Shape::Object(fields), Value::Mapping(map)) => check_fields(map, fields, path, problems),
        (Shape::Tagged(variants), Value::Mapping(map)) => {
            let tags: Vec<&str> = variants.iter().map(|v| v.tag).collect();
            match map.get("type").and_then(Value::as_str) {
                None => problems.push((
                    path.to_owned(),
                    format!("missing `type`; one of: {}", tags.join(", ")),
                )),
                Some(tag) => match variants.iter().find(|v| v.tag == tag) {
                    None => problems.push((format!("{path}.type"), unknown("type", tag, &tags))),
                    Some(variant) => {
                        let mut fields = vec![Field {
                            name: "type",
                            shape: Shape::Str,
                            required: true,
                            doc: "",
                        }];
                        fields.extend_from_slice(variant.fields);
                        check_fields(map, &fields, path, problems);
                    }
                },
            }
        }
        (Shape::Dict(inner), Value::Mapping(map)) => {
            for (key, item) in map {
                let key = key.as_str().unwrap_or_default();
                check(item, inner, &crate::fieldpath::child(path, key), problems);
            }
        }
        (Shape::List(inner), Value::Sequence(seq)) => {
            for (i, item) in seq.iter().enumerate() {
                check(item, inner, &format!("{path}[{i}]"), problems);
            }
        }
        (shape, value) => problems.push((
            path.to_owned(),
            format!(
                "expected {}, found {}",
                expected(shape),
                crate::krm::type_name(value)
            ),
        )),
    }
}

fn check_fields(
    map: &serde_yaml::Mapping,
    fields: &[Field],
    path: &str,
    problems: &mut Vec<(String, String)>,
) {
    let names: Vec<&str> = fields.iter().map(|f| f.name).collect();
    for (key, item) in map {
        let key = key.as_str().unwrap_or_default();
        let at = if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        };
        match fields.iter().find(|f| f.name == key) {
            Some(field) => check(item, &field.shape, &at, problems),
            None => problems.push((at, unknown("field", key, &names))),
        }
    }
    for field in fields.iter().filter(|f| f.required) {
        if !map.contains_key(field.name) {
            let at = if path.is_empty() {
                field.name.to_owned()
            } else {
                format!("{path}.{}", field.name)
            };
            problems.push((
                at,
                format!("required field `{}` is missing: {}", field.name, field.doc),
            ));
        }
    }
}

fn expected(shape: &Shape) -> &'static str {
    match shape {
        Shape::Str | Shape::Enum(_) => "a string",
        Shape::Int => "a non-negative integer",
        Shape::Bool => "true or false",
        Shape::Object(_) | Shape::Dict(_) | Shape::Tagged(_) => "an object",
        Shape::List(_) => "a list",
        Shape::Any => "any value",
    }
}

/// The JSON Schema (draft 2020-12) of a shape.
pub fn json_schema(shape: &Shape) -> Json {
    match shape {
        Shape::Str => json!({"type": "string"}),
        Shape::Enum(options) => json!({"type": "string", "enum": options}),
        Shape::Int => json!({"type": "integer", "minimum": 0}),
        Shape::Bool => json!({"type": "boolean"}),
        Shape::Any => json!({}),
        Shape::Object(fields) => object_schema(fields, None),
        Shape::Dict(inner) => json!({"type": "object", "additionalProperties": json_schema(inner)}),
        Shape::List(inner) => json!({"type": "array", "items": json_schema(inner)}),
        Shape::Tagged(variants) => json!({
            "type": "object",
            "required": ["type"],
            "oneOf": variants.iter().map(|v| {
                let mut schema = object_schema(v.fields, Some(v.tag));
                schema["description"] = json!(v.doc);
                schema
            }).collect::<Vec<_>>(),
        }),
    }
}

fn object_schema(fields: &[Field], tag: Option<&str>) -> Json {
    let mut properties = Map::new();
    let mut required: Vec<&str> = Vec::new();
    if let Some(tag) = tag {
        properties.insert("type".into(), json!({"const": tag}));
        required.push("type");
    }
    for field in fields {
        let mut schema = json_schema(&field.shape);
        schema["description"] = json!(field.doc);
        properties.insert(field.name.into(), schema);
        if field.required {
            required.push(field.name);
        }
    }
    json!({"type": "object", "additionalProperties": false, "properties": properties, "required": required})
}

/// The JSON Schema of a whole document of one of azfn's kinds: `apiVersion` (azfn's), `kind`,
/// `metadata` and a `spec` of the given shape.
pub fn document_schema(
    api_version: &str,
    kind: &str,
    description: &str,
    spec: &Shape,
    required: &[&str],
) -> Json {
    let mut spec = json_schema(spec);
    spec["description"] = json!(format!("The {kind}'s settings."));
    let mut metadata = json!({"type": "object", "properties": {"name": {"type": "string"}, "namespace": {"type": "string"}}});
    if required.contains(&"metadata") {
        metadata["required"] = json!(["name"]);
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("https://azfn.dev/schemas/{}.v1alpha1.json", kind.to_ascii_lowercase()),
        "title": kind,
        "description": description,
        "type": "object",
        "required": required,
        "properties": {
            "apiVersion": {"const": api_version},
            "kind": {"const": kind},
            "metadata": metadata,
            "spec": spec,
        },
    })
}

/// Markdown rows `| path | type | required | description |` for every field under `shape`.
pub fn reference_rows(shape: &Shape, path: &str, rows: &mut Vec<String>) {
    match shape {
        Shape::Object(fields) => {
            for field in *fields {
                let at = if path.is_empty() {
                    field.name.to_owned()
                } else {
                    format!("{path}.{}", field.name)
                };
                rows.push(format!(
                    "| `{at}` | {} | {} | {} |",
                    type_label(&field.shape),
                    if field.required { "yes" } else { "" },
                    field.doc
                ));
                reference_rows(&field.shape, &at, rows);
            }
        }
        Shape::Dict(inner) => reference_rows(inner, &format!("{path}.<name>"), rows),
        Shape::List(inner) => reference_rows(inner, &format!("{path}[]"), rows),
        Shape::Tagged(variants) => {
            for variant in *variants {
                rows.push(format!(
                    "| `{path}.type: {}` | | | {} |",
                    variant.tag, variant.doc
                ));
                reference_rows(&Shape::Object(variant.fields), path, rows);
            }
        }
        _ => {}
    }
}

fn type_label(shape: &Shape) -> String {
    match shape {
        Shape::Str => "string".into(),
        Shape::Enum(options) => options
            .iter()
            .map(|o| format!("`{o}`"))
            .collect::<Vec<_>>()
            .join(" \\| "),
        Shape::Int => "integer".into(),
        Shape::Bool => "boolean".into(),
        Shape::Object(_) | Shape::Tagged(_) => "object".into(),
        Shape::Dict(inner) => format!("map of {}", type_label(inner)),
        Shape::List(inner) => format!("list of {}", type_label(inner)),
        Shape::Any => "any".into(),
    }
}
