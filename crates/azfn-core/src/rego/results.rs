//! What a rule set sees (`input`) and what its results become (findings).
use serde::Deserialize;
use serde_json::Value as Json;

use super::RuleSet;
use crate::diagnostic::Diagnostic;
use crate::krm::{Resource, ResourceRef, Severity, landing};

/// Annotations kustomize and kpt add for their own bookkeeping: a policy sees the object as
/// the user wrote it, so it says the same thing under kustomize, kpt and `azfn check`.
fn is_bookkeeping(key: &str) -> bool {
    key.starts_with("internal.config.kubernetes.io/")
        || key.starts_with("config.kubernetes.io/")
        || key.starts_with("config.k8s.io/")
        || key.starts_with("kustomize.config.k8s.io/")
}

/// The object as a policy sees it.
fn plain(resource: &Resource) -> serde_yaml::Value {
    let mut object = resource.object().clone();
    if let Some(serde_yaml::Value::Mapping(metadata)) = object.get_mut("metadata")
        && let Some(serde_yaml::Value::Mapping(annotations)) = metadata.get_mut("annotations")
    {
        annotations.retain(|k, _| !k.as_str().is_some_and(is_bookkeeping));
        if annotations.is_empty() {
            metadata.remove("annotations");
        }
    }
    serde_yaml::Value::Mapping(object)
}

/// `input` for one object.
pub(super) fn input_of(resource: &Resource) -> regorus::Value {
    regorus::Value::deserialize(&plain(resource)).unwrap_or(regorus::Value::Null)
}

/// `input` for the whole environment, in conftest's `--combine` shape.
pub(super) fn combined_input(resources: &[&Resource]) -> regorus::Value {
    let documents: Vec<serde_yaml::Value> = resources
        .iter()
        .map(|r| {
            let mut entry = serde_yaml::Mapping::new();
            entry.insert("path".into(), r.file_path().unwrap_or_default().into());
            entry.insert("contents".into(), plain(r));
            serde_yaml::Value::Mapping(entry)
        })
        .collect();
    regorus::Value::deserialize(&serde_yaml::Value::Sequence(documents))
        .unwrap_or(regorus::Value::Null)
}

/// The fields of a result in azfn's shape; conftest's `{msg, details}` is the same with only `msg`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Shaped {
    msg: Option<String>,
    code: Option<String>,
    severity: Option<Severity>,
    field: Option<String>,
    resource: Option<Named>,
}

/// The object a result names: `{kind, name, namespace}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Named {
    api_version: Option<String>,
    kind: String,
    name: String,
    namespace: String,
}

/// Turns the value of `set` into findings: each string is a message about `about` (the
/// input object), each object a finding in azfn's shape.
pub(super) fn collect(
    set: &RuleSet,
    value: &regorus::Value,
    about: Option<&Resource>,
    all: &[&Resource],
    findings: &mut Vec<Diagnostic>,
) {
    let Ok(json) = serde_json::to_value(value) else {
        return;
    };
    let entries = match json {
        Json::Array(items) => items,
        Json::String(_) | Json::Object(_) => vec![json],
        _ => return, // undefined, false: nothing to report
    };
    for entry in entries {
        let shaped = match entry {
            Json::String(msg) => Shaped {
                msg: Some(msg),
                ..Shaped::default()
            },
            Json::Object(_) => serde_json::from_value(entry.clone()).unwrap_or_else(|e| Shaped {
                msg: Some(format!(
                    "{} gave a result azfn cannot read ({e}): {entry}",
                    set.code()
                )),
                ..Shaped::default()
            }),
            other => Shaped {
                msg: Some(other.to_string()),
                ..Shaped::default()
            },
        };
        findings.push(finding(set, shaped, about, all));
    }
}

fn finding(
    set: &RuleSet,
    shaped: Shaped,
    about: Option<&Resource>,
    all: &[&Resource],
) -> Diagnostic {
    let code = shaped.code.unwrap_or_else(|| set.code());
    let message = shaped
        .msg
        .unwrap_or_else(|| format!("{} reported a result without msg", set.code()));
    let mut diagnostic = Diagnostic::new(
        (&code, &set.rule),
        shaped.severity.unwrap_or_else(|| set.severity()),
        message,
    );
    let named = shaped.resource.map(|n| {
        let found = all.iter().copied().find(|r| {
            r.kind() == n.kind
                && r.name() == n.name
                && landing(r.namespace()) == landing(&n.namespace)
        });
        (n, found)
    });
    let resource = match named {
        Some((_, Some(found))) => Some(found),
        Some((n, None)) => {
            diagnostic.resource = Some(ResourceRef {
                api_version: n.api_version.unwrap_or_default(),
                kind: n.kind,
                name: n.name,
                namespace: n.namespace,
            });
            None
        }
        None => about,
    };
    if let Some(resource) = resource {
        diagnostic.resource = Some(ResourceRef {
            api_version: resource.api_version().to_owned(),
            kind: resource.kind().to_owned(),
            name: resource.name().to_owned(),
            namespace: resource.namespace().to_owned(),
        });
        diagnostic.file = resource.file_path().map(str::to_owned);
        diagnostic.index = resource
            .file_path()
            .map(|_| resource.file_index().unwrap_or(0));
    }
    diagnostic.field = shaped.field;
    diagnostic
}
