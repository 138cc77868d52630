//! A container's environment as the kubelet builds it, resolved against the checked objects:
//! `envFrom` sources in order, then `env` entries in order, a later one winning; ConfigMap
//! and Secret keys (`envFrom`, `valueFrom`) read from the ConfigMaps and Secrets in the input.
//! A source that is not in the input leaves the environment open: rules then stay silent about
//! what it might set.
use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_yaml::Value;

use crate::fieldpath::child as key_path;
use crate::krm::Resource;
use crate::policy::walk::{Catalog, Container};
use crate::yaml::Field;

/// Where one part of a setting is written: a resource and a field of it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Site<'a, 'f> {
    pub resource: &'a Resource,
    pub field: &'f str,
}

/// One env var of a container, where it is written and what it holds.
#[derive(Debug, Clone)]
pub(crate) struct Setting<'a> {
    /// The env var's name (an `envFrom` prefix included).
    pub name: String,
    /// Its value, when the checked objects show it (not for `fieldRef`, or a key of a
    /// source outside the input).
    pub value: Option<Cow<'a, str>>,
    /// Read from a Secret: the value is never printed.
    pub secret: bool,
    /// The ConfigMap or Secret it comes from (`ConfigMap "settings"`), for messages.
    pub source: Option<String>,
    value_at: (&'a Resource, String),
    name_at: (&'a Resource, String),
    /// The container's field that brings it in: `…env[i]` or `…envFrom[j]`.
    pub entry: String,
}

impl Setting<'_> {
    /// Where the value is written: the env entry's `value`, or the source's key.
    pub(crate) fn value_site(&self) -> Site<'_, '_> {
        Site {
            resource: self.value_at.0,
            field: &self.value_at.1,
        }
    }

    /// Where the name is written: the env entry's `name`, or the source's key.
    pub(crate) fn name_site(&self) -> Site<'_, '_> {
        Site {
            resource: self.name_at.0,
            field: &self.name_at.1,
        }
    }

    /// ` (from ConfigMap "settings")`, or nothing for a literal env entry.
    pub(crate) fn via(&self) -> String {
        self.source
            .as_ref()
            .map(|s| format!(" (from {s})"))
            .unwrap_or_default()
    }

    /// The value quoted for a message with where it comes from (`"node" (from ConfigMap
    /// "settings")`); a Secret's value is never shown, only where it is (`in Secret "app"`).
    pub(crate) fn shown(&self) -> String {
        match (&self.value, &self.source) {
            (Some(_), Some(source)) if self.secret => format!("in {source}"),
            (Some(value), _) => format!("{value:?}{}", self.via()),
            (None, _) => format!("of {}{}", self.name, self.via()),
        }
    }
}

/// What a container's environment says about one name.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Lookup<'e, 'a> {
    /// Set.
    Found(&'e Setting<'a>),
    /// Not set by anything in the input, but a source outside the input might set it.
    Unknown,
    /// Set nowhere.
    Missing,
}

impl Lookup<'_, '_> {
    /// Whether the name is surely unset.
    pub(crate) fn is_missing(self) -> bool {
        matches!(self, Lookup::Missing)
    }
}

/// A container's effective environment.
#[derive(Debug, Default, Clone)]
pub(crate) struct Environment<'a> {
    /// In the order the container writes them (`envFrom` keys, then `env`); a setting that a
    /// later one overrides is left as `None`.
    settings: Vec<Option<Setting<'a>>>,
    by_name: BTreeMap<String, usize>,
    /// Some `envFrom` source is not in the input.
    open: bool,
}

