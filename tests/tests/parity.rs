//! `azfn parity` on copies of the example app: its committed policy passes; each kind of drift
//! (a setting added in prod, a trigger target, identity wiring, a resource missing in test, a
//! probe) fails naming the resource, the field and the value in every environment, and the
//! FunctionApp field it comes from; `--init` output, applied, passes; each output format matches
//! its golden file (`AZFN_BLESS=1` rewrites them); `--from` compares `kubectl kustomize` output.
use std::path::{Path, PathBuf};

use azfn_tests::{azfn_bin, command, copy_dir, run, scratch, text, workspace};
use serde_json::Value;

struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn parity_in(dir: &Path, args: &[&str]) -> Outcome {
    let out = run(
        command(azfn_bin())
            .current_dir(dir)
            .arg("parity")
            .args(args)
            .env("NO_COLOR", "1"),
        b"",
    );
    let (stdout, stderr) = text(&out);
    Outcome {
        code: out.status.code(),
        stdout,
        stderr,
    }
}

/// A copy of the example app to change.
fn example(name: &str) -> PathBuf {
    let root = scratch(name);
    copy_dir(&workspace().join("examples/orders"), &root);
    root
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{}: no {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

fn append(path: &Path, more: &str) {
    let mut text = std::fs::read_to_string(path).unwrap();
    text.push_str(more);
    std::fs::write(path, text).unwrap();
}

/// The drift rows of the JSON report that no rule allows, as `Kind/name field`.
fn failures(root: &Path) -> (Vec<String>, Value) {
    let out = parity_in(root, &["--policy", "parity.yaml", "--format", "json"]);
    assert_eq!(out.code, Some(1), "{}{}", out.stdout, out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    let rows = report["drifts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["allowed"] == false)
        .map(|d| {
            format!(
                "{}/{} {}",
                d["kind"].as_str().unwrap(),
                d["name"].as_str().unwrap(),
                d["field"].as_str().unwrap()
            )
        })
        .collect();
    (rows, report)
}

fn row<'a>(report: &'a Value, kind: &str, field: &str) -> &'a Value {
    report["drifts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == kind && d["field"] == field)
        .unwrap_or_else(|| panic!("no drift {kind} {field} in {report:#}"))
}

#[test]
fn the_example_passes_with_its_policy() {
    let out = parity_in(
        &workspace().join("examples/orders"),
        &["--policy", "parity.yaml"],
    );
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.ends_with(
            "azfn parity: 3 environments, 17 resources, 0 differences not allowed, 85 allowed, 0 stale rules\n"
        ),
        "{}",
        out.stdout
    );
    // Rendered differences are allowed by the FunctionApp field they come from.
    assert!(out.stdout.contains(
        "  \u{2713} spec.template.spec.containers[name=func].env[name=AzureWebJobsStorage__accountName].value  allowed by allow[2] (FunctionApp orders spec.storage.accountName)\n    stordersdev"
    ), "{}", out.stdout);
}

#[test]
fn a_setting_added_in_prod_only_fails_and_names_its_functionapp_field() {
    let root = example("parity-setting");
    edit(
        &root.join("overlays/prod/functionapp.yaml"),
        "  settings:\n",
        "  settings:\n    FEATURE_FLAG: \"on\"\n",
    );
    let (rows, report) = failures(&root);
    assert_eq!(
        rows,
        [
            "Deployment/orders spec.template.spec.containers[name=func].env[name=FEATURE_FLAG].value",
            "Deployment/orders-http spec.template.spec.containers[name=func].env[name=FEATURE_FLAG].value"
        ]
    );
    let drift = row(
        &report,
        "Deployment",
        "spec.template.spec.containers[name=func].env[name=FEATURE_FLAG].value",
    );
    assert_eq!(
        drift["values"],
        serde_json::json!({"dev": null, "test": null, "prod": "on"})
    );
    assert_eq!(drift["source"]["field"], "spec.settings.FEATURE_FLAG");
    // Where prod set it: the overlay's patch line, the line a person edits (dev and test lack it).
    let patch = root.join("overlays/prod/functionapp.yaml");
    let line = std::fs::read_to_string(&patch)
        .unwrap()
        .lines()
        .position(|l| l.contains("FEATURE_FLAG"))
        .unwrap()
        + 1;
    assert_eq!(
        drift["setAt"],
        serde_json::json!({"prod": {"file": "overlays/prod/functionapp.yaml", "line": line}})
    );
    // The rule the report suggests, added to the policy, allows exactly this.
    let suggested = drift["suggestedRule"].as_str().unwrap();
    assert_eq!(
        suggested,
        "{resource: {kind: FunctionApp, name: orders}, field: spec.settings.FEATURE_FLAG, difference: any}"
    );
    let accepted = example("parity-setting-allowed");
    edit(
        &accepted.join("overlays/prod/functionapp.yaml"),
        "  settings:\n",
        "  settings:\n    FEATURE_FLAG: \"on\"\n",
    );
    append(&accepted.join("parity.yaml"), &format!("  - {suggested}\n"));
    let out = parity_in(&accepted, &["--policy", "parity.yaml"]);
    assert_eq!(out.code, Some(0), "{}", out.stdout);
    let out = parity_in(&root, &["--policy", "parity.yaml"]);
    let at = out
        .stdout
        .find("  \u{2717} spec.template.spec.containers[name=func].env[name=FEATURE_FLAG].value\n    <absent> ")
        .unwrap_or_else(|| panic!("{}", out.stdout));
    let lines: Vec<&str> = out.stdout[at..].lines().take(4).collect();
    assert!(lines[1].trim_end().ends_with("  on"), "{lines:#?}");
    assert_eq!(
        lines[2],
        "    from FunctionApp/orders spec.settings.FEATURE_FLAG"
    );
    assert_eq!(
        lines[3],
        format!("    set at prod overlays/prod/functionapp.yaml:{line}")
    );
}

#[test]
fn a_changed_trigger_target_fails() {
    let root = example("parity-trigger");
    edit(
        &root.join("overlays/prod/kustomization.yaml"),
        "- path: functionapp.yaml\n",
        "- path: functionapp.yaml\n- target: {kind: FunctionApp}\n  patch: |-\n    - op: replace\n      path: /spec/functions/1/trigger/queueName\n      value: orders-v2\n",
    );
    let (rows, report) = failures(&root);
    assert_eq!(
        rows,
        ["ScaledObject/orders spec.triggers[name=processorder].metadata.queueName"]
    );
    let drift = row(
        &report,
        "ScaledObject",
        "spec.triggers[name=processorder].metadata.queueName",
    );
    assert_eq!(
        drift["values"],
        serde_json::json!({"dev": "orders", "test": "orders", "prod": "orders-v2"})
    );
    assert_eq!(
        drift["source"]["field"],
        "spec.functions[name=ProcessOrder].trigger.queueName"
    );
}

#[test]
fn a_different_identity_wiring_fails() {
    let root = example("parity-identity");
    edit(
        &root.join("overlays/test/functionapp.yaml"),
        "  identity:\n",
        "  identity:\n    tenantId: 11111111-0000-0000-0000-000000000000\n",
    );
    let (rows, report) = failures(&root);
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|r| r.to_ascii_lowercase().contains("tenant")),
        "{rows:#?}"
    );
    for drift in report["drifts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["allowed"] == false)
    {
        assert_eq!(
            drift["values"]["test"], "11111111-0000-0000-0000-000000000000",
            "{drift:#}"
        );
        assert_eq!(
            drift["source"]["field"], "spec.identity.tenantId",
            "{drift:#}"
        );
    }
}

#[test]
fn a_resource_missing_in_test_fails() {
    let pdb = "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: orders-http\nspec:\n  minAvailable: 1\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: orders-http\n";
    let root = example("parity-missing");
    for env in ["dev", "prod"] {
        std::fs::write(root.join(format!("overlays/{env}/pdb.yaml")), pdb).unwrap();
        edit(
            &root.join(format!("overlays/{env}/kustomization.yaml")),
            "resources:\n- ../../base\n",
            "resources:\n- ../../base\n- pdb.yaml\n",
        );
    }
    let out = parity_in(&root, &["--policy", "parity.yaml", "--format", "json"]);
    assert_eq!(out.code, Some(1), "{}{}", out.stdout, out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        report["partial"],
        serde_json::json!([{"kind": "PodDisruptionBudget", "name": "orders-http", "presentIn": ["dev", "prod"], "allowedBy": null, "rule": null}])
    );
    let out = parity_in(&root, &["--policy", "parity.yaml"]);
    assert!(
        out.stdout
            .contains("PodDisruptionBudget/orders-http\n  \u{2717} missing: only in dev, prod\n"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_changed_probe_fails() {
    let root = example("parity-probe");
    append(
        &root.join("overlays/test/functionapp.yaml"),
        "  probes:\n    path: /api/healthz\n",
    );
    let (rows, report) = failures(&root);
    assert!(rows.iter().any(|r| r.starts_with("Deployment/orders-http spec.template.spec.containers[name=func].readinessProbe.httpGet.path")), "{rows:#?}");
    let drift = row(
        &report,
        "Deployment",
        "spec.template.spec.containers[name=func].readinessProbe.httpGet.path",
    );
    assert_eq!(drift["values"]["test"], "/api/healthz");
    assert_eq!(drift["source"]["field"], "spec.probes.path");
}

#[test]
fn init_allows_exactly_todays_differences_with_functionapp_rules() {
    let root = example("parity-init");
    edit(
        &root.join("overlays/prod/functionapp.yaml"),
        "  settings:\n",
        "  settings:\n    FEATURE_FLAG: \"on\"\n",
    );
    let out = parity_in(
        &root,
        &["overlays/dev", "overlays/test", "overlays/prod", "--init"],
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stdout.contains("  - resource: {kind: FunctionApp, name: orders}\n    field: spec.settings.FEATURE_FLAG\n    difference: any\n"), "{}", out.stdout);
    // The identity differs by design: the rules come with their reasons.
    for (field, reason) in [
        (
            "spec.identity.azure.issuer",
            "each environment's cluster has its own OIDC issuer",
        ),
        (
            "spec.identity.azure.name",
            "one identity per environment (one shared by all reaches Entra ID's 20 federated credentials sooner, AZF025)",
        ),
    ] {
        assert!(
            out.stdout.contains(&format!("  - resource: {{kind: FunctionApp, name: orders}}\n    field: {field}\n    reason: {reason:?}\n")),
            "{field}: {}",
            out.stdout
        );
    }
    std::fs::write(root.join("parity.yaml"), &out.stdout).unwrap();
    let out = parity_in(&root, &["--policy", "parity.yaml"]);
    assert_eq!(out.code, Some(0), "{}", out.stdout);
    assert!(
        out.stdout.contains(" 0 differences not allowed, "),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains(", 0 stale rules"), "{}", out.stdout);
}

#[test]
fn stale_rules_are_reported_but_do_not_fail() {
    let root = example("parity-stale");
    append(
        &root.join("parity.yaml"),
        "  - resource: {kind: FunctionApp, name: orders}\n    field: spec.runtime\n    reason: never differs\n",
    );
    let out = parity_in(&root, &["--policy", "parity.yaml"]);
    assert_eq!(out.code, Some(0), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("stale: allow[12] (FunctionApp orders spec.runtime) matched no difference\n"),
        "{}",
        out.stdout
    );
}

#[test]
fn federated_credentials_on_one_identity_are_counted_across_environments() {
    // Three clusters (one issuer each) federate 8 accounts each with one shared identity: 24
    // credentials where Entra ID allows 20, although each environment alone has 8.
    let root = scratch("parity-credential-limit");
    std::fs::create_dir_all(root.join("base")).unwrap();
    std::fs::write(
        root.join("base/kustomization.yaml"),
        "resources:\n- credentials.yaml\n",
    )
    .unwrap();
    let credentials = (0..8)
        .map(|i| format!("---\napiVersion: managedidentity.azure.com/v1api20230131\nkind: FederatedIdentityCredential\nmetadata:\n  name: app{i}\nspec:\n  owner: {{armId: /subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-shared}}\n  audiences: [api://AzureADTokenExchange]\n  issuer: https://oidc.example/base/\n  subject: system:serviceaccount:apps:app{i}\n"))
        .collect::<Vec<_>>()
        .concat();
    std::fs::write(root.join("base/credentials.yaml"), credentials).unwrap();
    let mut environments = Vec::new();
    for env in ["dev", "test", "prod"] {
        let dir = root.join("overlays").join(env);
        std::fs::create_dir_all(&dir).unwrap();
        let patches = (0..8)
            .map(|i| format!("- target: {{kind: FederatedIdentityCredential, name: app{i}}}\n  patch: '[{{\"op\": \"replace\", \"path\": \"/spec/issuer\", \"value\": \"https://oidc.example/{env}/\"}}]'\n"))
            .collect::<Vec<_>>()
            .concat();
        std::fs::write(
            dir.join("kustomization.yaml"),
            format!("resources:\n- ../../base\npatches:\n{patches}"),
        )
        .unwrap();
        environments.push(format!("overlays/{env}"));
    }
    let mut args: Vec<&str> = environments.iter().map(String::as_str).collect();
    args.extend(["--format", "json"]);
    let out = parity_in(&root, &args);
    assert_eq!(out.code, Some(1), "{}{}", out.stdout, out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    let findings = report["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["code"], "AZF025");
    assert_eq!(
        findings[0]["message"],
        "prod: identity /subscriptions/s/resourcegroups/rg/providers/microsoft.managedidentity/userassignedidentities/id-shared has 24 distinct federated credentials across environments (dev: 8, prod: 8, test: 8); Entra ID allows 20, so this one and any later fail to create"
    );
    assert_eq!(findings[0]["file"], "overlays/prod/kustomization.yaml");
    // Each environment alone passes `azfn check`.
    let built = run(
        command(azfn_bin())
            .arg("build")
            .arg(root.join("overlays/prod")),
        b"",
    );
    assert!(built.status.success(), "{}", text(&built).1);
    let checked = run(command(azfn_bin()).args(["check", "-"]), &built.stdout);
    assert!(checked.status.success(), "{}", text(&checked).0);
    // The text report names it too.
    let out = parity_in(
        &root,
        &environments.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert!(
        out.stdout
            .contains("\u{2717} AZF025 credential-limit: prod: identity "),
        "{}",
        out.stdout
    );
}

fn expect(name: &str, actual: &str) {
    let path = workspace()
        .join("tests/fixtures/parity/expected")
        .join(name);
    if std::env::var_os("AZFN_BLESS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (AZFN_BLESS=1 writes it)", path.display()));
    assert_eq!(
        actual, expected,
        "{name} differs from its golden file; AZFN_BLESS=1 rewrites it"
    );
}

#[test]
fn every_format_matches_its_golden_file() {
    let root = example("parity-formats");
    edit(
        &root.join("overlays/prod/functionapp.yaml"),
        "  settings:\n",
        "  settings:\n    FEATURE_FLAG: \"on\"\n",
    );
    append(
        &root.join("parity.yaml"),
        "  - resource: {kind: FunctionApp, name: orders}\n    field: spec.runtime\n",
    );
    for (format, file) in [
        ("text", "drift.txt"),
        ("json", "drift.json"),
        ("markdown", "drift.md"),
        ("sarif", "drift.sarif"),
        ("junit", "drift.junit.xml"),
    ] {
        let out = parity_in(&root, &["--policy", "parity.yaml", "--format", format]);
        assert_eq!(out.code, Some(1), "{format}: {}", out.stderr);
        expect(
            file,
            &out.stdout.replace(env!("CARGO_PKG_VERSION"), "VERSION"),
        );
    }
    let out = parity_in(
        &root,
        &[
            "--policy",
            "parity.yaml",
            "--format",
            "text",
            "--color",
            "always",
        ],
    );
    assert!(out.stdout.contains("\x1b[1;31m\u{2717} spec.template.spec.containers[name=func].env[name=FEATURE_FLAG].value\x1b[0m"), "{}", out.stdout);
}

#[test]
fn sarif_is_valid_sarif_2_1_0() {
    let validator =
        jsonschema::validator_for(&azfn_tests::sarif_schema()).expect("the SARIF schema compiles");
    let root = example("parity-sarif");
    edit(
        &root.join("overlays/test/functionapp.yaml"),
        "  identity:\n",
        "  identity:\n    tenantId: 11111111-0000-0000-0000-000000000000\n",
    );
    let out = parity_in(&root, &["--policy", "parity.yaml", "--format", "sarif"]);
    let sarif: Value = serde_json::from_str(&out.stdout).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    // Each drift points at the line that set it in test: the tenant ID its patch added.
    let line = std::fs::read_to_string(root.join("overlays/test/functionapp.yaml"))
        .unwrap()
        .lines()
        .position(|l| l.contains("tenantId: 1111"))
        .unwrap()
        + 1;
    for r in results {
        assert_eq!(r["ruleId"], "AZP001", "{r:#}");
        let location = &r["locations"][0]["physicalLocation"];
        assert_eq!(
            location["artifactLocation"]["uri"], "overlays/test/functionapp.yaml",
            "{r:#}"
        );
        assert_eq!(location["region"]["startLine"], line, "{r:#}");
    }
}

#[test]
fn an_unusable_policy_names_the_field() {
    let root = scratch("parity-bad");
    std::fs::write(
        root.join("parity.yaml"),
        "apiVersion: azfn.dev/v1alpha1\nkind: ParityPolicy\nspec:\n  allow:\n  - resource: {kind: Deployment}\n    feild: spec.replicas\n",
    )
    .unwrap();
    let dev = workspace().join("examples/orders/overlays/dev");
    let prod = workspace().join("examples/orders/overlays/prod");
    let out = parity_in(
        &root,
        &[
            "--policy",
            "parity.yaml",
            dev.to_str().unwrap(),
            prod.to_str().unwrap(),
        ],
    );
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.contains("parity.yaml: spec.allow[0].feild: unknown field `feild`; known: resource, field, environments, difference, reason"),
        "{}",
        out.stderr
    );
    let out = parity_in(&root, &[dev.to_str().unwrap(), "/nonexistent/overlay"]);
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr
            .contains("environment overlay: /nonexistent/overlay: "),
        "{}",
        out.stderr
    );
}

/// For tools, unusable input is a report with one AZF900 diagnostic at the line to fix (SARIF
/// valid against the schema, JSON, JUnit), besides the message on stderr and exit code 2.
#[test]
fn unusable_input_is_a_diagnostic_at_its_line_in_machine_formats() {
    let validator =
        jsonschema::validator_for(&azfn_tests::sarif_schema()).expect("the SARIF schema compiles");
    let root = example("parity-unusable");
    std::fs::write(
        root.join("bad.yaml"),
        "apiVersion: azfn.dev/v1alpha1\nkind: ParityPolicy\nspec:\n  allow:\n  - resource: {kind: Deployment}\n    feild: spec.replicas\n",
    )
    .unwrap();
    let out = parity_in(
        &root,
        &[
            "--policy",
            "bad.yaml",
            "overlays/dev",
            "overlays/prod",
            "--format",
            "sarif",
        ],
    );
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(
        out.stderr.contains("unknown field `feild`"),
        "{}",
        out.stderr
    );
    let sarif: Value = serde_json::from_str(&out.stdout).expect("SARIF on stdout");
    let problems: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "AZF900", "{result}");
    let physical = &result["locations"][0]["physicalLocation"];
    assert_eq!(
        physical["artifactLocation"]["uri"], "bad.yaml",
        "{physical}"
    );
    assert_eq!(physical["region"]["startLine"], 6, "{physical}");

    // An environment that does not build: at its kustomization, in JSON and JUnit.
    edit(
        &root.join("overlays/prod/kustomization.yaml"),
        "- path: functionapp.yaml",
        "- path: missing-patch.yaml",
    );
    let out = parity_in(&root, &["--policy", "parity.yaml", "--format", "json"]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(out.stderr.contains("missing-patch.yaml"), "{}", out.stderr);
    let json: Value = serde_json::from_str(&out.stdout).expect("JSON on stdout");
    let finding = &json["findings"][0];
    assert_eq!(finding["code"], "AZF900", "{json}");
    assert!(
        finding["file"]
            .as_str()
            .is_some_and(|f| f.ends_with("prod/kustomization.yaml")),
        "{json}"
    );
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .contains("environment prod"),
        "{json}"
    );
    let out = parity_in(&root, &["--policy", "parity.yaml", "--format", "junit"]);
    assert_eq!(out.code, Some(2));
    assert!(out.stdout.contains("type=\"AZF900\""), "{}", out.stdout);
    // People get the message alone.
    let out = parity_in(&root, &["--policy", "parity.yaml"]);
    assert_eq!(out.code, Some(2));
    assert!(out.stdout.is_empty(), "{}", out.stdout);
}

/// `--from` compares what the real `kubectl kustomize` rendered with azfn's plugin.
#[test]
fn from_compares_kubectl_kustomize_output() {
    let root = example("parity-from");
    let plugins = azfn_tests::install_plugin(&root);
    let mut froms = Vec::new();
    for env in ["dev", "test", "prod"] {
        let out = run(
            command("kubectl")
                .args(["kustomize", "--enable-alpha-plugins"])
                .arg(root.join("overlays").join(env))
                .env("KUSTOMIZE_PLUGIN_HOME", &plugins),
            b"",
        );
        assert!(out.status.success(), "{}", text(&out).1);
        let file = root.join(format!("{env}.yaml"));
        std::fs::write(&file, &out.stdout).unwrap();
        froms.push(format!("{env}={}", file.display()));
    }
    // Rendered-level rules from --init, against the same builds done by azfn.
    let out = parity_in(
        &root,
        &[
            "--from", &froms[0], "--from", &froms[1], "--from", &froms[2], "--format", "json",
        ],
    );
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    let from: Value = serde_json::from_str(&out.stdout).unwrap();
    let direct = parity_in(
        &root,
        &[
            "overlays/dev",
            "overlays/test",
            "overlays/prod",
            "--format",
            "json",
        ],
    );
    let direct: Value = serde_json::from_str(&direct.stdout).unwrap();
    let rows = |report: &Value| -> Vec<String> {
        report["drifts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| format!("{}/{} {} {}", d["kind"], d["name"], d["field"], d["values"]))
            .collect()
    };
    assert_eq!(
        rows(&from),
        rows(&direct),
        "kubectl kustomize and azfn build differ"
    );
    assert_eq!(from["summary"]["failures"], 85);
    let dev = root.join("dev.yaml").display().to_string();
    let same = parity_in(
        &root,
        &["--from", &format!("a={dev}"), "--from", &format!("b={dev}")],
    );
    assert_eq!(same.code, Some(0), "{}", same.stdout);
    let twice = parity_in(
        &root,
        &["--from", &format!("a={dev}"), "--from", &format!("a={dev}")],
    );
    assert_eq!(twice.code, Some(2), "{}", twice.stdout);
    assert!(
        twice
            .stderr
            .contains("--from a: environment a is named twice"),
        "{}",
        twice.stderr
    );
}

const PARITY_CONFIG: &str = "  parity:\n    policy: ../../parity.yaml\n    environment: prod\n";

/// A kustomize build of one environment checks it against its siblings: the host reads the
/// policy's folder and passes it to the sandboxed module in the function config.
#[test]
fn a_kustomize_build_of_one_environment_fails_when_it_drifts() {
    let root = example("parity-kustomize");
    let plugins = azfn_tests::install_plugin(&root);
    let kustomize = || {
        run(
            command("kubectl")
                .args(["kustomize", "--enable-alpha-plugins"])
                .arg(root.join("overlays/prod"))
                .env("KUSTOMIZE_PLUGIN_HOME", &plugins),
            b"",
        )
    };
    let before = kustomize();
    assert!(before.status.success(), "{}", text(&before).1);
    append(&root.join("overlays/prod/azfn.yaml"), PARITY_CONFIG);
    let checked = kustomize();
    assert!(checked.status.success(), "{}", text(&checked).1);
    assert_eq!(
        checked.stdout, before.stdout,
        "the parity check changed the build"
    );
    edit(
        &root.join("overlays/prod/functionapp.yaml"),
        "  settings:\n",
        "  settings:\n    FEATURE_FLAG: \"on\"\n",
    );
    let drifted = kustomize();
    let (stdout, stderr) = text(&drifted);
    assert!(!drifted.status.success());
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("Deployment/orders spec.template.spec.containers[name=func].env[name=FEATURE_FLAG].value: AZP001 parity-drift: differs between environments: dev=<absent>, test=<absent>, prod=on; it comes from FunctionApp/orders spec.settings.FEATURE_FLAG"),
        "{stderr}"
    );
}

/// Under kpt the check reports results and leaves the package's files byte for byte as they
/// were, drift or not.
#[test]
fn kpt_reports_drift_and_leaves_files_untouched() {
    let root = example("parity-kpt");
    let package = root.join("package");
    std::fs::create_dir_all(&package).unwrap();
    let built = run(
        command(azfn_bin())
            .arg("build")
            .arg(root.join("overlays/dev")),
        b"",
    );
    // A flow-style line kpt would rewrite if the function re-serialised it.
    let manifests = String::from_utf8(built.stdout).unwrap()
        + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: flow, labels: {a: b}}\ndata: {k: \"v\"}\n";
    std::fs::write(package.join("dev.yaml"), &manifests).unwrap();
    // kpt writes files in its own layout whatever the function does: start from that.
    let cat = run(
        command("kpt")
            .current_dir(&root)
            .args(["fn", "eval", "--exec", "cat", "package"]),
        b"",
    );
    assert!(cat.status.success(), "{}", text(&cat).1);
    let manifests = std::fs::read_to_string(package.join("dev.yaml")).unwrap();
    assert!(
        manifests.contains("metadata: {name: flow, labels: {a: b}}"),
        "{manifests}"
    );
    std::fs::write(
        root.join("azfn.yaml"),
        "apiVersion: azfn.dev/v1alpha1\nkind: Azfn\nmetadata:\n  name: azfn\nspec:\n  parity:\n    policy: parity.yaml\n    environment: dev\n",
    )
    .unwrap();
    let kpt = || {
        run(
            command("kpt")
                .current_dir(&root)
                .args(["fn", "eval", "--exec"])
                .arg(azfn_bin())
                .args(["--fn-config", "azfn.yaml", "--results-dir"])
                .arg(root.join("results"))
                .arg("package"),
            b"",
        )
    };
    let clean = kpt();
    assert!(clean.status.success(), "{}", text(&clean).1);
    assert_eq!(
        std::fs::read_to_string(package.join("dev.yaml")).unwrap(),
        manifests
    );
    edit(
        &root.join("overlays/prod/functionapp.yaml"),
        "  settings:\n",
        "  settings:\n    FEATURE_FLAG: \"on\"\n",
    );
    let drifted = kpt();
    assert!(!drifted.status.success());
    let results = std::fs::read_to_string(root.join("results/results.yaml")).unwrap();
    assert!(results.contains("AZP001 parity-drift"), "{results}");
    assert!(
        results.contains("spec.template.spec.containers[name=func].env[name=FEATURE_FLAG].value"),
        "{results}"
    );
    assert!(
        !results.contains("tree:"),
        "the policy folder leaked into the results: {results}"
    );
    assert_eq!(
        std::fs::read_to_string(package.join("dev.yaml")).unwrap(),
        manifests
    );
}

/// Quantities compare as Kubernetes reads them: `0.25` CPU is `250m`, `0.5Gi` is `512Mi`.
#[test]
fn equal_quantities_written_differently_are_no_drift() {
    let root = example("parity-quantities");
    append(
        &root.join("base/functionapp.yaml"),
        "  resources:\n    requests:\n      cpu: 250m\n      memory: 256Mi\n    limits:\n      memory: 512Mi\n",
    );
    append(
        &root.join("overlays/test/functionapp.yaml"),
        "  resources:\n    requests:\n      cpu: \"0.25\"\n      memory: \"268435456\"\n    limits:\n      memory: 0.5Gi\n",
    );
    let out = parity_in(&root, &["--policy", "parity.yaml"]);
    assert_eq!(out.code, Some(0), "{}", out.stdout);
    edit(
        &root.join("overlays/test/functionapp.yaml"),
        "      memory: 0.5Gi\n",
        "      memory: 0.6Gi\n",
    );
    let (rows, _) = failures(&root);
    assert_eq!(
        rows,
        [
            "Deployment/orders spec.template.spec.containers[name=func].resources.limits.memory",
            "Deployment/orders-http spec.template.spec.containers[name=func].resources.limits.memory"
        ]
    );
}
