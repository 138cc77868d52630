//! Reading a kustomization file: the fields azfn builds, typed, and a clear error for every
//! field it does not.
use crate::error::Location;
use serde_yaml::{Mapping, Value};

use super::BuildError;
use super::paths;
use crate::source::FileSource;

/// The names kustomize looks for, in its order.
pub(crate) const FILE_NAMES: [&str; 3] =
    ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Fields azfn reads.
const KNOWN: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "resources",
    "bases",
    "components",
    "namespace",
    "namePrefix",
    "nameSuffix",
    "commonLabels",
    "labels",
    "commonAnnotations",
    "images",
    "replicas",
    "patches",
    "patchesStrategicMerge",
    "patchesJson6902",
    "configMapGenerator",
    "secretGenerator",
    "generatorOptions",
    "replacements",
    "sortOptions",
    "buildMetadata",
    "configurations",
    "transformers",
];

/// Fields kustomize has and azfn deliberately does not build.
const UNSUPPORTED: &[&str] = &[
    "vars",
    "helmCharts",
    "helmGlobals",
    "helmChartInflationGenerator",
    "openapi",
    "crds",
    "generators",
    "validators",
    "imageTags",
];

/// A parsed kustomization (or Component).
#[derive(Debug, Clone, Default)]
pub(crate) struct Kustomization {
    /// Path of the kustomization file.
    pub file: String,
    /// Its directory.
    pub dir: String,
    pub is_component: bool,
    pub resources: Vec<String>,
    pub components: Vec<String>,
    pub namespace: Option<String>,
    pub name_prefix: String,
    pub name_suffix: String,
    pub common_labels: Vec<(String, String)>,
    pub labels: Vec<Value>,
    pub common_annotations: Vec<(String, String)>,
    pub images: Vec<Value>,
    pub replicas: Vec<Value>,
    pub patches: Vec<Value>,
    pub patches_strategic_merge: Vec<Value>,
    pub patches_json6902: Vec<Value>,
    pub config_map_generator: Vec<Value>,
    pub secret_generator: Vec<Value>,
    pub generator_options: Option<Value>,
    pub replacements: Vec<Value>,
    pub sort_options: Option<Value>,
    pub build_metadata: Vec<String>,
    pub configurations: Vec<String>,
    pub transformers: Vec<Value>,
}

/// Finds and parses the kustomization in `dir`.
pub(crate) fn load(source: &dyn FileSource, dir: &str) -> Result<Kustomization, BuildError> {
    let mut found = Vec::new();
    for name in FILE_NAMES {
        let path = paths::join(dir, name).unwrap_or_default();
        match source.read(&path) {
            Ok(bytes) => found.push((path, bytes)),
            Err(crate::source::SourceError::NotFound(_)) => {}
            // An unreadable or over-limit file is not a missing one.
            Err(e) => {
                return Err(BuildError::at(
                    &Location::file(paths::display(&path)),
                    e.to_string(),
                ));
            }
        }
    }
    if found.len() > 1 {
        return Err(BuildError::new(format!(
            "Found multiple kustomization files under: {}",
            paths::display(dir)
        )));
    }
    let Some((file, bytes)) = found.pop() else {
        return Err(BuildError::missing_kustomization(dir));
    };
    parse(&file, dir, &bytes)
}

