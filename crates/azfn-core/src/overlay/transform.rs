//! kustomize's built-in transformers, in its order, and azfn's own transformer in-process.
use crate::error::Location;
use serde_yaml::{Mapping, Value};

use super::fieldspec::{self, FieldSpec};
use super::kustomization::{Kustomization, scalar_string, string_map};
use super::provenance::{At, PluginInputs, Recorder, Step};
use super::resmap::{Res, ResMap, str_at};
use super::{BuildError, Loader, State, patch, paths, replacements};

/// Kinds whose names prefixes and suffixes leave alone.
const NOT_RENAMED: &[(&str, &str)] = &[
    ("", "CustomResourceDefinition"),
    ("apiregistration.k8s.io", "APIService"),
    ("", "Namespace"),
];

/// Runs the kustomization's transformers over `ra`.
pub(crate) fn run(
    loader: &Loader<'_>,
    k: &Kustomization,
    ra: &mut ResMap,
    state: &mut State,
) -> Result<(), BuildError> {
    let shown = paths::display(&k.file);
    for (i, entry) in k.patches_strategic_merge.iter().enumerate() {
        let at = Location::at(shown.as_str(), format!("patchesStrategicMerge[{i}]"));
        let file = entry
            .as_str()
            .filter(|s| !s.contains('\n') && !s.contains(": "))
            .and_then(|s| paths::join(&k.dir, s));
        loader.step(
            ra,
            Step::StrategicMergePatch,
            || At::located(&k.file, &at).patch(file.as_deref()),
            |ra| patch::strategic_merge_entry(loader, k, entry, ra, &at),
        )?;
    }
    for (i, entry) in k.patches.iter().enumerate() {
        let at = Location::at(shown.as_str(), format!("patches[{i}]"));
        let file = entry
            .get("path")
            .and_then(Value::as_str)
            .and_then(|s| paths::join(&k.dir, s));
        // Only a build that records provenance reads the patch twice to name its kind.
        let is_json6902 = loader.recording() && patch::is_json6902(loader, k, entry, &at);
        loader.step(
            ra,
            if is_json6902 {
                Step::Json6902Patch
            } else {
                Step::StrategicMergePatch
            },
            || {
                let origin = At::located(&k.file, &at);
                if is_json6902 {
                    origin.operations(file.as_deref())
                } else {
                    origin.patch(file.as_deref())
                }
            },
            |ra| patch::patch_entry(loader, k, entry, ra, &at),
        )?;
    }
    run_metadata(loader, k, ra, state)?;
    run_values(loader, k, ra, state)
}

/// Namespace, prefix and suffix, labels and annotations.
fn run_metadata(
    loader: &Loader<'_>,
    k: &Kustomization,
    ra: &mut ResMap,
    state: &State,
) -> Result<(), BuildError> {
    let shown = paths::display(&k.file);
    if let Some(namespace) = &k.namespace {
        loader.step(
            ra,
            Step::Namespace,
            || At::entry(&k.file, "namespace"),
            |ra| namespace_all(ra, namespace, &state.config.namespace),
        )?;
    }
    if !k.name_prefix.is_empty() || !k.name_suffix.is_empty() {
        let (step, entry) = if k.name_prefix.is_empty() {
            (Step::NameSuffix, "nameSuffix")
        } else {
            (Step::NamePrefix, "namePrefix")
        };
        loader.step(
            ra,
            step,
            || At::entry(&k.file, entry),
            |ra| rename_all(ra, k, &state.config),
        )?;
        for res in &mut ra.items {
            if !k.name_prefix.is_empty() {
                res.transformations
                    .push((k.file.clone(), "PrefixTransformer"));
            }
            if !k.name_suffix.is_empty() {
                res.transformations
                    .push((k.file.clone(), "SuffixTransformer"));
            }
        }
    }
    if !k.common_labels.is_empty() {
        loader.step(
            ra,
            Step::Labels,
            || At::entry(&k.file, "commonLabels"),
            |ra| set_map_fields(ra, &k.common_labels, &state.config.common_labels),
        )?;
    }
    for (i, entry) in k.labels.iter().enumerate() {
        let at = Location::at(shown.as_str(), format!("labels[{i}]"));
        let pairs = entry
            .get("pairs")
            .filter(|v| !v.is_null())
            .map(string_map)
            .transpose()
            .map_err(|m| BuildError::at(&at.child("pairs"), m))?
            .unwrap_or_default();
        let flag = |key: &str| entry.get(key).and_then(Value::as_bool).unwrap_or(false);
        let mut specs = if flag("includeSelectors") {
            state.config.common_labels.clone()
        } else {
            let mut specs = vec![FieldSpec {
                group: String::new(),
                version: String::new(),
                kind: String::new(),
                path: vec!["metadata".into(), "labels".into()],
                create: true,
            }];
            if flag("includeTemplates") {
                for spec in &state.config.template_labels {
                    if !specs.contains(spec) {
                        specs.push(spec.clone());
                    }
                }
            }
            specs
        };
        for field in entry
            .get("fields")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
        {
            specs.push(FieldSpec::from_value(field, &at.child("fields"))?);
        }
        loader.step(
            ra,
            Step::Labels,
            || At::located(&k.file, &at),
            |ra| set_map_fields(ra, &pairs, &specs),
        )?;
    }
    if !k.common_annotations.is_empty() {
        loader.step(
            ra,
            Step::Annotations,
            || At::entry(&k.file, "commonAnnotations"),
            |ra| set_map_fields(ra, &k.common_annotations, &state.config.common_annotations),
        )?;
    }
    Ok(())
}

