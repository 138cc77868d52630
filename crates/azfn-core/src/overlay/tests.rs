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

#[test]
fn a_generated_config_map_is_referenced_by_its_final_name_after_prefix_and_hash() {
    let files = [
        (
            "app/kustomization.yaml",
            "namePrefix: app-\nresources:\n- deployment.yaml\nconfigMapGenerator:\n- name: settings\n  literals:\n  - MODE=prod\n",
        ),
        (
            "app/deployment.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: orders\nspec:\n  template:\n    spec:\n      containers:\n      - name: func\n        image: orders:1.0\n        envFrom:\n        - configMapRef:\n            name: settings\n      volumes:\n      - name: cfg\n        configMap:\n          name: settings\n",
        ),
    ];
    insta::assert_snapshot!(build_ok(&files, "app"));
}

#[test]
fn stacked_overlays_compose_prefixes_namespace_and_labels() {
    let mut files = base();
    files.extend([
        (
            "mid/kustomization.yaml",
            "resources:\n- ../base\nnamePrefix: mid-\nnamespace: orders\n",
        ),
        (
            "top/kustomization.yaml",
            "resources:\n- ../mid\nnamePrefix: top-\nnameSuffix: -v2\nlabels:\n- pairs:\n    tier: web\n  includeSelectors: false\n",
        ),
    ]);
    insta::assert_snapshot!(build_ok(&files, "top"));
}

#[test]
fn a_replacement_copies_a_config_value_into_the_deployment() {
    let mut files = base();
    files.extend([
        (
            "prod/kustomization.yaml",
            "resources:\n- ../base\n- settings.yaml\nreplacements:\n- source:\n    kind: ConfigMap\n    name: settings\n    fieldPath: data.mode\n  targets:\n  - select:\n      kind: Deployment\n    fieldPaths:\n    - spec.template.spec.containers.[name=func].env.[name=MODE].value\n",
        ),
        (
            "prod/settings.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: replaced\n",
        ),
    ]);
    insta::assert_snapshot!(build_ok(&files, "prod"));
}

#[test]
fn a_component_and_replicas_apply_in_the_overlay() {
    let mut files = base();
    files.extend([
        (
            "prod/kustomization.yaml",
            "resources:\n- ../base\ncomponents:\n- ../debug\nreplicas:\n- name: orders\n  count: 4\n",
        ),
        (
            "debug/kustomization.yaml",
            "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncommonAnnotations:\n  debug: \"on\"\n",
        ),
    ]);
    insta::assert_snapshot!(build_ok(&files, "prod"));
}

/// The overlay of the first case, traced: same output, and each field knows its file and line.
#[test]
fn a_traced_build_has_the_same_output_and_names_the_line_that_set_each_field() {
    use provenance::Step;
    let mut files = base();
    files.extend([
        (
            "prod/kustomization.yaml",
            "resources:\n- ../base\nnamePrefix: prod-\npatches:\n- path: env.yaml\n- target:\n    kind: Deployment\n  patch: |-\n    - op: replace\n      path: /spec/replicas\n      value: 3\n",
        ),
        (
            "prod/env.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: orders\nspec:\n  template:\n    spec:\n      containers:\n      - name: func\n        env:\n        - name: MODE\n          value: prod\n",
        ),
    ]);
    let source = tree(&files);
    let options = BuildOptions::default();
    let plain = build_with_base_names(&source, "prod", &options).expect("build");
    let traced = build_traced(&source, "prod", &options).expect("traced build");
    assert_eq!(
        plain.resources, traced.resources,
        "tracing changed the output"
    );
    assert!(plain.traces.is_empty());
    let (deployment, base_name) = &traced.resources[0];
    assert_eq!(base_name, "orders");
    let trace = &traced.traces[0];
    let place = |field: &str| {
        provenance::origins_of(trace, deployment, field)
            .iter()
            .map(|o| (o.step, o.file.clone(), o.line, o.entry.clone()))
            .collect::<Vec<_>>()
    };
    let env = place("spec.template.spec.containers[name=func].env[name=MODE].value");
    assert_eq!(
        env.first(),
        Some(&(
            Step::StrategicMergePatch,
            "/prod/env.yaml".to_owned(),
            Some(12),
            Some("patches[0]".to_owned())
        )),
        "{env:?}"
    );
    assert!(
        env.iter()
            .any(|o| o.0 == Step::Resource && o.1 == "/base/deployment.yaml" && o.2 == Some(14)),
        "{env:?}"
    );
    let replicas = place("spec.replicas");
    assert_eq!(replicas[0].0, Step::Json6902Patch, "{replicas:?}");
    assert_eq!(replicas[0].1, "/prod/kustomization.yaml");
    assert_eq!(replicas[0].3.as_deref(), Some("patches[1]"));
    let name = place("metadata.name");
    assert_eq!(name[0].0, Step::NamePrefix, "{name:?}");
    assert_eq!(name[0].2, Some(3), "{name:?}");
    let image = place("spec.template.spec.containers[name=func].image");
    assert_eq!(
        image,
        [(
            Step::Resource,
            "/base/deployment.yaml".to_owned(),
            Some(11),
            None
        )]
    );
}
