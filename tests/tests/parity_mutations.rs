//! The definition of done, exhaustively: on the example app, changing any single field
//! of any rendered object in one overlay, outside the allowed paths, fails parity naming that
//! resource and field with the values per environment; changes inside allowed paths pass.
//!
//! Each mutation is a real overlay edit: a kustomization over the environment's overlay with a
//! JSON 6902 patch of one field, rendered by azfn's renderer like every other environment.
use azfn_core::parity::{self, Key};
use azfn_tests::{load_tree, workspace};
use serde_yaml::Value;

fn mutated(value: &Value) -> String {
    match value {
        Value::String(s) => serde_json::to_string(&format!("{s}-mutated")).unwrap(),
        Value::Number(n) => (n.as_i64().unwrap_or(0) + 1000).to_string(),
        Value::Bool(b) => (!b).to_string(),
        _ => "\"mutated\"".into(),
    }
}

fn at<'a>(value: &'a Value, pointer: &str) -> &'a Value {
    let mut v = value;
    for token in pointer.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        v = match v {
            Value::Sequence(items) => &items[token.parse::<usize>().unwrap()],
            _ => &v[token.as_str()],
        };
    }
    v
}

#[test]
fn every_single_field_change_outside_allowed_paths_fails_and_names_it() {
    let mut source = load_tree(&workspace().join("examples/orders"));
    let tree = parity::read_policy(&source, "parity.yaml").unwrap();
    let options = azfn_core::function::build_options();
    let baseline = parity::check(&source, &tree.environments, &tree.policy, &options).unwrap();
    assert_eq!(baseline.failures(), 0);
    let (mut failing, mut allowed) = (0, 0);
    for (index, (env, dir)) in tree.environments.iter().enumerate() {
        let rendered = azfn_core::overlay::build_with_base_names(&source, dir, &options).unwrap();
        // Base names as parity matches them (what azfn rendered under its FunctionApp's).
        let rendered = parity::environment(env, rendered);
        for (resource, base) in &rendered.resources {
            let kind = resource["kind"].as_str().unwrap().to_owned();
            let name = resource["metadata"]["name"].as_str().unwrap();
            for (field, pointer) in parity::field_pointers(resource) {
                if matches!(field.as_str(), "apiVersion" | "kind") {
                    continue;
                }
                let patch = format!(
                    "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- ../{dir}\npatches:\n- target: {{kind: {kind}, name: {name}}}\n  patch: '[{{\"op\": \"replace\", \"path\": \"{pointer}\", \"value\": {}}}]'\n",
                    mutated(at(resource, &pointer)).replace('\'', "''")
                );
                source.insert("mutation/kustomization.yaml", patch.into_bytes());
                let mut environments = tree.environments.clone();
                environments[index].1 = "mutation".into();
                let report = parity::check(&source, &environments, &tree.policy, &options)
                    .unwrap_or_else(|e| panic!("{env} {kind}/{name} {field}: {e}"));
                let key = Key {
                    kind: kind.clone(),
                    name: base.clone(),
                };
                let drift = report
                    .drifts
                    .iter()
                    .find(|d| d.resource == key && d.field == field)
                    .unwrap_or_else(|| panic!("{env}: {key} {field} changed, no drift reported"));
                assert!(
                    drift.values[env]
                        .as_deref()
                        .is_some_and(|v| v.contains("mutated")
                            || v.parse::<f64>().is_ok()
                            || v == "true"
                            || v == "false"),
                    "{env} {key} {field}: {:?}",
                    drift.values
                );
                match drift.allowed_by {
                    None => {
                        failing += 1;
                        assert!(report.failures() >= 1);
                    }
                    Some(rule) => {
                        // Only a rule naming rendered paths may allow an edit to a rendered
                        // object; a FunctionApp rule allows only what its field renders.
                        let rule = &tree.policy.allow[rule];
                        assert_ne!(
                            rule.kind.as_deref(),
                            Some("FunctionApp"),
                            "{env} {key} {field}: an edit of the rendered object was allowed by a FunctionApp rule"
                        );
                        allowed += 1;
                    }
                }
            }
        }
    }
    eprintln!(
        "{failing} single-field changes failed parity, {allowed} inside allowed paths passed"
    );
    assert!(failing > 300, "{failing}");
    assert!(allowed > 0, "{allowed}");
}
