//! Holds a serde struct to its field table: a document with every field of the table (every
//! variant of a tagged object, every value of an enum) must pass the table's check, read into
//! the struct, and come back from it with exactly the table's fields, no more and no fewer.
//! A field added to one and not the other fails here, by its path.
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_yaml::{Mapping, Value};

use super::{Field, Shape};

/// Documents that together hold every field, variant and enum value of `shape`.
pub(crate) fn samples(shape: &Shape) -> Vec<Value> {
    match shape {
        Shape::Str => vec!["text".into()],
        Shape::Enum(options) => options.iter().map(|&o| o.into()).collect(),
        Shape::Int => vec![1.into()],
        Shape::Bool => vec![true.into()],
        Shape::Any => vec![Value::Mapping(Mapping::from_iter([(
            "any".into(),
            "value".into(),
        )]))],
        Shape::Object(fields) => object(fields, None),
        Shape::Dict(inner) => vec![Value::Mapping(
            samples(inner)
                .into_iter()
                .enumerate()
                .map(|(i, v)| (format!("name{i}").into(), v))
                .collect(),
        )],
        Shape::List(inner) => vec![Value::Sequence(samples(inner))],
        Shape::Tagged(variants) => variants
            .iter()
            .flat_map(|v| object(v.fields, Some(v.tag)))
            .collect(),
    }
}

/// As many objects as the field with the most samples has; each holds every field.
fn object(fields: &[Field], tag: Option<&str>) -> Vec<Value> {
    let per_field: Vec<Vec<Value>> = fields.iter().map(|f| samples(&f.shape)).collect();
    let count = per_field.iter().map(Vec::len).max().unwrap_or(1).max(1);
    (0..count)
        .map(|i| {
            let mut map = Mapping::new();
            if let Some(tag) = tag {
                map.insert("type".into(), tag.into());
            }
            for (field, values) in fields.iter().zip(&per_field) {
                map.insert(field.name.into(), values[i % values.len()].clone());
            }
            Value::Mapping(map)
        })
        .collect()
}

/// Where `value` (what serde wrote back) and `shape` disagree, by path.
fn disagreements(value: &Value, shape: &Shape, path: &str, out: &mut Vec<String>) {
    match (shape, value) {
        (Shape::Object(fields), Value::Mapping(map)) => fields_of(map, fields, path, out),
        (Shape::Tagged(variants), Value::Mapping(map)) => {
            let tag = map.get("type").and_then(Value::as_str);
            match variants.iter().find(|v| Some(v.tag) == tag) {
                Some(variant) => {
                    let mut map = map.clone();
                    map.remove("type");
                    fields_of(&map, variant.fields, path, out);
                }
                None => out.push(format!(
                    "{path}.type: serde wrote {tag:?}, which the table does not have"
                )),
            }
        }
        (Shape::Dict(inner), Value::Mapping(map)) => {
            for item in map.values() {
                disagreements(item, inner, &format!("{path}.<name>"), out);
            }
        }
        (Shape::List(inner), Value::Sequence(items)) => {
            for item in items {
                disagreements(item, inner, &format!("{path}[]"), out);
            }
        }
        (Shape::Enum(options), Value::String(s)) if !options.contains(&s.as_str()) => out.push(
            format!("{path}: serde wrote {s:?}, which the table's values {options:?} lack"),
        ),
        (Shape::Object(_) | Shape::Tagged(_) | Shape::Dict(_) | Shape::List(_), other) => {
            out.push(format!(
                "{path}: the table has {}, serde wrote {}",
                super::expected(shape),
                crate::krm::type_name(other)
            ));
        }
        _ => {}
    }
}

fn fields_of(map: &Mapping, fields: &[Field], path: &str, out: &mut Vec<String>) {
    for key in map.keys().filter_map(Value::as_str) {
        if !fields.iter().any(|f| f.name == key) {
            out.push(format!(
                "{path}.{key}: in the serde struct, missing from the table"
            ));
        }
    }
    for field in fields {
        match map.get(field.name) {
            None => out.push(format!(
                "{path}.{}: in the table, missing from the serde struct",
                field.name
            )),
            Some(value) => {
                disagreements(value, &field.shape, &format!("{path}.{}", field.name), out);
            }
        }
    }
}

/// Panics, naming each path, unless `T` reads and writes exactly the fields of `shape`.
pub(crate) fn assert_struct_matches_table<T: DeserializeOwned + Serialize>(
    shape: &Shape,
    what: &str,
) {
    let mut problems = Vec::new();
    for sample in samples(shape) {
        let mut invalid = Vec::new();
        super::check(&sample, shape, what, &mut invalid);
        assert!(
            invalid.is_empty(),
            "the sample of {what} fails its own table: {invalid:?}"
        );
        let typed: T = serde_yaml::from_value(sample.clone()).unwrap_or_else(|e| {
            panic!(
                "{what}: the serde struct cannot read a document the table accepts: {e}\n{}",
                serde_yaml::to_string(&sample).unwrap_or_default()
            )
        });
        let back = serde_yaml::to_value(&typed).expect("serializes");
        disagreements(&back, shape, what, &mut problems);
    }
    problems.sort();
    problems.dedup();
    assert!(
        problems.is_empty(),
        "{what}: the serde struct and the field table disagree:\n  {}",
        problems.join("\n  ")
    );
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    use super::*;
    use crate::schema::{opt, req};

    const TABLE: &[Field] = &[
        req("name", Shape::Str, "A name."),
        opt("count", Shape::Int, "A count."),
    ];

    #[derive(Deserialize, Serialize)]
    struct Same {
        name: String,
        count: Option<u64>,
    }

    #[derive(Deserialize, Serialize)]
    struct Extra {
        name: String,
        count: Option<u64>,
        colour: Option<String>,
    }

    #[derive(Deserialize, Serialize)]
    struct Fewer {
        name: String,
    }

    #[test]
    fn a_matching_struct_passes() {
        assert_struct_matches_table::<Same>(&Shape::Object(TABLE), "spec");
    }

    #[test]
    #[should_panic(expected = "spec.colour: in the serde struct, missing from the table")]
    fn a_field_only_in_the_struct_is_named() {
        assert_struct_matches_table::<Extra>(&Shape::Object(TABLE), "spec");
    }

    #[test]
    #[should_panic(expected = "spec.count: in the table, missing from the serde struct")]
    fn a_field_only_in_the_table_is_named() {
        assert_struct_matches_table::<Fewer>(&Shape::Object(TABLE), "spec");
    }

    #[test]
    fn samples_cover_every_variant_and_value() {
        const VARIANTS: &[crate::schema::Variant] = &[
            crate::schema::Variant {
                tag: "a",
                doc: "",
                fields: &[],
            },
            crate::schema::Variant {
                tag: "b",
                doc: "",
                fields: &[req("mode", Shape::Enum(&["x", "y", "z"]), "")],
            },
        ];
        let all = samples(&Shape::List(&Shape::Tagged(VARIANTS)));
        assert_eq!(
            serde_yaml::to_string(&all).unwrap(),
            "- - type: a\n  - type: b\n    mode: x\n  - type: b\n    mode: y\n  - type: b\n    mode: z\n"
        );
    }
}
