//! `azfn parity` on the example app: its committed policy passes; a difference outside it fails
//! with the resource, the field and the value in every environment; `--init` output, applied,
//! passes.
use azfn_tests::{azfn_bin, command, copy_dir, run, scratch, text, workspace};

fn parity(args: &[&str]) -> (Option<i32>, String, String) {
    let out = run(command(azfn_bin()).arg("parity").args(args), b"");
    let (stdout, stderr) = text(&out);
    (out.status.code(), stdout, stderr)
}

#[test]
fn the_example_passes_with_its_policy() {
    let policy = workspace().join("examples/orders/parity.yaml");
    let (code, stdout, stderr) = parity(&["--policy", policy.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stdout.ends_with(
            "azfn parity: 3 environments, 0 differences not allowed, 49 allowed, 0 stale rules\n"
        ),
        "{stdout}"
    );
}

#[test]
fn a_setting_added_in_prod_only_fails_with_resource_field_and_values() {
    let root = scratch("parity-drift");
    copy_dir(&workspace().join("examples/orders"), &root);
    let prod = root.join("overlays/prod/functionapp.yaml");
    let text = std::fs::read_to_string(&prod).unwrap();
    std::fs::write(
        &prod,
        text.replace("  settings:\n", "  settings:\n    FEATURE_FLAG: \"on\"\n"),
    )
    .unwrap();
    let (code, stdout, _) = parity(&["--policy", root.join("parity.yaml").to_str().unwrap()]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains("drift: Deployment/orders spec.template.spec.containers[name=func].env[name=FEATURE_FLAG].value\n  dev: <absent>\n  prod: on\n  test: <absent>\n"),
        "{stdout}"
    );
    // --init allows exactly today's differences: applied, the check passes.
    let (code, init, _) = parity(&[
        "--policy",
        root.join("parity.yaml").to_str().unwrap(),
        "--init",
    ]);
    assert_eq!(code, Some(0));
    std::fs::write(root.join("parity.yaml"), init).unwrap();
    let (code, stdout, _) = parity(&["--policy", root.join("parity.yaml").to_str().unwrap()]);
    assert_eq!(code, Some(0), "{stdout}");
}

#[test]
fn an_unusable_policy_names_the_field() {
    let root = scratch("parity-bad");
    std::fs::write(
        root.join("parity.yaml"),
        "apiVersion: azfn.dev/v1alpha1\nkind: ParityPolicy\nspec:\n  allow:\n  - resource: {kind: Deployment}\n    feild: spec.replicas\n",
    )
    .unwrap();
    let (code, _, stderr) = parity(&[
        "--policy",
        root.join("parity.yaml").to_str().unwrap(),
        workspace()
            .join("examples/orders/overlays/dev")
            .to_str()
            .unwrap(),
        workspace()
            .join("examples/orders/overlays/prod")
            .to_str()
            .unwrap(),
    ]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("spec.allow[0].feild: unknown field `feild`; known: resource, field, environments, difference, reason"),
        "{stderr}"
    );
}
