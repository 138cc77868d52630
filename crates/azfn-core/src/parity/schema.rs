//! The JSON Schema of `ParityPolicy`, for editors and the browser page's completion. The parser
//! in `policy.rs` is what decides; this mirrors it, and a test holds the two together.
use serde_json::{Value, json};

/// JSON Schema (draft 2020-12) of a `ParityPolicy` document.
pub fn json_schema() -> Value {
    let glob = "`*` matches within one path segment, `**` across segments.";
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://azfn.dev/schemas/paritypolicy.schema.json",
        "title": "ParityPolicy",
        "description": "Where an app's environments may differ. `azfn parity` renders every environment and fails on any difference no allow rule covers.",
        "type": "object",
        "required": ["apiVersion", "kind", "spec"],
        "properties": {
            "apiVersion": {"const": crate::config::API_VERSION},
            "kind": {"const": super::KIND},
            "metadata": {"type": "object"},
            "spec": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "environments": {
                        "description": "The environments, in the order reports show them; the first is the reference FunctionApp differences are undone against.",
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["name", "path"],
                            "additionalProperties": false,
                            "properties": {
                                "name": {"type": "string", "description": "The environment's name in reports (dev, test, prod)."},
                                "path": {"type": "string", "description": "Its overlay folder, relative to the policy file."}
                            }
                        }
                    },
                    "allow": {
                        "description": "Where the environments may differ. Nothing differs implicitly.",
                        "type": "array",
                        "items": {
                            "type": "object",
                            "additionalProperties": false,
                            "properties": {
                                "resource": {
                                    "description": "Which resources the rule covers; every given selector must match. Names are base names: prefixes, suffixes, hash suffixes and namespaces taken off.",
                                    "type": "object",
                                    "additionalProperties": false,
                                    "properties": {
                                        "kind": {"type": "string", "description": "Kind, e.g. Deployment; FunctionApp for a rule on the spec, which allows what the field renders."},
                                        "name": {"type": "string", "description": format!("Base name. {glob}")},
                                        "labels": {"type": "object", "additionalProperties": {"type": "string"}, "description": "Labels the resource carries (in any environment)."}
                                    }
                                },
                                "field": {
                                    "type": "string",
                                    "description": format!("Field path: maps by key (`metadata.labels[\"a/b\"]`), lists of named things by key (`containers[name=func]`, `env[name=X]`), other lists by position (`[0]`). {glob} Without a field, the rule is about the whole resource (with `difference: presence`).")
                                },
                                "environments": {
                                    "type": "array",
                                    "items": {"type": "string"},
                                    "description": "Only these environments may differ; the others must agree with each other."
                                },
                                "difference": {
                                    "enum": ["value", "presence", "any"],
                                    "default": "value",
                                    "description": "value: the field exists everywhere with different values; presence: it (or, without a field, the resource) exists in some environments only; any: either."
                                },
                                "reason": {"type": "string", "description": "Why the difference is intended, for reviewers."}
                            }
                        }
                    }
                }
            }
        }
    })
}
