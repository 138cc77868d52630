use super::*;
use crate::diagnostic::Diagnostic;
use crate::krm::Resource;

/// The documents of `yaml` as resources.
fn parse(yaml: &str) -> Vec<Resource> {
    crate::yaml::parse_documents(yaml, "t.yaml", crate::yaml::Limits::default())
        .expect("test YAML parses")
        .into_iter()
        .map(|v| Resource::new(v.as_mapping().expect("an object").clone()))
        .collect()
}

fn file(path: &str, text: &str) -> PolicyFile {
    PolicyFile {
        path: path.to_owned(),
        text: text.to_owned(),
    }
}

const APPS: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: orders\n  namespace: prod\n  annotations: {config.kubernetes.io/path: x.yaml}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: func, image: docker.io/orders:1.0}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: orders, namespace: prod}\n";

/// `code severity Kind/name field: message` of each finding.
fn shown(findings: &[Diagnostic]) -> Vec<String> {
    findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {} {}: {}",
                f.code,
                f.severity.as_str(),
                f.resource_name(),
                f.field.as_deref().unwrap_or("-"),
                f.message
            )
        })
        .collect()
}

#[test]
fn conftest_rule_sets_report_about_each_document() {
    let policy = file(
        "policy/main.rego",
        "package main\n\ndeny contains msg if {\n  input.kind == \"Deployment\"\n  some c in input.spec.template.spec.containers\n  not startswith(c.image, \"contoso.azurecr.io/\")\n  msg := sprintf(\"container %s pulls %s from outside contoso.azurecr.io\", [c.name, c.image])\n}\n\nwarn_owner contains msg if {\n  not input.metadata.labels.owner\n  msg := sprintf(\"%s/%s has no owner label\", [input.kind, input.metadata.name])\n}\n",
    );
    // Older conftest policies (Rego v0, no `if`) run unchanged beside v1 ones.
    let v0 = file(
        "policy/legacy.rego",
        "package legacy\n\nviolation[{\"msg\": msg, \"details\": {}}] {\n  input.kind == \"Service\"\n  msg := \"services need a team annotation\"\n}\n",
    );
    let mut policies = Policies::compile(&[policy, v0], InputMode::Document).unwrap();
    assert_eq!(
        policies.codes(),
        ["main.deny", "main.warn_owner", "legacy.violation"]
    );
    let findings = policies.check(&parse(APPS)).unwrap();
    assert_eq!(
        shown(&findings),
        [
            "main.deny error Deployment/prod/orders -: container func pulls docker.io/orders:1.0 from outside contoso.azurecr.io",
            "main.warn_owner warning Deployment/prod/orders -: Deployment/orders has no owner label",
            "main.warn_owner warning Service/prod/orders -: Service/orders has no owner label",
            "legacy.violation error Service/prod/orders -: services need a team annotation",
        ]
    );
    assert_eq!(
        findings[0].file.as_deref(),
        Some("x.yaml"),
        "located like a built-in finding"
    );
}

#[test]
fn the_azfn_shape_names_code_severity_resource_and_field() {
    let policy = file(
        "policy/sku.rego",
        "package azfn.sku\n\ndeny contains {\"code\": \"ORG003\", \"severity\": \"warning\", \"field\": \"spec.template.spec.containers[0].image\", \"msg\": \"pin the image by digest\"} if {\n  input.kind == \"Deployment\"\n}\n",
    );
    let combined = file(
        "policy/pairs.rego",
        "package pairs\n\ndeny contains {\"msg\": sprintf(\"Deployment %s has no Service\", [d.metadata.name]), \"resource\": {\"kind\": \"Deployment\", \"name\": d.metadata.name, \"namespace\": d.metadata.namespace}} if {\n  some doc in input\n  d := doc.contents\n  d.kind == \"Deployment\"\n  not service(d.metadata.name)\n}\n\nservice(name) if {\n  some doc in input\n  doc.contents.kind == \"Service\"\n  doc.contents.metadata.name == name\n}\n",
    );
    let mut per_document = Policies::compile(&[policy], InputMode::Document).unwrap();
    assert_eq!(
        shown(&per_document.check(&parse(APPS)).unwrap()),
        [
            "ORG003 warning Deployment/prod/orders spec.template.spec.containers[0].image: pin the image by digest"
        ]
    );
    let mut whole = Policies::compile(&[combined], InputMode::Combined).unwrap();
    assert!(whole.check(&parse(APPS)).unwrap().is_empty());
    let alone = APPS.split("---").next().unwrap();
    assert_eq!(
        shown(&whole.check(&parse(alone)).unwrap()),
        ["pairs.deny error Deployment/prod/orders -: Deployment orders has no Service"]
    );
}

