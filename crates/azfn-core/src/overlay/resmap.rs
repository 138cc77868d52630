//! The resources of a build, in order, with what kustomize remembers about each: the names it
//! had before prefixes, suffixes and namespaces changed them, and how a generator made it.
use std::fmt;

use serde_yaml::{Mapping, Value};

use super::BuildError;

/// A resource's identity as kustomize prints it: `Kind.version.group/name.namespace`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResId {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub name: String,
    pub namespace: String,
}

impl ResId {
    /// The namespace kustomize compares this id by (`default` for none, a marker for
    /// cluster-scoped objects).
    pub(crate) fn effective_namespace(&self) -> &str {
        super::scope::effective_namespace(&self.group, &self.version, &self.kind, &self.namespace)
    }

    /// Whether kustomize knows this id's object to be cluster-scoped.
    pub(crate) fn is_cluster_scoped(&self) -> bool {
        super::scope::is_cluster_scoped(&self.group, &self.version, &self.kind)
    }

    /// The same object, where kustomize treats `""` and `default` as one namespace.
    pub(crate) fn same(&self, other: &Self) -> bool {
        self.group == other.group
            && self.version == other.version
            && self.kind == other.kind
            && self.name == other.name
            && same_namespace(&self.namespace, &other.namespace)
    }
}

pub(crate) fn same_namespace(a: &str, b: &str) -> bool {
    fn norm(n: &str) -> &str {
        if n.is_empty() { "default" } else { n }
    }
    norm(a) == norm(b)
}

/// `value`, or kustomize's placeholder (`[noKind]`, `[noGrp]`, …) when it is empty.
pub(crate) fn or_placeholder<'a>(value: &'a str, placeholder: &'a str) -> &'a str {
    if value.is_empty() { placeholder } else { value }
}

impl fmt::Display for ResId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let or = or_placeholder;
        write!(
            f,
            "{}.{}.{}/{}.{}",
            or(&self.kind, "[noKind]"),
            or(&self.version, "[noVer]"),
            or(&self.group, "[noGrp]"),
            self.name,
            or(&self.namespace, "[noNs]")
        )
    }
}

/// A resource's id borrowed from it, for comparisons that need not copy its strings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct IdRef<'a> {
    pub group: &'a str,
    pub version: &'a str,
    pub kind: &'a str,
    pub name: &'a str,
    pub namespace: &'a str,
}

impl IdRef<'_> {
    /// As [`ResId::effective_namespace`].
    pub(crate) fn effective_namespace(&self) -> &str {
        super::scope::effective_namespace(self.group, self.version, self.kind, self.namespace)
    }

    /// As [`ResId::is_cluster_scoped`].
    pub(crate) fn is_cluster_scoped(&self) -> bool {
        super::scope::is_cluster_scoped(self.group, self.version, self.kind)
    }
}

/// An id a resource had: kustomize keeps the kind, the name and the effective namespace
/// (`default` for none, a marker for cluster-scoped objects); group and version are the
/// resource's current ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PreviousId {
    pub namespace: String,
    pub name: String,
    pub kind: String,
}

impl PreviousId {
    /// This id with the resource's current group and version (kustomize's `PrevIds`).
    fn with<'a>(&'a self, current: IdRef<'a>) -> IdRef<'a> {
        IdRef {
            group: current.group,
            version: current.version,
            kind: &self.kind,
            name: &self.name,
            namespace: &self.namespace,
        }
    }
}

/// How a generated resource combines with one of the same name from a base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Behavior {
    Create,
    Merge,
    Replace,
}

/// What a generator recorded about the resource it made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Generated {
    pub behavior: Behavior,
    /// Append a content hash to the name at the end of the build.
    pub hash: bool,
}

/// One resource of a build.
#[derive(Debug, Clone)]
pub(crate) struct Res {
    pub obj: Mapping,
    /// Ids it had before transformers changed them, oldest first, recorded where kustomize
    /// records them (its `previousNames`, `previousNamespaces` and `previousKinds`).
    pub previous: Vec<PreviousId>,
    /// Set for resources a generator made.
    pub generated: Option<Generated>,
    /// Name prefixes and suffixes applied to it, innermost first: references resolve within
    /// resources renamed alike.
    pub prefixes: Vec<String>,
    pub suffixes: Vec<String>,
    /// Where it came from, for `buildMetadata: [originAnnotations]`.
    pub origin: Option<ResourceOrigin>,
    /// Built-in transformers that ran over it: (kustomization file, transformer kind).
    pub transformations: Vec<(String, &'static str)>,
    /// Identity across the steps of one build (provenance compares by it).
    pub uid: u64,
    /// What set each field, when the build records provenance.
    pub trace: super::provenance::Trace,
}

/// Where a resource came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ResourceOrigin {
    /// A resource file.
    File(String),
    /// A generator of a kustomization file.
    Generator {
        kustomization: String,
        kind: &'static str,
    },
}

