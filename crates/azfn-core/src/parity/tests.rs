//! Small parity checks next to the code: three environments in memory, a policy, and the
//! report `azfn parity` prints (an `insta` snapshot), without the release binary or kubectl.
use super::*;
use crate::overlay::BuildOptions;
use crate::source::MemorySource;

const BASE: &[(&str, &str)] = &[
    ("base/kustomization.yaml", "resources:\n- deployment.yaml\n"),
    (
        "base/deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: orders\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - name: func\n        image: orders:1.0\n        env:\n        - name: LOG_LEVEL\n          value: info\n",
    ),
];

/// `dev`, `test` and `prod` overlays; `prod`'s patch is `prod_patch`.
fn tree(prod_patch: &str) -> MemorySource {
    let mut source = MemorySource::new();
    for (path, text) in BASE {
        source.insert(*path, *text);
    }
    for env in ["dev", "test", "prod"] {
        source.insert(
            format!("{env}/kustomization.yaml"),
            format!("resources:\n- ../base\nnamePrefix: {env}-\npatches:\n- path: patch.yaml\n"),
        );
        let replicas = if env == "prod" { 3 } else { 1 };
        let patch = if env == "prod" {
            prod_patch.to_owned()
        } else {
            String::new()
        };
        source.insert(
            format!("{env}/patch.yaml"),
            format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: orders\nspec:\n  replicas: {replicas}\n{patch}"),
        );
    }
    source
}

const POLICY: &str = "apiVersion: azfn.dev/v1alpha1
kind: ParityPolicy
metadata:
  name: environments
spec:
  environments:
  - name: dev
    path: dev
  - name: test
    path: test
  - name: prod
    path: prod
  allow:
  - resource: {kind: Deployment, name: orders}
    field: spec.replicas
    reason: prod scales out
";

fn report(source: &MemorySource) -> (Report, ParityPolicy) {
    let policy = ParityPolicy::from_value(
        &serde_yaml::from_str(POLICY).expect("policy YAML"),
        "parity.yaml",
    )
    .expect("policy");
    let envs: Vec<(String, String)> = ["dev", "test", "prod"]
        .iter()
        .map(|e| ((*e).to_owned(), (*e).to_owned()))
        .collect();
    let report = check(source, &envs, &policy, &BuildOptions::default()).expect("parity");
    (report, policy)
}

#[test]
fn an_allowed_difference_passes_and_names_its_rule() {
    let (report, policy) = report(&tree(""));
    assert_eq!(report.failures(), 0);
    insta::assert_snapshot!(text(&report, &policy, false));
}

#[test]
fn a_setting_only_prod_changes_fails_and_names_the_line_that_set_it() {
    let (report, policy) = report(&tree(
        "  template:\n    spec:\n      containers:\n      - name: func\n        env:\n        - name: LOG_LEVEL\n          value: warning\n",
    ));
    assert_eq!(report.failures(), 1);
    let drift = report
        .drifts
        .iter()
        .find(|d| d.allowed_by.is_none())
        .expect("a drift");
    // The patch's `value: warning` line in prod, the base's line in the others.
    assert_eq!(drift.set_at["prod"].to_string(), "/prod/patch.yaml:13");
    assert_eq!(drift.set_at["dev"].to_string(), "/base/deployment.yaml:14");
    insta::assert_snapshot!(text(&report, &policy, false));
    // As a diagnostic: at prod's line (the one to edit), dev's and test's lines related, and
    // the allow rule that would accept it as the suggestion.
    let envs: Vec<(String, String)> = ["dev", "test", "prod"]
        .iter()
        .map(|e| ((*e).to_owned(), (*e).to_owned()))
        .collect();
    let context = Context {
        policy_file: Some("parity.yaml"),
        environments: &envs,
    };
    let diagnostics = results(&report, &policy, &context);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    let drift = &diagnostics[0];
    assert_eq!(
        (drift.code.as_str(), drift.rule.as_str()),
        ("AZP001", "parity-drift")
    );
    assert_eq!(
        (drift.file.as_deref(), drift.line),
        (Some("/prod/patch.yaml"), Some(13))
    );
    let related: Vec<String> = drift
        .related
        .iter()
        .map(|r| format!("{} {}:{}", r.message, r.file, r.line.unwrap_or(0)))
        .collect();
    assert_eq!(
        related,
        [
            "set in dev /base/deployment.yaml:14",
            "set in test /base/deployment.yaml:14"
        ]
    );
    assert!(
        drift
            .suggestion
            .as_deref()
            .is_some_and(|s| s.starts_with("to allow it: {resource: {kind: Deployment")),
        "{drift:#?}"
    );
}