#[test]
fn a_policy_that_is_not_rego_is_named_with_line_and_column() {
    let broken = file(
        "policy/broken.rego",
        "package main\n\ndeny contains msg if {\n  input.kind == \n}\n",
    );
    let error = Policies::compile(&[broken], InputMode::Document).unwrap_err();
    assert_eq!(
        error.to_string(),
        "policy/broken.rego:5:1: expecting expression"
    );
}

#[test]
fn a_runaway_rule_is_stopped_after_its_step_budget() {
    let runaway = file(
        "policy/runaway.rego",
        "package main\n\ndeny contains msg if {\n  some a in numbers.range(1, 3000)\n  some b in numbers.range(1, 3000)\n  a * b < 0\n  msg := \"never\"\n}\n",
    );
    let mut policies = Policies::compile(&[runaway], InputMode::Document)
        .unwrap()
        .with_steps(10_000);
    let error = policies.check(&parse(APPS)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "policy/runaway.rego: rule main.deny ran past its budget of 10000 steps and was stopped"
    );
    // A stopped rule is not remembered as evaluated: the same objects are stopped again.
    assert!(policies.check(&parse(APPS)).is_err());
}

#[test]
fn tests_pass_fail_and_need_to_exist() {
    let policy = file(
        "p/labels.rego",
        "package labels\n\ndeny contains \"no owner\" if { not input.metadata.labels.owner }\n",
    );
    let tests = file(
        "p/labels_test.rego",
        "package labels\n\ntest_owner_present if {\n  count(deny) == 0 with input as {\"metadata\": {\"labels\": {\"owner\": \"a\"}}}\n}\n\ntest_owner_missing if {\n  deny[\"no owner\"] with input as {\"metadata\": {}}\n}\n\ntest_wrong if {\n  count(deny) == 0 with input as {\"metadata\": {}}\n}\n",
    );
    let results = test::run(&[policy.clone(), tests], DEFAULT_STEPS).unwrap();
    let outcomes: Vec<_> = results
        .iter()
        .map(|r| (r.name.as_str(), r.outcome.clone()))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("data.labels.test_owner_present", test::Outcome::Passed),
            ("data.labels.test_owner_missing", test::Outcome::Passed),
            ("data.labels.test_wrong", test::Outcome::Failed),
        ]
    );
    assert!(matches!(
        test::run(&[policy], DEFAULT_STEPS),
        Err(RegoError::Empty(_))
    ));
}

fn denying(kind: &str, message: &str) -> String {
    format!("package main\n\ndeny contains \"{message}\" if input.kind == \"{kind}\"\n")
}

#[test]
fn objects_evaluated_before_give_their_values_again_and_the_memo_starts_afresh_when_full() {
    let mut policies = Policies::compile(
        &[file("policy/main.rego", &denying("Service", "no services"))],
        InputMode::Document,
    )
    .unwrap();
    let objects = parse(APPS);
    let first = shown(&policies.check(&objects).unwrap());
    assert_eq!(
        first,
        ["main.deny error Service/prod/orders -: no services"]
    );
    assert_eq!(shown(&policies.check(&objects).unwrap()), first);
    // Past the memo's bound: distinct objects fill it, it starts afresh, and the first
    // objects are evaluated again with the same outcome.
    let many: Vec<Resource> = (0..=super::engine::MEMO_INPUTS)
        .map(|i| {
            let mut object = serde_yaml::Mapping::new();
            object.insert("kind".into(), "ConfigMap".into());
            object.insert(
                "metadata".into(),
                serde_yaml::from_str(&format!("{{name: c{i}}}")).unwrap(),
            );
            Resource::new(object)
        })
        .collect();
    assert!(policies.check(&many).unwrap().is_empty());
    assert!(policies.memo_len() <= super::engine::MEMO_INPUTS);
    assert_eq!(shown(&policies.check(&objects).unwrap()), first);
}
