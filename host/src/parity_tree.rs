//! The KRM function's parity check needs the sibling overlays, and the sandboxed module reads no
//! files: the host reads the ParityPolicy's folder and passes it in the function config as
//! `spec.parity.tree` (path to text), and takes it out of what it passes on.
use std::collections::BTreeMap;
use std::path::Path;

use azfn_core::yaml::{Mapping, Value};

/// At most this many bytes of one file, and of the whole tree.
const MAX_FILE: u64 = 1 << 20;
const MAX_TREE: usize = 32 << 20;
/// Folders that never hold overlays.
const SKIPPED: &[&str] = &["node_modules", "target"];

/// Whether `config` asks for a parity check.
pub(crate) fn wanted(config: Option<&Value>) -> bool {
    config
        .and_then(|c| c.get("spec"))
        .and_then(|s| s.get("parity"))
        .is_some_and(Value::is_mapping)
}

/// Reads the policy's folder into `spec.parity.tree`; the policy path, relative to `base` (the
/// kustomization, where kustomize runs its plugins), becomes relative to that folder.
pub(crate) fn inject(config: &mut Value, base: &Path) -> Result<(), String> {
    let Some(Value::Mapping(parity)) = config.get_mut("spec").and_then(|s| s.get_mut("parity"))
    else {
        return Ok(());
    };
    let Some(policy) = parity.get("policy").and_then(Value::as_str) else {
        // The module names the missing field.
        return Ok(());
    };
    let path = base.join(policy);
    let path = std::fs::canonicalize(&path)
        .map_err(|e| format!("spec.parity.policy: {}: {e}", path.display()))?;
    let root = path.parent().unwrap_or(Path::new("/"));
    let mut tree = BTreeMap::new();
    let mut total = 0;
    read(root, root, &mut tree, &mut total)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    parity.insert("policy".into(), name.into());
    let mut files = Mapping::new();
    for (k, v) in tree {
        files.insert(Value::String(k), Value::String(v));
    }
    parity.insert("tree".into(), Value::Mapping(files));
    Ok(())
}

fn read(
    root: &Path,
    dir: &Path,
    tree: &mut BTreeMap<String, String>,
    total: &mut usize,
) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with('.') || SKIPPED.contains(&name.as_str()) {
            continue;
        }
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            read(root, &path, tree, total)?;
        } else if meta.is_file() && meta.len() <= MAX_FILE {
            // Binary files are no kustomization input.
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            *total += text.len();
            if *total > MAX_TREE {
                return Err(format!(
                    "spec.parity: {} holds more than {} MiB of files; put the policy next to the overlays",
                    root.display(),
                    MAX_TREE >> 20
                ));
            }
            let relative = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            tree.insert(relative, text);
        }
    }
    Ok(())
}

/// Takes the tree out of a function config the module wrote back.
pub(crate) fn remove(config: &mut Value) {
    if let Some(Value::Mapping(parity)) = config.get_mut("spec").and_then(|s| s.get_mut("parity")) {
        parity.remove("tree");
    }
}
