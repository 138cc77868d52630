//! Teams' own rules in Rego (docs/policies.md, examples/policies) everywhere azfn runs: the
//! real kustomize plugin, real `kpt fn eval`, `azfn check` and `azfn build`, with the same
//! message and place; `azfn policy test`; and the limits a hostile policy folder trips.
use std::path::{Path, PathBuf};

use azfn_tests::{azfn_bin, command, copy_dir, run, scratch, text, workspace};

/// What the docs' owner-label rule says about the prod overlay, as each path prints it.
const FINDINGS: [&str; 3] = [
    "apps/v1/Deployment/orders-prod/prod-orders metadata.labels: ORG002 deny: Deployment prod-orders has no contoso.com/owner label: name the owning team",
    "apps/v1/Deployment/orders-prod/prod-orders-http metadata.labels: ORG002 deny: Deployment prod-orders-http has no contoso.com/owner label: name the owning team",
    "keda.sh/v1alpha1/ScaledObject/orders-prod/prod-orders metadata.labels: ORG002 deny: ScaledObject prod-orders has no contoso.com/owner label: name the owning team",
];

/// A repository (it has a `.git`) holding the example app under `apps/orders` and the docs'
/// policies under `policies`.
fn repository(name: &str) -> PathBuf {
    let root = scratch(name);
    std::fs::create_dir_all(root.join(".git")).unwrap();
    copy_dir(
        &workspace().join("examples/orders"),
        &root.join("apps/orders"),
    );
    copy_dir(
        &workspace().join("examples/policies"),
        &root.join("policies"),
    );
    root
}

fn prod(root: &Path) -> PathBuf {
    root.join("apps/orders/overlays/prod")
}

