//! `azfn explain DIR 'Kind/name:field'`: a rendered field's value and every step that set it,
//! newest first, each with its file and line; through azfn's rendering to the `FunctionApp`
//! field it came from, and on to the patch or base line that set that.
use std::collections::BTreeMap;

use serde::Serialize;
use serde_yaml::Value;

use crate::fieldpath;
use crate::overlay::provenance::{Origin, Trace, origins_of};
use crate::overlay::{BuildError, BuildOptions, Rendered};
use crate::source::FileSource;

/// One field of the answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Field {
    /// `Kind/name` as rendered.
    pub resource: String,
    /// The field path, list items by name.
    pub field: String,
    /// The value as Kubernetes reads it (secret values are never shown).
    pub value: String,
    /// What set it, newest first.
    pub origins: Vec<Origin>,
}

/// Why there is no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExplainError {
    #[error("{0}")]
    Build(#[from] BuildError),
    #[error("expected KIND/NAME[:FIELD] (e.g. 'Deployment/orders:spec.replicas'), got {0:?}")]
    Query(String),
    #[error("the query is {0} bytes long; the limit is {MAX_QUERY}")]
    TooLong(usize),
    #[error("no {query} in the build; it has: {known}")]
    NoResource { query: String, known: String },
    #[error("{resource} has no field {field}{hint}")]
    NoField {
        resource: String,
        field: String,
        hint: String,
    },
}

/// The longest query answered: a field path longer than any real one is refused before the
/// build, so no hint search runs over it.
pub const MAX_QUERY: usize = 4096;

/// Builds `dir` recording provenance and explains `query` (`Kind/name` or `Kind/name:field`,
/// the name as rendered or as in the base).
pub fn explain(
    source: &dyn FileSource,
    dir: &str,
    options: &BuildOptions,
    query: &str,
) -> Result<Vec<Field>, ExplainError> {
    if query.len() > MAX_QUERY {
        return Err(ExplainError::TooLong(query.len()));
    }
    let (selector, field) = query.split_once(':').unwrap_or((query, ""));
    let (kind, name) = selector
        .split_once('/')
        .filter(|(k, n)| !k.is_empty() && !n.is_empty())
        .ok_or_else(|| ExplainError::Query(query.to_owned()))?;
    let rendered = crate::overlay::build_traced(source, dir, options)?;
    let Rendered {
        resources,
        local,
        traces,
        local_traces,
    } = rendered;
    let all: Vec<((Value, String), Trace)> = resources
        .into_iter()
        .chain(local)
        .zip(traces.into_iter().chain(local_traces))
        .collect();
    let name_of = |v: &Value| {
        v.get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let kind_of = |v: &Value| {
        v.get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    // What azfn rendered answers to its FunctionApp's base name too (`Deployment/orders`).
    let apps: BTreeMap<String, String> = all
        .iter()
        .filter(|((v, _), _)| kind_of(v) == crate::functionapp::KIND)
        .map(|((v, base), _)| (name_of(v), base.clone()))
        .collect();
    let base_of = |v: &Value, base: &str| {
        v.as_mapping()
            .and_then(|m| {
                crate::functionapp::rendered_base_name(m, base, |app| {
                    apps.get(app).map(String::as_str)
                })
            })
            .unwrap_or_else(|| base.to_owned())
    };
    let found = all
        .iter()
        .find(|((v, _), _)| kind_of(v) == kind && name_of(v) == name)
        .or_else(|| {
            all.iter()
                .find(|((v, base), _)| kind_of(v) == kind && base_of(v, base) == name)
        });
    let Some(((value, _), trace)) = found else {
        let known: Vec<String> = all
            .iter()
            .map(|((v, _), _)| format!("{}/{}", kind_of(v), name_of(v)))
            .collect();
        return Err(ExplainError::NoResource {
            query: selector.to_owned(),
            known: known.join(", "),
        });
    };
    let resource = format!("{}/{}", kind_of(value), name_of(value));
    let keyed = if field.is_empty() {
        String::new()
    } else {
        fieldpath::parse(field)
            .and_then(|segments| fieldpath::keyed(value, &segments))
            .ok_or_else(|| ExplainError::NoField {
                resource: resource.clone(),
                field: field.to_owned(),
                hint: hint(value, field),
            })?
    };
    let scalars = fieldpath::scalars(value, &BTreeMap::new());
    let fields: Vec<Field> = scalars
        .iter()
        .filter(|(path, _)| fieldpath::is_below(path, &keyed))
        .map(|(path, scalar)| Field {
            resource: resource.clone(),
            field: path.clone(),
            value: shown(path, scalar),
            origins: origins_of(trace, value, path),
        })
        .collect();
    if fields.is_empty() {
        return Err(ExplainError::NoField {
            resource,
            field: field.to_owned(),
            hint: hint(value, field),
        });
    }
    Ok(fields)
}

/// A value as shown: redacted where it holds a secret.
fn shown(field: &str, value: &str) -> String {
    match crate::secrets::find_secret(value) {
        Some(found) => format!("<{} in {field}: {}>", found.kind, found.redacted),
        None => value.to_owned(),
    }
}

/// The fields nearest to a mistyped one.
fn hint(value: &Value, field: &str) -> String {
    let scalars = fieldpath::scalars(value, &BTreeMap::new());
    let mut near: Vec<(usize, &String)> = scalars
        .keys()
        .map(|k| (crate::text::edit_distance(k, field), k))
        .collect();
    near.sort();
    match near.first() {
        Some((d, k)) if *d <= field.len() / 2 => format!("; did you mean {k}?"),
        _ => String::new(),
    }
}

/// The answer as text; `file` shows a build path as the user wrote it.
pub fn text(fields: &[Field], file: &dyn Fn(&str) -> String) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let mut resource = "";
    for f in fields {
        if f.resource != resource {
            resource = &f.resource;
            let _ = writeln!(out, "{resource}");
        }
        let _ = writeln!(out, "  {}: {}", f.field, quote(&f.value));
        write_origins(&mut out, &f.origins, 4, file);
    }
    out
}

fn quote(value: &str) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| value.to_owned())
}