pub(crate) fn str_at<'a>(obj: &'a Mapping, path: &[&str]) -> &'a str {
    let Some((first, rest)) = path.split_first() else {
        return "";
    };
    let mut cur = crate::yaml::get(obj, first);
    for key in rest {
        cur = cur
            .and_then(Value::as_mapping)
            .and_then(|m| crate::yaml::get(m, key));
    }
    cur.and_then(Value::as_str).unwrap_or_default()
}

/// Identities of resources; unique within a process, never written anywhere.
static NEXT_UID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl Res {
    pub(crate) fn new(obj: Mapping) -> Self {
        Self {
            obj,
            previous: Vec::new(),
            generated: None,
            prefixes: Vec::new(),
            suffixes: Vec::new(),
            origin: None,
            transformations: Vec::new(),
            uid: NEXT_UID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            trace: super::provenance::Trace::new(),
        }
    }

    pub(crate) fn kind(&self) -> &str {
        str_at(&self.obj, &["kind"])
    }

    pub(crate) fn name(&self) -> &str {
        str_at(&self.obj, &["metadata", "name"])
    }

    /// The name as the base wrote it, before any prefix, suffix or hash.
    pub(crate) fn base_name(&self) -> &str {
        self.previous
            .first()
            .map_or_else(|| self.name(), |id| id.name.as_str())
    }

    pub(crate) fn namespace(&self) -> &str {
        str_at(&self.obj, &["metadata", "namespace"])
    }

    /// (group, version) of `apiVersion`.
    pub(crate) fn group_version(&self) -> (&str, &str) {
        split_api_version(str_at(&self.obj, &["apiVersion"]))
    }

    pub(crate) fn id(&self) -> ResId {
        let (group, version) = self.group_version();
        ResId {
            group: group.to_owned(),
            version: version.to_owned(),
            kind: self.kind().to_owned(),
            name: self.name().to_owned(),
            namespace: self.namespace().to_owned(),
        }
    }

    /// [`Res::id`], borrowed.
    pub(crate) fn id_ref(&self) -> IdRef<'_> {
        // One pass over the object and one over its metadata, instead of a lookup per field:
        // ids are compared thousands of times per build. A mapping's keys are unique, so this
        // finds what `str_at` finds, which scans mappings of this size the same way.
        let small = |map: &Mapping| map.len() <= crate::yaml::SCANNED;
        let metadata = crate::yaml::get(&self.obj, "metadata").and_then(Value::as_mapping);
        if !small(&self.obj) || !metadata.is_none_or(small) {
            let (group, version) = self.group_version();
            return IdRef {
                group,
                version,
                kind: self.kind(),
                name: self.name(),
                namespace: self.namespace(),
            };
        }
        let (mut api_version, mut kind, mut name, mut namespace) = ("", "", "", "");
        for (key, value) in &self.obj {
            match key.as_str() {
                Some("apiVersion") => api_version = value.as_str().unwrap_or_default(),
                Some("kind") => kind = value.as_str().unwrap_or_default(),
                _ => {}
            }
        }
        for (key, value) in metadata.into_iter().flatten() {
            match key.as_str() {
                Some("name") => name = value.as_str().unwrap_or_default(),
                Some("namespace") => namespace = value.as_str().unwrap_or_default(),
                _ => {}
            }
        }
        let (group, version) = split_api_version(api_version);
        IdRef {
            group,
            version,
            kind,
            name,
            namespace,
        }
    }

    /// The names it had before, oldest first.
    pub(crate) fn previous_names(&self) -> impl Iterator<Item = &str> {
        self.previous.iter().map(|id| id.name.as_str())
    }

    /// [`Res::all_ids`], borrowed: the current id, then the previous ones oldest first.
    pub(crate) fn id_refs(&self) -> impl Iterator<Item = IdRef<'_>> {
        let current = self.id_ref();
        std::iter::once(current).chain(self.previous.iter().map(move |id| id.with(current)))
    }

    /// [`Res::original_id`], borrowed.
    pub(crate) fn original_ref(&self) -> IdRef<'_> {
        let current = self.id_ref();
        self.previous.first().map_or(current, |id| id.with(current))
    }

    /// The ids it had before, oldest first, with its current group and version (kustomize's
    /// `PrevIds`).
    pub(crate) fn previous_ids(&self) -> Vec<ResId> {
        let (group, version) = self.group_version();
        self.previous
            .iter()
            .map(|id| ResId {
                group: group.to_owned(),
                version: version.to_owned(),
                kind: id.kind.clone(),
                name: id.name.clone(),
                namespace: id.namespace.clone(),
            })
            .collect()
    }

    /// The id it had first, or its current one (kustomize's `OrgId`).
    pub(crate) fn original_id(&self) -> ResId {
        self.previous_ids()
            .into_iter()
            .next()
            .unwrap_or_else(|| self.id())
    }

    /// Every id the resource has had: the current one first, then the previous ones.
    pub(crate) fn all_ids(&self) -> Vec<ResId> {
        let mut ids = vec![self.id()];
        ids.extend(self.previous_ids());
        ids
    }

    /// Records the current id as a previous one, where kustomize does before a transformer
    /// may change it (even when it then does not).
    pub(crate) fn store_previous(&mut self) {
        let id = self.id_ref();
        let previous = PreviousId {
            namespace: id.effective_namespace().to_owned(),
            name: id.name.to_owned(),
            kind: id.kind.to_owned(),
        };
        self.previous.push(previous);
    }

    /// Sets `metadata.name`; callers record the previous id where kustomize does.
    pub(crate) fn set_name(&mut self, name: &str) {
        metadata(&mut self.obj).insert("name".into(), name.into());
    }

    /// Sets `metadata.namespace`; callers record the previous id where kustomize does.
    pub(crate) fn set_namespace(&mut self, namespace: &str) {
        metadata(&mut self.obj).insert("namespace".into(), namespace.into());
    }

    pub(crate) fn annotation(&self, key: &str) -> Option<&str> {
        let annotations = crate::yaml::get(&self.obj, "metadata")?
            .as_mapping()
            .and_then(|m| crate::yaml::get(m, "annotations"))?;
        annotations.get(key).and_then(Value::as_str)
    }
}

