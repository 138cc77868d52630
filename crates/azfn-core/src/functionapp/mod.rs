//! The `FunctionApp` kind and its rendering. The transformer renders every FunctionApp in a
//! ResourceList, right after it, and keeps the FunctionApp itself as local config (kustomize
//! drops it from the build; kpt keeps the source file). Objects it rendered earlier are
//! replaced, so running it again, or again after an overlay renamed things, gives linked,
//! identical output.
pub mod azure_facts;
pub mod inputs;
pub mod origins;
pub mod render;
pub mod roles;
pub mod spec;

use serde_yaml::{Mapping, Value};

use crate::config::API_VERSION;
use crate::error::Error;
use crate::krm::{Resource, ResourceList};
use crate::schema;
use crate::yaml::Field;

/// Kind of the app spec.
pub const KIND: &str = "FunctionApp";
const LOCAL_CONFIG: &str = "config.kubernetes.io/local-config";
const PREVIOUS_NAMES: &str = "internal.config.kubernetes.io/previousNames";

/// An informational note about a rendered app, reported as an info result.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    /// The FunctionApp.
    pub resource: Resource,
    /// Field path in the FunctionApp.
    pub field: String,
    /// What the user should know.
    pub message: String,
}

fn is_function_app(resource: &Resource) -> bool {
    resource.api_version() == API_VERSION && resource.kind() == KIND
}

/// The names a FunctionApp had before kustomize renamed it, and its current name.
fn names_of(app: &Resource) -> Vec<String> {
    let mut names = vec![app.name().to_owned()];
    if let Some(previous) = app.annotation(PREVIOUS_NAMES) {
        names.extend(previous.split(',').map(str::to_owned));
    }
    names
}

/// Renders every FunctionApp in `list`. Returns notes; the list's items are updated in place.
pub fn transform(list: &mut ResourceList, source: &str) -> Result<Vec<Note>, Error> {
    if !list.items.iter().any(is_function_app) {
        return Ok(Vec::new());
    }
    let apps: Vec<Resource> = list
        .items
        .iter()
        .filter(|r| is_function_app(r))
        .cloned()
        .collect();
    let owned: Vec<String> = apps
        .iter()
        .flat_map(names_of)
        .map(|n| format!("FunctionApp/{n}"))
        .collect();
    let mut items = Vec::with_capacity(list.items.len());
    let mut notes = Vec::new();
    for item in std::mem::take(&mut list.items) {
        let rendered_by_us = item
            .annotation(render::RENDERED_FROM)
            .is_some_and(|from| owned.iter().any(|o| o == from));
        if rendered_by_us {
            continue;
        }
        if !is_function_app(&item) {
            items.push(item);
            continue;
        }
        let (app, rendered) = render_one(item, source)?;
        notes.extend(rendered.notes.into_iter().map(|(field, message)| Note {
            resource: app.clone(),
            field,
            message,
        }));
        let path = app.file_path().map(rendered_path);
        items.push(app);
        for (i, object) in rendered.objects.into_iter().enumerate() {
            let mut object = object;
            if let Some(path) = &path {
                set_path(&mut object, path, i);
            }
            items.push(Resource::new(object));
        }
    }
    list.items = items;
    Ok(notes)
}

/// Under kpt, rendered objects go to their own file beside the FunctionApp's.
fn rendered_path(app_path: &str) -> String {
    let stem = app_path
        .strip_suffix(".yaml")
        .or_else(|| app_path.strip_suffix(".yml"))
        .unwrap_or(app_path);
    format!("{stem}.rendered.yaml")
}

fn set_path(object: &mut Mapping, path: &str, index: usize) {
    let Some(Value::Mapping(metadata)) = object.get_mut("metadata") else {
        return;
    };
    let annotations = metadata
        .entry("annotations".into())
        .or_insert_with(|| Value::Mapping(Mapping::new()));
    if let Value::Mapping(annotations) = annotations {
        for key in [
            "config.kubernetes.io/path",
            "internal.config.kubernetes.io/path",
        ] {
            annotations.insert(key.into(), path.into());
        }
        for key in [
            "config.kubernetes.io/index",
            "internal.config.kubernetes.io/index",
        ] {
            annotations.insert(key.into(), index.to_string().into());
        }
    }
}

