//! Parity inside the KRM function: a kustomize or kpt build of one environment fails when it
//! drifts from its siblings. The host reads the policy's folder and passes it in the function
//! config (`spec.parity.tree`); the module renders every environment from that tree.
use crate::config::ParityConfig;
use crate::diagnostic::Diagnostic;
use crate::krm::Severity;
use crate::source::MemorySource;

fn error(message: String, file: Option<&str>) -> Diagnostic {
    Diagnostic {
        field: Some("spec.parity".into()),
        file: file.map(str::to_owned),
        ..Diagnostic::new(("AZP000", "parity-unusable"), Severity::Error, message)
    }
}

/// The parity findings of the tree the host passed in.
pub(super) fn findings(config: &ParityConfig) -> Vec<Diagnostic> {
    if config.tree.is_empty() {
        return vec![error(
            "spec.parity: the sibling overlays were not passed in; run the function through the `azfn` host, which reads them"
                .into(),
            None,
        )];
    }
    let mut source = MemorySource::new();
    for (path, text) in &config.tree {
        source.insert(path.clone(), text.clone().into_bytes());
    }
    let tree = match crate::parity::read_policy(&source, &config.policy) {
        Ok(tree) => tree,
        Err(e) => return vec![error(e.to_string(), Some(&config.policy))],
    };
    if let Some(env) = &config.environment
        && !tree.environments.iter().any(|(name, _)| name == env)
    {
        return vec![error(
            format!(
                "spec.parity.environment: {env} is not an environment of {}",
                config.policy
            ),
            Some(&config.policy),
        )];
    }
    let report = match crate::parity::check(
        &source,
        &tree.environments,
        &tree.policy,
        &super::build_options(),
    ) {
        Ok(report) => report,
        Err(e) => return vec![error(e.to_string(), Some(&config.policy))],
    };
    let context = crate::parity::Context {
        policy_file: Some(&config.policy),
        environments: &tree.environments,
    };
    crate::parity::results(&report, &tree.policy, &context)
}

#[cfg(test)]
mod tests {
    use crate::parity::{Place, check};
    use crate::source::FileSource;
    use crate::test_support::example;

    #[test]
    fn a_drift_names_the_line_that_set_it_in_each_environment() {
        let mut source = example();
        let prod = "overlays/prod/functionapp.yaml";
        let text = String::from_utf8(source.read(prod).unwrap()).unwrap();
        let text = text.replace(
            "    AZURE_FUNCTIONS_ENVIRONMENT: Production\n",
            "    AZURE_FUNCTIONS_ENVIRONMENT: Production\n    ORDERS_SKIP_FRAUD_CHECK: \"true\"\n",
        );
        let line = text
            .lines()
            .position(|l| l.contains("ORDERS_SKIP_FRAUD_CHECK"))
            .unwrap()
            + 1;
        source.insert(prod, text);
        let tree = crate::parity::read_policy(&source, "parity.yaml").unwrap();
        let report = check(
            &source,
            &tree.environments,
            &tree.policy,
            &crate::function::build_options(),
        )
        .unwrap();
        let drift = report
            .drifts
            .iter()
            .find(|d| d.allowed_by.is_none() && d.field.contains("ORDERS_SKIP_FRAUD_CHECK"))
            .expect("the prod-only setting drifts");
        assert_eq!(drift.resource.to_string(), "Deployment/orders");
        assert_eq!(
            drift.set_at.get("prod"),
            Some(&Place {
                file: format!("/{prod}"),
                line: Some(line),
            }),
            "{drift:?}"
        );
        assert_eq!(drift.set_at.len(), 1, "absent in dev and test: {drift:?}");
        let passing = check(
            &example(),
            &tree.environments,
            &tree.policy,
            &crate::function::build_options(),
        )
        .unwrap();
        assert_eq!(passing.failures(), 0);
    }
}
