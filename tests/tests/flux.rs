//! Flux runs no kustomize plugins: `azfn build --out` renders every environment in CI into plain
//! manifests that Flux's kustomize-controller applies as they are (checked here with the real
//! `kubectl kustomize`, which runs no plugin either), gated by findings and parity, written
//! whole or not at all, the same bytes on every run.
use std::path::{Path, PathBuf};

use azfn_tests::{
    assert_not_echoed, azfn_bin, command, legacy_worker, orders_app, run, scratch, snapshot_tree,
    text,
};

fn repository(name: &str) -> PathBuf {
    let repo = scratch(name).join("repo");
    orders_app(&repo.join("apps/orders"), "orders");
    orders_app(&repo.join("apps/billing"), "billing");
    repo
}

fn build_out(repo: &Path) -> (Option<i32>, String, String) {
    let out = run(
        command(azfn_bin())
            .current_dir(repo)
            .args(["build", "--out", "rendered", "apps"]),
        b"",
    );
    let (stdout, stderr) = text(&out);
    (out.status.code(), stdout, stderr)
}

#[test]
fn every_environment_is_rendered_as_plain_manifests_the_same_on_every_run() {
    let repo = repository("flux-render");
    let (code, stdout, stderr) = build_out(&repo);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.is_empty(), "stdout stays empty: {stdout}");
    assert!(
        stderr.contains("wrote 6 environments to rendered (2 ParityPolicies passed)"),
        "{stderr}"
    );
    let rendered = repo.join("rendered");
    for app in ["orders", "billing"] {
        assert!(
            !rendered.join(format!("apps/{app}/base")).exists(),
            "a base is not an environment"
        );
        for env in ["dev", "test", "prod"] {
            let folder = rendered.join(format!("apps/{app}/overlays/{env}"));
            let manifests = std::fs::read(folder.join("manifests.yaml")).unwrap();
            let built = run(
                command(azfn_bin())
                    .arg("build")
                    .arg(repo.join(format!("apps/{app}/overlays/{env}"))),
                b"",
            );
            assert_eq!(
                manifests, built.stdout,
                "{app} {env}: the environment's build"
            );
            // What kustomize-controller does with it: a plain kustomization, no plugin.
            let applied = run(command("kubectl").arg("kustomize").arg(&folder), b"");
            assert!(applied.status.success(), "{}", text(&applied).1);
            assert_eq!(
                applied.stdout, manifests,
                "{app} {env}: kustomize reads it back unchanged"
            );
            assert!(!String::from_utf8_lossy(&manifests).contains("kind: FunctionApp"));
        }
    }
    let first = snapshot_tree(&rendered);
    let (code, _, stderr) = build_out(&repo);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        snapshot_tree(&rendered),
        first,
        "the same bytes on every run"
    );
}

#[test]
fn a_failing_gate_writes_nothing_and_a_foreign_folder_is_never_replaced() {
    let repo = repository("flux-gates");
    let (code, _, stderr) = build_out(&repo);
    assert_eq!(code, Some(0), "{stderr}");
    let before = snapshot_tree(&repo.join("rendered"));

    let (key, _) = legacy_worker(&repo.join("apps/orders/overlays/prod"));
    let (code, stdout, stderr) = build_out(&repo);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stdout.is_empty());
    assert!(stderr.contains("AZF001"), "{stderr}");
    assert!(
        stderr.contains("nothing written to rendered: apps/orders/overlays/prod"),
        "{stderr}"
    );
    // The worker is only in prod: parity fails too.
    assert!(
        stderr.contains("parity under apps/orders/parity.yaml"),
        "{stderr}"
    );
    assert_not_echoed(&key, &[&stderr]);
    assert_eq!(
        snapshot_tree(&repo.join("rendered")),
        before,
        "the last good render stays"
    );

    let other = repository("flux-foreign");
    std::fs::create_dir_all(other.join("rendered")).unwrap();
    std::fs::write(other.join("rendered/notes.txt"), "mine").unwrap();
    let (code, _, stderr) = build_out(&other);
    assert_ne!(code, Some(0));
    assert!(
        stderr.contains("is not a folder azfn build --out wrote"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(other.join("rendered/notes.txt")).unwrap(),
        "mine"
    );
}
