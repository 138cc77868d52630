//! Teams' Rego policies: the sandboxed module reads no files, so the host reads each
//! `spec.policies[].path` folder and passes its `.rego` files in the function config as
//! `files` (path to text), and takes them out of what it passes on.
//!
//! A policy folder named in a config is part of the untrusted input, so the host reads no
//! more than it must:
//! - the path is relative, and the folder (symlinks resolved) lies inside the repository that
//!   holds the kustomization (the nearest folder above it with a `.git`; without one, the
//!   kustomization's own folder);
//! - only `*.rego` files, each of them inside the folder after symlinks are resolved, at most
//!   [`MAX_FILES`] files and [`MAX_BYTES`] bytes in all, never more than [`MAX_DEPTH`] folders
//!   deep; hidden folders are skipped.
//!
//! A folder named on the command line (`--policy DIR`) is the caller's choice and is read
//! with the same limits, without the repository rule.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use azfn_core::yaml::{Mapping, Value};

/// At most this many `.rego` files in one folder.
pub(crate) const MAX_FILES: usize = 256;
/// At most this many bytes of them in all.
pub(crate) const MAX_BYTES: usize = 4 << 20;
/// At most this many folders deep.
pub(crate) const MAX_DEPTH: usize = 8;

thread_local! {
    /// The `.rego` files read while [`recording`] runs, as the build names files.
    static READ: std::cell::RefCell<Option<std::collections::BTreeSet<String>>> =
        const { std::cell::RefCell::new(None) };
}

/// Runs `f`, and gives the `.rego` files it read (as the build names files): which builds a
/// changed policy affects (`azfn check --affected`).
pub(crate) fn recording<T>(f: impl FnOnce() -> T) -> (T, std::collections::BTreeSet<String>) {
    READ.with(|read| *read.borrow_mut() = Some(std::collections::BTreeSet::new()));
    let out = f();
    let read = READ
        .with(|read| read.borrow_mut().take())
        .unwrap_or_default();
    (out, read)
}

/// Whether `config` names policy folders.
pub(crate) fn wanted(config: Option<&Value>) -> bool {
    config
        .and_then(|c| c.get("spec"))
        .and_then(|s| s.get("policies"))
        .and_then(Value::as_sequence)
        .is_some_and(|s| !s.is_empty())
}

/// Reads each `spec.policies[].path` of `config` (relative to `base`, the kustomization or the
/// config's folder) into its `files`.
pub(crate) fn inject(config: &mut Value, base: &Path) -> Result<(), String> {
    let Some(Value::Sequence(entries)) = config.get_mut("spec").and_then(|s| s.get_mut("policies"))
    else {
        return Ok(());
    };
    for (i, entry) in entries.iter_mut().enumerate() {
        let Value::Mapping(entry) = entry else {
            continue;
        };
        // The module names a missing path; a config cannot bring its own files.
        entry.remove("files");
        let Some(path) = entry.get("path").and_then(Value::as_str) else {
            continue;
        };
        let files = confined(base, path)
            .and_then(|dir| read_folder(&dir, path))
            .map_err(|e| format!("spec.policies[{i}].path: {e}"))?;
        entry.insert("files".into(), Value::Mapping(to_mapping(files)));
    }
    Ok(())
}

/// Takes the files out again.
pub(crate) fn remove(config: &mut Value) {
    if let Some(Value::Sequence(entries)) =
        config.get_mut("spec").and_then(|s| s.get_mut("policies"))
    {
        for entry in entries {
            if let Value::Mapping(entry) = entry {
                entry.remove("files");
            }
        }
    }
}

/// Appends a folder named on the command line to `config`'s `spec.policies`, creating the
/// config when there is none.
pub(crate) fn add_folder(config: &mut Option<Value>, dir: &Path) -> Result<(), String> {
    let shown = dir.display().to_string();
    let files = read_folder(dir, &shown)?;
    let mut entry = Mapping::new();
    entry.insert("path".into(), shown.into());
    entry.insert("files".into(), Value::Mapping(to_mapping(files)));
    policies_of(config)?.push(Value::Mapping(entry));
    Ok(())
}

/// Appends the policies a build's own config ran (their files already read) to `config`'s
/// `spec.policies`, each folder once, creating the config when there is none.
pub(crate) fn add_read(
    config: &mut Option<Value>,
    policies: &[azfn_core::config::PolicyConfig],
) -> Result<(), String> {
    for policy in policies {
        let list = policies_of(config)?;
        if list
            .iter()
            .any(|p| p.get("path").and_then(Value::as_str) == Some(policy.path.as_str()))
        {
            continue;
        }
        let mut entry = Mapping::new();
        entry.insert("path".into(), policy.path.clone().into());
        if policy.input == azfn_core::rego::InputMode::Combined {
            entry.insert("input".into(), "combined".into());
        }
        entry.insert(
            "files".into(),
            Value::Mapping(to_mapping(policy.files.clone())),
        );
        list.push(Value::Mapping(entry));
    }
    Ok(())
}