/// JSON 6902 patches, replicas, images, replacements and plugins.
fn run_values(
    loader: &Loader<'_>,
    k: &Kustomization,
    ra: &mut ResMap,
    state: &State,
) -> Result<(), BuildError> {
    let shown = paths::display(&k.file);
    for (i, entry) in k.patches_json6902.iter().enumerate() {
        let at = Location::at(shown.as_str(), format!("patchesJson6902[{i}]"));
        let file = entry
            .get("path")
            .and_then(Value::as_str)
            .and_then(|s| paths::join(&k.dir, s));
        loader.step(
            ra,
            Step::Json6902Patch,
            || At::located(&k.file, &at).operations(file.as_deref()),
            |ra| patch::json6902_entry(loader, k, entry, ra, &at),
        )?;
    }
    for (i, entry) in k.replicas.iter().enumerate() {
        let at = Location::at(shown.as_str(), format!("replicas[{i}]"));
        loader.step(
            ra,
            Step::Replicas,
            || At::located(&k.file, &at),
            |ra| replicas(ra, entry, &state.config.replicas, &at),
        )?;
    }
    for (i, entry) in k.images.iter().enumerate() {
        let at = Location::at(shown.as_str(), format!("images[{i}]"));
        loader.step(
            ra,
            Step::Images,
            || At::located(&k.file, &at),
            |ra| images(ra, entry, &state.config.images, &at),
        )?;
    }
    for (i, entry) in k.replacements.iter().enumerate() {
        let at = Location::at(shown.as_str(), format!("replacements[{i}]"));
        loader.step(
            ra,
            Step::Replacement,
            || At::located(&k.file, &at),
            |ra| replacements::apply_entry(loader, k, entry, ra, &at),
        )?;
    }
    for (i, entry) in k.transformers.iter().enumerate() {
        let at = Location::at(shown.as_str(), format!("transformers[{i}]"));
        external_transformer(loader, k, entry, ra, &at)?;
    }
    Ok(())
}