#[test]
fn an_environment_that_does_not_build_is_an_error_carrying_its_place() {
    let mut source = tree("");
    source.insert("test/patch.yaml", "kind: Deployment\nmetadata: [orders\n");
    let policy = ParityPolicy::from_value(
        &serde_yaml::from_str(POLICY).expect("policy YAML"),
        "parity.yaml",
    )
    .expect("policy");
    let envs = [("test".to_owned(), "test".to_owned())];
    let error = check(&source, &envs, &policy, &BuildOptions::default()).unwrap_err();
    assert_eq!(error.environment, "test");
    assert_eq!(error.error.location.file, "/test/patch.yaml");
    assert_eq!(
        error.error.context,
        ["/test/kustomization.yaml: patches[0]"]
    );
}

#[test]
fn a_resource_only_in_prod_fails_and_init_allows_exactly_todays_differences() {
    let mut source = tree(
        "  template:\n    spec:\n      containers:\n      - name: func\n        env:\n        - name: LOG_LEVEL\n          value: debug\n",
    );
    source.insert(
        "prod/kustomization.yaml",
        "resources:\n- ../base\n- extra.yaml\nnamePrefix: prod-\npatches:\n- path: patch.yaml\n",
    );
    source.insert(
        "prod/extra.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata:\n  a: b\n",
    );
    let (report, policy) = report(&source);
    assert_eq!(report.failures(), 2, "{report:#?}");
    assert_eq!(report.partial.len(), 1);
    assert_eq!(report.partial[0].resource.name, "extra");
    assert_eq!(report.partial[0].present_in, ["prod"]);
    insta::assert_snapshot!("missing_text", text(&report, &policy, false));
    insta::assert_snapshot!("missing_markdown", markdown(&report, &policy));
    let envs: Vec<(String, String)> = ["dev", "test", "prod"]
        .iter()
        .map(|e| ((*e).to_owned(), (*e).to_owned()))
        .collect();
    // As `azfn parity --init` does: every difference, under a policy that allows none.
    let everything = check(
        &source,
        &envs,
        &ParityPolicy::default(),
        &BuildOptions::default(),
    )
    .expect("parity");
    let init = init_policy(&everything, &envs);
    insta::assert_snapshot!("missing_init", init);
    let start = ParityPolicy::from_value(
        &serde_yaml::from_str(&init).expect("init YAML"),
        "init.yaml",
    )
    .expect("init output is a valid policy");
    let again = check(&source, &envs, &start, &BuildOptions::default()).expect("parity");
    assert_eq!(again.failures(), 0, "{again:#?}");
    assert!(again.stale_rules.is_empty(), "{again:#?}");
}

#[test]
fn a_rule_nothing_needs_is_stale_but_does_not_fail() {
    let mut source = tree("");
    for env in ["dev", "test", "prod"] {
        source.insert(
            format!("{env}/patch.yaml"),
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: orders\nspec:\n  replicas: 2\n".to_owned(),
        );
    }
    let (report, _) = report(&source);
    assert_eq!(report.failures(), 0);
    assert_eq!(report.stale_rules, [0]);
}

#[test]
fn equal_quantities_written_differently_are_no_drift() {
    let patch = |cpu: &str| {
        format!(
            "  template:\n    spec:\n      containers:\n      - name: func\n        resources:\n          requests:\n            cpu: {cpu}\n            memory: 1Gi\n"
        )
    };
    let mut source = tree(&patch("\"1\""));
    for env in ["dev", "test"] {
        source.insert(
            format!("{env}/patch.yaml"),
            format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: orders\nspec:\n  replicas: 1\n{}", patch("1000m").replace("1Gi", "1024Mi")),
        );
    }
    let (report, _) = report(&source);
    assert_eq!(report.failures(), 0, "{report:#?}");
}
