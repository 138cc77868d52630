//! The KRM function's parity check needs the sibling overlays, and the sandboxed module reads no
//! files: the host reads them and passes them in the function config as `spec.parity.tree`
//! (path to text), and takes them out of what it passes on.
//!
//! The manifests are the untrusted part, so the host reads no more than a build would:
//! - the policy path is relative, and the policy's folder (symlinks resolved) holds the folder
//!   the build runs in: a policy can only look down on the kustomization that names it;
//! - the policy is read and parsed before anything else, and a file that is not a
//!   ParityPolicy stops everything, without its content in the message;
//! - then only the files its environments' builds read, found by running those builds over a
//!   source that records each read (the module later runs the same builds on the same files),
//!   each of them inside the policy's folder after symlinks are resolved.
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use azfn_core::source::{FileSource, SourceError};
use azfn_core::yaml::{Mapping, Value};

/// At most this many bytes in all (the largest input the host accepts).
const MAX_TREE: usize = 32 << 20;

/// Whether `config` asks for a parity check.
pub(crate) fn wanted(config: Option<&Value>) -> bool {
    config
        .and_then(|c| c.get("spec"))
        .and_then(|s| s.get("parity"))
        .is_some_and(Value::is_mapping)
}

/// Reads what the policy's environments build into `spec.parity.tree`; the policy path,
/// relative to `base` (the kustomization, where kustomize runs its plugins), becomes relative
/// to the policy's folder.
pub(crate) fn inject(config: &mut Value, base: &Path) -> Result<(), String> {
    let Some(Value::Mapping(parity)) = config.get_mut("spec").and_then(|s| s.get_mut("parity"))
    else {
        return Ok(());
    };
    let Some(policy) = parity.get("policy").and_then(Value::as_str) else {
        // The module names the missing field.
        return Ok(());
    };
    let tree = read_tree(policy, base)?;
    let name = tree.policy_name.clone();
    parity.insert("policy".into(), name.into());
    let mut files = Mapping::new();
    for (k, v) in tree.files {
        files.insert(Value::String(k), Value::String(v));
    }
    parity.insert("tree".into(), Value::Mapping(files));
    Ok(())
}

/// The files one parity check needs, keyed by their path under the policy's folder.
pub(crate) struct Tree {
    /// The policy's file name (it sits at the top of the tree).
    pub policy_name: String,
    /// Path to text; the policy included.
    pub files: BTreeMap<String, String>,
}

/// The policy named by `spec.parity.policy` (`policy`, relative to `base`) and the files its
/// environments' builds read.
pub(crate) fn read_tree(policy: &str, base: &Path) -> Result<Tree, String> {
    let field = "spec.parity.policy";
    if Path::new(policy).is_absolute() || policy.starts_with('\\') || policy.contains(':') {
        return Err(format!(
            "{field}: {policy}: an absolute path; name the policy relative to the kustomization"
        ));
    }
    let here =
        std::fs::canonicalize(base).map_err(|e| format!("{field}: {}: {e}", base.display()))?;
    let real =
        std::fs::canonicalize(base.join(policy)).map_err(|e| format!("{field}: {policy}: {e}"))?;
    let root = real.parent().unwrap_or(Path::new("/")).to_path_buf();
    if !here.starts_with(&root) {
        return Err(format!(
            "{field}: {policy} is in {}, which does not hold this kustomization ({}); the policy must sit in the kustomization's folder or a folder above it",
            root.display(),
            here.display()
        ));
    }
    if !real.is_file() {
        return Err(format!("{field}: {policy}: not a file"));
    }
    let policy_name = real
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let source = Confined::new(root);
    // The policy first: a file that is not a ParityPolicy stops everything here, and only its
    // kind is described, never its text.
    let bytes = source
        .read(&policy_name)
        .map_err(|e| format!("{field}: {policy}: {e}"))?;
    if !is_parity_policy(&bytes) {
        return Err(format!(
            "{field}: {policy} is not a ParityPolicy (apiVersion azfn.dev/v1alpha1, kind ParityPolicy); nothing else was read"
        ));
    }
    let in_tree = azfn_core::parity::read_policy(&source, &policy_name)
        .map_err(|e| format!("{field}: {e}"))?;
    for (name, folder) in &in_tree.environments {
        // Errors are the module's to report, with the same files: only the reads matter here.
        let _ = azfn_core::overlay::build(&source, folder, &azfn_core::function::build_options());
        if let Some(escape) = source.escapes.borrow().first() {
            return Err(format!(
                "spec.parity: environment {name} ({folder}) reads {escape}, outside the policy's folder {}",
                source.root.display()
            ));
        }
    }
    if let Some(problem) = source.problem.borrow_mut().take() {
        return Err(format!("spec.parity: {problem}"));
    }
    let files = source.read.into_inner();
    Ok(Tree { policy_name, files })
}