/// Names `path` (relative to the prod overlay) in the prod overlay's Azfn config.
fn use_policies(root: &Path, path: &str) {
    let config = prod(root).join("azfn.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(config, format!("{text}  policies:\n  - path: {path}\n")).unwrap();
}

fn kustomize(root: &Path, plugins: &Path) -> std::process::Output {
    run(
        command("kubectl")
            .args(["kustomize", "--enable-alpha-plugins"])
            .arg(prod(root))
            .env("KUSTOMIZE_PLUGIN_HOME", plugins),
        b"",
    )
}

/// Each finding of a JSON report as kpt and kustomize print it.
fn findings_of(json: &str) -> Vec<String> {
    let report: serde_json::Value = serde_json::from_str(json).unwrap();
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}/{}/{}/{} {}: {} {}: {}",
                f["resource"]["apiVersion"].as_str().unwrap(),
                f["resource"]["kind"].as_str().unwrap(),
                f["resource"]["namespace"].as_str().unwrap(),
                f["resource"]["name"].as_str().unwrap(),
                f["field"].as_str().unwrap(),
                f["code"].as_str().unwrap(),
                f["rule"].as_str().unwrap(),
                f["message"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn a_docs_rule_fails_the_prod_overlay_with_the_same_message_everywhere() {
    let root = repository("policies-everywhere");
    let plugins = azfn_tests::install_plugin(&root);
    let clean = kustomize(&root, &plugins);
    assert!(clean.status.success(), "{}", text(&clean).1);
    use_policies(&root, "../../../../policies");

    // kustomize, through the exec plugin and the sandboxed module.
    let failed = kustomize(&root, &plugins);
    let (stdout, stderr) = text(&failed);
    assert!(!failed.status.success(), "kustomize passed");
    assert!(stdout.is_empty(), "{stdout}");
    for finding in FINDINGS {
        assert!(stderr.contains(&format!("[error] {finding}")), "{stderr}");
    }

    // kpt fn eval over the build, with a config naming the same folder.
    let package = root.join("package");
    std::fs::create_dir_all(&package).unwrap();
    std::fs::write(package.join("prod.yaml"), &clean.stdout).unwrap();
    std::fs::write(
        root.join("azfn.yaml"),
        "apiVersion: azfn.dev/v1alpha1\nkind: Azfn\nmetadata:\n  name: azfn\nspec:\n  policies:\n  - path: policies\n",
    )
    .unwrap();
    let before = std::fs::read(package.join("prod.yaml")).unwrap();
    let kpt = run(
        command("kpt")
            .current_dir(&root)
            .args(["fn", "eval", "package", "--exec"])
            .arg(azfn_bin())
            .args(["--fn-config", "azfn.yaml", "--truncate-output=false"]),
        b"",
    );
    let (_, stderr) = text(&kpt);
    assert!(!kpt.status.success(), "kpt passed:\n{stderr}");
    for finding in FINDINGS {
        assert!(stderr.contains(&format!("[error] {finding}")), "{stderr}");
    }
    assert_eq!(
        std::fs::read(package.join("prod.yaml")).unwrap(),
        before,
        "a failed kpt run changes no file"
    );

    // azfn check of the overlay folder: the overlay's own config brings its policies.
    let check = run(
        command(azfn_bin()).current_dir(&root).args([
            "check",
            "--format",
            "json",
            "apps/orders/overlays/prod",
        ]),
        b"",
    );
    let (stdout, stderr) = text(&check);
    assert_eq!(check.status.code(), Some(1), "{stdout}{stderr}");
    let shown = findings_of(&stdout);
    let mut expected = FINDINGS.to_vec();
    expected.sort_unstable();
    let mut sorted = shown.clone();
    sorted.sort();
    assert_eq!(sorted, expected, "{stdout}");

    // azfn check --policy over the clean build, and azfn build, which gates like kustomize.
    let built = root.join("built.yaml");
    std::fs::write(&built, &clean.stdout).unwrap();
    let flagged = run(
        command(azfn_bin()).current_dir(&root).args([
            "check",
            "--policy",
            "policies",
            "built.yaml",
        ]),
        b"",
    );
    let (stdout, _) = text(&flagged);
    assert_eq!(flagged.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(
            "Deployment prod-orders has no contoso.com/owner label: name the owning team"
        ),
        "{stdout}"
    );
    let gated = run(command(azfn_bin()).arg("build").arg(prod(&root)), b"");
    let (stdout, stderr) = text(&gated);
    assert!(!gated.status.success());
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("ORG002 deny: Deployment prod-orders has no contoso.com/owner label"),
        "{stderr}"
    );
}

#[test]
fn sarif_describes_team_rules_and_suppressions_cover_them() {
    let root = repository("policies-sarif");
    let built = run(command(azfn_bin()).arg("build").arg(prod(&root)), b"");
    assert!(built.status.success(), "{}", text(&built).1);
    std::fs::write(root.join("built.yaml"), &built.stdout).unwrap();
    let sarif = run(
        command(azfn_bin()).current_dir(&root).args([
            "check",
            "--format",
            "sarif",
            "--policy",
            "policies",
            "built.yaml",
        ]),
        b"",
    );
    let (stdout, _) = text(&sarif);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert!(
        jsonschema::is_valid(&azfn_tests::sarif_schema(), &report),
        "not valid SARIF 2.1.0"
    );
    let rules = report["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let org002 = rules
        .iter()
        .find(|r| r["id"] == "ORG002")
        .expect("ORG002 described");
    assert_eq!(org002["defaultConfiguration"]["level"], "error");
    // A config suppression names the team rule like a built-in one.
    std::fs::write(
        root.join("azfn.yaml"),
        "apiVersion: azfn.dev/v1alpha1\nkind: Azfn\nmetadata:\n  name: azfn\nspec:\n  rules:\n    ORG002: warning\n",
    )
    .unwrap();
    let relaxed = run(
        command(azfn_bin()).current_dir(&root).args([
            "check",
            "--config",
            "azfn.yaml",
            "--policy",
            "policies",
            "built.yaml",
        ]),
        b"",
    );
    let (stdout, _) = text(&relaxed);
    assert_eq!(relaxed.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("warning: ORG002 deny"), "{stdout}");
}

#[test]
fn policy_test_passes_the_docs_examples_and_fails_a_broken_one() {
    let passed = run(
        command(azfn_bin())
            .current_dir(workspace())
            .args(["policy", "test", "examples/policies"]),
        b"",
    );
    let (stdout, stderr) = text(&passed);
    assert_eq!(passed.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stdout.ends_with("10/10 passed\n"), "{stdout}");

    let broken = scratch("policies-broken");
    copy_dir(&workspace().join("examples/policies"), &broken);
    let rule = broken.join("registry.rego");
    let text_of = std::fs::read_to_string(&rule).unwrap();
    std::fs::write(
        &rule,
        text_of.replace("\"mcr.microsoft.com/\"", "\"docker.io/\""),
    )
    .unwrap();
    let failed = run(
        command(azfn_bin()).args(["policy", "test"]).arg(&broken),
        b"",
    );
    let (stdout, _) = text(&failed);
    assert_eq!(failed.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("FAIL  data.azfn.registry.test_docker_hub_fails_at_the_image"),
        "{stdout}"
    );
    assert!(stdout.ends_with("9/10 passed\n"), "{stdout}");

    std::fs::write(
        broken.join("labels.rego"),
        "package azfn.labels\n\ndeny contains msg if {\n  input.kind ==\n}\n",
    )
    .unwrap();
    let unusable = run(
        command(azfn_bin()).args(["policy", "test"]).arg(&broken),
        b"",
    );
    let (stdout, stderr) = text(&unusable);
    assert_eq!(unusable.status.code(), Some(2), "{stdout}{stderr}");
    assert!(
        stderr.contains(&format!(
            "{}/labels.rego:5:1: expecting expression",
            broken.display()
        )),
        "{stderr}"
    );
}

#[test]
fn a_policy_that_is_not_rego_stops_the_build_naming_file_line_and_column() {
    let root = repository("policies-syntax");
    let plugins = azfn_tests::install_plugin(&root);
    std::fs::write(
        root.join("policies/labels.rego"),
        "package azfn.labels\n\ndeny contains msg if {\n  input.kind ==\n}\n",
    )
    .unwrap();
    use_policies(&root, "../../../../policies");
    let out = kustomize(&root, &plugins);
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("../../../../policies/labels.rego:5:1: policy: expecting expression"),
        "{stderr}"
    );
}

/// A policy folder is part of the untrusted input: only a relative folder inside the
/// repository, only `.rego` files inside that folder, within the caps.
#[test]
fn a_hostile_policy_folder_is_refused_with_nothing_on_stdout() {
    let root = repository("policies-hostile");
    let plugins = azfn_tests::install_plugin(&root);
    let outside = scratch("policies-outside");
    std::fs::write(
        outside.join("stolen.rego"),
        "package stolen\n# TOP-SECRET-OUTSIDE\n",
    )
    .unwrap();
    let config = prod(&root).join("azfn.yaml");
    let original = std::fs::read_to_string(&config).unwrap();
    let refused = |path: &str, expected: &str| {
        std::fs::write(
            &config,
            format!("{original}  policies:\n  - path: {path}\n"),
        )
        .unwrap();
        let out = kustomize(&root, &plugins);
        let (stdout, stderr) = text(&out);
        assert!(!out.status.success(), "{path} was read");
        assert!(stdout.is_empty(), "{stdout}");
        assert!(stderr.contains(expected), "{path}: {stderr}");
        assert!(!stderr.contains("TOP-SECRET-OUTSIDE"), "{stderr}");
    };
    refused(
        &outside.display().to_string(),
        "an absolute path; name the policy folder relative to the kustomization",
    );
    let up = "../".repeat(prod(&root).components().count() + 2);
    refused(
        &format!(
            "{up}{}",
            outside.display().to_string().trim_start_matches('/')
        ),
        "outside the repository",
    );
    // A folder inside the repository that links out.
    std::os::unix::fs::symlink(&outside, root.join("linked")).unwrap();
    refused("../../../../linked", "outside the repository");
    // A file inside the folder that links out.
    std::os::unix::fs::symlink(outside.join("stolen.rego"), root.join("policies/leak.rego"))
        .unwrap();
    refused("../../../../policies", "outside the policy folder");
    std::fs::remove_file(root.join("policies/leak.rego")).unwrap();
    // The caps.
    let many = root.join("many");
    std::fs::create_dir_all(&many).unwrap();
    for i in 0..=256 {
        std::fs::write(many.join(format!("p{i:03}.rego")), "package many\n").unwrap();
    }
    refused("../../../../many", "more than 256 .rego files");
    let big = root.join("big");
    std::fs::create_dir_all(&big).unwrap();
    std::fs::write(
        big.join("big.rego"),
        format!("package big\n# {}\n", "x".repeat(5 << 20)),
    )
    .unwrap();
    refused("../../../../big", "exceed 4194304 bytes");
    let empty = root.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    std::fs::write(empty.join("README.md"), "no policies here\n").unwrap();
    refused("../../../../empty", "no .rego files");
}

/// A runaway policy is stopped: by the module's fuel in the sandbox (kustomize, kpt, check),
/// by the step budget where the core runs natively (azfn build).
#[test]
fn a_runaway_policy_is_stopped_in_the_sandbox_and_natively() {
    let root = repository("policies-runaway");
    let plugins = azfn_tests::install_plugin(&root);
    std::fs::create_dir_all(root.join("runaway")).unwrap();
    std::fs::write(
        root.join("runaway/loop.rego"),
        "package runaway\n\ndeny contains msg if {\n  some a in numbers.range(1, 5000)\n  some b in numbers.range(1, 5000)\n  a * b < 0\n  msg := \"never\"\n}\n",
    )
    .unwrap();
    use_policies(&root, "../../../../runaway");
    let sandboxed = kustomize(&root, &plugins);
    let (stdout, stderr) = text(&sandboxed);
    assert!(!sandboxed.status.success());
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("the function used all its fuel"),
        "{stderr}"
    );
    let native = run(command(azfn_bin()).arg("build").arg(prod(&root)), b"");
    let (stdout, stderr) = text(&native);
    assert!(!native.status.success());
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("../../../../runaway/loop.rego: policy: rule runaway.deny ran past its budget of 2000000 steps and was stopped"),
        "{stderr}"
    );
}

