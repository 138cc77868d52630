use crate::config::{Config, InputMode, PolicyConfig};
use crate::krm::Resource;

const OBJECTS: &str = "apiVersion: v1\nkind: Service\nmetadata: {name: orders, namespace: prod}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: prod}\n";

fn objects() -> Vec<Resource> {
    crate::yaml::parse_documents(OBJECTS, "t.yaml", crate::yaml::Limits::default())
        .expect("test YAML parses")
        .into_iter()
        .map(|v| Resource::new(v.as_mapping().expect("an object").clone()))
        .collect()
}

/// `code Kind/name: message` of each finding of the team's policies in `config`.
fn team_findings(config: &Config) -> Vec<String> {
    crate::policy::check_team(&objects(), config)
        .expect("the policy runs")
        .iter()
        .map(|f| format!("{} {}: {}", f.code, f.resource_name(), f.message))
        .collect()
}

/// A config whose one policy folder holds `text` as `policy/main.rego`.
fn config_with(text: &str) -> Config {
    Config {
        policies: vec![PolicyConfig {
            path: "policy".to_owned(),
            input: InputMode::Document,
            files: [("policy/main.rego".to_owned(), text.to_owned())].into(),
        }],
        ..Config::default()
    }
}

fn denying(kind: &str, message: &str) -> String {
    format!("package main\n\ndeny contains \"{message}\" if input.kind == \"{kind}\"\n")
}

#[test]
fn a_check_again_gives_the_same_findings_and_a_changed_policy_is_compiled_anew() {
    let first = team_findings(&config_with(&denying("Service", "one")));
    assert_eq!(first, ["main.deny Service/prod/orders: one"]);
    // The same folder again: compiled and evaluated before, the same findings.
    assert_eq!(
        team_findings(&config_with(&denying("Service", "one"))),
        first
    );
    // One character changed (as on a key press in the page): the new text decides.
    assert_eq!(
        team_findings(&config_with(&denying("Service", "two"))),
        ["main.deny Service/prod/orders: two"]
    );
    // More folders than are kept compiled, each its own findings, then the first again.
    for (i, kind) in ["ConfigMap", "Secret", "Pod", "Job", "Role"]
        .iter()
        .enumerate()
    {
        let found = team_findings(&config_with(&denying(kind, kind)));
        assert_eq!(found.len(), usize::from(i == 0), "{kind}: {found:?}");
    }
    assert!(super::COMPILED.with(|c| c.borrow().len()) <= super::COMPILED_KEPT);
    assert_eq!(
        team_findings(&config_with(&denying("Service", "one"))),
        first
    );
}

#[test]
fn a_folder_with_no_files_is_refused_not_looked_up() {
    let mut config = config_with(&denying("Service", "one"));
    config.policies[0].files.clear();
    let error = crate::policy::check_team(&objects(), &config).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("no .rego files were passed in for policy"),
        "{error}"
    );
}