/// Whether the first document says `apiVersion: azfn.dev/v1alpha1` and `kind: ParityPolicy`.
fn is_parity_policy(bytes: &[u8]) -> bool {
    let Ok(text) = azfn_core::text::decode(bytes) else {
        return false;
    };
    let Ok(docs) =
        azfn_core::yaml::parse_documents(&text, "policy", azfn_core::yaml::Limits::default())
    else {
        return false;
    };
    docs.first().is_some_and(|doc| {
        doc.get("kind").and_then(Value::as_str) == Some(azfn_core::parity::KIND)
            && doc.get("apiVersion").and_then(Value::as_str) == Some("azfn.dev/v1alpha1")
    })
}

/// The disk below `root`, as a [`FileSource`] that records every file it hands out and
/// refuses (and records) every path that resolves outside `root`.
struct Confined {
    root: PathBuf,
    read: RefCell<BTreeMap<String, String>>,
    total: RefCell<usize>,
    escapes: RefCell<Vec<String>>,
    problem: RefCell<Option<String>>,
}

impl Confined {
    fn new(root: PathBuf) -> Self {
        Self {
            root,
            read: RefCell::default(),
            total: RefCell::new(0),
            escapes: RefCell::default(),
            problem: RefCell::default(),
        }
    }

    /// Where `path` really is, if that is inside the root.
    fn real(&self, path: &str) -> Result<PathBuf, SourceError> {
        if path.split('/').any(|p| p == "..") || Path::new(path).is_absolute() {
            self.escapes.borrow_mut().push(path.to_owned());
            return Err(SourceError::Escapes(path.to_owned()));
        }
        let joined = self.root.join(path);
        let real = std::fs::canonicalize(&joined).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => SourceError::NotFound(path.to_owned()),
            _ => SourceError::Other {
                path: path.to_owned(),
                message: e.to_string(),
            },
        })?;
        if !real.starts_with(&self.root) {
            self.escapes
                .borrow_mut()
                .push(format!("{path} (really {})", real.display()));
            return Err(SourceError::Escapes(path.to_owned()));
        }
        Ok(real)
    }
}

impl FileSource for Confined {
    fn read(&self, path: &str) -> Result<Vec<u8>, SourceError> {
        let key = path.trim_start_matches("./").trim_matches('/').to_owned();
        if let Some(text) = self.read.borrow().get(&key) {
            return Ok(text.clone().into_bytes());
        }
        let real = self.real(&key)?;
        if real.is_dir() {
            return Err(SourceError::NotFound(path.to_owned()));
        }
        let bytes = std::fs::read(&real).map_err(|e| SourceError::Other {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        let mut total = self.total.borrow_mut();
        *total += bytes.len();
        if *total > MAX_TREE {
            self.problem.borrow_mut().get_or_insert_with(|| {
                format!(
                    "the environments' builds read more than {} MiB",
                    MAX_TREE >> 20
                )
            });
            return Err(SourceError::Other {
                path: path.to_owned(),
                message: "over the size limit".into(),
            });
        }
        // The module receives text: a file that is not text could not be built there either.
        match azfn_core::text::decode_owned(bytes) {
            Ok(text) => {
                self.read.borrow_mut().insert(key, text.clone());
                Ok(text.into_bytes())
            }
            Err(e) => {
                self.problem
                    .borrow_mut()
                    .get_or_insert_with(|| format!("{path}: {e}"));
                Err(SourceError::Other {
                    path: path.to_owned(),
                    message: e.to_string(),
                })
            }
        }
    }

    fn list(&self, dir: &str) -> Result<Vec<String>, SourceError> {
        let real = self.real(dir.trim_matches('/'))?;
        crate::build::list_dir(&real, dir, dir)
    }

    fn resolve(&self, path: &str) -> Result<String, SourceError> {
        let real = self.real(path.trim_matches('/'))?;
        let relative = real
            .strip_prefix(&self.root)
            .map_err(|_| SourceError::Escapes(path.to_owned()))?;
        Ok(relative.to_string_lossy().replace('\\', "/"))
    }
}

/// Takes the tree out of a function config the module wrote back.
pub(crate) fn remove(config: &mut Value) {
    if let Some(Value::Mapping(parity)) = config.get_mut("spec").and_then(|s| s.get_mut("parity")) {
        parity.remove("tree");
    }
}
