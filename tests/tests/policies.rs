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

/// A folder `passing` in `root` whose one rule (the registry allow-list) the example passes.
fn passing_folder(root: &Path) {
    let passing = root.join("passing");
    std::fs::create_dir_all(&passing).unwrap();
    std::fs::copy(
        root.join("policies/registry.rego"),
        passing.join("registry.rego"),
    )
    .unwrap();
}

/// `--policy DIR` on `azfn build` (and `--out`): the folder's rules run on what the build
/// rendered; an error fails it with nothing written.
#[test]
fn build_runs_policy_folders_named_on_the_command_line() {
    let root = repository("policies-command-line");
    let azfn = || {
        let mut c = command(azfn_bin());
        c.current_dir(&root);
        c
    };
    let plain = run(azfn().args(["build", "apps/orders/overlays/prod"]), b"");
    assert!(plain.status.success(), "{}", text(&plain).1);

    // A folder whose rules pass: the output is the plain build's, byte for byte.
    passing_folder(&root);
    let passed = run(
        azfn().args(["build", "apps/orders/overlays/prod", "--policy", "passing"]),
        b"",
    );
    assert!(passed.status.success(), "{}", text(&passed).1);
    assert_eq!(passed.stdout, plain.stdout);

    // The docs' rules: the owner label fails the build, at the line that set the labels.
    let gated = run(
        azfn().args(["build", "apps/orders/overlays/prod", "--rego", "policies"]),
        b"",
    );
    let (stdout, stderr) = text(&gated);
    assert_eq!(gated.status.code(), Some(1), "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    // At the kustomization line that sets the overlay's labels.
    assert!(
        stderr.contains("apps/orders/overlays/prod/kustomization.yaml:6: error: ORG002 deny: Deployment/orders-prod/prod-orders metadata.labels\n")
            && stderr.contains("Deployment prod-orders has no contoso.com/owner label: name the owning team"),
        "{stderr}"
    );
    assert!(
        stderr.contains("the team's policies found 3 errors; nothing written"),
        "{stderr}"
    );

    // A rule on the image names the FunctionApp line that sets it.
    let strict = root.join("strict");
    std::fs::create_dir_all(&strict).unwrap();
    std::fs::write(
        strict.join("registry.rego"),
        std::fs::read_to_string(root.join("policies/registry.rego"))
            .unwrap()
            .replace("\"contoso.azurecr.io/\", ", ""),
    )
    .unwrap();
    let image = run(
        azfn().args(["build", "apps/orders/overlays/prod", "--policy", "strict"]),
        b"",
    );
    let (stdout, stderr) = text(&image);
    assert_eq!(image.status.code(), Some(1), "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains(IMAGE_SITE)
            && stderr.contains("container func pulls contoso.azurecr.io/orders"),
        "{stderr}"
    );

    // --out renders nothing when a rule fails in one environment.
    let out = run(
        azfn().args([
            "build",
            "apps/orders/overlays",
            "--out",
            "rendered",
            "--policy",
            "policies",
        ]),
        b"",
    );
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("ORG002 deny"), "{stderr}");
    assert!(
        !root.join("rendered").exists(),
        "written despite the findings"
    );
    let out = run(
        azfn().args([
            "build",
            "apps/orders/overlays/prod",
            "--out",
            "rendered",
            "--policy",
            "passing",
        ]),
        b"",
    );
    assert!(out.status.success(), "{}", text(&out).1);
    assert!(
        root.join("rendered/apps/orders/overlays/prod/manifests.yaml")
            .is_file()
    );
}