/// kustomize's namespace transformer: every resource's id is recorded first (even when the
/// namespace does not change), namespaced objects get the namespace, binding subjects named
/// `default` get it, and the configured field specs (a core `Namespace`'s own name among them)
/// are set; two resources may not end up with one id.
fn namespace_all(ra: &mut ResMap, namespace: &str, specs: &[FieldSpec]) -> Result<(), BuildError> {
    // Every current id, counted, kept up to date as each resource moves: kustomize checks each
    // one against all the others right after moving it.
    let key = |res: &Res| {
        let id = res.id_ref();
        let fields = [
            id.group,
            id.version,
            id.kind,
            id.name,
            id.effective_namespace(),
        ];
        // One string per id, each field prefixed by its length so no two ids share one; made
        // at its size at once (this runs twice for every resource).
        let size: usize = fields.iter().map(|f| f.len() + 21).sum();
        let mut key = String::with_capacity(size);
        for field in fields {
            push_decimal(&mut key, field.len());
            key.push(':');
            key.push_str(field);
        }
        key
    };
    let mut ids: std::collections::BTreeMap<_, usize> = std::collections::BTreeMap::new();
    for res in &ra.items {
        *ids.entry(key(res)).or_default() += 1;
    }
    for i in 0..ra.items.len() {
        let res = &mut ra.items[i];
        if res.obj.is_empty() {
            continue;
        }
        let before = key(res);
        res.store_previous();
        let api_version = str_at(&res.obj, &["apiVersion"]).to_owned();
        let kind = res.kind().to_owned();
        if !res.id_ref().is_cluster_scoped() {
            res.set_namespace(namespace);
        }
        let binding = is_role_binding(&kind);
        if binding {
            subjects_named_default(&mut res.obj, namespace);
        }
        let mut node = Value::Mapping(std::mem::take(&mut res.obj));
        let mut result = Ok(());
        for spec in specs.iter().filter(|s| {
            s.matches(&api_version, &kind)
                && s.path != ["metadata", "namespace"]
                && (api_version == "v1" || s.path != ["metadata", "name"])
                && !(binding && is_role_binding(&s.kind) && s.path == ["subjects", "namespace"])
        }) {
            result = fieldspec::visit(&mut node, &spec.path, spec.create, &mut |v| {
                *v = Value::String(namespace.to_owned());
                Ok(())
            });
            if result.is_err() {
                break;
            }
        }
        if let Value::Mapping(m) = node {
            res.obj = m;
        }
        result?;
        let after = key(res);
        if after != before {
            if let Some(count) = ids.get_mut(&before) {
                *count -= 1;
            }
            *ids.entry(after.clone()).or_default() += 1;
        }
        if ids.get(&after).copied().unwrap_or_default() > 1 {
            let id = ra.items[i].id();
            let same: Vec<String> = ra
                .items
                .iter()
                .map(Res::id)
                .filter(|other| other.effective_namespace() == id.effective_namespace())
                .filter(|other| other.same(&id))
                .map(|other| other.to_string())
                .collect();
            return Err(BuildError::new(format!(
                "namespace transformation produces ID conflict: [{}]",
                same.join(" ")
            )));
        }
    }
    Ok(())
}

/// `n` in decimal, without the allocation of `to_string` or the formatting machinery.
fn push_decimal(out: &mut String, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b"0123456789"[n % 10];
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend(digits[at..].iter().map(|&d| char::from(d)));
}

fn is_role_binding(kind: &str) -> bool {
    matches!(kind, "RoleBinding" | "ClusterRoleBinding")
}

/// kustomize's default for binding subjects: only those named `default` get the namespace.
fn subjects_named_default(obj: &mut Mapping, namespace: &str) {
    let Some(subjects) = obj.get_mut("subjects").and_then(Value::as_sequence_mut) else {
        return;
    };
    for subject in subjects.iter_mut().filter_map(Value::as_mapping_mut) {
        if subject.get("name").and_then(Value::as_str) == Some("default") {
            subject.insert("namespace".into(), namespace.into());
        }
    }
}

/// kustomize's prefix transformer, then its suffix transformer.
fn rename_all(
    ra: &mut ResMap,
    k: &Kustomization,
    config: &fieldspec::Config,
) -> Result<(), BuildError> {
    if !k.name_prefix.is_empty() {
        affix_all(ra, &k.name_prefix, Affix::Prefix, &config.name_prefix)?;
    }
    if !k.name_suffix.is_empty() {
        affix_all(ra, &k.name_suffix, Affix::Suffix, &config.name_suffix)?;
    }
    Ok(())
}

/// Which end of names a transformer adds to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Affix {
    Prefix,
    Suffix,
}

