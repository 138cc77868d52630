//! `docs/rules.md` is generated from the rule registry and must be current.
use azfn_tests::workspace;

#[test]
fn rules_doc_is_current() {
    let path = workspace().join("docs/rules.md");
    let expected = azfn_core::policy::rules_markdown();
    if std::env::var_os("AZFN_BLESS").is_some() {
        std::fs::write(&path, &expected).unwrap();
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == expected,
        "docs/rules.md is stale: run AZFN_BLESS=1 cargo nextest run --release -p azfn-tests --test rules_doc"
    );
}
