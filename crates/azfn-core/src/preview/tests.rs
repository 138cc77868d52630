use super::*;
use crate::function::build_options;

/// The example app as the page's "example" button loads it.
use crate::test_support::example;

fn edit(source: &mut MemorySource, path: &str, from: &str, to: &str) {
    let text = String::from_utf8(source.read(path).unwrap()).unwrap();
    assert!(text.contains(from), "{path} has no {from:?}");
    source.insert(path, text.replacen(from, to, 1));
}

#[test]
fn environments_are_the_policys_then_every_other_top_level_kustomization() {
    let preview = preview(&example());
    assert_eq!(preview.policy.as_deref(), Some("parity.yaml"));
    let names: Vec<(&str, &str)> = preview
        .environments
        .iter()
        .map(|e| (e.name.as_str(), e.dir.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("dev", "overlays/dev"),
            ("test", "overlays/test"),
            ("prod", "overlays/prod"),
            ("broken", "overlays/broken"),
            ("prod-eu", "overlays/prod-eu"),
        ]
    );
}

#[test]
fn each_environment_renders_what_azfn_build_prints() {
    let source = example();
    let preview = preview(&source);
    for env in preview.environments.iter().filter(|e| e.name != "broken") {
        let built = overlay::build_yaml(&source, &env.dir, &build_options()).unwrap();
        assert_eq!(env.output.as_deref(), Some(built.as_str()), "{}", env.name);
        assert!(!env.fails, "{}: {:?}", env.name, env.findings);
        assert!(env.error.is_none());
    }
}

#[test]
fn a_finding_points_at_the_overlay_line_that_set_the_field_and_no_secret_is_shown() {
    let preview = preview(&example());
    let broken = preview
        .environments
        .iter()
        .find(|e| e.name == "broken")
        .unwrap();
    assert!(broken.fails);
    assert_eq!(
        broken.output, None,
        "azfn build prints nothing when it fails"
    );
    let errors: Vec<&Diagnostic> = broken
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let finding = errors[0];
    assert!(finding.code == "AZF001" && finding.message.starts_with("setting \"LegacyStorage\""));
    assert_eq!(
        finding.position(),
        Position {
            file: Some("overlays/broken/inline-connection-string.yaml".into()),
            line: Some(7)
        }
    );
    let shown = serde_json::to_string(&preview.environments).unwrap();
    assert!(!shown.contains("lomL9hBp6CPf"), "the key is shown");
}

#[test]
fn a_function_app_refused_by_azfn_points_at_the_overlay_field() {
    let mut source = example();
    let digest = "orders@sha256:5f0c6c2d6b2a0f5e8e1d4c3b2a19080706050403020100f0e0d0c0b0a0908070";
    edit(
        &mut source,
        "overlays/prod/functionapp.yaml",
        digest,
        "orders:latest",
    );
    let preview = preview(&source);
    let prod = &preview.environments[2];
    let error = prod.error.as_ref().expect("prod fails");
    assert!(
        error
            .message
            .contains("FunctionApp/prod-orders: spec.image:"),
        "{}",
        error.message
    );
    assert_eq!(
        error.position(),
        Position {
            file: Some("overlays/prod/functionapp.yaml".into()),
            line: Some(6)
        }
    );
    // prod-eu builds on prod: the same error, at the same place.
    let eu = preview
        .environments
        .iter()
        .find(|e| e.name == "prod-eu")
        .unwrap();
    assert_eq!(eu.error.as_ref().unwrap().position(), error.position());
}

#[test]
fn a_broken_file_is_located_at_its_line_and_other_environments_still_render() {
    let mut source = example();
    edit(
        &mut source,
        "overlays/prod/functionapp.yaml",
        "  storage:\n",
        "  storage: [\n",
    );
    let preview = preview(&source);
    let prod = &preview.environments[2];
    let error = prod.error.as_ref().expect("prod fails");
    assert_eq!(
        error.file.as_deref(),
        Some("overlays/prod/functionapp.yaml")
    );
    assert!(error.line.is_some_and(|l| l >= 9), "{error:?}");
    assert!(prod.output.is_none());
    assert!(
        preview.environments[0].output.is_some(),
        "dev still renders"
    );
}

#[test]
fn an_error_naming_a_kustomization_field_points_at_that_field() {
    let mut source = example();
    edit(
        &mut source,
        "overlays/test/kustomization.yaml",
        "- path: functionapp.yaml",
        "- path: missing.yaml",
    );
    let preview = preview(&source);
    let error = preview.environments[1].error.as_ref().expect("test fails");
    assert_eq!(
        error.file.as_deref(),
        Some("overlays/test/kustomization.yaml")
    );
    let text = String::from_utf8(source.read("overlays/test/kustomization.yaml").unwrap()).unwrap();
    let line = error.line.unwrap();
    assert!(
        text.lines().nth(line - 1).unwrap().contains("patches")
            || text.lines().nth(line - 1).unwrap().contains("missing.yaml"),
        "line {line} of\n{text}\nfor {}",
        error.message
    );
}

