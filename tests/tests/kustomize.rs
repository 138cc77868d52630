//! azfn as a legacy exec plugin of the real `kubectl kustomize --enable-alpha-plugins`
//! (kustomize v5.5.0), installed by `azfn install-plugin`.
use azfn_tests::{command, copy_dir, run, scratch, text, workspace};
use std::path::{Path, PathBuf};
use std::process::Output;

struct Setup {
    plugins: PathBuf,
    example: PathBuf,
}

fn setup(name: &str) -> Setup {
    let root = scratch(name);
    let plugins = azfn_tests::install_plugin(&root);
    let installed = plugins.join("azfn.dev/v1alpha1/azfn/Azfn");
    assert!(installed.is_file());
    let example = root.join("orders");
    copy_dir(
        &workspace().join("tests/fixtures/kustomize/plain"),
        &example,
    );
    Setup { plugins, example }
}

fn kustomize(setup: &Setup, overlay: &Path, plugins: bool) -> Output {
    let mut cmd = command("kubectl");
    cmd.arg("kustomize");
    if plugins {
        cmd.arg("--enable-alpha-plugins")
            .env("KUSTOMIZE_PLUGIN_HOME", &setup.plugins);
    }
    run(cmd.arg(overlay), b"")
}

fn without_transformers(overlay: &Path) {
    let path = overlay.join("kustomization.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with("transformers:") && *l != "- azfn.yaml")
        .collect();
    std::fs::write(&path, kept.join("\n") + "\n").unwrap();
}

#[test]
fn clean_overlays_build_exactly_as_without_the_plugin() {
    let setup = setup("kustomize-clean");
    for overlay in ["dev", "prod"] {
        let dir = setup.example.join("overlays").join(overlay);
        let with = kustomize(&setup, &dir, true);
        let (stdout, stderr) = text(&with);
        assert!(with.status.success(), "{overlay}: {stderr}");
        without_transformers(&dir);
        let plain = kustomize(&setup, &dir, false);
        assert!(plain.status.success(), "{}", text(&plain).1);
        assert_eq!(
            stdout,
            text(&plain).0,
            "{overlay}: azfn changed the build output"
        );
        assert!(stdout.contains("name: ") && stdout.contains("kind: Deployment"));
    }
}

#[test]
fn an_inlined_connection_string_fails_the_build_with_the_finding() {
    let setup = setup("kustomize-broken");
    let out = kustomize(&setup, &setup.example.join("overlays/broken"), true);
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success(), "the build passed:\n{stdout}");
    assert!(stdout.is_empty(), "a failed build prints nothing: {stdout}");
    assert!(stderr.contains("azfn: 1 error, 0 warnings"), "{stderr}");
    assert!(
        stderr.contains(
            "[error] apps/v1/Deployment/orders-dev/broken-orders spec.template.spec.containers[0].env[0].value: AZF001 inline-secret"
        ),
        "{stderr}"
    );
    let patch = std::fs::read_to_string(
        setup
            .example
            .join("overlays/broken/inline-connection-string.yaml"),
    )
    .unwrap();
    let key = patch
        .split("AccountKey=")
        .nth(1)
        .unwrap()
        .split(';')
        .next()
        .unwrap();
    assert!(
        !stderr.contains(&key[..12]),
        "the key was echoed:\n{stderr}"
    );
    assert!(
        stderr.contains(&format!("{}… (88 characters, redacted)", &key[..4])),
        "{stderr}"
    );
}

#[test]
fn config_settings_apply_and_invalid_config_names_the_field() {
    let setup = setup("kustomize-config");
    let overlay = setup.example.join("overlays/broken");
    let config = overlay.join("azfn.yaml");
    std::fs::write(
        &config,
        "apiVersion: azfn.dev/v1alpha1\nkind: Azfn\nmetadata:\n  name: azfn\nspec:\n  rules:\n    AZF001: warning\n",
    )
    .unwrap();
    let out = kustomize(&setup, &overlay, true);
    assert!(
        out.status.success(),
        "a warning does not fail: {}",
        text(&out).1
    );

    std::fs::write(
        &config,
        "apiVersion: azfn.dev/v1alpha1\nkind: Azfn\nmetadata:\n  name: azfn\nspec:\n  rule:\n    AZF001: warning\n",
    )
    .unwrap();
    let out = kustomize(&setup, &overlay, true);
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains("functionConfig.spec.rule: invalid function config: unknown field `rule`; did you mean `rules`?"),
        "{stderr}"
    );
}