/// The page's core: the tree's `.rego` files are what the prod overlay's config names, so the
/// preview shows the same findings, and an edit to a policy changes them on the next render.
#[test]
fn the_preview_runs_the_trees_policies_and_follows_edits() {
    let root = repository("policies-preview");
    use_policies(&root, "../../../../policies");
    let mut source = azfn_tests::load_tree(&root);
    let prod_of = |source: &azfn_core::source::MemorySource| {
        azfn_core::preview::preview(source)
            .environments
            .into_iter()
            .find(|e| e.dir == "apps/orders/overlays/prod")
            .expect("prod is an environment")
    };
    let prod = prod_of(&source);
    assert!(prod.fails);
    let mut shown: Vec<String> = prod
        .findings
        .iter()
        .filter(|f| f.code == "ORG002")
        .map(|f| {
            let r = f.resource.as_ref().unwrap();
            format!(
                "{}/{}/{}/{} {}: {} {}: {}",
                r.api_version,
                r.kind,
                r.namespace,
                r.name,
                f.field.as_deref().unwrap(),
                f.code,
                f.rule,
                f.message
            )
        })
        .collect();
    shown.sort();
    let mut expected = FINDINGS.to_vec();
    expected.sort_unstable();
    assert_eq!(shown, expected);
    assert!(
        prod.findings
            .iter()
            .filter(|f| f.code == "ORG002")
            .all(|f| f.file.as_deref() == Some("apps/orders/overlays/prod/kustomization.yaml")),
        "located at the labels entry that set the field: {:?}",
        prod.findings
    );
    // Typing in the policy: the next render says what it now says.
    let labels = std::fs::read_to_string(root.join("policies/labels.rego")).unwrap();
    source.insert(
        "policies/labels.rego",
        labels.replace("name the owning team", "add the team"),
    );
    let edited = prod_of(&source);
    assert!(
        edited
            .findings
            .iter()
            .any(|f| f.message
                == "Deployment prod-orders has no contoso.com/owner label: add the team"),
        "{:?}",
        edited.findings
    );
    source.insert(
        "policies/labels.rego",
        "package azfn.labels\n\ndeny contains msg if {\n  input.kind ==\n}\n",
    );
    let broken = prod_of(&source);
    let error = broken.error.expect("the build fails");
    assert!(
        error
            .message
            .contains("policies/labels.rego:5:1: policy: expecting expression"),
        "{}",
        error.message
    );
}