#[test]
fn parity_by_the_trees_policy_passes_and_a_prod_only_setting_fails() {
    let mut source = example();
    let preview_ = preview(&source);
    let envs: Vec<EnvironmentRef> = Vec::new();
    let report = parity_report(&source, preview_.policy.as_deref(), &envs).unwrap();
    assert_eq!(report["summary"]["failures"], 0, "{report:#}");
    assert!(report["summary"]["allowed"].as_u64().unwrap() > 0);
    edit(
        &mut source,
        "overlays/prod/functionapp.yaml",
        "    AZURE_FUNCTIONS_ENVIRONMENT: Production\n",
        "    AZURE_FUNCTIONS_ENVIRONMENT: Production\n    FEATURE_FLAG: \"on\"\n",
    );
    let report = parity_report(&source, Some("parity.yaml"), &envs).unwrap();
    assert!(report["summary"]["failures"].as_u64().unwrap() > 0);
    assert!(
        report["markdown"]
            .as_str()
            .unwrap()
            .contains("FEATURE_FLAG")
    );
}

#[test]
fn without_a_policy_every_difference_between_environments_is_shown() {
    let source = example();
    let envs = [
        EnvironmentRef {
            name: "dev".into(),
            dir: "overlays/dev".into(),
        },
        EnvironmentRef {
            name: "prod".into(),
            dir: "overlays/prod".into(),
        },
    ];
    let report = parity_report(&source, None, &envs).unwrap();
    assert_eq!(report["environments"], serde_json::json!(["dev", "prod"]));
    assert_eq!(report["summary"]["allowed"], 0);
    assert!(report["summary"]["failures"].as_u64().unwrap() > 10);
}

#[test]
fn a_broken_policy_is_an_error_at_its_field() {
    let mut source = example();
    edit(
        &mut source,
        "parity.yaml",
        "    reason: one Key Vault per environment",
        "    raeson: one Key Vault per environment",
    );
    let error = parity_report(&source, Some("parity.yaml"), &[]).unwrap_err();
    assert_eq!(error.file.as_deref(), Some("parity.yaml"));
    assert!(error.message.contains("raeson"), "{}", error.message);
}

#[test]
fn the_share_check_flags_inline_secrets_anywhere_and_only_them() {
    let source = example();
    let found = scan_secrets(&source);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        found[0].file,
        "overlays/broken/inline-connection-string.yaml"
    );
    assert_eq!(found[0].line, 7);
    assert!(!found[0].message.contains("lomL9hBp6CPf"));
    let mut clean = MemorySource::new();
    for path in source
        .paths()
        .filter(|p| !p.starts_with("overlays/broken/"))
    {
        clean.insert(path, source.read(path).unwrap());
    }
    assert_eq!(scan_secrets(&clean), []);
    // A base64 Secret value and a key in a file that is not YAML are found too.
    let key = "AccountKey=lomL9hBp6CPf9wiXkxtdL0EEuVHAS6qqppPK/tiXBRHEEGBAS/ZWZSBB9iZc2Dd7zmi/+aiGc2tGgA0U+Fk77Q==";
    clean.insert(
        "notes/local.settings.env",
        format!("# local\nSTORAGE=DefaultEndpointsProtocol=https;AccountName=x;{key}\n"),
    );
    let b64 = "RGVmYXVsdEVuZHBvaW50c1Byb3RvY29sPWh0dHBzO0FjY291bnROYW1lPXg7QWNjb3VudEtleT1sb21MOWhCcDZDUGY5d2lYa3h0ZEwwRUV1VkhBUzZxcXBwUEsvdGlYQlJIRUVHQkFTL1pXWlNCQjlpWmMyRGQ3em1pLythaUdjMnRHZ0EwVStGazc3UT09";
    clean.insert(
        "base/secret.yaml",
        format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  conn: {b64}\n"),
    );
    let found: Vec<(String, usize)> = scan_secrets(&clean)
        .into_iter()
        .map(|s| (s.file, s.line))
        .collect();
    assert_eq!(
        found,
        [
            ("base/secret.yaml".into(), 6),
            ("notes/local.settings.env".into(), 2)
        ]
    );
}

