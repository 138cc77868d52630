//! Small builds next to the renderer: each case is a tree in memory and the YAML it renders
//! (an `insta` snapshot), or the error it fails with and the place that error carries.
use super::*;
use crate::error::Error;
use crate::source::MemorySource;

fn tree(files: &[(&str, &str)]) -> MemorySource {
    let mut source = MemorySource::new();
    for (path, text) in files {
        source.insert(*path, *text);
    }
    source
}

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders
spec:
  replicas: 1
  template:
    spec:
      containers:
      - name: func
        image: orders:1.0
        env:
        - name: MODE
          value: base
";

fn base() -> Vec<(&'static str, &'static str)> {
    vec![
        ("base/kustomization.yaml", "resources:\n- deployment.yaml\n"),
        ("base/deployment.yaml", DEPLOYMENT),
    ]
}

fn build_ok(files: &[(&str, &str)], dir: &str) -> String {
    build_yaml(&tree(files), dir, &BuildOptions::default()).unwrap_or_else(|e| panic!("{dir}: {e}"))
}

fn build_err(files: &[(&str, &str)], dir: &str) -> BuildError {
    match build_yaml(&tree(files), dir, &BuildOptions::default()) {
        Ok(yaml) => panic!("{dir} built:\n{yaml}"),
        Err(e) => e,
    }
}

/// The error of a `prod` overlay over the base: its kustomization, and its other files.
fn prod_err(kustomization: &str, files: &[(&str, &str)]) -> BuildError {
    let mut all = base();
    all.push(("prod/kustomization.yaml", kustomization));
    all.extend(files);
    build_err(&all, "prod")
}

#[test]
fn a_strategic_merge_patch_prefix_and_image_in_an_overlay() {
    let mut files = base();
    files.extend([
        (
            "prod/kustomization.yaml",
            "resources:\n- ../base\nnamePrefix: prod-\nimages:\n- name: orders\n  newTag: \"2.0\"\npatches:\n- path: env.yaml\n",
        ),
        (
            "prod/env.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: orders\nspec:\n  template:\n    spec:\n      containers:\n      - name: func\n        env:\n        - name: MODE\n          value: prod\n",
        ),
    ]);
    insta::assert_snapshot!(build_ok(&files, "prod"));
}

#[test]
fn a_json6902_patch_and_a_generated_config_map_with_its_hash() {
    let mut files = base();
    files.extend([(
        "dev/kustomization.yaml",
        "resources:\n- ../base\nconfigMapGenerator:\n- name: settings\n  literals:\n  - MODE=dev\npatches:\n- target:\n    kind: Deployment\n    name: orders\n  patch: |-\n    - op: replace\n      path: /spec/replicas\n      value: 3\n",
    )]);
    insta::assert_snapshot!(build_ok(&files, "dev"));
}

#[test]
fn a_missing_patch_file_is_an_error_at_the_kustomization_entry() {
    let e = prod_err(
        "resources:\n- ../base\npatches:\n- path: nowhere.yaml\n",
        &[],
    );
    assert_eq!(
        e.location,
        Location::at("/prod/kustomization.yaml", "patches[0]")
    );
    assert!(e.message.contains("/prod/nowhere.yaml"), "{e}");
    assert_eq!(
        e.to_string(),
        "/prod/kustomization.yaml: patches[0]: open /prod/nowhere.yaml: no such file or directory"
    );
}

#[test]
fn a_yaml_error_in_a_patch_file_is_at_that_file_and_line_inside_its_entry() {
    let e = prod_err(
        "resources:\n- ../base\npatches:\n- path: env.yaml\n",
        &[(
            "prod/env.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: [orders\n",
        )],
    );
    assert_eq!(e.location.file, "/prod/env.yaml");
    assert!(e.location.line.is_some_and(|l| l >= 4), "{e:?}");
    assert_eq!(e.context, ["/prod/kustomization.yaml: patches[0]"]);
}

#[test]
fn a_yaml_error_in_an_inline_patch_is_at_the_entry_and_counts_its_own_lines() {
    let e = prod_err(
        "resources:\n- ../base\npatches:\n- patch: |-\n    kind: Deployment\n    metadata: [orders\n",
        &[],
    );
    assert_eq!(
        e.location,
        Location::at("/prod/kustomization.yaml", "patches[0]")
    );
    assert!(e.message.contains("of the inline text"), "{e}");
}

#[test]
fn an_unknown_image_field_is_at_that_entry_and_field() {
    let e = prod_err("resources:\n- ../base\nimages:\n- newTag: \"2.0\"\n", &[]);
    assert_eq!(
        e.location,
        Location::at("/prod/kustomization.yaml", "images[0].name")
    );
}

#[test]
fn a_missing_resource_is_at_the_resources_field() {
    let files = [("app/kustomization.yaml", "resources:\n- gone.yaml\n")];
    let e = build_err(&files, "app");
    assert_eq!(
        e.location,
        Location::at("/app/kustomization.yaml", "resources")
    );
    assert!(e.message.contains("gone.yaml"), "{e}");
}

#[test]
fn a_transformer_with_no_plugin_is_refused_at_its_entry() {
    let e = prod_err(
        "resources:\n- ../base\ntransformers:\n- |-\n  apiVersion: example.com/v1\n  kind: Mystery\n",
        &[],
    );
    assert_eq!(
        e.location,
        Location::at("/prod/kustomization.yaml", "transformers[0]")
    );
    assert!(e.message.contains("not supported by azfn build"), "{e}");
}

#[test]
fn an_invalid_function_app_field_becomes_one_error_per_field() {
    let error = BuildError::from(Error::Spec {
        file: "/base/app.yaml".into(),
        resource: "FunctionApp/orders".into(),
        problems: vec![
            ("spec.image".into(), "required".into()),
            ("spec.replicas".into(), "expected a number".into()),
        ],
    });
    assert_eq!(
        error.location,
        Location::file("/base/app.yaml")
            .resource("FunctionApp/orders")
            .field("spec.image")
    );
    assert_eq!(error.also.len(), 1);
    assert_eq!(
        error.to_string(),
        "/base/app.yaml: FunctionApp/orders: spec.image: required\n/base/app.yaml: FunctionApp/orders: spec.replicas: expected a number"
    );
}