impl<'a> Environment<'a> {
    /// The settings, in the order the container writes them.
    pub(crate) fn settings(&self) -> impl Iterator<Item = &Setting<'a>> {
        self.settings.iter().flatten()
    }

    /// Sets a variable, overriding an earlier one of the same name.
    fn set(&mut self, setting: Setting<'a>) {
        if let Some(old) = self
            .by_name
            .insert(setting.name.clone(), self.settings.len())
        {
            self.settings[old] = None;
        }
        self.settings.push(Some(setting));
    }

    /// Whether a source outside the input may set more names.
    pub(crate) fn is_open(&self) -> bool {
        self.open
    }

    /// Whether any setting is one only the Functions host reads.
    pub(crate) fn has_functions_settings(&self) -> bool {
        self.by_name.keys().any(|name| is_functions_setting(name))
    }

    /// What the environment says about `name`.
    pub(crate) fn lookup(&self, name: &str) -> Lookup<'_, 'a> {
        match self
            .by_name
            .get(name)
            .and_then(|&i| self.settings[i].as_ref())
        {
            Some(setting) => Lookup::Found(setting),
            None if self.open => Lookup::Unknown,
            None => Lookup::Missing,
        }
    }
}

/// A ConfigMap's or Secret's keys with their values (a Secret's decoded; `stringData` over
/// `data`, as the API server merges them) and the field each is written at.
fn source_entries(source: &Resource) -> Vec<(&str, Option<Cow<'_, str>>, String)> {
    let mut entries: BTreeMap<&str, (Option<Cow<'_, str>>, String)> = BTreeMap::new();
    let secret = source.kind() == "Secret";
    let sections: &[(&str, bool)] = if secret {
        &[("data", true), ("stringData", false)]
    } else {
        &[("data", false)]
    };
    for &(section, encoded) in sections {
        let Some(map) = source.field(section).and_then(Value::as_mapping) else {
            continue;
        };
        for (key, value) in map {
            let Some(key) = key.as_str() else { continue };
            let value = value.as_str().and_then(|text| {
                if encoded {
                    crate::secrets::decode_base64(text)
                        .and_then(|bytes| String::from_utf8(bytes).ok())
                        .map(Cow::Owned)
                } else {
                    Some(Cow::Borrowed(text))
                }
            });
            entries.insert(key, (value, key_path(section, key)));
        }
    }
    entries
        .into_iter()
        .map(|(key, (value, field))| (key, value, field))
        .collect()
}

/// `("ConfigMap", name)` or `("Secret", name)` of an `envFrom` entry or a `valueFrom` key reference.
fn reference<'v>(
    entry: &'v Value,
    config_map: &str,
    secret: &str,
) -> Option<(&'static str, &'v Value)> {
    if let Some(r) = entry.get(config_map) {
        return Some(("ConfigMap", r));
    }
    entry.get(secret).map(|r| ("Secret", r))
}