/// kustomize's prefix (or suffix) transformer: for each field spec that selects a resource's
/// original id, `metadata/name` specs record the id first (and the affix, which name
/// references compare), then the affix is added at the spec's path.
fn affix_all(
    ra: &mut ResMap,
    affix: &str,
    end: Affix,
    specs: &[FieldSpec],
) -> Result<(), BuildError> {
    for res in &mut ra.items {
        let original = res.original_id();
        if NOT_RENAMED
            .iter()
            .any(|(g, k)| *k == original.kind && (g.is_empty() || *g == original.group))
        {
            continue;
        }
        for spec in specs {
            if !spec.selects(&original.group, &original.version, &original.kind) {
                continue;
            }
            if spec.path == ["metadata", "name"] {
                match end {
                    Affix::Prefix => res.prefixes.push(affix.to_owned()),
                    Affix::Suffix => res.suffixes.push(affix.to_owned()),
                }
                res.store_previous();
            }
            let api_version = str_at(&res.obj, &["apiVersion"]).to_owned();
            if !spec.matches(&api_version, res.kind()) {
                continue;
            }
            let mut node = Value::Mapping(std::mem::take(&mut res.obj));
            let result = fieldspec::visit(&mut node, &spec.path, spec.create, &mut |v| {
                let text = if v.is_null() {
                    Some(String::new())
                } else {
                    scalar_string(v)
                };
                if let Some(text) = text {
                    *v = Value::String(match end {
                        Affix::Prefix => format!("{affix}{text}"),
                        Affix::Suffix => format!("{text}{affix}"),
                    });
                }
                Ok(())
            });
            if let Value::Mapping(m) = node {
                res.obj = m;
            }
            result?;
        }
    }
    Ok(())
}

/// Adds `pairs` to the map at each matching field spec (labels, annotations, selectors).
fn set_map_fields(
    ra: &mut ResMap,
    pairs: &[(String, String)],
    specs: &[FieldSpec],
) -> Result<(), BuildError> {
    for res in &mut ra.items {
        let api_version = str_at(&res.obj, &["apiVersion"]).to_owned();
        let kind = res.kind().to_owned();
        let mut node = Value::Mapping(std::mem::take(&mut res.obj));
        for spec in specs.iter().filter(|s| s.matches(&api_version, &kind)) {
            fieldspec::visit(&mut node, &spec.path, spec.create, &mut |v| {
                if v.is_null() {
                    *v = Value::Mapping(Mapping::new());
                }
                let Value::Mapping(map) = v else {
                    return Err(BuildError::new(format!(
                        "{kind} {}: {} is not a map",
                        "",
                        spec.path.join("/")
                    )));
                };
                for (k, val) in pairs {
                    map.insert(k.clone().into(), val.clone().into());
                }
                Ok(())
            })?;
        }
        if let Value::Mapping(m) = node {
            res.obj = m;
        }
    }
    Ok(())
}

fn replicas(
    ra: &mut ResMap,
    entry: &Value,
    specs: &[FieldSpec],
    at: &Location,
) -> Result<(), BuildError> {
    let name = entry
        .get("name")
        .and_then(scalar_string)
        .unwrap_or_default();
    let count = entry
        .get("count")
        .and_then(Value::as_i64)
        .ok_or_else(|| BuildError::at(&at.child("count"), "expected a whole number"))?;
    // kustomize's replica count transformer: for each field spec, every resource with any id
    // of that name whose group, version and kind the spec selects.
    let mut found = false;
    for spec in specs {
        for res in &mut ra.items {
            // Names first: they rule out nearly every resource before an id is put together.
            let has_name = res.name() == name || res.previous_names().any(|n| n == name);
            if !has_name
                || !res
                    .id_refs()
                    .any(|id| id.name == name && spec.selects(id.group, id.version, id.kind))
            {
                continue;
            }
            found = true;
            let api_version = str_at(&res.obj, &["apiVersion"]).to_owned();
            if !spec.matches(&api_version, res.kind()) {
                continue;
            }
            let mut node = Value::Mapping(std::mem::take(&mut res.obj));
            let result = fieldspec::visit(&mut node, &spec.path, spec.create, &mut |v| {
                *v = Value::Number(count.into());
                Ok(())
            });
            if let Value::Mapping(m) = node {
                res.obj = m;
            }
            result?;
        }
    }
    if !found {
        let gvks: Vec<String> = specs.iter().map(FieldSpec::gvk_string).collect();
        return Err(BuildError::at(
            at,
            format!(
                "resource with name {name} does not match a config with the following GVK [{}]",
                gvks.join(" ")
            ),
        ));
    }
    Ok(())
}