#[test]
fn sarif_has_each_finding_once_at_its_line() {
    let preview = preview(&example());
    let sarif: serde_json::Value = serde_json::from_str(&sarif(&preview)).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{results:#?}");
    let location = &results[0]["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"]["uri"],
        "overlays/broken/inline-connection-string.yaml"
    );
    assert_eq!(location["region"]["startLine"], 7);
    assert!(
        results[0]["message"]["text"]
            .as_str()
            .unwrap()
            .ends_with("(in broken)")
    );
}

#[test]
fn findings_are_those_of_the_final_output_as_azfn_check_reports() {
    let mut source = example();
    // A hand-wired worker whose two client IDs disagree; its service account reference is
    // renamed (`reports` → `reports-test`) only after azfn's transformer ran.
    source.insert(
        "overlays/test/reports.yaml",
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: reports\n  annotations:\n    azure.workload.identity/client-id: 00000000-0000-0000-0000-00000000e001\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: reports\nspec:\n  selector:\n    matchLabels: {app: reports}\n  template:\n    metadata:\n      labels:\n        app: reports\n        azure.workload.identity/use: \"true\"\n    spec:\n      serviceAccountName: reports\n      containers:\n      - name: func\n        image: contoso.azurecr.io/reports@sha256:5f0c6c2d6b2a0f5e8e1d4c3b2a19080706050403020100f0e0d0c0b0a0908070\n        resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}\n        env:\n        - name: ServiceBus__credential\n          value: managedidentity\n        - name: ServiceBus__clientId\n          value: 00000000-0000-0000-0000-00000000f002\n",
    );
    edit(
        &mut source,
        "overlays/test/kustomization.yaml",
        "- ../../base\n",
        "- ../../base\n- reports.yaml\n",
    );
    let preview = preview(&source);
    let test = &preview.environments[1];
    let codes: Vec<&str> = test.findings.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(codes, ["AZF008", "AZF023"], "{:#?}", test.findings);
    let finding = &test.findings[0];
    assert!(finding.message.contains("client IDs disagree"));
    assert_eq!(finding.file.as_deref(), Some("overlays/test/reports.yaml"));
    assert_eq!(finding.line, Some(21), "the serviceAccountName line");
    assert_eq!(finding.severity, crate::krm::Severity::Warning);
    // The environment federates its identity with its own account only: the renamed
    // `reports-test` account gets no token.
    let missing = &test.findings[1];
    assert!(
        missing.message.starts_with(
            "no FederatedIdentityCredential names system:serviceaccount:orders-test:reports-test"
        ),
        "{}",
        missing.message
    );
    assert_eq!(missing.file.as_deref(), Some("overlays/test/reports.yaml"));
    assert_eq!(missing.line, Some(6), "the client-id annotation");
    assert!(test.fails, "the missing credential is an error");
}

/// The example with a policy folder its prod config names, holding `rule`.
#[cfg(feature = "rego")]
fn with_team_rule(rule: &str) -> MemorySource {
    let mut source = example();
    source.insert("policies/team.rego", rule.to_owned());
    let config = String::from_utf8(source.read("overlays/prod/azfn.yaml").unwrap()).unwrap();
    source.insert(
        "overlays/prod/azfn.yaml",
        config + "  policies:\n  - path: ../../policies\n",
    );
    source
}

#[cfg(feature = "rego")]
#[test]
fn parity_builds_each_environment_with_the_policy_folders_in_the_tree() {
    let warning = with_team_rule(
        "package team\n\nwarn contains msg if {\n  input.kind == \"Service\"\n  msg := \"services need an owner\"\n}\n",
    );
    let preview_ = preview(&warning);
    let prod = preview_
        .environments
        .iter()
        .find(|e| e.name == "prod")
        .unwrap();
    assert!(
        prod.findings.iter().any(|f| f.code == "team.warn"),
        "{:?}",
        prod.findings
    );
    // Parity builds prod as `azfn parity` does: with the folder's rules, which only warn.
    let report = parity_report(&warning, preview_.policy.as_deref(), &[]).unwrap();
    assert_eq!(report["summary"]["failures"], 0, "{report:#}");

    let error = with_team_rule(
        "package team\n\ndeny contains msg if {\n  input.kind == \"Service\"\n  msg := \"services are not allowed\"\n}\n",
    );
    let failed = parity_report(&error, Some("parity.yaml"), &[]).unwrap_err();
    assert!(
        failed.message.contains("team.deny") && failed.message.contains("services are not allowed"),
        "{}",
        failed.message
    );
}