/// `metadata` of an object, created when missing.
pub(crate) fn metadata(obj: &mut Mapping) -> &mut Mapping {
    let entry = obj
        .entry("metadata".into())
        .or_insert_with(|| Value::Mapping(Mapping::new()));
    if !entry.is_mapping() {
        *entry = Value::Mapping(Mapping::new());
    }
    entry.as_mapping_mut().expect("just made a mapping")
}

pub(crate) fn split_api_version(api_version: &str) -> (&str, &str) {
    // A byte scan: apiVersions are short, and this runs for every id compared.
    match api_version.bytes().rposition(|b| b == b'/') {
        Some(slash) => (&api_version[..slash], &api_version[slash + 1..]),
        None => ("", api_version),
    }
}

/// The resources of a build in order.
#[derive(Debug, Clone, Default)]
pub(crate) struct ResMap {
    pub items: Vec<Res>,
}

impl ResMap {
    /// Adds a resource, refusing a second one with the same current id.
    pub(crate) fn append(&mut self, res: Res) -> Result<(), BuildError> {
        let id = res.id();
        if self.items.iter().any(|r| r.id().same(&id)) {
            return Err(BuildError::new(format!(
                "may not add resource with an already registered id: {id}"
            )));
        }
        self.items.push(res);
        Ok(())
    }

    /// Adds every resource of `other`, refusing duplicates; one index, so linear.
    pub(crate) fn append_all(&mut self, other: ResMap) -> Result<(), BuildError> {
        let mut seen: std::collections::BTreeSet<IdKey> =
            self.items.iter().map(IdKey::of).collect();
        for res in other.items {
            if !seen.insert(IdKey::of(&res)) {
                return Err(BuildError::new(format!(
                    "may not add resource with an already registered id: {}",
                    res.id()
                )));
            }
            self.items.push(res);
        }
        Ok(())
    }
}

/// A resource's current id as a hashable key, `""` and `default` namespaces as one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct IdKey(String);

impl IdKey {
    fn of(res: &Res) -> Self {
        let (group, version) = res.group_version();
        let namespace = match res.namespace() {
            "" => "default",
            other => other,
        };
        Self(format!(
            "{group}\u{0}{version}\u{0}{}\u{0}{namespace}\u{0}{}",
            res.kind(),
            res.name()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::{Res, split_api_version};
    use serde_yaml::Mapping;

    #[test]
    fn id_ref_finds_what_a_lookup_per_field_finds() {
        let many = (0..14).fold(String::new(), |text, i| text + &format!("k{i}: {i}\n"));
        let objects = [
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a, namespace: n}\n".to_owned(),
            "kind: ConfigMap\nmetadata: {labels: {x: y}, name: b}\n".to_owned(),
            "metadata: [1]\nkind: 7\napiVersion: v1\n".to_owned(),
            "!t kind: Secret\nmetadata: {!t name: tagged}\n".to_owned(),
            format!("{many}apiVersion: v1\nkind: Service\nmetadata: {{name: c}}\n"),
            format!(
                "kind: Pod\nmetadata:\n  namespace: m\n  name: d\n{}",
                many.replace('k', "  k")
            ),
            String::new(),
        ];
        for text in objects {
            let obj: Mapping = if text.is_empty() {
                Mapping::new()
            } else {
                serde_yaml::from_str(&text).unwrap()
            };
            let res = Res::new(obj);
            let id = res.id_ref();
            let (group, version) = split_api_version(super::str_at(&res.obj, &["apiVersion"]));
            assert_eq!(
                (id.group, id.version, id.kind, id.name, id.namespace),
                (group, version, res.kind(), res.name(), res.namespace()),
                "{text}"
            );
        }
    }
}