/// `images:`: every container and init container image anywhere in every resource, plus the
/// configured field specs.
fn images(
    ra: &mut ResMap,
    entry: &Value,
    specs: &[FieldSpec],
    at: &Location,
) -> Result<(), BuildError> {
    let get = |key: &str| entry.get(key).and_then(scalar_string).unwrap_or_default();
    let rule = ImageRule {
        name: get("name"),
        new_name: get("newName"),
        new_tag: get("newTag"),
        digest: get("digest"),
    };
    if rule.name.is_empty() {
        return Err(BuildError::at(
            &at.child("name"),
            "an image entry needs a name",
        ));
    }
    let Ok(pattern) =
        regex_lite::Regex::new(&format!("^{}(@sha256)?(:[a-zA-Z0-9_.{{}}-]*)?$", rule.name))
    else {
        return Ok(());
    };
    for res in &mut ra.items {
        let mut node = Value::Mapping(std::mem::take(&mut res.obj));
        update_container_images(&mut node, &rule, &pattern);
        let api_version = str_at(
            node.as_mapping().unwrap_or(&Mapping::new()),
            &["apiVersion"],
        )
        .to_owned();
        let kind = node
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        for spec in specs.iter().filter(|s| s.matches(&api_version, &kind)) {
            let standard = spec
                .path
                .iter()
                .map(|p| p.trim_end_matches("[]"))
                .any(|p| p == "containers" || p == "initContainers");
            if standard {
                continue; // already covered by the walk
            }
            fieldspec::visit(&mut node, &spec.path, false, &mut |v| {
                if let Some(image) = v.as_str()
                    && pattern.is_match(image)
                {
                    *v = Value::String(rule.apply(image));
                }
                Ok(())
            })?;
        }
        if let Value::Mapping(m) = node {
            res.obj = m;
        }
    }
    Ok(())
}

struct ImageRule {
    name: String,
    new_name: String,
    new_tag: String,
    digest: String,
}

impl ImageRule {
    fn apply(&self, image: &str) -> String {
        let (mut name, mut tag, mut digest) = split_image(image);
        if !self.new_name.is_empty() {
            name.clone_from(&self.new_name);
        }
        if !self.new_tag.is_empty() && !self.digest.is_empty() {
            tag.clone_from(&self.new_tag);
            digest.clone_from(&self.digest);
        } else if !self.new_tag.is_empty() {
            tag.clone_from(&self.new_tag);
            digest.clear();
        } else if !self.digest.is_empty() {
            tag.clear();
            digest.clone_from(&self.digest);
        }
        if !tag.is_empty() {
            name = format!("{name}:{tag}");
        }
        if !digest.is_empty() {
            name = format!("{name}@{digest}");
        }
        name
    }
}

/// kustomize's `image.Split`: name, tag and digest, ignoring a registry's port.
fn split_image(image: &str) -> (String, String, String) {
    let slash = image.find('/').filter(|i| *i > 0).unwrap_or(0);
    let search = &image[slash..];
    let at = search.find('@');
    let colon = search.find(':');
    match (at, colon) {
        (None, None) => (image.to_owned(), String::new(), String::new()),
        (Some(at), c) if c.is_none_or(|c| at < c) => {
            let at = at + slash;
            (
                image[..at].to_owned(),
                String::new(),
                image[at + 1..].to_owned(),
            )
        }
        (Some(at), Some(colon)) => {
            let (at, colon) = (at + slash, colon + slash);
            (
                image[..colon].to_owned(),
                image[colon + 1..at].to_owned(),
                image[at + 1..].to_owned(),
            )
        }
        (None, Some(colon)) => {
            let colon = colon + slash;
            (
                image[..colon].to_owned(),
                image[colon + 1..].to_owned(),
                String::new(),
            )
        }
        (Some(_), None) => unreachable!("handled above"),
    }
}

fn update_container_images(node: &mut Value, rule: &ImageRule, pattern: &regex_lite::Regex) {
    match node {
        Value::Mapping(map) => {
            for (key, value) in map.iter_mut() {
                let is_list = matches!(key.as_str(), Some("containers" | "initContainers"));
                if is_list && let Value::Sequence(items) = value {
                    for item in items.iter_mut() {
                        if let Some(image) = item.get_mut("image")
                            && let Some(text) = image.as_str()
                            && pattern.is_match(text)
                        {
                            *image = Value::String(rule.apply(text));
                        }
                    }
                }
                update_container_images(value, rule, pattern);
            }
        }
        Value::Sequence(items) => {
            for item in items {
                update_container_images(item, rule, pattern);
            }
        }
        _ => {}
    }
}

/// Runs `plugin` with its configuration at `config_at`; an error in a configuration file also
/// names the kustomization entry that ran it.
fn run_plugin(
    plugin: &dyn super::Transformer,
    config: &Value,
    items: Vec<Mapping>,
    entry: &Location,
    config_at: &Location,
) -> Result<Vec<Mapping>, BuildError> {
    plugin.transform(config, items, config_at).map_err(|e| {
        if entry == config_at {
            e
        } else {
            e.within(entry)
        }
    })
}