#[allow(clippy::too_many_lines, reason = "one arm per kustomization field")]
fn parse(file: &str, dir: &str, bytes: &[u8]) -> Result<Kustomization, BuildError> {
    let shown = paths::display(file);
    let text = crate::text::decode(bytes)
        .map_err(|e| BuildError::at(&Location::file(shown.as_str()), format!("{e}")))?;
    let docs = crate::yaml::parse_documents_lenient(&text, &shown, crate::yaml::Limits::default())
        .map_err(BuildError::from)?;
    let value = match docs.len() {
        0 => Value::Mapping(Mapping::new()),
        1 => docs.into_iter().next().unwrap_or_default(),
        _ => {
            return Err(BuildError::at(
                &Location::file(shown.as_str()),
                format!(
                    "a kustomization file holds one document, found {}",
                    docs.len()
                ),
            ));
        }
    };
    let map = match value {
        Value::Mapping(map) => map,
        Value::Null => Mapping::new(),
        _ => {
            return Err(BuildError::at(
                &Location::file(shown.as_str()),
                "expected a mapping",
            ));
        }
    };
    let mut k = Kustomization {
        file: file.to_owned(),
        dir: dir.to_owned(),
        ..Kustomization::default()
    };
    let field_error =
        |field: &str, message: &str| BuildError::at(&Location::at(shown.as_str(), field), message);
    let kind = map
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("Kustomization");
    let api_version = map
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match kind {
        "Kustomization" => {}
        "Component" => {
            k.is_component = true;
            if !api_version.is_empty() && api_version != "kustomize.config.k8s.io/v1alpha1" {
                return Err(BuildError::at(
                    &Location::file(shown.as_str()),
                    "apiVersion for Component should be kustomize.config.k8s.io/v1alpha1",
                ));
            }
        }
        other => {
            return Err(field_error(
                "kind",
                &format!("expected Kustomization or Component, found {other:?}"),
            ));
        }
    }
    for (key, value) in &map {
        let written = key.as_str().unwrap_or_default();
        // kustomize reads the file through Go's encoding/json, which matches field names
        // case-insensitively (`nameprefix` is namePrefix).
        let key = KNOWN
            .iter()
            .chain(UNSUPPORTED)
            .find(|k| k.eq_ignore_ascii_case(written))
            .copied()
            .unwrap_or(written);
        if UNSUPPORTED.contains(&key) {
            return Err(BuildError::unsupported(
                &Location::file(shown.as_str()),
                key,
            ));
        }
        if !KNOWN.contains(&key) {
            return Err(field_error(key, &crate::text::unknown("field", key, KNOWN)));
        }
        if value.is_null() {
            continue;
        }
        let strings = || string_list(value).map_err(|m| field_error(key, &m));
        let list = || {
            value
                .as_sequence()
                .cloned()
                .ok_or_else(|| field_error(key, "expected a list"))
        };
        let string = || scalar_string(value).ok_or_else(|| field_error(key, "expected a string"));
        match key {
            "resources" => k.resources.extend(strings()?),
            "components" => k.components = strings()?,
            "namespace" => k.namespace = Some(string()?),
            "namePrefix" => k.name_prefix = string()?,
            "nameSuffix" => k.name_suffix = string()?,
            "commonLabels" => {
                k.common_labels = string_map(value).map_err(|m| field_error(key, &m))?;
                refuse_yaml11_bools(&text, &k.common_labels).map_err(|m| field_error(key, &m))?;
            }
            "commonAnnotations" => {
                k.common_annotations = string_map(value).map_err(|m| field_error(key, &m))?;
                refuse_yaml11_bools(&text, &k.common_annotations)
                    .map_err(|m| field_error(key, &m))?;
            }
            "labels" => {
                k.labels = list()?;
                for entry in &k.labels {
                    if let Some(pairs) = entry.get("pairs").filter(|p| !p.is_null()) {
                        let pairs = string_map(pairs).map_err(|m| field_error(key, &m))?;
                        refuse_yaml11_bools(&text, &pairs).map_err(|m| field_error(key, &m))?;
                    }
                }
            }
            "images" => k.images = list()?,
            "replicas" => k.replicas = list()?,
            "patches" => k.patches = list()?,
            "patchesStrategicMerge" => k.patches_strategic_merge = list()?,
            "patchesJson6902" => k.patches_json6902 = list()?,
            "configMapGenerator" => k.config_map_generator = list()?,
            "secretGenerator" => k.secret_generator = list()?,
            "generatorOptions" => k.generator_options = Some(value.clone()),
            "replacements" => k.replacements = list()?,
            "sortOptions" => k.sort_options = Some(value.clone()),
            "buildMetadata" => k.build_metadata = strings()?,
            "configurations" => k.configurations = strings()?,
            "transformers" => k.transformers = list()?,
            _ => {} // `bases` is appended after `resources` below, as kustomize does
        }
    }
    if let Some(bases) = map.get("bases").filter(|v| !v.is_null()) {
        k.resources
            .extend(string_list(bases).map_err(|m| field_error("bases", &m))?);
    }
    Ok(k)
}

/// Words YAML 1.1 reads as booleans; kustomize's reader (go-yaml v2) does, where ours does not.
const YAML11_BOOLS: &[&str] = &[
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off",
    "OFF",
];

/// kustomize refuses `key: yes` in a string map: unquoted, go-yaml v2 reads a boolean. Our
/// parser keeps no quoting, so the text is consulted for an unquoted occurrence.
fn refuse_yaml11_bools(text: &str, pairs: &[(String, String)]) -> Result<(), String> {
    for (key, value) in pairs {
        if !YAML11_BOOLS.contains(&value.as_str()) {
            continue;
        }
        let unquoted = text.lines().any(|line| {
            let line = line.split(" #").next().unwrap_or(line).trim();
            let line = line.strip_prefix("- ").unwrap_or(line).trim_start();
            line.strip_prefix(key.as_str())
                .and_then(|rest| rest.trim_start().strip_prefix(':'))
                .is_some_and(|rest| rest.trim() == value)
        });
        if unquoted {
            return Err(format!(
                "{key}: cannot unmarshal bool into a string value (`{value}` is a YAML 1.1 boolean: quote it)"
            ));
        }
    }
    Ok(())
}

/// A scalar as kustomize reads it into a string field.
pub(crate) fn scalar_string(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

pub(crate) fn string_list(value: &Value) -> Result<Vec<String>, String> {
    let seq = value.as_sequence().ok_or("expected a list of strings")?;
    seq.iter()
        .map(|v| scalar_string(v).ok_or_else(|| "expected a list of strings".to_owned()))
        .collect()
}

/// A string-to-string map in its written order.
pub(crate) fn string_map(value: &Value) -> Result<Vec<(String, String)>, String> {
    let map = value.as_mapping().ok_or("expected a map of strings")?;
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for (k, v) in map {
        let key = scalar_string(k).ok_or("expected string keys")?;
        // kustomize reads these maps as Go map[string]string: a bare `true` or `1` is an error.
        let val = match v {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            Value::Bool(_) => {
                return Err(format!(
                    "{key}: cannot unmarshal bool into a string value (quote it)"
                ));
            }
            Value::Number(_) => {
                return Err(format!(
                    "{key}: cannot unmarshal number into a string value (quote it)"
                ));
            }
            _ => return Err(format!("{key}: expected a string value")),
        };
        if seen.insert(key.clone()) {
            out.push((key, val));
        }
    }
    Ok(out)
}