impl<'a> Container<'a> {
    /// The container's environment, with the sources it names looked up in `resources` (in
    /// the namespace its pod lands in).
    /// Made once per container and catalog: rules ask for it again and again.
    pub(crate) fn environment<'s>(&self, resources: &'s Catalog<'a>) -> Cow<'s, Environment<'a>> {
        match resources.environment_cell(self) {
            Some(kept) => Cow::Borrowed(kept.get_or_init(|| self.find_environment(resources))),
            None => Cow::Owned(self.find_environment(resources)),
        }
    }

    fn find_environment(&self, resources: &Catalog<'a>) -> Environment<'a> {
        let owner = self.owner;
        let namespace = owner.namespace();
        let mut env = Environment::default();
        for (j, source) in self
            .object
            .field("envFrom")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let Some((kind, r)) = reference(source, "configMapRef", "secretRef") else {
                continue;
            };
            let name = r.field("name").and_then(Value::as_str).unwrap_or_default();
            let Some(object) = resources.find(namespace, kind, name) else {
                env.open = true;
                continue;
            };
            let prefix = source
                .field("prefix")
                .and_then(Value::as_str)
                .unwrap_or_default();
            for (key, value, field) in source_entries(object) {
                env.set(Setting {
                    name: format!("{prefix}{key}"),
                    value,
                    secret: kind == "Secret",
                    source: Some(format!("{kind} {name:?}")),
                    value_at: (object, field.clone()),
                    name_at: (object, field),
                    entry: format!("{}.envFrom[{j}]", self.path),
                });
            }
        }
        for (i, entry) in self.env() {
            let Some(name) = entry.field("name").and_then(Value::as_str) else {
                continue;
            };
            let at = format!("{}.env[{i}]", self.path);
            let mut setting = Setting {
                name: name.to_owned(),
                value: entry
                    .field("value")
                    .and_then(Value::as_str)
                    .map(Cow::Borrowed),
                secret: false,
                source: None,
                value_at: (owner, format!("{at}.value")),
                name_at: (owner, format!("{at}.name")),
                entry: at,
            };
            let key_ref = entry
                .field("valueFrom")
                .and_then(|from| reference(from, "configMapKeyRef", "secretKeyRef"));
            if let Some((kind, r)) = key_ref {
                setting.secret = kind == "Secret";
                setting.value_at.1 = format!("{}.valueFrom", setting.entry);
                let source = r.field("name").and_then(Value::as_str).unwrap_or_default();
                let key = r.field("key").and_then(Value::as_str).unwrap_or_default();
                if let Some(object) = resources.find(namespace, kind, source)
                    && let Some((_, value, field)) =
                        source_entries(object).into_iter().find(|(k, ..)| *k == key)
                {
                    setting.value = value;
                    setting.value_at = (object, field);
                }
                setting.source = Some(format!("{kind} {source:?} key {key:?}"));
            }
            env.set(setting);
        }
        env
    }

    /// Whether this container runs the Azure Functions host: a Functions base image, or
    /// Functions settings in its environment (`env`, or the sources `envFrom` names).
    pub(crate) fn runs_functions_host(&self, resources: &Catalog<'a>) -> bool {
        self.is_functions_host() || self.environment(resources).has_functions_settings()
    }

    /// [`Self::runs_functions_host`] for a rule that has the environment at hand already.
    pub(crate) fn runs_functions_host_in(&self, env: &Environment<'a>) -> bool {
        self.is_functions_host() || env.has_functions_settings()
    }
}