/// `--rego DIR` on `azfn parity`: the rules run on every environment, and their errors fail it.
#[test]
fn parity_runs_rego_folders_on_every_environment() {
    let root = repository("policies-parity");
    passing_folder(&root);
    let azfn = || {
        let mut c = command(azfn_bin());
        c.current_dir(&root);
        c
    };
    let parity = |rego: &str| {
        run(
            azfn().args([
                "parity",
                "--policy",
                "apps/orders/parity.yaml",
                "--format",
                "json",
                "--rego",
                rego,
            ]),
            b"",
        )
    };
    let clean = parity("passing");
    assert_eq!(clean.status.code(), Some(0), "{}", text(&clean).0);
    let failed = parity("policies");
    let (stdout, stderr) = text(&failed);
    assert_eq!(failed.status.code(), Some(1), "{stdout}{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let messages: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "ORG002")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    // The test overlay names with a suffix, the others with a prefix.
    for (environment, name) in [
        ("dev", "dev-orders"),
        ("test", "orders-test"),
        ("prod", "prod-orders"),
    ] {
        let expected = format!(
            "{environment}: Deployment/{name}: metadata.labels: Deployment {name} has no contoso.com/owner label: name the owning team"
        );
        assert!(messages.contains(&expected.as_str()), "{messages:#?}");
    }
}

/// Where the prod overlay's image is set: the line of its FunctionApp patch that pins the digest.
const IMAGE_SITE: &str = "apps/orders/overlays/prod/functionapp.yaml:6: error: ORG001 deny: Deployment/orders-prod/prod-orders spec.template.spec.containers[0].image";

/// `azfn check --affected` (pre-commit) runs the policies each affected build's config names,
/// and a changed `.rego` file affects the builds whose config names its folder.
#[test]
fn affected_checks_run_the_builds_policies_and_follow_changed_rego_files() {
    let root = repository("policies-affected");
    use_policies(&root, "../../../../policies");
    let affected = |file: &str| {
        run(
            command(azfn_bin()).current_dir(&root).args([
                "check",
                "--affected",
                "--format",
                "json",
                file,
            ]),
            b"",
        )
    };
    for changed in [
        "apps/orders/overlays/prod/azfn.yaml",
        "policies/labels.rego",
    ] {
        let out = affected(changed);
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(1), "{changed}: {stdout}{stderr}");
        let mut shown = findings_of(&stdout);
        shown.retain(|f| f.contains(" ORG002 "));
        // prod-eu builds on prod, so its build runs prod's config and is affected too.
        for finding in FINDINGS {
            assert!(shown.iter().any(|f| f == finding), "{changed}: {stdout}");
        }
        assert!(
            shown
                .iter()
                .any(|f| f.contains("Deployment/orders-prod/prod-orders-eu ")),
            "{changed}: {stdout}"
        );
        assert_eq!(shown.len(), 6, "{changed}: {shown:#?}");
    }
    // A policy no config names is not a manifest: left out, and said so.
    std::fs::create_dir_all(root.join("drafts")).unwrap();
    std::fs::write(
        root.join("drafts/new.rego"),
        "package drafts
",
    )
    .unwrap();
    let out = affected("drafts/new.rego");
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        stderr.contains("drafts/new.rego: no build's Azfn config names this policy's folder"),
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

    refused_by_policy_test(
        &broken,
        "labels.rego",
        "package azfn.labels\n\ndeny contains msg if {\n  input.kind ==\n}\n",
        "labels.rego:5:1: expecting expression",
    );
}

/// Writes `policy` as `file` in `folder`; `azfn policy test` exits 2 naming `folder/expected`.
fn refused_by_policy_test(folder: &Path, file: &str, policy: &str, expected: &str) {
    std::fs::write(folder.join(file), policy).unwrap();
    let out = run(
        command(azfn_bin()).args(["policy", "test"]).arg(folder),
        b"",
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert!(
        stderr.contains(&format!("{}/{expected}", folder.display())),
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

/// A file nesting brackets deeper than the Rego parser can take in time (its time doubles
/// with each level; fuzzing found one that hung it) is refused at once, at the bracket; so is
/// a run of signs deep enough to overflow the parser's stack.
#[test]
fn a_policy_nesting_too_deep_for_the_parser_is_refused_in_time() {
    let folder = scratch("policies-nesting");
    let started = std::time::Instant::now();
    refused_by_policy_test(
        &folder,
        "deep_test.rego",
        &format!(
            "package deep\n\nx := {}1\n\ntest_x if true\n",
            "{\"a\": ".repeat(24)
        ),
        &format!(
            "deep_test.rego:3:{}: brackets nest too deeply here for the Rego parser",
            5 + 17 * 6 - 5
        ),
    );
    // Unchecked, the parser would take hours on this file.
    assert!(started.elapsed() < std::time::Duration::from_secs(10));

    // Twenty thousand signs over twenty lines overflowed the stack and aborted azfn.
    refused_by_policy_test(
        &folder,
        "deep_test.rego",
        &format!(
            "package deep\n\nx := {}1\n\ntest_x if true\n",
            format!("{}\n", "-".repeat(1000)).repeat(20)
        ),
        "deep_test.rego:3:38: more than 32 signs in a row",
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
