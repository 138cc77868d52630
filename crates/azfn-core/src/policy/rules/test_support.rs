//! Running one rule over YAML text in tests.
use crate::krm::Resource;
use crate::policy::{Diagnostic, Rule};

/// The findings of `rule` over the documents of `yaml`.
pub(crate) fn check(rule: &dyn Rule, yaml: &str) -> Vec<Diagnostic> {
    check_with(rule, yaml, crate::config::CheckOptions::default())
}

/// The findings of `rule` over the documents of `yaml`, with an environment's options.
pub(crate) fn check_with(
    rule: &dyn Rule,
    yaml: &str,
    options: crate::config::CheckOptions,
) -> Vec<Diagnostic> {
    let resources = parse(yaml);
    let mut findings = Vec::new();
    rule.check(
        &crate::policy::walk::Catalog::new(&resources).with_options(options),
        &mut findings,
    );
    findings
}

/// The findings of `rule` over `yaml`, each as `field: message`.
pub(crate) fn field_messages(rule: &dyn Rule, yaml: &str) -> Vec<String> {
    check(rule, yaml)
        .into_iter()
        .map(|f| format!("{}: {}", f.field.unwrap_or_default(), f.message))
        .collect()
}

/// The documents of `yaml` as resources.
pub(crate) fn parse(yaml: &str) -> Vec<Resource> {
    crate::yaml::parse_documents(yaml, "t.yaml", crate::yaml::Limits::default())
        .expect("test YAML parses")
        .into_iter()
        .map(|v| Resource::new(v.as_mapping().expect("an object").clone()))
        .collect()
}
