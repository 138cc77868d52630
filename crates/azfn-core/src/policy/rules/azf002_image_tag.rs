//! AZF002 image-tag: a container image without a tag, or with `latest`.
use crate::krm::Severity;
use crate::policy::walk::Catalog;
use crate::policy::walk::containers;
use crate::policy::{Finding, Rule};
use serde_yaml::Value;

/// See [`Rule::explanation`].
pub struct ImageTag;

/// The tag of an image reference, `None` when it has none (a digest counts as pinned).
fn tag(image: &str) -> Option<&str> {
    if image.contains('@') {
        return Some("@digest");
    }
    let name = image.rsplit('/').next().unwrap_or(image);
    name.split_once(':').map(|(_, tag)| tag)
}

impl Rule for ImageTag {
    fn code(&self) -> &'static str {
        "AZF002"
    }

    fn name(&self) -> &'static str {
        "image-tag"
    }

    fn default_severity(&self) -> Severity {
        Severity::Error
    }

    fn explanation(&self) -> &'static str {
        "A container image has no tag or uses `latest` (what `func kubernetes deploy` writes by \
         default), so every environment runs whatever was pushed last and a rollback is \
         impossible. Pin an immutable version tag, or better a digest (`image@sha256:...`), \
         and let CI set it per environment."
    }

    fn check(&self, resources: &Catalog<'_>, findings: &mut Vec<Finding>) {
        for resource in resources {
            for container in containers(resource) {
                let Some(image) = container.object.get("image").and_then(Value::as_str) else {
                    continue;
                };
                let problem = match tag(image) {
                    None => format!(
                        "image {image:?} of container {:?} has no tag: pin a version or a digest",
                        container.name
                    ),
                    Some("latest") => format!(
                        "image {image:?} of container {:?} uses `latest`: pin a version or a digest",
                        container.name
                    ),
                    Some(_) => continue,
                };
                findings.push(Finding::at(
                    self,
                    resource,
                    format!("{}.image", container.path),
                    problem,
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::rules::test_support::check;

    #[test]
    fn untagged_and_latest_fail_pinned_pass() {
        let yaml = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: a, image: contoso.azurecr.io/a}\n      - {name: b, image: \"contoso.azurecr.io/b:latest\"}\n      - {name: c, image: \"localhost:5000/c:1.2\"}\n      - {name: d, image: \"contoso.azurecr.io/d@sha256:00\"}\n";
        let fields: Vec<_> = check(&ImageTag, yaml)
            .into_iter()
            .map(|f| f.field.unwrap())
            .collect();
        assert_eq!(
            fields,
            [
                "spec.template.spec.containers[0].image",
                "spec.template.spec.containers[1].image"
            ]
        );
    }
}
