//! `azfn explain` on copies of the example app: each answer names the file and line a person
//! would edit (an overlay's patch before the base, a FunctionApp field before what azfn
//! rendered from it), and never shows a secret value.
use std::path::{Path, PathBuf};

use azfn_tests::{azfn_bin, command, copy_dir, run, scratch, text, workspace};

fn example(name: &str) -> PathBuf {
    let root = scratch(name);
    copy_dir(&workspace().join("examples/orders"), &root);
    root
}

fn explain(root: &Path, dir: &str, query: &str, format: &str) -> (Option<i32>, String, String) {
    let out = run(
        command(azfn_bin())
            .current_dir(root)
            .args(["explain", dir, query, "--format", format]),
        b"",
    );
    let (stdout, stderr) = text(&out);
    (out.status.code(), stdout, stderr)
}

/// The 1-based line of the first line of `file` containing `needle`.
fn line_of(file: &Path, needle: &str) -> usize {
    let text = std::fs::read_to_string(file).unwrap();
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{}: no {needle:?}", file.display()))
        + 1
}

/// The place (`file:line`) a person would edit, from the JSON answer's first field.
fn editable(json: &str) -> String {
    let fields: serde_json::Value = serde_json::from_str(json).unwrap();
    let mut origin = &fields[0]["origins"][0];
    while let Some(next) = origin["derived"]["origins"].get(0) {
        origin = next;
    }
    format!(
        "{}:{}",
        origin["file"].as_str().unwrap(),
        origin["line"].as_u64().unwrap()
    )
}

/// `file:line` of the first line of `file` (below `root`) holding `needle`, as explain prints it.
fn place(root: &Path, file: &str, needle: &str) -> String {
    format!("{file}:{}", line_of(&root.join(file), needle))
}

/// The JSON answer to `query`, which must succeed.
fn answer(root: &Path, dir: &str, query: &str) -> String {
    let (code, out, err) = explain(root, dir, query, "json");
    assert_eq!(code, Some(0), "{out}{err}");
    out
}

const ENV: &str = "spec.template.spec.containers[name=func].env";

#[test]
fn a_setting_patched_in_prod_points_at_the_patch() {
    let root = example("explain-setting");
    let query = format!("Deployment/orders:{ENV}[name=AZURE_FUNCTIONS_ENVIRONMENT].value");
    let out = answer(&root, "overlays/prod", &query);
    let patch = root.join("overlays/prod/functionapp.yaml");
    assert_eq!(
        editable(&out),
        place(
            &root,
            "overlays/prod/functionapp.yaml",
            "AZURE_FUNCTIONS_ENVIRONMENT: Production"
        )
    );
    // The text form: value, then the transformer that rendered it, then the patch, then the base.
    let (code, text, _) = explain(&root, "overlays/prod", &query, "text");
    assert_eq!(code, Some(0));
    let base = root.join("base/functionapp.yaml");
    let expected_patch = format!(
        "overlays/prod/functionapp.yaml:{}  strategic-merge patch (patches[0])",
        line_of(&patch, "AZURE_FUNCTIONS_ENVIRONMENT: Production")
    );
    let expected_base = format!(
        "base/functionapp.yaml:{}  resource",
        line_of(&base, "AZURE_FUNCTIONS_ENVIRONMENT: Development")
    );
    assert!(text.starts_with("Deployment/prod-orders\n"), "{text}");
    assert!(
        text.contains("value: \"Production\"") || text.contains(": \"Production\""),
        "{text}"
    );
    assert!(
        text.contains("rendered from FunctionApp/orders spec.settings.AZURE_FUNCTIONS_ENVIRONMENT"),
        "{text}"
    );
    let patch_at = text
        .find(&expected_patch)
        .unwrap_or_else(|| panic!("{expected_patch} in\n{text}"));
    let base_at = text
        .find(&expected_base)
        .unwrap_or_else(|| panic!("{expected_base} in\n{text}"));
    assert!(patch_at < base_at, "newest first:\n{text}");
}

#[test]
fn a_base_only_field_points_at_the_base_and_a_prefix_at_the_kustomization() {
    let root = example("explain-base");
    let query = format!("Deployment/orders:{ENV}[name=ORDERS_BATCH_SIZE].value");
    let out = answer(&root, "overlays/prod", &query);
    assert_eq!(
        editable(&out),
        place(&root, "base/functionapp.yaml", "ORDERS_BATCH_SIZE")
    );
    let out = answer(
        &root,
        "overlays/prod",
        "Deployment/prod-orders:metadata.name",
    );
    let fields: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(fields[0]["value"], "prod-orders");
    // azfn rendered the name from the FunctionApp's, which the overlay's namePrefix set.
    assert_eq!(fields[0]["origins"][0]["step"], "plugin");
    let renamed = &fields[0]["origins"][0]["derived"]["origins"][0];
    assert_eq!(renamed["step"], "namePrefix");
    assert_eq!(
        editable(&out),
        place(&root, "overlays/prod/kustomization.yaml", "namePrefix:")
    );
}

