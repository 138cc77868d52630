//! AZF025 credential-limit: more than 20 federated credentials on one identity, in one render or
//! (through `azfn parity`) across every environment's.
use std::collections::BTreeMap;

use crate::krm::{Resource, Severity};
use crate::policy::azure_identity::credentials;
use crate::policy::walk::Catalog;
use crate::policy::{Diagnostic, Meta, Rule};

/// See the [`Meta`] below.
pub struct CredentialLimit;

/// Entra ID's limit of federated identity credentials on one user-assigned identity.
pub const LIMIT: usize = 20;

impl Rule for CredentialLimit {
    fn meta(&self) -> &'static Meta {
        &Meta {
            code: "AZF025",
            name: "credential-limit",
            severity: Severity::Error,
            explanation: "Entra ID accepts at most 20 federated identity credentials on one \
         user-assigned identity; the 21st fails to create, and the pods (or KEDA) of whatever it \
         was for get no token. One identity shared by every environment and cluster reaches the \
         limit quickly: each needs a credential per issuer and ServiceAccount, plus one for the \
         KEDA operator. `azfn check` counts the distinct issuer and subject pairs on each identity \
         (by owner ARM ID or `UserAssignedIdentity` object) in its input, and `azfn parity` counts \
         them across all environments. Give each environment its own identity, or use one shared \
         KEDA identity (`identity.azure.keda.design: shared`) so that apps add one credential \
         each, not two.",
        }
    }

    fn check(&self, resources: &Catalog<'_>, findings: &mut Vec<Diagnostic>) {
        findings.extend(over(self, [(None, &**resources)]).into_iter().map(|(_, d)| d));
    }
}

/// The findings over several environments' renders, each with the environment it is in,
/// counting each identity's distinct credentials across all of them; an identity is the same
/// across renders by its ARM ID only.
pub fn over_environments(environments: &[(&str, Vec<Resource>)]) -> Vec<(String, Diagnostic)> {
    over(
        &CredentialLimit,
        environments
            .iter()
            .map(|(name, resources)| (Some(*name), resources.as_slice())),
    )
    .into_iter()
    .map(|(env, d)| (env.unwrap_or_default().to_owned(), d))
    .collect()
}

/// A distinct (issuer, subject) pair, the credential that first has it, and its environment.
type Seen<'a> = ((&'a str, &'a str), &'a Resource, Option<&'a str>);

fn over<'a>(
    rule: &CredentialLimit,
    renders: impl IntoIterator<Item = (Option<&'a str>, &'a [Resource])>,
) -> Vec<(Option<&'a str>, Diagnostic)> {
    // Identity -> its distinct (issuer, subject) pairs in first-seen order, with where each is.
    let mut by_identity: BTreeMap<String, Vec<Seen<'_>>> = BTreeMap::new();
    for (environment, resources) in renders {
        for credential in credentials(resources) {
            let (Some(owner), Some(subject)) = (credential.owner, credential.subject) else {
                continue;
            };
            // Identities named by object are per render; only ARM IDs compare across them.
            let owner = if owner.starts_with('/') {
                owner
            } else {
                format!("{}:{owner}", environment.unwrap_or_default())
            };
            let pair = (credential.issuer.unwrap_or_default(), subject);
            let seen = by_identity.entry(owner).or_default();
            if !seen.iter().any(|(p, _, _)| *p == pair) {
                seen.push((pair, credential.resource, environment));
            }
        }
    }
    let mut out = Vec::new();
    for (identity, seen) in by_identity {
        let Some((_, resource, environment)) = seen.get(LIMIT) else {
            continue;
        };
        let mut per_environment: BTreeMap<&str, usize> = BTreeMap::new();
        for (_, _, env) in &seen {
            if let Some(env) = env {
                *per_environment.entry(env).or_default() += 1;
            }
        }
        let across = if per_environment.is_empty() {
            String::new()
        } else {
            let list: Vec<String> = per_environment
                .iter()
                .map(|(env, n)| format!("{env}: {n}"))
                .collect();
            format!(" across environments ({})", list.join(", "))
        };
        let mut finding = Diagnostic::finding(
            rule,
            resource,
            "spec.owner".into(),
            format!(
                "identity {identity} has {} distinct federated credentials{across}; Entra ID \
                 allows {LIMIT}, so this one and any later fail to create",
                seen.len()
            ),
        );
        if let Some(env) = environment {
            finding.message = format!("{env}: {}", finding.message);
        }
        out.push((*environment, finding));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::rules::test_support::{check, parse};

    fn credentials(n: usize, issuer: &str, identity: &str) -> String {
        (0..n)
            .map(|i| format!(
                "apiVersion: managedidentity.azure.com/v1api20230131\nkind: FederatedIdentityCredential\nmetadata: {{name: app{i}, namespace: apps}}\nspec:\n  owner: {{armId: /subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{identity}}}\n  audiences: [api://AzureADTokenExchange]\n  issuer: {issuer}\n  subject: system:serviceaccount:apps:app{i}\n---\n"
            ))
            .collect::<Vec<_>>()
            .concat()
    }

    #[test]
    fn twenty_credentials_pass_and_the_twenty_first_fails() {
        assert!(check(&CredentialLimit, &credentials(20, "https://a/", "id")).is_empty());
        // Repeating a pair adds nothing; another identity has its own count.
        let yaml = credentials(20, "https://a/", "id")
            + &credentials(20, "https://a/", "id")
            + &credentials(5, "https://a/", "other");
        assert!(check(&CredentialLimit, &yaml).is_empty());
        let over = check(&CredentialLimit, &credentials(22, "https://a/", "id"));
        assert_eq!(over.len(), 1);
        assert_eq!(over[0].resource.as_ref().unwrap().name, "app20");
        assert_eq!(
            over[0].message,
            "identity /subscriptions/s/resourcegroups/rg/providers/microsoft.managedidentity/userassignedidentities/id has 22 distinct federated credentials; Entra ID allows 20, so this one and any later fail to create"
        );
    }

    #[test]
    fn environments_sharing_an_identity_count_together() {
        // Each environment's cluster has its own issuer: 3 x 8 credentials on one identity.
        let envs: Vec<(&str, Vec<Resource>)> = ["dev", "test", "prod"]
            .iter()
            .map(|env| (*env, parse(&credentials(8, &format!("https://{env}/"), "id"))))
            .collect();
        let found = over_environments(&envs);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "prod");
        assert_eq!(
            found[0].1.message,
            "prod: identity /subscriptions/s/resourcegroups/rg/providers/microsoft.managedidentity/userassignedidentities/id has 24 distinct federated credentials across environments (dev: 8, prod: 8, test: 8); Entra ID allows 20, so this one and any later fail to create"
        );
        // Each environment with its own identity stays under the limit.
        let own: Vec<(&str, Vec<Resource>)> = ["dev", "test", "prod"]
            .iter()
            .map(|env| (*env, parse(&credentials(8, "https://x/", &format!("id-{env}")))))
            .collect();
        assert!(over_environments(&own).is_empty());
    }
}
