use serde_yaml::{Mapping, Value};

use super::{KrmResult, Resource};
use crate::error::{Error, Location};
use crate::yaml::{self, Field, Limits};

const API_VERSION: &str = "config.kubernetes.io/v1";

/// The document a KRM function reads on stdin and writes on stdout.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceList {
    /// The input's apiVersion, echoed back (kyaml does not check it).
    pub api_version: String,
    /// The resources, in input order.
    pub items: Vec<Resource>,
    /// The function's configuration object, if one was sent.
    pub function_config: Option<Value>,
    /// Results: those of earlier functions first (kept as sent), then ours.
    pub results: Vec<Value>,
    /// Any other top-level fields, kept.
    extra: Mapping,
}

impl ResourceList {
    /// A ResourceList around `items`.
    pub fn new(items: Vec<Resource>, function_config: Option<Value>) -> Self {
        Self {
            api_version: API_VERSION.to_owned(),
            items,
            function_config,
            results: Vec::new(),
            extra: Mapping::new(),
        }
    }

    /// Reads a ResourceList from YAML or JSON text. `source` names the input in errors.
    pub fn parse(text: &str, source: &str, limits: Limits) -> Result<Self, Error> {
        if text.trim().is_empty() {
            return Err(Error::shape(
                Location::file(source),
                "empty input: expected a ResourceList (apiVersion: config.kubernetes.io/v1, kind: ResourceList)",
            ));
        }
        let mut docs = yaml::parse_documents(text, source, limits)?;
        if docs.len() != 1 {
            return Err(Error::shape(
                Location::file(source),
                format!(
                    "found {} YAML documents; a KRM function reads exactly one ResourceList",
                    docs.len()
                ),
            ));
        }
        Self::from_value(docs.remove(0), source)
    }

    /// Interprets an already parsed document as a ResourceList (or a `kind: List`).
    pub fn from_value(doc: Value, source: &str) -> Result<Self, Error> {
        let Value::Mapping(mut top) = doc else {
            return Err(Error::shape(
                Location::file(source),
                format!("expected a ResourceList object, found {}", type_name(&doc)),
            ));
        };
        let kind = top
            .field("kind")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if kind != "ResourceList" && kind != "List" {
            let found = if kind.is_empty() {
                "no kind".to_owned()
            } else {
                format!("kind {kind:?}")
            };
            return Err(Error::shape(
                Location::file(source).field("kind"),
                format!("expected kind ResourceList, found {found}"),
            ));
        }
        let api_version = top
            .remove("apiVersion")
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_else(|| API_VERSION.to_owned());
        top.remove("kind");
        let items = match top.remove("items") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Sequence(seq)) => seq
                .into_iter()
                .enumerate()
                .map(|(i, item)| item_from_value(item, source, &format!("items[{i}]")))
                .collect::<Result<_, _>>()?,
            Some(other) => {
                return Err(Error::shape(
                    Location::file(source).field("items"),
                    format!("expected a list of resources, found {}", type_name(&other)),
                ));
            }
        };
        let function_config = top.remove("functionConfig").filter(|v| !v.is_null());
        if let Some(config) = function_config.as_ref().filter(|c| !c.is_mapping()) {
            return Err(Error::shape(
                Location::file(source).field("functionConfig"),
                format!("expected an object, found {}", type_name(config)),
            ));
        }
        let results = match top.remove("results") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Sequence(seq)) => seq,
            // The legacy kyaml form `{name, items}`: keep its items.
            Some(Value::Mapping(mut legacy)) => match legacy.remove("items") {
                Some(Value::Sequence(seq)) => seq,
                _ => Vec::new(),
            },
            Some(other) => vec![other],
        };
        Ok(Self {
            api_version,
            items,
            function_config,
            results,
            extra: top,
        })
    }

    /// Appends one of our results after any earlier ones.
    pub fn push_result(&mut self, result: &KrmResult) {
        // A KrmResult is plain data; serializing it cannot fail.
        if let Ok(value) = serde_yaml::to_value(result) {
            self.results.push(value);
        }
    }

    /// Writes the ResourceList as block-style YAML.
    pub fn to_yaml(&self) -> String {
        yaml::to_string(&self.to_value())
    }

    /// The ResourceList as one YAML value, in the field order the spec shows.
    pub fn to_value(&self) -> Value {
        let mut top = Mapping::new();
        top.insert("apiVersion".into(), self.api_version.clone().into());
        top.insert("kind".into(), "ResourceList".into());
        top.insert(
            "items".into(),
            Value::Sequence(
                self.items
                    .iter()
                    .map(|r| Value::Mapping(r.object().clone()))
                    .collect(),
            ),
        );
        if let Some(config) = &self.function_config {
            top.insert("functionConfig".into(), config.clone());
        }
        if !self.results.is_empty() {
            top.insert("results".into(), Value::Sequence(self.results.clone()));
        }
        for (k, v) in &self.extra {
            top.insert(k.clone(), v.clone());
        }
        Value::Mapping(top)
    }
}