/// A setting only the Functions host reads.
pub(crate) fn is_functions_setting(name: &str) -> bool {
    name == "FUNCTIONS_WORKER_RUNTIME"
        || name.starts_with("AzureWebJobs")
        || name.starts_with("AzureFunctionsJobHost__")
        || name.starts_with("AzureFunctionsWebHost__")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::rules::test_support::parse;
    use crate::policy::walk::{Containers, containers};

    /// `name = value @ resource-kind field` for each setting of the first container.
    fn settings(yaml: &str) -> (Vec<String>, bool) {
        let resources = parse(yaml);
        let catalog = Catalog::new(&resources);
        let container = containers(&resources[0]).remove(0);
        let env = container.environment(&catalog);
        let shown = env
            .settings()
            .map(|s| {
                let at = s.value_site();
                format!(
                    "{} = {} @ {} {}{}",
                    s.name,
                    s.value.as_deref().unwrap_or("?"),
                    at.resource.kind(),
                    at.field,
                    if s.secret { " (secret)" } else { "" }
                )
            })
            .collect();
        (shown, env.is_open())
    }

    const POD: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w, namespace: f}\nspec:\n  template:\n    spec:\n      containers:\n      - name: func\n";

    #[test]
    fn the_catalog_finds_containers_and_environments_once_and_a_foreign_resource_afresh() {
        let yaml = format!(
            "{POD}        envFrom:\n        - configMapRef: {{name: base}}\n        env:\n        - {{name: B, value: from-env}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: base, namespace: f}}\ndata: {{A: a-map}}\n"
        );
        let resources = parse(&yaml);
        let copy = resources[0].clone();
        let catalog = Catalog::new(&resources);
        let names = |env: &Environment<'_>| -> Vec<String> {
            env.settings()
                .map(|s| format!("{}={}", s.name, s.value.as_deref().unwrap_or("?")))
                .collect()
        };
        let kept = catalog.containers_of(&resources[0]);
        assert!(
            matches!(kept, Containers::Kept(_)),
            "an item's containers are kept"
        );
        let kept = kept.iter().next().expect("a container");
        let (first, again) = (kept.environment(&catalog), kept.environment(&catalog));
        let (Cow::Borrowed(first), Cow::Borrowed(again)) = (&first, &again) else {
            panic!("an item's container environment is kept");
        };
        assert!(std::ptr::eq(*first, *again), "and made once");
        assert_eq!(names(first), ["A=a-map", "B=from-env"]);
        // An equal object that is not one of the catalog's items is looked at afresh, with the
        // catalog's objects as its sources.
        let theirs = catalog.containers_of(&copy);
        assert!(matches!(theirs, Containers::Found(_)));
        let env = theirs
            .iter()
            .next()
            .expect("a container")
            .environment(&catalog);
        assert!(matches!(env, Cow::Owned(_)));
        assert_eq!(names(&env), ["A=a-map", "B=from-env"]);
        assert!(catalog.containers_of(&resources[1]).iter().next().is_none());
    }

    #[test]
    fn sources_in_order_then_env_the_later_winning() {
        let yaml = format!(
            "{POD}        envFrom:\n        - configMapRef: {{name: base}}\n        - secretRef: {{name: app}}\n        - {{prefix: X_, configMapRef: {{name: base}}}}\n        env:\n        - {{name: B, value: from-env}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: base, namespace: f}}\ndata: {{A: a-map, B: b-map}}\n---\napiVersion: v1\nkind: Secret\nmetadata: {{name: app, namespace: f}}\ndata: {{A: YS1zZWNyZXQ=, C: Yy1kYXRh}}\nstringData: {{C: c-string}}\n"
        );
        let (shown, open) = settings(&yaml);
        assert_eq!(
            shown,
            [
                "A = a-secret @ Secret data.A (secret)",
                "C = c-string @ Secret stringData.C (secret)",
                "X_A = a-map @ ConfigMap data.A",
                "X_B = b-map @ ConfigMap data.B",
                "B = from-env @ Deployment spec.template.spec.containers[0].env[0].value",
            ]
        );
        assert!(!open);
    }

    #[test]
    fn key_references_resolve_and_an_absent_source_leaves_the_environment_open() {
        let yaml = format!(
            "{POD}        envFrom: [{{secretRef: {{name: synced-by-csi}}}}]\n        env:\n        - name: HOST\n          valueFrom: {{configMapKeyRef: {{name: base, key: id}}}}\n        - name: CONN\n          valueFrom: {{secretKeyRef: {{name: synced-by-csi, key: conn}}}}\n        - name: OTHER_NS\n          valueFrom: {{configMapKeyRef: {{name: elsewhere, key: id}}}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: base, namespace: f}}\ndata: {{id: orders-prod}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: elsewhere, namespace: g}}\ndata: {{id: not-this-one}}\n"
        );
        let (shown, open) = settings(&yaml);
        assert_eq!(
            shown,
            [
                "HOST = orders-prod @ ConfigMap data.id",
                "CONN = ? @ Deployment spec.template.spec.containers[0].env[1].valueFrom (secret)",
                "OTHER_NS = ? @ Deployment spec.template.spec.containers[0].env[2].valueFrom",
            ]
        );
        assert!(
            open,
            "the Secret synced by the CSI driver is not in the input"
        );
        let resources = parse(&yaml);
        let catalog = Catalog::new(&resources);
        let env = containers(&resources[0]).remove(0).environment(&catalog);
        assert!(matches!(env.lookup("NOT_SET"), Lookup::Unknown));
        assert!(matches!(env.lookup("HOST"), Lookup::Found(_)));
    }

    #[test]
    fn a_source_without_a_namespace_is_found_where_the_pod_lands() {
        let yaml = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w}\nspec:\n  template:\n    spec:\n      containers:\n      - name: func\n        envFrom: [{configMapRef: {name: base}}]\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: base, namespace: default}\ndata: {FUNCTIONS_WORKER_RUNTIME: node}\n";
        let (shown, open) = settings(yaml);
        assert_eq!(
            shown,
            ["FUNCTIONS_WORKER_RUNTIME = node @ ConfigMap data.FUNCTIONS_WORKER_RUNTIME"]
        );
        assert!(!open);
        let resources = parse(yaml);
        let catalog = Catalog::new(&resources);
        assert!(containers(&resources[0])[0].runs_functions_host(&catalog));
    }
}
