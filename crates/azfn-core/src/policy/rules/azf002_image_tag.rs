//! AZF002 image-tag: a container image without a tag, or with `latest`.
use crate::krm::Severity;
use crate::policy::walk::Catalog;
use crate::policy::{Diagnostic, Meta, Rule};
use crate::yaml::Field;
use serde_yaml::Value;

/// See the [`Meta`] below.
pub struct ImageTag;

/// Tags that registries move by convention: a branch or channel, not a version.
const MUTABLE: &[&str] = &[
    "edge", "main", "master", "dev", "develop", "nightly", "stable", "beta", "canary", "head",
];

/// The tag of an image reference, `None` when it has none (a digest counts as pinned).
fn tag(image: &str) -> Option<&str> {
    if image.contains('@') {
        return Some("@digest");
    }
    let name = image.rsplit('/').next().unwrap_or(image);
    name.split_once(':').map(|(_, tag)| tag)
}

impl Rule for ImageTag {
    fn meta(&self) -> &'static Meta {
        &Meta {
            code: "AZF002",
            name: "image-tag",
            severity: Severity::Error,
            explanation: "A container image has no tag or uses `latest` (what `func kubernetes deploy` writes by \
         default), so every environment runs whatever was pushed last and a rollback is \
         impossible; a branch or channel tag (`edge`, `main`, `nightly`, ...) moves the same \
         way and is a warning. Pin an immutable version tag, or better a digest \
         (`image@sha256:...`), and let CI set it per environment. `requireDigests: true` in a \
         prod overlay's config makes any tag without a digest an error there.",
        }
    }

    fn check(&self, resources: &Catalog<'_>, findings: &mut Vec<Diagnostic>) {
        for resource in resources {
            for container in resources.containers_of(resource).iter() {
                let Some(image) = container.object.field("image").and_then(Value::as_str) else {
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
                    Some(tag) if MUTABLE.contains(&tag.to_ascii_lowercase().as_str()) => {
                        let message = format!(
                            "image {image:?} of container {:?} uses the moving tag `{tag}`: pin a version or a digest",
                            container.name
                        );
                        findings.push(Diagnostic {
                            severity: Severity::Warning,
                            ..Diagnostic::finding(
                                self,
                                resource,
                                format!("{}.image", container.path),
                                message,
                            )
                        });
                        continue;
                    }
                    Some("@digest") => continue,
                    Some(_) if resources.options.require_digests => format!(
                        "image {image:?} of container {:?} is pinned by tag, and this environment requires digests (`image@sha256:...`)",
                        container.name
                    ),
                    Some(_) => continue,
                };
                findings.push(Diagnostic::finding(
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

    #[test]
    fn moving_tags_warn_and_digests_can_be_required() {
        let yaml = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: a, image: \"contoso.azurecr.io/a:edge\"}\n      - {name: c, image: \"contoso.azurecr.io/c:1.2\"}\n      - {name: d, image: \"contoso.azurecr.io/d@sha256:00\"}\n";
        let found: Vec<_> = check(&ImageTag, yaml)
            .into_iter()
            .map(|f| (f.field.unwrap(), f.severity))
            .collect();
        assert_eq!(
            found,
            [(
                "spec.template.spec.containers[0].image".to_owned(),
                Severity::Warning
            )]
        );
        let prod = crate::policy::rules::test_support::check_with(
            &ImageTag,
            yaml,
            crate::config::CheckOptions {
                require_digests: true,
                ..Default::default()
            },
        );
        let fields: Vec<_> = prod.into_iter().map(|f| f.field.unwrap()).collect();
        assert_eq!(
            fields,
            [
                "spec.template.spec.containers[0].image",
                "spec.template.spec.containers[1].image"
            ]
        );
    }
}