/// `transformers:` entries: azfn's own config runs in-process; anything else is refused.
fn external_transformer(
    loader: &Loader<'_>,
    k: &Kustomization,
    entry: &Value,
    ra: &mut ResMap,
    at: &Location,
) -> Result<(), BuildError> {
    // Where the configuration is: its own file, or this entry when inline.
    let mut config_at = at.clone();
    let config = match entry {
        // An inline configuration, written as YAML text.
        Value::String(text) if text.contains('\n') => {
            crate::yaml::parse_documents(text, &at.file, crate::yaml::Limits::default())
                .map_err(|e| BuildError::inline(e, at))?
                .into_iter()
                .next()
                .unwrap_or_default()
        }
        Value::String(relative) => {
            let path = paths::join(&k.dir, relative)
                .ok_or_else(|| BuildError::at(at, format!("{relative}: path escapes the root")))?;
            if loader.source.read(&path).is_err() && loader.source.list(&path).is_ok() {
                return Err(BuildError::unsupported(
                    at,
                    &format!("transformers from a kustomization directory ({relative})"),
                ));
            }
            let (path, text) = loader.read_text(&k.dir, relative, at)?;
            let docs = crate::yaml::parse_documents(
                &text,
                &paths::display(&path),
                crate::yaml::Limits::default(),
            )
            .map_err(|e| BuildError::from(e).within(at))?;
            config_at = Location::file(paths::display(&path));
            docs.into_iter().next().unwrap_or_default()
        }
        inline => inline.clone(),
    };
    let api_version = config
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let kind = config
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let Some(plugin) = loader.options.transformers.find(api_version, kind) else {
        return Err(BuildError::unsupported(
            at,
            &format!(
                "transformer {api_version}/{kind} (no plugin for it runs in-process: azfn runs its own Azfn config)"
            ),
        ));
    };
    let items = plugin_items(loader, ra);
    let Some(recorder) = &loader.recorder else {
        let items = run_plugin(plugin, &config, items, at, &config_at)?;
        merge_plugin_output(ra, items);
        return Ok(());
    };
    let before = Recorder::before(ra);
    // Named as in the base, as the user wrote them.
    let named = ra
        .items
        .iter()
        .map(|r| (format!("{}/{}", r.kind(), r.base_name()), r.trace.clone()))
        .collect();
    let input_items = items.clone();
    let out = run_plugin(plugin, &config, items, at, &config_at)?;
    merge_plugin_output(ra, out);
    recorder.after_plugin(
        ra,
        &before,
        &PluginInputs {
            named,
            items: &input_items,
        },
        &At::located(&k.file, at),
        &|output, field| plugin.derived_from(output, field, &input_items),
    );
    Ok(())
}

/// The resources as a plugin gets them: kustomize tells plugins the names a resource had
/// before; `azfn parity` may rewrite them first.
fn plugin_items(loader: &Loader<'_>, ra: &ResMap) -> Vec<Mapping> {
    ra.items
        .iter()
        .map(|r| {
            let mut obj = r.obj.clone();
            loader.options.plugin_input.apply(r.base_name(), &mut obj);
            if !r.previous.is_empty() {
                let join = |field: fn(&super::resmap::PreviousId) -> &str| {
                    r.previous.iter().map(field).collect::<Vec<_>>().join(",")
                };
                let names = join(|id| &id.name);
                let namespaces = join(|id| &id.namespace);
                let kinds = join(|id| &id.kind);
                let annotations = annotations_mut(&mut obj);
                annotations.insert(PREVIOUS_KINDS.into(), kinds.into());
                annotations.insert(PREVIOUS_NAMES.into(), names.into());
                annotations.insert(PREVIOUS_NAMESPACES.into(), namespaces.into());
            }
            obj
        })
        .collect()
}