fn write_origins(
    out: &mut String,
    origins: &[Origin],
    indent: usize,
    file: &dyn Fn(&str) -> String,
) {
    use std::fmt::Write as _;
    if origins.is_empty() {
        let _ = writeln!(out, "{:indent$}(no recorded origin)", "");
    }
    for origin in origins {
        let place = match origin.line {
            Some(line) => format!("{}:{line}", file(&origin.file)),
            None => file(&origin.file),
        };
        let entry = origin
            .entry
            .as_deref()
            .filter(|e| !e.is_empty())
            .map(|e| format!(" ({e})"))
            .unwrap_or_default();
        match &origin.derived {
            Some(d) => {
                let _ = writeln!(
                    out,
                    "{:indent$}{place}  {}{entry}: rendered from {} {}",
                    "",
                    origin.step.describe(),
                    d.resource,
                    d.field
                );
                write_origins(out, &d.origins, indent + 2, file);
            }
            None => {
                let _ = writeln!(
                    out,
                    "{:indent$}{place}  {}{entry}",
                    "",
                    origin.step.describe()
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::example;

    fn answer(dir: &str, query: &str) -> String {
        let options = crate::function::build_options();
        let fields = explain(&example(), dir, &options, query).unwrap();
        text(&fields, &|f: &str| f.trim_start_matches('/').to_owned())
    }

    #[test]
    fn a_rendered_setting_goes_back_to_the_patch_then_the_base() {
        insta::assert_snapshot!(answer(
            "overlays/prod",
            "Deployment/orders:spec.template.spec.containers[name=func].env[name=AZURE_FUNCTIONS_ENVIRONMENT].value"
        ));
    }

    #[test]
    fn prefixes_images_and_labels_name_their_kustomization_line() {
        insta::assert_snapshot!(answer("overlays/prod", "Deployment/prod-orders:metadata"));
    }
}
