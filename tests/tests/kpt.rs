//! azfn under the real kpt: `fn eval --exec` and `fn render --allow-exec` with a Kptfile
//! pipeline. A clean package must come back byte for byte; an inlined secret must fail the run
//! without writing anything and without echoing the secret.
use azfn_tests::{
    assert_not_echoed, command, copy_dir, inline_secret, kpt_package, run, scratch, snapshot_tree,
    text,
};
use std::path::PathBuf;

fn package(name: &str) -> PathBuf {
    kpt_package(name)
}

#[test]
fn fn_eval_leaves_a_clean_package_byte_for_byte() {
    let pkg = package("eval-clean");
    let before = snapshot_tree(&pkg);
    let out = run(
        command("kpt")
            .args(["fn", "eval"])
            .arg(&pkg)
            .args(["--exec", "azfn"]),
        b"",
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "kpt failed:\n{stdout}\n{stderr}");
    assert!(stderr.contains("[PASS] \"azfn\""), "{stderr}");
    assert_eq!(
        snapshot_tree(&pkg),
        before,
        "kpt fn eval changed the package's files"
    );
}

#[test]
fn fn_render_pipeline_leaves_a_clean_package_byte_for_byte() {
    let pkg = package("render-clean");
    let before = snapshot_tree(&pkg);
    let out = run(
        command("kpt")
            .args(["fn", "render"])
            .arg(&pkg)
            .arg("--allow-exec"),
        b"",
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "kpt failed:\n{stdout}\n{stderr}");
    assert!(
        stderr.contains("Successfully executed 2 function(s)"),
        "{stderr}"
    );
    assert_eq!(
        snapshot_tree(&pkg),
        before,
        "kpt fn render changed the package's files"
    );
}

#[test]
fn fn_eval_fails_on_an_inlined_connection_string_and_writes_nothing() {
    let pkg = package("eval-secret");
    let key = inline_secret(&pkg);
    let before = snapshot_tree(&pkg);
    let results = pkg.parent().unwrap().join("results");
    let out = run(
        command("kpt")
            .args(["fn", "eval"])
            .arg(&pkg)
            .args(["--exec", "azfn", "--truncate-output=false", "--results-dir"])
            .arg(&results),
        b"",
    );
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success(), "kpt passed:\n{stderr}");
    assert!(stderr.contains("[FAIL] \"azfn\""), "{stderr}");
    assert!(
        stderr.contains(
            "[error] apps/v1/Deployment/orders spec.template.spec.containers[0].env[2].value: AZF001 inline-secret: env var \"AzureWebJobsStorage\" of container \"func\" holds an Azure Storage account key"
        ),
        "{stderr}"
    );
    assert_eq!(
        snapshot_tree(&pkg),
        before,
        "a failed run must not change files"
    );
    let stored = std::fs::read_to_string(results.join("results.yaml")).unwrap();
    assert!(
        stored.contains("path: deployment.yaml"),
        "results name the file:\n{stored}"
    );
    assert_not_echoed(&key, &[&stdout, &stderr, &stored]);
}

#[test]
fn fn_render_fails_on_an_inlined_connection_string() {
    let pkg = package("render-secret");
    let key = inline_secret(&pkg);
    let before = snapshot_tree(&pkg);
    let out = run(
        command("kpt")
            .args(["fn", "render"])
            .arg(&pkg)
            .args(["--allow-exec", "--truncate-output=false"]),
        b"",
    );
    let (_, stderr) = text(&out);
    assert!(!out.status.success(), "kpt passed:\n{stderr}");
    assert!(stderr.contains("AZF001 inline-secret"), "{stderr}");
    assert!(
        stderr.contains("azfn: 1 error, 0 warnings"),
        "the human summary is shown:\n{stderr}"
    );
    assert_not_echoed(&key, &[&stderr]);
    assert_eq!(snapshot_tree(&pkg), before);
}