#[test]
fn an_inline_secret_is_located_and_never_shown() {
    let root = example("explain-secret");
    let query = format!("Deployment/orders:{ENV}[name=LegacyStorage].value");
    // The broken overlay fails its build on the secret: explain still answers (it reports the
    // findings' places, it does not fail on them).
    let out = answer(&root, "overlays/broken", &query);
    assert_eq!(
        editable(&out),
        place(
            &root,
            "overlays/broken/inline-connection-string.yaml",
            "LegacyStorage:"
        )
    );
    assert!(
        !out.contains("AccountKey="),
        "a secret value in the answer:\n{out}"
    );
    assert!(
        !out.contains("lomL9hBp6CPf9wiXkxtdL0EEuVHAS6qqppPK"),
        "{out}"
    );
}

#[test]
fn unknown_resources_and_fields_are_clear_errors() {
    let root = example("explain-errors");
    let (code, _, err) = explain(&root, "overlays/prod", "Deployment/nothing:spec", "text");
    assert_eq!(code, Some(1));
    assert!(
        err.contains("no Deployment/nothing in the build; it has: "),
        "{err}"
    );
    assert!(err.contains("Deployment/prod-orders"), "{err}");
    let (code, _, err) = explain(
        &root,
        "overlays/prod",
        "Deployment/orders:spec.replica",
        "text",
    );
    assert_eq!(code, Some(1));
    assert!(
        err.contains(
            "Deployment/prod-orders has no field spec.replica; did you mean spec.replicas?"
        ),
        "{err}"
    );
    let (code, _, err) = explain(&root, "overlays/prod", "orders", "text");
    assert_eq!(code, Some(1));
    assert!(err.contains("expected KIND/NAME[:FIELD]"), "{err}");
}

// ---------------------------------------------------------------- hostile trees

/// `azfn explain` reads what `azfn build` reads and no more: a file linked from outside the
/// kustomization's root is refused as the build refuses it, with nothing on stdout.
#[test]
fn a_symlink_out_of_the_root_is_refused() {
    let root = scratch("explain-symlink");
    std::fs::create_dir_all(root.join("app")).unwrap();
    std::fs::write(
        root.join("secret.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {token: outside-the-root}\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(root.join("secret.yaml"), root.join("app/cm.yaml")).unwrap();
    std::fs::write(
        root.join("app/kustomization.yaml"),
        "resources:\n- cm.yaml\n",
    )
    .unwrap();
    let (code, out, err) = explain(&root, "app", "ConfigMap/x", "text");
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.is_empty(), "partial output: {out}");
    assert!(
        err.contains("security; file '") && err.contains("secret.yaml' is not in or below '"),
        "{err}"
    );
    assert!(!err.contains("outside-the-root"), "{err}");
}

/// Queries are user input too: malformed ones get a clear error, never a panic or a guess.
#[test]
fn malformed_queries_are_clear_errors() {
    let root = example("explain-queries");
    for (query, says) in [
        ("", "expected KIND/NAME[:FIELD]"),
        ("/:", "expected KIND/NAME[:FIELD]"),
        ("Deployment/", "expected KIND/NAME[:FIELD]"),
        ("Deployment/orders:spec[", "has no field spec["),
        ("Deployment/orders:spec.template[name=", "has no field"),
        (
            "Deployment/orders:[99999999999999999999999]",
            "has no field",
        ),
        ("Deployment/orders:..", "has no field"),
    ] {
        let (code, out, err) = explain(&root, "overlays/prod", query, "text");
        assert_eq!(code, Some(1), "{query:?}: {out}{err}");
        assert!(out.is_empty(), "{query:?}: partial output: {out}");
        assert!(err.contains(says), "{query:?}: {err}");
        assert!(!err.contains("panicked"), "{query:?}: {err}");
    }
    // A query longer than any field path is refused before the build, and not echoed.
    let long = format!("Deployment/orders:{}", "a.".repeat(50_000));
    let (code, out, err) = explain(&root, "overlays/prod", &long, "text");
    assert_eq!(code, Some(1), "{err}");
    assert!(out.is_empty());
    assert!(
        err.contains("the query is 100018 bytes long; the limit is 4096"),
        "{err}"
    );
    assert!(err.len() < 200, "the error echoes the query: {err}");
}