/// As kustomize merges a plugin's output: resources still there (by current id) keep their
/// place and what kustomize remembers about them; the rest go; new ones follow in order.
fn merge_plugin_output(ra: &mut ResMap, items: Vec<Mapping>) {
    let mut fresh: Vec<Option<Res>> = items
        .into_iter()
        .map(|mut obj| {
            strip_previous(&mut obj);
            Some(Res::new(obj))
        })
        .collect();
    let mut kept = Vec::new();
    for mut res in std::mem::take(&mut ra.items) {
        let id = res.id();
        if let Some(slot) = fresh
            .iter_mut()
            .find(|f| f.as_ref().is_some_and(|f| f.id().same(&id)))
            && let Some(update) = slot.take()
        {
            res.obj = update.obj;
            kept.push(res);
        }
    }
    kept.extend(fresh.into_iter().flatten());
    ra.items = kept;
}

const PREVIOUS_KINDS: &str = "internal.config.kubernetes.io/previousKinds";
const PREVIOUS_NAMES: &str = "internal.config.kubernetes.io/previousNames";
const PREVIOUS_NAMESPACES: &str = "internal.config.kubernetes.io/previousNamespaces";

fn annotations_mut(obj: &mut Mapping) -> &mut Mapping {
    let meta = super::resmap::metadata(obj);
    let entry = meta
        .entry("annotations".into())
        .or_insert_with(|| Value::Mapping(Mapping::new()));
    if !entry.is_mapping() {
        *entry = Value::Mapping(Mapping::new());
    }
    entry.as_mapping_mut().expect("just made a mapping")
}

fn strip_previous(obj: &mut Mapping) {
    let Some(Value::Mapping(meta)) = obj.get_mut("metadata") else {
        return;
    };
    let Some(Value::Mapping(annotations)) = meta.get_mut("annotations") else {
        return;
    };
    annotations.remove(PREVIOUS_KINDS);
    annotations.remove(PREVIOUS_NAMES);
    annotations.remove(PREVIOUS_NAMESPACES);
    if annotations.is_empty() {
        meta.remove("annotations");
    }
}

/// `buildMetadata: [originAnnotations, transformerAnnotations, managedByLabel]`, with paths
/// relative to the top kustomization's directory `top`.
pub(crate) fn build_metadata(
    ra: &mut ResMap,
    options: &[String],
    top: &str,
) -> Result<(), BuildError> {
    for option in options {
        if !matches!(
            option.as_str(),
            "originAnnotations" | "transformerAnnotations" | "managedByLabel"
        ) {
            return Err(BuildError::new(format!(
                "buildMetadata: unknown option {option:?}, expected originAnnotations, transformerAnnotations or managedByLabel"
            )));
        }
    }
    let has = |o: &str| options.iter().any(|x| x == o);
    for res in &mut ra.items {
        if has("originAnnotations")
            && let Some(origin) = &res.origin
        {
            let text = match origin {
                super::resmap::ResourceOrigin::File(path) => {
                    format!("path: {}\n", paths::relative(top, path))
                }
                super::resmap::ResourceOrigin::Generator {
                    kustomization,
                    kind,
                } => format!(
                    "configuredIn: {}\nconfiguredBy:\n  apiVersion: builtin\n  kind: {kind}\n",
                    paths::relative(top, kustomization)
                ),
            };
            annotations_mut(&mut res.obj).insert("config.kubernetes.io/origin".into(), text.into());
        }
        if has("transformerAnnotations") && !res.transformations.is_empty() {
            let text = res
                .transformations
                .iter()
                .fold(String::new(), |mut text, (file, kind)| {
                    use std::fmt::Write as _;
                    let _ = write!(
                        text,
                        "- configuredIn: {}\n  configuredBy:\n    apiVersion: builtin\n    kind: {kind}\n",
                        paths::relative(top, file)
                    );
                    text
                });
            annotations_mut(&mut res.obj).insert(
                "alpha.config.kubernetes.io/transformations".into(),
                text.into(),
            );
        }
        if has("managedByLabel") {
            let meta = super::resmap::metadata(&mut res.obj);
            let labels = meta
                .entry("labels".into())
                .or_insert_with(|| Value::Mapping(Mapping::new()));
            if let Value::Mapping(labels) = labels {
                labels.insert(
                    "app.kubernetes.io/managed-by".into(),
                    "kustomize-v5.5.0".into(),
                );
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::push_decimal;

    #[test]
    fn push_decimal_writes_what_to_string_writes() {
        for n in [0, 1, 9, 10, 99, 100, 12_345, usize::MAX] {
            let mut out = String::from("x");
            push_decimal(&mut out, n);
            assert_eq!(out, format!("x{n}"));
        }
    }
}