#[test]
fn a_rule_set_to_warning_reports_without_failing() {
    let pkg = package("eval-warning");
    inline_secret(&pkg);
    let config = pkg.parent().unwrap().join("azfn-warn.yaml");
    std::fs::write(
        &config,
        "apiVersion: azfn.dev/v1alpha1\nkind: Azfn\nmetadata:\n  name: azfn\nspec:\n  rules:\n    AZF001: warning\n",
    )
    .unwrap();
    let before = snapshot_tree(&pkg);
    let out = run(
        command("kpt")
            .args(["fn", "eval"])
            .arg(&pkg)
            .args(["--exec", "azfn", "--truncate-output=false", "--fn-config"])
            .arg(&config),
        b"",
    );
    let (_, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("[warning] apps/v1/Deployment/orders"),
        "{stderr}"
    );
    assert_eq!(
        snapshot_tree(&pkg),
        before,
        "a warning-only run leaves files as they were"
    );
}

#[test]
fn kpt_key_value_config_is_understood() {
    let pkg = package("eval-kv");
    inline_secret(&pkg);
    let out = run(
        command("kpt")
            .args(["fn", "eval"])
            .arg(&pkg)
            .args(["--exec", "azfn", "--", "AZF001=off"]),
        b"",
    );
    let (_, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("AZF001"), "{stderr}");
}

fn function_app_package(name: &str) -> PathBuf {
    let dir = scratch(name).join("orders");
    copy_dir(&azfn_tests::workspace().join("examples/orders/base"), &dir);
    dir
}

#[test]
fn fn_eval_renders_a_function_app_beside_its_source_and_a_second_run_changes_nothing() {
    let pkg = function_app_package("kpt-render");
    let source = std::fs::read(pkg.join("functionapp.yaml")).unwrap();
    let out = run(
        command("kpt")
            .args(["fn", "eval"])
            .arg(&pkg)
            .args(["--exec", "azfn"]),
        b"",
    );
    assert!(out.status.success(), "{}", text(&out).1);
    assert_eq!(
        std::fs::read(pkg.join("functionapp.yaml")).unwrap(),
        source,
        "the source FunctionApp is kept as it was"
    );
    let rendered = std::fs::read_to_string(pkg.join("functionapp.rendered.yaml")).unwrap();
    for kind in [
        "ServiceAccount",
        "Deployment",
        "Service",
        "HorizontalPodAutoscaler",
        "ScaledObject",
        "TriggerAuthentication",
        "SecretProviderClass",
    ] {
        assert!(
            rendered.contains(&format!("kind: {kind}\n")),
            "{kind} missing:\n{rendered}"
        );
    }
    let once = snapshot_tree(&pkg);
    let out = run(
        command("kpt")
            .args(["fn", "eval"])
            .arg(&pkg)
            .args(["--exec", "azfn"]),
        b"",
    );
    assert!(out.status.success(), "{}", text(&out).1);
    assert_eq!(
        snapshot_tree(&pkg),
        once,
        "a second render changed the package"
    );
}

#[test]
fn inputs_come_from_the_environment_kpt_runs_in() {
    let pkg = function_app_package("kpt-inputs");
    let config = pkg.parent().unwrap().join("azfn.yaml");
    std::fs::write(
        &config,
        "apiVersion: azfn.dev/v1alpha1\nkind: Azfn\nmetadata:\n  name: azfn\nspec:\n  inputs:\n  - name: IMAGE_TAG\n    field: image.tag\n",
    )
    .unwrap();
    let out = run(
        command("kpt")
            .args(["fn", "eval"])
            .arg(&pkg)
            .args(["--exec", "azfn", "--fn-config"])
            .arg(&config)
            .env("IMAGE_TAG", "2.0.1")
            .env("AZFN_ALLOW_INPUTS", "IMAGE_TAG"),
        b"",
    );
    assert!(out.status.success(), "{}", text(&out).1);
    let rendered = std::fs::read_to_string(pkg.join("functionapp.rendered.yaml")).unwrap();
    assert!(
        rendered.contains("image: contoso.azurecr.io/orders:2.0.1\n"),
        "{rendered}"
    );
}