fn item_from_value(item: Value, source: &str, field: &str) -> Result<Resource, Error> {
    let Value::Mapping(object) = item else {
        return Err(Error::shape(
            Location::file(source).field(field),
            format!("expected a Kubernetes object, found {}", type_name(&item)),
        ));
    };
    for key in ["apiVersion", "kind"] {
        match object.get(key) {
            Some(Value::String(s)) if !s.is_empty() => {}
            Some(other) => {
                return Err(Error::shape(
                    Location::file(source).field(format!("{field}.{key}")),
                    format!("expected a string, found {}", type_name(other)),
                ));
            }
            None => {
                return Err(Error::shape(
                    Location::file(source).field(field),
                    format!("not a Kubernetes object: it has no {key}"),
                ));
            }
        }
    }
    if let Some(meta) = object.field("metadata").filter(|m| !m.is_mapping()) {
        return Err(Error::shape(
            Location::file(source).field(format!("{field}.metadata")),
            format!("expected an object, found {}", type_name(meta)),
        ));
    }
    Ok(Resource::new(object))
}

/// Reads a plain YAML stream of resources (what kustomize's legacy exec plugins get on stdin).
/// A `kind: List` document contributes its items.
pub fn items_from_stream(text: &str, source: &str, limits: Limits) -> Result<Vec<Resource>, Error> {
    let mut items = Vec::new();
    for (doc_index, doc) in yaml::parse_documents(text, source, limits)?
        .into_iter()
        .enumerate()
    {
        let is_list = doc.field("kind").and_then(Value::as_str) == Some("List")
            && doc.field("items").is_some_and(Value::is_sequence);
        if is_list {
            let Some(Value::Sequence(seq)) = doc.field("items").cloned() else {
                continue;
            };
            for (i, item) in seq.into_iter().enumerate() {
                items.push(item_from_value(
                    item,
                    source,
                    &format!("document {doc_index}: items[{i}]"),
                )?);
            }
        } else {
            items.push(item_from_value(
                doc,
                source,
                &format!("document {doc_index}"),
            )?);
        }
    }
    Ok(items)
}

pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "an object",
        Value::Tagged(_) => "a tagged value",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INPUT: &str = "apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: app
    annotations:
      config.kubernetes.io/index: '0'
      internal.config.kubernetes.io/path: 'deploy.yaml'
      internal.config.kubernetes.io/seqindent: 'wide'
      config.k8s.io/id: '2'
  spec:
    replicas: 1
    unknownField: {keep: [me]}
functionConfig:
  metadata:
    name: function-input
  data: {foo: bar}
  kind: ConfigMap
  apiVersion: v1
results:
- message: from an earlier function
  severity: info
";

    #[test]
    fn round_trip_keeps_items_order_annotations_and_earlier_results() {
        let list = ResourceList::parse(INPUT, "<stdin>", Limits::default()).unwrap();
        let out = list.to_yaml();
        let again = ResourceList::parse(&out, "<out>", Limits::default()).unwrap();
        assert_eq!(list, again);
        insta::assert_snapshot!(out);
    }

    #[test]
    fn json_input_is_accepted() {
        let list = ResourceList::parse(
            r#"{"apiVersion":"config.kubernetes.io/v1","kind":"ResourceList","items":[{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}]}"#,
            "<stdin>",
            Limits::default(),
        )
        .unwrap();
        assert_eq!(list.items[0].name(), "c");
        assert!(
            list.to_yaml()
                .contains("- apiVersion: v1\n  kind: ConfigMap\n")
        );
    }

    #[test]
    fn wrong_shapes_are_named() {
        let cases = [
            ("", "empty input"),
            (
                "kind: Deployment\n",
                "expected kind ResourceList, found kind \"Deployment\"",
            ),
            ("- a\n", "expected a ResourceList object, found a list"),
            (
                "kind: ResourceList\nitems: 3\n",
                "<stdin>: items: expected a list of resources",
            ),
            (
                "kind: ResourceList\nitems:\n- 7\n",
                "<stdin>: items[0]: expected a Kubernetes object",
            ),
            (
                "kind: ResourceList\nitems:\n- kind: X\n",
                "items[0]: not a Kubernetes object: it has no apiVersion",
            ),
            (
                "kind: ResourceList\n---\nkind: ResourceList\n",
                "found 2 YAML documents",
            ),
        ];
        for (text, expected) in cases {
            let err = ResourceList::parse(text, "<stdin>", Limits::default()).unwrap_err();
            assert!(err.to_string().contains(expected), "{text:?}: {err}");
        }
    }

    #[test]
    fn streams_unwrap_lists() {
        let items = items_from_stream(
            "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: A, metadata: {name: a}}\n---\napiVersion: v1\nkind: B\nmetadata: {name: b}\n",
            "<stdin>",
            Limits::default(),
        )
        .unwrap();
        let kinds: Vec<_> = items.iter().map(Resource::kind).collect();
        assert_eq!(kinds, ["A", "B"]);
    }
}
