//! Generated documentation stays current: the FunctionApp field reference in
//! `docs/functionapp.md`, the JSON Schemas in `docs/*.schema.json` and the TypeScript types in
//! `wasm/src/lib.rs` are what the core's field tables say. `AZFN_BLESS=1` rewrites them.
use std::fmt::Write as _;

use azfn_tests::workspace;

const BEGIN: &str = "<!-- BEGIN GENERATED";
const END: &str = "<!-- END GENERATED -->";

#[test]
fn functionapp_reference_and_schema_are_current() {
    let bless = std::env::var_os("AZFN_BLESS").is_some();
    let doc_path = workspace().join("docs/functionapp.md");
    let doc = std::fs::read_to_string(&doc_path).unwrap();
    let start = doc
        .find(BEGIN)
        .expect("docs/functionapp.md has a generated section");
    let body_start = start + doc[start..].find('\n').unwrap() + 1;
    let end = doc.find(END).expect("the generated section ends");
    let expected = format!(
        "{}{}{}",
        &doc[..body_start],
        azfn_core::functionapp::reference_table(),
        &doc[end..]
    );

    let schema_path = workspace().join("docs/functionapp.schema.json");
    let schema =
        serde_json::to_string_pretty(&azfn_core::functionapp::json_schema()).unwrap() + "\n";
    if bless {
        std::fs::write(&doc_path, &expected).unwrap();
        std::fs::write(&schema_path, &schema).unwrap();
        return;
    }
    assert!(
        doc == expected,
        "docs/functionapp.md is stale: run AZFN_BLESS=1 cargo nextest run --release -p azfn-tests --test docs"
    );
    let on_disk = std::fs::read_to_string(&schema_path).unwrap_or_default();
    assert!(
        on_disk == schema,
        "docs/functionapp.schema.json is stale: run AZFN_BLESS=1 cargo nextest run --release -p azfn-tests --test docs"
    );
}

/// `docs/paritypolicy.schema.json` is what the core says, the example's policy is valid under
/// it, and a misspelt field is not.
#[test]
fn parity_policy_schema_is_current_and_matches_the_parser() {
    let path = workspace().join("docs/paritypolicy.schema.json");
    let schema = azfn_core::parity::json_schema();
    let text = serde_json::to_string_pretty(&schema).unwrap() + "\n";
    if std::env::var_os("AZFN_BLESS").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    assert!(
        std::fs::read_to_string(&path).unwrap_or_default() == text,
        "docs/paritypolicy.schema.json is stale: run AZFN_BLESS=1 cargo nextest run --release -p azfn-tests --test docs"
    );
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let example: serde_json::Value = serde_yaml::from_str(
        &std::fs::read_to_string(workspace().join("examples/orders/parity.yaml")).unwrap(),
    )
    .unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&example)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let mut typo = example.clone();
    typo["spec"]["allow"][0]["feild"] = "spec.replicas".into();
    assert!(!validator.is_valid(&typo));
    // The parser refuses the same document.
    let value: serde_yaml::Value = serde_json::from_value(typo).unwrap();
    assert!(azfn_core::parity::ParityPolicy::from_value(&value, "typo.yaml").is_err());
}

/// Compares `path` with `expected`, or writes it under `AZFN_BLESS=1`.
fn current(path: &str, expected: &str) {
    let path = workspace().join(path);
    if std::env::var_os("AZFN_BLESS").is_some() {
        std::fs::write(&path, expected).unwrap();
    }
    let on_disk = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{} cannot be read: {e}", path.display()));
    assert!(
        on_disk == expected,
        "{} is stale: run AZFN_BLESS=1 cargo nextest run --release -p azfn-tests --test docs",
        path.display()
    );
}

/// `docs/azfn.schema.json` is what the core says, and every config of the example is valid
/// under it.
#[test]
fn azfn_config_schema_is_current_and_accepts_the_example() {
    let schema = azfn_core::config::json_schema();
    current(
        "docs/azfn.schema.json",
        &(serde_json::to_string_pretty(&schema).unwrap() + "\n"),
    );
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let mut seen = 0;
    for env in ["dev", "test", "prod", "prod-eu", "broken"] {
        let path = workspace().join(format!("examples/orders/overlays/{env}/azfn.yaml"));
        let config: serde_json::Value =
            serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&config)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
        seen += 1;
    }
    assert_eq!(seen, 5);
}

const TS_BEGIN: &str = "// BEGIN GENERATED";
const TS_END: &str = "// END GENERATED";

/// The browser module's TypeScript types of the three kinds' `spec`s are generated from the same
/// tables that check documents, so a field added to a table shows up in them (or this fails).
#[test]
fn typescript_types_follow_the_tables() {
    let kinds: [(&str, &str, &azfn_core::schema::Shape); 3] = [
        (
            "FunctionAppSpec",
            "The `spec` of a FunctionApp.",
            &azfn_core::functionapp::spec::SPEC_SHAPE,
        ),
        (
            "ParityPolicySpec",
            "The `spec` of a ParityPolicy.",
            &azfn_core::parity::SPEC_SHAPE,
        ),
        (
            "AzfnConfigSpec",
            "The `spec` of the function config (`kind: Azfn`).",
            &azfn_core::config::SPEC_SHAPE,
        ),
    ];
    let mut generated = String::new();
    for (name, doc, shape) in kinds {
        let _ = writeln!(
            generated,
            "/** {doc} */\nexport type {name} = {};",
            azfn_core::schema::typescript(shape, 0)
        );
    }
    let path = "wasm/src/lib.rs";
    let source = std::fs::read_to_string(workspace().join(path)).unwrap();
    let start = source
        .find(TS_BEGIN)
        .expect("wasm/src/lib.rs has a generated section");
    let body = start + source[start..].find('\n').unwrap() + 1;
    let end = source.find(TS_END).expect("the generated section ends");
    current(
        path,
        &format!("{}{generated}{}", &source[..body], &source[end..]),
    );
    for field in [
        "hostId?:",
        "queueName:",
        "allowEmulatorKey?:",
        "difference?:",
    ] {
        assert!(generated.contains(field), "`{field}` is in the types");
    }
}

/// docs/policies.md shows each example policy as it is in examples/policies (whose tests
/// `tests/policies.rs` runs), and shows all of them.
#[test]
fn policies_page_shows_the_example_policies_as_they_are() {
    let page = std::fs::read_to_string(workspace().join("docs/policies.md")).unwrap();
    let mut shown = Vec::new();
    for (i, _) in page.match_indices("<!-- file: ") {
        let rest = &page[i + "<!-- file: ".len()..];
        let (path, rest) = rest.split_once(" -->\n```rego\n").expect("a rego block");
        let (block, _) = rest.split_once("```\n").expect("a closed block");
        let file = std::fs::read_to_string(workspace().join(path))
            .unwrap_or_else(|e| panic!("docs/policies.md shows {path}, which is missing: {e}"));
        assert_eq!(block, file, "docs/policies.md shows another {path}");
        shown.push(path.to_owned());
    }
    let mut files: Vec<String> = std::fs::read_dir(workspace().join("examples/policies"))
        .unwrap()
        .map(|e| {
            format!(
                "examples/policies/{}",
                e.unwrap().file_name().to_string_lossy()
            )
        })
        .collect();
    files.sort();
    shown.sort();
    assert_eq!(shown, files, "every example policy is on the page");
}
