use std::fmt;

use serde_yaml::{Mapping, Value};

/// A resource's identity: what kustomize and kpt use to tell resources apart.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ResId {
    /// API group (`""` for the core group).
    pub group: String,
    /// API version.
    pub version: String,
    /// Kind.
    pub kind: String,
    /// Namespace, `""` when not set.
    pub namespace: String,
    /// Name.
    pub name: String,
}

impl ResId {
    /// `group/version` or `version` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
}

impl fmt::Display for ResId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.kind, self.name)?;
        if !self.namespace.is_empty() {
            write!(f, " (namespace {})", self.namespace)?;
        }
        Ok(())
    }
}

/// One KRM object. The whole object is kept as read: field order, unknown fields and every
/// annotation survive a round trip, because kpt maps comments and files back by annotation.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    object: Mapping,
}

const PATH_ANNOTATIONS: [&str; 2] = [
    "internal.config.kubernetes.io/path",
    "config.kubernetes.io/path",
];
const INDEX_ANNOTATIONS: [&str; 2] = [
    "internal.config.kubernetes.io/index",
    "config.kubernetes.io/index",
];

impl Resource {
    /// Wraps an object. Callers check it is a mapping.
    pub fn new(object: Mapping) -> Self {
        Self { object }
    }

    /// The whole object.
    pub fn object(&self) -> &Mapping {
        &self.object
    }

    /// The whole object, mutably.
    pub fn object_mut(&mut self) -> &mut Mapping {
        &mut self.object
    }

    /// The object as a YAML value.
    pub fn into_value(self) -> Value {
        Value::Mapping(self.object)
    }

    /// The value at a dotted path of mapping keys (`spec.template.spec`).
    pub fn get_path(&self, path: &[&str]) -> Option<&Value> {
        let (first, rest) = path.split_first()?;
        let mut value = crate::yaml::get(&self.object, first)?;
        for key in rest {
            value = crate::yaml::get(value.as_mapping()?, key)?;
        }
        Some(value)
    }

    fn str_field(&self, path: &[&str]) -> &str {
        self.get_path(path)
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// `apiVersion`, `""` when absent.
    pub fn api_version(&self) -> &str {
        self.str_field(&["apiVersion"])
    }

    /// `kind`, `""` when absent.
    pub fn kind(&self) -> &str {
        self.str_field(&["kind"])
    }

    /// `metadata.name`, `""` when absent.
    pub fn name(&self) -> &str {
        self.str_field(&["metadata", "name"])
    }

    /// `metadata.namespace`, `""` when absent.
    pub fn namespace(&self) -> &str {
        self.str_field(&["metadata", "namespace"])
    }

    /// The identity of this resource.
    pub fn id(&self) -> ResId {
        let (group, version) = match self.api_version().split_once('/') {
            Some((g, v)) => (g.to_owned(), v.to_owned()),
            None => (String::new(), self.api_version().to_owned()),
        };
        ResId {
            group,
            version,
            kind: self.kind().to_owned(),
            namespace: self.namespace().to_owned(),
            name: self.name().to_owned(),
        }
    }

    /// `metadata.annotations`, if any.
    pub fn annotations(&self) -> Option<&Mapping> {
        self.get_path(&["metadata", "annotations"])
            .and_then(Value::as_mapping)
    }

    /// One annotation's value.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations()?.get(key)?.as_str()
    }

    /// The file this resource came from, as kpt or kustomize annotated it.
    pub fn file_path(&self) -> Option<&str> {
        PATH_ANNOTATIONS.iter().find_map(|key| self.annotation(key))
    }

    /// The document index of this resource inside its file.
    pub fn file_index(&self) -> Option<u64> {
        INDEX_ANNOTATIONS
            .iter()
            .find_map(|key| self.annotation(key)?.parse().ok())
    }

    /// Whether this object is local configuration (not deployed).
    pub fn is_local_config(&self) -> bool {
        self.annotation("config.kubernetes.io/local-config") == Some("true")
    }
}

/// The namespace an object lands in: its own, else `default` (what `kubectl apply` does with
/// no namespace set; a kustomize build has already set the Kustomization's). Rules that relate
/// objects compare these, so a ScaledObject without a namespace finds its Deployment in
/// `default`. Cluster-scoped objects are looked up the same way on both sides.
pub fn landing(namespace: &str) -> &str {
    if namespace.is_empty() {
        "default"
    } else {
        namespace
    }
}

/// A top-level field, looked up as in any other mapping.
impl crate::yaml::Field for Resource {
    fn field(&self, key: &str) -> Option<&Value> {
        crate::yaml::get(&self.object, key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource(text: &str) -> Resource {
        Resource::new(serde_yaml::from_str(text).unwrap())
    }

    #[test]
    fn identity_and_file_come_from_the_object() {
        let r = resource(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\n  namespace: func\n  annotations:\n    internal.config.kubernetes.io/path: deploy.yaml\n    internal.config.kubernetes.io/index: '2'\n",
        );
        let id = r.id();
        assert_eq!((id.group.as_str(), id.version.as_str()), ("apps", "v1"));
        assert_eq!(id.to_string(), "Deployment/app (namespace func)");
        assert_eq!(r.file_path(), Some("deploy.yaml"));
        assert_eq!(r.file_index(), Some(2));
    }

    #[test]
    fn core_group_has_no_group() {
        let r = resource("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n");
        assert_eq!(r.id().group, "");
        assert_eq!(r.id().api_version(), "v1");
    }
}