fn render_one(mut app: Resource, source: &str) -> Result<(Resource, render::Rendered), Error> {
    let file = app.file_path().unwrap_or(source).to_owned();
    let resource = format!("{KIND}/{}", app.name());
    let fail = |problems: Vec<(String, String)>| Error::Spec {
        file: file.clone(),
        resource: resource.clone(),
        problems,
    };
    let spec_value = app.field("spec").cloned().unwrap_or(Value::Null);
    if spec_value.is_null() {
        return Err(fail(vec![(
            "spec".into(),
            "a FunctionApp needs a spec".into(),
        )]));
    }
    let mut problems = Vec::new();
    schema::check(&spec_value, &spec::SPEC_SHAPE, "spec", &mut problems);
    if !problems.is_empty() {
        return Err(fail(problems));
    }
    let typed: spec::Spec = serde_yaml::from_value(spec_value)
        .map_err(|e| fail(vec![("spec".into(), e.to_string())]))?;
    let labels = app
        .get_path(&["metadata", "labels"])
        .and_then(Value::as_mapping)
        .cloned()
        .unwrap_or_default();
    let rendered = render::render(app.name(), app.namespace(), labels, &typed).map_err(fail)?;
    ensure_local_config(&mut app);
    Ok((app, rendered))
}

/// The FunctionApp is a spec, not something to apply: marking it local config makes kustomize
/// drop it from the build and `kpt live apply` skip it.
fn ensure_local_config(app: &mut Resource) {
    if app.is_local_config() {
        return;
    }
    let object = app.object_mut();
    let metadata = object
        .entry("metadata".into())
        .or_insert_with(|| Value::Mapping(Mapping::new()));
    if let Value::Mapping(metadata) = metadata {
        let annotations = metadata
            .entry("annotations".into())
            .or_insert_with(|| Value::Mapping(Mapping::new()));
        if let Value::Mapping(annotations) = annotations {
            annotations.insert(LOCAL_CONFIG.into(), "true".into());
        }
    }
}

/// The name of the `FunctionApp` azfn rendered `object` from (its `azfn.dev/rendered-from`
/// annotation); `None` for anything azfn did not render.
pub fn rendered_from(object: &Mapping) -> Option<&str> {
    object
        .get("metadata")?
        .get("annotations")?
        .get(render::RENDERED_FROM)?
        .as_str()?
        .strip_prefix("FunctionApp/")
}

/// What azfn rendered is named after its `FunctionApp`'s final name: `name` with that name
/// replaced by the app's base name (`app_base` looks it up). `None` for anything azfn did not
/// render, or an app `app_base` does not know.
pub fn rendered_base_name<'a>(
    object: &Mapping,
    name: &str,
    app_base: impl FnOnce(&str) -> Option<&'a str>,
) -> Option<String> {
    let app = rendered_from(object)?;
    Some(name.replacen(app, app_base(app)?, 1))
}

/// The JSON Schema of the FunctionApp kind, for editors and the web page.
pub fn json_schema() -> serde_json::Value {
    schema::document_schema(
        API_VERSION,
        KIND,
        "An Azure Functions app on AKS with KEDA, rendered by azfn.",
        &spec::SPEC_SHAPE,
        &["apiVersion", "kind", "metadata", "spec"],
    )
}

/// The field reference table of `docs/functionapp.md`.
pub fn reference_table() -> String {
    let mut rows = vec![
        "| field | type | required | description |".to_owned(),
        "|---|---|---|---|".to_owned(),
    ];
    schema::reference_rows(&spec::SPEC_SHAPE, "spec", &mut rows);
    rows.join("\n") + "\n"
}