/// `spec.policies` of `config`, created (with the config) where missing.
fn policies_of(config: &mut Option<Value>) -> Result<&mut Vec<Value>, String> {
    let config = config.get_or_insert_with(|| {
        let mut root = Mapping::new();
        root.insert("apiVersion".into(), azfn_core::config::API_VERSION.into());
        root.insert("kind".into(), azfn_core::config::CONFIG_KIND.into());
        let mut metadata = Mapping::new();
        metadata.insert("name".into(), "azfn".into());
        root.insert("metadata".into(), Value::Mapping(metadata));
        Value::Mapping(root)
    });
    let Value::Mapping(root) = config else {
        return Err("the function config is not an object".into());
    };
    let spec = root
        .entry("spec".into())
        .or_insert_with(|| Value::Mapping(Mapping::new()));
    if spec.is_null() {
        *spec = Value::Mapping(Mapping::new());
    }
    let Value::Mapping(spec) = spec else {
        return Err("spec of the function config is not an object".into());
    };
    let policies = spec
        .entry("policies".into())
        .or_insert_with(|| Value::Sequence(Vec::new()));
    match policies {
        Value::Sequence(list) => Ok(list),
        _ => Err("spec.policies of the function config is not a list".into()),
    }
}

fn to_mapping(files: BTreeMap<String, String>) -> Mapping {
    files
        .into_iter()
        .map(|(k, v)| (Value::String(k), Value::String(v)))
        .collect()
}

/// The reader azfn's in-process transformer uses: `base` is the config's folder as the
/// build names it (from `/`).
pub(crate) fn read_for_build(base: &str, path: &str) -> Result<BTreeMap<String, String>, String> {
    let base = Path::new("/").join(base);
    confined(&base, path).and_then(|dir| read_folder(&dir, path))
}

/// The nearest folder at or above `dir` with a `.git`, else `dir`.
fn repository_of(dir: &Path) -> PathBuf {
    dir.ancestors()
        .find(|d| d.join(".git").exists())
        .unwrap_or(dir)
        .to_path_buf()
}

/// `path` below `base`, refused unless it is relative and lies inside the repository.
fn confined(base: &Path, path: &str) -> Result<PathBuf, String> {
    if Path::new(path).is_absolute() || path.starts_with('\\') || path.contains(':') {
        return Err(format!(
            "{path}: an absolute path; name the policy folder relative to the kustomization"
        ));
    }
    let here = std::fs::canonicalize(base).map_err(|e| format!("{}: {e}", base.display()))?;
    let real = std::fs::canonicalize(here.join(path)).map_err(|e| format!("{path}: {e}"))?;
    let root = repository_of(&here);
    if !real.starts_with(&root) {
        return Err(format!(
            "{path} resolves to {}, outside the repository {}; policies must live in the repository that holds the kustomization",
            real.display(),
            root.display()
        ));
    }
    if !real.is_dir() {
        return Err(format!("{path}: not a folder"));
    }
    Ok(real)
}

/// The `.rego` files below `dir`, keyed `shown/relative/path.rego`.
pub(crate) fn read_folder(dir: &Path, shown: &str) -> Result<BTreeMap<String, String>, String> {
    let real = std::fs::canonicalize(dir).map_err(|e| format!("{shown}: {e}"))?;
    if !real.is_dir() {
        return Err(format!("{shown}: not a folder"));
    }
    let mut files = BTreeMap::new();
    let mut total = 0;
    walk(
        &real,
        &real,
        shown.trim_end_matches('/'),
        0,
        &mut files,
        &mut total,
    )?;
    if files.is_empty() {
        return Err(format!("{shown}: no .rego files"));
    }
    Ok(files)
}

fn walk(
    root: &Path,
    dir: &Path,
    shown: &str,
    depth: usize,
    files: &mut BTreeMap<String, String>,
    total: &mut usize,
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!("{shown}: more than {MAX_DEPTH} folders deep"));
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{shown}: {e}"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with('.') {
            continue;
        }
        let real = std::fs::canonicalize(&path).map_err(|e| format!("{shown}/{name}: {e}"))?;
        if !real.starts_with(root) {
            return Err(format!(
                "{shown}/{name} resolves to {}, outside the policy folder",
                real.display()
            ));
        }
        if real.is_dir() {
            walk(
                root,
                &real,
                &format!("{shown}/{name}"),
                depth + 1,
                files,
                total,
            )?;
            continue;
        }
        if Path::new(&name).extension().is_none_or(|e| e != "rego") {
            continue;
        }
        if files.len() == MAX_FILES {
            return Err(format!("{shown}: more than {MAX_FILES} .rego files"));
        }
        let bytes = std::fs::read(&real).map_err(|e| format!("{shown}/{name}: {e}"))?;
        READ.with(|read| {
            if let Some(read) = read.borrow_mut().as_mut() {
                read.insert(crate::build::relative(&real));
            }
        });
        *total += bytes.len();
        if *total > MAX_BYTES {
            return Err(format!(
                "{shown}: the .rego files exceed {MAX_BYTES} bytes in all"
            ));
        }
        let text =
            azfn_core::text::decode_owned(bytes).map_err(|e| format!("{shown}/{name}: {e}"))?;
        files.insert(format!("{shown}/{name}"), text);
    }
    Ok(())
}
