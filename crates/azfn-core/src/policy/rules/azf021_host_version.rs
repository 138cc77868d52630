//! AZF021 host-version: a Functions base image of a host version out of support.
use serde_yaml::Value;

use crate::krm::Severity;
use crate::policy::walk::Catalog;
use crate::policy::{Diagnostic, Meta, Rule};
use crate::yaml::Field;

/// See the [`Meta`] below.
pub struct HostVersion;

/// The oldest major version of the Functions host that Microsoft supports (runtime 2.x and 3.x
/// left extended support on 13 December 2022).
const SUPPORTED_MAJOR: u32 = 4;

impl Rule for HostVersion {
    fn meta(&self) -> &'static Meta {
        &Meta {
            code: "AZF021",
            name: "host-version",
            severity: Severity::Warning,
            explanation: "A container runs a Functions base image (`mcr.microsoft.com/azure-functions/...`) of \
         host version 1, 2 or 3. Those versions are out of support and predate the Azure.Identity \
         releases that read the workload identity token, so identity-based connections fail with \
         `ManagedIdentityCredential authentication unavailable`. Rebuild on a `4` image \
         (`mcr.microsoft.com/azure-functions/dotnet-isolated:4-dotnet-isolated8.0`, \
         `.../node:4-node20`, ...).",
        }
    }

    fn check(&self, resources: &Catalog<'_>, findings: &mut Vec<Diagnostic>) {
        for resource in resources {
            for container in resources.containers_of(resource).iter() {
                let Some(image) = container.object.field("image").and_then(Value::as_str) else {
                    continue;
                };
                let Some(major) = host_major(image) else {
                    continue;
                };
                if major >= SUPPORTED_MAJOR {
                    continue;
                }
                let message = format!(
                    "image {image:?} of container {:?} runs Functions host {major}.x, out of support and without workload identity: use a {SUPPORTED_MAJOR}.x base image",
                    container.name
                );
                findings.push(Diagnostic::finding(
                    self,
                    resource,
                    format!("{}.image", container.path),
                    message,
                ));
            }
        }
    }
}

/// The host major version of an `azure-functions/<stack>:<major>...` image.
fn host_major(image: &str) -> Option<u32> {
    let (repository, rest) = image.split_once("azure-functions/")?;
    if !(repository.is_empty() || repository.ends_with('/')) {
        return None;
    }
    let (_, tag) = rest.split_once(':')?;
    let digits: String = tag.chars().take_while(char::is_ascii_digit).collect();
    let after = tag[digits.len()..].chars().next();
    if !matches!(after, None | Some('.' | '-')) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::rules::test_support::check;

    #[test]
    fn old_hosts_warn_current_and_other_images_pass() {
        assert_eq!(
            host_major("mcr.microsoft.com/azure-functions/node:3.0-node12"),
            Some(3)
        );
        assert_eq!(
            host_major("mcr.microsoft.com/azure-functions/dotnet:2.0"),
            Some(2)
        );
        assert_eq!(
            host_major("mcr.microsoft.com/azure-functions/python:4-python3.11"),
            Some(4)
        );
        assert_eq!(
            host_major("mcr.microsoft.com/azure-functions/python:4"),
            Some(4)
        );
        assert_eq!(host_major("contoso.azurecr.io/orders:3.0"), None);
        assert_eq!(
            host_major("contoso.azurecr.io/my-azure-functions/x:3"),
            None
        );
        let yaml = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: old, image: \"mcr.microsoft.com/azure-functions/node:3.0-node12\"}\n      - {name: new, image: \"mcr.microsoft.com/azure-functions/node:4-node20\"}\n";
        let fields: Vec<_> = check(&HostVersion, yaml)
            .into_iter()
            .map(|f| f.field.unwrap())
            .collect();
        assert_eq!(fields, ["spec.template.spec.containers[0].image"]);
    }
}
