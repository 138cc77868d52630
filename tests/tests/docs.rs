//! Generated documentation stays current: the FunctionApp field reference in
//! `docs/functionapp.md` and the JSON Schema in `docs/functionapp.schema.json` are what the core
//! says. `AZFN_BLESS=1` rewrites them.
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
