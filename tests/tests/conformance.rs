//! kustomize's own test suite (`../shared/conformance/kustomize`): the score in each order may
//! not drop below the committed threshold (`tests/conformance-threshold.txt`, one line per
//! order); raise it as it improves.
//! `make conformance` prints the full report.
use azfn_tests::conformance;

/// The committed threshold for one order (`fifo N` and `legacy N` lines).
fn threshold(order: &str) -> usize {
    let path = azfn_tests::workspace().join("tests/conformance-threshold.txt");
    let text = std::fs::read_to_string(&path).expect("tests/conformance-threshold.txt");
    text.lines()
        .find_map(|l| l.strip_prefix(order)?.trim().parse().ok())
        .unwrap_or_else(|| panic!("{}: no `{order} N` line", path.display()))
}

fn check(order: conformance::Order, name: &str) {
    let report = conformance::score_in(order);
    let threshold = threshold(name);
    assert_eq!(
        (report.outputs_total, report.errors_total),
        (180, 29),
        "the scored set is 180 output and 29 error cases"
    );
    assert!(
        report.passed() >= threshold,
        "{name}: conformance dropped below {threshold}:\n{}",
        report.render()
    );
    eprintln!("{}", report.render().lines().next().unwrap_or_default());
}

#[test]
fn the_scored_cases_pass_at_least_the_threshold() {
    check(conformance::Order::Fifo, "fifo");
}

#[test]
fn the_scored_cases_pass_at_least_the_threshold_in_kubectls_default_order() {
    check(conformance::Order::Legacy, "legacy");
}

#[test]
fn out_of_scope_fields_are_refused_by_name() {
    let mut source = azfn_core::source::MemorySource::new();
    for (field, body) in [
        (
            "vars",
            "vars:\n- name: X\n  objref: {kind: Service, name: s, apiVersion: v1}\n",
        ),
        ("helmCharts", "helmCharts:\n- name: chart\n"),
        ("crds", "crds:\n- crd.json\n"),
        ("openapi", "openapi:\n  path: schema.json\n"),
    ] {
        source.insert(format!("{field}/kustomization.yaml"), body);
        let err =
            azfn_core::overlay::build_yaml(&source, field, &azfn_core::function::build_options())
                .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("/{field}/kustomization.yaml: not supported by azfn build: {field}")
        );
    }
    source.insert(
        "remote/kustomization.yaml",
        "resources:\n- https://github.com/org/repo//base?ref=v1\n",
    );
    let err =
        azfn_core::overlay::build_yaml(&source, "remote", &azfn_core::function::build_options())
            .unwrap_err();
    assert!(
        err.to_string()
            .contains("not supported by azfn build: remote resource"),
        "{err}"
    );
    source.insert("plugin/kustomization.yaml", "transformers:\n- other.yaml\n");
    source.insert(
        "plugin/other.yaml",
        "apiVersion: example.com/v1\nkind: Other\nmetadata: {name: x}\n",
    );
    let err =
        azfn_core::overlay::build_yaml(&source, "plugin", &azfn_core::function::build_options())
            .unwrap_err();
    assert!(
        err.to_string()
            .contains("not supported by azfn build: transformer example.com/v1/Other"),
        "{err}"
    );
}

#[test]
fn cycles_escapes_and_limits_are_clear_errors() {
    let mut source = azfn_core::source::MemorySource::new();
    source.insert("a/kustomization.yaml", "resources:\n- ../b\n");
    source.insert("b/kustomization.yaml", "resources:\n- ../a\n");
    let err = azfn_core::overlay::build_yaml(&source, "a", &azfn_core::function::build_options())
        .unwrap_err();
    assert!(
        err.to_string().contains("cycle detected: /a -> /b -> /a"),
        "{err}"
    );
    source.insert("o/kustomization.yaml", "resources:\n- ../shared/cm.yaml\n");
    source.insert(
        "shared/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
    );
    let err = azfn_core::overlay::build_yaml(&source, "o", &azfn_core::function::build_options())
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("security; file '/shared/cm.yaml' is not in or below '/o'"),
        "{err}"
    );
    let relaxed = azfn_core::overlay::BuildOptions {
        load_restrictor: azfn_core::overlay::LoadRestrictor::None,
        ..Default::default()
    };
    assert!(azfn_core::overlay::build_yaml(&source, "o", &relaxed).is_ok());
    source.insert(
        "up/kustomization.yaml",
        "resources:\n- ../../../etc/passwd\n",
    );
    let err = azfn_core::overlay::build_yaml(&source, "up", &azfn_core::function::build_options())
        .unwrap_err();
    assert!(err.to_string().contains("path escapes the root"), "{err}");
    source.insert("deep/kustomization.yaml", "resources:\n- deep.yaml\n");
    source.insert(
        "deep/deep.yaml",
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c}}\ndata: {{x: {}}}\n",
            "[".repeat(500)
        ),
    );
    let err =
        azfn_core::overlay::build_yaml(&source, "deep", &azfn_core::function::build_options())
            .unwrap_err();
    assert!(
        err.to_string().contains("/deep/deep.yaml:4")
            && err.to_string().contains("nested deeper than"),
        "{err}"
    );
}
