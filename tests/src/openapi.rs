//! A structural OpenAPI v3 check of objects against a CRD's `openAPIV3Schema`, as the API server
//! applies it: types, required fields, enums, and unknown fields (which the server prunes or
//! rejects) unless `x-kubernetes-preserve-unknown-fields` allows them.
use serde_yaml::Value;

/// A CRD from `../shared/schemas/crds/` (`relative` below it); a missing one fails the test.
pub fn crd(relative: &str) -> Value {
    let path = crate::workspace()
        .join("../shared/schemas/crds")
        .join(relative);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("the CRD schema is missing at {}: {e}", path.display()));
    serde_yaml::from_str(&text).expect("CRD parses")
}

/// The schema of `version` in a CRD document.
pub fn crd_schema(crd: &Value, version: &str) -> Value {
    crd["spec"]["versions"]
        .as_sequence()
        .expect("CRD has versions")
        .iter()
        .find(|v| v["name"].as_str() == Some(version))
        .unwrap_or_else(|| panic!("CRD has no version {version}"))["schema"]["openAPIV3Schema"]
        .clone()
}

/// Every problem of `value` against `schema`, as `path: message`.
pub fn validate(value: &Value, schema: &Value, path: &str, problems: &mut Vec<String>) {
    if schema
        .get("x-kubernetes-int-or-string")
        .and_then(Value::as_bool)
        == Some(true)
    {
        if !(value.is_string() || value.as_i64().is_some()) {
            problems.push(format!("{path}: expected an integer or a string"));
        }
        return;
    }
    let preserve = schema
        .get("x-kubernetes-preserve-unknown-fields")
        .and_then(Value::as_bool)
        == Some(true);
    match schema.get("type").and_then(Value::as_str) {
        Some("object") => {
            let Some(map) = value.as_mapping() else {
                problems.push(format!("{path}: expected an object"));
                return;
            };
            let properties = schema.get("properties").and_then(Value::as_mapping);
            for (key, item) in map {
                let key = key.as_str().unwrap_or_default();
                let at = format!("{path}.{key}");
                match (
                    properties.and_then(|p| p.get(key)),
                    schema.get("additionalProperties"),
                ) {
                    (Some(child), _) => validate(item, child, &at, problems),
                    (None, Some(additional)) if additional.is_mapping() => {
                        validate(item, additional, &at, problems);
                    }
                    (None, _) if preserve || properties.is_none() => {}
                    (None, _) => problems.push(format!("{at}: unknown field")),
                }
            }
            for required in schema
                .get("required")
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
            {
                let required = required.as_str().unwrap_or_default();
                if !map.contains_key(required) {
                    problems.push(format!("{path}: missing required field {required}"));
                }
            }
        }
        Some("array") => match value.as_sequence() {
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    validate(item, &schema["items"], &format!("{path}[{i}]"), problems);
                }
            }
            None => problems.push(format!("{path}: expected an array")),
        },
        Some("string") if !value.is_string() => {
            problems.push(format!("{path}: expected a string, found {value:?}"));
        }
        Some("integer") if value.as_i64().is_none() => {
            problems.push(format!("{path}: expected an integer, found {value:?}"));
        }
        Some("number") if value.as_f64().is_none() => {
            problems.push(format!("{path}: expected a number"));
        }
        Some("boolean") if value.as_bool().is_none() => {
            problems.push(format!("{path}: expected a boolean"));
        }
        _ => {}
    }
    if let Some(options) = schema
        .get("enum")
        .and_then(Value::as_sequence)
        .filter(|o| !o.contains(value))
    {
        problems.push(format!("{path}: {value:?} is not one of {options:?}"));
    }
}

#[cfg(test)]
mod tests {
    use super::validate;

    #[test]
    fn unknown_fields_wrong_types_and_missing_fields_are_caught() {
        let schema: serde_yaml::Value = serde_yaml::from_str(
            "type: object\nrequired: [spec]\nproperties:\n  spec:\n    type: object\n    properties:\n      count: {type: integer}\n      meta: {type: object, additionalProperties: {type: string}}\n      mode: {type: string, enum: [a, b]}\n",
        )
        .unwrap();
        let value: serde_yaml::Value =
            serde_yaml::from_str("spec: {count: \"3\", meta: {k: 1}, mode: c, extra: true}")
                .unwrap();
        let mut problems = Vec::new();
        validate(&value, &schema, "x", &mut problems);
        assert_eq!(problems.len(), 4, "{problems:?}");
        let mut none = Vec::new();
        validate(
            &serde_yaml::from_str("other: 1").unwrap(),
            &schema,
            "x",
            &mut none,
        );
        assert!(
            none.iter().any(|p| p == "x: missing required field spec"),
            "{none:?}"
        );
    }
}