#[cfg(feature = "rego")]
#[test]
fn parity_refuses_a_policy_folder_outside_the_tree_naming_the_field() {
    let mut source = example();
    // A folder named to climb out of the tree, and a .rego file where it would land if
    // the path were only joined: neither is read.
    source.insert(
        "../outside/steal.rego",
        "package steal\n\ndeny contains \"read\" if true\n".to_owned(),
    );
    let config = String::from_utf8(source.read("overlays/prod/azfn.yaml").unwrap()).unwrap();
    source.insert(
        "overlays/prod/azfn.yaml",
        config + "  policies:\n  - path: ../../../outside\n",
    );
    let error = parity_report(&source, Some("parity.yaml"), &[]).unwrap_err();
    assert!(
        error
            .message
            .contains("../../../outside lies outside the tree")
            && error.message.contains("spec.policies[0].path"),
        "{}",
        error.message
    );
    assert!(!error.message.contains("steal"), "{}", error.message);
}

#[test]
fn an_edit_renders_again_only_the_environments_that_read_the_edited_file() {
    let mut source = example();
    let first = preview(&source);
    let (_, before) = memo::counts();
    // Nothing changed: every kustomization's render is reused, byte for byte.
    let again = preview(&source);
    let (_, after) = memo::counts();
    let kustomizations = kustomizations(&source).len();
    assert_eq!(after - before, kustomizations);
    let outputs = |p: &Preview| -> Vec<(String, Option<String>)> {
        p.environments
            .iter()
            .map(|e| (e.name.clone(), e.output.clone()))
            .collect()
    };
    assert_eq!(outputs(&again), outputs(&first));
    // An edit in prod's overlay: prod and prod-eu (built on it) render again, the rest not.
    edit(
        &mut source,
        "overlays/prod/functionapp.yaml",
        "maxReplicas: 30",
        "maxReplicas: 31",
    );
    let (_, before) = memo::counts();
    let edited = preview(&source);
    let (_, after) = memo::counts();
    assert_eq!(after - before, kustomizations - 2);
    for env in &edited.environments {
        let built = overlay::build_yaml(&source, &env.dir, &build_options()).ok();
        if env.name != "broken" {
            assert_eq!(env.output, built, "{}", env.name);
        }
    }
    let prod = |p: &Preview| {
        p.environments
            .iter()
            .find(|e| e.name == "prod")
            .and_then(|e| e.output.clone())
            .unwrap()
    };
    assert!(prod(&edited).contains("maxReplicaCount: 31"));
    assert!(!prod(&first).contains("maxReplicaCount: 31"));
}

#[test]
fn a_file_added_where_a_build_found_nothing_renders_it_again() {
    let mut source = MemorySource::new();
    source.insert("app/kustomization.yaml", "resources:\n- cm.yaml\n");
    let missing = preview(&source);
    assert!(missing.environments[0].error.is_some());
    source.insert(
        "app/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
    );
    let found = preview(&source);
    let env = &found.environments[0];
    assert!(env.error.is_none(), "{:?}", env.error);
    assert!(env.output.as_deref().unwrap().contains("name: c"));
}

#[test]
fn the_kept_renders_stay_within_their_bound() {
    let mut source = MemorySource::new();
    for i in 0..memo::KEPT + 5 {
        source.insert(
            format!("app{i}/kustomization.yaml"),
            "resources:\n- cm.yaml\n",
        );
        source.insert(
            format!("app{i}/cm.yaml"),
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\n"),
        );
    }
    let preview = preview(&source);
    assert_eq!(preview.environments.len(), memo::KEPT + 5);
    assert_eq!(memo::counts().0, memo::KEPT);
}

#[test]
fn the_kept_renders_hold_at_most_their_byte_bound() {
    // Three environments each reading a file of a third of the bound: the oldest goes.
    let mut source = MemorySource::new();
    let big = "x".repeat(memo::KEPT_BYTES / 3);
    for i in 0..3 {
        source.insert(
            format!("env{i}/kustomization.yaml"),
            "resources:\n- cm.yaml\n",
        );
        source.insert(
            format!("env{i}/cm.yaml"),
            format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\ndata:\n  big: {big}\n"
            ),
        );
    }
    let preview = preview(&source);
    assert_eq!(preview.environments.len(), 3);
    assert!(
        memo::kept_bytes() <= memo::KEPT_BYTES,
        "{}",
        memo::kept_bytes()
    );
    assert_eq!(memo::counts().0, 2);
    // A render that reads more than the bound alone is not kept.
    let mut huge = MemorySource::new();
    huge.insert("h/kustomization.yaml", "resources:\n- cm.yaml\n");
    huge.insert(
        "h/cm.yaml",
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: h\ndata:\n  big: {}\n",
            "y".repeat(memo::KEPT_BYTES)
        ),
    );
    let _ = super::preview(&huge);
    assert!(memo::kept_bytes() <= memo::KEPT_BYTES);
}
